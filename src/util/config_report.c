/* util/config_report.c -- what is wrong with a rank's configuration, and
 * reporting it once for the job: the worker plan and its checks, the
 * problems of every rank gathered to rank 0, each distinct line printed
 * once with the ranks that had it (see config.h).
 *
 * Owns:    nothing beyond a call.
 * Threads: rap_init's thread (rap__config_report is collective).
 * Uses:    util/config.h, MPI.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/config.h"

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
