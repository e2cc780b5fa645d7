/* actor/atype.h -- the actor-type registry and each type's handler table.
 *
 * Owns:       every rap_actor_type (names and handler tables copied).
 * Invariants: an id is rap__hash_name(name), checked as message-type names
 *             are (msg/msgtype.h); runtime actor types have fixed ids below
 *             RAP_TYPE_USER_MIN.  Registration happens before rap_init;
 *             rap__atype_freeze() sorts the handler tables and makes the
 *             registry read-only, so lookups take no lock.
 * Threads:    register/freeze from rap_init's thread; lookups from any
 *             thread after freeze.
 * Uses:       msg/msgtype.h, util/.
 */
#ifndef RAP_ACTOR_ATYPE_H
#define RAP_ACTOR_ATYPE_H

#include "msg/msgtype.h"

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
    rap_reply_fn on_reply;       /* rap_actor_type_on_reply: answers to its rap_ask requests */
    bool movable;                /* rap_actor_type_movable: pack/unpack NULL for plain bytes */
    bool blocking;               /* rap_actor_type_blocking: runs on the sync threads */
    int restart;                 /* rap_actor_type_restart: RAP_PERMANENT ... */
    int strategy;                /* rap_actor_type_supervise: 0, or RAP_ONE_FOR_ONE ... */
    uint32_t max_restarts;       /* ... within within_ns */
    uint64_t within_ns;
    rap_decide_fn decide;        /* rap_actor_type_on_failure */
    rap_pack_fn pack;
    rap_unpack_fn unpack;
    rap_handler_entry *handlers; /* sorted by msg_type after freeze */
    size_t nhandlers;
    char *name;
} rap_actor_type;

/* Register an actor type; `id` 0 hashes the name (runtime types pass
 * their fixed id).  Returns as rap_actor_type_register. */
int rap__atype_add(const char *name, uint32_t id, size_t state_size, rap_init_fn init,
                   rap_fini_fn fini, uint32_t *id_out);
/* As rap_actor_type_on, for any registered message type. */
int rap__atype_on(uint32_t actor_type, uint32_t msg_type, rap_handler_fn fn);
rap_actor_type *rap__atype_find(uint32_t id);
/* The handler of `at` for `msg_type`, or NULL. */
rap_handler_fn rap__atype_handler(const rap_actor_type *at, uint32_t msg_type);
/* In registration order (for the type-table exchange). */
size_t rap__atype_count(void);
const rap_actor_type *rap__atype_at(size_t i);
/* Whether any registered type is blocking (the sync threads are needed). */
bool rap__atype_any_blocking(void);
/* Sort the handler tables; registration returns RAP_ESTATE from now on. */
void rap__atype_freeze(void);
void rap__atype_thaw(void);
/* Forget every actor type (unit tests). */
void rap__atype_reset(void);

#endif
