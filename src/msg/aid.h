/* msg/aid.h -- the actor-id layout: composing, testing and printing ids.
 *
 * Owns:       the one definition of how an id is built (the public header
 *             gives the field macros RAP_AID_RANK / RAP_AID_SERIAL) and
 *             which serials the runtime keeps for itself.
 * Invariants: an id is (home rank << RAP_AID_SERIAL_BITS) | serial; serial
 *             0 is never an actor; serials below RAP_SERIAL_USER_MIN name
 *             the runtime's actors, the same serial on every rank.
 * Threads:    any; pure functions.
 * Uses:       util/.
 */
#ifndef RAP_MSG_AID_H
#define RAP_MSG_AID_H

#include <stdio.h>

#include "util/common.h"

/* The runtime's actors: the System actor on every rank, the Logger and
 * the Profiler on rank 0.  User actors get serials from RAP_SERIAL_USER_MIN up. */
#define RAP_SERIAL_SYSTEM 1u
#define RAP_SERIAL_LOGGER 2u
#define RAP_SERIAL_PROFILER 3u
/* Not an actor: the sender of a message to a movable actor sent from
 * outside actors (rap_send with ctx NULL) on the id's rank; handlers see
 * RAP_AID_NONE.  Gives such messages a sender to be ordered by. */
#define RAP_SERIAL_OUTSIDE 4u
#define RAP_SERIAL_USER_MIN 16u
/* The top serial bit marks an actor of a movable type (migration): the
 * rank in its id is then its home, which knows where it is now. */
#define RAP_SERIAL_MOVABLE (UINT64_C(1) << (RAP_AID_SERIAL_BITS - 1))
/* The next bit marks a member of an actor group (rap_group_spawn): its
 * serial is then the group's number and the member's index, so that any
 * rank computes a member's id from the group and the index alone; the
 * rank in the id is where the group's placement puts it (its home). */
#define RAP_SERIAL_GROUP (UINT64_C(1) << (RAP_AID_SERIAL_BITS - 2))
#define RAP_GROUP_INDEX_BITS 24
#define RAP_GROUP_NUM_BITS (RAP_AID_SERIAL_BITS - 2 - RAP_GROUP_INDEX_BITS)

static inline rap_aid rap__aid(int rank, uint64_t serial)
{
    return ((uint64_t)(uint32_t)rank << RAP_AID_SERIAL_BITS) | serial;
}

/* The System actor of `rank`. */
static inline rap_aid rap__aid_system(int rank) { return rap__aid(rank, RAP_SERIAL_SYSTEM); }

/* Whether `aid` names one of the runtime's actors (System, Logger, ...). */
static inline bool rap__aid_is_runtime(rap_aid aid)
{
    return aid != RAP_AID_NONE && RAP_AID_SERIAL(aid) < RAP_SERIAL_USER_MIN;
}

/* Whether `aid` names an actor of a movable type (it may live away from
 * the rank in its id). */
static inline bool rap__aid_movable(rap_aid aid) { return (aid & RAP_SERIAL_MOVABLE) != 0; }

/* Whether `aid` names a member of an actor group. */
static inline bool rap__aid_is_group(rap_aid aid) { return (aid & RAP_SERIAL_GROUP) != 0; }

/* The id of member `index` of group `gnum`, placed on `rank`. */
static inline rap_aid rap__aid_group(int rank, uint32_t gnum, uint32_t index, bool movable)
{
    return rap__aid(rank, RAP_SERIAL_GROUP | (movable ? RAP_SERIAL_MOVABLE : 0) |
                              (uint64_t)gnum << RAP_GROUP_INDEX_BITS | index);
}

/* A group member's group number and index. */
static inline uint32_t rap__aid_gnum(rap_aid aid)
{
    return (uint32_t)(aid >> RAP_GROUP_INDEX_BITS) & ((1u << RAP_GROUP_NUM_BITS) - 1);
}
static inline uint32_t rap__aid_gindex(rap_aid aid) { return (uint32_t)aid & ((1u << RAP_GROUP_INDEX_BITS) - 1); }

/* The outside-actors sender of `rank` (RAP_SERIAL_OUTSIDE). */
static inline rap_aid rap__aid_outside(int rank) { return rap__aid(rank, RAP_SERIAL_OUTSIDE); }

/* Whether `aid` can name an actor of a job of `size` ranks. */
static inline bool rap__aid_valid(rap_aid aid, int size)
{
    return aid != RAP_AID_NONE && RAP_AID_RANK(aid) < size && RAP_AID_SERIAL(aid) != 0;
}

/* The id as text, "rank:serial" ("-" for RAP_AID_NONE; a movable actor's
 * "home:serialm", its serial without the mark; a group member's
 * "rank:gG[i]"), in `buf`. */
#define RAP_AID_STR_MAX 32
static inline const char *rap__aid_str(rap_aid aid, char *buf, size_t n)
{
    if (aid == RAP_AID_NONE)
        snprintf(buf, n, "-");
    else if (rap__aid_is_group(aid))
        snprintf(buf, n, "%d:g%u[%u]%s", RAP_AID_RANK(aid), rap__aid_gnum(aid), rap__aid_gindex(aid),
                 rap__aid_movable(aid) ? "m" : "");
    else if (rap__aid_movable(aid))
        snprintf(buf, n, "%d:%llum", RAP_AID_RANK(aid),
                 (unsigned long long)(RAP_AID_SERIAL(aid) & ~RAP_SERIAL_MOVABLE));
    else
        snprintf(buf, n, "%d:%llu", RAP_AID_RANK(aid), (unsigned long long)RAP_AID_SERIAL(aid));
    return buf;
}

#endif
