/* net/recv.c -- the receive side: pre-posted slots, validation, and
 * messages that come in two parts (see net.h).
 *
 * Receives are pre-posted: per kind a ring of MPI_Irecv(MPI_ANY_SOURCE)
 * slots of rap__kind_slot(kind) bytes (ActorAction slots are envelopes of
 * RAP_WIRE_MEDIUM), completed by the transport's one MPI_Testsome per
 * poll, handled kind by kind (system first) and, within a kind, in the
 * order the slots were posted (the order MPI matched them), then posted
 * again.  A small message is copied out of its slot into its own
 * envelope, a batch is unpacked straight from the slot, and a larger one
 * in an ActorAction slot is handed over in the slot's envelope.
 *
 * A wire image larger than its slot comes as a header-only message
 * (RAP_WIRE_LARGE) on the kind's tag, then the image on the kind's bulk
 * tag; per sender and kind both are in order.  On such a header the
 * receiver looks for that sender's next bulk message (MPI_Improbe) and, if
 * it is not there yet, records a wait: each poll looks again, and what
 * arrives from that sender on that kind in the meantime is held behind
 * it, in order, so that nothing overtakes the large message and nothing
 * else waits for it.  A body that does not come within BULK_WAIT_NS
 * (only a broken peer is that slow: the sender posts both at once) is
 * dropped as malformed, and what was held behind it is delivered.
 */
#include <stdlib.h>
#include <string.h>

#include "net/net_int.h"
#include "util/clock.h"
#include "util/fatal.h"

static const int slots_per_kind[RAP_KIND_COUNT] = { 8, 2, 4, 16 };
#define BULK_WAIT_NS 10000000000ull

_Static_assert(8 + 2 + 4 + 16 == NSLOTS, "slots per kind add up to NSLOTS");

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

int rap__recv_create(rap_net *net)
{
    net->slots = calloc(NSLOTS, sizeof(*net->slots));
    if (net->slots == NULL)
        return RAP_ENOMEM;
    for (int k = 0, i = 0; k < RAP_KIND_COUNT; i += slots_per_kind[k], k++) {
        net->first[k] = i;
        net->head[k] = i;
    }
    for (int k = 0; k < RAP_KIND_COUNT; k++) {
        for (int j = net->first[k]; j < net->first[k] + slots_per_kind[k]; j++) {
            if (!post_slot(net, j, k)) {
                for (int x = 0; x < j; x++) {
                    MPI_Cancel(&net->allreq[x]);
                    MPI_Wait(&net->allreq[x], MPI_STATUS_IGNORE);
                }
                return RAP_ENOMEM;
            }
        }
    }
    return RAP_OK;
}

static void free_held(rap_env *env)
{
    while (env != NULL) {
        rap_env *next = atomic_load_explicit(&env->next, memory_order_relaxed);
        rap__env_free(env);
        env = next;
    }
}

void rap__recv_destroy(rap_net *net)
{
    for (int i = 0; net->slots != NULL && i < NSLOTS; i++)
        rap__env_free(net->slots[i].env);
    free(net->slots);
    net->slots = NULL;
    for (int i = 0; i < net->nwaits; i++)
        free_held(net->waits[i].hhead);
    free(net->waits);
    net->waits = NULL;
    net->nwaits = 0;
}

void rap__recv_malformed(rap_net *net, int src, size_t bytes, const rap_wire_hdr *hdr,
                         const char *why)
{
    rap__ctr_add(RAP_CTR_MALFORMED, 1);
    if (net->cb.malformed)
        net->cb.malformed(net->cb.arg, src, bytes, hdr, why);
}

static void deliver(rap_net *net, rap_env *env, int src)
{
    env->src_rank = src;
    rap__flow_received(net, env, src);
    rap__ctr_add(RAP_CTR_RECV_REMOTE, 1);
    rap__ctr_add(RAP_CTR_BYTES_RECV_REMOTE, rap__env_wire_size(env));
    net->cb.arrival(net->cb.arg, env);
}

/* A validated single message: the transport's own (credits) or the
 * caller's. */
static void arrived(rap_net *net, rap_env *env, int src)
{
    if (env->hdr.kind == RAP_KIND_SYS_ACTION && env->hdr.type == RAP_SYS_CREDIT) {
        if (RAP_AID_RANK(env->hdr.from) == src)
            rap__flow_on_credit(net, env, src);
        else
            rap__recv_malformed(net, src, rap__env_wire_size(env), &env->hdr,
                                "credit from a rank other than its sender");
        rap__env_free(env);
        return;
    }
    deliver(net, env, src);
}

/* ------------------------------------------------------ waits for bodies */

static bulk_wait *find_wait(rap_net *net, int src, int kind)
{
    for (int i = 0; i < net->nwaits; i++)
        if (net->waits[i].src == src && net->waits[i].kind == kind)
            return &net->waits[i];
    return NULL;
}

static void hold(bulk_wait *w, rap_env *env)
{
    atomic_store_explicit(&env->next, NULL, memory_order_relaxed);
    if (w->htail != NULL)
        atomic_store_explicit(&w->htail->next, env, memory_order_relaxed);
    else
        w->hhead = env;
    w->htail = env;
}

/* Hand an arrival on, or hold it behind `w`. */
static void arrived_or_hold(rap_net *net, bulk_wait *w, rap_env *env, int src)
{
    if (w != NULL)
        hold(w, env);
    else
        arrived(net, env, src);
}

/* Receive the body `w` waits for if MPI has it.  True when `w` is over:
 * the body came (delivered, or dropped as malformed) or it is too late. */
static bool try_body(rap_net *net, bulk_wait *w)
{
    const size_t wire = sizeof(rap_wire_hdr) + w->hdr.len;
    const char *why = NULL;
    MPI_Status st;
    rap_env *env;
    int flag = 0;

    if (!w->matched) {
        if (MPI_Improbe(w->src, rap__bulk_tag(w->kind), net->comm, &flag, &w->msg, &st) !=
            MPI_SUCCESS) {
            rap__recv_malformed(net, w->src, wire, &w->hdr, "MPI probe failed for a large message");
            return true;
        }
        if (!flag) {
            if (rap__now_ns() - w->since <= BULK_WAIT_NS)
                return false;
            rap__recv_malformed(net, w->src, wire, &w->hdr,
                                "the body of a large message never came");
            return true;
        }
        w->matched = true;
        rap__ctr_add(RAP_CTR_MPI_RECEIVED, 1);
        MPI_Get_count(&st, MPI_BYTE, &w->bytes);
    }
    /* Matched: MPI holds the message for us until we receive it, so a
     * failed allocation waits for memory and loses nothing. */
    env = rap__env_alloc_wire(w->bytes > 0 ? (size_t)w->bytes : 0);
    if (env == NULL) {
        if (!w->nomem_told && net->cb.warn != NULL)
            net->cb.warn(net->cb.arg, w->src, "no memory to receive a large message; retrying");
        w->nomem_told = true;
        return false;
    }
    if (MPI_Mrecv(&env->hdr, w->bytes, MPI_BYTE, &w->msg, &st) != MPI_SUCCESS) {
        rap__env_free(env);
        rap__recv_malformed(net, w->src, (size_t)w->bytes, &w->hdr, "MPI receive failed");
        return true;
    }
    if ((size_t)w->bytes != wire)
        why = "large message of another size than announced";
    else if (rap__wire_validate(&env->hdr, wire, rap__kind_tag(w->kind), &net->lim, &why) ==
                 RAP_OK &&
             !rap__wire_same_header(&w->hdr, &env->hdr))
        why = "large message differs from its header";
    if (why != NULL) {
        rap__env_free(env);
        rap__recv_malformed(net, w->src, (size_t)w->bytes, &w->hdr, why);
        return true;
    }
    net->took_bulk = true;
    arrived(net, env, w->src);
    return true;
}

static void start_wait(bulk_wait *w, const rap_wire_hdr *h)
{
    w->hdr = *h;
    w->since = rap__now_ns();
    w->matched = false;
    w->nomem_told = false;
}

/* `w` is over: deliver what it held, up to the next large header held,
 * which `w` then waits for.  False when `w` waits again. */
static bool release(rap_net *net, bulk_wait *w)
{
    for (;;) {
        rap_env *env = w->hhead;
        if (env == NULL)
            return true;
        w->hhead = atomic_load_explicit(&env->next, memory_order_relaxed);
        if (w->hhead == NULL)
            w->htail = NULL;
        if (env->hdr.flags != RAP_WIRE_LARGE) {
            arrived(net, env, w->src);
            continue;
        }
        start_wait(w, &env->hdr);
        rap__env_free(env);
        if (!try_body(net, w))
            return false;
    }
}

static void drop_wait(rap_net *net, bulk_wait *w)
{
    RAP_ASSERT(net->nwaits > 0 && w->hhead == NULL);
    *w = net->waits[--net->nwaits];
    atomic_store_explicit(&net->waiting, (size_t)net->nwaits, memory_order_relaxed);
}

/* A validated large header from `src` on `kind`: receive its body now if
 * it is there, or wait for it. */
static void on_large(rap_net *net, const rap_wire_hdr *h, int kind, int src)
{
    bulk_wait *w;

    if (net->nwaits == net->capwaits) {
        int ncap = net->capwaits ? 2 * net->capwaits : 4;
        bulk_wait *nw = realloc(net->waits, (size_t)ncap * sizeof(*nw));
        if (nw == NULL) {
            rap__recv_malformed(net, src, sizeof(*h), h, "out of memory for a large message");
            return;
        }
        net->waits = nw;
        net->capwaits = ncap;
    }
    w = &net->waits[net->nwaits++];
    *w = (bulk_wait){ .src = src, .kind = kind };
    start_wait(w, h);
    atomic_store_explicit(&net->waiting, (size_t)net->nwaits, memory_order_relaxed);
    if (try_body(net, w) && release(net, w))
        drop_wait(net, w);
}

/* Poll every wait; returns how many ended. */
static int poll_waits(rap_net *net)
{
    int n = 0;

    for (int i = 0; i < net->nwaits;) {
        bulk_wait *w = &net->waits[i];
        if (try_body(net, w) && release(net, w)) {
            drop_wait(net, w);
            n++;
        } else {
            i++;
        }
    }
    return n;
}

/* ------------------------------------------------------------ the slots */

/* Take the items out of a validated batch (its payload: `len` bytes at
 * `p`), each checked on its own.  An item that is framed (its magic and
 * version right, its length within the batch) but refused (say, a type
 * this executable did not register) is dropped and the next one taken; an
 * item that cannot be framed ends the batch (what follows it cannot be
 * found). */
static void unpack(rap_net *net, const char *p, size_t len, int tag, int src, bulk_wait *w)
{
    const char *end = p + len, *why = NULL;

    while (p < end) {
        rap_wire_hdr h;
        size_t size;
        rap_env *env;

        if ((size_t)(end - p) < sizeof(h)) {
            rap__recv_malformed(net, src, (size_t)(end - p), NULL, "batch item shorter than a header");
            return;
        }
        memcpy(&h, p, sizeof(h));
        size = sizeof(h) + h.len;
        if (size > (size_t)(end - p) || h.magic != RAP_WIRE_MAGIC || h.version != RAP_WIRE_VERSION) {
            rap__recv_malformed(net, src, (size_t)(end - p), &h,
                                size > (size_t)(end - p) ? "batch item overruns the batch"
                                                         : "batch item without a header");
            return;
        }
        if (rap__wire_validate(p, size, tag, &net->lim, &why) != RAP_OK) {
            rap__recv_malformed(net, src, size, &h, why);
            p += size;
            continue;
        }
        env = rap__env_alloc(h.len);
        if (env == NULL) {
            rap__recv_malformed(net, src, size, &h, "out of memory");
            return;
        }
        memcpy(&env->hdr, p, size);
        if (w != NULL)
            hold(w, env);
        else
            deliver(net, env, src);
        p += size;
    }
}

/* Handle the message in a completed slot of `kind`. */
static void handle_slot(rap_net *net, slot *sl, int kind)
{
    const int tag = rap__kind_tag(kind), src = sl->st.MPI_SOURCE;
    bulk_wait *w = net->nwaits > 0 ? find_wait(net, src, kind) : NULL;
    const char *why = NULL;
    rap_wire_hdr h;
    int bytes = 0;
    rap_env *env;

    rap__ctr_add(RAP_CTR_MPI_RECEIVED, 1);
    if (sl->err != MPI_SUCCESS) {
        rap__recv_malformed(net, src, 0, NULL,
                            sl->err == MPI_ERR_TRUNCATE ? "message larger than a receive slot"
                                                        : "MPI receive failed");
        return;
    }
    MPI_Get_count(&sl->st, MPI_BYTE, &bytes);
    if (bytes < 0 || (size_t)bytes < sizeof(rap_wire_hdr)) {
        rap__recv_malformed(net, src, bytes > 0 ? (size_t)bytes : 0, NULL, "shorter than a header");
        return;
    }
    memcpy(&h, sl->buf, sizeof(h));
    switch (h.flags) {
    case RAP_WIRE_BATCH:
        if (rap__wire_validate_batch(sl->buf, (size_t)bytes, tag, &net->lim, &why) != RAP_OK) {
            rap__recv_malformed(net, src, (size_t)bytes, &h, why);
            return;
        }
        if (w == NULL && net->cb.batch != NULL)
            net->cb.batch(net->cb.arg, true);
        unpack(net, sl->buf + sizeof(rap_wire_hdr), (size_t)bytes - sizeof(rap_wire_hdr), tag, src, w);
        if (w == NULL && net->cb.batch != NULL)
            net->cb.batch(net->cb.arg, false);
        return;
    case RAP_WIRE_LARGE:
        if (rap__wire_validate_large(sl->buf, (size_t)bytes, tag, &net->lim, &why) != RAP_OK) {
            rap__recv_malformed(net, src, (size_t)bytes, &h, why);
            return;
        }
        if (w == NULL) {
            on_large(net, &h, kind, src);
            return;
        }
        if ((env = rap__env_alloc(0)) == NULL) {
            rap__recv_malformed(net, src, (size_t)bytes, &h, "out of memory");
            return;
        }
        env->hdr = h; /* a header held behind another: it waits for its body in turn */
        hold(w, env);
        return;
    default:
        break;
    }
    if (rap__wire_validate(sl->buf, (size_t)bytes, tag, &net->lim, &why) != RAP_OK) {
        rap__recv_malformed(net, src, (size_t)bytes, &h, why);
        return;
    }
    if ((size_t)bytes > RAP_WIRE_SLOT && sl->env != NULL) {
        /* A message only a large slot holds: the slot's envelope is the
         * message (no copy); the slot gets another when posted again. */
        env = sl->env;
        sl->env = NULL;
        atomic_init(&env->next, NULL);
        env->src_rank = -1;
        arrived_or_hold(net, w, env, src);
        return;
    }
    env = rap__env_alloc_wire((size_t)bytes);
    if (env == NULL) {
        rap__recv_malformed(net, src, (size_t)bytes, &h, "out of memory");
        return;
    }
    memcpy(&env->hdr, sl->buf, (size_t)bytes);
    arrived_or_hold(net, w, env, src);
}

int rap__recv_handle(rap_net *net)
{
    int n = net->nwaits > 0 ? poll_waits(net) : 0;

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
     * every large message that has arrived (docs/PERFORMANCE.md). */
    net->took_bulk = false;
    return n;
}
