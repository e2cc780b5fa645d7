/* system/runner.c -- running an actor: a worker's turn at its mailbox,
 * the dispatch of each message, and the scheduler's hooks for actors.
 *
 * Owns:       the rules of a turn.
 * Invariants: an actor is run by one worker at a time: it is pushed to the
 *             run queue only by the sender whose push found its mailbox
 *             marked empty, by its creator after init, or by its runner when
 *             a turn ends with messages left.  A turn handles at most
 *             RUN_BATCH messages, and ends early when the scheduler's
 *             watchdog says it has run too long (sched.h).  Every handler
 *             runs through call_handler, which reports its failure to the
 *             actor's supervisor and the log.  While stopping, the runtime's actors (System, Logger)
 *             handle everything and user actors only destroy requests;
 *             every other message is dropped and counted.
 * Threads:    workers.
 * Uses:       system/node.h, system/outbox.h, actor/, msg/, sched/.
 */
#include <string.h>

#include "msg/pool.h"
#include "system/migrate.h"
#include "system/node.h"
#include "system/outbox.h"
#include "system/probe.h"
#include "system/service.h"
#include "util/clock.h"
#include "util/fatal.h"

#define RUN_BATCH 64

const char *rap__error_kind_name(int kind)
{
    switch (kind) {
    case RAP_ERROR_DEAD_LETTER:
        return "dead letter";
    case RAP_ERROR_UNHANDLED:
        return "unhandled message";
    case RAP_ERROR_SPAWN:
        return "spawn failed";
    case RAP_ERROR_CHILD:
        return "child's handler failed";
    case RAP_ERROR_MIGRATE:
        return "move failed";
    case RAP_ERROR_TIMEOUT:
        return "no reply in time";
    case RAP_ERROR_DOWN:
        return "monitored actor ended";
    default:
        return "error event";
    }
}

/* A handler failed: tell the log and the actor's supervisor. */
static void child_failed(rap_actor *a, uint32_t msg_type, int rc)
{
    char self[RAP_AID_STR_MAX], type[RAP_NAME_MAX];
    rap_aid aid = atomic_load_explicit(&a->aid, memory_order_relaxed);

    rap__log(RAP_LOG_WARN, RAP_AID_NONE, "actor %s (%s): its handler for %s returned %d (%s: %s)",
             rap__aid_str(aid, self, sizeof(self)), a->type->name,
             rap__msg_name(msg_type, type, sizeof(type)), rc, rap_err_name(rc), rap_strerror(rc));
    if (a->parent != RAP_AID_NONE)
        rap__send_error(a->parent, RAP_KIND_ACTOR_ERROR, 0, RAP_ERROR_CHILD, rc, aid, msg_type, 0);
}

/* The sender as handlers see it: RAP_AID_NONE from outside actors. */
static inline rap_aid user_from(rap_aid from)
{
    return RAP_AID_SERIAL(from) == RAP_SERIAL_OUTSIDE ? RAP_AID_NONE : from;
}

/* A handler returned `rc` (or called rap_exit_with): a failure goes to
 * the supervisor, which decides (supervise.c), or, unsupervised, is
 * reported; rap_exit_with then ends the actor. */
static void handler_done(rap_ctx *ctx, rap_actor *a, uint32_t msg_type, int rc)
{
    bool exit_after = false;

    if (rc == RAP_OK && ctx->fail != 0) {
        rc = ctx->fail;
        exit_after = true;
    }
    ctx->fail = 0;
    if (rc == RAP_OK || rap__sup_failed(ctx, a, msg_type, rc))
        return;
    child_failed(a, msg_type, rc);
    if (exit_after)
        a->exiting = true;
}

/* Every handler runs here. */
static void call_handler(rap_ctx *ctx, rap_actor *a, rap_handler_fn fn, uint32_t msg_type,
                         const rap_env *env)
{
    handler_done(ctx, a, msg_type, fn(ctx, a->state, user_from(env->hdr.from), rap__env_cpayload(env), env->hdr.len));
}

static void deliver_error(rap_ctx *ctx, rap_actor *a, const rap_env *env)
{
    rap_wire_err w;
    rap_error_event ev;
    char self[RAP_AID_STR_MAX], about[RAP_NAME_MAX], type[RAP_NAME_MAX];

    memcpy(&w, rap__env_cpayload(env), sizeof(w));
    ev = (rap_error_event){ .kind = w.kind, .code = w.code, .actor = w.actor,
                            .msg_type = w.msg_type, .cookie = w.cookie };
    if (ev.kind == RAP_ERROR_CHILD && a->type->strategy != 0 && rap__sup_child_failed(ctx, a, &ev))
        return;
    if (a->type->on_error != NULL) {
        a->type->on_error(ctx, a->state, &ev);
        return;
    }
    if (ev.kind == RAP_ERROR_SPAWN) {
        const rap_actor_type *at = rap__atype_find(ev.msg_type);
        snprintf(type, sizeof(type), "actor type %s", at != NULL ? at->name : "?");
    } else {
        char m[RAP_NAME_MAX];
        snprintf(type, sizeof(type), "message type %s", rap__msg_name(ev.msg_type, m, sizeof(m)));
    }
    if (ev.actor == RAP_AID_NONE)
        snprintf(about, sizeof(about), "-");
    else
        rap__actor_name_typed(ev.actor, w.actor_type, about, sizeof(about));
    rap__log(RAP_LOG_WARN, RAP_AID_NONE,
             "actor %s (%s) has no error handler: %s (%s) about %s, %s, cookie %llu",
             rap__aid_str(atomic_load_explicit(&a->aid, memory_order_relaxed), self, sizeof(self)),
             a->type->name, rap__error_kind_name(ev.kind), rap_err_name(ev.code), about, type,
             (unsigned long long)ev.cookie);
}

static void unhandled(rap_actor *a, const rap_wire_hdr *h, uint32_t msg_type)
{
    char self[RAP_AID_STR_MAX], type[RAP_NAME_MAX];

    rap__ctr_add(RAP_CTR_UNHANDLED, 1);
    if (user_from(h->from) != RAP_AID_NONE) {
        rap__send_error(h->from, RAP_KIND_ACTOR_ERROR, 0, RAP_ERROR_UNHANDLED, RAP_EUNHANDLED,
                        atomic_load(&a->aid), msg_type, 0);
        return;
    }
    rap__log(RAP_LOG_WARN, RAP_AID_NONE, "actor %s (%s) has no handler for message type %s",
             rap__aid_str(atomic_load(&a->aid), self, sizeof(self)), a->type->name,
             rap__msg_name(msg_type, type, sizeof(type)));
}

/* A request (RAP_MSG_ASK): the handler of its type runs on its payload,
 * with the request in ctx for rap_reply. */
static void ask_request(rap_ctx *ctx, rap_actor *a, const rap_env *env)
{
    const char *p = rap__env_cpayload(env);
    rap_wire_ask q;
    rap_handler_fn fn;
    int rc;

    memcpy(&q, p, sizeof(q));
    if ((fn = rap__atype_handler(a->type, q.type)) == NULL) {
        unhandled(a, &env->hdr, q.type);
        return;
    }
    rap__ctr_add(RAP_CTR_HANDLED, 1);
    ctx->ask = &q;
    rc = fn(ctx, a->state, user_from(env->hdr.from), q.len > 0 ? p + sizeof(q) : NULL, q.len);
    ctx->ask = NULL;
    handler_done(ctx, a, q.type, rc);
}

/* A spawn answer to an actor: its RAP_MSG_SPAWNED handler, or the log. */
static void spawn_reply(rap_ctx *ctx, rap_actor *a, const rap_env *env)
{
    rap_handler_fn fn = rap__atype_handler(a->type, RAP_MSG_SPAWNED);
    char self[RAP_AID_STR_MAX], child[RAP_AID_STR_MAX];
    rap_spawned s;

    if (fn != NULL) {
        call_handler(ctx, a, fn, RAP_MSG_SPAWNED, env);
        return;
    }
    memcpy(&s, rap__env_cpayload(env), sizeof(s));
    rap__log(RAP_LOG_INFO, RAP_AID_NONE,
             "actor %s (%s) has no RAP_MSG_SPAWNED handler: spawned %s (cookie %llu)",
             rap__aid_str(atomic_load(&a->aid), self, sizeof(self)), a->type->name,
             rap__aid_str(s.aid, child, sizeof(child)), (unsigned long long)s.cookie);
}

static void dispatch(rap_ctx *ctx, rap_actor *a, rap_env *env);

bool rap__actor_handle_now(rap_ctx *ctx, uint32_t type, const void *data, size_t len)
{
    rap_actor *a = ctx->actor;
    rap_aid self = atomic_load_explicit(&a->aid, memory_order_relaxed);
    const rap_env *outer = ctx->cur;
    rap_env *env = rap__env_alloc(len);

    if (env == NULL)
        return false;
    rap__env_set(env, RAP_KIND_ACTOR_ACTION, type, self, self);
    if (len > 0)
        memcpy(rap__env_payload(env), data, len);
    /* The message of this turn while it runs: rap_defer keeps it. */
    ctx->cur = env;
    ctx->deferred = false;
    dispatch(ctx, a, env);
    ctx->cur = outer;
    rap__env_free(env);
    return true;
}

static void dispatch(rap_ctx *ctx, rap_actor *a, rap_env *env)
{
    const rap_wire_hdr *h = &env->hdr;

    if (atomic_load_explicit(&g_node.stopping, memory_order_relaxed) &&
        a->type->id >= RAP_TYPE_USER_MIN &&
        !(h->kind == RAP_KIND_ACTOR_ACTION && h->type == RAP_MSG_DESTROY)) {
        rap__ctr_add(RAP_CTR_DROPPED_STOPPED, 1);
        return;
    }
    if (a->suspended && h->kind == RAP_KIND_ACTOR_ACTION && h->type != RAP_MSG_DESTROY &&
        (h->type >= RAP_TYPE_USER_MIN || h->type == RAP_MSG_ASK || h->type == RAP_MSG_SEND_AS)) {
        /* Failed: it waits, in order, for the supervisor's decision. */
        if (rap__mig_defer(a, env) != RAP_OK)
            rap__dead_letter_report(env);
        return;
    }
    if (h->kind == RAP_KIND_ACTOR_ACTION) {
        rap_handler_fn fn;
        if (h->type == RAP_MSG_DESTROY) {
            a->exiting = true;
            a->destroyed = true;
            return;
        }
        if (h->type == RAP_MSG_MIGRATE_REQ) {
            rap_wire_migreq req;
            memcpy(&req, rap__env_cpayload(env), sizeof(req));
            if (req.rank >= 0 && req.rank < g_node.size && a->type->movable)
                rap__mig_request(a, req.rank, h->from);
            return;
        }
        if (h->type == RAP_MSG_ASK) {
            ask_request(ctx, a, env);
            return;
        }
        if (h->type < RAP_TYPE_USER_MIN && a->type->id >= RAP_TYPE_USER_MIN) {
            void (*op)(rap_ctx *, const rap_env *) = rap__services_actor_op(h->type);
            if (op != NULL)
                op(ctx, env);
            return;
        }
        fn = rap__atype_handler(a->type, h->type);
        if (fn == NULL) {
            void (*op)(rap_ctx *, const rap_env *) = rap__services_actor_op(h->type);
            if (op != NULL) /* a runtime actor's (a reply to rap_ask_wait) */
                op(ctx, env);
            else
                unhandled(a, h, h->type);
            return;
        }
        rap__ctr_add(RAP_CTR_HANDLED, 1);
        call_handler(ctx, a, fn, h->type, env);
        return;
    }
    switch (h->kind) {
    case RAP_KIND_ACTOR_ERROR:
    case RAP_KIND_SYS_ERROR:
        deliver_error(ctx, a, env);
        return;
    case RAP_KIND_SYS_ACTION:
        if (a->type->id < RAP_TYPE_USER_MIN) /* the System actor, or a service's */
            rap__sysactor_dispatch(ctx, env);
        else if (h->type == RAP_SYS_SPAWN_REPLY)
            spawn_reply(ctx, a, env);
        else if (h->type == RAP_SYS_SUPERVISE || h->type == RAP_SYS_CHILD)
            rap__sup_op(ctx, a, env);
        return;
    default:
        return;
    }
}

/* A message's workload for the probe (probe.h). */
static void probe_message(rap_turn *t, const rap_env *env)
{
    const rap_wire_hdr *h = &env->hdr;

    if (h->kind == RAP_KIND_ACTOR_ACTION && h->type == RAP_MSG_ASK) { /* the request's own type */
        rap_wire_ask q;
        memcpy(&q, rap__env_cpayload(env), sizeof(q));
        rap__probe_message(t, RAP_WL_MESSAGE, q.type, q.len);
    } else if (h->kind == RAP_KIND_ACTOR_ACTION && h->type == RAP_MSG_SEND_AS) {
        rap_wire_sendas sa; /* a timer's firing: to the actor itself, its handler runs in this turn */
        memcpy(&sa, rap__env_cpayload(env), sizeof(sa));
        if (sa.to == h->to)
            rap__probe_message(t, RAP_WL_MESSAGE, sa.type, sa.len);
        else
            rap__probe_message(t, RAP_WL_RUNTIME, (uint32_t)h->kind << 16 | (h->type & 0xffffu), h->len);
    } else if (h->kind == RAP_KIND_ACTOR_ACTION && h->type >= RAP_TYPE_USER_MIN) {
        rap__probe_message(t, RAP_WL_MESSAGE, h->type, h->len);
        if (h->flags != 0 && rap__probe_tracing) /* a traced flow ends here */
            rap__probe_flow_in(t, h);
    } else
        rap__probe_message(t, RAP_WL_RUNTIME, (uint32_t)h->kind << 16 | (h->type & 0xffffu), h->len);
}

enum turn_end { TURN_YIELD, TURN_EMPTY, TURN_EXIT, TURN_MOVE };

void rap__run_actor(rap_task *task, int worker)
{
    rap_actor *a = RAP_CONTAINER_OF(task, rap_actor, task);
    rap_ctx ctx = { .actor = a, .worker = worker };
    enum turn_end end = TURN_YIELD;
    const bool prof = rap__probe_on();
    rap_turn turn;

    uint64_t taken = 0;

    if (prof)
        rap__probe_turn_begin(&turn, a, rap__sched_now());
    for (int i = 0; i < RUN_BATCH; i++) {
        rap_env *env = NULL;
        bool held = a->mig != NULL && (env = rap__mig_ready_pop(a)) != NULL;
        if (!held) {
            env = rap__mailbox_pop(&a->mb);
            if (env == NULL) {
                end = TURN_EMPTY;
                break;
            }
            taken++;
            /* A movable actor takes each sender's messages in order. */
            if ((env->hdr.flags & 0xfu) == RAP_WIRE_SEQ && !rap__mig_in_order(a, env)) {
                rap__net_consumed(g_node.net, env);
                continue;
            }
        }
        if (prof)
            probe_message(&turn, env);
        rap__outbox_open();
        ctx.cur = env;
        ctx.deferred = false;
        dispatch(&ctx, a, env);
        ctx.cur = NULL;
        rap__outbox_close();
        if (held)
            rap__env_free(env);
        else
            rap__net_consumed(g_node.net, env);
        if (prof)
            rap__probe_message_done(&turn);
        if (a->exiting && !(a->supervised && rap__sup_exits(&ctx, a))) {
            end = TURN_EXIT;
            break;
        }
        if (rap__mig_wanted(a)) {
            end = TURN_MOVE;
            break;
        }
        if (rap__sched_preempted())
            break; /* a long turn: the others' turn now */
    }
    rap__ctr_add(RAP_CTR_MAILBOX_OUT, taken);
    /* The turn is counted before the actor can pass to another worker;
     * its clock read stands for the worker's, unless a teardown follows. */
    if (prof) {
        uint64_t t = rap__now_ns();
        rap__probe_turn_end(&turn, t);
        if (end != TURN_EXIT)
            rap__sched_task_end(t);
    }
    switch (end) {
    case TURN_EXIT:
        rap__actor_teardown(a, worker, true);
        return;
    case TURN_MOVE:
        if (rap__mig_start(a, worker))
            return; /* on its way: the new rank's answer decides (migrate.h) */
        break;
    case TURN_EMPTY:
        if (rap__sched_park(rap__sched_of(a), &a->task))
            return; /* still active; its worker releases it (actor_release) */
        if (rap__mailbox_mark_empty(&a->mb)) {
            atomic_fetch_sub(&g_node.active, 1);
            return;
        }
        break; /* a producer is mid-push: come back later */
    case TURN_YIELD:
        break;
    }
    rap__sched_yield(rap__sched_of(a), &a->task);
}

int rap_defer(rap_ctx *ctx)
{
    const rap_env *e;

    if (ctx == NULL || ctx->actor == NULL || (e = ctx->cur) == NULL)
        return RAP_EINVAL;
    if (ctx->deferred || e->hdr.kind != RAP_KIND_ACTOR_ACTION ||
        (e->hdr.type < RAP_TYPE_USER_MIN && e->hdr.type != RAP_MSG_ASK))
        return RAP_ESTATE;
    if (rap__mig_defer(ctx->actor, e) != RAP_OK)
        return RAP_ENOMEM;
    ctx->deferred = true;
    return RAP_OK;
}

int rap_redeliver(rap_ctx *ctx)
{
    if (ctx == NULL || ctx->actor == NULL || ctx->cur == NULL)
        return RAP_EINVAL;
    rap__mig_redeliver(ctx->actor);
    return RAP_OK;
}

/* Parking (sched.h): a parked actor stays active, its mailbox not marked
 * empty, so that senders push without rescheduling it. */
static bool actor_ready(rap_task *task)
{
    return rap__mailbox_pending(&RAP_CONTAINER_OF(task, rap_actor, task)->mb);
}

static bool actor_release(rap_task *task)
{
    rap_actor *a = RAP_CONTAINER_OF(task, rap_actor, task);

    if (!rap__mailbox_mark_empty(&a->mb))
        return false;
    RAP_ASSERT(atomic_load(&g_node.active) > 0);
    atomic_fetch_sub(&g_node.active, 1);
    return true;
}

static void worker_start(int worker)
{
    rap__pool_bind(worker);
    rap__ctr_bind(worker);
    rap__outbox_bind(worker);
    rap__probe_bind(worker);
}

static void worker_end(int worker)
{
    (void)worker;
    rap__probe_publish();
    rap__probe_bind(-1);
    rap__outbox_unbind();
    rap__ctr_bind(-1);
    rap__pool_unbind();
}

/* A worker about to sleep publishes what it counted: it will not end a
 * turn until it wakes. */
static void worker_idle(int worker)
{
    (void)worker;
    rap__probe_idle();
}

void rap__runner_hooks(rap_sched_hooks *hooks)
{
    *hooks = (rap_sched_hooks){
        .poll = rap__node_poll,
        .polls = rap__node_polls,
        .max_sleep_ns = rap__node_max_sleep,
        .ready = actor_ready,
        .release = actor_release,
        .worker_start = worker_start,
        .worker_end = worker_end,
        .worker_idle = worker_idle,
    };
}
