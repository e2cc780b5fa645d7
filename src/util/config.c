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
      .meaning = "the watchdog's period in microseconds: the longest an actor's turn runs "
                 "before the others get theirs, the longest a runnable actor waits behind a "
                 "busy worker, the longest MPI waits while every worker is busy; 0: off" },
    { .name = "RAPTORS_FLOW_WINDOW", FIELD(flow_window), .kind = RAP_CONFIG_U64, .def = "16777216",
      .lo = 0, .hi = 1ll << 40,
      .meaning = "bytes of messages in flight to one rank before its senders wait; 0: no "
                 "limit; rank 0's value applies" },
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

/* ---- The worker plan ------------------------------------------------- */

rap_worker_plan rap__config_plan(int workers, bool bind, int cores, int machine_pus, int node_ranks)
{
    rap_worker_plan p;

    p.cores = cores > 0 ? cores : 1;
    p.share = (machine_pus > 0 ? machine_pus : 1) / (node_ranks > 0 ? node_ranks : 1);
    if (p.share < 1)
        p.share = 1;
    p.workers = workers > 0 ? workers : p.cores < p.share ? p.cores : p.share;
    p.bind = bind && p.cores <= p.share;
    p.over_cores = p.workers > p.cores;
    p.over_share = p.workers > p.share;
    return p;
}

bool rap__config_spin_yield(int spin_yield, int node_workers, int machine_pus)
{
    if (spin_yield >= 0)
        return spin_yield != 0;
    return node_workers > machine_pus;
}

void rap__config_check_plan(rap_config *cfg, const rap_worker_plan *plan)
{
    char cores[64] = "", share[96] = "";

    if (!plan->over_cores && !plan->over_share)
        return;
    if (plan->over_cores)
        snprintf(cores, sizeof(cores), "the %d core%s of this rank's binding", plan->cores,
                 plan->cores == 1 ? "" : "s");
    if (plan->over_share)
        snprintf(share, sizeof(share), "this rank's share of the node's hardware threads (%d)", plan->share);
    rap__config_note(cfg, "RAPTORS_WORKERS=%d is more than %s%s%s; workers will share cores", plan->workers,
                     cores, plan->over_cores && plan->over_share ? " and " : "", share);
}

/* ---- Reporting once for the job --------------------------------------- */

size_t rap__config_format_ranks(const int *ranks, size_t n, char *buf, size_t len)
{
    size_t at = 0, keep = 0, i = 0;

    if (len == 0)
        return 0;
    buf[0] = '\0';
    while (i < n) {
        char run[32];
        size_t j = i, rl;

        /* A run: consecutive ranks, repeats included. */
        while (j + 1 < n && (ranks[j + 1] == ranks[j] || ranks[j + 1] == ranks[j] + 1))
            j++;
        if (ranks[j] == ranks[i])
            rl = (size_t)snprintf(run, sizeof(run), "%s%d", at > 0 ? "," : "", ranks[i]);
        else
            rl = (size_t)snprintf(run, sizeof(run), "%s%d-%d", at > 0 ? "," : "", ranks[i], ranks[j]);
        if (at + rl + 1 > len) {
            /* Cut after the last run that leaves room for ",...". */
            snprintf(buf + keep, len - keep, "%s...", keep > 0 ? "," : "");
            return strlen(buf);
        }
        memcpy(buf + at, run, rl + 1);
        at += rl;
        if (at + 5 <= len)
            keep = at;
        i = j + 1;
    }
    return at;
}

typedef struct line_ref {
    const char *s;
    int len;
    int rank;
    int seq;   /* order of appearance */
    int first; /* after grouping: the seq of the group's first line */
} line_ref;

static int by_text(const line_ref *x, const line_ref *y)
{
    int n = x->len < y->len ? x->len : y->len, c = memcmp(x->s, y->s, (size_t)n);

    if (c != 0)
        return c;
    return x->len == y->len ? 0 : x->len < y->len ? -1 : 1;
}

static bool same_text(const line_ref *x, const line_ref *y)
{
    return by_text(x, y) == 0;
}

static int by_text_then_seq(const void *a, const void *b)
{
    const line_ref *x = a, *y = b;
    int c = by_text(x, y);

    return c != 0 ? c : x->seq - y->seq;
}

static int by_first_then_seq(const void *a, const void *b)
{
    const line_ref *x = a, *y = b;

    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    return x->seq - y->seq;
}

int rap__config_report_lines(const char *text, const int *lens, int nranks, rap_config_emit_fn emit,
                             void *arg)
{
    line_ref *refs;
    int *ranks;
    size_t nrefs = 0, at = 0, total = 0;
    char line[RAP_CONFIG_PROBLEM_MAX + 512];

    /* Count the lines, then list them. */
    for (int r = 0; r < nranks; r++)
        total += (size_t)lens[r];
    for (size_t k = 0; k < total; k++)
        nrefs += text[k] == '\n';
    if (nrefs == 0)
        return RAP_OK;
    refs = malloc(nrefs * sizeof(*refs));
    ranks = malloc(nrefs * sizeof(*ranks));
    if (refs == NULL || ranks == NULL) {
        free(refs);
        free(ranks);
        return RAP_ENOMEM;
    }
    nrefs = 0;
    for (int r = 0; r < nranks; r++) {
        const char *p = text + at, *end = p + lens[r];
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            if (nl == NULL)
                break; /* an unended tail is not a line */
            refs[nrefs] = (line_ref){ p, (int)(nl - p), r, (int)nrefs, 0 };
            nrefs++;
            p = nl + 1;
        }
        at += (size_t)lens[r];
    }

    /* Group equal lines; a group keeps the place of its first line. */
    qsort(refs, nrefs, sizeof(*refs), by_text_then_seq);
    for (size_t i = 0; i < nrefs; i++)
        refs[i].first = i > 0 && same_text(&refs[i], &refs[i - 1]) ? refs[i - 1].first : refs[i].seq;
    qsort(refs, nrefs, sizeof(*refs), by_first_then_seq);

    for (size_t i = 0, j; i < nrefs; i = j) {
        size_t nr = 0, head;
        for (j = i; j < nrefs && refs[j].first == refs[i].first; j++)
            if (nr == 0 || ranks[nr - 1] != refs[j].rank)
                ranks[nr++] = refs[j].rank;
        head = (size_t)snprintf(line, sizeof(line), "%.*s [rank%s ",
                                refs[i].len < RAP_CONFIG_PROBLEM_MAX ? refs[i].len : RAP_CONFIG_PROBLEM_MAX - 1,
                                refs[i].s, nr > 1 ? "s" : "");
        head += rap__config_format_ranks(ranks, nr, line + head, sizeof(line) - head - 1);
        memcpy(line + head, "]", 2);
        emit(line, arg);
    }
    free(refs);
    free(ranks);
    return RAP_OK;
}

/* This rank's problems as lines, each ended by '\n'; returns their bytes. */
static int pack(const rap_config *cfg, char *buf, size_t n)
{
    size_t at = 0;

    for (int i = 0; i < cfg->nproblems && i < RAP_CONFIG_PROBLEMS; i++)
        at += (size_t)snprintf(buf + at, n - at, "%.*s\n", RAP_CONFIG_PROBLEM_MAX - 1, cfg->problems[i]);
    if (cfg->problems_lost > 0)
        at += (size_t)snprintf(buf + at, n - at, "%d more problems (only %d are kept)\n", cfg->problems_lost,
                               RAP_CONFIG_PROBLEMS);
    return (int)at;
}

int rap__config_report(const rap_config *cfg, MPI_Comm comm, rap_config_emit_fn emit, void *arg)
{
    char mine[(RAP_CONFIG_PROBLEMS + 1) * (RAP_CONFIG_PROBLEM_MAX + 1)];
    int rank, size, len, in[2], out[2], ok = 1, rc = RAP_OK;
    int *lens = NULL, *displs = NULL;
    char *all = NULL;
    size_t total = 0;

    if (cfg == NULL || emit == NULL || comm == MPI_COMM_NULL)
        return RAP_EINVAL;
    if (MPI_Comm_rank(comm, &rank) != MPI_SUCCESS || MPI_Comm_size(comm, &size) != MPI_SUCCESS)
        return RAP_EMPI;
    len = pack(cfg, mine, sizeof(mine));
    if (rank == 0) {
        lens = malloc(2 * (size_t)size * sizeof(*lens));
        displs = lens != NULL ? lens + size : NULL;
    }
    /* Whether any rank has something, and whether rank 0 can listen. */
    in[0] = len;
    in[1] = rank == 0 && lens == NULL;
    if (MPI_Allreduce(in, out, 2, MPI_INT, MPI_MAX, comm) != MPI_SUCCESS) {
        rc = RAP_EMPI;
        goto free_lens;
    }
    if (out[1] || out[0] == 0) {
        rc = out[1] ? RAP_ENOMEM : RAP_OK;
        goto free_lens;
    }
    if (MPI_Gather(&len, 1, MPI_INT, lens, 1, MPI_INT, 0, comm) != MPI_SUCCESS) {
        rc = RAP_EMPI;
        goto free_lens;
    }
    if (rank == 0) {
        for (int r = 0; r < size; r++) {
            displs[r] = (int)total;
            total += (size_t)lens[r];
        }
        all = total <= (size_t)INT32_MAX ? malloc(total) : NULL;
        ok = all != NULL;
    }
    if (MPI_Bcast(&ok, 1, MPI_INT, 0, comm) != MPI_SUCCESS) {
        rc = RAP_EMPI;
        goto free_all;
    }
    if (!ok) {
        rc = RAP_ENOMEM;
        goto free_all;
    }
    if (MPI_Gatherv(mine, len, MPI_CHAR, all, lens, displs, MPI_CHAR, 0, comm) != MPI_SUCCESS) {
        rc = RAP_EMPI;
        goto free_all;
    }
    if (rank == 0)
        rc = rap__config_report_lines(all, lens, size, emit, arg);

free_all:
    free(all);
free_lens:
    free(lens);
    return rc;
}
