/* system/spawn.c -- actors' lives on this rank: create, hold during init,
 * tear down; and the public calls that start and end them (rap_spawn,
 * rap_spawn_on, rap_destroy, rap_exit) or the whole job (rap_stop).
 *
 * Owns:       the life of every actor on the rank.
 * Invariants: `active` rises before an actor is queued and falls only when
 *             its runner marks the mailbox empty or tears the actor down,
 *             so a rank with a message to handle is never idle.  A new
 *             actor with an init callback, or a supervised one, is held by
 *             its creator (its mailbox not marked empty) until init returns
 *             (its supervision set up first), so messages sent to it
 *             meanwhile wait; any other is published already marked empty.  Teardown removes the actor from the
 *             table first, so no push can start, then turns what is left in
 *             its mailbox into dead letters.
 * Threads:    any thread creates (the creator runs init); the actor's
 *             runner tears it down.
 * Uses:       system/node.h, actor/, msg/.
 */
#include <stdlib.h>
#include <string.h>

#include "system/migrate.h"
#include "system/node.h"
#include "system/probe.h"
#include "system/service.h"
#include "util/fatal.h"

void rap__actor_schedule(rap_actor *a)
{
    atomic_fetch_add(&g_node.active, 1);
    rap__sched_push(rap__sched_of(a), &a->task);
}

void rap__actor_teardown(rap_actor *a, int worker, bool call_fini)
{
    rap_ctx ctx = { .actor = a, .worker = worker };
    rap_aid aid = atomic_load_explicit(&a->aid, memory_order_relaxed);
    rap_env *env;

    rap__table_remove(g_node.table, a);
    if (call_fini && a->type->fini != NULL)
        a->type->fini(&ctx, a->state);
    if (a->supervised || a->type->strategy != 0)
        rap__sup_end(a); /* its supervisor hears; its children end */
    if (atomic_load_explicit(&g_node.by_actor, memory_order_relaxed) != 0)
        rap__services_actor_end(aid); /* its timers and requests, fini's included */
    rap__mig_gone(a); /* after fini: its sends are stamped */
    rap__probe_gone(a); /* its counts, fini's sends included */
    /* No push can start now: what is queued is final. */
    while ((env = rap__mailbox_pop(&a->mb)) != NULL) {
        rap__ctr_add(RAP_CTR_MAILBOX_OUT, 1);
        rap__dead_letter_report(env); /* the mailbox frees env at the next pop */
        rap__net_consumed(g_node.net, env);
    }
    rap__mailbox_destroy(&a->mb);
    free(a->state);
    rap__table_free(g_node.table, a);
    RAP_ASSERT(atomic_load(&g_node.active) > 0);
    atomic_fetch_sub(&g_node.active, 1);
}

/* Give up an actor its creator held during init (see mailbox.h). */
static void release_new(rap_actor *a)
{
    if (rap__mailbox_mark_empty(&a->mb))
        atomic_fetch_sub(&g_node.active, 1);
    else
        rap__sched_push(rap__sched_of(a), &a->task);
}

int rap__actor_create(uint32_t type, rap_aid parent, uint64_t serial, uint32_t sup_seq, const void *arg,
                      size_t len, int worker, rap_aid *aid_out)
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
    atomic_store_explicit(&a->prof.atype, at->id, memory_order_relaxed);
    atomic_store_explicit(&a->prof.state_bytes, at->state_size, memory_order_relaxed);
    a->parent = parent;
    a->task.run = rap__run_actor;
    if (at->state_size > 0 && (a->state = calloc(1, at->state_size)) == NULL) {
        rc = RAP_ENOMEM;
        goto free_actor;
    }
    if (at->init == NULL && sup_seq == 0) {
        /* Nothing runs before it is reachable: publish it idle, so that
         * the first message schedules it (no hold, no release). */
        rap__mailbox_init_empty(&a->mb);
        rc = rap__table_publish_marked(g_node.table, a, serial, at->movable ? RAP_SERIAL_MOVABLE : 0);
        if (rc != RAP_OK)
            goto free_mailbox;
        *aid_out = atomic_load_explicit(&a->aid, memory_order_relaxed);
        return RAP_OK;
    }
    rc = rap__mailbox_init(&a->mb);
    if (rc != RAP_OK)
        goto free_state;
    rc = rap__table_publish_marked(g_node.table, a, serial, at->movable ? RAP_SERIAL_MOVABLE : 0);
    if (rc != RAP_OK)
        goto free_mailbox;
    atomic_fetch_add(&g_node.active, 1); /* held by its creator during init (and its supervision's setup) */
    if (sup_seq != 0)
        rap__sup_made(a, parent, sup_seq, arg, len);
    {
        rap_ctx ctx = { .actor = a, .worker = worker };
        rc = at->init != NULL ? at->init(&ctx, a->state, arg, len) : RAP_OK;
        if (rc != RAP_OK) {
            if (rc > 0 || rc < RAP_EHANDLER)
                rc = RAP_EHANDLER;
            rap__actor_teardown(a, worker, false);
            return rc;
        }
    }
    *aid_out = atomic_load(&a->aid);
    if (a->exiting)
        rap__actor_teardown(a, worker, true);
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

int rap__actor_create_runtime(uint32_t type, uint64_t serial)
{
    rap_actor *a = rap__table_alloc(g_node.table);
    int rc;

    if (a == NULL)
        return RAP_ENOMEM;
    a->type = rap__atype_find(type);
    a->task.run = rap__run_actor;
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

/* An actor whose type has a fini gets a destroy message (fini runs on a
 * worker, as at any destroy); one without is left to rap__actors_free_all
 * once no worker runs: nothing of it runs, and a million of them end in a
 * table sweep instead of a million messages and turns. */
static void destroy_user_actor(rap_actor *a, void *arg)
{
    rap_env *env;

    (void)arg;
    if (a->type->id < RAP_TYPE_USER_MIN || a->type->fini == NULL)
        return;
    env = rap__env_alloc(0);
    if (env == NULL)
        return;
    rap__env_set(env, RAP_KIND_ACTOR_ACTION, RAP_MSG_DESTROY, atomic_load(&a->aid), RAP_AID_NONE);
    rap__ctr_add(RAP_CTR_MAILBOX_IN, 1);
    if (rap__mailbox_push(&a->mb, env))
        rap__actor_schedule(a);
}

void rap__actors_destroy_user(void)
{
    bool any = false; /* a walk of a million actors costs tens of ms: only when some type has a fini */
    for (size_t i = 0; i < rap__atype_count() && !any; i++)
        any = rap__atype_at(i)->id >= RAP_TYPE_USER_MIN && rap__atype_at(i)->fini != NULL;
    if (any)
        rap__table_foreach(g_node.table, destroy_user_actor, NULL);
}

/* Once no worker runs and the transport is gone: what the actor holds
 * goes back; its slot goes with the table (rap__table_destroy). */
static void release_actor(rap_actor *a, void *arg)
{
    (void)arg;
    rap__mig_free(a);
    rap__mailbox_destroy(&a->mb);
    free(a->state);
}

void rap__actors_free_all(void) { rap__table_foreach(g_node.table, release_actor, NULL); }

/* ------------------------------------------------------------ public API */

int rap_spawn(rap_ctx *ctx, uint32_t actor_type, const void *arg, size_t len, rap_aid *aid_out)
{
    if (!rap__node_up())
        return RAP_ESTATE;
    if (aid_out == NULL || (arg == NULL && len > 0))
        return RAP_EINVAL;
    return rap__actor_create(actor_type, rap__ctx_aid(ctx), 0, rap__sup_seq(ctx), arg, len, ctx ? ctx->worker : -1,
                             aid_out);
}

int rap_spawn_on(rap_ctx *ctx, int rank, uint32_t actor_type, const void *arg, size_t len,
                 uint64_t cookie)
{
    const rap_host *hosts;
    size_t nhosts;
    rap_wire_spawn req = { .actor_type = actor_type, .cookie = cookie };
    rap_env *env;

    if (!rap__node_up())
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
    req.supervised = rap__sup_seq(ctx);
    uint32_t op = RAP_SYS_SPAWN;
    rap_aid to;
    if (rank == RAP_ANY_RANK && nhosts > 1 && rap__probe_on()) {
        /* The least loaded host, by rank 0's cost model: the Profiler sends
         * the request on (services/balancer.c). */
        op = RAP_SYS_PLACE;
        to = rap__aid(0, RAP_SERIAL_PROFILER);
    } else if (rank == RAP_ANY_RANK) {
        uint32_t turn = atomic_fetch_add_explicit(&g_node.rr, 1, memory_order_relaxed);
        to = rap__aid_system(hosts[turn % nhosts].rank);
    } else {
        size_t i = 0;
        while (i < nhosts && hosts[i].rank != rank)
            i++;
        if (i == nhosts)
            return RAP_ENOHOST;
        to = rap__aid_system(rank);
    }
    env = rap__env_alloc(sizeof(req) + len);
    if (env == NULL)
        return RAP_ENOMEM;
    memcpy(rap__env_payload(env), &req, sizeof(req));
    if (len > 0)
        memcpy((char *)rap__env_payload(env) + sizeof(req), arg, len);
    rap__env_set(env, RAP_KIND_SYS_ACTION, op, to, rap__ctx_aid(ctx));
    rap__route(env);
    return RAP_OK;
}

int rap_destroy(rap_ctx *ctx, rap_aid aid)
{
    if (!rap__node_up())
        return RAP_ESTATE;
    if (!rap__aid_valid(aid, g_node.size) || rap__aid_is_runtime(aid))
        return RAP_EINVAL;
    /* An ActorActionMsg: it keeps its place among the caller's messages to
     * `aid`, across ranks too (and across moves: its sequence number). */
    if (rap__aid_movable(aid)) {
        rap_env *env = rap__env_alloc(0);
        int rc;
        if (env == NULL)
            return RAP_ENOMEM;
        rap__env_set(env, RAP_KIND_ACTOR_ACTION, RAP_MSG_DESTROY, aid, rap__ctx_aid(ctx));
        if ((rc = rap__mig_stamp(ctx, env)) != RAP_OK) {
            rap__env_free(env);
            return rc;
        }
        rap__route(env);
        return RAP_OK;
    }
    return rap__sys_send(RAP_KIND_ACTOR_ACTION, RAP_MSG_DESTROY, aid, rap__ctx_aid(ctx), NULL, 0);
}

int rap_exit(rap_ctx *ctx)
{
    if (ctx == NULL || ctx->actor == NULL)
        return RAP_EINVAL;
    ctx->actor->exiting = true;
    return RAP_OK;
}

int rap_exit_with(rap_ctx *ctx, int reason)
{
    if (ctx == NULL || ctx->actor == NULL)
        return RAP_EINVAL;
    if (reason == 0)
        ctx->actor->exiting = true;
    else
        ctx->fail = reason; /* the handler's failure when it returns (runner.c) */
    return RAP_OK;
}

void rap__node_stop(int status)
{
    int cur = atomic_load(&g_node.stop_status);

    while (cur < status && !atomic_compare_exchange_weak(&g_node.stop_status, &cur, status))
        ;
    atomic_store(&g_node.stopping, true);
    rap__services_halt(); /* pending timers would keep the rank from idling */
}

int rap_stop_with(rap_ctx *ctx, int status)
{
    rap_wire_stop st = { .status = status };

    if (!rap__node_up())
        return RAP_ESTATE;
    if (status < 0 || status > 255)
        return RAP_EINVAL;
    rap__node_stop(status);
    for (int r = 0; r < g_node.size; r++) {
        if (r == g_node.rank)
            continue;
        int rc = rap__sys_send(RAP_KIND_SYS_ACTION, RAP_SYS_STOP, rap__aid_system(r),
                               rap__ctx_aid(ctx), &st, sizeof(st));
        if (rc != RAP_OK)
            return rc;
    }
    return RAP_OK;
}

int rap_stop(rap_ctx *ctx) { return rap_stop_with(ctx, 0); }
