/* mpi-examples/ring.c -- one actor per rank passes a token around the
 * ring M times; prints messages per second.
 *
 *   mpirun -np 4 ./mpi-examples/ring [laps]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "raptors.h"

static uint32_t TOKEN, NEXT, NODE;
static long g_laps = 10000;

typedef struct node { rap_aid next; double t0; } node;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int node_next(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)from, (void)len;
    ((node *)state)->next = *(const rap_aid *)data;
    return RAP_OK;
}

/* Rank 0 starts the clock, and stops it when the token comes back to it
 * after the last lap. */
static int node_token(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    node *n = state;
    long hops = *(const long *)data;
    long total = g_laps * rap_size();

    (void)from, (void)len;
    if (rap_rank() == 0 && hops == 0)
        n->t0 = now();
    if (rap_rank() == 0 && hops == total) {
        double s = now() - n->t0;
        printf("ring: %d ranks, %ld laps, %ld messages in %.3f s: %.0f messages/s\n", rap_size(),
               g_laps, total, s, (double)total / s);
        return RAP_OK;
    }
    hops++;
    return rap_send(ctx, n->next, TOKEN, &hops, sizeof(hops));
}

int main(int argc, char **argv)
{
    rap_aid me, *all;
    long zero = 0;

    if (argc > 1)
        g_laps = atol(argv[1]);
    rap_msg_type_register("ring.token", sizeof(long), RAP_MSG_FIXED, &TOKEN);
    rap_msg_type_register("ring.next", sizeof(rap_aid), RAP_MSG_FIXED, &NEXT);
    rap_actor_type_register("ring.node", sizeof(node), NULL, NULL, &NODE);
    rap_actor_type_on(NODE, TOKEN, node_token);
    rap_actor_type_on(NODE, NEXT, node_next);
    if (g_laps < 1 || rap_init(&argc, &argv) != RAP_OK)
        return 1;
    all = calloc((size_t)rap_size(), sizeof(*all));
    rap_spawn(NULL, NODE, NULL, 0, &me);
    MPI_Allgather(&me, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    rap_send(NULL, me, NEXT, &all[(rap_rank() + 1) % rap_size()], sizeof(rap_aid));
    MPI_Barrier(MPI_COMM_WORLD);
    if (rap_rank() == 0)
        rap_send(NULL, me, TOKEN, &zero, sizeof(zero));
    rap_run();
    free(all);
    rap_finalize();
    return 0;
}
