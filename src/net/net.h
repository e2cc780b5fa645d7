/* net/net.h -- MPI transport of envelopes between ranks: the facade the
 * node uses.
 *
 * Owns:       Raptors' data communicator (a duplicate made by the caller),
 *             the envelopes waiting to be sent, and each envelope from
 *             rap__net_send until its MPI send completes.
 * Invariants: envelopes to one peer are handed to MPI in the order
 *             rap__net_send got them, each kind on its own tag (wire.h), so
 *             that MPI's non-overtaking rule keeps actor-to-actor order.
 *             Every arrival is validated before the arrival callback sees
 *             it; a malformed one goes to the malformed callback, counted,
 *             and is freed.  No call blocks: a message that arrives in two
 *             parts (a large header, then its body) is a state of the
 *             receive side, and what follows it from the same peer and kind
 *             waits behind it.  The MPI_SENT / MPI_RECEIVED counters
 *             (util/counters.h) count MPI messages (a batch is one;
 *             malformed ones count): the termination wave compares them.
 *             Flow control (window > 0): the ActorActionMsg bytes sent to a
 *             peer and not yet returned by it as consumed (rap__net_consumed)
 *             stay within the window (flow.h); a message that does not fit
 *             waits in its peer's blocked list, in order, while traffic to
 *             other peers and every system message goes on.
 * Threads:    rap__net_send* and rap__net_consumed from any thread;
 *             rap__net_progress and rap__net_send_now by one thread at a
 *             time (the caller serialises: it holds the MPI token).
 * Uses:       MPI, msg/, util/.  Knows nothing of actors.
 */
#ifndef RAP_NET_NET_H
#define RAP_NET_NET_H

#include <mpi.h>

#include "msg/env.h"
#include "util/bell.h"

typedef struct rap_net_callbacks {
    /* A validated envelope from the wire; the callee owns it. */
    void (*arrival)(void *arg, rap_env *env);
    /* A message that failed validation (already counted and freed); `hdr`
     * is its header when one was received whole, else NULL. */
    void (*malformed)(void *arg, int src_rank, size_t bytes, const rap_wire_hdr *hdr,
                      const char *why);
    /* A send MPI refused; the callee owns env. */
    void (*send_failed)(void *arg, rap_env *env, int dest, const char *mpi_text);
    /* Optional: called with true before the arrivals of one batch from
     * the wire and with false after them (the callee may hold them and
     * deliver them together). */
    void (*batch)(void *arg, bool open);
    /* Optional: something to report that loses nothing (yet), such as a
     * receive waiting for memory. */
    void (*warn)(void *arg, int peer, const char *text);
    void *arg;
} rap_net_callbacks;

typedef struct rap_net rap_net;

/* `window`: bytes of ActorActionMsgs in flight to one peer (sent, not yet
 * consumed there); 0 turns flow control off. */
int rap__net_create(MPI_Comm comm, const rap_net_callbacks *cb, uint64_t window, rap_net **net_out);
/* Queue `env` (header filled) for `dest`.  Takes ownership.  Returns true
 * when the queue is long enough that the caller should make progress now
 * (flush by size) rather than wait for an idle worker. */
bool rap__net_send(rap_net *net, int dest, rap_env *env);
/* Queue first..last (n envelopes linked through `next`, last->next NULL)
 * for `dest`, in order, under one lock; returns as rap__net_send. */
bool rap__net_send_chain(rap_net *net, int dest, rap_env *first, rap_env *last, size_t n);
/* Hand `env` (header filled) to MPI at once if the transport is idle:
 * nothing queued or waiting for credit, no send incomplete, and it fits
 * the peer's window.  Takes ownership when it returns true; else the
 * caller queues it (rap__net_send).  The caller holds the progress token. */
bool rap__net_send_now(rap_net *net, int dest, rap_env *env);
/* Post queued sends, complete finished ones, receive arrivals (system
 * kinds first).  Returns the number of events handled, plus one while a
 * send is incomplete or a message waits for its second part (so that
 * callers keep polling). */
int rap__net_progress(rap_net *net);
/* Doorbells of the peers, indexed by rank (NULL where a peer has none, or
 * `bells` NULL): a send rings its peer's when MPI has it and again when it
 * completes, so a peer asleep on it wakes for the message.  Set before the
 * first send; the array must outlive the transport's sends. */
void rap__net_set_bells(rap_net *net, rap_bell *const *bells);
/* A remote ActorActionMsg arrival `env` has been handled or disposed of:
 * return its bytes to the sender's window.  Any thread; call once per
 * arrival; envelopes that are not remote ActorActionMsgs are ignored. */
void rap__net_consumed(rap_net *net, const rap_env *env);
/* True when nothing waits in the send queue, for credit, or for the
 * second part of a message (sends may be incomplete). */
bool rap__net_queue_empty(rap_net *net);
/* Wait for every incomplete send, then free.  Collective in effect: peers
 * must keep receiving until theirs complete. */
void rap__net_destroy(rap_net *net);

#endif
