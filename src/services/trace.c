/* services/trace.c -- the trace (RAPTORS_TRACE=path): every handler run of
 * the job as a Chrome trace-event file that Perfetto and chrome://tracing
 * open: a process per rank, a thread per worker, a complete event per
 * handler run (and per named part of one) named by its workload, with the
 * actor's id.
 *
 * Owns:       the ranks' clock offsets (rank 0), measured at rap_init.
 * Invariants: the workers record into buffers of RAPTORS_TRACE_EVENTS
 *             events each (system/probe.h), never flushed during the run:
 *             what does not fit is counted, per rank, in the file.  At
 *             rap_finalize, once no worker runs, every rank's events go to
 *             rank 0 by one gather, checked there before use; rank 0 moves
 *             each rank's times onto its own clock by the offset measured
 *             at rap_init (ping-pongs with rank 0, the offset of the
 *             fastest; its error, half that round trip, is in the file).
 * Threads:    start and stop on rap_init's / rap_finalize's thread.
 * Uses:       system/probe.h, system/node.h, services/profile.h, jansson.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/profile.h"
#include "system/node.h"
#include "system/probe.h"
#include "util/clock.h"
#include "util/counters.h"
#include "util/fatal.h"

#define TRACE_VERSION 2
#define PINGS 16
#define NAMES_MAX 1024
#define COUNTER_NS 1000000u /* counter tracks: a sample a millisecond at most */

/* What a rank sends rank 0 at the end: this header, `nworkers` dropped
 * counts (uint64_t), `nev` rap_trace_ev, `nnames` trace_name, `nctr`
 * trace_ctr. */
typedef struct trace_hdr {
    uint32_t nev, nnames, nworkers, nctr;
} trace_hdr;

/* The rank's counters at one moment (util/counters.h): for the counter
 * tracks. */
typedef struct trace_ctr {
    uint64_t t_ns, queued, bytes_out, bytes_in;
} trace_ctr;

/* One decision of the balancer (rank 0): a span on its own track. */
typedef struct trace_lb {
    uint64_t t0_ns, t1_ns;
    rap_rebalance_note n;
} trace_lb;
#define LB_MAX 4096 /* decisions kept; later ones counted in otherData */
#define LB_TID 1000 /* rank 0's track for them */

typedef struct trace_name {
    uint32_t atype, id;
    char name[RAP_PROF_NAME_MAX];
} trace_name;

static struct {
    bool on;
    int rank, size;
    uint32_t cap;
    char *path;            /* rank 0's RAPTORS_TRACE */
    int64_t *offset_ns;    /* rank 0: each rank's clock minus rank 0's */
    uint64_t *error_ns;
    uint64_t zero_ns;      /* rank 0's clock when the offsets were measured */
    pthread_mutex_t ctr_lock; /* one tick at a time records */
    trace_ctr *ctr;        /* [cap] */
    uint32_t nctr;
    _Atomic uint64_t ctr_last_ns;
    _Atomic bool ctr_force; /* the next look records whenever it comes */
    pthread_mutex_t lb_lock; /* the balancer's decisions (rank 0) */
    trace_lb *lb;
    size_t nlb, caplb;
    uint64_t lb_lost;
} T = { .ctr_lock = PTHREAD_MUTEX_INITIALIZER, .lb_lock = PTHREAD_MUTEX_INITIALIZER };

/* ------------------------------------------------------------ the clocks */

/* Rank 0 and each other rank in turn: PINGS round trips, the offset of the
 * fastest.  On a communicator of their own (Raptors' may have receives
 * posted already). */
static int align_clocks(void)
{
    MPI_Comm c;
    int rc = RAP_OK;

    if (MPI_Comm_dup(g_node.comm, &c) != MPI_SUCCESS)
        return RAP_EMPI;
    for (int r = 1; r < T.size && rc == RAP_OK; r++) {
        uint64_t best = UINT64_MAX;
        for (int k = 0; k < PINGS; k++) {
            uint64_t t0, t1, tr = 0;
            if (T.rank == 0) {
                t0 = rap__now_ns();
                if (MPI_Send(&t0, 1, MPI_UINT64_T, r, 0, c) != MPI_SUCCESS ||
                    MPI_Recv(&tr, 1, MPI_UINT64_T, r, 0, c, MPI_STATUS_IGNORE) != MPI_SUCCESS) {
                    rc = RAP_EMPI;
                    break;
                }
                t1 = rap__now_ns();
                if (t1 - t0 < best) {
                    best = t1 - t0;
                    T.offset_ns[r] = (int64_t)(tr - t0) - (int64_t)((t1 - t0) / 2);
                    T.error_ns[r] = (t1 - t0 + 1) / 2;
                }
            } else if (T.rank == r) {
                if (MPI_Recv(&t0, 1, MPI_UINT64_T, 0, 0, c, MPI_STATUS_IGNORE) != MPI_SUCCESS ||
                    (tr = rap__now_ns(), MPI_Send(&tr, 1, MPI_UINT64_T, 0, 0, c)) != MPI_SUCCESS) {
                    rc = RAP_EMPI;
                    break;
                }
            }
        }
    }
    T.zero_ns = rap__now_ns();
    MPI_Comm_free(&c);
    return rc;
}

/* ----------------------------------------------------------- this rank */

static int add_name(trace_name *names, uint32_t *n, const rap_trace_ev *e)
{
    const char *s;

    for (uint32_t i = 0; i < *n; i++)
        if (names[i].atype == e->atype && names[i].id == e->id)
            return 0;
    if (*n == NAMES_MAX || (s = rap__probe_named_name(e->atype, e->id)) == NULL)
        return 0;
    names[*n] = (trace_name){ .atype = e->atype, .id = e->id };
    snprintf(names[*n].name, sizeof(names[*n].name), "%s", s);
    (*n)++;
    return 1;
}

/* This rank's part of the file, in one buffer (the caller frees it). */
static char *pack(size_t *len)
{
    int nw = rap__probe_workers();
    size_t nev = 0, n;
    uint64_t dropped;
    trace_name *names = calloc(NAMES_MAX, sizeof(*names));
    trace_hdr h = { .nworkers = (uint32_t)nw };
    char *buf, *p;

    for (int w = 0; w < nw; w++) {
        rap__probe_trace(w, &n, &dropped);
        nev += n;
    }
    for (int w = 0; names != NULL && w < nw; w++) {
        const rap_trace_ev *ev = rap__probe_trace(w, &n, &dropped);
        for (size_t i = 0; i < n; i++)
            if (ev[i].kind == RAP_WL_NAMED)
                add_name(names, &h.nnames, &ev[i]);
    }
    h.nev = (uint32_t)nev;
    h.nctr = T.nctr;
    *len = sizeof(h) + (size_t)nw * sizeof(uint64_t) + nev * sizeof(rap_trace_ev) + h.nnames * sizeof(*names) +
           h.nctr * sizeof(trace_ctr);
    if (names == NULL || *len > INT32_MAX || (buf = malloc(*len)) == NULL) {
        free(names);
        return NULL;
    }
    p = buf;
    memcpy(p, &h, sizeof(h)), p += sizeof(h);
    for (int w = 0; w < nw; w++) {
        rap__probe_trace(w, &n, &dropped);
        memcpy(p, &dropped, sizeof(dropped)), p += sizeof(dropped);
    }
    for (int w = 0; w < nw; w++) {
        const rap_trace_ev *ev = rap__probe_trace(w, &n, &dropped);
        if (n > 0)
            memcpy(p, ev, n * sizeof(*ev)), p += n * sizeof(*ev);
    }
    memcpy(p, names, h.nnames * sizeof(*names)), p += h.nnames * sizeof(*names);
    if (h.nctr > 0)
        memcpy(p, T.ctr, h.nctr * sizeof(trace_ctr));
    free(names);
    return buf;
}

/* ------------------------------------------------------------ rank 0 */

typedef struct part {
    trace_hdr h;
    const uint64_t *dropped;
    const rap_trace_ev *ev;
    const trace_name *names;
    const trace_ctr *ctr;
} part;

/* Rank r's part, checked: its counts add up to its length, every event's
 * worker and kind are in range, every name is terminated. */
static bool unpack(const char *buf, size_t len, part *out)
{
    size_t want;

    if (len < sizeof(trace_hdr))
        return false;
    memcpy(&out->h, buf, sizeof(out->h));
    if (out->h.nworkers > 4096 || out->h.nnames > NAMES_MAX)
        return false;
    want = sizeof(trace_hdr) + (size_t)out->h.nworkers * sizeof(uint64_t) +
           (size_t)out->h.nev * sizeof(rap_trace_ev) + (size_t)out->h.nnames * sizeof(trace_name) +
           (size_t)out->h.nctr * sizeof(trace_ctr);
    if (want != len)
        return false;
    out->dropped = (const uint64_t *)(const void *)(buf + sizeof(trace_hdr));
    out->ev = (const rap_trace_ev *)(const void *)(out->dropped + out->h.nworkers);
    out->names = (const trace_name *)(const void *)(out->ev + out->h.nev);
    out->ctr = (const trace_ctr *)(const void *)(out->names + out->h.nnames);
    for (uint32_t i = 0; i < out->h.nev; i++) {
        const rap_trace_ev *e = &out->ev[i];
        bool flow = e->kind == RAP_TEV_FLOW_OUT || e->kind == RAP_TEV_FLOW_IN;
        if (e->worker >= out->h.nworkers || (e->kind > RAP_WL_RUNTIME && !flow) ||
            (flow && (e->atype >= (uint32_t)T.size || e->id == 0 || e->id > RAP_WIRE_FLOW_MAX)))
            return false;
    }
    for (uint32_t i = 0; i < out->h.nnames; i++)
        if (memchr(out->names[i].name, '\0', sizeof(out->names[i].name)) == NULL)
            return false;
    return true;
}

static const char *part_name(const part *pt, const rap_trace_ev *e, char *buf, size_t n)
{
    const char *named = NULL;

    for (uint32_t i = 0; e->kind == RAP_WL_NAMED && i < pt->h.nnames && named == NULL; i++)
        if (pt->names[i].atype == e->atype && pt->names[i].id == e->id)
            named = pt->names[i].name;
    return rap__wl_part_name(e->kind, e->id, named, buf, n);
}

/* One JSON value on its own line of the array, encoded by jansson (the
 * file is streamed: the events of a big job would not fit as one tree). */
static bool put(FILE *f, json_t *v, bool *first)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
    bool ok = s != NULL && fprintf(f, "%s%s", *first ? "\n" : ",\n", s) > 0;

    *first = false;
    free(s);
    json_decref(v);
    return ok;
}

static json_t *meta(const char *what, int pid, int tid, const char *name)
{
    json_t *m = json_pack("{s:s, s:s, s:i}", "name", what, "ph", "M", "pid", pid);

    if (tid >= 0)
        json_object_set_new(m, "tid", json_integer(tid));
    json_object_set_new(m, "args", json_pack("{s:s}", "name", name));
    return m;
}

static bool write_rank(FILE *f, int r, const part *pt, bool *first)
{
    char label[64 + RAP_SAMPLE_NAME], buf1[RAP_SAMPLE_NAME + 32], buf2[32], aid[RAP_AID_STR_MAX];
    bool ok = true;

    snprintf(label, sizeof(label), "rank %d", r);
    ok &= put(f, meta("process_name", r, -1, label), first);
    ok &= put(f, json_pack("{s:s, s:s, s:i, s:{s:i}}", "name", "process_sort_index", "ph", "M", "pid", r,
                           "args", "sort_index", r),
              first);
    for (uint32_t w = 0; w < pt->h.nworkers; w++) {
        snprintf(label, sizeof(label), "worker %u", w);
        ok &= put(f, meta("thread_name", r, (int)w, label), first);
    }
    for (uint32_t i = 0; i < pt->h.nev && ok; i++) {
        const rap_trace_ev *e = &pt->ev[i];
        double ts = ((double)(int64_t)(e->t0 - T.zero_ns) - (double)T.offset_ns[r]) / 1e3;
        if (e->kind == RAP_TEV_FLOW_OUT || e->kind == RAP_TEV_FLOW_IN) {
            /* The sender's rank and the number name the flow at both ends;
             * the end binds to the handler run that begins at it. */
            json_t *v = json_pack("{s:s, s:s, s:s, s:I, s:f, s:i, s:i}", "name", "message", "cat", "flow", "ph",
                                  e->kind == RAP_TEV_FLOW_OUT ? "s" : "f", "id",
                                  (json_int_t)((uint64_t)e->atype << 24 | e->id), "ts", ts, "pid", r, "tid",
                                  (int)e->worker);
            if (e->kind == RAP_TEV_FLOW_IN)
                json_object_set_new(v, "bp", json_string("e"));
            ok &= put(f, v, first);
            continue;
        }
        snprintf(label, sizeof(label), "%s/%s", rap__wl_atype_name(e->atype, buf2, sizeof(buf2)),
                 part_name(pt, e, buf1, sizeof(buf1)));
        ok &= put(f,
                  json_pack("{s:s, s:s, s:s, s:f, s:f, s:i, s:i, s:{s:s}}", "name", label, "cat",
                            e->kind == RAP_WL_NAMED ? "named" : e->kind == RAP_WL_RUNTIME ? "runtime" : "handler",
                            "ph", "X", "ts", ts, "dur", (double)e->dur / 1e3, "pid", r, "tid", (int)e->worker,
                            "args", "actor", rap__aid_str(e->aid, aid, sizeof(aid))),
                  first);
    }
    for (uint32_t i = 0; i < pt->h.nctr && ok; i++) {
        const trace_ctr *c = &pt->ctr[i], *b = i > 0 ? &pt->ctr[i - 1] : NULL;
        double ts = ((double)(int64_t)(c->t_ns - T.zero_ns) - (double)T.offset_ns[r]) / 1e3;
        double dt = b != NULL && c->t_ns > b->t_ns ? (double)(c->t_ns - b->t_ns) * 1e-9 : 0;
        ok &= put(f, json_pack("{s:s, s:s, s:f, s:i, s:{s:I}}", "name", "mailboxes", "ph", "C", "ts", ts, "pid", r,
                               "args", "messages", (json_int_t)c->queued),
                  first);
        if (dt > 0) /* MPI bytes per second over the interval before */
            ok &= put(f,
                      json_pack("{s:s, s:s, s:f, s:i, s:{s:f, s:f}}", "name", "MPI MB/s", "ph", "C", "ts", ts,
                                "pid", r, "args", "sent", (double)(c->bytes_out - b->bytes_out) / dt / 1e6,
                                "received", (double)(c->bytes_in - b->bytes_in) / dt / 1e6),
                      first);
    }
    return ok;
}

/* The balancer's decisions: spans on rank 0's "balancer" track, named by
 * strategy and imbalance, with the figures as arguments. */
static bool write_decisions(FILE *f, bool *first)
{
    bool ok = true;
    char label[96];

    if (T.nlb == 0)
        return true;
    ok &= put(f, meta("thread_name", 0, LB_TID, "balancer"), first);
    for (size_t i = 0; i < T.nlb && ok; i++) {
        const trace_lb *d = &T.lb[i];
        double ts = (double)(int64_t)(d->t0_ns - T.zero_ns) / 1e3;
        snprintf(label, sizeof(label), "rebalance (%s, %s): %.2f -> %.2f, %llu moves", d->n.periodic ? "period" : "sync",
                 d->n.strategy != NULL ? d->n.strategy : "?", d->n.before, d->n.after, (unsigned long long)d->n.moves);
        ok &= put(f,
                  json_pack("{s:s, s:s, s:s, s:f, s:f, s:i, s:i, s:{s:s, s:f, s:f, s:I, s:I, s:I, s:f}}", "name",
                            label, "cat", "balancer", "ph", "X", "ts", ts,
                            "dur", (double)(d->t1_ns - d->t0_ns) / 1e3, "pid", 0, "tid", LB_TID, "args", "strategy",
                            d->n.strategy != NULL ? d->n.strategy : "?", "imbalance_before", d->n.before,
                            "imbalance_after_predicted", d->n.after, "actors", (json_int_t)d->n.actors, "moves",
                            (json_int_t)d->n.moves, "state_bytes", (json_int_t)d->n.bytes, "plan_ms", d->n.plan_ms),
                  first);
    }
    return ok;
}

void rap__trace_note_rebalance(const rap_rebalance_note *n)
{
    uint64_t now = rap__now_ns();
    double ms = n->ms > 0 ? n->ms : n->plan_ms;
    uint64_t span = ms > 0 ? (uint64_t)(ms * 1e6) : 0;

    pthread_mutex_lock(&T.lb_lock);
    if (T.on && T.rank == 0) {
        if (T.nlb == T.caplb && T.caplb < LB_MAX) {
            size_t ncap = T.caplb ? 2 * T.caplb : 16;
            trace_lb *x = realloc(T.lb, ncap * sizeof(*x));
            if (x != NULL) {
                T.lb = x;
                T.caplb = ncap;
            }
        }
        if (T.nlb < T.caplb)
            T.lb[T.nlb++] = (trace_lb){ .t0_ns = now - (span < now ? span : 0), .t1_ns = now, .n = *n };
        else
            T.lb_lost++;
    }
    pthread_mutex_unlock(&T.lb_lock);
}

static void write_file(const char *all, const int *lens, const int *displs)
{
    FILE *f = fopen(T.path, "w");
    json_t *other = json_object(), *drops = json_array(), *clocks = json_array();
    uint64_t dropped = 0;
    bool first = true, ok = f != NULL && fputs("{\"traceEvents\": [", f) >= 0;

    for (int r = 0; r < T.size; r++) {
        part pt;
        uint64_t d = 0;
        if (!unpack(all + displs[r], (size_t)lens[r], &pt)) {
            rap__log(RAP_LOG_WARN, RAP_AID_NONE, "trace: rank %d's events are malformed; left out", r);
            json_array_append_new(drops, json_null());
            continue;
        }
        for (uint32_t w = 0; w < pt.h.nworkers; w++)
            d += pt.dropped[w];
        dropped += d;
        json_array_append_new(drops, json_integer((json_int_t)d));
        json_array_append_new(clocks, json_pack("{s:i, s:I, s:I}", "rank", r, "offset_ns", (json_int_t)T.offset_ns[r],
                                                "error_ns", (json_int_t)T.error_ns[r]));
        if (ok)
            ok = write_rank(f, r, &pt, &first);
    }
    if (ok)
        ok = write_decisions(f, &first);
    json_object_set_new(other, "raptors_trace", json_integer(TRACE_VERSION));
    json_object_set_new(other, "ranks", json_integer(T.size));
    json_object_set_new(other, "events_per_worker", json_integer(T.cap));
    json_object_set_new(other, "dropped_events", json_integer((json_int_t)dropped));
    json_object_set_new(other, "dropped_per_rank", drops);
    json_object_set_new(other, "clocks", clocks);
    json_object_set_new(other, "balancer_decisions_lost", json_integer((json_int_t)T.lb_lost));
    char *o = json_dumps(other, JSON_COMPACT | JSON_PRESERVE_ORDER);
    ok = ok && o != NULL && fprintf(f, "\n], \"displayTimeUnit\": \"ns\", \"otherData\": %s}\n", o) > 0;
    free(o);
    json_decref(other);
    if (f != NULL && fclose(f) != 0)
        ok = false;
    if (!ok)
        rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "trace: cannot write %s", T.path);
}

/* ---------------------------------------------------------------- hooks */

static void trace_tick(uint64_t now_ns);

/* Reset to off; the lock stays as it is. */
static void reset(void)
{
    free(T.path);
    free(T.offset_ns);
    free(T.error_ns);
    free(T.ctr);
    pthread_mutex_lock(&T.lb_lock);
    free(T.lb);
    T.lb = NULL;
    T.nlb = T.caplb = 0;
    T.lb_lost = 0;
    T.on = false;
    pthread_mutex_unlock(&T.lb_lock);
    T.path = NULL;
    T.offset_ns = NULL;
    T.error_ns = NULL;
    T.ctr = NULL;
    T.nctr = 0;
    T.zero_ns = 0;
    atomic_store(&T.ctr_last_ns, 0);
}

static int trace_start(const rap_config *cfg, int rank, int size, int workers)
{
    (void)workers;
    reset();
    if (!rap__probe_tracing) /* rank 0's RAPTORS_TRACE, on every rank (node.c) */
        return RAP_OK;
    T.rank = rank;
    T.size = size;
    T.cap = cfg->trace_events;
    if ((T.ctr = malloc((size_t)T.cap * sizeof(*T.ctr))) == NULL)
        return RAP_ENOMEM;
    T.on = true;
    if (rank == 0) {
        T.path = strdup(cfg->trace != NULL ? cfg->trace : "");
        T.offset_ns = calloc((size_t)size, sizeof(*T.offset_ns));
        T.error_ns = calloc((size_t)size, sizeof(*T.error_ns));
        if (T.path == NULL || T.offset_ns == NULL || T.error_ns == NULL)
            rap__fatal("trace: out of memory at rap_init");
    }
    int rc = align_clocks();
    T.ctr_force = true;
    trace_tick(rap__now_ns()); /* the first look, before any worker runs */
    return rc;
}

/* Collective, once no worker runs. */
static void trace_stop(void)
{
    size_t len = 0;
    char *buf = NULL, *all = NULL;
    int mine, *lens = NULL, *displs = NULL, total = 0;

    if (!T.on)
        return;
    T.ctr_force = true;
    trace_tick(rap__now_ns()); /* the last look, once every message is handled */
    buf = pack(&len);
    if (buf == NULL)
        rap__log(RAP_LOG_WARN, RAP_AID_NONE, "trace: out of memory packing this rank's events; left out");
    mine = buf != NULL ? (int)len : 0;
    if (T.rank == 0 && ((lens = calloc((size_t)T.size, sizeof(int))) == NULL ||
                        (displs = calloc((size_t)T.size, sizeof(int))) == NULL))
        rap__fatal("trace: out of memory gathering the events");
    if (MPI_Gather(&mine, 1, MPI_INT, lens, 1, MPI_INT, 0, g_node.comm) == MPI_SUCCESS) {
        for (int r = 0; T.rank == 0 && r < T.size; r++) {
            displs[r] = total;
            if (lens[r] > INT32_MAX - total)
                rap__fatal("trace: more than 2 GiB of events");
            total += lens[r];
        }
        if (T.rank == 0 && (all = malloc((size_t)total + 1)) == NULL)
            rap__fatal("trace: out of memory gathering the events");
        if (MPI_Gatherv(buf, mine, MPI_BYTE, all, lens, displs, MPI_BYTE, 0, g_node.comm) == MPI_SUCCESS &&
            T.rank == 0)
            write_file(all, lens, displs);
    }
    free(all);
    free(lens);
    free(displs);
    free(buf);
    reset();
}

/* The counter tracks: the rank's counters now, at most once a millisecond
 * (the watchdog's looks while a worker is awake); what does not fit is
 * left out (the tracks then end early). */
static void trace_tick(uint64_t now_ns)
{
    uint64_t last = atomic_load_explicit(&T.ctr_last_ns, memory_order_relaxed);
    bool force = atomic_exchange(&T.ctr_force, false);

    if (!T.on || (!force && now_ns < last + COUNTER_NS) ||
        !atomic_compare_exchange_strong(&T.ctr_last_ns, &last, now_ns) || pthread_mutex_trylock(&T.ctr_lock) != 0)
        return;
    if (T.nctr < T.cap) {
        uint64_t out_n = rap__ctr_sum(RAP_CTR_MAILBOX_OUT), in_n = rap__ctr_sum(RAP_CTR_MAILBOX_IN);
        T.ctr[T.nctr++] = (trace_ctr){ now_ns, in_n > out_n ? in_n - out_n : 0, rap__ctr_sum(RAP_CTR_BYTES_SENT_REMOTE),
                                       rap__ctr_sum(RAP_CTR_BYTES_RECV_REMOTE) };
    }
    pthread_mutex_unlock(&T.ctr_lock);
}

const rap_service rap__trace_service = {
    .name = "trace",
    .start = trace_start,
    .stop = trace_stop,
    .tick = trace_tick,
};
