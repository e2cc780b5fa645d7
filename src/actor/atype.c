/* actor/atype.c -- the actor-type registry (see atype.h).
 *
 * An array in registration order plus an id -> position map; handler
 * tables are arrays sorted by message type at freeze (binary search: they
 * are small).
 */
#include <stdlib.h>
#include <string.h>

#include "actor/atype.h"
#include "util/hash.h"
#include "util/idmap.h"

static struct {
    rap_actor_type *types;
    size_t n, cap;
    rap_idmap index;
    bool frozen;
} reg;

int rap__atype_add(const char *name, uint32_t id, size_t state_size, rap_init_fn init,
                   rap_fini_fn fini, uint32_t *id_out)
{
    int err;
    long at;
    char *copy;

    rap__msgtype_init();
    err = rap__type_name_check(name, &id);
    if (err != RAP_OK)
        return err;
    if (reg.frozen)
        return RAP_ESTATE;
    at = rap__idmap_get(&reg.index, id);
    if (at >= 0)
        return strcmp(reg.types[at].name, name) == 0 ? RAP_EEXIST : RAP_ECOLLIDE;
    if (reg.n == reg.cap) {
        size_t ncap = reg.cap ? reg.cap * 2 : 16;
        rap_actor_type *t = realloc(reg.types, ncap * sizeof(*t));
        if (t == NULL)
            return RAP_ENOMEM;
        reg.types = t;
        reg.cap = ncap;
    }
    copy = strdup(name);
    if (copy == NULL)
        return RAP_ENOMEM;
    err = rap__idmap_put(&reg.index, id, (uint32_t)reg.n);
    if (err != RAP_OK) {
        free(copy);
        return err;
    }
    reg.types[reg.n++] = (rap_actor_type){
        .id = id, .check = rap__hash_check(name), .state_size = state_size,
        .init = init, .fini = fini, .name = copy,
    };
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

rap_actor_type *rap__atype_find(uint32_t id)
{
    long at = rap__idmap_get(&reg.index, id);
    return at < 0 ? NULL : &reg.types[at];
}

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
const rap_actor_type *rap__atype_at(size_t i) { return i < reg.n ? &reg.types[i] : NULL; }

static int cmp_handler(const void *a, const void *b)
{
    uint32_t x = ((const rap_handler_entry *)a)->msg_type;
    uint32_t y = ((const rap_handler_entry *)b)->msg_type;
    return x < y ? -1 : x > y;
}

void rap__atype_freeze(void)
{
    for (size_t i = 0; i < reg.n; i++)
        if (reg.types[i].nhandlers > 1)
            qsort(reg.types[i].handlers, reg.types[i].nhandlers, sizeof(rap_handler_entry),
                  cmp_handler);
    reg.frozen = true;
}

void rap__atype_thaw(void) { reg.frozen = false; }

void rap__atype_reset(void)
{
    for (size_t i = 0; i < reg.n; i++) {
        free(reg.types[i].name);
        free(reg.types[i].handlers);
    }
    free(reg.types);
    rap__idmap_free(&reg.index);
    memset(&reg, 0, sizeof(reg));
}

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

int rap_actor_type_on_error(uint32_t actor_type, rap_error_fn fn)
{
    rap_actor_type *at;

    if (fn == NULL)
        return RAP_EINVAL;
    if (reg.frozen)
        return RAP_ESTATE;
    at = rap__atype_find(actor_type);
    if (at == NULL)
        return RAP_ENOTYPE;
    if (at->on_error != NULL)
        return RAP_EEXIST;
    at->on_error = fn;
    return RAP_OK;
}
