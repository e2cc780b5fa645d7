/* system/node.h -- the node: one per process, shared by system/ and services/.
 *
 * Owns:       the rank's runtime state (rap_node g_node): communicators,
 *             transport, scheduler, actor table, host table, counters.
 * Invariants: `active` counts actors that are scheduled or being run (a
 *             mailbox not marked empty); the rank is locally idle when it is
 *             0.  All of Raptors' MPI calls happen under the MPI token.
 * Threads:    see each field.
 * Uses:       every layer below.
 */
#ifndef RAP_SYSTEM_NODE_H
#define RAP_SYSTEM_NODE_H

#include <mpi.h>
#include <pthread.h>
#include <stdio.h>

#include "actor/table.h"
#include "net/net.h"
#include "sched/sched.h"
#include "util/config.h"

struct rap_ctx {
    rap_actor *actor; /* NULL outside actors */
    int worker;
};

typedef struct rap_counters {
    alignas(RAP_CACHELINE) _Atomic uint64_t sent_local;
    _Atomic uint64_t bytes_sent_local, sent_remote, bytes_sent_remote, handled, dead_letters,
        unhandled, dropped_stopped;
} rap_counters;

typedef struct rap_host {
    uint32_t type;
    int rank;
} rap_host;

enum rap_node_state { RAP_NODE_NONE = 0, RAP_NODE_UP = 1 };

/* Grouped by who writes: fields every send or handler reads (rank,
 * stopping, table, ...) are written only at start-up and shutdown and sit
 * apart from those that idle workers write all the time (the MPI token at
 * each poll, `active` at each schedule).  With `token` on the line of
 * `rank`, a worker that polled while idle took that line from the sending
 * worker at every poll, and each send waited for it (Fork-join, measured:
 * the sender's first read of g_node.rank was its costliest instruction). */
typedef struct rap_node {
    /* Read-mostly: set by the lifecycle thread. */
    _Atomic int state;
    rap_config cfg;
    MPI_Comm comm, term_comm;
    int rank, size, appnum, level;
    bool mpi_owned;
    _Atomic bool mpi_open;   /* workers may call MPI now */
    _Atomic bool stopping;
    _Atomic bool running;    /* inside rap_run: termination waves allowed */

    rap_net *net;
    rap_sched *sched;

    /* Doorbells (util/bell.h) of this node's ranks, in an MPI shared-memory
     * window: bells[r] for rank r of comm on this node, NULL elsewhere (or
     * everywhere when the window could not be made).  `bell` is this
     * rank's: its poller sleeps on it.  `bells_all`: every rank has one, so
     * every message rings and the poller may sleep long. */
    MPI_Comm node_comm;
    MPI_Win bell_win;
    rap_bell **bells;
    rap_bell *bell;
    bool bells_all;
    rap_table *table;
    rap_host *hosts;         /* (actor type, rank) pairs, sorted; read-only after init */
    size_t nhosts;

    /* Statistics: one slot per worker (written by that worker alone) and
     * one for every other thread; rap_stats_get adds them up. */
    struct rap_counters *ctr;
    int nctr;
    struct outbox *outboxes; /* one per worker (node.c) */

    /* Logger (rank 0). */
    FILE *log;
    bool log_close;

    /* Written by the token holder (each poll), and the wave it runs. */
    alignas(RAP_CACHELINE) _Atomic int token; /* the MPI token: 1 while a thread is in Raptors' MPI */
    _Atomic bool wave_active; /* a termination wave is in flight */
    _Atomic uint64_t wave_started; /* when it started, ns */
    bool wave_on;
    MPI_Request wave_req;
    uint64_t wave_in[2], wave_out[2], prev[2];
    bool prev_valid;
    uint64_t idle_since;     /* ns; 0 while not idle (token holder's) */

    /* Written at every schedule and release of an actor. */
    alignas(RAP_CACHELINE) _Atomic int64_t active;
    _Atomic uint32_t rr;     /* RAP_ANY_RANK turn */
    _Atomic bool done;       /* the wave found the job quiescent */
    pthread_mutex_t done_lock; /* with done_cond: rap_run's thread waits for done */
    pthread_cond_t done_cond;
} rap_node;

extern rap_node g_node;

/* Add n to this thread's statistic `f` (see rap_node.ctr). */
#define RAP_STAT(f, n)                                                        \
    do {                                                                      \
        int w_ = rap__sched_self();                                           \
        if (w_ >= 0 && w_ < g_node.nctr - 1)                                  \
            RAP_BUMP(g_node.ctr[w_].f, (n));                                  \
        else                                                                  \
            RAP_COUNT(g_node.ctr[g_node.nctr - 1].f, (n));                    \
    } while (0)

static inline rap_aid rap__aid(int rank, uint64_t serial)
{
    return ((uint64_t)rank << RAP_AID_SERIAL_BITS) | serial;
}

/* Deliver or transmit a filled envelope; takes ownership. */
void rap__route(rap_env *env);
/* Send an error event to `to` (logged instead when `to` is RAP_AID_NONE). */
void rap__send_error(rap_aid to, int kind, uint32_t op, int err_kind, int code,
                     rap_aid about, uint32_t msg_type, uint64_t cookie);

/* Type tables (system/types.c). */
int rap__types_exchange(void);
void rap__types_free(void);
/* Ranks hosting `type`: *first_out points at `n` sorted pairs. */
size_t rap__types_hosts(uint32_t type, const rap_host **first_out);

/* Logging (services/logger.c). */
void rap__log(int level, rap_aid actor, const char *fmt, ...) RAP_PRINTF(3, 4);
int rap__logger_open(void);
void rap__logger_close(void);
int rap__logger_handle(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len);
void rap__aid_str(rap_aid aid, char *buf, size_t n);

#endif
