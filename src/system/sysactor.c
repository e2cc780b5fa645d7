/* system/sysactor.c -- the System actor: one per rank (serial 1), the
 * handler of every system operation addressed to its rank; and the
 * dispatch of system operations to the services that handle them (on the
 * System actor, or on a service's own actor).
 *
 * Owns:       the table from system operation to its handler.
 * Invariants: an operation reaches its handler only after the wire
 *             validated its payload (msg/wire.c) or the local sender built
 *             it; an operation with no handler is logged, never trusted.
 *             A handler runs on the worker running the System actor, one
 *             at a time, like any actor's.
 * Threads:    workers.
 * Uses:       system/node.h, actor/, msg/.
 */
#include <string.h>

#include "system/migrate.h"
#include "system/node.h"
#include "system/service.h"

typedef void (*sysop_fn)(rap_ctx *ctx, const rap_env *env);

/* A spawn request: create the actor here and answer the requester. */
static void op_spawn(rap_ctx *ctx, const rap_env *env)
{
    const rap_wire_hdr *h = &env->hdr;
    rap_wire_spawn req;
    rap_aid aid = RAP_AID_NONE;
    int rc;

    memcpy(&req, rap__env_cpayload(env), sizeof(req));
    if (atomic_load(&g_node.stopping))
        rc = RAP_ESTOPPED;
    else
        rc = rap__actor_create(req.actor_type, h->from, 0, req.supervised,
                               (const char *)rap__env_cpayload(env) + sizeof(req),
                               h->len - sizeof(req), ctx->worker, &aid);
    if (rc == RAP_OK && h->from != RAP_AID_NONE) {
        rap_spawned reply = { req.cookie, aid };
        if (rap__sys_send(RAP_KIND_SYS_ACTION, RAP_SYS_SPAWN_REPLY, h->from,
                          rap__aid_system(g_node.rank), &reply, sizeof(reply)) != RAP_OK)
            rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "out of memory answering a spawn request");
    } else if (rc != RAP_OK) {
        rap__send_error(h->from, RAP_KIND_SYS_ERROR, RAP_SYS_SPAWN_FAILED, RAP_ERROR_SPAWN, rc,
                        RAP_AID_NONE, req.actor_type, req.cookie);
    }
}

static void op_stop(rap_ctx *ctx, const rap_env *env)
{
    rap_wire_stop st;

    (void)ctx;
    memcpy(&st, rap__env_cpayload(env), sizeof(st));
    rap__node_stop(st.status);
}

static const sysop_fn ops[RAP_SYS_OP_COUNT] = {
    [RAP_SYS_SPAWN] = op_spawn,
    [RAP_SYS_STOP] = op_stop,
    [RAP_SYS_MIGRATE] = rap__mig_op_migrate,
    [RAP_SYS_MIGRATE_DONE] = rap__mig_op_done,
    [RAP_SYS_DIR] = rap__mig_op_dir,
    [RAP_SYS_LOCATE] = rap__mig_op_locate,
};

void rap__sysactor_dispatch(rap_ctx *ctx, const rap_env *env)
{
    const rap_wire_hdr *h = &env->hdr;
    void (*fn)(rap_ctx *, const rap_env *);
    char from[RAP_AID_STR_MAX];

    if (ctx->actor->type->id == RAP_ATYPE_SYSTEM && h->type < RAP_SYS_OP_COUNT && ops[h->type] != NULL) {
        ops[h->type](ctx, env);
        return;
    }
    if ((fn = rap__services_op(h->type)) != NULL) {
        fn(ctx, env);
        return;
    }
    rap__log(RAP_LOG_WARN, RAP_AID_NONE, "System actor: unexpected operation %u from %s", h->type,
             rap__aid_str(h->from, from, sizeof(from)));
}

int rap__sysactor_setup(void)
{
    int rc = rap__atype_add("rap.system", RAP_ATYPE_SYSTEM, 0, NULL, NULL, NULL);
    return rc == RAP_EEXIST ? RAP_OK : rc;
}
