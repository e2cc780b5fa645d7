/* bench/remote_ring.c -- a token passed around a ring of one actor per
 * rank, beside raw MPI passing a token around the same ranks in the same
 * run (MPI_Irecv from the left, MPI_Send to the right, as a good MPI
 * program would; MPI_THREAD_MULTIPLE as Raptors uses).  Hops per second
 * (one hop = one message from one rank to the next), medians of REPS
 * repetitions after an uncounted warm-up.  Any number of ranks >= 2.
 *
 *   mpirun -np 16 ./bench/remote_ring [reps] [laps]
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "raptors.h"

enum { MAXREPS = 21 };

static uint32_t TOKEN, NEXT, NODE;
static long g_hops;                /* hops of one measurement */
static _Atomic double g_secs;
typedef struct node { rap_aid next; double t0; } node;

static int node_token(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    node *n = state;
    long hops;

    (void)from, (void)len;
    memcpy(&hops, data, sizeof(hops));
    if (rap_rank() == 0 && hops == 0)
        n->t0 = bench_now();
    if (rap_rank() == 0 && hops == g_hops) {
        atomic_store(&g_secs, bench_now() - n->t0);
        return RAP_OK;
    }
    hops++;
    return rap_send(ctx, n->next, TOKEN, &hops, sizeof(hops));
}

static int node_next(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)from, (void)len;
    memcpy(&((node *)state)->next, data, sizeof(rap_aid));
    return RAP_OK;
}

int main(int argc, char **argv)
{
    int provided, rank, size, reps = argc > 1 ? atoi(argv[1]) : 5;
    long laps = argc > 2 ? atol(argv[2]) : 2000;
    double raw[MAXREPS], rap[MAXREPS];
    rap_aid me, *all;
    long zero = 0;

    if (reps < 1 || reps > MAXREPS)
        reps = 5;
    if (laps < 1)
        laps = 2000;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    rap_msg_type_register("ring.token", sizeof(long), RAP_MSG_FIXED, &TOKEN);
    rap_actor_type_register("ring.node", sizeof(node), NULL, NULL, &NODE);
    rap_msg_type_register("ring.next", sizeof(rap_aid), RAP_MSG_FIXED, &NEXT);
    rap_actor_type_on(NODE, TOKEN, node_token);
    rap_actor_type_on(NODE, NEXT, node_next);
    if (size < 2 || rap_init_comm(MPI_COMM_WORLD) != RAP_OK) {
        if (rank == 0)
            fprintf(stderr, "remote_ring needs at least 2 ranks\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    all = calloc((size_t)size, sizeof(*all));
    if (all == NULL || rap_spawn(NULL, NODE, NULL, 0, &me) != RAP_OK)
        MPI_Abort(MPI_COMM_WORLD, 1);
    MPI_Allgather(&me, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    rap_send(NULL, me, NEXT, &all[(rank + 1) % size], sizeof(rap_aid));
    rap_run(); /* every node knows its neighbour */
    g_hops = laps * size;
    for (int r = -1; r < reps; r++) {
        double raw_r = bench_raw_ring(rank, size, g_hops), t;
        if (rank == 0)
            rap_send(NULL, me, TOKEN, &zero, sizeof(zero));
        rap_run();
        t = atomic_load(&g_secs);
        MPI_Bcast(&t, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (r >= 0) {
            raw[r] = raw_r;
            rap[r] = (double)g_hops / t;
        }
    }
    if (rank == 0) {
        double a0, a1, b0, b1, a = bench_median(rap, reps, &a0, &a1), b = bench_median(raw, reps, &b0, &b1);
        char name[48];
        printf("# ring of %d ranks, hops/s: medians of %d runs (min-max); %d worker(s) per rank\n", size, reps,
               rap_workers());
        snprintf(name, sizeof(name), "ring of %d ranks", size);
        printf("%-22s %.0f (%.0f-%.0f)   raw MPI %.0f (%.0f-%.0f)   %.2fx\n", name, a, a0, a1, b, b0, b1, a / b);
        printf("ROW|%s|hops/s|%.0f|raw MPI Irecv+Send ring|%.0f\n", name, a, b);
    }
    free(all);
    rap_finalize();
    MPI_Finalize();
    return 0;
}
