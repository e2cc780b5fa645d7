/* Scheduler: every pushed task runs exactly once, from many pushing
 * threads, on all workers; the poll hook runs while idle; hand-offs stay
 * on their worker; parking; the watchdog takes tasks from behind a long
 * one, tells long turns to end and polls while every worker is busy; a
 * yielding task lets the others run. */
#include <CUnit/CUnit.h>
#include <pthread.h>
#include <stdlib.h>

#include "sched/sched.h"
#include "support/unit.h"
#include "util/clock.h"

enum { TASKS = 20000, PUSHERS = 3 };

typedef struct counted {
    rap_task task;
    _Atomic int runs;
} counted;

/* A scheduler with the watchdog off unless a test turns it on. */
static int sched_make(int workers, unsigned flags, unsigned spin_us, unsigned poll_max_us,
                      const rap_sched_hooks *hooks, rap_sched **out)
{
    rap_sched_params p = { .workers = workers, .flags = flags, .spin_us = spin_us,
                           .poll_max_us = poll_max_us };
    return rap__sched_create(&p, hooks, out);
}

static counted tasks[TASKS];
static _Atomic int total_runs;
static _Atomic int polls;
static _Atomic int worker_seen[8];
static rap_sched *S;

static void run_counted(rap_task *t, int worker)
{
    counted *c = RAP_CONTAINER_OF(t, counted, task);
    atomic_fetch_add(&c->runs, 1);
    atomic_fetch_add(&total_runs, 1);
    if (worker >= 0 && worker < 8)
        atomic_store(&worker_seen[worker], 1);
}

static int poll_hook(void *arg)
{
    (void)arg;
    atomic_fetch_add(&polls, 1);
    return 0;
}

static void *pusher(void *arg)
{
    long k = (long)arg;
    for (int i = (int)k; i < TASKS; i += PUSHERS)
        rap__sched_push(S, &tasks[i].task);
    return NULL;
}

static void every_task_runs_once(void)
{
    rap_sched_hooks hooks = { .poll = poll_hook };
    pthread_t th[PUSHERS];

    for (int i = 0; i < TASKS; i++) {
        tasks[i].task.run = run_counted;
        atomic_init(&tasks[i].runs, 0);
    }
    CU_ASSERT_EQUAL_FATAL(sched_make(2, RAP_SCHED_SPIN_YIELD, 50, 200, &hooks, &S), RAP_OK);
    CU_ASSERT_EQUAL(rap__sched_workers(S), 2);
    for (long i = 0; i < PUSHERS; i++)
        pthread_create(&th[i], NULL, pusher, (void *)i);
    for (int i = 0; i < PUSHERS; i++)
        pthread_join(th[i], NULL);
    for (int wait = 0; wait < 10000 && atomic_load(&total_runs) < TASKS; wait++)
        rap__sleep_ns(1000000);
    /* Let idle workers reach the poller phase. */
    rap__sleep_ns(20000000);
    rap__sched_destroy(S);
    CU_ASSERT_EQUAL(atomic_load(&total_runs), TASKS);
    int once = 0;
    for (int i = 0; i < TASKS; i++)
        once += atomic_load(&tasks[i].runs) == 1;
    CU_ASSERT_EQUAL(once, TASKS);
    CU_ASSERT_TRUE(atomic_load(&polls) > 0);
    CU_ASSERT_EQUAL(rap__sched_self(), -1);
}

/* A chain of tasks, each made runnable by the previous one's run: every
 * link must run on the worker that pushed it (the `next` slot), however
 * many other workers are idle and stealing. */
enum { CHAIN = 20000, FAN = 64 };
typedef struct link_task {
    rap_task task;
    int index;
} link_task;
static link_task links[CHAIN];
static _Atomic int chain_done, moved, fan_runs;
static int last_worker = -1;
static link_task fan[FAN];

static void run_fan(rap_task *t, int worker)
{
    (void)t, (void)worker;
    atomic_fetch_add(&fan_runs, 1);
}

static void run_link(rap_task *t, int worker)
{
    link_task *l = RAP_CONTAINER_OF(t, link_task, task);
    if (l->index > 0 && worker != last_worker)
        atomic_fetch_add(&moved, 1);
    last_worker = worker;
    if (l->index == CHAIN / 2) /* a fan-out: the others may take these */
        for (int i = 0; i < FAN; i++)
            rap__sched_push(S, &fan[i].task);
    if (l->index + 1 < CHAIN)
        rap__sched_push(S, &links[l->index + 1].task);
    else
        atomic_store(&chain_done, 1);
}

static void handoff_stays_on_the_worker(void)
{
    rap_sched_hooks hooks = { .poll = poll_hook };

    for (int i = 0; i < CHAIN; i++)
        links[i] = (link_task){ { NULL, run_link }, i };
    for (int i = 0; i < FAN; i++)
        fan[i] = (link_task){ { NULL, run_fan }, i };
    CU_ASSERT_EQUAL_FATAL(sched_make(3, 0, 200, 200, &hooks, &S), RAP_OK);
    rap__sched_push(S, &links[0].task); /* from outside: the injection queue */
    for (int wait = 0; wait < 20000 && !(atomic_load(&chain_done) && atomic_load(&fan_runs) == FAN); wait++)
        rap__sleep_ns(1000000);
    rap__sched_destroy(S);
    CU_ASSERT_EQUAL(atomic_load(&chain_done), 1);
    CU_ASSERT_EQUAL(atomic_load(&moved), 0);
    CU_ASSERT_EQUAL(atomic_load(&fan_runs), FAN);
}

/* The poller may sleep 30 s between polls; a task pushed from outside the
 * workers, and a stop, must wake it through the doorbell at once (the test
 * would otherwise take 30 s per case and fail its 5 s limit). */
static _Atomic int bell_runs;
static uint64_t long_sleep(void *arg) { (void)arg; return UINT64_C(30000000000); }
static void run_bell(rap_task *t, int worker) { (void)t, (void)worker; atomic_fetch_add(&bell_runs, 1); }

static void doorbell_wakes_the_poller(void)
{
    rap_bell bell = RAP_BELL_AWAKE;
    rap_sched_hooks hooks = { .poll = poll_hook, .bell = &bell, .max_sleep_ns = long_sleep };
    rap_task t[3];
    uint64_t t0 = rap__now_ns();

    CU_ASSERT_EQUAL_FATAL(sched_make(1, 0, 0, 1, &hooks, &S), RAP_OK);
    CU_ASSERT_PTR_EQUAL(rap__sched_bell(S), &bell);
    for (int i = 0; i < 3; i++) {
        int want = i + 1;
        /* Wait until the only worker sleeps on the bell, then push. */
        for (int w = 0; w < 5000 && atomic_load(&bell) != RAP_BELL_SLEEPING; w++)
            rap__sleep_ns(1000000);
        CU_ASSERT_EQUAL(atomic_load(&bell), RAP_BELL_SLEEPING);
        rap__sleep_ns(20000000); /* well into its sleep */
        t[i].run = run_bell;
        rap__sched_push(S, &t[i]);
        for (int w = 0; w < 5000 && atomic_load(&bell_runs) != want; w++)
            rap__sleep_ns(1000000);
        CU_ASSERT_EQUAL(atomic_load(&bell_runs), want);
    }
    rap__sched_destroy(S); /* the stop wakes it too */
    CU_ASSERT_TRUE(rap__now_ns() - t0 < UINT64_C(5000000000));
}

/* Parking: a task that runs out of work parks; work arriving while it is
 * parked runs it without a push; a task parked too long is released and
 * the next work pushes it again.  It never runs on two workers at once and
 * consumes every unit of work exactly once. */
enum { PK_IDLE, PK_SCHEDULED };
typedef struct pk_task {
    rap_task task;
    _Atomic long work, done;
    _Atomic int state, running, overlap, parks, releases, pushes;
} pk_task;
static pk_task PK;

static void pk_run(rap_task *t, int worker)
{
    pk_task *p = RAP_CONTAINER_OF(t, pk_task, task);
    (void)worker;
    if (atomic_exchange(&p->running, 1) != 0)
        atomic_fetch_add(&p->overlap, 1);
    while (atomic_load(&p->work) > 0) {
        atomic_fetch_sub(&p->work, 1);
        atomic_fetch_add(&p->done, 1);
    }
    atomic_store(&p->running, 0);
    if (rap__sched_park(S, t)) {
        atomic_fetch_add(&p->parks, 1);
        return;
    }
    atomic_store(&p->state, PK_IDLE);
    if (atomic_load(&p->work) > 0) {
        int expect = PK_IDLE;
        if (atomic_compare_exchange_strong(&p->state, &expect, PK_SCHEDULED))
            rap__sched_push(S, t);
    }
}

static bool pk_ready(rap_task *t) { return atomic_load(&RAP_CONTAINER_OF(t, pk_task, task)->work) > 0; }

static bool pk_release(rap_task *t)
{
    pk_task *p = RAP_CONTAINER_OF(t, pk_task, task);
    int expect = PK_IDLE;
    atomic_fetch_add(&p->releases, 1);
    atomic_store(&p->state, PK_IDLE);
    /* Work that came in first: take the task back if no producer did. */
    return !(atomic_load(&p->work) > 0 && atomic_compare_exchange_strong(&p->state, &expect, PK_SCHEDULED));
}

static void pk_add(void)
{
    int expect = PK_IDLE;
    atomic_fetch_add(&PK.work, 1);
    if (atomic_compare_exchange_strong(&PK.state, &expect, PK_SCHEDULED)) {
        atomic_fetch_add(&PK.pushes, 1);
        rap__sched_push(S, &PK.task);
    }
}

static void parked_tasks_run_once_and_are_released(void)
{
    rap_sched_hooks hooks = { .poll = poll_hook, .ready = pk_ready, .release = pk_release };
    const long units = 20000;

    PK.task.run = pk_run;
    atomic_store(&PK.state, PK_IDLE);
    CU_ASSERT_EQUAL_FATAL(sched_make(2, 0, 200, 200, &hooks, &S), RAP_OK);
    for (long i = 0; i < units; i++) {
        pk_add();
        if (i % 1000 == 999)
            rap__sleep_ns(1000000); /* long enough for a release */
    }
    for (int w = 0; w < 5000 && atomic_load(&PK.done) != units; w++)
        rap__sleep_ns(1000000);
    rap__sleep_ns(5000000);
    rap__sched_destroy(S);
    CU_ASSERT_EQUAL(atomic_load(&PK.done), units);
    CU_ASSERT_EQUAL(atomic_load(&PK.overlap), 0);
    CU_ASSERT_TRUE(atomic_load(&PK.parks) > 0);
    CU_ASSERT_TRUE(atomic_load(&PK.releases) > 0);
    CU_ASSERT_EQUAL(atomic_load(&PK.state), PK_IDLE); /* released at the end */
    /* Parked runs needed no push: far fewer pushes than units. */
    CU_ASSERT_TRUE(atomic_load(&PK.pushes) < units);
}


/* ---------------------------------------------------------------- the watchdog */

static rap_sched *make_wd(int workers, const rap_sched_hooks *hooks)
{
    rap_sched_params p = { .workers = workers, .spin_us = 200, .poll_max_us = 200,
                           .watchdog_us = 1000 };
    rap_sched *s = NULL;
    CU_ASSERT_EQUAL(rap__sched_create(&p, hooks, &s), RAP_OK);
    return s;
}

#define WAIT_NS UINT64_C(3000000000) /* a bound on waits that must end far sooner */

/* A long task that made another runnable on its own worker (the private
 * slot): the other must run meanwhile, on the idle worker. */
static _Atomic int strand_ran, strand_seen;
static rap_task strand_long, strand_short;
static void run_strand_short(rap_task *t, int worker) { (void)t, (void)worker; atomic_store(&strand_ran, 1); }
static void run_strand_long(rap_task *t, int worker)
{
    uint64_t t0 = rap__now_ns();
    (void)t, (void)worker;
    rap__sched_push(S, &strand_short); /* into this worker's slot */
    while (!atomic_load(&strand_ran) && rap__now_ns() - t0 < WAIT_NS)
        rap__cpu_relax();
    atomic_store(&strand_seen, atomic_load(&strand_ran) ? 1 : 2);
}

static void slot_behind_a_long_task_is_taken(void)
{
    rap_sched_hooks hooks = { .poll = poll_hook };

    strand_long.run = run_strand_long;
    strand_short.run = run_strand_short;
    S = make_wd(2, &hooks);
    CU_ASSERT_PTR_NOT_NULL_FATAL(S);
    rap__sched_push(S, &strand_long);
    for (int w = 0; w < 5000 && atomic_load(&strand_seen) == 0; w++)
        rap__sleep_ns(1000000);
    rap__sched_destroy(S);
    CU_ASSERT_EQUAL(atomic_load(&strand_seen), 1); /* ran while the long task ran */
}

/* A task parked on a worker that then runs a long task: work for the
 * parked one (no push: parked tasks are not rescheduled) must be run
 * meanwhile by the other worker. */
static _Atomic int pk2_work, pk2_runs, pk2_seen, pk2_state;
static rap_task pk2, pk2_long;
static void run_pk2_long(rap_task *t, int worker)
{
    uint64_t t0 = rap__now_ns();
    (void)t, (void)worker;
    atomic_store(&pk2_work, 1); /* work for the parked task, without a push */
    while (atomic_load(&pk2_runs) < 2 && rap__now_ns() - t0 < WAIT_NS)
        rap__cpu_relax();
    atomic_store(&pk2_seen, atomic_load(&pk2_runs) >= 2 ? 1 : 2);
}
static void run_pk2(rap_task *t, int worker)
{
    (void)worker;
    atomic_store(&pk2_work, 0);
    if (atomic_fetch_add(&pk2_runs, 1) == 0)
        rap__sched_push(S, &pk2_long); /* runs next on this worker */
    if (!rap__sched_park(S, t))
        atomic_store(&pk2_state, 0);
}
static bool pk2_ready(rap_task *t) { (void)t; return atomic_load(&pk2_work) > 0; }
static bool pk2_release(rap_task *t) { (void)t; atomic_store(&pk2_state, 0); return true; }

static void parked_task_behind_a_long_task_is_taken(void)
{
    rap_sched_hooks hooks = { .poll = poll_hook, .ready = pk2_ready, .release = pk2_release };

    pk2.run = run_pk2;
    pk2_long.run = run_pk2_long;
    S = make_wd(2, &hooks);
    CU_ASSERT_PTR_NOT_NULL_FATAL(S);
    rap__sched_push(S, &pk2);
    for (int w = 0; w < 5000 && atomic_load(&pk2_seen) == 0; w++)
        rap__sleep_ns(1000000);
    rap__sched_destroy(S);
    CU_ASSERT_EQUAL(atomic_load(&pk2_seen), 1);
}

/* One worker: a task that yields after every turn must let a task pushed
 * from outside run at its next turn, not after it stops yielding. */
static _Atomic int yield_runs, injected_ran;
static rap_task yielder, injected;
static void run_injected(rap_task *t, int worker) { (void)t, (void)worker; atomic_store(&injected_ran, 1); }
static void run_yielder(rap_task *t, int worker)
{
    (void)worker;
    if (atomic_fetch_add(&yield_runs, 1) < 10000000 && !atomic_load(&injected_ran))
        rap__sched_yield(S, t);
}

static void yielding_task_lets_injected_ones_run(void)
{
    rap_sched_hooks hooks = { .poll = poll_hook };

    yielder.run = run_yielder;
    injected.run = run_injected;
    CU_ASSERT_EQUAL_FATAL(sched_make(1, 0, 200, 200, &hooks, &S), RAP_OK);
    rap__sched_push(S, &yielder);
    while (atomic_load(&yield_runs) < 100)
        rap__sleep_ns(100000);
    int before = atomic_load(&yield_runs);
    rap__sched_push(S, &injected);
    for (int w = 0; w < 5000 && !atomic_load(&injected_ran); w++)
        rap__sleep_ns(1000000);
    rap__sched_destroy(S);
    CU_ASSERT_EQUAL(atomic_load(&injected_ran), 1);
    /* It ran at once: the yielder got at most a few more turns. */
    CU_ASSERT_TRUE(atomic_load(&yield_runs) - before < 1000);
}

/* A task that runs long is told to end its turn; while it is the only
 * worker and busy, the watchdog polls in its place. */
static _Atomic int told, outside_polls;
static rap_task longturn;
static int poll_count_outside(void *arg)
{
    (void)arg;
    if (rap__sched_self() < 0)
        atomic_fetch_add(&outside_polls, 1);
    return 0;
}
static void run_longturn(rap_task *t, int worker)
{
    uint64_t t0 = rap__now_ns();
    (void)t, (void)worker;
    while (!rap__sched_preempted() && rap__now_ns() - t0 < WAIT_NS)
        rap__cpu_relax();
    atomic_store(&told, rap__sched_preempted() ? 1 : 2);
    /* Busy on: the watchdog polls meanwhile. */
    while (atomic_load(&outside_polls) == 0 && rap__now_ns() - t0 < WAIT_NS)
        rap__cpu_relax();
}

static void long_turn_is_told_and_watchdog_polls(void)
{
    rap_sched_hooks hooks = { .poll = poll_count_outside };

    longturn.run = run_longturn;
    S = make_wd(1, &hooks);
    CU_ASSERT_PTR_NOT_NULL_FATAL(S);
    CU_ASSERT_FALSE(rap__sched_preempted()); /* not a worker */
    rap__sched_push(S, &longturn);
    for (int w = 0; w < 5000 && atomic_load(&told) == 0; w++)
        rap__sleep_ns(1000000);
    for (int w = 0; w < 5000 && atomic_load(&outside_polls) == 0; w++)
        rap__sleep_ns(1000000);
    rap__sched_destroy(S);
    CU_ASSERT_EQUAL(atomic_load(&told), 1);
    CU_ASSERT_TRUE(atomic_load(&outside_polls) > 0);
}

/* The watchdog backs off while one long task runs on: during a 300 ms
 * task its looks double from one period to 16 (about 22 of them; one a
 * period would be 300, a cap of 4 periods about 75), and it still polls
 * for the busy worker at each but the first. */
static _Atomic int looks, seen_looks, seen_polls;
static _Atomic bool looks_done;
static rap_task quiet_long;
static void count_look(void *arg, uint64_t now_ns) { (void)arg, (void)now_ns, atomic_fetch_add(&looks, 1); }
static void run_quiet_long(rap_task *t, int worker)
{
    uint64_t t0 = rap__now_ns();
    (void)t, (void)worker;
    atomic_store(&looks, 0), atomic_store(&outside_polls, 0);
    while (rap__now_ns() - t0 < UINT64_C(300000000))
        rap__cpu_relax();
    /* Counted inside the task: later looks see no task and do not poll. */
    atomic_store(&seen_polls, atomic_load(&outside_polls));
    atomic_store(&seen_looks, atomic_load(&looks));
    atomic_store(&looks_done, true);
}

static void watchdog_backs_off_while_one_long_task_runs(void)
{
    rap_sched_hooks hooks = { .poll = poll_count_outside, .tick = count_look };
    int n, p;

    quiet_long.run = run_quiet_long;
    S = make_wd(1, &hooks);
    CU_ASSERT_PTR_NOT_NULL_FATAL(S);
    rap__sched_push(S, &quiet_long);
    for (int w = 0; w < 5000 && !atomic_load(&looks_done); w++)
        rap__sleep_ns(1000000);
    rap__sched_destroy(S);
    n = atomic_load(&seen_looks), p = atomic_load(&seen_polls);
    CU_ASSERT_TRUE(atomic_load(&looks_done));
    CU_ASSERT_TRUE(n >= 5);     /* it went on looking */
    CU_ASSERT_TRUE(n <= 40);    /* but further and further apart */
    CU_ASSERT_TRUE(p >= n - 2); /* polling for the busy worker (not at a look under a period in) */
}

static void bad_arguments(void)
{
    rap_sched_hooks hooks = { .poll = poll_hook }, nohook = { .poll = NULL };
    rap_sched *s = NULL;
    int cores = 0, pus = 0;

    CU_ASSERT_EQUAL(sched_make(0, 0, 0, 1, &hooks, &s), RAP_EINVAL);
    CU_ASSERT_EQUAL(sched_make(1, 0, 0, 1, &nohook, &s), RAP_EINVAL);
    CU_ASSERT_EQUAL(sched_make(1, 0, 0, 1, &hooks, NULL), RAP_EINVAL);
    CU_ASSERT_EQUAL(rap__sched_create(NULL, &hooks, &s), RAP_EINVAL);
    CU_ASSERT_PTR_NULL(s);
    rap__topo_counts(&cores, &pus);
    CU_ASSERT_TRUE(cores >= 1);
    CU_ASSERT_TRUE(pus >= cores);
}

static CU_TestInfo tests[] = {
    { "every task runs once", every_task_runs_once },
    { "hand-off stays on the worker", handoff_stays_on_the_worker },
    { "doorbell wakes the poller", doorbell_wakes_the_poller },
    { "parked tasks run once and are released", parked_tasks_run_once_and_are_released },
    { "a slot behind a long task is taken", slot_behind_a_long_task_is_taken },
    { "a parked task behind a long task is taken", parked_task_behind_a_long_task_is_taken },
    { "a yielding task lets injected ones run", yielding_task_lets_injected_ones_run },
    { "a long turn is told; the watchdog polls", long_turn_is_told_and_watchdog_polls },
    { "the watchdog backs off while one long task runs", watchdog_backs_off_while_one_long_task_runs },
    { "bad arguments", bad_arguments },
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
    { .pName = "sched/sched", .pTests = tests },
    CU_SUITE_INFO_NULL,
};

int main(void) { return rap_test_run(suites); }
