/* net/batch.c -- the send side: the queue any thread appends to, and the
 * poll that posts it (see net.h).
 *
 * A poll takes up to TAKE_MAX messages off the queue's head while fewer
 * than MAX_INFLIGHT sends are incomplete.  Small ActorActionMsgs to one
 * rank that a poll finds queued together go as one MPI message (a batch:
 * a header flagged RAP_WIRE_BATCH whose payload is their wire images, at
 * most RAP_NET_BATCH_MAX bytes); a lone one goes as itself.  An image
 * larger than its kind's receive slot goes as a header-only message
 * (RAP_WIRE_LARGE) on the kind's tag, then the image on the kind's bulk
 * tag.  Every message that is not small, and every system message, first
 * sends what waits for its destination, so order per destination holds.
 */
#include <stdlib.h>
#include <string.h>

#include "net/net_int.h"

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

int rap__batch_isend(rap_net *net, rap_env *env, int dest)
{
    char text[MPI_MAX_ERROR_STRING];
    size_t wire = rap__env_wire_size(env);
    int kind = env->hdr.kind, n = 0;

    if (wire > rap__kind_slot(kind)) {
        rap_env *h = rap__env_alloc(0);
        if (h == NULL) {
            rap__net_send_failed(net, env, dest, "out of memory for a large-message header");
            return 0;
        }
        h->hdr = env->hdr; /* len: the image's payload, announced */
        h->hdr.flags = RAP_WIRE_LARGE;
        if (!rap__net_post(net, h, dest, sizeof(rap_wire_hdr), rap__kind_tag(kind), text)) {
            rap__env_free(h);
            rap__net_send_failed(net, env, dest, text);
            return 0;
        }
        n++;
        if (!rap__net_post(net, env, dest, wire, rap__bulk_tag(kind), text)) {
            rap__net_send_failed(net, env, dest, text);
            return n;
        }
    } else if (!rap__net_post(net, env, dest, wire, rap__kind_tag(kind), text)) {
        rap__net_send_failed(net, env, dest, text);
        return 0;
    }
    rap__net_ring(net, dest);
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
        rap__ctr_add(RAP_CTR_BATCHES_SENT, 1);
        n += rap__batch_isend(net, p->batch, dest);
    } else if (p->single != NULL) {
        n += rap__batch_isend(net, p->single, dest);
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
        rap__env_set(b, RAP_KIND_ACTOR_ACTION, 0, rap__aid_system(dest), RAP_AID_NONE);
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

int rap__batch_post_one(rap_net *net, rap_env *env, int dest, int *ntouched)
{
    if (env->hdr.kind == RAP_KIND_ACTOR_ACTION && rap__env_wire_size(env) <= RAP_NET_BATCH_ITEM)
        return add_small(net, env, dest, ntouched);
    return flush_dest(net, dest) /* what came before it goes first */ +
           rap__batch_isend(net, env, dest);
}

int rap__batch_post_sends(rap_net *net, bool force)
{
    rap_env *list, *cur, *last = NULL;
    int n = 0, ntouched = 0;

    if (net->nretry > 0 && net->ninflight < MAX_INFLIGHT)
        n += rap__flow_release_blocked(net, &ntouched, force);
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
            !rap__flow_take_charge(net, dest, env)) {
            rap__flow_block(net, env, dest);
            n += rap__flow_request_credit(net, dest);
            continue;
        }
        n += rap__batch_post_one(net, env, dest, &ntouched);
    }
flush:
    for (int i = 0; i < ntouched; i++) {
        n += flush_dest(net, net->touched[i]);
        net->pend[net->touched[i]].listed = false;
    }
    return n;
}
