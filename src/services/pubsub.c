/* services/pubsub.c -- publish / subscribe by topic (rap_subscribe,
 * rap_unsubscribe, rap_publish): each rank keeps its own subscribers, and
 * which other ranks have subscribers of each topic.
 *
 * Owns:       the rank's topics: for each (by a 64-bit hash of its name)
 *             the actors of this rank subscribed to it and the other ranks
 *             that have subscribers; each subscribed actor's count of
 *             topics (for its end).
 * Invariants: a rank tells every other rank (RAP_SYS_SUB, System actor to
 *             System actor) when it gets its first subscriber of a topic
 *             and when it loses its last, so each rank's list of ranks to
 *             publish to follows the others' in the order of their
 *             changes (sent under the lock, past the outbox).  A
 *             publication goes to this rank's subscribers as
 *             the publisher's own sends and, as one RAP_SYS_PUBLISH, to the
 *             System actor of each other rank on the list, which hands a
 *             copy to each of its subscribers in arrival order: one
 *             publisher's publications reach each subscriber in order.
 *             The lists are read under the lock and the messages sent
 *             after it is dropped.
 * Threads:    the calls on the caller's thread; RAP_SYS_SUB and
 *             RAP_SYS_PUBLISH on the worker running the System actor;
 *             actor_end on the ending actor's worker; stop on rap_finalize's.
 * Uses:       system/node.h, system/service.h, msg/, util/, the public API.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "msg/aid.h"
#include "msg/proto.h"
#include "services/services.h"
#include "system/node.h"
#include "util/hash.h"
#include "util/u64map.h"

typedef struct topic {
    uint64_t id;
    rap_aid *subs;  /* this rank's subscribers, in the order they subscribed */
    size_t nsubs, capsubs;
    int *ranks;     /* the other ranks with subscribers */
    size_t nranks, capranks;
} topic;

static struct {
    pthread_mutex_t lock;
    rap_u64map topics;  /* topic id -> topic * */
    rap_u64map counts;  /* subscribed actor -> its number of topics */
    int rank, size;
} P = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int topic_id(const char *name, uint64_t *id)
{
    if (name == NULL || name[0] == '\0' || strlen(name) > RAP_TOPIC_MAX)
        return RAP_EINVAL;
    *id = rap__hash_name64(name);
    if (*id == 0)
        *id = 1; /* 0 is no topic */
    return RAP_OK;
}

static topic *find_locked(uint64_t id, bool make)
{
    uint64_t v;
    topic *t;

    if (rap__u64map_get(&P.topics, id, &v))
        return (topic *)(uintptr_t)v;
    if (!make || (t = calloc(1, sizeof(*t))) == NULL)
        return NULL;
    t->id = id;
    if (rap__u64map_put(&P.topics, id, (uint64_t)(uintptr_t)t) != RAP_OK) {
        free(t);
        return NULL;
    }
    return t;
}

static bool grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    size_t ncap;
    void *p;

    if (n < *cap)
        return true;
    ncap = *cap ? *cap * 2 : 8;
    if ((p = realloc(*arr, ncap * elem)) == NULL)
        return false;
    *arr = p;
    *cap = ncap;
    return true;
}

/* Tell every other rank that this one has (on) or no longer has (off)
 * subscribers of `id`.  Under the lock, and past the outbox (a handler's
 * held sends go out when it returns): each rank gets this rank's changes
 * in the order they happened, whichever workers made them. */
static void announce_locked(uint64_t id, bool on)
{
    rap_wire_sub w = { .topic = id, .rank = P.rank, .on = on ? 1u : 0u };

    for (int r = 0; r < P.size; r++) {
        rap_env *env;
        if (r == P.rank)
            continue;
        if ((env = rap__env_alloc(sizeof(w))) == NULL) {
            rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "pubsub: out of memory telling rank %d of a subscription", r);
            continue;
        }
        memcpy(rap__env_payload(env), &w, sizeof(w));
        rap__env_set(env, RAP_KIND_SYS_ACTION, RAP_SYS_SUB, rap__aid_system(r), rap__aid_system(P.rank));
        rap__transmit(r, env);
    }
}

/* Take `aid` off topic t (under the lock); true if t has no subscriber
 * of this rank left. */
static bool remove_sub_locked(topic *t, rap_aid aid)
{
    uint64_t n;

    for (size_t i = 0; i < t->nsubs; i++)
        if (t->subs[i] == aid) {
            memmove(&t->subs[i], &t->subs[i + 1], (t->nsubs - i - 1) * sizeof(*t->subs));
            t->nsubs--;
            if (rap__u64map_get(&P.counts, aid, &n)) {
                if (n <= 1) {
                    rap__u64map_del(&P.counts, aid, NULL);
                    atomic_fetch_sub(&g_node.by_actor, 1);
                } else {
                    rap__u64map_put(&P.counts, aid, n - 1);
                }
            }
            return t->nsubs == 0;
        }
    return false;
}

/* ------------------------------------------------------------ the calls */

int rap_subscribe(rap_ctx *ctx, const char *name)
{
    rap_aid me = rap__ctx_aid(ctx);
    uint64_t id, n = 0;
    topic *t;
    int rc;

    if (!rap__node_up())
        return RAP_ESTATE;
    if (me == RAP_AID_NONE || (rc = topic_id(name, &id)) != RAP_OK)
        return RAP_EINVAL;
    pthread_mutex_lock(&P.lock);
    rc = RAP_ENOMEM;
    if ((t = find_locked(id, true)) != NULL) {
        rc = RAP_OK;
        for (size_t i = 0; i < t->nsubs; i++)
            if (t->subs[i] == me)
                rc = RAP_EEXIST;
        if (rc == RAP_OK && !grow((void **)&t->subs, &t->capsubs, t->nsubs, sizeof(*t->subs)))
            rc = RAP_ENOMEM;
        rap__u64map_get(&P.counts, me, &n);
        if (rc == RAP_OK && rap__u64map_put(&P.counts, me, n + 1) != RAP_OK)
            rc = RAP_ENOMEM;
        if (rc == RAP_OK) {
            if (n == 0)
                atomic_fetch_add(&g_node.by_actor, 1);
            t->subs[t->nsubs++] = me;
            if (t->nsubs == 1)
                announce_locked(id, true);
        }
    }
    pthread_mutex_unlock(&P.lock);
    return rc;
}

int rap_unsubscribe(rap_ctx *ctx, const char *name)
{
    rap_aid me = rap__ctx_aid(ctx);
    bool was = false;
    uint64_t id;
    topic *t;

    if (!rap__node_up())
        return RAP_ESTATE;
    if (me == RAP_AID_NONE || topic_id(name, &id) != RAP_OK)
        return RAP_EINVAL;
    pthread_mutex_lock(&P.lock);
    if ((t = find_locked(id, false)) != NULL) {
        size_t before = t->nsubs;
        if (remove_sub_locked(t, me))
            announce_locked(id, false);
        was = t->nsubs < before;
    }
    pthread_mutex_unlock(&P.lock);
    return was ? RAP_OK : RAP_EINVAL;
}

/* The subscribers and ranks of `id` now (copies, for sending unlocked). */
static int snapshot(uint64_t id, bool ranks_too, rap_aid **subs, size_t *nsubs, int **ranks, size_t *nranks)
{
    topic *t;
    int rc = RAP_OK;

    *subs = NULL;
    *ranks = NULL;
    *nsubs = *nranks = 0;
    pthread_mutex_lock(&P.lock);
    if ((t = find_locked(id, false)) != NULL) {
        if (t->nsubs > 0 && (*subs = malloc(t->nsubs * sizeof(**subs))) == NULL)
            rc = RAP_ENOMEM;
        else if (ranks_too && t->nranks > 0 && (*ranks = malloc(t->nranks * sizeof(**ranks))) == NULL)
            rc = RAP_ENOMEM;
        if (rc == RAP_OK) {
            *nsubs = t->nsubs;
            memcpy(*subs, t->subs, t->nsubs * sizeof(**subs));
            if (ranks_too) {
                *nranks = t->nranks;
                memcpy(*ranks, t->ranks, t->nranks * sizeof(**ranks));
            }
        }
    }
    pthread_mutex_unlock(&P.lock);
    if (rc != RAP_OK) {
        free(*subs);
        free(*ranks);
        *subs = NULL;
        *ranks = NULL;
    }
    return rc;
}

int rap_publish(rap_ctx *ctx, const char *name, uint32_t type, const void *data, size_t len)
{
    rap_wire_pub w;
    rap_aid *subs;
    size_t nsubs, nranks;
    uint64_t id;
    int *ranks, rc;

    if (!rap__node_up())
        return RAP_ESTATE;
    if ((rc = rap__send_check(rap__aid_system(g_node.rank), type, data, len)) != RAP_OK)
        return rc;
    if (topic_id(name, &id) != RAP_OK)
        return RAP_EINVAL;
    if ((rc = snapshot(id, true, &subs, &nsubs, &ranks, &nranks)) != RAP_OK)
        return rc;
    /* Here: the publisher's own sends (its order with its other messages). */
    for (size_t i = 0; i < nsubs && rc == RAP_OK; i++)
        if ((rc = rap_send(ctx, subs[i], type, data, len)) == RAP_EDEAD)
            rc = RAP_OK; /* it ended meanwhile */
    w = (rap_wire_pub){ .topic = id, .type = type, .len = (uint32_t)len };
    for (size_t i = 0; i < nranks && rc == RAP_OK; i++)
        rc = rap__send_wrapped(ctx, RAP_KIND_SYS_ACTION, rap__aid_system(ranks[i]), RAP_SYS_PUBLISH, &w, sizeof(w),
                               data, len);
    free(subs);
    free(ranks);
    return rc;
}

/* ----------------------------------------------- from the other ranks */

/* RAP_SYS_SUB: a rank has subscribers of a topic now, or none any more. */
static void op_sub(rap_ctx *ctx, const rap_env *env)
{
    rap_wire_sub w;
    topic *t;

    (void)ctx;
    memcpy(&w, rap__env_cpayload(env), sizeof(w));
    pthread_mutex_lock(&P.lock);
    if ((t = find_locked(w.topic, w.on != 0)) != NULL) {
        size_t i = 0;
        while (i < t->nranks && t->ranks[i] != w.rank)
            i++;
        if (w.on && i == t->nranks) {
            if (grow((void **)&t->ranks, &t->capranks, t->nranks, sizeof(*t->ranks)))
                t->ranks[t->nranks++] = w.rank;
            else
                rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "pubsub: out of memory: rank %d's subscribers missed",
                         w.rank);
        } else if (!w.on && i < t->nranks) {
            t->ranks[i] = t->ranks[--t->nranks];
        }
    }
    pthread_mutex_unlock(&P.lock);
}

/* RAP_SYS_PUBLISH: a copy to each subscriber of this rank, from the
 * publisher. */
static void op_publish(rap_ctx *ctx, const rap_env *env)
{
    const char *data = (const char *)rap__env_cpayload(env) + sizeof(rap_wire_pub);
    rap_aid *subs;
    int *ranks;
    size_t nsubs, nranks;
    rap_wire_pub w;

    (void)ctx;
    memcpy(&w, rap__env_cpayload(env), sizeof(w));
    if (snapshot(w.topic, false, &subs, &nsubs, &ranks, &nranks) != RAP_OK) {
        rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "pubsub: out of memory: a publication dropped");
        return;
    }
    for (size_t i = 0; i < nsubs; i++)
        if (rap__sys_send(RAP_KIND_ACTOR_ACTION, w.type, subs[i], env->hdr.from, data, w.len) != RAP_OK)
            rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "pubsub: out of memory: a publication dropped");
    free(subs);
}

/* -------------------------------------------------------- the service */

static int start(const rap_config *cfg, int rank, int size, int workers)
{
    (void)cfg, (void)workers;
    P.rank = rank;
    P.size = size;
    return RAP_OK;
}

/* An ended actor leaves every topic it was subscribed to. */
static void actor_end(rap_aid aid)
{
    uint64_t n;

    pthread_mutex_lock(&P.lock);
    for (size_t i = 0; i < P.topics.cap && rap__u64map_get(&P.counts, aid, &n); i++) {
        if (P.topics.keys[i] == 0)
            continue;
        topic *t = (topic *)(uintptr_t)P.topics.vals[i];
        if (remove_sub_locked(t, aid))
            announce_locked(t->id, false);
    }
    pthread_mutex_unlock(&P.lock);
}

static void stop(void)
{
    pthread_mutex_lock(&P.lock);
    for (size_t i = 0; i < P.topics.cap; i++)
        if (P.topics.keys[i] != 0) {
            topic *t = (topic *)(uintptr_t)P.topics.vals[i];
            free(t->subs);
            free(t->ranks);
            free(t);
        }
    if (P.counts.count > 0)
        atomic_fetch_sub(&g_node.by_actor, P.counts.count);
    rap__u64map_free(&P.topics);
    rap__u64map_free(&P.counts);
    pthread_mutex_unlock(&P.lock);
}

static const rap_service_op ops[] = {
    { RAP_SYS_SUB, op_sub },
    { RAP_SYS_PUBLISH, op_publish },
    { 0, NULL },
};

const rap_service rap__pubsub_service = {
    .name = "pubsub",
    .ops = ops,
    .start = start,
    .stop = stop,
    .actor_end = actor_end,
};
