/* bench/busy_rank.c -- MPI progress on a rank whose only worker computes:
 * rank 1's actor tells rank 0 it starts a computation of SECONDS (default
 * 0.2), then computes; rank 0 sends rank 1 64 messages of 8 bytes and one
 * of 1 MiB (a rendezvous send: it completes only when rank 1 takes part).
 * Measured on rank 1: how long after the computation began every message
 * had been received there (the computation reads the count with
 * rap_stats_get; the messages wait in a mailbox until it returns).  The
 * watchdog (RAPTORS_WATCHDOG_US) polls for the busy worker.  The baseline
 * in the same run: raw MPI, rank 1 computing the same time without MPI
 * calls, then receiving (MPI makes no progress meanwhile).
 *
 *   mpirun -np 2 ./bench/busy_rank [reps] [seconds]
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

enum { MAXREPS = 21, SMALL = 64, LARGE = 1 << 20 };

static double g_seconds = 0.2;
static uint32_t START, READY, ITEM, BLOB, COMPUTER, SENDER, SINK;
static rap_aid g_sender, g_sink;
static _Atomic double g_received_after;
static char *g_blob;

static void compute_until(double end, void (*probe)(void))
{
    volatile double x = 1.0;
    while (bench_now() < end) {
        for (int i = 0; i < 1000; i++)
            x = x * 1.0000001 + 1e-9;
        if (probe != NULL)
            probe();
    }
}

/* ---- raw MPI ---- */

static double raw_mpi(void)
{
    int rank;
    double t0, got = 0;
    MPI_Request req[SMALL + 1];
    char small[SMALL][8];

    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 1) {
        char ready = 1;
        MPI_Send(&ready, 1, MPI_CHAR, 0, 7, MPI_COMM_WORLD);
        t0 = bench_now();
        compute_until(t0 + g_seconds, NULL);
        for (int i = 0; i < SMALL; i++)
            MPI_Recv(small[i], 8, MPI_CHAR, 0, 8, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Recv(g_blob, LARGE, MPI_CHAR, 0, 9, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        got = bench_now() - t0;
    } else {
        char ready;
        MPI_Recv(&ready, 1, MPI_CHAR, 1, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        memset(small, 1, sizeof(small));
        for (int i = 0; i < SMALL; i++)
            MPI_Isend(small[i], 8, MPI_CHAR, 1, 8, MPI_COMM_WORLD, &req[i]);
        MPI_Isend(g_blob, LARGE, MPI_CHAR, 1, 9, MPI_COMM_WORLD, &req[SMALL]);
        MPI_Waitall(SMALL + 1, req, MPI_STATUSES_IGNORE);
    }
    MPI_Bcast(&got, 1, MPI_DOUBLE, 1, MPI_COMM_WORLD);
    return got;
}

/* ---- Raptors ---- */

static uint64_t g_base;
static double g_t0, g_seen;

static void probe(void)
{
    rap_stats st;

    if (g_seen == 0 && rap_stats_get(&st) == RAP_OK && st.recv_remote >= g_base + SMALL + 1)
        g_seen = bench_now() - g_t0;
}

static int computer_start(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    rap_stats st;
    int rc;
    (void)state, (void)from, (void)data, (void)len;
    rap_stats_get(&st);
    g_base = st.recv_remote;
    g_seen = 0;
    g_t0 = bench_now();
    rc = rap_send(ctx, g_sender, READY, NULL, 0);
    compute_until(g_t0 + g_seconds, probe);
    if (g_seen == 0)
        g_seen = bench_now() - g_t0; /* after the computation, at best */
    atomic_store(&g_received_after, g_seen);
    return rc;
}

static int sender_ready(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    uint64_t v = 1;
    rap_msg *m;
    (void)state, (void)from, (void)data, (void)len;
    for (int i = 0; i < SMALL; i++)
        if (rap_send(ctx, g_sink, ITEM, &v, sizeof(v)) != RAP_OK)
            return RAP_ENOMEM;
    if (rap_msg_alloc(ctx, BLOB, LARGE, &m) != RAP_OK)
        return RAP_ENOMEM;
    memset(rap_msg_data(m), 2, LARGE);
    return rap_msg_send(ctx, g_sink, m);
}

static int sink_any(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)state, (void)from, (void)data, (void)len;
    return RAP_OK;
}

int main(int argc, char **argv)
{
    int provided, rank, reps = argc > 1 ? atoi(argv[1]) : 5;
    double raw[MAXREPS], rap[MAXREPS], r0, r1, w0, w1, mr, mw;
    rap_aid computer = RAP_AID_NONE;

    if (argc > 2)
        g_seconds = atof(argv[2]);
    if (reps < 1 || reps > MAXREPS)
        reps = 5;
    if (!(g_seconds > 0 && g_seconds < 100))
        g_seconds = 0.2;
    setenv("RAPTORS_WORKERS", "1", 0); /* the case: a rank with one worker */
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    g_blob = calloc(1, LARGE);
    rap_msg_type_register("busy.start", 0, RAP_MSG_VAR, &START);
    rap_msg_type_register("busy.ready", 0, RAP_MSG_VAR, &READY);
    rap_msg_type_register("busy.item", sizeof(uint64_t), RAP_MSG_FIXED, &ITEM);
    rap_msg_type_register("busy.blob", LARGE, RAP_MSG_VAR, &BLOB);
    rap_actor_type_register("busy.computer", 0, NULL, NULL, &COMPUTER);
    rap_actor_type_register("busy.sender", 0, NULL, NULL, &SENDER);
    rap_actor_type_register("busy.sink", 0, NULL, NULL, &SINK);
    rap_actor_type_on(COMPUTER, START, computer_start);
    rap_actor_type_on(SENDER, READY, sender_ready);
    rap_actor_type_on(SINK, ITEM, sink_any);
    rap_actor_type_on(SINK, BLOB, sink_any);
    bench_init_pair("busy_rank", g_blob != NULL);
    if (rank == 0) {
        rap_spawn(NULL, SENDER, NULL, 0, &g_sender);
    } else {
        rap_spawn(NULL, SINK, NULL, 0, &g_sink);
        rap_spawn(NULL, COMPUTER, NULL, 0, &computer);
    }
    MPI_Bcast(&g_sender, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    MPI_Bcast(&g_sink, 1, MPI_UINT64_T, 1, MPI_COMM_WORLD);
    for (int r = 0; r < reps; r++) {
        raw[r] = raw_mpi();
        MPI_Barrier(MPI_COMM_WORLD);
        if (rank == 1)
            rap_send(NULL, computer, START, NULL, 0);
        rap_run();
        rap[r] = atomic_load(&g_received_after);
        MPI_Bcast(&rap[r], 1, MPI_DOUBLE, 1, MPI_COMM_WORLD);
    }
    if (rank == 0) {
        char a[48], b[48];
        mw = bench_median(rap, reps, &w0, &w1);
        mr = bench_median(raw, reps, &r0, &r1);
        printf("# busy_rank: rank 1's only worker computes %.0f ms; rank 0 sends it %d x 8 B and 1 MiB: "
               "medians of %d runs (min-max); first run %.2f ms\n",
               g_seconds * 1e3, SMALL, reps, rap[0] * 1e3);
        printf("%-30s %24s %24s %8s\n", "benchmark", "raptors", "raw MPI (no progress)", "ratio");
        snprintf(a, sizeof(a), "%.2f (%.2f-%.2f)", mw * 1e3, w0 * 1e3, w1 * 1e3);
        snprintf(b, sizeof(b), "%.2f (%.2f-%.2f)", mr * 1e3, r0 * 1e3, r1 * 1e3);
        printf("%-30s %24s %24s %8.3fx  %s\n", "received while busy after", a, b, mw / mr,
               "(ms from the computation's start)");
        printf("ROW|busy rank: received after|ms|%.3f|raw MPI, rank computing without MPI calls|%.3f\n",
               mw * 1e3, mr * 1e3);
    }
    rap_finalize();
    free(g_blob);
    MPI_Finalize();
    return 0;
}
