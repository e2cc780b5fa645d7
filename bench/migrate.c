/* bench/migrate.c -- what migration costs, between ranks 0 and 1.
 *
 * 1. Latency to an actor on rank 1 from one on rank 0 (ping-pong, one way,
 *    8 B): a plain actor (the baseline), a movable one that never moved
 *    (the cost of being movable: sequence numbers), and a movable one
 *    whose home is rank 0 and that moved to rank 1 before the round (the
 *    cost of having moved: the sender's cache is corrected by the first
 *    forwarded message, after which messages go direct).
 * 2. Moves: an actor with S bytes of state (64 B to 1 MiB) moves itself
 *    back and forth between the ranks, one move after the other; moves/s,
 *    state MB/s and one move's time, beside a round trip carrying the same
 *    S bytes between two actors (what any move needs: the state out, an
 *    answer back) measured in the same run.
 * The first round of the process is reported beside the medians of the
 * warm rounds.
 *
 *   mpirun -np 2 ./bench/migrate [reps]
 */
#include <stdatomic.h>
#include <string.h>

#include "bench.h"

enum { MAXREPS = 21, PINGS = 20000, NKINDS = 3 };
static const size_t states[] = { 64, 4096, 65536, 1048576 };
enum { NSTATES = 4 };

static uint32_t BALL, START, HOP, PLAIN, MOVABLE, SHIP[NSTATES];
typedef struct start { rap_aid peer; int64_t iters; uint64_t bytes; } start;
typedef struct player { int64_t left; double t0; uint64_t bytes; } player;
static _Atomic double g_result;
static _Atomic int64_t hops_left;
static char *g_bytes;

static int player_start(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    const start *s = data;
    player *p = state;
    (void)from, (void)len;
    p->left = s->iters;
    p->bytes = s->bytes;
    p->t0 = bench_now();
    return rap_send(ctx, s->peer, BALL, g_bytes, s->bytes);
}

static int player_ball(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    player *p = state;
    (void)data;
    if (rap_rank() == 0 && --p->left == 0) {
        atomic_store(&g_result, bench_now() - p->t0);
        return RAP_OK;
    }
    return rap_send(ctx, from, BALL, g_bytes, p->bytes != 0 ? p->bytes : len);
}

/* A shipped actor: on HOP, move to the other rank and send itself the
 * next HOP (which follows it there). */
static int ship_hop(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)state, (void)from, (void)data, (void)len;
    if (atomic_fetch_sub(&hops_left, 1) <= 1) {
        atomic_store(&g_result, bench_now());
        return RAP_OK;
    }
    int rc = rap_migrate(ctx, rap_self(ctx), 1 - rap_rank());
    return rc != RAP_OK ? rc : rap_send(ctx, rap_self(ctx), HOP, NULL, 0);
}

/* The baseline of a move, on rank 1: answer the state's bytes with 8. */
static int echo_ball(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)state, (void)data, (void)len;
    return rap_send(ctx, from, BALL, g_bytes, 8);
}

/* Rank 0's `me` plays `iters` round trips with `peer`, sending `bytes`
 * (0: the peer's answer's size back); the time of one way, us. */
static double ping(rap_aid me, rap_aid peer, int64_t iters, uint64_t bytes)
{
    start st = { peer, iters, bytes };
    double t;

    if (rap_rank() == 0)
        rap_send(NULL, me, START, &st, sizeof(st));
    rap_run();
    t = atomic_load(&g_result);
    MPI_Bcast(&t, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    return t / (double)iters / 2 * 1e6;
}

int main(int argc, char **argv)
{
    int provided, rank, reps = argc > 1 ? atoi(argv[1]) : 5;
    static double lat[NKINDS][MAXREPS], mv[NSTATES][MAXREPS], rt[NSTATES][MAXREPS];
    double lat_first[NKINDS], mv_first[NSTATES];
    rap_aid me, peers[NKINDS], mine[NKINDS];
    uint32_t ECHO;

    g_bytes = calloc(1, 1 << 20);
    if (reps < 1 || reps > MAXREPS)
        reps = 5;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    rap_msg_type_register("bench.ball", 0, RAP_MSG_VAR, &BALL);
    rap_msg_type_register("bench.start", sizeof(start), RAP_MSG_FIXED, &START);
    rap_msg_type_register("bench.hop", 0, RAP_MSG_VAR, &HOP);
    rap_actor_type_register("bench.plain", sizeof(player), NULL, NULL, &PLAIN);
    rap_actor_type_register("bench.movable", sizeof(player), NULL, NULL, &MOVABLE);
    rap_actor_type_register("bench.echo", sizeof(player), NULL, NULL, &ECHO);
    rap_actor_type_on(PLAIN, BALL, player_ball);
    rap_actor_type_on(PLAIN, START, player_start);
    rap_actor_type_on(MOVABLE, BALL, player_ball);
    rap_actor_type_movable(MOVABLE, NULL, NULL);
    rap_actor_type_on(ECHO, BALL, echo_ball);
    for (int s = 0; s < NSTATES; s++) {
        char name[32];
        snprintf(name, sizeof(name), "bench.ship%zu", states[s]);
        rap_actor_type_register(name, states[s], NULL, NULL, &SHIP[s]);
        rap_actor_type_on(SHIP[s], HOP, ship_hop);
        rap_actor_type_movable(SHIP[s], NULL, NULL);
    }
    bench_init_pair("migrate", 1);

    /* Latency: rank 0's plain player against rank 1's three kinds; the
     * moved one is made on rank 0 and sent to rank 1. */
    rap_spawn(NULL, PLAIN, NULL, 0, &me);
    for (int k = 0; k < NKINDS; k++)
        rap_spawn(NULL, k == 0 ? PLAIN : MOVABLE, NULL, 0, &mine[k]);
    MPI_Bcast(mine, NKINDS, MPI_UINT64_T, 1, MPI_COMM_WORLD);
    if (rank == 0) {
        peers[0] = mine[0], peers[1] = mine[1];
        rap_spawn(NULL, MOVABLE, NULL, 0, &peers[2]);
    }
    MPI_Bcast(peers, NKINDS, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    if (rank == 0)
        rap_migrate(NULL, peers[2], 1);
    rap_run();
    for (int r = 0; r < reps; r++)
        for (int k = 0; k < NKINDS; k++) {
            double t = ping(me, peers[k], PINGS, 8);
            if (r == 0)
                lat_first[k] = t;
            lat[k][r] = t;
        }

    /* Moves. */
    rap_aid echo, echo_peer;
    rap_spawn(NULL, ECHO, NULL, 0, &echo);
    MPI_Sendrecv(&echo, 1, MPI_UINT64_T, 1 - rank, 0, &echo_peer, 1, MPI_UINT64_T, 1 - rank, 0,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    for (int r = 0; r < reps; r++)
        for (int s = 0; s < NSTATES; s++) {
            int64_t n = states[s] >= 65536 ? 200 : 2000;
            rap_aid ship = RAP_AID_NONE;
            double t0 = 0, t1 = 0;
            atomic_store(&hops_left, n + 1);
            if (rank == 0) {
                rap_spawn(NULL, SHIP[s], NULL, 0, &ship);
                t0 = bench_now();
                rap_send(NULL, ship, HOP, NULL, 0);
            }
            rap_run();
            /* It ended on rank 0 or 1: that rank took the time. */
            t1 = atomic_load(&g_result);
            double both[2] = { rank == 0 ? t0 : 0, t1 }, got[2];
            MPI_Allreduce(both, got, 2, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
            mv[s][r] = (got[1] - got[0]) / (double)n * 1e6; /* us a move */
            if (r == 0)
                mv_first[s] = mv[s][r];
            if (rank == 0)
                rap_destroy(NULL, ship);
            rap_run();
            atomic_store(&g_result, 0.0);
            /* A round trip carrying the same bytes out: twice `ping`'s one way. */
            rt[s][r] = 2 * ping(me, echo_peer, n, states[s]);
        }

    if (rank == 0) {
        printf("# migration, ranks 0 and 1: medians of %d runs (min-max), first run beside them\n", reps);
        const char *kinds[NKINDS] = { "plain actor", "movable, never moved", "movable, moved" };
        for (int k = 0; k < NKINDS; k++) {
            double a0, a1, b0, b1;
            double first = lat_first[k];
            double a = bench_median(lat[k], reps, &a0, &a1), b = 0;
            double base[MAXREPS];
            memcpy(base, lat[0], sizeof(base));
            b = bench_median(base, reps, &b0, &b1);
            printf("latency to a %-22s %8.2f us (%.2f-%.2f), first %.2f; %5.2fx the plain actor\n", kinds[k],
                   a, a0, a1, first, a / b);
            printf("ROW|latency 8 B to %s|us one way|%.3f|plain actor|%.3f\n", kinds[k], a, b);
        }
        for (int s = 0; s < NSTATES; s++) {
            double a0, a1;
            double a = bench_median(mv[s], reps, &a0, &a1), b0, b1, b = bench_median(rt[s], reps, &b0, &b1);
            printf("move, %7zu B of state: %8.1f us (%.1f-%.1f), first %.1f; %8.0f moves/s, %8.1f MB/s; "
                   "round trip with the state %.1f us (%.1f-%.1f): %.2fx\n",
                   states[s], a, a0, a1, mv_first[s], 1e6 / a, (double)states[s] / a, b, b0, b1, a / b);
            printf("ROW|move %zu B state|us a move|%.3f|round trip with the state|%.3f\n", states[s], a, b);
        }
    }
    rap_finalize();
    MPI_Finalize();
    free(g_bytes);
    return 0;
}
