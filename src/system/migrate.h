/* system/migrate.h -- moving actors between ranks, and the order of each
 * sender's messages to a movable actor whatever ways they take.
 *
 * Owns:       each actor's rap_mig (its sequence numbers as a sender and
 *             as an addressee, the messages it holds back, a move asked
 *             for or under way), the move protocol, and the forwarding of
 *             messages to movable actors that are not here.
 * Invariants: a message to a movable actor carries its sender's sequence
 *             number to it; the actor takes each sender's messages in that
 *             order, holding a copy of any that comes early.  A moving
 *             actor stays in the old rank's table (messages to it wait in
 *             its mailbox) until the new rank has installed it; only then
 *             is it removed, and what it held is forwarded there.  A
 *             refused move leaves it where it was, running again.
 * Threads:    stamping on the sender's thread; ordering and the start of
 *             a move on the actor's worker; the protocol's operations on
 *             the System actor's worker; forwarding on any thread.
 * Uses:       system/node.h, system/directory.h, actor/, msg/.
 */
#ifndef RAP_SYSTEM_MIGRATE_H
#define RAP_SYSTEM_MIGRATE_H

#include "system/directory.h"
#include "system/node.h"

typedef struct rap_mig {
    rap_seqmap out;          /* next sequence number to each movable actor it sent to */
    rap_seqmap in;           /* (movable actors) the next one expected from each sender */
    rap_env *held;           /* copies of messages that came before an earlier one of theirs */
    rap_env *ready, *ready_tail; /* held ones whose turn came: taken before the mailbox */
    rap_env *deferred, *deferred_tail; /* copies the actor deferred (rap_defer), not yet redelivered */
    uint32_t epoch;          /* moves so far */
    int32_t move_to;         /* a move asked for (-1: none), or the one under way */
    rap_aid requester;       /* told if it fails */
    bool moving;             /* its state is on the way to move_to */
} rap_mig;

/* Give a message to movable actor `to` its sender's sequence number (and
 * the outside-actors sender when sent outside actors).  RAP_ENOMEM. */
int rap__mig_stamp(rap_ctx *ctx, rap_env *env);

/* Deliver or pass on a message (not linked) to a movable actor: into its
 * mailbox if it is here, else towards where it is; a remote arrival's
 * sender rank is told the better way.  Returns true if it was here. */
bool rap__mig_deliver(rap_env *env);

/* The runner: whether a sequenced message is next from its sender (else a
 * copy is held, or a duplicate dropped, and the caller lets it go). */
bool rap__mig_in_order(rap_actor *a, rap_env *env);
/* A held message whose turn came (the caller frees it), or NULL. */
rap_env *rap__mig_ready_pop(rap_actor *a);
/* rap_defer: keep a copy of `env` (being handled by `a`) for later;
 * rap_redeliver: put the kept ones, in order, before everything else `a`
 * has to handle (the ready list).  RAP_OK or RAP_ENOMEM. */
int rap__mig_defer(rap_actor *a, const rap_env *env);
void rap__mig_redeliver(rap_actor *a);
/* Note a move asked for (RAP_MSG_MIGRATE_REQ, or the actor's own). */
void rap__mig_request(rap_actor *a, int rank, rap_aid requester);
/* Whether a move is asked for. */
static inline bool rap__mig_wanted(const rap_actor *a)
{
    return a->mig != NULL && a->mig->move_to >= 0 && !a->mig->moving;
}
/* Start the move asked for, at the end of a turn.  True: the actor is on
 * its way (neither queued nor idle until the answer comes); false: it
 * stays (a move to its own rank; a failure, reported). */
bool rap__mig_start(rap_actor *a, int worker);
/* A movable actor ends here: its home forgets it, what it held is dead
 * letters; frees its rap_mig. */
void rap__mig_gone(rap_actor *a);
/* Free its rap_mig and what it held, telling nobody (rap_finalize, once
 * the transport is gone). */
void rap__mig_free(rap_actor *a);

/* What the balancer reads of each user actor on this rank (at a sync
 * point: nothing runs). */
typedef struct rap_census {
    rap_aid aid;
    uint32_t atype;
    bool movable;
    uint64_t time_ns;      /* handler time since it came to this rank (or was made) */
    uint64_t state_bytes;
} rap_census;
void rap__census(void (*fn)(const rap_census *c, void *arg), void *arg);

/* The System actor's operations. */
void rap__mig_op_migrate(rap_ctx *ctx, const rap_env *env);
void rap__mig_op_done(rap_ctx *ctx, const rap_env *env);
void rap__mig_op_dir(rap_ctx *ctx, const rap_env *env);
void rap__mig_op_locate(rap_ctx *ctx, const rap_env *env);

#endif
