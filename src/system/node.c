/* system/node.c -- the node: lifecycle, routing of sends, the runner of
 * actors, the System actor, and termination.
 *
 * Owns:       g_node (see node.h) and the life of every actor on the rank.
 * Invariants: an actor is run by one worker at a time: it is pushed to the
 *             run queue only by the sender whose push found its mailbox
 *             marked empty, by its creator after init, or by its runner when
 *             a batch ends with messages left.  `active` rises before the
 *             actor is queued and falls only when its runner marks the
 *             mailbox empty or tears the actor down, so a rank with a
 *             message to handle is never idle.  rap_run returns when two
 *             consecutive termination waves (an MPI_Iallreduce of this
 *             rank's sent and received message counts, each started only
 *             while the rank is idle) see equal, unchanged totals.
 * Threads:    lifecycle calls from rap_init's thread; routing from any
 *             thread; runner on workers; MPI under the token.
 * Uses:       actor/, msg/, net/, sched/, util/, services/logger.c.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg/pool.h"
#include "msg/registry.h"
#include "system/node.h"
#include "util/clock.h"

#define RUN_BATCH 64
/* Idle time before this rank joins a termination wave. */
#define TERM_IDLE_NS 50000u

rap_node g_node;

static bool node_up(void)
{
    return atomic_load_explicit(&g_node.state, memory_order_acquire) == RAP_NODE_UP;
}

static rap_aid ctx_aid(const rap_ctx *ctx)
{
    return (ctx != NULL && ctx->actor != NULL) ? atomic_load_explicit(&ctx->actor->aid, memory_order_relaxed)
                                               : RAP_AID_NONE;
}

/* ---------------------------------------------------------------- routing */

static void schedule(rap_actor *a)
{
    atomic_fetch_add(&g_node.active, 1);
    rap__sched_push(g_node.sched, &a->task);
}

/* Report an undeliverable envelope to its sender (or the log); the caller
 * still owns and frees it. */
static void dead_letter_report(const rap_env *env)
{
    const rap_wire_hdr *h = &env->hdr;
    char to[32], from[32];

    RAP_STAT(dead_letters, 1);
    if ((h->kind == RAP_KIND_ACTOR_ACTION || h->kind == RAP_KIND_SYS_ACTION) && h->from != RAP_AID_NONE) {
        rap__send_error(h->from, RAP_KIND_ACTOR_ERROR, 0, RAP_ERROR_DEAD_LETTER, RAP_EDEAD, h->to,
                        h->type, 0);
        return;
    }
    /* No one to tell (sent from outside actors, or an error event whose
     * addressee is gone): the log is the report. */
    rap__aid_str(h->to, to, sizeof(to));
    rap__aid_str(h->from, from, sizeof(from));
    rap__log(RAP_LOG_WARN, RAP_AID_NONE, "dead letter: kind %u type %08x to %s from %s",
             (unsigned)h->kind, h->type, to, from);
}

static void dead_letter(rap_env *env)
{
    dead_letter_report(env);
    rap__net_consumed(g_node.net, env);
    rap__env_free(env);
}

static int node_poll(void *arg);

/* Queue first..last (n, linked, all to one actor on rank `dest`) for the
 * transport. */
static void transmit_chain(int dest, rap_env *first, rap_env *last, size_t n)
{
    if (rap__net_send_chain(g_node.net, dest, first, last, n))
        node_poll(NULL); /* a long queue: flush by size, if the token is free */
    else if (rap__sched_self() < 0 && g_node.sched != NULL)
        rap__bell_ring(rap__sched_bell(g_node.sched)); /* workers poll soon; the poller may sleep */
}

/* Push first..last (n, linked, all to one actor) into its mailbox, or
 * queue them for its rank. */
static void deliver_chain(rap_aid to, rap_env *first, rap_env *last, size_t n)
{
    rap_actor *a;

    if ((int)RAP_AID_RANK(to) != g_node.rank) {
        transmit_chain((int)RAP_AID_RANK(to), first, last, n);
        return;
    }
    a = rap__table_acquire(g_node.table, to);

    if (a == NULL) {
        rap_env *next;
        for (rap_env *env = first; env != NULL; env = next) {
            next = atomic_load_explicit(&env->next, memory_order_relaxed);
            dead_letter(env);
        }
        return;
    }
    if (rap__mailbox_push_chain(&a->mb, first, last))
        schedule(a);
    rap__table_release(a);
}

/* The outbox: while a handler runs on a worker, its first send is pushed
 * (or handed to the transport) at once: the lone reply keeps its latency;
 * the sends after it are linked per addressee and pushed a chain at a
 * time, when the handler returns or a chain is full.  A remote chain goes
 * to the transport's queue under one lock (remote_rate: 1.71-1.77x ->
 * 2.04-2.13x raw MPI, alternating runs).  A push into another worker's actor costs
 * several cache-line transfers (the addressee's reference count and
 * mailbox head, the previous message's link, each with a locked
 * instruction that waits for them); a chain pays them once (measured:
 * Fork-join with 2 workers, 4.8-5.1 -> 14-16 M messages/s with the runs
 * below and the pool's bitmaps).  Order from one
 * sender to one addressee is kept: a chain is pushed whole, after the
 * direct send, and a slot changes addressee only after it is pushed. */
#define OUTBOX_SLOTS 32 /* addressees held at once */
#define OUTBOX_PROBE 4  /* slots tried for an addressee */
#define OUTBOX_CHAIN 32 /* messages a chain holds before it is pushed */
#define RUN_AHEAD 8     /* blocks of a run asked for ahead of their use */

typedef struct chain {
    rap_aid to;
    rap_env *first, *last;
    uint32_t n;
    /* Blocks for the slot's next messages, consecutive in memory: a chain
     * then fills and its addressee reads sequential memory, which the
     * prefetchers follow (a chain of blocks interleaved with other
     * addressees' made every read of the consumer a cache miss). */
    char *run;
    uint32_t run_left, run_cap;
    size_t run_stride;
} chain;

typedef struct outbox {
    alignas(RAP_CACHELINE) bool open; /* a handler runs: sends may be held */
    bool sent;        /* it sent its first message */
    bool batch;       /* opened for a batch from the wire (on_batch) */
    uint32_t used;    /* bit i: chain i holds messages */
    chain c[OUTBOX_SLOTS];
} outbox;

/* The calling worker's outbox (NULL on other threads); initial-exec TLS:
 * read at every send. */
static _Thread_local outbox *tl_ob RAP_TLS_IE;

/* Push slot i's chain.  The slot is emptied first: delivering may enter
 * the outbox again (a dead letter's error event to the sender; a poll,
 * when the send queue is long, that unpacks a batch from the wire), and
 * must find the slot free, not the chain being delivered. */
static void chain_push(outbox *o, unsigned i)
{
    chain *c = &o->c[i];
    rap_aid to = c->to;
    rap_env *first = c->first, *last = c->last;
    uint32_t n = c->n;

    c->n = 0;
    o->used &= ~(1u << i);
    deliver_chain(to, first, last, n);
}

static void outbox_open(void)
{
    outbox *o = tl_ob;

    if (o != NULL) {
        o->open = true;
        o->sent = false;
    }
}

/* Push every chain and stop holding (the handler returned). */
static void outbox_close(void)
{
    outbox *o = tl_ob;

    if (o == NULL)
        return;
    o->open = false;
    while (o->used != 0)
        chain_push(o, (unsigned)__builtin_ctz(o->used));
}

/* The slot for `to`: the one holding its chain, else a free one, else
 * (to be pushed and reused) its first.  Serials come in order of spawning,
 * so the actors of a fan-out made together have consecutive low bits and
 * distinct slots (hashed, 16 addressees in 16 slots collided: a collision
 * pushed a chain at every alternation, measured as Fork-join runs of 7
 * and of 15 M messages/s depending on the serials). */
static unsigned outbox_slot(const outbox *o, rap_aid to)
{
    unsigned first = (unsigned)to & (OUTBOX_SLOTS - 1), free_slot = OUTBOX_SLOTS;

    for (unsigned k = 0; k < OUTBOX_PROBE; k++) {
        unsigned i = (first + k) & (OUTBOX_SLOTS - 1);
        if (o->c[i].n == 0) {
            if (free_slot == OUTBOX_SLOTS)
                free_slot = i;
        } else if (o->c[i].to == to) {
            return i;
        }
    }
    return free_slot != OUTBOX_SLOTS ? free_slot : first;
}

static void run_release(chain *c)
{
    for (; c->run_left > 0; c->run_left--, c->run += c->run_stride) {
        rap_env *env = (rap_env *)(void *)c->run;
        env->cap = c->run_cap;
        rap__env_free(env);
    }
}

/* Give back the blocks the outbox holds (a worker as it ends). */
static void outbox_release(void)
{
    for (int i = 0; tl_ob != NULL && i < OUTBOX_SLOTS; i++)
        run_release(&tl_ob->c[i]);
}

/* An envelope for a message of `len` bytes that a handler sends to a
 * local actor and the outbox will hold, from its slot's run; NULL: not
 * one (allocate it as usual). */
static rap_env *outbox_alloc(rap_aid to, size_t len)
{
    outbox *o = tl_ob;
    size_t total = sizeof(rap_env) + len;
    rap_env *env;
    chain *c;

    if (o == NULL || !o->open || !o->sent || RAP_AID_RANK(to) != g_node.rank ||
        total > RAP_POOL_MAX_TOTAL)
        return NULL;
    c = &o->c[outbox_slot(o, to)];
    if (c->run_left == 0 || total > c->run_stride || 2 * total <= c->run_stride) {
        rap_env *first;
        run_release(c);
        c->run_left = rap__pool_alloc_run(total, OUTBOX_CHAIN, &first, &c->run_cap, &c->run_stride);
        if (c->run_left == 0)
            return NULL;
        c->run = (char *)first;
        /* The blocks' lines are likely in the core that read their last
         * messages: ask for them, for writing, ahead of the stores (each
         * store to a line another core holds waits for it, and the
         * stores behind it too: the sender stalled on a full store
         * buffer, measured). */
        for (uint32_t k = 0; k < c->run_left && k < RUN_AHEAD; k++)
            rap__prefetch_w(c->run + k * c->run_stride);
    }
    env = (rap_env *)(void *)c->run;
    c->run += c->run_stride;
    c->run_left--;
    if (c->run_left > RUN_AHEAD)
        rap__prefetch_w(c->run + RUN_AHEAD * c->run_stride);
    env->cap = c->run_cap;
    rap__env_init(env, len);
    return env;
}

/* Hold `env` in the calling worker's outbox; false: send it now. */
static bool outbox_hold(rap_env *env)
{
    outbox *o = tl_ob;
    rap_aid to = env->hdr.to;
    chain *c;
    unsigned i;

    if (o == NULL || !o->open)
        return false;
    if (!o->sent) {
        o->sent = true;
        return false;
    }
    atomic_store_explicit(&env->next, NULL, memory_order_relaxed);
    /* A slot held for another addressee is pushed and looked for again
     * (the push may have filled slots anew). */
    while (c = &o->c[i = outbox_slot(o, to)], c->n > 0 && c->to != to)
        chain_push(o, i);
    if (c->n == 0) {
        c->to = to;
        c->first = env;
        o->used |= 1u << i;
    } else {
        atomic_store_explicit(&c->last->next, env, memory_order_relaxed);
    }
    c->last = env;
    if (++c->n == OUTBOX_CHAIN)
        chain_push(o, i);
    return true;
}

static void deliver_local(rap_env *env)
{
    if (outbox_hold(env))
        return;
    atomic_store_explicit(&env->next, NULL, memory_order_relaxed);
    deliver_chain(env->hdr.to, env, env, 1);
}

/* Take the MPI token: 1 taken (MPI open: call MPI, then token_drop), 0
 * MPI closed, -1 another thread holds it. */
static int token_take(void)
{
    if (!atomic_load_explicit(&g_node.mpi_open, memory_order_relaxed))
        return 0;
    if (atomic_load_explicit(&g_node.token, memory_order_relaxed) != 0 ||
        atomic_exchange(&g_node.token, 1) != 0)
        return -1;
    /* Take the token, then check that MPI is open (both seq_cst): the thread
     * that closes MPI stores mpi_open and then waits for the token to be
     * free, so one of the two always sees the other. */
    if (!atomic_load(&g_node.mpi_open)) {
        atomic_store(&g_node.token, 0);
        return 0;
    }
    return 1;
}

static void token_drop(void) { atomic_store(&g_node.token, 0); }

/* A worker sending while the transport is idle hands the message to MPI
 * itself, if the token is free: no trip through the queue and the next
 * poll (the latency of a lone message).  A burst still queues and goes
 * batched: the transport is not idle after the first send, and once
 * something is queued the rest of the burst does not touch the token. */
static bool send_now(int dest, rap_env *env)
{
    bool sent;

    if (rap__sched_self() < 0 || !rap__net_queue_empty(g_node.net) || token_take() <= 0)
        return false;
    sent = rap__net_send_now(g_node.net, dest, env);
    token_drop();
    return sent;
}

void rap__route(rap_env *env)
{
    int dest = RAP_AID_RANK(env->hdr.to);

    if (dest == g_node.rank) {
        RAP_STAT(sent_local, 1);
        RAP_STAT(bytes_sent_local, env->hdr.len);
        deliver_local(env);
        return;
    }
    RAP_STAT(sent_remote, 1);
    RAP_STAT(bytes_sent_remote, rap__env_wire_size(env));
    /* The outbox first: a message it holds must not be overtaken by a
     * later one sent directly. */
    if (outbox_hold(env) || send_now(dest, env))
        return;
    atomic_store_explicit(&env->next, NULL, memory_order_relaxed);
    transmit_chain(dest, env, env, 1);
}

void rap__send_error(rap_aid to, int kind, uint32_t op, int err_kind, int code, rap_aid about,
                     uint32_t msg_type, uint64_t cookie)
{
    rap_wire_err e = { .kind = err_kind, .code = code, .actor = about, .msg_type = msg_type,
                       .cookie = cookie };
    rap_env *env;
    char a[32];

    if (to == RAP_AID_NONE) {
        rap__aid_str(about, a, sizeof(a));
        rap__log(RAP_LOG_WARN, RAP_AID_NONE, "error event %d (%s) about %s, type %08x: no actor to tell",
                 err_kind, rap_err_name(code), a, msg_type);
        return;
    }
    env = rap__env_alloc(sizeof(e));
    if (env == NULL) {
        rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "out of memory sending an error event");
        return;
    }
    memcpy(rap__env_payload(env), &e, sizeof(e));
    rap__env_set(env, kind, op, to, rap__aid(g_node.rank, RAP_SERIAL_SYSTEM));
    rap__route(env);
}

/* ---------------------------------------------------------- actor runner */

static void teardown(rap_actor *a, int worker, bool call_fini)
{
    rap_ctx ctx = { a, worker };
    rap_env *env;

    rap__table_remove(g_node.table, a);
    if (call_fini && a->type->fini != NULL)
        a->type->fini(&ctx, a->state);
    /* No push can start now: what is queued is final. */
    while ((env = rap__mailbox_pop(&a->mb)) != NULL) {
        dead_letter_report(env); /* the mailbox frees env at the next pop */
        rap__net_consumed(g_node.net, env);
    }
    rap__mailbox_destroy(&a->mb);
    free(a->state);
    rap__table_free(g_node.table, a);
    atomic_fetch_sub(&g_node.active, 1);
}

static void deliver_error(rap_ctx *ctx, rap_actor *a, const rap_env *env)
{
    rap_wire_err w;
    rap_error_event ev;
    char self[32], about[32];

    memcpy(&w, rap__env_cpayload(env), sizeof(w));
    ev = (rap_error_event){ .kind = w.kind, .code = w.code, .actor = w.actor,
                            .msg_type = w.msg_type, .cookie = w.cookie };
    if (a->type->on_error != NULL) {
        a->type->on_error(ctx, a->state, &ev);
        return;
    }
    rap__aid_str(atomic_load_explicit(&a->aid, memory_order_relaxed), self, sizeof(self));
    rap__aid_str(ev.actor, about, sizeof(about));
    rap__log(RAP_LOG_WARN, RAP_AID_NONE,
             "actor %s (%s) has no error handler: error kind %d %s about %s, type %08x, cookie %llu",
             self, a->type->name, ev.kind, rap_err_name(ev.code), about, ev.msg_type,
             (unsigned long long)ev.cookie);
}

static int create_actor(uint32_t type, rap_aid parent, const void *arg, size_t len, int worker,
                        rap_aid *aid_out);

static void system_dispatch(rap_ctx *ctx, const rap_env *env)
{
    const rap_wire_hdr *h = &env->hdr;

    switch (h->type) {
    case RAP_SYS_SPAWN: {
        rap_wire_spawn req;
        rap_aid aid = RAP_AID_NONE;
        int rc;

        memcpy(&req, rap__env_cpayload(env), sizeof(req));
        if (atomic_load(&g_node.stopping))
            rc = RAP_ESTOPPED;
        else
            rc = create_actor(req.actor_type, h->from,
                              (const char *)rap__env_cpayload(env) + sizeof(req),
                              h->len - sizeof(req), ctx->worker, &aid);
        if (rc == RAP_OK && h->from != RAP_AID_NONE) {
            rap_spawned reply = { req.cookie, aid };
            rap_env *r = rap__env_alloc(sizeof(reply));
            if (r != NULL) {
                memcpy(rap__env_payload(r), &reply, sizeof(reply));
                rap__env_set(r, RAP_KIND_SYS_ACTION, RAP_SYS_SPAWN_REPLY, h->from,
                             rap__aid(g_node.rank, RAP_SERIAL_SYSTEM));
                rap__route(r);
            }
        } else if (rc != RAP_OK) {
            rap__send_error(h->from, RAP_KIND_SYS_ERROR, RAP_SYS_SPAWN_FAILED, RAP_ERROR_SPAWN, rc,
                            RAP_AID_NONE, req.actor_type, req.cookie);
        }
        break;
    }
    case RAP_SYS_STOP:
        atomic_store(&g_node.stopping, true);
        break;
    default: {
        char from[32];
        rap__aid_str(h->from, from, sizeof(from));
        rap__log(RAP_LOG_WARN, RAP_AID_NONE, "System actor: unexpected operation %u from %s",
                 h->type, from);
    }
    }
}

static void child_failed(rap_actor *a, uint32_t msg_type, int rc)
{
    char self[32];
    rap_aid aid = atomic_load_explicit(&a->aid, memory_order_relaxed);

    rap__aid_str(aid, self, sizeof(self));
    rap__log(RAP_LOG_WARN, RAP_AID_NONE, "actor %s (%s): handler for type %08x returned %d (%s)",
             self, a->type->name, msg_type, rc, rap_strerror(rc));
    if (a->parent != RAP_AID_NONE)
        rap__send_error(a->parent, RAP_KIND_ACTOR_ERROR, 0, RAP_ERROR_CHILD, rc, aid, msg_type, 0);
}

static void dispatch(rap_ctx *ctx, rap_actor *a, rap_env *env)
{
    const rap_wire_hdr *h = &env->hdr;

    /* Stopping: only destroy requests and the System actor's own traffic
     * still act; everything else is dropped and counted. */
    if (atomic_load_explicit(&g_node.stopping, memory_order_relaxed) &&
        !(h->kind == RAP_KIND_SYS_ACTION &&
          (a->type->id == RAP_ATYPE_SYSTEM || h->type == RAP_SYS_DESTROY))) {
        RAP_STAT(dropped_stopped, 1);
        return;
    }
    if (h->kind == RAP_KIND_ACTOR_ACTION) {
        rap_handler_fn fn;
        int rc;

        fn = rap__atype_handler(a->type, h->type);
        if (fn == NULL) {
            RAP_STAT(unhandled, 1);
            if (h->from != RAP_AID_NONE) {
                rap__send_error(h->from, RAP_KIND_ACTOR_ERROR, 0, RAP_ERROR_UNHANDLED, RAP_EUNHANDLED,
                                atomic_load(&a->aid), h->type, 0);
            } else {
                char self[32];
                rap__aid_str(atomic_load(&a->aid), self, sizeof(self));
                rap__log(RAP_LOG_WARN, RAP_AID_NONE, "actor %s (%s) has no handler for type %08x",
                         self, a->type->name, h->type);
            }
            return;
        }
        RAP_STAT(handled, 1);
        rc = fn(ctx, a->state, h->from, rap__env_cpayload(env), h->len);
        if (rc != RAP_OK)
            child_failed(a, h->type, rc);
        return;
    }
    switch (h->kind) {
    case RAP_KIND_ACTOR_ERROR:
    case RAP_KIND_SYS_ERROR:
        deliver_error(ctx, a, env);
        return;
    case RAP_KIND_SYS_ACTION:
        if (a->type->id == RAP_ATYPE_SYSTEM) {
            system_dispatch(ctx, env);
        } else if (h->type == RAP_SYS_DESTROY) {
            a->exiting = true;
        } else if (h->type == RAP_SYS_SPAWN_REPLY) {
            rap_handler_fn fn = rap__atype_handler(a->type, RAP_MSG_SPAWNED);
            if (fn != NULL) {
                int rc = fn(ctx, a->state, h->from, rap__env_cpayload(env), h->len);
                if (rc != RAP_OK)
                    child_failed(a, RAP_MSG_SPAWNED, rc);
            } else {
                rap_spawned s;
                char self[32], child[32];
                memcpy(&s, rap__env_cpayload(env), sizeof(s));
                rap__aid_str(atomic_load(&a->aid), self, sizeof(self));
                rap__aid_str(s.aid, child, sizeof(child));
                rap__log(RAP_LOG_INFO, RAP_AID_NONE,
                         "actor %s (%s) has no RAP_MSG_SPAWNED handler: spawned %s (cookie %llu)",
                         self, a->type->name, child, (unsigned long long)s.cookie);
            }
        }
        return;
    default:
        return;
    }
}

static void run_actor(rap_task *task, int worker)
{
    rap_actor *a = RAP_CONTAINER_OF(task, rap_actor, task);
    rap_ctx ctx = { a, worker };

    for (int i = 0; i < RUN_BATCH; i++) {
        rap_env *env = rap__mailbox_pop(&a->mb);
        if (env == NULL) {
            if (rap__sched_park(g_node.sched, &a->task))
                return; /* still active; its worker releases it (actor_release) */
            if (rap__mailbox_mark_empty(&a->mb)) {
                atomic_fetch_sub(&g_node.active, 1);
                return;
            }
            break; /* a producer is mid-push: come back later */
        }
        outbox_open();
        dispatch(&ctx, a, env);
        outbox_close();
        rap__net_consumed(g_node.net, env);
        if (a->exiting) {
            teardown(a, worker, true);
            return;
        }
    }
    rap__sched_yield(g_node.sched, &a->task);
}

/* Parking hooks (sched.h): a parked actor stays active, its mailbox not
 * marked empty, so that senders push without rescheduling it. */
static bool actor_ready(rap_task *task)
{
    return rap__mailbox_pending(&RAP_CONTAINER_OF(task, rap_actor, task)->mb);
}

static bool actor_release(rap_task *task)
{
    rap_actor *a = RAP_CONTAINER_OF(task, rap_actor, task);

    if (!rap__mailbox_mark_empty(&a->mb))
        return false;
    atomic_fetch_sub(&g_node.active, 1);
    return true;
}

static void worker_start(int worker)
{
    rap__pool_bind(worker);
    tl_ob = &g_node.outboxes[worker];
}

static void worker_end(int worker)
{
    (void)worker;
    outbox_release();
    tl_ob = NULL;
    rap__pool_unbind();
}

/* Give up an actor its creator held during init (see mailbox.h). */
static void release_new(rap_actor *a)
{
    if (rap__mailbox_mark_empty(&a->mb))
        atomic_fetch_sub(&g_node.active, 1);
    else
        rap__sched_push(g_node.sched, &a->task);
}

static int create_actor(uint32_t type, rap_aid parent, const void *arg, size_t len, int worker,
                        rap_aid *aid_out)
{
    rap_actor_type *at = rap__atype_find(type);
    rap_actor *a;
    int rc;

    if (at == NULL || type < RAP_TYPE_USER_MIN)
        return RAP_ENOTYPE;
    a = rap__table_alloc(g_node.table);
    if (a == NULL)
        return RAP_ENOMEM;
    a->type = at;
    a->parent = parent;
    a->task.run = run_actor;
    if (at->state_size > 0 && (a->state = calloc(1, at->state_size)) == NULL) {
        rc = RAP_ENOMEM;
        goto free_actor;
    }
    if (at->init == NULL) {
        /* Nothing runs before it is reachable: publish it idle, so that
         * the first message schedules it (no hold, no release). */
        rap__mailbox_init_empty(&a->mb);
        rc = rap__table_publish(g_node.table, a, 0);
        if (rc != RAP_OK)
            goto free_mailbox;
        *aid_out = atomic_load_explicit(&a->aid, memory_order_relaxed);
        return RAP_OK;
    }
    rc = rap__mailbox_init(&a->mb);
    if (rc != RAP_OK)
        goto free_state;
    rc = rap__table_publish(g_node.table, a, 0);
    if (rc != RAP_OK)
        goto free_mailbox;
    atomic_fetch_add(&g_node.active, 1); /* held by its creator during init */
    {
        rap_ctx ctx = { a, worker };
        rc = at->init(&ctx, a->state, arg, len);
        if (rc != RAP_OK) {
            if (rc > 0 || rc < RAP_EHANDLER)
                rc = RAP_EHANDLER;
            teardown(a, worker, false);
            return rc;
        }
    }
    *aid_out = atomic_load(&a->aid);
    if (a->exiting)
        teardown(a, worker, true);
    else
        release_new(a);
    return RAP_OK;

free_mailbox:
    rap__mailbox_destroy(&a->mb);
free_state:
    free(a->state);
free_actor:
    rap__table_free(g_node.table, a);
    return rc;
}

/* Runtime actors (System, Logger) at fixed serials. */
static int create_builtin(uint32_t type, uint64_t serial)
{
    rap_actor *a = rap__table_alloc(g_node.table);
    int rc;

    if (a == NULL)
        return RAP_ENOMEM;
    a->type = rap__atype_find(type);
    a->task.run = run_actor;
    rc = rap__mailbox_init(&a->mb);
    if (rc == RAP_OK) {
        rc = rap__table_publish(g_node.table, a, serial);
        if (rc == RAP_OK) {
            rap__mailbox_mark_empty(&a->mb);
            return RAP_OK;
        }
        rap__mailbox_destroy(&a->mb);
    }
    rap__table_free(g_node.table, a);
    return rc;
}

/* ------------------------------------------------------ progress, waves */

/* No actor has work, and nothing waits to be handed to MPI (messages are
 * counted for termination when MPI gets them).  `active` is read first: a
 * handler queues its sends before its actor stops being active. */
static bool locally_idle(void)
{
    return atomic_load(&g_node.active) == 0 && rap__net_queue_empty(g_node.net);
}

/* One step of the termination protocol (token held). */
static int term_progress(void)
{
    /* seq_cst: pairs with rap_run's store of running, which publishes
     * prev_valid and done. */
    if (!atomic_load(&g_node.running) || atomic_load(&g_node.done))
        return 0;
    if (g_node.wave_on) {
        int flag = 0;
        /* Tested only while idle: a wave started in a pause stays open
         * until every rank joins, and a busy rank (a ping-pong partner
         * that joins only at the end) would otherwise pay a second pass
         * of MPI's progress engine (MPI_Test of an incomplete request) at
         * every poll, on the path of each arriving message (measured:
         * 64 KiB latency).  MPI progresses the wave in the meantime; the
         * outcome only matters once this rank is idle. */
        if (!locally_idle())
            return 0;
        if (MPI_Test(&g_node.wave_req, &flag, MPI_STATUS_IGNORE) != MPI_SUCCESS || !flag)
            return 0;
        g_node.wave_on = false;
        atomic_store_explicit(&g_node.wave_active, false, memory_order_relaxed);
        if (g_node.wave_out[0] == g_node.wave_out[1] && g_node.prev_valid &&
            g_node.prev[0] == g_node.wave_out[0] && g_node.prev[1] == g_node.wave_out[1]) {
            pthread_mutex_lock(&g_node.done_lock);
            atomic_store(&g_node.done, true);
            pthread_cond_broadcast(&g_node.done_cond);
            pthread_mutex_unlock(&g_node.done_lock);
        } else {
            g_node.prev[0] = g_node.wave_out[0];
            g_node.prev[1] = g_node.wave_out[1];
            g_node.prev_valid = true;
        }
        return 1;
    }
    /* A wave is a collective: start one only after the rank has stayed
     * idle a while, not in every gap between two messages of a busy
     * exchange (each wave costs MPI traffic and progress on every rank). */
    if (!locally_idle()) {
        g_node.idle_since = 0;
        return 0;
    }
    uint64_t now = rap__now_ns();
    if (g_node.idle_since == 0)
        g_node.idle_since = now;
    if (now - g_node.idle_since < TERM_IDLE_NS)
        return 0;
    const rap_net_counters *c = rap__net_counters(g_node.net);
    g_node.wave_in[0] = RAP_READ(c->mpi_sent);
    g_node.wave_in[1] = RAP_READ(c->mpi_received);
    if (MPI_Iallreduce(g_node.wave_in, g_node.wave_out, 2, MPI_UINT64_T, MPI_SUM,
                       g_node.term_comm, &g_node.wave_req) != MPI_SUCCESS) {
        fprintf(stderr, "raptors: rank %d: MPI_Iallreduce failed in the termination wave\n",
                g_node.rank);
        MPI_Abort(g_node.comm, 1);
    }
    g_node.wave_on = true;
    atomic_store_explicit(&g_node.wave_started, now, memory_order_relaxed);
    atomic_store_explicit(&g_node.wave_active, true, memory_order_relaxed);
    /* Our part is in: a rank of this node that sleeps while its own part
     * waits for ours wakes now and completes the wave. */
    for (int r = 0; g_node.bells != NULL && r < g_node.size; r++)
        if (r != g_node.rank && g_node.bells[r] != NULL)
            rap__bell_ring(g_node.bells[r]);
    return 0;
}

static int node_poll(void *arg)
{
    int n;

    (void)arg;
    rap__pool_flush(); /* an idle worker holds back no frees */
    n = token_take(); /* -1: another thread polls */
    if (n <= 0)
        return n;
    n = rap__net_progress(g_node.net);
    n += term_progress();
    token_drop();
    return n;
}

/* The idle poller's longest sleep (sched hook).  A termination wave
 * progresses only by polling; so do messages from ranks without a bell. */
#define IDLE_SLEEP_NS 100000000u /* every message rings: a safety net only */

#define WAVE_SLEEP_MAX_NS 16000000u

static uint64_t node_max_sleep(void *arg)
{
    uint64_t poll = (uint64_t)g_node.cfg.poll_max_us * 1000u;

    (void)arg;
    if (!g_node.bells_all)
        return poll;
    if (!atomic_load_explicit(&g_node.wave_active, memory_order_relaxed))
        return IDLE_SLEEP_NS;
    /* A wave waits for ranks that are busy, and every rank rings the node
     * when it joins: poll at an eighth of the wave's age (at least
     * poll_max_us, at most 16 ms), so that a long wait costs little CPU
     * and the end of a wave is seen within 1/8 of its length. */
    uint64_t age = rap__now_ns() - atomic_load_explicit(&g_node.wave_started, memory_order_relaxed);
    uint64_t cap = age / 8;
    return cap < poll ? poll : cap > WAVE_SLEEP_MAX_NS ? WAVE_SLEEP_MAX_NS : cap;
}

/* Doorbells in memory shared by this node's ranks.  Collective over comm.
 * Without them (no shared window) the poller polls every poll_max_us. */
static void bells_create(void)
{
    int nlocal = 0, *lr = NULL, *gr = NULL;
    MPI_Group lg = MPI_GROUP_NULL, gg = MPI_GROUP_NULL;
    rap_bell *mine = NULL;
    bool ok = false;

    g_node.node_comm = MPI_COMM_NULL;
    g_node.bell_win = MPI_WIN_NULL;
    if (MPI_Comm_split_type(g_node.comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &g_node.node_comm) !=
            MPI_SUCCESS ||
        MPI_Win_allocate_shared(RAP_CACHELINE, 1, MPI_INFO_NULL, g_node.node_comm, &mine,
                                &g_node.bell_win) != MPI_SUCCESS)
        goto out;
    atomic_init(mine, RAP_BELL_AWAKE);
    MPI_Comm_size(g_node.node_comm, &nlocal);
    lr = malloc((size_t)nlocal * sizeof(*lr));
    gr = malloc((size_t)nlocal * sizeof(*gr));
    g_node.bells = calloc((size_t)g_node.size, sizeof(*g_node.bells));
    if (lr == NULL || gr == NULL || g_node.bells == NULL)
        goto out;
    for (int i = 0; i < nlocal; i++)
        lr[i] = i;
    if (MPI_Comm_group(g_node.node_comm, &lg) != MPI_SUCCESS ||
        MPI_Comm_group(g_node.comm, &gg) != MPI_SUCCESS ||
        MPI_Group_translate_ranks(lg, nlocal, lr, gg, gr) != MPI_SUCCESS)
        goto out;
    ok = true;
    for (int i = 0; i < nlocal && ok; i++) {
        MPI_Aint size = 0;
        int disp = 0;
        void *p = NULL;
        if (MPI_Win_shared_query(g_node.bell_win, i, &size, &disp, &p) != MPI_SUCCESS || p == NULL ||
            gr[i] < 0 || gr[i] >= g_node.size)
            ok = false;
        else
            g_node.bells[gr[i]] = p;
    }
out:
    if (lg != MPI_GROUP_NULL)
        MPI_Group_free(&lg);
    if (gg != MPI_GROUP_NULL)
        MPI_Group_free(&gg);
    free(lr);
    free(gr);
    /* Every rank must agree, or a rank would wait for rings that never come. */
    int all = ok, both = 0;
    if (MPI_Allreduce(&all, &both, 1, MPI_INT, MPI_LAND, g_node.comm) != MPI_SUCCESS)
        both = 0;
    if (!both) {
        free(g_node.bells);
        g_node.bells = NULL;
        g_node.bell = NULL;
        g_node.bells_all = false;
        return;
    }
    g_node.bell = g_node.bells[g_node.rank];
    g_node.bells_all = nlocal == g_node.size;
}

static void bells_free(void)
{
    if (g_node.bell_win != MPI_WIN_NULL)
        MPI_Win_free(&g_node.bell_win);
    if (g_node.node_comm != MPI_COMM_NULL)
        MPI_Comm_free(&g_node.node_comm);
    free(g_node.bells);
    g_node.bells = NULL;
    g_node.bell = NULL;
}

/* Stop workers from entering MPI, and wait for one that is inside. */
static void close_mpi(void)
{
    atomic_store(&g_node.mpi_open, false);
    while (atomic_load(&g_node.token) != 0)
        rap__cpu_relax();
}

/* ------------------------------------------------------ net callbacks */

static void on_arrival(void *arg, rap_env *env)
{
    (void)arg;
    deliver_local(env);
}

/* The items of a batch from the wire go through the outbox: each
 * addressee's share is pushed as one chain when the batch is unpacked
 * (three locked instructions per chain instead of per message).  Inside a
 * handler (a poll from rap__route) the handler's outbox is already open
 * and pushes them when the handler returns. */
static void on_batch(void *arg, bool open)
{
    outbox *o = tl_ob;

    (void)arg;
    if (o == NULL)
        return;
    if (open) {
        o->batch = !o->open;
        if (o->batch) {
            o->open = true;
            o->sent = true; /* hold the first one too */
        }
    } else if (o->batch) {
        o->batch = false;
        outbox_close();
    }
}

static void on_malformed(void *arg, int src, size_t bytes, const char *why)
{
    (void)arg;
    rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "dropped a malformed message of %zu bytes from rank %d: %s",
             bytes, src, why);
}

static void on_send_failed(void *arg, rap_env *env, int dest, const char *text)
{
    (void)arg;
    rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "send to rank %d failed: %s", dest, text);
    env->src_rank = -1; /* not an arrival: nothing to credit */
    dead_letter(env);   /* undeliverable: tell its sender */
}

/* ------------------------------------------------------------ lifecycle */

static int check_tags(void)
{
    int *ub = NULL, flag = 0;

    MPI_Comm_get_attr(g_node.comm, MPI_TAG_UB, &ub, &flag);
    if (!flag || ub == NULL || *ub < rap__tag_max()) {
        fprintf(stderr, "raptors: MPI_TAG_UB (%d) is below the largest Raptors tag (%d)\n",
                flag && ub ? *ub : -1, rap__tag_max());
        return RAP_EMPI;
    }
    return RAP_OK;
}

/* Every rank must speak the same wire format with the same receive-slot
 * size: the slots are pre-posted with that size, and Open MPI 4.1 writes a
 * larger message that arrives by single copy past the end of the posted
 * buffer (it does report MPI_ERR_TRUNCATE, too late).  Collective. */
static int check_wire(void)
{
    const int64_t sig = ((int64_t)RAP_WIRE_VERSION << 32) | (int64_t)RAP_WIRE_SLOT;
    int64_t in[2] = { sig, -sig }, out[2] = { 0, 0 };

    if (MPI_Allreduce(in, out, 2, MPI_INT64_T, MPI_MAX, g_node.comm) != MPI_SUCCESS)
        return RAP_EMPI;
    if (out[0] != sig || -out[1] != sig) {
        fprintf(stderr, "raptors: rank %d: ranks run different Raptors wire formats "
                        "(this rank: version %u, slot %u bytes)\n",
                g_node.rank, (unsigned)RAP_WIRE_VERSION, (unsigned)RAP_WIRE_SLOT);
        return RAP_EVERSION;
    }
    return RAP_OK;
}

/* Workers and scheduler flags, from the rank's binding (`cores`), its
 * share of the node's hardware threads and, unless RAPTORS_SPIN_YIELD says,
 * the workers of all the node's ranks.  Collective over the node's ranks
 * (bells_create made node_comm).
 * - Workers when RAPTORS_WORKERS is not set: one per core of the binding,
 *   at most the share.  Open MPI binds each of more than two ranks to a
 *   whole socket: 16 ranks on a 16-core socket would start 16 workers
 *   each (measured on the device: a 16-rank ring ran 19,000 hops/s).
 * - Workers bind to the binding's cores in turn, from its first: a binding
 *   wider than the share is shared with other ranks, and every rank would
 *   pin its first worker to the same core (device: 8 ranks, 1,700 hops/s
 *   around a ring); then they stay unpinned within it.
 * - Spinning workers yield their cores only when the node's workers
 *   outnumber its hardware threads: a sched_yield costs about 1 us on the
 *   VMs, and a message arriving during one waits for it (Open MPI likewise
 *   yields when idle only when oversubscribed). */
static int plan_workers(unsigned *flags)
{
    int cores, pus, nlocal = 1, share, nworkers, total;

    rap__topo_counts(&cores, &pus);
    if (g_node.node_comm != MPI_COMM_NULL)
        MPI_Comm_size(g_node.node_comm, &nlocal);
    share = pus / (nlocal > 0 ? nlocal : 1);
    if (share < 1)
        share = 1;
    nworkers = g_node.cfg.workers > 0 ? g_node.cfg.workers : cores < share ? cores : share;
    *flags = g_node.cfg.bind && cores <= share ? RAP_SCHED_BIND : 0;
    if (g_node.cfg.spin_yield >= 0) {
        *flags |= g_node.cfg.spin_yield ? RAP_SCHED_SPIN_YIELD : 0;
        return nworkers;
    }
    total = nworkers;
    if (g_node.node_comm != MPI_COMM_NULL &&
        MPI_Allreduce(&nworkers, &total, 1, MPI_INT, MPI_SUM, g_node.node_comm) != MPI_SUCCESS)
        total = INT_MAX; /* unknown: yield, the safe side */
    *flags |= total > pus ? RAP_SCHED_SPIN_YIELD : 0;
    return nworkers;
}

static int start(MPI_Comm base)
{
    int rc, *appnum = NULL, flag = 0, nworkers;
    unsigned sched_flags = 0;
    rap_net_callbacks cb = { on_arrival, on_malformed, on_send_failed, on_batch, NULL };
    rap_sched_hooks hooks = { node_poll,     NULL,          NULL,        node_max_sleep, actor_ready,
                              actor_release, worker_start, worker_end };

    if (MPI_Comm_dup(base, &g_node.comm) != MPI_SUCCESS)
        return RAP_EMPI;
    if (MPI_Comm_dup(base, &g_node.term_comm) != MPI_SUCCESS) {
        MPI_Comm_free(&g_node.comm);
        return RAP_EMPI;
    }
    MPI_Comm_set_errhandler(g_node.comm, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(g_node.term_comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(g_node.comm, &g_node.rank);
    MPI_Comm_size(g_node.comm, &g_node.size);
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_APPNUM, &appnum, &flag);
    g_node.appnum = (flag && appnum != NULL) ? *appnum : 0;

    rc = check_tags();
    if (rc == RAP_OK)
        rc = check_wire();
    if (rc == RAP_OK && g_node.size > (1 << RAP_AID_RANK_BITS)) {
        fprintf(stderr, "raptors: %d ranks exceed the %d an actor id can name\n", g_node.size,
                1 << RAP_AID_RANK_BITS);
        rc = RAP_ERANGE;
    }
    if (rc != RAP_OK)
        goto free_comms;

    rap__atype_on(RAP_ATYPE_LOGGER, RAP_MSG_LOG, rap__logger_handle); /* EEXIST on re-init */
    rap__registry_freeze();
    rc = rap__types_exchange();
    if (rc != RAP_OK)
        goto thaw;
    rc = rap__table_create(g_node.rank, &g_node.table);
    if (rc != RAP_OK)
        goto free_types;
    rc = create_builtin(RAP_ATYPE_SYSTEM, RAP_SERIAL_SYSTEM);
    if (rc == RAP_OK && g_node.rank == 0)
        rc = create_builtin(RAP_ATYPE_LOGGER, RAP_SERIAL_LOGGER);
    if (rc == RAP_OK && g_node.rank == 0)
        rc = rap__logger_open();
    if (rc != RAP_OK)
        goto free_table;
    /* Rank 0's flow-control window applies to the job: both ends of a
     * pair must agree on whether credits flow. */
    uint64_t window = g_node.cfg.flow_window;
    if (MPI_Bcast(&window, 1, MPI_UINT64_T, 0, g_node.comm) != MPI_SUCCESS) {
        rc = RAP_EMPI;
        goto close_log;
    }
    rc = rap__net_create(g_node.comm, &cb, window, &g_node.net);
    if (rc != RAP_OK)
        goto close_log;
    bells_create();
    rap__net_set_bells(g_node.net, g_node.bells);
    hooks.bell = g_node.bell;

    nworkers = plan_workers(&sched_flags);
    g_node.nctr = nworkers + 1;
    g_node.ctr = aligned_alloc(RAP_CACHELINE, (size_t)g_node.nctr * sizeof(*g_node.ctr));
    if (g_node.ctr == NULL) {
        rc = RAP_ENOMEM;
        goto free_net;
    }
    memset(g_node.ctr, 0, (size_t)g_node.nctr * sizeof(*g_node.ctr));
    g_node.outboxes = aligned_alloc(RAP_CACHELINE, (size_t)nworkers * sizeof(outbox));
    if (g_node.outboxes == NULL) {
        rc = RAP_ENOMEM;
        goto free_net;
    }
    memset(g_node.outboxes, 0, (size_t)nworkers * sizeof(outbox));
    rc = rap__pool_create_all(nworkers);
    if (rc != RAP_OK)
        goto free_net;
    atomic_store(&g_node.mpi_open, g_node.level == MPI_THREAD_MULTIPLE);
    atomic_store_explicit(&g_node.state, RAP_NODE_UP, memory_order_release);
    rc = rap__sched_create(nworkers, sched_flags, g_node.cfg.spin_us, g_node.cfg.poll_max_us,
                           &hooks, &g_node.sched);
    if (rc != RAP_OK)
        goto free_net;
    /* Every rank's System actor exists before any rank can send to it. */
    if (MPI_Barrier(g_node.comm) != MPI_SUCCESS) {
        rc = RAP_EMPI;
        goto free_sched;
    }
    return RAP_OK;

free_sched:
    rap__sched_destroy(g_node.sched);
free_net:
    atomic_store(&g_node.state, RAP_NODE_NONE);
    free(g_node.ctr);
    free(g_node.outboxes);
    rap__net_destroy(g_node.net);
    bells_free();
    rap__pool_destroy_all();
close_log:
    rap__logger_close();
free_table:
    rap__table_destroy(g_node.table);
free_types:
    rap__types_free();
thaw:
    rap__registry_thaw();
free_comms:
    MPI_Comm_free(&g_node.term_comm);
    MPI_Comm_free(&g_node.comm);
    return rc;
}

static void reset_node(void)
{
    memset(&g_node, 0, sizeof(g_node));
    g_node.rank = g_node.size = g_node.appnum = g_node.level = -1;
    pthread_mutex_init(&g_node.done_lock, NULL);
    pthread_cond_init(&g_node.done_cond, NULL);
}

static int init_common(MPI_Comm comm, int *argc, char ***argv)
{
    int inited = 0, finalized = 0, provided = 0, rc;

    if (node_up())
        return RAP_ESTATE;
    reset_node();
    rap__config_read(&g_node.cfg);
    MPI_Initialized(&inited);
    MPI_Finalized(&finalized);
    if (finalized)
        return RAP_ESTATE;
    if (!inited) {
        if (MPI_Init_thread(argc, argv, g_node.cfg.thread_level, &provided) != MPI_SUCCESS)
            return RAP_EMPI;
        g_node.mpi_owned = true;
    } else {
        MPI_Query_thread(&provided);
    }
    if (provided < MPI_THREAD_SERIALIZED) {
        fprintf(stderr, "raptors: MPI provides thread level %d; Raptors needs MPI_THREAD_SERIALIZED\n",
                provided);
        rc = RAP_ETHREAD;
        goto fail;
    }
    g_node.level = provided >= MPI_THREAD_MULTIPLE ? MPI_THREAD_MULTIPLE : MPI_THREAD_SERIALIZED;
    rc = start(comm);
    if (rc == RAP_OK)
        return RAP_OK;
fail:
    if (g_node.mpi_owned)
        MPI_Finalize();
    reset_node();
    return rc;
}

int rap_init(int *argc, char ***argv)
{
    if ((argc == NULL) != (argv == NULL))
        return RAP_EINVAL;
    return init_common(MPI_COMM_WORLD, argc, argv);
}

int rap_init_comm(MPI_Comm comm)
{
    int inited = 0;

    MPI_Initialized(&inited);
    if (!inited || comm == MPI_COMM_NULL)
        return RAP_EINVAL;
    return init_common(comm, NULL, NULL);
}

/* The quiescence loop shared by rap_run and rap_finalize. */
static void run_until_quiescent(void)
{
    g_node.prev_valid = false;
    atomic_store(&g_node.done, false);
    atomic_store(&g_node.running, true);
    atomic_store(&g_node.mpi_open, true);
    rap__bell_ring(rap__sched_bell(g_node.sched)); /* waves may start now */
    /* The workers poll and run the waves; this thread only waits. */
    pthread_mutex_lock(&g_node.done_lock);
    while (!atomic_load(&g_node.done))
        pthread_cond_wait(&g_node.done_cond, &g_node.done_lock);
    pthread_mutex_unlock(&g_node.done_lock);
    atomic_store(&g_node.running, false);
    /* Quiescent on every rank: no STOP can still be in flight. */
    atomic_store(&g_node.stopping, false);
    if (g_node.level != MPI_THREAD_MULTIPLE)
        close_mpi(); /* MPI is the application's again */
}

int rap_run(void)
{
    if (!node_up())
        return RAP_ESTATE;
    run_until_quiescent();
    return RAP_OK;
}

int rap_progress(void)
{
    if (!node_up())
        return RAP_ESTATE;
    if (g_node.level != MPI_THREAD_MULTIPLE) {
        atomic_store(&g_node.mpi_open, true);
        node_poll(NULL);
        close_mpi();
    } else {
        node_poll(NULL);
    }
    return RAP_OK;
}

static void destroy_user_actor(rap_actor *a, void *arg)
{
    rap_env *env;

    (void)arg;
    if (a->type->id < RAP_TYPE_USER_MIN)
        return;
    env = rap__env_alloc(0);
    if (env == NULL)
        return;
    rap__env_set(env, RAP_KIND_SYS_ACTION, RAP_SYS_DESTROY, atomic_load(&a->aid), RAP_AID_NONE);
    if (rap__mailbox_push(&a->mb, env))
        schedule(a);
}

static void free_builtin(rap_actor *a, void *arg)
{
    (void)arg;
    rap__table_remove(g_node.table, a);
    rap__mailbox_destroy(&a->mb);
    free(a->state);
    rap__table_free(g_node.table, a);
}

static void print_stats(void)
{
    rap_stats s;

    rap_stats_get(&s);
    fprintf(stderr,
            "raptors stats rank %d: sent local %llu (%llu B) remote %llu (%llu B, %llu batches); "
            "received remote %llu (%llu B); handled %llu; dead letters %llu; unhandled %llu; "
            "malformed %llu; dropped at stop %llu; waited for credit %llu\n",
            g_node.rank, (unsigned long long)s.sent_local, (unsigned long long)s.bytes_sent_local,
            (unsigned long long)s.sent_remote, (unsigned long long)s.bytes_sent_remote,
            (unsigned long long)s.batches_sent, (unsigned long long)s.recv_remote, (unsigned long long)s.bytes_recv_remote,
            (unsigned long long)s.handled, (unsigned long long)s.dead_letters,
            (unsigned long long)s.unhandled, (unsigned long long)s.malformed,
            (unsigned long long)s.dropped_stopped, (unsigned long long)s.flow_blocked);
}

int rap_finalize(void)
{
    if (!node_up())
        return RAP_ESTATE;
    /* 1. Handle everything in flight.  2. Destroy every user actor through
     * its own mailbox (fini runs on a worker, in order with its messages),
     * and handle what the fini callbacks sent and logged. */
    run_until_quiescent();
    rap__table_foreach(g_node.table, destroy_user_actor, NULL);
    run_until_quiescent();
    if (g_node.cfg.stats)
        print_stats();

    close_mpi();
    rap__sched_destroy(g_node.sched);
    atomic_store_explicit(&g_node.state, RAP_NODE_NONE, memory_order_release);
    rap__net_destroy(g_node.net);
    bells_free(); /* collective: every rank is past its last ring */
    rap__logger_close();
    rap__table_foreach(g_node.table, free_builtin, NULL);
    rap__table_destroy(g_node.table);
    rap__types_free();
    free(g_node.ctr);
    free(g_node.outboxes);
    MPI_Comm_free(&g_node.term_comm);
    MPI_Comm_free(&g_node.comm);
    if (g_node.mpi_owned)
        MPI_Finalize();
    rap__registry_thaw();
    rap__env_cache_drain();
    rap__pool_destroy_all(); /* every envelope is back: actors, net and log are gone */
    reset_node();
    return RAP_OK;
}

/* ---------------------------------------------------------------- queries */

int rap_rank(void) { return node_up() ? g_node.rank : -1; }
int rap_size(void) { return node_up() ? g_node.size : -1; }
int rap_appnum(void) { return node_up() ? g_node.appnum : -1; }
int rap_thread_level(void) { return node_up() ? g_node.level : -1; }
int rap_workers(void) { return node_up() ? rap__sched_workers(g_node.sched) : 0; }
rap_aid rap_self(const rap_ctx *ctx) { return ctx_aid(ctx); }

int rap_stats_get(rap_stats *out)
{
    const rap_net_counters *c;

    if (out == NULL)
        return RAP_EINVAL;
    if (!node_up())
        return RAP_ESTATE;
    c = rap__net_counters(g_node.net);
    *out = (rap_stats){
        .recv_remote = RAP_READ(c->received),
        .batches_sent = RAP_READ(c->batches_sent),
        .bytes_recv_remote = RAP_READ(c->bytes_received),
        .malformed = RAP_READ(c->malformed),
        .flow_blocked = RAP_READ(c->flow_blocked),
        .actors_live = rap__table_live(g_node.table),
    };
    for (int i = 0; i < g_node.nctr; i++) {
        const rap_counters *k = &g_node.ctr[i];
        out->sent_local += RAP_READ(k->sent_local);
        out->bytes_sent_local += RAP_READ(k->bytes_sent_local);
        out->sent_remote += RAP_READ(k->sent_remote);
        out->bytes_sent_remote += RAP_READ(k->bytes_sent_remote);
        out->handled += RAP_READ(k->handled);
        out->dead_letters += RAP_READ(k->dead_letters);
        out->unhandled += RAP_READ(k->unhandled);
        out->dropped_stopped += RAP_READ(k->dropped_stopped);
    }
    return RAP_OK;
}

/* ----------------------------------------------------------------- actors */

int rap_spawn(rap_ctx *ctx, uint32_t actor_type, const void *arg, size_t len, rap_aid *aid_out)
{
    if (!node_up())
        return RAP_ESTATE;
    if (aid_out == NULL || (arg == NULL && len > 0))
        return RAP_EINVAL;
    return create_actor(actor_type, ctx_aid(ctx), arg, len, ctx ? ctx->worker : -1, aid_out);
}

int rap_spawn_on(rap_ctx *ctx, int rank, uint32_t actor_type, const void *arg, size_t len,
                 uint64_t cookie)
{
    const rap_host *hosts;
    size_t nhosts;
    rap_wire_spawn req = { .actor_type = actor_type, .cookie = cookie };
    rap_env *env;

    if (!node_up())
        return RAP_ESTATE;
    if (ctx == NULL || ctx->actor == NULL || (arg == NULL && len > 0))
        return RAP_EINVAL;
    if (rank != RAP_ANY_RANK && (rank < 0 || rank >= g_node.size))
        return RAP_EINVAL;
    if (len > RAP_MAX_PAYLOAD - sizeof(req))
        return RAP_ETOOBIG;
    nhosts = rap__types_hosts(actor_type, &hosts);
    if (nhosts == 0)
        return RAP_ENOTYPE;
    if (rank == RAP_ANY_RANK) {
        rank = hosts[atomic_fetch_add_explicit(&g_node.rr, 1, memory_order_relaxed) % nhosts].rank;
    } else {
        size_t i = 0;
        while (i < nhosts && hosts[i].rank != rank)
            i++;
        if (i == nhosts)
            return RAP_ENOHOST;
    }
    env = rap__env_alloc(sizeof(req) + len);
    if (env == NULL)
        return RAP_ENOMEM;
    memcpy(rap__env_payload(env), &req, sizeof(req));
    if (len > 0)
        memcpy((char *)rap__env_payload(env) + sizeof(req), arg, len);
    rap__env_set(env, RAP_KIND_SYS_ACTION, RAP_SYS_SPAWN, rap__aid(rank, RAP_SERIAL_SYSTEM),
                 ctx_aid(ctx));
    rap__route(env);
    return RAP_OK;
}

static int check_aid(rap_aid aid)
{
    if (aid == RAP_AID_NONE || RAP_AID_RANK(aid) >= g_node.size || RAP_AID_SERIAL(aid) == 0)
        return RAP_EINVAL;
    return RAP_OK;
}

int rap_destroy(rap_ctx *ctx, rap_aid aid)
{
    rap_env *env;

    if (!node_up())
        return RAP_ESTATE;
    if (check_aid(aid) != RAP_OK || RAP_AID_SERIAL(aid) < RAP_SERIAL_USER_MIN)
        return RAP_EINVAL;
    env = rap__env_alloc(0);
    if (env == NULL)
        return RAP_ENOMEM;
    rap__env_set(env, RAP_KIND_SYS_ACTION, RAP_SYS_DESTROY, aid, ctx_aid(ctx));
    rap__route(env);
    return RAP_OK;
}

int rap_exit(rap_ctx *ctx)
{
    if (ctx == NULL || ctx->actor == NULL)
        return RAP_EINVAL;
    ctx->actor->exiting = true;
    return RAP_OK;
}

int rap_stop(rap_ctx *ctx)
{
    if (!node_up())
        return RAP_ESTATE;
    atomic_store(&g_node.stopping, true);
    for (int r = 0; r < g_node.size; r++) {
        if (r == g_node.rank)
            continue;
        rap_env *env = rap__env_alloc(0);
        if (env == NULL)
            return RAP_ENOMEM;
        rap__env_set(env, RAP_KIND_SYS_ACTION, RAP_SYS_STOP, rap__aid(r, RAP_SERIAL_SYSTEM),
                     ctx_aid(ctx));
        rap__route(env);
    }
    return RAP_OK;
}

/* ---------------------------------------------------------------- sending */

static int check_send(rap_aid to, uint32_t type, size_t len, const rap_msg_type **mt_out)
{
    const rap_msg_type *mt;
    int rc;

    if (!node_up())
        return RAP_ESTATE;
    if (check_aid(to) != RAP_OK)
        return RAP_EINVAL;
    mt = rap__msgtype_find(type);
    if (mt == NULL)
        return RAP_ENOTYPE;
    rc = rap__msgtype_check_len(mt, len);
    if (rc != RAP_OK)
        return rc;
    if (mt_out != NULL)
        *mt_out = mt;
    return RAP_OK;
}

int rap_send(rap_ctx *ctx, rap_aid to, uint32_t type, const void *data, size_t len)
{
    rap_env *env;
    int rc;

    if (data == NULL && len > 0)
        return RAP_EINVAL;
    rc = check_send(to, type, len, NULL);
    if (rc != RAP_OK)
        return rc;
    env = ctx != NULL ? outbox_alloc(to, len) : NULL;
    if (env == NULL && (env = rap__env_alloc(len)) == NULL)
        return RAP_ENOMEM;
    if (len > 0)
        memcpy(rap__env_payload(env), data, len);
    rap__env_set(env, RAP_KIND_ACTOR_ACTION, type, to, ctx_aid(ctx));
    rap__route(env);
    return RAP_OK;
}

int rap_msg_alloc(rap_ctx *ctx, uint32_t type, size_t len, rap_msg **msg_out)
{
    const rap_msg_type *mt = rap__msgtype_find(type);
    rap_env *env;
    int rc;

    (void)ctx;
    if (msg_out == NULL)
        return RAP_EINVAL;
    if (mt == NULL)
        return RAP_ENOTYPE;
    rc = rap__msgtype_check_len(mt, len);
    if (rc != RAP_OK)
        return rc;
    env = rap__env_alloc(len);
    if (env == NULL)
        return RAP_ENOMEM;
    env->hdr.kind = RAP_KIND_ACTOR_ACTION;
    env->hdr.type = type;
    *msg_out = (rap_msg *)env;
    return RAP_OK;
}

void *rap_msg_data(rap_msg *msg)
{
    return msg == NULL ? NULL : rap__env_payload((rap_env *)msg);
}

int rap_msg_send(rap_ctx *ctx, rap_aid to, rap_msg *msg)
{
    rap_env *env = (rap_env *)msg;
    int rc;

    if (msg == NULL)
        return RAP_EINVAL;
    rc = check_send(to, env->hdr.type, env->hdr.len, NULL);
    if (rc != RAP_OK)
        return rc;
    rap__env_set(env, RAP_KIND_ACTOR_ACTION, env->hdr.type, to, ctx_aid(ctx));
    rap__route(env);
    return RAP_OK;
}

void rap_msg_free(rap_msg *msg)
{
    rap__env_free((rap_env *)msg);
}
