/* mpi-examples/mpmd_coordinator.c -- MPMD: this executable holds only the
 * coordinator type, mpmd_worker only the worker type.  The coordinator
 * spawns workers by type name; the runtime finds the ranks that have it.
 *
 *   mpirun -np 1 ./mpi-examples/mpmd_coordinator : -np 3 ./mpi-examples/mpmd_worker
 */
#include <stdio.h>

#include "raptors.h"

static uint32_t TASK, ANSWER, COORD, WORKER;
enum { TASKS = 12 };
static int g_answers;
static long g_sum;

static int coord_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)state, (void)from, (void)data, (void)len;
    for (int i = 0; i < TASKS; i++)
        rap_spawn_on(ctx, RAP_ANY_RANK, WORKER, NULL, 0, (uint64_t)i + 1);
    return RAP_OK;
}

static int coord_spawned(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    const rap_spawned *s = data;
    long n = (long)s->cookie;
    (void)state, (void)from, (void)len;
    return rap_send(ctx, s->aid, TASK, &n, sizeof(n));
}

static int coord_answer(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)state, (void)len;
    g_sum += *(const long *)data;
    if (++g_answers == TASKS) {
        printf("mpmd: %d tasks answered by workers of executable 1; sum of squares 1..%d = %ld\n",
               TASKS, TASKS, g_sum);
        rap_log(ctx, RAP_LOG_INFO, "last answer came from actor %d:%llu", RAP_AID_RANK(from),
                (unsigned long long)RAP_AID_SERIAL(from));
    }
    return RAP_OK;
}

int main(int argc, char **argv)
{
    uint32_t GO;
    rap_aid me;

    rap_msg_type_register("mpmd.task", sizeof(long), RAP_MSG_FIXED, &TASK);
    rap_msg_type_register("mpmd.answer", sizeof(long), RAP_MSG_FIXED, &ANSWER);
    rap_msg_type_register("mpmd.go", 0, RAP_MSG_VAR, &GO);
    rap_actor_type_register("mpmd.coordinator", 0, NULL, NULL, &COORD);
    rap_type_id("mpmd.worker", &WORKER); /* registered by the other executable */
    rap_actor_type_on(COORD, GO, coord_go);
    rap_actor_type_on(COORD, RAP_MSG_SPAWNED, coord_spawned);
    rap_actor_type_on(COORD, ANSWER, coord_answer);
    if (rap_init(&argc, &argv) != RAP_OK)
        return 1;
    rap_spawn(NULL, COORD, NULL, 0, &me);
    rap_send(NULL, me, GO, NULL, 0);
    rap_run();
    rap_finalize();
    return g_answers == TASKS && g_sum == TASKS * (TASKS + 1) * (2 * TASKS + 1) / 6 ? 0 : 1;
}
