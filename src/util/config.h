/* util/config.h -- every RAPTORS_* environment variable, read in one place.
 *
 * Owns:       rap_config (a plain value, with the problems found while
 *             reading it), rap__config_vars (the one table of variables),
 *             the worker plan's arithmetic.
 * Invariants: rap__config_read() is the only reader of RAPTORS_* variables.
 *             Nothing here prints: a bad value falls back to the default
 *             and an unknown RAPTORS_* name is ignored, each recorded as
 *             one sentence in the config, which rap__config_report() shows
 *             once for the job.  A variable is one row of rap__config_vars
 *             plus its field in rap_config; reading, the unknown-name
 *             check, rap__config_describe and raptors-info all walk the
 *             table.
 * Threads:    rap__config_read by rap_init's thread; rap__config_report is
 *             collective; the rest are pure.
 * Uses:       MPI (thread-level constants, rap__config_report).
 */
#ifndef RAP_UTIL_CONFIG_H
#define RAP_UTIL_CONFIG_H

#include <mpi.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "raptors.h"

#define RAP_FLOW_WINDOW_DEFAULT (16ull << 20)
/* Problems kept in a rap_config, and the bytes of each (with its NUL);
 * further ones are counted in problems_lost. */
#define RAP_CONFIG_PROBLEMS 16
#define RAP_CONFIG_PROBLEM_MAX 256

typedef struct rap_config {
    int workers;          /* RAPTORS_WORKERS: 0 (auto) = one per core of the binding, at most the node's share */
    unsigned sync_threads; /* RAPTORS_SYNC_THREADS: threads for blocking actor types (default 2) */
    bool bind;            /* RAPTORS_BIND: bind workers to cores (default 1) */
    int log_level;        /* RAPTORS_LOG_LEVEL: error|warn|info|debug (default info) */
    const char *log_file; /* RAPTORS_LOG_FILE: NULL = stderr */
    bool stats;           /* RAPTORS_STATS=1: print counters at rap_finalize */
    int thread_level;     /* RAPTORS_THREAD_LEVEL: multiple|serialized (what to ask MPI for) */
    unsigned spin_us;     /* RAPTORS_SPIN_US: idle spin before sleeping (default 200) */
    int spin_yield;       /* RAPTORS_SPIN_YIELD: 1/0 yield the core while spinning; -1 (auto, default): when the node's workers outnumber its hardware threads */
    unsigned poll_max_us; /* RAPTORS_POLL_MAX_US: longest sleep of the idle poller when it must poll (default 1000) */
    unsigned long long flow_window; /* RAPTORS_FLOW_WINDOW: bytes in flight to one peer, 0 = unbounded */
    unsigned watchdog_us; /* RAPTORS_WATCHDOG_US: the scheduler watchdog's period, 0 = off (default 1000) */
    const char *profile;  /* RAPTORS_PROFILE: NULL = on, "off", or the profile's path */
    unsigned profile_interval_ms; /* RAPTORS_PROFILE_INTERVAL_MS: between samples (default 1000) */
    const char *trace;    /* RAPTORS_TRACE: NULL = off, or the trace's path */
    unsigned trace_events; /* RAPTORS_TRACE_EVENTS: a worker's trace buffer, in events */
    int lb;               /* RAPTORS_LB: rap_rebalance's strategy, an index into "refine|greedy|metis|off" */
    unsigned lb_tolerance; /* RAPTORS_LB_TOLERANCE: percent over the mean load per worker that is tolerated (default 2) */
    unsigned lb_period_ms; /* RAPTORS_LB_PERIOD_MS: balance while running, this often (0, default: only rap_rebalance) */
    unsigned lb_max_moves; /* RAPTORS_LB_MAX_MOVES: percent of the actors a periodic plan may move (default 35; 0: no bound) */
    unsigned lb_threshold; /* RAPTORS_LB_THRESHOLD: percent of imbalance past which a period's plan is carried out (default 10) */

    /* Bit i: row i of rap__config_vars took its value from the environment. */
    uint32_t from_env;
    /* What was wrong, one sentence each, without "raptors: " or newline. */
    int nproblems;
    int problems_lost;
    char problems[RAP_CONFIG_PROBLEMS][RAP_CONFIG_PROBLEM_MAX];
} rap_config;

typedef enum rap_config_kind {
    RAP_CONFIG_INT,    /* int: a decimal in lo..hi, or `word` */
    RAP_CONFIG_UINT,   /* unsigned: likewise */
    RAP_CONFIG_U64,    /* unsigned long long: likewise */
    RAP_CONFIG_BOOL,   /* bool: 0 or 1 */
    RAP_CONFIG_CHOICE, /* int: one of the words of `choices` */
    RAP_CONFIG_TEXT,   /* const char *: the environment's string; `word` means NULL */
} rap_config_kind;

/* One RAPTORS_* variable. */
typedef struct rap_config_var {
    const char *name;    /* "RAPTORS_WORKERS" */
    const char *key;     /* its field of rap_config, "workers": the name's tail in lower case */
    size_t offset;       /* of that field */
    rap_config_kind kind;
    const char *def;     /* the default as text; it is parsed like a value */
    const char *meaning; /* one or two sentences, for raptors-info */
    long long lo, hi;    /* INT, UINT, U64: the range accepted */
    const char *word;    /* INT, UINT, U64: a word for `word_value`; TEXT: for NULL */
    long long word_value;
    const char *choices; /* CHOICE: "a|b|c", case ignored */
    const int *values;   /* CHOICE: each word's value; NULL: its index, and the index is accepted too */
} rap_config_var;

/* Every variable, ended by a row whose name is NULL. */
extern const rap_config_var rap__config_vars[];

/* Read every RAPTORS_* variable of the process's environment into `cfg`
 * (all of it is set: defaults, then values, then problems). */
void rap__config_read(rap_config *cfg);
/* The same from `env` ("NAME=value" strings, NULL-ended), for tests.
 * log_file points into `env`. */
void rap__config_read_env(rap_config *cfg, char *const *env);

/* Record one more problem (printf format, one sentence). */
void rap__config_note(rap_config *cfg, const char *fmt, ...) RAP_PRINTF(2, 3);

/* Parse a level name or digit; -1 if it is neither. */
int rap__config_parse_level(const char *s);

/* The known name closest to `name` (a RAPTORS_* name that is not known),
 * or NULL when none is close enough to be what was meant. */
const char *rap__config_suggest(const char *name);

/* `var`'s value in `cfg`, as text a user could set ("auto", "info",
 * "stderr", "200").  Returns the length of the full text, like snprintf:
 * it was cut when that is >= n; buf is NUL-terminated when n > 0. */
size_t rap__config_value(const rap_config *cfg, const rap_config_var *var, char *buf, size_t n);

/* What `var` accepts, as text: "auto or 0..1024", "error|warn|info|debug
 * or 0..3".  Returns as rap__config_value. */
size_t rap__config_accepts(const rap_config_var *var, char *buf, size_t n);

/* The effective settings on one line: "workers=auto bind=1 log_level=info
 * ... flow_window=16777216", a key=value per variable in table order.
 * Returns as rap__config_value. */
size_t rap__config_describe(const rap_config *cfg, char *buf, size_t n);

/* The workers of a rank, as rap_init plans them. */
typedef struct rap_worker_plan {
    int workers;     /* worker threads to start */
    bool bind;       /* bind them to the binding's cores in turn */
    int cores;       /* cores of the rank's binding (at least 1) */
    int share;       /* the node's hardware threads / its ranks (at least 1) */
    bool over_cores; /* more workers than the binding's cores */
    bool over_share; /* more workers than the share */
} rap_worker_plan;

/* Workers for a rank: `workers` as configured (0: auto), `bind` as
 * configured, `cores` of the rank's binding, the machine's hardware threads
 * (`machine_pus`) and the ranks on the node (`node_ranks`).
 * - auto: one per core of the binding, at most the rank's share of the
 *   node's hardware threads (16 ranks that Open MPI binds to one 16-core
 *   socket get one worker each, not 16).
 * - bound only when the binding is no wider than the share: a wider one
 *   is shared with other ranks, whose first workers would all be pinned to
 *   its first core.
 * Pure. */
rap_worker_plan rap__config_plan(int workers, bool bind, int cores, int machine_pus, int node_ranks);

/* Whether spinning workers yield their cores: `spin_yield` as configured
 * (1/0), or when auto (-1) whether the workers of all the node's ranks
 * (`node_workers`; INT_MAX when unknown) outnumber its hardware threads.
 * Pure. */
bool rap__config_spin_yield(int spin_yield, int node_workers, int machine_pus);

/* Record in `cfg` that `plan` has more workers than cores (nothing when it
 * has not). */
void rap__config_check_plan(rap_config *cfg, const rap_worker_plan *plan);

/* Called on rank 0 with each line to show; `line` has no newline. */
typedef void (*rap_config_emit_fn)(const char *line, void *arg);

/* Show the problems of every rank's `cfg` once for the job: rank 0 calls
 * `emit` for each distinct line, in order of first appearance (by rank),
 * followed by the ranks that found it: "ignoring RAPTORS_WORKERS=abc
 * (expected auto or 0..1024); using the default, auto [ranks 0-3]".  One
 * allreduce when no rank has a problem.
 * Collective over `comm`; every rank passes the same kinds of arguments.
 * Returns: RAP_OK; RAP_EINVAL; RAP_EMPI; RAP_ENOMEM (rank 0 could not hold
 * the lines: on every rank when found before the gather).
 * Thread:  the thread that makes MPI calls. */
int rap__config_report(const rap_config *cfg, MPI_Comm comm, rap_config_emit_fn emit, void *arg);

/* Write the ranks `ranks` (ascending; repeats are skipped; n > 0) as runs,
 * "0-3,5,7-9".  A list that does not fit in `n` bytes ends after the last
 * run that fits with ",...", so that a cut list is not taken for whole.
 * Returns the length written; buf is NUL-terminated when len > 0. */
size_t rap__config_format_ranks(const int *ranks, size_t n, char *buf, size_t len);

/* The part of rap__config_report on rank 0: `text` holds each rank's
 * lines, each ended by '\n', rank r's `lens[r]` bytes after rank r-1's.
 * Calls `emit` once per distinct line, as rap__config_report says.
 * Returns: RAP_OK; RAP_ENOMEM. */
int rap__config_report_lines(const char *text, const int *lens, int nranks, rap_config_emit_fn emit,
                             void *arg);

#endif
