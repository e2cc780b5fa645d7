/* The load balancer (partition/lb.h): greedy's makespans on known loads
 * and at scale against the lower bound, refine's fewest moves and its
 * choices, pinned actors and host lists kept by every strategy, the move
 * bound, capacities, METIS on two cliques placed crosswise (when built
 * with METIS), the figures, and every kind of bad model refused. */
#include "config.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "partition/graph.h"
#include "partition/lb.h"
#include "support/unit.h"

/* ------------------------------------------------------------- helpers */

/* |a - b| <= eps, without libm (the project links none). */
static bool near(double a, double b, double eps)
{
    return a - b <= eps && b - a <= eps;
}

/* A model of n actors (ids 1..n, type 1, load 0, rank 0) on nranks ranks
 * of one worker each; rap__pmodel_free frees it. */
static rap_pmodel model(int nranks, size_t n)
{
    rap_pmodel m = { 0 };

    m.nranks = nranks;
    m.nactors = n;
    m.actors = calloc(n + 1, sizeof(*m.actors));
    m.ranks = calloc((size_t)nranks, sizeof(*m.ranks));
    CU_ASSERT_PTR_NOT_NULL_FATAL(m.actors);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m.ranks);
    for (size_t i = 0; i < n; i++)
        m.actors[i] = (rap_pm_actor){ .aid = i + 1, .atype = 1 };
    for (int r = 0; r < nranks; r++)
        m.ranks[r] = (rap_pm_rank){ .rank = r, .workers = 1 };
    return m;
}

static void put(rap_pmodel *m, size_t i, int rank, double load)
{
    m->actors[i].rank = rank;
    m->actors[i].load = load;
}

/* Add the pair (actor i, actor j) (indexes) with `bytes` per s. */
static void pair(rap_pmodel *m, size_t i, size_t j, double bytes)
{
    m->edges = realloc(m->edges, (m->nedges + 1) * sizeof(*m->edges));
    CU_ASSERT_PTR_NOT_NULL_FATAL(m->edges);
    m->edges[m->nedges++] = (rap_pm_edge){ .a = i + 1, .b = j + 1, .bytes_per_s = bytes };
}

/* Restrict type `atype` to the `n` ranks given. */
static void hosts(rap_pmodel *m, uint32_t atype, const int *ranks, size_t n)
{
    rap_pm_host *h;

    m->hosts = realloc(m->hosts, (m->nhosts + 1) * sizeof(*m->hosts));
    CU_ASSERT_PTR_NOT_NULL_FATAL(m->hosts);
    h = &m->hosts[m->nhosts++];
    h->atype = atype;
    h->nranks = n;
    h->ranks = malloc((n + 1) * sizeof(*h->ranks));
    CU_ASSERT_PTR_NOT_NULL_FATAL(h->ranks);
    if (n > 0)
        memcpy(h->ranks, ranks, n * sizeof(*ranks));
}

static int plan(const rap_pmodel *m, const char *strategy, double tolerance, size_t max_moves,
                rap_lb_plan *out)
{
    rap_lb_params p = { .strategy = strategy, .tolerance = tolerance, .max_moves = max_moves };
    return rap__lb_plan(m, &p, out);
}

static double rank_load(const rap_pmodel *m, const int *assign, int r)
{
    double sum = 0;

    for (size_t i = 0; i < m->nactors; i++)
        if (assign[i] == r)
            sum += m->actors[i].load;
    return sum;
}

/* The highest load per worker under assign. */
static double peak(const rap_pmodel *m, const int *assign)
{
    double top = 0;

    for (int r = 0; r < m->nranks; r++) {
        double u = rank_load(m, assign, r) / m->ranks[r].workers;
        if (u > top)
            top = u;
    }
    return top;
}

/* The plan's moves agree with its assignment and the model. */
static void check_moves(const rap_pmodel *m, const rap_lb_plan *pl)
{
    size_t k = 0;
    uint64_t bytes = 0;

    CU_ASSERT_EQUAL_FATAL(pl->nactors, m->nactors);
    for (size_t i = 0; i < m->nactors; i++) {
        CU_ASSERT_TRUE(pl->assign[i] >= 0 && pl->assign[i] < m->nranks);
        if (pl->assign[i] == m->actors[i].rank)
            continue;
        CU_ASSERT_TRUE_FATAL(k < pl->nmoves);
        CU_ASSERT_EQUAL(pl->moves[k].aid, m->actors[i].aid);
        CU_ASSERT_EQUAL(pl->moves[k].from, m->actors[i].rank);
        CU_ASSERT_EQUAL(pl->moves[k].to, pl->assign[i]);
        bytes += m->actors[i].state_bytes;
        k++;
    }
    CU_ASSERT_EQUAL(k, pl->nmoves);
    CU_ASSERT_EQUAL(bytes, pl->bytes_moved);
    CU_ASSERT_TRUE(near(pl->after.max_load, peak(m, pl->assign), 1e-9));
}

static const char *const all_strategies[] = { "greedy", "refine", "off",
#ifdef HAVE_METIS
                                              "metis",
#endif
};

/* ---------------------------------------------------------------- greedy */

static void greedy_known_makespans(void)
{
    static const double optimal[] = { 7, 5, 4, 3, 1 };  /* 10 | 10: greedy finds it */
    static const double graham[] = { 5, 4, 3, 3, 3 };   /* 9 | 9 exists; greedy: 8 | 10 */
    rap_pmodel m = model(2, 5);
    rap_lb_plan pl;

    for (size_t i = 0; i < 5; i++)
        put(&m, i, 0, optimal[i]);
    CU_ASSERT_EQUAL_FATAL(plan(&m, "greedy", 0, 0, &pl), RAP_OK);
    check_moves(&m, &pl);
    CU_ASSERT_EQUAL(rank_load(&m, pl.assign, 0), 10);
    CU_ASSERT_EQUAL(rank_load(&m, pl.assign, 1), 10);
    CU_ASSERT_EQUAL(pl.after.max_load, 10);
    CU_ASSERT_EQUAL(pl.after.imbalance, 1.0);
    CU_ASSERT_EQUAL(pl.before.max_load, 20);
    CU_ASSERT_EQUAL(pl.before.imbalance, 2.0);
    CU_ASSERT_STRING_EQUAL(pl.strategy, "greedy");
    rap__lb_plan_free(&pl);

    /* Heaviest first cannot find 5+4 | 3+3+3: 5 | 4, 4+3, 5+3, 7+3 = 10,
     * within Graham's 4/3 - 1/(3m) = 7/6 of 9.  The optimum needs a swap,
     * which no strategy makes; refine finds no single move that helps. */
    for (size_t i = 0; i < 5; i++)
        put(&m, i, 0, graham[i]);
    CU_ASSERT_EQUAL_FATAL(plan(&m, "greedy", 0, 0, &pl), RAP_OK);
    CU_ASSERT_EQUAL(pl.after.max_load, 10);
    CU_ASSERT_TRUE(pl.after.max_load <= 9.0 * 7 / 6);
    CU_ASSERT_EQUAL(pl.assign[0], 0);
    CU_ASSERT_EQUAL(pl.assign[1], 1);
    {
        rap_pmodel m2 = model(2, 5);
        rap_lb_plan p2;
        for (size_t i = 0; i < 5; i++)
            put(&m2, i, pl.assign[i], graham[i]);
        CU_ASSERT_EQUAL_FATAL(plan(&m2, "refine", 0, 0, &p2), RAP_OK);
        CU_ASSERT_EQUAL(p2.nmoves, 0);
        rap__lb_plan_free(&p2);
        rap__pmodel_free(&m2);
    }
    rap__lb_plan_free(&pl);
    rap__pmodel_free(&m);
}

/* Ties go to the lower rank, then the lower id; today's ranks play no part. */
static void greedy_is_deterministic(void)
{
    rap_pmodel m = model(3, 6);
    rap_lb_plan a, b;
    static const int expect[] = { 0, 1, 2, 0, 1, 2 };

    for (size_t i = 0; i < 6; i++)
        put(&m, i, 0, 6);
    CU_ASSERT_EQUAL_FATAL(plan(&m, "greedy", 0, 0, &a), RAP_OK);
    for (size_t i = 0; i < 6; i++)
        CU_ASSERT_EQUAL(a.assign[i], expect[i]);
    for (size_t i = 0; i < 6; i++)
        m.actors[i].rank = (int)(5 - i) % 3;
    CU_ASSERT_EQUAL_FATAL(plan(&m, "greedy", 0, 0, &b), RAP_OK);
    CU_ASSERT_EQUAL(memcmp(a.assign, b.assign, 6 * sizeof(*a.assign)), 0);
    rap__lb_plan_free(&a);
    rap__lb_plan_free(&b);
    rap__pmodel_free(&m);
}

/* Greedy sorts on a 32-bit prefix of each load, then puts the loads that
 * share one in order: heaviest first whatever the model's order, -0.0 as
 * 0 (ties then by id). */
static void greedy_order_past_the_prefix(void)
{
    const double u = 2.220446049250313e-16; /* the unit in the last place of 1 */
    /* Four loads with one prefix, given as 1 + u, 1 + 3u, 1, 1 + 2u: placed
     * 1 + 3u (rank 0), 1 + 2u (1), 1 + u (1, the lighter), 1 (0). */
    static const int four[] = { 1, 0, 0, 1 };
    rap_pmodel m = model(2, 4);
    rap_lb_plan pl;

    put(&m, 0, 0, 1 + u);
    put(&m, 1, 0, 1 + 3 * u);
    put(&m, 2, 0, 1);
    put(&m, 3, 0, 1 + 2 * u);
    CU_ASSERT_EQUAL_FATAL(plan(&m, "greedy", 0, 0, &pl), RAP_OK);
    for (size_t i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(pl.assign[i], four[i]);
    rap__lb_plan_free(&pl);
    rap__pmodel_free(&m);

    /* Two with one prefix, the lighter first in the model: 3 + 4u goes
     * first (rank 0), then 3 (rank 1), then the 1 onto rank 1. */
    m = model(2, 3);
    put(&m, 0, 0, 3);
    put(&m, 1, 0, 3 + 4 * u);
    put(&m, 2, 0, 1);
    CU_ASSERT_EQUAL_FATAL(plan(&m, "greedy", 0, 0, &pl), RAP_OK);
    CU_ASSERT_EQUAL(pl.assign[0], 1);
    CU_ASSERT_EQUAL(pl.assign[1], 0);
    CU_ASSERT_EQUAL(pl.assign[2], 1);
    rap__lb_plan_free(&pl);

    /* -0.0 weighs what 0 does: the 1 first (rank 0), then the two zeros by
     * id, both onto rank 1. */
    put(&m, 0, 0, -0.0);
    put(&m, 1, 0, 0);
    put(&m, 2, 0, 1);
    CU_ASSERT_EQUAL_FATAL(plan(&m, "greedy", 0, 0, &pl), RAP_OK);
    CU_ASSERT_EQUAL(pl.assign[0], 1);
    CU_ASSERT_EQUAL(pl.assign[1], 1);
    CU_ASSERT_EQUAL(pl.assign[2], 0);
    rap__lb_plan_free(&pl);
    rap__pmodel_free(&m);
}

/* 100,000 actors with skewed loads (1 + 99 U^4, as Charm++'s lb_test) on
 * 1,024 ranks: within 1 % of max(total / P, largest). */
static void greedy_at_scale(void)
{
    enum { N = 100000, P = 1024 };
    rap_pmodel m = model(P, N);
    rap_lb_plan pl;
    uint64_t x = 88172645463325252u;
    double total = 0, largest = 0, bound;

    for (size_t i = 0; i < N; i++) {
        double u;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        u = (double)(x >> 11) / 9007199254740992.0;
        put(&m, i, (int)(i % 7), 1 + 99 * u * u * u * u);
        total += m.actors[i].load;
        if (m.actors[i].load > largest)
            largest = m.actors[i].load;
    }
    bound = total / P > largest ? total / P : largest;
    CU_ASSERT_EQUAL_FATAL(plan(&m, "greedy", 0, 0, &pl), RAP_OK);
    CU_ASSERT_TRUE(pl.after.max_load <= 1.01 * bound);
    CU_ASSERT_TRUE(pl.after.max_load >= bound);
    CU_ASSERT_TRUE(pl.after.imbalance <= 1.01);
    CU_ASSERT_EQUAL(pl.nactors, N);
    rap__lb_plan_free(&pl);

    /* Refine from a skewed placement: within tolerance, max never worse. */
    for (size_t i = 0; i < N; i++)
        m.actors[i].rank = (int)(i % (P / 2)) * 2 + (i % 3 == 0);
    CU_ASSERT_EQUAL_FATAL(plan(&m, "refine", 0, 0, &pl), RAP_OK);
    CU_ASSERT_TRUE(pl.before.imbalance > 1.3);
    CU_ASSERT_TRUE(pl.after.imbalance <= 1.05 + 1e-9);
    CU_ASSERT_TRUE(pl.after.max_load <= pl.before.max_load);
    CU_ASSERT_TRUE(pl.nmoves < N / 2);
    rap__lb_plan_free(&pl);
    rap__pmodel_free(&m);
}

/* ---------------------------------------------------------------- refine */

static void refine_leaves_balance_alone(void)
{
    rap_pmodel m = model(2, 3);
    rap_lb_plan pl;

    put(&m, 0, 0, 3);
    put(&m, 1, 0, 2.2); /* 5.2 <= 5 x 1.05 */
    put(&m, 2, 1, 4.8);
    CU_ASSERT_EQUAL_FATAL(plan(&m, "refine", 0, 0, &pl), RAP_OK);
    CU_ASSERT_EQUAL(pl.nmoves, 0);
    CU_ASSERT_TRUE(near(pl.before.imbalance, 1.04, 1e-12));
    CU_ASSERT_EQUAL(pl.before.imbalance, pl.after.imbalance);
    rap__lb_plan_free(&pl);
    /* A tighter tolerance sees rank 0 over, but no move helps: 3 or 2.2
     * onto 4.8 would pass 5.2. */
    CU_ASSERT_EQUAL_FATAL(plan(&m, "refine", 0.01, 0, &pl), RAP_OK);
    CU_ASSERT_EQUAL(pl.nmoves, 0);
    rap__lb_plan_free(&pl);
    rap__pmodel_free(&m);
}

static void refine_fewest_moves(void)
{
    rap_pmodel m = model(3, 7);
    rap_lb_plan pl;
    static const double r0[] = { 5, 3, 2, 1, 1 };

    /* 12 | 3 | 3, threshold 6.3: rank 0 must shed 5.7, and 3 + 2 < 5.7
     * while the 5 fits nowhere, so three moves is the least: 3, 2, 1. */
    for (size_t i = 0; i < 5; i++)
        put(&m, i, 0, r0[i]);
    put(&m, 5, 1, 3);
    put(&m, 6, 2, 3);
    CU_ASSERT_EQUAL_FATAL(plan(&m, "refine", 0, 0, &pl), RAP_OK);
    check_moves(&m, &pl);
    CU_ASSERT_EQUAL(pl.nmoves, 3);
    CU_ASSERT_EQUAL(pl.assign[0], 0); /* the 5 stays */
    CU_ASSERT_EQUAL(pl.after.max_load, 6);
    CU_ASSERT_EQUAL(pl.after.imbalance, 1.0);
    rap__lb_plan_free(&pl);
    rap__pmodel_free(&m);

    /* 8 | 2, threshold 5.25: the 3 alone settles it (one move, not three 1s). */
    m = model(2, 7);
    put(&m, 0, 0, 3);
    for (size_t i = 1; i < 6; i++)
        put(&m, i, 0, 1);
    put(&m, 6, 1, 2);
    CU_ASSERT_EQUAL_FATAL(plan(&m, "refine", 0, 0, &pl), RAP_OK);
    CU_ASSERT_EQUAL(pl.nmoves, 1);
    CU_ASSERT_EQUAL(pl.assign[0], 1);
    CU_ASSERT_EQUAL(pl.after.max_load, 5);
    rap__lb_plan_free(&pl);
    rap__pmodel_free(&m);
}

/* Among moves that settle the rank alike: the one that takes bytes off the
 * network, then the smallest state. */
static void refine_prefers_cut_then_small_state(void)
{
    rap_pmodel m = model(2, 4);
    rap_lb_plan pl;

    /* 6 | 2, threshold 4.2: any of actors 0..2 settles it. */
    for (size_t i = 0; i < 3; i++)
        put(&m, i, 0, 2);
    put(&m, 3, 1, 2);
    m.actors[0].state_bytes = 1000;
    m.actors[1].state_bytes = 10;
    m.actors[2].state_bytes = 500;
    CU_ASSERT_EQUAL_FATAL(plan(&m, "refine", 0, 0, &pl), RAP_OK);
    CU_ASSERT_EQUAL(pl.nmoves, 1);
    CU_ASSERT_EQUAL(pl.assign[1], 1);
    CU_ASSERT_EQUAL(pl.bytes_moved, 10);
    rap__lb_plan_free(&pl);

    pair(&m, 2, 3, 100); /* actor 2 talks to actor 3, on rank 1 */
    pair(&m, 0, 1, 50);
    CU_ASSERT_EQUAL_FATAL(plan(&m, "refine", 0, 0, &pl), RAP_OK);
    CU_ASSERT_EQUAL(pl.nmoves, 1);
    CU_ASSERT_EQUAL(pl.assign[2], 1);
    CU_ASSERT_TRUE(near(pl.before.cut, 100.0 / 150, 1e-12));
    CU_ASSERT_EQUAL(pl.after.cut, 0);
    rap__lb_plan_free(&pl);
    rap__pmodel_free(&m);
}

/* A rank under its threshold at the start is pushed over it by a move
 * that still lowers the larger load of the two; it then gives actors in
 * turn (its list, built only then, leaves out the actor that came). */
static void refine_target_pushed_over(void)
{
    rap_pmodel m = model(3, 5);
    rap_lb_plan pl;

    /* 20 | 6 | 6, threshold 32 / 3 x 1.05 = 11.2.  No 10 fits under rank
     * 1's threshold, but 10 + 6 < 20: actor 0 (the lower id) goes to rank
     * 1, which is then over (16); its 5 settles it on rank 2 (11). */
    put(&m, 0, 0, 10);
    put(&m, 1, 0, 10);
    put(&m, 2, 1, 5);
    put(&m, 3, 1, 1);
    put(&m, 4, 2, 6);
    pair(&m, 2, 4, 10);
    pair(&m, 2, 3, 1);
    CU_ASSERT_EQUAL_FATAL(plan(&m, "refine", 0, 0, &pl), RAP_OK);
    check_moves(&m, &pl);
    CU_ASSERT_EQUAL(pl.nmoves, 2);
    CU_ASSERT_EQUAL(pl.assign[0], 1);
    CU_ASSERT_EQUAL(pl.assign[2], 2);
    CU_ASSERT_EQUAL(pl.after.max_load, 11);
    CU_ASSERT_EQUAL(pl.after.cut_bytes, 1);
    rap__lb_plan_free(&pl);
    rap__pmodel_free(&m);
}

/* A pair given twice counts its bytes summed in refine's choice; a pair of
 * an actor with itself and a pair of 0 bytes count for nothing. */
static void refine_sums_repeated_pairs(void)
{
    rap_pmodel m = model(2, 4);
    rap_lb_plan pl;

    /* 6 | 2, threshold 4.2: any of actors 0..2 settles it; actor 1 talks
     * 50 + 50 to actor 3 (on rank 1), actor 0 60, actor 2 1000 to itself. */
    for (size_t i = 0; i < 3; i++)
        put(&m, i, 0, 2);
    put(&m, 3, 1, 2);
    pair(&m, 1, 3, 50);
    pair(&m, 0, 3, 60);
    pair(&m, 3, 1, 50);
    pair(&m, 2, 2, 1000);
    pair(&m, 2, 3, 0);
    CU_ASSERT_EQUAL_FATAL(plan(&m, "refine", 0, 0, &pl), RAP_OK);
    CU_ASSERT_EQUAL(pl.nmoves, 1);
    CU_ASSERT_EQUAL(pl.assign[1], 1);
    CU_ASSERT_EQUAL(pl.before.cut_bytes, 160);
    CU_ASSERT_EQUAL(pl.after.cut_bytes, 60);
    rap__lb_plan_free(&pl);
    rap__pmodel_free(&m);
}

/* -------------------------------------------------- rules every strategy keeps */

static void pinned_actors_stay(void)
{
    rap_pmodel m = model(2, 6);
    rap_lb_plan pl;

    /* Rank 0: two pinned 5s and four movable 1s; rank 1 empty. */
    put(&m, 0, 0, 5);
    put(&m, 1, 0, 5);
    m.actors[0].pinned = m.actors[1].pinned = true;
    for (size_t i = 2; i < 6; i++)
        put(&m, i, 0, 1);
    pair(&m, 0, 2, 10);
    for (size_t s = 0; s < RAP_ARRAY_LEN(all_strategies); s++) {
        CU_ASSERT_EQUAL_FATAL(plan(&m, all_strategies[s], 0, 0, &pl), RAP_OK);
        check_moves(&m, &pl);
        CU_ASSERT_EQUAL(pl.assign[0], 0);
        CU_ASSERT_EQUAL(pl.assign[1], 0);
        if (strcmp(all_strategies[s], "off") != 0) /* every 1 leaves rank 0 */
            CU_ASSERT_EQUAL(pl.after.max_load, 10);
        rap__lb_plan_free(&pl);
    }
    /* Greedy counts the pinned load: the 1s go to rank 1. */
    CU_ASSERT_EQUAL_FATAL(plan(&m, "greedy", 0, 0, &pl), RAP_OK);
    for (size_t i = 2; i < 6; i++)
        CU_ASSERT_EQUAL(pl.assign[i], 1);
    rap__lb_plan_free(&pl);
    rap__pmodel_free(&m);
}

static void host_lists_respected(void)
{
    static const int low[] = { 0, 1 }, high[] = { 3, 2, 3 };
    rap_pmodel m = model(4, 16);
    rap_lb_plan pl;

    /* Type 1 (8 x 4) runs on ranks 0-1, type 2 (4 x 1) on 2-3, type 3
     * (4 x 2) anywhere; today everything is on rank 0, one type 2 actor
     * included, which must move whatever the bound. */
    hosts(&m, 1, low, 2);
    hosts(&m, 2, high, 3);
    for (size_t i = 0; i < 8; i++)
        put(&m, i, 0, 4);
    for (size_t i = 8; i < 12; i++) {
        m.actors[i].atype = 2;
        put(&m, i, i == 8 ? 0 : 2, 1);
    }
    for (size_t i = 12; i < 16; i++) {
        m.actors[i].atype = 3;
        put(&m, i, 0, 2);
    }
    for (size_t i = 0; i + 1 < 16; i++)
        pair(&m, i, i + 1, 5);
    for (size_t s = 0; s < RAP_ARRAY_LEN(all_strategies); s++) {
        if (strcmp(all_strategies[s], "off") == 0)
            continue;
        CU_ASSERT_EQUAL_FATAL(plan(&m, all_strategies[s], 0, 1, &pl), RAP_OK);
        check_moves(&m, &pl);
        for (size_t i = 0; i < 16; i++) {
            if (m.actors[i].atype == 1)
                CU_ASSERT_TRUE(pl.assign[i] <= 1);
            if (m.actors[i].atype == 2)
                CU_ASSERT_TRUE(pl.assign[i] >= 2);
        }
        CU_ASSERT_NOT_EQUAL(pl.assign[8], 0);
        rap__lb_plan_free(&pl);
    }
    /* Unbounded greedy: type 1 splits 16 | 16, types 2 and 3 fill 2-3. */
    CU_ASSERT_EQUAL_FATAL(plan(&m, "greedy", 0, 0, &pl), RAP_OK);
    CU_ASSERT_EQUAL(rank_load(&m, pl.assign, 0), 16);
    CU_ASSERT_EQUAL(rank_load(&m, pl.assign, 1), 16);
    CU_ASSERT_EQUAL(rank_load(&m, pl.assign, 2), 6);
    CU_ASSERT_EQUAL(rank_load(&m, pl.assign, 3), 6);
    rap__lb_plan_free(&pl);
    /* "off" keeps a valid placement as it is. */
    m.actors[8].rank = 3;
    CU_ASSERT_EQUAL_FATAL(plan(&m, "off", 0, 0, &pl), RAP_OK);
    CU_ASSERT_EQUAL(pl.nmoves, 0);
    CU_ASSERT_EQUAL(pl.bytes_moved, 0);
    CU_ASSERT_EQUAL(memcmp(&pl.before, &pl.after, sizeof(pl.before)), 0);
    rap__lb_plan_free(&pl);
    rap__pmodel_free(&m);
}

/* Ten 1s on rank 0 of 4: the best is 3 | 3 | 2 | 2, seven moves. */
static void move_bound(void)
{
    rap_pmodel m = model(4, 10);
    rap_lb_plan pl;

    for (size_t i = 0; i < 10; i++)
        put(&m, i, 0, 1);
    CU_ASSERT_EQUAL_FATAL(plan(&m, "refine", 0, 0, &pl), RAP_OK);
    CU_ASSERT_EQUAL(pl.nmoves, 7);
    CU_ASSERT_EQUAL(pl.after.max_load, 3);
    rap__lb_plan_free(&pl);
    CU_ASSERT_EQUAL_FATAL(plan(&m, "refine", 0, 3, &pl), RAP_OK);
    CU_ASSERT_EQUAL(pl.nmoves, 3);
    CU_ASSERT_EQUAL(pl.after.max_load, 7); /* 10 - 3: never above before */
    rap__lb_plan_free(&pl);
    for (size_t s = 0; s < RAP_ARRAY_LEN(all_strategies); s++) {
        CU_ASSERT_EQUAL_FATAL(plan(&m, all_strategies[s], 0, 3, &pl), RAP_OK);
        check_moves(&m, &pl);
        CU_ASSERT_TRUE(pl.nmoves <= 3);
        CU_ASSERT_TRUE(pl.after.max_load <= pl.before.max_load);
        if (strcmp(all_strategies[s], "off") != 0)
            CU_ASSERT_EQUAL(pl.nmoves, 3);
        rap__lb_plan_free(&pl);
    }
    rap__pmodel_free(&m);
}

/* A rank with two workers takes twice the load. */
static void capacities(void)
{
    rap_pmodel m = model(2, 3);
    rap_lb_plan pl;

    /* Greedy compares where each actor would finish: 2 on the 2-worker
     * rank 0 (1 < 2), then 2 more there or on rank 1 (both finish at 2:
     * the lower rank), then rank 1 (2 < 3). */
    m.ranks[0].workers = 2;
    for (size_t i = 0; i < 3; i++)
        put(&m, i, 1, 2);
    CU_ASSERT_EQUAL_FATAL(plan(&m, "greedy", 0, 0, &pl), RAP_OK);
    CU_ASSERT_EQUAL(pl.assign[0], 0);
    CU_ASSERT_EQUAL(pl.assign[1], 0);
    CU_ASSERT_EQUAL(pl.assign[2], 1);
    CU_ASSERT_EQUAL(pl.after.max_load, 2);
    rap__lb_plan_free(&pl);
    rap__pmodel_free(&m);

    m = model(2, 30);

    m.ranks[1].workers = 2;
    for (size_t i = 0; i < 30; i++)
        put(&m, i, 0, 1);
    CU_ASSERT_EQUAL_FATAL(plan(&m, "greedy", 0, 0, &pl), RAP_OK);
    CU_ASSERT_EQUAL(rank_load(&m, pl.assign, 0), 10);
    CU_ASSERT_EQUAL(rank_load(&m, pl.assign, 1), 20);
    CU_ASSERT_EQUAL(pl.after.max_load, 10);
    CU_ASSERT_EQUAL(pl.after.imbalance, 1.0);
    CU_ASSERT_EQUAL(pl.before.imbalance, 3.0); /* 30 / (30 / 3 workers) */
    rap__lb_plan_free(&pl);
    CU_ASSERT_EQUAL_FATAL(plan(&m, "refine", 0, 0, &pl), RAP_OK);
    CU_ASSERT_EQUAL(pl.nmoves, 20);
    CU_ASSERT_EQUAL(rank_load(&m, pl.assign, 1), 20);
    rap__lb_plan_free(&pl);
    /* The one-worker rank is the big one now: the load goes the other way. */
    m.ranks[0].workers = 3;
    for (size_t i = 0; i < 30; i++)
        m.actors[i].rank = 1;
    CU_ASSERT_EQUAL_FATAL(plan(&m, "refine", 0, 0, &pl), RAP_OK);
    CU_ASSERT_TRUE(near(rank_load(&m, pl.assign, 0) / 3, rank_load(&m, pl.assign, 1) / 2, 1));
    CU_ASSERT_TRUE(pl.after.imbalance <= 1.05);
    rap__lb_plan_free(&pl);
#ifdef HAVE_METIS
    for (size_t i = 0; i + 1 < 30; i++)
        pair(&m, i, i + 1, 1);
    CU_ASSERT_EQUAL_FATAL(plan(&m, "metis", 0, 0, &pl), RAP_OK);
    CU_ASSERT_TRUE(pl.after.imbalance <= 1.05);
    CU_ASSERT_TRUE(rank_load(&m, pl.assign, 0) >= 17);
    rap__lb_plan_free(&pl);
#endif
    rap__pmodel_free(&m);
}

/* ----------------------------------------------------------------- figures */

static void figures_and_pairs(void)
{
    rap_pmodel m = model(2, 3);
    rap_lb_figures f;
    int assign[3] = { 1, 1, 1 };

    put(&m, 0, 0, 1);
    put(&m, 1, 0, 1);
    put(&m, 2, 1, 2);
    pair(&m, 0, 1, 10);
    pair(&m, 1, 2, 20);
    pair(&m, 2, 1, 10); /* the same pair again: summed */
    pair(&m, 2, 2, 60); /* an actor with itself: never cut */
    CU_ASSERT_EQUAL_FATAL(rap__lb_figures(&m, NULL, &f), RAP_EINVAL);
    for (size_t i = 0; i < 3; i++)
        assign[i] = m.actors[i].rank;
    CU_ASSERT_EQUAL_FATAL(rap__lb_figures(&m, assign, &f), RAP_OK);
    CU_ASSERT_EQUAL(f.cut_bytes, 30);
    CU_ASSERT_EQUAL(f.cut, 0.3);
    CU_ASSERT_EQUAL(f.max_load, 2);
    CU_ASSERT_EQUAL(f.imbalance, 1.0);
    assign[0] = assign[1] = assign[2] = 1;
    CU_ASSERT_EQUAL_FATAL(rap__lb_figures(&m, assign, &f), RAP_OK);
    CU_ASSERT_EQUAL(f.cut, 0);
    CU_ASSERT_EQUAL(f.max_load, 4);
    CU_ASSERT_EQUAL(f.imbalance, 2.0);
    assign[0] = 2;
    CU_ASSERT_EQUAL(rap__lb_figures(&m, assign, &f), RAP_EINVAL);
    rap__pmodel_free(&m);

    /* No load, no bytes: imbalance 1, cut 0; no actors: an empty plan. */
    m = model(3, 0);
    {
        rap_lb_plan pl;
        CU_ASSERT_EQUAL_FATAL(rap__lb_plan(&m, NULL, &pl), RAP_OK);
        CU_ASSERT_EQUAL(pl.nmoves, 0);
        CU_ASSERT_EQUAL(pl.nactors, 0);
        CU_ASSERT_EQUAL(pl.after.imbalance, 1.0);
        CU_ASSERT_EQUAL(pl.after.cut, 0);
        CU_ASSERT_STRING_EQUAL(pl.strategy, "refine");
        rap__lb_plan_free(&pl);
        rap__lb_plan_free(NULL);
    }
    rap__pmodel_free(&m);
}

/* Ids are only names (and break ties by their order): the same model
 * under ids of another shape in the same order (high bits set, low bits
 * alike, as rank:serial ids are) gives the same plans. */
static void ids_of_any_shape(void)
{
    enum { N = 500, P = 7 };
    rap_pmodel a = model(P, N), b = model(P, N);
    uint64_t x = 88172645463325252u;

    for (size_t i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        put(&a, i, (int)(x % 3), (double)(x >> 40 & 1023));
        put(&b, i, (int)(x % 3), (double)(x >> 40 & 1023));
        b.actors[i].aid = (rap_aid)(i / 40 + 1) << RAP_AID_SERIAL_BITS | (rap_aid)(i % 40) << 8;
    }
    for (size_t i = 0; i < N; i++)
        for (size_t d = 1; d <= 3; d++) {
            size_t j = (i * 7 + d * 31) % N;
            pair(&a, i, j, (double)d);
            b.edges = realloc(b.edges, (b.nedges + 1) * sizeof(*b.edges));
            CU_ASSERT_PTR_NOT_NULL_FATAL(b.edges);
            b.edges[b.nedges++] = (rap_pm_edge){
                .a = b.actors[i].aid, .b = b.actors[j].aid, .bytes_per_s = (double)d,
            };
        }
    for (size_t s = 0; s < RAP_ARRAY_LEN(all_strategies); s++) {
        rap_lb_plan pa, pb;
        CU_ASSERT_EQUAL_FATAL(plan(&a, all_strategies[s], 0, 0, &pa), RAP_OK);
        CU_ASSERT_EQUAL_FATAL(plan(&b, all_strategies[s], 0, 0, &pb), RAP_OK);
        CU_ASSERT_EQUAL(memcmp(pa.assign, pb.assign, N * sizeof(*pa.assign)), 0);
        CU_ASSERT_EQUAL(pa.nmoves, pb.nmoves);
        CU_ASSERT_EQUAL(memcmp(&pa.after, &pb.after, sizeof(pa.after)), 0);
        CU_ASSERT_EQUAL(memcmp(&pa.before, &pb.before, sizeof(pa.before)), 0);
        rap__lb_plan_free(&pa);
        rap__lb_plan_free(&pb);
    }
    /* An id of the other model is unknown here. */
    a.edges[5].b = b.actors[9].aid;
    CU_ASSERT_EQUAL(rap__lb_check(&a, NULL, 0), RAP_EINVAL);
    rap__pmodel_free(&a);
    rap__pmodel_free(&b);
}

/* The checked view's adjacency lists (partition/graph.h): each neighbour
 * once, in increasing order, repeats summed, self pairs and pairs of 0
 * bytes left out; a hub's long list given in any order comes out sorted;
 * lists of some actors only. */
static void adjacency_lists(void)
{
    enum { N = 50 };
    rap_pmodel m = model(2, N);
    rap_lb_graph g;
    rap_lb_adj adj;
    uint32_t list[N];
    unsigned char on[2] = { 0, 1 };
    int where[N];

    for (size_t i = 0; i < N; i++)
        put(&m, i, (int)(i % 2), 1);
    for (size_t k = 1; k < N; k++)
        pair(&m, 0, (k * 17) % (N - 1) + 1, (double)k); /* the hub, shuffled */
    pair(&m, 7, 0, 1000);                                /* again, reversed */
    pair(&m, 3, 3, 5);
    pair(&m, 3, 4, 0);
    pair(&m, 4, 5, 2);
    CU_ASSERT_EQUAL_FATAL(rap__lbg_build(&m, &g, NULL, 0), RAP_OK);
    CU_ASSERT_EQUAL(g.total_bytes, 49 * 50 / 2 + 1000 + 5 + 2);
    CU_ASSERT_EQUAL_FATAL(rap__lbg_adjacency(&g, NULL, NULL, NULL, N, &adj), RAP_OK);
    CU_ASSERT_EQUAL_FATAL(adj.xadj[1] - adj.xadj[0], N - 1);
    for (size_t k = adj.xadj[0]; k < adj.xadj[1]; k++) {
        uint32_t j = adj.nbr[k];
        size_t given = 0;
        CU_ASSERT_EQUAL(j, k - adj.xadj[0] + 1);
        for (size_t q = 1; q < N; q++) /* which k gave the pair with j */
            if ((q * 17) % (N - 1) + 1 == j)
                given = q;
        CU_ASSERT_EQUAL(adj.w[k], (double)given + (j == 7 ? 1000 : 0));
    }
    CU_ASSERT_EQUAL(adj.xadj[4] - adj.xadj[3], 1); /* 3: the hub only */
    CU_ASSERT_EQUAL(adj.xadj[5] - adj.xadj[4], 2); /* 4: the hub, then 5 */
    CU_ASSERT_EQUAL(adj.nbr[adj.xadj[4]], 0);
    CU_ASSERT_EQUAL(adj.nbr[adj.xadj[4] + 1], 5);
    CU_ASSERT_EQUAL(adj.w[adj.xadj[4] + 1], 2);

    /* Only the actors on rank 1 (the odd ones), with lists numbered from
     * 0, and actor 5 left without one. */
    for (size_t i = 0; i < N; i++) {
        where[i] = (int)(i % 2);
        list[i] = i % 2 ? (uint32_t)(i / 2) : 12345; /* never read for even i */
    }
    list[5] = RAP_LBG_NONE;
    CU_ASSERT_EQUAL_FATAL(rap__lbg_adjacency(&g, list, on, where, N / 2, &adj), RAP_OK);
    CU_ASSERT_EQUAL(adj.xadj[N / 2], N / 2 - 1);   /* the hub each, but 5 */
    CU_ASSERT_EQUAL(adj.xadj[3] - adj.xadj[2], 0); /* actor 5 */
    CU_ASSERT_EQUAL(adj.xadj[4] - adj.xadj[3], 1); /* actor 7 */
    CU_ASSERT_EQUAL(adj.nbr[adj.xadj[3]], 0);
    CU_ASSERT_EQUAL(adj.w[adj.xadj[3]], 9 + 1000); /* k = 9 gave (0, 7) */
    rap__lbg_free(&g);
    rap__pmodel_free(&m);
}

static void strategy_table(void)
{
    size_t n = 0;

    for (const rap_lb_strategy *s; (s = rap__lb_strategy_at(n)) != NULL; n++)
        CU_ASSERT_PTR_EQUAL(rap__lb_find(s->name), s);
    CU_ASSERT_EQUAL(n, RAP_ARRAY_LEN(all_strategies));
    CU_ASSERT_PTR_NULL(rap__lb_find("rotate"));
    CU_ASSERT_PTR_NULL(rap__lb_find(NULL));
#ifdef HAVE_METIS
    CU_ASSERT_PTR_NOT_NULL(rap__lb_find("metis"));
#else
    CU_ASSERT_PTR_NULL(rap__lb_find("metis"));
#endif
}

/* ------------------------------------------------------------------ METIS */

#ifdef HAVE_METIS
/* Two cliques of 8 chatty actors (1,000 B/s per pair) joined by one 1 B/s
 * pair, on 2 ranks, placed crosswise today (actor i on rank i % 2). */
static rap_pmodel cliques(void)
{
    rap_pmodel m = model(2, 16);

    for (size_t i = 0; i < 16; i++)
        put(&m, i, (int)(i % 2), 1);
    for (size_t c = 0; c < 16; c += 8)
        for (size_t i = c; i < c + 8; i++)
            for (size_t j = i + 1; j < c + 8; j++)
                pair(&m, i, j, 1000);
    pair(&m, 0, 8, 1);
    return m;
}

static void metis_cliques(void)
{
    rap_pmodel m = cliques();
    rap_lb_plan pl, again;
    rap_lb_params p = { .strategy = "metis", .seed = 7 };
    double all = 2 * 28 * 1000 + 1;

    CU_ASSERT_EQUAL_FATAL(rap__lb_plan(&m, &p, &pl), RAP_OK);
    check_moves(&m, &pl);
    for (size_t i = 1; i < 8; i++) {
        CU_ASSERT_EQUAL(pl.assign[i], pl.assign[0]);
        CU_ASSERT_EQUAL(pl.assign[8 + i], pl.assign[8]);
    }
    CU_ASSERT_NOT_EQUAL(pl.assign[0], pl.assign[8]);
    CU_ASSERT_TRUE(near(pl.before.cut, 32 * 1000.0 / all, 1e-12));
    CU_ASSERT_TRUE(near(pl.after.cut, 1 / all, 1e-12));
    CU_ASSERT_EQUAL(pl.after.cut_bytes, 1);
    CU_ASSERT_EQUAL(pl.nmoves, 8); /* each rank keeps its 4 of one clique */
    CU_ASSERT_EQUAL(pl.after.imbalance, 1.0);
    CU_ASSERT_EQUAL_FATAL(rap__lb_plan(&m, &p, &again), RAP_OK);
    CU_ASSERT_EQUAL(memcmp(pl.assign, again.assign, 16 * sizeof(*pl.assign)), 0);
    rap__lb_plan_free(&again);

    /* Placed well already, whichever clique on which rank: nothing moves
     * (METIS numbers its parts its own way; the renaming undoes it). */
    rap__lb_plan_free(&pl);
    for (int side = 0; side < 2; side++) {
        for (size_t i = 0; i < 16; i++)
            m.actors[i].rank = (i < 8) == side;
        CU_ASSERT_EQUAL_FATAL(rap__lb_plan(&m, &p, &pl), RAP_OK);
        CU_ASSERT_EQUAL(pl.nmoves, 0);
        CU_ASSERT_EQUAL(pl.after.cut_bytes, 1);
        rap__lb_plan_free(&pl);
    }
    rap__pmodel_free(&m);
}

/* Without pairs METIS still balances the load. */
static void metis_without_pairs(void)
{
    rap_pmodel m = model(4, 40);
    rap_lb_plan pl;

    for (size_t i = 0; i < 40; i++)
        put(&m, i, 0, (double)(1 + i % 5));
    CU_ASSERT_EQUAL_FATAL(plan(&m, "metis", 0, 0, &pl), RAP_OK);
    check_moves(&m, &pl);
    CU_ASSERT_TRUE(pl.after.imbalance <= 1.05);
    CU_ASSERT_EQUAL(pl.after.cut, 0);
    rap__lb_plan_free(&pl);
    rap__pmodel_free(&m);
}
#endif

/* ------------------------------------------------------------- bad input */

static void expect_invalid(const rap_pmodel *m, const char *what)
{
    rap_lb_plan pl;
    char why[160] = "";

    memset(&pl, 0xa5, sizeof(pl));
    CU_ASSERT_EQUAL(rap__lb_plan(m, NULL, &pl), RAP_EINVAL);
    CU_ASSERT_EQUAL(pl.nmoves, (size_t)0xa5a5a5a5a5a5a5a5u); /* untouched */
    CU_ASSERT_EQUAL(rap__lb_check(m, why, sizeof(why)), RAP_EINVAL);
    if (why[0] == '\0') {
        fprintf(stderr, "rap__lb_check gave no reason for: %s\n", what);
        CU_FAIL("rap__lb_check gave no reason");
    }
}

static void bad_models_refused(void)
{
    static const int r9[] = { 9 };
    rap_pmodel m = model(2, 3);
    rap_lb_plan pl;

    put(&m, 0, 0, 1);
    put(&m, 1, 1, 1);
    put(&m, 2, 1, 1);
    pair(&m, 0, 1, 1);
    CU_ASSERT_EQUAL_FATAL(rap__lb_check(&m, NULL, 0), RAP_OK);

    m.nranks = 0;
    expect_invalid(&m, "nranks 0");
    m.nranks = 2;
    m.actors[1].rank = 2;
    expect_invalid(&m, "rank past the last");
    m.actors[1].rank = -1;
    expect_invalid(&m, "negative rank");
    m.actors[1].rank = 1;
    m.actors[2].load = -1;
    expect_invalid(&m, "negative load");
    m.actors[2].load = NAN;
    expect_invalid(&m, "NaN load");
    m.actors[2].load = INFINITY;
    expect_invalid(&m, "infinite load");
    m.actors[2].load = 1;
    m.actors[2].aid = 1;
    expect_invalid(&m, "an id twice");
    m.actors[2].aid = 0;
    expect_invalid(&m, "id 0");
    m.actors[2].aid = 3;
    m.edges[0].b = 99;
    expect_invalid(&m, "pair with an unknown actor");
    m.edges[0].b = 2;
    m.edges[0].bytes_per_s = -5;
    expect_invalid(&m, "negative bytes");
    m.edges[0].bytes_per_s = NAN;
    expect_invalid(&m, "NaN bytes");
    m.edges[0].bytes_per_s = 1;
    m.ranks[1].workers = 0;
    expect_invalid(&m, "no workers");
    m.ranks[1].workers = 1;
    m.ranks[1].rank = 0;
    expect_invalid(&m, "ranks out of order");
    m.ranks[1].rank = 1;
    CU_ASSERT_EQUAL_FATAL(rap__lb_check(&m, NULL, 0), RAP_OK);

    hosts(&m, 7, NULL, 0); /* no rank may host type 7 */
    CU_ASSERT_EQUAL(rap__lb_check(&m, NULL, 0), RAP_OK); /* no actor has it */
    m.actors[0].atype = 7;
    expect_invalid(&m, "a type no rank may host");
    m.actors[0].atype = 1;
    hosts(&m, 8, r9, 1);
    expect_invalid(&m, "host list names rank 9");
    m.hosts[1].ranks[0] = 1;
    CU_ASSERT_EQUAL(rap__lb_check(&m, NULL, 0), RAP_OK);
    m.actors[0].atype = 8;
    m.actors[0].pinned = true; /* pinned to rank 0, which may not host type 8 */
    expect_invalid(&m, "pinned where it may not run");
    m.actors[0].pinned = false;
    CU_ASSERT_EQUAL_FATAL(plan(&m, "refine", 0, 0, &pl), RAP_OK); /* not pinned: moved */
    CU_ASSERT_EQUAL(pl.assign[0], 1);
    rap__lb_plan_free(&pl);
    m.hosts[1].atype = 7;
    expect_invalid(&m, "two host lists for one type");
    m.hosts[1].atype = 8;
    m.actors[0].atype = 1;

    /* Bad parameters. */
    CU_ASSERT_EQUAL(plan(&m, "rotate", 0, 0, &pl), RAP_EINVAL);
    CU_ASSERT_EQUAL(plan(&m, "refine", -0.1, 0, &pl), RAP_EINVAL);
    CU_ASSERT_EQUAL(plan(&m, "refine", NAN, 0, &pl), RAP_EINVAL);
    {
        rap_lb_params p = { .ubvec = 0.9 };
        CU_ASSERT_EQUAL(rap__lb_plan(&m, &p, &pl), RAP_EINVAL);
    }
    CU_ASSERT_EQUAL(rap__lb_plan(NULL, NULL, &pl), RAP_EINVAL);
    CU_ASSERT_EQUAL(rap__lb_plan(&m, NULL, NULL), RAP_EINVAL);
#ifndef HAVE_METIS
    CU_ASSERT_EQUAL(plan(&m, "metis", 0, 0, &pl), RAP_EINVAL);
#endif
    CU_ASSERT_EQUAL_FATAL(plan(&m, "greedy", 0, 0, &pl), RAP_OK);
    rap__lb_plan_free(&pl);
    rap__pmodel_free(&m);
}

static CU_TestInfo greedy_tests[] = {
    { "known makespans", greedy_known_makespans },
    { "deterministic", greedy_is_deterministic },
    { "order past the sort's prefix", greedy_order_past_the_prefix },
    { "100,000 actors on 1,024 ranks", greedy_at_scale },
    CU_TEST_INFO_NULL,
};

static CU_TestInfo refine_tests[] = {
    { "leaves balance alone", refine_leaves_balance_alone },
    { "fewest moves", refine_fewest_moves },
    { "prefers cut, then small state", refine_prefers_cut_then_small_state },
    { "a target pushed over gives in turn", refine_target_pushed_over },
    { "repeated pairs summed", refine_sums_repeated_pairs },
    CU_TEST_INFO_NULL,
};

static CU_TestInfo rule_tests[] = {
    { "pinned actors stay", pinned_actors_stay },
    { "host lists respected", host_lists_respected },
    { "move bound", move_bound },
    { "capacities", capacities },
    { "figures and pairs", figures_and_pairs },
    { "ids of any shape", ids_of_any_shape },
    { "adjacency lists", adjacency_lists },
    { "strategy table", strategy_table },
    { "bad models refused", bad_models_refused },
    CU_TEST_INFO_NULL,
};

#ifdef HAVE_METIS
static CU_TestInfo metis_tests[] = {
    { "two cliques placed crosswise", metis_cliques },
    { "no pairs", metis_without_pairs },
    CU_TEST_INFO_NULL,
};
#endif

static CU_SuiteInfo suites[] = {
    { .pName = "partition/lb greedy", .pTests = greedy_tests },
    { .pName = "partition/lb refine", .pTests = refine_tests },
    { .pName = "partition/lb rules", .pTests = rule_tests },
#ifdef HAVE_METIS
    { .pName = "partition/lb metis", .pTests = metis_tests },
#endif
    CU_SUITE_INFO_NULL,
};

int main(void) { return rap_test_run(suites); }
