/* net/flow.c -- flow control applied to the transport's peers (the rules
 * are in flow.h).
 *
 * Sending side (progress thread): each ActorActionMsg is charged to its
 * peer's window when it is handed to MPI (tx[].inflight); one that does
 * not fit waits in the peer's blocked list, and the peer is asked for
 * credit once.  A credit takes its bytes off `inflight` and lists the
 * peer for a retry at the next poll.
 * Receiving side: the progress thread counts what each peer's messages
 * charge as they arrive (rx[].received); the workers that handle them add
 * to rx[].consumed (rap__net_consumed) and the one that makes a credit due
 * sends it.  Credits are RAP_SYS_CREDIT system messages between the two
 * ranks' System actor ids, outside the window.
 */
#include <string.h>

#include "net/net_int.h"

/* The window charge of a data message or a batch of them. */
uint64_t rap__flow_charge_of(const rap_env *env)
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

/* A credit message (0 bytes: a request) from this rank to `dest`. */
static rap_env *credit_env(rap_net *net, int dest, uint64_t bytes)
{
    rap_wire_credit c = { bytes };
    rap_env *env = rap__env_alloc(sizeof(c));

    if (env == NULL)
        return NULL;
    memcpy(rap__env_payload(env), &c, sizeof(c));
    rap__env_set(env, RAP_KIND_SYS_ACTION, RAP_SYS_CREDIT, rap__aid_system(dest),
                 rap__aid_system(net->lim.my_rank));
    return env;
}

bool rap__flow_take_charge(rap_net *net, int dest, const rap_env *env)
{
    peer_tx *t = &net->tx[dest];
    uint64_t charge = RAP_NET_CHARGE(rap__env_wire_size(env));

    if (t->bhead != NULL || !rap__flow_fits(t->inflight, charge, net->window))
        return false;
    t->inflight += charge;
    return true;
}

int rap__flow_request_credit(rap_net *net, int dest)
{
    peer_tx *t = &net->tx[dest];
    rap_env *env;

    if (t->requested || (env = credit_env(net, dest, 0)) == NULL)
        return 0;
    t->requested = true;
    rap__ctr_add(RAP_CTR_CREDITS_SENT, 1);
    return rap__batch_isend(net, env, dest);
}

void rap__flow_block(rap_net *net, rap_env *env, int dest)
{
    peer_tx *t = &net->tx[dest];

    atomic_store_explicit(&env->next, NULL, memory_order_relaxed);
    if (t->btail != NULL)
        atomic_store_explicit(&t->btail->next, env, memory_order_relaxed);
    else
        t->bhead = env;
    t->btail = env;
    atomic_fetch_add_explicit(&net->blocked, 1, memory_order_relaxed);
    rap__ctr_add(RAP_CTR_FLOW_BLOCKED, 1);
}

int rap__flow_release_blocked(rap_net *net, int *ntouched, bool force)
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
            if (!force && !rap__flow_fits(t->inflight, charge, net->window))
                break;
            t->bhead = atomic_load_explicit(&env->next, memory_order_relaxed);
            if (t->bhead == NULL)
                t->btail = NULL;
            atomic_fetch_sub_explicit(&net->blocked, 1, memory_order_relaxed);
            t->inflight += charge;
            n += rap__batch_post_one(net, env, dest, ntouched);
        }
        if (t->bhead != NULL)
            n += rap__flow_request_credit(net, dest);
    }
    return n;
}

void rap__flow_list_retry(rap_net *net, int dest)
{
    if (!net->tx[dest].retry) {
        net->tx[dest].retry = true;
        net->retry[net->nretry++] = dest;
    }
}

void rap__flow_received(rap_net *net, const rap_env *env, int src)
{
    peer_rx *r = &net->rx[src];

    if (env->hdr.kind != RAP_KIND_ACTOR_ACTION || net->window == 0)
        return;
    /* release: pairs with the consumer's acquire in rap__flow_due's caller. */
    atomic_store_explicit(&r->received,
                          atomic_load_explicit(&r->received, memory_order_relaxed) +
                              RAP_NET_CHARGE(rap__env_wire_size(env)),
                          memory_order_release);
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
        rap__ctr_add(RAP_CTR_CREDITS_SENT, 1);
        rap__net_send(net, src, env);
        return;
    }
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
        (atomic_load(&r->want) &&
         rap__flow_due(consumed, ret, atomic_load_explicit(&r->received, memory_order_acquire),
                       net->window, true)))
        give_credit(net, env->src_rank, r, consumed);
}

void rap__flow_on_credit(rap_net *net, const rap_env *env, int src)
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
        if (rap__flow_due(consumed, ret, atomic_load_explicit(&r->received, memory_order_acquire),
                          net->window, true))
            give_credit(net, src, r, consumed);
        return;
    }
    peer_tx *t = &net->tx[src];
    if (c.bytes > t->inflight) {
        rap__recv_malformed(net, src, sizeof(c), &env->hdr, "credit exceeds the bytes in flight");
        return;
    }
    t->inflight -= c.bytes;
    t->requested = false;
    if (t->bhead != NULL)
        rap__flow_list_retry(net, src);
}
