/* bench/lb_hotspot.c -- a moving hot spot under the periodic balancer
 * (RAPTORS_LB_PERIOD_MS): 64 actors placed round robin, of which HOT cost
 * 10 units of 100 us an iteration and the rest 1.  The hot ones start all
 * on rank 0; after a phase of iterations they cool down and HOT others
 * become hot: cold ones that then sit on one rank, the rank with the most
 * cold actors (so that rank is overloaded again, wherever the balancer had
 * put things).  An iteration is
 * message-driven: a collector on rank 0 sends every actor its cost for
 * the iteration, each answers with the rank it ran on when its work is
 * done, and the last answer starts the next iteration.  Nothing in the
 * program calls rap_rebalance: the periodic balancer, reading the
 * Profiler's samples, does all the moving.  Printed, for each of the two
 * phases: the first iterations' time and the steady time (median of the
 * phase's last 20 iterations) against the lower bound max(total / ranks,
 * largest actor), the iterations it took to come within 1.15x of the
 * bound; and every balancing step of the run with its moves, from the
 * profile (RAPTORS_PROFILE names its file), the largest as a share of
 * the actors (the target: at most 35 % a step).
 *
 *   RAPTORS_LB_PERIOD_MS=100 RAPTORS_PROFILE_INTERVAL_MS=25 RAPTORS_PROFILE=/tmp/p.json \
 *       mpirun -np 2 ./bench/lb_hotspot [iterations per phase]
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "bench.h"

enum { ACTORS = 64, HOT = 12, MAXITERS = 2000 };
#define UNIT_US 100.0
#define HOT_UNITS 10.0

static uint32_t WORK, DONE, START, ACTOR, COLLECTOR;
static rap_aid g_all[ACTORS];
static double g_times[2 * MAXITERS];
static int g_phase_len = 150, g_hot2, g_rank2;

typedef struct collector {
    int it, answers;
    double t0;
    double cost[ACTORS]; /* us, this phase */
    int where[ACTORS];   /* the rank each actor last answered from */
} collector;

typedef struct work { int idx; double us; } work;
typedef struct done { int idx, rank; } done;

static void busy_us(double us)
{
    double t0 = bench_now();
    while ((bench_now() - t0) * 1e6 < us)
        ;
}

static int actor_work(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    work w;
    (void)state, (void)len;
    memcpy(&w, data, sizeof(w));
    busy_us(w.us);
    done d = { w.idx, rap_rank() };
    return rap_send(ctx, from, DONE, &d, sizeof(d));
}

static int broadcast(rap_ctx *ctx, collector *c)
{
    c->answers = 0;
    c->t0 = bench_now();
    for (int i = 0; i < ACTORS; i++) {
        work w = { i, c->cost[i] };
        int rc = rap_send(ctx, g_all[i], WORK, &w, sizeof(w));
        if (rc != RAP_OK)
            return rc;
    }
    return RAP_OK;
}

static int collector_start(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    collector *c = state;
    (void)from, (void)data, (void)len;
    /* Phase 1: actors 0, size, 2 size, ... (all on rank 0 by round robin) hot. */
    for (int i = 0; i < ACTORS; i++) {
        c->cost[i] = UNIT_US;
        c->where[i] = i % rap_size();
    }
    for (int i = 0, k = 0; i < ACTORS && k < HOT; i += rap_size(), k++)
        c->cost[i] = HOT_UNITS * UNIT_US;
    c->it = 0;
    return broadcast(ctx, c);
}

static int collector_done(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    collector *c = state;
    done d;
    (void)from, (void)len;
    memcpy(&d, data, sizeof(d));
    if (d.idx >= 0 && d.idx < ACTORS)
        c->where[d.idx] = d.rank;
    if (++c->answers < ACTORS)
        return RAP_OK;
    g_times[c->it++] = (bench_now() - c->t0) * 1e3; /* ms */
    if (c->it == g_phase_len) { /* the shift: HOT cold actors of one rank turn hot, the hot ones cool */
        bool was_hot[ACTORS];
        int cold[16] = { 0 }, r = 0, k = 0;
        for (int i = 0; i < ACTORS; i++) {
            was_hot[i] = c->cost[i] > UNIT_US;
            c->cost[i] = UNIT_US;
            if (!was_hot[i] && c->where[i] >= 0 && c->where[i] < 16)
                cold[c->where[i]]++;
        }
        for (int q = 1; q < rap_size() && q < 16; q++) /* the rank with the most cold actors */
            if (cold[q] > cold[r])
                r = q;
        for (int i = 0; i < ACTORS && k < HOT; i++)
            if (c->where[i] == r && !was_hot[i])
                c->cost[i] = HOT_UNITS * UNIT_US, k++;
        g_hot2 = k, g_rank2 = r;
    }
    return c->it < 2 * g_phase_len ? broadcast(ctx, c) : RAP_OK;
}

/* The first iteration within 1.15x of the bound, counted from `from`. */
static int settled(const double *t, int from, int n, double bound)
{
    for (int i = from; i < n; i++)
        if (t[i] <= 1.15 * bound)
            return i - from;
    return -1;
}

int main(int argc, char **argv)
{
    int provided, rank, size;
    double lo, hi;

    if (argc > 1)
        g_phase_len = atoi(argv[1]);
    if (g_phase_len < 30 || g_phase_len > MAXITERS)
        g_phase_len = 150;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    rap_msg_type_register("hot.work", sizeof(work), RAP_MSG_FIXED, &WORK);
    rap_msg_type_register("hot.done", sizeof(done), RAP_MSG_FIXED, &DONE);
    rap_msg_type_register("hot.start", 0, RAP_MSG_VAR, &START);
    rap_actor_type_register("hot.actor", 0, NULL, NULL, &ACTOR);
    rap_actor_type_register("hot.collector", sizeof(collector), NULL, NULL, &COLLECTOR);
    rap_actor_type_on(ACTOR, WORK, actor_work);
    rap_actor_type_on(COLLECTOR, START, collector_start);
    rap_actor_type_on(COLLECTOR, DONE, collector_done);
    rap_actor_type_movable(ACTOR, NULL, NULL);
    if (size < 2 || size > 16 || rap_init_comm(MPI_COMM_WORLD) != RAP_OK) {
        if (rank == 0)
            fprintf(stderr, "lb_hotspot needs 2 to 16 ranks\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    rap_aid mine[ACTORS] = { 0 };
    for (int i = 0; i < ACTORS; i++)
        if (i % size == rank)
            rap_spawn(NULL, ACTOR, NULL, 0, &mine[i]);
    MPI_Allreduce(mine, g_all, ACTORS, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    rap_aid coll = RAP_AID_NONE;
    if (rank == 0) {
        rap_spawn(NULL, COLLECTOR, NULL, 0, &coll);
        rap_send(NULL, coll, START, NULL, 0);
    }
    rap_run();
    rap_finalize();
    if (rank == 0) {
        int n = g_phase_len, steps = 0, most = 0;
        long moves = 0;
        double total = (HOT * HOT_UNITS + (ACTORS - HOT)) * UNIT_US;
        double bound = (total / size > HOT_UNITS * UNIT_US ? total / size : HOT_UNITS * UNIT_US) * 1e-3;
        double t1[MAXITERS], t2[MAXITERS], first1 = g_times[0], first2 = g_times[n];
        int s1 = settled(g_times, 0, n, bound), s2 = settled(g_times, n, 2 * n, bound);
        memcpy(t1, g_times + n - 20, 20 * sizeof(double));
        memcpy(t2, g_times + 2 * n - 20, 20 * sizeof(double));
        double m1 = bench_median(t1, 20, &lo, &hi), m2 = bench_median(t2, 20, &lo, &hi);
        const char *path = getenv("RAPTORS_PROFILE");
        json_t *root = path != NULL ? json_load_file(path, 0, NULL) : NULL;
        json_t *rb = json_object_get(root, "rebalances"), *x;
        size_t k;
        printf("# moving hot spot, periodic balancer (%s, every %s ms), %d ranks, %d actors (%d hot), "
               "%d iterations a phase: an iteration, ms; lower bound %.2f\n",
               getenv("RAPTORS_LB") ? getenv("RAPTORS_LB") : "refine",
               getenv("RAPTORS_LB_PERIOD_MS") ? getenv("RAPTORS_LB_PERIOD_MS") : "-", size, ACTORS, HOT, n, bound);
        printf("phase 1 (hot on rank 0): first %.2f, steady %.2f (%.2fx the bound), within 1.15x after %d iterations\n",
               first1, m1, m1 / bound, s1);
        printf("phase 2 (%d cold actors of rank %d turned hot): first %.2f, steady %.2f (%.2fx the bound), within 1.15x after %d iterations\n",
               g_hot2, g_rank2, first2, m2, m2 / bound, s2);
        json_array_foreach(rb, k, x) {
            int mv = (int)json_integer_value(json_object_get(x, "moves"));
            printf("  step at %.2f s: imbalance %.2f -> %.2f predicted, %d moves\n",
                   json_real_value(json_object_get(x, "t_s")),
                   json_real_value(json_object_get(x, "imbalance_before")),
                   json_real_value(json_object_get(x, "imbalance_after_predicted")), mv);
            steps++;
            moves += mv;
            most = mv > most ? mv : most;
        }
        if (root == NULL)
            printf("(no profile read: set RAPTORS_PROFILE to a file name)\n");
        printf("%d balancing steps, %ld moves; the most in one step: %d of %d actors (%.0f %%)\n", steps, moves, most,
               ACTORS, 100.0 * most / ACTORS);
        printf("ROW|hot spot steady, phase 1|ms|%.3f|lower bound|%.3f\n", m1, bound);
        printf("ROW|hot spot steady, phase 2|ms|%.3f|lower bound|%.3f\n", m2, bound);
        printf("ROW|hot spot most moves a step|actors|%d|actors|%d\n", most, ACTORS);
        json_decref(root);
    }
    MPI_Finalize();
    return 0;
}
