/* rap_flush: a handler on rank 0 sends three messages to an actor on
 * rank 1 (the second and third are held until the handler returns) and
 * flushes them; it then waits, still inside the handler, until rank 1 has
 * answered all three (the answers reach another actor of rank 0, on the
 * other worker).  Without the flush the handler would wait forever: it
 * gives up after 20 s and the test fails.  Order is kept; rap_flush
 * outside a handler is refused. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support/mpitest.h"

static uint32_t ITEM, GO, ACK, SENDER, ECHO, WATCH;
static _Atomic int acked, order_ok = 1, flushed_in_time;
static rap_aid g_watch;
typedef struct item { int x; rap_aid watch; } item;

static int echo_item(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    int *next = state;
    item it;
    (void)from, (void)len;
    memcpy(&it, data, sizeof(it));
    if (it.x != (*next)++)
        atomic_store(&order_ok, 0);
    return rap_send(ctx, it.watch, ACK, &it.x, sizeof(it.x));
}

static int watch_ack(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)state, (void)from, (void)data, (void)len;
    atomic_fetch_add(&acked, 1);
    return RAP_OK;
}

static int sender_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    rap_aid echo;
    struct timespec t0, t;
    (void)state, (void)from, (void)len;
    memcpy(&echo, data, sizeof(echo));
    for (int i = 0; i < 3; i++) {
        item it = { i, g_watch };
        MT_OK(rap_send(ctx, echo, ITEM, &it, sizeof(it)));
    }
    MT_OK(rap_flush(ctx));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do { /* the answers come while this handler still runs */
        if (atomic_load(&acked) == 3) {
            atomic_store(&flushed_in_time, 1);
            return RAP_OK;
        }
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while (t.tv_sec - t0.tv_sec < 20);
    return RAP_OK;
}

int main(int argc, char **argv)
{
    rap_aid echo = RAP_AID_NONE, sender;

    setenv("RAPTORS_WORKERS", "2", 1);
    MT_OK(rap_msg_type_register("fl.item", sizeof(item), RAP_MSG_FIXED, &ITEM));
    MT_OK(rap_msg_type_register("fl.go", sizeof(rap_aid), RAP_MSG_FIXED, &GO));
    MT_OK(rap_msg_type_register("fl.ack", sizeof(int), RAP_MSG_FIXED, &ACK));
    MT_OK(rap_actor_type_register("fl.sender", 0, NULL, NULL, &SENDER));
    MT_OK(rap_actor_type_on(SENDER, GO, sender_go));
    MT_OK(rap_actor_type_register("fl.echo", sizeof(int), NULL, NULL, &ECHO));
    MT_OK(rap_actor_type_on(ECHO, ITEM, echo_item));
    MT_OK(rap_actor_type_register("fl.watch", 0, NULL, NULL, &WATCH));
    MT_OK(rap_actor_type_on(WATCH, ACK, watch_ack));
    MT_OK(rap_init(&argc, &argv));
    if (rap_size() != 2)
        MT_SKIP("needs 2 ranks");
    MT_CHECK(rap_flush(NULL) == RAP_EINVAL);
    if (rap_rank() == 1)
        MT_OK(rap_spawn(NULL, ECHO, NULL, 0, &echo));
    MPI_Bcast(&echo, 1, MPI_UINT64_T, 1, MPI_COMM_WORLD);
    if (rap_rank() == 0) {
        MT_OK(rap_spawn(NULL, WATCH, NULL, 0, &g_watch));
        MT_OK(rap_spawn(NULL, SENDER, NULL, 0, &sender));
        MT_OK(rap_send(NULL, sender, GO, &echo, sizeof(echo)));
    }
    MT_OK(rap_run());
    if (rap_rank() == 0) {
        MT_CHECK(atomic_load(&flushed_in_time) == 1);
        MT_CHECK(atomic_load(&acked) == 3);
    } else {
        MT_CHECK(atomic_load(&order_ok) == 1);
    }
    MT_OK(rap_finalize());
    return 0;
}
