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
 * the rank holds; the most overloaded rank and each group's least loaded
 * come from tournament trees over the ranks, a move replaying two leaves
 * of each (O(log P), not a scan of the ranks).  A rank from which no
 * actor can move is not tried again in this call, which bounds the work:
 * a target only gains load, and a rank that sheds load stays near the
 * threshold, so a move that did not help rarely would later.
 *
 * Only a rank that is over its threshold gives actors, so a rank's list
 * and its actors' adjacency lists (for the bytes) are built when it first
 * is: at the start for the ranks overloaded then, and should a target be
 * pushed over later, for all the other ranks at once (so at most two
 * builds).  A rank's list has a sentinel after it, so that the skip
 * structure of one rank never reads another's, and the arrays of the
 * ranks never built are never touched.
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
    uint32_t i;        /* the actor */
    double load;
    rap_aid aid;
    uint32_t list;     /* its adjacency list */
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
    item *items;       /* the movable actors, rank by rank, each rank's
                          list followed by a sentinel slot */
    size_t *rstart;    /* rank r's items are items[rstart[r] .. rstart[r + 1] - 1) */
    unsigned char *built; /* per rank: its list is built and sorted */
    unsigned char *skip;  /* per actor, or NULL: forced or moved, not an item */
    uint32_t *list;    /* per actor on a built rank: its adjacency list, or
                          RAP_LBG_NONE */
    rap_lb_adj adj;    /* the lists of the built ranks' items */
    /* Moved items are skipped in O(1) amortised: fwd[k] leads to the first
     * item at or after k still in place (the sentinel: none), bwd[k + 1] to
     * the last at or before k, plus one (the rank's first slot: none);
     * both with path halving. */
    size_t *fwd, *bwd;
    int *tgt;          /* per group: the target of this step */
    uint32_t *tgt_seen;
    uint32_t step;
    unsigned char *stuck; /* per rank: no actor can leave it */
    /* Tournament trees over the ranks (leaves from `leaves` on; a node holds
     * the better rank of its two children, -1 for none): `over` keeps the
     * most loaded rank per worker over its threshold and not stuck, and
     * least[grp], made when group grp first needs a target, the least
     * loaded rank per worker of the group; ties go to the lower rank, as a
     * scan in rank order finds them. */
    int leaves;
    int *over;
    int **least;
} refine;

static size_t root(size_t *up, size_t k)
{
    while (up[k] != k) {
        up[k] = up[up[k]];
        k = up[k];
    }
    return k;
}

/* The first item in place at or after k, or its rank's sentinel. */
static size_t next_in(refine *x, size_t k)
{
    return root(x->fwd, k);
}

/* The last item in place at or before k, or one before its rank's first
 * (SIZE_MAX for rank 0's); k may be SIZE_MAX. */
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

/* ------------------------------------------------------------ the trees */

static double per_worker(const refine *x, int r)
{
    return x->load[r] / x->g->cap[r];
}

/* The more loaded of ranks a and b per worker (ties: the lower), either
 * possibly -1 (none). */
static int more_loaded(const refine *x, int a, int b)
{
    double ua, ub;

    if (a < 0 || b < 0)
        return a < 0 ? b : a;
    ua = per_worker(x, a);
    ub = per_worker(x, b);
    if (ua != ub)
        return ua > ub ? a : b;
    return a < b ? a : b;
}

static int less_loaded(const refine *x, int a, int b)
{
    double ua, ub;

    if (a < 0 || b < 0)
        return a < 0 ? b : a;
    ua = per_worker(x, a);
    ub = per_worker(x, b);
    if (ua != ub)
        return ua < ub ? a : b;
    return a < b ? a : b;
}

static bool overloaded(const refine *x, int r)
{
    return !x->stuck[r] && x->load[r] > x->thr[r];
}

/* Set rank r's leaf of tree `t` (`over` when `most`, else a `least`) to
 * `v` (r or -1) and replay its matches up to the root. */
static void tree_set(refine *x, int *t, bool most, int r, int v)
{
    size_t k = (size_t)x->leaves + (size_t)r;

    t[k] = v;
    for (k /= 2; k >= 1; k /= 2)
        t[k] = most ? more_loaded(x, t[2 * k], t[2 * k + 1])
                    : less_loaded(x, t[2 * k], t[2 * k + 1]);
}

/* Fill tree `t` from its leaves (t[leaves ..] set). */
static void tree_play(refine *x, int *t, bool most)
{
    for (size_t k = (size_t)x->leaves - 1; k >= 1; k--)
        t[k] = most ? more_loaded(x, t[2 * k], t[2 * k + 1])
                    : less_loaded(x, t[2 * k], t[2 * k + 1]);
}

/* Ranks s and t changed load (and s may be stuck): replay their leaves. */
static void trees_update(refine *x, int s, int t)
{
    const rap_lb_graph *g = x->g;

    tree_set(x, x->over, true, s, overloaded(x, s) ? s : -1);
    if (t >= 0)
        tree_set(x, x->over, true, t, overloaded(x, t) ? t : -1);
    for (uint32_t grp = 0; grp < g->ngroups; grp++) {
        if (x->least[grp] == NULL)
            continue;
        if (rap__lbg_group_has(g, grp, s))
            tree_set(x, x->least[grp], false, s, s);
        if (t >= 0 && rap__lbg_group_has(g, grp, t))
            tree_set(x, x->least[grp], false, t, t);
    }
}

/* The least loaded rank per worker of group `grp` other than `s` (ties: the
 * lower rank), -1 if none; computed once per group and step: the best of
 * the subtrees beside s's path to the root. */
static int target(refine *x, uint32_t grp, int s)
{
    const rap_lb_graph *g = x->g;
    int best = -1, *t;

    if (x->tgt_seen[grp] == x->step)
        return x->tgt[grp];
    t = x->least[grp];
    if (t == NULL) {
        t = malloc(2 * (size_t)x->leaves * sizeof(*t));
        if (t == NULL)
            return -2;
        for (int r = 0; r < x->leaves; r++)
            t[x->leaves + r] = r < g->nranks && rap__lbg_group_has(g, grp, r) ? r : -1;
        tree_play(x, t, false);
        x->least[grp] = t;
    }
    for (size_t k = (size_t)x->leaves + (size_t)s; k > 1; k /= 2)
        best = less_loaded(x, best, t[k ^ 1]);
    x->tgt_seen[grp] = x->step;
    x->tgt[grp] = best;
    return best;
}

/* Weigh moving item k from s to t against *best. */
static void consider(refine *x, int s, int t, size_t k, cand *best, bool *found)
{
    const rap_lb_graph *g = x->g;
    const rap_pm_actor *a = &g->m->actors[x->items[k].i];
    size_t i = x->items[k].i, l = x->items[k].list;
    double w = a->load, us = x->load[s] / g->cap[s];
    double nt = (x->load[t] + w) / g->cap[t], ns = (x->load[s] - w) / g->cap[s];
    double to_t = 0, to_s = 0;
    cand c;

    if (!(nt < us))
        return;
    /* Bytes to neighbours on t and on s, each summed in the list's order. */
    for (size_t q = x->adj.xadj[l]; q < x->adj.xadj[l + 1]; q++) {
        int r = x->assign[x->adj.nbr[q]];
        if (r == t)
            to_t += x->adj.w[q];
        else if (r == s)
            to_s += x->adj.w[q];
    }
    c = (cand){
        .i = i, .t = t, .w = w, .state = a->state_bytes, .aid = a->aid,
        .peak = nt > ns ? nt : ns, .gain = to_t - to_s, .k = k,
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

/* The best move off rank s into *best_out: 1, or 0 if none (-1: out of
 * memory).  Per host group of its actors, with t the group's target: the
 * LOOK lightest that still cover the excess and fit under t's threshold;
 * the heaviest under both (and those as heavy); and the LOOK on each side
 * of the load that would leave s and t level, among those that overload t
 * but still lower the pair's maximum. */
static int best_move(refine *x, int s, cand *best_out)
{
    const rap_lb_graph *g = x->g;
    double ls = x->load[s], excess = ls - x->thr[s];
    size_t lo = x->rstart[s], end = x->rstart[s + 1] - 1;
    bool found = false;
    cand best = { 0 };

    while (lo < end) {
        uint32_t grp = x->items[lo].group;
        size_t hi = lo + 1, k, p, q, n;
        double room, cap_ok, level;
        int t;

        /* The group's items end at the first of a higher group. */
        for (size_t top = end; hi < top;) {
            size_t mid = hi + (top - hi) / 2;
            if (x->items[mid].group == grp)
                hi = mid + 1;
            else
                top = mid;
        }
        t = target(x, grp, s);
        if (t == -2)
            return -1;
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
    return found ? 1 : 0;
}

/* Whether actor i is one of the items: it may move and has load. */
static bool movable(const refine *x, size_t i)
{
    const rap_pm_actor *a = &x->g->m->actors[i];
    return !a->pinned && a->load > 0 && (x->skip == NULL || !x->skip[i]);
}

/* Build the lists of the ranks `want` names (none built yet), and the
 * adjacency lists of every built rank's items anew. */
static int build(refine *x, const unsigned char *want)
{
    const rap_lb_graph *g = x->g;
    const rap_pm_actor *a = g->m->actors;
    size_t nr = (size_t)g->nranks, nlists = 0;
    size_t *fill = malloc((nr + 1) * sizeof(*fill));
    rap_lb_adj adj;
    int rc;

    if (fill == NULL)
        return RAP_ENOMEM;
    for (size_t r = 0; r < nr; r++)
        fill[r] = x->rstart[r];
    for (size_t i = 0; i < g->n; i++) {
        int r = x->assign[i];
        if (!want[r])
            continue;
        x->list[i] = RAP_LBG_NONE;
        if (movable(x, i))
            x->items[fill[r]++] = (item){
                .group = rap__lbg_group(g, i), .i = (uint32_t)i, .load = a[i].load,
                .aid = a[i].aid,
            };
    }
    free(fill);
    for (size_t r = 0; r < nr; r++) {
        size_t lo = x->rstart[r], hi = x->rstart[r + 1] - 1;
        if (!want[r])
            continue;
        qsort(&x->items[lo], hi - lo, sizeof(*x->items), cmp_item);
        for (size_t k = lo; k <= hi; k++)
            x->fwd[k] = x->bwd[k] = k;
        x->built[r] = 1;
    }
    /* Number the lists of every built rank's items, moved ones too (their
     * lists are not read again, and numbering them keeps this simple). */
    for (size_t r = 0; r < nr; r++) {
        if (!x->built[r])
            continue;
        for (size_t k = x->rstart[r]; k < x->rstart[r + 1] - 1; k++) {
            x->items[k].list = (uint32_t)nlists++;
            x->list[x->items[k].i] = x->items[k].list;
        }
    }
    rc = rap__lbg_adjacency(g, x->list, x->built, x->assign, nlists, &adj);
    if (rc != RAP_OK)
        return rc;
    x->adj = adj; /* the lists it replaces stay in the work memory */
    return RAP_OK;
}

/* Build every rank not built yet: a target was pushed over its threshold.
 * The items that moved are not items of where they went. */
static int build_rest(refine *x)
{
    size_t nr = (size_t)x->g->nranks;
    unsigned char *want = malloc(nr);
    int rc = RAP_ENOMEM;

    if (x->skip == NULL && (x->skip = rap__lbg_alloc(x->g, x->g->n + 1)) != NULL)
        memset(x->skip, 0, x->g->n + 1);
    if (want == NULL || x->skip == NULL)
        goto out;
    for (size_t r = 0; r < nr; r++) {
        want[r] = !x->built[r];
        if (!x->built[r])
            continue;
        for (size_t k = x->rstart[r]; k < x->rstart[r + 1] - 1; k++)
            if (next_in(x, k) != k)
                x->skip[x->items[k].i] = 1;
    }
    rc = build(x, want);
out:
    free(want);
    return rc;
}

int rap__lb_refine_pass(const rap_lb_graph *g, double tolerance, size_t max_moves, int *assign)
{
    size_t nr = (size_t)g->nranks, n = g->n, moves = 0, slots;
    const rap_pm_actor *a = g->m->actors;
    refine x = { .g = g, .assign = assign };
    unsigned char *want = calloc(nr + 1, 1);
    double mean = g->total_cap > 0 ? g->total_load / g->total_cap : 0;
    bool any = false;
    int rc = RAP_ENOMEM;

    x.load = malloc(nr * sizeof(*x.load));
    x.thr = malloc(nr * sizeof(*x.thr));
    x.rstart = calloc(nr + 1, sizeof(*x.rstart));
    x.built = calloc(nr + 1, 1);
    x.tgt = malloc(g->ngroups * sizeof(*x.tgt));
    x.tgt_seen = calloc(g->ngroups, sizeof(*x.tgt_seen));
    x.stuck = calloc(nr, 1);
    x.least = calloc(g->ngroups, sizeof(*x.least));
    for (x.leaves = 1; x.leaves < g->nranks; x.leaves *= 2)
        ;
    x.over = malloc(2 * (size_t)x.leaves * sizeof(*x.over));
    if (want == NULL || x.load == NULL || x.thr == NULL || x.rstart == NULL || x.built == NULL ||
        x.tgt == NULL || x.tgt_seen == NULL || x.stuck == NULL || x.least == NULL ||
        x.over == NULL)
        goto out;
    rap__lbg_rank_loads(g, assign, x.load);
    for (size_t r = 0; r < nr; r++)
        x.thr[r] = mean * (1 + tolerance) * g->cap[r];

    /* Actors where they may not run move first, whatever the bound (with
     * one group, which every rank is in, none can be). */
    for (size_t i = 0; g->ngroups > 1 && i < n; i++) {
        int t;
        if (a[i].pinned || rap__lbg_may_host(g, i, assign[i]))
            continue;
        if (x.skip == NULL) {
            x.skip = rap__lbg_alloc(g, n + 1);
            if (x.skip == NULL)
                goto out;
            memset(x.skip, 0, n + 1);
        }
        x.load[assign[i]] -= a[i].load;
        t = rap__lbg_best_rank(g, rap__lbg_group(g, i), x.load, a[i].load);
        assign[i] = t;
        x.load[t] += a[i].load;
        x.skip[i] = 1;
    }

    /* Where each rank's list goes (with a sentinel after it); the lists
     * themselves are built when their rank is first over its threshold. */
    for (size_t r = 0; r < nr; r++) {
        want[r] = x.load[r] > x.thr[r];
        any |= want[r];
    }
    rc = RAP_OK;
    if (!any)
        goto out;
    for (size_t i = 0; i < n; i++)
        if (movable(&x, i))
            x.rstart[assign[i] + 1]++;
    for (size_t r = 0; r < nr; r++)
        x.rstart[r + 1] += x.rstart[r] + 1;
    slots = x.rstart[nr];
    rc = RAP_ENOMEM;
    /* Work memory, touched only where a rank is built. */
    x.items = rap__lbg_alloc(g, (slots + 1) * sizeof(*x.items));
    x.fwd = rap__lbg_alloc(g, (slots + 1) * sizeof(*x.fwd));
    x.bwd = rap__lbg_alloc(g, (slots + 1) * sizeof(*x.bwd));
    x.list = rap__lbg_alloc(g, (n + 1) * sizeof(*x.list));
    if (x.items == NULL || x.fwd == NULL || x.bwd == NULL || x.list == NULL)
        goto out;
    rc = build(&x, want);
    if (rc != RAP_OK)
        goto out;
    for (int r = 0; r < x.leaves; r++)
        x.over[x.leaves + r] = r < g->nranks && overloaded(&x, r) ? r : -1;
    tree_play(&x, x.over, true);

    while (max_moves == 0 || moves < max_moves) {
        int s = x.over[1], found;
        cand c;

        if (s < 0)
            break;
        if (!x.built[s]) {
            rc = build_rest(&x);
            if (rc != RAP_OK)
                goto out;
        }
        x.step++;
        found = best_move(&x, s, &c);
        if (found < 0) {
            rc = RAP_ENOMEM;
            goto out;
        }
        if (found == 0) {
            x.stuck[s] = 1;
            trees_update(&x, s, -1);
            continue;
        }
        assign[c.i] = c.t;
        x.load[s] -= c.w;
        x.load[c.t] += c.w;
        take_out(&x, c.k);
        trees_update(&x, s, c.t);
        moves++;
    }
out:
    for (uint32_t grp = 0; x.least != NULL && grp < g->ngroups; grp++)
        free(x.least[grp]);
    free(x.least);
    free(x.over);
    free(x.stuck);
    free(x.tgt_seen);
    free(x.tgt);
    free(x.built);
    free(x.rstart);
    free(x.thr);
    free(x.load);
    free(want);
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
