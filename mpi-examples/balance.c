/* balance.c -- load balancing at a sync point.  32 actors of very unequal
 * cost (0.2 to 2 ms a step) all start on rank 0; each iteration a driver
 * sends every actor one step and waits for all the answers.  After half
 * the iterations every rank calls rap_rebalance: rank 0 plans from the
 * measured handler times and the movable actors move; the second half
 * runs on all ranks.
 *
 *   mpirun -np 2 ./balance [iterations]
 *   RAPTORS_PROFILE=balance.json RAPTORS_PROFILE_INTERVAL_MS=50 mpirun -np 2 ./balance 60
 *   raptors-report balance.json -o balance-report   # load_over_time.png: before and after
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "raptors.h"

enum { ACTORS = 32 };
static uint32_t STEP, DONE, GO, WORKER, DRIVER;
static rap_aid workers[ACTORS];

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* A worker's step: compute for its cost, then answer the driver. */
static int worker_step(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    double end = now_ms() + *(double *)state;
    while (now_ms() < end)
        ;
    return rap_send(ctx, from, DONE, NULL, 0);
}

static int worker_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    *(double *)state = *(const double *)arg;
    return RAP_OK;
}

/* The driver: an iteration sends every worker a step and ends at the last answer. */
typedef struct driver { int n, left, answers; double t0, total_ms; } driver;

static int driver_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    driver *d = state;
    d->n = d->left = *(const int *)data;
    d->total_ms = 0;
    d->answers = 0;
    d->t0 = now_ms();
    for (int i = 0; i < ACTORS; i++)
        rap_send(ctx, workers[i], STEP, NULL, 0);
    return RAP_OK;
}

static int driver_done(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    driver *d = state;
    if (++d->answers < ACTORS)
        return RAP_OK;
    d->total_ms += now_ms() - d->t0;
    if (--d->left == 0) {
        printf("  %.2f ms an iteration\n", d->total_ms / d->n);
        return RAP_OK;
    }
    d->answers = 0;
    d->t0 = now_ms();
    for (int i = 0; i < ACTORS; i++)
        rap_send(ctx, workers[i], STEP, NULL, 0);
    return RAP_OK;
}

int main(int argc, char **argv)
{
    int iters = argc > 1 ? atoi(argv[1]) : 40, half;
    rap_aid driver_aid = RAP_AID_NONE;
    rap_rebalance_info info;

    if (iters < 2)
        iters = 2;
    half = iters / 2;
    rap_msg_type_register("balance.step", 0, RAP_MSG_VAR, &STEP);
    rap_msg_type_register("balance.done", 0, RAP_MSG_VAR, &DONE);
    rap_msg_type_register("balance.go", sizeof(int), RAP_MSG_FIXED, &GO);
    rap_actor_type_register("balance.worker", sizeof(double), worker_init, NULL, &WORKER);
    rap_actor_type_register("balance.driver", sizeof(driver), NULL, NULL, &DRIVER);
    rap_actor_type_on(WORKER, STEP, worker_step);
    rap_actor_type_movable(WORKER, NULL, NULL); /* its state is plain bytes */
    rap_actor_type_on(DRIVER, GO, driver_go);
    rap_actor_type_on(DRIVER, DONE, driver_done);
    if (rap_init(&argc, &argv) != RAP_OK)
        return 1;
    if (rap_rank() == 0) {
        for (int i = 0; i < ACTORS; i++) {
            double cost = 0.2 + 1.8 * (double)((i * 7919) % ACTORS) / (ACTORS - 1); /* 0.2..2 ms */
            rap_spawn(NULL, WORKER, &cost, sizeof(cost), &workers[i]);
        }
        rap_spawn(NULL, DRIVER, NULL, 0, &driver_aid);
    }
    MPI_Bcast(workers, ACTORS, MPI_UINT64_T, 0, MPI_COMM_WORLD);

    if (rap_rank() == 0) {
        printf("%d iterations with every actor on rank 0:\n", half);
        rap_send(NULL, driver_aid, GO, &half, sizeof(half));
    }
    rap_run();
    rap_rebalance(&info);
    if (rap_rank() == 0) {
        printf("rebalance: %llu actors moved, imbalance %.2f -> %.2f predicted\n",
               (unsigned long long)info.moves, info.imbalance_before, info.imbalance_after);
        printf("%d iterations after:\n", iters - half);
        rap_send(NULL, driver_aid, GO, &(int){ iters - half }, sizeof(int));
    }
    rap_run();
    rap_finalize();
    return 0;
}
