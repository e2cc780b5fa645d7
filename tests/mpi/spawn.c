/* Remote spawn: each rank's System actor creates actors for a requester on
 * rank 0 and answers with the new id (RAP_MSG_SPAWNED, carrying the cookie)
 * or with a SystemErrorMsg (RAP_ERROR_SPAWN) when the actor's init fails;
 * spawns that cannot be sent fail at once with a clear code. */
#include <stdatomic.h>
#include <string.h>

#include "support/mpitest.h"

static uint32_t PING, PONG, PARENT, CHILD, FAILING;
static _Atomic int spawned, pongs, spawn_errors, wrong;

static int child_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    (void)ctx, (void)arg;
    *(int *)state = (int)len; /* init ran, with the argument's length */
    return RAP_OK;
}

static int failing_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    (void)ctx, (void)state;
    return (len == sizeof(int) && *(const int *)arg == 42) ? RAP_EINVAL : RAP_OK;
}

static int child_ping(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    int reply[2];
    (void)len;
    memcpy(reply, data, sizeof(int));
    reply[1] = *(int *)state;
    return rap_send(ctx, from, PONG, reply, sizeof(reply));
}

static int parent_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    int size = rap_size(), bad = 42, three = 3;
    (void)state, (void)arg, (void)len;

    for (int r = 0; r < size; r++)
        MT_OK(rap_spawn_on(ctx, r, CHILD, &three, sizeof(three), (uint64_t)r * 10));
    for (int i = 0; i < size; i++)
        MT_OK(rap_spawn_on(ctx, RAP_ANY_RANK, CHILD, NULL, 0, 1000u + (uint64_t)i));
    MT_OK(rap_spawn_on(ctx, size - 1, FAILING, &bad, sizeof(bad), 777));

    /* Refused before anything is sent. */
    uint32_t nobody;
    rap_type_id("spawn.nobody-registers-this", &nobody);
    MT_CHECK(rap_spawn_on(ctx, 0, nobody, NULL, 0, 1) == RAP_ENOTYPE);
    MT_CHECK(rap_spawn_on(ctx, RAP_ANY_RANK, nobody, NULL, 0, 1) == RAP_ENOTYPE);
    MT_CHECK(rap_spawn_on(ctx, size, CHILD, NULL, 0, 1) == RAP_EINVAL);
    MT_CHECK(rap_spawn_on(ctx, -5, CHILD, NULL, 0, 1) == RAP_EINVAL);
    MT_CHECK(rap_spawn_on(ctx, 0, CHILD, NULL, 4, 1) == RAP_EINVAL);
    MT_CHECK(rap_spawn_on(NULL, 0, CHILD, NULL, 0, 1) == RAP_EINVAL);
    MT_CHECK(rap_spawn_on(ctx, 0, PARENT - 1, NULL, 0, 1) == RAP_ENOTYPE);
    return RAP_OK;
}

static int parent_spawned(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    const rap_spawned *s = data;
    int tag = (int)s->cookie;
    (void)state;

    MT_CHECK(len == sizeof(*s));
    MT_CHECK(RAP_AID_SERIAL(from) == 1); /* answered by a System actor */
    if (s->cookie < 1000 && RAP_AID_RANK(s->aid) != (int)(s->cookie / 10))
        atomic_fetch_add(&wrong, 1);      /* explicit rank not honoured */
    if (s->cookie >= 1000 && RAP_AID_RANK(s->aid) != (int)(s->cookie - 1000))
        atomic_fetch_add(&wrong, 1);      /* any-rank spawns go round the ranks */
    atomic_fetch_add(&spawned, 1);
    return rap_send(ctx, s->aid, PING, &tag, sizeof(tag));
}

static int parent_pong(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    const int *r = data;
    (void)ctx, (void)state, (void)len;
    /* Explicit spawns got a 4-byte argument, any-rank ones none. */
    if (r[1] != (r[0] >= 1000 ? 0 : (int)sizeof(int)))
        atomic_fetch_add(&wrong, 1);
    if (r[0] < 1000 && RAP_AID_RANK(from) != r[0] / 10)
        atomic_fetch_add(&wrong, 1);
    atomic_fetch_add(&pongs, 1);
    return RAP_OK;
}

static void parent_error(rap_ctx *ctx, void *state, const rap_error_event *ev)
{
    (void)ctx, (void)state;
    MT_CHECK(ev->kind == RAP_ERROR_SPAWN);
    MT_CHECK(ev->code == RAP_EINVAL);
    MT_CHECK(ev->cookie == 777);
    MT_CHECK(ev->msg_type == FAILING);
    atomic_fetch_add(&spawn_errors, 1);
}

int main(int argc, char **argv)
{
    rap_aid parent, dummy;
    rap_stats st;
    long live, all_live = 0;

    MT_OK(rap_msg_type_register("spawn.ping", sizeof(int), RAP_MSG_FIXED, &PING));
    MT_OK(rap_msg_type_register("spawn.pong", 2 * sizeof(int), RAP_MSG_FIXED, &PONG));
    MT_OK(rap_actor_type_register("spawn.parent", 0, parent_init, NULL, &PARENT));
    MT_OK(rap_actor_type_register("spawn.child", sizeof(int), child_init, NULL, &CHILD));
    MT_OK(rap_actor_type_register("spawn.failing", 0, failing_init, NULL, &FAILING));
    MT_OK(rap_actor_type_on(PARENT, RAP_MSG_SPAWNED, parent_spawned));
    MT_OK(rap_actor_type_on(PARENT, PONG, parent_pong));
    MT_OK(rap_actor_type_on_error(PARENT, parent_error));
    MT_OK(rap_actor_type_on(CHILD, PING, child_ping));
    MT_OK(rap_init(&argc, &argv));

    /* Local spawn errors. */
    MT_CHECK(rap_spawn(NULL, CHILD, NULL, 0, NULL) == RAP_EINVAL);
    MT_CHECK(rap_spawn(NULL, 12345, NULL, 0, &dummy) == RAP_ENOTYPE);
    MT_CHECK(rap_spawn(NULL, FAILING, &(int){ 42 }, sizeof(int), &dummy) == RAP_EINVAL);
    if (rap_rank() == 0)
        MT_OK(rap_spawn(NULL, PARENT, NULL, 0, &parent));
    MT_OK(rap_run());

    if (rap_rank() == 0) {
        int n = rap_size();
        MT_CHECK(atomic_load(&spawned) == 2 * n);
        MT_CHECK(atomic_load(&pongs) == 2 * n);
        MT_CHECK(atomic_load(&spawn_errors) == 1);
        MT_CHECK(atomic_load(&wrong) == 0);
    }
    /* Each rank holds exactly its two children (and rank 0 the parent). */
    MT_OK(rap_stats_get(&st));
    live = (long)st.actors_live - (rap_rank() == 0 ? 3 : 1); /* minus System (and Logger, Profiler) */
    MT_CHECK(live == (rap_rank() == 0 ? 3 : 2));
    MPI_Allreduce(&live, &all_live, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    MT_CHECK(all_live == 2L * rap_size() + 1);
    MT_OK(rap_finalize());
    return 0;
}
