/* partition/greedy.c -- the "greedy" strategy: a placement from scratch,
 * heaviest actor first, each onto the rank that may host it where it
 * finishes lowest (list scheduling on machines of different speeds).
 *
 * Owns:       nothing between calls; per call, the ranks' heaps.
 * Invariants: pinned actors stay and their load counts from the start;
 *             every other actor, in order of decreasing load (ties: lower
 *             id first), goes to the allowed rank with the least
 *             (load + its load) / workers, ties to the lower rank; the
 *             current placement plays no part, so the same model with
 *             actors on other ranks gives the same result.  With equal
 *             workers this is the least loaded rank, and the highest load
 *             is at most 4/3 of the optimum (Graham's bound).
 * Threads:    any.
 * Uses:       partition/strategy.h.
 *
 * The least finishing rank is found without a scan: the ranks of one host
 * group and one capacity are a binary min-heap on load (ties: lower rank),
 * whose top is that class's best; the classes of a group are compared by
 * finishing load.  A rank belongs to one heap per group, and its load only
 * grows, so each placement sinks it in each of them.
 */
#include <stdlib.h>
#include <string.h>

#include "partition/strategy.h"

typedef struct heaps {
    const double *load;
    int nranks;
    int ncls;
    int *cls;      /* per rank: index of its capacity among the distinct ones */
    int *start;    /* per (group, class): first slot in `slot` */
    int *size;     /* per (group, class) */
    int *slot;     /* the heaps' ranks */
    int *pos;      /* per (group, rank): its slot in its heap, -1 outside */
} heaps;

typedef struct order_item {
    double load;
    rap_aid aid;
    size_t i;
} order_item;

static int cmp_order(const void *a, const void *b)
{
    const order_item *x = a, *y = b;
    if (x->load != y->load)
        return x->load > y->load ? -1 : 1;
    return (x->aid > y->aid) - (x->aid < y->aid);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Whether a rank of load la and index a is lighter than one of lb, b. */
static inline bool lighter_than(double la, int a, double lb, int b)
{
    return la < lb || (la == lb && a < b);
}

/* Sink the rank at slot `k` of heap `hid` of group `grp`: a hole moves down
 * while the lighter child beats the rank, which then fills it.  The child
 * is chosen with selects, not branches (which one wins is a coin toss). */
static void sink(heaps *h, uint32_t grp, int hid, int k)
{
    int *s = &h->slot[h->start[hid]];
    int *pos = &h->pos[(size_t)grp * (size_t)h->nranks];
    const double *load = h->load;
    int n = h->size[hid], r = s[k];
    double lr = load[r];

    for (;;) {
        int c = 2 * k + 1, a, b, ch;
        double la, lb, lc;

        if (c >= n)
            break;
        a = s[c];
        b = c + 1 < n ? s[c + 1] : a;
        la = load[a];
        lb = load[b];
        /* lighter_than(lb, b, la, a), without a branch: | and & */
        c += (lb < la) | ((lb == la) & (b < a));
        ch = s[c];
        lc = load[ch];
        if (!lighter_than(lc, ch, lr, r))
            break;
        s[k] = ch;
        pos[ch] = k;
        k = c;
    }
    s[k] = r;
    pos[r] = k;
}

static int heaps_build(heaps *h, const rap_lb_graph *g, const double *load)
{
    size_t nr = (size_t)g->nranks, ng = g->ngroups;
    double *caps = malloc(nr * sizeof(*caps));
    int rc = RAP_ENOMEM;

    h->load = load;
    h->nranks = g->nranks;
    h->cls = malloc(nr * sizeof(*h->cls));
    h->slot = malloc(ng * nr * sizeof(*h->slot));
    h->pos = malloc(ng * nr * sizeof(*h->pos));
    if (caps == NULL || h->cls == NULL || h->slot == NULL || h->pos == NULL)
        goto out;
    for (size_t r = 0; r < nr; r++)
        caps[r] = g->cap[r];
    qsort(caps, nr, sizeof(*caps), cmp_double);
    h->ncls = 0;
    for (size_t r = 0; r < nr; r++)
        if (r == 0 || caps[r] != caps[r - 1])
            caps[h->ncls++] = caps[r];
    for (size_t r = 0; r < nr; r++) {
        int lo = 0, hi = h->ncls - 1;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (caps[mid] < g->cap[r])
                lo = mid + 1;
            else
                hi = mid;
        }
        h->cls[r] = lo;
    }
    h->start = calloc(ng * (size_t)h->ncls, sizeof(*h->start));
    h->size = calloc(ng * (size_t)h->ncls, sizeof(*h->size));
    if (h->start == NULL || h->size == NULL)
        goto out;
    /* Slots: group by group, class by class, ranks in increasing order (a
     * valid heap while the loads are equal; heapified below). */
    {
        int next = 0;
        for (uint32_t k = 0; k < ng; k++) {
            for (int c = 0; c < h->ncls; c++) {
                int hid = (int)k * h->ncls + c;
                h->start[hid] = next;
                for (int r = 0; r < g->nranks; r++)
                    if (h->cls[r] == c && rap__lbg_group_has(g, k, r)) {
                        h->slot[next++] = r;
                        h->size[hid]++;
                    }
            }
        }
        for (size_t x = 0; x < ng * nr; x++)
            h->pos[x] = -1;
        for (uint32_t k = 0; k < ng; k++)
            for (int c = 0; c < h->ncls; c++) {
                int hid = (int)k * h->ncls + c;
                for (int j = 0; j < h->size[hid]; j++)
                    h->pos[(size_t)k * nr + (size_t)h->slot[h->start[hid] + j]] = j;
                for (int j = h->size[hid] / 2 - 1; j >= 0; j--)
                    sink(h, k, hid, j);
            }
    }
    rc = RAP_OK;
out:
    free(caps);
    return rc;
}

static void heaps_free(heaps *h)
{
    free(h->cls);
    free(h->start);
    free(h->size);
    free(h->slot);
    free(h->pos);
}

/* ------------------------------------------------------------- order */

/* The order of placement is a radix sort of one record per movable actor:
 * a 32-bit prefix of its load's bits, complemented so that heavier comes
 * first, above its index.  Three passes of 11 bits over the prefix (a
 * pass whose digit every record shares is skipped), then the records that
 * share a prefix are put in the full order (load, then id) by comparison:
 * with loads of any spread, runs of one or two. */
enum { RADIX_BITS = 11, RADIX_PASSES = 3, RADIX = 1 << RADIX_BITS };

static uint32_t index_of(uint64_t rec)
{
    return (uint32_t)rec;
}

/* Sort `n` records of `src` by their upper 32 bits, stably, using `dst`
 * as scratch; returns the array that holds them sorted. */
static uint64_t *radix_sort(uint64_t *src, uint64_t *dst, size_t n, size_t (*count)[RADIX])
{
    for (int d = 0; d < RADIX_PASSES; d++) {
        unsigned shift = 32 + (unsigned)d * RADIX_BITS;
        size_t sum = 0;
        bool trivial = false;
        uint64_t *t;

        for (size_t v = 0; v < RADIX; v++) {
            size_t c = count[d][v];
            trivial |= c == n;
            count[d][v] = sum;
            sum += c;
        }
        if (trivial)
            continue;
        for (size_t k = 0; k < n; k++)
            dst[count[d][(src[k] >> shift) & (RADIX - 1)]++] = src[k];
        t = src;
        src = dst;
        dst = t;
    }
    return src;
}

/* Whether the actor of record x goes before that of record y, with their
 * loads wx and wy: heavier, or as heavy and a lower id. */
static bool goes_first(const rap_pm_actor *a, uint64_t x, double wx, uint64_t y, double wy)
{
    if (wx != wy)
        return wx > wy;
    return a[index_of(x)].aid < a[index_of(y)].aid;
}

/* Put each run of records that share a prefix in the full order, their
 * loads in `w` along. */
static int order_runs(const rap_pm_actor *a, uint64_t *rec, double *w, size_t n)
{
    order_item *run = NULL;
    size_t room = 0;

    for (size_t lo = 0, hi; lo < n; lo = hi) {
        for (hi = lo + 1; hi < n && rec[hi] >> 32 == rec[lo] >> 32; hi++)
            ;
        if (hi - lo == 2) {
            if (goes_first(a, rec[lo + 1], w[lo + 1], rec[lo], w[lo])) {
                uint64_t t = rec[lo];
                double tw = w[lo];
                rec[lo] = rec[lo + 1];
                rec[lo + 1] = t;
                w[lo] = w[lo + 1];
                w[lo + 1] = tw;
            }
        } else if (hi - lo > 2) {
            if (hi - lo > room) {
                order_item *more = realloc(run, (hi - lo) * sizeof(*run));
                if (more == NULL) {
                    free(run);
                    return RAP_ENOMEM;
                }
                run = more;
                room = hi - lo;
            }
            for (size_t k = lo; k < hi; k++) {
                uint32_t i = index_of(rec[k]);
                run[k - lo] = (order_item){ .load = w[k], .aid = a[i].aid, .i = i };
            }
            qsort(run, hi - lo, sizeof(*run), cmp_order);
            for (size_t k = lo; k < hi; k++) {
                rec[k] = (rec[k] & ~(uint64_t)UINT32_MAX) | (uint64_t)run[k - lo].i;
                w[k] = run[k - lo].load;
            }
        }
    }
    free(run);
    return RAP_OK;
}

/* The movable actors in the order of placement: records whose index_of is
 * the actor into *order_out and their loads into *load_out (work memory),
 * and their count into *n_out. */
static int placement_order(const rap_lb_graph *g, uint64_t **order_out, double **load_out,
                           size_t *n_out)
{
    const rap_pm_actor *a = g->m->actors;
    uint64_t *rec = rap__lbg_alloc(g, (g->n + 1) * sizeof(*rec));
    uint64_t *tmp = rap__lbg_alloc(g, (g->n + 1) * sizeof(*tmp));
    size_t (*count)[RADIX] = calloc(RADIX_PASSES, sizeof(*count));
    uint64_t *sorted;
    double *w;
    size_t n = 0;
    int rc = RAP_ENOMEM;

    if (rec == NULL || tmp == NULL || count == NULL)
        goto out;
    for (size_t i = 0; i < g->n; i++) {
        double x = a[i].load > 0 ? a[i].load : 0; /* -0.0 is 0 */
        uint64_t bits;
        uint32_t key;

        if (a[i].pinned)
            continue;
        memcpy(&bits, &x, sizeof(bits));
        key = ~(uint32_t)(bits >> 32);
        rec[n++] = (uint64_t)key << 32 | (uint64_t)i;
        for (int d = 0; d < RADIX_PASSES; d++)
            count[d][(key >> (d * RADIX_BITS)) & (RADIX - 1)]++;
    }
    sorted = radix_sort(rec, tmp, n, count);
    /* The loads in that order, in the other array: gathered here, where the
     * reads do not wait on each other, rather than one by one in the
     * placement loop. */
    w = (double *)(void *)(sorted == rec ? tmp : rec);
    for (size_t k = 0; k < n; k++) {
        if (k + 16 < n)
            __builtin_prefetch(&a[index_of(sorted[k + 16])].load);
        w[k] = a[index_of(sorted[k])].load;
    }
    rc = order_runs(a, sorted, w, n);
    if (rc != RAP_OK)
        goto out;
    *order_out = sorted;
    *load_out = w;
    *n_out = n;
out:
    free(count);
    return rc;
}

/* ------------------------------------------------------------ strategy */

static int run(const rap_lb_graph *g, const rap_lb_params *p, int *assign)
{
    const rap_pm_actor *a = g->m->actors;
    double *load = calloc((size_t)g->nranks, sizeof(*load)), *wt = NULL;
    uint64_t *order = NULL;
    heaps h = { 0 };
    size_t n = 0;
    int rc = RAP_ENOMEM;

    (void)p;
    if (load == NULL)
        goto out;
    for (size_t i = 0; i < g->n; i++)
        if (a[i].pinned)
            load[a[i].rank] += a[i].load;
    rc = placement_order(g, &order, &wt, &n);
    if (rc != RAP_OK)
        goto out;
    rc = heaps_build(&h, g, load);
    if (rc != RAP_OK)
        goto out;
    for (size_t x = 0; x < n; x++) {
        size_t i = index_of(order[x]);
        double w = wt[x], best_u = 0;
        uint32_t grp = rap__lbg_group(g, i);
        int best = -1;

        for (int c = 0; c < h.ncls; c++) {
            int hid = (int)grp * h.ncls + c, r;
            double u;
            if (h.size[hid] == 0)
                continue;
            r = h.slot[h.start[hid]];
            u = (load[r] + w) / g->cap[r];
            if (best < 0 || u < best_u || (u == best_u && r < best)) {
                best = r;
                best_u = u;
            }
        }
        /* Every group allows a rank (graph.h), so best >= 0. */
        assign[i] = best;
        load[best] += w;
        for (uint32_t k = 0; k < g->ngroups; k++) {
            int at = h.pos[(size_t)k * (size_t)g->nranks + (size_t)best];
            if (at >= 0)
                sink(&h, k, (int)k * h.ncls + h.cls[best], at);
        }
    }
    for (size_t i = 0; i < g->n; i++)
        if (a[i].pinned)
            assign[i] = a[i].rank;
    rc = RAP_OK;
out:
    heaps_free(&h);
    free(load);
    return rc;
}

const rap_lb_strategy rap__lb_greedy = {
    .name = "greedy",
    .summary = "place from scratch, heaviest first, each where it finishes lowest",
    .bounded = false,
    .run = run,
};
