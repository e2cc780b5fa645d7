/* Fairness with one worker.  1: an actor that keeps messaging itself with
 * 1 ms handlers must not starve 10,000 messages sent to another actor
 * from the application's thread (rap_send with ctx NULL, the drop-in
 * case): they are all handled, and that ends the loop.  2: a turn is
 * bounded by time as well as by count: with 200 messages of 1 ms queued
 * for one actor and then 200 quick ones for another, the quick one's
 * first message is handled before the slow one has handled 32 (a turn of
 * 64 would take 64 ms).  One handler queues them all, so that the worker
 * cannot start on the slow ones while the sender is still sending (from
 * the main thread, on a loaded machine under TSan, the quick ones came
 * after 32 slow ones had run: CI, 1 failure). */
#include <stdatomic.h>
#include <stdlib.h>

#include "support/mpitest.h"
#include "util/clock.h"

enum { MSGS = 10000, SLOW = 200, QUICK = 200 };
static uint32_t LOOP, MSG, SLOWM, QUICKM, GOM, LOOPER, COUNTER, SLOWA, QUICKA, STARTER;
static rap_aid slow, quick;
static _Atomic long loops, counted, slow_done, slow_at_first_quick = -1;
static _Atomic int stop;

static void busy_ms(void)
{
    uint64_t t0 = rap__now_ns();
    while (rap__now_ns() - t0 < 1000000u)
        ;
}

static int looper_loop(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)state, (void)from, (void)data, (void)len;
    if (atomic_load(&stop))
        return RAP_OK;
    atomic_fetch_add(&loops, 1);
    busy_ms();
    return rap_send(ctx, rap_self(ctx), LOOP, NULL, 0);
}

static int counter_msg(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)state, (void)from, (void)data, (void)len;
    if (atomic_fetch_add(&counted, 1) + 1 == MSGS)
        atomic_store(&stop, 1);
    return RAP_OK;
}

/* Phase 2: the slow actor's handler takes 1 ms; the quick one notes how
 * many slow ones were done when its first message came. */
static int slow_loop(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)state, (void)from, (void)data, (void)len;
    busy_ms();
    atomic_fetch_add(&slow_done, 1);
    return RAP_OK;
}

static int quick_msg(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    long none = -1;
    (void)ctx, (void)state, (void)from, (void)data, (void)len;
    atomic_compare_exchange_strong(&slow_at_first_quick, &none, atomic_load(&slow_done));
    return RAP_OK;
}

/* Phase 2's sender: every message is queued before the worker is free. */
static int starter_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)state, (void)from, (void)data, (void)len;
    for (int i = 0; i < SLOW; i++)
        MT_OK(rap_send(ctx, slow, SLOWM, NULL, 0));
    for (int i = 0; i < QUICK; i++)
        MT_OK(rap_send(ctx, quick, QUICKM, NULL, 0));
    return RAP_OK;
}

int main(int argc, char **argv)
{
    rap_aid looper, counter;

    setenv("RAPTORS_WORKERS", "1", 1);
    MT_OK(rap_msg_type_register("starve.loop", 0, RAP_MSG_VAR, &LOOP));
    MT_OK(rap_msg_type_register("starve.msg", 0, RAP_MSG_VAR, &MSG));
    MT_OK(rap_actor_type_register("starve.looper", 0, NULL, NULL, &LOOPER));
    MT_OK(rap_actor_type_register("starve.counter", 0, NULL, NULL, &COUNTER));
    MT_OK(rap_actor_type_on(LOOPER, LOOP, looper_loop));
    MT_OK(rap_actor_type_on(COUNTER, MSG, counter_msg));
    MT_OK(rap_msg_type_register("starve.slow", 0, RAP_MSG_VAR, &SLOWM));
    MT_OK(rap_msg_type_register("starve.quick", 0, RAP_MSG_VAR, &QUICKM));
    MT_OK(rap_actor_type_register("starve.slowactor", 0, NULL, NULL, &SLOWA));
    MT_OK(rap_actor_type_register("starve.quickactor", 0, NULL, NULL, &QUICKA));
    MT_OK(rap_actor_type_on(SLOWA, SLOWM, slow_loop));
    MT_OK(rap_actor_type_on(QUICKA, QUICKM, quick_msg));
    MT_OK(rap_msg_type_register("starve.go", 0, RAP_MSG_VAR, &GOM));
    MT_OK(rap_actor_type_register("starve.starter", 0, NULL, NULL, &STARTER));
    MT_OK(rap_actor_type_on(STARTER, GOM, starter_go));
    MT_OK(rap_init(&argc, &argv));
    MT_CHECK(rap_workers() == 1);

    MT_OK(rap_spawn(NULL, LOOPER, NULL, 0, &looper));
    MT_OK(rap_spawn(NULL, COUNTER, NULL, 0, &counter));
    MT_OK(rap_send(NULL, looper, LOOP, NULL, 0));
    while (atomic_load(&loops) < 5)
        rap__sleep_ns(1000000); /* the loop runs */
    for (int i = 0; i < MSGS; i++)
        MT_OK(rap_send(NULL, counter, MSG, NULL, 0));
    MT_OK(rap_run());
    MT_CHECK(atomic_load(&counted) == MSGS);
    MT_CHECK(atomic_load(&loops) < MSGS); /* the messages were not left for the end */

    /* Phase 2: turns bounded by time. */
    rap_aid starter;
    MT_OK(rap_spawn(NULL, SLOWA, NULL, 0, &slow));
    MT_OK(rap_spawn(NULL, QUICKA, NULL, 0, &quick));
    MT_OK(rap_spawn(NULL, STARTER, NULL, 0, &starter));
    MT_OK(rap_send(NULL, starter, GOM, NULL, 0));
    MT_OK(rap_run());
    MT_CHECK(atomic_load(&slow_done) == SLOW);
    MT_CHECK(atomic_load(&slow_at_first_quick) >= 0 && atomic_load(&slow_at_first_quick) < 32);
    MT_OK(rap_finalize());
    return 0;
}
