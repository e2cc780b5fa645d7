/* system/outbox.h -- a worker's outbox: the sends of a handler held and
 * pushed a chain per addressee.
 *
 * Owns:       one outbox per worker, and the envelopes it holds.
 * Invariants: while a handler runs on a worker, its first send goes at
 *             once (a lone reply keeps its latency); the sends after it are
 *             linked per addressee and pushed a chain at a time, when a
 *             chain holds RAP_OUTBOX_CHAIN, when its slot is needed for
 *             another addressee, and when the handler returns.  Order from
 *             one sender to one addressee is kept: a chain is pushed whole,
 *             after the first send, and a slot changes addressee only after
 *             its chain is pushed.  Arrivals from the wire are held only
 *             while their batch is unpacked, in a second outbox, and are
 *             pushed before the poll that received them ends.
 * Threads:    each outbox is used only by its worker (thread-local).
 * Uses:       system/node.h (rap__deliver_chain), msg/pool.h.
 */
#ifndef RAP_SYSTEM_OUTBOX_H
#define RAP_SYSTEM_OUTBOX_H

#include "msg/env.h"

#define RAP_OUTBOX_CHAIN 32 /* messages a chain holds before it is pushed */

int rap__outbox_create(int nworkers);
void rap__outbox_destroy(void);
/* The calling thread is worker `w` (its start), or stops being one (its
 * end: the blocks the outbox holds go back). */
void rap__outbox_bind(int w);
void rap__outbox_unbind(void);
/* A handler starts; it returned (push every chain). */
void rap__outbox_open(void);
void rap__outbox_close(void);
/* Push every chain now, the handler going on (rap_flush); false when no
 * handler runs on this thread. */
bool rap__outbox_flush(void);
/* Hold `env` (header filled) in the calling worker's outbox; false: send
 * it now (not a worker, no handler running, or the handler's first send). */
bool rap__outbox_hold(rap_env *env);
/* An envelope for a `len`-byte message a handler sends to local actor
 * `to` that the outbox will hold, from its slot's run of consecutive
 * blocks; NULL: not one (allocate it as usual). */
rap_env *rap__outbox_alloc(rap_aid to, size_t len);
/* The transport unpacks a batch from the wire (open true), or is done
 * (false): hold its items and push them a chain per addressee. */
void rap__outbox_batch(bool open);
/* Hold an arrival from the wire while a batch is unpacked; false: deliver
 * it now.  Arrivals never wait in a handler's outbox. */
bool rap__outbox_hold_arrival(rap_env *env);

#endif
