/* bench/timer.c -- timers: how late a timer's message is handled, and what
 * a million pending timers cost.  One rank.
 *
 *   lateness: an actor asks for its next message DELAY after each one
 *   arrives (rap_send_after to itself), N times; lateness = when its
 *   handler runs - when it was due.  On an idle rank, and on a busy one
 *   (as many actors as workers, each running 20 us handlers back to back).
 *   The baseline in the same process: a plain thread sleeping DELAY with
 *   clock_nanosleep, N times (what the kernel gives a sleeper).  Medians
 *   and 99th percentiles, in us.
 *   a million: the main thread sets 1,000,000 timers (due in 60-120 s) to
 *   one actor: ns per set, bytes per pending timer (resident memory),
 *   the lateness of a 1 ms timer with them pending, ns per cancel.
 *
 *   mpirun -np 1 ./bench/timer [n]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "raptors.h"

#define DELAY_NS (1 * RAP_MS)
#define MILLION 1000000

static uint32_t TICK, WORK, TIMED, SINK, BUSY;
static int g_n = 1000;
static double *g_late;          /* us, one per firing */
static _Atomic int g_fired;
static _Atomic int g_busy_stop;
static double g_first_late = -1; /* the first firing of the process, us */

typedef struct tick { double due; } tick;

static int timed_tick(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    tick t;
    double now = bench_now();
    (void)state, (void)from, (void)len;
    memcpy(&t, data, sizeof(t));
    int i = atomic_fetch_add(&g_fired, 1);
    if (i < g_n)
        g_late[i] = (now - t.due) * 1e6;
    if (g_first_late < 0)
        g_first_late = g_late[0];
    if (i + 1 >= g_n)
        return RAP_OK;
    t.due = bench_now() + (double)DELAY_NS * 1e-9;
    return rap_send_after(ctx, rap_self(ctx), TICK, &t, sizeof(t), DELAY_NS, NULL);
}

static int busy_work(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    double end = bench_now() + 20e-6;
    (void)state, (void)from, (void)data, (void)len;
    while (bench_now() < end)
        ;
    if (atomic_load(&g_busy_stop))
        return RAP_OK;
    return rap_send(ctx, rap_self(ctx), WORK, NULL, 0);
}

static int sink_tick(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)state, (void)from, (void)data, (void)len;
    return RAP_OK;
}

/* The lateness of n firings of one actor's timers (with `busy` actors
 * keeping the workers busy meanwhile); median and p99 in us. */
static void lateness(int busy, double *med, double *p99)
{
    rap_aid a, b;
    tick t;
    double lo, hi;

    atomic_store(&g_fired, 0);
    atomic_store(&g_busy_stop, 0);
    rap_spawn(NULL, TIMED, NULL, 0, &a);
    for (int i = 0; i < busy; i++) {
        rap_spawn(NULL, BUSY, NULL, 0, &b);
        rap_send(NULL, b, WORK, NULL, 0);
    }
    t.due = bench_now() + (double)DELAY_NS * 1e-9;
    rap_send_after(NULL, a, TICK, &t, sizeof(t), DELAY_NS, NULL);
    /* The busy actors stop when the timed one is done. */
    while (busy > 0 && atomic_load(&g_fired) < g_n)
        usleep(1000);
    atomic_store(&g_busy_stop, 1);
    rap_run();
    *med = bench_median(g_late, g_n, &lo, &hi);
    *p99 = g_late[(int)((double)g_n * 0.99)];
}

static void sleeper_lateness(double *med, double *p99)
{
    double lo, hi;
    struct timespec ts = { 0, (long)DELAY_NS };

    for (int i = 0; i < g_n; i++) {
        double due = bench_now() + (double)DELAY_NS * 1e-9;
        clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
        g_late[i] = (bench_now() - due) * 1e6;
    }
    *med = bench_median(g_late, g_n, &lo, &hi);
    *p99 = g_late[(int)((double)g_n * 0.99)];
}

static long rss_bytes(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return 0;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = 0;
    fclose(f);
    return resident * sysconf(_SC_PAGESIZE);
}

static void row(const char *name, const char *unit, double v, const char *bname, double b)
{
    printf("%-44s %12.2f %-8s %-36s %12.2f  %.2fx\n", name, v, unit, bname, b, b != 0 ? v / b : 0);
    printf("ROW|%s|%s|%.3f|%s|%.3f\n", name, unit, v, bname, b);
}

int main(int argc, char **argv)
{
    double rm, r99, sm, s99, t0, set_ns, cancel_ns, lo, hi;
    rap_timer *handles;
    rap_aid sink, a;
    long rss0, rss1;
    tick t;

    if (argc > 1 && atoi(argv[1]) >= 100)
        g_n = atoi(argv[1]);
    g_late = calloc((size_t)g_n, sizeof(*g_late));
    handles = malloc(MILLION * sizeof(*handles));
    rap_msg_type_register("tb.tick", sizeof(tick), RAP_MSG_FIXED, &TICK);
    rap_msg_type_register("tb.work", 0, RAP_MSG_VAR, &WORK);
    rap_actor_type_register("tb.timed", 0, NULL, NULL, &TIMED);
    rap_actor_type_on(TIMED, TICK, timed_tick);
    rap_actor_type_register("tb.busy", 0, NULL, NULL, &BUSY);
    rap_actor_type_on(BUSY, WORK, busy_work);
    rap_actor_type_register("tb.sink", 0, NULL, NULL, &SINK);
    rap_actor_type_on(SINK, TICK, sink_tick);
    if (g_late == NULL || handles == NULL || rap_init(&argc, &argv) != RAP_OK)
        return 1;

    printf("# timers: %d firings of a %.0f ms timer each; %d worker(s); lateness = handled - due\n", g_n,
           (double)DELAY_NS / 1e6, rap_workers());
    printf("%-44s %12s %-8s %-36s %12s  %s\n", "benchmark", "raptors", "unit", "baseline", "", "ratio");
    sleeper_lateness(&sm, &s99);
    lateness(0, &rm, &r99);
    printf("# the first timer of the process was handled %.1f us late\n", g_first_late);
    row("timer lateness, idle rank, median", "us", rm, "clock_nanosleep thread, median", sm);
    row("timer lateness, idle rank, p99", "us", r99, "clock_nanosleep thread, p99", s99);
    lateness(rap_workers(), &rm, &r99);
    row("timer lateness, busy rank, median", "us", rm, "clock_nanosleep thread, median", sm);
    row("timer lateness, busy rank, p99", "us", r99, "clock_nanosleep thread, p99", s99);

    /* A million pending timers. */
    rap_spawn(NULL, SINK, NULL, 0, &sink);
    t.due = 0;
    rss0 = rss_bytes();
    t0 = bench_now();
    for (int i = 0; i < MILLION; i++)
        if (rap_send_after(NULL, sink, TICK, &t, sizeof(t), 60 * RAP_SEC + (uint64_t)(i % 997) * 60 * RAP_MS,
                           &handles[i]) != RAP_OK)
            return 1;
    set_ns = (bench_now() - t0) * 1e9 / MILLION;
    rss1 = rss_bytes();
    atomic_store(&g_fired, 0);
    g_n = 101;
    rap_spawn(NULL, TIMED, NULL, 0, &a);
    t.due = bench_now() + (double)DELAY_NS * 1e-9;
    rap_send_after(NULL, a, TICK, &t, sizeof(t), DELAY_NS, NULL);
    while (atomic_load(&g_fired) < g_n)
        usleep(1000);
    rm = bench_median(g_late, g_n, &lo, &hi);
    t0 = bench_now();
    for (int i = 0; i < MILLION; i++)
        if (rap_timer_cancel(NULL, handles[i]) != RAP_OK)
            return 1;
    cancel_ns = (bench_now() - t0) * 1e9 / MILLION;
    rap_run(); /* returns: nothing pending */
    printf("# 1,000,000 pending timers (rap_send_after from the main thread, 8-byte messages)\n");
    row("set a timer, 1M pending", "ns", set_ns, "-", 0);
    row("memory per pending timer", "bytes", (double)(rss1 - rss0) / MILLION, "-", 0);
    row("timer lateness, 1M pending, median", "us", rm, "clock_nanosleep thread, median", sm);
    row("cancel a timer, 1M pending", "ns", cancel_ns, "-", 0);
    rap_finalize();
    free(handles);
    free(g_late);
    return 0;
}
