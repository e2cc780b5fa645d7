/* Actors runnable behind a long handler are not stranded (rank 1 runs 2
 * workers).  Phase 1: a computing actor's first send makes the ponger
 * runnable on the computing worker's private slot.  Phase 2: the ponger
 * parked on the worker that then starts the computation, and its next
 * messages come from rank 0.  In both, the ponger must answer 100 pings
 * from rank 0 while the computation runs (it waits up to 5 s for them). */
#include <stdatomic.h>
#include <stdlib.h>

#include "support/mpitest.h"
#include "util/clock.h"

enum { PINGS = 100 };
static uint32_t ADDR, PING, PONG, KICK, COMPUTE, PONGER, COMPUTER, DRIVER;
static _Atomic long pongs, seen_in_compute = -1;

typedef struct addrs { rap_aid driver, ponger, computer; } addrs;

static int ponger_addr(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)from, (void)len;
    *(addrs *)state = *(const addrs *)data;
    return RAP_OK;
}

/* Kicked: tell the driver it may ping; in phase 2, also start the
 * computation (held until this handler returns, so the computer runs next
 * on this worker, with this actor parked there). */
static int ponger_kick(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    const addrs *a = state;
    int phase = *(const int *)data;
    (void)from, (void)len;
    MT_OK(rap_send(ctx, a->driver, PING, &phase, sizeof(phase)));
    if (phase == 2)
        MT_OK(rap_send(ctx, a->computer, COMPUTE, &phase, sizeof(phase)));
    return RAP_OK;
}

static int ponger_ping(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)state, (void)len;
    atomic_fetch_add(&pongs, 1);
    return rap_send(ctx, from, PONG, data, sizeof(int));
}

/* Phase 1: kick the ponger (the first send: it becomes runnable on this
 * worker), then compute until it has answered PINGS pings. */
static int computer_compute(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    const addrs *a = state;
    int phase = *(const int *)data;
    uint64_t t0;
    (void)from, (void)len;
    if (phase == 1)
        MT_OK(rap_send(ctx, a->ponger, KICK, &phase, sizeof(phase)));
    t0 = rap__now_ns();
    while (atomic_load(&pongs) < PINGS && rap__now_ns() - t0 < UINT64_C(5000000000))
        ;
    atomic_store(&seen_in_compute, atomic_load(&pongs));
    return RAP_OK;
}

static int driver_pong(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    long *sent = state;
    (void)len;
    if (++*sent <= PINGS)
        return rap_send(ctx, from, PING, data, sizeof(int));
    return RAP_OK;
}

/* The ponger's first message ("you may ping") comes as a PING too. */
static int driver_ping(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    long *sent = state;
    (void)len;
    *sent = 1;
    return rap_send(ctx, from, PING, data, sizeof(int));
}

int main(int argc, char **argv)
{
    addrs a = { 0 };
    rap_aid mine = RAP_AID_NONE;
    long got;

    setenv("RAPTORS_WORKERS", "2", 1);
    MT_OK(rap_msg_type_register("strand.addr", sizeof(addrs), RAP_MSG_FIXED, &ADDR));
    MT_OK(rap_msg_type_register("strand.ping", sizeof(int), RAP_MSG_FIXED, &PING));
    MT_OK(rap_msg_type_register("strand.pong", sizeof(int), RAP_MSG_FIXED, &PONG));
    MT_OK(rap_msg_type_register("strand.kick", sizeof(int), RAP_MSG_FIXED, &KICK));
    MT_OK(rap_msg_type_register("strand.compute", sizeof(int), RAP_MSG_FIXED, &COMPUTE));
    MT_OK(rap_actor_type_register("strand.ponger", sizeof(addrs), NULL, NULL, &PONGER));
    MT_OK(rap_actor_type_register("strand.computer", sizeof(addrs), NULL, NULL, &COMPUTER));
    MT_OK(rap_actor_type_register("strand.driver", sizeof(long), NULL, NULL, &DRIVER));
    MT_OK(rap_actor_type_on(PONGER, ADDR, ponger_addr));
    MT_OK(rap_actor_type_on(PONGER, KICK, ponger_kick));
    MT_OK(rap_actor_type_on(PONGER, PING, ponger_ping));
    MT_OK(rap_actor_type_on(COMPUTER, ADDR, ponger_addr));
    MT_OK(rap_actor_type_on(COMPUTER, COMPUTE, computer_compute));
    MT_OK(rap_actor_type_on(DRIVER, PING, driver_ping));
    MT_OK(rap_actor_type_on(DRIVER, PONG, driver_pong));
    MT_OK(rap_init(&argc, &argv));
    if (rap_size() != 2)
        MT_SKIP("needs exactly 2 ranks");
    if (rap_rank() == 0) {
        MT_OK(rap_spawn(NULL, DRIVER, NULL, 0, &mine));
        a.driver = mine;
    } else {
        MT_OK(rap_spawn(NULL, PONGER, NULL, 0, &a.ponger));
        MT_OK(rap_spawn(NULL, COMPUTER, NULL, 0, &a.computer));
    }
    MPI_Bcast(&a.driver, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    MPI_Bcast(&a.ponger, 1, MPI_UINT64_T, 1, MPI_COMM_WORLD);
    MPI_Bcast(&a.computer, 1, MPI_UINT64_T, 1, MPI_COMM_WORLD);
    MT_CHECK(rap_rank() == 0 || rap_workers() == 2);
    if (rap_rank() == 1) {
        MT_OK(rap_send(NULL, a.ponger, ADDR, &a, sizeof(a)));
        MT_OK(rap_send(NULL, a.computer, ADDR, &a, sizeof(a)));
    }
    MT_OK(rap_run());

    for (int phase = 1; phase <= 2; phase++) {
        atomic_store(&pongs, 0);
        atomic_store(&seen_in_compute, -1);
        MPI_Barrier(MPI_COMM_WORLD);
        if (rap_rank() == 1)
            MT_OK(rap_send(NULL, phase == 1 ? a.computer : a.ponger, phase == 1 ? COMPUTE : KICK,
                           &phase, sizeof(phase)));
        MT_OK(rap_run());
        if (rap_rank() == 1) {
            got = atomic_load(&seen_in_compute);
            if (got < PINGS)
                fprintf(stderr, "phase %d: %ld pings answered while the computation ran\n", phase, got);
            MT_CHECK(got >= PINGS);
        }
    }
    MT_OK(rap_finalize());
    return 0;
}
