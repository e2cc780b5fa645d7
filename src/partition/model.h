/* partition/model.h -- the cost model the partitioner reads: actors with
 * their measured load, the bytes between pairs of them, and the ranks with
 * their capacity.  Plain data, no MPI: the runtime's Profiler fills it
 * (services/profiler.c), and an offline tool can read it from a profile
 * file the same way.
 *
 * Owns:       nothing but its arrays (rap__pmodel_free).
 * Invariants: loads are the recent rate of handler time (ns of handler
 *             time per second of wall time, a moving average over the
 *             profile's samples); an actor appears once; a pair once,
 *             whichever way its bytes went (a < b); bytes per second over
 *             the whole run.
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

typedef struct rap_pmodel {
    rap_pm_actor *actors;
    size_t nactors;
    rap_pm_edge *edges;
    size_t nedges;
    rap_pm_rank *ranks;
    int nranks;
    double imbalance;      /* max / mean busy time over the ranks */
} rap_pmodel;

static inline void rap__pmodel_free(rap_pmodel *m)
{
    free(m->actors);
    free(m->edges);
    free(m->ranks);
    m->actors = NULL;
    m->edges = NULL;
    m->ranks = NULL;
    m->nactors = m->nedges = 0;
    m->nranks = 0;
}

#endif
