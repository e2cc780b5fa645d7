/* net/bells.h -- the doorbells of a node's ranks, in memory they share.
 *
 * Owns:       the node communicator, the MPI shared-memory window holding
 *             one futex word (util/bell.h) per rank of the node, and the
 *             table rank -> that rank's word.
 * Invariants: every rank of the job agrees whether bells are in use (if
 *             any rank could not make the window, none uses them, or a rank
 *             would wait for rings that never come); `all` is true when
 *             every rank of the job is on this node, so that every message
 *             can ring its receiver.
 * Threads:    create/free from rap_init's / rap_finalize's thread
 *             (collective); the words are rung and waited on by any thread.
 * Uses:       MPI, util/bell.h.
 */
#ifndef RAP_NET_BELLS_H
#define RAP_NET_BELLS_H

#include <mpi.h>

#include "util/bell.h"
#include "util/common.h"

typedef struct rap_bells {
    MPI_Comm node_comm; /* this node's ranks (MPI_COMM_NULL if it could not be made) */
    MPI_Win win;
    rap_bell **of;      /* of[r]: rank r's bell, NULL for ranks on other nodes; NULL: no bells */
    rap_bell *mine;     /* this rank's (NULL: no bells) */
    bool all;           /* every rank of comm is on this node */
} rap_bells;

/* Make the bells of `comm`'s ranks.  Collective over comm.  Never fails:
 * without a shared window `of` and `mine` are NULL (the poller then polls
 * at an interval instead of sleeping until rung). */
void rap__bells_create(MPI_Comm comm, rap_bells *b);
/* Collective over comm: every rank is past its last ring. */
void rap__bells_free(rap_bells *b);

#endif
