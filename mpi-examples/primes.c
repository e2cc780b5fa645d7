/* mpi-examples/primes.c -- the flagship: a work farm of actors.
 *
 * A coordinator actor on rank 0 spawns workers on every rank (remote spawn
 * through each rank's System actor), hands out work items by message -- a
 * range of integers each -- gathers how many primes each range holds,
 * checks the total against a sequential count, and logs through the Logger
 * on rank 0.
 *
 *   mpirun -np 4 ./mpi-examples/primes [limit] [workers-per-rank]
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "raptors.h"

#define CHUNK 20000

typedef struct range { uint64_t lo, hi; } range;             /* work item: [lo, hi) */
typedef struct result { uint64_t lo, count; } result;

static uint32_t RANGE, RESULT, COORD, WORKER;
/* Rank 0: -1 until the coordinator finishes, then 0 (checked) or 1. */
static _Atomic int g_status = -1;

typedef struct coord {
    uint64_t limit, next, total, outstanding;
    int expected_workers, workers_up, failed;
} coord;

static int is_prime(uint64_t n)
{
    if (n < 2)
        return 0;
    for (uint64_t d = 2; d * d <= n; d++)
        if (n % d == 0)
            return 0;
    return 1;
}

static uint64_t count_primes(uint64_t lo, uint64_t hi)
{
    uint64_t c = 0;
    for (uint64_t n = lo; n < hi; n++)
        c += (uint64_t)is_prime(n);
    return c;
}

/* ---- worker: counts the primes of each range it is sent ---- */

static int worker_range(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    const range *r = data;
    result res = { r->lo, count_primes(r->lo, r->hi) };

    (void)state;
    (void)len;
    return rap_send(ctx, from, RESULT, &res, sizeof(res));
}

/* ---- coordinator ---- */

static void hand_out(rap_ctx *ctx, coord *c, rap_aid worker)
{
    if (c->next >= c->limit)
        return;
    range r = { c->next, c->next + CHUNK < c->limit ? c->next + CHUNK : c->limit };
    c->next = r.hi;
    c->outstanding++;
    rap_send(ctx, worker, RANGE, &r, sizeof(r));
}

static int coord_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    coord *c = state;
    const int *per_rank = arg;

    (void)len;
    c->limit = *(const uint64_t *)((const char *)arg + sizeof(int) * 2);
    c->expected_workers = per_rank[0] * rap_size();
    for (int r = 0; r < rap_size(); r++)
        for (int i = 0; i < per_rank[0]; i++) {
            int rc = rap_spawn_on(ctx, r, WORKER, NULL, 0, (uint64_t)r);
            if (rc != RAP_OK)
                return rc;
        }
    rap_log(ctx, RAP_LOG_INFO, "coordinator: spawning %d workers on %d ranks, counting primes below %llu",
            c->expected_workers, rap_size(), (unsigned long long)c->limit);
    return RAP_OK;
}

static int coord_spawned(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    coord *c = state;
    const rap_spawned *s = data;

    (void)from;
    (void)len;
    c->workers_up++;
    /* Two items in flight per worker keep it busy while a result travels. */
    hand_out(ctx, c, s->aid);
    hand_out(ctx, c, s->aid);
    return RAP_OK;
}

static int coord_result(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    coord *c = state;
    const result *res = data;

    (void)len;
    c->total += res->count;
    c->outstanding--;
    hand_out(ctx, c, from);
    if (c->outstanding == 0 && c->next >= c->limit) {
        uint64_t check = count_primes(0, c->limit);
        rap_log(ctx, RAP_LOG_INFO, "coordinator: %llu primes below %llu (sequential check: %llu) %s",
                (unsigned long long)c->total, (unsigned long long)c->limit,
                (unsigned long long)check, c->total == check ? "OK" : "MISMATCH");
        printf("primes below %llu: %llu (%d workers on %d ranks) %s\n",
               (unsigned long long)c->limit, (unsigned long long)c->total, c->expected_workers,
               rap_size(), c->total == check ? "OK" : "MISMATCH");
        fflush(stdout);
        c->failed = c->total != check;
        atomic_store(&g_status, c->failed);
    }
    return RAP_OK;
}

static void coord_error(rap_ctx *ctx, void *state, const rap_error_event *ev)
{
    coord *c = state;

    c->failed = 1;
    atomic_store(&g_status, 1);
    rap_log(ctx, RAP_LOG_ERROR, "coordinator: error kind %d: %s", ev->kind, rap_strerror(ev->code));
}

int main(int argc, char **argv)
{
    struct { int per_rank, pad; uint64_t limit; } arg = { 2, 0, 2000000 };
    rap_aid coordinator;
    int rc;

    if (argc > 1)
        arg.limit = strtoull(argv[1], NULL, 10);
    if (argc > 2)
        arg.per_rank = atoi(argv[2]);
    if (arg.per_rank < 1 || arg.limit < 2) {
        fprintf(stderr, "usage: %s [limit >= 2] [workers-per-rank >= 1]\n", argv[0]);
        return 2;
    }

    if (rap_msg_type_register("primes.range", sizeof(range), RAP_MSG_FIXED, &RANGE) ||
        rap_msg_type_register("primes.result", sizeof(result), RAP_MSG_FIXED, &RESULT) ||
        rap_actor_type_register("primes.coordinator", sizeof(coord), coord_init, NULL, &COORD) ||
        rap_actor_type_register("primes.worker", 0, NULL, NULL, &WORKER) ||
        rap_actor_type_on(WORKER, RANGE, worker_range) ||
        rap_actor_type_on(COORD, RAP_MSG_SPAWNED, coord_spawned) ||
        rap_actor_type_on(COORD, RESULT, coord_result) ||
        rap_actor_type_on_error(COORD, coord_error)) {
        fprintf(stderr, "type registration failed\n");
        return 1;
    }
    rc = rap_init(&argc, &argv);
    if (rc != RAP_OK) {
        fprintf(stderr, "rap_init: %s\n", rap_strerror(rc));
        return 1;
    }
    if (rap_rank() == 0) {
        rc = rap_spawn(NULL, COORD, &arg, sizeof(arg), &coordinator);
        if (rc != RAP_OK)
            fprintf(stderr, "spawn coordinator: %s\n", rap_strerror(rc));
    }
    rap_run();
    if (rap_rank() == 0 && atomic_load(&g_status) != 0) {
        fprintf(stderr, "primes: the coordinator did not finish with a checked result\n");
        rc = RAP_EINVAL;
    }
    rap_finalize();
    return rc == RAP_OK ? 0 : 1;
}
