/* Monitors on 2 ranks: a watcher on rank 0 watches an actor on rank 1
 * (ends by rap_exit), one on rank 0 (destroyed), one that does not exist
 * (RAP_EDEAD at once), and a movable one that moves to rank 1 and ends
 * there (its home hears of it); a second watcher on rank 1 watches the
 * first target too.  Each watcher gets exactly one RAP_ERROR_DOWN per
 * monitor, with the right actor and code, and nothing before the end;
 * bad arguments.  Checks are on values and counts. */
#include <stdatomic.h>
#include <string.h>

#include "support/mpitest.h"

static uint32_t GO, EXIT, WATCHER, PLAIN, MOVER;
enum { MAXEV = 16 };
typedef struct ev { rap_aid actor; int code; } ev;
static ev seen[MAXEV];
static _Atomic int nseen, others;

typedef struct targets { rap_aid t1, t2, ghost, t3; } targets;

static void watcher_error(rap_ctx *ctx, void *state, const rap_error_event *e)
{
    (void)ctx, (void)state;
    if (e->kind != RAP_ERROR_DOWN) {
        atomic_fetch_add(&others, 1);
        return;
    }
    int i = atomic_fetch_add(&nseen, 1);
    MT_CHECK(i < MAXEV);
    seen[i] = (ev){ e->actor, e->code };
}

static int watcher_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    targets t = { 0 };
    (void)state, (void)from;
    memcpy(&t, data, len);
    MT_CHECK(rap_monitor(ctx, RAP_AID_NONE) == RAP_EINVAL);
    MT_CHECK(rap_monitor(ctx, (rap_aid)1 << RAP_AID_SERIAL_BITS | 1) == RAP_EINVAL); /* rank 1's System actor */
    MT_CHECK(rap_monitor(ctx, (rap_aid)999 << RAP_AID_SERIAL_BITS | 20) == RAP_EINVAL);
    if (len == sizeof(rap_aid)) /* the second watcher: the first target only */
        return rap_monitor(ctx, t.t1);
    MT_OK(rap_monitor(ctx, t.t1));
    MT_OK(rap_monitor(ctx, t.t2));
    MT_OK(rap_monitor(ctx, t.ghost));
    return rap_monitor(ctx, t.t3);
}

static int target_exit(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)state, (void)from, (void)data, (void)len;
    return rap_exit(ctx);
}

static int find(rap_aid actor, int code)
{
    int n = 0;
    for (int i = 0; i < atomic_load(&nseen); i++)
        n += seen[i].actor == actor && seen[i].code == code;
    return n;
}

int main(int argc, char **argv)
{
    targets t = { 0 };
    rap_aid w = RAP_AID_NONE, w2 = RAP_AID_NONE, t1 = RAP_AID_NONE;

    MT_CHECK(rap_monitor(NULL, 1) == RAP_ESTATE);
    MT_OK(rap_msg_type_register("mon.go", sizeof(targets), RAP_MSG_VAR, &GO));
    MT_OK(rap_msg_type_register("mon.exit", 0, RAP_MSG_VAR, &EXIT));
    MT_OK(rap_actor_type_register("mon.watcher", 0, NULL, NULL, &WATCHER));
    MT_OK(rap_actor_type_on(WATCHER, GO, watcher_go));
    MT_OK(rap_actor_type_on_error(WATCHER, watcher_error));
    MT_OK(rap_actor_type_register("mon.plain", 0, NULL, NULL, &PLAIN));
    MT_OK(rap_actor_type_on(PLAIN, EXIT, target_exit));
    MT_OK(rap_actor_type_register("mon.mover", 8, NULL, NULL, &MOVER));
    MT_OK(rap_actor_type_on(MOVER, EXIT, target_exit));
    MT_OK(rap_actor_type_movable(MOVER, NULL, NULL));
    MT_OK(rap_init(&argc, &argv));
    if (rap_size() != 2)
        MT_SKIP("needs 2 ranks");
    int rank = rap_rank();
    if (rank == 1)
        MT_OK(rap_spawn(NULL, PLAIN, NULL, 0, &t1));
    MPI_Bcast(&t1, 1, MPI_UINT64_T, 1, MPI_COMM_WORLD);
    t.t1 = t1;
    t.ghost = t1 + 1000; /* rank 1 never made it */
    if (rank == 0) {
        MT_CHECK(rap_monitor(NULL, t1) == RAP_EINVAL); /* not from an actor */
        MT_OK(rap_spawn(NULL, PLAIN, NULL, 0, &t.t2));
        MT_OK(rap_spawn(NULL, MOVER, NULL, 0, &t.t3));
        MT_OK(rap_spawn(NULL, WATCHER, NULL, 0, &w));
        MT_OK(rap_send(NULL, w, GO, &t, sizeof(t)));
    } else {
        MT_OK(rap_spawn(NULL, WATCHER, NULL, 0, &w2));
        MT_OK(rap_send(NULL, w2, GO, &t, sizeof(rap_aid)));
    }
    MT_OK(rap_run());
    /* Only the one that never was, so far. */
    if (rank == 0) {
        MT_CHECK(atomic_load(&nseen) == 1);
        MT_CHECK(find(t.ghost, RAP_EDEAD) == 1);
    } else {
        MT_CHECK(atomic_load(&nseen) == 0);
    }
    MPI_Bcast(&t, sizeof(t), MPI_BYTE, 0, MPI_COMM_WORLD);

    /* The movable one moves to rank 1. */
    if (rank == 0)
        MT_OK(rap_migrate(NULL, t.t3, 1));
    MT_OK(rap_run());

    /* All end: t1 and t3 on rank 1 by rap_exit, t2 on rank 0 destroyed. */
    if (rank == 0) {
        MT_OK(rap_send(NULL, t.t1, EXIT, NULL, 0));
        MT_OK(rap_send(NULL, t.t3, EXIT, NULL, 0));
        MT_OK(rap_destroy(NULL, t.t2));
    }
    MT_OK(rap_run());
    if (rank == 0) {
        MT_CHECK(atomic_load(&nseen) == 4);
        MT_CHECK(find(t.t1, RAP_OK) == 1);
        MT_CHECK(find(t.t2, RAP_OK) == 1);
        MT_CHECK(find(t.t3, RAP_OK) == 1);
    } else {
        MT_CHECK(atomic_load(&nseen) == 1);
        MT_CHECK(find(t.t1, RAP_OK) == 1);
    }
    MT_CHECK(atomic_load(&others) == 0);
    MT_OK(rap_finalize());
    return 0;
}
