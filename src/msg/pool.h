/* msg/pool.h -- per-worker pools of small envelopes.
 *
 * Owns:       the pools (one per worker thread) and their slabs: 64 KiB
 *             blocks, each carved into envelopes of one size class (64 to
 *             1024 bytes in all), headed by the pool that owns it.
 * Invariants: an envelope from a pool goes back to that pool: onto its
 *             free list when the owning worker frees it, onto its lock-free
 *             remote stack when another thread does (the owner takes the
 *             whole stack back, in one exchange, when its list runs dry;
 *             a worker pushes its frees of one slab in batches).
 *             Pooled envelopes carry RAP_ENV_POOLED in `cap`.  Memory
 *             returns to the system only at rap__pool_destroy_all, after
 *             every envelope is back.
 * Threads:    rap__pool_alloc from the worker bound to the pool (threads
 *             with no pool get NULL and use malloc); rap__pool_free from
 *             any thread.
 * Uses:       msg/env.h, util/.
 */
#ifndef RAP_MSG_POOL_H
#define RAP_MSG_POOL_H

#include "msg/env.h"

/* Bit of rap_env.cap marking a pooled envelope (payloads stay below it). */
#define RAP_ENV_POOLED 0x80000000u
/* The largest envelope (header included) a pool serves. */
#define RAP_POOL_MAX_TOTAL 1024u

/* Create `n` pools (RAP_OK, RAP_ENOMEM).  Lifecycle thread. */
int rap__pool_create_all(int n);
/* Bind the calling thread to pool `i` (a worker at its start). */
void rap__pool_bind(int i);
/* Unbind the calling thread (a worker at its end). */
void rap__pool_unbind(void);
/* An envelope of `total` bytes (header included) from the calling
 * thread's pool; NULL when it has none, `total` is too large, or memory is
 * out.  `cap` and `next` are set; the rest is the caller's. */
rap_env *rap__pool_alloc(size_t total);
/* Up to `n` blocks for envelopes of `total` bytes, consecutive in memory
 * (`*stride` bytes apart, the first at *first), from the calling thread's
 * pool: returns how many, 0 when none.  Each is out as if allocated: set
 * its `cap` to *cap before use, and free it like any pooled envelope. */
uint32_t rap__pool_alloc_run(size_t total, uint32_t n, rap_env **first, uint32_t *cap, size_t *stride);
/* Return a pooled envelope to its pool.  A worker's frees into another
 * worker's pool are held back (up to 64 blocks of one slab) and handed
 * over together at rap__pool_flush. */
void rap__pool_free(rap_env *env);
/* Hand over the calling thread's held-back frees (a worker at the end of
 * each actor turn, and at unbind). */
void rap__pool_flush(void);
/* Free every pool and slab.  Every pooled envelope must be back. */
void rap__pool_destroy_all(void);

#endif
