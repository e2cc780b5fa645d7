/* MPI_THREAD_SERIALIZED: with RAPTORS_THREAD_LEVEL=serialized Raptors runs
 * on an MPI that lets one thread call it at a time, calls MPI only inside
 * rap_run, rap_progress and rap_finalize, and leaves MPI to the
 * application in between.  Remote spawn and a ping-pong still work. */
#include <stdatomic.h>
#include <stdlib.h>

#include "support/mpitest.h"

enum { ROUND_TRIPS = 5000 };
static uint32_t BALL, KICK, PLAYER;
static _Atomic int returns, spawned;

static int player_ball(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    int n = *(const int *)data;
    (void)state, (void)len;
    if (rap_rank() == 0)
        atomic_fetch_add(&returns, 1);
    if (n <= 0)
        return RAP_OK;
    n -= rap_rank() == 0; /* rank 0 counts the round trips down */
    return rap_send(ctx, from, BALL, &n, sizeof(n));
}

static int player_kick(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)state, (void)from, (void)data, (void)len;
    return rap_spawn_on(ctx, 1, PLAYER, NULL, 0, 1);
}

static int player_spawned(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    int n = ROUND_TRIPS;
    (void)state, (void)from, (void)len;
    atomic_fetch_add(&spawned, 1);
    return rap_send(ctx, ((const rap_spawned *)data)->aid, BALL, &n, sizeof(n));
}

int main(int argc, char **argv)
{
    rap_aid me;
    int one = 1, sum = 0;

    setenv("RAPTORS_THREAD_LEVEL", "serialized", 1);
    MT_OK(rap_msg_type_register("ser.ball", sizeof(int), RAP_MSG_FIXED, &BALL));
    MT_OK(rap_msg_type_register("ser.kick", 0, RAP_MSG_VAR, &KICK));
    MT_OK(rap_actor_type_register("ser.player", 0, NULL, NULL, &PLAYER));
    MT_OK(rap_actor_type_on(PLAYER, BALL, player_ball));
    MT_OK(rap_actor_type_on(PLAYER, KICK, player_kick));
    MT_OK(rap_actor_type_on(PLAYER, RAP_MSG_SPAWNED, player_spawned));
    MT_OK(rap_init(&argc, &argv));
    if (rap_size() < 2)
        MT_SKIP("needs 2 ranks");
    MT_CHECK(rap_thread_level() == MPI_THREAD_SERIALIZED);
    if (rap_rank() == 0) {
        MT_OK(rap_spawn(NULL, PLAYER, NULL, 0, &me));
        MT_OK(rap_send(NULL, me, KICK, NULL, 0));
    }
    MT_OK(rap_run());
    /* Between runs the application owns MPI again. */
    MPI_Allreduce(&one, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MT_CHECK(sum == rap_size());
    MT_OK(rap_progress());
    MT_OK(rap_run());
    if (rap_rank() == 0) {
        MT_CHECK(atomic_load(&spawned) == 1);
        MT_CHECK(atomic_load(&returns) == ROUND_TRIPS); /* n = ROUND_TRIPS .. 1 */
    }
    MT_OK(rap_finalize());
    return 0;
}
