/* msg/msgtype.h -- the message-type registry.
 *
 * Owns:       every rap_msg_type (names copied).
 * Invariants: an id is rap__hash_name(name); ids below RAP_TYPE_USER_MIN
 *             are the runtime's own and its names start "rap.".
 *             Registration happens before rap_init; rap__msgtype_freeze()
 *             then makes the registry read-only, so lookups take no lock.
 * Threads:    register/freeze from rap_init's thread; lookups from any
 *             thread after freeze.
 * Uses:       util/.
 */
#ifndef RAP_MSG_MSGTYPE_H
#define RAP_MSG_MSGTYPE_H

#include "msg/proto.h"
#include "util/common.h"

typedef struct rap_msg_type {
    uint32_t id;
    uint32_t check; /* second hash of the name, for cross-rank collision checks */
    unsigned flags; /* RAP_MSG_FIXED or RAP_MSG_VAR */
    size_t size;
    char *name;
} rap_msg_type;

/* The checks every new type name passes (actor or message type): not
 * empty, not "rap." unless `*id_io` is a runtime id already; *id_io
 * becomes the name's id when it is 0.  RAP_OK, RAP_EINVAL, RAP_ECOLLIDE
 * (a user name whose hash falls among the runtime's ids). */
int rap__type_name_check(const char *name, uint32_t *id_io);

/* Register the runtime's own message types, once (registration and
 * freeze call it; so does every registry that refers to message types). */
void rap__msgtype_init(void);
/* Register a message type; `id` 0 hashes the name (runtime types pass
 * their fixed id).  Returns as rap_msg_type_register. */
int rap__msgtype_add(const char *name, uint32_t id, size_t size, unsigned flags, uint32_t *id_out);
const rap_msg_type *rap__msgtype_find(uint32_t id);
/* RAP_OK if a payload of `len` bytes fits the type; RAP_EINVAL for a fixed
 * type of another size; RAP_ETOOBIG over a variable type's limit. */
int rap__msgtype_check_len(const rap_msg_type *mt, size_t len);
/* In registration order (for the type-table exchange). */
size_t rap__msgtype_count(void);
const rap_msg_type *rap__msgtype_at(size_t i);
/* Read-only from now on (RAP_ESTATE for registration). */
void rap__msgtype_freeze(void);
void rap__msgtype_thaw(void);
bool rap__msgtype_frozen(void);
/* Forget everything except the runtime's own types (unit tests). */
void rap__msgtype_reset(void);

#endif
