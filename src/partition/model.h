/* partition/model.h -- the cost model the partitioner reads: actors with
 * their measured load, the bytes between pairs of them, and the ranks with
 * their capacity.  Plain data, no MPI: the runtime's Profiler fills it
 * (services/profiler.c), and an offline tool can read it from a profile
 * file the same way.
 *
 * Owns:       nothing but its arrays (rap__pmodel_free), the host lists'
 *             rank arrays included.
 * Invariants: loads are the recent rate of handler time (ns of handler
 *             time per second of wall time, a moving average over the
 *             profile's samples); an actor appears once; a pair once,
 *             whichever way its bytes went (a < b); bytes per second over
 *             the whole run; ranks[r].rank == r.  A type with no entry in
 *             `hosts` (or hosts NULL, the single-program case) may run on
 *             every rank; one with an entry only on the ranks it lists.
 * Threads:    a model is a value: one owner.
 * Uses:       util/.
 */
#ifndef RAP_PARTITION_MODEL_H
#define RAP_PARTITION_MODEL_H

#include <stdlib.h>

#include "util/common.h"

typedef struct rap_pm_actor {
    rap_aid aid;
    uint32_t atype;
    int rank;              /* where it runs */
    double load;           /* ns of handler time per s, moving average */
    uint64_t state_bytes;  /* the cost of moving it (its packed size, later) */
    bool pinned;           /* may not move (the runtime's actors, pinned ones) */
} rap_pm_actor;

typedef struct rap_pm_edge {
    rap_aid a, b;
    double bytes_per_s;
} rap_pm_edge;

typedef struct rap_pm_rank {
    int rank;
    int workers;           /* its capacity */
    double busy;           /* busy fraction of its workers, last interval */
} rap_pm_rank;

/* The ranks that may host an actor type (MPMD: the ranks whose executable
 * registered it).  An empty list means no rank may: a model with an actor
 * of that type is invalid. */
typedef struct rap_pm_host {
    uint32_t atype;
    int *ranks;            /* each in [0, nranks), any order */
    size_t nranks;
} rap_pm_host;

typedef struct rap_pmodel {
    rap_pm_actor *actors;
    size_t nactors;
    rap_pm_edge *edges;
    size_t nedges;
    rap_pm_rank *ranks;
    int nranks;
    double imbalance;      /* max / mean busy time over the ranks */
    rap_pm_host *hosts;    /* NULL: every type on every rank */
    size_t nhosts;         /* one entry per restricted type */
} rap_pmodel;

static inline void rap__pmodel_free(rap_pmodel *m)
{
    free(m->actors);
    free(m->edges);
    free(m->ranks);
    for (size_t i = 0; i < m->nhosts; i++)
        free(m->hosts[i].ranks);
    free(m->hosts);
    m->actors = NULL;
    m->edges = NULL;
    m->ranks = NULL;
    m->hosts = NULL;
    m->nactors = m->nedges = m->nhosts = 0;
    m->nranks = 0;
}

#endif
