/* util/config.h -- every RAPTORS_* environment variable, read in one place.
 *
 * Owns:       rap_config (a plain value).
 * Invariants: rap__config_read() is the only reader of RAPTORS_* variables;
 *             a bad value falls back to the default with a warning on stderr.
 * Threads:    read once by rap_init's thread.
 */
#ifndef RAP_UTIL_CONFIG_H
#define RAP_UTIL_CONFIG_H

#include <stdbool.h>

#define RAP_FLOW_WINDOW_DEFAULT (16ull << 20)

typedef struct rap_config {
    int workers;          /* RAPTORS_WORKERS: 0 = one per core of the binding, at most the node's share */
    bool bind;            /* RAPTORS_BIND: bind workers to cores (default 1) */
    int log_level;        /* RAPTORS_LOG_LEVEL: error|warn|info|debug (default info) */
    const char *log_file; /* RAPTORS_LOG_FILE: NULL = stderr */
    bool stats;           /* RAPTORS_STATS=1: print counters at rap_finalize */
    int thread_level;     /* RAPTORS_THREAD_LEVEL: multiple|serialized (what to ask MPI for) */
    unsigned spin_us;     /* RAPTORS_SPIN_US: idle spin before sleeping (default 200) */
    int spin_yield;       /* RAPTORS_SPIN_YIELD: 1/0 yield the core while spinning; -1 (default): when the node's workers outnumber its cores */
    unsigned poll_max_us; /* RAPTORS_POLL_MAX_US: longest sleep of the idle poller when it must poll (default 1000) */
    unsigned long long flow_window; /* RAPTORS_FLOW_WINDOW: bytes in flight to one peer, 0 = unbounded */
} rap_config;

/* One line per variable: name, meaning, default (for docs and raptors-info). */
extern const char *const rap__config_help[];

void rap__config_read(rap_config *cfg);
/* Parse a level name or digit; -1 if it is neither. */
int rap__config_parse_level(const char *s);

#endif
