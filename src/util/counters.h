/* util/counters.h -- the rank's statistics: one table of counters per
 * worker, each written by that worker alone, and one shared by every
 * other thread.
 *
 * Owns:       the counter slots (rap__ctr_create .. rap__ctr_destroy).
 * Invariants: a worker bound to slot i (rap__ctr_bind) is the only writer
 *             of slot i and adds with a plain load and store; threads that
 *             are not workers add to the shared slot with an atomic add.
 *             A counter's value is the sum over the slots; counters only
 *             grow.  Statistics only: never used to synchronise (the
 *             termination wave reads the MPI counts under the MPI token,
 *             which orders every write of them before its read).
 * Threads:    rap__ctr_add from any thread; create/destroy from rap_init's.
 * Uses:       util/common.h.
 */
#ifndef RAP_UTIL_COUNTERS_H
#define RAP_UTIL_COUNTERS_H

#include "util/common.h"

/* NAME, name, meaning.  The public rap_stats and RAPTORS_STATS print from here. */
#define RAP_COUNTER_MAP(X)                                                                         \
    X(SENT_LOCAL, sent_local, "messages to actors on this rank")                                   \
    X(BYTES_SENT_LOCAL, bytes_sent_local, "payload bytes of those")                                \
    X(SENT_REMOTE, sent_remote, "messages handed to the transport for another rank")               \
    X(BYTES_SENT_REMOTE, bytes_sent_remote, "wire bytes of those")                                 \
    X(RECV_REMOTE, recv_remote, "messages received from other ranks")                              \
    X(BYTES_RECV_REMOTE, bytes_recv_remote, "wire bytes of those")                                 \
    X(BATCHES_SENT, batches_sent, "MPI messages that carried several small messages")              \
    X(MPI_SENT, mpi_sent, "MPI messages sent (a batch counts once)")                               \
    X(MPI_RECEIVED, mpi_received, "MPI messages received (malformed ones too)")                    \
    X(CREDITS_SENT, credits_sent, "flow-control credits returned or asked for")                    \
    X(FLOW_BLOCKED, flow_blocked, "messages that waited for their receiver to catch up")           \
    X(HANDLED, handled, "handler runs")                                                            \
    X(MAILBOX_IN, mailbox_in, "messages put in this rank's mailboxes")                             \
    X(MAILBOX_OUT, mailbox_out, "messages taken out of them (run or discarded)")                   \
    X(DEAD_LETTERS, dead_letters, "messages to actors that do not exist")                          \
    X(UNHANDLED, unhandled, "messages of a type the addressee does not handle")                    \
    X(MALFORMED, malformed, "envelopes from the wire that failed validation")                      \
    X(DROPPED_STOPPED, dropped_stopped, "messages dropped because the job was stopping")            \
    X(MIGRATED_OUT, migrated_out, "actors that moved away from this rank")                         \
    X(MIGRATED_IN, migrated_in, "actors that moved to this rank")                                  \
    X(FORWARDED, forwarded, "messages passed on towards a moved actor")                            \
    X(HELD_BACK, held_back, "messages to a movable actor that came before an earlier one of their sender")

enum rap_counter {
#define RAP_CTR_ENUM(name, lname, text) RAP_CTR_##name,
    RAP_COUNTER_MAP(RAP_CTR_ENUM)
#undef RAP_CTR_ENUM
    RAP_CTR_COUNT
};

typedef struct rap_ctr_slot {
    alignas(RAP_CACHELINE) _Atomic uint64_t v[RAP_CTR_COUNT];
} rap_ctr_slot;

/* The slots: [0, n) for the workers, then the shared one. */
extern rap_ctr_slot *rap__ctr_slots;
extern int rap__ctr_nworkers;
/* The calling thread's slot, -1 for threads that are not workers;
 * initial-exec TLS: read at every count. */
extern _Thread_local int rap__ctr_self RAP_TLS_IE;

/* Slots for `nworkers` workers and the shared one, all zero.
 * RAP_OK or RAP_ENOMEM. */
int rap__ctr_create(int nworkers);
void rap__ctr_destroy(void);
/* The calling thread is worker `i` (or, with -1, no worker). */
void rap__ctr_bind(int i);
/* The sum of counter `id` over every slot. */
uint64_t rap__ctr_sum(int id);
/* The name of counter `id` ("sent_local"). */
const char *rap__ctr_name(int id);

static inline void rap__ctr_add(int id, uint64_t n)
{
    int s = rap__ctr_self;

    if (s >= 0)
        RAP_BUMP(rap__ctr_slots[s].v[id], n);
    else if (rap__ctr_slots != NULL)
        RAP_COUNT(rap__ctr_slots[rap__ctr_nworkers].v[id], n);
}

#endif
