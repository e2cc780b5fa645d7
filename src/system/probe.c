/* system/probe.c -- see probe.h. */
#include <stdlib.h>
#include <string.h>

#include "system/node.h"
#include "system/probe.h"
#include "util/clock.h"
#include "util/hash.h"

#define WL_INDEX 512      /* open addressing over the workloads: twice their number */
#define PAIR_SETS 256     /* a 2-way cache of pairs in front of the sketch */
#define PAIR_CACHE (2 * PAIR_SETS)
#define GONE_MAX 64       /* actors ended on a worker before it publishes */
#define SNAP_GONE_MIN 256 /* ... and published before a sample takes them: grows */

typedef struct pair_slot {
    uint64_t a, b, bytes, msgs;
} pair_slot;

typedef struct probe {
    alignas(RAP_CACHELINE) rap_prof_tables t; /* the worker's */
    uint16_t idx[WL_INDEX];   /* workload position + 1, 0 empty */
    rap_prof_wl *last;        /* the last workload looked up */
    pair_slot pc[PAIR_CACHE];
    rap_prof_wl *named;       /* a named workload running now */
    uint32_t named_id;
    uint64_t named_t0;
    uint64_t epoch;           /* the last epoch published */
    bool dirty;               /* counted something since the last copy */
    uint32_t ngone;
    rap_prof_gone gone[GONE_MAX];
    pthread_mutex_t lock;     /* guards snap and snap_gone, and t for the shared probe */
    rap_prof_tables snap;
    rap_prof_gone *snap_gone; /* [capsnap_gone], grown under the lock */
    uint32_t nsnap_gone, capsnap_gone;
    uint64_t gone_lost;
    rap_trace_ev *ev;         /* the trace: [trace_cap] */
    uint32_t nev;
    uint32_t flow_tick;       /* remote sends seen, for the flows' sampling */
    uint64_t ev_dropped;
} probe;

bool rap__probe_enabled, rap__probe_tracing;
_Thread_local rap_turn *rap__probe_turn RAP_TLS_IE;

static struct {
    probe *probes;            /* [0, nworkers): the workers'; [nworkers]: the others' */
    int nworkers, nranks, rank;
    bool on;
    uint32_t trace_cap;
    _Atomic uint64_t epoch;
    _Atomic uint32_t flow_seq; /* flows marked on this rank */
} P;

static void count_run(probe *p, rap_aid from, rap_aid to, uint64_t bytes, uint64_t msgs);

/* The calling worker's probe (NULL elsewhere); initial-exec TLS: read at
 * every message. */
static _Thread_local probe *tl_probe RAP_TLS_IE;

int rap__probe_tables_init(rap_prof_tables *t, int nranks, size_t npairs)
{
    memset(t, 0, sizeof(*t));
    t->dest = calloc((size_t)nranks, sizeof(*t->dest));
    if (t->dest == NULL || rap__topk_init(&t->pairs, npairs) != RAP_OK) {
        rap__probe_tables_free(t);
        return RAP_ENOMEM;
    }
    return RAP_OK;
}

void rap__probe_tables_free(rap_prof_tables *t)
{
    free(t->dest);
    rap__topk_free(&t->pairs);
    memset(t, 0, sizeof(*t));
}

/* A worker's pairs sketch: RAP_PROF_PAIRS shared among the workers (and
 * the other threads), at most PROBE_PAIRS_MAX each: a spawn tree's every
 * message is a new pair, and each takes a counter over by a walk down the
 * sketch's heap, which then lives in cache only if it is small (Fib with
 * 2 workers: 0.53 M actors/s at 32,768 counters a worker). */
#define PROBE_PAIRS_MAX 16384
static size_t pairs_per_probe(void)
{
    size_t n = RAP_PROF_PAIRS / (size_t)(P.nworkers + 1);
    return n < 256 ? 256 : n > PROBE_PAIRS_MAX ? PROBE_PAIRS_MAX : n;
}

int rap__probe_create(int nworkers, int nranks, bool on, uint32_t trace_cap)
{
    uint64_t now = rap__now_ns();

    memset(&P, 0, sizeof(P));
    P.on = rap__probe_enabled = on;
    rap__probe_tracing = on && trace_cap > 0;
    if (!on)
        return RAP_OK;
    P.trace_cap = rap__probe_tracing ? trace_cap : 0;
    P.probes = aligned_alloc(RAP_CACHELINE, (size_t)(nworkers + 1) * sizeof(probe));
    if (P.probes == NULL)
        return RAP_ENOMEM;
    memset(P.probes, 0, (size_t)(nworkers + 1) * sizeof(probe));
    P.nworkers = nworkers;
    P.nranks = nranks;
    for (int i = 0; i <= nworkers; i++) {
        probe *p = &P.probes[i];
        pthread_mutex_init(&p->lock, NULL);
        p->snap_gone = malloc(SNAP_GONE_MIN * sizeof(*p->snap_gone));
        p->capsnap_gone = SNAP_GONE_MIN;
        if (P.trace_cap > 0 && i < nworkers && (p->ev = malloc(P.trace_cap * sizeof(*p->ev))) == NULL)
            p->snap_gone = (free(p->snap_gone), NULL);
        if (p->snap_gone == NULL || rap__probe_tables_init(&p->t, nranks, pairs_per_probe()) != RAP_OK ||
            rap__probe_tables_init(&p->snap, nranks, pairs_per_probe()) != RAP_OK) {
            P.nworkers = i;
            rap__probe_destroy();
            return RAP_ENOMEM;
        }
        p->t.since_ns = p->snap.since_ns = now;
    }
    return RAP_OK;
}

void rap__probe_destroy(void)
{
    for (int i = 0; P.probes != NULL && i <= P.nworkers; i++) {
        free(P.probes[i].snap_gone);
        free(P.probes[i].ev);
        rap__probe_tables_free(&P.probes[i].t);
        rap__probe_tables_free(&P.probes[i].snap);
        pthread_mutex_destroy(&P.probes[i].lock);
    }
    free(P.probes);
    memset(&P, 0, sizeof(P));
    rap__probe_enabled = rap__probe_tracing = false;
}

/* A trace event on worker probe p (counted when it does not fit); the
 * workload's own key, not its table entry's (that may be the overflow). */
static void trace(probe *p, uint64_t t0, uint64_t dur, uint32_t atype, uint32_t kind, uint32_t id)
{
    if (p->nev == P.trace_cap) {
        p->ev_dropped++;
        return;
    }
    p->ev[p->nev++] = (rap_trace_ev){ t0, dur, rap__probe_turn->self, atype, kind, id,
                                      (uint32_t)(p - P.probes) };
}

/* Flows: one remote send in RAP_TRACE_FLOW_EVERY of each worker is marked
 * (the header's flags, msg/wire.h) and its send recorded; the handler run
 * of a marked message records its end.  Both sides name the flow by the
 * sender's rank and the number; a flow that finds its buffer full is not
 * marked (and an end that does not fit is left out: an arrow without a
 * head).  Not counted as dropped: those are handler runs. */
void rap__probe_flow_out(rap_env *env)
{
    probe *p = tl_probe;
    rap_turn *t = rap__probe_turn;

    if (p == NULL || t == NULL || p->ev == NULL || (int)RAP_AID_RANK(env->hdr.to) == P.rank ||
        rap__aid_movable(env->hdr.to) || /* its flags carry a sequence number */
        env->hdr.from != t->self || ++p->flow_tick % RAP_TRACE_FLOW_EVERY != 0 || p->nev == P.trace_cap)
        return;
    uint32_t seq = atomic_fetch_add_explicit(&P.flow_seq, 1, memory_order_relaxed) % RAP_WIRE_FLOW_MAX + 1;
    env->hdr.flags = RAP_WIRE_FLOW | seq << RAP_WIRE_FLOW_SHIFT;
    p->ev[p->nev++] = (rap_trace_ev){ rap__now_ns(), 0, t->self, (uint32_t)RAP_AID_RANK(env->hdr.from),
                                      RAP_TEV_FLOW_OUT, seq, (uint32_t)(p - P.probes) };
}

void rap__probe_flow_in(rap_turn *t, const rap_wire_hdr *h)
{
    probe *p = tl_probe;

    if (p == NULL || p->ev == NULL || p->nev == P.trace_cap || !rap__wire_flow_ok(h))
        return;
    p->ev[p->nev++] = (rap_trace_ev){ t->tprev, 0, t->self, (uint32_t)RAP_AID_RANK(h->from), RAP_TEV_FLOW_IN,
                                      h->flags >> RAP_WIRE_FLOW_SHIFT, (uint32_t)(p - P.probes) };
}

const rap_trace_ev *rap__probe_trace(int w, size_t *n, uint64_t *dropped)
{
    *n = 0;
    *dropped = 0;
    if (!P.on || w < 0 || w >= P.nworkers || P.probes[w].ev == NULL)
        return NULL;
    *n = P.probes[w].nev;
    *dropped = P.probes[w].ev_dropped;
    return P.probes[w].ev;
}

int rap__probe_workers(void) { return P.on ? P.nworkers : 0; }

const char *rap__probe_named_name(uint32_t atype, uint32_t id)
{
    for (int i = 0; P.on && i < P.nworkers; i++) {
        const rap_prof_tables *t = &P.probes[i].t;
        for (uint32_t k = 0; k < t->nwl; k++)
            if (t->wl[k].kind == RAP_WL_NAMED && t->wl[k].atype == atype && t->wl[k].id == id)
                return t->wl[k].name;
    }
    return NULL;
}

void rap__probe_bind(int worker) { tl_probe = P.on && worker >= 0 ? &P.probes[worker] : NULL; }

/* ------------------------------------------------------------ workloads */

static unsigned bucket(uint64_t ns)
{
    unsigned b = ns < 2 ? 0 : (unsigned)(63 - __builtin_clzll(ns));
    return b < RAP_PROF_BUCKETS ? b : RAP_PROF_BUCKETS - 1;
}

static bool same_wl(const rap_prof_wl *w, uint32_t atype, uint32_t kind, uint32_t id)
{
    return w->atype == atype && w->id == id && w->kind == kind;
}

/* The workload (atype, kind, id) of probe p, made when new (the overflow
 * entry, all zero keys, once the table is full). */
static rap_prof_wl *workload(probe *p, uint32_t atype, uint32_t kind, uint32_t id)
{
    rap_prof_wl *w = p->last;
    size_t j;

    if (w != NULL && same_wl(w, atype, kind, id))
        return w;
    j = (size_t)rap__hash_u64((uint64_t)atype << 32 ^ (uint64_t)kind << 30 ^ id) & (WL_INDEX - 1);
    while (p->idx[j] != 0) {
        w = &p->t.wl[p->idx[j] - 1];
        if (same_wl(w, atype, kind, id))
            return p->last = w;
        j = (j + 1) & (WL_INDEX - 1);
    }
    if (p->t.nwl == RAP_PROF_WL_MAX)
        return p->last = &p->t.wl[RAP_PROF_WL_MAX];
    w = &p->t.wl[p->t.nwl++];
    w->atype = atype;
    w->kind = kind;
    w->id = id;
    p->idx[j] = (uint16_t)p->t.nwl;
    return p->last = w;
}

/* A span's time less what named workloads inside it took (never below 0:
 * a named part begun in an earlier message of the turn may be longer). */
static inline uint64_t less_named(uint64_t span, uint64_t named) { return span > named ? span - named : 0; }

/* `n` calls of `w` took `ns` in all. */
static void attribute(rap_prof_wl *w, uint64_t ns, uint32_t n)
{
    if (n == 0)
        return;
    w->time_ns += ns;
    w->hist[bucket(n == 1 ? ns : ns / n)] += n; /* one message: no division */
}

void rap__probe_message(rap_turn *t, uint32_t kind, uint32_t id, uint32_t bytes)
{
    probe *p = tl_probe;
    rap_prof_wl *w;

    if (p == NULL)
        return;
    w = workload(p, t->a->type->id, kind, id);
    w->calls++;
    w->bytes += bytes;
    t->calls++;
    t->user_calls += kind == RAP_WL_MESSAGE;
    t->cur = w;
    t->cur_kind = kind;
    t->cur_id = id;
    if (t->mixed)
        return;
    if (t->first == NULL || t->first == w) {
        t->first = w;
        t->first_calls++;
        return;
    }
    /* Another workload in this turn: time message by message from here. */
    uint64_t now = rap__now_ns();
    attribute(t->first, less_named(now - t->tprev, t->named_ns), t->first_calls);
    t->tprev = now;
    t->named_ns = 0;
    t->mixed = true;
}

void rap__probe_message_timed(rap_turn *t)
{
    uint64_t now = rap__now_ns();

    if (P.trace_cap > 0 && tl_probe != NULL)
        trace(tl_probe, t->tprev, now - t->tprev, t->a->type->id, t->cur_kind, t->cur_id);

    attribute(t->cur, less_named(now - t->tprev, t->named_ns), 1);
    t->tprev = now;
    t->named_ns = 0;
}

void rap__probe_turn_end(rap_turn *t, uint64_t t_end)
{
    probe *p = tl_probe;
    rap_actor_prof *ap = &t->a->prof;
    uint64_t ns = t_end - t->t0;

    rap__probe_turn = NULL;
    if (p == NULL)
        return;
    if (p->named != NULL) { /* left open by its handler: dropped, not timed */
        p->named = NULL;
        p->last = NULL;
    }
    if (t->run_msgs != 0)
        count_run(p, t->self, t->run_to, t->run_bytes, t->run_msgs);
    if (t->out_msgs != 0) {
        RAP_BUMP(ap->msgs_out, t->out_msgs);
        RAP_BUMP(ap->bytes_out, t->out_bytes);
    }
    if (!t->mixed && t->first != NULL)
        attribute(t->first, less_named(t_end - t->tprev, t->named_ns), t->first_calls);
    p->t.busy_ns += ns;
    p->dirty = true;
    RAP_BUMP(ap->calls, t->user_calls);
    RAP_BUMP(ap->time_ns, ns);
    if (t->calls > RAP_READ(ap->depth_peak))
        atomic_store_explicit(&ap->depth_peak, t->calls, memory_order_relaxed);
    if (atomic_load_explicit(&P.epoch, memory_order_relaxed) != p->epoch)
        rap__probe_publish();
}

int rap__probe_named_begin(const char *name)
{
    probe *p = tl_probe;
    uint32_t id;

    if (p == NULL || rap__probe_turn == NULL)
        return RAP_OK; /* profiling off, or not in a handler: nothing to time */
    if (p->named != NULL)
        return RAP_ESTATE;
    id = rap__hash_name(name);
    p->named = workload(p, rap__probe_turn->a->type->id, RAP_WL_NAMED, id);
    p->named_id = id;
    if (p->named->name[0] == '\0')
        snprintf(p->named->name, sizeof(p->named->name), "%s", name);
    p->named_t0 = rap__now_ns();
    return RAP_OK;
}

int rap__probe_named_end(uint64_t bytes)
{
    probe *p = tl_probe;
    uint64_t ns;

    if (p == NULL || rap__probe_turn == NULL)
        return RAP_OK;
    if (p->named == NULL)
        return RAP_ESTATE;
    ns = rap__now_ns() - p->named_t0;
    if (P.trace_cap > 0)
        trace(p, p->named_t0, ns, rap__probe_turn->a->type->id, RAP_WL_NAMED, p->named_id);
    p->named->calls++;
    p->named->bytes += bytes;
    attribute(p->named, ns, 1);
    rap__probe_turn->named_ns += ns;
    p->named = NULL;
    p->last = NULL; /* the next lookup is the enclosing message's */
    return RAP_OK;
}

/* ---------------------------------------------------------------- sends */

/* `msgs` messages of `bytes` in all from `from` to `to`, into p's tables. */
static void count_run(probe *p, rap_aid from, rap_aid to, uint64_t bytes, uint64_t msgs)
{
    rap_prof_dest *d = &p->t.dest[RAP_AID_RANK(to)];

    d->msgs += msgs; /* its own rank too: the heat map's diagonal */
    d->bytes += bytes;
    p->dirty = true;
    if (from == RAP_AID_NONE)
        return;
    pair_slot *s = &p->pc[2 * (rap__hash_u64(from * UINT64_C(0x9e3779b97f4a7c15) ^ to) & (PAIR_SETS - 1))];
    for (int w = 0; w < 2; w++) {
        if (s[w].a == from && s[w].b == to) {
            s[w].bytes += bytes;
            s[w].msgs += msgs;
            return;
        }
    }
    /* A miss: the way with fewer messages goes to the sketch. */
    s += s[1].msgs < s[0].msgs;
    if (s->msgs != 0)
        rap__topk_add(&p->t.pairs, s->a, s->b, s->bytes, s->msgs);
    *s = (pair_slot){ from, to, bytes, msgs };
}

void rap__probe_send_slow(rap_actor *actor, rap_aid from, rap_aid to, uint32_t bytes)
{
    rap_turn *t = rap__probe_turn;
    probe *p = tl_probe;

    if (!P.on)
        return;
    if (t != NULL && t->self == from) { /* a new addressee in the sender's turn */
        if (t->run_msgs != 0)
            count_run(p, from, t->run_to, t->run_bytes, t->run_msgs);
        t->out_msgs++;
        t->out_bytes += bytes;
        t->run_to = to;
        t->run_msgs = 1;
        t->run_bytes = bytes;
        return;
    }
    if (actor != NULL) { /* outside its turn: its init or fini */
        RAP_BUMP(actor->prof.msgs_out, 1);
        RAP_BUMP(actor->prof.bytes_out, bytes);
    }
    if (p != NULL) {
        count_run(p, from, to, bytes, 1);
        return;
    }
    p = &P.probes[P.nworkers]; /* threads that are not workers: under the lock */
    pthread_mutex_lock(&p->lock);
    count_run(p, from, to, bytes, 1);
    pthread_mutex_unlock(&p->lock);
}

/* ---------------------------------------------------------- publication */

void rap__probe_set_rank(int rank) { P.rank = rank; }

void rap__probe_epoch_bump(void) { atomic_fetch_add(&P.epoch, 1); }

static void flush_pairs(probe *p)
{
    for (int i = 0; i < PAIR_CACHE; i++) {
        pair_slot *s = &p->pc[i];
        if (s->msgs != 0)
            rap__topk_add(&p->t.pairs, s->a, s->b, s->bytes, s->msgs);
        s->msgs = s->bytes = 0;
    }
}

/* The snapshot needs no pair index (it is only walked): items alone. */
static void copy_tables(rap_prof_tables *to, const rap_prof_tables *from, bool pairs)
{
    to->busy_ns = from->busy_ns;
    to->since_ns = from->since_ns;
    to->nwl = from->nwl;
    memcpy(to->wl, from->wl, from->nwl * sizeof(from->wl[0]));
    to->wl[RAP_PROF_WL_MAX] = from->wl[RAP_PROF_WL_MAX];
    memcpy(to->dest, from->dest, (size_t)P.nranks * sizeof(*to->dest));
    if (pairs)
        rap__topk_copy_items(&to->pairs, &from->pairs);
}

/* An ended actor into p's published list (under p->lock); the list grows
 * (rap_finalize ends every actor between two samples), and only an actor
 * that finds no memory is lost (counted). */
static void push_gone(probe *p, const rap_prof_gone *g)
{
    if (p->nsnap_gone == p->capsnap_gone) {
        uint32_t ncap = p->capsnap_gone * 2;
        rap_prof_gone *n = ncap > p->capsnap_gone ? realloc(p->snap_gone, ncap * sizeof(*n)) : NULL;
        if (n == NULL) {
            p->gone_lost++;
            return;
        }
        p->snap_gone = n;
        p->capsnap_gone = ncap;
    }
    p->snap_gone[p->nsnap_gone++] = *g;
}

/* The worker's ended actors into the snapshot's (under p->lock). */
static void move_gone(probe *p)
{
    for (uint32_t i = 0; i < p->ngone; i++)
        push_gone(p, &p->gone[i]);
    p->ngone = 0;
}

void rap__probe_gone(rap_actor *a)
{
    probe *p = tl_probe;
    rap_prof_gone g;

    if (!P.on)
        return;
    g = (rap_prof_gone){
        .aid = atomic_load_explicit(&a->aid, memory_order_relaxed),
        .atype = a->type->id,
        .depth_peak = atomic_load_explicit(&a->prof.depth_peak, memory_order_relaxed),
        .calls = RAP_READ(a->prof.calls),
        .time_ns = RAP_READ(a->prof.time_ns),
        .msgs_out = RAP_READ(a->prof.msgs_out),
        .bytes_out = RAP_READ(a->prof.bytes_out),
        .state_bytes = a->type->state_size,
    };
    /* One that never handled a user message nor sent one (its time, if
     * any, is the runtime's turns: the one that ends it, a spawn answer)
     * is left out of the samples' actors: a million idle actors destroyed
     * leave no list.  Their turns stay in the rank's busy time and its
     * runtime workloads. */
    if ((g.calls | g.msgs_out | g.bytes_out) == 0)
        return;
    if (p != NULL) {
        if (p->ngone == GONE_MAX) { /* only the ended actors go: the tables wait for the epoch */
            pthread_mutex_lock(&p->lock);
            move_gone(p);
            pthread_mutex_unlock(&p->lock);
        }
        p->gone[p->ngone++] = g;
        return;
    }
    p = &P.probes[P.nworkers]; /* threads that are not workers */
    pthread_mutex_lock(&p->lock);
    push_gone(p, &g);
    pthread_mutex_unlock(&p->lock);
}

/* Into the snapshot: the tables (the pairs too when `pairs`: up to
 * 65,536/(workers + 1) counters, a copy of megabytes) and the ended actors. */
static void publish(probe *p, bool pairs)
{
    flush_pairs(p);
    pthread_mutex_lock(&p->lock);
    copy_tables(&p->snap, &p->t, pairs);
    move_gone(p);
    pthread_mutex_unlock(&p->lock);
    if (pairs)
        p->epoch = atomic_load_explicit(&P.epoch, memory_order_relaxed);
    p->dirty = false;
}

void rap__probe_publish(void)
{
    if (tl_probe != NULL)
        publish(tl_probe, true);
}

/* Before a worker sleeps: all but the pairs, which a worker that sleeps
 * and wakes often would copy each time; they follow at its next turn
 * after the epoch moved, or when it ends (rap_finalize). */
void rap__probe_idle(void)
{
    probe *p = tl_probe;

    if (p != NULL && (p->dirty || p->ngone != 0))
        publish(p, atomic_load_explicit(&P.epoch, memory_order_relaxed) != p->epoch);
}

/* Add workload `w` into `out`'s table (by key; the overflow entry when full). */
static void merge_wl(rap_prof_tables *out, const rap_prof_wl *w)
{
    rap_prof_wl *o = NULL;

    for (uint32_t i = 0; i < out->nwl && o == NULL; i++)
        if (same_wl(&out->wl[i], w->atype, w->kind, w->id))
            o = &out->wl[i];
    if (o == NULL) {
        if (out->nwl == RAP_PROF_WL_MAX) {
            o = &out->wl[RAP_PROF_WL_MAX];
        } else {
            o = &out->wl[out->nwl++];
            *o = (rap_prof_wl){ .atype = w->atype, .kind = w->kind, .id = w->id };
            memcpy(o->name, w->name, sizeof(o->name));
        }
    }
    o->calls += w->calls;
    o->time_ns += w->time_ns;
    o->bytes += w->bytes;
    for (int b = 0; b < RAP_PROF_BUCKETS; b++)
        o->hist[b] += w->hist[b];
}

static void merge(rap_prof_tables *out, const rap_prof_tables *in)
{
    out->busy_ns += in->busy_ns;
    if (out->since_ns == 0 || in->since_ns < out->since_ns)
        out->since_ns = in->since_ns;
    for (uint32_t i = 0; i < in->nwl; i++)
        merge_wl(out, &in->wl[i]);
    if (in->wl[RAP_PROF_WL_MAX].calls != 0)
        merge_wl(out, &in->wl[RAP_PROF_WL_MAX]);
    for (int r = 0; r < P.nranks; r++) {
        out->dest[r].msgs += in->dest[r].msgs;
        out->dest[r].bytes += in->dest[r].bytes;
    }
    for (size_t i = 0; i < in->pairs.n; i++) {
        const rap_topk_item *it = &in->pairs.items[i];
        rap__topk_add(&out->pairs, it->a, it->b, it->weight, it->count);
    }
}

/* Take probe p's published ended actors (under p->lock). */
static int take_gone(probe *p, rap_prof_gone **gone, size_t *ngone, uint64_t *lost)
{
    if (p->nsnap_gone != 0) {
        rap_prof_gone *g = realloc(*gone, (*ngone + p->nsnap_gone) * sizeof(**gone));
        if (g == NULL)
            return RAP_ENOMEM;
        memcpy(g + *ngone, p->snap_gone, p->nsnap_gone * sizeof(*g));
        *gone = g;
        *ngone += p->nsnap_gone;
        p->nsnap_gone = 0;
    }
    *lost += p->gone_lost;
    p->gone_lost = 0;
    return RAP_OK;
}

int rap__probe_collect(rap_prof_tables *out, rap_prof_gone **gone, size_t *ngone, uint64_t *gone_lost)
{
    int rc = RAP_OK;

    if (!P.on)
        return RAP_ESTATE;
    /* Counters to zero, keys kept: a workload keeps its entry from one
     * collect to the next (rebuilt in another order, one that had an
     * entry could land in the overflow, and be counted twice). */
    out->busy_ns = out->since_ns = 0;
    for (uint32_t i = 0; i < out->nwl; i++) {
        rap_prof_wl *w = &out->wl[i];
        w->calls = w->time_ns = w->bytes = 0;
        memset(w->hist, 0, sizeof(w->hist));
    }
    memset(&out->wl[RAP_PROF_WL_MAX], 0, sizeof(out->wl[RAP_PROF_WL_MAX]));
    memset(out->dest, 0, (size_t)P.nranks * sizeof(*out->dest));
    rap__topk_clear(&out->pairs);
    for (int i = 0; i <= P.nworkers; i++) {
        probe *p = &P.probes[i];
        pthread_mutex_lock(&p->lock);
        if (i == P.nworkers) { /* the shared probe's tables are its snapshot */
            flush_pairs(p);
            merge(out, &p->t);
        } else {
            merge(out, &p->snap);
        }
        if (rc == RAP_OK)
            rc = take_gone(p, gone, ngone, gone_lost);
        pthread_mutex_unlock(&p->lock);
    }
    return rc;
}

/* ----------------------------------------------------------- public API */

int rap_workload_begin(rap_ctx *ctx, const char *name)
{
    if (ctx == NULL || ctx->actor == NULL || name == NULL || name[0] == '\0')
        return RAP_EINVAL;
    return rap__probe_named_begin(name);
}

int rap_workload_end(rap_ctx *ctx, uint64_t bytes)
{
    if (ctx == NULL || ctx->actor == NULL)
        return RAP_EINVAL;
    return rap__probe_named_end(bytes);
}
