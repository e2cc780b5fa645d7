/* msg/msgtype.c -- the message-type registry (see msgtype.h).
 *
 * An array in registration order plus an id -> position map.  Lookups
 * after freeze read memory no thread writes any more.
 */
#include <stdlib.h>
#include <string.h>

#include "msg/msgtype.h"
#include "util/hash.h"
#include "util/idmap.h"

static struct {
    rap_msg_type *types;
    size_t n, cap;
    rap_idmap index;
    bool frozen;
    bool builtins;
} reg;

static void add_builtins(void)
{
    /* Fixed ids below RAP_TYPE_USER_MIN.  Failure here is out of memory
     * at the first registration; later lookups then fail with
     * RAP_ENOTYPE, which rap_init reports. */
    rap__msgtype_add("rap.spawned", RAP_MSG_SPAWNED, sizeof(rap_spawned), RAP_MSG_FIXED, NULL);
    rap__msgtype_add("rap.log", RAP_MSG_LOG, sizeof(rap_wire_log) + RAP_LOG_MAX, RAP_MSG_VAR, NULL);
    rap__msgtype_add("rap.destroy", RAP_MSG_DESTROY, 1, RAP_MSG_VAR, NULL); /* no payload: wire.c */
}

void rap__msgtype_init(void)
{
    if (!reg.builtins) {
        reg.builtins = true;
        add_builtins();
    }
}

int rap__type_name_check(const char *name, uint32_t *id_io)
{
    uint32_t id = *id_io;

    if (name == NULL || name[0] == '\0')
        return RAP_EINVAL;
    if (id == 0) {
        if (strncmp(name, "rap.", 4) == 0)
            return RAP_EINVAL; /* the runtime's own names */
        id = rap__hash_name(name);
        if (id < RAP_TYPE_USER_MIN)
            return RAP_ECOLLIDE;
    }
    *id_io = id;
    return RAP_OK;
}

int rap__msgtype_add(const char *name, uint32_t id, size_t size, unsigned flags, uint32_t *id_out)
{
    int err;
    long at;
    char *copy;

    rap__msgtype_init();
    if (flags != RAP_MSG_FIXED && flags != RAP_MSG_VAR)
        return RAP_EINVAL;
    if ((flags == RAP_MSG_FIXED && size == 0) || size > RAP_MAX_PAYLOAD)
        return RAP_EINVAL;
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
        rap_msg_type *t = realloc(reg.types, ncap * sizeof(*t));
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
    reg.types[reg.n++] = (rap_msg_type){
        .id = id, .check = rap__hash_check(name), .flags = flags, .size = size, .name = copy,
    };
    if (id_out != NULL)
        *id_out = id;
    return RAP_OK;
}

const rap_msg_type *rap__msgtype_find(uint32_t id)
{
    long at = rap__idmap_get(&reg.index, id);
    return at < 0 ? NULL : &reg.types[at];
}

int rap__msgtype_check_len(const rap_msg_type *mt, size_t len)
{
    if (mt->flags == RAP_MSG_FIXED)
        return len == mt->size ? RAP_OK : RAP_EINVAL;
    if (len > RAP_MAX_PAYLOAD || (mt->size != 0 && len > mt->size))
        return RAP_ETOOBIG;
    return RAP_OK;
}

size_t rap__msgtype_count(void) { return reg.n; }
const rap_msg_type *rap__msgtype_at(size_t i) { return i < reg.n ? &reg.types[i] : NULL; }

void rap__msgtype_freeze(void)
{
    rap__msgtype_init();
    reg.frozen = true;
}

void rap__msgtype_thaw(void) { reg.frozen = false; }
bool rap__msgtype_frozen(void) { return reg.frozen; }

void rap__msgtype_reset(void)
{
    for (size_t i = 0; i < reg.n; i++)
        free(reg.types[i].name);
    free(reg.types);
    rap__idmap_free(&reg.index);
    memset(&reg, 0, sizeof(reg));
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
