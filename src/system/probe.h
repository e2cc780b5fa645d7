/* system/probe.h -- workload profiling on every worker: what each handler
 * run, each actor, each pair of actors and each destination rank cost.
 *
 * Owns:       one probe per worker (plus one, with atomic counts, for the
 *             threads that are not workers): its workload table, its
 *             per-rank message counts, its sketch of the heaviest actor
 *             pairs, its busy time; and each probe's published snapshot.
 * Invariants: a probe is written by its worker alone, with plain stores
 *             (no shared atomics on the hot path); others read only its
 *             snapshot, which the worker copies under the snapshot's lock
 *             when the sampling epoch moves on (at the end of a turn) and
 *             before it sleeps.  Counts and bytes are exact; time comes
 *             from the clock reads the scheduler makes anyway around each
 *             turn, split between the workloads of a turn by one more read
 *             at each change of workload within it (none when a turn runs
 *             one workload, the common case), so the totals are right.
 *             Everything is cumulative since rap_init.
 * Threads:    the hot-path calls on the worker running the actor (or any
 *             thread for sends from outside actors); snapshots by any.
 * Uses:       util/topk.h, util/counters.h, actor/table.h.
 */
#ifndef RAP_SYSTEM_PROBE_H
#define RAP_SYSTEM_PROBE_H

#include <pthread.h>

#include "actor/table.h"
#include "msg/env.h"
#include "util/topk.h"

/* Handler-time histogram: bucket i counts runs of [2^i, 2^(i+1)) ns. */
#define RAP_PROF_BUCKETS 40
/* Workloads one worker keeps apart; the rest are summed in one entry. */
#define RAP_PROF_WL_MAX 256
/* Heaviest actor pairs one rank keeps (Space-Saving counters). */
#define RAP_PROF_PAIRS 65536
#define RAP_PROF_NAME_MAX 48

/* What a workload is: handler runs of a message type, a named part of
 * handlers (rap_workload_begin), or the runtime's handling of a system
 * message or error event (id: kind << 16 | operation). */
enum rap_wl_kind { RAP_WL_MESSAGE = 0, RAP_WL_NAMED = 1, RAP_WL_RUNTIME = 2 };

typedef struct rap_prof_wl {
    uint32_t atype;             /* the actor type */
    uint32_t id;                /* message type, name hash, or kind << 16 | operation */
    uint32_t kind;              /* enum rap_wl_kind */
    uint64_t calls, time_ns, bytes; /* bytes in (message payloads), or reported (named) */
    uint32_t hist[RAP_PROF_BUCKETS];
    char name[RAP_PROF_NAME_MAX]; /* a named workload's name */
} rap_prof_wl;

typedef struct rap_prof_dest {
    uint64_t msgs, bytes;
} rap_prof_dest;

/* What one worker counted, since rap_init. */
typedef struct rap_prof_tables {
    uint64_t busy_ns;           /* inside turns */
    uint64_t since_ns;          /* when counting began (idle = now - since - busy) */
    uint32_t nwl;
    rap_prof_wl wl[RAP_PROF_WL_MAX + 1]; /* the last: everything else */
    rap_prof_dest *dest;        /* per destination rank */
    rap_topk pairs;             /* (sender, addressee) by bytes */
} rap_prof_tables;

/* Start and stop profiling on this rank (RAPTORS_PROFILE off: never on);
 * trace_cap > 0 also records every handler run, at most trace_cap per
 * worker (RAPTORS_TRACE_EVENTS). */
int rap__probe_create(int nworkers, int nranks, bool on, uint32_t trace_cap);
void rap__probe_destroy(void);
extern bool rap__probe_enabled; /* set by create, before any worker starts */
extern bool rap__probe_tracing;
static inline bool rap__probe_on(void) { return rap__probe_enabled; }

/* One handler run (or named part of one) in a worker's trace buffer; or
 * a flow's send or arrival (kind RAP_TEV_FLOW_*: atype is the sender's
 * rank, id the flow's number, dur 0). */
enum { RAP_TEV_FLOW_OUT = 8, RAP_TEV_FLOW_IN = 9 };
#define RAP_TRACE_FLOW_EVERY 8 /* one remote send in 8 of a worker is followed */
typedef struct rap_trace_ev {
    uint64_t t0, dur;           /* ns, the rank's clock */
    uint64_t aid;
    uint32_t atype, kind, id;   /* the workload (enum rap_wl_kind) */
    uint32_t worker;
} rap_trace_ev;
/* The calling thread is worker `w` (or, with -1, no worker); this rank. */
void rap__probe_bind(int w);
void rap__probe_set_rank(int rank);

/* The hot path.  A turn of `a` began at `t0` (the scheduler's clock); each
 * message's workload is announced before it runs; the turn ends at the
 * clock read `t_end`.  Sends are counted by pair and destination. */
typedef struct rap_turn {
    rap_actor *a;
    rap_aid self;               /* a's id: sends from it are counted here */
    uint64_t out_msgs, out_bytes; /* its sends in this turn */
    rap_aid run_to;             /* its latest sends' addressee, and their counts */
    uint64_t run_msgs, run_bytes;
    uint64_t t0, tprev;
    rap_prof_wl *first;         /* the turn's workload while it has one */
    rap_prof_wl *cur;           /* the message's running now */
    uint32_t cur_kind, cur_id;  /* its key (cur may be the overflow entry) */
    uint32_t calls, first_calls;
    uint32_t user_calls;        /* of user message types: the actor's calls */
    bool mixed;                 /* timed message by message */
    uint64_t named_ns;          /* inside named workloads in this turn's current part */
} rap_turn;
/* The turn running on this worker (NULL between turns, and elsewhere). */
extern _Thread_local rap_turn *rap__probe_turn RAP_TLS_IE;

static inline void rap__probe_turn_begin(rap_turn *t, rap_actor *a, uint64_t t0)
{
    t->a = a;
    t->self = atomic_load_explicit(&a->aid, memory_order_relaxed);
    t->out_msgs = t->out_bytes = t->run_msgs = t->run_bytes = 0;
    t->run_to = RAP_AID_NONE;
    t->t0 = t->tprev = t0;
    t->first = t->cur = NULL;
    t->calls = t->first_calls = t->user_calls = 0;
    t->mixed = rap__probe_tracing; /* a trace times every message */
    t->named_ns = 0;
    rap__probe_turn = t;
}
void rap__probe_message(rap_turn *t, uint32_t kind, uint32_t id, uint32_t bytes);
void rap__probe_message_timed(rap_turn *t);
static inline void rap__probe_message_done(rap_turn *t)
{
    if (t->mixed)
        rap__probe_message_timed(t);
}
void rap__probe_turn_end(rap_turn *t, uint64_t t_end);
/* Tracing: mark a remote send from the running turn as a flow (sampled);
 * a marked message's run begins (msg/wire.h RAP_WIRE_FLOW). */
void rap__probe_flow_out(rap_env *env);
void rap__probe_flow_in(rap_turn *t, const rap_wire_hdr *h);

/* A user message from `from` (`actor`: its actor, NULL outside actors).
 * Inside the sender's own turn a send only adds to the turn (on the
 * worker's stack): runs of sends to one addressee reach the pair and
 * destination tables when the addressee changes or the turn ends. */
void rap__probe_send_slow(rap_actor *actor, rap_aid from, rap_aid to, uint32_t bytes);
static inline void rap__probe_send(rap_actor *actor, rap_aid from, rap_aid to, uint32_t bytes)
{
    rap_turn *t = rap__probe_turn;

    if (t != NULL && t->self == from && (t->run_to == to || t->run_msgs == 0)) {
        t->out_msgs++;
        t->out_bytes += bytes;
        t->run_to = to;
        t->run_msgs++;
        t->run_bytes += bytes;
        return;
    }
    rap__probe_send_slow(actor, from, to, bytes);
}
/* An actor ends (after its fini): its counts are kept until the next
 * sample takes them.  Any thread. */
void rap__probe_gone(rap_actor *a);
/* Named workloads inside a handler (rap_workload_begin / _end). */
int rap__probe_named_begin(const char *name);
int rap__probe_named_end(uint64_t bytes);

/* What a sample needs of an actor that ended: its totals. */
typedef struct rap_prof_gone {
    rap_aid aid;
    uint32_t atype, depth_peak;
    uint64_t calls, time_ns, msgs_out, bytes_out, state_bytes;
} rap_prof_gone;

/* Publication: workers copy their tables at the end of a turn when the
 * epoch moved (rap__probe_epoch_bump), and before they sleep if they
 * counted anything since their last copy. */
void rap__probe_epoch_bump(void);
void rap__probe_idle(void);
void rap__probe_publish(void);
/* A copy of every worker's last snapshot, summed into `out` (its arrays
 * allocated by the caller for `nranks` and RAP_PROF_PAIRS); and the actors
 * that ended since the last call, appended to *gone (grown with realloc;
 * the caller frees it).  *gone_lost: actors whose end did not fit (their
 * counts since the last sample are missing from the actors, not from the
 * workloads).  Any thread; one caller at a time. */
int rap__probe_collect(rap_prof_tables *out, rap_prof_gone **gone, size_t *ngone,
                       uint64_t *gone_lost);
int rap__probe_tables_init(rap_prof_tables *t, int nranks, size_t npairs);
/* The trace: worker w's events and how many did not fit (w up to the
 * workers, the last one the threads that are not workers: none), and the
 * named workloads' names.  Once no worker runs. */
const rap_trace_ev *rap__probe_trace(int w, size_t *n, uint64_t *dropped);
int rap__probe_workers(void);
/* The name of named workload (atype, id) on this rank, or NULL. */
const char *rap__probe_named_name(uint32_t atype, uint32_t id);
void rap__probe_tables_free(rap_prof_tables *t);

#endif
