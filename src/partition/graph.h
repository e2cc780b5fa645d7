/* partition/graph.h -- a checked, indexed view of a cost model, what every
 * strategy reads: actors by index (the model's order), each pair of
 * talking actors as adjacency lists, each actor's host group (the set of
 * ranks that may run it), and the ranks' capacities.
 *
 * Owns:       rap_lb_graph's arrays (rap__lbg_free); it points into the
 *             model, which must outlive it.
 * Invariants: after rap__lbg_build succeeds every actor is on a rank in
 *             [0, nranks), every load and byte rate is finite and >= 0,
 *             every pinned actor is on a rank its group allows, every group
 *             allows at least one rank; an adjacency list holds each
 *             neighbour once, in increasing index order, never the actor
 *             itself (pairs given twice are summed, pairs of an actor with
 *             itself count in total_bytes only); group 0 is every rank.
 * Threads:    read-only once built: any number of readers.
 * Uses:       partition/model.h, util/.
 */
#ifndef RAP_PARTITION_GRAPH_H
#define RAP_PARTITION_GRAPH_H

#include "partition/model.h"

typedef struct rap_lb_nbr {
    size_t j;              /* the neighbour's index */
    double w;              /* bytes per s between the two, both ways */
} rap_lb_nbr;

typedef struct rap_lb_graph {
    const rap_pmodel *m;
    size_t n;              /* actors */
    int nranks;
    double *cap;           /* workers per rank, as a double */
    double total_load, total_cap;
    /* Pairs: actor i's neighbours are adj[xadj[i] .. xadj[i + 1]). */
    size_t *xadj;
    rap_lb_nbr *adj;
    double total_bytes;    /* every pair's bytes per s, self pairs included */
    /* Host groups: a distinct set of ranks each; bit r of group k's mask is
     * masks[k * words + r / 64] >> (r % 64) & 1. */
    uint32_t *group;       /* per actor */
    uint32_t ngroups;
    size_t words;
    uint64_t *masks;
} rap_lb_graph;

/* Check `m` and build its view into `*g_out`.  On RAP_EINVAL, when `why`
 * is not NULL, one line saying what is wrong goes into it (`len` bytes).
 * Returns RAP_OK, RAP_EINVAL (see rap__lb_plan for the cases) or
 * RAP_ENOMEM; on error `*g_out` is untouched. */
int rap__lbg_build(const rap_pmodel *m, rap_lb_graph *g_out, char *why, size_t len);
void rap__lbg_free(rap_lb_graph *g);

static inline bool rap__lbg_group_has(const rap_lb_graph *g, uint32_t grp, int rank)
{
    return (g->masks[grp * g->words + (size_t)rank / 64] >> ((unsigned)rank % 64)) & 1;
}

static inline bool rap__lbg_may_host(const rap_lb_graph *g, size_t actor, int rank)
{
    return rap__lbg_group_has(g, g->group[actor], rank);
}

static inline double rap__lbg_load(const rap_lb_graph *g, size_t actor)
{
    return g->m->actors[actor].load;
}

/* Each rank's summed load under `assign` into `load_out` (nranks). */
void rap__lbg_rank_loads(const rap_lb_graph *g, const int *assign, double *load_out);

/* The allowed rank of group `grp` where `w` more load would give the
 * lowest load per worker, (load[r] + w) / cap[r]; ties go to the lower
 * rank.  A linear scan; -1 when the group allows no rank. */
int rap__lbg_best_rank(const rap_lb_graph *g, uint32_t grp, const double *load, double w);

/* Bytes per s between actor i and its neighbours on rank r. */
double rap__lbg_bytes_to(const rap_lb_graph *g, const int *assign, size_t i, int r);

#endif
