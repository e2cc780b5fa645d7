/* partition/metis.c -- the "metis" strategy (builds with METIS only): a
 * placement that cuts the fewest bytes per s between ranks, within a
 * balance bound, then moved as little as it can be from today's.
 *
 * Owns:       nothing between calls; per call, METIS's input arrays (in
 *             the graph's work memory).
 * Invariants: METIS_PartGraphKway gets one vertex per actor weighted by its
 *             load, one edge per talking pair weighted by its bytes per s,
 *             vertex sizes from state_bytes, one part per rank with a target
 *             weight proportional to its workers, and params->ubvec as its
 *             balance bound.  Its parts are then renamed to ranks so that
 *             as many actors as possible keep their rank: pinned actors go
 *             back to theirs and every other actor is refined by
 *             rap__lb_refine_pass with params->tolerance, which also moves
 *             any actor the renaming left on a rank that may not host it.
 *             The same model, parameters and seed give the same result.
 * Threads:    any.  METIS keeps its working memory per thread and seeds
 *             its random generator at every call, so calls in turn are
 *             reproducible; two METIS plans at once on two threads may not
 *             be, if that generator is process-wide.
 * Uses:       partition/strategy.h, METIS 5 (metis.h, -lmetis).
 *
 * METIS takes 32-bit integer weights and sums them in 32 bits, so each
 * kind of weight is scaled so that the largest is about 1e6 unless their
 * sum would then pass 2^29, when the sum is brought to 2^29 instead; every
 * vertex weighs at least 1 (a zero-load actor still counts as one), and a
 * pair that talks at all weighs at least 1.  An actor heavier than a
 * part's share weighs that share (clamp_heavy): METIS cannot balance
 * around it otherwise, and prints so on stdout.  A model without pairs
 * goes through METIS too, which then balances load alone; one with fewer
 * actors than ranks does not (refine alone plans it).  With the default
 * objective (edge cut) METIS does not use the vertex sizes; the cost of
 * moving is taken into account by the renaming and the refinement.
 */
#include "config.h"

#include "partition/strategy.h"

#ifdef HAVE_METIS
#include <stdlib.h>

#include <metis.h>

#define WEIGHT_MAX 1e6
#define WEIGHT_SUM 536870912.0 /* 2^29 */
#define COUNT_MAX ((size_t)1 << 29)

/* The factor that brings values of this largest and sum to METIS's range. */
static double scale_of(double largest, double sum)
{
    double s;

    if (largest <= 0)
        return 0;
    s = WEIGHT_MAX / largest;
    if (sum * s > WEIGHT_SUM)
        s = WEIGHT_SUM / sum;
    return s;
}

/* v x s rounded to the nearest integer, at least 1 (v, s >= 0). */
static int cmp_idx_desc(const void *a, const void *b)
{
    idx_t x = *(const idx_t *)a, y = *(const idx_t *)b;
    return (x < y) - (x > y);
}

static idx_t scaled(double v, double s)
{
    double x = v * s + 0.5;
    return x < 1 ? 1 : (idx_t)x;
}

/* An actor heavier than a part's share would fill a part alone and leave
 * METIS no balanced split (it then prints warnings on stdout): the k
 * heaviest weigh at most c, the share of a part once they do, where
 * c = (sum of the others) x smallest capacity / (all capacity - k x it)
 * and k is the least count for which the (k + 1)-th heaviest fits. */
static int clamp_heavy(const rap_lb_graph *g, idx_t *vwgt, size_t n)
{
    idx_t *w = rap__lbg_alloc(g, n * sizeof(*w));
    double total = 0, mincap = g->cap[0], rest, c = 0;
    size_t k;

    if (w == NULL)
        return RAP_ENOMEM;
    for (int r = 1; r < g->nranks; r++)
        if (g->cap[r] < mincap)
            mincap = g->cap[r];
    for (size_t i = 0; i < n; i++) {
        w[i] = vwgt[i];
        total += (double)vwgt[i];
    }
    qsort(w, n, sizeof(*w), cmp_idx_desc);
    rest = total;
    for (k = 0; k < n; k++) {
        double room = g->total_cap - (double)k * mincap;
        if (room < mincap) /* a part left for the rest at least */
            break;
        c = rest * mincap / room;
        if ((double)w[k] <= c)
            break;
        rest -= (double)w[k];
    }
    if (k > 0 && c >= 1) {
        for (size_t i = 0; i < n; i++)
            if ((double)vwgt[i] > c)
                vwgt[i] = (idx_t)c;
    }
    return RAP_OK;
}

/* ------------------------------------------------------------ renaming */

typedef struct overlap {
    uint64_t key;    /* part x nranks + today's rank */
    uint64_t bytes;  /* state bytes of its actors */
    size_t count;    /* its actors */
} overlap;

static int cmp_key(const void *a, const void *b)
{
    const overlap *x = a, *y = b;
    return (x->key > y->key) - (x->key < y->key);
}

static int cmp_overlap(const void *a, const void *b)
{
    const overlap *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    if (x->bytes != y->bytes)
        return x->bytes > y->bytes ? -1 : 1;
    return (x->key > y->key) - (x->key < y->key);
}

/* Name each part a rank: greedily, the (part, rank) pairs that share the
 * most movable actors (then the most state bytes) first, a part only to a
 * rank of its own capacity (its target weight), then the parts left to the
 * lowest free ranks of their capacity. */
static int rename_parts(const rap_lb_graph *g, const idx_t *part, int *name_out)
{
    const rap_pm_actor *a = g->m->actors;
    size_t nr = (size_t)g->nranks, n = 0, m = 0;
    overlap *ov = rap__lbg_alloc(g, (g->n + 1) * sizeof(*ov));
    bool *taken = calloc(nr, sizeof(*taken));

    if (ov == NULL || taken == NULL) {
        free(taken);
        return RAP_ENOMEM;
    }
    for (size_t i = 0; i < g->n; i++)
        if (!a[i].pinned)
            ov[n++] = (overlap){
                .key = (uint64_t)part[i] * nr + (uint64_t)a[i].rank,
                .bytes = a[i].state_bytes, .count = 1,
            };
    qsort(ov, n, sizeof(*ov), cmp_key);
    for (size_t k = 0; k < n; k++) {
        if (m > 0 && ov[m - 1].key == ov[k].key) {
            ov[m - 1].count++;
            ov[m - 1].bytes += ov[k].bytes;
        } else {
            ov[m++] = ov[k];
        }
    }
    qsort(ov, m, sizeof(*ov), cmp_overlap);
    for (size_t p = 0; p < nr; p++)
        name_out[p] = -1;
    for (size_t k = 0; k < m; k++) {
        size_t p = (size_t)(ov[k].key / nr), r = (size_t)(ov[k].key % nr);
        if (name_out[p] >= 0 || taken[r] || g->cap[p] != g->cap[r])
            continue;
        name_out[p] = (int)r;
        taken[r] = true;
    }
    /* The capacities of parts and of ranks are the same multiset, so each
     * part left finds a free rank of its capacity. */
    for (size_t p = 0; p < nr; p++) {
        if (name_out[p] >= 0)
            continue;
        for (size_t r = 0; r < nr; r++)
            if (!taken[r] && g->cap[r] == g->cap[p]) {
                name_out[p] = (int)r;
                taken[r] = true;
                break;
            }
    }
    free(taken);
    return RAP_OK;
}

/* ------------------------------------------------------------ strategy */

static int run(const rap_lb_graph *g, const rap_lb_params *p, int *assign)
{
    const rap_pm_actor *a = g->m->actors;
    size_t n = g->n, nadj;
    idx_t nvtxs = (idx_t)n, ncon = 1, nparts = g->nranks, objval = 0;
    idx_t options[METIS_NOPTIONS];
    idx_t *xadj = NULL, *adjncy = NULL, *vwgt = NULL, *vsize = NULL, *adjwgt = NULL,
          *part = NULL;
    real_t *tpwgts = NULL, ubvec = (real_t)p->ubvec;
    int *name = NULL;
    rap_lb_adj adj = { 0 };
    double big = 0, sum = 0, s;
    int rc = RAP_ENOMEM, mrc;

    if (n == 0)
        return RAP_OK;
    if (g->nranks == 1) { /* one part: METIS has nothing to decide */
        for (size_t i = 0; i < n; i++)
            assign[i] = 0;
        return RAP_OK;
    }
    /* With fewer vertices than parts METIS has parts it cannot fill, and
     * says so on stdout; refining today's placement serves as well. */
    if (n < (size_t)g->nranks)
        return rap__lb_refine_pass(g, p->tolerance, 0, assign);
    if (n > COUNT_MAX)
        return RAP_ERANGE;
    rc = rap__lbg_adjacency(g, NULL, NULL, NULL, n, &adj);
    if (rc != RAP_OK)
        return rc;
    nadj = adj.xadj[n];
    if (nadj > COUNT_MAX)
        return RAP_ERANGE;
    rc = RAP_ENOMEM;
    /* Work memory (rap__lbg_alloc), freed with the graph. */
    xadj = rap__lbg_alloc(g, (n + 1) * sizeof(*xadj));
    adjncy = rap__lbg_alloc(g, (nadj + 1) * sizeof(*adjncy));
    adjwgt = rap__lbg_alloc(g, (nadj + 1) * sizeof(*adjwgt));
    vwgt = rap__lbg_alloc(g, n * sizeof(*vwgt));
    vsize = rap__lbg_alloc(g, n * sizeof(*vsize));
    part = rap__lbg_alloc(g, n * sizeof(*part));
    tpwgts = malloc((size_t)g->nranks * sizeof(*tpwgts));
    name = malloc((size_t)g->nranks * sizeof(*name));
    if (xadj == NULL || adjncy == NULL || adjwgt == NULL || vwgt == NULL || vsize == NULL ||
        part == NULL || tpwgts == NULL || name == NULL)
        goto out;

    for (size_t i = 0; i < n; i++) {
        if (a[i].load > big)
            big = a[i].load;
        sum += a[i].load;
    }
    s = scale_of(big, sum);
    for (size_t i = 0; i < n; i++)
        vwgt[i] = scaled(a[i].load, s);
    rc = clamp_heavy(g, vwgt, n);
    if (rc != RAP_OK)
        goto out;
    big = sum = 0;
    for (size_t i = 0; i < n; i++) {
        if ((double)a[i].state_bytes > big)
            big = (double)a[i].state_bytes;
        sum += (double)a[i].state_bytes;
    }
    s = scale_of(big, sum);
    for (size_t i = 0; i < n; i++)
        vsize[i] = scaled((double)a[i].state_bytes, s);
    big = sum = 0;
    for (size_t k = 0; k < nadj; k++) {
        if (adj.w[k] > big)
            big = adj.w[k];
        sum += adj.w[k];
    }
    s = scale_of(big, sum);
    for (size_t i = 0; i <= n; i++)
        xadj[i] = (idx_t)adj.xadj[i];
    for (size_t k = 0; k < nadj; k++) {
        adjncy[k] = (idx_t)adj.nbr[k];
        adjwgt[k] = scaled(adj.w[k], s);
    }
    for (int r = 0; r < g->nranks; r++)
        tpwgts[r] = (real_t)(g->cap[r] / g->total_cap);

    METIS_SetDefaultOptions(options);
    options[METIS_OPTION_NUMBERING] = 0;
    if (p->seed != 0)
        options[METIS_OPTION_SEED] = (idx_t)(p->seed % INT32_MAX);
    mrc = METIS_PartGraphKway(&nvtxs, &ncon, xadj, adjncy, vwgt, vsize, adjwgt, &nparts, tpwgts,
                              &ubvec, options, &objval, part);
    if (mrc != METIS_OK) {
        /* Our input is checked, so only memory should fail. */
        rc = mrc == METIS_ERROR_MEMORY ? RAP_ENOMEM : RAP_EINVAL;
        goto out;
    }
    rc = rename_parts(g, part, name);
    if (rc != RAP_OK)
        goto out;
    for (size_t i = 0; i < n; i++)
        assign[i] = a[i].pinned ? a[i].rank : name[part[i]];
    rc = rap__lb_refine_pass(g, p->tolerance, 0, assign);
out:
    free(name);
    free(tpwgts);
    return rc;
}

const rap_lb_strategy rap__lb_metis = {
    .name = "metis",
    .summary = "METIS k-way: fewest bytes between ranks, parts renamed to move the fewest actors",
    .bounded = false,
    .run = run,
};

#endif /* HAVE_METIS */
