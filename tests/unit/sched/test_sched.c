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
    rap_sched_hooks hooks = { poll_hook, NULL };
    pthread_t th[PUSHERS];

    for (int i = 0; i < TASKS; i++) {
        tasks[i].task.run = run_counted;
        atomic_init(&tasks[i].runs, 0);
    }
    CU_ASSERT_EQUAL_FATAL(rap__sched_create(2, false, 50, 200, &hooks, &S), RAP_OK);
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

static void bad_arguments(void)
{
    rap_sched_hooks hooks = { poll_hook, NULL }, nohook = { NULL, NULL };
    rap_sched *s = NULL;

    CU_ASSERT_EQUAL(rap__sched_create(0, false, 0, 1, &hooks, &s), RAP_EINVAL);
    CU_ASSERT_EQUAL(rap__sched_create(1, false, 0, 1, &nohook, &s), RAP_EINVAL);
    CU_ASSERT_EQUAL(rap__sched_create(1, false, 0, 1, &hooks, NULL), RAP_EINVAL);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_TRUE(rap__topo_cores() >= 1);
}

static CU_TestInfo tests[] = {
    { "every task runs once", every_task_runs_once },
    { "bad arguments", bad_arguments },
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
    { .pName = "sched/sched", .pTests = tests },
    CU_SUITE_INFO_NULL,
};

int main(void) { return rap_test_run(suites); }
