/* bench/remote_rate.c -- remote message rate: small messages from actors on
 * rank 0 to actors on rank 1, counted as handler runs per second, beside
 * raw MPI's 8-byte message rate in the same run (rank 0 sends windows of
 * WINDOW MPI_Isend, rank 1 has WINDOW MPI_Irecv pre-posted for each window;
 * MPI_THREAD_MULTIPLE).  Medians of REPS repetitions, alternating, after
 * one uncounted warm-up repetition of each.
 *
 *   mpirun -np 2 ./bench/remote_rate [reps] [messages]
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "raptors.h"

enum { WINDOW = 64, SENDERS = 4, CHUNK = 256, MAXREPS = 21 };
static long g_msgs = 2000000;

static double raw_rate(int rank)
{
    char buf[WINDOW][8];
    MPI_Request rq[WINDOW];
    long windows = g_msgs / WINDOW;
    double t0;

    memset(buf, 0, sizeof(buf));
    MPI_Barrier(MPI_COMM_WORLD);
    t0 = bench_now();
    for (long w = 0; w < windows; w++) {
        for (int i = 0; i < WINDOW; i++) {
            if (rank == 0)
                MPI_Isend(buf[i], 8, MPI_BYTE, 1, 7, MPI_COMM_WORLD, &rq[i]);
            else
                MPI_Irecv(buf[i], 8, MPI_BYTE, 0, 7, MPI_COMM_WORLD, &rq[i]);
        }
        MPI_Waitall(WINDOW, rq, MPI_STATUSES_IGNORE);
    }
    /* The receiver's word that everything arrived stops the clock. */
    if (rank == 1)
        MPI_Send(buf[0], 1, MPI_BYTE, 0, 8, MPI_COMM_WORLD);
    else
        MPI_Recv(buf[0], 1, MPI_BYTE, 1, 8, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    return (double)(windows * WINDOW) / (bench_now() - t0);
}

/* ---- Raptors: SENDERS actors on rank 0 stream to as many on rank 1 ---- */

static uint32_t DATA, GO, DONE, SENDER, SINK, COORD;
typedef struct sender { rap_aid to, coord; long left; } sender;
typedef struct sink { rap_aid coord; long got, want; } sink;
typedef struct coord { int done; } coord;
static _Atomic double g_rate, g_t0; /* g_t0: set on rank 0 before the first GO */

static int sender_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    sender *s = state;
    uint64_t v = 0;
    (void)from, (void)data, (void)len;
    for (int i = 0; i < CHUNK && s->left > 0; i++, s->left--) {
        int rc = rap_send(ctx, s->to, DATA, &v, sizeof(v));
        if (rc != RAP_OK)
            return rc;
    }
    if (s->left > 0) /* in chunks, so that the worker gets to move them */
        return rap_send(ctx, rap_self(ctx), GO, NULL, 0);
    return RAP_OK;
}

static int sink_data(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    sink *k = state;
    (void)from, (void)data, (void)len;
    if (++k->got == k->want)
        return rap_send(ctx, k->coord, DONE, NULL, 0);
    return RAP_OK;
}

static int coord_done(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    coord *c = state;
    (void)ctx, (void)from, (void)data, (void)len;
    if (++c->done == SENDERS)
        atomic_store(&g_rate, (double)g_msgs / (bench_now() - atomic_load(&g_t0)));
    return RAP_OK;
}

typedef struct setup { rap_aid to, coord; long left; } setup;

static int sender_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    const setup *su = arg;
    sender *s = state;
    (void)ctx, (void)len;
    s->to = su->to, s->coord = su->coord, s->left = su->left;
    return RAP_OK;
}

static int sink_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    const setup *su = arg;
    sink *k = state;
    (void)ctx, (void)len;
    k->coord = su->coord, k->want = su->left, k->got = 0;
    return RAP_OK;
}

int main(int argc, char **argv)
{
    int provided, rank, reps = argc > 1 ? atoi(argv[1]) : 5;
    double raw[MAXREPS], rap[MAXREPS], lo, hi, a, b;
    long per = 0;

    if (argc > 2)
        g_msgs = atol(argv[2]);
    if (reps < 1 || reps > MAXREPS)
        reps = 5;
    g_msgs -= g_msgs % (SENDERS * WINDOW);
    per = g_msgs / SENDERS;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    rap_msg_type_register("rate.data", 8, RAP_MSG_FIXED, &DATA);
    rap_msg_type_register("rate.go", 0, RAP_MSG_VAR, &GO);
    rap_msg_type_register("rate.done", 0, RAP_MSG_VAR, &DONE);
    rap_actor_type_register("rate.sender", sizeof(sender), sender_init, NULL, &SENDER);
    rap_actor_type_register("rate.sink", sizeof(sink), sink_init, NULL, &SINK);
    rap_actor_type_register("rate.coord", sizeof(coord), NULL, NULL, &COORD);
    rap_actor_type_on(SENDER, GO, sender_go);
    rap_actor_type_on(SINK, DATA, sink_data);
    rap_actor_type_on(COORD, DONE, coord_done);
    bench_init_pair("remote_rate", 1);
    /* r == -1: a warm-up (pools, caches, MPI's buffers), not counted. */
    for (int r = -1; r < reps; r++) {
        rap_aid c = RAP_AID_NONE, sinks[SENDERS], senders[SENDERS];
        double raw_r = raw_rate(rank), rap_r;
        if (rank == 0)
            rap_spawn(NULL, COORD, NULL, 0, &c);
        MPI_Bcast(&c, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
        for (int i = 0; i < SENDERS && rank == 1; i++) {
            setup su = { RAP_AID_NONE, c, per };
            rap_spawn(NULL, SINK, &su, sizeof(su), &sinks[i]);
        }
        MPI_Bcast(sinks, SENDERS, MPI_UINT64_T, 1, MPI_COMM_WORLD);
        if (rank == 0) {
            for (int i = 0; i < SENDERS; i++) {
                setup su = { sinks[i], c, per };
                rap_spawn(NULL, SENDER, &su, sizeof(su), &senders[i]);
            }
        }
        MPI_Barrier(MPI_COMM_WORLD);
        if (rank == 0) {
            atomic_store(&g_rate, 0.0);
            atomic_store(&g_t0, bench_now());
            for (int i = 0; i < SENDERS; i++)
                rap_send(NULL, senders[i], GO, NULL, 0);
        }
        rap_run();
        rap_r = atomic_load(&g_rate);
        MPI_Bcast(&rap_r, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (r >= 0) {
            raw[r] = raw_r;
            rap[r] = rap_r;
        }
        for (int i = 0; i < SENDERS && rank == 0; i++)
            rap_destroy(NULL, senders[i]);
        for (int i = 0; i < SENDERS && rank == 1; i++)
            rap_destroy(NULL, sinks[i]);
        if (rank == 0)
            rap_destroy(NULL, c);
        rap_run();
    }
    if (rank == 0) {
        a = bench_median(rap, reps, &lo, &hi);
        printf("# remote message rate, messages/s, rank 0 -> rank 1: medians of %d runs (min-max); %d worker(s) per rank\n",
               reps, rap_workers());
        char ra[48], rb[48];
        snprintf(ra, sizeof(ra), "%.2fM (%.2f-%.2f)", a / 1e6, lo / 1e6, hi / 1e6);
        b = bench_median(raw, reps, &lo, &hi);
        snprintf(rb, sizeof(rb), "%.2fM (%.2f-%.2f)", b / 1e6, lo / 1e6, hi / 1e6);
        printf("%-22s %22s %22s %7.2fx\n", "remote rate 8 B", ra, rb, a / b);
        printf("ROW|remote rate 8 B|messages/s|%.0f|raw MPI 8 B, windows of %d|%.0f\n", a, WINDOW, b);
    }
    rap_finalize();
    MPI_Finalize();
    return 0;
}
