/* services/monitor.c -- monitors (rap_monitor): an actor watches another,
 * on any rank, and hears when it ends.
 *
 * Owns:       the monitors of the actors whose home is this rank: a map
 *             from a watched actor to its watchers.
 * Invariants: a monitor is kept at the watched actor's home, which hears
 *             of its end wherever it ends (here: its teardown; elsewhere,
 *             after it moved: the directory's note that it is gone), so a
 *             monitor follows a moving actor.  A watcher gets exactly one
 *             RAP_ERROR_DOWN per rap_monitor: RAP_OK when the actor ends,
 *             RAP_EDEAD when it was gone when the request came.  The
 *             request is kept before the check that the actor lives (an end
 *             between the two finds it), and whichever of the end and the
 *             check takes it from the map sends the event.
 * Threads:    RAP_SYS_MONITOR on the worker running the System actor;
 *             actor_end on the ending actor's worker, or on the thread that
 *             took in the directory's note; stop on rap_finalize's.
 * Uses:       system/node.h, system/directory.h, system/service.h, msg/,
 *             util/u64map.h, the public API.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "msg/aid.h"
#include "msg/proto.h"
#include "services/services.h"
#include "system/directory.h"
#include "system/node.h"
#include "util/u64map.h"

typedef struct watchers {
    rap_aid *w;
    size_t n, cap;
} watchers;

static struct {
    pthread_mutex_t lock;
    rap_u64map by_target; /* watched actor -> watchers * */
} M = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void down(rap_aid watcher, rap_aid target, int code)
{
    rap__send_error(watcher, RAP_KIND_ACTOR_ERROR, 0, RAP_ERROR_DOWN, code, target, 0, 0);
}

int rap_monitor(rap_ctx *ctx, rap_aid aid)
{
    rap_wire_monitor w;

    if (!rap__node_up())
        return RAP_ESTATE;
    if (ctx == NULL || ctx->actor == NULL || !rap__aid_valid(aid, g_node.size) || rap__aid_is_runtime(aid))
        return RAP_EINVAL;
    w = (rap_wire_monitor){ .target = aid, .watcher = rap__ctx_aid(ctx) };
    return rap__sys_send(RAP_KIND_SYS_ACTION, RAP_SYS_MONITOR, rap__aid_system((int)RAP_AID_RANK(aid)), w.watcher,
                         &w, sizeof(w));
}

/* Add `watcher` to `target`'s list; false when out of memory. */
static bool keep(rap_aid target, rap_aid watcher)
{
    watchers *l = NULL;
    uint64_t v;
    bool ok = false;

    pthread_mutex_lock(&M.lock);
    if (rap__u64map_get(&M.by_target, target, &v)) {
        l = (watchers *)(uintptr_t)v;
    } else if ((l = calloc(1, sizeof(*l))) != NULL) {
        if (rap__u64map_put(&M.by_target, target, (uint64_t)(uintptr_t)l) != RAP_OK) {
            free(l);
            l = NULL;
        } else {
            atomic_fetch_add(&g_node.by_actor, 1);
        }
    }
    if (l != NULL && l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        rap_aid *p = realloc(l->w, cap * sizeof(*p));
        if (p != NULL) {
            l->w = p;
            l->cap = cap;
        }
    }
    if (l != NULL && l->n < l->cap) {
        l->w[l->n++] = watcher;
        ok = true;
    }
    pthread_mutex_unlock(&M.lock);
    return ok;
}

/* Take one `watcher` entry back from `target`'s list: true if it was there. */
static bool take_back(rap_aid target, rap_aid watcher)
{
    bool found = false;
    uint64_t v;

    pthread_mutex_lock(&M.lock);
    if (rap__u64map_get(&M.by_target, target, &v)) {
        watchers *l = (watchers *)(uintptr_t)v;
        for (size_t i = 0; i < l->n && !found; i++)
            if (l->w[i] == watcher) {
                l->w[i] = l->w[--l->n];
                found = true;
            }
        if (l->n == 0) {
            rap__u64map_del(&M.by_target, target, NULL);
            atomic_fetch_sub(&g_node.by_actor, 1);
            free(l->w);
            free(l);
        }
    }
    pthread_mutex_unlock(&M.lock);
    return found;
}

/* Whether `aid` (whose home is this rank) lives: here, or where it moved. */
static bool alive(rap_aid aid)
{
    return rap__actor_type_of(aid) != 0 || (rap__aid_movable(aid) && rap__dir_get(aid) >= 0);
}

/* RAP_SYS_MONITOR at the watched actor's home (the wire checked it). */
static void op_monitor(rap_ctx *ctx, const rap_env *env)
{
    rap_wire_monitor w;

    (void)ctx;
    memcpy(&w, rap__env_cpayload(env), sizeof(w));
    if (!keep(w.target, w.watcher)) {
        rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "monitor: out of memory: a monitor was not kept");
        return;
    }
    if (!alive(w.target) && take_back(w.target, w.watcher))
        down(w.watcher, w.target, RAP_EDEAD);
}

static void actor_end(rap_aid aid)
{
    watchers *l = NULL;
    uint64_t v;

    pthread_mutex_lock(&M.lock);
    if (rap__u64map_del(&M.by_target, aid, &v)) {
        l = (watchers *)(uintptr_t)v;
        atomic_fetch_sub(&g_node.by_actor, 1);
    }
    pthread_mutex_unlock(&M.lock);
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n; i++)
        down(l->w[i], aid, RAP_OK);
    free(l->w);
    free(l);
}

static void stop(void)
{
    pthread_mutex_lock(&M.lock);
    for (size_t i = 0; i < M.by_target.cap; i++)
        if (M.by_target.keys[i] != 0) {
            watchers *l = (watchers *)(uintptr_t)M.by_target.vals[i];
            free(l->w);
            free(l);
        }
    if (M.by_target.count > 0)
        atomic_fetch_sub(&g_node.by_actor, M.by_target.count);
    rap__u64map_free(&M.by_target);
    pthread_mutex_unlock(&M.lock);
}

static const rap_service_op ops[] = {
    { RAP_SYS_MONITOR, op_monitor },
    { 0, NULL },
};

const rap_service rap__monitor_service = {
    .name = "monitor",
    .ops = ops,
    .stop = stop,
    .actor_end = actor_end,
};
