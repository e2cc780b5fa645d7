/* net/net.c -- the transport's facade and progress: creation, an
 * MPI_Testsome per poll over the receive slots and the incomplete sends
 * (a second one with Open MPI when the first completed no receive),
 * completion of sends, the direct send (see net.h).
 *
 * The files of the transport: batch.c (the send queue, coalescing small
 * messages, splitting large ones), flow.c (windows and credits), recv.c
 * (pre-posted receive slots, validation, messages in two parts),
 * bells.c (the doorbells of a node's ranks).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_int.h"

static bool grow_inflight(rap_net *net)
{
    int ncap = net->capinflight ? net->capinflight * 2 : 64;
    MPI_Request *r = realloc(net->allreq, (size_t)(NSLOTS + ncap) * sizeof(*r));
    if (r == NULL)
        return false;
    if (net->allreq == NULL)
        for (int i = 0; i < NSLOTS; i++)
            r[i] = MPI_REQUEST_NULL;
    net->allreq = r;
    net->reqs = r + NSLOTS;
    MPI_Status *st = realloc(net->allst, (size_t)(NSLOTS + ncap) * sizeof(*st));
    if (st == NULL)
        return false;
    net->allst = st;
    int *ix = realloc(net->allidx, (size_t)(NSLOTS + ncap) * sizeof(*ix));
    if (ix == NULL)
        return false;
    net->allidx = ix;
    rap_env **e = realloc(net->inflight, (size_t)ncap * sizeof(*e));
    if (e == NULL)
        return false;
    net->inflight = e;
    net->capinflight = ncap;
    return true;
}

/* Open MPI: the receive whose test runs the progress engine (test_all);
 * without it (another MPI, or it could not be posted) Testsome progresses
 * by itself. */
static void spur_open(rap_net *net)
{
    net->spur_comm = MPI_COMM_NULL;
    net->spur = MPI_REQUEST_NULL;
#ifdef OPEN_MPI
    static char sink;
    if (MPI_Comm_dup(MPI_COMM_SELF, &net->spur_comm) != MPI_SUCCESS) {
        net->spur_comm = MPI_COMM_NULL;
        return;
    }
    if (MPI_Irecv(&sink, 1, MPI_BYTE, MPI_ANY_SOURCE, 0, net->spur_comm, &net->spur) != MPI_SUCCESS)
        net->spur = MPI_REQUEST_NULL;
#endif
}

static void spur_close(rap_net *net)
{
    if (net->spur != MPI_REQUEST_NULL) {
        MPI_Cancel(&net->spur);
        MPI_Wait(&net->spur, MPI_STATUS_IGNORE);
    }
    if (net->spur_comm != MPI_COMM_NULL)
        MPI_Comm_free(&net->spur_comm);
}

static void free_net(rap_net *net)
{
    rap__recv_destroy(net);
    free(net->allreq);
    free(net->allst);
    free(net->allidx);
    free(net->inflight);
    free(net->pend);
    free(net->touched);
    free(net->tx);
    free(net->rx);
    free(net->retry);
    free(net);
}

int rap__net_create(MPI_Comm comm, const rap_net_callbacks *cb, uint64_t window, rap_net **net_out)
{
    rap_net *net;

    if (comm == MPI_COMM_NULL || cb == NULL || cb->arrival == NULL || net_out == NULL)
        return RAP_EINVAL;
    net = calloc(1, sizeof(*net));
    if (net == NULL)
        return RAP_ENOMEM;
    net->comm = comm;
    net->cb = *cb;
    net->window = window;
    MPI_Comm_rank(comm, &net->lim.my_rank);
    MPI_Comm_size(comm, &net->lim.size);
    net->pend = calloc((size_t)net->lim.size, sizeof(*net->pend));
    net->touched = calloc((size_t)net->lim.size, sizeof(*net->touched));
    net->tx = calloc((size_t)net->lim.size, sizeof(*net->tx));
    net->rx = calloc((size_t)net->lim.size, sizeof(*net->rx));
    net->retry = calloc((size_t)net->lim.size, sizeof(*net->retry));
    if (net->pend == NULL || net->touched == NULL || net->tx == NULL || net->rx == NULL ||
        net->retry == NULL || !grow_inflight(net) || rap__recv_create(net) != RAP_OK) {
        free_net(net);
        return RAP_ENOMEM;
    }
    spur_open(net);
    pthread_mutex_init(&net->qlock, NULL);
    *net_out = net;
    return RAP_OK;
}

void rap__net_set_bells(rap_net *net, rap_bell *const *bells) { net->bells = bells; }

void rap__net_ring(rap_net *net, int dest)
{
    if (net->bells != NULL && dest >= 0 && net->bells[dest] != NULL)
        rap__bell_ring(net->bells[dest]);
}

void rap__net_mpi_text(int rc, char *buf)
{
    int len = 0;
    if (MPI_Error_string(rc, buf, &len) != MPI_SUCCESS)
        snprintf(buf, MPI_MAX_ERROR_STRING, "MPI error %d", rc);
}

void rap__net_send_failed(rap_net *net, rap_env *env, int dest, const char *text)
{
    if (net->window > 0) { /* it will not be consumed there: take its charge back */
        uint64_t c = rap__flow_charge_of(env);
        net->tx[dest].inflight -= c < net->tx[dest].inflight ? c : net->tx[dest].inflight;
    }
    net->cb.send_failed(net->cb.arg, env, dest, text);
}

/* MPI_Isend `bytes` of `env`'s image (from its header) on `tag`; the
 * envelope is freed when the send completes.  False if MPI refused. */
bool rap__net_post(rap_net *net, rap_env *env, int dest, size_t bytes, int tag, char *err_text)
{
    int rc;

    if (net->ninflight == net->capinflight && !grow_inflight(net)) {
        strcpy(err_text, "out of memory for send requests");
        return false;
    }
    rc = MPI_Isend(&env->hdr, (int)bytes, MPI_BYTE, dest, tag, net->comm, &net->reqs[net->ninflight]);
    if (rc != MPI_SUCCESS) {
        rap__net_mpi_text(rc, err_text);
        return false;
    }
    rap__ctr_add(RAP_CTR_MPI_SENT, 1);
    env->src_rank = dest; /* for the ring at completion */
    net->inflight[net->ninflight++] = env;
    return true;
}

bool rap__net_send_now(rap_net *net, int dest, rap_env *env)
{
    /* Only when nothing is queued or blocked (so no earlier message of the
     * caller waits: order holds) and no send is incomplete (so a burst
     * still queues behind this one and goes out batched). */
    if (net->ninflight != 0 || net->nretry != 0 ||
        atomic_load_explicit(&net->queued, memory_order_relaxed) != 0)
        return false;
    if (env->hdr.kind == RAP_KIND_ACTOR_ACTION && net->window > 0 &&
        !rap__flow_take_charge(net, dest, env))
        return false;
    rap__batch_isend(net, env, dest);
    return true;
}

/* MPI_Testsome over the receive slots and the sends: free the completed
 * sends (ringing their peers again), mark the completed slots; returns
 * the sends completed.
 *
 * Open MPI 4.1's Testsome runs its progress engine only when it finds
 * nothing complete, and then does not look again.  So when a pass
 * completes no receive, there is a second: after a pass that found
 * nothing, to see what its progress received; after one that found only
 * sends (and so made no progress: their completion hid every message that
 * came in since the last poll, such as a reduction partner's value just
 * after this rank's own went out), after a progress call of its own. */
static int test_all(rap_net *net)
{
    int outcount = 0, rc, sent = 0;

    for (int pass = 0; pass < 2; pass++) {
        bool received = false;
        rc = MPI_Testsome(NSLOTS + net->ninflight, net->allreq, &outcount, net->allidx, net->allst);
        if ((rc != MPI_SUCCESS && rc != MPI_ERR_IN_STATUS) || outcount == MPI_UNDEFINED)
            break;
        for (int i = 0; i < outcount; i++) {
            int x = net->allidx[i], err = rc == MPI_ERR_IN_STATUS ? net->allst[i].MPI_ERROR : MPI_SUCCESS;
            if (x < NSLOTS) {
                slot *sl = &net->slots[x];
                sl->done = true;
                sl->st = net->allst[i];
                sl->err = err;
                received = true;
                continue;
            }
            rap_env *env = net->inflight[x - NSLOTS];
            net->inflight[x - NSLOTS] = NULL;
            sent++;
            if (err != MPI_SUCCESS) {
                char text[MPI_MAX_ERROR_STRING];
                rap__net_mpi_text(err, text);
                rap__net_send_failed(net, env, env->src_rank, text);
                continue;
            }
            /* A send MPI could not start at once went later, in some
             * progress call: ring again so that a sleeping peer cannot
             * miss it. */
            rap__net_ring(net, env->src_rank);
            rap__env_free(env);
        }
#ifdef OPEN_MPI
        if (received)
            break;
        if (outcount > 0) { /* only sends: no progress ran */
            int flag = 0;
            if (net->spur == MPI_REQUEST_NULL)
                break;
            MPI_Test(&net->spur, &flag, MPI_STATUS_IGNORE);
        }
#else
        (void)received;
        break; /* its Testsome progresses, then looks */
#endif
    }
    if (sent > 0) { /* compact the sends, keeping their order */
        int j = 0;
        for (int i = 0; i < net->ninflight; i++) {
            if (net->inflight[i] != NULL) {
                net->inflight[j] = net->inflight[i];
                net->reqs[j] = net->reqs[i];
                j++;
            }
        }
        net->ninflight = j;
    }
    return sent;
}

int rap__net_progress(rap_net *net)
{
    int n = rap__batch_post_sends(net, false);
    n += test_all(net);
    n += rap__recv_handle(net);
    /* A large send completes only through progress calls on this side
     * (rendezvous), and a body is received only by polling: while either
     * waits, report work, so that the idle policy keeps polling. */
    return n + (net->ninflight > 0 || net->nwaits > 0);
}

bool rap__net_queue_empty(rap_net *net)
{
    return atomic_load_explicit(&net->queued, memory_order_relaxed) == 0 &&
           atomic_load_explicit(&net->blocked, memory_order_relaxed) == 0 &&
           atomic_load_explicit(&net->waiting, memory_order_relaxed) == 0;
}

void rap__net_destroy(rap_net *net)
{
    if (net == NULL)
        return;
    /* Everything goes now, credit or not: the peers are finalising too. */
    for (int dest = 0; dest < net->lim.size; dest++)
        if (net->tx[dest].bhead != NULL)
            rap__flow_list_retry(net, dest);
    do {
        rap__batch_post_sends(net, true);
        if (net->ninflight > 0)
            MPI_Waitall(net->ninflight, net->reqs, MPI_STATUSES_IGNORE);
        for (int i = 0; i < net->ninflight; i++)
            rap__env_free(net->inflight[i]);
        net->ninflight = 0;
    } while (atomic_load(&net->queued) != 0 || atomic_load(&net->blocked) != 0);
    for (int i = 0; i < NSLOTS; i++) {
        if (net->allreq[i] != MPI_REQUEST_NULL) {
            MPI_Cancel(&net->allreq[i]);
            MPI_Wait(&net->allreq[i], MPI_STATUS_IGNORE);
        }
    }
    spur_close(net);
    pthread_mutex_destroy(&net->qlock);
    free_net(net);
}
