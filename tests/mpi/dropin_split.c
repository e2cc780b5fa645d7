/* Drop-in on a communicator split from MPI_COMM_WORLD (not a duplicate of
 * it): the even world ranks run Raptors on their half, the odd ones keep
 * to plain MPI on theirs.  On the Raptors half, ranks and actor ids are
 * those of the half; a counter bounces between its ranks and every bounce
 * arrives; the plain half's traffic is intact. */
#include <stdatomic.h>
#include <stdlib.h>

#include "support/mpitest.h"

enum { BOUNCES = 5000 };
static uint32_t TICK, SERVE, TICKER;
static _Atomic long ticks;

static int ticker_tick(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    int64_t left = *(const int64_t *)data - 1;
    (void)state, (void)len;
    atomic_fetch_add(&ticks, 1);
    if (left > 0)
        return rap_send(ctx, from, TICK, &left, sizeof(left));
    return RAP_OK;
}

/* Start a bounce with the partner named in the message. */
static int ticker_serve(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    int64_t n = BOUNCES;
    (void)state, (void)from, (void)len;
    return rap_send(ctx, *(const rap_aid *)data, TICK, &n, sizeof(n));
}

int main(int argc, char **argv)
{
    int provided, wrank, wsize, hrank, hsize;
    MPI_Comm half;
    rap_aid me, *all;
    long mine, total;

    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_size(MPI_COMM_WORLD, &wsize);
    if (provided < MPI_THREAD_MULTIPLE || wsize < 4) {
        if (wrank == 0)
            fprintf(stderr, "SKIP: needs MPI_THREAD_MULTIPLE and 4 ranks\n");
        MPI_Finalize();
        return 77;
    }
    MPI_Comm_split(MPI_COMM_WORLD, wrank % 2, wrank, &half);
    MPI_Comm_rank(half, &hrank);
    MPI_Comm_size(half, &hsize);
    if (wrank % 2 == 0) {
        MT_OK(rap_msg_type_register("split.tick", sizeof(int64_t), RAP_MSG_FIXED, &TICK));
        MT_OK(rap_actor_type_register("split.ticker", 0, NULL, NULL, &TICKER));
        MT_OK(rap_msg_type_register("split.serve", sizeof(rap_aid), RAP_MSG_FIXED, &SERVE));
        MT_OK(rap_actor_type_on(TICKER, TICK, ticker_tick));
        MT_OK(rap_actor_type_on(TICKER, SERVE, ticker_serve));
        MT_OK(rap_init_comm(half));
        MT_CHECK(rap_rank() == hrank && rap_size() == hsize);
        all = calloc((size_t)hsize, sizeof(*all));
        MT_OK(rap_spawn(NULL, TICKER, NULL, 0, &me));
        MT_CHECK(RAP_AID_RANK(me) == hrank);
        MPI_Allgather(&me, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, half);
        if (hrank == 0)
            MT_OK(rap_send(NULL, me, SERVE, &all[hsize - 1], sizeof(rap_aid)));
        free(all);
        MT_OK(rap_run());
        mine = atomic_load(&ticks);
        MPI_Allreduce(&mine, &total, 1, MPI_LONG, MPI_SUM, half);
        MT_CHECK(total == BOUNCES);
        MT_OK(rap_finalize());
    } else {
        int v = hrank + 1, sum = 0;
        MPI_Allreduce(&v, &sum, 1, MPI_INT, MPI_SUM, half);
        MT_CHECK(sum == hsize * (hsize + 1) / 2);
    }
    MPI_Comm_free(&half);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}
