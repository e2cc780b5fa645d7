/* mpi-examples/pingpong.c -- two actors, on ranks 0 and 1, exchange a
 * message N times; prints the round-trip and one-way latency.
 *
 *   mpirun -np 2 ./mpi-examples/pingpong [round-trips] [bytes]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "raptors.h"

static uint32_t BALL, START, PLAYER;
static long g_rounds = 100000;
static size_t g_bytes = 8;

typedef struct player { long left; double t0; } player;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Rank 0 starts the clock and serves; rank 1 returns every ball. */
static int player_start(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    player *p = state;
    char *ball = calloc(1, g_bytes ? g_bytes : 1);
    int rc;

    (void)from, (void)len;
    p->left = g_rounds;
    p->t0 = now();
    rc = rap_send(ctx, *(const rap_aid *)data, BALL, ball, g_bytes);
    free(ball);
    return rc;
}

static int player_ball(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    player *p = state;

    if (rap_rank() == 0 && --p->left == 0) {
        double us = (now() - p->t0) * 1e6 / (double)g_rounds;
        printf("pingpong: %ld round trips of %zu B between ranks 0 and 1: %.2f us round trip, "
               "%.2f us one way\n", g_rounds, g_bytes, us, us / 2);
        return RAP_OK;
    }
    return rap_send(ctx, from, BALL, data, len);
}

int main(int argc, char **argv)
{
    rap_aid me, peer = RAP_AID_NONE;

    if (argc > 1)
        g_rounds = atol(argv[1]);
    if (argc > 2)
        g_bytes = (size_t)atol(argv[2]);
    if (g_rounds < 1) {
        fprintf(stderr, "usage: %s [round-trips >= 1] [bytes]\n", argv[0]);
        return 2;
    }
    rap_msg_type_register("pingpong.ball", 0, RAP_MSG_VAR, &BALL);
    rap_msg_type_register("pingpong.start", sizeof(rap_aid), RAP_MSG_FIXED, &START);
    rap_actor_type_register("pingpong.player", sizeof(player), NULL, NULL, &PLAYER);
    rap_actor_type_on(PLAYER, BALL, player_ball);
    rap_actor_type_on(PLAYER, START, player_start);
    if (rap_init(&argc, &argv) != RAP_OK)
        return 1;
    if (rap_size() < 2) {
        fprintf(stderr, "pingpong needs 2 ranks\n");
        rap_finalize();
        return 2;
    }
    if (rap_rank() <= 1)
        rap_spawn(NULL, PLAYER, NULL, 0, &me);
    if (rap_rank() == 1)
        MPI_Send(&me, 1, MPI_UINT64_T, 0, 0, MPI_COMM_WORLD);
    if (rap_rank() == 0) {
        MPI_Recv(&peer, 1, MPI_UINT64_T, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        rap_send(NULL, me, START, &peer, sizeof(peer));
    }
    rap_run();
    rap_finalize();
    return 0;
}
