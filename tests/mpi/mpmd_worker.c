/* MPMD, the worker executable (see mpmd_coord.c). */
#include <stdlib.h>
#include <string.h>

#include "support/mpitest.h"
#include "mpmd.h"

static uint32_t JOB, DONE, EXTRA, WORKER, SWORKER, SJOB, SDONE;

/* The supervised worker: counts its jobs; a job of 0 fails it. */
static int sworker_job(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    int64_t n, *count = state;
    (void)len;
    memcpy(&n, data, sizeof(n));
    if (n == 0)
        return RAP_EHANDLER;
    ++*count;
    return rap_send(ctx, from, SDONE, count, sizeof(*count));
}

static int worker_job(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    const mpmd_job *j = data;
    mpmd_done d = { j->n, j->n * j->n, rap_appnum(), rap_rank() };
    (void)state, (void)len;
    if (j->n == 3) /* once: a type only this executable registered (mpmd.sh checks the log) */
        MT_OK(rap_send(ctx, from, EXTRA, NULL, 0));
    return rap_send(ctx, from, DONE, &d, sizeof(d));
}

int main(int argc, char **argv)
{
    int rc;

    MT_OK(rap_msg_type_register("mpmd.job", sizeof(mpmd_job), RAP_MSG_FIXED, &JOB));
    MT_OK(rap_msg_type_register("mpmd.done", sizeof(mpmd_done), RAP_MSG_FIXED, &DONE));
    MT_OK(rap_msg_type_register("mpmd.extra", 0, RAP_MSG_VAR, &EXTRA));
    MT_OK(rap_actor_type_register("mpmd.worker", 0, NULL, NULL, &WORKER));
    MT_OK(rap_actor_type_on(WORKER, JOB, worker_job));
    MT_OK(rap_actor_type_movable(WORKER, NULL, NULL));
    MT_OK(rap_msg_type_register("mpmd.sjob", sizeof(int64_t), RAP_MSG_FIXED, &SJOB));
    MT_OK(rap_msg_type_register("mpmd.sdone", sizeof(int64_t), RAP_MSG_FIXED, &SDONE));
    MT_OK(rap_actor_type_register("mpmd.sworker", sizeof(int64_t), NULL, NULL, &SWORKER));
    MT_OK(rap_actor_type_on(SWORKER, SJOB, sworker_job));
    rc = rap_init(&argc, &argv);
    if (getenv("MPMD_MISMATCH")) {
        if (rc != RAP_ECOLLIDE) {
            fprintf(stderr, "FAIL: worker: rap_init returned %s, not RAP_ECOLLIDE\n", rap_err_name(rc));
            return 1;
        }
        return 0; /* rap_init finalised the MPI it had initialised */
    }
    MT_OK(rc);
    MT_CHECK(rap_appnum() == 1);
    MT_OK(rap_run());
    MT_OK(rap_finalize());
    return 0;
}
