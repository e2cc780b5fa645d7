/* bench/local_rate.c -- same-rank actor benchmarks (Savina definitions):
 *   PingPong    two actors pass a count back and forth
 *   ThreadRing  100 actors pass a token around
 *   Counting    one producer sends N messages to a counting actor, then asks
 *               for the count
 *   ForkJoin    one sender sends N messages spread over 16 actors
 *   Spawn       create 1,000,000 actors: spawns/s, and runtime memory per
 *               actor (peak RSS growth / count)
 *   Destroy     rap_destroy of those 1,000,000 from the main thread, until
 *               all have ended
 * Figures are messages (or spawns, or ends) per second, medians of REPS runs.
 * Each prints a line "BENCH name median min max" that bench/run.sh joins
 * with the CAF baseline (bench/caf_bench.cpp) measured in the same run.
 *
 *   mpirun -np 1 ./bench/local_rate [reps] [messages]
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "raptors.h"

enum { RING = 100, FANOUT = 16, MAXREPS = 21 };
static uint32_t PING, NEXT, INC, GET, COUNT, GO, PP, COUNTER, PRODUCER, EMPTY;
static _Atomic double g_secs;
static _Atomic long g_count;
static long g_msgs = 1000000;
static double g_t0;

typedef struct pp { rap_aid peer; } pp;

static int pp_next(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)from, (void)len;
    ((pp *)state)->peer = *(const rap_aid *)data;
    return RAP_OK;
}

/* The payload counts down; the actor that sees 0 stops the clock. */
static int pp_ping(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    long left = *(const long *)data;
    (void)from, (void)len;
    if (left == 0) {
        atomic_store(&g_secs, bench_now() - g_t0);
        return RAP_OK;
    }
    left--;
    return rap_send(ctx, ((pp *)state)->peer, PING, &left, sizeof(left));
}

/* Counting: the counter counts INC and answers GET with the count; it also
 * serves ForkJoin, where each counter stops the clock at its share. */
typedef struct counter { long n, want; } counter;

static int counter_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    (void)ctx;
    if (len == sizeof(long))
        ((counter *)state)->want = *(const long *)arg;
    return RAP_OK;
}

static int counter_inc(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    counter *c = state;
    (void)ctx, (void)from, (void)data, (void)len;
    if (++c->n == c->want && atomic_fetch_add(&g_count, 1) + 1 == FANOUT)
        atomic_store(&g_secs, bench_now() - g_t0);
    return RAP_OK;
}

static int counter_get(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)data, (void)len;
    return rap_send(ctx, from, COUNT, &((counter *)state)->n, sizeof(long));
}

typedef struct producer { rap_aid targets[FANOUT]; int ntargets; } producer;

static int producer_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    producer *p = state;
    long one = 1;
    (void)from, (void)len;
    memcpy(p, data, sizeof(*p));
    for (long i = 0; i < g_msgs; i++) {
        int rc = rap_send(ctx, p->targets[i % p->ntargets], INC, &one, sizeof(one));
        if (rc != RAP_OK)
            return rc;
    }
    if (p->ntargets == 1) /* Counting asks for the result */
        return rap_send(ctx, p->targets[0], GET, NULL, 0);
    return RAP_OK;
}

static int producer_count(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)state, (void)from, (void)len;
    atomic_store(&g_count, *(const long *)data);
    atomic_store(&g_secs, bench_now() - g_t0);
    return RAP_OK;
}

static double run_chain(rap_aid first)
{
    g_t0 = bench_now();
    rap_send(NULL, first, PING, &g_msgs, sizeof(g_msgs));
    rap_run();
    return (double)g_msgs / atomic_load(&g_secs);
}

static double run_producer(rap_aid *targets, int n)
{
    producer p = { { 0 }, n };
    rap_aid prod;

    memcpy(p.targets, targets, (size_t)n * sizeof(rap_aid));
    rap_spawn(NULL, PRODUCER, NULL, 0, &prod);
    atomic_store(&g_count, 0);
    g_t0 = bench_now();
    rap_send(NULL, prod, GO, &p, sizeof(p));
    rap_run();
    rap_destroy(NULL, prod);
    return (double)g_msgs / atomic_load(&g_secs);
}

static long rss_kib(void)
{
    char line[256];
    long kib = 0;
    FILE *f = fopen("/proc/self/status", "r");
    while (f != NULL && fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "VmRSS: %ld", &kib) == 1)
            break;
    if (f != NULL)
        fclose(f);
    return kib;
}

static void report(const char *name, double *v, int reps, const char *unit)
{
    double lo, hi, m = bench_median(v, reps, &lo, &hi);
    printf("%-22s %12.0f (%.0f-%.0f) %s\n", name, m, lo, hi, unit);
    printf("BENCH %s %.0f %.0f %.0f\n", name, m, lo, hi);
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 5;
    double pingpong[MAXREPS], ring[MAXREPS], counting[MAXREPS], fork[MAXREPS], spawn[MAXREPS], destroy[MAXREPS];
    double bytes_per_actor = 0;
    rap_aid a, b, nodes[RING];
    enum { SPAWNS = 1000000 };
    static rap_aid spawned[SPAWNS];

    if (argc > 2)
        g_msgs = atol(argv[2]);
    if (reps < 1 || reps > MAXREPS)
        reps = 5;
    rap_msg_type_register("bench.ping", sizeof(long), RAP_MSG_FIXED, &PING);
    rap_msg_type_register("bench.next", sizeof(rap_aid), RAP_MSG_FIXED, &NEXT);
    rap_msg_type_register("bench.inc", sizeof(long), RAP_MSG_FIXED, &INC);
    rap_msg_type_register("bench.get", 0, RAP_MSG_VAR, &GET);
    rap_msg_type_register("bench.count", sizeof(long), RAP_MSG_FIXED, &COUNT);
    rap_msg_type_register("bench.go", sizeof(producer), RAP_MSG_FIXED, &GO);
    rap_actor_type_register("bench.pp", sizeof(pp), NULL, NULL, &PP);
    rap_actor_type_register("bench.counter", sizeof(counter), counter_init, NULL, &COUNTER);
    rap_actor_type_register("bench.producer", sizeof(producer), NULL, NULL, &PRODUCER);
    rap_actor_type_register("bench.empty", 0, NULL, NULL, &EMPTY);
    rap_actor_type_on(PP, PING, pp_ping);
    rap_actor_type_on(PP, NEXT, pp_next);
    rap_actor_type_on(COUNTER, INC, counter_inc);
    rap_actor_type_on(COUNTER, GET, counter_get);
    rap_actor_type_on(PRODUCER, GO, producer_go);
    rap_actor_type_on(PRODUCER, COUNT, producer_count);
    if (rap_init(&argc, &argv) != RAP_OK)
        return 1;
    rap_spawn(NULL, PP, NULL, 0, &a);
    rap_spawn(NULL, PP, NULL, 0, &b);
    rap_send(NULL, a, NEXT, &b, sizeof(b));
    rap_send(NULL, b, NEXT, &a, sizeof(a));
    for (int i = 0; i < RING; i++)
        rap_spawn(NULL, PP, NULL, 0, &nodes[i]);
    for (int i = 0; i < RING; i++)
        rap_send(NULL, nodes[i], NEXT, &nodes[(i + 1) % RING], sizeof(rap_aid));
    rap_run();
    /* r == -1 is a warm-up (memory first touched, caches, pools), not
     * counted; the memory per spawned actor is measured in it. */
    for (int r = -1; r < reps; r++) {
        rap_aid c, fan[FANOUT];
        double r_pp, r_rg, r_ct, r_fj;
        long share = g_msgs / FANOUT;

        r_pp = run_chain(a);
        r_rg = run_chain(nodes[0]);

        rap_spawn(NULL, COUNTER, NULL, 0, &c);
        r_ct = run_producer(&c, 1);
        if (atomic_load(&g_count) != g_msgs)
            fprintf(stderr, "Counting: counted %ld of %ld\n", atomic_load(&g_count), g_msgs);
        rap_destroy(NULL, c);

        for (int i = 0; i < FANOUT; i++)
            rap_spawn(NULL, COUNTER, &share, sizeof(share), &fan[i]);
        g_msgs = share * FANOUT;
        r_fj = run_producer(fan, FANOUT);
        for (int i = 0; i < FANOUT; i++)
            rap_destroy(NULL, fan[i]);
        rap_run();

        long rss0 = rss_kib();
        double t0 = bench_now();
        for (int i = 0; i < SPAWNS; i++)
            if (rap_spawn(NULL, EMPTY, NULL, 0, &spawned[i]) != RAP_OK)
                return 1;
        double sp = SPAWNS / (bench_now() - t0);
        if (r >= 0) {
            pingpong[r] = r_pp;
            ring[r] = r_rg;
            counting[r] = r_ct;
            fork[r] = r_fj;
            spawn[r] = sp;
        }
        if (r == -1)
            bytes_per_actor = (double)(rss_kib() - rss0) * 1024.0 / SPAWNS;
        /* Destroy: rap_destroy of each from this thread, until every
         * one has ended (rap_run returns). */
        t0 = bench_now();
        for (int i = 0; i < SPAWNS; i++)
            rap_destroy(NULL, spawned[i]);
        rap_run();
        if (r >= 0)
            destroy[r] = SPAWNS / (bench_now() - t0);
    }
    printf("# same-rank actor benchmarks, per second: medians of %d runs (min-max); %d worker(s)\n",
           reps, rap_workers());
    report("PingPong", pingpong, reps, "messages/s");
    report("ThreadRing", ring, reps, "messages/s");
    report("Counting", counting, reps, "messages/s");
    report("ForkJoin", fork, reps, "messages/s");
    report("Spawn", spawn, reps, "actors/s");
    report("Destroy", destroy, reps, "actors/s");
    printf("%-22s %12.0f bytes per actor (RSS growth over 1,000,000 spawns, warm-up run)\n",
           "SpawnMemory", bytes_per_actor);
    printf("BENCH SpawnMemory %.0f %.0f %.0f\n", bytes_per_actor, bytes_per_actor, bytes_per_actor);
    rap_finalize();
    return 0;
}
