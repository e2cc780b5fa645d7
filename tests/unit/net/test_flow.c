/* Flow control's arithmetic (net/flow.h), on its own: when a message may
 * go, when a credit is due, what a message and a batch are charged. */
#include <CUnit/CUnit.h>
#include <string.h>

#include "net/flow.h"
#include "net/net_int.h"
#include "support/unit.h"

#define W 1000000u /* a window */

static void a_message_fits_the_window(void)
{
    CU_ASSERT_TRUE(rap__flow_fits(0, 10, W));
    CU_ASSERT_TRUE(rap__flow_fits(W - 10, 10, W));
    CU_ASSERT_FALSE(rap__flow_fits(W - 9, 10, W));
    /* Larger than the window: goes alone, when nothing is outstanding. */
    CU_ASSERT_TRUE(rap__flow_fits(0, 3 * W, W));
    CU_ASSERT_FALSE(rap__flow_fits(1, 3 * W, W));
}

static void credit_is_due_at_a_quarter_or_when_asked(void)
{
    /* Unasked: a quarter of the window consumed and unreturned. */
    CU_ASSERT_FALSE(rap__flow_due(W / 4 - 1, 0, W, W, false));
    CU_ASSERT_TRUE(rap__flow_due(W / 4, 0, W, W, false));
    CU_ASSERT_TRUE(rap__flow_due(W / 4 + 500, 500, W, W, false));
    CU_ASSERT_FALSE(rap__flow_due(W / 4 + 500, 501, W, W, false));
    /* Asked: a 32nd of the window, or everything received consumed. */
    CU_ASSERT_FALSE(rap__flow_due(W / 32 - 1, 0, W, W, true));
    CU_ASSERT_TRUE(rap__flow_due(W / 32, 0, W, W, true));
    CU_ASSERT_TRUE(rap__flow_due(100, 0, 100, W, true));
    CU_ASSERT_FALSE(rap__flow_due(100, 0, 101, W, true));
    /* Nothing unreturned: never, asked or not. */
    CU_ASSERT_FALSE(rap__flow_due(100, 100, 100, W, true));
    CU_ASSERT_FALSE(rap__flow_due(100, 200, 200, W, true)); /* a later credit covered it */
}

static void charges_of_messages_and_batches(void)
{
    rap_env *m = rap__env_alloc(40), *b = rap__env_alloc(512), *s = rap__env_alloc(16);
    char *p;

    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    rap__env_set(m, RAP_KIND_ACTOR_ACTION, 300, rap__aid(0, 20), RAP_AID_NONE);
    CU_ASSERT_EQUAL(rap__flow_charge_of(m), RAP_NET_CHARGE(sizeof(rap_wire_hdr) + 40));
    /* A batch of two items of 8 and 24 bytes: the sum of their charges. */
    rap__env_set(b, RAP_KIND_ACTOR_ACTION, 0, rap__aid_system(0), RAP_AID_NONE);
    b->hdr.flags = RAP_WIRE_BATCH;
    p = rap__env_payload(b);
    rap_wire_hdr h = { .magic = RAP_WIRE_MAGIC, .kind = RAP_KIND_ACTOR_ACTION, .len = 8 };
    memcpy(p, &h, sizeof(h));
    p += sizeof(h) + 8;
    h.len = 24;
    memcpy(p, &h, sizeof(h));
    b->hdr.len = (uint32_t)(2 * sizeof(h) + 8 + 24);
    CU_ASSERT_EQUAL(rap__flow_charge_of(b),
                    RAP_NET_CHARGE(sizeof(h) + 8) + RAP_NET_CHARGE(sizeof(h) + 24));
    /* System messages and large headers are outside the window. */
    rap__env_set(s, RAP_KIND_SYS_ACTION, RAP_SYS_CREDIT, rap__aid_system(0), rap__aid_system(1));
    CU_ASSERT_EQUAL(rap__flow_charge_of(s), 0);
    m->hdr.flags = RAP_WIRE_LARGE;
    CU_ASSERT_EQUAL(rap__flow_charge_of(m), 0);
    rap__env_free(m);
    rap__env_free(b);
    rap__env_free(s);
}

static CU_TestInfo tests[] = {
    { "a message fits the window", a_message_fits_the_window },
    { "credit is due at a quarter, or when asked", credit_is_due_at_a_quarter_or_when_asked },
    { "charges of messages and batches", charges_of_messages_and_batches },
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
    { .pName = "net/flow", .pTests = tests },
    CU_SUITE_INFO_NULL,
};

int main(void) { return rap_test_run(suites); }
