/* Deferred messages (rap_defer, rap_redeliver) on 2 ranks: a stage on
 * rank 1 works through iterations 0..ITERS-1, each needing PARTS messages;
 * senders on both ranks send every iteration's parts with later
 * iterations first, so most messages come early.  The stage defers those
 * of later iterations and redelivers when it moves on: it must see each
 * iteration's parts complete, in iteration order, and the parts from each
 * sender in the order sent.  A request (rap_ask) deferred and answered
 * later; bad calls.  The same stage of a movable type moves to the other
 * rank after each iteration, its deferred messages (and those redelivered,
 * not yet handled) with it. */
#include <stdatomic.h>
#include <string.h>

#include "support/mpitest.h"

enum { ITERS = 10, PARTS = 4 };
static uint32_t PART, GO, Q, A, STAGE, STAGEM, SENDER, ASKER;
static _Atomic int failures, done_iters, replied, deferred_twice = 1, moved_iters, moved_failures;

typedef struct part { int iter, k, sender; } part;
typedef struct stage { int iter, got, last_k[2][ITERS]; } stage;

/* One part of an iteration: early ones deferred; an iteration's parts in
 * order from each sender; the next iteration's early parts redelivered. */
static int stage_step(rap_ctx *ctx, stage *s, const part *p, _Atomic int *fails, _Atomic int *iters)
{
    if (p->iter > s->iter) { /* early: later */
        MT_OK(rap_defer(ctx));
        atomic_store(&deferred_twice, rap_defer(ctx) == RAP_ESTATE);
        return RAP_OK;
    }
    if (p->iter != s->iter || p->k <= s->last_k[p->sender][p->iter])
        atomic_fetch_add(fails, 1); /* a past iteration, or out of order */
    s->last_k[p->sender][p->iter] = p->k;
    if (++s->got < PARTS)
        return RAP_OK;
    s->got = 0;
    s->iter++;
    atomic_fetch_add(iters, 1);
    return rap_redeliver(ctx); /* the next iteration's early parts come now */
}

static int stage_part(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    part p;
    (void)from, (void)len;
    memcpy(&p, data, sizeof(p));
    return stage_step(ctx, state, &p, &failures, &done_iters);
}

/* The movable stage: the same, and a move to the other rank after each
 * iteration (its deferred and redelivered messages go with it). */
static int stagem_part(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    stage *s = state;
    int before = s->iter, rc;
    part p;
    (void)from, (void)len;
    memcpy(&p, data, sizeof(p));
    rc = stage_step(ctx, s, &p, &moved_failures, &moved_iters);
    if (s->iter != before)
        MT_OK(rap_migrate(ctx, rap_self(ctx), 1 - rap_rank()));
    return rc;
}

/* A request that comes before its time is deferred too, and answered when
 * it is handled again. */
static int stage_q(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    stage *s = state;
    int64_t x = s->iter;
    (void)from, (void)data, (void)len;
    if (s->iter < ITERS)
        return rap_defer(ctx);
    return rap_reply(ctx, A, &x, sizeof(x));
}

static int sender_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    rap_aid stage_id;
    (void)state, (void)from, (void)len;
    memcpy(&stage_id, data, sizeof(stage_id));
    for (int it = ITERS - 1; it >= 0; it--)
        for (int k = 1; k <= PARTS / 2; k++) {
            part p = { it, k, rap_rank() };
            MT_OK(rap_send(ctx, stage_id, PART, &p, sizeof(p)));
        }
    return RAP_OK;
}

static int asker_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    rap_aid stage_id;
    int64_t x = 0;
    (void)state, (void)from, (void)len;
    memcpy(&stage_id, data, sizeof(stage_id));
    return rap_ask(ctx, stage_id, Q, &x, sizeof(x), 0, 5);
}

static void asker_reply(rap_ctx *ctx, void *state, rap_aid from, uint64_t cookie, uint32_t type, const void *data,
                        size_t len)
{
    int64_t x;
    (void)ctx, (void)state, (void)from, (void)len;
    memcpy(&x, data, sizeof(x));
    if (cookie == 5 && type == A && x == ITERS)
        atomic_fetch_add(&replied, 1);
}

int main(int argc, char **argv)
{
    rap_aid st = RAP_AID_NONE, stm = RAP_AID_NONE, sender, asker;
    int mine[2], all[2];

    MT_OK(rap_msg_type_register("df.part", sizeof(part), RAP_MSG_FIXED, &PART));
    MT_OK(rap_msg_type_register("df.go", sizeof(rap_aid), RAP_MSG_FIXED, &GO));
    MT_OK(rap_msg_type_register("df.q", sizeof(int64_t), RAP_MSG_FIXED, &Q));
    MT_OK(rap_msg_type_register("df.a", sizeof(int64_t), RAP_MSG_FIXED, &A));
    MT_OK(rap_actor_type_register("df.stage", sizeof(stage), NULL, NULL, &STAGE));
    MT_OK(rap_actor_type_on(STAGE, PART, stage_part));
    MT_OK(rap_actor_type_on(STAGE, Q, stage_q));
    MT_OK(rap_actor_type_register("df.stagem", sizeof(stage), NULL, NULL, &STAGEM));
    MT_OK(rap_actor_type_movable(STAGEM, NULL, NULL));
    MT_OK(rap_actor_type_on(STAGEM, PART, stagem_part));
    MT_OK(rap_actor_type_register("df.sender", 0, NULL, NULL, &SENDER));
    MT_OK(rap_actor_type_on(SENDER, GO, sender_go));
    MT_OK(rap_actor_type_register("df.asker", 0, NULL, NULL, &ASKER));
    MT_OK(rap_actor_type_on(ASKER, GO, asker_go));
    MT_OK(rap_actor_type_on_reply(ASKER, asker_reply));
    MT_OK(rap_init(&argc, &argv));
    if (rap_size() != 2)
        MT_SKIP("needs 2 ranks");
    MT_CHECK(rap_defer(NULL) == RAP_EINVAL);
    MT_CHECK(rap_redeliver(NULL) == RAP_EINVAL);
    if (rap_rank() == 1) {
        MT_OK(rap_spawn(NULL, STAGE, NULL, 0, &st));
        MT_OK(rap_spawn(NULL, STAGEM, NULL, 0, &stm));
    }
    MPI_Bcast(&st, 1, MPI_UINT64_T, 1, MPI_COMM_WORLD);
    MPI_Bcast(&stm, 1, MPI_UINT64_T, 1, MPI_COMM_WORLD);
    MT_OK(rap_spawn(NULL, SENDER, NULL, 0, &sender));
    if (rap_rank() == 0) { /* the request first: it waits for all iterations */
        MT_OK(rap_spawn(NULL, ASKER, NULL, 0, &asker));
        MT_OK(rap_send(NULL, asker, GO, &st, sizeof(st)));
    }
    MPI_Barrier(MPI_COMM_WORLD);
    MT_OK(rap_send(NULL, sender, GO, &st, sizeof(st)));
    MT_OK(rap_send(NULL, sender, GO, &stm, sizeof(stm)));
    MT_OK(rap_run());
    mine[0] = atomic_load(&moved_iters), mine[1] = atomic_load(&moved_failures);
    MPI_Allreduce(mine, all, 2, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MT_CHECK(all[0] == ITERS && all[1] == 0); /* every iteration, in order, across ITERS moves */
    MT_CHECK(atomic_load(&moved_iters) == ITERS / 2);
    if (rap_rank() == 1) {
        MT_CHECK(atomic_load(&done_iters) == ITERS);
        MT_CHECK(atomic_load(&failures) == 0);
        MT_CHECK(atomic_load(&deferred_twice) == 1);
    } else {
        MT_CHECK(atomic_load(&replied) == 1);
    }
    MT_OK(rap_finalize());
    return 0;
}
