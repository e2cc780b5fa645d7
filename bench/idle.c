/* bench/idle.c -- what a rank costs while its actor waits: an actor on
 * rank 0 sends a request to an actor on rank 1, whose handler computes for
 * SECONDS (default 2) before it replies.  Measured on rank 0: the CPU time
 * its process uses meanwhile, as a share of one core (getrusage), and how
 * long after the reply was sent its handler runs (both ranks read the same
 * CLOCK_MONOTONIC, so this includes the transfer; it bounds the time from
 * arrival to handling).  The baselines in the same run: raw MPI, rank 0
 * waiting in a blocking MPI_Recv (MPI_THREAD_MULTIPLE, as Raptors; it
 * spins), and the floor for anything that sleeps instead: a thread of
 * rank 0 asleep on a futex in memory shared with rank 1 for the same time,
 * woken by rank 1 (time from the wake call to the sleeper running).
 *
 *   mpirun -np 2 ./bench/idle [reps] [seconds]
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"
#include "raptors.h"

enum { MAXREPS = 21 };

static double g_seconds = 2.0;

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

static void compute(double seconds)
{
    volatile double x = 1.0;
    double end = bench_now() + seconds;
    while (bench_now() < end)
        for (int i = 0; i < 1000; i++)
            x = x * 1.0000001 + 1e-9;
}

/* ---- raw MPI: rank 0 blocks in MPI_Recv ---- */

static void raw_mpi(double *cpu_share, double *reply_us)
{
    int rank;
    double sent_at = 0;

    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        double c0 = cpu_seconds(), w0 = bench_now(), c1, w1;
        char req = 1;
        MPI_Send(&req, 1, MPI_CHAR, 1, 7, MPI_COMM_WORLD);
        MPI_Recv(&sent_at, 1, MPI_DOUBLE, 1, 8, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        w1 = bench_now();
        c1 = cpu_seconds();
        *cpu_share = (c1 - c0) / (w1 - w0);
        *reply_us = (w1 - sent_at) * 1e6;
    } else {
        char req;
        MPI_Recv(&req, 1, MPI_CHAR, 0, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        compute(g_seconds);
        sent_at = bench_now();
        MPI_Send(&sent_at, 1, MPI_DOUBLE, 0, 8, MPI_COMM_WORLD);
    }
}

/* ---- the floor: a futex wake across processes ---- */

typedef struct shared_bell { _Atomic uint32_t word; _Atomic double rung_at; } shared_bell;

static double futex_wake_us(shared_bell *b)
{
    int rank;
    double us = 0;

    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0)
        atomic_store(&b->word, 1);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        while (atomic_load(&b->word) == 1)
            syscall(SYS_futex, (uint32_t *)&b->word, FUTEX_WAIT, 1, NULL, NULL, 0);
        us = (bench_now() - atomic_load(&b->rung_at)) * 1e6;
    } else {
        compute(g_seconds);
        atomic_store(&b->rung_at, bench_now());
        atomic_store(&b->word, 0);
        syscall(SYS_futex, (uint32_t *)&b->word, FUTEX_WAKE, 1, NULL, NULL, 0);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    return us;
}

/* ---- Raptors ---- */

static uint32_t GO, REQUEST, REPLY, CLIENT, SERVER;
typedef struct client { double c0, w0; } client;
static _Atomic double g_cpu_share, g_reply_us;

static int client_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    client *c = state;
    rap_aid server;
    (void)from, (void)len;
    memcpy(&server, data, sizeof(server));
    c->c0 = cpu_seconds();
    c->w0 = bench_now();
    return rap_send(ctx, server, REQUEST, NULL, 0);
}

static int client_reply(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    client *c = state;
    double sent_at, now = bench_now(), cpu = cpu_seconds();
    (void)ctx, (void)from, (void)len;
    memcpy(&sent_at, data, sizeof(sent_at));
    atomic_store(&g_cpu_share, (cpu - c->c0) / (now - c->w0));
    atomic_store(&g_reply_us, (now - sent_at) * 1e6);
    return RAP_OK;
}

static int server_request(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    double sent_at;
    (void)state, (void)data, (void)len;
    compute(g_seconds);
    sent_at = bench_now();
    return rap_send(ctx, from, REPLY, &sent_at, sizeof(sent_at));
}

static void row(const char *name, const char *unit, double *a, const char *bname, double *b, int reps,
                double scale, const char *target)
{
    double a0, a1, b0, b1, ma = bench_median(a, reps, &a0, &a1), mb = bench_median(b, reps, &b0, &b1);
    char ra[48], rb[48];

    snprintf(ra, sizeof(ra), "%.2f (%.2f-%.2f)", ma * scale, a0 * scale, a1 * scale);
    snprintf(rb, sizeof(rb), "%.2f (%.2f-%.2f)", mb * scale, b0 * scale, b1 * scale);
    printf("%-30s %24s %24s %8.3fx  %s\n", name, ra, rb, ma / mb, target);
    printf("ROW|%s|%s|%.3f|%s|%.3f\n", name, unit, ma * scale, bname, mb * scale);
}

int main(int argc, char **argv)
{
    int provided, rank, reps = argc > 1 ? atoi(argv[1]) : 5;
    double raw_cpu[MAXREPS], raw_lat[MAXREPS], rap_cpu[MAXREPS], rap_lat[MAXREPS], wake[MAXREPS];
    shared_bell *bell = NULL;
    MPI_Win win;
    MPI_Comm node;
    rap_aid me, server = RAP_AID_NONE;

    if (argc > 2)
        g_seconds = atof(argv[2]);
    if (reps < 1 || reps > MAXREPS)
        reps = 5;
    if (!(g_seconds > 0 && g_seconds < 100))
        g_seconds = 2.0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    rap_msg_type_register("idle.go", sizeof(rap_aid), RAP_MSG_FIXED, &GO);
    rap_msg_type_register("idle.request", 0, RAP_MSG_VAR, &REQUEST);
    rap_msg_type_register("idle.reply", sizeof(double), RAP_MSG_FIXED, &REPLY);
    rap_actor_type_register("idle.client", sizeof(client), NULL, NULL, &CLIENT);
    rap_actor_type_register("idle.server", 0, NULL, NULL, &SERVER);
    rap_actor_type_on(CLIENT, GO, client_go);
    rap_actor_type_on(CLIENT, REPLY, client_reply);
    rap_actor_type_on(SERVER, REQUEST, server_request);
    bench_init_pair("idle", 1);
    if (rank == 1)
        rap_spawn(NULL, SERVER, NULL, 0, &server);
    else
        rap_spawn(NULL, CLIENT, NULL, 0, &me);
    MPI_Bcast(&server, 1, MPI_UINT64_T, 1, MPI_COMM_WORLD);
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    {
        int nn;
        MPI_Comm_size(node, &nn);
        if (nn != 2) {
            if (rank == 0)
                fprintf(stderr, "idle needs both ranks on one node\n");
            MPI_Abort(MPI_COMM_WORLD, 2);
        }
        MPI_Win_allocate_shared(rank == 0 ? (MPI_Aint)sizeof(*bell) : 0, 1, MPI_INFO_NULL, node, &bell, &win);
        if (rank != 0) {
            MPI_Aint sz;
            int du;
            MPI_Win_shared_query(win, 0, &sz, &du, &bell);
        }
    }

    for (int r = 0; r < reps; r++) {
        raw_mpi(&raw_cpu[r], &raw_lat[r]);
        wake[r] = futex_wake_us(bell);
        if (rank == 0)
            rap_send(NULL, me, GO, &server, sizeof(server));
        rap_run();
        rap_cpu[r] = atomic_load(&g_cpu_share);
        rap_lat[r] = atomic_load(&g_reply_us);
    }
    if (rank == 0) {
        printf("# idle: rank 0 waits %.1f s for a reply from rank 1: medians of %d runs (min-max); %d worker(s) per rank\n",
               g_seconds, reps, rap_workers());
        printf("%-30s %24s %24s %8s\n", "benchmark", "raptors", "raw MPI MPI_Recv", "ratio");
        row("idle CPU while waiting", "% of a core", rap_cpu, "raw MPI blocking MPI_Recv", raw_cpu, reps,
            100.0, "(target <= 2 %)");
        row("idle reply handled after", "us", rap_lat, "raw MPI blocking MPI_Recv", raw_lat, reps, 1.0,
            "(target <= 100 us)");
        row("idle reply vs futex wake", "us", rap_lat, "futex wake of a sleeping rank", wake, reps, 1.0,
            "(the floor for a rank that sleeps)");
    }
    MPI_Win_free(&win);
    MPI_Comm_free(&node);
    rap_finalize();
    MPI_Finalize();
    return 0;
}
