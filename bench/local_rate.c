/* bench/local_rate.c -- same-rank message rates: PingPong (two actors
 * exchange a message) and ThreadRing (100 actors pass a token), in
 * messages handled per second; medians of REPS runs (min, max).
 * The same-rank peer baseline (CAF) is issue 3's; this prints Raptors alone.
 *
 *   mpirun -np 1 ./bench/local_rate [reps] [messages]
 */
#include <stdatomic.h>
#include <stdio.h>

#include "bench.h"
#include "raptors.h"

enum { RING = 100, MAXREPS = 21 };
static uint32_t PING, NEXT, PP;
static _Atomic double g_secs;
static long g_msgs = 1000000;

typedef struct pp { rap_aid peer; double t0; } pp;

static int pp_next(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)from, (void)len;
    ((pp *)state)->peer = *(const rap_aid *)data;
    return RAP_OK;
}

/* The payload counts down; the actor that sees 0 stops the clock. */
static int pp_ping(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    pp *p = state;
    long left = *(const long *)data;
    (void)from, (void)len;
    if (left == g_msgs)
        p->t0 = bench_now();
    if (left == 0) {
        atomic_store(&g_secs, bench_now() - p->t0);
        return RAP_OK;
    }
    left--;
    return rap_send(ctx, p->peer, PING, &left, sizeof(left));
}

static double run_chain(rap_aid first, long msgs)
{
    (void)msgs;
    rap_send(NULL, first, PING, &g_msgs, sizeof(g_msgs));
    rap_run();
    return (double)g_msgs / atomic_load(&g_secs);
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 5;
    double pingpong[MAXREPS], ring[MAXREPS], lo, hi, m;
    rap_aid a, b, nodes[RING];

    if (argc > 2)
        g_msgs = atol(argv[2]);
    if (reps < 1 || reps > MAXREPS)
        reps = 5;
    rap_msg_type_register("bench.ping", sizeof(long), RAP_MSG_FIXED, &PING);
    rap_msg_type_register("bench.next", sizeof(rap_aid), RAP_MSG_FIXED, &NEXT);
    rap_actor_type_register("bench.pp", sizeof(pp), NULL, NULL, &PP);
    rap_actor_type_on(PP, PING, pp_ping);
    rap_actor_type_on(PP, NEXT, pp_next);
    if (rap_init(&argc, &argv) != RAP_OK)
        return 1;
    rap_spawn(NULL, PP, NULL, 0, &a);
    rap_spawn(NULL, PP, NULL, 0, &b);
    rap_send(NULL, a, NEXT, &b, sizeof(b));
    rap_send(NULL, b, NEXT, &a, sizeof(a));
    for (int i = 0; i < RING; i++)
        rap_spawn(NULL, PP, NULL, 0, &nodes[i]);
    for (int i = 0; i < RING; i++)
        rap_send(NULL, nodes[i], NEXT, &nodes[(i + 1) % RING], sizeof(rap_aid));
    rap_run();
    for (int r = 0; r < reps; r++) {
        pingpong[r] = run_chain(a, g_msgs);
        ring[r] = run_chain(nodes[0], g_msgs);
    }
    if (rap_rank() == 0) {
        printf("# same-rank message rate, messages/s: medians of %d runs (min-max); %d worker(s)\n",
               reps, rap_workers());
        m = bench_median(pingpong, reps, &lo, &hi);
        printf("%-22s %12.0f (%.0f-%.0f)\n", "PingPong", m, lo, hi);
        m = bench_median(ring, reps, &lo, &hi);
        printf("%-22s %12.0f (%.0f-%.0f)\n", "ThreadRing (100)", m, lo, hi);
    }
    rap_finalize();
    return 0;
}
