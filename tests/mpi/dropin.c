/* Drop-in use: a program that does its own MPI_Send/MPI_Recv on
 * MPI_COMM_WORLD before, during (while actors run in the background) and
 * after its Raptors use gets its data intact, and Raptors leaves MPI
 * initialised for it. */
#include <stdatomic.h>
#include <stdlib.h>

#include "support/mpitest.h"

enum { ROUNDS = 200, N = 1000 };
static uint32_t TICK, SERVE, TICKER;
static _Atomic long ticks;

/* The application's own traffic: a ring exchange with a checkable pattern,
 * on the tag Raptors' traffic would use if it were on the same communicator. */
static void app_exchange(int round)
{
    int rank, size, out[N], in[N];
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    for (int i = 0; i < N; i++)
        out[i] = rank * 100000 + round * 10 + i;
    if (rank % 2 == 0) {
        MPI_Send(out, N, MPI_INT, (rank + 1) % size, 19, MPI_COMM_WORLD);
        MPI_Recv(in, N, MPI_INT, (rank + size - 1) % size, 19, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else {
        MPI_Recv(in, N, MPI_INT, (rank + size - 1) % size, 19, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Send(out, N, MPI_INT, (rank + 1) % size, 19, MPI_COMM_WORLD);
    }
    int from = (rank + size - 1) % size;
    for (int i = 0; i < N; i++)
        MT_CHECK(in[i] == from * 100000 + round * 10 + i);
}

/* Bounce the counter back to whoever sent it, until it runs out. */
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
    int64_t count = 20000;
    (void)state, (void)from, (void)len;
    return rap_send(ctx, *(const rap_aid *)data, TICK, &count, sizeof(count));
}

int main(int argc, char **argv)
{
    int provided, finalized = 0, size, rank;
    rap_aid me, *all;
    int64_t count = 20000;
    long mine, total;

    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (provided < MPI_THREAD_MULTIPLE || size % 2) {
        if (rank == 0)
            fprintf(stderr, "SKIP: needs MPI_THREAD_MULTIPLE and an even number of ranks\n");
        MPI_Finalize();
        return 77;
    }
    app_exchange(0); /* before */

    MT_OK(rap_msg_type_register("dropin.tick", sizeof(int64_t), RAP_MSG_FIXED, &TICK));
    MT_OK(rap_msg_type_register("dropin.serve", sizeof(rap_aid), RAP_MSG_FIXED, &SERVE));
    MT_OK(rap_actor_type_register("dropin.ticker", 0, NULL, NULL, &TICKER));
    MT_OK(rap_actor_type_on(TICKER, TICK, ticker_tick));
    MT_OK(rap_actor_type_on(TICKER, SERVE, ticker_serve));
    MT_CHECK(rap_init_comm(MPI_COMM_NULL) == RAP_EINVAL);
    MT_OK(rap_init_comm(MPI_COMM_WORLD));
    MT_CHECK(rap_init_comm(MPI_COMM_WORLD) == RAP_ESTATE);
    MT_CHECK(rap_init(NULL, NULL) == RAP_ESTATE);
    MT_CHECK(rap_thread_level() == MPI_THREAD_MULTIPLE);

    /* Tickers on even and odd ranks bounce a counter between them. */
    all = calloc((size_t)size, sizeof(*all));
    MT_OK(rap_spawn(NULL, TICKER, NULL, 0, &me));
    MPI_Allgather(&me, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    if (rank % 2 == 0)
        MT_OK(rap_send(NULL, me, SERVE, &all[rank + 1], sizeof(rap_aid)));
    free(all);

    for (int round = 1; round <= ROUNDS; round++)
        app_exchange(round); /* during: actors are running meanwhile */
    MT_OK(rap_run());
    mine = atomic_load(&ticks);
    MPI_Allreduce(&mine, &total, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    MT_CHECK(total == count * (size / 2));
    app_exchange(ROUNDS + 1); /* between rap_run and rap_finalize */
    MT_OK(rap_finalize());
    MPI_Finalized(&finalized);
    MT_CHECK(!finalized); /* Raptors did not initialise MPI: it must not finalise it */
    app_exchange(ROUNDS + 2); /* after */
    MPI_Finalize();
    return 0;
}
