/* services/logger.c -- the Logger: one actor on rank 0 that writes the
 * job's log (stderr, or the file RAPTORS_LOG_FILE names).
 *
 * Owns:       the log stream.
 * Invariants: every field of a line is validated before it is written
 *             (a line is a message like any other: it may come from a
 *             broken peer); each line is flushed as it is written, so the
 *             log survives a crash of the job after it.  Lines arrive from
 *             the log client (system/log.c), one RAP_MSG_LOG message each.
 * Threads:    open/close on rap_init's / rap_finalize's thread; the handler
 *             on the worker running the Logger.
 * Uses:       system/service.h, msg/ (the id layout, the line's payload),
 *             the public API.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "msg/aid.h"
#include "msg/proto.h"
#include "services/services.h"

static FILE *log_out;
static bool log_close;

static const char *const level_names[] = { "ERROR", "WARN", "INFO", "DEBUG" };

static void write_line(FILE *f, const rap_wire_log *h, const char *text, size_t len)
{
    char when[40], who[RAP_AID_STR_MAX];
    struct tm tm;
    time_t sec = (time_t)(h->utc_ns / 1000000000u);

    gmtime_r(&sec, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    fprintf(f, "%s.%06uZ rank %d actor %s %s %.*s\n", when,
            (unsigned)(h->utc_ns % 1000000000u / 1000u), (int)h->rank,
            rap__aid_str(h->actor, who, sizeof(who)), level_names[h->level], (int)len, text);
    fflush(f);
}

static int on_line(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    rap_wire_log h;

    (void)ctx;
    (void)state;
    (void)from;
    if (len < sizeof(h))
        return RAP_EMALFORMED;
    memcpy(&h, data, sizeof(h));
    if (h.level > RAP_LOG_DEBUG || h.rank < 0 || h.rank >= rap_size())
        return RAP_EMALFORMED;
    if (log_out != NULL)
        write_line(log_out, &h, (const char *)data + sizeof(h), len - sizeof(h));
    return RAP_OK;
}

static bool hosted(int rank, int size)
{
    (void)size;
    return rank == 0;
}

static int open_log(const rap_config *cfg, int rank)
{
    (void)rank;
    log_out = stderr;
    log_close = false;
    if (cfg->log_file != NULL) {
        FILE *f = fopen(cfg->log_file, "w");
        if (f == NULL) {
            fprintf(stderr, "raptors: cannot open RAPTORS_LOG_FILE=%s; logging to stderr\n",
                    cfg->log_file);
        } else {
            log_out = f;
            log_close = true;
        }
    }
    return RAP_OK;
}

static void close_log(void)
{
    if (log_close)
        fclose(log_out);
    else if (log_out != NULL)
        fflush(log_out);
    log_out = NULL;
    log_close = false;
}

static const rap_service_handler handlers[] = {
    { RAP_MSG_LOG, on_line },
    { 0, NULL },
};

const rap_service rap__logger_service = {
    .name = "logger",
    .actor_name = "rap.logger",
    .actor_type = RAP_ATYPE_LOGGER,
    .handlers = handlers,
    .hosted = hosted,
    .serial = RAP_SERIAL_LOGGER,
    .open = open_log,
    .close = close_log,
};
