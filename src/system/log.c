/* system/log.c -- the log client: rap_log and the runtime's own lines,
 * filtered by level where they are logged, formatted, and sent to the
 * Logger (rank 0, serial RAP_SERIAL_LOGGER) as RAP_MSG_LOG messages.
 *
 * Owns:       nothing beyond the call.
 * Invariants: lines from one actor (or one thread outside actors) reach the
 *             Logger in the order logged (per-pair order); a line is at
 *             most RAP_LOG_MAX bytes of text; while the node is not up a
 *             runtime line goes to stderr.
 * Threads:    any.
 * Uses:       system/node.h, msg/proto.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "system/node.h"
#include "util/clock.h"

static const char *const level_names[] = { "ERROR", "WARN", "INFO", "DEBUG" };

static int vlog(rap_aid actor, int level, const char *fmt, va_list ap)
{
    rap_wire_log h = { rap__utc_ns(), actor, (uint32_t)level, g_node.rank };
    char text[RAP_LOG_MAX + 1];
    rap_env *env;
    int n;

    /* Format on the stack, so that the envelope is the line's size. */
    n = vsnprintf(text, sizeof(text), fmt, ap);
    if (n < 0)
        n = 0;
    if (n > RAP_LOG_MAX)
        n = RAP_LOG_MAX;
    env = rap__env_alloc(sizeof(h) + (size_t)n);
    if (env == NULL)
        return RAP_ENOMEM;
    memcpy(rap__env_payload(env), &h, sizeof(h));
    memcpy((char *)rap__env_payload(env) + sizeof(h), text, (size_t)n);
    rap__env_set(env, RAP_KIND_ACTOR_ACTION, RAP_MSG_LOG, rap__aid(0, RAP_SERIAL_LOGGER), actor);
    rap__route(env);
    return RAP_OK;
}

int rap_log(rap_ctx *ctx, int level, const char *fmt, ...)
{
    va_list ap;
    int rc;

    if (fmt == NULL || level < RAP_LOG_ERROR || level > RAP_LOG_DEBUG)
        return RAP_EINVAL;
    if (!rap__node_up())
        return RAP_ESTATE;
    if (level > g_node.cfg.log_level)
        return RAP_OK;
    va_start(ap, fmt);
    rc = vlog(rap_self(ctx), level, fmt, ap);
    va_end(ap);
    return rc;
}

void rap__log(int level, rap_aid actor, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    if (rap__node_up()) {
        if (level <= g_node.cfg.log_level)
            vlog(actor, level, fmt, ap);
    } else {
        fprintf(stderr, "raptors: %s: ", level_names[level]);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
    }
    va_end(ap);
}
