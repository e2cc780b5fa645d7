/* bench/profile.c -- what the profile costs and how right it is.
 *
 *   profile cost [reps] [which]  one rank: PingPong (2 actors), ThreadRing (100
 *                            actors) and 10 us handlers (64 actors, every
 *                            worker); prints "PROF name messages/s" per
 *                            figure, medians of reps.  bench/run.sh runs it
 *                            with RAPTORS_PROFILE=off and on, alternating,
 *                            and prints on / off.
 *   profile accuracy         one rank: two workloads of known cost (spins
 *                            of 10 us and 40 us, interleaved on the same
 *                            actors) and a named one inside them; reads the
 *                            profile back and prints the measured ratio of
 *                            their mean times (expected 4) and whether
 *                            calls and bytes are exact.
 *   profile scale [actors]   every rank: `actors` busy actors (default
 *                            100000) that keep messaging each other for
 *                            about 3 s; rank 0 prints its Profiler's share of
 *                            a core, each rank's sampling share, and the
 *                            sample bytes per rank per interval.
 */
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "raptors.h"

enum { RING = 100, SPINNERS = 64, MAXREPS = 21 };
static uint32_t PING, NEXT, SPIN10, SPIN40, HOP, PP, SPINNER, HOPPER;
static _Atomic double g_secs;
static double g_t0;

static void spin_us(double us)
{
    double end = bench_now() + us * 1e-6;
    while (bench_now() < end)
        ;
}

/* ------------------------------------------------------------------ cost */

typedef struct pp { rap_aid peer; } pp;

static int pp_next(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)from, (void)len;
    ((pp *)state)->peer = *(const rap_aid *)data;
    return RAP_OK;
}

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

/* n actors in a ring pass `msgs` hops; returns hops per second. */
static double ring_rate(int n, long msgs)
{
    rap_aid a[RING];
    long left = msgs;

    for (int i = 0; i < n; i++)
        rap_spawn(NULL, PP, NULL, 0, &a[i]);
    for (int i = 0; i < n; i++)
        rap_send(NULL, a[i], NEXT, &a[(i + 1) % n], sizeof(rap_aid));
    rap_run();
    g_t0 = bench_now();
    rap_send(NULL, a[0], PING, &left, sizeof(left));
    rap_run();
    for (int i = 0; i < n; i++)
        rap_destroy(NULL, a[i]);
    rap_run();
    return (double)msgs / atomic_load(&g_secs);
}

static _Atomic long g_spun;

static int spinner_10(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)state, (void)from, (void)data, (void)len;
    spin_us(10);
    atomic_fetch_add_explicit(&g_spun, 1, memory_order_relaxed);
    return RAP_OK;
}

/* `msgs` 10 us handlers over SPINNERS actors; handlers per second. */
static double spin_rate(long msgs)
{
    rap_aid a[SPINNERS];
    double t;

    for (int i = 0; i < SPINNERS; i++)
        rap_spawn(NULL, SPINNER, NULL, 0, &a[i]);
    rap_run();
    atomic_store(&g_spun, 0);
    t = bench_now();
    for (long m = 0; m < msgs; m++)
        rap_send(NULL, a[m % SPINNERS], SPIN10, NULL, 0);
    rap_run();
    t = bench_now() - t;
    for (int i = 0; i < SPINNERS; i++)
        rap_destroy(NULL, a[i]);
    rap_run();
    return (double)msgs / t;
}

/* `only`: one of PingPong, ThreadRing, Handlers10us (NULL: all). */
static void cost(int reps, const char *only)
{
    static const char *const names[3] = { "PingPong", "ThreadRing", "Handlers10us" };
    double v[3][MAXREPS], lo, hi;

    for (int r = -1; r < reps; r++) { /* r == -1: warm-up */
        for (int k = 0; k < 3; k++) {
            double x;
            if (only != NULL && strcmp(only, names[k]) != 0)
                continue;
            x = k == 0 ? ring_rate(2, 1000000) : k == 1 ? ring_rate(RING, 1000000) : spin_rate(20000);
            if (r >= 0)
                v[k][r] = x;
        }
    }
    for (int k = 0; k < 3; k++)
        if (only == NULL || strcmp(only, names[k]) == 0)
            printf("PROF %s %.0f\n", names[k], bench_median(v[k], reps, &lo, &hi));
}

/* -------------------------------------------------------------- accuracy */

static int spinner_40(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)state, (void)from, (void)data;
    spin_us(30);
    rap_workload_begin(ctx, "acc.inner"); /* 10 us of the 40, named */
    spin_us(10);
    rap_workload_end(ctx, len);
    return RAP_OK;
}

static json_t *find_wl(json_t *root, const char *key, const char *what)
{
    size_t i;
    json_t *w;

    json_array_foreach(json_object_get(root, "workloads"), i, w) {
        json_t *v = json_object_get(w, key);
        if (v != NULL && strcmp(json_string_value(v), what) == 0)
            return w;
    }
    return NULL;
}

static long long jint(json_t *o, const char *k) { return o ? json_integer_value(json_object_get(o, k)) : -1; }

enum { ACC_N = 20000, ACC_LEN = 24 };

static void accuracy_run(void)
{
    rap_aid a[SPINNERS];
    char buf[ACC_LEN] = { 0 };

    for (int i = 0; i < SPINNERS; i++)
        rap_spawn(NULL, SPINNER, NULL, 0, &a[i]);
    for (long m = 0; m < ACC_N; m++) /* interleaved: 10, 40, 10, 40 ... on every actor */
        rap_send(NULL, a[(m / 2) % SPINNERS], m % 2 ? SPIN40 : SPIN10, buf, ACC_LEN);
    rap_run();
}

/* After rap_finalize: the profile file is final. */
static void accuracy_report(const char *path)
{
    json_t *root = json_load_file(path, 0, NULL), *w10, *w40, *in;

    unlink(path);
    if (root == NULL) {
        fprintf(stderr, "accuracy: no profile at %s\n", path);
        return;
    }
    w10 = find_wl(root, "msg_type", "prof.spin10");
    w40 = find_wl(root, "msg_type", "prof.spin40");
    in = find_wl(root, "name", "acc.inner");
    double m10 = (double)jint(w10, "time_ns") / (double)jint(w10, "calls");
    double named = (double)jint(in, "time_ns") / (double)jint(in, "calls");
    /* The 40 us handler's own workload excludes its named part. */
    double m40 = (double)jint(w40, "time_ns") / (double)jint(w40, "calls") + named;
    int exact = jint(w10, "calls") == ACC_N / 2 && jint(w40, "calls") == ACC_N / 2 &&
                jint(w10, "bytes_in") == (long long)ACC_N / 2 * ACC_LEN && jint(in, "calls") == ACC_N / 2 &&
                jint(in, "bytes_in") == (long long)ACC_N / 2 * ACC_LEN;
    printf("# profile accuracy: 10 us and 40 us handlers (10 us of it named), %d each: means %.2f us and "
           "%.2f us (named part %.2f us); calls and bytes %s\n",
           ACC_N / 2, m10 / 1e3, m40 / 1e3, named / 1e3, exact ? "exact" : "NOT EXACT");
    printf("ROW|profile accuracy 40us:10us|ratio|%.3f|the spins' true ratio|4.000\n", m40 / m10);
    printf("ROW|profile calls and bytes exact|1 = yes|%d|exact|1\n", exact);
    json_decref(root);
}

/* ----------------------------------------------------------------- scale */

typedef struct hopper { long hops; } hopper;
static _Atomic int g_stop;

/* Each message hops to a pseudo-random actor of the same rank until the
 * clock runs out: every actor busy, none idle for long. */
static int hopper_hop(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    uint64_t x;
    (void)from, (void)len;
    memcpy(&x, data, sizeof(x));
    ((hopper *)state)->hops++;
    if (atomic_load_explicit(&g_stop, memory_order_relaxed))
        return RAP_OK;
    x = x * 6364136223846793005u + 1442695040888963407u;
    rap_aid self = rap_self(ctx);
    uint64_t base = self & ~((UINT64_C(1) << RAP_AID_SERIAL_BITS) - 1);
    uint64_t nact = *(const uint64_t *)((const char *)data + 8);
    rap_aid to = base | (16 + (x >> 33) % nact);
    char msg[16];
    memcpy(msg, &x, 8);
    memcpy(msg + 8, &nact, 8);
    return rap_send(ctx, to, HOP, msg, sizeof(msg));
}

static double g_wall;

static void scale_run(long actors)
{
    rap_aid first = RAP_AID_NONE, a;
    int rank = rap_rank();
    double t0;

    for (long i = 0; i < actors; i++) {
        rap_spawn(NULL, HOPPER, NULL, 0, &a);
        if (i == 0)
            first = a;
    }
    if (RAP_AID_SERIAL(first) != 16) {
        fprintf(stderr, "scale: the first actor is not serial 16\n");
        return;
    }
    MPI_Barrier(MPI_COMM_WORLD);
    t0 = bench_now();
    for (int k = 0; k < 256; k++) { /* 256 messages hopping on each rank */
        uint64_t msg[2] = { (uint64_t)k * 7919u + (uint64_t)rank, (uint64_t)actors };
        rap_send(NULL, first + (uint64_t)(k % actors), HOP, msg, sizeof(msg));
    }
    sleep(3);
    atomic_store(&g_stop, 1);
    rap_run();
    g_wall = bench_now() - t0;
}

static void scale_report(const char *path, int ranks, long actors)
{
    json_t *root = json_load_file(path, 0, NULL), *w, *s;
    size_t i;
    long long prof_ns = 0, sample_ns[64] = { 0 };

    unlink(path);
    if (root == NULL) {
        fprintf(stderr, "scale: no profile at %s\n", path);
        return;
    }
    s = json_object_get(root, "sampling");
    json_array_foreach(json_object_get(root, "workloads"), i, w) {
        const char *m = json_string_value(json_object_get(w, "msg_type"));
        int r = (int)jint(w, "rank");
        if (m != NULL && strcmp(m, "rap.sys.profile") == 0)
            prof_ns += jint(w, "time_ns");
        if (m != NULL && strcmp(m, "rap.sys.sample") == 0 && r >= 0 && r < 64)
            sample_ns[r] += jint(w, "time_ns");
    }
    long long samples = jint(s, "samples"), bytes = jint(s, "sample_bytes");
    double share = 100.0 * (double)prof_ns * 1e-9 / g_wall;
    printf("# profile at scale: %d ranks x %ld busy actors, %.1f s: rank 0's Profiler %.3f %% of a core; "
           "%.0f bytes per sample (%lld samples)\n",
           ranks, actors, g_wall, share, samples > 0 ? (double)bytes / (double)samples : 0.0, samples);
    for (int r = 0; r < ranks && r < 64; r++)
        printf("#   rank %d: its samples took %.3f %% of a core\n", r, 100.0 * (double)sample_ns[r] * 1e-9 / g_wall);
    printf("ROW|Profiler CPU, %d ranks x %ld actors|%% of a core|%.3f|target|1.000\n", ranks, actors, share);
    printf("ROW|bytes per sample, %ld actors a rank|bytes|%.0f|-|\n", actors,
           samples > 0 ? (double)bytes / (double)samples : 0.0);
    json_decref(root);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "cost";
    int reps = argc > 2 ? atoi(argv[2]) : 5;

    if (reps < 1 || reps > MAXREPS)
        reps = 5;
    rap_msg_type_register("prof.ping", sizeof(long), RAP_MSG_FIXED, &PING);
    rap_msg_type_register("prof.next", sizeof(rap_aid), RAP_MSG_FIXED, &NEXT);
    rap_msg_type_register("prof.spin10", 64, RAP_MSG_VAR, &SPIN10);
    rap_msg_type_register("prof.spin40", 64, RAP_MSG_VAR, &SPIN40);
    rap_msg_type_register("prof.hop", 16, RAP_MSG_FIXED, &HOP);
    rap_actor_type_register("prof.pp", sizeof(pp), NULL, NULL, &PP);
    rap_actor_type_register("prof.spinner", 0, NULL, NULL, &SPINNER);
    rap_actor_type_register("prof.hopper", sizeof(hopper), NULL, NULL, &HOPPER);
    rap_actor_type_on(PP, PING, pp_ping);
    rap_actor_type_on(PP, NEXT, pp_next);
    rap_actor_type_on(SPINNER, SPIN10, spinner_10);
    rap_actor_type_on(SPINNER, SPIN40, spinner_40);
    rap_actor_type_on(HOPPER, HOP, hopper_hop);
    /* accuracy and scale read the profile rap_finalize writes. */
    char path[64];
    long actors = argc > 2 ? atol(argv[2]) : 100000;
    snprintf(path, sizeof(path), "/tmp/raptors-bench-profile-%d.json", (int)getpid());
    if (strcmp(mode, "cost") != 0)
        setenv("RAPTORS_PROFILE", path, 1);
    if (rap_init(&argc, &argv) != RAP_OK)
        return 1;
    int rank = rap_rank(), ranks = rap_size();
    /* Rank 0's path is the one written: every rank reads it from there. */
    MPI_Bcast(path, sizeof(path), MPI_CHAR, 0, MPI_COMM_WORLD);
    if (strcmp(mode, "cost") == 0)
        cost(reps, argc > 3 ? argv[3] : NULL);
    else if (strcmp(mode, "accuracy") == 0)
        accuracy_run();
    else if (strcmp(mode, "scale") == 0)
        scale_run(actors);
    rap_finalize();
    if (rank == 0 && strcmp(mode, "accuracy") == 0)
        accuracy_report(path);
    if (rank == 0 && strcmp(mode, "scale") == 0)
        scale_report(path, ranks, actors);
    return 0;
}
