/* actor/table.h -- this rank's actors: id -> actor, and actor memory.
 *
 * Owns:       every rap_actor of the rank (allocated from a free list and
 *             never returned to malloc before rap__table_destroy, so a
 *             sender holding a stale pointer reads valid memory and sees
 *             by the id check that the actor is gone).
 * Invariants: a published actor is found by its id until removed; after
 *             rap__table_remove returns, no thread is inside a push to it
 *             and none can start one.  Serials are never reused.
 * Threads:    acquire/release from any thread; alloc/publish/remove/free
 *             from the thread that owns the actor at that moment.
 * Uses:       actor/mailbox.h, sched/sched.h (rap_task), util/.
 */
#ifndef RAP_ACTOR_TABLE_H
#define RAP_ACTOR_TABLE_H

#include "actor/mailbox.h"
#include "msg/registry.h"
#include "sched/sched.h"

/* Field order matters: what senders write on every message (the reference
 * count, the mailbox head) comes first, what the worker running the actor
 * writes (the mailbox tail) comes after the mailbox's cold stub, so that the
 * two ends sit on different cache lines without padding the struct. */
typedef struct rap_actor {
    rap_task task;               /* run-queue link; first member */
    _Atomic uint64_t aid;        /* RAP_AID_NONE while free */
    _Atomic int alive;
    _Atomic uint32_t refs;       /* senders inside a push */
    rap_mailbox mb;              /* head ... stub ... tail */
    rap_aid parent;              /* supervisor: the creator */
    rap_actor_type *type;
    void *state;
    bool exiting;                /* stop after the current message */
    struct rap_actor *free_next;
} rap_actor;

_Static_assert(offsetof(rap_actor, mb.tail) - offsetof(rap_actor, refs) >= RAP_CACHELINE,
               "the senders' reference count and the runner's tail need separate lines");

typedef struct rap_table rap_table;

/* Serials below this are the runtime's own (System 1, Logger 2). */
#define RAP_SERIAL_SYSTEM 1u
#define RAP_SERIAL_LOGGER 2u
#define RAP_SERIAL_USER_MIN 16u

int rap__table_create(int rank, rap_table **table_out);
/* Free all actor memory.  No other thread may use the table. */
void rap__table_destroy(rap_table *t);
/* A zeroed actor, not yet findable.  NULL when out of memory. */
rap_actor *rap__table_alloc(rap_table *t);
/* Give `a` an id (a fresh serial, or `serial` if non-zero) and make it
 * findable.  Returns RAP_OK or RAP_ENOMEM (then `a` is still the caller's). */
int rap__table_publish(rap_table *t, rap_actor *a, uint64_t serial);
/* The live actor with `aid`, with a reference held; NULL if none. */
rap_actor *rap__table_acquire(rap_table *t, rap_aid aid);
void rap__table_release(rap_actor *a);
/* Make `a` unfindable and wait until no sender holds a reference. */
void rap__table_remove(rap_table *t, rap_actor *a);
/* Return a removed actor's memory to the free list. */
void rap__table_free(rap_table *t, rap_actor *a);
/* Number of published actors. */
uint64_t rap__table_live(const rap_table *t);
/* Call fn for each published actor (no concurrent publish or remove). */
void rap__table_foreach(rap_table *t, void (*fn)(rap_actor *a, void *arg), void *arg);

#endif
