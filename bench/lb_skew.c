/* bench/lb_skew.c -- skewed compute (the shape of Charm++'s lb_test):
 * 64 actors whose handler costs 1 + 9 U^4 units of 100 us, the heaviest on
 * rank 0 until it holds three quarters of the work, the rest on the other
 * ranks.  An iteration is message-driven, as an iterative actor program
 * runs: a collector on rank 0 sends every actor one message, each answers
 * it when its work is done, and the last answer starts the next iteration
 * (a reduction and a broadcast).  After WARM iterations the program calls
 * rap_rebalance (strategy from argv: refine, greedy, metis), then runs
 * ITERS more.  Printed: an iteration's time before and after (medians, and
 * the first iteration of the process), against the lower bound
 * max(total / ranks, largest actor) measured as the sum of the handlers'
 * busy time; the moves; and the end-to-end time of the whole run against
 * the same number of iterations at the time before (no balancing).
 *
 *   mpirun -np 2 ./bench/lb_skew [strategy] [iters] [start share of rank 0, 0.75]
 *
 * With strategy "none" there is no rap_rebalance: the program prints
 * "BALANCED <ms>", the median of all its iterations, for the cost of the
 * periodic balancer (RAPTORS_LB_PERIOD_MS) on a run that needs none
 * (bench/run.sh runs it with a share of 0.5, with and without).
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

#include "bench.h"

enum { ACTORS = 64, WARM = 3, MAXITERS = 200 };
#define UNIT_US 100.0

static uint32_t WORK, DONE, START, ACTOR, COLLECTOR;
static double cost_us[ACTORS];
static int home_of[ACTORS];
static rap_aid g_all[ACTORS], g_collector;
static double g_times[MAXITERS];

typedef struct collector { int left, answers, n; double t0; } collector;

static void busy_us(double us)
{
    double t0 = bench_now();
    while ((bench_now() - t0) * 1e6 < us)
        ;
}

static int actor_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    (void)ctx, (void)len;
    memcpy(state, arg, sizeof(double));
    return RAP_OK;
}

static int actor_work(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    double us;
    (void)data, (void)len;
    memcpy(&us, state, sizeof(us));
    busy_us(us);
    return rap_send(ctx, from, DONE, NULL, 0);
}

static int broadcast(rap_ctx *ctx, collector *c)
{
    c->answers = 0;
    c->t0 = bench_now();
    for (int i = 0; i < ACTORS; i++) {
        int rc = rap_send(ctx, g_all[i], WORK, NULL, 0);
        if (rc != RAP_OK)
            return rc;
    }
    return RAP_OK;
}

static int collector_start(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    collector *c = state;
    (void)from, (void)len;
    memcpy(&c->left, data, sizeof(int));
    c->n = 0;
    return broadcast(ctx, c);
}

static int collector_done(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    collector *c = state;
    (void)from, (void)data, (void)len;
    if (++c->answers < ACTORS)
        return RAP_OK;
    g_times[c->n++] = (bench_now() - c->t0) * 1e3; /* ms */
    return --c->left > 0 ? broadcast(ctx, c) : RAP_OK;
}

/* Run `n` iterations; their times (ms) into out, on every rank. */
static void iterations(int n, double *out)
{
    if (rap_rank() == 0)
        rap_send(NULL, g_collector, START, &n, sizeof(n));
    rap_run();
    MPI_Bcast(g_times, n, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    memcpy(out, g_times, (size_t)n * sizeof(double));
}

int main(int argc, char **argv)
{
    const char *strategy = argc > 1 ? argv[1] : "refine";
    int iters = argc > 2 ? atoi(argv[2]) : 20, provided, rank, size;
    double start_share = argc > 3 ? atof(argv[3]) : 0.75; /* of the work on rank 0 at the start */
    double before[MAXITERS], after[MAXITERS], total = 0, largest = 0, lo, hi;
    rap_aid mine[ACTORS], all[ACTORS];
    int nmine = 0, counts[64] = { 0 }, displs[64] = { 0 };
    uint64_t rng = 88172645463325252ull;
    rap_rebalance_info info;

    if (iters < 3 || iters > MAXITERS)
        iters = 20;
    bool none = strcmp(strategy, "none") == 0;
    if (!none)
        setenv("RAPTORS_LB", strategy, 1);
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    rap_msg_type_register("skew.work", 0, RAP_MSG_VAR, &WORK);
    rap_msg_type_register("skew.done", 0, RAP_MSG_VAR, &DONE);
    rap_msg_type_register("skew.start", sizeof(int), RAP_MSG_FIXED, &START);
    rap_actor_type_register("skew.actor", sizeof(double), actor_init, NULL, &ACTOR);
    rap_actor_type_register("skew.collector", sizeof(collector), NULL, NULL, &COLLECTOR);
    rap_actor_type_on(ACTOR, WORK, actor_work);
    rap_actor_type_on(COLLECTOR, START, collector_start);
    rap_actor_type_on(COLLECTOR, DONE, collector_done);
    rap_actor_type_movable(ACTOR, NULL, NULL);
    if (size < 2 || size > 64 || rap_init_comm(MPI_COMM_WORLD) != RAP_OK) {
        if (rank == 0)
            fprintf(stderr, "lb_skew needs 2 to 64 ranks\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    /* Costs (the same on every rank), heaviest first onto rank 0 until it
     * has three quarters of the work; the rest round robin on the others. */
    for (int i = 0; i < ACTORS; i++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        double u = (double)(rng >> 11) / 9007199254740992.0;
        cost_us[i] = (1 + 9 * u * u * u * u) * UNIT_US;
    }
    for (int i = 0; i < ACTORS; i++) /* sort descending */
        for (int j = i + 1; j < ACTORS; j++)
            if (cost_us[j] > cost_us[i]) {
                double x = cost_us[i];
                cost_us[i] = cost_us[j], cost_us[j] = x;
            }
    for (int i = 0; i < ACTORS; i++)
        total += cost_us[i];
    largest = cost_us[0];
    double on0 = 0;
    for (int i = 0, k = 0; i < ACTORS; i++) {
        if (on0 + cost_us[i] <= start_share * total + 1e-9 || i == 0) {
            home_of[i] = 0;
            on0 += cost_us[i];
        } else {
            home_of[i] = 1 + k++ % (size - 1);
        }
    }
    for (int i = 0; i < ACTORS; i++)
        if (home_of[i] == rank)
            rap_spawn(NULL, ACTOR, &cost_us[i], sizeof(double), &mine[nmine++]);
    MPI_Allgather(&nmine, 1, MPI_INT, counts, 1, MPI_INT, MPI_COMM_WORLD);
    for (int r = 1; r < size; r++)
        displs[r] = displs[r - 1] + counts[r - 1];
    MPI_Allgatherv(mine, nmine, MPI_UINT64_T, all, counts, displs, MPI_UINT64_T, MPI_COMM_WORLD);
    memcpy(g_all, all, sizeof(all));
    if (rank == 0)
        rap_spawn(NULL, COLLECTOR, NULL, 0, &g_collector);

    iterations(WARM, before);
    double first = before[0];
    double t_lb0 = bench_now();
    memset(&info, 0, sizeof(info));
    if (!none)
        rap_rebalance(&info);
    double t_lb = (bench_now() - t_lb0) * 1e3;
    iterations(iters, after);
    if (rank == 0 && none) {
        double all_iters[MAXITERS + WARM];
        memcpy(all_iters, before, WARM * sizeof(double));
        memcpy(all_iters + WARM, after, (size_t)iters * sizeof(double));
        printf("BALANCED %.4f\n", bench_median(all_iters, WARM + iters, &lo, &hi));
    } else if (rank == 0) {
        double bound = (total / size > largest ? total / size : largest) * 1e-3; /* ms */
        double tb = bench_median(before, WARM, &lo, &hi), b0 = lo, b1 = hi;
        double ta = bench_median(after, iters, &lo, &hi);
        double end = WARM * tb + t_lb + iters * ta, base = (WARM + iters) * tb;
        printf("# skewed compute (%s), %d ranks, %d actors, start %.0f%% on rank 0: an iteration's time, ms\n",
               strategy, size, ACTORS, 100 * on0 / total);
        printf("before balancing %8.2f (%.2f-%.2f), first %.2f; %.2fx the bound %.2f\n", tb, b0, b1, first,
               tb / bound, bound);
        printf("after %-10s %8.2f (%.2f-%.2f); %.2fx the bound; %llu moves (%.2f ms, imbalance %.2f -> %.2f predicted)\n",
               strategy, ta, lo, hi, ta / bound, (unsigned long long)info.moves, t_lb, info.imbalance_before,
               info.imbalance_after);
        printf("end to end, %d iterations: %.1f ms, against %.1f ms unbalanced: %.2fx faster\n", WARM + iters, end,
               base, base / end);
        printf("ROW|skew %s iteration after|ms|%.3f|lower bound|%.3f\n", strategy, ta, bound);
        printf("ROW|skew %s end to end|ms|%.3f|unbalanced|%.3f\n", strategy, end, base);
        printf("ROW|skew %s moves|actors|%llu|actors|%d\n", strategy, (unsigned long long)info.moves, ACTORS);
    }
    rap_finalize();
    MPI_Finalize();
    return 0;
}
