/* Two workers run work worth two cores on both (one rank).  1: two
 * handlers of 200 ms each, sent at once from the main thread, run at the
 * same time (each waits up to 5 s for the other to start).  2: a
 * handler sends 1,000 short messages to another actor and then computes
 * for 200 ms: the other actor handles all of them meanwhile, on the other
 * worker (the sender checks at its end, having waited up to 5 s). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "support/mpitest.h"
#include "util/clock.h"

enum { SHORT = 1000 };
static uint32_t LONGM, FANM, TICK, LONGA, FANA, COUNTA;
static _Atomic int running, overlapped;
static _Atomic long ticks, ticks_seen = -1;

static void spin_ns(uint64_t t0, uint64_t ns)
{
    while (rap__now_ns() - t0 < ns)
        ;
}

static int on_long(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    uint64_t t0 = rap__now_ns();
    (void)ctx, (void)state, (void)from, (void)data, (void)len;
    atomic_fetch_add(&running, 1);
    while (atomic_load(&running) < 2 && rap__now_ns() - t0 < 5000000000ull)
        ;
    if (atomic_load(&running) >= 2)
        atomic_fetch_add(&overlapped, 1);
    spin_ns(t0, 200000000ull);
    return RAP_OK;
}

static int on_tick(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)state, (void)from, (void)data, (void)len;
    atomic_fetch_add(&ticks, 1);
    return RAP_OK;
}

static int on_fan(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    rap_aid to;
    uint64_t t0;
    (void)state, (void)from, (void)len;
    memcpy(&to, data, sizeof(to));
    for (int i = 0; i < SHORT; i++)
        if (rap_send(ctx, to, TICK, &i, sizeof(i)) != RAP_OK)
            return RAP_EHANDLER;
    rap_flush(ctx);
    t0 = rap__now_ns();
    spin_ns(t0, 200000000ull);
    while (atomic_load(&ticks) < SHORT && rap__now_ns() - t0 < 5000000000ull)
        ;
    atomic_store(&ticks_seen, atomic_load(&ticks));
    return RAP_OK;
}

int main(int argc, char **argv)
{
    rap_aid l1, l2, fan, counter;

    setenv("RAPTORS_WORKERS", "2", 1);
    MT_OK(rap_msg_type_register("par.long", sizeof(int), RAP_MSG_FIXED, &LONGM));
    MT_OK(rap_msg_type_register("par.fan", sizeof(rap_aid), RAP_MSG_FIXED, &FANM));
    MT_OK(rap_msg_type_register("par.tick", sizeof(int), RAP_MSG_FIXED, &TICK));
    MT_OK(rap_actor_type_register("par.longa", 0, NULL, NULL, &LONGA));
    MT_OK(rap_actor_type_register("par.fana", 0, NULL, NULL, &FANA));
    MT_OK(rap_actor_type_register("par.counta", 0, NULL, NULL, &COUNTA));
    MT_OK(rap_actor_type_on(LONGA, LONGM, on_long));
    MT_OK(rap_actor_type_on(FANA, FANM, on_fan));
    MT_OK(rap_actor_type_on(COUNTA, TICK, on_tick));
    MT_OK(rap_init(&argc, &argv));
    if (rap_size() != 1)
        MT_SKIP("runs on one rank");
    MT_CHECK(rap_workers() == 2);

    /* 1: two long handlers at once. */
    MT_OK(rap_spawn(NULL, LONGA, NULL, 0, &l1));
    MT_OK(rap_spawn(NULL, LONGA, NULL, 0, &l2));
    MT_OK(rap_send(NULL, l1, LONGM, &(int){ 1 }, sizeof(int)));
    MT_OK(rap_send(NULL, l2, LONGM, &(int){ 2 }, sizeof(int)));
    MT_OK(rap_run());
    MT_CHECK(atomic_load(&overlapped) == 2);

    /* 2: short work queued behind a long handler is done meanwhile. */
    MT_OK(rap_spawn(NULL, FANA, NULL, 0, &fan));
    MT_OK(rap_spawn(NULL, COUNTA, NULL, 0, &counter));
    MT_OK(rap_send(NULL, fan, FANM, &counter, sizeof(counter)));
    MT_OK(rap_run());
    printf("parallel: %ld of %d short messages handled during the long handler\n", atomic_load(&ticks_seen),
           SHORT);
    MT_CHECK(atomic_load(&ticks_seen) == SHORT);
    MT_CHECK(atomic_load(&ticks) == SHORT);
    rap_finalize();
    return 0;
}
