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
 *   lb_decision [ACTORS [RANKS [STRATEGY...]]]   (default 1000000 1024 greedy refine metis)
 *
 * Prints a line "LB <strategy> <actors> <ranks> <seconds> <imbalance>
 * <lower bound> <cut> <moves>" per strategy for run.sh, and a readable one.
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

static rap_aid aid_of(size_t i) { return ((rap_aid)0 << RAP_AID_SERIAL_BITS) | (rap_aid)(i + 16); }

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    int ranks = argc > 2 ? atoi(argv[2]) : 1024;
    const char *def[] = { "greedy", "refine", "metis" };
    const char **strategies = argc > 3 ? (const char **)argv + 3 : def;
    int nstrat = argc > 3 ? argc - 3 : 3;
    size_t side = (size_t)cbrt((double)n);
    rap_pmodel m = { 0 };
    double total = 0, largest = 0;

    while ((side + 1) * (side + 1) * (side + 1) <= n)
        side++;
    n = side * side * side;
    if (n == 0 || ranks < 1) {
        fprintf(stderr, "usage: lb_decision [ACTORS [RANKS [STRATEGY...]]]\n");
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
        int rc = rap__lb_plan(&m, &p, &plan);
        if (rc != RAP_OK) {
            printf("# %s: %s\n", p.strategy, rap_strerror(rc));
            continue;
        }
        printf("LB %s %zu %d %.3f %.4f %.4f %.4f %zu\n", plan.strategy, n, ranks, (double)plan.decision_ns * 1e-9,
               plan.after.imbalance, bound, plan.after.cut, plan.nmoves);
        printf("  %-7s %.3f s; imbalance %.4f -> %.4f (bound %.4f, ratio %.4f); bytes crossing %.1f %% -> %.1f %%; "
               "%zu moves (%.1f %% of the actors)\n",
               plan.strategy, (double)plan.decision_ns * 1e-9, plan.before.imbalance, plan.after.imbalance, bound,
               plan.after.imbalance / bound, 100 * plan.before.cut, 100 * plan.after.cut, plan.nmoves,
               100.0 * (double)plan.nmoves / (double)n);
        fflush(stdout);
        rap__lb_plan_free(&plan);
    }
    rap__pmodel_free(&m);
    return 0;
}
