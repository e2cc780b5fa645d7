/* Type registries (msg/msgtype, actor/atype): ids from names, duplicates and collisions refused, handler
 * lookup, freezing. */
#include <CUnit/CUnit.h>

#include "actor/atype.h"
#include "msg/msgtype.h"
#include "support/unit.h"
#include "util/hash.h"

static int h1(rap_ctx *c, void *s, rap_aid f, const void *d, size_t l)
{
    (void)c, (void)s, (void)f, (void)d, (void)l;
    return 1;
}
static int h2(rap_ctx *c, void *s, rap_aid f, const void *d, size_t l)
{
    (void)c, (void)s, (void)f, (void)d, (void)l;
    return 2;
}
static void on_err(rap_ctx *c, void *s, const rap_error_event *e) { (void)c, (void)s, (void)e; }

static void registry_reset(void)
{
    rap__atype_reset();
    rap__msgtype_reset();
}

static int setup(void)
{
    registry_reset();
    return 0;
}

static void id_is_the_name_hash(void)
{
    uint32_t id = 0, id2 = 0;

    registry_reset();
    CU_ASSERT_EQUAL(rap_msg_type_register("test.ping", 8, RAP_MSG_FIXED, &id), RAP_OK);
    CU_ASSERT_EQUAL(id, rap__hash_name("test.ping"));
    CU_ASSERT_EQUAL(rap_type_id("test.ping", &id2), RAP_OK);
    CU_ASSERT_EQUAL(id, id2);
    CU_ASSERT_PTR_NOT_NULL(rap__msgtype_find(id));
    CU_ASSERT_STRING_EQUAL(rap__msgtype_find(id)->name, "test.ping");
    CU_ASSERT_PTR_NULL(rap__msgtype_find(id + 1));
}

static void duplicates_and_collisions_are_refused(void)
{
    uint32_t id = 0, id2 = 7;

    registry_reset();
    CU_ASSERT_EQUAL(rap_msg_type_register("dup", 4, RAP_MSG_FIXED, &id), RAP_OK);
    CU_ASSERT_EQUAL(rap_msg_type_register("dup", 4, RAP_MSG_FIXED, &id2), RAP_EEXIST);
    CU_ASSERT_EQUAL(id2, 7u); /* out-parameter untouched on error */
    /* "type.16718" and "type.632262" share the FNV-1a id ca94b34e. */
    CU_ASSERT_EQUAL(rap__hash_name("type.16718"), rap__hash_name("type.632262"));
    CU_ASSERT_EQUAL(rap_msg_type_register("type.16718", 4, RAP_MSG_FIXED, NULL), RAP_OK);
    CU_ASSERT_EQUAL(rap_msg_type_register("type.632262", 4, RAP_MSG_FIXED, NULL), RAP_ECOLLIDE);
    CU_ASSERT_EQUAL(rap_actor_type_register("type.16718", 0, NULL, NULL, NULL), RAP_OK);
    CU_ASSERT_EQUAL(rap_actor_type_register("type.632262", 0, NULL, NULL, NULL), RAP_ECOLLIDE);
    CU_ASSERT_EQUAL(rap_actor_type_register("type.16718", 0, NULL, NULL, NULL), RAP_EEXIST);
    /* "r9636498" hashes to 0xc, inside the runtime's reserved range. */
    CU_ASSERT_EQUAL(rap__hash_name("r9636498"), 0xcu);
    CU_ASSERT_EQUAL(rap_msg_type_register("r9636498", 4, RAP_MSG_FIXED, NULL), RAP_ECOLLIDE);
    /* Names starting "rap." are the runtime's. */
    CU_ASSERT_EQUAL(rap_msg_type_register("rap.spawned", 16, RAP_MSG_FIXED, NULL), RAP_EINVAL);
    CU_ASSERT_EQUAL(rap_actor_type_register("rap.mine", 0, NULL, NULL, NULL), RAP_EINVAL);
}

static void bad_arguments(void)
{
    registry_reset();
    CU_ASSERT_EQUAL(rap_msg_type_register(NULL, 4, RAP_MSG_FIXED, NULL), RAP_EINVAL);
    CU_ASSERT_EQUAL(rap_msg_type_register("", 4, RAP_MSG_FIXED, NULL), RAP_EINVAL);
    CU_ASSERT_EQUAL(rap_msg_type_register("x.fixed0", 0, RAP_MSG_FIXED, NULL), RAP_EINVAL);
    CU_ASSERT_EQUAL(rap_msg_type_register("x.flags", 4, 7u, NULL), RAP_EINVAL);
    CU_ASSERT_EQUAL(rap_msg_type_register("x.huge", RAP_MAX_PAYLOAD + 1, RAP_MSG_VAR, NULL), RAP_EINVAL);
    CU_ASSERT_EQUAL(rap_actor_type_register(NULL, 0, NULL, NULL, NULL), RAP_EINVAL);
    CU_ASSERT_EQUAL(rap_actor_type_on(12345, RAP_MSG_SPAWNED, h1), RAP_ENOTYPE);
    CU_ASSERT_EQUAL(rap_actor_type_on_error(12345, on_err), RAP_ENOTYPE);
    CU_ASSERT_EQUAL(rap_type_id(NULL, NULL), RAP_EINVAL);
}

static void length_rules(void)
{
    uint32_t fixed, var, unlimited;

    registry_reset();
    CU_ASSERT_EQUAL_FATAL(rap_msg_type_register("len.fixed", 16, RAP_MSG_FIXED, &fixed), RAP_OK);
    CU_ASSERT_EQUAL_FATAL(rap_msg_type_register("len.var", 100, RAP_MSG_VAR, &var), RAP_OK);
    CU_ASSERT_EQUAL_FATAL(rap_msg_type_register("len.any", 0, RAP_MSG_VAR, &unlimited), RAP_OK);
    CU_ASSERT_EQUAL(rap__msgtype_check_len(rap__msgtype_find(fixed), 16), RAP_OK);
    CU_ASSERT_EQUAL(rap__msgtype_check_len(rap__msgtype_find(fixed), 15), RAP_EINVAL);
    CU_ASSERT_EQUAL(rap__msgtype_check_len(rap__msgtype_find(var), 0), RAP_OK);
    CU_ASSERT_EQUAL(rap__msgtype_check_len(rap__msgtype_find(var), 100), RAP_OK);
    CU_ASSERT_EQUAL(rap__msgtype_check_len(rap__msgtype_find(var), 101), RAP_ETOOBIG);
    CU_ASSERT_EQUAL(rap__msgtype_check_len(rap__msgtype_find(unlimited), 64u << 20), RAP_OK);
    CU_ASSERT_EQUAL(rap__msgtype_check_len(rap__msgtype_find(unlimited), RAP_MAX_PAYLOAD + 1), RAP_ETOOBIG);
}

static void handlers_dispatch_by_type_and_freeze(void)
{
    uint32_t a, m[40];
    char name[32];

    registry_reset();
    CU_ASSERT_EQUAL_FATAL(rap_actor_type_register("h.actor", 8, NULL, NULL, &a), RAP_OK);
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof(name), "h.msg%d", i);
        CU_ASSERT_EQUAL_FATAL(rap_msg_type_register(name, 4, RAP_MSG_FIXED, &m[i]), RAP_OK);
        if (i % 2 == 0) {
            CU_ASSERT_EQUAL(rap_actor_type_on(a, m[i], i % 4 ? h2 : h1), RAP_OK);
        }
    }
    CU_ASSERT_EQUAL(rap_actor_type_on(a, m[0], h2), RAP_EEXIST);
    CU_ASSERT_EQUAL(rap_actor_type_on(a, m[0], NULL), RAP_EINVAL);
    CU_ASSERT_EQUAL(rap_actor_type_on(a, 99, h1), RAP_ENOTYPE);
    CU_ASSERT_EQUAL(rap_actor_type_on_error(a, on_err), RAP_OK);
    CU_ASSERT_EQUAL(rap_actor_type_on_error(a, on_err), RAP_EEXIST);
    rap__msgtype_freeze();
    rap__atype_freeze();
    const rap_actor_type *at = rap__atype_find(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    for (int i = 0; i < 40; i++) {
        rap_handler_fn fn = rap__atype_handler(at, m[i]);
        if (i % 2) {
            CU_ASSERT_PTR_NULL(fn);
        } else {
            CU_ASSERT_PTR_EQUAL(fn, i % 4 ? h2 : h1);
        }
    }
    CU_ASSERT_EQUAL(rap_msg_type_register("late", 4, RAP_MSG_FIXED, NULL), RAP_ESTATE);
    CU_ASSERT_EQUAL(rap_actor_type_register("late", 0, NULL, NULL, NULL), RAP_ESTATE);
    CU_ASSERT_EQUAL(rap_actor_type_on(a, m[1], h1), RAP_ESTATE);
    rap__msgtype_thaw();
    rap__atype_thaw();
    CU_ASSERT_EQUAL(rap_msg_type_register("late", 4, RAP_MSG_FIXED, NULL), RAP_OK);
    registry_reset();
}

static CU_TestInfo tests[] = {
    { "id is the name hash", id_is_the_name_hash },
    { "duplicates and collisions are refused", duplicates_and_collisions_are_refused },
    { "bad arguments", bad_arguments },
    { "length rules", length_rules },
    { "handlers dispatch by type; freeze", handlers_dispatch_by_type_and_freeze },
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
    { .pName = "msg/msgtype + actor/atype", .pInitFunc = setup, .pTests = tests },
    CU_SUITE_INFO_NULL,
};

int main(void) { return rap_test_run(suites); }
