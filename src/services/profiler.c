/* services/profiler.c -- the Profiler: one actor on rank 0 that takes
 * every rank's samples into the job's cost model, and writes the model as
 * JSON (RAPTORS_PROFILE=path at rap_finalize, rap_profile_write any time;
 * the schema is docs/PROFILING.md).
 *
 * Owns:       the model: per rank and workload the calls, time, bytes and
 *             a histogram of handler times; per actor its counts and a
 *             moving average of its load; the rank-to-rank bytes; the
 *             heaviest actor pairs (a Space-Saving sketch, util/topk.h);
 *             per rank its busy and idle time, memory, and a time series.
 * Invariants: a sample is checked field by field before any of it is
 *             taken (a bad one is logged, counted, and changes nothing);
 *             totals are sums of the samples' changes, so they are exact
 *             once every rank's last sample is in (rap_finalize).  The
 *             model's lock is held while it changes and while it is
 *             written out.
 * Threads:    the Profiler's handler on the worker running it; the last
 *             samples and the file on rap_finalize's thread;
 *             rap_profile_write on any thread of rank 0.
 * Uses:       services/profile.h, system/ (names, the log), util/topk.h,
 *             partition/model.h, jansson.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "partition/model.h"
#include "services/profile.h"
#include "system/node.h"
#include "system/probe.h"
#include "util/clock.h"
#include "util/counters.h"
#include "util/topk.h"

#define SCHEMA_VERSION 1
#define LOAD_ALPHA 0.5 /* weight of the latest interval in an actor's moving load */

typedef struct m_wl {
    int rank;
    uint32_t atype, kind, id;
    uint64_t calls, time_ns, bytes;
    uint64_t hist[RAP_SAMPLE_BUCKETS];
    char name[RAP_SAMPLE_NAME];
} m_wl;

typedef struct m_actor {
    uint64_t aid;          /* RAP_AID_NONE: the other actors of (rank, atype) */
    int rank;
    uint32_t atype, depth_peak;
    uint64_t calls, time_ns, msgs_out, bytes_out, state_bytes, count;
    double load;           /* ns of handler time per s of wall time, moving */
    uint32_t load_at;      /* its rank's sample count when load was set; 0: never */
} m_actor;

typedef struct m_point {
    uint64_t t_ns, busy_ns, idle_ns;
} m_point;

typedef struct m_rank {
    uint32_t workers, samples, last_seq;
    bool last_seen;
    uint64_t t_ns, busy_ns, idle_ns, rss_bytes, rss_peak_bytes;
    uint64_t ctr[RAP_CTR_COUNT]; /* the rank's statistics counters (rap_stats_get's) */
    m_point *series;
    size_t nseries, capseries;
} m_rank;

static struct {
    bool open;
    pthread_mutex_t lock;
    const char *path;      /* RAPTORS_PROFILE's, NULL: none */
    int size;
    uint64_t t0_ns;
    m_wl *wl;
    size_t nwl, capwl;
    m_actor *actors;
    size_t nactors, capactors;
    uint64_t *pair_msgs, *pair_bytes; /* size x size, [src * size + dst] */
    rap_topk pairs;
    m_rank *ranks;
    uint64_t samples, sample_bytes, malformed, actors_lost, missing;
    rap_rebalance_note *notes; /* the balancer's decisions, in order */
    size_t nnotes, capnotes;
} M = { .lock = PTHREAD_MUTEX_INITIALIZER };

#define NOTES_MAX 4096 /* decisions kept; later ones counted in meta.rebalances_lost */
static uint64_t notes_lost;

void rap__profiler_note_rebalance(const rap_rebalance_note *n)
{
    pthread_mutex_lock(&M.lock);
    if (M.open && M.nnotes == M.capnotes && M.capnotes < NOTES_MAX) {
        size_t ncap = M.capnotes ? 2 * M.capnotes : 16;
        rap_rebalance_note *x = realloc(M.notes, ncap * sizeof(*x));
        if (x != NULL) {
            M.notes = x;
            M.capnotes = ncap;
        }
    }
    if (M.open && M.nnotes < M.capnotes) {
        M.notes[M.nnotes] = *n;
        M.notes[M.nnotes++].t_ns = rap__now_ns() - M.t0_ns;
    } else {
        notes_lost++;
    }
    pthread_mutex_unlock(&M.lock);
    rap__trace_note_rebalance(n);
}

/* ---------------------------------------------------------- validation */

static int bad(int src, const char *why)
{
    M.malformed++;
    rap__log(RAP_LOG_WARN, RAP_AID_NONE, "profile: dropped a sample from rank %d: %s", src, why);
    return RAP_EMALFORMED;
}

/* Every field of a sample, before any is used. */
static int check(const void *p, size_t len, int src, const rap_wire_sample **h_out)
{
    rap_wire_sample h;
    size_t want;

    if (len < sizeof(h))
        return bad(src, "shorter than its header");
    memcpy(&h, p, sizeof(h));
    if (h.version != RAP_SAMPLE_VERSION)
        return bad(src, "unknown sample version");
    if (h.rank != src || h.rank < 0 || h.rank >= M.size)
        return bad(src, "rank is not its sender's");
    if (h.nranks != (uint32_t)M.size)
        return bad(src, "rank count is not the job's");
    if (h.nwl > 64u * (RAP_PROF_WL_MAX + 1) || h.nactors > 1u << 20 || h.npairs > RAP_SAMPLE_PAIRS)
        return bad(src, "more entries than a sample holds");
    if (h.last > 1 || h.workers == 0 || h.workers > 4096 || h.reserved != 0)
        return bad(src, "reserved or flag fields out of range");
    if (h.ncounters != RAP_CTR_COUNT)
        return bad(src, "counter count is not this build's");
    want = sizeof(h) + (size_t)h.nwl * sizeof(rap_wire_workload) +
           (size_t)h.nactors * sizeof(rap_wire_actor) + (size_t)h.npairs * sizeof(rap_wire_pair) +
           (size_t)h.nranks * sizeof(rap_wire_dest) + (size_t)h.ncounters * sizeof(uint64_t);
    if (want != len)
        return bad(src, "length does not match its counts");
    const rap_wire_workload *wl = (const rap_wire_workload *)(const void *)((const char *)p + sizeof(h));
    for (uint32_t i = 0; i < h.nwl; i++) {
        rap_wire_workload w;
        memcpy(&w, &wl[i], sizeof(w));
        if (w.kind > RAP_WL_RUNTIME || w.reserved != 0)
            return bad(src, "workload of an unknown kind");
        if (memchr(w.name, '\0', sizeof(w.name)) == NULL)
            return bad(src, "workload name not terminated");
    }
    const rap_wire_actor *act = (const rap_wire_actor *)(const void *)(wl + h.nwl);
    for (uint32_t i = 0; i < h.nactors; i++) {
        rap_wire_actor a;
        memcpy(&a, &act[i], sizeof(a));
        if (a.aid != RAP_AID_NONE && (!rap__aid_valid(a.aid, M.size) || a.count != 1))
            return bad(src, "bad actor id");
    }
    const rap_wire_pair *pr = (const rap_wire_pair *)(const void *)(act + h.nactors);
    for (uint32_t i = 0; i < h.npairs; i++) {
        rap_wire_pair q;
        memcpy(&q, &pr[i], sizeof(q));
        if (!rap__aid_valid(q.src, M.size) || !rap__aid_valid(q.dst, M.size))
            return bad(src, "bad actor id in a pair");
    }
    *h_out = (const rap_wire_sample *)p;
    return RAP_OK;
}

/* ------------------------------------------------------------- the model */

/* An actor's load now: a sample leaves out the actors that did nothing
 * since the one before, so each sample of its rank since its load was set
 * counts as an interval at zero. */
static double actor_load(const m_actor *x)
{
    if (x->load_at == 0)
        return 0;
    double load = x->load;
    for (uint32_t idle = M.ranks[x->rank].samples - x->load_at; idle > 0 && load > 1e-3; idle--)
        load *= 1 - LOAD_ALPHA;
    return load;
}

static m_wl *find_wl(int rank, const rap_wire_workload *w)
{
    for (size_t i = 0; i < M.nwl; i++) {
        m_wl *x = &M.wl[i];
        if (x->rank == rank && x->atype == w->atype && x->kind == w->kind && x->id == w->id)
            return x;
    }
    if (M.nwl == M.capwl) {
        size_t ncap = M.capwl ? 2 * M.capwl : 64;
        m_wl *n = realloc(M.wl, ncap * sizeof(*n));
        if (n == NULL)
            return NULL;
        M.wl = n;
        M.capwl = ncap;
    }
    m_wl *x = &M.wl[M.nwl++];
    *x = (m_wl){ .rank = rank, .atype = w->atype, .kind = w->kind, .id = w->id };
    memcpy(x->name, w->name, sizeof(x->name));
    return x;
}

static m_actor *find_actor(int rank, uint64_t aid, uint32_t atype)
{
    for (size_t i = 0; i < M.nactors; i++) {
        m_actor *x = &M.actors[i];
        if (x->aid == aid && (aid != RAP_AID_NONE || (x->rank == rank && x->atype == atype)))
            return x;
    }
    if (M.nactors == M.capactors) {
        size_t ncap = M.capactors ? 2 * M.capactors : 256;
        m_actor *n = realloc(M.actors, ncap * sizeof(*n));
        if (n == NULL)
            return NULL;
        M.actors = n;
        M.capactors = ncap;
    }
    m_actor *x = &M.actors[M.nactors++];
    *x = (m_actor){ .aid = aid, .rank = rank, .atype = atype };
    return x;
}

static void take(const rap_wire_sample *hp, size_t len)
{
    rap_wire_sample h;
    m_rank *r;
    uint64_t span;

    memcpy(&h, hp, sizeof(h));
    r = &M.ranks[h.rank];
    span = h.t_ns > r->t_ns ? h.t_ns - r->t_ns : 0;
    const rap_wire_workload *wl = (const rap_wire_workload *)(const void *)(hp + 1);
    for (uint32_t i = 0; i < h.nwl; i++) {
        rap_wire_workload w;
        m_wl *x;
        memcpy(&w, &wl[i], sizeof(w));
        if ((x = find_wl(h.rank, &w)) == NULL)
            continue;
        x->calls += w.calls;
        x->time_ns += w.time_ns;
        x->bytes += w.bytes;
        for (int b = 0; b < RAP_SAMPLE_BUCKETS; b++)
            x->hist[b] += w.hist[b];
    }
    const rap_wire_actor *act = (const rap_wire_actor *)(const void *)(wl + h.nwl);
    for (uint32_t i = 0; i < h.nactors; i++) {
        rap_wire_actor a;
        m_actor *x;
        memcpy(&a, &act[i], sizeof(a));
        if ((x = find_actor(h.rank, a.aid, a.atype)) == NULL)
            continue;
        x->rank = h.rank;
        x->atype = a.atype;
        x->calls += a.calls;
        x->time_ns += a.time_ns;
        x->msgs_out += a.msgs_out;
        x->bytes_out += a.bytes_out;
        x->state_bytes = a.state_bytes;
        x->count = a.count;
        if (a.depth_peak > x->depth_peak)
            x->depth_peak = a.depth_peak;
        if (span > 0) {
            double now = (double)a.time_ns * 1e9 / (double)span;
            x->load = x->load_at == 0 ? now : LOAD_ALPHA * now + (1 - LOAD_ALPHA) * actor_load(x);
            x->load_at = r->samples + 1; /* this sample's number, counted below */
        }
    }
    const rap_wire_pair *pr = (const rap_wire_pair *)(const void *)(act + h.nactors);
    for (uint32_t i = 0; i < h.npairs; i++) {
        rap_wire_pair q;
        memcpy(&q, &pr[i], sizeof(q));
        rap__topk_add(&M.pairs, q.src, q.dst, q.bytes, q.msgs);
    }
    const rap_wire_dest *dst = (const rap_wire_dest *)(const void *)(pr + h.npairs);
    for (int d = 0; d < M.size; d++) {
        rap_wire_dest x;
        memcpy(&x, &dst[d], sizeof(x));
        M.pair_msgs[(size_t)h.rank * (size_t)M.size + (size_t)d] += x.msgs;
        M.pair_bytes[(size_t)h.rank * (size_t)M.size + (size_t)d] += x.bytes;
    }
    const char *cp = (const char *)(const void *)(dst + M.size);
    for (int c = 0; c < RAP_CTR_COUNT; c++) {
        uint64_t v;
        memcpy(&v, cp + (size_t)c * sizeof(v), sizeof(v));
        r->ctr[c] += v;
    }
    r->workers = h.workers;
    if (h.seq != (r->samples ? r->last_seq + 1 : 0))
        M.missing++; /* a sample of this rank never came (a gap in its sequence) */
    r->samples++;
    r->last_seq = h.seq;
    r->last_seen |= h.last != 0;
    r->t_ns = h.t_ns > r->t_ns ? h.t_ns : r->t_ns;
    r->busy_ns += h.busy_ns;
    r->idle_ns += h.idle_ns;
    r->rss_bytes = h.rss_bytes;
    if (h.rss_peak_bytes > r->rss_peak_bytes)
        r->rss_peak_bytes = h.rss_peak_bytes;
    if (r->nseries == r->capseries) {
        size_t ncap = r->capseries ? 2 * r->capseries : 64;
        m_point *n = realloc(r->series, ncap * sizeof(*n));
        if (n != NULL) {
            r->series = n;
            r->capseries = ncap;
        }
    }
    if (r->nseries < r->capseries)
        r->series[r->nseries++] = (m_point){ h.t_ns, h.busy_ns, h.idle_ns };
    M.samples++;
    M.sample_bytes += len;
    M.actors_lost += h.actors_lost;
}

int rap__profiler_ingest(const void *sample, size_t len, int src)
{
    const rap_wire_sample *h = NULL;
    int rc;

    pthread_mutex_lock(&M.lock);
    if (!M.open)
        rc = RAP_ESTATE;
    else if ((rc = check(sample, len, src, &h)) == RAP_OK)
        take(h, len);
    pthread_mutex_unlock(&M.lock);
    return rc;
}

void rap__profiler_op(rap_ctx *ctx, const rap_env *env)
{
    if (env->hdr.type == RAP_SYS_PROFILE &&
        rap__profiler_ingest(rap__env_cpayload(env), env->hdr.len, RAP_AID_RANK(env->hdr.from)) == RAP_OK)
        rap__balancer_periodic(ctx);
}

/* ------------------------------------------------------------ the file */

static const char *sysop_name(uint32_t op)
{
    static const char *const names[RAP_SYS_OP_COUNT] = {
        [RAP_SYS_SPAWN] = "spawn", [RAP_SYS_SPAWN_REPLY] = "spawn reply", [RAP_SYS_STOP] = "stop",
        [RAP_SYS_SPAWN_FAILED] = "spawn failed", [RAP_SYS_CREDIT] = "credit",
        [RAP_SYS_SAMPLE] = "sample", [RAP_SYS_PROFILE] = "profile",
    };
    return op < RAP_SYS_OP_COUNT && names[op] != NULL ? names[op] : "operation";
}

static json_t *atype_json(uint32_t atype)
{
    char buf[32];
    return json_string(rap__wl_atype_name(atype, buf, sizeof(buf)));
}

static json_t *aid_json(uint64_t aid)
{
    char buf[RAP_AID_STR_MAX];
    return aid == RAP_AID_NONE ? json_null() : json_string(rap__aid_str(aid, buf, sizeof(buf)));
}

/* The value below which a share `q` of the runs fell (the middle of its
 * log2 bucket: a factor-of-two resolution). */
static uint64_t percentile(const uint64_t *hist, uint64_t total, double q)
{
    uint64_t want = (uint64_t)((double)total * q), seen = 0;

    for (int b = 0; b < RAP_SAMPLE_BUCKETS; b++) {
        seen += hist[b];
        if (seen > want || (seen == total && seen > 0))
            return (uint64_t)((double)(UINT64_C(1) << b) * 1.41421356);
    }
    return 0;
}

const char *rap__wl_part_name(uint32_t kind, uint32_t id, const char *name, char *buf, size_t n)
{
    const char *t;

    switch (kind) {
    case RAP_WL_MESSAGE:
        if ((t = rap__type_name(0, id)) != NULL)
            return t;
        snprintf(buf, n, "#%08x", id);
        return buf;
    case RAP_WL_NAMED:
        return name != NULL ? name : "?";
    default:
        if (id >> 16 == RAP_KIND_SYS_ACTION)
            snprintf(buf, n, "rap.sys.%s", sysop_name(id & 0xffffu));
        else if (id >> 16 == RAP_KIND_ACTOR_ACTION)
            snprintf(buf, n, "%s", (t = rap__type_name(0, id & 0xffffu)) != NULL ? t : "rap.message");
        else
            snprintf(buf, n, "rap.error");
        return buf;
    }
}

const char *rap__wl_atype_name(uint32_t atype, char *buf, size_t n)
{
    const char *t = rap__type_name(1, atype);

    if (t != NULL)
        return t;
    snprintf(buf, n, "#%08x", atype);
    return buf;
}

static json_t *workload_json(const m_wl *w)
{
    json_t *o = json_object();
    char buf[RAP_SAMPLE_NAME + 32];
    const char *part = rap__wl_part_name(w->kind, w->id, w->name, buf, sizeof(buf));

    json_object_set_new(o, "actor_type", atype_json(w->atype));
    json_object_set_new(o, w->kind == RAP_WL_NAMED ? "name" : "msg_type", json_string(part));
    if (w->kind == RAP_WL_RUNTIME)
        json_object_set_new(o, "runtime", json_true());
    json_object_set_new(o, "rank", json_integer(w->rank));
    json_object_set_new(o, "calls", json_integer((json_int_t)w->calls));
    json_object_set_new(o, "time_ns", json_integer((json_int_t)w->time_ns));
    json_object_set_new(o, "bytes_in", json_integer((json_int_t)w->bytes));
    json_object_set_new(o, "mean_ns", json_integer(w->calls ? (json_int_t)(w->time_ns / w->calls) : 0));
    json_object_set_new(o, "p50_ns", json_integer((json_int_t)percentile(w->hist, w->calls, 0.50)));
    json_object_set_new(o, "p95_ns", json_integer((json_int_t)percentile(w->hist, w->calls, 0.95)));
    json_object_set_new(o, "p99_ns", json_integer((json_int_t)percentile(w->hist, w->calls, 0.99)));
    return o;
}

static json_t *model_json(void)
{
    json_t *root = json_object(), *a;
    uint64_t wall = 0, busy_max = 0, busy_sum = 0;

    json_object_set_new(root, "raptors_profile", json_integer(SCHEMA_VERSION));
    json_object_set_new(root, "ranks", json_integer(M.size));
    for (int r = 0; r < M.size; r++) {
        if (M.ranks[r].t_ns > wall)
            wall = M.ranks[r].t_ns;
        busy_sum += M.ranks[r].busy_ns;
        if (M.ranks[r].busy_ns > busy_max)
            busy_max = M.ranks[r].busy_ns;
    }
    json_object_set_new(root, "wall_s", json_real((double)wall * 1e-9));
    json_object_set_new(root, "imbalance",
                        json_real(busy_sum ? (double)busy_max * M.size / (double)busy_sum : 1.0));
    a = json_array();
    for (size_t i = 0; i < M.nwl; i++)
        json_array_append_new(a, workload_json(&M.wl[i]));
    json_object_set_new(root, "workloads", a);
    a = json_array();
    for (size_t i = 0; i < M.nactors; i++) {
        const m_actor *x = &M.actors[i];
        json_t *o = json_object();
        json_object_set_new(o, "aid", aid_json(x->aid));
        json_object_set_new(o, "type", atype_json(x->atype));
        json_object_set_new(o, "rank", json_integer(x->rank));
        if (x->aid == RAP_AID_NONE)
            json_object_set_new(o, "count", json_integer((json_int_t)x->count));
        json_object_set_new(o, "calls", json_integer((json_int_t)x->calls));
        json_object_set_new(o, "time_ns", json_integer((json_int_t)x->time_ns));
        json_object_set_new(o, "msgs_out", json_integer((json_int_t)x->msgs_out));
        json_object_set_new(o, "bytes_out", json_integer((json_int_t)x->bytes_out));
        json_object_set_new(o, "state_bytes", json_integer((json_int_t)x->state_bytes));
        json_object_set_new(o, "depth_peak", json_integer(x->depth_peak));
        json_object_set_new(o, "load_ns_per_s", json_real(actor_load(x)));
        json_array_append_new(a, o);
    }
    json_object_set_new(root, "actors", a);
    /* Which ranks host each user type of the listed actors (MPMD: the
     * ranks whose executable registered it), for replay. */
    json_t *hosts = json_array();
    uint32_t done[64];
    size_t ndone = 0;
    for (size_t i = 0; i < M.nactors; i++) {
        uint32_t t = M.actors[i].atype;
        bool seen = false;
        for (size_t k = 0; k < ndone && !seen; k++)
            seen = done[k] == t;
        for (size_t k = 0; k < i && !seen && ndone == sizeof(done) / sizeof(done[0]); k++)
            seen = M.actors[k].atype == t; /* many types: the slow way */
        const rap_host *h;
        size_t nh = seen || t < RAP_TYPE_USER_MIN ? 0 : rap__types_hosts(t, &h);
        if (nh == 0)
            continue;
        if (ndone < sizeof(done) / sizeof(done[0]))
            done[ndone++] = t;
        json_t *ranks = json_array();
        for (size_t k = 0; k < nh; k++)
            json_array_append_new(ranks, json_integer(h[k].rank));
        json_array_append_new(hosts, json_pack("{s:o, s:o}", "type", atype_json(t), "ranks", ranks));
    }
    json_object_set_new(root, "hosts", hosts);
    a = json_array();
    for (int s = 0; s < M.size; s++) {
        for (int d = 0; d < M.size; d++) {
            size_t k = (size_t)s * (size_t)M.size + (size_t)d;
            if (M.pair_msgs[k] == 0)
                continue;
            json_t *o = json_object();
            json_object_set_new(o, "src", json_integer(s));
            json_object_set_new(o, "dst", json_integer(d));
            json_object_set_new(o, "msgs", json_integer((json_int_t)M.pair_msgs[k]));
            json_object_set_new(o, "bytes", json_integer((json_int_t)M.pair_bytes[k]));
            json_array_append_new(a, o);
        }
    }
    json_object_set_new(root, "rank_pairs", a);
    a = json_array();
    for (size_t i = 0; i < M.pairs.n; i++) {
        const rap_topk_item *it = &M.pairs.items[i];
        json_t *o = json_object();
        json_object_set_new(o, "src", aid_json(it->a));
        json_object_set_new(o, "dst", aid_json(it->b));
        json_object_set_new(o, "msgs", json_integer((json_int_t)it->count));
        json_object_set_new(o, "bytes", json_integer((json_int_t)it->weight));
        json_object_set_new(o, "bytes_error", json_integer((json_int_t)it->err));
        json_array_append_new(a, o);
    }
    json_object_set_new(root, "actor_pairs", a);
    json_t *load = json_array(), *series = json_array();
    for (int r = 0; r < M.size; r++) {
        const m_rank *x = &M.ranks[r];
        json_t *o = json_object(), *s = json_object(), *t = json_array(), *b = json_array(),
               *i = json_array();
        json_object_set_new(o, "rank", json_integer(r));
        json_object_set_new(o, "workers", json_integer(x->workers));
        json_object_set_new(o, "busy_ns", json_integer((json_int_t)x->busy_ns));
        json_object_set_new(o, "idle_ns", json_integer((json_int_t)x->idle_ns));
        json_object_set_new(o, "rss_bytes", json_integer((json_int_t)x->rss_bytes));
        json_object_set_new(o, "rss_peak_bytes", json_integer((json_int_t)x->rss_peak_bytes));
        json_object_set_new(o, "samples", json_integer(x->samples));
        json_t *c = json_object();
        for (int k = 0; k < RAP_CTR_COUNT; k++)
            json_object_set_new(c, rap__ctr_name(k), json_integer((json_int_t)x->ctr[k]));
        json_object_set_new(o, "counters", c);
        json_array_append_new(load, o);
        for (size_t k = 0; k < x->nseries; k++) {
            json_array_append_new(t, json_real((double)x->series[k].t_ns * 1e-9));
            json_array_append_new(b, json_integer((json_int_t)x->series[k].busy_ns));
            json_array_append_new(i, json_integer((json_int_t)x->series[k].idle_ns));
        }
        json_object_set_new(s, "rank", json_integer(r));
        json_object_set_new(s, "t_s", t);
        json_object_set_new(s, "busy_ns", b);
        json_object_set_new(s, "idle_ns", i);
        json_array_append_new(series, s);
    }
    json_object_set_new(root, "ranks_load", load);
    json_object_set_new(root, "series", series);
    json_t *rb = json_array();
    for (size_t k = 0; k < M.nnotes; k++) {
        const rap_rebalance_note *n = &M.notes[k];
        json_array_append_new(
            rb, json_pack("{s:f, s:s, s:s, s:I, s:f, s:f, s:I, s:I, s:f, s:f}", "t_s", (double)n->t_ns * 1e-9,
                          "when", n->periodic ? "period" : "sync", "strategy", n->strategy, "actors",
                          (json_int_t)n->actors, "imbalance_before", n->before, "imbalance_after_predicted",
                          n->after, "moves", (json_int_t)n->moves, "state_bytes", (json_int_t)n->bytes,
                          "plan_ms", n->plan_ms, "ms", n->ms));
    }
    json_object_set_new(root, "rebalances", rb);
    json_t *meta = json_object();
    json_object_set_new(meta, "samples", json_integer((json_int_t)M.samples));
    json_object_set_new(meta, "sample_bytes", json_integer((json_int_t)M.sample_bytes));
    json_object_set_new(meta, "malformed", json_integer((json_int_t)M.malformed));
    json_object_set_new(meta, "actors_lost", json_integer((json_int_t)M.actors_lost));
    json_object_set_new(meta, "samples_missing", json_integer((json_int_t)M.missing));
    json_object_set_new(meta, "rebalances_lost", json_integer((json_int_t)notes_lost));
    json_object_set_new(meta, "pairs_kept", json_integer((json_int_t)M.pairs.cap));
    json_object_set_new(meta, "pairs_error_bound_bytes",
                        json_integer((json_int_t)(M.pairs.cap ? M.pairs.total / M.pairs.cap : 0)));
    json_object_set_new(root, "sampling", meta);
    return root;
}

int rap__profiler_write(const char *path)
{
    json_t *root;
    int rc = RAP_OK;

    if (path == NULL || path[0] == '\0')
        return RAP_EINVAL;
    pthread_mutex_lock(&M.lock);
    if (!M.open) {
        pthread_mutex_unlock(&M.lock);
        return RAP_ESTATE;
    }
    root = model_json();
    pthread_mutex_unlock(&M.lock);
    if (root == NULL)
        return RAP_ENOMEM;
    if (json_dump_file(root, path, JSON_INDENT(1) | JSON_PRESERVE_ORDER) != 0) {
        rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "profile: cannot write %s", path);
        rc = RAP_EINVAL;
    }
    json_decref(root);
    return rc;
}

/* --------------------------------------------------------- the partitioner */

int rap__profiler_model(rap_pmodel *out)
{
    int rc = RAP_OK;

    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&M.lock);
    if (!M.open) {
        pthread_mutex_unlock(&M.lock);
        return RAP_ESTATE;
    }
    out->actors = calloc(M.nactors + 1, sizeof(*out->actors));
    out->edges = calloc(M.pairs.n + 1, sizeof(*out->edges));
    out->ranks = calloc((size_t)M.size, sizeof(*out->ranks));
    if (out->actors == NULL || out->edges == NULL || out->ranks == NULL) {
        rc = RAP_ENOMEM;
        goto out;
    }
    uint64_t wall = 1, busy_max = 0, busy_sum = 0;
    for (int r = 0; r < M.size; r++)
        if (M.ranks[r].t_ns > wall)
            wall = M.ranks[r].t_ns;
    for (size_t i = 0; i < M.nactors; i++)
        if (M.actors[i].aid != RAP_AID_NONE)
            out->actors[out->nactors++] = (rap_pm_actor){
                .aid = M.actors[i].aid, .atype = M.actors[i].atype, .rank = M.actors[i].rank,
                .load = actor_load(&M.actors[i]), .state_bytes = M.actors[i].state_bytes,
                /* Only movable actors move; one its rank has not reported in
                 * its last two samples may have moved or ended. */
                .pinned = !rap__aid_movable(M.actors[i].aid) ||
                          M.actors[i].load_at + 2 < M.ranks[M.actors[i].rank].samples,
            };
    for (size_t i = 0; i < M.pairs.n; i++) {
        const rap_topk_item *it = &M.pairs.items[i];
        out->edges[out->nedges++] = (rap_pm_edge){
            .a = it->a < it->b ? it->a : it->b, .b = it->a < it->b ? it->b : it->a,
            .bytes_per_s = (double)it->weight * 1e9 / (double)wall,
        };
    }
    for (int r = 0; r < M.size; r++) {
        const m_rank *x = &M.ranks[r];
        const m_point *p = x->nseries ? &x->series[x->nseries - 1] : NULL;
        out->ranks[r] = (rap_pm_rank){
            .rank = r, .workers = (int)x->workers,
            .busy = p && p->busy_ns + p->idle_ns ? (double)p->busy_ns / (double)(p->busy_ns + p->idle_ns) : 0,
        };
        busy_sum += x->busy_ns;
        if (x->busy_ns > busy_max)
            busy_max = x->busy_ns;
    }
    out->nranks = M.size;
    out->imbalance = busy_sum ? (double)busy_max * M.size / (double)busy_sum : 1.0;
out:
    pthread_mutex_unlock(&M.lock);
    if (rc != RAP_OK)
        rap__pmodel_free(out);
    return rc;
}

int rap__profiler_busy(double *busy, int n)
{
    int got = 0;

    pthread_mutex_lock(&M.lock);
    for (int r = 0; r < n; r++) {
        const m_rank *x = M.open && r < M.size ? &M.ranks[r] : NULL;
        const m_point *p = x != NULL && x->nseries ? &x->series[x->nseries - 1] : NULL;
        if (p != NULL && p->busy_ns + p->idle_ns > 0) {
            busy[r] = (double)p->busy_ns / (double)(p->busy_ns + p->idle_ns);
            got++;
        } else {
            busy[r] = -1;
        }
    }
    pthread_mutex_unlock(&M.lock);
    return got;
}

/* ---------------------------------------------------------------- hooks */

int rap__profiler_open(const rap_config *cfg, int rank)
{
    (void)rank;
    pthread_mutex_lock(&M.lock);
    M.size = g_node.size;
    M.path = cfg->profile != NULL && strcmp(cfg->profile, "off") != 0 ? cfg->profile : NULL;
    M.t0_ns = rap__now_ns();
    M.pair_msgs = calloc((size_t)M.size * (size_t)M.size, sizeof(uint64_t));
    M.pair_bytes = calloc((size_t)M.size * (size_t)M.size, sizeof(uint64_t));
    M.ranks = calloc((size_t)M.size, sizeof(*M.ranks));
    if (M.pair_msgs == NULL || M.pair_bytes == NULL || M.ranks == NULL ||
        rap__topk_init(&M.pairs, RAP_PROF_PAIRS) != RAP_OK) {
        free(M.pair_msgs);
        free(M.pair_bytes);
        free(M.ranks);
        pthread_mutex_unlock(&M.lock);
        return RAP_ENOMEM;
    }
    M.open = true;
    pthread_mutex_unlock(&M.lock);
    return RAP_OK;
}

void rap__profiler_close(void)
{
    if (!M.open)
        return;
    if (M.path != NULL)
        rap__profiler_write(M.path);
    pthread_mutex_lock(&M.lock);
    M.open = false;
    free(M.wl);
    free(M.actors);
    free(M.pair_msgs);
    free(M.pair_bytes);
    for (int r = 0; r < M.size; r++)
        free(M.ranks[r].series);
    free(M.ranks);
    rap__topk_free(&M.pairs);
    free(M.notes);
    M.notes = NULL;
    M.nnotes = M.capnotes = 0;
    notes_lost = 0;
    M.wl = NULL;
    M.actors = NULL;
    M.ranks = NULL;
    M.nwl = M.capwl = M.nactors = M.capactors = 0;
    M.samples = M.sample_bytes = M.malformed = M.actors_lost = M.missing = 0;
    pthread_mutex_unlock(&M.lock);
}

/* ----------------------------------------------------------- public API */

int rap_profile_write(const char *path)
{
    if (!rap__node_up() || g_node.rank != 0)
        return RAP_ESTATE;
    return rap__profiler_write(path);
}

/* ------------------------------------------------------------ the record */

static bool on_rank0(int rank, int size)
{
    (void)size;
    return rank == 0;
}

static const rap_service_op ops[] = {
    { RAP_SYS_SAMPLE, rap__sample_op },   /* on every rank's System actor */
    { RAP_SYS_PROFILE, rap__profiler_op }, /* on rank 0's Profiler */
    { RAP_SYS_PLACE, rap__balancer_place_op }, /* on rank 0's Profiler */
    { 0, NULL },
};

const rap_service rap__profile_service = {
    .name = "profiler",
    .actor_name = "rap.profiler",
    .actor_type = RAP_ATYPE_PROFILER,
    .hosted = on_rank0,
    .serial = RAP_SERIAL_PROFILER,
    .open = rap__profiler_open,
    .close = rap__profiler_close,
    .ops = ops,
    .start = rap__sample_start,
    .tick = rap__sample_tick,
    .drain = rap__sample_drain,
    .stop = rap__sample_stop,
};
