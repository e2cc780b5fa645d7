/* system/supervise.c -- supervision: what a supervised actor keeps for a
 * restart, what a supervisor keeps of its children, and carrying out the
 * decisions (resume, restart under the same id, stop, escalate).
 *
 * Owns:       on a child's rank, each supervised actor's supervisor and
 *             spawn arguments (by id); on a supervisor's rank, each
 *             supervisor's children in the order it heard of them and the
 *             times of its recent restarts.
 * Invariants: a failed supervised child is suspended: the runner keeps
 *             its user messages (in order, rap__mig_defer) until its
 *             supervisor's decision, a RAP_SYS_SUPERVISE from the
 *             supervisor, reaches it; a restart runs fini, zeroes the
 *             state and runs init with the kept arguments in the actor's
 *             own turn, so its id, mailbox and kept messages stay.  A child
 *             tells its supervisor when it is made and when it ends
 *             (RAP_SYS_CHILD; directly when both are on one rank), and
 *             a supervisor that ends stops its children.  More than the
 *             type's restarts within its window escalate: the supervisor
 *             stops its children and fails itself (RAP_EGAVEUP); past a
 *             supervisor nobody supervises, the job stops with status 1.
 * Threads:    the calls on the worker running the actor concerned; one
 *             lock over both tables; messages sent after it is dropped.
 * Uses:       system/node.h, system/migrate.h, actor/, msg/, util/.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "system/migrate.h"
#include "system/node.h"
#include "util/clock.h"
#include "util/u64map.h"

typedef struct child_rec {
    rap_aid parent;
    uint32_t seq;
    size_t len;
    unsigned char arg[];
} child_rec;

typedef struct kid_rec {
    uint32_t seq; /* the order its supervisor spawned it in (a group's members share one) */
    rap_aid aid;
} kid_rec;

typedef struct sup_rec {
    kid_rec *kids;    /* by (seq, aid) */
    size_t n, cap;
    uint32_t next_seq;
    uint64_t *times; /* the last max_restarts restarts, a ring */
    uint32_t ntimes, next;
} sup_rec;

static struct {
    pthread_mutex_t lock;
    rap_u64map children; /* supervised actor here -> child_rec * */
    rap_u64map sups;     /* supervisor here -> sup_rec * */
} S = { .lock = PTHREAD_MUTEX_INITIALIZER };

_Atomic bool rap__sup_quiet;

/* A failure's code as text: its RAP_E* name, or the number a handler returned. */
static const char *code_str(int code, char *buf, size_t n)
{
    if (code == RAP_OK || strcmp(rap_err_name(code), "RAP_E?") != 0)
        return rap_err_name(code);
    snprintf(buf, n, "code %d", code);
    return buf;
}

static const char *action_name(int action)
{
    return action == RAP_RESUME ? "resume" : action == RAP_RESTART ? "restart" : action == RAP_STOP ? "stop"
                                                                                                    : "escalate";
}

/* ------------------------------------------------- a supervisor's children */

static sup_rec *sup_locked(rap_aid sup, bool make)
{
    uint64_t v;
    sup_rec *r;

    if (rap__u64map_get(&S.sups, sup, &v))
        return (sup_rec *)(uintptr_t)v;
    if (!make || (r = calloc(1, sizeof(*r))) == NULL)
        return NULL;
    if (rap__u64map_put(&S.sups, sup, (uint64_t)(uintptr_t)r) != RAP_OK) {
        free(r);
        return NULL;
    }
    return r;
}

uint32_t rap__sup_seq(const rap_ctx *ctx)
{
    uint32_t seq = 0;
    sup_rec *r;

    if (ctx == NULL || ctx->actor == NULL || ctx->actor->type->strategy == 0)
        return 0;
    pthread_mutex_lock(&S.lock);
    if ((r = sup_locked(atomic_load_explicit(&ctx->actor->aid, memory_order_relaxed), true)) != NULL)
        seq = ++r->next_seq;
    pthread_mutex_unlock(&S.lock);
    return seq != 0 ? seq : UINT32_MAX; /* out of memory: last */
}

static bool before(uint32_t seq, rap_aid aid, const kid_rec *k)
{
    return seq < k->seq || (seq == k->seq && aid < k->aid);
}

/* Where (seq, aid) is or would go in r's children: a binary search. */
static size_t kid_pos(const sup_rec *r, uint32_t seq, rap_aid aid)
{
    size_t lo = 0, hi = r->n;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (before(seq, aid, &r->kids[mid]) || (r->kids[mid].seq == seq && r->kids[mid].aid == aid))
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Remove `aid` from r's children: at its place by `seq`, or among those a
 * failure added before its notice came (seq UINT32_MAX, at the end). */
static void kid_remove_locked(sup_rec *r, rap_aid aid, uint32_t seq)
{
    size_t i = kid_pos(r, seq, aid);

    if (i == r->n || r->kids[i].aid != aid) {
        for (i = r->n; i > 0 && r->kids[i - 1].seq == UINT32_MAX; i--)
            if (r->kids[i - 1].aid == aid)
                break;
        if (i == 0 || r->kids[i - 1].aid != aid)
            return; /* not a child (any more) */
        i--;
    }
    memmove(&r->kids[i], &r->kids[i + 1], (r->n - i - 1) * sizeof(*r->kids));
    r->n--;
}

/* Add `aid` (spawned `seq`-th; UINT32_MAX: not known yet, a failure came
 * first) to `sup`'s children, in spawn order. */
void rap__sup_kid_add(rap_aid sup, rap_aid aid, uint32_t seq)
{
    sup_rec *r;
    size_t at;

    pthread_mutex_lock(&S.lock);
    if ((r = sup_locked(sup, true)) == NULL)
        goto out;
    if (seq == UINT32_MAX) { /* rare: a failure before the notice */
        for (size_t i = 0; i < r->n; i++)
            if (r->kids[i].aid == aid)
                goto out;
    } else {
        kid_remove_locked(r, aid, UINT32_MAX); /* one a failure added first takes its place */
    }
    at = kid_pos(r, seq, aid);
    if (at < r->n && r->kids[at].aid == aid && r->kids[at].seq == seq)
        goto out;
    if (r->n == r->cap) {
        size_t ncap = r->cap ? 2 * r->cap : 8;
        kid_rec *k = realloc(r->kids, ncap * sizeof(*k));
        if (k == NULL)
            goto out;
        r->kids = k, r->cap = ncap;
    }
    memmove(&r->kids[at + 1], &r->kids[at], (r->n - at) * sizeof(*r->kids));
    r->kids[at] = (kid_rec){ seq, aid };
    r->n++;
out:
    pthread_mutex_unlock(&S.lock);
}

static void kid_del(rap_aid sup, rap_aid aid, uint32_t seq)
{
    sup_rec *r;

    pthread_mutex_lock(&S.lock);
    if ((r = sup_locked(sup, false)) != NULL)
        kid_remove_locked(r, aid, seq);
    pthread_mutex_unlock(&S.lock);
}

/* Take `sup`'s children (all, or from `from` on); the caller frees. */
static rap_aid *kids_take(rap_aid sup, rap_aid from, bool remove, size_t *n_out)
{
    rap_aid *out = NULL;
    sup_rec *r;
    size_t first = 0;

    *n_out = 0;
    pthread_mutex_lock(&S.lock);
    if ((r = sup_locked(sup, false)) != NULL) {
        if (from != RAP_AID_NONE)
            while (first < r->n && r->kids[first].aid != from)
                first++;
        if (first < r->n && (out = malloc((r->n - first) * sizeof(*out))) != NULL) {
            for (size_t i = first; i < r->n; i++)
                out[i - first] = r->kids[i].aid;
            *n_out = r->n - first;
        }
        if (remove) {
            rap__u64map_del(&S.sups, sup, NULL);
            free(r->kids);
            free(r->times);
            free(r);
        }
    }
    pthread_mutex_unlock(&S.lock);
    return out;
}

/* Whether one more restart now is past `at`'s intensity; if not, it is
 * counted. */
static bool too_many(rap_aid sup, const rap_actor_type *at)
{
    uint64_t now = rap__now_ns();
    bool over = false;
    sup_rec *r;

    pthread_mutex_lock(&S.lock);
    if ((r = sup_locked(sup, true)) != NULL) {
        if (r->times == NULL)
            r->times = calloc(at->max_restarts, sizeof(*r->times));
        if (r->times != NULL) {
            /* Full, and the oldest of the last max_restarts within the window. */
            over = r->ntimes == at->max_restarts && now - r->times[r->next] < at->within_ns;
            if (!over) {
                r->times[r->next] = now;
                r->next = (r->next + 1) % at->max_restarts;
                if (r->ntimes < at->max_restarts)
                    r->ntimes++;
            }
        }
    }
    pthread_mutex_unlock(&S.lock);
    return over;
}

static void decide_for(rap_aid sup, rap_aid kid, int action)
{
    rap_wire_sup w = { .action = action };

    if (rap__sys_send(RAP_KIND_SYS_ACTION, RAP_SYS_SUPERVISE, kid, sup, &w, sizeof(w)) != RAP_OK)
        rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "out of memory sending a supervisor's decision");
}

/* Stop every child of `sup` and forget them. */
static void stop_kids(rap_aid sup)
{
    size_t n;
    rap_aid *kids = kids_take(sup, RAP_AID_NONE, true, &n);

    for (size_t i = 0; i < n; i++)
        decide_for(sup, kids[i], RAP_STOP);
    free(kids);
}

/* ------------------------------------------------------- a child's side */

static void tell_parent(rap_aid parent, rap_aid child, uint32_t op, uint32_t seq)
{
    rap_wire_child w = { .child = child, .op = op, .seq = seq };
    rap_actor *p = rap__table_acquire(g_node.table, parent);

    if (p != NULL) { /* here: at once */
        rap__table_release(p);
        if (op == RAP_CHILD_MADE)
            rap__sup_kid_add(parent, child, seq);
        else
            kid_del(parent, child, seq);
        return;
    }
    if (rap__sys_send(RAP_KIND_SYS_ACTION, RAP_SYS_CHILD, parent, child, &w, sizeof(w)) != RAP_OK)
        rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "out of memory telling a supervisor of its child");
}

void rap__sup_made(rap_actor *a, rap_aid parent, uint32_t seq, const void *arg, size_t len)
{
    rap_aid aid = atomic_load_explicit(&a->aid, memory_order_relaxed);
    child_rec *c = malloc(sizeof(*c) + len);

    a->supervised = true;
    if (c == NULL) {
        rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "out of memory: a supervised actor cannot be restarted");
    } else {
        c->parent = parent;
        c->seq = seq;
        c->len = len;
        if (len > 0)
            memcpy(c->arg, arg, len);
        pthread_mutex_lock(&S.lock);
        if (rap__u64map_put(&S.children, aid, (uint64_t)(uintptr_t)c) != RAP_OK)
            free(c);
        pthread_mutex_unlock(&S.lock);
    }
    if (!rap__aid_is_group(aid)) /* a group's creator listed its members itself */
        tell_parent(parent, aid, RAP_CHILD_MADE, seq);
}

/* Report a failure (or a permanent child's exit: code RAP_OK, type 0) to
 * the supervisor; the event's cookie is the child's restart type. */
static void report(rap_actor *a, uint32_t msg_type, int code)
{
    char self[RAP_AID_STR_MAX], type[RAP_NAME_MAX], c[32];
    rap_aid aid = atomic_load_explicit(&a->aid, memory_order_relaxed);

    rap__log(RAP_LOG_WARN, RAP_AID_NONE, "actor %s (%s) %s%s%s (%s); its supervisor decides",
             rap__aid_str(aid, self, sizeof(self)), a->type->name, code == RAP_OK ? "exited" : "failed",
             msg_type != 0 ? " on " : "", msg_type != 0 ? rap__msg_name(msg_type, type, sizeof(type)) : "",
             code == RAP_OK ? "a permanent child" : code_str(code, c, sizeof(c)));
    rap__send_error(a->parent, RAP_KIND_ACTOR_ERROR, 0, RAP_ERROR_CHILD, code, aid, msg_type,
                    (uint64_t)a->type->restart);
}

bool rap__sup_failed(rap_ctx *ctx, rap_actor *a, uint32_t msg_type, int code)
{
    (void)ctx;
    if (!a->supervised)
        return false;
    if (a->type->restart == RAP_TEMPORARY) { /* never restarted: it ends */
        a->exiting = true;
        a->destroyed = true;
    } else {
        a->suspended = true;
    }
    report(a, msg_type, code);
    return true;
}

bool rap__sup_exits(rap_ctx *ctx, rap_actor *a)
{
    (void)ctx;
    if (a->destroyed || a->type->restart != RAP_PERMANENT || atomic_load(&g_node.stopping))
        return false;
    a->exiting = false;
    a->suspended = true;
    report(a, 0, RAP_OK);
    return true;
}

/* RAP_RESTART reached `a`: a fresh start under its id. */
static void restart(rap_ctx *ctx, rap_actor *a)
{
    rap_aid aid = atomic_load_explicit(&a->aid, memory_order_relaxed);
    char self[RAP_AID_STR_MAX];
    void *arg = NULL;
    size_t len = 0;
    bool known;
    uint64_t v;
    int rc = RAP_OK;

    if (a->type->strategy != 0)
        stop_kids(aid); /* a supervisor starts again without children */
    pthread_mutex_lock(&S.lock);
    known = rap__u64map_get(&S.children, aid, &v);
    if (known && (len = ((child_rec *)(uintptr_t)v)->len) > 0 && (arg = malloc(len)) != NULL)
        memcpy(arg, ((child_rec *)(uintptr_t)v)->arg, len);
    pthread_mutex_unlock(&S.lock);
    if (!known || (len > 0 && arg == NULL)) {
        rap__log(RAP_LOG_WARN, RAP_AID_NONE, "actor %s (%s): restarted without its spawn arguments (%s)",
                 rap__aid_str(aid, self, sizeof(self)), a->type->name,
                 known ? "out of memory" : "they stay on the rank that made it");
        len = 0;
    }
    if (a->type->fini != NULL)
        a->type->fini(ctx, a->state);
    if (a->type->state_size > 0)
        memset(a->state, 0, a->type->state_size);
    a->suspended = false;
    if (a->type->init != NULL)
        rc = a->type->init(ctx, a->state, arg, len);
    free(arg);
    if (rc != RAP_OK) {
        rap__sup_failed(ctx, a, 0, rc > 0 || rc < RAP_EGAVEUP ? RAP_EHANDLER : rc);
        return;
    }
    rap__mig_redeliver(a); /* what waited comes next, in order */
}

void rap__sup_op(rap_ctx *ctx, rap_actor *a, const rap_env *env)
{
    rap_aid aid = atomic_load_explicit(&a->aid, memory_order_relaxed);
    char self[RAP_AID_STR_MAX], from[RAP_NAME_MAX];

    if (env->hdr.type == RAP_SYS_CHILD) {
        rap_wire_child w;
        memcpy(&w, rap__env_cpayload(env), sizeof(w));
        if (w.op == RAP_CHILD_MADE)
            rap__sup_kid_add(aid, w.child, w.seq);
        else
            kid_del(aid, w.child, w.seq);
        return;
    }
    rap_wire_sup w;
    memcpy(&w, rap__env_cpayload(env), sizeof(w));
    if (env->hdr.from != a->parent || !a->supervised) {
        rap__log(RAP_LOG_WARN, RAP_AID_NONE, "actor %s (%s): a decision (%s) from %s, which is not its supervisor: ignored",
                 rap__aid_str(aid, self, sizeof(self)), a->type->name, action_name(w.action),
                 rap__actor_name(env->hdr.from, from, sizeof(from)));
        return;
    }
    switch (w.action) {
    case RAP_RESUME:
        a->suspended = false;
        rap__mig_redeliver(a);
        break;
    case RAP_RESTART:
        restart(ctx, a);
        break;
    default:
        a->exiting = true;
        a->destroyed = true;
        break;
    }
}

/* -------------------------------------------------- a supervisor's side */

/* `a` gives up: its children stop and it fails to its own supervisor, or,
 * with none that supervises, the job stops. */
static void escalate(rap_ctx *ctx, rap_actor *a, const rap_error_event *ev)
{
    rap_aid aid = atomic_load_explicit(&a->aid, memory_order_relaxed);
    char self[RAP_AID_STR_MAX], kid[RAP_NAME_MAX], c[32];

    stop_kids(aid);
    if (rap__sup_failed(ctx, a, 0, RAP_EGAVEUP))
        return;
    rap__log(RAP_LOG_ERROR, RAP_AID_NONE,
             "supervisor %s (%s) gave up (child %s failed: %s) and no actor supervises it: stopping the job "
             "(exit status 1)",
             rap__aid_str(aid, self, sizeof(self)), a->type->name, rap__actor_name(ev->actor, kid, sizeof(kid)),
             code_str(ev->code, c, sizeof(c)));
    rap_stop_with(ctx, 1);
}

bool rap__sup_child_failed(rap_ctx *ctx, rap_actor *a, const rap_error_event *ev)
{
    rap_aid aid = atomic_load_explicit(&a->aid, memory_order_relaxed), *kids;
    const rap_actor_type *at = a->type;
    char self[RAP_AID_STR_MAX], kid[RAP_NAME_MAX], c[32];
    int d;
    size_t n;

    if (a->suspended) { /* failed itself: its own supervisor decides first, then this */
        if (ctx->cur == NULL || rap__mig_defer(a, ctx->cur) != RAP_OK)
            rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "supervisor %s (%s): a child's failure lost (out of memory)",
                     rap__aid_str(aid, self, sizeof(self)), at->name);
        return true;
    }
    rap__sup_kid_add(aid, ev->actor, UINT32_MAX); /* its notice may come later: last until then */
    if (ev->cookie == RAP_TEMPORARY) /* it ends by itself */
        return true;
    d = at->decide != NULL ? at->decide(ctx, a->state, ev) : RAP_RESTART;
    if (d < RAP_RESUME || d > RAP_ESCALATE)
        d = RAP_RESTART;
    if (d == RAP_RESTART && too_many(aid, at)) {
        rap__log(RAP_LOG_WARN, RAP_AID_NONE, "supervisor %s (%s): more than %u restarts in %.3f s: escalating",
                 rap__aid_str(aid, self, sizeof(self)), at->name, at->max_restarts, (double)at->within_ns * 1e-9);
        d = RAP_ESCALATE;
    }
    rap__log(RAP_LOG_INFO, RAP_AID_NONE, "supervisor %s (%s): child %s %s (%s): %s",
             rap__aid_str(aid, self, sizeof(self)), at->name, rap__actor_name(ev->actor, kid, sizeof(kid)),
             ev->code == RAP_OK ? "exited" : "failed", code_str(ev->code, c, sizeof(c)), action_name(d));
    switch (d) {
    case RAP_RESUME:
    case RAP_STOP:
        decide_for(aid, ev->actor, d);
        break;
    case RAP_RESTART:
        if (at->strategy == RAP_ONE_FOR_ONE) {
            decide_for(aid, ev->actor, RAP_RESTART);
            break;
        }
        kids = kids_take(aid, at->strategy == RAP_REST_FOR_ONE ? ev->actor : RAP_AID_NONE, false, &n);
        for (size_t i = 0; i < n; i++)
            decide_for(aid, kids[i], RAP_RESTART);
        free(kids);
        break;
    default:
        escalate(ctx, a, ev);
        break;
    }
    return true;
}

/* ------------------------------------------------------------- an end */

void rap__sup_end(rap_actor *a)
{
    rap_aid aid = atomic_load_explicit(&a->aid, memory_order_relaxed), parent = RAP_AID_NONE;
    child_rec *c = NULL;
    uint32_t seq = 0;
    uint64_t v;

    pthread_mutex_lock(&S.lock);
    if (rap__u64map_del(&S.children, aid, &v))
        c = (child_rec *)(uintptr_t)v;
    pthread_mutex_unlock(&S.lock);
    if (c != NULL) {
        parent = c->parent;
        seq = c->seq;
        free(c);
    }
    if (a->supervised && parent != RAP_AID_NONE && !atomic_load(&g_node.stopping) && !rap__sup_quiet)
        tell_parent(parent, aid, RAP_CHILD_ENDED, seq);
    if (a->type->strategy != 0) {
        if (atomic_load(&g_node.stopping) || rap__sup_quiet)
            free(kids_take(aid, RAP_AID_NONE, true, &(size_t){ 0 })); /* they end with the job */
        else
            stop_kids(aid);
    }
}

void rap__sup_free(void)
{
    pthread_mutex_lock(&S.lock);
    for (size_t i = 0; i < S.children.cap; i++)
        if (S.children.keys[i] != 0)
            free((child_rec *)(uintptr_t)S.children.vals[i]);
    for (size_t i = 0; i < S.sups.cap; i++)
        if (S.sups.keys[i] != 0) {
            sup_rec *r = (sup_rec *)(uintptr_t)S.sups.vals[i];
            free(r->kids);
            free(r->times);
            free(r);
        }
    rap__u64map_free(&S.children);
    rap__u64map_free(&S.sups);
    atomic_store(&rap__sup_quiet, false);
    pthread_mutex_unlock(&S.lock);
}
