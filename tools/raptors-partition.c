/* tools/raptors-partition.c -- replay: a placement computed from a recorded
 * profile (RAPTORS_PROFILE=path) for any rank count, with the same
 * partitioner the runtime uses (partition/lb.h).  Prints the predicted load
 * per rank, the imbalance, the bytes that cross ranks and the moves, and
 * writes the placement as JSON (docs/BALANCING.md).
 *
 * Owns:       nothing; one run, one model, one plan.
 * Invariants: the same profile and options give the same file, byte for
 *             byte (the decision's time goes to stdout only); an actor's
 *             load is its handler time over the job's wall time, a pair's
 *             bytes per second its bytes over the wall time (both ways
 *             summed); actors on ranks at or past --ranks start on
 *             rank % ranks; the other actors of a type that the profile
 *             sums ("aid": null) stay where they are, as pinned load.
 * Threads:    one.
 * Uses:       partition/lb.h, util/, jansson, the public header.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "partition/lb.h"

#define PLACEMENT_VERSION 1

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: raptors-partition PROFILE.json [--ranks N] [--workers W] [--strategy S]\n"
            "                         [--tolerance T] [--max-moves K] [--seed X] [-o PLACEMENT.json]\n"
            "       raptors-partition --list\n"
            "Computes where each actor of a recorded profile should run on N ranks (default:\n"
            "the profile's), prints the predicted load per rank, the imbalance, the bytes\n"
            "that cross ranks and the moves, and writes the placement as JSON with -o.\n"
            "  --ranks N       ranks to place on (actors recorded on rank r >= N start on r %% N)\n"
            "  --workers W     workers per rank (default: each rank's in the profile, or 1)\n"
            "  --strategy S    refine (default), greedy, metis (when built with METIS), off\n"
            "  --tolerance T   refine: a rank is overloaded past mean x (1 + T) (default 0.05)\n"
            "  --max-moves K   at most K moves (default: no bound)\n"
            "  --seed X        metis: its random seed\n"
            "Exit status: 0 done, 2 bad input or options (said on stderr), 1 out of memory.\n");
}

static int fail(const char *what, const char *detail)
{
    fprintf(stderr, "raptors-partition: %s%s%s\n", what, detail != NULL ? ": " : "", detail != NULL ? detail : "");
    return 2;
}

/* The top serial bit: a movable actor's id (src/msg/aid.h), written
 * "home:serialm". */
#define MOVABLE_BIT (1ull << (RAP_AID_SERIAL_BITS - 1))

/* "rank:serial" or "rank:serialm" -> an id; 0 when malformed. */
static rap_aid parse_aid(const char *s)
{
    char *end;
    unsigned long long r, serial;

    if (s == NULL)
        return 0;
    errno = 0;
    r = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != ':' || r >= (1ull << RAP_AID_RANK_BITS))
        return 0;
    s = end + 1;
    serial = strtoull(s, &end, 10);
    if (errno != 0 || end == s || serial == 0 || serial >= MOVABLE_BIT)
        return 0;
    if (*end == 'm')
        serial |= MOVABLE_BIT, end++;
    if (*end != '\0')
        return 0;
    return (rap_aid)(r << RAP_AID_SERIAL_BITS | serial);
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* Type names to small ids, in order of first sight. */
typedef struct names {
    const char **v;
    size_t n, cap;
} names;

static int type_id(names *t, const char *name, uint32_t *id)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i], name) == 0) {
            *id = (uint32_t)i + 1;
            return 0;
        }
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        const char **v = realloc(t->v, cap * sizeof(*v));
        if (v == NULL)
            return -1;
        t->v = v;
        t->cap = cap;
    }
    t->v[t->n++] = name;
    *id = (uint32_t)t->n;
    return 0;
}

static int by_aid(const void *x, const void *y)
{
    const rap_pm_edge *a = x, *b = y;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return (a->b > b->b) - (a->b < b->b);
}

static int cmp_aid(const void *x, const void *y)
{
    rap_aid a = *(const rap_aid *)x, b = *(const rap_aid *)y;
    return (a > b) - (a < b);
}

static double num(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : -1;
}

static int hosts(json_t *root, bool same_ranks, rap_pmodel *m, names *types);

/* The model of `root` on `nranks` ranks.  Returns 0, 2 (bad profile: said)
 * or 1 (out of memory). */
static int build(json_t *root, int nranks, int workers, rap_pmodel *m, names *types)
{
    json_t *actors = json_object_get(root, "actors"), *pairs = json_object_get(root, "actor_pairs"),
           *ranks = json_object_get(root, "ranks_load"), *x;
    double wall = num(root, "wall_s");
    int recorded = (int)num(root, "ranks");
    size_t i, na = 0;

    if (json_integer_value(json_object_get(root, "raptors_profile")) != 1)
        return fail("not a Raptors profile of schema 1", "\"raptors_profile\"");
    if (!json_is_array(actors) || !json_is_array(pairs) || recorded < 1 || !(wall > 0))
        return fail("the profile lacks", "\"actors\", \"actor_pairs\", \"ranks\" or \"wall_s\"");
    if (nranks == 0)
        nranks = recorded;
    m->nranks = nranks;
    if ((m->ranks = calloc((size_t)nranks, sizeof(*m->ranks))) == NULL ||
        (m->actors = calloc(json_array_size(actors) + 1, sizeof(*m->actors))) == NULL)
        return 1;
    for (int r = 0; r < nranks; r++) {
        int w = workers;
        if (w == 0 && r < recorded && json_is_array(ranks))
            w = (int)num(json_array_get(ranks, (size_t)r), "workers");
        m->ranks[r] = (rap_pm_rank){ .rank = r, .workers = w > 0 ? w : 1 };
    }
    json_array_foreach(actors, i, x) {
        json_t *aid = json_object_get(x, "aid");
        const char *type = json_string_value(json_object_get(x, "type"));
        double t = num(x, "time_ns"), r = num(x, "rank");
        rap_pm_actor *a = &m->actors[na];
        if (type == NULL || t < 0 || r < 0 || r >= recorded)
            return fail("an actor without a type, a time or a recorded rank", json_string_value(aid));
        if (type_id(types, type, &a->atype) != 0)
            return 1;
        a->rank = (int)r % nranks;
        a->load = t / wall;
        a->state_bytes = num(x, "state_bytes") > 0 ? (uint64_t)num(x, "state_bytes") : 0;
        if (json_is_null(aid)) { /* the others of a type on a rank: load that stays */
            a->aid = ((rap_aid)((int)r + 1) << RAP_AID_SERIAL_BITS) - 1 - a->atype; /* a serial no actor has */
            a->pinned = true;
        } else if ((a->aid = parse_aid(json_string_value(aid))) == 0) {
            return fail("an actor id is not \"rank:serial\"", json_string_value(aid));
        }
        na++;
    }
    m->nactors = na;
    if ((m->edges = calloc(json_array_size(pairs) + 1, sizeof(*m->edges))) == NULL)
        return 1;
    json_array_foreach(pairs, i, x) {
        rap_aid s = parse_aid(json_string_value(json_object_get(x, "src"))),
                d = parse_aid(json_string_value(json_object_get(x, "dst")));
        double b = num(x, "bytes");
        if (s == 0 || d == 0 || b < 0)
            return fail("a pair without two actor ids and bytes", NULL);
        if (s == d)
            continue; /* an actor's messages to itself never cross */
        m->edges[m->nedges++] = (rap_pm_edge){ s < d ? s : d, s < d ? d : s, b / wall };
    }
    /* One edge per pair, both ways summed; pairs whose actors the profile
     * does not list (lighter than its heaviest) are left out. */
    qsort(m->edges, m->nedges, sizeof(*m->edges), by_aid);
    size_t ne = 0;
    for (size_t k = 0; k < m->nedges; k++) {
        if (ne > 0 && m->edges[ne - 1].a == m->edges[k].a && m->edges[ne - 1].b == m->edges[k].b)
            m->edges[ne - 1].bytes_per_s += m->edges[k].bytes_per_s;
        else
            m->edges[ne++] = m->edges[k];
    }
    m->nedges = ne;
    rap_aid *known = malloc((m->nactors + 1) * sizeof(*known));
    if (known == NULL)
        return 1;
    for (size_t j = 0; j < m->nactors; j++)
        known[j] = m->actors[j].aid;
    qsort(known, m->nactors, sizeof(*known), cmp_aid);
    size_t kept = 0;
    for (size_t k = 0; k < m->nedges; k++)
        if (bsearch(&m->edges[k].a, known, m->nactors, sizeof(*known), cmp_aid) != NULL &&
            bsearch(&m->edges[k].b, known, m->nactors, sizeof(*known), cmp_aid) != NULL)
            m->edges[kept++] = m->edges[k];
    m->nedges = kept;
    free(known);
    return hosts(root, nranks == recorded, m, types);
}

/* "hosts" (which ranks run each type: MPMD), when the placement is on the
 * profile's own ranks; on another rank count nothing says which new rank
 * runs which executable, so every type may run anywhere (said on stdout). */
static int hosts(json_t *root, bool same_ranks, rap_pmodel *m, names *types)
{
    json_t *h = json_object_get(root, "hosts"), *x, *r;
    size_t i, k;

    if (h == NULL)
        return 0;
    if (!json_is_array(h))
        return fail("\"hosts\" is not a list", NULL);
    if (!same_ranks) {
        printf("note: the profile's hosts apply to its own rank count only: every type may run on every rank\n");
        return 0;
    }
    if ((m->hosts = calloc(json_array_size(h) + 1, sizeof(*m->hosts))) == NULL)
        return 1;
    json_array_foreach(h, i, x) {
        const char *name = json_string_value(json_object_get(x, "type"));
        json_t *ranks = json_object_get(x, "ranks");
        rap_pm_host *e = &m->hosts[m->nhosts];
        if (name == NULL || !json_is_array(ranks))
            return fail("a host entry without a type and its ranks", NULL);
        if (type_id(types, name, &e->atype) != 0 || (e->ranks = calloc(json_array_size(ranks) + 1, sizeof(int))) == NULL)
            return 1;
        m->nhosts++;
        json_array_foreach(ranks, k, r) {
            if (!json_is_integer(r) || json_integer_value(r) < 0 || json_integer_value(r) >= m->nranks)
                return fail("a host entry names a rank out of range", name);
            e->ranks[e->nranks++] = (int)json_integer_value(r);
        }
    }
    return 0;
}

static json_t *figures(const rap_lb_figures *f)
{
    return json_pack("{s:f, s:f, s:f, s:f}", "max_load", f->max_load, "imbalance", f->imbalance, "cut_bytes",
                     f->cut_bytes, "cut", f->cut);
}

static int write_placement(const char *path, const rap_pmodel *m, const rap_lb_plan *plan, const names *types)
{
    json_t *root = json_object(), *assign = json_array(), *load = json_array();
    double *per = calloc((size_t)m->nranks, sizeof(double));
    char aid[48];
    int rc;

    if (per == NULL)
        return 1;
    for (size_t i = 0; i < m->nactors; i++) {
        const rap_pm_actor *a = &m->actors[i];
        per[plan->assign[i]] += a->load;
        if (a->pinned)
            continue;
        snprintf(aid, sizeof(aid), "%d:%llu%s", RAP_AID_RANK(a->aid),
                 (unsigned long long)(RAP_AID_SERIAL(a->aid) & ~MOVABLE_BIT),
                 (RAP_AID_SERIAL(a->aid) & MOVABLE_BIT) != 0 ? "m" : "");
        json_array_append_new(assign, json_pack("{s:s, s:s, s:i, s:i}", "aid", aid, "type", types->v[a->atype - 1],
                                                "from", a->rank, "rank", plan->assign[i]));
    }
    for (int r = 0; r < m->nranks; r++)
        json_array_append_new(load, json_real(per[r] / m->ranks[r].workers));
    free(per);
    json_object_set_new(root, "raptors_placement", json_integer(PLACEMENT_VERSION));
    json_object_set_new(root, "strategy", json_string(plan->strategy));
    json_object_set_new(root, "ranks", json_integer(m->nranks));
    json_object_set_new(root, "imbalance", json_real(plan->after.imbalance));
    json_object_set_new(root, "cut_bytes", json_real(plan->after.cut_bytes));
    json_object_set_new(root, "cut", json_real(plan->after.cut));
    json_object_set_new(root, "moves", json_integer((json_int_t)plan->nmoves));
    json_object_set_new(root, "bytes_moved", json_integer((json_int_t)plan->bytes_moved));
    json_object_set_new(root, "load", load);
    json_object_set_new(root, "before", figures(&plan->before));
    json_object_set_new(root, "after", figures(&plan->after));
    json_object_set_new(root, "assign", assign);
    rc = json_dump_file(root, path, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(root);
    if (rc != 0)
        return fail("cannot write", path);
    return 0;
}

int main(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    long nranks = 0, workers = 0, moves = 0;
    rap_lb_params p;
    json_error_t err;
    json_t *root;
    rap_pmodel m = { 0 };
    rap_lb_plan plan;
    names types = { 0 };
    char why[256];
    int rc;

    rap__lb_params_init(&p);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--list") == 0) {
            const rap_lb_strategy *s;
            for (size_t k = 0; (s = rap__lb_strategy_at(k)) != NULL; k++)
                printf("%-8s %s\n", s->name, s->summary);
            return 0;
        } else if (a[0] != '-') {
            if (in != NULL)
                return usage(stderr), fail("more than one profile", a);
            in = a;
            continue;
        } else if (v == NULL) {
            return usage(stderr), fail("an option without its value", a);
        }
        i++;
        if (strcmp(a, "--ranks") == 0 && parse_long(v, 1, 1l << RAP_AID_RANK_BITS, &nranks) == 0)
            continue;
        if (strcmp(a, "--workers") == 0 && parse_long(v, 1, 4096, &workers) == 0)
            continue;
        if (strcmp(a, "--max-moves") == 0 && parse_long(v, 0, 1l << 40, &moves) == 0) {
            p.max_moves = (size_t)moves;
            continue;
        }
        if (strcmp(a, "--strategy") == 0) {
            if (rap__lb_find(v) == NULL)
                return fail("no such strategy here (see --list)", v);
            p.strategy = v;
            continue;
        }
        if (strcmp(a, "--tolerance") == 0 && (p.tolerance = strtod(v, &end), *end == '\0' && end != v) &&
            p.tolerance >= 0)
            continue;
        if (strcmp(a, "--seed") == 0 && (p.seed = strtoull(v, &end, 10), *end == '\0' && end != v))
            continue;
        if (strcmp(a, "-o") == 0) {
            out = v;
            continue;
        }
        return usage(stderr), fail("a bad option or value", a);
    }
    if (in == NULL)
        return usage(stderr), fail("no profile given", NULL);
    if ((root = json_load_file(in, 0, &err)) == NULL) {
        snprintf(why, sizeof(why), "%s (line %d)", err.text, err.line);
        return fail(in, why);
    }
    rc = build(root, (int)nranks, (int)workers, &m, &types);
    if (rc == 0 && rap__lb_check(&m, why, sizeof(why)) != RAP_OK)
        rc = fail("the profile gives a model the partitioner refuses", why);
    if (rc == 0 && (rc = rap__lb_plan(&m, &p, &plan)) != RAP_OK)
        rc = rc == RAP_ENOMEM ? 1 : fail("the partitioner refused", rap_strerror(rc));
    if (rc == 0) {
        double *per = calloc((size_t)m.nranks, sizeof(double));
        if (per == NULL)
            rc = 1;
        for (size_t i = 0; per != NULL && i < m.nactors; i++)
            per[plan.assign[i]] += m.actors[i].load;
        for (int r = 0; per != NULL && r < m.nranks && r < 64; r++)
            printf("rank %d: load %.4g ns/s per worker (%d workers)\n", r, per[r] / m.ranks[r].workers,
                   m.ranks[r].workers);
        if (m.nranks > 64)
            printf("(%d ranks more)\n", m.nranks - 64);
        free(per);
        printf("strategy %s: imbalance %.3f -> %.3f, bytes crossing ranks %.3g/s (%.1f %%) -> %.3g/s (%.1f %%), "
               "%zu moves (%llu state bytes), decided in %.3f s\n",
               plan.strategy, plan.before.imbalance, plan.after.imbalance, plan.before.cut_bytes,
               100 * plan.before.cut, plan.after.cut_bytes, 100 * plan.after.cut, plan.nmoves,
               (unsigned long long)plan.bytes_moved, (double)plan.decision_ns * 1e-9);
        if (rc == 0 && out != NULL)
            rc = write_placement(out, &m, &plan, &types);
        rap__lb_plan_free(&plan);
    }
    if (rc == 1)
        fprintf(stderr, "raptors-partition: out of memory\n");
    rap__pmodel_free(&m);
    free(types.v);
    json_decref(root);
    return rc;
}
