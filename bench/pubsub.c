/* bench/pubsub.c -- publishing to 1,000 subscribers spread over the ranks
 * (rap_publish: a copy straight to each local subscriber, one message to
 * each other rank, fanned out there) against the same publisher sending
 * each copy by hand (rap_send to every subscriber), alternating, in the
 * same run.  The publisher sends M 8-byte messages in one handler; the
 * time runs until every subscriber has all M (each tells a counter on rank
 * 0).  Medians of REPS, the first round of the process printed apart.
 *
 *   mpirun -np 4 ./bench/pubsub [reps] [subscribers] [messages]
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "raptors.h"

enum { MAXREPS = 21 };
static uint32_t ITEM, GO, DONE, SUBT, PUBT, COUNTT, JOIN;
static int g_subs = 1000, g_msgs = 200;
static rap_aid *g_all;   /* every subscriber (the by-hand sender's list) */
static rap_aid g_counter;
static _Atomic double g_t0, g_secs;

typedef struct subst { int got; } subst;
typedef struct countst { int done; } countst;

static int sub_join(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)state, (void)from, (void)data, (void)len;
    return rap_subscribe(ctx, "bench");
}

static int sub_item(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    subst *s = state;
    (void)from, (void)data, (void)len;
    if (++s->got % g_msgs == 0)
        return rap_send(ctx, g_counter, DONE, NULL, 0);
    return RAP_OK;
}

static int count_done(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    countst *c = state;
    (void)ctx, (void)from, (void)data, (void)len;
    if (++c->done % g_subs == 0)
        atomic_store(&g_secs, bench_now() - atomic_load(&g_t0));
    return RAP_OK;
}

static int pub_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    int by_hand = *(const int *)data;
    int64_t x = 0;
    (void)state, (void)from, (void)len;
    atomic_store(&g_t0, bench_now());
    for (int m = 0; m < g_msgs; m++, x++) {
        if (!by_hand) {
            int rc = rap_publish(ctx, "bench", ITEM, &x, sizeof(x));
            if (rc != RAP_OK)
                return rc;
            continue;
        }
        for (int i = 0; i < g_subs; i++) {
            int rc = rap_send(ctx, g_all[i], ITEM, &x, sizeof(x));
            if (rc != RAP_OK)
                return rc;
        }
    }
    return RAP_OK;
}

int main(int argc, char **argv)
{
    int provided, rank, size, reps = argc > 1 ? atoi(argv[1]) : 5;
    double pub[MAXREPS], hand[MAXREPS], first[2] = { 0, 0 };
    rap_aid publisher = RAP_AID_NONE;

    if (reps < 1 || reps > MAXREPS)
        reps = 5;
    if (argc > 2 && atoi(argv[2]) > 0)
        g_subs = atoi(argv[2]);
    if (argc > 3 && atoi(argv[3]) > 0)
        g_msgs = atoi(argv[3]);
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    rap_msg_type_register("pb.item", sizeof(int64_t), RAP_MSG_FIXED, &ITEM);
    rap_msg_type_register("pb.go", sizeof(int), RAP_MSG_FIXED, &GO);
    rap_msg_type_register("pb.done", 0, RAP_MSG_VAR, &DONE);
    rap_msg_type_register("pb.join", 0, RAP_MSG_VAR, &JOIN);
    rap_actor_type_register("pb.sub", sizeof(subst), NULL, NULL, &SUBT);
    rap_actor_type_on(SUBT, JOIN, sub_join);
    rap_actor_type_on(SUBT, ITEM, sub_item);
    rap_actor_type_register("pb.pub", 0, NULL, NULL, &PUBT);
    rap_actor_type_on(PUBT, GO, pub_go);
    rap_actor_type_register("pb.count", sizeof(countst), NULL, NULL, &COUNTT);
    rap_actor_type_on(COUNTT, DONE, count_done);
    if (rap_init_comm(MPI_COMM_WORLD) != RAP_OK || g_subs % size != 0) {
        if (rank == 0)
            fprintf(stderr, "pubsub: subscribers must be a multiple of the ranks\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    int mine = g_subs / size;
    rap_aid *local = calloc((size_t)mine, sizeof(*local));
    g_all = calloc((size_t)g_subs, sizeof(*g_all));
    if (local == NULL || g_all == NULL)
        MPI_Abort(MPI_COMM_WORLD, 1);
    for (int i = 0; i < mine; i++) {
        rap_spawn(NULL, SUBT, NULL, 0, &local[i]);
        rap_send(NULL, local[i], JOIN, NULL, 0);
    }
    MPI_Allgather(local, mine, MPI_UINT64_T, g_all, mine, MPI_UINT64_T, MPI_COMM_WORLD);
    if (rank == 0) {
        rap_spawn(NULL, COUNTT, NULL, 0, &g_counter);
        rap_spawn(NULL, PUBT, NULL, 0, &publisher);
    }
    MPI_Bcast(&g_counter, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    rap_run(); /* every rank knows every subscription */
    for (int r = -1; r < reps; r++)
        for (int by_hand = 0; by_hand < 2; by_hand++) {
            if (rank == 0)
                rap_send(NULL, publisher, GO, &by_hand, sizeof(by_hand));
            rap_run();
            if (r >= 0)
                (by_hand ? hand : pub)[r] = atomic_load(&g_secs);
            else
                first[by_hand] = atomic_load(&g_secs); /* the first round of the process */
        }
    if (rank == 0) {
        double a0, a1, b0, b1, a = bench_median(pub, reps, &a0, &a1), b = bench_median(hand, reps, &b0, &b1);
        double deliveries = (double)g_subs * g_msgs;
        printf("# pubsub: %d subscribers on %d ranks, %d messages of 8 B published in one handler; medians of %d\n",
               g_subs, size, g_msgs, reps);
        printf("publish to %d subscribers, %d ranks      %10.0f deliveries/s (first round %.0f)   by hand (rap_send to "
               "each) %10.0f (first round %.0f)   %.2fx\n",
               g_subs, size, deliveries / a, deliveries / first[0], deliveries / b, deliveries / first[1], b / a);
        printf("ROW|publish to %d subscribers on %d ranks|deliveries/s|%.0f|rap_send to each subscriber|%.0f\n",
               g_subs, size, deliveries / a, deliveries / b);
    }
    rap_finalize();
    free(local);
    free(g_all);
    MPI_Finalize();
    return 0;
}
