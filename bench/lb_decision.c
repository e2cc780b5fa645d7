/* bench/lb_decision.c -- the partitioner's decision time and quality on a
 * synthetic model, the replay of a large job on one core: N actors (a
 * cube of side cbrt(N), each talking to its 6 neighbours) with skewed
 * loads (1 + 9 U^4, Charm++ lb_test's shape; the first tenth of the cube
 * 4 times heavier), placed today in contiguous blocks of the cube, onto R
 * ranks.  For each strategy: the time of rap__lb_plan (checking the model
 * included), and the placement's imbalance against the lower bound
 * max(total / R, largest) / mean, its share of bytes crossing ranks and
 * its moves.  No MPI.
 *
 *   lb_decision [ACTORS [RANKS [REPS [STRATEGY...]]]]   (default 1000000 1024 3 greedy refine metis)
 *
 * Each strategy plans REPS times on the same model (the first plan of the
 * process and the median are shown); prints a readable line per strategy
 * and a ROW line for run.sh's table: the median time against the issue's
 * target (ratio at most 1 meets it).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "partition/lb.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static double uniform(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static rap_aid aid_of(size_t i) { return ((rap_aid)0 << RAP_AID_SERIAL_BITS) | (rap_aid)(i + 16); }

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    int ranks = argc > 2 ? atoi(argv[2]) : 1024;
    int reps = argc > 3 ? atoi(argv[3]) : 3;
    const char *def[] = { "greedy", "refine", "metis" };
    const double target[] = { 1.0, 0.5, 10.0 }; /* s, issue 12 */
    const char **strategies = argc > 4 ? (const char **)argv + 4 : def;
    int nstrat = argc > 4 ? argc - 4 : 3;
    size_t side = (size_t)cbrt((double)n);
    rap_pmodel m = { 0 };
    double total = 0, largest = 0;

    while ((side + 1) * (side + 1) * (side + 1) <= n)
        side++;
    n = side * side * side;
    if (n == 0 || ranks < 1 || reps < 1 || reps > 99) {
        fprintf(stderr, "usage: lb_decision [ACTORS [RANKS [REPS [STRATEGY...]]]]\n");
        return 2;
    }
    m.nactors = n;
    m.nranks = ranks;
    m.actors = calloc(n, sizeof(*m.actors));
    m.edges = calloc(3 * n, sizeof(*m.edges));
    m.ranks = calloc((size_t)ranks, sizeof(*m.ranks));
    if (m.actors == NULL || m.edges == NULL || m.ranks == NULL) {
        fprintf(stderr, "lb_decision: out of memory\n");
        return 1;
    }
    for (int r = 0; r < ranks; r++)
        m.ranks[r] = (rap_pm_rank){ .rank = r, .workers = 1 };
    for (size_t i = 0; i < n; i++) {
        double u = uniform(), load = 1e3 * (1 + 9 * u * u * u * u) * (i < n / 10 ? 4 : 1);
        m.actors[i] = (rap_pm_actor){ .aid = aid_of(i), .atype = 1, .rank = (int)(i * (size_t)ranks / n),
                                      .load = load, .state_bytes = 256 };
        total += load;
        largest = load > largest ? load : largest;
    }
    for (size_t i = 0; i < n; i++) {
        size_t x = i % side, y = i / side % side, z = i / (side * side);
        if (x + 1 < side)
            m.edges[m.nedges++] = (rap_pm_edge){ aid_of(i), aid_of(i + 1), 1e4 };
        if (y + 1 < side)
            m.edges[m.nedges++] = (rap_pm_edge){ aid_of(i), aid_of(i + side), 1e4 };
        if (z + 1 < side)
            m.edges[m.nedges++] = (rap_pm_edge){ aid_of(i), aid_of(i + side * side), 1e4 };
    }
    double bound = fmax(total / ranks, largest) / (total / ranks);
    printf("# partitioner decision: %zu actors (a %zu^3 cube, 6 neighbours each, %zu edges), %d ranks, "
           "today in blocks; lower bound of the imbalance %.4f\n",
           n, side, m.nedges, ranks, bound);
    for (int k = 0; k < nstrat; k++) {
        rap_lb_params p;
        rap_lb_plan plan;
        rap__lb_params_init(&p);
        p.strategy = strategies[k];
        p.seed = 1;
        if (rap__lb_find(p.strategy) == NULL) {
            printf("# %s: not in this build\n", p.strategy);
            continue;
        }
        double t[100];
        int rc = RAP_OK;
        for (int r = 0; r < reps && rc == RAP_OK; r++) {
            if (r > 0)
                rap__lb_plan_free(&plan);
            rc = rap__lb_plan(&m, &p, &plan);
            t[r] = rc == RAP_OK ? (double)plan.decision_ns * 1e-9 : 0;
        }
        if (rc != RAP_OK) {
            printf("# %s: %s\n", p.strategy, rap_strerror(rc));
            continue;
        }
        double first = t[0];
        qsort(t, (size_t)reps, sizeof(t[0]), cmp_double);
        double med = reps % 2 ? t[reps / 2] : (t[reps / 2 - 1] + t[reps / 2]) / 2;
        double want = 0;
        for (int d = 0; d < 3; d++)
            if (strcmp(def[d], plan.strategy) == 0)
                want = target[d];
        printf("  %-7s %.3f s (first %.3f s, median of %d); imbalance %.4f -> %.4f (bound %.4f, ratio %.4f); "
               "bytes crossing %.1f %% -> %.1f %%; %zu moves (%.1f %% of the actors)\n",
               plan.strategy, med, first, reps, plan.before.imbalance, plan.after.imbalance, bound,
               plan.after.imbalance / bound, 100 * plan.before.cut, 100 * plan.after.cut, plan.nmoves,
               100.0 * (double)plan.nmoves / (double)n);
        if (want > 0)
            printf("ROW|partitioner %s: %zu actors on %d ranks|s|%.3f|target (issue 12)|%.1f\n", plan.strategy, n,
                   ranks, med, want);
        fflush(stdout);
        rap__lb_plan_free(&plan);
    }
    rap__pmodel_free(&m);
    return 0;
}
