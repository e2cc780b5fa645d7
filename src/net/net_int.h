/* net/net_int.h -- the transport's state, shared by its files and by no
 * one else.
 *
 * Owns:       struct rap_net.
 * Invariants: the send queue is guarded by `qlock`; everything marked
 *             "progress thread" is touched only by the thread that holds
 *             the caller's MPI token (net.h), one at a time; the per-peer
 *             receive counters of flow control are atomics (consumers on
 *             any thread add to them).
 * Threads:    see each field.
 * Uses:       MPI, msg/, util/.
 */
#ifndef RAP_NET_NET_INT_H
#define RAP_NET_NET_INT_H

#include <pthread.h>

#include "net/flow.h"
#include "net/net.h"
#include "util/counters.h"

/* Sends handed to MPI at once.  The rest wait in the queue, in order: a
 * handler that sends 100,000 messages must not leave 100,000 requests for
 * every MPI_Testsome to scan.  A poll takes at most TAKE_MAX queued
 * messages (batched, they make far fewer requests) while fewer than
 * MAX_INFLIGHT are incomplete. */
#define MAX_INFLIGHT 256
#define TAKE_MAX 1024

/* Batches stay under Open MPI's shared-memory eager limit (4 KiB with its
 * own header); messages up to RAP_NET_BATCH_ITEM bytes on the wire join them. */
#define RAP_NET_BATCH_MAX RAP_WIRE_SLOT
#define RAP_NET_BATCH_ITEM 1024

/* Receive slots per kind (enum rap_kind order), NSLOTS in all. */
#define NSLOTS 30

/* Per destination during one post_sends: the first small message waits as
 * itself (`single`); a second one starts a batch that copies both. */
typedef struct pending {
    rap_env *single;
    rap_env *batch;
    bool listed; /* in `touched` this pass */
} pending;

/* Flow control toward one peer: the progress thread's alone. */
typedef struct peer_tx {
    uint64_t inflight;      /* charged and not yet credited */
    rap_env *bhead, *btail; /* messages waiting for credit, in order */
    bool requested;         /* a credit request is out, no credit since */
    bool retry;             /* listed in `retry` */
} peer_tx;

/* Flow control from one peer: consumers and the progress thread. */
typedef struct peer_rx {
    _Atomic uint64_t received; /* charges delivered (progress thread writes) */
    _Atomic uint64_t consumed; /* charges consumed (any thread) */
    _Atomic uint64_t returned; /* charges returned in credits (monotonic) */
    _Atomic bool want;         /* the peer is blocked and has asked */
} peer_rx;

typedef struct slot {
    bool done;     /* completed by a Testsome, not yet handled */
    bool unposted; /* handled, but could not be posted again (recv.c) */
    int err;       /* MPI_SUCCESS or the status's error */
    MPI_Status st;
    char *buf;     /* what is posted: `small`, or env's wire image */
    rap_env *env;  /* ActorAction slots: a large envelope, handed to the
                    * addressee when a message over RAP_WIRE_SLOT lands
                    * in it (NULL until the slot gets another) */
    alignas(16) char small[RAP_WIRE_SLOT];
} slot;

/* A message whose body has not come yet (recv.c): its large header from
 * `src` on `kind`'s tag, and what arrived after it from that peer on that
 * kind, held in order. */
typedef struct bulk_wait {
    int src, kind;
    rap_wire_hdr hdr;       /* the large header, validated */
    uint64_t since;         /* ns, when the header was handled */
    bool matched;           /* MPI matched the body (msg, bytes) ... */
    MPI_Message msg;
    int bytes;
    bool nomem_told;        /* ... but there was no memory to receive it */
    rap_env *hhead, *htail; /* held behind it, in order, linked through next */
} bulk_wait;

struct rap_net {
    MPI_Comm comm;
    rap_net_callbacks cb;
    rap_wire_limits lim;
    uint64_t window;        /* 0: no flow control */
    rap_bell *const *bells; /* per peer, NULL entries for peers without one */

    /* The send queue (batch.c): any thread appends under qlock. */
    pthread_mutex_t qlock;
    rap_env *qhead, *qtail; /* linked through env->next; env->src_rank = destination */
    _Atomic size_t queued;  /* in the queue */
    _Atomic size_t blocked; /* in the peers' blocked lists (flow.c) */
    _Atomic size_t waiting; /* receives held for a second part (recv.c) */

    /* Progress thread: coalescing (batch.c). */
    pending *pend;          /* one per rank */
    int *touched;           /* ranks with a pending entry, this pass */

    /* Progress thread: flow control toward each peer (flow.c); consumers
     * and the progress thread: from each peer. */
    peer_tx *tx;
    peer_rx *rx;
    int *retry;             /* peers that got credit while blocked */
    int nretry;

    /* Progress thread: requests, the receive slots' (NSLOTS), then the
     * sends' (reqs), in one array, so that one MPI_Testsome completes
     * both (net.c). */
    MPI_Request *allreq, *reqs;
    MPI_Status *allst;
    int *allidx;
    rap_env **inflight;
    int ninflight, capinflight;

    /* Progress thread: receive slots (recv.c): kind k owns
     * [first[k], first[k] + slots_per_kind[k]); head[k] is the next one in
     * posting order. */
    slot *slots;
    int first[RAP_KIND_COUNT], head[RAP_KIND_COUNT];
    bool took_bulk;         /* a large body was received in this poll */
    bulk_wait *waits;       /* messages waiting for their body */
    int nwaits, capwaits;

    /* Progress thread, Open MPI: a receive on a private communicator
     * that nothing sends to; MPI_Test on it runs the progress engine
     * once (net.c). */
    MPI_Comm spur_comm;
    MPI_Request spur;
};

/* net.c */
bool rap__net_post(rap_net *net, rap_env *env, int dest, size_t bytes, int tag, char *err_text);
void rap__net_send_failed(rap_net *net, rap_env *env, int dest, const char *text);
void rap__net_ring(rap_net *net, int dest);
void rap__net_mpi_text(int rc, char *buf);

/* batch.c: post what is queued (all of it regardless of credit when
 * `force`); hand one envelope to MPI. */
int rap__batch_post_sends(rap_net *net, bool force);
int rap__batch_isend(rap_net *net, rap_env *env, int dest);
int rap__batch_post_one(rap_net *net, rap_env *env, int dest, int *ntouched);

/* flow.c */
uint64_t rap__flow_charge_of(const rap_env *env);
bool rap__flow_take_charge(rap_net *net, int dest, const rap_env *env);
void rap__flow_block(rap_net *net, rap_env *env, int dest);
int rap__flow_request_credit(rap_net *net, int dest);
int rap__flow_release_blocked(rap_net *net, int *ntouched, bool force);
void rap__flow_list_retry(rap_net *net, int dest);
void rap__flow_received(rap_net *net, const rap_env *env, int src);
void rap__flow_on_credit(rap_net *net, const rap_env *env, int src);

/* recv.c */
int rap__recv_create(rap_net *net);
void rap__recv_destroy(rap_net *net);
/* Handle what the last Testsome completed in the receive slots, then
 * what waited for a second part; returns the messages handled. */
int rap__recv_handle(rap_net *net);
void rap__recv_malformed(rap_net *net, int src, size_t bytes, const rap_wire_hdr *hdr,
                         const char *why);

#endif
