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

static bool lighter(const heaps *h, int a, int b)
{
    return h->load[a] < h->load[b] || (h->load[a] == h->load[b] && a < b);
}

/* Sink the rank at slot `k` of heap `hid` of group `grp`. */
static void sink(heaps *h, uint32_t grp, int hid, int k)
{
    int *s = &h->slot[h->start[hid]];
    int *pos = &h->pos[(size_t)grp * (size_t)h->nranks];
    int n = h->size[hid];

    for (;;) {
        int c = 2 * k + 1, r;
        if (c >= n)
            break;
        if (c + 1 < n && lighter(h, s[c + 1], s[c]))
            c++;
        if (!lighter(h, s[c], s[k]))
            break;
        r = s[k];
        s[k] = s[c];
        s[c] = r;
        pos[s[k]] = k;
        pos[s[c]] = c;
        k = c;
    }
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

static int run(const rap_lb_graph *g, const rap_lb_params *p, int *assign)
{
    const rap_pm_actor *a = g->m->actors;
    double *load = calloc((size_t)g->nranks, sizeof(*load));
    order_item *order = malloc((g->n + 1) * sizeof(*order));
    heaps h = { 0 };
    size_t n = 0;
    int rc = RAP_ENOMEM;

    (void)p;
    if (load == NULL || order == NULL)
        goto out;
    for (size_t i = 0; i < g->n; i++) {
        if (a[i].pinned)
            load[a[i].rank] += a[i].load;
        else
            order[n++] = (order_item){ .load = a[i].load, .aid = a[i].aid, .i = i };
    }
    qsort(order, n, sizeof(*order), cmp_order);
    rc = heaps_build(&h, g, load);
    if (rc != RAP_OK)
        goto out;
    for (size_t x = 0; x < n; x++) {
        size_t i = order[x].i;
        double w = order[x].load, best_u = 0;
        uint32_t grp = g->group[i];
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
    free(order);
    free(load);
    return rc;
}

const rap_lb_strategy rap__lb_greedy = {
    .name = "greedy",
    .summary = "place from scratch, heaviest first, each where it finishes lowest",
    .bounded = false,
    .run = run,
};
