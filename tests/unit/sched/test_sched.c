/* Scheduler: every pushed task runs exactly once, from many pushing
 * threads, on all workers; the poll hook runs while idle. */
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
    CU_ASSERT_EQUAL_FATAL(rap__sched_create(2, RAP_SCHED_SPIN_YIELD, 50, 200, &hooks, &S), RAP_OK);
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
    CU_ASSERT_EQUAL_FATAL(rap__sched_create(3, 0, 200, 200, &hooks, &S), RAP_OK);
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

    CU_ASSERT_EQUAL_FATAL(rap__sched_create(1, 0, 0, 1, &hooks, &S), RAP_OK);
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
    CU_ASSERT_EQUAL_FATAL(rap__sched_create(2, 0, 200, 200, &hooks, &S), RAP_OK);
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

static void bad_arguments(void)
{
    rap_sched_hooks hooks = { .poll = poll_hook }, nohook = { .poll = NULL };
    rap_sched *s = NULL;
    int cores = 0, pus = 0;

    CU_ASSERT_EQUAL(rap__sched_create(0, 0, 0, 1, &hooks, &s), RAP_EINVAL);
    CU_ASSERT_EQUAL(rap__sched_create(1, 0, 0, 1, &nohook, &s), RAP_EINVAL);
    CU_ASSERT_EQUAL(rap__sched_create(1, 0, 0, 1, &hooks, NULL), RAP_EINVAL);
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
    { "bad arguments", bad_arguments },
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
    { .pName = "sched/sched", .pTests = tests },
    CU_SUITE_INFO_NULL,
};

int main(void) { return rap_test_run(suites); }
