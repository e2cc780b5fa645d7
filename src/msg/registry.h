/* msg/registry.h -- message-type and actor-type registries.
 *
 * Owns:       every rap_msg_type and rap_actor_type (names copied).
 * Invariants: an id is rap__hash_name(name); ids below RAP_TYPE_USER_MIN
 *             are the runtime's own.  Registration happens before rap_init;
 *             rap__registry_freeze() then sorts handler tables and makes the
 *             registry read-only, so lookups take no lock.
 * Threads:    register/freeze from rap_init's thread; lookups from any
 *             thread after freeze.
 * Uses:       util/.
 */
#ifndef RAP_MSG_REGISTRY_H
#define RAP_MSG_REGISTRY_H

#include "util/common.h"

typedef struct rap_msg_type {
    uint32_t id;
    uint32_t check; /* second hash of the name, for cross-rank collision checks */
    unsigned flags; /* RAP_MSG_FIXED or RAP_MSG_VAR */
    size_t size;
    char *name;
} rap_msg_type;

typedef struct rap_handler_entry {
    uint32_t msg_type;
    rap_handler_fn fn;
} rap_handler_entry;

typedef struct rap_actor_type {
    uint32_t id;
    uint32_t check;
    size_t state_size;
    rap_init_fn init;
    rap_fini_fn fini;
    rap_error_fn on_error;
    rap_handler_entry *handlers; /* sorted by msg_type after freeze */
    size_t nhandlers;
    char *name;
} rap_actor_type;

/* Runtime-owned ids. */
#define RAP_MSG_LOG 2u          /* a log line on its way to the Logger */
#define RAP_ATYPE_SYSTEM 1u
#define RAP_ATYPE_LOGGER 2u

int rap__msgtype_add(const char *name, uint32_t id, size_t size, unsigned flags, uint32_t *id_out);
int rap__atype_add(const char *name, uint32_t id, size_t state_size, rap_init_fn init,
                   rap_fini_fn fini, uint32_t *id_out);
int rap__atype_on(uint32_t actor_type, uint32_t msg_type, rap_handler_fn fn);

const rap_msg_type *rap__msgtype_find(uint32_t id);
rap_actor_type *rap__atype_find(uint32_t id);
/* RAP_OK if a payload of `len` bytes fits the type; RAP_EINVAL for a fixed
 * type of another size; RAP_ETOOBIG over a variable type's limit. */
int rap__msgtype_check_len(const rap_msg_type *mt, size_t len);
/* The handler of `at` for `msg_type`, or NULL. */
rap_handler_fn rap__atype_handler(const rap_actor_type *at, uint32_t msg_type);

/* Iterate in registration order (for the type-table exchange). */
size_t rap__msgtype_count(void);
const rap_msg_type *rap__msgtype_at(size_t i);
size_t rap__atype_count(void);
const rap_actor_type *rap__atype_at(size_t i);

/* Sort handler tables; afterwards registration returns RAP_ESTATE. */
void rap__registry_freeze(void);
/* Allow registration again (after rap_finalize). */
void rap__registry_thaw(void);
/* Forget everything except the runtime's own types (unit tests). */
void rap__registry_reset(void);

#endif
