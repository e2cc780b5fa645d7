/* MPI progress while the only worker of a rank computes: rank 1's actor
 * tells rank 0 it starts computing, then computes until 100 messages from
 * rank 0 have been received on its rank (they wait in another actor's
 * mailbox; rap_stats_get counts them), or 5 s.  Rank 0 sends them when
 * told.  They must be received while it computes: the watchdog polls MPI
 * while every worker is busy. */
#include <stdatomic.h>

#include "support/mpitest.h"
#include "util/clock.h"

enum { N = 100 };
static uint32_t GO, ITEM, COMPUTER, SENDER, SINK;
static _Atomic long received_in_compute = -1, sunk;
static rap_aid sink, sender;

static int computer_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    rap_stats st;
    uint64_t base, t0 = rap__now_ns();
    (void)state, (void)from, (void)len;
    MT_OK(rap_stats_get(&st));
    base = st.recv_remote;
    MT_OK(rap_send(ctx, *(const rap_aid *)data, GO, &sink, sizeof(sink)));
    do
        MT_OK(rap_stats_get(&st));
    while (st.recv_remote < base + N && rap__now_ns() - t0 < UINT64_C(5000000000));
    atomic_store(&received_in_compute, (long)(st.recv_remote - base));
    return RAP_OK;
}

static int sender_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    int v = 7;
    (void)state, (void)from, (void)len;
    for (int i = 0; i < N; i++)
        MT_OK(rap_send(ctx, *(const rap_aid *)data, ITEM, &v, sizeof(v)));
    return RAP_OK;
}

static int sink_item(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)state, (void)from, (void)data, (void)len;
    atomic_fetch_add(&sunk, 1);
    return RAP_OK;
}

int main(int argc, char **argv)
{
    rap_aid computer;

    setenv("RAPTORS_WORKERS", "1", 1);
    MT_OK(rap_msg_type_register("guard.go", sizeof(rap_aid), RAP_MSG_FIXED, &GO));
    MT_OK(rap_msg_type_register("guard.item", sizeof(int), RAP_MSG_FIXED, &ITEM));
    MT_OK(rap_actor_type_register("guard.computer", 0, NULL, NULL, &COMPUTER));
    MT_OK(rap_actor_type_register("guard.sender", 0, NULL, NULL, &SENDER));
    MT_OK(rap_actor_type_register("guard.sink", 0, NULL, NULL, &SINK));
    MT_OK(rap_actor_type_on(COMPUTER, GO, computer_go));
    MT_OK(rap_actor_type_on(SENDER, GO, sender_go));
    MT_OK(rap_actor_type_on(SINK, ITEM, sink_item));
    /* Exact counts of what reaches MPI: no profile samples among them. */
    setenv("RAPTORS_PROFILE", "off", 1);
    MT_OK(rap_init(&argc, &argv));
    if (rap_size() != 2)
        MT_SKIP("needs exactly 2 ranks");
    MT_CHECK(rap_workers() == 1);
    if (rap_rank() == 0)
        MT_OK(rap_spawn(NULL, SENDER, NULL, 0, &sender));
    else
        MT_OK(rap_spawn(NULL, SINK, NULL, 0, &sink));
    MPI_Bcast(&sender, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    MPI_Bcast(&sink, 1, MPI_UINT64_T, 1, MPI_COMM_WORLD);
    if (rap_rank() == 1) {
        MT_OK(rap_spawn(NULL, COMPUTER, NULL, 0, &computer));
        MT_OK(rap_send(NULL, computer, GO, &sender, sizeof(sender)));
    }
    MT_OK(rap_run());
    if (rap_rank() == 1) {
        MT_CHECK(atomic_load(&received_in_compute) >= N);
        MT_CHECK(atomic_load(&sunk) == N);
    }
    MT_OK(rap_finalize());
    return 0;
}
