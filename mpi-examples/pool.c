/* mpi-examples/pool.c -- a supervised worker pool: a dispatcher on rank 0
 * supervises workers it spawned on every rank (one-for-one), and asks them
 * to square numbers (rap_ask).  A worker crashes on its first try of every
 * number ending in 7 (its handler fails); the dispatcher restarts it under
 * the same id (init runs again with its spawn arguments), and the job,
 * unanswered, times out and goes to the next worker.  Every number is
 * answered, and the sum is checked.
 *
 *   mpirun -np 4 ./mpi-examples/pool [jobs] [workers-per-rank]
 */
#include <stdio.h>
#include <stdlib.h>

#include "raptors.h"

typedef struct job { int64_t n, attempt; } job;
typedef struct worker { int64_t id, done; } worker;
typedef struct dispatcher { rap_aid *w; int nw, ready, answered, crashes, restarts; int64_t sum; } dispatcher;

RAP_MESSAGE(job_msg, "pool.job", job);
RAP_MESSAGE(square_msg, "pool.square", int64_t);
static uint32_t WORKER, DISPATCHER;
static int njobs = 100, per_rank = 2;

static int worker_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    ((worker *)state)->id = *(const int64_t *)arg; /* the same after every restart */
    return RAP_OK;
}

static int on_job(rap_ctx *ctx, worker *w, rap_aid from, const job *j)
{
    if (j->n % 10 == 7 && j->attempt == 0)
        return RAP_EHANDLER; /* a crash: the dispatcher restarts this worker */
    int64_t sq = j->n * j->n;
    w->done++;
    return square_msg_reply(ctx, &sq);
}
RAP_HANDLER(job_msg, worker, on_job);

static int send_job(rap_ctx *ctx, dispatcher *d, int64_t n, int64_t attempt)
{
    job j = { n, attempt };
    return job_msg_ask(ctx, d->w[(n + attempt) % d->nw], &j, 200 * RAP_MS, (uint64_t)n);
}

static int dispatcher_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    dispatcher *d = state;
    d->nw = per_rank * rap_size();
    if ((d->w = calloc((size_t)d->nw, sizeof(rap_aid))) == NULL)
        return RAP_ENOMEM;
    for (int64_t i = 0; i < d->nw; i++) /* the answers come as RAP_MSG_SPAWNED */
        rap_spawn_on(ctx, (int)(i % rap_size()), WORKER, &i, sizeof(i), (uint64_t)i);
    return RAP_OK;
}

static int on_spawned(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    dispatcher *d = state;
    const rap_spawned *s = data;
    d->w[s->cookie] = s->aid;
    if (++d->ready == d->nw) /* all there: go */
        for (int64_t n = 1; n <= njobs; n++)
            send_job(ctx, d, n, 0);
    return RAP_OK;
}

static void on_square(rap_ctx *ctx, void *state, rap_aid from, uint64_t n, uint32_t type, const void *data, size_t len)
{
    dispatcher *d = state;
    d->sum += *(const int64_t *)data;
    if (++d->answered == njobs)
        printf("pool: %d jobs on %d workers (%d ranks): %d worker crashes, %d restarts, all answered, sum of "
               "squares %lld (%s)\n",
               njobs, d->nw, rap_size(), d->crashes, d->restarts, (long long)d->sum,
               d->sum == (int64_t)njobs * (njobs + 1) * (2 * njobs + 1) / 6 ? "OK" : "WRONG");
}

/* A crash comes to the decider; an unanswered job times out and is sent again. */
static int decide(rap_ctx *ctx, void *state, const rap_error_event *ev)
{
    dispatcher *d = state;
    d->crashes++, d->restarts++;
    return RAP_RESTART;
}

static void on_error(rap_ctx *ctx, void *state, const rap_error_event *ev)
{
    if (ev->kind == RAP_ERROR_TIMEOUT)
        send_job(ctx, state, (int64_t)ev->cookie, 1);
}

static void dispatcher_fini(rap_ctx *ctx, void *state) { free(((dispatcher *)state)->w); }

int main(int argc, char **argv)
{
    rap_aid d;
    if (argc > 1)
        njobs = atoi(argv[1]);
    if (argc > 2)
        per_rank = atoi(argv[2]);
    RAP_REGISTER(job_msg), RAP_REGISTER(square_msg);
    rap_actor_type_register("pool.worker", sizeof(worker), worker_init, NULL, &WORKER);
    RAP_ON(WORKER, job_msg, on_job);
    rap_actor_type_register("pool.dispatcher", sizeof(dispatcher), dispatcher_init, dispatcher_fini, &DISPATCHER);
    rap_actor_type_supervise(DISPATCHER, RAP_ONE_FOR_ONE, 1000, 10 * RAP_SEC); /* the default is 1 in 5 s */
    rap_actor_type_on_failure(DISPATCHER, decide);
    rap_actor_type_on(DISPATCHER, RAP_MSG_SPAWNED, on_spawned);
    rap_actor_type_on_reply(DISPATCHER, on_square);
    rap_actor_type_on_error(DISPATCHER, on_error);
    if (rap_init(&argc, &argv) != RAP_OK || njobs < 1 || per_rank < 1)
        return 1;
    if (rap_rank() == 0)
        rap_spawn(NULL, DISPATCHER, NULL, 0, &d);
    int rc = rap_run();
    rap_finalize();
    return rc == RAP_OK ? 0 : 1;
}
