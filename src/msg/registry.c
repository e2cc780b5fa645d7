/* msg/registry.c -- type registries (see registry.h).
 *
 * Both registries are arrays in registration order plus an open-addressing
 * index id -> array position, rebuilt as they grow.  Lookups after freeze
 * read plain memory that no thread writes any more.
 */
#include <stdlib.h>
#include <string.h>

#include "msg/registry.h"
#include "msg/wire.h"
#include "util/hash.h"

typedef struct index_map {
    uint32_t *keys; /* 0 = empty slot (0 is never an id) */
    uint32_t *vals;
    size_t cap;     /* power of two */
} index_map;

static struct {
    rap_msg_type *msg;
    size_t nmsg, capmsg;
    rap_actor_type *act;
    size_t nact, capact;
    index_map msg_index, act_index;
    bool frozen;
    bool builtins;
} reg;

static int index_put(index_map *m, uint32_t key, uint32_t val, size_t count)
{
    if ((count + 1) * 2 > m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 64;
        uint32_t *nk = calloc(ncap, sizeof(*nk)), *nv = calloc(ncap, sizeof(*nv));
        if (nk == NULL || nv == NULL) {
            free(nk);
            free(nv);
            return RAP_ENOMEM;
        }
        for (size_t i = 0; i < m->cap; i++) {
            if (m->keys[i] == 0)
                continue;
            size_t j = rap__hash_u64(m->keys[i]) & (ncap - 1);
            while (nk[j] != 0)
                j = (j + 1) & (ncap - 1);
            nk[j] = m->keys[i];
            nv[j] = m->vals[i];
        }
        free(m->keys);
        free(m->vals);
        m->keys = nk;
        m->vals = nv;
        m->cap = ncap;
    }
    size_t j = rap__hash_u64(key) & (m->cap - 1);
    while (m->keys[j] != 0)
        j = (j + 1) & (m->cap - 1);
    m->keys[j] = key;
    m->vals[j] = val;
    return RAP_OK;
}

static long index_get(const index_map *m, uint32_t key)
{
    if (m->cap == 0 || key == 0)
        return -1;
    for (size_t j = rap__hash_u64(key) & (m->cap - 1);; j = (j + 1) & (m->cap - 1)) {
        if (m->keys[j] == key)
            return (long)m->vals[j];
        if (m->keys[j] == 0)
            return -1;
    }
}

static void add_builtins(void);

static void ensure_builtins(void)
{
    if (!reg.builtins) {
        reg.builtins = true;
        add_builtins();
    }
}

/* Common checks for a new name; *id_io is the id to use (0: hash it). */
static int check_new(const char *name, uint32_t *id_io, bool is_msg)
{
    uint32_t id = *id_io;

    if (name == NULL || name[0] == '\0')
        return RAP_EINVAL;
    if (reg.frozen)
        return RAP_ESTATE;
    if (id == 0) {
        if (strncmp(name, "rap.", 4) == 0)
            return RAP_EINVAL; /* the runtime's own names */
        id = rap__hash_name(name);
        if (id < RAP_TYPE_USER_MIN)
            return RAP_ECOLLIDE;
    }
    long at = is_msg ? index_get(&reg.msg_index, id) : index_get(&reg.act_index, id);
    if (at >= 0) {
        const char *other = is_msg ? reg.msg[at].name : reg.act[at].name;
        return strcmp(other, name) == 0 ? RAP_EEXIST : RAP_ECOLLIDE;
    }
    *id_io = id;
    return RAP_OK;
}

static bool grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, ncap * elem);
    if (p == NULL)
        return false;
    *arr = p;
    *cap = ncap;
    return true;
}

int rap__msgtype_add(const char *name, uint32_t id, size_t size, unsigned flags, uint32_t *id_out)
{
    int err;
    char *copy;

    ensure_builtins();
    if (flags != RAP_MSG_FIXED && flags != RAP_MSG_VAR)
        return RAP_EINVAL;
    if ((flags == RAP_MSG_FIXED && size == 0) || size > RAP_MAX_PAYLOAD)
        return RAP_EINVAL;
    err = check_new(name, &id, true);
    if (err != RAP_OK)
        return err;
    if (!grow((void **)&reg.msg, &reg.capmsg, reg.nmsg, sizeof(*reg.msg)))
        return RAP_ENOMEM;
    copy = strdup(name);
    if (copy == NULL)
        return RAP_ENOMEM;
    err = index_put(&reg.msg_index, id, (uint32_t)reg.nmsg, reg.nmsg);
    if (err != RAP_OK) {
        free(copy);
        return err;
    }
    reg.msg[reg.nmsg++] = (rap_msg_type){
        .id = id, .check = rap__hash_check(name), .flags = flags, .size = size, .name = copy,
    };
    if (id_out != NULL)
        *id_out = id;
    return RAP_OK;
}

int rap__atype_add(const char *name, uint32_t id, size_t state_size, rap_init_fn init,
                   rap_fini_fn fini, uint32_t *id_out)
{
    int err;
    char *copy;

    ensure_builtins();
    err = check_new(name, &id, false);
    if (err != RAP_OK)
        return err;
    if (!grow((void **)&reg.act, &reg.capact, reg.nact, sizeof(*reg.act)))
        return RAP_ENOMEM;
    copy = strdup(name);
    if (copy == NULL)
        return RAP_ENOMEM;
    err = index_put(&reg.act_index, id, (uint32_t)reg.nact, reg.nact);
    if (err != RAP_OK) {
        free(copy);
        return err;
    }
    reg.act[reg.nact++] = (rap_actor_type){
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

    ensure_builtins();
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

const rap_msg_type *rap__msgtype_find(uint32_t id)
{
    long at = index_get(&reg.msg_index, id);
    return at < 0 ? NULL : &reg.msg[at];
}

rap_actor_type *rap__atype_find(uint32_t id)
{
    long at = index_get(&reg.act_index, id);
    return at < 0 ? NULL : &reg.act[at];
}

int rap__msgtype_check_len(const rap_msg_type *mt, size_t len)
{
    if (mt->flags == RAP_MSG_FIXED)
        return len == mt->size ? RAP_OK : RAP_EINVAL;
    if (len > RAP_MAX_PAYLOAD || (mt->size != 0 && len > mt->size))
        return RAP_ETOOBIG;
    return RAP_OK;
}

rap_handler_fn rap__atype_handler(const rap_actor_type *at, uint32_t msg_type)
{
    size_t lo = 0, hi = at->nhandlers;

    /* Sorted after freeze: binary search (tables are small). */
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

size_t rap__msgtype_count(void) { return reg.nmsg; }
const rap_msg_type *rap__msgtype_at(size_t i) { return i < reg.nmsg ? &reg.msg[i] : NULL; }
size_t rap__atype_count(void) { return reg.nact; }
const rap_actor_type *rap__atype_at(size_t i) { return i < reg.nact ? &reg.act[i] : NULL; }

static int cmp_handler(const void *a, const void *b)
{
    uint32_t x = ((const rap_handler_entry *)a)->msg_type;
    uint32_t y = ((const rap_handler_entry *)b)->msg_type;
    return x < y ? -1 : x > y;
}

void rap__registry_freeze(void)
{
    ensure_builtins();
    for (size_t i = 0; i < reg.nact; i++)
        if (reg.act[i].nhandlers > 1)
            qsort(reg.act[i].handlers, reg.act[i].nhandlers, sizeof(rap_handler_entry), cmp_handler);
    reg.frozen = true;
}

void rap__registry_thaw(void) { reg.frozen = false; }

void rap__registry_reset(void)
{
    for (size_t i = 0; i < reg.nmsg; i++)
        free(reg.msg[i].name);
    for (size_t i = 0; i < reg.nact; i++) {
        free(reg.act[i].name);
        free(reg.act[i].handlers);
    }
    free(reg.msg);
    free(reg.act);
    free(reg.msg_index.keys);
    free(reg.msg_index.vals);
    free(reg.act_index.keys);
    free(reg.act_index.vals);
    memset(&reg, 0, sizeof(reg));
}

static void add_builtins(void)
{
    /* Runtime types: fixed ids below RAP_TYPE_USER_MIN.  Failure here is
     * out of memory at the first registration; later lookups then fail
     * with RAP_ENOTYPE, which rap_init reports. */
    rap__msgtype_add("rap.spawned", RAP_MSG_SPAWNED, sizeof(rap_spawned), RAP_MSG_FIXED, NULL);
    rap__msgtype_add("rap.log", RAP_MSG_LOG, 24 + RAP_LOG_MAX, RAP_MSG_VAR, NULL);
    rap__atype_add("rap.system", RAP_ATYPE_SYSTEM, 0, NULL, NULL, NULL);
    rap__atype_add("rap.logger", RAP_ATYPE_LOGGER, 0, NULL, NULL, NULL);
}

/* ------------------------------------------------------------ public API */

int rap_type_id(const char *name, uint32_t *id_out)
{
    if (name == NULL || name[0] == '\0' || id_out == NULL)
        return RAP_EINVAL;
    *id_out = rap__hash_name(name);
    return RAP_OK;
}

int rap_msg_type_register(const char *name, size_t size, unsigned flags, uint32_t *id_out)
{
    return rap__msgtype_add(name, 0, size, flags, id_out);
}

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

    ensure_builtins();
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
