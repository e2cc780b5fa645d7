/* msg/group.h -- an actor group's shape and placement: which rank a
 * member lives on and which members a rank has.
 *
 * Owns:       the one definition of a group's member count, a member's
 *             linear index, its host (the position, among the ranks that
 *             host the group's type, that the placement gives it), a
 *             host's members (first index, stride, count) and the tree of
 *             hosts a reduction climbs.
 * Invariants: pure functions of the group descriptor and the number of
 *             hosts, so every rank computes the same answers; a host's
 *             members are exactly the indices whose host is that host.
 * Threads:    any; pure.
 * Uses:       util/.
 */
#ifndef RAP_MSG_GROUP_H
#define RAP_MSG_GROUP_H

#include "msg/aid.h"
#include "util/common.h"

#define RAP_GROUP_F_MOVABLE 1u /* members of a movable type: their ids carry the mark */

/* Whether `g` is a group descriptor any rank could have made. */
static inline bool rap__group_ok(const rap_group *g)
{
    uint64_t n = 1;

    if (g->id == 0 || g->id >= (1u << RAP_GROUP_NUM_BITS) || g->ndims < 1 || g->ndims > 3 ||
        g->placement > RAP_GROUP_ROUND_ROBIN || (g->flags & ~RAP_GROUP_F_MOVABLE) != 0 ||
        g->actor_type < RAP_TYPE_USER_MIN)
        return false;
    for (uint32_t d = 0; d < 3; d++) {
        if (g->dims[d] == 0 || (d >= g->ndims && g->dims[d] != 1))
            return false;
        n *= g->dims[d];
    }
    return n <= RAP_GROUP_MAX_MEMBERS;
}

static inline uint32_t rap__group_size(const rap_group *g) { return g->dims[0] * g->dims[1] * g->dims[2]; }

/* The host position (0..hosts-1) of member `i`. */
static inline uint32_t rap__group_host(const rap_group *g, uint32_t i, uint32_t hosts)
{
    if (g->placement == RAP_GROUP_ROUND_ROBIN)
        return i % hosts;
    return (uint32_t)((uint64_t)i * hosts / rap__group_size(g));
}

/* The members of host position `pos`: indices lo, lo + stride, ...
 * (count of them). */
static inline void rap__group_members(const rap_group *g, uint32_t pos, uint32_t hosts, uint32_t *lo,
                                      uint32_t *stride, uint32_t *count)
{
    uint64_t n = rap__group_size(g);

    if (g->placement == RAP_GROUP_ROUND_ROBIN) {
        *lo = pos;
        *stride = hosts;
        *count = pos < n ? (uint32_t)((n - pos + hosts - 1) / hosts) : 0;
        return;
    }
    /* i is on pos when pos <= i * hosts / n < pos + 1. */
    uint64_t first = (pos * n + hosts - 1) / hosts, end = ((uint64_t)(pos + 1) * n + hosts - 1) / hosts;
    *lo = (uint32_t)first;
    *stride = 1;
    *count = (uint32_t)(end - first);
}

/* The hosts with members, in order: for block placement with fewer
 * members than hosts some have none.  The reduction tree is over these:
 * the k-th's parent is the ((k - 1) / 2)-th.  `out` has room for `hosts`.
 * Returns how many. */
static inline uint32_t rap__group_member_hosts(const rap_group *g, uint32_t hosts, uint32_t *out)
{
    uint32_t n = 0, lo, stride, count;

    for (uint32_t p = 0; p < hosts; p++) {
        rap__group_members(g, p, hosts, &lo, &stride, &count);
        if (count > 0)
            out[n++] = p;
    }
    return n;
}

#endif
