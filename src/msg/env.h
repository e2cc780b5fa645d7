/* msg/env.h -- the envelope: one message in one allocation.
 *
 * Owns:       rap_env (local fields, then the wire header, then the
 *             payload, so that a remote send is a single MPI buffer and a
 *             receive lands in place) and the cache of large envelopes.
 * Invariants: the wire header is followed directly by `hdr.len` payload
 *             bytes and `cap` bytes are allocated for the payload (with
 *             RAP_ENV_POOLED set when the envelope came from a pool).
 * Threads:    an envelope has one owner at a time (sender, queue, net,
 *             mailbox, handler); allocation and free from any thread.
 * Uses:       msg/wire.h (the header), msg/pool.h, util/.
 */
#ifndef RAP_MSG_ENV_H
#define RAP_MSG_ENV_H

#include "msg/wire.h"

typedef struct rap_env {
    _Atomic(struct rap_env *) next; /* queue link while queued */
    int32_t src_rank;               /* MPI source of a remote arrival; -1 when local */
    uint32_t cap;                   /* payload bytes allocated */
    rap_wire_hdr hdr;               /* the wire image starts here ... */
} rap_env;                          /* ... and the payload follows directly */

_Static_assert(offsetof(rap_env, hdr) + sizeof(rap_wire_hdr) == sizeof(rap_env),
               "payload must follow the wire header directly");

static inline void *rap__env_payload(rap_env *env) { return (void *)(env + 1); }
static inline const void *rap__env_cpayload(const rap_env *env) { return (const void *)(env + 1); }
static inline size_t rap__env_wire_size(const rap_env *env)
{
    return sizeof(rap_wire_hdr) + env->hdr.len;
}

/* Allocate an envelope with room for `len` payload bytes; the header is
 * zeroed except magic, version and len.  NULL when out of memory. */
rap_env *rap__env_alloc(size_t len);
/* Set up a block whose `cap` is set (from rap__pool_alloc_run) as
 * rap__env_alloc leaves an envelope of `len` payload bytes. */
void rap__env_init(rap_env *env, size_t len);
/* Allocate an envelope able to receive a wire image of `wire_bytes`. */
rap_env *rap__env_alloc_wire(size_t wire_bytes);
/* Free an envelope (NULL is ignored); large ones are kept for reuse. */
void rap__env_free(rap_env *env);
/* Free the large envelopes kept for reuse (at rap_finalize). */
void rap__env_cache_drain(void);
/* Fill the header of a fresh envelope. */
void rap__env_set(rap_env *env, int kind, uint32_t type, rap_aid to, rap_aid from);

#endif
