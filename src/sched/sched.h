/* sched/sched.h -- worker threads, run queues, the idle policy, and the
 * watchdog.
 *
 * Owns:       the worker threads, the watchdog thread and the run queues
 *             of rap_task.
 * Invariants: a task is in the run queue at most once (its owner pushes it
 *             only when it becomes runnable); a worker runs it once per
 *             pop.  Exactly one idle worker at a time (the poller) polls
 *             through hooks.poll with a growing sleep on a doorbell, so a
 *             rank makes MPI progress with every other worker asleep, never
 *             spins on a core it has nothing to do on, and wakes at once
 *             when rung.  Fairness: a task that yields goes behind every
 *             task that was runnable before it (its worker's queue, the
 *             injection queue, parked tasks with work); a chain of
 *             hand-offs through a worker's private slot lets one waiting
 *             task run every RAP_SCHED_STREAK links; a turn that runs
 *             longer than the watchdog's period is told to end
 *             (rap__sched_preempted).  No runnable task waits for a worker
 *             busy with another: the watchdog moves the private slot and
 *             the parked tasks of a worker that has run one task longer
 *             than its period to the injection queue, and polls itself
 *             while every worker is inside a long task.
 * Threads:    push from any thread; everything else from the creating thread.
 * Uses:       sched/topo.h (hwloc), pthreads, util/.  Knows nothing of
 *             actors or MPI.
 */
#ifndef RAP_SCHED_SCHED_H
#define RAP_SCHED_SCHED_H

#include "sched/topo.h"
#include "util/bell.h"
#include "util/common.h"

typedef struct rap_task rap_task;
typedef void (*rap_task_fn)(rap_task *task, int worker);

struct rap_task {
    rap_task *next;
    rap_task_fn run;
};

typedef struct rap_sched_hooks {
    /* Make progress outside tasks (MPI); returns how much was done, 0 if
     * nothing, negative if another thread is polling (the caller pauses
     * before it tries again).  Called by idle workers and by the watchdog,
     * never concurrently with itself unless the callee serialises (it
     * does, with a trylock). */
    int (*poll)(void *arg);
    void *arg;
    /* The poller sleeps on this doorbell (NULL: one of the scheduler's
     * own); whoever brings work it cannot see otherwise rings it. */
    rap_bell *bell;
    /* The poller's longest sleep now, in ns (NULL: poll_max_us): long when
     * every source of work rings the bell, short when some must be polled. */
    uint64_t (*max_sleep_ns)(void *arg);
    /* Parking (rap__sched_park; both NULL: parking is off).  `ready`: the
     * parked task has work.  `release`: give it up for good (true), or
     * false when work came in after all (then it runs).  Called by the
     * task's worker, or by the watchdog while that worker is excluded. */
    bool (*ready)(rap_task *task);
    bool (*release)(rap_task *task);
    /* Optional: a count that grows with every poll that ran, by anyone
     * (the watchdog polls only when it has not grown for a period while
     * every worker was busy; NULL: whenever every worker is busy). */
    uint64_t (*polls)(void *arg);
    /* Called on each worker thread as it starts, as it ends, and before it
     * sleeps (optional). */
    void (*worker_start)(int worker);
    void (*worker_end)(int worker);
    void (*worker_idle)(int worker);
    /* Optional: called by the watchdog at each of its looks, with the
     * time; it runs while some worker is awake. */
    void (*tick)(void *arg, uint64_t now_ns);
} rap_sched_hooks;

/* rap_sched_params.flags */
enum {
    RAP_SCHED_BIND = 1,       /* bind the workers to the process's cores in turn */
    RAP_SCHED_SPIN_YIELD = 2, /* a spinning worker yields its core every few
                               * rounds (for more threads than cores; a
                               * message arriving during a yield waits for it) */
};

typedef struct rap_sched_params {
    int workers;
    unsigned flags;           /* RAP_SCHED_* */
    unsigned spin_us;         /* how long an idle worker spins (trying poll) before it sleeps */
    unsigned poll_max_us;     /* the poller's longest sleep (without hooks.max_sleep_ns) */
    int first_index;          /* the workers' numbers, as hooks and tasks see them, start
                               * here (a second scheduler in the process numbers its
                               * workers after the first's) */
    unsigned watchdog_us;     /* the watchdog's period: the longest turn, the longest a
                               * runnable task waits behind a busy worker, the longest
                               * MPI waits while every worker is busy; 0: no watchdog */
} rap_sched_params;

/* Hand-offs through a worker's private slot in a row before a task
 * waiting elsewhere on the worker runs first. */
#define RAP_SCHED_STREAK 64

typedef struct rap_sched rap_sched;

/* Start the workers and the watchdog.  *sched_out is set before the first
 * worker starts (its hooks may read it). */
int rap__sched_create(const rap_sched_params *p, const rap_sched_hooks *hooks,
                      rap_sched **sched_out);
/* Make `task` runnable.  From a worker it is run next by that worker
 * (a task it displaces becomes stealable by the others). */
void rap__sched_push(rap_sched *s, rap_task *task);
/* Make `task` runnable again after its turn, behind every task that was
 * runnable before it on the calling worker and in the injection queue;
 * when there is none, it stays on this worker (not stealable). */
void rap__sched_yield(rap_sched *s, rap_task *task);
/* From the worker running `task`, when the task has run out of work:
 * keep it on this worker, still counted as scheduled, for a moment (about
 * RAP_PARK_NS), so that work arriving meanwhile runs it without a
 * reschedule; after that, or when the worker has nothing else to do and is
 * about to sleep, it is released (hooks.release).  Returns false when the
 * task was not parked (not a worker, parking full or off): the caller
 * releases it itself.  A parked task is not stealable, but the watchdog
 * takes it from a worker busy with a long task. */
bool rap__sched_park(rap_sched *s, rap_task *task);
/* The doorbell the poller sleeps on (hooks.bell or the scheduler's own). */
rap_bell *rap__sched_bell(rap_sched *s);
/* Stop and join the workers and the watchdog; tasks still queued are not run. */
void rap__sched_destroy(rap_sched *s);
int rap__sched_workers(const rap_sched *s);
/* Index of the calling worker (first_index + its index), or -1 for a
 * thread that is not one; the scheduler it works for, or NULL. */
int rap__sched_self(void);
rap_sched *rap__sched_current(void);
/* The calling worker's clock: read when its current task began (0 on
 * other threads).  A task that reads the clock as it ends hands the value
 * over (rap__sched_task_end), and the worker does not read it again. */
uint64_t rap__sched_now(void);
void rap__sched_task_end(uint64_t now_ns);

/* Whether the calling worker's current turn has run too long and should
 * end (the watchdog says so); false on other threads.  One load. */
extern _Thread_local _Atomic bool *rap__sched_preempt RAP_TLS_IE;
static inline bool rap__sched_preempted(void)
{
    return atomic_load_explicit(rap__sched_preempt, memory_order_relaxed);
}

#endif
