/* util/config.c -- RAPTORS_* environment variables (see config.h). */
#include <ctype.h>
#include <errno.h>
#include <mpi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/config.h"

extern char **environ;

#define PREFIX "RAPTORS_"
#define PREFIX_LEN (sizeof(PREFIX) - 1)
/* Names longer than this (after the prefix) get no suggestion. */
#define NAME_MAX_LEN 63
/* A value quoted in a problem is cut to this many bytes. */
#define QUOTE_MAX 64

#define FIELD(f) .key = #f, .offset = offsetof(rap_config, f)

static const int thread_levels[] = { MPI_THREAD_MULTIPLE, MPI_THREAD_SERIALIZED };

const rap_config_var rap__config_vars[] = {
    { .name = "RAPTORS_WORKERS", FIELD(workers), .kind = RAP_CONFIG_INT, .def = "auto",
      .lo = 0, .hi = 1024, .word = "auto", .word_value = 0,
      .meaning = "worker threads per rank; auto (or 0): one per core of the rank's binding, "
                 "at most the node's hardware threads divided by its ranks" },
    { .name = "RAPTORS_BIND", FIELD(bind), .kind = RAP_CONFIG_BOOL, .def = "1",
      .meaning = "1/0: bind each worker to a core of the rank's binding (not done when that "
                 "binding is wider than the rank's share of the node)" },
    { .name = "RAPTORS_LOG_LEVEL", FIELD(log_level), .kind = RAP_CONFIG_CHOICE, .def = "info",
      .choices = "error|warn|info|debug",
      .meaning = "lowest level of the rap_log lines kept; lower ones are dropped where they are logged" },
    { .name = "RAPTORS_LOG_FILE", FIELD(log_file), .kind = RAP_CONFIG_TEXT, .def = "stderr",
      .word = "stderr",
      .meaning = "file for the job's log, written by rank 0; stderr: the standard error" },
    { .name = "RAPTORS_STATS", FIELD(stats), .kind = RAP_CONFIG_BOOL, .def = "0",
      .meaning = "1: each rank prints its message counters at rap_finalize" },
    { .name = "RAPTORS_THREAD_LEVEL", FIELD(thread_level), .kind = RAP_CONFIG_CHOICE,
      .def = "multiple", .choices = "multiple|serialized", .values = thread_levels,
      .meaning = "the MPI thread level rap_init asks for" },
    { .name = "RAPTORS_SPIN_US", FIELD(spin_us), .kind = RAP_CONFIG_UINT, .def = "200",
      .lo = 0, .hi = 1000000,
      .meaning = "microseconds an idle worker keeps polling before it sleeps" },
    { .name = "RAPTORS_SPIN_YIELD", FIELD(spin_yield), .kind = RAP_CONFIG_INT, .def = "auto",
      .lo = -1, .hi = 1, .word = "auto", .word_value = -1,
      .meaning = "1/0: a spinning worker yields its core every few polls; auto (or -1): when "
                 "the workers of the node's ranks outnumber its hardware threads" },
    { .name = "RAPTORS_POLL_MAX_US", FIELD(poll_max_us), .kind = RAP_CONFIG_UINT, .def = "1000",
      .lo = 1, .hi = 1000000,
      .meaning = "longest sleep, in microseconds, between MPI polls of an idle rank that a "
                 "message could reach without ringing its doorbell" },
    { .name = "RAPTORS_WATCHDOG_US", FIELD(watchdog_us), .kind = RAP_CONFIG_UINT, .def = "1000",
      .lo = 0, .hi = 1000000,
      .meaning = "the watchdog's period in microseconds: a turn longer than this ends at its "
                 "next message so that waiting actors run, runnable actors behind a busy worker "
                 "go to another, and MPI is polled while every worker is busy; the watchdog "
                 "looks every period while it finds tasks newly running long, and up to 16 "
                 "periods apart while it finds none; 0: off" },
    { .name = "RAPTORS_PROFILE", FIELD(profile), .kind = RAP_CONFIG_TEXT, .def = "on",
      .word = "on",
      .meaning = "workload profiling: on (counted, not written), off, or a file path where rank 0 "
                 "writes the profile (JSON, docs/PROFILING.md) at rap_finalize" },
    { .name = "RAPTORS_PROFILE_INTERVAL_MS", FIELD(profile_interval_ms), .kind = RAP_CONFIG_UINT,
      .def = "1000", .lo = 10, .hi = 3600000,
      .meaning = "milliseconds between two profile samples a rank sends rank 0's Profiler" },
    { .name = "RAPTORS_TRACE", FIELD(trace), .kind = RAP_CONFIG_TEXT, .def = "off", .word = "off",
      .meaning = "a file path where rank 0 writes a Chrome trace-event file of every handler run "
                 "at rap_finalize (Perfetto, chrome://tracing); off: none; needs RAPTORS_PROFILE on" },
    { .name = "RAPTORS_TRACE_EVENTS", FIELD(trace_events), .kind = RAP_CONFIG_UINT, .def = "100000",
      .lo = 16, .hi = 100000000,
      .meaning = "handler runs one worker's trace buffer holds (40 bytes each); later ones are "
                 "counted in the file, not recorded" },
    { .name = "RAPTORS_LB", FIELD(lb), .kind = RAP_CONFIG_CHOICE, .def = "refine",
      .choices = "refine|greedy|metis|off",
      .meaning = "the strategy rap_rebalance plans with (docs/BALANCING.md): refine (fewest "
                 "moves), greedy, metis (when built with METIS), off (no moves)" },
    { .name = "RAPTORS_LB_TOLERANCE", FIELD(lb_tolerance), .kind = RAP_CONFIG_UINT, .def = "2",
      .lo = 0, .hi = 1000,
      .meaning = "percent over the mean load per worker a rank may carry before rap_rebalance "
                 "moves actors off it" },
    { .name = "RAPTORS_LB_PERIOD_MS", FIELD(lb_period_ms), .kind = RAP_CONFIG_UINT, .def = "0",
      .lo = 0, .hi = 3600000,
      .meaning = "milliseconds between two plans of rank 0's balancer while the job runs (from the "
                 "Profiler's cost model; needs RAPTORS_PROFILE on); 0: only at rap_rebalance" },
    { .name = "RAPTORS_LB_THRESHOLD", FIELD(lb_threshold), .kind = RAP_CONFIG_UINT, .def = "10",
      .lo = 0, .hi = 10000,
      .meaning = "percent of imbalance (highest load per worker over the mean) past which the "
                 "periodic balancer moves actors, when the moves cost less than they gain" },
    { .name = "RAPTORS_LB_MAX_MOVES", FIELD(lb_max_moves), .kind = RAP_CONFIG_UINT, .def = "35",
      .lo = 0, .hi = 100,
      .meaning = "percent of the actors one plan of the periodic balancer may move (the heaviest "
                 "gains first); 0 or 100: no bound (rap_rebalance's plans have none)" },
    { .name = "RAPTORS_FLOW_WINDOW", FIELD(flow_window), .kind = RAP_CONFIG_U64, .def = "16777216",
      .lo = 0, .hi = 1ll << 40,
      .meaning = "bytes of messages in flight to one rank before its senders wait; 0: no "
                 "limit; rank 0's value applies" },
    { .name = "RAPTORS_SYNC_THREADS", FIELD(sync_threads), .kind = RAP_CONFIG_UINT, .def = "2",
      .lo = 1, .hi = 256,
      .meaning = "threads per rank that run the actors of blocking types (rap_actor_type_blocking), "
                 "apart from the workers; made only when a type is blocking" },
    { .name = NULL },
};

_Static_assert(RAP_CONFIG_PROBLEM_MAX > 2 * QUOTE_MAX + 64, "a problem holds a quoted name and value");

void rap__config_note(rap_config *cfg, const char *fmt, ...)
{
    va_list ap;

    if (cfg->nproblems >= RAP_CONFIG_PROBLEMS) {
        cfg->problems_lost++;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(cfg->problems[cfg->nproblems++], RAP_CONFIG_PROBLEM_MAX, fmt, ap);
    va_end(ap);
}

/* The i-th word of "a|b|c" (its start and length); false past the last. */
static bool choice_word(const char *choices, int i, const char **word_out, size_t *len_out)
{
    const char *p = choices;

    for (; i > 0; i--) {
        p = strchr(p, '|');
        if (p == NULL)
            return false;
        p++;
    }
    *word_out = p;
    *len_out = strcspn(p, "|");
    return true;
}

static int choice_value(const rap_config_var *v, int i)
{
    return v->values != NULL ? v->values[i] : i;
}

static bool parse_choice(const rap_config_var *v, const char *s, int *out)
{
    const char *w;
    size_t len;

    for (int i = 0; choice_word(v->choices, i, &w, &len); i++) {
        if (strlen(s) == len && strncasecmp(s, w, len) == 0) {
            *out = choice_value(v, i);
            return true;
        }
    }
    /* Without values, a word's index names it too ("2" for info). */
    if (v->values == NULL && s[0] >= '0' && s[0] <= '9' && s[1] == '\0' &&
        choice_word(v->choices, s[0] - '0', &w, &len)) {
        *out = s[0] - '0';
        return true;
    }
    return false;
}

static bool parse_number(const rap_config_var *v, const char *s, long long *out)
{
    char *end;
    long long x;

    if (v->word != NULL && strcasecmp(s, v->word) == 0) {
        *out = v->word_value;
        return true;
    }
    errno = 0;
    x = strtoll(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE || x < v->lo || x > v->hi)
        return false;
    *out = x;
    return true;
}

/* Parse `s` for `v` into its field of `cfg`; false (field untouched) if
 * `s` is not a value of `v`. */
static bool parse(const rap_config_var *v, const char *s, rap_config *cfg)
{
    void *field = (char *)cfg + v->offset;
    long long x;
    int c;

    switch (v->kind) {
    case RAP_CONFIG_INT:
    case RAP_CONFIG_UINT:
    case RAP_CONFIG_U64:
        if (!parse_number(v, s, &x))
            return false;
        if (v->kind == RAP_CONFIG_INT)
            *(int *)field = (int)x;
        else if (v->kind == RAP_CONFIG_UINT)
            *(unsigned *)field = (unsigned)x;
        else
            *(unsigned long long *)field = (unsigned long long)x;
        return true;
    case RAP_CONFIG_BOOL:
        if ((s[0] != '0' && s[0] != '1') || s[1] != '\0')
            return false;
        *(bool *)field = s[0] == '1';
        return true;
    case RAP_CONFIG_CHOICE:
        if (!parse_choice(v, s, &c))
            return false;
        *(int *)field = c;
        return true;
    case RAP_CONFIG_TEXT:
        *(const char **)field = v->word != NULL && strcmp(s, v->word) == 0 ? NULL : s;
        return true;
    }
    return false;
}

size_t rap__config_accepts(const rap_config_var *v, char *buf, size_t n)
{
    int count = 0;
    const char *w;
    size_t len;

    switch (v->kind) {
    case RAP_CONFIG_INT:
    case RAP_CONFIG_UINT:
    case RAP_CONFIG_U64:
        return (size_t)snprintf(buf, n, "%s%s%lld..%lld", v->word != NULL ? v->word : "",
                                v->word != NULL ? " or " : "", v->lo, v->hi);
    case RAP_CONFIG_BOOL:
        return (size_t)snprintf(buf, n, "0 or 1");
    case RAP_CONFIG_CHOICE:
        while (choice_word(v->choices, count, &w, &len))
            count++;
        if (v->values == NULL)
            return (size_t)snprintf(buf, n, "%s or 0..%d", v->choices, count - 1);
        return (size_t)snprintf(buf, n, "%s", v->choices);
    case RAP_CONFIG_TEXT:
        return (size_t)snprintf(buf, n, "a file name, or %s", v->word != NULL ? v->word : "nothing");
    }
    return (size_t)snprintf(buf, n, "?");
}

/* The value of NAME in `env`, as getenv would find it; NULL if absent. */
static const char *lookup(char *const *env, const char *name)
{
    size_t len = strlen(name);

    for (; env != NULL && *env != NULL; env++)
        if (strncmp(*env, name, len) == 0 && (*env)[len] == '=')
            return *env + len + 1;
    return NULL;
}

/* Optimal string alignment distance (edits and swaps of neighbours), case
 * ignored; both at most NAME_MAX_LEN long. */
static size_t distance(const char *a, size_t la, const char *b, size_t lb)
{
    unsigned char d[NAME_MAX_LEN + 1][NAME_MAX_LEN + 1]; /* each at most NAME_MAX_LEN */

    for (size_t i = 0; i <= la; i++)
        d[i][0] = (unsigned char)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (unsigned char)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int ca = toupper((unsigned char)a[i - 1]), cb = toupper((unsigned char)b[j - 1]);
            int best = d[i - 1][j - 1] + (ca != cb);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && ca == toupper((unsigned char)b[j - 2]) &&
                toupper((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = (unsigned char)best;
        }
    }
    return d[la][lb];
}

/* The most edits at which a name of `la` bytes may still be a misspelling
 * of one of `lb` (GCC's rule for its "did you mean" hints). */
static size_t cutoff(size_t la, size_t lb)
{
    size_t hi = la > lb ? la : lb, lo = la < lb ? la : lb;

    if (hi <= 1)
        return 0;
    if (hi - lo <= 1)
        return hi / 3 > 1 ? hi / 3 : 1;
    return (hi + 2) / 4;
}

const char *rap__config_suggest(const char *name)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1, la;

    if (name == NULL || strncmp(name, PREFIX, PREFIX_LEN) != 0)
        return NULL;
    name += PREFIX_LEN;
    la = strlen(name);
    if (la > NAME_MAX_LEN)
        return NULL;
    for (const rap_config_var *v = rap__config_vars; v->name != NULL; v++) {
        const char *known = v->name + PREFIX_LEN;
        size_t lb = strlen(known), d = distance(name, la, known, lb);
        if (d <= cutoff(la, lb) && d < best_d) {
            best = v->name;
            best_d = d;
        }
    }
    return best;
}

static bool known(const char *name, size_t len)
{
    for (const rap_config_var *v = rap__config_vars; v->name != NULL; v++)
        if (strlen(v->name) == len && strncmp(v->name, name, len) == 0)
            return true;
    return false;
}

static void check_names(rap_config *cfg, char *const *env)
{
    char name[NAME_MAX_LEN + PREFIX_LEN + 2];

    for (; env != NULL && *env != NULL; env++) {
        size_t len = strcspn(*env, "=");
        const char *hint;

        if (strncmp(*env, PREFIX, PREFIX_LEN) != 0 || known(*env, len))
            continue;
        if (len >= sizeof(name)) {
            rap__config_note(cfg, "unknown variable %.*s... (raptors-info lists the known ones)", QUOTE_MAX,
                             *env);
            continue;
        }
        memcpy(name, *env, len);
        name[len] = '\0';
        hint = rap__config_suggest(name);
        if (hint != NULL)
            rap__config_note(cfg, "unknown variable %s (did you mean %s?)", name, hint);
        else
            rap__config_note(cfg, "unknown variable %s (raptors-info lists the known ones)", name);
    }
}

void rap__config_read_env(rap_config *cfg, char *const *env)
{
    char want[128];
    int i = 0;

    memset(cfg, 0, sizeof(*cfg));
    for (const rap_config_var *v = rap__config_vars; v->name != NULL; v++, i++) {
        const char *s = lookup(env, v->name);

        parse(v, v->def, cfg); /* the test of the table parses every default */
        if (s == NULL || *s == '\0')
            continue;
        if (parse(v, s, cfg)) {
            cfg->from_env |= UINT32_C(1) << i;
            continue;
        }
        rap__config_accepts(v, want, sizeof(want));
        rap__config_note(cfg, "ignoring %s=%.*s%s (expected %s); using the default, %s", v->name, QUOTE_MAX, s,
                         strlen(s) > QUOTE_MAX ? "..." : "", want, v->def);
    }
    check_names(cfg, env);
}

void rap__config_read(rap_config *cfg)
{
    rap__config_read_env(cfg, environ);
}

int rap__config_parse_level(const char *s)
{
    int lv;

    for (const rap_config_var *v = rap__config_vars; s != NULL && v->name != NULL; v++)
        if (v->offset == offsetof(rap_config, log_level))
            return parse_choice(v, s, &lv) ? lv : -1;
    return -1;
}

size_t rap__config_value(const rap_config *cfg, const rap_config_var *v, char *buf, size_t n)
{
    const void *field = (const char *)cfg + v->offset;
    long long x = 0;
    const char *w;
    size_t len;
    int c;

    switch (v->kind) {
    case RAP_CONFIG_INT:
        x = *(const int *)field;
        break;
    case RAP_CONFIG_UINT:
        x = *(const unsigned *)field;
        break;
    case RAP_CONFIG_U64:
        x = (long long)*(const unsigned long long *)field;
        break;
    case RAP_CONFIG_BOOL:
        return (size_t)snprintf(buf, n, "%d", *(const bool *)field ? 1 : 0);
    case RAP_CONFIG_CHOICE:
        c = *(const int *)field;
        for (int i = 0; choice_word(v->choices, i, &w, &len); i++)
            if (choice_value(v, i) == c)
                return (size_t)snprintf(buf, n, "%.*s", (int)len, w);
        return (size_t)snprintf(buf, n, "%d", c);
    case RAP_CONFIG_TEXT:
        w = *(const char *const *)field;
        return (size_t)snprintf(buf, n, "%s", w != NULL ? w : v->word != NULL ? v->word : "");
    }
    if (v->word != NULL && x == v->word_value)
        return (size_t)snprintf(buf, n, "%s", v->word);
    return (size_t)snprintf(buf, n, "%lld", x);
}

size_t rap__config_describe(const rap_config *cfg, char *buf, size_t n)
{
    size_t at = 0;

    if (n > 0)
        buf[0] = '\0';
    for (const rap_config_var *v = rap__config_vars; v->name != NULL; v++) {
        size_t room = at < n ? n - at : 0;
        char *p = room > 0 ? buf + at : NULL;

        at += (size_t)snprintf(p, room, "%s%s=", at > 0 ? " " : "", v->key);
        room = at < n ? n - at : 0;
        at += rap__config_value(cfg, v, room > 0 ? buf + at : NULL, room);
    }
    return at;
}
