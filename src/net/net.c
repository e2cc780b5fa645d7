/* net/net.c -- see net.h.
 *
 * Receives use MPI_Improbe/MPI_Mrecv per kind tag with MPI_ANY_SOURCE: the
 * probe gives the exact size, so a message of any size lands in one
 * envelope allocated for it (header + payload, no copy), and matched probes
 * are safe with several threads in MPI.  Kinds are probed in the order of
 * enum rap_kind, system first.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "net/net.h"

#define RECV_BATCH 64
/* Sends handed to MPI at once.  The rest wait in the queue, in order: a
 * handler that sends 100,000 messages must not leave 100,000 requests for
 * every MPI_Testsome to scan (measured: 46 s instead of about 1 s at 16
 * ranks). */
#define MAX_INFLIGHT 256

struct rap_net {
    MPI_Comm comm;
    rap_net_callbacks cb;
    rap_wire_limits lim;
    rap_net_counters ctr;

    pthread_mutex_t qlock;  /* guards qhead/qtail */
    rap_env *qhead, *qtail; /* linked through env->next; env->src_rank = destination */
    _Atomic size_t queued;

    /* Owned by the progress thread of the moment. */
    MPI_Request *reqs;
    rap_env **inflight;
    int *done_idx;
    int ninflight, capinflight;
};

int rap__net_create(MPI_Comm comm, const rap_net_callbacks *cb, rap_net **net_out)
{
    rap_net *net;

    if (comm == MPI_COMM_NULL || cb == NULL || cb->arrival == NULL || net_out == NULL)
        return RAP_EINVAL;
    net = calloc(1, sizeof(*net));
    if (net == NULL)
        return RAP_ENOMEM;
    net->comm = comm;
    net->cb = *cb;
    MPI_Comm_rank(comm, &net->lim.my_rank);
    MPI_Comm_size(comm, &net->lim.size);
    pthread_mutex_init(&net->qlock, NULL);
    *net_out = net;
    return RAP_OK;
}

const rap_net_counters *rap__net_counters(const rap_net *net) { return &net->ctr; }

void rap__net_send(rap_net *net, int dest, rap_env *env)
{
    env->src_rank = dest;
    atomic_store_explicit(&env->next, NULL, memory_order_relaxed);
    RAP_COUNT(net->ctr.sent, 1);
    RAP_COUNT(net->ctr.bytes_sent, rap__env_wire_size(env));
    pthread_mutex_lock(&net->qlock);
    if (net->qtail != NULL)
        atomic_store_explicit(&net->qtail->next, env, memory_order_relaxed);
    else
        net->qhead = env;
    net->qtail = env;
    atomic_fetch_add_explicit(&net->queued, 1, memory_order_relaxed);
    pthread_mutex_unlock(&net->qlock);
}

static bool grow_inflight(rap_net *net)
{
    int ncap = net->capinflight ? net->capinflight * 2 : 64;
    MPI_Request *r = realloc(net->reqs, (size_t)ncap * sizeof(*r));
    if (r == NULL)
        return false;
    net->reqs = r;
    rap_env **e = realloc(net->inflight, (size_t)ncap * sizeof(*e));
    if (e == NULL)
        return false;
    net->inflight = e;
    int *d = realloc(net->done_idx, (size_t)ncap * sizeof(*d));
    if (d == NULL)
        return false;
    net->done_idx = d;
    net->capinflight = ncap;
    return true;
}

static void mpi_text(int rc, char *buf)
{
    int len = 0;
    if (MPI_Error_string(rc, buf, &len) != MPI_SUCCESS)
        snprintf(buf, MPI_MAX_ERROR_STRING, "MPI error %d", rc);
}

static int post_sends(rap_net *net)
{
    rap_env *list, *cur, *last = NULL;
    int n = 0;

    if (atomic_load_explicit(&net->queued, memory_order_relaxed) == 0 ||
        net->ninflight >= MAX_INFLIGHT)
        return 0;
    /* Take as many as there are free request slots off the queue's head. */
    pthread_mutex_lock(&net->qlock);
    list = cur = net->qhead;
    if (list == NULL) {
        pthread_mutex_unlock(&net->qlock);
        return 0;
    }
    for (int room = MAX_INFLIGHT - net->ninflight; cur != NULL && room > 0; room--) {
        last = cur;
        cur = atomic_load_explicit(&cur->next, memory_order_relaxed);
    }
    atomic_store_explicit(&last->next, NULL, memory_order_relaxed);
    net->qhead = cur;
    if (cur == NULL)
        net->qtail = NULL;
    pthread_mutex_unlock(&net->qlock);

    while (list != NULL) {
        rap_env *env = list;
        int dest = env->src_rank, rc;
        list = atomic_load_explicit(&env->next, memory_order_relaxed);
        atomic_fetch_sub_explicit(&net->queued, 1, memory_order_relaxed);
        if (net->ninflight == net->capinflight && !grow_inflight(net)) {
            net->cb.send_failed(net->cb.arg, env, dest, "out of memory for send requests");
            continue;
        }
        rc = MPI_Isend(&env->hdr, (int)rap__env_wire_size(env), MPI_BYTE, dest,
                       rap__kind_tag(env->hdr.kind), net->comm, &net->reqs[net->ninflight]);
        if (rc != MPI_SUCCESS) {
            char text[MPI_MAX_ERROR_STRING];
            mpi_text(rc, text);
            net->cb.send_failed(net->cb.arg, env, dest, text);
            continue;
        }
        net->inflight[net->ninflight++] = env;
        n++;
    }
    return n;
}

static int complete_sends(rap_net *net)
{
    int outcount = 0, j = 0;

    if (net->ninflight == 0)
        return 0;
    if (MPI_Testsome(net->ninflight, net->reqs, &outcount, net->done_idx,
                     MPI_STATUSES_IGNORE) != MPI_SUCCESS || outcount == MPI_UNDEFINED)
        return 0;
    if (outcount == 0)
        return 0;
    for (int i = 0; i < outcount; i++) {
        rap__env_free(net->inflight[net->done_idx[i]]);
        net->inflight[net->done_idx[i]] = NULL;
    }
    /* Compact, keeping the order of the rest. */
    for (int i = 0; i < net->ninflight; i++) {
        if (net->inflight[i] != NULL) {
            net->inflight[j] = net->inflight[i];
            net->reqs[j] = net->reqs[i];
            j++;
        }
    }
    net->ninflight = j;
    return outcount;
}

/* Receive one matched message of `bytes` into a fresh envelope. */
static void receive_one(rap_net *net, MPI_Message *msg, int tag, int src, int bytes)
{
    rap_env *env;
    const char *why = NULL;
    MPI_Status st;

    RAP_COUNT(net->ctr.received, 1);
    RAP_COUNT(net->ctr.bytes_received, bytes);
    env = rap__env_alloc_wire(bytes > 0 ? (size_t)bytes : 0);
    if (env == NULL) {
        /* The matched message must still be taken off MPI. */
        char scratch[sizeof(rap_wire_hdr)];
        if (bytes <= (int)sizeof(scratch)) {
            MPI_Mrecv(scratch, bytes, MPI_BYTE, msg, &st);
        } else {
            fprintf(stderr, "raptors: rank %d: out of memory receiving %d bytes from rank %d\n",
                    net->lim.my_rank, bytes, src);
            MPI_Abort(net->comm, 1);
        }
        RAP_COUNT(net->ctr.malformed, 1);
        if (net->cb.malformed)
            net->cb.malformed(net->cb.arg, src, (size_t)bytes, "out of memory");
        return;
    }
    if (MPI_Mrecv(&env->hdr, bytes, MPI_BYTE, msg, &st) != MPI_SUCCESS ||
        rap__wire_validate(&env->hdr, (size_t)bytes, tag, &net->lim, &why) != RAP_OK) {
        RAP_COUNT(net->ctr.malformed, 1);
        rap__env_free(env);
        if (net->cb.malformed)
            net->cb.malformed(net->cb.arg, src, (size_t)bytes, why ? why : "MPI receive failed");
        return;
    }
    env->src_rank = src;
    net->cb.arrival(net->cb.arg, env);
}

static int receive(rap_net *net)
{
    int n = 0;

    for (int kind = 0; kind < RAP_KIND_COUNT && n < RECV_BATCH; kind++) {
        int tag = rap__kind_tag(kind);
        while (n < RECV_BATCH) {
            int flag = 0, bytes = 0;
            MPI_Message msg;
            MPI_Status st;
            if (MPI_Improbe(MPI_ANY_SOURCE, tag, net->comm, &flag, &msg, &st) != MPI_SUCCESS || !flag)
                break;
            MPI_Get_count(&st, MPI_BYTE, &bytes);
            receive_one(net, &msg, tag, st.MPI_SOURCE, bytes);
            n++;
        }
    }
    return n;
}

int rap__net_progress(rap_net *net)
{
    int n = post_sends(net);
    n += receive(net);
    n += complete_sends(net);
    /* A large send completes only through progress calls on this side
     * (rendezvous): while one is incomplete, report work, so that the
     * idle policy keeps polling instead of sleeping. */
    return n + (net->ninflight > 0);
}

bool rap__net_quiet(rap_net *net)
{
    return atomic_load_explicit(&net->queued, memory_order_relaxed) == 0 && net->ninflight == 0;
}

void rap__net_destroy(rap_net *net)
{
    if (net == NULL)
        return;
    do {
        post_sends(net);
        if (net->ninflight > 0)
            MPI_Waitall(net->ninflight, net->reqs, MPI_STATUSES_IGNORE);
        for (int i = 0; i < net->ninflight; i++)
            rap__env_free(net->inflight[i]);
        net->ninflight = 0;
    } while (atomic_load_explicit(&net->queued, memory_order_relaxed) != 0);
    free(net->reqs);
    free(net->inflight);
    free(net->done_idx);
    pthread_mutex_destroy(&net->qlock);
    free(net);
}
