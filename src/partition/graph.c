/* partition/graph.c -- see graph.h.
 *
 * Actor ids are found through an open-addressing table built for the
 * check and dropped after it; host lists become bit masks, one per
 * distinct set of ranks, so that "may rank r run actor i" is one load.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "partition/graph.h"
#include "util/hash.h"

#define NO_GROUP UINT32_MAX

static int bad(char *why, size_t len, const char *fmt, ...) RAP_PRINTF(3, 4);

/* Say why (when asked) and return RAP_EINVAL. */
static int bad(char *why, size_t len, const char *fmt, ...)
{
    va_list ap;

    if (why != NULL && len > 0) {
        va_start(ap, fmt);
        vsnprintf(why, len, fmt, ap);
        va_end(ap);
    }
    return RAP_EINVAL;
}

/* ------------------------------------------------------------ id lookup */

typedef struct aid_index {
    rap_aid *keys; /* 0: empty (0 is never an actor) */
    size_t *vals;
    size_t mask;
} aid_index;

static size_t slot_of(const aid_index *x, rap_aid aid)
{
    return (size_t)rap__hash_u64(aid) & x->mask;
}

/* Index the model's actors; RAP_EINVAL with *dup set on a repeated id. */
static int index_build(aid_index *x, const rap_pmodel *m, size_t *dup)
{
    size_t cap = 16;

    while (cap < 2 * m->nactors)
        cap *= 2;
    x->keys = calloc(cap, sizeof(*x->keys));
    x->vals = malloc(cap * sizeof(*x->vals));
    x->mask = cap - 1;
    if (x->keys == NULL || x->vals == NULL)
        return RAP_ENOMEM;
    for (size_t i = 0; i < m->nactors; i++) {
        rap_aid aid = m->actors[i].aid;
        size_t j = slot_of(x, aid);
        while (x->keys[j] != 0 && x->keys[j] != aid)
            j = (j + 1) & x->mask;
        if (x->keys[j] == aid) {
            *dup = i;
            return RAP_EINVAL;
        }
        x->keys[j] = aid;
        x->vals[j] = i;
    }
    return RAP_OK;
}

static long index_get(const aid_index *x, rap_aid aid)
{
    if (aid == 0)
        return -1;
    for (size_t j = slot_of(x, aid); x->keys[j] != 0; j = (j + 1) & x->mask)
        if (x->keys[j] == aid)
            return (long)x->vals[j];
    return -1;
}

static void index_free(aid_index *x)
{
    free(x->keys);
    free(x->vals);
}

/* --------------------------------------------------------- host groups */

typedef struct type_group {
    uint32_t atype;
    uint32_t group;  /* NO_GROUP: no rank may host it */
    size_t entry;    /* its index in m->hosts */
} type_group;

static int cmp_type_group(const void *a, const void *b)
{
    const type_group *x = a, *y = b;
    if (x->atype != y->atype)
        return x->atype < y->atype ? -1 : 1;
    return (x->entry > y->entry) - (x->entry < y->entry);
}

static uint32_t group_of(const type_group *tg, size_t n, uint32_t atype)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tg[mid].atype < atype)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && tg[lo].atype == atype ? tg[lo].group : 0;
}

/* Masks of group 0 (every rank) and of each distinct host list; the type
 * to group table sorted by type into *tg_out. */
static int build_groups(rap_lb_graph *g, const rap_pmodel *m, type_group **tg_out, char *why,
                        size_t len)
{
    size_t words = ((size_t)m->nranks + 63) / 64;
    uint64_t *masks, *mine;
    type_group *tg;
    uint32_t ngroups = 1;
    int rc;

    masks = calloc((m->nhosts + 1) * words, sizeof(*masks));
    mine = malloc(words * sizeof(*mine));
    tg = malloc((m->nhosts + 1) * sizeof(*tg));
    if (masks == NULL || mine == NULL || tg == NULL) {
        rc = RAP_ENOMEM;
        goto fail;
    }
    for (int r = 0; r < m->nranks; r++)
        masks[(size_t)r / 64] |= UINT64_C(1) << (r % 64);
    for (size_t h = 0; h < m->nhosts; h++) {
        const rap_pm_host *hs = &m->hosts[h];
        uint32_t k;

        if (hs->nranks > 0 && hs->ranks == NULL) {
            rc = bad(why, len, "host list %zu (type %" PRIu32 ") has %zu ranks but no array", h,
                     hs->atype, hs->nranks);
            goto fail;
        }
        memset(mine, 0, words * sizeof(*mine));
        for (size_t i = 0; i < hs->nranks; i++) {
            int r = hs->ranks[i];
            if (r < 0 || r >= m->nranks) {
                rc = bad(why, len, "host list of type %" PRIu32 " names rank %d, nranks %d",
                         hs->atype, r, m->nranks);
                goto fail;
            }
            mine[(size_t)r / 64] |= UINT64_C(1) << (r % 64);
        }
        tg[h] = (type_group){ .atype = hs->atype, .group = NO_GROUP, .entry = h };
        if (hs->nranks == 0)
            continue;
        for (k = 0; k < ngroups; k++)
            if (memcmp(&masks[k * words], mine, words * sizeof(*mine)) == 0)
                break;
        if (k == ngroups)
            memcpy(&masks[ngroups++ * words], mine, words * sizeof(*mine));
        tg[h].group = k;
    }
    qsort(tg, m->nhosts, sizeof(*tg), cmp_type_group);
    for (size_t h = 1; h < m->nhosts; h++)
        if (tg[h].atype == tg[h - 1].atype) {
            rc = bad(why, len, "type %" PRIu32 " has two host lists", tg[h].atype);
            goto fail;
        }
    free(mine);
    g->masks = masks;
    g->words = words;
    g->ngroups = ngroups;
    *tg_out = tg;
    return RAP_OK;

fail:
    free(tg);
    free(mine);
    free(masks);
    return rc;
}

/* ---------------------------------------------------------- adjacency */

static int cmp_nbr(const void *a, const void *b)
{
    const rap_lb_nbr *x = a, *y = b;
    return (x->j > y->j) - (x->j < y->j);
}

/* The pairs as adjacency lists, each sorted, a neighbour given twice
 * summed. */
static int build_adjacency(rap_lb_graph *g, const rap_pmodel *m, const aid_index *ix, char *why,
                           size_t len)
{
    size_t n = m->nactors, total = 0, out = 0;
    size_t *xadj = calloc(n + 1, sizeof(*xadj));
    size_t *ea = malloc((m->nedges + 1) * sizeof(*ea));
    size_t *eb = malloc((m->nedges + 1) * sizeof(*eb));
    size_t *fill = NULL;
    rap_lb_nbr *adj = NULL;
    int rc;

    if (xadj == NULL || ea == NULL || eb == NULL) {
        rc = RAP_ENOMEM;
        goto fail;
    }
    g->total_bytes = 0;
    for (size_t e = 0; e < m->nedges; e++) {
        const rap_pm_edge *ed = &m->edges[e];
        long a = index_get(ix, ed->a), b = index_get(ix, ed->b);

        if (a < 0 || b < 0) {
            rc = bad(why, len, "pair %zu names actor %" PRIx64 ", not in the model", e,
                     a < 0 ? ed->a : ed->b);
            goto fail;
        }
        if (!isfinite(ed->bytes_per_s) || ed->bytes_per_s < 0) {
            rc = bad(why, len, "pair %zu (%" PRIx64 ", %" PRIx64 ") has %g bytes per s", e,
                     ed->a, ed->b, ed->bytes_per_s);
            goto fail;
        }
        g->total_bytes += ed->bytes_per_s;
        ea[e] = (size_t)a;
        eb[e] = (size_t)b;
        if (a != b && ed->bytes_per_s > 0) {
            xadj[a + 1]++;
            xadj[b + 1]++;
            total += 2;
        }
    }
    for (size_t i = 0; i < n; i++)
        xadj[i + 1] += xadj[i];
    adj = malloc((total + 1) * sizeof(*adj));
    if (adj == NULL) {
        rc = RAP_ENOMEM;
        goto fail;
    }
    fill = malloc((n + 1) * sizeof(*fill));
    if (fill == NULL) {
        rc = RAP_ENOMEM;
        goto fail;
    }
    memcpy(fill, xadj, n * sizeof(*fill));
    for (size_t e = 0; e < m->nedges; e++) {
        size_t a = ea[e], b = eb[e];
        double w = m->edges[e].bytes_per_s;
        if (a == b || w <= 0)
            continue;
        adj[fill[a]++] = (rap_lb_nbr){ .j = b, .w = w };
        adj[fill[b]++] = (rap_lb_nbr){ .j = a, .w = w };
    }
    /* Sort each list and merge repeats, compacting in place. */
    for (size_t i = 0; i < n; i++) {
        size_t lo = xadj[i], hi = xadj[i + 1], start = out;
        qsort(&adj[lo], hi - lo, sizeof(*adj), cmp_nbr);
        for (size_t k = lo; k < hi; k++) {
            if (out > start && adj[out - 1].j == adj[k].j)
                adj[out - 1].w += adj[k].w;
            else
                adj[out++] = adj[k];
        }
        xadj[i] = start;
    }
    xadj[n] = out;
    free(fill);
    free(ea);
    free(eb);
    g->xadj = xadj;
    g->adj = adj;
    return RAP_OK;

fail:
    free(fill);
    free(adj);
    free(eb);
    free(ea);
    free(xadj);
    return rc;
}

/* ---------------------------------------------------------------- build */

int rap__lbg_build(const rap_pmodel *m, rap_lb_graph *g_out, char *why, size_t len)
{
    rap_lb_graph g = { 0 };
    aid_index ix = { 0 };
    type_group *tg = NULL;
    size_t dup = 0;
    int rc;

    if (why != NULL && len > 0)
        why[0] = '\0';
    if (m == NULL || g_out == NULL)
        return bad(why, len, "no model");
    if (m->nranks < 1)
        return bad(why, len, "nranks %d", m->nranks);
    if ((m->nactors > 0 && m->actors == NULL) || (m->nedges > 0 && m->edges == NULL) ||
        (m->nhosts > 0 && m->hosts == NULL))
        return bad(why, len, "a count without its array");
    g.m = m;
    g.n = m->nactors;
    g.nranks = m->nranks;

    g.cap = malloc((size_t)m->nranks * sizeof(*g.cap));
    if (g.cap == NULL)
        return RAP_ENOMEM;
    for (int r = 0; r < m->nranks; r++) {
        if (m->ranks != NULL && m->ranks[r].rank != r) {
            rc = bad(why, len, "ranks[%d] says rank %d", r, m->ranks[r].rank);
            goto free_cap;
        }
        if (m->ranks != NULL && m->ranks[r].workers < 1) {
            rc = bad(why, len, "rank %d has %d workers", r, m->ranks[r].workers);
            goto free_cap;
        }
        g.cap[r] = m->ranks != NULL ? (double)m->ranks[r].workers : 1.0;
        g.total_cap += g.cap[r];
    }
    for (size_t i = 0; i < m->nactors; i++) {
        const rap_pm_actor *a = &m->actors[i];
        if (a->aid == RAP_AID_NONE) {
            rc = bad(why, len, "actor %zu has id 0", i);
            goto free_cap;
        }
        if (a->rank < 0 || a->rank >= m->nranks) {
            rc = bad(why, len, "actor %" PRIx64 " on rank %d, nranks %d", a->aid, a->rank,
                     m->nranks);
            goto free_cap;
        }
        if (!isfinite(a->load) || a->load < 0) {
            rc = bad(why, len, "actor %" PRIx64 " has load %g", a->aid, a->load);
            goto free_cap;
        }
        g.total_load += a->load;
    }
    rc = index_build(&ix, m, &dup);
    if (rc == RAP_EINVAL)
        rc = bad(why, len, "actor %" PRIx64 " appears twice", m->actors[dup].aid);
    if (rc != RAP_OK)
        goto free_index;

    rc = build_groups(&g, m, &tg, why, len);
    if (rc != RAP_OK)
        goto free_index;
    g.group = malloc((m->nactors + 1) * sizeof(*g.group));
    if (g.group == NULL) {
        rc = RAP_ENOMEM;
        goto free_groups;
    }
    for (size_t i = 0; i < m->nactors; i++) {
        const rap_pm_actor *a = &m->actors[i];
        g.group[i] = m->nhosts ? group_of(tg, m->nhosts, a->atype) : 0;
        if (g.group[i] == NO_GROUP) {
            rc = bad(why, len, "actor %" PRIx64 ": no rank may host its type %" PRIu32, a->aid,
                     a->atype);
            goto free_group;
        }
        if (a->pinned && !rap__lbg_may_host(&g, i, a->rank)) {
            rc = bad(why, len, "actor %" PRIx64 " is pinned to rank %d, which may not host its type %" PRIu32,
                     a->aid, a->rank, a->atype);
            goto free_group;
        }
    }
    rc = build_adjacency(&g, m, &ix, why, len);
    if (rc != RAP_OK)
        goto free_group;
    free(tg);
    index_free(&ix);
    *g_out = g;
    return RAP_OK;

free_group:
    free(g.group);
free_groups:
    free(tg);
    free(g.masks);
free_index:
    index_free(&ix);
free_cap:
    free(g.cap);
    return rc;
}

void rap__lbg_free(rap_lb_graph *g)
{
    free(g->cap);
    free(g->xadj);
    free(g->adj);
    free(g->group);
    free(g->masks);
    memset(g, 0, sizeof(*g));
}

/* ------------------------------------------------------------- queries */

void rap__lbg_rank_loads(const rap_lb_graph *g, const int *assign, double *load_out)
{
    for (int r = 0; r < g->nranks; r++)
        load_out[r] = 0;
    for (size_t i = 0; i < g->n; i++)
        load_out[assign[i]] += rap__lbg_load(g, i);
}

int rap__lbg_best_rank(const rap_lb_graph *g, uint32_t grp, const double *load, double w)
{
    int best = -1;
    double best_u = 0;

    for (int r = 0; r < g->nranks; r++) {
        double u;
        if (!rap__lbg_group_has(g, grp, r))
            continue;
        u = (load[r] + w) / g->cap[r];
        if (best < 0 || u < best_u) {
            best = r;
            best_u = u;
        }
    }
    return best;
}

double rap__lbg_bytes_to(const rap_lb_graph *g, const int *assign, size_t i, int r)
{
    double b = 0;

    for (size_t k = g->xadj[i]; k < g->xadj[i + 1]; k++)
        if (assign[g->adj[k].j] == r)
            b += g->adj[k].w;
    return b;
}
