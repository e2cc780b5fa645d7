/* RAPTORS_* variables: every value parsed or refused with its sentence,
 * unknown names with the closest known one, the worker plan, and the
 * job-wide report's merging of the ranks' lines. */
#include <CUnit/CUnit.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/unit.h"
#include "util/config.h"

/* The configuration read from `env` alone (NULL-ended). */
static rap_config read_env(char *const *env)
{
    rap_config cfg;

    rap__config_read_env(&cfg, env);
    return cfg;
}

/* The configuration with one assignment "NAME=value" as its environment. */
static rap_config read1(const char *assignment)
{
    char *env[2] = { (char *)assignment, NULL };

    return read_env(env);
}

/* `cfg` recorded exactly `problem` (NULL: nothing). */
static void check_problem(const rap_config *cfg, const char *problem, const char *in)
{
    if (problem == NULL) {
        CU_ASSERT_EQUAL(cfg->nproblems, 0);
        if (cfg->nproblems != 0)
            fprintf(stderr, "\n  %s: unexpected problem: %s\n", in, cfg->problems[0]);
        return;
    }
    CU_ASSERT_EQUAL_FATAL(cfg->nproblems, 1);
    CU_ASSERT_STRING_EQUAL(cfg->problems[0], problem);
    if (strcmp(cfg->problems[0], problem) != 0)
        fprintf(stderr, "\n  %s:\n    got  %s\n    want %s\n", in, cfg->problems[0], problem);
}

typedef struct parse_case {
    const char *env;     /* "RAPTORS_X=value" */
    long long want;      /* the field afterwards */
    const char *problem; /* the sentence recorded, or NULL */
} parse_case;

static void check_cases(long long (*get)(const rap_config *), const parse_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rap_config cfg = read1(c[i].env);
        CU_ASSERT_EQUAL(get(&cfg), c[i].want);
        if (get(&cfg) != c[i].want)
            fprintf(stderr, "\n  %s: got %lld, want %lld\n", c[i].env, get(&cfg), c[i].want);
        check_problem(&cfg, c[i].problem, c[i].env);
    }
}

#define CHECK_CASES(get, cases) check_cases(get, cases, sizeof(cases) / sizeof(cases[0]))

static long long workers_of(const rap_config *c) { return c->workers; }
static long long bind_of(const rap_config *c) { return c->bind; }
static long long log_level_of(const rap_config *c) { return c->log_level; }
static long long stats_of(const rap_config *c) { return c->stats; }
static long long thread_level_of(const rap_config *c) { return c->thread_level; }
static long long spin_us_of(const rap_config *c) { return c->spin_us; }
static long long spin_yield_of(const rap_config *c) { return c->spin_yield; }
static long long poll_max_us_of(const rap_config *c) { return c->poll_max_us; }
static long long flow_window_of(const rap_config *c) { return (long long)c->flow_window; }

static void defaults_without_environment(void)
{
    char *env[] = { "PATH=/bin", "RAPTORSWORKERS=3", "MY_RAPTORS_BIND=0", NULL };
    rap_config cfg = read_env(env);
    char line[512];

    CU_ASSERT_EQUAL(cfg.workers, 0);
    CU_ASSERT_TRUE(cfg.bind);
    CU_ASSERT_EQUAL(cfg.log_level, RAP_LOG_INFO);
    CU_ASSERT_PTR_NULL(cfg.log_file);
    CU_ASSERT_FALSE(cfg.stats);
    CU_ASSERT_EQUAL(cfg.thread_level, MPI_THREAD_MULTIPLE);
    CU_ASSERT_EQUAL(cfg.spin_us, 200);
    CU_ASSERT_EQUAL(cfg.spin_yield, -1);
    CU_ASSERT_EQUAL(cfg.poll_max_us, 1000);
    CU_ASSERT_EQUAL(cfg.flow_window, RAP_FLOW_WINDOW_DEFAULT);
    CU_ASSERT_EQUAL(cfg.from_env, 0);
    CU_ASSERT_EQUAL(cfg.nproblems, 0);
    CU_ASSERT_EQUAL(cfg.problems_lost, 0);
    CU_ASSERT_EQUAL(rap__config_describe(&cfg, line, sizeof(line)), strlen(line));
    CU_ASSERT_STRING_EQUAL(line, "workers=auto bind=1 log_level=info log_file=stderr stats=0 "
                                 "thread_level=multiple spin_us=200 spin_yield=auto poll_max_us=1000 "
                                 "watchdog_us=1000 profile=on profile_interval_ms=1000 trace=off trace_events=100000 "
                                 "lb=refine lb_tolerance=2 lb_period_ms=0 lb_threshold=10 lb_max_moves=35 flow_window=16777216 "
                                 "sync_threads=2");
}

/* Each row names its field, and its default text is what a clean
 * environment gives. */
static void every_row_is_consistent(void)
{
    rap_config cfg = read_env(NULL);
    int rows = 0;

    for (const rap_config_var *v = rap__config_vars; v->name != NULL; v++, rows++) {
        char key[64], value[64];
        size_t i;

        CU_ASSERT_EQUAL(strncmp(v->name, "RAPTORS_", 8), 0);
        for (i = 0; v->name[8 + i] != '\0' && i + 1 < sizeof(key); i++)
            key[i] = (char)tolower((unsigned char)v->name[8 + i]);
        key[i] = '\0';
        CU_ASSERT_STRING_EQUAL(v->key, key);
        CU_ASSERT_PTR_NOT_NULL(v->def);
        CU_ASSERT_TRUE(v->meaning != NULL && v->meaning[0] != '\0');
        rap__config_value(&cfg, v, value, sizeof(value));
        CU_ASSERT_STRING_EQUAL(value, v->def);
    }
    CU_ASSERT_EQUAL(rows, 21);
    CU_ASSERT_TRUE(rows <= 32); /* from_env has a bit per row */
}

static void from_env_marks_values_taken(void)
{
    char *env[] = { "RAPTORS_BIND=0", "RAPTORS_STATS=on", "RAPTORS_WORKERS=", NULL };
    rap_config cfg = read_env(env);

    CU_ASSERT_EQUAL(cfg.from_env, 1u << 1); /* BIND, the second row; a bad or empty value is not taken */
    CU_ASSERT_EQUAL(cfg.nproblems, 1);
}

static void workers_parse(void)
{
    static const parse_case cases[] = {
        { "RAPTORS_WORKERS=4", 4, NULL },
        { "RAPTORS_WORKERS=auto", 0, NULL },
        { "RAPTORS_WORKERS=AUTO", 0, NULL },
        { "RAPTORS_WORKERS=0", 0, NULL },
        { "RAPTORS_WORKERS=1024", 1024, NULL },
        { "RAPTORS_WORKERS=", 0, NULL },
        { "RAPTORS_WORKERS=1025", 0,
          "ignoring RAPTORS_WORKERS=1025 (expected auto or 0..1024); using the default, auto" },
        { "RAPTORS_WORKERS=abc", 0,
          "ignoring RAPTORS_WORKERS=abc (expected auto or 0..1024); using the default, auto" },
        { "RAPTORS_WORKERS=-1", 0,
          "ignoring RAPTORS_WORKERS=-1 (expected auto or 0..1024); using the default, auto" },
        { "RAPTORS_WORKERS=4x", 0,
          "ignoring RAPTORS_WORKERS=4x (expected auto or 0..1024); using the default, auto" },
    };
    CHECK_CASES(workers_of, cases);
}

static void bind_parses(void)
{
    static const parse_case cases[] = {
        { "RAPTORS_BIND=0", 0, NULL },
        { "RAPTORS_BIND=1", 1, NULL },
        { "RAPTORS_BIND=2", 1, "ignoring RAPTORS_BIND=2 (expected 0 or 1); using the default, 1" },
        { "RAPTORS_BIND=no", 1, "ignoring RAPTORS_BIND=no (expected 0 or 1); using the default, 1" },
    };
    CHECK_CASES(bind_of, cases);
}

static void log_level_parses(void)
{
    static const parse_case cases[] = {
        { "RAPTORS_LOG_LEVEL=error", RAP_LOG_ERROR, NULL },
        { "RAPTORS_LOG_LEVEL=WARN", RAP_LOG_WARN, NULL },
        { "RAPTORS_LOG_LEVEL=debug", RAP_LOG_DEBUG, NULL },
        { "RAPTORS_LOG_LEVEL=0", RAP_LOG_ERROR, NULL },
        { "RAPTORS_LOG_LEVEL=3", RAP_LOG_DEBUG, NULL },
        { "RAPTORS_LOG_LEVEL=verbose", RAP_LOG_INFO,
          "ignoring RAPTORS_LOG_LEVEL=verbose (expected error|warn|info|debug or 0..3); using the default, info" },
        { "RAPTORS_LOG_LEVEL=4", RAP_LOG_INFO,
          "ignoring RAPTORS_LOG_LEVEL=4 (expected error|warn|info|debug or 0..3); using the default, info" },
        { "RAPTORS_LOG_LEVEL=info2", RAP_LOG_INFO,
          "ignoring RAPTORS_LOG_LEVEL=info2 (expected error|warn|info|debug or 0..3); using the default, info" },
    };
    CHECK_CASES(log_level_of, cases);
}

static void log_levels_parse(void)
{
    CU_ASSERT_EQUAL(rap__config_parse_level("error"), RAP_LOG_ERROR);
    CU_ASSERT_EQUAL(rap__config_parse_level("WARN"), RAP_LOG_WARN);
    CU_ASSERT_EQUAL(rap__config_parse_level("debug"), RAP_LOG_DEBUG);
    CU_ASSERT_EQUAL(rap__config_parse_level("2"), RAP_LOG_INFO);
    CU_ASSERT_EQUAL(rap__config_parse_level("verbose"), -1);
    CU_ASSERT_EQUAL(rap__config_parse_level("7"), -1);
    CU_ASSERT_EQUAL(rap__config_parse_level(""), -1);
    CU_ASSERT_EQUAL(rap__config_parse_level(NULL), -1);
}

/* RAPTORS_LOG_FILE: any name; "stderr" or empty means the standard error. */
static void log_file_parses(void)
{
    rap_config cfg = read1("RAPTORS_LOG_FILE=/tmp/job.log");

    CU_ASSERT_STRING_EQUAL(cfg.log_file, "/tmp/job.log");
    CU_ASSERT_EQUAL(cfg.nproblems, 0);
    cfg = read1("RAPTORS_LOG_FILE=stderr");
    CU_ASSERT_PTR_NULL(cfg.log_file);
    cfg = read1("RAPTORS_LOG_FILE=");
    CU_ASSERT_PTR_NULL(cfg.log_file);
    CU_ASSERT_EQUAL(cfg.nproblems, 0);
}

static void stats_parse(void)
{
    static const parse_case cases[] = {
        { "RAPTORS_STATS=1", 1, NULL },
        { "RAPTORS_STATS=0", 0, NULL },
        { "RAPTORS_STATS=on", 0, "ignoring RAPTORS_STATS=on (expected 0 or 1); using the default, 0" },
        { "RAPTORS_STATS=10", 0, "ignoring RAPTORS_STATS=10 (expected 0 or 1); using the default, 0" },
    };
    CHECK_CASES(stats_of, cases);
}

static void thread_level_parses(void)
{
    static const parse_case cases[] = {
        { "RAPTORS_THREAD_LEVEL=serialized", MPI_THREAD_SERIALIZED, NULL },
        { "RAPTORS_THREAD_LEVEL=MULTIPLE", MPI_THREAD_MULTIPLE, NULL },
        { "RAPTORS_THREAD_LEVEL=funneled", MPI_THREAD_MULTIPLE,
          "ignoring RAPTORS_THREAD_LEVEL=funneled (expected multiple|serialized); using the default, multiple" },
        /* Its words have MPI's values: no number names one. */
        { "RAPTORS_THREAD_LEVEL=1", MPI_THREAD_MULTIPLE,
          "ignoring RAPTORS_THREAD_LEVEL=1 (expected multiple|serialized); using the default, multiple" },
    };
    CHECK_CASES(thread_level_of, cases);
}

static void spin_us_parses(void)
{
    static const parse_case cases[] = {
        { "RAPTORS_SPIN_US=0", 0, NULL },
        { "RAPTORS_SPIN_US=1000000", 1000000, NULL },
        { "RAPTORS_SPIN_US=1000001", 200,
          "ignoring RAPTORS_SPIN_US=1000001 (expected 0..1000000); using the default, 200" },
        { "RAPTORS_SPIN_US=-5", 200, "ignoring RAPTORS_SPIN_US=-5 (expected 0..1000000); using the default, 200" },
        { "RAPTORS_SPIN_US=auto", 200,
          "ignoring RAPTORS_SPIN_US=auto (expected 0..1000000); using the default, 200" },
    };
    CHECK_CASES(spin_us_of, cases);
}

/* RAPTORS_SPIN_YIELD: 1 or 0 forces it; auto or -1 means automatic. */
static void spin_yield_parses(void)
{
    static const parse_case cases[] = {
        { "RAPTORS_SPIN_YIELD=1", 1, NULL },
        { "RAPTORS_SPIN_YIELD=0", 0, NULL },
        { "RAPTORS_SPIN_YIELD=", -1, NULL },
        { "RAPTORS_SPIN_YIELD=-1", -1, NULL },
        { "RAPTORS_SPIN_YIELD=auto", -1, NULL },
        { "RAPTORS_SPIN_YIELD=2", -1,
          "ignoring RAPTORS_SPIN_YIELD=2 (expected auto or -1..1); using the default, auto" },
        { "RAPTORS_SPIN_YIELD=yes", -1,
          "ignoring RAPTORS_SPIN_YIELD=yes (expected auto or -1..1); using the default, auto" },
    };
    CHECK_CASES(spin_yield_of, cases);
}

static void poll_max_us_parses(void)
{
    static const parse_case cases[] = {
        { "RAPTORS_POLL_MAX_US=1", 1, NULL },
        { "RAPTORS_POLL_MAX_US=250", 250, NULL },
        { "RAPTORS_POLL_MAX_US=0", 1000,
          "ignoring RAPTORS_POLL_MAX_US=0 (expected 1..1000000); using the default, 1000" },
        { "RAPTORS_POLL_MAX_US=1e3", 1000,
          "ignoring RAPTORS_POLL_MAX_US=1e3 (expected 1..1000000); using the default, 1000" },
    };
    CHECK_CASES(poll_max_us_of, cases);
}

/* RAPTORS_FLOW_WINDOW: bytes, 0 turns flow control off; anything else
 * that is not a number in range falls back to the default. */
static void flow_window_parses(void)
{
    static const parse_case cases[] = {
        { "RAPTORS_FLOW_WINDOW=1048576", 1048576, NULL },
        { "RAPTORS_FLOW_WINDOW=0", 0, NULL },
        { "RAPTORS_FLOW_WINDOW=", (long long)RAP_FLOW_WINDOW_DEFAULT, NULL },
        { "RAPTORS_FLOW_WINDOW=1099511627776", 1099511627776ll, NULL }, /* 2^40 */
        { "RAPTORS_FLOW_WINDOW=-1", (long long)RAP_FLOW_WINDOW_DEFAULT,
          "ignoring RAPTORS_FLOW_WINDOW=-1 (expected 0..1099511627776); using the default, 16777216" },
        { "RAPTORS_FLOW_WINDOW=12x", (long long)RAP_FLOW_WINDOW_DEFAULT,
          "ignoring RAPTORS_FLOW_WINDOW=12x (expected 0..1099511627776); using the default, 16777216" },
        { "RAPTORS_FLOW_WINDOW=99999999999999999999", (long long)RAP_FLOW_WINDOW_DEFAULT,
          "ignoring RAPTORS_FLOW_WINDOW=99999999999999999999 (expected 0..1099511627776); using the default, "
          "16777216" },
        { "RAPTORS_FLOW_WINDOW=1099511627777", (long long)RAP_FLOW_WINDOW_DEFAULT,
          "ignoring RAPTORS_FLOW_WINDOW=1099511627777 (expected 0..1099511627776); using the default, 16777216" },
    };
    CHECK_CASES(flow_window_of, cases);
}

/* A long value is quoted up to 64 bytes, then "...". */
static void long_value_is_cut(void)
{
    char env[200], x[101], want[300];
    rap_config cfg;

    memset(x, 'x', 100);
    x[100] = '\0';
    snprintf(env, sizeof(env), "RAPTORS_SPIN_US=%s", x);
    cfg = read1(env);
    CU_ASSERT_EQUAL(cfg.spin_us, 200);
    snprintf(want, sizeof(want), "ignoring RAPTORS_SPIN_US=%.64s... (expected 0..1000000); using the default, 200",
             x);
    check_problem(&cfg, want, "long value");
}

static void unknown_names_are_reported(void)
{
    static const struct { const char *env, *problem; } cases[] = {
        { "RAPTORS_WORKER=2", "unknown variable RAPTORS_WORKER (did you mean RAPTORS_WORKERS?)" },
        { "RAPTORS_LOGLEVEL=debug", "unknown variable RAPTORS_LOGLEVEL (did you mean RAPTORS_LOG_LEVEL?)" },
        { "RAPTORS_workers=2", "unknown variable RAPTORS_workers (did you mean RAPTORS_WORKERS?)" },
        { "RAPTORS_SPIN_YEILD=1", "unknown variable RAPTORS_SPIN_YEILD (did you mean RAPTORS_SPIN_YIELD?)" },
        { "RAPTORS_FLOW_WINDOWS=0", "unknown variable RAPTORS_FLOW_WINDOWS (did you mean RAPTORS_FLOW_WINDOW?)" },
        { "RAPTORS_STAT=1", "unknown variable RAPTORS_STAT (did you mean RAPTORS_STATS?)" },
        { "RAPTORS_FOO=1", "unknown variable RAPTORS_FOO (raptors-info lists the known ones)" },
        { "RAPTORS_THREADS=4", "unknown variable RAPTORS_THREADS (raptors-info lists the known ones)" },
        { "RAPTORS_=1", "unknown variable RAPTORS_ (raptors-info lists the known ones)" },
        { "RAPTORS_WORKERS=2", NULL },
        { "RAPTORS_LOG_FILE=RAPTORS_X=1", NULL },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rap_config cfg = read1(cases[i].env);
        check_problem(&cfg, cases[i].problem, cases[i].env);
    }
}

static void suggestions(void)
{
    CU_ASSERT_STRING_EQUAL(rap__config_suggest("RAPTORS_WORKRES"), "RAPTORS_WORKERS"); /* a swap */
    CU_ASSERT_STRING_EQUAL(rap__config_suggest("RAPTORS_POLL_MAX"), "RAPTORS_POLL_MAX_US");
    CU_ASSERT_STRING_EQUAL(rap__config_suggest("RAPTORS_LOG_FIEL"), "RAPTORS_LOG_FILE");
    CU_ASSERT_STRING_EQUAL(rap__config_suggest("RAPTORS_BIN"), "RAPTORS_BIND");
    CU_ASSERT_PTR_NULL(rap__config_suggest("RAPTORS_X"));
    CU_ASSERT_PTR_NULL(rap__config_suggest("RAPTORS_VERBOSE"));
    CU_ASSERT_PTR_NULL(rap__config_suggest("OTHER_WORKERS"));
    CU_ASSERT_PTR_NULL(rap__config_suggest(NULL));
}

/* Past RAP_CONFIG_PROBLEMS, problems are counted, not kept. */
static void problems_are_bounded(void)
{
    char names[RAP_CONFIG_PROBLEMS + 4][32];
    char *env[RAP_CONFIG_PROBLEMS + 5];
    rap_config cfg;
    int n = RAP_CONFIG_PROBLEMS + 4;

    for (int i = 0; i < n; i++) {
        snprintf(names[i], sizeof(names[i]), "RAPTORS_NOPE%d=1", i);
        env[i] = names[i];
    }
    env[n] = NULL;
    cfg = read_env(env);
    CU_ASSERT_EQUAL(cfg.nproblems, RAP_CONFIG_PROBLEMS);
    CU_ASSERT_EQUAL(cfg.problems_lost, 4);
    CU_ASSERT_STRING_EQUAL(cfg.problems[0], "unknown variable RAPTORS_NOPE0 (raptors-info lists the known ones)");
}

static void values_and_describe(void)
{
    char *env[] = { "RAPTORS_WORKERS=3", "RAPTORS_LOG_LEVEL=debug", "RAPTORS_LOG_FILE=/tmp/l",
                    "RAPTORS_THREAD_LEVEL=serialized", "RAPTORS_SPIN_YIELD=0", "RAPTORS_FLOW_WINDOW=0", NULL };
    rap_config cfg = read_env(env);
    char line[512], small[10];
    size_t full;

    full = rap__config_describe(&cfg, line, sizeof(line));
    CU_ASSERT_STRING_EQUAL(line, "workers=3 bind=1 log_level=debug log_file=/tmp/l stats=0 "
                                 "thread_level=serialized spin_us=200 spin_yield=0 poll_max_us=1000 "
                                 "watchdog_us=1000 profile=on profile_interval_ms=1000 trace=off "
                                 "trace_events=100000 lb=refine lb_tolerance=2 lb_period_ms=0 lb_threshold=10 lb_max_moves=35 flow_window=0 "
                           "sync_threads=2");
    CU_ASSERT_EQUAL(full, strlen(line));
    /* Cut: the full length comes back, the text is NUL-terminated. */
    CU_ASSERT_EQUAL(rap__config_describe(&cfg, small, sizeof(small)), full);
    CU_ASSERT_STRING_EQUAL(small, "workers=3");
}

static const rap_config_var *var(const char *name)
{
    for (const rap_config_var *v = rap__config_vars; v->name != NULL; v++)
        if (strcmp(v->name, name) == 0)
            return v;
    CU_FAIL_FATAL("no such variable");
    return NULL;
}

static void accepted_values(void)
{
    static const struct { const char *name, *want; } cases[] = {
        { "RAPTORS_WORKERS", "auto or 0..1024" },
        { "RAPTORS_BIND", "0 or 1" },
        { "RAPTORS_LOG_LEVEL", "error|warn|info|debug or 0..3" },
        { "RAPTORS_LOG_FILE", "a file name, or stderr" },
        { "RAPTORS_THREAD_LEVEL", "multiple|serialized" },
        { "RAPTORS_SPIN_YIELD", "auto or -1..1" },
        { "RAPTORS_POLL_MAX_US", "1..1000000" },
        { "RAPTORS_FLOW_WINDOW", "0..1099511627776" },
    };
    char buf[128];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CU_ASSERT_EQUAL(rap__config_accepts(var(cases[i].name), buf, sizeof(buf)), strlen(cases[i].want));
        CU_ASSERT_STRING_EQUAL(buf, cases[i].want);
    }
}

static void plan_arithmetic(void)
{
    static const struct {
        int workers, bind, cores, pus, ranks;
        rap_worker_plan want;
    } cases[] = {
        /* auto: one per core of the binding */
        { 0, 1, 4, 8, 1, { .workers = 4, .bind = true, .cores = 4, .share = 8 } },
        /* 16 ranks that Open MPI binds to one 16-core socket each see 16
         * cores: one worker each, not pinned (all would pin core 0) */
        { 0, 1, 16, 16, 16, { .workers = 1, .bind = false, .cores = 16, .share = 1 } },
        /* the same with two hardware threads per core */
        { 0, 1, 16, 32, 16, { .workers = 2, .bind = false, .cores = 16, .share = 2 } },
        /* 2 ranks, each bound to its half of 16 cores */
        { 0, 1, 8, 16, 2, { .workers = 8, .bind = true, .cores = 8, .share = 8 } },
        /* more ranks than hardware threads: a share of one */
        { 0, 1, 1, 2, 4, { .workers = 1, .bind = true, .cores = 1, .share = 1 } },
        /* RAPTORS_BIND=0 */
        { 0, 0, 4, 4, 1, { .workers = 4, .bind = false, .cores = 4, .share = 4 } },
        /* RAPTORS_WORKERS above the binding's cores */
        { 4, 1, 2, 2, 1,
          { .workers = 4, .bind = true, .cores = 2, .share = 2, .over_cores = true, .over_share = true } },
        /* RAPTORS_WORKERS within the binding, above the share */
        { 2, 1, 16, 16, 16, { .workers = 2, .bind = false, .cores = 16, .share = 1, .over_share = true } },
        /* RAPTORS_WORKERS below both */
        { 2, 1, 8, 16, 1, { .workers = 2, .bind = true, .cores = 8, .share = 16 } },
        /* nonsense counts are taken as 1 */
        { 0, 1, 0, 0, 0, { .workers = 1, .bind = true, .cores = 1, .share = 1 } },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rap_worker_plan p = rap__config_plan(cases[i].workers, cases[i].bind, cases[i].cores, cases[i].pus,
                                             cases[i].ranks);
        CU_ASSERT_EQUAL(p.workers, cases[i].want.workers);
        CU_ASSERT_EQUAL(p.bind, cases[i].want.bind);
        CU_ASSERT_EQUAL(p.cores, cases[i].want.cores);
        CU_ASSERT_EQUAL(p.share, cases[i].want.share);
        CU_ASSERT_EQUAL(p.over_cores, cases[i].want.over_cores);
        CU_ASSERT_EQUAL(p.over_share, cases[i].want.over_share);
    }
}

static void spin_yield_decision(void)
{
    CU_ASSERT_TRUE(rap__config_spin_yield(-1, 4, 2));   /* auto: the node's workers outnumber its threads */
    CU_ASSERT_FALSE(rap__config_spin_yield(-1, 2, 2));
    CU_ASSERT_TRUE(rap__config_spin_yield(-1, 0x7fffffff, 64)); /* unknown total: yield */
    CU_ASSERT_FALSE(rap__config_spin_yield(0, 100, 2)); /* forced */
    CU_ASSERT_TRUE(rap__config_spin_yield(1, 1, 8));
}

static void plan_problems(void)
{
    rap_config cfg = read_env(NULL);
    rap_worker_plan p;

    p = rap__config_plan(0, true, 16, 16, 16);
    rap__config_check_plan(&cfg, &p);
    CU_ASSERT_EQUAL(cfg.nproblems, 0);
    p = rap__config_plan(4, true, 2, 2, 1);
    rap__config_check_plan(&cfg, &p);
    p = rap__config_plan(3, true, 1, 8, 1);
    rap__config_check_plan(&cfg, &p);
    p = rap__config_plan(2, true, 16, 16, 16);
    rap__config_check_plan(&cfg, &p);
    CU_ASSERT_EQUAL_FATAL(cfg.nproblems, 3);
    CU_ASSERT_STRING_EQUAL(cfg.problems[0], "RAPTORS_WORKERS=4 is more than the 2 cores of this rank's binding "
                                            "and this rank's share of the node's hardware threads (2); workers "
                                            "will share cores");
    CU_ASSERT_STRING_EQUAL(cfg.problems[1], "RAPTORS_WORKERS=3 is more than the 1 core of this rank's binding; "
                                            "workers will share cores");
    CU_ASSERT_STRING_EQUAL(cfg.problems[2], "RAPTORS_WORKERS=2 is more than this rank's share of the node's "
                                            "hardware threads (1); workers will share cores");
}

static void rank_lists(void)
{
    static const int a[] = { 0, 1, 2, 3, 5, 7, 8, 9 }, b[] = { 4 }, c[] = { 0, 0, 1, 1 }, d[] = { 1, 3 },
                     e[] = { 0, 2, 4, 6, 8, 10 }, f[] = { 10, 11 };
    char buf[64];

    CU_ASSERT_EQUAL(rap__config_format_ranks(a, 8, buf, sizeof(buf)), 9);
    CU_ASSERT_STRING_EQUAL(buf, "0-3,5,7-9");
    rap__config_format_ranks(b, 1, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "4");
    rap__config_format_ranks(c, 4, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "0-1");
    rap__config_format_ranks(d, 2, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "1,3");
    rap__config_format_ranks(f, 2, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "10-11");
    /* Cut after the last run that fits, and said to be cut. */
    CU_ASSERT_EQUAL(rap__config_format_ranks(e, 6, buf, 10), 9);
    CU_ASSERT_STRING_EQUAL(buf, "0,2,4,...");
    CU_ASSERT_EQUAL(rap__config_format_ranks(e, 6, buf, 13), 12);
    CU_ASSERT_STRING_EQUAL(buf, "0,2,4,6,8,10"); /* the last run needs no room for ",..." */
    rap__config_format_ranks(e, 6, buf, 12);
    CU_ASSERT_STRING_EQUAL(buf, "0,2,4,6,...");
    rap__config_format_ranks(a, 8, buf, 4);
    CU_ASSERT_STRING_EQUAL(buf, "...");
}

typedef struct emitted {
    int n;
    char lines[8][256];
} emitted;

static void collect(const char *line, void *arg)
{
    emitted *e = arg;

    if (e->n < 8)
        snprintf(e->lines[e->n], sizeof(e->lines[0]), "%s", line);
    e->n++;
}

/* Each distinct line once, in order of first appearance, with its ranks. */
static void report_merges_ranks(void)
{
    /* rank 0: a b; rank 1: a; rank 2: nothing; rank 3: c a a; rank 4: b a */
    static const char text[] = "a\nb\n" "a\n" "" "c\na\na\n" "b\na\n";
    static const int lens[] = { 4, 2, 0, 6, 4 };
    emitted e = { 0 };

    CU_ASSERT_EQUAL(rap__config_report_lines(text, lens, 5, collect, &e), RAP_OK);
    CU_ASSERT_EQUAL_FATAL(e.n, 3);
    CU_ASSERT_STRING_EQUAL(e.lines[0], "a [ranks 0-1,3-4]");
    CU_ASSERT_STRING_EQUAL(e.lines[1], "b [ranks 0,4]");
    CU_ASSERT_STRING_EQUAL(e.lines[2], "c [rank 3]");
}

static void report_of_nothing(void)
{
    static const int lens[] = { 0, 0 };
    emitted e = { 0 };

    CU_ASSERT_EQUAL(rap__config_report_lines("", lens, 2, collect, &e), RAP_OK);
    CU_ASSERT_EQUAL(e.n, 0);
}

/* A line that is a prefix of another is not the same line. */
static void report_keeps_prefixes_apart(void)
{
    static const char text[] = "ab\n" "a\n" "ab\n";
    static const int lens[] = { 3, 2, 3 };
    emitted e = { 0 };

    CU_ASSERT_EQUAL(rap__config_report_lines(text, lens, 3, collect, &e), RAP_OK);
    CU_ASSERT_EQUAL_FATAL(e.n, 2);
    CU_ASSERT_STRING_EQUAL(e.lines[0], "ab [ranks 0,2]");
    CU_ASSERT_STRING_EQUAL(e.lines[1], "a [rank 1]");
}

/* rap__config_read reads the process's environment. */
static void reads_the_environment(void)
{
    rap_config cfg;

    setenv("RAPTORS_WORKERS", "3", 1);
    rap__config_read(&cfg);
    CU_ASSERT_EQUAL(cfg.workers, 3);
    CU_ASSERT_TRUE(cfg.from_env & 1u);
    unsetenv("RAPTORS_WORKERS");
    rap__config_read(&cfg);
    CU_ASSERT_EQUAL(cfg.workers, 0);
}

static CU_TestInfo tests[] = {
    { "defaults without environment", defaults_without_environment },
    { "every row is consistent", every_row_is_consistent },
    { "from_env marks values taken", from_env_marks_values_taken },
    { "workers parse", workers_parse },
    { "bind parses", bind_parses },
    { "log level parses", log_level_parses },
    { "log levels parse", log_levels_parse },
    { "log file parses", log_file_parses },
    { "stats parse", stats_parse },
    { "thread level parses", thread_level_parses },
    { "spin us parses", spin_us_parses },
    { "spin yield parses", spin_yield_parses },
    { "poll max us parses", poll_max_us_parses },
    { "flow window parses", flow_window_parses },
    { "long value is cut", long_value_is_cut },
    { "unknown names are reported", unknown_names_are_reported },
    { "suggestions", suggestions },
    { "problems are bounded", problems_are_bounded },
    { "values and describe", values_and_describe },
    { "accepted values", accepted_values },
    { "plan arithmetic", plan_arithmetic },
    { "spin yield decision", spin_yield_decision },
    { "plan problems", plan_problems },
    { "rank lists", rank_lists },
    { "report merges ranks", report_merges_ranks },
    { "report of nothing", report_of_nothing },
    { "report keeps prefixes apart", report_keeps_prefixes_apart },
    { "reads the environment", reads_the_environment },
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
    { .pName = "util/config", .pTests = tests },
    CU_SUITE_INFO_NULL,
};

int main(void) { return rap_test_run(suites); }
