/* partition/refine.c -- the "refine" strategy: keep today's placement and
 * move as few actors as it takes to bring every rank within tolerance.
 *
 * Owns:       nothing between calls.
 * Invariants: only actors on an overloaded rank move (load per worker over
 *             mean x (1 + tolerance), the mean taken over all workers),
 *             besides those on a rank that may not host them; each actor
 *             moves at most once; a move goes to the least loaded rank per
 *             worker that may host the actor, and only when the target's
 *             new load per worker stays below the source's, so the highest
 *             load per worker never rises and every move strictly lowers
 *             the larger of the pair; pinned and zero-load actors stay.
 * Threads:    any.
 * Uses:       partition/strategy.h.
 *
 * Which actor leaves the most overloaded rank, s, for its target t: first
 * one whose load covers s's excess over the threshold and fits under t's
 * (one move settles s): among the LOOK lightest of those, the one with the
 * most bytes per s to actors on t less those to actors on s (communication
 * it takes off the network), then the lightest (the best fit), the
 * smallest state, the lowest id.  Otherwise the heaviest that fits under
 * t's threshold (ties: bytes, state, id), making the most progress per
 * move.  Otherwise one that overloads t but still lowers the pair's larger
 * load per worker: the lowest resulting pair maximum, looked for among the
 * LOOK on each side of the load that would leave the two level.  Each
 * rank's movable actors are sorted once by load, so a step costs a few
 * binary searches and at most 4 x LOOK candidates, however many actors
 * the rank holds.  A rank from which no actor can move
 * is not tried again in this call, which bounds the work: a target only
 * gains load, and a rank that sheds load stays near the threshold, so a
 * move that did not help rarely would later.
 */
#include <stdlib.h>
#include <string.h>

#include "partition/strategy.h"

enum { FITS_ALL = 0, FITS_SOME = 1, OVERLOADS = 2 };

typedef struct cand {
    size_t i;
    int t;
    int cls;       /* FITS_ALL, FITS_SOME, OVERLOADS */
    double w;      /* its load */
    double gain;   /* bytes per s it takes off the network */
    double peak;   /* the pair's larger load per worker after the move */
    uint64_t state;
    rap_aid aid;
    size_t k;      /* its place in its rank's list */
} cand;

/* Whether `x` is a better move than `y`. */
static bool better(const cand *x, const cand *y)
{
    if (x->cls != y->cls)
        return x->cls < y->cls;
    switch (x->cls) {
    case FITS_ALL:
        if (x->gain != y->gain)
            return x->gain > y->gain;
        if (x->w != y->w)
            return x->w < y->w;
        break;
    case FITS_SOME:
        if (x->w != y->w)
            return x->w > y->w;
        if (x->gain != y->gain)
            return x->gain > y->gain;
        break;
    default:
        if (x->peak != y->peak)
            return x->peak < y->peak;
        if (x->gain != y->gain)
            return x->gain > y->gain;
        break;
    }
    if (x->state != y->state)
        return x->state < y->state;
    return x->aid < y->aid;
}

/* A movable actor of the rank it started on, in the order its rank's list
 * keeps: by host group, then heaviest first, then lowest id. */
typedef struct item {
    uint32_t group;
    double load;
    rap_aid aid;
    size_t i;
} item;

static int cmp_item(const void *a, const void *b)
{
    const item *x = a, *y = b;
    if (x->group != y->group)
        return x->group < y->group ? -1 : 1;
    if (x->load != y->load)
        return x->load > y->load ? -1 : 1;
    return (x->aid > y->aid) - (x->aid < y->aid);
}

/* How many actors of a window each choice looks at: enough to prefer the
 * one that cuts fewer bytes among those that fit alike, few enough that a
 * step costs the same on a rank of a million actors. */
#define LOOK 64

typedef struct refine {
    const rap_lb_graph *g;
    int *assign;
    double *load;      /* per rank */
    double *thr;       /* per rank: its overload threshold, absolute */
    item *items;       /* the movable actors, rank by rank */
    size_t nitems;
    size_t *rstart;    /* rank r's items are items[rstart[r] .. rstart[r + 1]) */
    /* Moved items are skipped in O(1) amortised: fwd[k] leads to the first
     * item at or after k still in place (nitems: none), bwd[k + 1] to the
     * last at or before k, plus one (0: none); both with path halving. */
    size_t *fwd, *bwd;
    int *tgt;          /* per group: the target of this step */
    uint32_t *tgt_seen;
    uint32_t step;
} refine;

static size_t root(size_t *up, size_t k)
{
    while (up[k] != k) {
        up[k] = up[up[k]];
        k = up[k];
    }
    return k;
}

/* The first item in place at or after k, or nitems. */
static size_t next_in(refine *x, size_t k)
{
    return root(x->fwd, k);
}

/* The last item in place at or before k, or SIZE_MAX; k may be SIZE_MAX. */
static size_t prev_in(refine *x, size_t k)
{
    return root(x->bwd, k + 1) - 1;
}

static void take_out(refine *x, size_t k)
{
    x->fwd[k] = k + 1;
    x->bwd[k + 1] = k;
}

/* The first item of [lo, hi) with a load at most (or, strict, under) v. */
static size_t first_at_most(const refine *x, size_t lo, size_t hi, double v, bool strict)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        double w = x->items[mid].load;
        if (strict ? w < v : w <= v)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* The least loaded rank per worker of group `grp` other than `s` (ties: the
 * lower rank), -1 if none; computed once per group and step. */
static int target(refine *x, uint32_t grp, int s)
{
    const rap_lb_graph *g = x->g;
    int best = -1;
    double best_u = 0;

    if (x->tgt_seen[grp] == x->step)
        return x->tgt[grp];
    for (int r = 0; r < g->nranks; r++) {
        double u;
        if (r == s || !rap__lbg_group_has(g, grp, r))
            continue;
        u = x->load[r] / g->cap[r];
        if (best < 0 || u < best_u) {
            best = r;
            best_u = u;
        }
    }
    x->tgt_seen[grp] = x->step;
    x->tgt[grp] = best;
    return best;
}

/* Weigh moving item k from s to t against *best. */
static void consider(refine *x, int s, int t, size_t k, cand *best, bool *found)
{
    const rap_lb_graph *g = x->g;
    const rap_pm_actor *a = &g->m->actors[x->items[k].i];
    size_t i = x->items[k].i;
    double w = a->load, us = x->load[s] / g->cap[s];
    double nt = (x->load[t] + w) / g->cap[t], ns = (x->load[s] - w) / g->cap[s];
    cand c;

    if (!(nt < us))
        return;
    c = (cand){
        .i = i, .t = t, .w = w, .state = a->state_bytes, .aid = a->aid,
        .peak = nt > ns ? nt : ns,
        .gain = rap__lbg_bytes_to(g, x->assign, i, t) - rap__lbg_bytes_to(g, x->assign, i, s),
        .k = k,
    };
    if (x->load[t] + w <= x->thr[t])
        c.cls = w >= x->load[s] - x->thr[s] ? FITS_ALL : FITS_SOME;
    else
        c.cls = OVERLOADS;
    if (!*found || better(&c, best)) {
        *best = c;
        *found = true;
    }
}

/* The best move off rank s, if any.  Per host group of its actors, with t
 * the group's target: the LOOK lightest that still cover the excess and
 * fit under t's threshold; the heaviest under both (and those as heavy);
 * and the LOOK on each side of the load that would leave s and t level,
 * among those that overload t but still lower the pair's maximum. */
static bool best_move(refine *x, int s, cand *best_out)
{
    const rap_lb_graph *g = x->g;
    double ls = x->load[s], excess = ls - x->thr[s];
    size_t lo = x->rstart[s], end = x->rstart[s + 1];
    bool found = false;
    cand best = { 0 };

    while (lo < end) {
        uint32_t grp = x->items[lo].group;
        size_t hi = lo + 1, k, p, q, n;
        double room, cap_ok, level;
        int t;

        while (hi < end && x->items[hi].group == grp)
            hi++;
        t = target(x, grp, s);
        if (t < 0) {
            lo = hi;
            continue;
        }
        room = x->thr[t] - x->load[t];
        cap_ok = ls / g->cap[s] * g->cap[t] - x->load[t]; /* loads under this keep nt < us */
        /* Covers the excess and fits: loads in [excess, room]. */
        p = first_at_most(x, lo, hi, room, false);
        q = first_at_most(x, lo, hi, excess, true);
        for (k = prev_in(x, q - 1), n = 0; k != SIZE_MAX && k >= p && n < LOOK;
             k = prev_in(x, k - 1), n++)
            consider(x, s, t, k, &best, &found);
        /* Fits, covers part: the heaviest load under both, and its equals. */
        p = first_at_most(x, lo, hi, room, false);
        if (q > p)
            p = q;
        k = next_in(x, p);
        if (k < hi) {
            double heaviest = x->items[k].load;
            for (n = 0; k < hi && n < LOOK && x->items[k].load == heaviest;
                 k = next_in(x, k + 1), n++)
                consider(x, s, t, k, &best, &found);
        }
        /* Overloads t: around the level load, within (room, cap_ok). */
        level = (ls * g->cap[t] - x->load[t] * g->cap[s]) / (g->cap[s] + g->cap[t]);
        p = first_at_most(x, lo, hi, cap_ok, true);
        q = first_at_most(x, lo, hi, room, false);
        k = first_at_most(x, lo, hi, level, false);
        if (k < p)
            k = p;
        if (k > q)
            k = q;
        {
            size_t mid = k;
            for (k = next_in(x, mid), n = 0; k < q && n < LOOK; k = next_in(x, k + 1), n++)
                consider(x, s, t, k, &best, &found);
            for (k = prev_in(x, mid - 1), n = 0; k != SIZE_MAX && k >= p && n < LOOK;
                 k = prev_in(x, k - 1), n++)
                consider(x, s, t, k, &best, &found);
        }
        lo = hi;
    }
    if (found)
        *best_out = best;
    return found;
}

int rap__lb_refine_pass(const rap_lb_graph *g, double tolerance, size_t max_moves, int *assign)
{
    size_t nr = (size_t)g->nranks, n = g->n, moves = 0;
    const rap_pm_actor *a = g->m->actors;
    refine x = { .g = g, .assign = assign };
    unsigned char *stuck = calloc(nr, 1), *forced = calloc(n + 1, 1);
    size_t *fill = malloc((nr + 1) * sizeof(*fill));
    double mean = g->total_cap > 0 ? g->total_load / g->total_cap : 0;
    int rc = RAP_ENOMEM;

    x.load = malloc(nr * sizeof(*x.load));
    x.thr = malloc(nr * sizeof(*x.thr));
    x.items = malloc((n + 1) * sizeof(*x.items));
    x.rstart = calloc(nr + 1, sizeof(*x.rstart));
    x.fwd = malloc((n + 1) * sizeof(*x.fwd));
    x.bwd = malloc((n + 2) * sizeof(*x.bwd));
    x.tgt = malloc(g->ngroups * sizeof(*x.tgt));
    x.tgt_seen = calloc(g->ngroups, sizeof(*x.tgt_seen));
    if (stuck == NULL || forced == NULL || fill == NULL || x.load == NULL || x.thr == NULL ||
        x.items == NULL || x.rstart == NULL || x.fwd == NULL || x.bwd == NULL || x.tgt == NULL ||
        x.tgt_seen == NULL)
        goto out;
    rc = RAP_OK;
    rap__lbg_rank_loads(g, assign, x.load);
    for (size_t r = 0; r < nr; r++)
        x.thr[r] = mean * (1 + tolerance) * g->cap[r];

    /* Actors where they may not run move first, whatever the bound. */
    for (size_t i = 0; i < n; i++) {
        int t;
        if (a[i].pinned || rap__lbg_may_host(g, i, assign[i]))
            continue;
        x.load[assign[i]] -= a[i].load;
        t = rap__lbg_best_rank(g, g->group[i], x.load, a[i].load);
        assign[i] = t;
        x.load[t] += a[i].load;
        forced[i] = 1;
    }

    /* The others that may move, rank by rank, each rank's list sorted. */
    for (size_t i = 0; i < n; i++)
        if (!forced[i] && !a[i].pinned && a[i].load > 0)
            x.rstart[assign[i] + 1]++;
    for (size_t r = 0; r < nr; r++)
        x.rstart[r + 1] += x.rstart[r];
    x.nitems = x.rstart[nr];
    memcpy(fill, x.rstart, nr * sizeof(*fill));
    for (size_t i = 0; i < n; i++)
        if (!forced[i] && !a[i].pinned && a[i].load > 0)
            x.items[fill[assign[i]]++] = (item){
                .group = g->group[i], .load = a[i].load, .aid = a[i].aid, .i = i,
            };
    for (size_t r = 0; r < nr; r++)
        qsort(&x.items[x.rstart[r]], x.rstart[r + 1] - x.rstart[r], sizeof(*x.items), cmp_item);
    for (size_t k = 0; k <= x.nitems; k++)
        x.fwd[k] = k;
    for (size_t k = 0; k <= x.nitems + 1; k++)
        x.bwd[k] = k;

    while (max_moves == 0 || moves < max_moves) {
        int s = -1;
        cand c;

        for (int r = 0; r < g->nranks; r++)
            if (!stuck[r] && x.load[r] > x.thr[r] &&
                (s < 0 || x.load[r] / g->cap[r] > x.load[s] / g->cap[s]))
                s = r;
        if (s < 0)
            break;
        x.step++;
        if (!best_move(&x, s, &c)) {
            stuck[s] = 1;
            continue;
        }
        assign[c.i] = c.t;
        x.load[s] -= c.w;
        x.load[c.t] += c.w;
        take_out(&x, c.k);
        moves++;
    }
out:
    free(x.tgt_seen);
    free(x.tgt);
    free(x.bwd);
    free(x.fwd);
    free(x.rstart);
    free(x.items);
    free(x.thr);
    free(x.load);
    free(fill);
    free(forced);
    free(stuck);
    return rc;
}

static int run(const rap_lb_graph *g, const rap_lb_params *p, int *assign)
{
    return rap__lb_refine_pass(g, p->tolerance, p->max_moves, assign);
}

const rap_lb_strategy rap__lb_refine = {
    .name = "refine",
    .summary = "move the fewest actors off overloaded ranks, today's placement kept",
    .bounded = true,
    .run = run,
};
