/* net/net.c -- see net.h.
 *
 * Receives are pre-posted: per kind a ring of MPI_Irecv(MPI_ANY_SOURCE)
 * slots of rap__kind_slot(kind) bytes (ActorAction slots are envelopes of
 * RAP_WIRE_MEDIUM), all completed by one MPI_Testsome per poll (one pass
 * of MPI's progress engine, instead of one per probe), handled kind by
 * kind (system first) and, within a kind, in the order the slots were
 * posted (the order MPI matched them), then posted again.  A small message
 * is copied out of its slot into its own envelope, a batch is unpacked
 * straight from the slot, and a larger one in an ActorAction slot is
 * handed over in the slot's envelope.  A wire image larger than its slot goes as a
 * header-only message (RAP_WIRE_LARGE) on the kind's tag, then the image
 * on the kind's bulk tag: per sender and kind both are in order, so the
 * receiver, on a large header, takes the next bulk message of that sender
 * (probed, into an envelope of the announced size).
 *
 * Flow control: the sending side charges each ActorActionMsg to its peer's
 * window when it hands it to MPI (tx[].inflight) and takes the charge back
 * when a credit comes.  The receiving side counts what it received and
 * what its actors consumed per peer (rx[]); a consumer returns a credit
 * when a quarter window is unreturned.  A blocked sender asks once
 * (credit of 0 bytes); the asked side then returns as soon as 1/32 of the
 * window is unreturned or everything it received is consumed, so a
 * blocked sender always gets credit once the messages it sent are handled.
 * Credits are RAP_SYS_CREDIT system messages, outside the window.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"
#include "util/clock.h"

/* Sends handed to MPI at once.  The rest wait in the queue, in order: a
 * handler that sends 100,000 messages must not leave 100,000 requests for
 * every MPI_Testsome to scan (measured: 46 s instead of about 1 s at 16
 * ranks).  A poll takes at most TAKE_MAX queued messages (batched, they
 * make far fewer requests) while fewer than MAX_INFLIGHT are incomplete. */
#define MAX_INFLIGHT 256
#define TAKE_MAX 1024

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

/* Receive slots per kind (enum rap_kind order). */
static const int slots_per_kind[RAP_KIND_COUNT] = { 8, 2, 4, 16 };
#define NSLOTS 30
/* How long a large header waits for its body before it is dropped as
 * malformed (the sender posts both at once: only a broken peer is slow). */
#define BULK_WAIT_NS 10000000000ull

typedef struct slot {
    bool done;     /* completed by a Testsome, not yet handled */
    bool unposted; /* handled, but could not be posted again (see test_all) */
    int err;       /* MPI_SUCCESS or the status's error */
    MPI_Status st;
    char *buf;     /* what is posted: `small`, or env's wire image */
    rap_env *env;  /* ActorAction slots: a large envelope, handed to the
                    * addressee when a message over RAP_WIRE_SLOT lands
                    * in it (NULL until the slot gets another) */
    alignas(16) char small[RAP_WIRE_SLOT];
} slot;

struct rap_net {
    MPI_Comm comm;
    rap_net_callbacks cb;
    rap_wire_limits lim;
    rap_net_counters ctr;
    uint64_t window;        /* 0: no flow control */

    pthread_mutex_t qlock;  /* guards qhead/qtail */
    rap_env *qhead, *qtail; /* linked through env->next; env->src_rank = destination */
    _Atomic size_t queued;  /* in the queue */
    _Atomic size_t blocked; /* in the peers' blocked lists */

    peer_tx *tx;
    peer_rx *rx;
    int *retry;             /* peers that got credit while blocked */
    int nretry;
    rap_bell *const *bells; /* per peer, NULL entries for peers without one */

    /* Receive slots (the progress thread's): kind k owns
     * [first[k], first[k] + slots_per_kind[k]); head[k] is the next one in
     * posting order. */
    slot *slots;
    int first[RAP_KIND_COUNT], head[RAP_KIND_COUNT];
    bool took_bulk; /* a large body was received in this poll */

    /* Owned by the progress thread of the moment. */
    pending *pend;          /* one per rank */
    int *touched;           /* ranks with a pending entry, this pass */
    /* Requests: the receive slots' (NSLOTS), then the sends' (reqs), in
     * one array, so that one MPI_Testsome completes both. */
    MPI_Request *allreq, *reqs;
    MPI_Status *allst;
    int *allidx;
    rap_env **inflight;
    int ninflight, capinflight;
};

static bool grow_inflight(rap_net *net);

static void free_net(rap_net *net)
{
    for (int i = 0; net->slots != NULL && i < NSLOTS; i++)
        rap__env_free(net->slots[i].env);
    free(net->slots);
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

/* Post receive slot `i` of `kind` (again); false when it could not be
 * (no memory for an ActorAction slot's envelope, or MPI refused).  Never
 * with a smaller buffer: Open MPI 4.1 writes a message that comes by
 * single copy past the end of a posted buffer that is too small. */
static bool post_slot(rap_net *net, int i, int kind)
{
    slot *sl = &net->slots[i];
    size_t size = rap__kind_slot(kind);

    net->allreq[i] = MPI_REQUEST_NULL;
    if (size > RAP_WIRE_SLOT) {
        if (sl->env == NULL && (sl->env = rap__env_alloc_wire(size)) == NULL)
            return false;
        sl->buf = (char *)&sl->env->hdr;
    } else {
        sl->buf = sl->small;
    }
    if (MPI_Irecv(sl->buf, (int)size, MPI_BYTE, MPI_ANY_SOURCE, rap__kind_tag(kind), net->comm,
                  &net->allreq[i]) != MPI_SUCCESS) {
        net->allreq[i] = MPI_REQUEST_NULL;
        return false;
    }
    return true;
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
    net->slots = calloc(NSLOTS, sizeof(*net->slots));
    if (net->pend == NULL || net->touched == NULL || net->tx == NULL || net->rx == NULL ||
        net->retry == NULL || net->slots == NULL || !grow_inflight(net)) {
        free_net(net);
        return RAP_ENOMEM;
    }
    for (int k = 0, i = 0; k < RAP_KIND_COUNT; i += slots_per_kind[k], k++) {
        net->first[k] = i;
        net->head[k] = i;
        for (int j = i; j < i + slots_per_kind[k]; j++) {
            net->slots[j].done = false;
            net->slots[j].unposted = false;
            net->slots[j].env = NULL;
        }
    }
    for (int k = 0; k < RAP_KIND_COUNT; k++) {
        for (int j = net->first[k]; j < net->first[k] + slots_per_kind[k]; j++) {
            if (!post_slot(net, j, k)) {
                for (int x = 0; x < j; x++) {
                    MPI_Cancel(&net->allreq[x]);
                    MPI_Wait(&net->allreq[x], MPI_STATUS_IGNORE);
                }
                free_net(net);
                return RAP_ENOMEM;
            }
        }
    }
    pthread_mutex_init(&net->qlock, NULL);
    *net_out = net;
    return RAP_OK;
}

const rap_net_counters *rap__net_counters(const rap_net *net) { return &net->ctr; }

void rap__net_set_bells(rap_net *net, rap_bell *const *bells) { net->bells = bells; }

static void ring(rap_net *net, int dest)
{
    if (net->bells != NULL && dest >= 0 && net->bells[dest] != NULL)
        rap__bell_ring(net->bells[dest]);
}

bool rap__net_send(rap_net *net, int dest, rap_env *env)
{
    atomic_store_explicit(&env->next, NULL, memory_order_relaxed);
    return rap__net_send_chain(net, dest, env, env, 1);
}

bool rap__net_send_chain(rap_net *net, int dest, rap_env *first, rap_env *last, size_t n)
{
    size_t queued;

    for (rap_env *env = first;; env = atomic_load_explicit(&env->next, memory_order_relaxed)) {
        env->src_rank = dest;
        if (env == last)
            break;
    }
    pthread_mutex_lock(&net->qlock);
    if (net->qtail != NULL)
        atomic_store_explicit(&net->qtail->next, first, memory_order_relaxed);
    else
        net->qhead = first;
    net->qtail = last;
    queued = atomic_fetch_add_explicit(&net->queued, n, memory_order_relaxed) + n;
    pthread_mutex_unlock(&net->qlock);
    return queued / TAKE_MAX != (queued - n) / TAKE_MAX;
}

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

static void mpi_text(int rc, char *buf)
{
    int len = 0;
    if (MPI_Error_string(rc, buf, &len) != MPI_SUCCESS)
        snprintf(buf, MPI_MAX_ERROR_STRING, "MPI error %d", rc);
}

/* The window charge of a data message or a batch of them. */
static uint64_t charge_of(const rap_env *env)
{
    const char *p = rap__env_cpayload(env), *end = p + env->hdr.len;
    uint64_t sum = 0;

    if (env->hdr.kind != RAP_KIND_ACTOR_ACTION || env->hdr.flags == RAP_WIRE_LARGE)
        return 0; /* a large message's charge goes with its image */
    if (env->hdr.flags != RAP_WIRE_BATCH)
        return RAP_NET_CHARGE(rap__env_wire_size(env));
    while (end - p >= (ptrdiff_t)sizeof(rap_wire_hdr)) { /* our own batch: well formed */
        rap_wire_hdr h;
        memcpy(&h, p, sizeof(h));
        sum += RAP_NET_CHARGE(sizeof(h) + h.len);
        p += sizeof(h) + h.len;
    }
    return sum;
}

static void send_failed(rap_net *net, rap_env *env, int dest, const char *text)
{
    if (net->window > 0) { /* it will not be consumed there: take its charge back */
        uint64_t c = charge_of(env);
        net->tx[dest].inflight -= c < net->tx[dest].inflight ? c : net->tx[dest].inflight;
    }
    net->cb.send_failed(net->cb.arg, env, dest, text);
}

/* MPI_Isend `bytes` of `env`'s image (from its header) on `tag`; the
 * envelope is freed when the send completes.  False if MPI refused. */
static bool post(rap_net *net, rap_env *env, int dest, size_t bytes, int tag, char *err_text)
{
    int rc;

    if (net->ninflight == net->capinflight && !grow_inflight(net)) {
        strcpy(err_text, "out of memory for send requests");
        return false;
    }
    rc = MPI_Isend(&env->hdr, (int)bytes, MPI_BYTE, dest, tag, net->comm, &net->reqs[net->ninflight]);
    if (rc != MPI_SUCCESS) {
        mpi_text(rc, err_text);
        return false;
    }
    RAP_COUNT(net->ctr.mpi_sent, 1);
    env->src_rank = dest; /* for the ring at completion */
    net->inflight[net->ninflight++] = env;
    return true;
}

/* Hand one envelope (a message or a batch) to MPI; takes ownership.  An
 * image larger than a receive slot goes as its header (RAP_WIRE_LARGE) on
 * the kind's tag, then the image on the kind's bulk tag. */
static int isend(rap_net *net, rap_env *env, int dest)
{
    char text[MPI_MAX_ERROR_STRING];
    size_t wire = rap__env_wire_size(env);
    int kind = env->hdr.kind, n = 0;

    if (wire > rap__kind_slot(kind)) {
        rap_env *h = rap__env_alloc(0);
        if (h == NULL) {
            send_failed(net, env, dest, "out of memory for a large-message header");
            return 0;
        }
        h->hdr = env->hdr; /* len: the image's payload, announced */
        h->hdr.flags = RAP_WIRE_LARGE;
        if (!post(net, h, dest, sizeof(rap_wire_hdr), rap__kind_tag(kind), text)) {
            rap__env_free(h);
            send_failed(net, env, dest, text);
            return 0;
        }
        n++;
        if (!post(net, env, dest, wire, rap__bulk_tag(kind), text)) {
            send_failed(net, env, dest, text);
            return n;
        }
    } else if (!post(net, env, dest, wire, rap__kind_tag(kind), text)) {
        send_failed(net, env, dest, text);
        return 0;
    }
    ring(net, dest);
    return n + 1;
}

static void batch_append(rap_env *batch, const rap_env *env)
{
    memcpy((char *)rap__env_payload(batch) + batch->hdr.len, &env->hdr, rap__env_wire_size(env));
    batch->hdr.len += (uint32_t)rap__env_wire_size(env);
}

/* Send what waits for `dest`, keeping its order. */
static int flush_dest(rap_net *net, int dest)
{
    pending *p = &net->pend[dest];
    int n = 0;

    if (p->batch != NULL) {
        RAP_COUNT(net->ctr.batches_sent, 1);
        n += isend(net, p->batch, dest);
    } else if (p->single != NULL) {
        n += isend(net, p->single, dest);
    }
    p->batch = p->single = NULL;
    return n;
}

/* Add a small ActorActionMsg to what waits for `dest`. */
static int add_small(rap_net *net, rap_env *env, int dest, int *ntouched)
{
    pending *p = &net->pend[dest];
    size_t size = rap__env_wire_size(env);
    int n = 0;

    if (!p->listed) {
        p->listed = true;
        net->touched[(*ntouched)++] = dest;
    }
    if (p->batch == NULL && p->single == NULL) {
        p->single = env;
        return 0;
    }
    if (p->batch != NULL && sizeof(rap_wire_hdr) + p->batch->hdr.len + size > RAP_NET_BATCH_MAX) {
        n += flush_dest(net, dest);
        p->single = env;
        return n;
    }
    if (p->batch == NULL) {
        rap_env *b = rap__env_alloc(RAP_NET_BATCH_MAX - sizeof(rap_wire_hdr));
        if (b == NULL) { /* no memory to batch: send as they are */
            n += flush_dest(net, dest);
            p->single = env;
            return n;
        }
        rap__env_set(b, RAP_KIND_ACTOR_ACTION, 0,
                     ((uint64_t)dest << RAP_AID_SERIAL_BITS) | 1u, RAP_AID_NONE);
        b->hdr.flags = RAP_WIRE_BATCH;
        b->hdr.len = 0;
        batch_append(b, p->single);
        rap__env_free(p->single);
        p->single = NULL;
        p->batch = b;
    }
    batch_append(p->batch, env);
    rap__env_free(env);
    return 0;
}

/* Post one envelope taken from the queue or a blocked list. */
static int post_one(rap_net *net, rap_env *env, int dest, int *ntouched)
{
    if (env->hdr.kind == RAP_KIND_ACTOR_ACTION && rap__env_wire_size(env) <= RAP_NET_BATCH_ITEM)
        return add_small(net, env, dest, ntouched);
    return flush_dest(net, dest) /* what came before it goes first */ + isend(net, env, dest);
}

/* A credit message (0 bytes: a request) from this rank's System actor to
 * `dest`'s. */
static rap_env *credit_env(rap_net *net, int dest, uint64_t bytes)
{
    rap_wire_credit c = { bytes };
    rap_env *env = rap__env_alloc(sizeof(c));

    if (env == NULL)
        return NULL;
    memcpy(rap__env_payload(env), &c, sizeof(c));
    rap__env_set(env, RAP_KIND_SYS_ACTION, RAP_SYS_CREDIT,
                 ((uint64_t)dest << RAP_AID_SERIAL_BITS) | 1u,
                 ((uint64_t)net->lim.my_rank << RAP_AID_SERIAL_BITS) | 1u);
    return env;
}

static bool fits(const rap_net *net, const peer_tx *t, uint64_t charge)
{
    return t->inflight == 0 || t->inflight + charge <= net->window;
}

/* Charge a data message to `dest`'s window if nothing waits for credit
 * before it and it fits; false: it must wait (block). */
static bool take_charge(rap_net *net, int dest, const rap_env *env)
{
    peer_tx *t = &net->tx[dest];
    uint64_t charge = RAP_NET_CHARGE(rap__env_wire_size(env));

    if (t->bhead != NULL || !fits(net, t, charge))
        return false;
    t->inflight += charge;
    return true;
}

/* Ask `dest` for credit, once until some comes. */
static int request_credit(rap_net *net, int dest)
{
    peer_tx *t = &net->tx[dest];
    rap_env *env;

    if (t->requested || (env = credit_env(net, dest, 0)) == NULL)
        return 0;
    t->requested = true;
    RAP_COUNT(net->ctr.credits_sent, 1);
    return isend(net, env, dest);
}

static void block(rap_net *net, rap_env *env, int dest)
{
    peer_tx *t = &net->tx[dest];

    atomic_store_explicit(&env->next, NULL, memory_order_relaxed);
    if (t->btail != NULL)
        atomic_store_explicit(&t->btail->next, env, memory_order_relaxed);
    else
        t->bhead = env;
    t->btail = env;
    atomic_fetch_add_explicit(&net->blocked, 1, memory_order_relaxed);
    RAP_BUMP(net->ctr.flow_blocked, 1);
}

/* Post what waits for credit at the peers that got some, as far as it
 * fits (all of it when `force`). */
static int release_blocked(rap_net *net, int *ntouched, bool force)
{
    int n = 0, nretry = net->nretry;

    net->nretry = 0;
    for (int i = 0; i < nretry; i++) {
        int dest = net->retry[i];
        peer_tx *t = &net->tx[dest];

        t->retry = false;
        while (t->bhead != NULL) {
            rap_env *env = t->bhead;
            uint64_t charge = RAP_NET_CHARGE(rap__env_wire_size(env));
            if (!force && !fits(net, t, charge))
                break;
            t->bhead = atomic_load_explicit(&env->next, memory_order_relaxed);
            if (t->bhead == NULL)
                t->btail = NULL;
            atomic_fetch_sub_explicit(&net->blocked, 1, memory_order_relaxed);
            t->inflight += charge;
            n += post_one(net, env, dest, ntouched);
        }
        if (t->bhead != NULL)
            n += request_credit(net, dest);
    }
    return n;
}

static void list_retry(rap_net *net, int dest)
{
    if (!net->tx[dest].retry) {
        net->tx[dest].retry = true;
        net->retry[net->nretry++] = dest;
    }
}

static int post_sends(rap_net *net, bool force)
{
    rap_env *list, *cur, *last = NULL;
    int n = 0, ntouched = 0;

    if (net->nretry > 0 && net->ninflight < MAX_INFLIGHT)
        n += release_blocked(net, &ntouched, force);
    if (atomic_load_explicit(&net->queued, memory_order_relaxed) == 0 ||
        net->ninflight >= MAX_INFLIGHT)
        goto flush;
    /* Take up to TAKE_MAX messages off the queue's head. */
    pthread_mutex_lock(&net->qlock);
    list = cur = net->qhead;
    if (list == NULL) {
        pthread_mutex_unlock(&net->qlock);
        goto flush;
    }
    for (int room = TAKE_MAX; cur != NULL && room > 0; room--) {
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
        int dest = env->src_rank;
        list = atomic_load_explicit(&env->next, memory_order_relaxed);
        atomic_fetch_sub_explicit(&net->queued, 1, memory_order_relaxed);
        if (env->hdr.kind == RAP_KIND_ACTOR_ACTION && net->window > 0 && !force &&
            !take_charge(net, dest, env)) {
            block(net, env, dest);
            n += request_credit(net, dest);
            continue;
        }
        n += post_one(net, env, dest, &ntouched);
    }
flush:
    for (int i = 0; i < ntouched; i++) {
        n += flush_dest(net, net->touched[i]);
        net->pend[net->touched[i]].listed = false;
    }
    return n;
}

bool rap__net_send_now(rap_net *net, int dest, rap_env *env)
{
    /* Only when nothing is queued or blocked (so no earlier message of the
     * caller waits: order holds) and no send is incomplete (so a burst
     * still queues behind this one and goes out batched). */
    if (net->ninflight != 0 || net->nretry != 0 ||
        atomic_load_explicit(&net->queued, memory_order_relaxed) != 0)
        return false;
    if (env->hdr.kind == RAP_KIND_ACTOR_ACTION && net->window > 0 && !take_charge(net, dest, env))
        return false;
    isend(net, env, dest);
    return true;
}

static void malformed(rap_net *net, int src, size_t bytes, const char *why)
{
    RAP_COUNT(net->ctr.malformed, 1);
    if (net->cb.malformed)
        net->cb.malformed(net->cb.arg, src, bytes, why);
}

static void deliver(rap_net *net, rap_env *env, int src)
{
    env->src_rank = src;
    if (env->hdr.kind == RAP_KIND_ACTOR_ACTION && net->window > 0) {
        peer_rx *r = &net->rx[src];
        atomic_store_explicit(&r->received,
                              atomic_load_explicit(&r->received, memory_order_relaxed) +
                                  RAP_NET_CHARGE(rap__env_wire_size(env)),
                              memory_order_release);
    }
    RAP_BUMP(net->ctr.received, 1);
    RAP_BUMP(net->ctr.bytes_received, rap__env_wire_size(env));
    net->cb.arrival(net->cb.arg, env);
}

/* Return credit to `src` up to `upto` consumed bytes, unless a credit
 * covering them has gone already. */
static void give_credit(rap_net *net, int src, peer_rx *r, uint64_t upto)
{
    uint64_t ret = atomic_load(&r->returned);
    rap_env *env;

    while (ret < upto) {
        if (!atomic_compare_exchange_weak(&r->returned, &ret, upto))
            continue;
        /* Cleared only by the thread that sends: a cleared request is
         * always followed by a credit, after which the peer asks again if
         * it is still blocked. */
        atomic_store(&r->want, false);
        env = credit_env(net, src, upto - ret);
        if (env == NULL) { /* cannot tell the peer: undo, a later consumer retries */
            atomic_fetch_sub(&r->returned, upto - ret);
            atomic_store(&r->want, true);
            return;
        }
        RAP_COUNT(net->ctr.credits_sent, 1);
        rap__net_send(net, src, env);
        return;
    }
}

/* Whether an asked-for credit is due: enough unreturned, or everything
 * received from the peer consumed (nothing else would trigger one). */
static bool due_when_asked(const rap_net *net, peer_rx *r, uint64_t consumed, uint64_t ret)
{
    return consumed > ret &&
           (consumed - ret >= net->window / 32 ||
            consumed == atomic_load_explicit(&r->received, memory_order_acquire));
}

void rap__net_consumed(rap_net *net, const rap_env *env)
{
    uint64_t charge, consumed, ret;
    peer_rx *r;

    if (net->window == 0 || env->src_rank < 0 || env->src_rank >= net->lim.size ||
        env->hdr.kind != RAP_KIND_ACTOR_ACTION)
        return;
    r = &net->rx[env->src_rank];
    charge = RAP_NET_CHARGE(rap__env_wire_size(env));
    /* seq_cst with the load of `want`: pairs with on_credit's store of
     * `want` and load of `consumed`; one of the two sees the other. */
    consumed = atomic_fetch_add(&r->consumed, charge) + charge;
    ret = atomic_load_explicit(&r->returned, memory_order_relaxed);
    if (consumed - ret >= net->window / 4 ||
        (atomic_load(&r->want) && due_when_asked(net, r, consumed, ret)))
        give_credit(net, env->src_rank, r, consumed);
}

/* A validated RAP_SYS_CREDIT from `src`. */
static void on_credit(rap_net *net, const rap_env *env, int src)
{
    rap_wire_credit c;

    memcpy(&c, rap__env_cpayload(env), sizeof(c));
    if (net->window == 0)
        return;
    if (c.bytes == 0) { /* src is blocked: return what is due now or later */
        peer_rx *r = &net->rx[src];
        uint64_t consumed, ret;
        atomic_store(&r->want, true);
        consumed = atomic_load(&r->consumed);
        ret = atomic_load(&r->returned);
        if (due_when_asked(net, r, consumed, ret))
            give_credit(net, src, r, consumed);
        return;
    }
    peer_tx *t = &net->tx[src];
    if (c.bytes > t->inflight) {
        malformed(net, src, sizeof(c), "credit exceeds the bytes in flight");
        return;
    }
    t->inflight -= c.bytes;
    t->requested = false;
    if (t->bhead != NULL)
        list_retry(net, src);
}

/* Take the items out of a validated batch (its payload: `len` bytes at
 * `p`), each checked on its own; a bad item ends the batch (what follows
 * it cannot be framed). */
static void unpack(rap_net *net, const char *p, size_t len, int tag, int src)
{
    const char *end = p + len, *why = NULL;

    while (p < end) {
        rap_wire_hdr h;
        size_t size;
        rap_env *env;

        if ((size_t)(end - p) < sizeof(h)) {
            malformed(net, src, (size_t)(end - p), "batch item shorter than a header");
            return;
        }
        memcpy(&h, p, sizeof(h));
        size = sizeof(h) + h.len;
        if (size > (size_t)(end - p) ||
            rap__wire_validate(p, size, tag, &net->lim, &why) != RAP_OK) {
            malformed(net, src, (size_t)(end - p), why ? why : "batch item overruns the batch");
            return;
        }
        env = rap__env_alloc(h.len);
        if (env == NULL) {
            malformed(net, src, size, "out of memory");
            return;
        }
        memcpy(&env->hdr, p, size);
        deliver(net, env, src);
        p += size;
    }
}

/* A validated single message: the transport's own (credits) or the
 * caller's. */
static void arrived(rap_net *net, rap_env *env, int src, size_t bytes)
{
    if (env->hdr.kind == RAP_KIND_SYS_ACTION && env->hdr.type == RAP_SYS_CREDIT) {
        if (RAP_AID_RANK(env->hdr.from) == src)
            on_credit(net, env, src);
        else
            malformed(net, src, bytes, "credit from a rank other than its sender");
        rap__env_free(env);
        return;
    }
    deliver(net, env, src);
}

/* After a validated large header `h` from `src` on `kind`'s tag: receive
 * the image it announced, the next message from `src` on the kind's bulk
 * tag, into an envelope of its size. */
static void receive_bulk(rap_net *net, const rap_wire_hdr *h, int kind, int src)
{
    const size_t wire = sizeof(*h) + h->len;
    const char *why = NULL;
    uint64_t t0 = 0;
    MPI_Message msg;
    MPI_Status st;
    int flag = 0, bytes = 0;
    rap_env *env;

    for (;;) {
        if (MPI_Improbe(src, rap__bulk_tag(kind), net->comm, &flag, &msg, &st) != MPI_SUCCESS) {
            malformed(net, src, wire, "MPI probe failed for a large message");
            return;
        }
        if (flag)
            break;
        if (t0 == 0)
            t0 = rap__now_ns();
        else if (rap__now_ns() - t0 > BULK_WAIT_NS) {
            malformed(net, src, wire, "the body of a large message never came");
            return;
        }
    }
    RAP_COUNT(net->ctr.mpi_received, 1);
    MPI_Get_count(&st, MPI_BYTE, &bytes);
    env = rap__env_alloc_wire(bytes > 0 ? (size_t)bytes : 0);
    if (env == NULL) {
        fprintf(stderr, "raptors: rank %d: out of memory receiving %d bytes from rank %d\n",
                net->lim.my_rank, bytes, src);
        MPI_Abort(net->comm, 1);
        return;
    }
    if (MPI_Mrecv(&env->hdr, bytes, MPI_BYTE, &msg, &st) != MPI_SUCCESS) {
        rap__env_free(env);
        malformed(net, src, (size_t)bytes, "MPI receive failed");
        return;
    }
    if ((size_t)bytes != wire)
        why = "large message of another size than announced";
    else if (rap__wire_validate(&env->hdr, wire, rap__kind_tag(kind), &net->lim, &why) == RAP_OK &&
             !rap__wire_same_header(h, &env->hdr))
        why = "large message differs from its header";
    if (why != NULL) {
        rap__env_free(env);
        malformed(net, src, (size_t)bytes, why);
        return;
    }
    net->took_bulk = true;
    arrived(net, env, src, wire);
}

/* Handle the message in a completed slot of `kind`. */
static void handle_slot(rap_net *net, slot *sl, int kind)
{
    const int tag = rap__kind_tag(kind), src = sl->st.MPI_SOURCE;
    const char *why = NULL;
    int bytes = 0;
    rap_env *env;

    RAP_COUNT(net->ctr.mpi_received, 1);
    if (sl->err != MPI_SUCCESS) {
        malformed(net, src, 0, sl->err == MPI_ERR_TRUNCATE ? "message larger than a receive slot"
                                                          : "MPI receive failed");
        return;
    }
    MPI_Get_count(&sl->st, MPI_BYTE, &bytes);
    if (bytes < 0 || (size_t)bytes < sizeof(rap_wire_hdr)) {
        malformed(net, src, bytes > 0 ? (size_t)bytes : 0, "shorter than a header");
        return;
    }
    switch (rap__wire_flags(sl->buf)) {
    case RAP_WIRE_BATCH:
        if (rap__wire_validate_batch(sl->buf, (size_t)bytes, tag, &net->lim, &why) == RAP_OK) {
            if (net->cb.batch != NULL)
                net->cb.batch(net->cb.arg, true);
            unpack(net, sl->buf + sizeof(rap_wire_hdr), (size_t)bytes - sizeof(rap_wire_hdr), tag, src);
            if (net->cb.batch != NULL)
                net->cb.batch(net->cb.arg, false);
        } else
            malformed(net, src, (size_t)bytes, why);
        return;
    case RAP_WIRE_LARGE: {
        rap_wire_hdr h;
        if (rap__wire_validate_large(sl->buf, (size_t)bytes, tag, &net->lim, &why) != RAP_OK) {
            malformed(net, src, (size_t)bytes, why);
            return;
        }
        memcpy(&h, sl->buf, sizeof(h));
        receive_bulk(net, &h, kind, src);
        return;
    }
    default:
        break;
    }
    if (rap__wire_validate(sl->buf, (size_t)bytes, tag, &net->lim, &why) != RAP_OK) {
        malformed(net, src, (size_t)bytes, why);
        return;
    }
    if ((size_t)bytes > RAP_WIRE_SLOT && sl->env != NULL) {
        /* A message only a large slot holds: the slot's envelope is the
         * message (no copy); the slot gets another when posted again. */
        env = sl->env;
        sl->env = NULL;
        atomic_init(&env->next, NULL);
        env->src_rank = -1;
        arrived(net, env, src, (size_t)bytes);
        return;
    }
    env = rap__env_alloc_wire((size_t)bytes);
    if (env == NULL) {
        malformed(net, src, (size_t)bytes, "out of memory");
        return;
    }
    memcpy(&env->hdr, sl->buf, (size_t)bytes);
    arrived(net, env, src, (size_t)bytes);
}

/* One MPI_Testsome over the receive slots and the sends: free the
 * completed sends (ringing their peers again), then handle what arrived
 * kind by kind, system first, each kind's slots in posting order (the
 * order MPI matched them), posting each slot again. */
static int test_all(rap_net *net)
{
    int outcount = 0, rc, n = 0, sent = 0;

    rc = MPI_Testsome(NSLOTS + net->ninflight, net->allreq, &outcount, net->allidx, net->allst);
    if ((rc == MPI_SUCCESS || rc == MPI_ERR_IN_STATUS) && outcount != MPI_UNDEFINED) {
        for (int i = 0; i < outcount; i++) {
            int x = net->allidx[i], err = rc == MPI_ERR_IN_STATUS ? net->allst[i].MPI_ERROR : MPI_SUCCESS;
            if (x < NSLOTS) {
                slot *sl = &net->slots[x];
                sl->done = true;
                sl->st = net->allst[i];
                sl->err = err;
                continue;
            }
            rap_env *env = net->inflight[x - NSLOTS];
            net->inflight[x - NSLOTS] = NULL;
            sent++;
            if (err != MPI_SUCCESS) {
                char text[MPI_MAX_ERROR_STRING];
                mpi_text(err, text);
                send_failed(net, env, env->src_rank, text);
                continue;
            }
            /* A send MPI could not start at once went later, in some
             * progress call: ring again so that a sleeping peer cannot
             * miss it. */
            ring(net, env->src_rank);
            rap__env_free(env);
        }
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
    for (int k = 0; k < RAP_KIND_COUNT && !net->took_bulk; k++) {
        while (!net->took_bulk) {
            int i = net->head[k];
            slot *sl = &net->slots[i];
            /* MPI matches a kind's slots in the order they were posted,
             * and they are handled in that order: a slot that could not
             * be posted again stays at the head, and the kind waits for
             * it, so that no later slot is posted before it. */
            if (!sl->unposted) {
                if (!sl->done)
                    break;
                sl->done = false;
                handle_slot(net, sl, k);
                n++;
            }
            sl->unposted = !post_slot(net, i, k);
            if (sl->unposted)
                break;
            net->head[k] = i + 1 == net->first[k] + slots_per_kind[k] ? net->first[k] : i + 1;
        }
    }
    /* After a large body, the rest waits for the next poll: its handler
     * (which may answer or return credit) runs first, instead of after
     * every large message that has arrived (measured: 4 MiB messages were
     * handled in bursts 2 us apart with 2 ms stalls between them while the
     * sender waited for the answers, 0.5x raw MPI's bandwidth). */
    net->took_bulk = false;
    return n + sent;
}

int rap__net_progress(rap_net *net)
{
    int n = post_sends(net, false);
    n += test_all(net);
    /* A large send completes only through progress calls on this side
     * (rendezvous): while one is incomplete, report work, so that the
     * idle policy keeps polling instead of sleeping. */
    return n + (net->ninflight > 0);
}

bool rap__net_queue_empty(rap_net *net)
{
    return atomic_load_explicit(&net->queued, memory_order_relaxed) == 0 &&
           atomic_load_explicit(&net->blocked, memory_order_relaxed) == 0;
}

void rap__net_destroy(rap_net *net)
{
    if (net == NULL)
        return;
    /* Everything goes now, credit or not: the peers are finalising too. */
    for (int dest = 0; dest < net->lim.size; dest++)
        if (net->tx[dest].bhead != NULL)
            list_retry(net, dest);
    do {
        post_sends(net, true);
        if (net->ninflight > 0)
            MPI_Waitall(net->ninflight, net->reqs, MPI_STATUSES_IGNORE);
        for (int i = 0; i < net->ninflight; i++)
            rap__env_free(net->inflight[i]);
        net->ninflight = 0;
    } while (!rap__net_queue_empty(net));
    for (int i = 0; i < NSLOTS; i++) {
        if (net->allreq[i] != MPI_REQUEST_NULL) {
            MPI_Cancel(&net->allreq[i]);
            MPI_Wait(&net->allreq[i], MPI_STATUS_IGNORE);
        }
    }
    pthread_mutex_destroy(&net->qlock);
    free_net(net);
}
