/* sched/watchdog.c -- the watchdog: one thread per scheduler that keeps a
 * long task from holding up the rest (as Go's sysmon does for goroutines).
 *
 * Owns:       the watchdog thread.
 * Invariants: while any worker is awake it wakes every period (up to
 *             BACKOFF periods while it finds no task newly running long)
 *             and, for each worker that has run its current task longer
 *             than a period: tells the task's turn to end (`preempt`, read
 *             by the task between messages); with more than one worker
 *             (`rescue`), takes the worker's private slot and parked
 *             tasks (runnable, but reachable only by that worker) and puts
 *             them in the injection queue, where any worker takes them;
 *             and, when every worker is inside such a task and no poll ran
 *             since the last tick (hooks.polls), polls (hooks.poll)
 *             itself, so the rank's MPI traffic moves while its handlers
 *             compute.  While every worker sleeps it sleeps until a worker
 *             wakes (sleep_worker rings it), so an idle rank costs nothing.
 * Threads:    its own; rescue excludes the worker (sched_int.h).
 * Uses:       sched_int.h, Linux membarrier, util/.
 */
#include <pthread.h>
#include <stdlib.h>

#include "sched/sched_int.h"
#include "util/clock.h"

#ifdef __linux__
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* The deep sleep is until rung; this bounds it only as a safety net. */
#define DEEP_SLEEP_NS 1000000000ull
/* Polls in a row while every worker is busy: until one finds nothing. */
#define GUARD_POLLS 64

static bool membarrier_register(void)
{
#if defined(__linux__) && defined(__NR_membarrier)
    return syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
#else
    return false;
#endif
}

static bool membarrier_all(void)
{
#if defined(__linux__) && defined(__NR_membarrier)
    return syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0;
#else
    return false;
#endif
}

/* Take `w`'s private slot and parked tasks, and make them runnable
 * anywhere.  Gives up when `w` is inside its bookkeeping.  Returns whether
 * the next look should come soon: it took tasks, or it gave up. */
static bool rescue(rap_sched *s, worker *w)
{
    rap_task *taken[PARK_MAX + 1];
    int n = 0;

    atomic_store_explicit(&w->rescuing, 1, memory_order_relaxed);
    if (!membarrier_all() || atomic_load_explicit(&w->owner_in, memory_order_acquire) != 0) {
        atomic_store_explicit(&w->rescuing, 0, memory_order_release);
        return true;
    }
    /* The worker is out and stays out until `rescuing` clears. */
    rap_task *t = atomic_exchange_explicit(&w->next, NULL, memory_order_acquire);
    if (t != NULL)
        taken[n++] = t;
    for (int i = atomic_load_explicit(&w->nparked, memory_order_relaxed) - 1; i >= 0; i--) {
        /* nparked > 0 only with parking hooks (rap__sched_park). */
        t = w->parked[i];
        if (s->hooks.ready(t) || !s->hooks.release(t))
            taken[n++] = t;
    }
    atomic_store_explicit(&w->nparked, 0, memory_order_relaxed);
    atomic_store_explicit(&w->rescuing, 0, memory_order_release);
    for (int i = 0; i < n; i++)
        rap__sched_inject(s, taken[i]);
    return n > 0;
}

/* One look at the workers.  Returns whether the next look should come in
 * one period: it saw a task newly running long (its turn is told to end;
 * actors may come to wait behind it), or took tasks from behind one (or
 * could not yet).  A task it had already seen run long and that still
 * runs is no such reason: it ends its turn at its next check, or its one
 * handler is long; what is pushed behind it meanwhile waits for the next
 * look, up to BACKOFF periods away. */
static bool tick(rap_sched *s)
{
    uint64_t now = rap__now_ns();
    int busy = 0;
    bool acted = false;

    if (s->hooks.tick != NULL)
        s->hooks.tick(s->hooks.arg, now);
    for (int i = 0; i < s->nworkers; i++) {
        worker *w = &s->workers[i];
        uint64_t since = atomic_load_explicit(&w->run_since, memory_order_relaxed);
        if (since == 0 || now < since || now - since < s->wd_period_ns)
            continue;
        busy++;
        if (w->wd_seen != since) { /* a task it had not seen long */
            w->wd_seen = since;
            acted = true;
        }
        if (!atomic_load_explicit(&w->preempt, memory_order_relaxed))
            atomic_store_explicit(&w->preempt, true, memory_order_relaxed);
        if (s->rescue && (atomic_load_explicit(&w->next, memory_order_relaxed) != NULL ||
                          atomic_load_explicit(&w->nparked, memory_order_relaxed) > 0))
            acted |= rescue(s, w);
    }
    /* Every worker is inside a long task: unless one polls from inside it
     * (a sender flushing its queue does), nobody makes progress. */
    if (busy == s->nworkers) {
        uint64_t polls = s->hooks.polls != NULL ? s->hooks.polls(s->hooks.arg) : 0;
        if (s->hooks.polls == NULL || polls == s->wd_polls)
            for (int k = 0; k < GUARD_POLLS && s->hooks.poll(s->hooks.arg) > 0; k++)
                ;
    }
    if (s->hooks.polls != NULL)
        s->wd_polls = s->hooks.polls(s->hooks.arg);
    return acted;
}

/* The watchdog looks every period while it finds tasks newly running long;
 * otherwise its sleep doubles, up to BACKOFF periods (so a task that turns
 * long is seen within that, as Go's sysmon backs off to 10 ms).  Each look
 * takes a core for a moment, and where the watchdog shares its core with a
 * worker (a rank bound to one core, as mpirun binds 2 ranks) that is the
 * worker's time: about 80 us a look on the development VM, 3-7 % of a
 * 2048^2 Jacobi sweep at a look every period, 2 % of any work at one every
 * 4 periods. */
#define BACKOFF 16

static void *watchdog_main(void *arg)
{
    rap_sched *s = arg;
    uint64_t sleep = s->wd_period_ns;

    while (!atomic_load(&s->stopping)) {
        if (atomic_load(&s->awake) == 0) {
            /* seq_cst: the bell is set before the last look at `awake`,
             * and a waking worker raises `awake` before it rings. */
            atomic_store(&s->wd_bell, RAP_BELL_SLEEPING);
            if (atomic_load(&s->awake) == 0 && !atomic_load(&s->stopping))
                rap__bell_wait(&s->wd_bell, DEEP_SLEEP_NS);
            atomic_store(&s->wd_bell, RAP_BELL_AWAKE);
            sleep = s->wd_period_ns;
            continue;
        }
        rap__sleep_ns(sleep);
        if (tick(s))
            sleep = s->wd_period_ns;
        else if (sleep < BACKOFF * s->wd_period_ns)
            sleep *= 2;
    }
    return NULL;
}

int rap__watchdog_start(rap_sched *s)
{
    if (s->wd_period_ns == 0)
        return RAP_OK;
    /* With one worker nobody else could run the tasks it took, and its
     * membarrier would interrupt the worker: no rescue, and the worker's
     * side of the exclusion costs nothing. */
    s->rescue = s->nworkers > 1 && membarrier_register();
    if (pthread_create(&s->wd_thread, NULL, watchdog_main, s) != 0) {
        s->rescue = false;
        return RAP_ENOMEM;
    }
    s->wd_started = true;
    return RAP_OK;
}

void rap__watchdog_wake(rap_sched *s)
{
    if (s->wd_started)
        rap__bell_ring(&s->wd_bell);
}

void rap__watchdog_stop(rap_sched *s)
{
    if (!s->wd_started)
        return;
    atomic_store(&s->stopping, true);
    rap__bell_ring(&s->wd_bell);
    pthread_join(s->wd_thread, NULL);
    s->wd_started = false;
}
