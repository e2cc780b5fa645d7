/* rap_spawn_on(RAP_ANY_RANK) by load: ranks 1 and 2 keep their worker
 * busy (an actor computing 1 ms steps) while rank 0 idles; once the
 * Profiler has samples of that (every 20 ms), rank 1's busy actor asks
 * rank 0's spawner for six spawns on any rank, and they all go to rank 0,
 * the least loaded one.  Before any sample, spawns take the ranks in turn
 * (tests/mpi/spawn.c). */
#include <stdatomic.h>
#include <stdlib.h>

#include "support/mpitest.h"
#include "util/clock.h"

enum { STEPS = 500, SPAWN_AT = 250, KIDS = 6 };

static uint32_t STEP, GO, BUSY, SPAWNER, KID;
static rap_aid spawner;
static _Atomic int placed[3], answers;

static int busy_step(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    uint32_t *n = state;
    uint64_t t0 = rap__now_ns();
    (void)from, (void)data, (void)len;
    while (rap__now_ns() - t0 < 1000000u)
        ;
    if (rap_rank() == 1 && *n == SPAWN_AT)
        MT_OK(rap_send(ctx, spawner, GO, NULL, 0));
    return ++*n < STEPS ? rap_send(ctx, rap_self(ctx), STEP, NULL, 0) : RAP_OK;
}

static int spawner_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)state, (void)from, (void)data, (void)len;
    for (int i = 0; i < KIDS; i++)
        MT_OK(rap_spawn_on(ctx, RAP_ANY_RANK, KID, NULL, 0, (uint64_t)i));
    return RAP_OK;
}

static int spawner_spawned(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    const rap_spawned *s = data;
    (void)ctx, (void)state, (void)from, (void)len;
    if (RAP_AID_RANK(s->aid) < 3)
        atomic_fetch_add(&placed[RAP_AID_RANK(s->aid)], 1);
    atomic_fetch_add(&answers, 1);
    return RAP_OK;
}

int main(int argc, char **argv)
{
    rap_aid a;

    setenv("RAPTORS_PROFILE_INTERVAL_MS", "20", 1);
    MT_OK(rap_msg_type_register("place.step", 0, RAP_MSG_VAR, &STEP));
    MT_OK(rap_msg_type_register("place.go", 0, RAP_MSG_VAR, &GO));
    MT_OK(rap_actor_type_register("place.busy", sizeof(uint32_t), NULL, NULL, &BUSY));
    MT_OK(rap_actor_type_register("place.spawner", 0, NULL, NULL, &SPAWNER));
    MT_OK(rap_actor_type_register("place.kid", 0, NULL, NULL, &KID));
    MT_OK(rap_actor_type_on(BUSY, STEP, busy_step));
    MT_OK(rap_actor_type_on(SPAWNER, GO, spawner_go));
    MT_OK(rap_actor_type_on(SPAWNER, RAP_MSG_SPAWNED, spawner_spawned));
    MT_OK(rap_init(&argc, &argv));
    if (rap_size() != 3)
        MT_SKIP("needs 3 ranks");
    if (rap_rank() == 0)
        MT_OK(rap_spawn(NULL, SPAWNER, NULL, 0, &spawner));
    MPI_Bcast(&spawner, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    if (rap_rank() != 0) {
        MT_OK(rap_spawn(NULL, BUSY, NULL, 0, &a));
        MT_OK(rap_send(NULL, a, STEP, NULL, 0));
    }
    MT_OK(rap_run());
    if (rap_rank() == 0) {
        printf("place: kids on ranks 0/1/2: %d %d %d\n", atomic_load(&placed[0]), atomic_load(&placed[1]),
               atomic_load(&placed[2]));
        MT_CHECK(atomic_load(&answers) == KIDS);
        MT_CHECK(atomic_load(&placed[0]) == KIDS);
    }
    MT_OK(rap_finalize());
    return 0;
}
