/* Dead letters and error events: messages to a destroyed actor, to ids
 * that never existed (remote and local), a destroy of a destroyed actor,
 * a message type the target does not handle, and a child's failing
 * handler all come back to the sender's (or supervisor's) error handler
 * with the right kind, code and actor. */
#include <stdatomic.h>
#include <stdlib.h>

#include "support/mpitest.h"

static uint32_t PING, GONE, ODD, FAIL, START, PROBER, VICTIM, TARGET;
static _Atomic int dead, unhandled, child, wrong, victim_fini;

typedef struct prober {
    rap_aid victim, target, ghost_remote, ghost_local;
    int gone;
} prober;

/* Runs once both the spawn reply and the victim's last word are in: they
 * travel on different tags (system and actor kinds), so either may be first. */
static int probe(rap_ctx *ctx, prober *p)
{
    int x = 1;
    if (p->target == RAP_AID_NONE || !p->gone)
        return RAP_OK;
    p->ghost_remote = ((uint64_t)(rap_size() - 1) << RAP_AID_SERIAL_BITS) | 999999u;
    p->ghost_local = ((uint64_t)rap_rank() << RAP_AID_SERIAL_BITS) | 888888u;
    MT_OK(rap_send(ctx, p->victim, PING, &x, sizeof(x)));       /* destroyed */
    MT_OK(rap_send(ctx, p->ghost_remote, PING, &x, sizeof(x))); /* never existed */
    MT_OK(rap_send(ctx, p->ghost_local, PING, &x, sizeof(x)));  /* never existed, local */
    MT_OK(rap_destroy(ctx, p->victim));                         /* already destroyed */
    MT_OK(rap_send(ctx, p->target, ODD, &x, sizeof(x)));        /* not handled */
    MT_OK(rap_send(ctx, p->target, FAIL, &x, sizeof(x)));       /* handler fails */
    return RAP_OK;
}

static int prober_start(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    prober *p = state;
    (void)from, (void)len;
    p->victim = *(const rap_aid *)data;
    /* Spawned by us, so we supervise it. */
    MT_OK(rap_spawn_on(ctx, rap_size() - 1, TARGET, NULL, 0, 5));
    return rap_destroy(ctx, p->victim);
}

static int prober_spawned(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    prober *p = state;
    (void)from, (void)len;
    p->target = ((const rap_spawned *)data)->aid;
    return probe(ctx, p);
}

static int prober_gone(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    prober *p = state;
    (void)from, (void)data, (void)len;
    p->gone = 1;
    return probe(ctx, p);
}

static void prober_error(rap_ctx *ctx, void *state, const rap_error_event *ev)
{
    prober *p = state;
    (void)ctx;
    switch (ev->kind) {
    case RAP_ERROR_DEAD_LETTER:
        if (ev->code != RAP_EDEAD ||
            !(ev->actor == p->victim || ev->actor == p->ghost_remote || ev->actor == p->ghost_local))
            atomic_fetch_add(&wrong, 1);
        atomic_fetch_add(&dead, 1);
        break;
    case RAP_ERROR_UNHANDLED:
        if (ev->code != RAP_EUNHANDLED || ev->actor != p->target || ev->msg_type != ODD)
            atomic_fetch_add(&wrong, 1);
        atomic_fetch_add(&unhandled, 1);
        break;
    case RAP_ERROR_CHILD:
        if (ev->code != RAP_ERANGE || ev->actor != p->target || ev->msg_type != FAIL)
            atomic_fetch_add(&wrong, 1);
        atomic_fetch_add(&child, 1);
        break;
    default:
        atomic_fetch_add(&wrong, 1);
    }
}

static void victim_finish(rap_ctx *ctx, void *state)
{
    int x = 0;
    atomic_fetch_add(&victim_fini, 1);
    MT_OK(rap_send(ctx, *(rap_aid *)state, GONE, &x, sizeof(x)));
}

static int victim_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    (void)ctx, (void)len;
    *(rap_aid *)state = *(const rap_aid *)arg;
    return RAP_OK;
}

static int target_fail(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)state, (void)from, (void)data, (void)len;
    return RAP_ERANGE;
}

int main(int argc, char **argv)
{
    rap_aid victim = RAP_AID_NONE, prober_id = RAP_AID_NONE;
    int size, rank, x = 7;
    rap_stats st;
    uint64_t mine, total;

    MT_OK(rap_msg_type_register("dl.ping", sizeof(int), RAP_MSG_FIXED, &PING));
    MT_OK(rap_msg_type_register("dl.gone", sizeof(int), RAP_MSG_FIXED, &GONE));
    MT_OK(rap_msg_type_register("dl.odd", sizeof(int), RAP_MSG_FIXED, &ODD));
    MT_OK(rap_msg_type_register("dl.fail", sizeof(int), RAP_MSG_FIXED, &FAIL));
    MT_OK(rap_msg_type_register("dl.start", sizeof(rap_aid), RAP_MSG_FIXED, &START));
    MT_OK(rap_actor_type_register("dl.prober", sizeof(prober), NULL, NULL, &PROBER));
    MT_OK(rap_actor_type_register("dl.victim", sizeof(rap_aid), victim_init, victim_finish, &VICTIM));
    MT_OK(rap_actor_type_register("dl.target", 0, NULL, NULL, &TARGET));
    MT_OK(rap_actor_type_on(PROBER, START, prober_start));
    MT_OK(rap_actor_type_on(PROBER, GONE, prober_gone));
    MT_OK(rap_actor_type_on(PROBER, RAP_MSG_SPAWNED, prober_spawned));
    MT_OK(rap_actor_type_on_error(PROBER, prober_error));
    MT_OK(rap_actor_type_on(VICTIM, PING, target_fail));
    MT_OK(rap_actor_type_on(TARGET, FAIL, target_fail));
    MT_OK(rap_init(&argc, &argv));
    size = rap_size();
    rank = rap_rank();
    if (size < 2)
        MT_SKIP("needs 2 ranks");
    /* The prober first, so that the victim can be told whom to report to. */
    if (rank == 0)
        MT_OK(rap_spawn(NULL, PROBER, NULL, 0, &prober_id));
    MPI_Bcast(&prober_id, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    if (rank == size - 1)
        MT_OK(rap_spawn(NULL, VICTIM, &prober_id, sizeof(prober_id), &victim));
    MPI_Bcast(&victim, 1, MPI_UINT64_T, size - 1, MPI_COMM_WORLD);
    if (rank == 0)
        MT_OK(rap_send(NULL, prober_id, START, &victim, sizeof(victim)));
    MT_OK(rap_run());
    /* From outside any actor, a dead letter can only be logged (and counted). */
    if (rank == 0)
        MT_OK(rap_send(NULL, victim, PING, &x, sizeof(x)));
    MT_OK(rap_run());

    if (rank == 0) {
        MT_CHECK(atomic_load(&dead) == 4);
        MT_CHECK(atomic_load(&unhandled) == 1);
        MT_CHECK(atomic_load(&child) == 1);
        MT_CHECK(atomic_load(&wrong) == 0);
    }
    if (rank == size - 1)
        MT_CHECK(atomic_load(&victim_fini) == 1);
    MT_OK(rap_stats_get(&st));
    mine = st.dead_letters;
    MPI_Allreduce(&mine, &total, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    MT_CHECK(total == 5);
    mine = st.unhandled;
    MPI_Allreduce(&mine, &total, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    MT_CHECK(total == 1);
    MT_OK(rap_finalize());
    return 0;
}
