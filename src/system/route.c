/* system/route.c -- where each envelope goes: the addressee's mailbox on
 * this rank, or the transport; what cannot be delivered; the system
 * envelopes the runtime sends; the transport's callbacks.
 *
 * Owns:       nothing beyond the call: an envelope passes through.
 * Invariants: an envelope routed is delivered, queued for its rank, or
 *             reported (to its sender as an error event, or in the log
 *             when it has no sender) and freed: never dropped silently.
 *             A message the outbox holds is never overtaken by a later one
 *             sent directly: the outbox is asked first.
 * Threads:    any thread routes; the transport's callbacks run on the
 *             token holder.
 * Uses:       system/node.h, system/outbox.h, net/, actor/, msg/.
 */
#include <stdio.h>
#include <string.h>

#include "system/migrate.h"
#include "system/node.h"
#include "system/outbox.h"
#include "system/service.h"

/* What an envelope is, for a log line: "message pp.ping", "error event",
 * "system request 1" (a static buffer per thread). */
static const char *kind_name(const rap_wire_hdr *h)
{
    static _Thread_local char buf[RAP_NAME_MAX + 16];
    char type[RAP_NAME_MAX];

    switch (h->kind) {
    case RAP_KIND_ACTOR_ACTION:
        snprintf(buf, sizeof(buf), "message %s", rap__msg_name(h->type, type, sizeof(type)));
        break;
    case RAP_KIND_SYS_ACTION:
        snprintf(buf, sizeof(buf), "system request %u", h->type);
        break;
    default:
        snprintf(buf, sizeof(buf), "error event");
        break;
    }
    return buf;
}

/* Report an undeliverable envelope to its sender (or the log); the caller
 * still owns and frees it. */
void rap__dead_letter_report(const rap_env *env)
{
    const rap_wire_hdr *h = &env->hdr;
    char to[RAP_AID_STR_MAX], from[RAP_NAME_MAX];

    rap__ctr_add(RAP_CTR_DEAD_LETTERS, 1);
    if (h->kind == RAP_KIND_ACTOR_ACTION && h->type == RAP_MSG_LOG) {
        /* A line the Logger cannot take: reporting it through the log
         * would make another such line. */
        rap_wire_log lh;
        memcpy(&lh, rap__env_cpayload(env), sizeof(lh));
        fprintf(stderr, "raptors: rank %d: a log line could not reach the Logger: %.*s\n",
                g_node.rank, (int)(h->len - sizeof(lh)),
                (const char *)rap__env_cpayload(env) + sizeof(lh));
        return;
    }
    if ((h->kind == RAP_KIND_ACTOR_ACTION || h->kind == RAP_KIND_SYS_ACTION) && h->from != RAP_AID_NONE &&
        RAP_AID_SERIAL(h->from) != RAP_SERIAL_OUTSIDE) {
        uint32_t type = h->type;
        uint64_t cookie = 0;
        if (h->kind == RAP_KIND_ACTOR_ACTION && (h->type == RAP_MSG_ASK || h->type == RAP_MSG_REPLY) &&
            h->len >= sizeof(rap_wire_ask)) { /* the request's or reply's own type (and the asker's cookie) */
            rap_wire_ask q;
            memcpy(&q, rap__env_cpayload(env), sizeof(q));
            type = q.type;
            cookie = h->type == RAP_MSG_ASK ? q.cookie : 0;
        }
        rap__send_error(h->from, RAP_KIND_ACTOR_ERROR, 0, RAP_ERROR_DEAD_LETTER, RAP_EDEAD, h->to, type, cookie);
        return;
    }
    /* No one to tell (sent from outside actors, or an error event whose
     * addressee is gone): the log is the report. */
    rap__log(RAP_LOG_WARN, RAP_AID_NONE, "dead letter: %s to %s, which does not exist, from %s",
             kind_name(h), rap__aid_str(h->to, to, sizeof(to)),
             rap__actor_name(h->from, from, sizeof(from)));
}

static void dead_letter(rap_env *env)
{
    rap__dead_letter_report(env);
    rap__net_consumed(g_node.net, env);
    rap__env_free(env);
}

void rap__group_push(rap_actor *a, rap_env *env)
{
    if (a == NULL) {
        dead_letter(env);
        return;
    }
    rap__ctr_add(RAP_CTR_MAILBOX_IN, 1);
    if (rap__mailbox_push(&a->mb, env))
        rap__actor_schedule(a);
    rap__table_release(a);
}

void rap__group_drop_held(void) { rap__table_group_drop_held(g_node.table, dead_letter); }

/* A message to a group member that is not here: held until its group is
 * ready on this rank, or (ready) looked up once more. */
static void deliver_group_miss(rap_env *env)
{
    if (!rap__table_group_hold(g_node.table, env))
        rap__group_push(rap__table_acquire(g_node.table, env->hdr.to), env);
}

/* Queue first..last (n, linked, all to one actor on rank `dest`) for the
 * transport. */
static void transmit_chain(int dest, rap_env *first, rap_env *last, size_t n)
{
    if (rap__net_send_chain(g_node.net, dest, first, last, n)) {
        rap__node_poll(NULL); /* a long queue: flush by size, if the token is free */
    } else if (!rap__on_worker() && g_node.sched != NULL) {
        /* Outside the workers (the main thread, a drop-in thread, a sync
         * thread): the
         * message leaves now when MPI is free, as rap_send promises; the
         * workers may all be inside long handlers (they would send it
         * only when one ends).  Else a worker sends it at its next poll. */
        if (rap__token_take() > 0) {
            rap__net_progress(g_node.net);
            rap__token_drop();
        } else {
            rap__bell_ring(rap__sched_bell(g_node.sched)); /* the poller may sleep */
        }
    }
}

void rap__deliver_chain(rap_aid to, rap_env *first, rap_env *last, size_t n)
{
    rap_actor *a;

    if (rap__aid_movable(to)) { /* here, or passed on: one at a time */
        rap_env *next;
        (void)last, (void)n;
        for (rap_env *env = first; env != NULL; env = next) {
            next = atomic_load_explicit(&env->next, memory_order_relaxed);
            atomic_store_explicit(&env->next, NULL, memory_order_relaxed);
            rap__mig_deliver(env);
        }
        return;
    }
    if ((int)RAP_AID_RANK(to) != g_node.rank) {
        transmit_chain((int)RAP_AID_RANK(to), first, last, n);
        return;
    }
    a = rap__table_acquire(g_node.table, to);
    if (a == NULL) {
        rap_env *next;
        for (rap_env *env = first; env != NULL; env = next) {
            next = atomic_load_explicit(&env->next, memory_order_relaxed);
            if (rap__aid_is_group(to))
                deliver_group_miss(env);
            else
                dead_letter(env);
        }
        return;
    }
    rap__ctr_add(RAP_CTR_MAILBOX_IN, n);
    if (rap__mailbox_push_chain(&a->mb, first, last))
        rap__actor_schedule(a);
    rap__table_release(a);
}

static void deliver_local(rap_env *env)
{
    if (rap__outbox_hold(env))
        return;
    atomic_store_explicit(&env->next, NULL, memory_order_relaxed);
    rap__deliver_chain(env->hdr.to, env, env, 1);
}

/* A worker sending while the transport is idle hands the message to MPI
 * itself, if the token is free: no trip through the queue and the next
 * poll (the latency of a lone message).  A burst still queues and goes
 * batched: the transport is not idle after the first send, and once
 * something is queued the rest of the burst does not touch the token. */
static bool send_now(int dest, rap_env *env)
{
    bool sent;

    if (!rap__on_worker() || !rap__net_queue_empty(g_node.net) || rap__token_take() <= 0)
        return false;
    sent = rap__net_send_now(g_node.net, dest, env);
    rap__token_drop();
    return sent;
}

void rap__transmit(int dest, rap_env *env)
{
    rap__ctr_add(RAP_CTR_SENT_REMOTE, 1);
    rap__ctr_add(RAP_CTR_BYTES_SENT_REMOTE, rap__env_wire_size(env));
    if (send_now(dest, env))
        return;
    atomic_store_explicit(&env->next, NULL, memory_order_relaxed);
    transmit_chain(dest, env, env, 1);
}

void rap__route(rap_env *env)
{
    int dest = RAP_AID_RANK(env->hdr.to);

    if (rap__aid_movable(env->hdr.to)) { /* never held: its sequence number orders it */
        uint32_t len = env->hdr.len; /* env is the addressee's once delivered */
        atomic_store_explicit(&env->next, NULL, memory_order_relaxed);
        if (rap__mig_deliver(env)) {
            rap__ctr_add(RAP_CTR_SENT_LOCAL, 1);
            rap__ctr_add(RAP_CTR_BYTES_SENT_LOCAL, len);
        }
        return;
    }

    if (dest == g_node.rank) {
        rap__ctr_add(RAP_CTR_SENT_LOCAL, 1);
        rap__ctr_add(RAP_CTR_BYTES_SENT_LOCAL, env->hdr.len);
        deliver_local(env);
        return;
    }
    rap__ctr_add(RAP_CTR_SENT_REMOTE, 1);
    rap__ctr_add(RAP_CTR_BYTES_SENT_REMOTE, rap__env_wire_size(env));
    if (rap__outbox_hold(env) || send_now(dest, env))
        return;
    atomic_store_explicit(&env->next, NULL, memory_order_relaxed);
    transmit_chain(dest, env, env, 1);
}

int rap__sys_send(int kind, uint32_t op, rap_aid to, rap_aid from, const void *payload, size_t len)
{
    rap_env *env = rap__env_alloc(len);

    if (env == NULL)
        return RAP_ENOMEM;
    if (len > 0)
        memcpy(rap__env_payload(env), payload, len);
    rap__env_set(env, kind, op, to, from);
    rap__route(env);
    return RAP_OK;
}

void rap__send_error(rap_aid to, int kind, uint32_t op, int err_kind, int code, rap_aid about,
                     uint32_t msg_type, uint64_t cookie)
{
    rap_wire_err e = { .kind = err_kind, .code = code, .actor = about, .msg_type = msg_type,
                       .actor_type = rap__actor_type_of(about), .cookie = cookie };
    char a[RAP_NAME_MAX], t[RAP_NAME_MAX];

    if (to == RAP_AID_NONE) {
        rap__log(RAP_LOG_WARN, RAP_AID_NONE, "%s (%s) about %s, message type %s: no actor to tell",
                 rap__error_kind_name(err_kind), rap_err_name(code),
                 rap__actor_name(about, a, sizeof(a)), rap__msg_name(msg_type, t, sizeof(t)));
        return;
    }
    if (rap__sys_send(kind, op, to, rap__aid_system(g_node.rank), &e, sizeof(e)) != RAP_OK)
        rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "out of memory sending an error event");
}

/* ------------------------------------------------------ net callbacks */

static void on_malformed(void *arg, int src, size_t bytes, const rap_wire_hdr *hdr, const char *why);

static void on_arrival(void *arg, rap_env *env)
{
    (void)arg;
    /* Where a movable actor is: taken at once, not behind the System
     * actor's turn, so that messages chasing it stop bouncing sooner. */
    if (env->hdr.kind == RAP_KIND_SYS_ACTION && env->hdr.type >= RAP_SYS_MIGRATE &&
        env->hdr.type <= RAP_SYS_LOCATE && (int)RAP_AID_RANK(env->hdr.from) != env->src_rank) {
        /* The migration protocol's requests say which rank sends them:
         * only that rank may. */
        rap__ctr_add(RAP_CTR_MALFORMED, 1);
        on_malformed(NULL, env->src_rank, rap__env_wire_size(env), &env->hdr,
                     "migration request from a rank other than its sender");
        rap__net_consumed(g_node.net, env);
        rap__env_free(env);
        return;
    }
    if (env->hdr.kind == RAP_KIND_SYS_ACTION &&
        (env->hdr.type == RAP_SYS_DIR || env->hdr.type == RAP_SYS_LOCATE)) {
        if (env->hdr.type == RAP_SYS_DIR)
            rap__mig_op_dir(NULL, env);
        else
            rap__mig_op_locate(NULL, env);
        rap__net_consumed(g_node.net, env);
        rap__env_free(env);
        return;
    }
    if (env->hdr.kind == RAP_KIND_SYS_ACTION) {
        void (*op)(rap_ctx *, const rap_env *) = rap__services_arrival_op(env->hdr.type);
        if (op != NULL) { /* a collective's hop: at once (service.h) */
            op(NULL, env);
            rap__net_consumed(g_node.net, env);
            rap__env_free(env);
            return;
        }
    }
    if (rap__outbox_hold_arrival(env))
        return;
    atomic_store_explicit(&env->next, NULL, memory_order_relaxed);
    rap__deliver_chain(env->hdr.to, env, env, 1);
}

static void on_batch(void *arg, bool open)
{
    (void)arg;
    rap__outbox_batch(open);
}

static void on_malformed(void *arg, int src, size_t bytes, const rap_wire_hdr *hdr, const char *why)
{
    char type[RAP_NAME_MAX];

    (void)arg;
    if (hdr != NULL && hdr->kind == RAP_KIND_ACTOR_ACTION && hdr->flags == 0 &&
        hdr->type >= RAP_TYPE_USER_MIN && rap__msgtype_find(hdr->type) == NULL) {
        rap__log(RAP_LOG_ERROR, RAP_AID_NONE,
                 "dropped a message from rank %d: message type %s: this executable did not "
                 "register it", src, rap__msg_name(hdr->type, type, sizeof(type)));
        return;
    }
    rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "dropped a malformed message of %zu bytes from rank %d: %s",
             bytes, src, why);
}

static void on_send_failed(void *arg, rap_env *env, int dest, const char *text)
{
    (void)arg;
    rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "send of %s to rank %d failed: %s", kind_name(&env->hdr),
             dest, text);
    env->src_rank = -1; /* not an arrival: nothing to credit */
    dead_letter(env);   /* undeliverable: tell its sender */
}

static void on_warn(void *arg, int peer, const char *text)
{
    (void)arg;
    rap__log(RAP_LOG_WARN, RAP_AID_NONE, "rank %d: %s", peer, text);
}

void rap__route_callbacks(rap_net_callbacks *cb)
{
    *cb = (rap_net_callbacks){
        .arrival = on_arrival,
        .malformed = on_malformed,
        .send_failed = on_send_failed,
        .batch = on_batch,
        .warn = on_warn,
    };
}
