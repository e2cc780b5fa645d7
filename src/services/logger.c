/* services/logger.c -- the job's log: rap_log on any rank, the Logger
 * actor on rank 0.
 *
 * Owns:       the log stream on rank 0 (stderr or RAPTORS_LOG_FILE).
 * Invariants: a line is filtered by level where it is logged, then travels
 *             as a RAP_MSG_LOG message to the Logger (rank 0, serial 2), so
 *             lines from one actor keep their order, and rap_finalize's
 *             quiescence wait makes the log complete before it returns.
 *             The Logger validates every field before writing.
 * Threads:    rap_log from any thread; the Logger runs on a worker of rank 0.
 * Uses:       system/node.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "msg/registry.h"
#include "system/node.h"
#include "util/clock.h"

typedef struct log_head {
    uint64_t utc_ns;
    uint64_t actor;
    uint32_t level;
    int32_t rank;
} log_head;

static const char *const level_names[] = { "ERROR", "WARN", "INFO", "DEBUG" };

void rap__aid_str(rap_aid aid, char *buf, size_t n)
{
    if (aid == RAP_AID_NONE)
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%d:%llu", RAP_AID_RANK(aid), (unsigned long long)RAP_AID_SERIAL(aid));
}

static void write_line(FILE *f, const log_head *h, const char *text, size_t len)
{
    char when[40], who[32];
    struct tm tm;
    time_t sec = (time_t)(h->utc_ns / 1000000000u);

    gmtime_r(&sec, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    rap__aid_str(h->actor, who, sizeof(who));
    fprintf(f, "%s.%06uZ rank %d actor %s %s %.*s\n", when,
            (unsigned)(h->utc_ns % 1000000000u / 1000u), (int)h->rank, who, level_names[h->level],
            (int)len, text);
    fflush(f);
}

static int vlog(rap_aid actor, int level, const char *fmt, va_list ap)
{
    log_head h = { rap__utc_ns(), actor, (uint32_t)level, g_node.rank };
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
    if (atomic_load(&g_node.state) != RAP_NODE_UP)
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
    if (atomic_load(&g_node.state) == RAP_NODE_UP) {
        if (level <= g_node.cfg.log_level)
            vlog(actor, level, fmt, ap);
    } else {
        fprintf(stderr, "raptors: %s: ", level_names[level]);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
    }
    va_end(ap);
}

int rap__logger_open(void)
{
    g_node.log = stderr;
    g_node.log_close = false;
    if (g_node.cfg.log_file != NULL) {
        FILE *f = fopen(g_node.cfg.log_file, "w");
        if (f == NULL) {
            fprintf(stderr, "raptors: cannot open RAPTORS_LOG_FILE=%s; logging to stderr\n",
                    g_node.cfg.log_file);
        } else {
            g_node.log = f;
            g_node.log_close = true;
        }
    }
    return RAP_OK;
}

void rap__logger_close(void)
{
    if (g_node.log_close)
        fclose(g_node.log);
    else if (g_node.log != NULL)
        fflush(g_node.log);
    g_node.log = NULL;
    g_node.log_close = false;
}

int rap__logger_handle(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    log_head h;

    (void)ctx;
    (void)state;
    (void)from;
    if (len < sizeof(h))
        return RAP_EMALFORMED;
    memcpy(&h, data, sizeof(h));
    if (h.level > RAP_LOG_DEBUG || h.rank < 0 || h.rank >= g_node.size)
        return RAP_EMALFORMED;
    if (g_node.log != NULL)
        write_line(g_node.log, &h, (const char *)data + sizeof(h), len - sizeof(h));
    return RAP_OK;
}
