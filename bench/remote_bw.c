/* bench/remote_bw.c -- bandwidth of one actor streaming to one actor on
 * another rank, 64 KiB to 4 MiB messages, beside raw MPI in the same run:
 * windows of 64 MPI_Isend against 64 pre-posted MPI_Irecv (the OSU
 * bandwidth pattern; for messages over 512 KiB the window holds 32 MiB,
 * for both), MPI_THREAD_MULTIPLE as Raptors uses.  Each message of a raw
 * window has its own buffer at both ends, written before the run (as a
 * stream of distinct data has, and as each Raptors message has its own
 * block): sending one buffer over and over, or never-touched memory
 * (which the kernel maps to its one zero page), reads the source from
 * cache and measured up to 1.8x faster than distinct buffers.  The Raptors
 * sender builds each message in place (rap_msg_alloc + rap_msg_send, the
 * zero-copy path for bulk data) and keeps at most the same window
 * unacknowledged: the receiver acknowledges every quarter window (the
 * application-level window a streaming actor uses so that it produces no
 * faster than the link drains).  Each
 * stream carries 256 MiB and ends with the receiver's last
 * acknowledgement; bandwidth = bytes / (last ack - start).  One uncounted
 * warm-up repetition of each.
 *
 *   mpirun -np 2 ./bench/remote_bw [reps]
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "raptors.h"

static const size_t sizes[] = { 65536, 1048576, 4194304 };
enum { NSIZES = 3, MAXREPS = 21, WINDOW = 64 };
#define TOTAL ((size_t)256 << 20)
#define RAW_BYTES ((size_t)32 << 20) /* the largest window: window_for(bytes) * bytes */

static int window_for(size_t bytes)
{
    size_t w = ((size_t)32 << 20) / bytes;
    return w >= WINDOW ? WINDOW : (int)w;
}

/* `one`: every message from and into one buffer (OSU's osu_bw); else
 * each message of a window has its own buffer at both ends. */
static double raw_mpi(size_t bytes, char *buf, bool one)
{
    const int window = window_for(bytes);
    int rank;
    long n = (long)(TOTAL / bytes);
    MPI_Request rq[WINDOW];
    double t0;
    char ack = 0;

    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Barrier(MPI_COMM_WORLD);
    t0 = bench_now();
    for (long i = 0; i < n; i += window) {
        int w = (int)(n - i < window ? n - i : window);
        for (int j = 0; j < w; j++) {
            if (rank == 0)
                MPI_Isend(buf + (one ? 0 : (size_t)j * bytes), (int)bytes, MPI_BYTE, 1, 1, MPI_COMM_WORLD, &rq[j]);
            else
                MPI_Irecv(buf + (one ? 0 : (size_t)j * bytes), (int)bytes, MPI_BYTE, 0, 1, MPI_COMM_WORLD, &rq[j]);
        }
        MPI_Waitall(w, rq, MPI_STATUSES_IGNORE);
    }
    if (rank == 0)
        MPI_Recv(&ack, 1, MPI_CHAR, 1, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    else
        MPI_Send(&ack, 1, MPI_CHAR, 0, 2, MPI_COMM_WORLD);
    return (double)n * (double)bytes / (bench_now() - t0);
}

/* ---- Raptors ---- */

static uint32_t CHUNK, START, ACK, SENDER, SINK;
typedef struct start { rap_aid sink; uint64_t bytes, count; } start;
typedef struct sender { double t0; rap_aid sink; uint64_t bytes, count, sent, acked; } sender;
typedef struct sink { uint64_t got, want, every; } sink;
static _Atomic double g_result;

/* Send until WINDOW messages are unacknowledged or the stream is done. */
static int pump(rap_ctx *ctx, sender *me)
{
    while (me->sent < me->count && me->sent - me->acked < (uint64_t)window_for(me->bytes)) {
        rap_msg *m = NULL;
        int rc = rap_msg_alloc(ctx, CHUNK, me->bytes, &m);
        if (rc != RAP_OK)
            return rc;
        ((uint64_t *)rap_msg_data(m))[0] = me->sent;
        if ((rc = rap_msg_send(ctx, me->sink, m)) != RAP_OK) {
            rap_msg_free(m);
            return rc;
        }
        me->sent++;
    }
    return RAP_OK;
}

static int sender_start(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    const start *s = data;
    sender *me = state;
    (void)from, (void)len;
    *me = (sender){ .t0 = bench_now(), .sink = s->sink, .bytes = s->bytes, .count = s->count };
    return pump(ctx, me);
}

static int sender_ack(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    sender *me = state;
    (void)from, (void)len;
    memcpy(&me->acked, data, sizeof(me->acked));
    if (me->acked == me->count) {
        atomic_store(&g_result, (double)me->count * (double)me->bytes / (bench_now() - me->t0));
        return RAP_OK;
    }
    return pump(ctx, me);
}

static int sink_chunk(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    sink *k = state;
    (void)data, (void)len;
    if (++k->got % k->every == 0 || k->got == k->want) {
        uint64_t got = k->got;
        if (k->got == k->want)
            k->got = 0;
        return rap_send(ctx, from, ACK, &got, sizeof(got));
    }
    return RAP_OK;
}

static int sink_start(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    sink *k = state;
    (void)ctx, (void)from, (void)len;
    uint64_t v[2];
    memcpy(v, data, sizeof(v));
    k->want = v[0];
    k->every = v[1];
    return RAP_OK;
}

int main(int argc, char **argv)
{
    int provided, rank, reps = argc > 1 ? atoi(argv[1]) : 5;
    double raw[NSIZES][MAXREPS], one[NSIZES][MAXREPS], rap[NSIZES][MAXREPS];
    rap_aid me, sinkaid = RAP_AID_NONE;
    uint32_t SINK_START;
    char *buf;

    if (reps < 1 || reps > MAXREPS)
        reps = 5;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    buf = malloc(RAW_BYTES);
    if (buf != NULL)
        memset(buf, 0x5a, RAW_BYTES); /* real pages, not the zero page */
    rap_msg_type_register("bw.chunk", 0, RAP_MSG_VAR, &CHUNK);
    rap_msg_type_register("bw.start", sizeof(start), RAP_MSG_FIXED, &START);
    rap_msg_type_register("bw.sink_start", 2 * sizeof(uint64_t), RAP_MSG_FIXED, &SINK_START);
    rap_msg_type_register("bw.ack", sizeof(uint64_t), RAP_MSG_FIXED, &ACK);
    rap_actor_type_register("bw.sender", sizeof(sender), NULL, NULL, &SENDER);
    rap_actor_type_register("bw.sink", sizeof(sink), NULL, NULL, &SINK);
    rap_actor_type_on(SENDER, START, sender_start);
    rap_actor_type_on(SENDER, ACK, sender_ack);
    rap_actor_type_on(SINK, CHUNK, sink_chunk);
    rap_actor_type_on(SINK, SINK_START, sink_start);
    bench_init_pair("remote_bw", buf != NULL);
    if (rank == 0)
        rap_spawn(NULL, SENDER, NULL, 0, &me);
    else
        rap_spawn(NULL, SINK, NULL, 0, &sinkaid);
    MPI_Bcast(&sinkaid, 1, MPI_UINT64_T, 1, MPI_COMM_WORLD);

    /* r == -1: a warm-up (buffers touched, caches filled), not counted. */
    for (int r = -1; r < reps; r++) {
        for (int s = 0; s < NSIZES; s++) {
            uint64_t count = TOTAL / sizes[s];
            double raw_r = raw_mpi(sizes[s], buf, false), one_r = raw_mpi(sizes[s], buf, true);
            uint64_t ss[2] = { count, (uint64_t)window_for(sizes[s]) / 4 };
            if (rank == 1)
                rap_send(NULL, sinkaid, SINK_START, ss, sizeof(ss));
            rap_run(); /* the sink knows the count before the stream starts */
            if (rank == 0) {
                start st = { sinkaid, sizes[s], count };
                rap_send(NULL, me, START, &st, sizeof(st));
            }
            rap_run();
            double t = atomic_load(&g_result);
            MPI_Bcast(&t, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
            if (r >= 0) {
                raw[s][r] = raw_r;
                one[s][r] = one_r;
                rap[s][r] = t;
            }
        }
    }
    if (rank == 0) {
        printf("# remote bandwidth, MB/s (10^6 B/s), one actor to one actor, rank 0 -> rank 1: medians of %d runs (min-max); %d worker(s) per rank\n",
               reps, rap_workers());
        printf("%-24s %20s %22s %7s %22s %7s\n", "benchmark", "raptors", "raw MPI own buffers", "ratio",
               "raw MPI one buffer", "ratio");
        for (int s = 0; s < NSIZES; s++) {
            double a0, a1, b0, b1, c0, c1, a = bench_median(rap[s], reps, &a0, &a1),
                                           b = bench_median(raw[s], reps, &b0, &b1),
                                           c = bench_median(one[s], reps, &c0, &c1);
            char name[48], ra[48], rb[48], rc[48];
            snprintf(name, sizeof(name), "remote bandwidth %zu KiB", sizes[s] >> 10);
            snprintf(ra, sizeof(ra), "%.0f (%.0f-%.0f)", a / 1e6, a0 / 1e6, a1 / 1e6);
            snprintf(rb, sizeof(rb), "%.0f (%.0f-%.0f)", b / 1e6, b0 / 1e6, b1 / 1e6);
            snprintf(rc, sizeof(rc), "%.0f (%.0f-%.0f)", c / 1e6, c0 / 1e6, c1 / 1e6);
            printf("%-24s %20s %22s %6.2fx %22s %6.2fx\n", name, ra, rb, a / b, rc, a / c);
            printf("ROW|%s|MB/s|%.1f|raw MPI Isend window of %d, own buffers|%.1f\n", name, a / 1e6,
                   window_for(sizes[s]), b / 1e6);
            printf("ROW|%s vs one buffer|MB/s|%.1f|raw MPI Isend window of %d, one buffer (osu_bw)|%.1f\n",
                   name, a / 1e6, window_for(sizes[s]), c / 1e6);
        }
    }
    free(buf);
    rap_finalize();
    MPI_Finalize();
    return 0;
}
