/* mpi-examples/hello.c -- the README's example: an actor on rank 0 spawns
 * a greeter on every rank and counts their answers.
 *   mpirun -np 4 ./mpi-examples/hello */
#include <stdio.h>
#include "raptors.h"

static uint32_t HELLO, MAIN, GREETER;

static int main_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    for (int r = 0; r < rap_size(); r++)          /* a SystemActionMsg to rank r */
        rap_spawn_on(ctx, r, GREETER, NULL, 0, (uint64_t)r);
    return RAP_OK;
}

static int main_spawned(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    const rap_spawned *s = data;                  /* the System actor's answer */
    int r = rap_rank();
    return rap_send(ctx, s->aid, HELLO, &r, sizeof(r));
}

static int main_hello(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    int *answers = state;
    rap_log(ctx, RAP_LOG_INFO, "greeter %d:%llu on rank %d answered", RAP_AID_RANK(from),
            (unsigned long long)RAP_AID_SERIAL(from), *(const int *)data);
    if (++*answers == rap_size())
        printf("all %d ranks answered\n", *answers);
    return RAP_OK;
}

static int greeter_hello(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    int r = rap_rank();
    return rap_send(ctx, from, HELLO, &r, sizeof(r)); /* reply to the sender */
}

int main(int argc, char **argv)
{
    rap_aid root;
    rap_msg_type_register("hello.hello", sizeof(int), RAP_MSG_FIXED, &HELLO);
    rap_actor_type_register("hello.main", sizeof(int), main_init, NULL, &MAIN);
    rap_actor_type_register("hello.greeter", 0, NULL, NULL, &GREETER);
    rap_actor_type_on(MAIN, RAP_MSG_SPAWNED, main_spawned);
    rap_actor_type_on(MAIN, HELLO, main_hello);
    rap_actor_type_on(GREETER, HELLO, greeter_hello);

    if (rap_init(&argc, &argv) != RAP_OK)
        return 1;
    if (rap_rank() == 0)
        rap_spawn(NULL, MAIN, NULL, 0, &root);
    rap_run();                                    /* until the job is quiescent */
    rap_finalize();
    return 0;
}
