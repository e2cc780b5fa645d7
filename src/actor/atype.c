/* actor/atype.c -- the actor-type registry (see atype.h).
 *
 * A table of named entries (util/typetab.h); handler tables are arrays
 * sorted by message type at freeze (binary search: they are small).
 */
#include <stdlib.h>
#include <string.h>

#include "actor/atype.h"
#include "util/hash.h"
#include "util/typetab.h"

static rap_typetab reg = RAP_TYPETAB_INIT(rap_actor_type, name);

int rap__atype_add(const char *name, uint32_t id, size_t state_size, rap_init_fn init,
                   rap_fini_fn fini, uint32_t *id_out)
{
    rap_actor_type *at;
    int err;

    rap__msgtype_init();
    err = rap__type_name_check(name, &id);
    if (err == RAP_OK)
        err = rap__typetab_add(&reg, id, name, (void **)&at);
    if (err != RAP_OK)
        return err;
    at->id = id;
    at->check = rap__hash_check(name);
    at->state_size = state_size;
    at->init = init;
    at->fini = fini;
    if (id_out != NULL)
        *id_out = id;
    return RAP_OK;
}

int rap__atype_on(uint32_t actor_type, uint32_t msg_type, rap_handler_fn fn)
{
    rap_actor_type *at;
    rap_handler_entry *h;

    rap__msgtype_init();
    if (fn == NULL)
        return RAP_EINVAL;
    if (reg.frozen)
        return RAP_ESTATE;
    at = rap__atype_find(actor_type);
    if (at == NULL || rap__msgtype_find(msg_type) == NULL)
        return RAP_ENOTYPE;
    for (size_t i = 0; i < at->nhandlers; i++)
        if (at->handlers[i].msg_type == msg_type)
            return RAP_EEXIST;
    h = realloc(at->handlers, (at->nhandlers + 1) * sizeof(*h));
    if (h == NULL)
        return RAP_ENOMEM;
    h[at->nhandlers++] = (rap_handler_entry){ msg_type, fn };
    at->handlers = h;
    return RAP_OK;
}

rap_actor_type *rap__atype_find(uint32_t id) { return rap__typetab_find(&reg, id); }

rap_handler_fn rap__atype_handler(const rap_actor_type *at, uint32_t msg_type)
{
    size_t lo = 0, hi = at->nhandlers;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        uint32_t k = at->handlers[mid].msg_type;
        if (k == msg_type)
            return at->handlers[mid].fn;
        if (k < msg_type)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

size_t rap__atype_count(void) { return reg.n; }
const rap_actor_type *rap__atype_at(size_t i) { return rap__typetab_at(&reg, i); }

static int cmp_handler(const void *a, const void *b)
{
    uint32_t x = ((const rap_handler_entry *)a)->msg_type;
    uint32_t y = ((const rap_handler_entry *)b)->msg_type;
    return x < y ? -1 : x > y;
}

void rap__atype_freeze(void)
{
    for (size_t i = 0; i < reg.n; i++) {
        rap_actor_type *at = rap__typetab_at(&reg, i);
        if (at->nhandlers > 1)
            qsort(at->handlers, at->nhandlers, sizeof(rap_handler_entry), cmp_handler);
    }
    reg.frozen = true;
}

void rap__atype_thaw(void) { reg.frozen = false; }

static void free_handlers(void *entry) { free(((rap_actor_type *)entry)->handlers); }

void rap__atype_reset(void) { rap__typetab_reset(&reg, free_handlers); }

/* ------------------------------------------------------------ public API */

int rap_actor_type_register(const char *name, size_t state_size, rap_init_fn init,
                            rap_fini_fn fini, uint32_t *id_out)
{
    return rap__atype_add(name, 0, state_size, init, fini, id_out);
}

int rap_actor_type_on(uint32_t actor_type, uint32_t msg_type, rap_handler_fn fn)
{
    return rap__atype_on(actor_type, msg_type, fn);
}

/* The type a per-type callback is set on: RAP_OK and *at_out, or the
 * error rap_actor_type_on_error / on_reply return. */
static int settable(uint32_t actor_type, bool fn_set, rap_actor_type **at_out)
{
    if (!fn_set)
        return RAP_EINVAL;
    if (reg.frozen)
        return RAP_ESTATE;
    if ((*at_out = rap__atype_find(actor_type)) == NULL)
        return RAP_ENOTYPE;
    return RAP_OK;
}

int rap_actor_type_blocking(uint32_t actor_type)
{
    rap_actor_type *at = NULL;
    int rc = settable(actor_type, true, &at);

    if (rc != RAP_OK)
        return rc;
    at->blocking = true;
    return RAP_OK;
}

bool rap__atype_any_blocking(void)
{
    for (size_t i = 0; i < rap__atype_count(); i++)
        if (rap__atype_at(i)->blocking)
            return true;
    return false;
}

int rap_actor_type_on_reply(uint32_t actor_type, rap_reply_fn fn)
{
    rap_actor_type *at = NULL;
    int rc = settable(actor_type, fn != NULL, &at);

    if (rc != RAP_OK)
        return rc;
    if (at->on_reply != NULL)
        return RAP_EEXIST;
    at->on_reply = fn;
    return RAP_OK;
}

int rap_actor_type_on_error(uint32_t actor_type, rap_error_fn fn)
{
    rap_actor_type *at = NULL;
    int rc = settable(actor_type, fn != NULL, &at);

    if (rc != RAP_OK)
        return rc;
    if (at->on_error != NULL)
        return RAP_EEXIST;
    at->on_error = fn;
    return RAP_OK;
}

/* A user actor type whose properties may still be set. */
static int user_settable(uint32_t actor_type, rap_actor_type **at_out)
{
    if (reg.frozen)
        return RAP_ESTATE;
    if ((*at_out = rap__atype_find(actor_type)) == NULL || actor_type < RAP_TYPE_USER_MIN)
        return RAP_ENOTYPE;
    return RAP_OK;
}

int rap_actor_type_movable(uint32_t actor_type, rap_pack_fn pack, rap_unpack_fn unpack)
{
    rap_actor_type *at;
    int rc;

    if ((pack == NULL) != (unpack == NULL))
        return RAP_EINVAL;
    if ((rc = user_settable(actor_type, &at)) != RAP_OK)
        return rc;
    at->movable = true;
    at->pack = pack;
    at->unpack = unpack;
    return RAP_OK;
}

int rap_actor_type_supervise(uint32_t actor_type, int strategy, uint32_t max_restarts, uint64_t within_ns)
{
    rap_actor_type *at;
    int rc;

    if (strategy < RAP_ONE_FOR_ONE || strategy > RAP_REST_FOR_ONE || (max_restarts == 0) != (within_ns == 0))
        return RAP_EINVAL;
    if ((rc = user_settable(actor_type, &at)) != RAP_OK)
        return rc;
    if (at->strategy != 0)
        return RAP_EEXIST;
    at->strategy = strategy;
    at->max_restarts = max_restarts ? max_restarts : 1;
    at->within_ns = within_ns ? within_ns : UINT64_C(5000000000);
    return RAP_OK;
}

int rap_actor_type_restart(uint32_t actor_type, int restart)
{
    rap_actor_type *at;
    int rc;

    if (restart < RAP_PERMANENT || restart > RAP_TEMPORARY)
        return RAP_EINVAL;
    if ((rc = user_settable(actor_type, &at)) != RAP_OK)
        return rc;
    at->restart = restart;
    return RAP_OK;
}

int rap_actor_type_on_failure(uint32_t actor_type, rap_decide_fn fn)
{
    rap_actor_type *at = NULL;
    int rc = settable(actor_type, fn != NULL, &at);

    if (rc != RAP_OK)
        return rc;
    if (at->decide != NULL)
        return RAP_EEXIST;
    at->decide = fn;
    return RAP_OK;
}
