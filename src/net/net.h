/* net/net.h -- MPI transport of envelopes between ranks.
 *
 * Owns:       Raptors' data communicator (a duplicate made by the caller),
 *             the queue of envelopes waiting to be sent, and each envelope
 *             from rap__net_send until its MPI send completes.
 * Invariants: envelopes to one peer are handed to MPI in the order
 *             rap__net_send got them, each kind on its own tag (wire.h), so
 *             that MPI's non-overtaking rule keeps actor-to-actor order.
 *             Every arrival is validated (rap__wire_validate) before the
 *             arrival callback sees it; a malformed one goes to the
 *             malformed callback and is freed.  Small ActorActionMsgs to
 *             one rank that are queued when a poll posts them go as one
 *             MPI message (a batch, at most RAP_NET_BATCH_MAX bytes); a
 *             lone message goes as itself; an image over RAP_WIRE_SLOT
 *             bytes goes as a header and a body (two MPI messages, in
 *             order per kind).  Receives are pre-posted slots (net.c).
 *             `mpi_sent` / `mpi_received`
 *             count MPI messages (a batch is one; malformed ones count):
 *             the termination wave compares them.  `received` counts the
 *             messages inside; the caller counts what it sends.
 *             Flow control (window > 0): the ActorActionMsg bytes sent to a
 *             peer and not yet returned by it as consumed (rap__net_consumed)
 *             stay within the window, counted as RAP_NET_CHARGE(message);
 *             a message that does not fit waits in its peer's blocked list
 *             (in order) while traffic to other peers and every system
 *             message goes on.  One message larger than the window goes
 *             alone (when nothing is outstanding to that peer).
 * Threads:    rap__net_send from any thread; rap__net_progress by one thread
 *             at a time (the caller serialises: it holds the MPI token).
 * Uses:       MPI, msg/, util/.  Knows nothing of actors.
 */
#ifndef RAP_NET_NET_H
#define RAP_NET_NET_H

#include <mpi.h>

#include "msg/wire.h"
#include "util/bell.h"

typedef struct rap_net_callbacks {
    /* A validated envelope from the wire; the callee owns it. */
    void (*arrival)(void *arg, rap_env *env);
    /* A message that failed validation (already counted and freed). */
    void (*malformed)(void *arg, int src_rank, size_t bytes, const char *why);
    /* A send MPI refused; the callee owns env. */
    void (*send_failed)(void *arg, rap_env *env, int dest, const char *mpi_text);
    /* Optional: called with true before the arrivals of one batch from
     * the wire and with false after them (the callee may hold them and
     * deliver them together). */
    void (*batch)(void *arg, bool open);
    void *arg;
} rap_net_callbacks;

typedef struct rap_net_counters {
    /* Written under the caller's serialisation of rap__net_progress. */
    _Atomic uint64_t received, bytes_received; /* messages delivered */
    _Atomic uint64_t mpi_sent, mpi_received;   /* MPI messages (batches count once) */
    _Atomic uint64_t batches_sent;
    _Atomic uint64_t malformed;
    _Atomic uint64_t flow_blocked;             /* messages that waited for credit */
    _Atomic uint64_t credits_sent;             /* credit returns and requests sent */
} rap_net_counters;

/* Window bytes one ActorActionMsg takes: its wire image plus what an
 * envelope costs in memory beyond it (local fields, allocator header). */
#define RAP_NET_CHARGE_EXTRA 32u
#define RAP_NET_CHARGE(wire_bytes) ((uint64_t)(wire_bytes) + RAP_NET_CHARGE_EXTRA)

/* Batches stay under Open MPI's shared-memory eager limit (4 KiB with its
 * own header); messages up to RAP_NET_BATCH_ITEM bytes on the wire join them. */
#define RAP_NET_BATCH_MAX RAP_WIRE_SLOT
#define RAP_NET_BATCH_ITEM 1024

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
 * caller queues it (rap__net_send).  The caller holds the progress token
 * (as for rap__net_progress). */
bool rap__net_send_now(rap_net *net, int dest, rap_env *env);
/* Post queued sends, complete finished ones, receive arrivals (system
 * kinds first, at most a batch).  Returns the number of events handled,
 * plus one while a send is incomplete (so that callers keep polling). */
int rap__net_progress(rap_net *net);
/* Doorbells of the peers, indexed by rank (NULL where a peer has none, or
 * `bells` NULL): a send rings its peer's when MPI has it and again when it
 * completes, so a peer asleep on it wakes for the message.  Set before the
 * first send; the array must outlive the transport's sends. */
void rap__net_set_bells(rap_net *net, rap_bell *const *bells);
/* A remote ActorActionMsg arrival `env` has been handled or disposed of:
 * return its bytes to the sender's window (in credits of at least a
 * quarter window, or sooner when the sender has asked).  Any thread;
 * call once per arrival; envelopes that are not remote ActorActionMsgs
 * are ignored. */
void rap__net_consumed(rap_net *net, const rap_env *env);
/* True when nothing waits in the send queue or for credit (sends may be
 * incomplete). */
bool rap__net_queue_empty(rap_net *net);
const rap_net_counters *rap__net_counters(const rap_net *net);
/* Wait for every incomplete send, then free.  Collective in effect: peers
 * must keep receiving until theirs complete. */
void rap__net_destroy(rap_net *net);

#endif
