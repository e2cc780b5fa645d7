/* partition/lb.c -- see lb.h: the strategies' table, the parameters'
 * defaults, the move bound for strategies that do not keep it themselves,
 * the figures and the plan.
 *
 * Owns:       the table of built-in strategies (static, read-only).
 * Invariants: a strategy sees checked parameters (defaults filled in) and
 *             a checked model; whatever it returns, the plan is built from
 *             its placement by this file alone, so every strategy reports
 *             the same figures the same way.
 * Threads:    any.
 * Uses:       partition/strategy.h, util/clock.h, util/fatal.h.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "partition/lb.h"
#include "partition/strategy.h"
#include "util/clock.h"
#include "util/fatal.h"

static int run_off(const rap_lb_graph *g, const rap_lb_params *p, int *assign)
{
    (void)g;
    (void)p;
    (void)assign;
    return RAP_OK;
}

static const rap_lb_strategy lb_off = {
    .name = "off",
    .summary = "keep today's placement: no moves",
    .bounded = true,
    .run = run_off,
};

static const rap_lb_strategy *const strategies[] = {
    &rap__lb_refine,
    &rap__lb_greedy,
#ifdef HAVE_METIS
    &rap__lb_metis,
#endif
    &lb_off,
};

void rap__lb_params_init(rap_lb_params *p)
{
    memset(p, 0, sizeof(*p));
    p->strategy = "refine";
    p->tolerance = RAP_LB_TOLERANCE;
    p->ubvec = RAP_LB_UBVEC;
}

const rap_lb_strategy *rap__lb_find(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < RAP_ARRAY_LEN(strategies); i++)
        if (strcmp(strategies[i]->name, name) == 0)
            return strategies[i];
    return NULL;
}

const rap_lb_strategy *rap__lb_strategy_at(size_t i)
{
    return i < RAP_ARRAY_LEN(strategies) ? strategies[i] : NULL;
}

/* The parameters with their defaults, checked, and their strategy. */
static int resolve(const rap_lb_params *in, rap_lb_params *out, const rap_lb_strategy **s_out)
{
    rap_lb_params p;
    const rap_lb_strategy *s;

    rap__lb_params_init(&p);
    if (in != NULL) {
        if (in->strategy != NULL)
            p.strategy = in->strategy;
        if (in->tolerance != 0)
            p.tolerance = in->tolerance;
        if (in->ubvec != 0)
            p.ubvec = in->ubvec;
        p.max_moves = in->max_moves;
        p.seed = in->seed;
    }
    if (!isfinite(p.tolerance) || p.tolerance < 0 || !isfinite(p.ubvec) || p.ubvec < 1)
        return RAP_EINVAL;
    s = rap__lb_find(p.strategy);
    if (s == NULL)
        return RAP_EINVAL;
    *out = p;
    *s_out = s;
    return RAP_OK;
}

/* ------------------------------------------------------------- figures */

/* The figures of placement `assign` (NULL: the model's own, whose cut the
 * graph summed as it resolved the pairs); `load` is scratch of nranks. */
static void figures(const rap_lb_graph *g, const int *assign, double *load, rap_lb_figures *f)
{
    double peak = 0, cut;

    rap__lbg_rank_loads(g, assign, load);
    for (int r = 0; r < g->nranks; r++)
        if (load[r] / g->cap[r] > peak)
            peak = load[r] / g->cap[r];
    cut = assign != NULL ? rap__lbg_cut(g, assign) : g->cut_today;
    f->max_load = peak;
    f->imbalance = g->total_load > 0 ? peak / (g->total_load / g->total_cap) : 1.0;
    f->cut_bytes = cut;
    f->cut = g->total_bytes > 0 ? cut / g->total_bytes : 0;
}

int rap__lb_figures(const rap_pmodel *m, const int *assign, rap_lb_figures *fig_out)
{
    rap_lb_graph g;
    double *load;
    int rc;

    if (assign == NULL || fig_out == NULL)
        return RAP_EINVAL;
    rc = rap__lbg_build(m, &g, NULL, 0);
    if (rc != RAP_OK)
        return rc;
    for (size_t i = 0; i < g.n; i++)
        if (assign[i] < 0 || assign[i] >= g.nranks) {
            rc = RAP_EINVAL;
            goto free_graph;
        }
    load = malloc((size_t)g.nranks * sizeof(*load));
    if (load == NULL) {
        rc = RAP_ENOMEM;
        goto free_graph;
    }
    figures(&g, assign, load, fig_out);
    free(load);
free_graph:
    rap__lbg_free(&g);
    return rc;
}

int rap__lb_check(const rap_pmodel *m, char *why, size_t len)
{
    rap_lb_graph g;
    int rc = rap__lbg_build(m, &g, why, len);

    if (rc == RAP_OK)
        rap__lbg_free(&g);
    return rc;
}

/* ---------------------------------------------------------- move bound */

typedef struct bound_item {
    bool forced;
    double load;
    rap_aid aid;
    size_t i;
} bound_item;

static int cmp_bound(const void *a, const void *b)
{
    const bound_item *x = a, *y = b;
    if (x->forced != y->forced)
        return x->forced ? -1 : 1;
    if (x->load != y->load)
        return x->load > y->load ? -1 : 1;
    return (x->aid > y->aid) - (x->aid < y->aid);
}

/* Keep at most `max` of the moves from today's placement to `assign`
 * (besides forced ones), as rap__lb_plan says; `load` is scratch of
 * nranks. */
static int bound(const rap_lb_graph *g, size_t max, int *assign, double *load)
{
    const rap_pm_actor *a = g->m->actors;
    bound_item *items;
    int *next;
    size_t n = 0, forced = 0, kept = 0, budget;
    double peak = 0;

    for (size_t i = 0; i < g->n; i++)
        n += assign[i] != a[i].rank;
    if (n <= max)
        return RAP_OK;
    items = rap__lbg_alloc(g, n * sizeof(*items));
    next = rap__lbg_alloc(g, (g->n + 1) * sizeof(*next));
    if (items == NULL || next == NULL)
        return RAP_ENOMEM;
    n = 0;
    for (size_t i = 0; i < g->n; i++) {
        next[i] = a[i].rank;
        if (assign[i] == a[i].rank)
            continue;
        items[n] = (bound_item){
            .forced = !rap__lbg_may_host(g, i, a[i].rank), .load = a[i].load, .aid = a[i].aid,
            .i = i,
        };
        forced += items[n].forced;
        n++;
    }
    qsort(items, n, sizeof(*items), cmp_bound);
    rap__lbg_rank_loads(g, NULL, load);
    for (size_t k = 0; k < forced; k++) {
        size_t i = items[k].i;
        load[a[i].rank] -= a[i].load;
        load[assign[i]] += a[i].load;
        next[i] = assign[i];
    }
    for (int r = 0; r < g->nranks; r++)
        if (load[r] / g->cap[r] > peak)
            peak = load[r] / g->cap[r];
    budget = max > forced ? max - forced : 0;
    for (size_t k = forced; k < n && kept < budget; k++) {
        size_t i = items[k].i;
        int t = assign[i];
        if ((load[t] + a[i].load) / g->cap[t] > peak)
            continue;
        load[a[i].rank] -= a[i].load;
        load[t] += a[i].load;
        next[i] = t;
        kept++;
    }
    memcpy(assign, next, g->n * sizeof(*assign));
    return RAP_OK;
}

/* ---------------------------------------------------------------- plan */

int rap__lb_plan(const rap_pmodel *m, const rap_lb_params *params, rap_lb_plan *plan_out)
{
    uint64_t t0 = rap__now_ns();
    const rap_lb_strategy *s;
    const rap_pm_actor *a;
    rap_lb_params p;
    rap_lb_graph g;
    rap_lb_plan plan = { 0 };
    double *load;
    int rc;

    if (m == NULL || plan_out == NULL)
        return RAP_EINVAL;
    rc = resolve(params, &p, &s);
    if (rc != RAP_OK)
        return rc;
    rc = rap__lbg_build(m, &g, NULL, 0);
    if (rc != RAP_OK)
        return rc;
    a = m->actors;
    rc = RAP_ENOMEM;
    load = malloc((size_t)g.nranks * sizeof(*load));
    plan.assign = malloc((g.n + 1) * sizeof(*plan.assign));
    if (load == NULL || plan.assign == NULL)
        goto fail;
    for (size_t i = 0; i < g.n; i++)
        plan.assign[i] = a[i].rank;

    rc = s->run(&g, &p, plan.assign);
    if (rc != RAP_OK)
        goto fail;
    if (!s->bounded && p.max_moves > 0) {
        rc = bound(&g, p.max_moves, plan.assign, load);
        if (rc != RAP_OK)
            goto fail;
    }
    for (size_t i = 0; i < g.n; i++) {
        RAP_ASSERT(plan.assign[i] >= 0 && plan.assign[i] < g.nranks);
        RAP_ASSERT(!a[i].pinned || plan.assign[i] == a[i].rank);
        RAP_ASSERT(plan.assign[i] == a[i].rank || rap__lbg_may_host(&g, i, plan.assign[i]));
        plan.nmoves += plan.assign[i] != a[i].rank;
    }

    rc = RAP_ENOMEM;
    plan.moves = malloc((plan.nmoves + 1) * sizeof(*plan.moves));
    if (plan.moves == NULL)
        goto fail;
    plan.nmoves = 0;
    for (size_t i = 0; i < g.n; i++) {
        if (plan.assign[i] == a[i].rank)
            continue;
        plan.moves[plan.nmoves++] = (rap_lb_move){
            .aid = a[i].aid, .from = a[i].rank, .to = plan.assign[i],
        };
        plan.bytes_moved += a[i].state_bytes;
    }
    figures(&g, NULL, load, &plan.before);
    figures(&g, plan.assign, load, &plan.after);
    plan.strategy = s->name;
    plan.nactors = g.n;
    free(load);
    rap__lbg_free(&g);
    plan.decision_ns = rap__now_ns() - t0;
    *plan_out = plan;
    return RAP_OK;

fail:
    free(plan.moves);
    free(plan.assign);
    free(load);
    rap__lbg_free(&g);
    return rc;
}

void rap__lb_plan_free(rap_lb_plan *plan)
{
    if (plan == NULL)
        return;
    free(plan->assign);
    free(plan->moves);
    memset(plan, 0, sizeof(*plan));
}
