/* bench/lb_chatty.c -- chatty actors (the shape of Orleans' ActOp
 * benchmarks): 32 pairs of actors, each pair a client that sends its
 * server a request and sends the next when the answer comes, placed at
 * random over the ranks (about half of the pairs split).  A round: every
 * client makes ROUNDS requests.  After the first round the program calls
 * rap_rebalance (strategy from argv, metis by default: bytes between actors
 * from the Profiler's pairs), then runs the second.  Printed: requests a
 * second and the 99th percentile of a request's latency, before and after.
 *
 *   RAPTORS_PROFILE_INTERVAL_MS=50 mpirun -np 2 ./bench/lb_chatty [strategy] [requests per client]
 */
#include <stdatomic.h>
#include <string.h>

#include "bench.h"

enum { PAIRS = 32, MAXREQ = 20000, BUCKETS = 4096 };
#define BUCKET_NS 250.0 /* latency histogram: 250 ns steps up to ~1 ms */

static uint32_t REQ, ANS, GO, CLIENT, SERVER;
static _Atomic uint64_t hist[BUCKETS], done_clients;
static int requests = 5000;
static double t_first, t_last;

typedef struct client { rap_aid server; int left; double sent; } client;

static int client_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    (void)ctx, (void)len;
    memcpy(&((client *)state)->server, arg, sizeof(rap_aid));
    return RAP_OK;
}

static int client_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    client *c = state;
    (void)from, (void)data, (void)len;
    c->left = requests;
    c->sent = bench_now();
    return rap_send(ctx, c->server, REQ, &c->sent, sizeof(c->sent));
}

static int client_ans(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    client *c = state;
    double now = bench_now();
    size_t b = (size_t)((now - c->sent) * 1e9 / BUCKET_NS);
    (void)from, (void)data, (void)len;
    atomic_fetch_add_explicit(&hist[b < BUCKETS ? b : BUCKETS - 1], 1, memory_order_relaxed);
    if (--c->left == 0) {
        atomic_fetch_add(&done_clients, 1);
        t_last = now;
        return RAP_OK;
    }
    c->sent = now;
    return rap_send(ctx, c->server, REQ, &c->sent, sizeof(c->sent));
}

static int server_req(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)state;
    return rap_send(ctx, from, ANS, data, len);
}

/* One round: every client makes `requests` requests; returns requests a
 * second (all ranks) and the p99 latency in us. */
static void round_of(const rap_aid *clients, double *rate, double *p99)
{
    uint64_t mine[BUCKETS], all[BUCKETS], total = 0, acc = 0;
    double t0 = bench_now(), t1;

    for (int b = 0; b < BUCKETS; b++)
        atomic_store(&hist[b], 0);
    if (rap_rank() == 0)
        for (int i = 0; i < PAIRS; i++)
            rap_send(NULL, clients[i], GO, NULL, 0);
    t_first = t0;
    rap_run();
    t1 = bench_now();
    MPI_Bcast(&t1, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    for (int b = 0; b < BUCKETS; b++)
        mine[b] = atomic_load(&hist[b]);
    MPI_Allreduce(mine, all, BUCKETS, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    for (int b = 0; b < BUCKETS; b++)
        total += all[b];
    int b = 0;
    for (; b < BUCKETS && (acc += all[b]) < total * 99 / 100; b++)
        ;
    *p99 = (b + 1) * BUCKET_NS * 1e-3;
    *rate = (double)total / (t1 - t0);
}

int main(int argc, char **argv)
{
    const char *strategy = argc > 1 ? argv[1] : "metis";
    int provided, rank, size;
    rap_aid clients[PAIRS], servers[PAIRS];
    rap_rebalance_info info;
    double r0, p0, r1, p1;
    uint64_t rng = 0x2545f4914f6cdd1dull;

    if (argc > 2)
        requests = atoi(argv[2]);
    if (requests < 10 || requests > MAXREQ)
        requests = 5000;
    setenv("RAPTORS_LB", strategy, 1);
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    rap_msg_type_register("chatty.req", sizeof(double), RAP_MSG_FIXED, &REQ);
    rap_msg_type_register("chatty.ans", sizeof(double), RAP_MSG_FIXED, &ANS);
    rap_msg_type_register("chatty.go", 0, RAP_MSG_VAR, &GO);
    rap_actor_type_register("chatty.client", sizeof(client), client_init, NULL, &CLIENT);
    rap_actor_type_register("chatty.server", 0, NULL, NULL, &SERVER);
    rap_actor_type_on(CLIENT, GO, client_go);
    rap_actor_type_on(CLIENT, ANS, client_ans);
    rap_actor_type_on(SERVER, REQ, server_req);
    rap_actor_type_movable(CLIENT, NULL, NULL);
    rap_actor_type_movable(SERVER, NULL, NULL);
    if (size < 2 || rap_init_comm(MPI_COMM_WORLD) != RAP_OK) {
        if (rank == 0)
            fprintf(stderr, "lb_chatty needs 2 ranks or more\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    /* Random places, the same on every rank: each server made where it
     * falls, its id sent to the rank its client falls on. */
    for (int i = 0; i < PAIRS; i++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        int sr = (int)(rng % (uint64_t)size);
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        int cr = (int)(rng % (uint64_t)size);
        rap_aid s = RAP_AID_NONE, c = RAP_AID_NONE;
        if (rank == sr)
            rap_spawn(NULL, SERVER, NULL, 0, &s);
        MPI_Bcast(&s, 1, MPI_UINT64_T, sr, MPI_COMM_WORLD);
        if (rank == cr)
            rap_spawn(NULL, CLIENT, &s, sizeof(s), &c);
        MPI_Bcast(&c, 1, MPI_UINT64_T, cr, MPI_COMM_WORLD);
        servers[i] = s, clients[i] = c;
    }
    int split = 0;
    for (int i = 0; i < PAIRS; i++)
        split += RAP_AID_RANK(servers[i]) != RAP_AID_RANK(clients[i]);
    round_of(clients, &r0, &p0);
    double first = r0;
    round_of(clients, &r0, &p0); /* the warm figure, and the profile's pairs */
    rap_rebalance(&info);
    round_of(clients, &r1, &p1);
    if (rank == 0) {
        printf("# chatty actors (%s), %d ranks, %d pairs (%d split at the start), %d requests each\n", strategy,
               size, PAIRS, split, requests);
        printf("before: %10.0f requests/s (first round %.0f), p99 %.1f us\n", r0, first, p0);
        printf("after:  %10.0f requests/s, p99 %.1f us: %.2fx the throughput, p99 %.0f %% lower; %llu moves\n", r1,
               p1, r1 / r0, 100 * (1 - p1 / p0), (unsigned long long)info.moves);
        printf("ROW|chatty %s throughput|requests/s|%.0f|before|%.0f\n", strategy, r1, r0);
        printf("ROW|chatty %s p99|us|%.2f|before|%.2f\n", strategy, p1, p0);
    }
    rap_finalize();
    MPI_Finalize();
    return 0;
}
