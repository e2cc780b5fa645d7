/* Timers (rap_send_after, rap_send_every, rap_timer_cancel) on 2 ranks:
 * firing order (by due time, ties in the order set), cancel and its
 * answers, periodic counts with a cancel from the handler, a timer's
 * message sent in its setter's name to another rank, a cancel from another
 * rank, an ended actor's timers cancelled, a timer set outside actors
 * keeping rap_run from returning until it fired, a stop clearing pending
 * timers, a timer whose addressee is gone coming back as a dead letter,
 * and bad arguments.  Every check is on values, counts and order. */
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "support/mpitest.h"

static uint32_t TICK, GO, ADDR, BIG, SETTER, PERIODIC, REC, EXITER, STOPPER, REMOTE;

enum { ORDER_MAX = 16, PERIOD_STOP = 10, REMOTE_CANCEL_AT = 3 };
static _Atomic int order_n, periodic_n, rec_n, remote_n, stopper_n, dead_letters, outside_n;
static int64_t order[ORDER_MAX];
static _Atomic rap_aid rec_from, outside_from = 1;
static _Atomic rap_timer remote_handle;

/* ---- order and cancel (rank 0) ---- */

static int setter_tick(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    int64_t v;
    (void)state, (void)len;
    memcpy(&v, data, sizeof(v));
    MT_CHECK(from == rap_self(ctx));
    int i = atomic_fetch_add(&order_n, 1);
    MT_CHECK(i < ORDER_MAX);
    order[i] = v;
    return RAP_OK;
}

static int setter_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    rap_aid me = rap_self(ctx);
    rap_timer t5, fired;
    int64_t v;
    (void)state, (void)from, (void)data, (void)len;
    v = 30;
    MT_OK(rap_send_after(ctx, me, TICK, &v, sizeof(v), 30 * RAP_MS, NULL));
    v = 10;
    MT_OK(rap_send_after(ctx, me, TICK, &v, sizeof(v), 10 * RAP_MS, NULL));
    v = 20;
    MT_OK(rap_send_after(ctx, me, TICK, &v, sizeof(v), 20 * RAP_MS, NULL));
    v = 21; /* the same due time: fires after 20, set before it */
    MT_OK(rap_send_after(ctx, me, TICK, &v, sizeof(v), 20 * RAP_MS, NULL));
    v = 5;
    MT_OK(rap_send_after(ctx, me, TICK, &v, sizeof(v), 5 * RAP_MS, &t5));
    v = 0;
    MT_OK(rap_send_after(ctx, me, TICK, &v, sizeof(v), 0, &fired));
    MT_CHECK(t5 != RAP_TIMER_NONE && fired != RAP_TIMER_NONE && t5 != fired);
    MT_CHECK(RAP_AID_RANK(t5) == rap_rank());
    MT_OK(rap_timer_cancel(ctx, t5));
    MT_CHECK(rap_timer_cancel(ctx, t5) == RAP_EGONE);
    return RAP_OK;
}

/* ---- periodic, cancelled from its own handler at the 10th tick, each
 * tick handled more than a period after it fired ---- */

typedef struct periodic { rap_timer t; int deferred; } periodic;

static int periodic_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    periodic *p = state;
    int64_t v = 1;
    (void)from, (void)data, (void)len;
    return rap_send_every(ctx, rap_self(ctx), TICK, &v, sizeof(v), 2 * RAP_MS, &p->t);
}

static int periodic_tick(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    periodic *p = state;
    (void)from, (void)data, (void)len;
    /* Longer than the period: the next firings are due before this one
     * is handled (as on a loaded rank), and the cancel must still stop
     * them all. */
    struct timespec slow = { 0, 3000000 };
    nanosleep(&slow, NULL);
    /* A tick is the turn's message like any other: the first is kept
     * for later and handled again when the second comes. */
    if (p->deferred == 0) {
        p->deferred = 1;
        MT_OK(rap_defer(ctx));
        return RAP_OK;
    }
    if (p->deferred == 1) {
        p->deferred = 2;
        MT_OK(rap_redeliver(ctx));
    }
    if (atomic_fetch_add(&periodic_n, 1) + 1 == PERIOD_STOP) {
        MT_OK(rap_timer_cancel(ctx, p->t));
        MT_CHECK(rap_timer_cancel(ctx, p->t) == RAP_EGONE);
    }
    return RAP_OK;
}

/* ---- the recorder on rank 1: messages sent in a rank-0 actor's name,
 * and a periodic timer of rank 0 cancelled from here ---- */

static int rec_tick(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    int64_t v;
    (void)state, (void)len;
    memcpy(&v, data, sizeof(v));
    if (v == 7) { /* from rank 0's main thread */
        atomic_store(&outside_from, from);
        atomic_fetch_add(&outside_n, 1);
        return RAP_OK;
    }
    if (v == 100) {
        atomic_store(&rec_from, from);
        atomic_fetch_add(&rec_n, 1);
        return RAP_OK;
    }
    /* v == 200: the periodic one; cancel it from here at the 3rd */
    if (atomic_fetch_add(&remote_n, 1) + 1 == REMOTE_CANCEL_AT) {
        rap_timer h = atomic_load(&remote_handle);
        MT_CHECK(RAP_AID_RANK(h) == 0);
        MT_OK(rap_timer_cancel(ctx, h)); /* asynchronous: sent to rank 0 */
    }
    return RAP_OK;
}

/* The handle of the periodic timer to cancel (a rap_timer in an ADDR
 * message, ahead of the timer's firings: both are its setter's). */
static int rec_handle(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    rap_timer h;
    (void)ctx, (void)state, (void)from, (void)len;
    memcpy(&h, data, sizeof(h));
    atomic_store(&remote_handle, h);
    return RAP_OK;
}

static int remote_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    rap_aid rec;
    rap_timer h;
    int64_t v;
    (void)state, (void)from, (void)len;
    memcpy(&rec, data, sizeof(rec));
    v = 100;
    MT_OK(rap_send_after(ctx, rec, TICK, &v, sizeof(v), 5 * RAP_MS, NULL));
    v = 200;
    MT_OK(rap_send_every(ctx, rec, TICK, &v, sizeof(v), 3 * RAP_MS, &h));
    return rap_send(ctx, rec, ADDR, &h, sizeof(h));
}

/* ---- an actor that sets timers and ends at once ---- */

static int exiter_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    rap_aid rec;
    int64_t v = 300;
    (void)state, (void)from, (void)len;
    memcpy(&rec, data, sizeof(rec));
    MT_OK(rap_send_every(ctx, rec, TICK, &v, sizeof(v), 1 * RAP_MS, NULL));
    MT_OK(rap_send_after(ctx, rec, TICK, &v, sizeof(v), 3600 * RAP_SEC, NULL));
    return rap_exit(ctx);
}

/* ---- a stop with timers pending ---- */

static int stopper_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    int64_t v = 1;
    (void)state, (void)from, (void)data, (void)len;
    MT_OK(rap_send_every(ctx, rap_self(ctx), TICK, &v, sizeof(v), 1 * RAP_MS, NULL));
    return rap_send_after(ctx, rap_self(ctx), TICK, &v, sizeof(v), 3600 * RAP_SEC, NULL);
}

static int stopper_tick(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)state, (void)from, (void)data, (void)len;
    if (atomic_fetch_add(&stopper_n, 1) + 1 == 3)
        return rap_stop_with(ctx, 5);
    return RAP_OK;
}

/* ---- a timer whose addressee is destroyed before it fires ---- */

static void setter_error(rap_ctx *ctx, void *state, const rap_error_event *ev)
{
    (void)ctx, (void)state;
    if (ev->kind == RAP_ERROR_DEAD_LETTER && ev->msg_type == TICK)
        atomic_fetch_add(&dead_letters, 1);
}

static int setter_addr(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    rap_aid victim;
    int64_t v = 400;
    (void)state, (void)from, (void)len;
    memcpy(&victim, data, sizeof(victim));
    MT_OK(rap_send_after(ctx, victim, TICK, &v, sizeof(v), 20 * RAP_MS, NULL));
    return rap_destroy(ctx, victim);
}

static int quiet_tick(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)state, (void)from, (void)data, (void)len;
    atomic_fetch_add(&rec_n, 1000); /* must not happen */
    return RAP_OK;
}

static void bad_arguments(rap_aid someone)
{
    int64_t v = 0;
    rap_timer t = RAP_TIMER_NONE;

    MT_CHECK(rap_send_after(NULL, RAP_AID_NONE, TICK, &v, sizeof(v), 0, &t) == RAP_EINVAL);
    MT_CHECK(rap_send_after(NULL, someone, 12345, &v, sizeof(v), 0, &t) == RAP_ENOTYPE);
    MT_CHECK(rap_send_after(NULL, someone, TICK, &v, 3, 0, &t) == RAP_EINVAL);
    MT_CHECK(rap_send_after(NULL, someone, TICK, NULL, sizeof(v), 0, &t) == RAP_EINVAL);
    MT_CHECK(rap_send_after(NULL, someone, RAP_MSG_SPAWNED, &v, sizeof(v), 0, &t) == RAP_EINVAL);
    MT_CHECK(rap_send_after(NULL, someone, BIG, &v, 65, 0, &t) == RAP_ETOOBIG);
    MT_CHECK(rap_send_every(NULL, someone, TICK, &v, sizeof(v), 0, &t) == RAP_EINVAL);
    MT_CHECK(rap_send_after(NULL, (rap_aid)5000 << RAP_AID_SERIAL_BITS | 1, TICK, &v, sizeof(v), 0, &t) ==
             RAP_EINVAL);
    MT_CHECK(t == RAP_TIMER_NONE); /* set only on success */
    MT_CHECK(rap_timer_cancel(NULL, RAP_TIMER_NONE) == RAP_EINVAL);
    MT_CHECK(rap_timer_cancel(NULL, (rap_timer)5000 << RAP_AID_SERIAL_BITS | 1) == RAP_EINVAL);
    /* A handle of this rank that names no pending timer. */
    MT_CHECK(rap_timer_cancel(NULL, (rap_timer)rap_rank() << RAP_AID_SERIAL_BITS | 12345) == RAP_EGONE);
}

int main(int argc, char **argv)
{
    rap_aid setter, per, rec = RAP_AID_NONE, remote, exiter, stopper, victim, ids[2];
    int64_t v = 7;
    rap_timer t;

    MT_CHECK(rap_send_after(NULL, 1, 1, NULL, 0, 0, &t) == RAP_ESTATE);
    MT_CHECK(rap_timer_cancel(NULL, 1) == RAP_ESTATE);
    MT_OK(rap_msg_type_register("t.tick", sizeof(int64_t), RAP_MSG_FIXED, &TICK));
    MT_OK(rap_msg_type_register("t.go", 0, RAP_MSG_VAR, &GO));
    MT_OK(rap_msg_type_register("t.addr", sizeof(rap_aid), RAP_MSG_FIXED, &ADDR));
    MT_OK(rap_msg_type_register("t.big", 64, RAP_MSG_VAR, &BIG));
    MT_OK(rap_actor_type_register("t.setter", 0, NULL, NULL, &SETTER));
    MT_OK(rap_actor_type_on(SETTER, GO, setter_go));
    MT_OK(rap_actor_type_on(SETTER, TICK, setter_tick));
    MT_OK(rap_actor_type_on(SETTER, ADDR, setter_addr));
    MT_OK(rap_actor_type_on_error(SETTER, setter_error));
    MT_OK(rap_actor_type_register("t.periodic", sizeof(periodic), NULL, NULL, &PERIODIC));
    MT_OK(rap_actor_type_on(PERIODIC, GO, periodic_go));
    MT_OK(rap_actor_type_on(PERIODIC, TICK, periodic_tick));
    MT_OK(rap_actor_type_register("t.rec", 0, NULL, NULL, &REC));
    MT_OK(rap_actor_type_on(REC, TICK, rec_tick));
    MT_OK(rap_actor_type_on(REC, ADDR, rec_handle));
    MT_OK(rap_actor_type_register("t.remote", 0, NULL, NULL, &REMOTE));
    MT_OK(rap_actor_type_on(REMOTE, ADDR, remote_go));
    MT_OK(rap_actor_type_register("t.exiter", 0, NULL, NULL, &EXITER));
    MT_OK(rap_actor_type_on(EXITER, ADDR, exiter_go));
    MT_OK(rap_actor_type_register("t.stopper", 0, NULL, NULL, &STOPPER));
    MT_OK(rap_actor_type_on(STOPPER, GO, stopper_go));
    MT_OK(rap_actor_type_on(STOPPER, TICK, stopper_tick));
    uint32_t QUIET;
    MT_OK(rap_actor_type_register("t.quiet", 0, NULL, NULL, &QUIET));
    MT_OK(rap_actor_type_on(QUIET, TICK, quiet_tick));
    MT_OK(rap_init(&argc, &argv));
    if (rap_size() != 2)
        MT_SKIP("needs 2 ranks");
    int rank = rap_rank();

    /* Ids: rank 1's recorder, known everywhere. */
    if (rank == 1)
        MT_OK(rap_spawn(NULL, REC, NULL, 0, &rec));
    MPI_Allgather(&rec, 1, MPI_UINT64_T, ids, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    rec = ids[1];
    bad_arguments(rec);

    /* 1. Order, ties, cancel; periodic with a cancel in its handler. */
    if (rank == 0) {
        MT_OK(rap_spawn(NULL, SETTER, NULL, 0, &setter));
        MT_OK(rap_spawn(NULL, PERIODIC, NULL, 0, &per));
        MT_OK(rap_send(NULL, setter, GO, NULL, 0));
        MT_OK(rap_send(NULL, per, GO, NULL, 0));
    }
    MT_OK(rap_run());
    if (rank == 0) {
        const int64_t want[] = { 0, 10, 20, 21, 30 };
        MT_CHECK(atomic_load(&order_n) == 5);
        for (int i = 0; i < 5; i++)
            MT_CHECK(order[i] == want[i]);
        MT_CHECK(atomic_load(&periodic_n) == PERIOD_STOP); /* none after the cancel */
    }

    /* 2. Across ranks: a rank-0 actor's timers to rank 1's recorder (in
     * its name); rank 1 cancels the periodic one; rank 0's main thread
     * sets one from outside actors.  rap_run returns only when all are
     * fired or cancelled. */
    if (rank == 0) {
        MT_OK(rap_spawn(NULL, REMOTE, NULL, 0, &remote));
        MT_OK(rap_send(NULL, remote, ADDR, &rec, sizeof(rec)));
        MT_OK(rap_send_after(NULL, rec, TICK, &v, sizeof(v), 3 * RAP_MS, &t));
        MPI_Send(&remote, 1, MPI_UINT64_T, 1, 0, MPI_COMM_WORLD);
    } else {
        MPI_Recv(&remote, 1, MPI_UINT64_T, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
    MT_OK(rap_run());
    if (rank == 1) {
        MT_CHECK(atomic_load(&rec_n) == 1);
        MT_CHECK(atomic_load(&rec_from) == remote); /* sent in its setter's name */
        MT_CHECK(atomic_load(&outside_n) == 1);
        MT_CHECK(atomic_load(&outside_from) == RAP_AID_NONE);
        /* Cancelled at the 3rd: at most the firings already on their way follow. */
        MT_CHECK(atomic_load(&remote_n) >= REMOTE_CANCEL_AT && atomic_load(&remote_n) < REMOTE_CANCEL_AT + 50);
    }

    /* 3. An actor that ends right after setting a periodic timer and a
     * one-hour timer: both cancelled (nothing arrives, and rap_run
     * returns); a timer to an actor destroyed before it fires: a dead
     * letter back to the setter. */
    atomic_store(&rec_n, 0);
    if (rank == 0) {
        rap_aid quiet;
        MT_OK(rap_spawn(NULL, QUIET, NULL, 0, &quiet));
        MT_OK(rap_spawn(NULL, EXITER, NULL, 0, &exiter));
        MT_OK(rap_send(NULL, exiter, ADDR, &quiet, sizeof(quiet)));
        MT_OK(rap_spawn(NULL, QUIET, NULL, 0, &victim));
        MT_OK(rap_send(NULL, setter, ADDR, &victim, sizeof(victim)));
    }
    MT_OK(rap_run());
    MT_CHECK(atomic_load(&rec_n) == 0);
    if (rank == 0)
        MT_CHECK(atomic_load(&dead_letters) == 1);

    /* 4. A stop with a periodic and a one-hour timer pending: rap_run
     * returns RAP_ESTOPPED on both ranks, and the next run finds nothing
     * left; timers work again after it. */
    if (rank == 0) {
        MT_OK(rap_spawn(NULL, STOPPER, NULL, 0, &stopper));
        MT_OK(rap_send(NULL, stopper, GO, NULL, 0));
    }
    MT_CHECK(rap_run() == RAP_ESTOPPED);
    MT_CHECK(rap_exit_status() == 5);
    if (rank == 0)
        MT_CHECK(atomic_load(&stopper_n) >= 3);
    int seen = atomic_load(&stopper_n);
    MT_OK(rap_run());
    MT_CHECK(atomic_load(&stopper_n) == seen);
    if (rank == 0)
        MT_OK(rap_send_after(NULL, stopper, TICK, &v, sizeof(v), 1 * RAP_MS, NULL));
    MT_OK(rap_run());
    if (rank == 0)
        MT_CHECK(atomic_load(&stopper_n) == seen + 1);

    /* 5. Pending at rap_finalize: cancelled, not waited for. */
    if (rank == 0)
        MT_OK(rap_send_every(NULL, stopper, TICK, &v, sizeof(v), 3600 * RAP_SEC, NULL));
    MT_OK(rap_finalize());
    return 0;
}
