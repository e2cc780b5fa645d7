/* The profile of a job with known traffic is exact: on 3 ranks, each rank's
 * source actor sends each rank's sink (r+1)*(d+1) messages of 100+10r+d
 * bytes per round, for ROUNDS rounds spread over several sampling
 * intervals; each sink times its work as the named workload "sink.sum".
 * Rank 0 reads the profile file (jansson) and checks every count: calls,
 * bytes in, named workloads, actors' sends, rank pairs (the go messages
 * from outside actors included) and actor pairs, and that every field of
 * the schema is there.  Rank 1 injects malformed samples at rank 0's
 * Profiler: dropped, counted, and the totals are still exact.
 *
 * Built three ways: profile_np3 (every rank registers every type), and
 * profile_mpmd_a / profile_mpmd_b (tests/mpi/profile.sh runs them as one
 * MPMD job, 1 + 2 ranks): only B registers prof.bonly and prof.bmsg, which
 * B's ranks use; rank 0 (A) still names them in the profile.
 *
 * Options: --path P writes the profile to P (default: argv[0].json);
 * --no-check does not read it back (for an unwritable path); --keep keeps
 * the file. */
#include <jansson.h>
#include <string.h>
#include <unistd.h>

#include "msg/wire.h"
#include "support/mpitest.h"
#include "system/node.h"
#include "util/counters.h"

#ifndef PROF_SIDE
#define PROF_SIDE 0 /* 0: SPMD; 1: executable A (rank 0); 2: executable B */
#endif

enum { NRANKS = 3, ROUNDS = 4, GO_LEN = 8, SRC_STATE = 40, SINK_STATE = 24, BONLY_STATE = 8 };
static uint32_t GO, DATA, BMSG, SRC, SINK, BONLY;

static size_t data_len(int r, int d) { return (size_t)(100 + 10 * r + d); }
static uint64_t data_msgs(int r, int d) { return (uint64_t)ROUNDS * (uint64_t)((r + 1) * (d + 1)); }

static rap_aid aid_of(int rank, uint64_t serial) { return (uint64_t)rank << RAP_AID_SERIAL_BITS | serial; }
#define SINK_SERIAL 16u
#define SRC_SERIAL 17u
#define BONLY_SERIAL 18u

static int src_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    uint64_t left;
    char buf[200] = { 0 };
    int r = rap_rank();

    (void)state, (void)from;
    MT_CHECK(len == GO_LEN);
    memcpy(&left, data, sizeof(left));
    for (int d = 0; d < NRANKS; d++)
        for (int k = 0; k < (r + 1) * (d + 1); k++)
            MT_OK(rap_send(ctx, aid_of(d, SINK_SERIAL), DATA, buf, data_len(r, d)));
    if (left > 1) { /* the next round in a later turn, a few ms on */
        left--;
        usleep(6000);
        MT_OK(rap_send(ctx, rap_self(ctx), GO, &left, sizeof(left)));
    }
    return RAP_OK;
}

static int sink_data(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    uint64_t *sum = state;

    (void)from;
    MT_OK(rap_workload_begin(ctx, "sink.sum"));
    MT_CHECK(rap_workload_begin(ctx, "again") == RAP_ESTATE); /* one at a time */
    for (size_t i = 0; i < len; i++)
        *sum += ((const unsigned char *)data)[i];
    MT_OK(rap_workload_end(ctx, len));
    MT_CHECK(rap_workload_end(ctx, 0) == RAP_ESTATE); /* none open */
    return RAP_OK;
}

static int bonly_msg(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)state, (void)from, (void)data, (void)len;
    MT_OK(rap_workload_begin(ctx, "b.open")); /* left open: dropped, not counted */
    return RAP_OK;
}

/* ------------------------------------------------------------- the checks */

static json_t *get(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (v == NULL) {
        fprintf(stderr, "FAIL: the profile has no \"%s\"\n", key);
        exit(1);
    }
    return v;
}

static long long num(json_t *o, const char *key) { return json_integer_value(get(o, key)); }

static int str_is(json_t *o, const char *key, const char *want)
{
    json_t *v = json_object_get(o, key);
    return v != NULL && json_is_string(v) && strcmp(json_string_value(v), want) == 0;
}

/* The workload (actor type, message type or name) on `rank`, or NULL. */
static json_t *workload(json_t *root, const char *atype, const char *key, const char *what, int rank)
{
    size_t i;
    json_t *w;

    json_array_foreach(get(root, "workloads"), i, w)
        if (str_is(w, "actor_type", atype) && str_is(w, key, what) && num(w, "rank") == rank)
            return w;
    return NULL;
}

static json_t *actor(json_t *root, const char *aid)
{
    size_t i;
    json_t *a;

    json_array_foreach(get(root, "actors"), i, a)
        if (str_is(a, "aid", aid))
            return a;
    return NULL;
}

static void check_profile(const char *path, int injected)
{
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err), *x;
    size_t i;
    char aid[32], bonly[32];

    if (root == NULL) {
        fprintf(stderr, "FAIL: %s does not parse: %s (line %d)\n", path, err.text, err.line);
        exit(1);
    }
    MT_CHECK_AFTER(num(root, "raptors_profile") == 1);
    MT_CHECK_AFTER(num(root, "ranks") == NRANKS);
    MT_CHECK_AFTER(json_real_value(get(root, "wall_s")) > 0.0);
    for (int d = 0; d < NRANKS; d++) {
        uint64_t msgs = 0, bytes = 0;
        for (int r = 0; r < NRANKS; r++) {
            msgs += data_msgs(r, d);
            bytes += data_msgs(r, d) * data_len(r, d);
        }
        x = workload(root, "prof.sink", "msg_type", "prof.data", d);
        MT_CHECK_AFTER(x != NULL);
        MT_CHECK_AFTER(num(x, "calls") == (long long)msgs);
        MT_CHECK_AFTER(num(x, "bytes_in") == (long long)bytes);
        MT_CHECK_AFTER(num(x, "time_ns") > 0);
        MT_CHECK_AFTER(num(x, "p50_ns") > 0 && num(x, "p50_ns") <= num(x, "p95_ns") &&
                 num(x, "p95_ns") <= num(x, "p99_ns"));
        x = workload(root, "prof.sink", "name", "sink.sum", d);
        MT_CHECK_AFTER(x != NULL);
        MT_CHECK_AFTER(num(x, "calls") == (long long)msgs);
        MT_CHECK_AFTER(num(x, "bytes_in") == (long long)bytes); /* the bytes the handler reported */
        x = workload(root, "prof.src", "msg_type", "prof.go", d);
        MT_CHECK_AFTER(x != NULL && num(x, "calls") == ROUNDS && num(x, "bytes_in") == ROUNDS * GO_LEN);
        /* B's own types, named on rank 0 even where A never registered them. */
        x = workload(root, "prof.bonly", "msg_type", "prof.bmsg", d);
        MT_CHECK_AFTER(d == 0 ? x == NULL : x != NULL && num(x, "calls") == 1);
        MT_CHECK_AFTER(workload(root, "prof.bonly", "name", "b.open", d) == NULL);

        snprintf(aid, sizeof(aid), "%d:%u", d, SINK_SERIAL);
        x = actor(root, aid);
        MT_CHECK_AFTER(x != NULL && str_is(x, "type", "prof.sink") && num(x, "rank") == d);
        MT_CHECK_AFTER(num(x, "calls") == (long long)msgs && num(x, "msgs_out") == 0);
        MT_CHECK_AFTER(num(x, "state_bytes") == SINK_STATE && num(x, "time_ns") > 0);
        snprintf(aid, sizeof(aid), "%d:%u", d, SRC_SERIAL);
        x = actor(root, aid);
        uint64_t out = 0, out_bytes = 0;
        for (int e = 0; e < NRANKS; e++) {
            out += data_msgs(d, e);
            out_bytes += data_msgs(d, e) * data_len(d, e);
        }
        MT_CHECK_AFTER(x != NULL && str_is(x, "type", "prof.src") && num(x, "calls") == ROUNDS);
        MT_CHECK_AFTER(num(x, "msgs_out") == (long long)(out + ROUNDS - 1)); /* its own next rounds */
        MT_CHECK_AFTER(num(x, "bytes_out") == (long long)(out_bytes + (ROUNDS - 1) * GO_LEN));
        MT_CHECK_AFTER(num(x, "state_bytes") == SRC_STATE);
        snprintf(bonly, sizeof(bonly), "%d:%u", d, BONLY_SERIAL);
        MT_CHECK_AFTER((actor(root, bonly) != NULL) == (d != 0));
    }
    /* Hosts: prof.bonly only where its executable registered it (MPMD: B's
     * ranks 1 and 2), prof.sink everywhere. */
    int bonly_hosts = -1, sink_hosts = -1;
    json_array_foreach(get(root, "hosts"), i, x) {
        json_t *rk = get(x, "ranks");
        int mask = 0;
        size_t k;
        json_t *v;
        json_array_foreach(rk, k, v) mask |= 1 << json_integer_value(v);
        if (str_is(x, "type", "prof.bonly"))
            bonly_hosts = mask;
        if (str_is(x, "type", "prof.sink"))
            sink_hosts = mask;
    }
    MT_CHECK_AFTER(sink_hosts == 7);
    MT_CHECK_AFTER(bonly_hosts == (PROF_SIDE == 1 ? 6 : 7));
    /* Rank pairs: the data, plus on the diagonal the go messages (the
     * first from outside any actor, the others from the source itself). */
    int pairs = 0;
    json_array_foreach(get(root, "rank_pairs"), i, x) {
        int s = (int)num(x, "src"), d = (int)num(x, "dst");
        uint64_t msgs = data_msgs(s, d), bytes = data_msgs(s, d) * data_len(s, d);
        if (s == d) { /* B's ranks: one prof.bmsg too; the dead letters */
            msgs += ROUNDS + (s != 0) + (uint64_t)(s + 2);
            bytes += (ROUNDS + (uint64_t)(s + 2)) * GO_LEN;
        }
        MT_CHECK_AFTER(num(x, "msgs") == (long long)msgs);
        MT_CHECK_AFTER(num(x, "bytes") == (long long)bytes);
        pairs++;
    }
    MT_CHECK_AFTER(pairs == NRANKS * NRANKS);
    /* Actor pairs: every (source, sink) with its exact count, and each
     * source's messages to itself. */
    pairs = 0;
    json_array_foreach(get(root, "actor_pairs"), i, x) {
        int s, d;
        unsigned ss, ds;
        MT_CHECK_AFTER(sscanf(json_string_value(get(x, "src")), "%d:%u", &s, &ss) == 2);
        MT_CHECK_AFTER(sscanf(json_string_value(get(x, "dst")), "%d:%u", &d, &ds) == 2);
        MT_CHECK_AFTER(ss == SRC_SERIAL);
        MT_CHECK_AFTER(num(x, "bytes_error") == 0); /* no pair was ever evicted */
        if (ds == SRC_SERIAL) {
            MT_CHECK_AFTER(s == d && num(x, "msgs") == ROUNDS - 1 && num(x, "bytes") == (ROUNDS - 1) * GO_LEN);
        } else {
            MT_CHECK_AFTER(ds == SINK_SERIAL);
            MT_CHECK_AFTER(num(x, "msgs") == (long long)data_msgs(s, d));
            MT_CHECK_AFTER(num(x, "bytes") == (long long)(data_msgs(s, d) * data_len(s, d)));
        }
        pairs++;
    }
    MT_CHECK_AFTER(pairs == NRANKS * NRANKS + NRANKS);
    int ranks = 0;
    json_array_foreach(get(root, "ranks_load"), i, x) {
        MT_CHECK_AFTER(num(x, "rank") == ranks);
        MT_CHECK_AFTER(num(x, "busy_ns") > 0 && num(x, "idle_ns") >= 0);
        MT_CHECK_AFTER(num(x, "rss_peak_bytes") > 0);
        /* The rank's statistics counters, rap_stats_get's. */
        json_t *c = get(x, "counters");
        MT_CHECK_AFTER(num(c, "dead_letters") == ranks + 2);
        MT_CHECK_AFTER(num(c, "handled") > 0 && num(c, "mailbox_in") >= num(c, "handled"));
        MT_CHECK_AFTER(json_object_get(c, "sent_remote") != NULL && json_object_get(c, "bytes_recv_remote") != NULL);
        ranks++;
    }
    MT_CHECK_AFTER(ranks == NRANKS);
    MT_CHECK_AFTER(json_array_size(get(root, "series")) == NRANKS);
    x = get(root, "sampling");
    MT_CHECK_AFTER(num(x, "malformed") == injected);
    MT_CHECK_AFTER(num(x, "actors_lost") == 0);
    MT_CHECK_AFTER(num(x, "samples") >= NRANKS); /* the last ones, and any on the way */
    MT_CHECK_AFTER(num(x, "samples_missing") == 0);
    json_decref(root);
}

/* Samples that pass the wire's checks but not the Profiler's. */
static int inject_bad_samples(void)
{
    unsigned char img[sizeof(rap_wire_hdr) + sizeof(rap_wire_sample)];
    rap_wire_hdr h = { RAP_WIRE_MAGIC, RAP_WIRE_VERSION, RAP_KIND_SYS_ACTION, RAP_SYS_PROFILE,
                       aid_of(0, RAP_SERIAL_PROFILER), aid_of(1, RAP_SERIAL_SYSTEM),
                       sizeof(rap_wire_sample), 0 };
    rap_wire_sample good = { .version = RAP_SAMPLE_VERSION, .rank = 1, .nranks = NRANKS, .workers = 1,
                             .ncounters = RAP_CTR_COUNT };
    rap_wire_sample bad[3] = { good, good, good };
    int n = 0;

    bad[0].version = 99;   /* unknown version */
    bad[1].nwl = 5;        /* counts that the length does not hold */
    bad[2].rank = 2;       /* not its sender's rank */
    for (int i = 0; i < 3; i++) {
        memcpy(img, &h, sizeof(h));
        memcpy(img + sizeof(h), &bad[i], sizeof(bad[i]));
        rap__ctr_add(RAP_CTR_MPI_SENT, 1); /* counted, so that termination balances */
        MT_CHECK(MPI_Send(img, sizeof(img), MPI_BYTE, 0, rap__kind_tag(RAP_KIND_SYS_ACTION),
                          g_node.comm) == MPI_SUCCESS);
        n++;
    }
    return n;
}

int main(int argc, char **argv)
{
    char path[1024];
    bool check = true, keep = false;
    int injected = 0;
    rap_aid a;
    uint64_t rounds = ROUNDS;

    snprintf(path, sizeof(path), "%s.json", argv[0]);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--path") == 0 && i + 1 < argc)
            snprintf(path, sizeof(path), "%s", argv[++i]);
        else if (strcmp(argv[i], "--no-check") == 0)
            check = false;
        else if (strcmp(argv[i], "--keep") == 0)
            keep = true;
    }
    setenv("RAPTORS_PROFILE", path, 1);
    setenv("RAPTORS_PROFILE_INTERVAL_MS", "10", 0); /* several samples on the way */
    MT_OK(rap_msg_type_register("prof.go", GO_LEN, RAP_MSG_FIXED, &GO));
    MT_OK(rap_msg_type_register("prof.data", 200, RAP_MSG_VAR, &DATA));
    MT_OK(rap_actor_type_register("prof.src", SRC_STATE, NULL, NULL, &SRC));
    MT_OK(rap_actor_type_register("prof.sink", SINK_STATE, NULL, NULL, &SINK));
    MT_OK(rap_actor_type_on(SRC, GO, src_go));
    MT_OK(rap_actor_type_on(SINK, DATA, sink_data));
    if (PROF_SIDE != 1) {
        MT_OK(rap_msg_type_register("prof.bmsg", 0, RAP_MSG_VAR, &BMSG));
        MT_OK(rap_actor_type_register("prof.bonly", BONLY_STATE, NULL, NULL, &BONLY));
        MT_OK(rap_actor_type_on(BONLY, BMSG, bonly_msg));
    }
    MT_OK(rap_init(&argc, &argv));
    if (rap_size() != NRANKS)
        MT_SKIP("needs 3 ranks");
    MT_CHECK(rap_workload_begin(NULL, "x") == RAP_EINVAL);
    MT_CHECK(rap_workload_end(NULL, 0) == RAP_EINVAL);
    MT_CHECK(rap_profile_write(NULL) == (rap_rank() == 0 ? RAP_EINVAL : RAP_ESTATE));
    MT_OK(rap_spawn(NULL, SINK, NULL, 0, &a));
    MT_CHECK(RAP_AID_SERIAL(a) == SINK_SERIAL);
    MT_OK(rap_spawn(NULL, SRC, NULL, 0, &a));
    MT_CHECK(RAP_AID_SERIAL(a) == SRC_SERIAL);
    MPI_Barrier(MPI_COMM_WORLD); /* every sink exists before any source sends */
    MT_OK(rap_send(NULL, a, GO, &rounds, sizeof(rounds)));
    if (rap_rank() != 0) {
        rap_aid b;
        MT_OK(rap_spawn(NULL, BONLY, NULL, 0, &b));
        MT_CHECK(RAP_AID_SERIAL(b) == BONLY_SERIAL);
        MT_OK(rap_send(NULL, b, BMSG, NULL, 0));
    }
    if (rap_rank() == 1 && check)
        injected = inject_bad_samples();
    MPI_Bcast(&injected, 1, MPI_INT, 1, MPI_COMM_WORLD);
    for (int k = 0; k < rap_rank() + 2; k++) /* dead letters: rank + 2 on each rank */
        MT_OK(rap_send(NULL, aid_of(rap_rank(), 999), GO, &rounds, sizeof(rounds)));
    MT_OK(rap_run());
    rap_stats st;
    MT_OK(rap_stats_get(&st));
    /* queued is not checked here: the sampling tick may have put a request
     * in the System actor's mailbox since rap_run returned (trace_np2,
     * without samples, checks it is 0). */
    MT_CHECK(st.dead_letters == (uint64_t)rap_rank() + 2);
    if (rap_rank() == 0) {
        char mid[1100];
        snprintf(mid, sizeof(mid), "%s.mid", path);
        /* A file that cannot be written: an error code, and a log line. */
        MT_CHECK(rap_profile_write("/nonexistent-dir/profile.json") == RAP_EINVAL);
        if (check) { /* the profile as it stands, at any time */
            json_t *m;
            MT_OK(rap_profile_write(mid));
            m = json_load_file(mid, 0, NULL);
            MT_CHECK(m != NULL && json_integer_value(json_object_get(m, "raptors_profile")) == 1);
            json_decref(m);
            unlink(mid);
        }
    }
    int rank = rap_rank();
    MT_OK(rap_finalize());
    if (rank == 0 && check) {
        check_profile(path, injected);
        if (!keep)
            unlink(path);
        printf("profile: every count exact (%d malformed samples dropped)\n", injected);
    }
    return 0;
}
