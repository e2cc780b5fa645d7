/* system/send.c -- the public sending calls: rap_send, and the zero-copy
 * rap_msg_alloc / rap_msg_send / rap_msg_free.
 *
 * Owns:       the checks a message passes before it exists (type, length,
 *             addressee).
 * Invariants: what these calls accept is well formed (a registered type,
 *             a length it allows, an addressee the job can have); the rest
 *             is refused with an error code and nothing is sent.
 * Threads:    the handler's worker (ctx), or any thread (ctx NULL).
 * Uses:       system/node.h, system/outbox.h, system/probe.h, msg/.
 */
#include <string.h>

#include "system/migrate.h"
#include "system/node.h"
#include "system/outbox.h"
#include "system/probe.h"

static int check_send(rap_aid to, uint32_t type, size_t len)
{
    const rap_msg_type *mt;

    if (!rap__node_up())
        return RAP_ESTATE;
    if (!rap__aid_valid(to, g_node.size) || type < RAP_TYPE_USER_MIN)
        return RAP_EINVAL;
    mt = rap__msgtype_find(type);
    if (mt == NULL)
        return RAP_ENOTYPE;
    return rap__msgtype_check_len(mt, len);
}

/* The profile's counts of a user message, and the trace's flows
 * (system/probe.h). */
static inline void count_send(rap_ctx *ctx, rap_env *env)
{
    if (rap__probe_on()) {
        rap__probe_send(ctx != NULL ? ctx->actor : NULL, env->hdr.from, env->hdr.to, env->hdr.len);
        if (rap__probe_tracing && ctx != NULL)
            rap__probe_flow_out(env);
    }
}

int rap__send_check(rap_aid to, uint32_t type, const void *data, size_t len)
{
    if (data == NULL && len > 0)
        return rap__node_up() ? RAP_EINVAL : RAP_ESTATE;
    return check_send(to, type, len);
}

int rap_send(rap_ctx *ctx, rap_aid to, uint32_t type, const void *data, size_t len)
{
    rap_env *env;
    int rc;

    if (data == NULL && len > 0)
        return RAP_EINVAL;
    rc = check_send(to, type, len);
    if (rc != RAP_OK)
        return rc;
    env = ctx != NULL && !rap__aid_movable(to) ? rap__outbox_alloc(to, len) : NULL;
    if (env == NULL && (env = rap__env_alloc(len)) == NULL)
        return RAP_ENOMEM;
    if (len > 0)
        memcpy(rap__env_payload(env), data, len);
    rap__env_set(env, RAP_KIND_ACTOR_ACTION, type, to, rap__ctx_aid(ctx));
    if (rap__aid_movable(to) && (rc = rap__mig_stamp(ctx, env)) != RAP_OK) {
        rap__env_free(env);
        return rc;
    }
    count_send(ctx, env);
    rap__route(env);
    return RAP_OK;
}

int rap__send_wrapped(rap_ctx *ctx, int kind, rap_aid to, uint32_t rt_type, const void *head, size_t hlen,
                      const void *data, size_t len)
{
    rap_env *env;
    int rc;

    if (!rap__node_up())
        return RAP_ESTATE;
    if (!rap__aid_valid(to, g_node.size))
        return RAP_EINVAL;
    if (len > RAP_MAX_PAYLOAD - hlen)
        return RAP_ETOOBIG;
    if ((env = rap__env_alloc(hlen + len)) == NULL)
        return RAP_ENOMEM;
    memcpy(rap__env_payload(env), head, hlen);
    if (len > 0)
        memcpy((char *)rap__env_payload(env) + hlen, data, len);
    rap__env_set(env, kind, rt_type, to, rap__ctx_aid(ctx));
    if (kind == RAP_KIND_ACTOR_ACTION && rap__aid_movable(to) && (rc = rap__mig_stamp(ctx, env)) != RAP_OK) {
        rap__env_free(env);
        return rc;
    }
    count_send(ctx, env);
    rap__route(env);
    return RAP_OK;
}

int rap_msg_alloc(rap_ctx *ctx, uint32_t type, size_t len, rap_msg **msg_out)
{
    const rap_msg_type *mt = rap__msgtype_find(type);
    rap_env *env;
    int rc;

    (void)ctx;
    if (msg_out == NULL || type < RAP_TYPE_USER_MIN)
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
    rc = check_send(to, env->hdr.type, env->hdr.len);
    if (rc != RAP_OK)
        return rc;
    rap__env_set(env, RAP_KIND_ACTOR_ACTION, env->hdr.type, to, rap__ctx_aid(ctx));
    if (rap__aid_movable(to) && (rc = rap__mig_stamp(ctx, env)) != RAP_OK)
        return rc;
    count_send(ctx, env);
    rap__route(env);
    return RAP_OK;
}

void rap_msg_free(rap_msg *msg)
{
    rap__env_free((rap_env *)msg);
}

int rap_flush(rap_ctx *ctx)
{
    if (ctx == NULL || ctx->actor == NULL || !rap__node_up())
        return RAP_EINVAL;
    if (!rap__outbox_flush())
        return RAP_EINVAL;
    /* Hand what went to other ranks to MPI now, unless another thread
     * is polling (it does it). */
    rap__node_poll(NULL);
    return RAP_OK;
}
