/* msg/msgtype.c -- the message-type registry (see msgtype.h).
 *
 * A table of named entries (util/typetab.h).  Lookups after freeze read
 * memory no thread writes any more.
 */
#include <stdlib.h>
#include <string.h>

#include "msg/msgtype.h"
#include "util/hash.h"
#include "util/typetab.h"

static rap_typetab reg = RAP_TYPETAB_INIT(rap_msg_type, name);
static bool builtins;

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
    if (!builtins) {
        builtins = true;
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
    rap_msg_type *mt;
    int err;

    rap__msgtype_init();
    if (flags != RAP_MSG_FIXED && flags != RAP_MSG_VAR)
        return RAP_EINVAL;
    if ((flags == RAP_MSG_FIXED && size == 0) || size > RAP_MAX_PAYLOAD)
        return RAP_EINVAL;
    err = rap__type_name_check(name, &id);
    if (err == RAP_OK)
        err = rap__typetab_add(&reg, id, name, (void **)&mt);
    if (err != RAP_OK)
        return err;
    mt->id = id;
    mt->check = rap__hash_check(name);
    mt->flags = flags;
    mt->size = size;
    if (id_out != NULL)
        *id_out = id;
    return RAP_OK;
}

const rap_msg_type *rap__msgtype_find(uint32_t id) { return rap__typetab_find(&reg, id); }

int rap__msgtype_check_len(const rap_msg_type *mt, size_t len)
{
    if (mt->flags == RAP_MSG_FIXED)
        return len == mt->size ? RAP_OK : RAP_EINVAL;
    if (len > RAP_MAX_PAYLOAD || (mt->size != 0 && len > mt->size))
        return RAP_ETOOBIG;
    return RAP_OK;
}

size_t rap__msgtype_count(void) { return reg.n; }
const rap_msg_type *rap__msgtype_at(size_t i) { return rap__typetab_at(&reg, i); }

void rap__msgtype_freeze(void)
{
    rap__msgtype_init();
    reg.frozen = true;
}

void rap__msgtype_thaw(void) { reg.frozen = false; }
bool rap__msgtype_frozen(void) { return reg.frozen; }

void rap__msgtype_reset(void)
{
    rap__typetab_reset(&reg, NULL);
    builtins = false;
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
