/* partition/graph.c -- see graph.h.
 *
 * Actor ids are found through an open-addressing table built for the
 * check and dropped after it; each pair is resolved once, and the figures
 * and the adjacency lists read the resolved pairs.  Host lists become bit
 * masks, one per distinct set of ranks, so that "may rank r run actor i"
 * is one load.  Adjacency lists are built by counting (degrees, then a
 * fill in the pairs' order), so every list comes out sorted when the
 * pairs are listed by their lower index, then their higher (as a model
 * built actor by actor lists them); other lists are sorted one by one.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "partition/graph.h"
#include "util/hash.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

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

/* --------------------------------------------------------- work memory */

/* Blocks of at least ARENA_BLOCK bytes, each handed out from its start;
 * a request goes to the first block with room.  Nothing is given back
 * before rap__lbg_free but what rap__lbg_build lets go once: the id
 * table's block, which the strategy then reuses.  A block of two huge
 * pages or more is a mapping of its own, aligned to huge pages and advised
 * to use them (Linux's transparent huge pages, "madvise" mode): one fault
 * instead of 512 for every 2 MB written, and no advice left on memory that
 * malloc hands out again. */
#define ARENA_BLOCK ((size_t)1 << 20)
#define ARENA_ALIGN ((size_t)64)
#define HUGE_PAGE ((size_t)2 << 20)

typedef struct arena_block {
    char *base;       /* ARENA_ALIGN-aligned (HUGE_PAGE when mapped) */
    void *mem;        /* what malloc or mmap gave */
    size_t mapped;    /* the mapping's length; 0 from malloc */
    size_t size, used;
} arena_block;

struct rap_lb_arena {
    arena_block *block;
    size_t nblocks, room;
};

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define ARENA_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define ARENA_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define ARENA_POISON(p, n) ((void)(p), (void)(n))
#define ARENA_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* Get `b` its memory, b->size bytes; false when out of memory. */
static bool block_get(arena_block *b)
{
    b->mapped = 0;
#if defined(MADV_HUGEPAGE) && defined(MAP_ANONYMOUS)
    if (b->size >= 2 * HUGE_PAGE && b->size <= SIZE_MAX - HUGE_PAGE) {
        size_t len = b->size + HUGE_PAGE;
        void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p != MAP_FAILED) {
            /* Advice: if the kernel declines, the pages are small. */
            (void)madvise(p, len, MADV_HUGEPAGE);
            b->mem = p;
            b->mapped = len;
            b->base = (char *)p + (HUGE_PAGE - (uintptr_t)p % HUGE_PAGE) % HUGE_PAGE;
            return true;
        }
    }
#endif
    if (b->size > SIZE_MAX - ARENA_ALIGN)
        return false;
    b->mem = malloc(b->size + ARENA_ALIGN);
    if (b->mem == NULL)
        return false;
    b->base = (char *)b->mem + (ARENA_ALIGN - (uintptr_t)b->mem % ARENA_ALIGN) % ARENA_ALIGN;
    return true;
}

static void block_put(arena_block *b)
{
    ARENA_UNPOISON(b->base, b->size);
#if defined(MADV_HUGEPAGE) && defined(MAP_ANONYMOUS)
    if (b->mapped > 0) {
        munmap(b->mem, b->mapped);
        return;
    }
#endif
    free(b->mem);
}

void *rap__lbg_alloc(const rap_lb_graph *g, size_t size)
{
    struct rap_lb_arena *ar = g->arena;
    arena_block *b;
    size_t need;

    if (size > SIZE_MAX - 2 * ARENA_ALIGN)
        return NULL;
    need = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
    if (need == 0)
        need = ARENA_ALIGN;
    for (size_t k = 0; k < ar->nblocks; k++) {
        b = &ar->block[k];
        if (b->size - b->used >= need) {
            char *p = b->base + b->used;
            b->used += need;
            ARENA_UNPOISON(p, size);
            return p;
        }
    }
    if (ar->nblocks == ar->room) {
        size_t room = ar->room ? 2 * ar->room : 8;
        arena_block *more = realloc(ar->block, room * sizeof(*more));
        if (more == NULL)
            return NULL;
        ar->block = more;
        ar->room = room;
    }
    b = &ar->block[ar->nblocks];
    b->size = need > ARENA_BLOCK ? need : ARENA_BLOCK;
    if (!block_get(b))
        return NULL;
    b->used = need;
    ARENA_POISON(b->base, b->size);
    ARENA_UNPOISON(b->base, size);
    ar->nblocks++;
    return b->base;
}

/* Everything handed out from block `from` on is free again. */
static void arena_release(struct rap_lb_arena *ar, size_t from)
{
    for (size_t k = from; k < ar->nblocks; k++) {
        ar->block[k].used = 0;
        ARENA_POISON(ar->block[k].base, ar->block[k].size);
    }
}

static void arena_free(struct rap_lb_arena *ar)
{
    if (ar == NULL)
        return;
    for (size_t k = 0; k < ar->nblocks; k++)
        block_put(&ar->block[k]);
    free(ar->block);
    free(ar);
}

/* ------------------------------------------------------------ id lookup */

/* Open addressing, linear probing, at most half full.  A slot holds what
 * the pairs need of the actor, its index and its rank, so that resolving
 * them reads the table and not the actors. */
typedef struct aid_slot {
    rap_aid aid;       /* 0: empty (0 is never an actor) */
    uint32_t index;
    int rank;
} aid_slot;

typedef struct aid_index {
    aid_slot *slots;
    size_t mask;
} aid_index;

/* Lookups and inserts go in batches: the hashes of a batch first, each
 * slot prefetched, so that the batch's cache misses overlap. */
#define BATCH 16

/* The slot of `aid`, or NULL; `h` is its hash. */
static const aid_slot *index_find(const aid_index *x, rap_aid aid, uint64_t h)
{
    for (size_t j = (size_t)h & x->mask;; j = (j + 1) & x->mask) {
        const aid_slot *s = &x->slots[j];
        if (s->aid == aid)
            return aid != 0 ? s : NULL;
        if (s->aid == 0)
            return NULL;
    }
}

/* Check the actors (id, rank, load), sum their loads and index them, in
 * one pass.  An actor's own fault is reported before any repeated id, as
 * if the checks came first: a repetition is remembered (the first, at its
 * second occurrence) and reported after the pass. */
static int check_actors(rap_lb_graph *g, aid_index *x, char *why, size_t len)
{
    const rap_pmodel *m = g->m;
    const rap_pm_actor *act = m->actors;
    size_t cap = 16, n = m->nactors, dup = SIZE_MAX;
    uint64_t h[BATCH];

    while (cap < 2 * n)
        cap *= 2;
    x->slots = rap__lbg_alloc(g, cap * sizeof(*x->slots));
    x->mask = cap - 1;
    if (x->slots == NULL)
        return RAP_ENOMEM;
    memset(x->slots, 0, cap * sizeof(*x->slots));
    for (size_t i0 = 0; i0 < n; i0 += BATCH) {
        size_t nb = n - i0 < BATCH ? n - i0 : BATCH;
        for (size_t k = 0; k < nb; k++) {
            h[k] = rap__hash_u64(act[i0 + k].aid);
            __builtin_prefetch(&x->slots[(size_t)h[k] & x->mask], 1);
        }
        for (size_t k = 0; k < nb; k++) {
            const rap_pm_actor *a = &act[i0 + k];
            size_t j;

            if (a->aid == RAP_AID_NONE)
                return bad(why, len, "actor %zu has id 0", i0 + k);
            if (a->rank < 0 || a->rank >= m->nranks)
                return bad(why, len, "actor %" PRIx64 " on rank %d, nranks %d", a->aid, a->rank,
                           m->nranks);
            if (!isfinite(a->load) || a->load < 0)
                return bad(why, len, "actor %" PRIx64 " has load %g", a->aid, a->load);
            g->total_load += a->load;
            if (dup != SIZE_MAX)
                continue;
            for (j = (size_t)h[k] & x->mask; x->slots[j].aid != 0; j = (j + 1) & x->mask)
                if (x->slots[j].aid == a->aid)
                    break;
            if (x->slots[j].aid == a->aid) {
                dup = i0 + k;
                continue;
            }
            x->slots[j] = (aid_slot){ .aid = a->aid, .index = (uint32_t)(i0 + k), .rank = a->rank };
        }
    }
    if (dup != SIZE_MAX)
        return bad(why, len, "actor %" PRIx64 " appears twice", act[dup].aid);
    return RAP_OK;
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

/* --------------------------------------------------------------- pairs */

/* Resolve every pair into g->pairs (its actors' indexes and its bytes),
 * check its bytes, and sum the bytes and those that cross ranks today, in
 * the model's order. */
static int build_pairs(rap_lb_graph *g, const rap_pmodel *m, const aid_index *ix, char *why,
                       size_t len)
{
    const rap_pm_edge *ed = m->edges;
    size_t ne = m->nedges;
    rap_lb_pair *pairs = g->pairs;
    uint64_t h[2 * BATCH];
    double total = 0, cut = 0;

    for (size_t e0 = 0; e0 < ne; e0 += BATCH) {
        size_t nb = ne - e0 < BATCH ? ne - e0 : BATCH;
        for (size_t k = 0; k < nb; k++) {
            h[2 * k] = rap__hash_u64(ed[e0 + k].a);
            h[2 * k + 1] = rap__hash_u64(ed[e0 + k].b);
            __builtin_prefetch(&ix->slots[(size_t)h[2 * k] & ix->mask]);
            __builtin_prefetch(&ix->slots[(size_t)h[2 * k + 1] & ix->mask]);
        }
        for (size_t k = 0; k < nb; k++) {
            size_t e = e0 + k;
            double w = ed[e].bytes_per_s;
            const aid_slot *a = index_find(ix, ed[e].a, h[2 * k]);
            const aid_slot *b = index_find(ix, ed[e].b, h[2 * k + 1]);

            if (a == NULL || b == NULL)
                return bad(why, len, "pair %zu names actor %" PRIx64 ", not in the model", e,
                           a == NULL ? ed[e].a : ed[e].b);
            if (!isfinite(w) || w < 0)
                return bad(why, len, "pair %zu (%" PRIx64 ", %" PRIx64 ") has %g bytes per s", e,
                           ed[e].a, ed[e].b, w);
            total += w;
            if (a->rank != b->rank)
                cut += w;
            pairs[e] = (rap_lb_pair){ .a = a->index, .b = b->index, .w = w };
        }
    }
    g->total_bytes = total;
    g->cut_today = cut;
    return RAP_OK;
}

/* ---------------------------------------------------------------- build */

int rap__lbg_build(const rap_pmodel *m, rap_lb_graph *g_out, char *why, size_t len)
{
    rap_lb_graph g = { 0 };
    aid_index ix = { 0 };
    type_group *tg = NULL;
    size_t table;
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
    if (m->nactors >= UINT32_MAX)
        return RAP_ENOMEM;
    g.m = m;
    g.n = m->nactors;
    g.nranks = m->nranks;

    g.arena = calloc(1, sizeof(*g.arena));
    g.cap = malloc((size_t)m->nranks * sizeof(*g.cap));
    if (g.arena == NULL || g.cap == NULL) {
        rc = RAP_ENOMEM;
        goto free_cap;
    }
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
    /* The pairs first: the id table, after them, is let go once they are
     * resolved. */
    g.pairs = rap__lbg_alloc(&g, (m->nedges + 1) * sizeof(*g.pairs));
    if (g.pairs == NULL) {
        rc = RAP_ENOMEM;
        goto free_cap;
    }
    table = g.arena->nblocks;
    rc = check_actors(&g, &ix, why, len);
    if (rc != RAP_OK)
        goto free_cap;

    rc = build_groups(&g, m, &tg, why, len);
    if (rc != RAP_OK)
        goto free_cap;
    /* Without host lists every actor is in group 0, which every rank is
     * in: nothing to store or check. */
    if (m->nhosts > 0) {
        g.group = malloc((m->nactors + 1) * sizeof(*g.group));
        if (g.group == NULL) {
            rc = RAP_ENOMEM;
            goto free_groups;
        }
        for (size_t i = 0; i < m->nactors; i++) {
            const rap_pm_actor *a = &m->actors[i];
            g.group[i] = group_of(tg, m->nhosts, a->atype);
            if (g.group[i] == NO_GROUP) {
                rc = bad(why, len, "actor %" PRIx64 ": no rank may host its type %" PRIu32,
                         a->aid, a->atype);
                goto free_group;
            }
            if (a->pinned && !rap__lbg_may_host(&g, i, a->rank)) {
                rc = bad(why, len,
                         "actor %" PRIx64 " is pinned to rank %d, which may not host its type %" PRIu32,
                         a->aid, a->rank, a->atype);
                goto free_group;
            }
        }
    }
    rc = build_pairs(&g, m, &ix, why, len);
    if (rc != RAP_OK)
        goto free_group;
    free(tg);
    arena_release(g.arena, table); /* the id table's pages, for the strategy */
    *g_out = g;
    return RAP_OK;

free_group:
    free(g.group);
free_groups:
    free(tg);
    free(g.masks);
free_cap:
    free(g.cap);
    arena_free(g.arena);
    return rc;
}

void rap__lbg_free(rap_lb_graph *g)
{
    free(g->cap);
    free(g->group);
    free(g->masks);
    arena_free(g->arena);
    memset(g, 0, sizeof(*g));
}

/* ---------------------------------------------------------- adjacency */

typedef struct nbr_at {
    uint32_t j;
    uint32_t at;    /* its place in the list before sorting: stable order */
    double w;
} nbr_at;

static int cmp_nbr_at(const void *a, const void *b)
{
    const nbr_at *x = a, *y = b;
    if (x->j != y->j)
        return x->j < y->j ? -1 : 1;
    return (x->at > y->at) - (x->at < y->at);
}

/* Sort one list by neighbour, stably: in place by insertion when short or
 * nearly sorted (the usual case: lists come out of the pairs in order),
 * else through `tmp` (room for `len`). */
static void sort_list(uint32_t *nbr, double *w, size_t len, nbr_at *tmp)
{
    size_t inversions = 0;

    for (size_t k = 1; k < len; k++)
        inversions += nbr[k] < nbr[k - 1];
    if (inversions == 0)
        return;
    if (len <= 32) {
        for (size_t k = 1; k < len; k++) {
            uint32_t j = nbr[k];
            double x = w[k];
            size_t q = k;
            for (; q > 0 && nbr[q - 1] > j; q--) {
                nbr[q] = nbr[q - 1];
                w[q] = w[q - 1];
            }
            nbr[q] = j;
            w[q] = x;
        }
        return;
    }
    for (size_t k = 0; k < len; k++)
        tmp[k] = (nbr_at){ .j = nbr[k], .at = (uint32_t)k, .w = w[k] };
    qsort(tmp, len, sizeof(*tmp), cmp_nbr_at);
    for (size_t k = 0; k < len; k++) {
        nbr[k] = tmp[k].j;
        w[k] = tmp[k].w;
    }
}

/* Actor i's list under rap__lbg_adjacency's arguments. */
static inline uint32_t list_of(const uint32_t *list, const unsigned char *on, const int *where,
                               uint32_t i)
{
    if (list == NULL)
        return i;
    return on[where[i]] ? list[i] : RAP_LBG_NONE;
}

int rap__lbg_adjacency(const rap_lb_graph *g, const uint32_t *list, const unsigned char *on,
                       const int *where, size_t nlists, rap_lb_adj *adj_out)
{
    const rap_lb_pair *pairs = g->pairs;
    size_t ne = g->m->nedges, total, longest = 0, lo, out;
    size_t *xadj = rap__lbg_alloc(g, (nlists + 2) * sizeof(*xadj));
    uint32_t *nbr;
    double *w;
    nbr_at *tmp = NULL;

    if (xadj == NULL)
        return RAP_ENOMEM;
    memset(xadj, 0, (nlists + 2) * sizeof(*xadj));
    /* Count into xadj[k + 2], so that after the sums xadj[k + 1] is where
     * list k starts, and after the fill where it ends. */
    for (size_t e = 0; e < ne; e++) {
        uint32_t a = pairs[e].a, b = pairs[e].b, la, lb;
        if (a == b)
            continue;
        la = list_of(list, on, where, a);
        lb = list_of(list, on, where, b);
        if ((la == RAP_LBG_NONE && lb == RAP_LBG_NONE) || !(pairs[e].w > 0))
            continue;
        if (la != RAP_LBG_NONE)
            xadj[la + 2]++;
        if (lb != RAP_LBG_NONE)
            xadj[lb + 2]++;
    }
    for (size_t k = 0; k < nlists; k++) {
        if (xadj[k + 2] > longest)
            longest = xadj[k + 2];
        xadj[k + 2] += xadj[k + 1];
    }
    total = xadj[nlists + 1];
    nbr = rap__lbg_alloc(g, (total + 1) * sizeof(*nbr));
    w = rap__lbg_alloc(g, (total + 1) * sizeof(*w));
    if (longest > 32)
        tmp = rap__lbg_alloc(g, longest * sizeof(*tmp));
    if (nbr == NULL || w == NULL || (longest > 32 && tmp == NULL))
        return RAP_ENOMEM;
    for (size_t e = 0; e < ne; e++) {
        uint32_t a = pairs[e].a, b = pairs[e].b, la, lb;
        double x;
        if (a == b)
            continue;
        la = list_of(list, on, where, a);
        lb = list_of(list, on, where, b);
        if (la == RAP_LBG_NONE && lb == RAP_LBG_NONE)
            continue;
        x = pairs[e].w;
        if (!(x > 0))
            continue;
        if (la != RAP_LBG_NONE) {
            size_t at = xadj[la + 1]++;
            nbr[at] = b;
            w[at] = x;
        }
        if (lb != RAP_LBG_NONE) {
            size_t at = xadj[lb + 1]++;
            nbr[at] = a;
            w[at] = x;
        }
    }
    /* Sort each list and merge repeats, compacting in place. */
    lo = 0;
    out = 0;
    for (size_t k = 0; k < nlists; k++) {
        size_t hi = xadj[k + 1], start = out;
        sort_list(&nbr[lo], &w[lo], hi - lo, tmp);
        for (size_t q = lo; q < hi; q++) {
            if (out > start && nbr[out - 1] == nbr[q]) {
                w[out - 1] += w[q];
            } else {
                nbr[out] = nbr[q];
                w[out] = w[q];
                out++;
            }
        }
        xadj[k] = start;
        lo = hi;
    }
    xadj[nlists] = out;
    *adj_out = (rap_lb_adj){ .xadj = xadj, .nbr = nbr, .w = w };
    return RAP_OK;
}

/* ------------------------------------------------------------- queries */

void rap__lbg_rank_loads(const rap_lb_graph *g, const int *assign, double *load_out)
{
    const rap_pm_actor *a = g->m->actors;

    for (int r = 0; r < g->nranks; r++)
        load_out[r] = 0;
    if (assign == NULL) {
        for (size_t i = 0; i < g->n; i++)
            load_out[a[i].rank] += a[i].load;
    } else {
        for (size_t i = 0; i < g->n; i++)
            load_out[assign[i]] += a[i].load;
    }
}

double rap__lbg_cut(const rap_lb_graph *g, const int *assign)
{
    double cut = 0;

    for (size_t e = 0; e < g->m->nedges; e++)
        if (assign[g->pairs[e].a] != assign[g->pairs[e].b])
            cut += g->pairs[e].w;
    return cut;
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
