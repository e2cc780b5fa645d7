/* bench/remote_latency.c -- one-way latency between an actor on rank 0 and
 * one on rank 1, beside raw MPI Isend/Irecv ping-pong in the same run
 * (MPI_THREAD_MULTIPLE, as Raptors uses), for 8 B to 1 MiB.  Each of REPS
 * repetitions measures both, alternately; the table gives medians (min,
 * max) and the ratio of the medians.  Every size goes with rap_send (the
 * payload copied into the message); 64 KiB and 1 MiB also with each hop
 * building its message in place with rap_msg_alloc + rap_msg_send (the
 * zero-copy path for bulk data: like the raw MPI side, nothing copies the
 * payload; its contents are not touched).  The raw MPI here runs inside a
 * Raptors process; bench/mpi_latency is the same in a plain MPI process
 * (bench/run.sh compares the RAPLAT lines with it).
 *
 *   mpirun -np 2 ./bench/remote_latency [reps]
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "raptors.h"

/* The measurements: each size with rap_send, and 64 KiB and 1 MiB also
 * built in place with rap_msg_alloc (zero copy). */
static const size_t sizes[] = { 8, 1024, 65536, 65536, 1048576, 1048576 };
static const int zcopy[] = { 0, 0, 0, 1, 0, 1 };
enum { NSIZES = 6, MAXREPS = 21 };

static long iters_for(size_t bytes)
{
    return bytes <= 1024 ? 20000 : bytes <= 65536 ? 2000 : 300;
}

static double raw_mpi(size_t bytes, long iters, char *buf)
{
    int rank;
    MPI_Request rq[2];
    double t0;

    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Barrier(MPI_COMM_WORLD);
    t0 = bench_now();
    for (long i = 0; i < iters; i++) {
        if (rank == 0) {
            MPI_Isend(buf, (int)bytes, MPI_BYTE, 1, 1, MPI_COMM_WORLD, &rq[0]);
            MPI_Irecv(buf, (int)bytes, MPI_BYTE, 1, 1, MPI_COMM_WORLD, &rq[1]);
        } else {
            MPI_Irecv(buf, (int)bytes, MPI_BYTE, 0, 1, MPI_COMM_WORLD, &rq[1]);
            MPI_Wait(&rq[1], MPI_STATUS_IGNORE);
            MPI_Isend(buf, (int)bytes, MPI_BYTE, 0, 1, MPI_COMM_WORLD, &rq[0]);
            rq[1] = MPI_REQUEST_NULL;
        }
        MPI_Waitall(2, rq, MPI_STATUSES_IGNORE);
    }
    return (bench_now() - t0) / (double)iters / 2 * 1e6; /* one way, us */
}

/* ---- Raptors ---- */

static uint32_t BALL, START, PLAYER;
typedef struct start { rap_aid peer; uint64_t bytes; int64_t iters; int zc; } start;
typedef struct player { int64_t left; double t0; int zc; } player;
static _Atomic double g_result;
static char *g_payload;
static int send_ball(rap_ctx *ctx, rap_aid to, const void *data, size_t len, int zc);

static int player_start(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    const start *s = data;
    player *p = state;
    (void)from, (void)len;
    p->left = s->iters;
    p->zc = s->zc;
    p->t0 = bench_now();
    return send_ball(ctx, s->peer, g_payload, s->bytes, p->zc);
}

static int send_ball(rap_ctx *ctx, rap_aid to, const void *data, size_t len, int zc)
{
    rap_msg *m = NULL;
    int rc;

    if (!zc)
        return rap_send(ctx, to, BALL, data, len);
    if ((rc = rap_msg_alloc(ctx, BALL, len, &m)) != RAP_OK)
        return rc;
    if ((rc = rap_msg_send(ctx, to, m)) != RAP_OK)
        rap_msg_free(m);
    return rc;
}

static int player_ball(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    player *p = state;
    if (rap_rank() == 0) {
        if (--p->left == 0) {
            atomic_store(&g_result, 0.0 + (bench_now() - p->t0));
            return RAP_OK;
        }
    }
    return send_ball(ctx, from, data, len, p->zc);
}

int main(int argc, char **argv)
{
    int provided, rank, reps = argc > 1 ? atoi(argv[1]) : 5;
    double raw[NSIZES][MAXREPS], rap[NSIZES][MAXREPS], first[NSIZES];
    rap_aid me, peer = RAP_AID_NONE;
    char *buf = calloc(1, 1 << 20);

    g_payload = calloc(1, 1 << 20);
    if (reps < 1 || reps > MAXREPS)
        reps = 5;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    rap_msg_type_register("bench.ball", 0, RAP_MSG_VAR, &BALL);
    rap_msg_type_register("bench.start", sizeof(start), RAP_MSG_FIXED, &START);
    rap_actor_type_register("bench.player", sizeof(player), NULL, NULL, &PLAYER);
    rap_actor_type_on(PLAYER, BALL, player_ball);
    rap_actor_type_on(PLAYER, START, player_start);
    bench_init_pair("remote_latency", 1);
    rap_spawn(NULL, PLAYER, NULL, 0, &me);
    MPI_Sendrecv(&me, 1, MPI_UINT64_T, 1 - rank, 0, &peer, 1, MPI_UINT64_T, 1 - rank, 0,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);

    for (int r = 0; r < reps; r++) {
        for (int s = 0; s < NSIZES; s++) {
            long iters = iters_for(sizes[s]);
            raw_mpi(sizes[s], iters / 10 + 1, buf); /* warm-up */
            raw[s][r] = raw_mpi(sizes[s], iters, buf);
            for (int warm = 0; warm < 2; warm++) {
                start st = { peer, sizes[s], warm ? iters : iters / 10 + 1, zcopy[s] };
                if (rank == 0)
                    rap_send(NULL, me, START, &st, sizeof(st));
                rap_run();
                double t = atomic_load(&g_result);
                MPI_Bcast(&t, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
                rap[s][r] = t / (double)st.iters / 2 * 1e6;
                if (r == 0 && !warm)
                    first[s] = rap[s][r]; /* the first round of the process at this size */
            }
        }
    }
    if (rank == 0) {
        printf("# remote latency, one way, us: medians of %d runs (min-max); ranks 0 and 1; %d worker(s) per rank\n",
               reps, rap_workers());
        printf("%-22s %22s %22s %8s\n", "benchmark", "raptors", "raw MPI Isend/Irecv", "ratio");
        for (int s = 0; s < NSIZES; s++) {
            double a0, a1, b0, b1;
            double a = bench_median(rap[s], reps, &a0, &a1), b = bench_median(raw[s], reps, &b0, &b1);
            char name[32], ra[32], rb[32];
            snprintf(name, sizeof(name), "remote latency %zu B%s", sizes[s], zcopy[s] ? " alloc" : "");
            snprintf(ra, sizeof(ra), "%.2f (%.2f-%.2f)", a, a0, a1);
            snprintf(rb, sizeof(rb), "%.2f (%.2f-%.2f)", b, b0, b1);
            printf("%-22s %22s %22s %7.2fx\n", name, ra, rb, a / b);
            printf("ROW|%s|us one way|%.3f|raw MPI in the process|%.3f\n", name, a, b);
            /* For bench/run.sh's comparison with a plain MPI process. */
            printf("RAPLAT %zu %s %.4f %.4f\n", sizes[s], zcopy[s] ? "alloc" : "send", a, first[s]);
        }
        fflush(stdout);
    }
    rap_finalize();
    MPI_Finalize();
    free(buf);
    free(g_payload);
    return 0;
}
