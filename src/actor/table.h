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
 * Uses:       actor/mailbox.h, actor/atype.h, msg/aid.h, sched/sched.h
 *             (rap_task), util/.
 */
#ifndef RAP_ACTOR_TABLE_H
#define RAP_ACTOR_TABLE_H

#include "actor/mailbox.h"
#include "actor/atype.h"
#include "msg/aid.h"
#include "sched/sched.h"

/* Three cache lines, each written by one side (actors are 64-byte
 * aligned): the first is read by senders and the runner and written only
 * at creation and removal; the second is the senders' (the reference
 * count, the mailbox head, the first stub); the third the runner's (the
 * mailbox tail).  Packed unaligned, one actor's runner fields would share
 * a line with the next actor's reference count, and a sender to many
 * actors that another worker runs would wait for that line at each send
 * (docs/PERFORMANCE.md). */
/* What the profile counts per actor (system/probe.h): written by the
 * worker running the actor (its turns, its sends), read by the sampler;
 * relaxed atomics, one writer at a time.  In the runner's line. */
typedef struct rap_actor_prof {
    _Atomic uint64_t calls, time_ns;    /* runs of its message handlers; time in its turns */
    _Atomic uint64_t msgs_out, bytes_out;
    _Atomic uint32_t depth_peak;        /* most messages handled in one turn */
    _Atomic uint32_t atype;             /* its type and state size, for the sampler */
    _Atomic uint64_t state_bytes;
} rap_actor_prof;

typedef struct rap_actor {
    rap_task task;               /* run-queue link; first member */
    _Atomic uint64_t aid;        /* RAP_AID_NONE while free */
    rap_aid parent;              /* supervisor: the creator */
    rap_actor_type *type;
    void *state;
    union {
        struct rap_actor *free_next; /* while free */
        struct rap_mig *mig;         /* while alive: migration and ordering state
                                        (system/migrate.c), made at its first need; NULL
                                        before, and again before the actor is freed */
    };
    _Atomic int alive;
    bool exiting;                /* stop after the current message */
    bool destroyed;              /* ... because it was told to (a destroy request, its supervisor) */
    bool supervised;             /* its creator supervises it (system/supervise.c) */
    bool suspended;              /* failed: its messages wait for its supervisor's decision */
    alignas(RAP_CACHELINE) _Atomic uint32_t refs; /* senders inside a push */
    rap_mailbox mb;              /* head ... stub ... tail */
    rap_actor_prof prof;         /* the runner's line, after the tail */
} rap_actor;

_Static_assert(offsetof(rap_actor, refs) == RAP_CACHELINE && offsetof(rap_actor, mb.tail) >= 2 * RAP_CACHELINE &&
                   sizeof(rap_actor) == 3 * RAP_CACHELINE,
               "an actor is three lines: shared, senders', runner's");

typedef struct rap_table rap_table;

int rap__table_create(int rank, rap_table **table_out);
/* Free all actor memory.  No other thread may use the table. */
void rap__table_destroy(rap_table *t);
/* A zeroed actor, not yet findable.  NULL when out of memory. */
rap_actor *rap__table_alloc(rap_table *t);
/* Give `a` an id (a fresh serial, or `serial` if non-zero) and make it
 * findable.  Returns RAP_OK or RAP_ENOMEM (then `a` is still the caller's). */
int rap__table_publish(rap_table *t, rap_actor *a, uint64_t serial);
/* The live actor with `aid`, with a reference held; NULL if none. */
/* Publish under serial `serial` (0: the next one, with `mark` set in it:
 * RAP_SERIAL_MOVABLE for a movable actor). */
int rap__table_publish_marked(rap_table *t, rap_actor *a, uint64_t serial, uint64_t mark);
/* Publish under the whole id `aid`: an actor that moved here (from its
 * home, or back home). */
int rap__table_publish_aid(rap_table *t, rap_actor *a, rap_aid aid);
/* The actor `aid` if it is here (at home, or a guest: a movable actor
 * whose home is another rank), with a reference; NULL otherwise. */
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

/* Actor groups (msg/group.h): the members this rank is home to live in a
 * table per group, indexed by (index - lo) / stride.  A group is opened
 * before its members are published and made ready once they all are;
 * until then a lookup of a member fails, and a message to one is held
 * (rap__table_group_hold) to be delivered when the group is ready, before
 * any later message: nothing sent to a member before its rank made it is
 * lost or reordered.
 * Open: RAP_OK; RAP_EEXIST (opened already); RAP_ERANGE (bad number);
 * RAP_ENOMEM. */
int rap__table_group_open(rap_table *t, uint32_t gnum, uint32_t lo, uint32_t stride, uint32_t count);
/* Keep `env` (to a member of a group not ready here) for later; false if
 * the group is ready (look the member up again). */
bool rap__table_group_hold(rap_table *t, rap_env *env);
/* Make group `gnum` ready: each held message goes to fn with its member
 * (a reference held, for fn to release) or NULL (no such member), in the
 * order held, before any later message can find a member. */
void rap__table_group_ready(rap_table *t, uint32_t gnum, void (*fn)(rap_actor *a, rap_env *env));
/* Hand every message still held (for groups never made here) to fn. */
void rap__table_group_drop_held(rap_table *t, void (*fn)(rap_env *env));

#endif
