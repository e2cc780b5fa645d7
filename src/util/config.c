/* util/config.c -- RAPTORS_* environment variables (see config.h). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/config.h"
#include "raptors.h"

const char *const rap__config_help[] = {
    "RAPTORS_WORKERS      worker threads per rank (default: cores of the rank's binding, at most the node's hardware threads / its ranks)",
    "RAPTORS_BIND         1/0: bind each worker to a core with hwloc (default 1)",
    "RAPTORS_LOG_LEVEL    error|warn|info|debug: lowest level logged (default info)",
    "RAPTORS_LOG_FILE     file for the job's log on rank 0 (default stderr)",
    "RAPTORS_STATS        1: each rank prints its message counters at rap_finalize",
    "RAPTORS_THREAD_LEVEL multiple|serialized: MPI thread level rap_init asks for (default multiple)",
    "RAPTORS_SPIN_US      microseconds an idle worker spins before it sleeps (default 200)",
    "RAPTORS_SPIN_YIELD   1/0: a spinning worker yields its core every few polls (default: when the node's workers outnumber its cores)",
    "RAPTORS_POLL_MAX_US  longest sleep between MPI polls of an idle rank that a message could reach without ringing its doorbell, microseconds (default 1000)",
    "RAPTORS_FLOW_WINDOW  bytes of messages in flight to one rank before its sender waits; 0 = no limit (default 16777216; rank 0's applies)",
    NULL,
};

int rap__config_parse_level(const char *s)
{
    static const char *const names[] = { "error", "warn", "info", "debug" };
    if (s == NULL)
        return -1;
    for (int i = 0; i < 4; i++)
        if (strcasecmp(s, names[i]) == 0)
            return i;
    if (s[0] >= '0' && s[0] <= '3' && s[1] == '\0')
        return s[0] - '0';
    return -1;
}

static long read_long(const char *name, long def, long lo, long hi)
{
    const char *s = getenv(name);
    char *end;
    long v;

    if (s == NULL || *s == '\0')
        return def;
    v = strtol(s, &end, 10);
    if (*end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "raptors: ignoring %s=%s (expected %ld..%ld)\n", name, s, lo, hi);
        return def;
    }
    return v;
}

void rap__config_read(rap_config *cfg)
{
    const char *s;

    cfg->workers = (int)read_long("RAPTORS_WORKERS", 0, 0, 1024);
    cfg->bind = read_long("RAPTORS_BIND", 1, 0, 1) != 0;
    cfg->stats = read_long("RAPTORS_STATS", 0, 0, 1) != 0;
    cfg->spin_us = (unsigned)read_long("RAPTORS_SPIN_US", 200, 0, 1000000);
    cfg->spin_yield = (int)read_long("RAPTORS_SPIN_YIELD", -1, -1, 1);
    cfg->poll_max_us = (unsigned)read_long("RAPTORS_POLL_MAX_US", 1000, 1, 1000000);
    cfg->flow_window = (unsigned long long)read_long("RAPTORS_FLOW_WINDOW", (long)RAP_FLOW_WINDOW_DEFAULT, 0,
                                                     1L << 40);

    cfg->log_level = RAP_LOG_INFO;
    s = getenv("RAPTORS_LOG_LEVEL");
    if (s != NULL && *s != '\0') {
        int lv = rap__config_parse_level(s);
        if (lv < 0)
            fprintf(stderr, "raptors: ignoring RAPTORS_LOG_LEVEL=%s (expected error|warn|info|debug)\n", s);
        else
            cfg->log_level = lv;
    }
    s = getenv("RAPTORS_LOG_FILE");
    cfg->log_file = (s != NULL && *s != '\0') ? s : NULL;

    cfg->thread_level = MPI_THREAD_MULTIPLE;
    s = getenv("RAPTORS_THREAD_LEVEL");
    if (s != NULL && *s != '\0') {
        if (strcasecmp(s, "serialized") == 0)
            cfg->thread_level = MPI_THREAD_SERIALIZED;
        else if (strcasecmp(s, "multiple") != 0)
            fprintf(stderr, "raptors: ignoring RAPTORS_THREAD_LEVEL=%s (expected multiple|serialized)\n", s);
    }
}
