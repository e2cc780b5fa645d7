/* MPMD, the coordinator executable: `mpiexec -np 1 mpmd_coord : -np 2
 * mpmd_worker`.  Only this executable has the coordinator type and only
 * the other has the worker type; spawn-by-type must find the workers'
 * ranks, and refuse what no rank (or the named rank) can host.
 * The coordinator supervises a worker of the other executable: two jobs,
 * a failure, a job: the failure reaches it (its decider), the worker is
 * restarted there (the last job is the new instance's first).
 * With MPMD_MISMATCH=1 it registers "mpmd.job" with another size, and
 * rap_init must fail with RAP_ECOLLIDE on every rank. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "support/mpitest.h"
#include "mpmd.h"

static uint32_t JOB, DONE, COORD, WORKER, SWORKER, SJOB, SDONE;
static _Atomic int answers, wrong, refused, decided, sdone_last = -1, sdones;
static _Atomic int moved_to = -1; /* where job 1's worker was sent */

static int coord_start(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    uint32_t nobody;
    (void)state, (void)from, (void)data, (void)len;
    rap_type_id("mpmd.nobody", &nobody);
    MT_CHECK(rap_spawn_on(ctx, RAP_ANY_RANK, nobody, NULL, 0, 0) == RAP_ENOTYPE);
    MT_CHECK(rap_spawn_on(ctx, 0, WORKER, NULL, 0, 0) == RAP_ENOHOST);  /* we lack it */
    MT_CHECK(rap_spawn_on(ctx, 1, COORD, NULL, 0, 0) == RAP_ENOHOST);   /* they lack it */
    MT_CHECK(rap_spawn(ctx, WORKER, NULL, 0, &(rap_aid){ 0 }) == RAP_ENOTYPE);
    for (int i = 0; i < MPMD_JOBS; i++)
        MT_OK(rap_spawn_on(ctx, RAP_ANY_RANK, WORKER, NULL, 0, (uint64_t)i));
    MT_OK(rap_spawn_on(ctx, 2, SWORKER, NULL, 0, 100));
    return RAP_OK;
}

static int coord_decide(rap_ctx *ctx, void *state, const rap_error_event *ev)
{
    (void)ctx, (void)state;
    if (ev->kind == RAP_ERROR_CHILD && ev->code == RAP_EHANDLER && ev->msg_type == SJOB && RAP_AID_RANK(ev->actor) == 2)
        atomic_fetch_add(&decided, 1);
    return RAP_RESTART;
}

static int coord_sdone(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    int64_t count;
    (void)ctx, (void)state, (void)from, (void)len;
    memcpy(&count, data, sizeof(count));
    atomic_store(&sdone_last, (int)count);
    atomic_fetch_add(&sdones, 1);
    return RAP_OK;
}

static int coord_spawned(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    const rap_spawned *s = data;
    mpmd_job j = { (int64_t)s->cookie + 3 };
    (void)state, (void)from, (void)len;
    if (s->cookie == 100) { /* the supervised worker: 2 jobs, a failure, 1 job */
        const int64_t script[4] = { 1, 2, 0, 3 };
        for (int i = 0; i < 4; i++)
            MT_OK(rap_send(ctx, s->aid, SJOB, &script[i], sizeof(script[i])));
        return RAP_OK;
    }
    if (RAP_AID_RANK(s->aid) == 0)
        atomic_fetch_add(&wrong, 1);
    if (s->cookie == 0) /* to a rank without the type: refused */
        MT_OK(rap_migrate(ctx, s->aid, 0));
    if (s->cookie == 1) { /* to the other worker rank */
        int to = RAP_AID_RANK(s->aid) == 1 ? 2 : 1;
        atomic_store(&moved_to, to);
        MT_OK(rap_migrate(ctx, s->aid, to));
    }
    return rap_send(ctx, s->aid, JOB, &j, sizeof(j));
}

static int coord_done(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    const mpmd_done *d = data;
    (void)ctx, (void)state, (void)len;
    int where = d->n == 1 + 3 ? atomic_load(&moved_to) : RAP_AID_RANK(from);
    if (d->square != d->n * d->n || d->appnum != 1 || d->rank != where)
        atomic_fetch_add(&wrong, 1);
    atomic_fetch_add(&answers, 1);
    return RAP_OK;
}

static void coord_error(rap_ctx *ctx, void *state, const rap_error_event *ev)
{
    (void)ctx, (void)state;
    if (ev->kind == RAP_ERROR_MIGRATE && ev->code == RAP_ENOHOST && ev->cookie == 0)
        atomic_fetch_add(&refused, 1);
    else
        atomic_fetch_add(&wrong, 1);
}

int main(int argc, char **argv)
{
    rap_aid me;
    uint32_t START;
    int rc;
    size_t jobsize = getenv("MPMD_MISMATCH") ? sizeof(mpmd_job) + 8 : sizeof(mpmd_job);

    MT_OK(rap_msg_type_register("mpmd.job", jobsize, RAP_MSG_FIXED, &JOB));
    MT_OK(rap_msg_type_register("mpmd.done", sizeof(mpmd_done), RAP_MSG_FIXED, &DONE));
    MT_OK(rap_msg_type_register("mpmd.start", 0, RAP_MSG_VAR, &START));
    MT_OK(rap_actor_type_register("mpmd.coordinator", 0, NULL, NULL, &COORD));
    MT_OK(rap_type_id("mpmd.worker", &WORKER));
    MT_OK(rap_actor_type_on(COORD, START, coord_start));
    MT_OK(rap_actor_type_on(COORD, RAP_MSG_SPAWNED, coord_spawned));
    MT_OK(rap_actor_type_on(COORD, DONE, coord_done));
    MT_OK(rap_actor_type_on_error(COORD, coord_error));
    MT_OK(rap_msg_type_register("mpmd.sjob", sizeof(int64_t), RAP_MSG_FIXED, &SJOB));
    MT_OK(rap_msg_type_register("mpmd.sdone", sizeof(int64_t), RAP_MSG_FIXED, &SDONE));
    MT_OK(rap_type_id("mpmd.sworker", &SWORKER));
    MT_OK(rap_actor_type_supervise(COORD, RAP_ONE_FOR_ONE, 0, 0));
    MT_OK(rap_actor_type_on_failure(COORD, coord_decide));
    MT_OK(rap_actor_type_on(COORD, SDONE, coord_sdone));
    rc = rap_init(&argc, &argv);
    if (getenv("MPMD_MISMATCH")) {
        if (rc != RAP_ECOLLIDE) {
            fprintf(stderr, "FAIL: coordinator: rap_init returned %s, not RAP_ECOLLIDE\n", rap_err_name(rc));
            return 1;
        }
        return 0; /* rap_init finalised the MPI it had initialised */
    }
    MT_OK(rc);
    MT_CHECK(rap_appnum() == 0);
    MT_CHECK(rap_rank() == 0);
    MT_OK(rap_spawn(NULL, COORD, NULL, 0, &me));
    MT_OK(rap_send(NULL, me, START, NULL, 0));
    MT_OK(rap_run());
    MT_CHECK(atomic_load(&answers) == MPMD_JOBS);
    MT_CHECK(atomic_load(&wrong) == 0);
    MT_CHECK(atomic_load(&refused) == 1);
    MT_CHECK(atomic_load(&decided) == 1);                              /* across executables */
    MT_CHECK(atomic_load(&sdones) == 3 && atomic_load(&sdone_last) == 1); /* restarted: its first job */
    MT_OK(rap_finalize());
    printf("mpmd: %d jobs answered by the worker executable\n", MPMD_JOBS);
    return 0;
}
