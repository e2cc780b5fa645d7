/* Same-rank fan-out from one handler run (the outbox: a handler's local
 * sends after its first are linked per addressee and pushed in chains).
 * On each rank, with 2 workers:
 *   - one sender's handler sends 200,000 numbered messages over 40
 *     receivers (more addressees than the outbox holds at once, serials
 *     that share its slots), round-robin and then in bursts of 1 to 100 to
 *     one receiver; every receiver must see its messages complete, in
 *     order, uncorrupted;
 *   - a sender's handler sends 10 messages to a victim, its destroy, and 50
 *     more: the victim handles exactly the 10 (the destroy keeps its
 *     place) and the 50 come back to the sender as dead letters;
 *   - a handler that streams 40 messages to each of 4 destroyed actors:
 *     all 160 come back as dead letters.  The sender's serial shares its
 *     outbox slot with the first of them and the others fill the slots
 *     probed after it, so the error events, sent to the sender while a
 *     full chain is being delivered, need that very slot;
 *   - a handler that sends three messages and then computes for 200 ms:
 *     the first is handled while it computes (its addressee, made
 *     runnable on the computing worker, is taken by the other one: the
 *     watchdog, sched.h), the other two, held, only after it returns;
 *     none is lost.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support/mpitest.h"

enum { NRECV = 40, TOTAL = 200000, BEFORE = 10, AFTER = 50 };

typedef struct item { uint32_t receiver; uint32_t check; uint64_t seq; } item;
typedef struct receiver { uint32_t index; uint64_t next; uint64_t bad; } receiver;
typedef struct sender { rap_aid to[NRECV]; } sender;

enum { NDEAD = 4, PER_DEAD = 40 };
typedef struct dead_fan { rap_aid to[NDEAD]; } dead_fan;

static uint32_t ITEM, GO, KILL, FIRST, FAN, SENDER, RECEIVER, VICTIM, KILLER, SLOW, FANNER;
static _Atomic uint64_t got, bad, victim_got, dead, got_at_done;

static uint32_t mix(uint64_t seq, uint32_t r)
{
    uint64_t x = (seq + 1) * UINT64_C(0x9e3779b97f4a7c15) ^ r;
    return (uint32_t)(x >> 29);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int receiver_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    (void)ctx;
    MT_CHECK(len == sizeof(uint32_t));
    ((receiver *)state)->index = *(const uint32_t *)arg;
    return RAP_OK;
}

static int receiver_item(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    receiver *r = state;
    item it;
    (void)ctx, (void)from;
    memcpy(&it, data, sizeof(it));
    if (len != sizeof(it) || it.receiver != r->index || it.check != mix(it.seq, it.receiver) ||
        it.seq != r->next)
        atomic_fetch_add(&bad, 1);
    else
        r->next++;
    atomic_fetch_add(&got, 1);
    return RAP_OK;
}

static int send_item(rap_ctx *ctx, sender *s, uint32_t r, uint64_t *seq)
{
    item it = { r, mix(seq[r], r), seq[r] };
    seq[r]++;
    return rap_send(ctx, s->to[r], ITEM, &it, sizeof(it));
}

static int sender_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    sender *s = state;
    uint64_t seq[NRECV] = { 0 };
    uint32_t x = 12345, n = 0;
    (void)from, (void)len;
    memcpy(s, data, sizeof(*s));
    while (n < TOTAL / 2)
        MT_OK(send_item(ctx, s, n++ % NRECV, seq));
    while (n < TOTAL) {
        uint32_t r, burst;
        x = x * 1103515245u + 12345u;
        r = (x >> 8) % NRECV;
        burst = 1 + (x >> 20) % 100;
        for (uint32_t k = 0; k < burst && n < TOTAL; k++, n++)
            MT_OK(send_item(ctx, s, r, seq));
    }
    return RAP_OK;
}

static int victim_item(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)state, (void)from, (void)data, (void)len;
    atomic_fetch_add(&victim_got, 1);
    return RAP_OK;
}

static int killer_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    rap_aid victim = *(const rap_aid *)data;
    item it = { 0, 0, 0 };
    (void)state, (void)from, (void)len;
    for (int i = 0; i < BEFORE; i++)
        MT_OK(rap_send(ctx, victim, ITEM, &it, sizeof(it)));
    MT_OK(rap_destroy(ctx, victim));
    for (int i = 0; i < AFTER; i++)
        MT_OK(rap_send(ctx, victim, ITEM, &it, sizeof(it)));
    return RAP_OK;
}

static void killer_error(rap_ctx *ctx, void *state, const rap_error_event *ev)
{
    (void)ctx, (void)state;
    if (ev->kind == RAP_ERROR_DEAD_LETTER && ev->code == RAP_EDEAD)
        atomic_fetch_add(&dead, 1);
}

static int fanner_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    dead_fan f;
    item it = { 0, 0, 0 };
    (void)state, (void)from, (void)len;
    memcpy(&f, data, sizeof(f));
    for (int k = 0; k < PER_DEAD; k++)
        for (int d = 0; d < NDEAD; d++)
            MT_OK(rap_send(ctx, f.to[d], ITEM, &it, sizeof(it)));
    return RAP_OK;
}

/* Sends a first message, then two more, then computes for 200 ms (or
 * until the first is handled, and 50 ms more). */
static int slow_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    rap_aid to = *(const rap_aid *)data;
    uint64_t t0, seen = 0;
    (void)state, (void)from, (void)len;
    MT_OK(rap_send(ctx, to, FIRST, NULL, 0));
    MT_OK(rap_send(ctx, to, FIRST, NULL, 0));
    MT_OK(rap_send(ctx, to, FIRST, NULL, 0));
    t0 = now_ns();
    while (now_ns() - t0 < 200000000u && (seen == 0 || now_ns() - seen < 50000000u))
        if (seen == 0 && atomic_load(&victim_got) != 0)
            seen = now_ns();
    atomic_store(&got_at_done, atomic_load(&victim_got));
    return RAP_OK;
}

static int first_seen(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)state, (void)from, (void)data, (void)len;
    atomic_fetch_add(&victim_got, 1000);
    return RAP_OK;
}

int main(int argc, char **argv)
{
    sender s;
    rap_aid snd, victim, killer, slow;

    setenv("RAPTORS_WORKERS", "2", 1);
    MT_OK(rap_msg_type_register("fanout.item", sizeof(item), RAP_MSG_FIXED, &ITEM));
    MT_OK(rap_msg_type_register("fanout.go", sizeof(sender), RAP_MSG_FIXED, &GO));
    MT_OK(rap_msg_type_register("fanout.kill", sizeof(rap_aid), RAP_MSG_FIXED, &KILL));
    MT_OK(rap_msg_type_register("fanout.first", 0, RAP_MSG_VAR, &FIRST));
    MT_OK(rap_msg_type_register("fanout.fan", sizeof(dead_fan), RAP_MSG_FIXED, &FAN));
    MT_OK(rap_actor_type_register("fanout.sender", sizeof(sender), NULL, NULL, &SENDER));
    MT_OK(rap_actor_type_register("fanout.receiver", sizeof(receiver), receiver_init, NULL, &RECEIVER));
    MT_OK(rap_actor_type_register("fanout.victim", 0, NULL, NULL, &VICTIM));
    MT_OK(rap_actor_type_register("fanout.killer", 0, NULL, NULL, &KILLER));
    MT_OK(rap_actor_type_register("fanout.slow", 0, NULL, NULL, &SLOW));
    MT_OK(rap_actor_type_register("fanout.fanner", 0, NULL, NULL, &FANNER));
    MT_OK(rap_actor_type_on(SENDER, GO, sender_go));
    MT_OK(rap_actor_type_on(RECEIVER, ITEM, receiver_item));
    MT_OK(rap_actor_type_on(VICTIM, ITEM, victim_item));
    MT_OK(rap_actor_type_on(VICTIM, FIRST, first_seen));
    MT_OK(rap_actor_type_on(KILLER, KILL, killer_go));
    MT_OK(rap_actor_type_on_error(KILLER, killer_error));
    MT_OK(rap_actor_type_on(SLOW, KILL, slow_go));
    MT_OK(rap_actor_type_on(FANNER, FAN, fanner_go));
    MT_OK(rap_actor_type_on_error(FANNER, killer_error));
    MT_OK(rap_init(&argc, &argv));
    MT_CHECK(rap_workers() == 2);

    for (uint32_t i = 0; i < NRECV; i++)
        MT_OK(rap_spawn(NULL, RECEIVER, &i, sizeof(i), &s.to[i]));
    MT_OK(rap_spawn(NULL, SENDER, NULL, 0, &snd));
    MT_OK(rap_send(NULL, snd, GO, &s, sizeof(s)));
    MT_OK(rap_run());
    MT_CHECK(atomic_load(&got) == TOTAL);
    MT_CHECK(atomic_load(&bad) == 0);

    MT_OK(rap_spawn(NULL, VICTIM, NULL, 0, &victim));
    MT_OK(rap_spawn(NULL, KILLER, NULL, 0, &killer));
    MT_OK(rap_send(NULL, killer, KILL, &victim, sizeof(victim)));
    MT_OK(rap_run());
    MT_CHECK(atomic_load(&victim_got) == BEFORE);
    MT_CHECK(atomic_load(&dead) == AFTER);

    /* Dead letters raised while a full chain is delivered, to a sender
     * whose outbox slot is that chain's (serials 32 apart). */
    dead_fan f;
    rap_aid fanner, filler;
    atomic_store(&dead, 0);
    for (int d = 0; d < NDEAD; d++)
        MT_OK(rap_spawn(NULL, VICTIM, NULL, 0, &f.to[d]));
    for (int d = 0; d < NDEAD; d++)
        MT_OK(rap_destroy(NULL, f.to[d]));
    do
        MT_OK(rap_spawn(NULL, VICTIM, NULL, 0, &filler));
    while ((RAP_AID_SERIAL(filler) + 1) % 32 != RAP_AID_SERIAL(f.to[0]) % 32);
    MT_OK(rap_spawn(NULL, FANNER, NULL, 0, &fanner));
    MT_CHECK(RAP_AID_SERIAL(fanner) % 32 == RAP_AID_SERIAL(f.to[0]) % 32);
    MT_OK(rap_send(NULL, fanner, FAN, &f, sizeof(f)));
    MT_OK(rap_run());
    MT_CHECK(atomic_load(&dead) == NDEAD * PER_DEAD);

    /* Held messages are pushed when the handler returns. */
    atomic_store(&victim_got, 0);
    MT_OK(rap_spawn(NULL, VICTIM, NULL, 0, &victim));
    MT_OK(rap_spawn(NULL, SLOW, NULL, 0, &slow));
    MT_OK(rap_send(NULL, slow, KILL, &victim, sizeof(victim)));
    MT_OK(rap_run());
    MT_CHECK(atomic_load(&victim_got) == 3000);
    MT_CHECK(atomic_load(&got_at_done) == 1000); /* the first, not the held two */

    rap_stats st;
    MT_OK(rap_stats_get(&st));
    MT_CHECK(st.dead_letters == AFTER + NDEAD * PER_DEAD);
    MT_OK(rap_finalize());
    return 0;
}
