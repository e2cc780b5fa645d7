/* services/sample.c -- profile samples, on every rank: at each
 * RAPTORS_PROFILE_INTERVAL_MS the System actor sums what the rank's
 * workers counted (system/probe.h), takes the change since its previous
 * sample, and sends it to rank 0's Profiler; at rap_finalize the last
 * change goes to rank 0 by a gather.
 *
 * Owns:       the sampler's state: the counts of the previous sample (the
 *             rank's tables, and each actor's counts in a map by id).
 * Invariants: a sample is bounded whatever the rank holds: every workload
 *             and destination rank, the RAP_SAMPLE_ACTORS actors that used
 *             the most time in the interval and the RAP_SAMPLE_PAIRS
 *             heaviest pairs in full, the other actors summed per type.
 *             The samples of a rank add up to its totals: each carries the
 *             change since the one before, and the last one (sent at
 *             rap_finalize, once no worker runs) the rest.  Every rank
 *             takes part in the last one (a collective), profiling on or
 *             off as rank 0 says.
 * Threads:    tick on the watchdog thread (it only sends a request to the
 *             System actor); the sample on the worker running the System
 *             actor; start and stop on rap_init's / rap_finalize's thread,
 *             the last when no worker runs.
 * Uses:       system/probe.h, system/node.h, services/profile.h.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "services/profile.h"
#include "system/node.h"
#include "system/probe.h"
#include "util/clock.h"
#include "util/counters.h"
#include "util/fatal.h"
#include "util/hash.h"

typedef struct actor_last {
    uint64_t aid;         /* 0: empty */
    uint64_t calls, time_ns, msgs_out, bytes_out;
    bool dead;            /* ended, its last counts taken: dropped at the next growth */
} actor_last;

/* Each actor's counts at the last sample, updated in place. */
typedef struct actor_map {
    actor_last *slots;
    size_t cap, n, ndead;
} actor_map;

static struct {
    bool on;
    int rank, size, workers;
    uint64_t interval_ns, t0_ns, last_ns;
    _Atomic uint64_t last_tick_ns;
    uint32_t seq;
    uint64_t gone_lost;            /* actors whose end did not fit (probe.h) */
    _Atomic bool pending;          /* a request is on its way to the System actor */
    _Atomic bool draining;         /* rap_finalize began: no more samples but the last */
    rap_prof_tables cur, prev;     /* the rank's counts now and at the last sample */
    uint64_t prev_ctr[RAP_CTR_COUNT]; /* the statistics counters at the last sample */
    actor_map actors;
} S;

/* --------------------------------------------------------- the actor map */

static actor_last *map_find(const actor_map *m, uint64_t aid)
{
    if (m->cap == 0)
        return NULL;
    for (size_t j = rap__hash_u64(aid) & (m->cap - 1);; j = (j + 1) & (m->cap - 1)) {
        if (m->slots[j].aid == aid)
            return &m->slots[j];
        if (m->slots[j].aid == 0)
            return NULL;
    }
}

/* A new slot for `aid` (not in the map): the map grows, without its dead
 * entries, when it is half full.  NULL when out of memory. */
static actor_last *map_add(actor_map *m, uint64_t aid)
{
    size_t j;

    if (2 * (m->n + 1) > m->cap) {
        size_t live = m->n - m->ndead, cap = 64;
        actor_last *old = m->slots;
        while (cap < 4 * (live + 1))
            cap *= 2;
        actor_last *slots = calloc(cap, sizeof(*slots));
        if (slots == NULL)
            return NULL;
        for (size_t i = 0; i < m->cap; i++) {
            if (old[i].aid == 0 || old[i].dead)
                continue;
            for (j = rap__hash_u64(old[i].aid) & (cap - 1); slots[j].aid != 0; j = (j + 1) & (cap - 1))
                ;
            slots[j] = old[i];
        }
        free(old);
        *m = (actor_map){ slots, cap, live, 0 };
    }
    for (j = rap__hash_u64(aid) & (m->cap - 1); m->slots[j].aid != 0; j = (j + 1) & (m->cap - 1))
        ;
    m->slots[j] = (actor_last){ .aid = aid };
    m->n++;
    return &m->slots[j];
}

static void map_free(actor_map *m)
{
    free(m->slots);
    *m = (actor_map){ 0 };
}

static uint64_t sub0(uint64_t a, uint64_t b) { return a > b ? a - b : 0; }

static void rss(uint64_t *now, uint64_t *peak)
{
    unsigned long size = 0, resident = 0;
    struct rusage ru;
    FILE *f = fopen("/proc/self/statm", "r");

    *now = *peak = 0;
    if (f != NULL) {
        if (fscanf(f, "%lu %lu", &size, &resident) == 2)
            *now = (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
        fclose(f);
    }
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        *peak = (uint64_t)ru.ru_maxrss * 1024u;
}

/* The actors of a sample: the RAP_SAMPLE_ACTORS that used the most time
 * in the interval (a min-heap on time), the others that changed summed
 * per type. */
typedef struct pick {
    rap_wire_actor top[RAP_SAMPLE_ACTORS];
    size_t ntop;
    rap_wire_actor *sums;      /* one per actor type; `room` of them */
    size_t nsums, room;
    int err;
    bool last; /* the final sample: no next one needs the counts kept */
} pick;

static void heap_down(rap_wire_actor *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && h[l].time_ns < h[m].time_ns)
            m = l;
        if (r < n && h[r].time_ns < h[m].time_ns)
            m = r;
        if (m == i)
            return;
        rap_wire_actor t = h[i];
        h[i] = h[m], h[m] = t;
        i = m;
    }
}

static void pick_sum(pick *pk, const rap_wire_actor *a)
{
    rap_wire_actor *o = NULL;

    for (size_t k = 0; k < pk->nsums && o == NULL; k++)
        if (pk->sums[k].atype == a->atype)
            o = &pk->sums[k];
    if (o == NULL) {
        if (pk->nsums == pk->room)
            return; /* more types than registered: cannot happen */
        o = &pk->sums[pk->nsums++];
        *o = (rap_wire_actor){ .aid = RAP_AID_NONE, .atype = a->atype };
    }
    o->calls += a->calls;
    o->time_ns += a->time_ns;
    o->msgs_out += a->msgs_out;
    o->bytes_out += a->bytes_out;
    o->state_bytes += a->state_bytes;
    o->count++;
    if (a->depth_peak > o->depth_peak)
        o->depth_peak = a->depth_peak;
}

static void pick_add(pick *pk, const rap_wire_actor *a)
{
    if (a->calls == 0 && a->msgs_out == 0 && a->time_ns == 0)
        return; /* nothing changed: nothing to say */
    if (pk->ntop < RAP_SAMPLE_ACTORS) {
        size_t i = pk->ntop++;
        pk->top[i] = *a;
        while (i > 0 && pk->top[(i - 1) / 2].time_ns > pk->top[i].time_ns) {
            rap_wire_actor t = pk->top[i];
            pk->top[i] = pk->top[(i - 1) / 2], pk->top[(i - 1) / 2] = t;
            i = (i - 1) / 2;
        }
        return;
    }
    if (a->time_ns > pk->top[0].time_ns) {
        rap_wire_actor out = pk->top[0];
        pk->top[0] = *a;
        heap_down(pk->top, pk->ntop, 0);
        pick_sum(pk, &out);
        return;
    }
    pick_sum(pk, a);
}

/* An actor's counts now: the change since the last sample goes to the
 * pick, and the map keeps the counts for the next. */
static void account(pick *pk, uint64_t aid, uint32_t atype, uint32_t depth, uint64_t state,
                    const actor_last *now, bool ended)
{
    actor_last *last = map_find(&S.actors, aid);
    rap_wire_actor d = {
        .aid = aid, .atype = atype, .depth_peak = depth, .state_bytes = state, .count = 1,
        .calls = sub0(now->calls, last ? last->calls : 0),
        .time_ns = sub0(now->time_ns, last ? last->time_ns : 0),
        .msgs_out = sub0(now->msgs_out, last ? last->msgs_out : 0),
        .bytes_out = sub0(now->bytes_out, last ? last->bytes_out : 0),
    };

    pick_add(pk, &d);
    /* Kept for the next sample: an actor that counted something (one
     * that never did reads as zeros either way: a million idle actors
     * take no room), and none in the final sample. */
    if (last == NULL && !ended && !pk->last && (now->calls | now->time_ns | now->msgs_out | now->bytes_out) != 0 &&
        (last = map_add(&S.actors, aid)) == NULL) {
        pk->err = RAP_ENOMEM;
        return;
    }
    if (last == NULL)
        return;
    last->calls = now->calls, last->time_ns = now->time_ns;
    last->msgs_out = now->msgs_out, last->bytes_out = now->bytes_out;
    if (ended && !last->dead) {
        last->dead = true;
        S.actors.ndead++;
    }
}

/* Read without a reference: an actor's memory is never freed while the
 * node is up (ended actors are recycled), and its id, read again after
 * its counts, says whether they were still its own (ids are never reused).
 * A reference would cost an atomic on every actor's line at every sample. */
static void scan_actor(rap_actor *a, void *arg)
{
    pick *pk = arg;
    rap_aid aid = atomic_load_explicit(&a->aid, memory_order_acquire);
    actor_last now;
    uint32_t depth, atype;
    uint64_t state;

    if (aid == RAP_AID_NONE || rap__aid_is_runtime(aid) || pk->err != RAP_OK)
        return;
    now = (actor_last){ aid, RAP_READ(a->prof.calls), RAP_READ(a->prof.time_ns),
                        RAP_READ(a->prof.msgs_out), RAP_READ(a->prof.bytes_out), false };
    depth = atomic_load_explicit(&a->prof.depth_peak, memory_order_relaxed);
    atype = atomic_load_explicit(&a->prof.atype, memory_order_relaxed);
    state = RAP_READ(a->prof.state_bytes);
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&a->aid, memory_order_relaxed) != aid || atype == 0)
        return; /* it ended and its slot took another actor meanwhile, or is being made */
    account(pk, aid, atype, depth, state, &now, false);
}

/* The actors that ended since the last sample: the rest of their counts. */
static void scan_gone(pick *pk, const rap_prof_gone *gone, size_t ngone)
{
    for (size_t i = 0; i < ngone && pk->err == RAP_OK; i++) {
        const rap_prof_gone *g = &gone[i];
        actor_last now = { g->aid, g->calls, g->time_ns, g->msgs_out, g->bytes_out, false };
        account(pk, g->aid, g->atype, g->depth_peak, g->state_bytes, &now, true);
    }
}

static int by_time_desc(const void *x, const void *y)
{
    const rap_wire_actor *a = x, *b = y;
    return (a->time_ns < b->time_ns) - (a->time_ns > b->time_ns);
}

static int by_bytes_desc(const void *x, const void *y)
{
    const rap_wire_pair *a = x, *b = y;
    return (a->bytes < b->bytes) - (a->bytes > b->bytes);
}

static const rap_prof_wl *prev_wl(const rap_prof_wl *w)
{
    for (uint32_t i = 0; i < S.prev.nwl; i++) {
        const rap_prof_wl *p = &S.prev.wl[i];
        if (p->atype == w->atype && p->kind == w->kind && p->id == w->id)
            return p;
    }
    return NULL;
}

/* A sample of what changed since the last one, in a buffer of *len_out
 * bytes (the caller frees it); NULL when out of memory.  `last`: the final
 * one, with the actors that live now. */
static void *build(bool last, size_t *len_out)
{
    size_t nty = rap__atype_count(), room = RAP_SAMPLE_ACTORS + nty + 1, len;
    rap_wire_workload *wl;
    rap_wire_actor *act;
    rap_wire_pair *pr;
    rap_wire_dest *dst;
    rap_wire_sample *h;
    uint32_t nwl = 0, npr = 0, nact;
    uint64_t now = rap__now_ns(), span;
    pick pk = { .room = nty + 1, .last = last };
    rap_prof_gone *gone = NULL;
    size_t ngone = 0;
    char *buf;

    pk.sums = calloc(pk.room, sizeof(*pk.sums));
    if (pk.sums == NULL || rap__probe_collect(&S.cur, &gone, &ngone, &S.gone_lost) != RAP_OK) {
        free(pk.sums);
        free(gone);
        return NULL;
    }
    rap__table_foreach(g_node.table, scan_actor, &pk);
    scan_gone(&pk, gone, ngone);
    free(gone);
    len = sizeof(*h) + (S.cur.nwl + 1) * sizeof(*wl) + room * sizeof(*act) +
          RAP_SAMPLE_PAIRS * sizeof(*pr) + (size_t)S.size * sizeof(*dst) + RAP_CTR_COUNT * sizeof(uint64_t);
    buf = calloc(1, len);
    if (buf == NULL || pk.err != RAP_OK) {
        free(buf);
        free(pk.sums);
        return NULL;
    }
    h = (rap_wire_sample *)(void *)buf;
    wl = (rap_wire_workload *)(void *)(h + 1);
    for (uint32_t i = 0; i <= S.cur.nwl; i++) {
        const rap_prof_wl *w = i < S.cur.nwl ? &S.cur.wl[i] : &S.cur.wl[RAP_PROF_WL_MAX];
        const rap_prof_wl *p = i < S.cur.nwl ? prev_wl(w) : &S.prev.wl[RAP_PROF_WL_MAX];
        rap_wire_workload *o = &wl[nwl];
        /* Unchanged: skipped.  A turn's time lands after its calls were
         * counted (at its end), so time alone may have moved. */
        if (w->calls == (p ? p->calls : 0) && w->time_ns == (p ? p->time_ns : 0) &&
            w->bytes == (p ? p->bytes : 0))
            continue;
        *o = (rap_wire_workload){ .atype = w->atype, .kind = w->kind, .id = w->id,
                                  .calls = sub0(w->calls, p ? p->calls : 0),
                                  .time_ns = sub0(w->time_ns, p ? p->time_ns : 0),
                                  .bytes = sub0(w->bytes, p ? p->bytes : 0) };
        for (int b = 0; b < RAP_SAMPLE_BUCKETS; b++)
            o->hist[b] = w->hist[b] - (p ? p->hist[b] : 0);
        memcpy(o->name, w->name, sizeof(o->name));
        o->name[sizeof(o->name) - 1] = '\0';
        nwl++;
    }
    act = (rap_wire_actor *)(void *)(wl + nwl);
    qsort(pk.top, pk.ntop, sizeof(pk.top[0]), by_time_desc);
    memcpy(act, pk.top, pk.ntop * sizeof(*act));
    memcpy(act + pk.ntop, pk.sums, pk.nsums * sizeof(*act));
    nact = (uint32_t)(pk.ntop + pk.nsums);
    free(pk.sums);
    pr = (rap_wire_pair *)(void *)(act + nact);
    /* The pairs that changed, heaviest first; the first RAP_SAMPLE_PAIRS go. */
    rap_wire_pair *cand = S.cur.pairs.n > RAP_SAMPLE_PAIRS ? malloc(S.cur.pairs.n * sizeof(*cand)) : pr;
    if (cand == NULL) {
        free(buf);
        return NULL;
    }
    for (size_t i = 0; i < S.cur.pairs.n; i++) {
        const rap_topk_item *it = &S.cur.pairs.items[i];
        const rap_topk_item *was = rap__topk_find(&S.prev.pairs, it->a, it->b);
        rap_wire_pair p = { it->a, it->b, sub0(it->count, was ? was->count : 0),
                            sub0(it->weight, was ? was->weight : 0) };
        if (p.msgs != 0)
            cand[npr++] = p;
    }
    qsort(cand, npr, sizeof(*cand), by_bytes_desc);
    if (cand != pr) {
        npr = npr < RAP_SAMPLE_PAIRS ? npr : RAP_SAMPLE_PAIRS;
        memcpy(pr, cand, npr * sizeof(*pr));
        free(cand);
    }
    dst = (rap_wire_dest *)(void *)(pr + npr);
    for (int r = 0; r < S.size; r++)
        dst[r] = (rap_wire_dest){ sub0(S.cur.dest[r].msgs, S.prev.dest[r].msgs),
                                  sub0(S.cur.dest[r].bytes, S.prev.dest[r].bytes) };
    uint64_t ctr[RAP_CTR_COUNT];
    for (int i = 0; i < RAP_CTR_COUNT; i++) {
        uint64_t v = rap__ctr_sum(i);
        ctr[i] = sub0(v, S.prev_ctr[i]);
        S.prev_ctr[i] = v;
    }
    memcpy(dst + S.size, ctr, sizeof(ctr));
    span = sub0(now, S.last_ns) * (uint64_t)S.workers;
    *h = (rap_wire_sample){
        .version = RAP_SAMPLE_VERSION, .rank = S.rank, .seq = S.seq++, .last = last,
        .nwl = nwl, .nactors = nact, .npairs = npr, .nranks = (uint32_t)S.size,
        .workers = (uint32_t)S.workers, .t_ns = now - S.t0_ns, .ncounters = RAP_CTR_COUNT,
        .actors_lost = S.gone_lost > UINT32_MAX ? UINT32_MAX : (uint32_t)S.gone_lost,
        .busy_ns = sub0(S.cur.busy_ns, S.prev.busy_ns),
    };
    h->idle_ns = sub0(span, h->busy_ns);
    rss(&h->rss_bytes, &h->rss_peak_bytes);
    *len_out = (size_t)((char *)(dst + S.size) - buf) + sizeof(ctr);

    /* This sample's counts are the next one's "before". */
    S.prev.busy_ns = S.cur.busy_ns;
    S.prev.nwl = S.cur.nwl;
    memcpy(S.prev.wl, S.cur.wl, sizeof(S.cur.wl));
    memcpy(S.prev.dest, S.cur.dest, (size_t)S.size * sizeof(*S.prev.dest));
    rap__topk_copy(&S.prev.pairs, &S.cur.pairs);
    S.last_ns = now;
    S.gone_lost = 0;
    return buf;
}

/* --------------------------------------------------------------- hooks */

int rap__sample_start(const rap_config *cfg, int rank, int size, int workers)
{
    memset(&S, 0, sizeof(S));
    /* On as the probe is: rank 0's setting, on every rank (node.c), so that
     * every rank takes part in the last sample. */
    S.on = rap__probe_on();
    if (!S.on)
        return RAP_OK;
    S.rank = rank;
    S.size = size;
    S.workers = workers;
    S.interval_ns = (uint64_t)cfg->profile_interval_ms * 1000000u;
    S.t0_ns = S.last_ns = rap__now_ns();
    atomic_store(&S.last_tick_ns, S.t0_ns);
    if (rap__probe_tables_init(&S.cur, size, RAP_PROF_PAIRS) != RAP_OK ||
        rap__probe_tables_init(&S.prev, size, RAP_PROF_PAIRS) != RAP_OK) {
        rap__probe_tables_free(&S.cur);
        return RAP_ENOMEM;
    }
    return RAP_OK;
}

void rap__sample_tick(uint64_t now_ns)
{
    bool expect = false;
    uint64_t last = atomic_load_explicit(&S.last_tick_ns, memory_order_relaxed);

    if (!S.on || atomic_load_explicit(&S.draining, memory_order_relaxed) || now_ns < last + S.interval_ns ||
        !atomic_compare_exchange_strong(&S.last_tick_ns, &last, now_ns) ||
        !atomic_compare_exchange_strong(&S.pending, &expect, true))
        return;
    rap__probe_epoch_bump(); /* the workers publish at their next turn's end */
    if (rap__sys_send(RAP_KIND_SYS_ACTION, RAP_SYS_SAMPLE, rap__aid_system(S.rank),
                      rap__aid_system(S.rank), NULL, 0) != RAP_OK)
        atomic_store(&S.pending, false);
}

void rap__sample_op(rap_ctx *ctx, const rap_env *env)
{
    size_t len = 0;
    void *buf;

    (void)env;
    atomic_store(&S.pending, false);
    /* Draining: what this one would carry goes in the last sample instead
     * (sent now, it could reach rank 0 after its last quiescence). */
    if (!S.on || ctx->actor->type->id != RAP_ATYPE_SYSTEM ||
        atomic_load_explicit(&S.draining, memory_order_relaxed))
        return;
    rap__probe_publish(); /* this worker's counts, now */
    buf = build(false, &len);
    if (buf == NULL) {
        rap__log(RAP_LOG_WARN, RAP_AID_NONE, "profile: out of memory for a sample; skipped");
        return;
    }
    if (rap__sys_send(RAP_KIND_SYS_ACTION, RAP_SYS_PROFILE, rap__aid(0, RAP_SERIAL_PROFILER),
                      rap__aid_system(S.rank), buf, len) != RAP_OK)
        rap__log(RAP_LOG_WARN, RAP_AID_NONE, "profile: out of memory sending a sample; skipped");
    free(buf);
}

/* rap_finalize's last drains follow: a sample sent after them would reach
 * rank 0 after its last quiescence, and be lost.  The ones already asked
 * for are in flight, counted, and arrive before it. */
void rap__sample_drain(void) { atomic_store(&S.draining, true); }

/* The last sample of every rank, gathered to rank 0 (collective, once no
 * worker runs: every count is published and final). */
void rap__sample_stop(void)
{
    int mine = 0, *lens = NULL, *displs = NULL, total = 0;
    size_t len = 0;
    char *buf = NULL, *all = NULL;

    if (S.on)
        buf = build(true, &len);
    mine = buf != NULL ? (int)len : 0;
    if (S.on && buf == NULL)
        rap__log(RAP_LOG_WARN, RAP_AID_NONE, "profile: out of memory for the last sample; skipped");
    if (S.rank == 0 && S.on) {
        lens = calloc((size_t)S.size, sizeof(int));
        displs = calloc((size_t)S.size, sizeof(int));
        if (lens == NULL || displs == NULL)
            rap__fatal("profile: out of memory gathering the last samples");
    }
    if (S.on && MPI_Gather(&mine, 1, MPI_INT, lens, 1, MPI_INT, 0, g_node.comm) == MPI_SUCCESS) {
        if (S.rank == 0) {
            for (int r = 0; r < S.size; r++) {
                displs[r] = total;
                if (lens[r] < 0 || lens[r] > INT_MAX - total) /* MPI counts are ints */
                    rap__fatal("profile: the ranks' last samples exceed 2 GiB together");
                total += lens[r];
            }
            if ((all = malloc((size_t)total + 1)) == NULL)
                rap__fatal("profile: out of memory gathering the last samples");
        }
        MPI_Gatherv(buf, mine, MPI_BYTE, all, lens, displs, MPI_BYTE, 0, g_node.comm);
        for (int r = 0; all != NULL && r < S.size; r++)
            if (lens[r] > 0)
                rap__profiler_ingest(all + displs[r], (size_t)lens[r], r);
    }
    free(all);
    free(lens);
    free(displs);
    free(buf);
    rap__probe_tables_free(&S.cur);
    rap__probe_tables_free(&S.prev);
    map_free(&S.actors);
    S.on = false;
}
