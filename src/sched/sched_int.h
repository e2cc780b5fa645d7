/* sched/sched_int.h -- the scheduler's state, shared by sched.c (workers
 * and queues) and watchdog.c, and by no one else.
 *
 * Owns:       struct rap_sched and struct worker.
 * Invariants: a worker's private slot (`next`) and parked list are touched
 *             by the worker inside owner_enter .. owner_exit, or by the
 *             watchdog while it holds `rescuing` and saw `owner_in` clear:
 *             never by both (the exclusion below).  Fields are grouped by
 *             the thread that writes them.
 * Threads:    see each field.
 * Uses:       util/, sched/topo.h.
 */
#ifndef RAP_SCHED_SCHED_INT_H
#define RAP_SCHED_SCHED_INT_H

#include <pthread.h>

#include "sched/sched.h"

typedef struct task_queue {
    pthread_mutex_t lock;
    rap_task *head, *tail;
    _Atomic size_t n; /* read without the lock as a hint */
} task_queue;

/* Parking: at most PARK_MAX tasks per worker, each for about PARK_NS
 * without work (see rap__sched_park). */
#define PARK_MAX 16
#define PARK_NS 20000u

typedef struct worker {
    alignas(RAP_CACHELINE) task_queue q;

    /* Written by the worker (its bookkeeping, inside owner_enter/exit),
     * or by the watchdog while the worker is excluded. */
    alignas(RAP_CACHELINE) _Atomic(rap_task *) next; /* run next; never stolen */
    _Atomic int nparked;
    rap_task *parked[PARK_MAX];
    uint64_t parked_at[PARK_MAX];

    /* Written by the worker alone. */
    rap_sched *s;
    int index;
    pthread_t thread;
    uint64_t now;                /* its clock, read once per loop round */
    uint64_t task_end;           /* a task's own clock read at its end (0: none) */
    unsigned tick;
    unsigned streak;             /* hand-offs through `next` in a row */
    _Atomic uint32_t owner_in;   /* inside owner_enter .. owner_exit */
    _Atomic uint64_t run_since;  /* when the current task started; 0 between tasks */

    /* Written by the watchdog (rarely); read by the worker. */
    alignas(RAP_CACHELINE) _Atomic bool preempt; /* the current turn should end */
    _Atomic uint32_t rescuing;   /* the watchdog is taking this worker's slot and parked tasks */
    uint64_t wd_seen;            /* run_since of the long task it last saw (the watchdog's alone) */
} worker;

struct rap_sched {
    task_queue inject;    /* tasks pushed by threads that are not workers */
    pthread_mutex_t lock; /* with cond: sleeping workers, and stop */
    pthread_cond_t cond;
    _Atomic int sleepers;
    _Atomic int awake;    /* workers not asleep (the watchdog sleeps when 0) */
    bool stop;
    _Atomic bool stopping; /* stop, readable without the lock (the watchdog) */
    _Atomic bool poller_taken;
    rap_bell own_bell;    /* when hooks.bell is NULL */

    rap_sched_hooks hooks;
    unsigned spin_us, poll_max_us;
    bool spin_yield;
    bool rescue;          /* the exclusion is armed: the watchdog may take tasks */
    rap_binder *binder;   /* NULL: workers are not pinned */
    int nworkers;
    int first_index;      /* the workers' numbers outside: first_index + their index */
    worker *workers;

    /* The watchdog (watchdog.c). */
    uint64_t wd_period_ns; /* 0: no watchdog */
    pthread_t wd_thread;
    bool wd_started;
    rap_bell wd_bell;     /* it sleeps here while every worker sleeps */
    uint64_t wd_polls;    /* hooks.polls at its last tick */
};

/* The exclusion between a worker's bookkeeping and the watchdog (a Dekker
 * pair with an asymmetric fence): the worker stores owner_in, then loads
 * `rescuing`, with only a compiler barrier between them; the watchdog
 * stores `rescuing`, then runs membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)
 * (which makes every thread of the process execute a full fence), then
 * loads owner_in.  Either the worker sees `rescuing` and backs off until it
 * clears, or the watchdog sees owner_in and gives up: they never both go
 * in.  The worker's path costs two plain stores and a load.  Without
 * membarrier (`rescue` false) there is no watchdog rescue and nothing to
 * exclude. */
static inline void owner_enter(worker *w)
{
    if (!w->s->rescue)
        return;
    for (;;) {
        atomic_store_explicit(&w->owner_in, 1, memory_order_relaxed);
        atomic_signal_fence(memory_order_seq_cst);
        /* acquire: pairs with the watchdog's release of `rescuing`. */
        if (atomic_load_explicit(&w->rescuing, memory_order_acquire) == 0)
            return;
        atomic_store_explicit(&w->owner_in, 0, memory_order_release);
        while (atomic_load_explicit(&w->rescuing, memory_order_acquire) != 0)
            rap__cpu_relax();
    }
}

static inline void owner_exit(worker *w)
{
    /* release: pairs with the watchdog's acquire of owner_in. */
    if (w->s->rescue)
        atomic_store_explicit(&w->owner_in, 0, memory_order_release);
}

/* sched.c */
void rap__sched_inject(rap_sched *s, rap_task *task);

/* watchdog.c */
int rap__watchdog_start(rap_sched *s);
void rap__watchdog_stop(rap_sched *s);
/* A worker woke from sleep: wake the watchdog if it sleeps. */
void rap__watchdog_wake(rap_sched *s);

#endif
