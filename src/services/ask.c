/* services/ask.c -- requests and their answers (rap_ask, rap_reply,
 * rap_ask_wait): the rank's pending requests, matched to their replies and
 * timed out by a runtime timer.
 *
 * Owns:       the pending requests asked from this rank: a map from a
 *             request's id to it, and each asking actor's list of them.
 * Invariants: a request travels as RAP_MSG_ASK (its id, where the reply
 *             goes, the cookie) and its handler runs as for any message,
 *             with the request in ctx; rap_reply sends RAP_MSG_REPLY to
 *             the asker.  A pending request is settled once, under the
 *             lock, by whichever comes first: its reply, its timeout
 *             (RAP_MSG_ASK_TIMEOUT from a timer owned by the asker, so the
 *             asker's end cancels it), the asker's end, a stop or
 *             rap_finalize; what comes after finds nothing (a late reply is
 *             logged and dropped).  Replies and timeouts to an actor are
 *             handled on its own worker, never while it runs a handler.
 *             An actor that moved after asking gets its reply or its
 *             timeout where it is, unmatched: its pending entry stays on
 *             the asking rank.  rap_ask_wait's requests are answered to
 *             the rank's System actor and wake the waiting thread.
 * Threads:    rap_ask and rap_reply on the actor's worker; rap_ask_wait on
 *             any thread but the workers; replies and timeouts on the
 *             worker running the asker (or the System actor); halt, drain
 *             and actor_end as service.h says.
 * Uses:       system/node.h, system/service.h, services/timer.h, msg/,
 *             util/, the public API.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "msg/aid.h"
#include "msg/proto.h"
#include "services/services.h"
#include "services/timer.h"
#include "system/node.h"
#include "util/u64map.h"

typedef struct waiter {
    pthread_cond_t cond;
    bool done;
    int rc;
    uint32_t type;
    void *buf;
    size_t cap, len;
} waiter;

typedef struct pending {
    uint64_t id;
    rap_aid asker;               /* RAP_AID_NONE for rap_ask_wait's */
    rap_timer timer;             /* its timeout, or RAP_TIMER_NONE */
    waiter *w;                   /* rap_ask_wait's, or NULL */
    struct pending *next, *prev; /* the asker's list */
} pending;

static struct {
    pthread_mutex_t lock;
    rap_u64map byid;    /* id -> pending */
    rap_u64map byasker; /* asker -> the first of its list */
    _Atomic uint64_t serial;
    bool draining;
    int rank;
} A = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* ------------------------------------------------------------ the table */

static int add_locked(pending *p)
{
    uint64_t head;

    if (rap__u64map_put(&A.byid, p->id, (uint64_t)(uintptr_t)p) != RAP_OK)
        return RAP_ENOMEM;
    if (p->asker == RAP_AID_NONE)
        return RAP_OK;
    p->prev = NULL;
    p->next = rap__u64map_get(&A.byasker, p->asker, &head) ? (pending *)(uintptr_t)head : NULL;
    if (rap__u64map_put(&A.byasker, p->asker, (uint64_t)(uintptr_t)p) != RAP_OK) {
        rap__u64map_del(&A.byid, p->id, NULL);
        return RAP_ENOMEM;
    }
    if (p->next != NULL)
        p->next->prev = p;
    atomic_fetch_add(&g_node.by_actor, 1);
    return RAP_OK;
}

/* The pending request `id`, out of the table; NULL if it is not pending. */
static pending *take_locked(uint64_t id)
{
    uint64_t v;
    pending *p;

    if (!rap__u64map_del(&A.byid, id, &v))
        return NULL;
    p = (pending *)(uintptr_t)v;
    if (p->asker == RAP_AID_NONE)
        return p;
    if (p->next != NULL)
        p->next->prev = p->prev;
    if (p->prev != NULL)
        p->prev->next = p->next;
    else if (p->next != NULL)
        rap__u64map_put(&A.byasker, p->asker, (uint64_t)(uintptr_t)p->next); /* replaces */
    else
        rap__u64map_del(&A.byasker, p->asker, NULL);
    atomic_fetch_sub(&g_node.by_actor, 1);
    return p;
}

static pending *take(uint64_t id)
{
    pending *p;

    pthread_mutex_lock(&A.lock);
    p = take_locked(id);
    pthread_mutex_unlock(&A.lock);
    return p;
}

/* Settle a waiter's request (under the lock): wake its thread. */
static void wake_locked(pending *p, int rc, uint32_t type, const void *data, size_t len)
{
    waiter *w = p->w;

    w->rc = rc;
    w->type = type;
    w->len = len;
    if (len > 0 && w->cap > 0)
        memcpy(w->buf, data, len < w->cap ? len : w->cap);
    w->done = true;
    pthread_cond_signal(&w->cond);
}

/* Every pending request goes: a stop, or rap_finalize.  Waiting threads
 * are woken with RAP_ESTOPPED; the timeouts go with the timers. */
static void settle_all(void)
{
    size_t i = 0;

    pthread_mutex_lock(&A.lock);
    while (A.byid.count > 0) {
        /* One walk round the table (a removal may shift an entry into i,
         * or, past the end, to the start: the walk wraps). */
        if (A.byid.keys[i] == 0) {
            i = (i + 1) & (A.byid.cap - 1);
            continue;
        }
        pending *p = take_locked(A.byid.keys[i]);
        if (p->w != NULL)
            wake_locked(p, RAP_ESTOPPED, 0, NULL, 0);
        else
            free(p);
    }
    pthread_mutex_unlock(&A.lock);
}

static uint64_t next_id(void)
{
    uint64_t s = atomic_fetch_add(&A.serial, 1) + 1;

    return rap__aid(A.rank, s & (((uint64_t)1 << RAP_AID_SERIAL_BITS) - 1));
}

/* ------------------------------------------------------------ the calls */

int rap_ask(rap_ctx *ctx, rap_aid to, uint32_t type, const void *data, size_t len, uint64_t timeout_ns,
            uint64_t cookie)
{
    int rc = rap__send_check(to, type, data, len);
    rap_wire_ask q;
    pending *p;

    if (rc != RAP_OK)
        return rc;
    if (ctx == NULL || ctx->actor == NULL)
        return RAP_EINVAL;
    if (ctx->actor->type->on_reply == NULL)
        return RAP_EUNHANDLED;
    if (atomic_load(&g_node.stopping))
        return RAP_ESTOPPED;
    if ((p = calloc(1, sizeof(*p))) == NULL)
        return RAP_ENOMEM;
    p->id = next_id();
    p->asker = rap__ctx_aid(ctx);
    pthread_mutex_lock(&A.lock);
    rc = A.draining ? RAP_ESTOPPED : add_locked(p);
    pthread_mutex_unlock(&A.lock);
    if (rc != RAP_OK) {
        free(p);
        return rc;
    }
    /* Neither its timeout nor its reply can be handled before this
     * handler returns: both are the asker's messages. */
    q = (rap_wire_ask){ .id = p->id, .peer = to, .cookie = cookie, .type = type, .len = 0 };
    if (timeout_ns > 0)
        rc = rap__timer_raw(p->asker, p->asker, RAP_MSG_ASK_TIMEOUT, &q, sizeof(q), timeout_ns, &p->timer);
    q.peer = p->asker;
    q.len = (uint32_t)len;
    if (rc == RAP_OK)
        rc = rap__send_wrapped(ctx, RAP_KIND_ACTOR_ACTION, to, RAP_MSG_ASK, &q, sizeof(q), data, len);
    if (rc != RAP_OK && take(p->id) == p) {
        if (p->timer != RAP_TIMER_NONE)
            rap_timer_cancel(NULL, p->timer);
        free(p);
    }
    return rc;
}

int rap_reply(rap_ctx *ctx, uint32_t type, const void *data, size_t len)
{
    rap_wire_ask q;
    int rc;

    if (ctx == NULL)
        return RAP_EINVAL;
    if (ctx->ask == NULL)
        return RAP_ESTATE;
    rc = rap__send_check(ctx->ask->peer, type, data, len);
    if (rc != RAP_OK)
        return rc;
    q = (rap_wire_ask){ .id = ctx->ask->id, .cookie = ctx->ask->cookie, .type = type, .len = (uint32_t)len };
    rc = rap__send_wrapped(ctx, RAP_KIND_ACTOR_ACTION, ctx->ask->peer, RAP_MSG_REPLY, &q, sizeof(q), data, len);
    if (rc == RAP_OK)
        ctx->ask = NULL; /* answered */
    return rc;
}

int rap_ask_wait(rap_aid to, uint32_t type, const void *data, size_t len, uint64_t timeout_ns, uint32_t *type_out,
                 void *buf, size_t cap, size_t *len_out)
{
    waiter w = { .buf = buf, .cap = cap };
    struct timespec until;
    rap_wire_ask q;
    pending *p;
    int rc;

    if (type_out == NULL || len_out == NULL || (buf == NULL && cap > 0))
        return rap__node_up() ? RAP_EINVAL : RAP_ESTATE;
    if (!rap__node_up() || rap__on_worker())
        return RAP_ESTATE;
    if ((rc = rap__send_check(to, type, data, len)) != RAP_OK)
        return rc;
    if (atomic_load(&g_node.stopping))
        return RAP_ESTOPPED;
    if (!rap__mpi_open_for_waiters())
        return RAP_ESTATE;
    if ((p = calloc(1, sizeof(*p))) == NULL)
        return RAP_ENOMEM;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w.cond, &ca);
    pthread_condattr_destroy(&ca);
    p->id = next_id();
    p->w = &w;
    pthread_mutex_lock(&A.lock);
    rc = A.draining ? RAP_ESTOPPED : add_locked(p);
    pthread_mutex_unlock(&A.lock);
    q = (rap_wire_ask){ .id = p->id, .peer = rap__aid_system(A.rank), .type = type, .len = (uint32_t)len };
    if (rc == RAP_OK && (rc = rap__send_wrapped(NULL, RAP_KIND_ACTOR_ACTION, to, RAP_MSG_ASK, &q, sizeof(q), data, len)) != RAP_OK)
        take(p->id);
    if (rc == RAP_OK) {
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += (time_t)(timeout_ns / 1000000000u);
        until.tv_nsec += (long)(timeout_ns % 1000000000u);
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&A.lock);
        while (!w.done) {
            int e = timeout_ns == 0 ? pthread_cond_wait(&w.cond, &A.lock)
                                    : pthread_cond_timedwait(&w.cond, &A.lock, &until);
            if (e == ETIMEDOUT && !w.done && take_locked(p->id) == p) {
                w.done = true;
                w.rc = RAP_ETIMEDOUT;
            }
        }
        pthread_mutex_unlock(&A.lock);
        rc = w.rc;
        if (rc == RAP_OK || rc == RAP_ETOOBIG) {
            *type_out = w.type;
            *len_out = w.len;
        }
    }
    pthread_cond_destroy(&w.cond);
    free(p);
    return rc;
}

/* ---------------------------------------------- replies and timeouts */

/* RAP_MSG_REPLY, at the asker (an actor, or the System actor for a
 * waiting thread). */
static void on_reply(rap_ctx *ctx, const rap_env *env)
{
    const char *data = (const char *)rap__env_cpayload(env) + sizeof(rap_wire_ask);
    rap_actor *a = ctx->actor;
    char who[RAP_NAME_MAX], type[RAP_NAME_MAX];
    rap_wire_ask q;
    pending *p = NULL;
    uint64_t cookie;

    memcpy(&q, rap__env_cpayload(env), sizeof(q));
    cookie = q.cookie;
    if ((int)RAP_AID_RANK(q.id) == A.rank) {
        pthread_mutex_lock(&A.lock);
        p = take_locked(q.id);
        if (p != NULL && p->w != NULL) {
            wake_locked(p, q.len > p->w->cap ? RAP_ETOOBIG : RAP_OK, q.type, data, q.len);
            pthread_mutex_unlock(&A.lock);
            return; /* the waiter frees p */
        }
        pthread_mutex_unlock(&A.lock);
        if (p == NULL) {
            rap__log(RAP_LOG_INFO, RAP_AID_NONE, "a reply of type %s from %s came after its request was settled "
                     "(timed out, or its asker ended): dropped", rap__msg_name(q.type, type, sizeof(type)),
                     rap__actor_name(env->hdr.from, who, sizeof(who)));
            return;
        }
        if (p->timer != RAP_TIMER_NONE)
            rap_timer_cancel(NULL, p->timer);
        free(p);
    }
    if (a->type->on_reply == NULL) { /* cannot be: rap_ask refuses it */
        rap__log(RAP_LOG_WARN, RAP_AID_NONE, "actor %s has no reply handler: a reply of type %s dropped",
                 rap__actor_name(atomic_load(&a->aid), who, sizeof(who)), rap__msg_name(q.type, type, sizeof(type)));
        return;
    }
    a->type->on_reply(ctx, a->state, env->hdr.from, cookie, q.type, q.len > 0 ? data : NULL, q.len);
}

/* RAP_MSG_ASK_TIMEOUT, at the asking actor. */
static void on_timeout(rap_ctx *ctx, const rap_env *env)
{
    rap_actor *a = ctx->actor;
    char who[RAP_NAME_MAX], asked[RAP_NAME_MAX], type[RAP_NAME_MAX];
    rap_error_event ev;
    rap_wire_ask q;

    memcpy(&q, rap__env_cpayload(env), sizeof(q));
    if ((int)RAP_AID_RANK(q.id) == A.rank) {
        pending *p = take(q.id);
        if (p == NULL)
            return; /* answered, or settled otherwise */
        free(p);
    }
    ev = (rap_error_event){ .kind = RAP_ERROR_TIMEOUT, .code = RAP_ETIMEDOUT, .actor = q.peer,
                            .msg_type = q.type, .cookie = q.cookie };
    if (a->type->on_error != NULL) {
        a->type->on_error(ctx, a->state, &ev);
        return;
    }
    rap__log(RAP_LOG_WARN, RAP_AID_NONE, "actor %s has no error handler: its request of type %s to %s "
             "(cookie %llu) had no reply in time", rap__actor_name(atomic_load(&a->aid), who, sizeof(who)),
             rap__msg_name(q.type, type, sizeof(type)), rap__actor_name(q.peer, asked, sizeof(asked)),
             (unsigned long long)q.cookie);
}

/* -------------------------------------------------------- the service */

static int start(const rap_config *cfg, int rank, int size, int workers)
{
    (void)cfg, (void)size, (void)workers;
    pthread_mutex_lock(&A.lock);
    A.rank = rank;
    A.draining = false;
    pthread_mutex_unlock(&A.lock);
    return RAP_OK;
}

static void drain(void)
{
    pthread_mutex_lock(&A.lock);
    A.draining = true;
    pthread_mutex_unlock(&A.lock);
    settle_all();
}

static void actor_end(rap_aid aid)
{
    uint64_t head;

    pthread_mutex_lock(&A.lock);
    while (rap__u64map_get(&A.byasker, aid, &head)) {
        pending *p = take_locked(((pending *)(uintptr_t)head)->id);
        free(p); /* its timeout: cancelled with the asker's timers */
    }
    pthread_mutex_unlock(&A.lock);
}

static void stop(void)
{
    settle_all();
    pthread_mutex_lock(&A.lock);
    rap__u64map_free(&A.byid);
    rap__u64map_free(&A.byasker);
    pthread_mutex_unlock(&A.lock);
}

static const rap_service_op actor_ops[] = {
    { RAP_MSG_REPLY, on_reply },
    { RAP_MSG_ASK_TIMEOUT, on_timeout },
    { 0, NULL },
};

const rap_service rap__ask_service = {
    .name = "ask",
    .start = start,
    .drain = drain,
    .stop = stop,
    .halt = settle_all,
    .actor_end = actor_end,
    .actor_ops = actor_ops,
};
