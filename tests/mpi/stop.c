/* rap_stop: actors on every rank pass messages forever; after a while an
 * actor on the last rank calls rap_stop, and rap_run must return on every
 * rank.  Then the job runs again: bounded work still completes exactly. */
#include <stdatomic.h>
#include <stdlib.h>

#include "support/mpitest.h"

enum { BEFORE_STOP = 2000, SECOND_RUN_HOPS = 100 };

static uint32_t BALL, SETNEXT, PLAYER;
static _Atomic long hits, second_hits;
static _Atomic int phase;

typedef struct ball { int64_t hops_left; } ball;

static int player_setnext(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)from, (void)len;
    *(rap_aid *)state = *(const rap_aid *)data;
    return RAP_OK;
}

static int player_ball(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    ball b = *(const ball *)data;
    (void)from, (void)len;
    if (atomic_load(&phase) == 0) {
        long n = atomic_fetch_add(&hits, 1) + 1;
        if (n == BEFORE_STOP && rap_rank() == rap_size() - 1)
            MT_OK(rap_stop(ctx));
        return rap_send(ctx, *(rap_aid *)state, BALL, &b, sizeof(b)); /* forever */
    }
    atomic_fetch_add(&second_hits, 1);
    if (--b.hops_left > 0)
        return rap_send(ctx, *(rap_aid *)state, BALL, &b, sizeof(b));
    return RAP_OK;
}

int main(int argc, char **argv)
{
    rap_aid me, *all;
    int rank, size;
    long mine, total;
    ball b = { 0 };
    rap_stats st;

    MT_OK(rap_msg_type_register("stop.ball", sizeof(ball), RAP_MSG_FIXED, &BALL));
    MT_OK(rap_msg_type_register("stop.setnext", sizeof(rap_aid), RAP_MSG_FIXED, &SETNEXT));
    MT_OK(rap_actor_type_register("stop.player", sizeof(rap_aid), NULL, NULL, &PLAYER));
    MT_OK(rap_actor_type_on(PLAYER, BALL, player_ball));
    MT_OK(rap_actor_type_on(PLAYER, SETNEXT, player_setnext));
    MT_OK(rap_init(&argc, &argv));
    rank = rap_rank();
    size = rap_size();
    all = calloc((size_t)size, sizeof(*all));
    MT_OK(rap_spawn(NULL, PLAYER, NULL, 0, &me));
    MPI_Allgather(&me, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    MT_OK(rap_send(NULL, me, SETNEXT, &all[(rank + 1) % size], sizeof(rap_aid)));
    MPI_Barrier(MPI_COMM_WORLD);
    /* Several balls in flight at once, one from each rank. */
    MT_OK(rap_send(NULL, me, BALL, &b, sizeof(b)));
    MT_OK(rap_run()); /* returns only because of rap_stop */

    mine = atomic_load(&hits);
    MPI_Allreduce(&mine, &total, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    MT_CHECK(total >= BEFORE_STOP);
    MT_OK(rap_stats_get(&st));

    /* Second run: the stop is over; bounded work completes exactly. */
    atomic_store(&phase, 1);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        b.hops_left = SECOND_RUN_HOPS;
        MT_OK(rap_send(NULL, me, BALL, &b, sizeof(b)));
    }
    MT_OK(rap_run());
    mine = atomic_load(&second_hits);
    MPI_Allreduce(&mine, &total, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    MT_CHECK(total == SECOND_RUN_HOPS);
    free(all);
    MT_OK(rap_finalize());
    return 0;
}
