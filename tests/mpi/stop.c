/* rap_stop: actors on every rank pass messages forever; after a while an
 * actor on rank 0 and one on the last rank each log an ERROR line and stop
 * the job, with exit statuses 3 and 5 (the second may come too late: the
 * first stop ends the play).  rap_run must return RAP_ESTOPPED on every
 * rank, rap_exit_status() must be the largest status of the stops that
 * happened, on every rank, and the line of each stopper must be in the
 * job's log file (the Logger keeps working while the job stops).  Then the job runs again: bounded work completes
 * exactly, rap_run returns RAP_OK and the exit status is 0. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/mpitest.h"

enum { BEFORE_STOP = 2000, SECOND_RUN_HOPS = 100 };

static uint32_t BALL, SETNEXT, PLAYER;
static _Atomic long hits, second_hits;
static _Atomic int phase, stopped, status_used = -1;

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
        int r = rap_rank(), last = rap_size() - 1;
        if (n >= BEFORE_STOP && (r == 0 || r == last) && atomic_exchange(&stopped, 1) == 0) {
            MT_OK(rap_log(ctx, RAP_LOG_ERROR, "fatal on rank %d: stopping the job", r));
            atomic_store(&status_used, r == 0 ? 3 : 5);
            MT_OK(rap_stop_with(ctx, r == 0 ? 3 : 5));
        }
        return rap_send(ctx, *(rap_aid *)state, BALL, &b, sizeof(b)); /* forever */
    }
    atomic_fetch_add(&second_hits, 1);
    if (--b.hops_left > 0)
        return rap_send(ctx, *(rap_aid *)state, BALL, &b, sizeof(b));
    return RAP_OK;
}

/* Whether the file holds a line containing `text`. */
static int log_has(const char *path, const char *text)
{
    char line[4096];
    int found = 0;
    FILE *f = fopen(path, "r");

    MT_CHECK(f != NULL);
    while (!found && fgets(line, sizeof(line), f) != NULL)
        found = strstr(line, text) != NULL;
    fclose(f);
    return found;
}

int main(int argc, char **argv)
{
    rap_aid me, *all;
    int rank, size, provided, wrank, used, largest, last_stopped;
    long mine, total;
    ball b = { 0 };
    char path[128], want[64];

    /* MPI first, so that rank 0 alone names the log file. */
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    snprintf(path, sizeof(path), "/tmp/raptors-stop-%d.log", (int)getpid());
    if (wrank == 0)
        setenv("RAPTORS_LOG_FILE", path, 1);
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
    MT_CHECK(rap_stop_with(NULL, 256) == RAP_EINVAL);
    MT_CHECK(rap_stop_with(NULL, -1) == RAP_EINVAL);
    /* Several balls in flight at once, one from each rank. */
    MT_OK(rap_send(NULL, me, BALL, &b, sizeof(b)));
    MT_CHECK(rap_run() == RAP_ESTOPPED); /* returns only because of the stops */
    used = atomic_load(&status_used);
    MPI_Allreduce(&used, &largest, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MT_CHECK(largest == 3 || largest == 5);
    MT_CHECK(rap_exit_status() == largest);
    last_stopped = rank == size - 1 && used >= 0;
    MPI_Bcast(&last_stopped, 1, MPI_INT, size - 1, MPI_COMM_WORLD);

    mine = atomic_load(&hits);
    MPI_Allreduce(&mine, &total, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    MT_CHECK(total >= BEFORE_STOP);
    if (rank == 0) { /* every line logged before a stop is in the log */
        if (used >= 0)
            MT_CHECK(log_has(path, "ERROR fatal on rank 0: stopping the job"));
        snprintf(want, sizeof(want), "ERROR fatal on rank %d: stopping the job", size - 1);
        if (last_stopped)
            MT_CHECK(log_has(path, want));
    }

    /* Second run: the stop is over; bounded work completes exactly. */
    atomic_store(&phase, 1);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        b.hops_left = SECOND_RUN_HOPS;
        MT_OK(rap_send(NULL, me, BALL, &b, sizeof(b)));
    }
    MT_OK(rap_run());
    MT_CHECK(rap_exit_status() == 0);
    mine = atomic_load(&second_hits);
    MPI_Allreduce(&mine, &total, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    MT_CHECK(total == SECOND_RUN_HOPS);
    free(all);
    MT_OK(rap_finalize());
    if (rank == 0)
        unlink(path);
    MPI_Finalize();
    return 0;
}
