/* Errors and log lines name types and actors by their registered names:
 * a dead letter, an unhandled message, a failing handler and an error
 * event for an actor without an error handler each leave a log line that
 * names the message type and the actor's type (ids alone would not do). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/mpitest.h"

static uint32_t PING, ODD, FAILS, GO, ASKER, TARGET;

static int target_ping(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)state, (void)from, (void)data, (void)len;
    return RAP_OK;
}

static int target_fails(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)state, (void)from, (void)data, (void)len;
    return RAP_EINVAL;
}

/* Send the target an unhandled message and a failing one, and a message
 * to an actor that never existed (this asker has no error handler). */
static int asker_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    rap_aid target = *(const rap_aid *)data;
    rap_aid ghost = (target & ~((UINT64_C(1) << RAP_AID_SERIAL_BITS) - 1)) | 777777u;
    (void)state, (void)from, (void)len;
    MT_OK(rap_send(ctx, target, ODD, NULL, 0));
    MT_OK(rap_send(ctx, target, FAILS, NULL, 0));
    MT_OK(rap_send(ctx, ghost, PING, NULL, 0));
    return RAP_OK;
}

static int has(const char *path, const char *a, const char *b)
{
    char line[4096];
    int found = 0;
    FILE *f = fopen(path, "r");

    MT_CHECK(f != NULL);
    while (!found && fgets(line, sizeof(line), f) != NULL)
        found = strstr(line, a) != NULL && (b == NULL || strstr(line, b) != NULL);
    fclose(f);
    if (!found)
        fprintf(stderr, "no log line with \"%s\" and \"%s\"\n", a, b ? b : "");
    return found;
}

int main(int argc, char **argv)
{
    int provided, wrank;
    char path[128];
    rap_aid asker, target = RAP_AID_NONE;

    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    snprintf(path, sizeof(path), "/tmp/raptors-names-%d.log", (int)getpid());
    if (wrank == 0)
        setenv("RAPTORS_LOG_FILE", path, 1);
    MT_OK(rap_msg_type_register("names.ping", 0, RAP_MSG_VAR, &PING));
    MT_OK(rap_msg_type_register("names.odd", 0, RAP_MSG_VAR, &ODD));
    MT_OK(rap_msg_type_register("names.fails", 0, RAP_MSG_VAR, &FAILS));
    MT_OK(rap_msg_type_register("names.go", sizeof(rap_aid), RAP_MSG_FIXED, &GO));
    MT_OK(rap_actor_type_register("names.asker", 0, NULL, NULL, &ASKER));
    MT_OK(rap_actor_type_register("names.target", 0, NULL, NULL, &TARGET));
    MT_OK(rap_actor_type_on(ASKER, GO, asker_go));
    MT_OK(rap_actor_type_on(TARGET, PING, target_ping));
    MT_OK(rap_actor_type_on(TARGET, FAILS, target_fails));
    MT_OK(rap_init(&argc, &argv));
    if (rap_size() < 2)
        MT_SKIP("needs 2 ranks");
    if (rap_rank() == 1)
        MT_OK(rap_spawn(NULL, TARGET, NULL, 0, &target));
    MPI_Bcast(&target, 1, MPI_UINT64_T, 1, MPI_COMM_WORLD);
    if (rap_rank() == 0) {
        MT_OK(rap_spawn(NULL, ASKER, NULL, 0, &asker));
        MT_OK(rap_send(NULL, asker, GO, &target, sizeof(target)));
        /* From outside actors: nobody to tell but the log. */
        MT_OK(rap_send(NULL, target, ODD, NULL, 0));
        MT_OK(rap_send(NULL, (uint64_t)1 << RAP_AID_SERIAL_BITS | 999999u, PING, NULL, 0));
    }
    MT_OK(rap_run());
    if (rap_rank() == 0) {
        MT_CHECK(has(path, "(names.asker) has no error handler: unhandled message (RAP_EUNHANDLED)",
                     "(names.target), message type names.odd"));
        MT_CHECK(has(path, "(names.asker) has no error handler: dead letter (RAP_EDEAD)",
                     "message type names.ping"));
        MT_CHECK(has(path, "(names.target) has no handler for message type names.odd", NULL));
        MT_CHECK(has(path, "dead letter: message names.ping to 1:999999, which does not exist, from "
                           "outside actors", NULL));
        MT_CHECK(has(path, "(names.target): its handler for names.fails returned -1 (RAP_EINVAL", NULL));
    }
    MT_OK(rap_finalize());
    if (wrank == 0)
        unlink(path);
    MPI_Finalize();
    return 0;
}
