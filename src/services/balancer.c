/* services/balancer.c -- rap_rebalance: at a sync point the program
 * calls, every rank counts what its actors did since the last one, rank 0
 * plans new places with the partitioner (RAPTORS_LB) and the moves are
 * made with rap_migrate before the call returns.  And the periodic
 * balancer (RAPTORS_LB_PERIOD_MS): rank 0's Profiler, after a sample,
 * plans from its cost model and moves actors while the job runs, when the
 * imbalance passes RAPTORS_LB_THRESHOLD and the moves cost less than the
 * time they save before the next plan.
 *
 * Owns:       each rank's handler time per actor at the last sync point
 *             (so that a plan weighs what happened since), and the plan.
 * Invariants: only movable actors are moved; the others, and the rank's
 *             runtime actors, are pinned load.  Every rank returns the
 *             same figures.
 * Threads:    the application's thread, between rap_run calls, on every
 *             rank (collective).
 * Uses:       system/ (node, census, migrate), partition/, services/profile.h.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "partition/lb.h"
#include "services/profile.h"
#include "system/migrate.h"
#include "system/node.h"
#include "system/probe.h"
#include "util/clock.h"
#include "util/fatal.h"
#include "util/hash.h"

/* One actor as a rank reports it. */
typedef struct lb_rec {
    uint64_t aid;
    uint32_t atype, movable;
    uint64_t ns, state_bytes;
} lb_rec;

/* aid -> handler time at the last sync point (this rank's actors). */
typedef struct base_slot {
    uint64_t aid, ns;
} base_slot;

static struct {
    base_slot *slot;
    size_t cap, n;
    uint64_t last_ns; /* the time of the last sync point (rank's clock) */
} B;

static uint64_t *base_of(uint64_t aid, bool create)
{
    if (B.cap == 0 || (create && 4 * (B.n + 1) > 3 * B.cap)) {
        if (!create)
            return NULL;
        size_t ncap = B.cap ? 2 * B.cap : 256;
        base_slot *ns = calloc(ncap, sizeof(*ns));
        if (ns == NULL)
            return NULL;
        for (size_t i = 0; i < B.cap; i++) {
            if (B.slot[i].aid == 0)
                continue;
            size_t k = (size_t)rap__hash_u64(B.slot[i].aid) & (ncap - 1);
            while (ns[k].aid != 0)
                k = (k + 1) & (ncap - 1);
            ns[k] = B.slot[i];
        }
        free(B.slot);
        B.slot = ns;
        B.cap = ncap;
    }
    size_t k = (size_t)rap__hash_u64(aid) & (B.cap - 1);
    for (; B.slot[k].aid != 0; k = (k + 1) & (B.cap - 1))
        if (B.slot[k].aid == aid)
            return &B.slot[k].ns;
    if (!create)
        return NULL;
    B.slot[k] = (base_slot){ aid, 0 };
    B.n++;
    return &B.slot[k].ns;
}

typedef struct collect {
    lb_rec *v;
    size_t n, cap;
    base_slot *next; /* the new base, built alongside */
    size_t nnext;
    bool oom;
} collect;

static void take(const rap_census *c, void *arg)
{
    collect *k = arg;
    uint64_t *b = base_of(c->aid, false), before = b != NULL ? *b : 0;

    if (k->n == k->cap) {
        size_t ncap = k->cap ? 2 * k->cap : 256;
        lb_rec *v = realloc(k->v, ncap * sizeof(*v));
        base_slot *nx = realloc(k->next, ncap * sizeof(*nx));
        if (v != NULL)
            k->v = v;
        if (nx != NULL)
            k->next = nx;
        if (v == NULL || nx == NULL) {
            k->oom = true;
            return;
        }
        k->cap = ncap;
    }
    /* An actor that came here since (its counts start again) has a count
     * below the base its id had here before. */
    k->v[k->n++] = (lb_rec){ c->aid, c->atype, c->movable, c->time_ns >= before ? c->time_ns - before : c->time_ns,
                             c->state_bytes };
    k->next[k->nnext++] = (base_slot){ c->aid, c->time_ns };
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static bool known(const uint64_t *sorted, size_t n, uint64_t aid)
{
    return bsearch(&aid, sorted, n, sizeof(*sorted), cmp_u64) != NULL;
}

/* The pairs of `in` between two actors of `actors` (the Profiler's sketch
 * also has actors summed into their type's row), into `out` (may be `in`);
 * returns how many.  None when out of memory. */
static size_t known_edges(const rap_pm_actor *actors, size_t nactors, const rap_pm_edge *in, size_t nin,
                          rap_pm_edge *out)
{
    uint64_t *ids = calloc(nactors + 1, sizeof(*ids));
    size_t n = 0;

    if (ids == NULL)
        return 0;
    for (size_t i = 0; i < nactors; i++)
        ids[i] = actors[i].aid;
    qsort(ids, nactors, sizeof(*ids), cmp_u64);
    for (size_t e = 0; e < nin; e++)
        if (in[e].a != in[e].b && known(ids, nactors, in[e].a) && known(ids, nactors, in[e].b))
            out[n++] = in[e];
    free(ids);
    return n;
}

/* RAPTORS_LB's strategy; refine, said once, when it is not built in. */
static const char *strategy_name(void)
{
    static const char *const names[] = { "refine", "greedy", "metis", "off" };
    static atomic_bool warned;
    const char *n = names[g_node.cfg.lb >= 0 && g_node.cfg.lb < 4 ? g_node.cfg.lb : 0];

    if (rap__lb_find(n) != NULL)
        return n;
    if (!atomic_exchange(&warned, true))
        rap__log(RAP_LOG_WARN, RAP_AID_NONE, "rebalance: strategy %s is not built in; using refine", n);
    return "refine";
}

/* ------------------------------------------------------------ periodic */

/* Costs of a move, for the periodic balancer's judgement (bench/migrate,
 * docs/PERFORMANCE.md: about 8 us and 2.5 GB/s between two ranks). */
#define MOVE_NS 10000.0
#define MOVE_BYTES_PER_NS 1.0

/* The Profiler's model as the partitioner takes it: a rank not heard
 * from yet counts one worker; only pairs between two listed actors. */
static void model_fit(rap_pmodel *m)
{
    for (int r = 0; r < m->nranks; r++)
        if (m->ranks[r].workers <= 0)
            m->ranks[r].workers = 1;
    m->nedges = known_edges(m->actors, m->nactors, m->edges, m->nedges, m->edges);
}

static struct {
    uint64_t last_ns;  /* the last plan */
    uint64_t moved_ns; /* the last moves: the model shows them only after the next samples */
} Per;

void rap__balancer_periodic(rap_ctx *ctx)
{
    const rap_config *cfg = &g_node.cfg;
    uint64_t now = rap__now_ns(), period = (uint64_t)cfg->lb_period_ms * 1000000u;
    uint64_t settle = 2u * (uint64_t)cfg->profile_interval_ms * 1000000u;
    rap_pmodel m;
    rap_lb_params par;
    rap_lb_plan p = { 0 };

    if (period == 0 || cfg->lb == 3 /* off */)
        return;
    if (Per.last_ns == 0) { /* the first sample: every rank has had a period to report */
        Per.last_ns = now;
        return;
    }
    if (now - Per.last_ns < period || now - Per.last_ns < settle ||
        (Per.moved_ns != 0 && now - Per.moved_ns < settle))
        return;
    Per.last_ns = now;
    if (rap__profiler_model(&m) != RAP_OK)
        return;
    model_fit(&m);
    rap__lb_params_init(&par);
    par.strategy = strategy_name();
    par.tolerance = cfg->lb_tolerance / 100.0;
    if (cfg->lb_max_moves > 0 && cfg->lb_max_moves < 100) { /* a gentle step: a share of the movable actors */
        size_t movable = 0;
        for (size_t i = 0; i < m.nactors; i++)
            movable += !m.actors[i].pinned;
        par.max_moves = movable * cfg->lb_max_moves / 100;
        par.max_moves = par.max_moves > 0 ? par.max_moves : 1;
    }
    int rc = rap__lb_plan(&m, &par, &p);
    if (rc != RAP_OK) {
        char why[200];
        rap__lb_check(&m, why, sizeof(why));
        rap__log(RAP_LOG_DEBUG, RAP_AID_NONE, "periodic balancer: no plan (%s): %s", rap_err_name(rc), why);
    }
    if (rc != RAP_OK || p.nmoves == 0 || p.before.imbalance <= 1.0 + cfg->lb_threshold / 100.0) {
        rap__lb_plan_free(&p);
        rap__pmodel_free(&m);
        return;
    }
    /* Worth it: the busiest worker's saving until the next plan against
     * what the moves take. */
    double gain_ns = (p.before.max_load - p.after.max_load) * ((double)period * 1e-9);
    double cost_ns = (double)p.nmoves * MOVE_NS + (double)p.bytes_moved / MOVE_BYTES_PER_NS;
    if (gain_ns > cost_ns) {
        for (size_t i = 0; i < p.nmoves; i++)
            if (rap_migrate(ctx, p.moves[i].aid, p.moves[i].to) != RAP_OK)
                break;
        Per.moved_ns = now;
        rap__profiler_note_rebalance(&(rap_rebalance_note){
            .periodic = true, .strategy = p.strategy, .actors = p.nactors, .moves = p.nmoves,
            .bytes = p.bytes_moved, .before = p.before.imbalance, .after = p.after.imbalance,
            .plan_ms = (double)p.decision_ns * 1e-6 });
        rap__log(RAP_LOG_INFO, RAP_AID_NONE,
                 "rebalance (%s, every %u ms): %zu actors, imbalance %.3f, predicted %.3f after %zu moves "
                 "(%llu state bytes); planned in %.3f ms",
                 p.strategy, cfg->lb_period_ms, p.nactors, p.before.imbalance, p.after.imbalance, p.nmoves,
                 (unsigned long long)p.bytes_moved, (double)p.decision_ns * 1e-6);
    }
    rap__lb_plan_free(&p);
    rap__pmodel_free(&m);
}

/* ----------------------------------------------------------- placement */

/* Hosts within this busy fraction of the least busy one count as least
 * loaded: a burst of spawns takes them in turn, not all the first. */
#define PLACE_NEAR 0.05

void rap__balancer_place_op(rap_ctx *ctx, const rap_env *env)
{
    static unsigned turn;
    rap_wire_spawn req;
    const rap_host *hosts;
    size_t nhosts;
    double *busy = calloc((size_t)(g_node.size > 0 ? g_node.size : 1), sizeof(*busy));
    int rank = -1;

    (void)ctx;
    memcpy(&req, rap__env_cpayload(env), sizeof(req));
    nhosts = rap__types_hosts(req.actor_type, &hosts);
    if (nhosts == 0 || busy == NULL) {
        free(busy);
        rap__send_error(env->hdr.from, RAP_KIND_SYS_ERROR, RAP_SYS_SPAWN_FAILED, RAP_ERROR_SPAWN,
                        nhosts == 0 ? RAP_ENOTYPE : RAP_ENOMEM, RAP_AID_NONE, req.actor_type, req.cookie);
        return;
    }
    rap__profiler_busy(busy, g_node.size);
    double least = 2;
    for (size_t i = 0; i < nhosts; i++) {
        double *b = &busy[hosts[i].rank];
        if (*b < 0)
            *b = 0; /* not heard from: a rank samples only while a worker is awake */
        if (*b < least)
            least = *b;
    }
    /* The near-least hosts (all of them before any sample), in turn. */
    size_t nnear = 0;
    for (size_t i = 0; i < nhosts; i++)
        nnear += busy[hosts[i].rank] <= least + PLACE_NEAR;
    size_t pick = nnear > 0 ? turn++ % nnear : 0;
    for (size_t i = 0; i < nhosts && rank < 0; i++)
        if (busy[hosts[i].rank] <= least + PLACE_NEAR && pick-- == 0)
            rank = hosts[i].rank;
    if (rank < 0)
        rank = hosts[turn++ % nhosts].rank;
    rap__log(RAP_LOG_DEBUG, RAP_AID_NONE,
             "placement: a %s actor goes to rank %d (busy %.2f; least %.2f; rank 0 %.2f, last rank %.2f)",
             rap__type_name(1, req.actor_type) != NULL ? rap__type_name(1, req.actor_type) : "?", rank,
             busy[rank], least, busy[0], busy[g_node.size - 1]);
    free(busy);
    if (rap__sys_send(RAP_KIND_SYS_ACTION, RAP_SYS_SPAWN, rap__aid_system(rank), env->hdr.from,
                      rap__env_cpayload(env), env->hdr.len) != RAP_OK)
        rap__send_error(env->hdr.from, RAP_KIND_SYS_ERROR, RAP_SYS_SPAWN_FAILED, RAP_ERROR_SPAWN,
                        RAP_ENOMEM, RAP_AID_NONE, req.actor_type, req.cookie);
}

/* ------------------------------------------------------------ sync point */

/* Rank 0: the model of every rank's actors, and the plan. */
static int plan(const lb_rec *all, const int *counts, const int *workers, rap_lb_plan *p, double secs)
{
    rap_pmodel m = { 0 };
    rap_pmodel prof = { 0 };
    rap_lb_params par;
    size_t total = 0, i = 0;
    int rc;

    size_t nranks = g_node.size > 0 ? (size_t)g_node.size : 1;

    for (int r = 0; r < g_node.size; r++)
        total += counts[r] > 0 ? (size_t)counts[r] : 0;
    m.actors = calloc(total + 1, sizeof(*m.actors));
    m.ranks = calloc(nranks, sizeof(*m.ranks));
    if (m.actors == NULL || m.ranks == NULL) {
        rap__pmodel_free(&m);
        return RAP_ENOMEM;
    }
    for (int r = 0; r < g_node.size; r++) {
        for (int k = 0; k < counts[r]; k++, i++)
            m.actors[i] = (rap_pm_actor){ .aid = all[i].aid, .atype = all[i].atype, .rank = r,
                                          .load = (double)all[i].ns / (secs > 0 ? secs : 1),
                                          .state_bytes = all[i].state_bytes, .pinned = !all[i].movable };
        m.ranks[r] = (rap_pm_rank){ .rank = r, .workers = workers[r] > 0 ? workers[r] : 1 };
    }
    m.nactors = total;
    m.nranks = g_node.size;
    /* Bytes between actors: the Profiler's heaviest pairs, those between
     * actors of the model. */
    if (rap__profiler_model(&prof) == RAP_OK && prof.nedges > 0 &&
        (m.edges = calloc(prof.nedges, sizeof(*m.edges))) != NULL)
        m.nedges = known_edges(m.actors, total, prof.edges, prof.nedges, m.edges);
    rap__pmodel_free(&prof);
    rap__lb_params_init(&par);
    par.strategy = strategy_name();
    par.tolerance = g_node.cfg.lb_tolerance / 100.0;
    rc = rap__lb_plan(&m, &par, p);
    rap__pmodel_free(&m);
    return rc;
}

int rap_rebalance(rap_rebalance_info *info)
{
    collect k = { 0 };
    int mine, *counts = NULL, *displs = NULL, *workers = NULL, rc = RAP_OK, nworkers;
    lb_rec *all = NULL;
    rap_lb_plan p = { 0 };
    double fig[6] = { 0 }; /* moves, imbalance before, after, seconds, bytes moved, rc */
    uint64_t t0 = rap__now_ns();

    if (!rap__node_up() || rap__sched_self() >= 0)
        return RAP_ESTATE;
    if (!rap__probe_on())
        return RAP_ESTATE; /* no handler times without the profile */
    nworkers = rap__sched_workers(g_node.sched);
    rap__census(take, &k);
    if (k.oom)
        rc = RAP_ENOMEM;
    mine = k.oom ? 0 : (int)(k.n * sizeof(lb_rec));
    if (g_node.rank == 0) {
        counts = calloc((size_t)g_node.size, sizeof(int));
        displs = calloc((size_t)g_node.size, sizeof(int));
        workers = calloc((size_t)g_node.size, sizeof(int));
        if (counts == NULL || displs == NULL || workers == NULL)
            rap__fatal("rebalance: out of memory");
    }
    if (MPI_Gather(&nworkers, 1, MPI_INT, workers, 1, MPI_INT, 0, g_node.comm) != MPI_SUCCESS)
        rap__fatal("rebalance: MPI_Gather failed");
    if (MPI_Gather(&mine, 1, MPI_INT, counts, 1, MPI_INT, 0, g_node.comm) != MPI_SUCCESS)
        rap__fatal("rebalance: MPI_Gather failed");
    if (g_node.rank == 0) {
        size_t total = 0;
        for (int r = 0; r < g_node.size; r++) {
            displs[r] = (int)total;
            total += (size_t)counts[r];
            if (total > INT32_MAX)
                rap__fatal("rebalance: the ranks' actors exceed 2 GiB of records");
        }
        if ((all = malloc(total + 1)) == NULL)
            rap__fatal("rebalance: out of memory");
    }
    if (MPI_Gatherv(k.v, mine, MPI_BYTE, all, counts, displs, MPI_BYTE, 0, g_node.comm) != MPI_SUCCESS)
        rap__fatal("rebalance: MPI_Gatherv failed");
    if (g_node.rank == 0) {
        double secs = B.last_ns != 0 ? (double)(t0 - B.last_ns) * 1e-9 : 1.0;
        for (int r = 0; r < g_node.size; r++)
            counts[r] /= (int)sizeof(lb_rec);
        int prc = plan(all, counts, workers, &p, secs);
        if (prc == RAP_OK) {
            for (size_t m = 0; m < p.nmoves; m++)
                if (rap_migrate(NULL, p.moves[m].aid, p.moves[m].to) != RAP_OK)
                    prc = RAP_ENOMEM;
            fig[0] = (double)p.nmoves;
            fig[1] = p.before.imbalance;
            fig[2] = p.after.imbalance;
            fig[4] = (double)p.bytes_moved;
        }
        fig[5] = prc;
    }
    if (MPI_Bcast(fig, 6, MPI_DOUBLE, 0, g_node.comm) != MPI_SUCCESS)
        rap__fatal("rebalance: MPI_Bcast failed");
    /* The moves, done on every rank before this returns. */
    int run = rap_run();
    if (rc == RAP_OK && fig[5] != RAP_OK)
        rc = (int)fig[5];
    if (rc == RAP_OK && run != RAP_OK)
        rc = run;
    /* What each actor has done so far is the next plan's base. */
    for (size_t i = 0; i < k.nnext; i++) {
        uint64_t *b = base_of(k.next[i].aid, true);
        if (b != NULL)
            *b = k.next[i].ns;
    }
    B.last_ns = rap__now_ns();
    fig[3] = (double)(B.last_ns - t0) * 1e-9;
    if (g_node.rank == 0 && p.strategy != NULL)
        rap__profiler_note_rebalance(&(rap_rebalance_note){
            .periodic = false, .strategy = p.strategy, .actors = p.nactors, .moves = (uint64_t)fig[0],
            .bytes = (uint64_t)fig[4], .before = fig[1], .after = fig[2],
            .plan_ms = (double)p.decision_ns * 1e-6, .ms = fig[3] * 1e3 });
    if (g_node.rank == 0)
        rap__log(RAP_LOG_INFO, RAP_AID_NONE,
                 "rebalance (%s): %zu actors, imbalance %.3f, predicted %.3f after %.0f moves "
                 "(%.0f state bytes); planned in %.3f ms, done in %.3f ms",
                 p.strategy != NULL ? p.strategy : "-", p.nactors, fig[1], fig[2], fig[0], fig[4],
                 (double)p.decision_ns * 1e-6, fig[3] * 1e3);
    if (info != NULL)
        *info = (rap_rebalance_info){ .moves = (uint64_t)fig[0], .imbalance_before = fig[1],
                                      .imbalance_after = fig[2], .seconds = fig[3],
                                      .bytes_moved = (uint64_t)fig[4] };
    rap__lb_plan_free(&p);
    free(all);
    free(counts);
    free(displs);
    free(workers);
    free(k.v);
    free(k.next);
    return rc;
}
