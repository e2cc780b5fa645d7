/* actor/mailbox.h -- per-actor message queue: many producers, one consumer.
 *
 * Owns:       every envelope from push until it is retired: the envelope
 *             pop returns stays in the queue (as its stub) until the next
 *             pop or destroy frees it, so a handler's data stays valid
 *             while it runs without a copy.  The first stub is part of the
 *             mailbox and is never freed.
 * Invariants: push returns true exactly when the mailbox goes from empty
 *             to non-empty; that caller, and only it, schedules the actor.
 *             A mailbox is "empty" only after the consumer marked it so
 *             with rap__mailbox_mark_empty.  A new mailbox is not marked:
             its creator holds the actor as if running it (so that messages
             sent during init wait), and gives it up with mark_empty.
 * Threads:    push from any thread; pop, mark_empty and destroy only by the
 *             one thread running the actor.
 * Uses:       msg/env.h (rap_env), util/.
 */
#ifndef RAP_ACTOR_MAILBOX_H
#define RAP_ACTOR_MAILBOX_H

#include "msg/env.h"

typedef struct rap_mailbox {
    /* Written by any producer: atomics only.  Bit 0 set = marked empty. */
    _Atomic(uintptr_t) head;

    /* The first stub, kept here (no allocation per mailbox); it also keeps
     * `tail` 64 bytes from `head`, so that producers and the consumer never
     * write one cache line, without aligning (and so padding) the owner. */
    rap_env stub;
    char gap[RAP_CACHELINE - sizeof(uintptr_t) - sizeof(rap_env)];

    /* Owned by the consumer: no synchronisation. */
    rap_env *tail;
} rap_mailbox;

_Static_assert(offsetof(rap_mailbox, tail) - offsetof(rap_mailbox, head) >= RAP_CACHELINE,
               "head and tail must be a cache line apart");

/* Initialise a mailbox with no messages, not marked empty.  Returns RAP_OK or RAP_ENOMEM. */
int rap__mailbox_init(rap_mailbox *mb);
/* Initialise a mailbox with no messages, already marked empty (for an
 * owner no one can reach yet: the first push will schedule it). */
int rap__mailbox_init_empty(rap_mailbox *mb);
/* Free the stub and every queued envelope.  Consumer only, no producers left. */
void rap__mailbox_destroy(rap_mailbox *mb);
/* Append; returns true when the mailbox was marked empty. */
bool rap__mailbox_push(rap_mailbox *mb, rap_env *env);
/* Append first..last, already linked through `next` (last->next NULL), in
 * one step; returns true when the mailbox was marked empty. */
bool rap__mailbox_push_chain(rap_mailbox *mb, rap_env *first, rap_env *last);
/* Next envelope or NULL; frees the envelope returned by the previous pop.
 * NULL also while a producer is between its two steps: the mailbox is then
 * not empty, and rap__mailbox_mark_empty fails. */
rap_env *rap__mailbox_pop(rap_mailbox *mb);
/* Whether a message is linked behind the last one popped (a producer
 * between its two steps is not seen yet).  Reads only the consumer's side:
 * a worker asks this of every actor parked on it, every round, and reading
 * `head` would pull the line that senders write three times per message.
 * Consumer only. */
static inline bool rap__mailbox_pending(rap_mailbox *mb)
{
    return atomic_load_explicit(&mb->tail->next, memory_order_relaxed) != NULL;
}
/* Mark empty if nothing is queued.  True: the consumer gives the actor up
 * (the next push reports empty->non-empty).  False: a producer got in;
 * keep running. */
bool rap__mailbox_mark_empty(rap_mailbox *mb);

#endif
