/* Blocking actor types (rap_actor_type_blocking) on 2 ranks with one
 * worker each: on rank 0 a blocking actor sleeps 1 s in its handler while
 * two ordinary actors play 2,000 round trips; they finish while it still
 * sleeps (with the sleeper on the only worker they could not start).  On
 * rank 1 a blocking actor asks a server on rank 0 and waits for the answer
 * in its handler (rap_ask_wait).  Registration errors. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support/mpitest.h"

enum { ROUNDS = 2000 };
static uint32_t BALL, GO, Q, A, SLEEPER, ASKER, PLAYER, SERVER;
static _Atomic int sleeping, slept, rounds, done_while_sleeping = -1, asked_rc = 1;
static _Atomic int64_t answer;

static int sleeper_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    struct timespec ts = { 1, 0 };
    (void)ctx, (void)state, (void)from, (void)data, (void)len;
    atomic_store(&sleeping, 1);
    nanosleep(&ts, NULL); /* a blocking call */
    atomic_store(&sleeping, 0);
    atomic_store(&slept, 1);
    return RAP_OK;
}

static int player_ball(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    int n;
    (void)state, (void)len;
    memcpy(&n, data, sizeof(n));
    if (n == 2 * ROUNDS) {
        atomic_store(&done_while_sleeping, atomic_load(&sleeping));
        return RAP_OK;
    }
    atomic_fetch_add(&rounds, 1);
    n++;
    return rap_send(ctx, from, BALL, &n, sizeof(n));
}

static int player_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    rap_aid other;
    int n = 0;
    struct timespec ts = { 0, 20 * 1000 * 1000 };
    (void)state, (void)from, (void)len;
    memcpy(&other, data, sizeof(other));
    while (!atomic_load(&sleeping)) /* start once the sleeper sleeps */
        nanosleep(&ts, NULL);
    return rap_send(ctx, other, BALL, &n, sizeof(n));
}

static int server_q(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    int64_t x;
    (void)state, (void)from, (void)len;
    memcpy(&x, data, sizeof(x));
    x += 1000;
    return rap_reply(ctx, A, &x, sizeof(x));
}

static int asker_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    rap_aid server;
    int64_t x = 7, out = 0;
    uint32_t type = 0;
    size_t n = 0;
    (void)ctx, (void)state, (void)from, (void)len;
    memcpy(&server, data, sizeof(server));
    atomic_store(&asked_rc, rap_ask_wait(server, Q, &x, sizeof(x), 30 * RAP_SEC, &type, &out, sizeof(out), &n));
    if (type == A && n == sizeof(out))
        atomic_store(&answer, out);
    return RAP_OK;
}

int main(int argc, char **argv)
{
    rap_aid s = RAP_AID_NONE, p1, p2, sleeper, asker;

    setenv("RAPTORS_WORKERS", "1", 1);
    MT_CHECK(rap_actor_type_blocking(12345) == RAP_ENOTYPE);
    MT_OK(rap_msg_type_register("sy.ball", sizeof(int), RAP_MSG_FIXED, &BALL));
    MT_OK(rap_msg_type_register("sy.go", sizeof(rap_aid), RAP_MSG_VAR, &GO));
    MT_OK(rap_msg_type_register("sy.q", sizeof(int64_t), RAP_MSG_FIXED, &Q));
    MT_OK(rap_msg_type_register("sy.a", sizeof(int64_t), RAP_MSG_FIXED, &A));
    MT_OK(rap_actor_type_register("sy.sleeper", 0, NULL, NULL, &SLEEPER));
    MT_OK(rap_actor_type_on(SLEEPER, GO, sleeper_go));
    MT_OK(rap_actor_type_blocking(SLEEPER));
    MT_OK(rap_actor_type_register("sy.asker", 0, NULL, NULL, &ASKER));
    MT_OK(rap_actor_type_on(ASKER, GO, asker_go));
    MT_OK(rap_actor_type_blocking(ASKER));
    MT_OK(rap_actor_type_register("sy.player", 0, NULL, NULL, &PLAYER));
    MT_OK(rap_actor_type_on(PLAYER, BALL, player_ball));
    MT_OK(rap_actor_type_on(PLAYER, GO, player_go));
    MT_OK(rap_actor_type_register("sy.server", 0, NULL, NULL, &SERVER));
    MT_OK(rap_actor_type_on(SERVER, Q, server_q));
    MT_OK(rap_init(&argc, &argv));
    if (rap_size() != 2)
        MT_SKIP("needs 2 ranks");
    MT_CHECK(rap_actor_type_blocking(SLEEPER) == RAP_ESTATE);
    MT_CHECK(rap_workers() == 1);
    if (rap_rank() == 0) {
        MT_OK(rap_spawn(NULL, SERVER, NULL, 0, &s));
        MT_OK(rap_spawn(NULL, SLEEPER, NULL, 0, &sleeper));
        MT_OK(rap_spawn(NULL, PLAYER, NULL, 0, &p1));
        MT_OK(rap_spawn(NULL, PLAYER, NULL, 0, &p2));
        MT_OK(rap_send(NULL, sleeper, GO, NULL, 0));
        MT_OK(rap_send(NULL, p1, GO, &p2, sizeof(p2)));
    }
    MPI_Bcast(&s, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    if (rap_rank() == 1) {
        MT_OK(rap_spawn(NULL, ASKER, NULL, 0, &asker));
        MT_OK(rap_send(NULL, asker, GO, &s, sizeof(s)));
    }
    MT_OK(rap_run());
    if (rap_rank() == 0) {
        MT_CHECK(atomic_load(&rounds) == 2 * ROUNDS);
        MT_CHECK(atomic_load(&done_while_sleeping) == 1); /* the round trips did not wait for it */
        MT_CHECK(atomic_load(&slept) == 1);
    } else {
        MT_CHECK(atomic_load(&asked_rc) == RAP_OK);
        MT_CHECK(atomic_load(&answer) == 1007);
    }
    MT_OK(rap_finalize());
    return 0;
}
