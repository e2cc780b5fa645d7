/* mpi-examples/mpmd_worker.c -- the worker executable of the MPMD example
 * (see mpmd_coordinator.c). */
#include "raptors.h"

static uint32_t TASK, ANSWER, WORKER;

static int worker_task(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    long n = *(const long *)data, sq = n * n;
    (void)state, (void)len;
    return rap_send(ctx, from, ANSWER, &sq, sizeof(sq));
}

int main(int argc, char **argv)
{
    rap_msg_type_register("mpmd.task", sizeof(long), RAP_MSG_FIXED, &TASK);
    rap_msg_type_register("mpmd.answer", sizeof(long), RAP_MSG_FIXED, &ANSWER);
    rap_actor_type_register("mpmd.worker", 0, NULL, NULL, &WORKER);
    rap_actor_type_on(WORKER, TASK, worker_task);
    if (rap_init(&argc, &argv) != RAP_OK)
        return 1;
    rap_run();
    rap_finalize();
    return 0;
}
