/* Public API argument checking: every call validates its arguments and
 * state and returns the documented code; nothing crashes.  The lifecycle
 * calls refuse to run inside a handler; the runtime's message types cannot
 * be sent. */
#include <stdatomic.h>
#include <string.h>

#include "support/mpitest.h"

static uint32_t FIX, VAR, ECHO, SINK;
static _Atomic int zero_copy_ok;

static int sink_var(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)state, (void)from;
    if (len == 5 && memcmp(data, "hello", 5) == 0)
        atomic_fetch_add(&zero_copy_ok, 1);
    return RAP_OK;
}

static int echo_fix(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    int argc = 0;
    char **argv = NULL;

    (void)state;
    /* The lifecycle belongs to the application's thread, never a handler. */
    MT_CHECK(rap_run() == RAP_ESTATE);
    MT_CHECK(rap_finalize() == RAP_ESTATE);
    MT_CHECK(rap_progress() == RAP_ESTATE);
    MT_CHECK(rap_init(&argc, &argv) == RAP_ESTATE);
    MT_CHECK(rap_exit(NULL) == RAP_EINVAL);
    MT_CHECK(rap_self(ctx) != RAP_AID_NONE);
    MT_CHECK(RAP_AID_RANK(rap_self(ctx)) == rap_rank());
    (void)from, (void)data, (void)len;
    return RAP_OK;
}

int main(int argc, char **argv)
{
    rap_aid sink = RAP_AID_NONE, local;
    rap_msg *m = NULL;
    rap_stats st;
    uint64_t big = 0;
    char buf[64] = { 0 };

    /* Before rap_init. */
    MT_CHECK(rap_rank() == -1 && rap_size() == -1 && rap_workers() == 0);
    MT_CHECK(rap_exit_status() == 0);
    MT_CHECK(strcmp(rap_version(), "") != 0);
    MT_CHECK(rap_send(NULL, 1, 1, NULL, 0) == RAP_ESTATE);
    MT_CHECK(rap_spawn(NULL, 1, NULL, 0, &local) == RAP_ESTATE);
    MT_CHECK(rap_run() == RAP_ESTATE);
    MT_CHECK(rap_finalize() == RAP_ESTATE);
    MT_CHECK(rap_progress() == RAP_ESTATE);
    MT_CHECK(rap_stop(NULL) == RAP_ESTATE);
    MT_CHECK(rap_stats_get(&st) == RAP_ESTATE);
    MT_CHECK(rap_log(NULL, RAP_LOG_INFO, "x") == RAP_ESTATE);
    MT_CHECK(rap_init(&argc, NULL) == RAP_EINVAL);

    MT_OK(rap_msg_type_register("api.fix", 8, RAP_MSG_FIXED, &FIX));
    MT_OK(rap_msg_type_register("api.var", 16, RAP_MSG_VAR, &VAR));
    MT_OK(rap_actor_type_register("api.echo", 0, NULL, NULL, &ECHO));
    MT_OK(rap_actor_type_register("api.sink", 0, NULL, NULL, &SINK));
    MT_OK(rap_actor_type_on(ECHO, FIX, echo_fix));
    MT_OK(rap_actor_type_on(SINK, VAR, sink_var));
    MT_OK(rap_init(&argc, &argv));
    if (rap_size() < 2)
        MT_SKIP("needs 2 ranks");
    MT_CHECK(rap_init(&argc, &argv) == RAP_ESTATE);
    MT_CHECK(rap_msg_type_register("api.late", 8, RAP_MSG_FIXED, NULL) == RAP_ESTATE);
    MT_CHECK(rap_actor_type_register("api.late", 0, NULL, NULL, NULL) == RAP_ESTATE);
    MT_CHECK(rap_actor_type_on(ECHO, VAR, sink_var) == RAP_ESTATE);
    MT_CHECK(rap_workers() >= 1);
    MT_CHECK(rap_appnum() == 0);
    MT_CHECK(rap_self(NULL) == RAP_AID_NONE);
    MT_CHECK(rap_stats_get(NULL) == RAP_EINVAL);

    MT_OK(rap_spawn(NULL, ECHO, NULL, 0, &local));
    if (rap_rank() == 1)
        MT_OK(rap_spawn(NULL, SINK, NULL, 0, &sink));
    MPI_Bcast(&sink, 1, MPI_UINT64_T, 1, MPI_COMM_WORLD);

    /* rap_send */
    MT_CHECK(rap_send(NULL, RAP_AID_NONE, FIX, buf, 8) == RAP_EINVAL);
    MT_CHECK(rap_send(NULL, (uint64_t)99 << RAP_AID_SERIAL_BITS | 16, FIX, buf, 8) == RAP_EINVAL);
    MT_CHECK(rap_send(NULL, local & ~((UINT64_C(1) << RAP_AID_SERIAL_BITS) - 1), FIX, buf, 8) == RAP_EINVAL);
    MT_CHECK(rap_send(NULL, local, 0xabcdef12u, buf, 8) == RAP_ENOTYPE);
    MT_CHECK(rap_send(NULL, local, FIX, buf, 7) == RAP_EINVAL);
    MT_CHECK(rap_send(NULL, local, FIX, NULL, 8) == RAP_EINVAL);
    MT_CHECK(rap_send(NULL, local, VAR, buf, 17) == RAP_ETOOBIG);
    /* The runtime's own types: no forged spawn answers or destroys. */
    rap_spawned forged = { 7, local };
    MT_CHECK(rap_send(NULL, local, RAP_MSG_SPAWNED, &forged, sizeof(forged)) == RAP_EINVAL);
    MT_CHECK(rap_send(NULL, local, RAP_MSG_DESTROY, NULL, 0) == RAP_EINVAL);
    MT_CHECK(rap_msg_alloc(NULL, RAP_MSG_SPAWNED, sizeof(forged), &m) == RAP_EINVAL);
    MT_OK(rap_send(NULL, local, FIX, &big, sizeof(big)));
    /* zero-copy */
    MT_CHECK(rap_msg_alloc(NULL, VAR, 17, &m) == RAP_ETOOBIG);
    MT_CHECK(rap_msg_alloc(NULL, 0xabcdef12u, 1, &m) == RAP_ENOTYPE);
    MT_CHECK(rap_msg_alloc(NULL, VAR, 5, NULL) == RAP_EINVAL);
    MT_CHECK(m == NULL);
    MT_OK(rap_msg_alloc(NULL, VAR, 5, &m));
    memcpy(rap_msg_data(m), "hello", 5);
    MT_CHECK(rap_msg_send(NULL, RAP_AID_NONE, m) == RAP_EINVAL); /* still ours */
    MT_OK(rap_msg_send(NULL, sink, m));                            /* now the runtime's */
    MT_CHECK(rap_msg_send(NULL, sink, NULL) == RAP_EINVAL);
    MT_OK(rap_msg_alloc(NULL, VAR, 3, &m));
    rap_msg_free(m);
    rap_msg_free(NULL);
    MT_CHECK(rap_msg_data(NULL) == NULL);
    /* actors */
    MT_CHECK(rap_destroy(NULL, RAP_AID_NONE) == RAP_EINVAL);
    MT_CHECK(rap_destroy(NULL, (uint64_t)rap_rank() << RAP_AID_SERIAL_BITS | 1) == RAP_EINVAL); /* System */
    MT_CHECK(rap_exit(NULL) == RAP_EINVAL);
    MT_CHECK(rap_spawn(NULL, ECHO, NULL, 3, &local) == RAP_EINVAL);
    MT_OK(rap_run());
    if (rap_rank() == 1)
        MT_CHECK(atomic_load(&zero_copy_ok) == rap_size()); /* one from each rank */
    MT_OK(rap_finalize());
    MT_CHECK(rap_finalize() == RAP_ESTATE);
    return 0;
}
