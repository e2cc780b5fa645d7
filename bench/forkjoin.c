/* bench/forkjoin.c -- Savina's fork-join (throughput) swept over the number
 * of target actors: one producer sends MSGS messages round robin over T
 * counters; the clock stops when every counter has its share.  Each T is
 * a fresh set of actors; the first round of the process is reported
 * beside the median of the warm rounds.  Prints "FJ <targets> <first>
 * <median> <min> <max>" (messages/s) for bench/run.sh.
 *
 *   RAPTORS_WORKERS=2 mpirun -np 1 ./bench/forkjoin [reps] [messages] [targets ...]
 */
#include <stdatomic.h>
#include <string.h>

#include "bench.h"

enum { MAXT = 4096, MAXREPS = 21 };
static uint32_t INC, GO, COUNTER, PRODUCER;
static _Atomic long g_done;
static _Atomic double g_secs;
static double g_t0;
static long g_msgs = 1000000;
static int g_targets;

typedef struct counter { long n, want; } counter;

static int counter_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    (void)ctx, (void)len;
    memcpy(&((counter *)state)->want, arg, sizeof(long));
    return RAP_OK;
}

static int counter_inc(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    counter *c = state;
    (void)ctx, (void)from, (void)data, (void)len;
    if (++c->n == c->want && atomic_fetch_add(&g_done, 1) + 1 == g_targets)
        atomic_store(&g_secs, bench_now() - g_t0);
    return RAP_OK;
}

static rap_aid g_fan[MAXT];

static int producer_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    long one = 1;
    (void)state, (void)from, (void)data, (void)len;
    for (long i = 0; i < g_msgs; i++) {
        int rc = rap_send(ctx, g_fan[i % g_targets], INC, &one, sizeof(one));
        if (rc != RAP_OK)
            return rc;
    }
    return RAP_OK;
}

static double one_round(int t)
{
    long share;
    rap_aid prod;

    g_targets = t;
    share = g_msgs / t;
    for (int i = 0; i < t; i++)
        rap_spawn(NULL, COUNTER, &share, sizeof(share), &g_fan[i]);
    rap_spawn(NULL, PRODUCER, NULL, 0, &prod);
    rap_run();
    long total = share * t, saved = g_msgs;
    g_msgs = total;
    atomic_store(&g_done, 0);
    g_t0 = bench_now();
    rap_send(NULL, prod, GO, NULL, 0);
    rap_run();
    g_msgs = saved;
    for (int i = 0; i < t; i++)
        rap_destroy(NULL, g_fan[i]);
    rap_destroy(NULL, prod);
    rap_run();
    return (double)total / atomic_load(&g_secs);
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 5, sweep[64], ns = 0;
    static const int def[] = { 8, 16, 32, 33, 40, 48, 60, 64, 128, 256, 1024 };

    if (argc > 2)
        g_msgs = atol(argv[2]);
    for (int i = 3; i < argc && ns < 64; i++)
        if (atoi(argv[i]) >= 1 && atoi(argv[i]) <= MAXT)
            sweep[ns++] = atoi(argv[i]);
    if (ns == 0)
        for (size_t i = 0; i < sizeof(def) / sizeof(def[0]); i++)
            sweep[ns++] = def[i];
    if (reps < 1 || reps > MAXREPS)
        reps = 5;
    rap_msg_type_register("fj.inc", sizeof(long), RAP_MSG_FIXED, &INC);
    rap_msg_type_register("fj.go", 0, RAP_MSG_VAR, &GO);
    rap_actor_type_register("fj.counter", sizeof(counter), counter_init, NULL, &COUNTER);
    rap_actor_type_register("fj.producer", 0, NULL, NULL, &PRODUCER);
    rap_actor_type_on(COUNTER, INC, counter_inc);
    rap_actor_type_on(PRODUCER, GO, producer_go);
    if (rap_init(&argc, &argv) != RAP_OK)
        return 1;
    printf("# fork-join, %ld messages, %d worker(s): messages/s, first round and median of %d (min-max)\n", g_msgs,
           rap_workers(), reps);
    for (int k = 0; k < ns; k++) {
        double v[MAXREPS], first = one_round(sweep[k]), lo, hi;
        for (int r = 0; r < reps; r++)
            v[r] = one_round(sweep[k]);
        double m = bench_median(v, reps, &lo, &hi);
        printf("%5d targets: %12.0f first, %12.0f (%.0f-%.0f)\n", sweep[k], first, m, lo, hi);
        printf("FJ %d %.0f %.0f %.0f %.0f\n", sweep[k], first, m, lo, hi);
    }
    rap_finalize();
    return 0;
}
