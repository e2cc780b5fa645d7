/* partition/graph.h -- a checked, indexed view of a cost model, what every
 * strategy reads: actors by index (the model's order), each pair of
 * talking actors as the indexes of its two actors, each actor's host group
 * (the set of ranks that may run it), and the ranks' capacities; and, for
 * the strategies that need them, adjacency lists built on demand.
 *
 * Owns:       rap_lb_graph's arrays and its work memory, rap_lb_adj's
 *             arrays among it (all freed by rap__lbg_free); it points into
 *             the model, which must outlive it.
 * Invariants: after rap__lbg_build succeeds every actor is on a rank in
 *             [0, nranks), every load and byte rate is finite and >= 0,
 *             every pinned actor is on a rank its group allows, every group
 *             allows at least one rank, pairs[e] holds the indexes of
 *             m->edges[e]'s two actors (equal for an actor with itself);
 *             group 0 is every rank.  An adjacency list holds each
 *             neighbour once, in increasing index order, never the actor
 *             itself (pairs given twice are summed, pairs of an actor with
 *             itself and pairs of 0 bytes are left out).
 * Threads:    read-only once built, but for its work memory: one plan
 *             (one strategy run) at a time.
 * Uses:       partition/model.h, util/.
 *
 * Memory touched for the first time (page faults) is what a plan of a
 * million actors spent most on, so the view is compact (32-bit indexes; a
 * pair is its two indexes and its bytes, 16 bytes), the view and the
 * strategies take their memory from the graph's arena (rap__lbg_alloc),
 * which reuses the pages of the id table, unmaps nothing before the end,
 * and maps blocks of megabytes in huge pages.  With 32-bit indexes a model
 * of UINT32_MAX actors or more is refused with RAP_ENOMEM (its actors
 * alone would take 160 GB).
 */
#ifndef RAP_PARTITION_GRAPH_H
#define RAP_PARTITION_GRAPH_H

#include "partition/model.h"

#define RAP_LBG_NONE UINT32_MAX

typedef struct rap_lb_pair {
    uint32_t a, b;         /* the indexes of m->edges[e].a and .b */
    double w;              /* its bytes per s */
} rap_lb_pair;

struct rap_lb_arena;

typedef struct rap_lb_graph {
    const rap_pmodel *m;
    size_t n;              /* actors */
    int nranks;
    double *cap;           /* workers per rank, as a double */
    double total_load, total_cap;
    /* Pairs: pairs[e] for m->edges[e] (in the work memory). */
    rap_lb_pair *pairs;
    double total_bytes;    /* every pair's bytes per s, self pairs included */
    double cut_today;      /* bytes per s between actors on different ranks
                              where the model places them (summed as
                              rap__lbg_cut sums, so the two agree exactly) */
    /* Host groups: a distinct set of ranks each; bit r of group k's mask is
     * masks[k * words + r / 64] >> (r % 64) & 1. */
    uint32_t *group;       /* per actor; NULL when the model has no host
                              lists: every actor is in group 0 */
    uint32_t ngroups;
    size_t words;
    uint64_t *masks;
    /* Work memory for the one plan made on this graph (rap__lbg_alloc). */
    struct rap_lb_arena *arena;
} rap_lb_graph;

/* Adjacency lists: list k's neighbours are nbr[xadj[k] .. xadj[k + 1]),
 * with the bytes per s between the two, both ways, in w. */
typedef struct rap_lb_adj {
    size_t *xadj;          /* nlists + 1 */
    uint32_t *nbr;
    double *w;
} rap_lb_adj;

/* Check `m` and build its view into `*g_out`.  On RAP_EINVAL, when `why`
 * is not NULL, one line saying what is wrong goes into it (`len` bytes).
 * Returns RAP_OK, RAP_EINVAL (see rap__lb_plan for the cases) or
 * RAP_ENOMEM; on error `*g_out` is untouched. */
int rap__lbg_build(const rap_pmodel *m, rap_lb_graph *g_out, char *why, size_t len);
void rap__lbg_free(rap_lb_graph *g);

/* `size` bytes of work memory (64-byte aligned, not zeroed) that stay
 * until rap__lbg_free; NULL when out of memory.  It comes first from the
 * pages the check filled and let go (the id table), then from new blocks
 * (of megabytes: in huge pages where the system has them) that are never
 * handed back before the end.  Thread: whoever holds the graph (the one
 * strategy run on it); not for use by two threads at once. */
void *rap__lbg_alloc(const rap_lb_graph *g, size_t size);

/* The adjacency lists of some actors into `*adj_out`: with `list` NULL,
 * list i is actor i's (nlists == n); otherwise an actor i with
 * on[where[i]] set has list list[i] < nlists, or none if list[i] is
 * RAP_LBG_NONE, and the others have none (list[i] is read only for actors
 * with on[where[i]] set, so the caller need fill it only for those).  Each
 * list is as graph.h's invariants say; the arrays are work memory
 * (rap__lbg_alloc).  Returns RAP_OK or RAP_ENOMEM (`*adj_out` then
 * untouched). */
int rap__lbg_adjacency(const rap_lb_graph *g, const uint32_t *list, const unsigned char *on,
                       const int *where, size_t nlists, rap_lb_adj *adj_out);

static inline uint32_t rap__lbg_group(const rap_lb_graph *g, size_t actor)
{
    return g->group != NULL ? g->group[actor] : 0;
}

static inline bool rap__lbg_group_has(const rap_lb_graph *g, uint32_t grp, int rank)
{
    return (g->masks[grp * g->words + (size_t)rank / 64] >> ((unsigned)rank % 64)) & 1;
}

static inline bool rap__lbg_may_host(const rap_lb_graph *g, size_t actor, int rank)
{
    return rap__lbg_group_has(g, rap__lbg_group(g, actor), rank);
}

static inline double rap__lbg_load(const rap_lb_graph *g, size_t actor)
{
    return g->m->actors[actor].load;
}

/* Each rank's summed load under `assign` into `load_out` (nranks); with
 * `assign` NULL, where the model places the actors. */
void rap__lbg_rank_loads(const rap_lb_graph *g, const int *assign, double *load_out);

/* Bytes per s between actors on different ranks under `assign`. */
double rap__lbg_cut(const rap_lb_graph *g, const int *assign);

/* The allowed rank of group `grp` where `w` more load would give the
 * lowest load per worker, (load[r] + w) / cap[r]; ties go to the lower
 * rank.  A linear scan; -1 when the group allows no rank. */
int rap__lbg_best_rank(const rap_lb_graph *g, uint32_t grp, const double *load, double w);

#endif
