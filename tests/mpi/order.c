/* Order and completeness across ranks: on every rank a sender streams
 * 100,000 numbered messages to a receiver on the next rank while a second
 * sender streams 10,000 to the same receiver; each receiver must see both
 * streams complete, uncorrupted and each in its own order. */
#include <stdatomic.h>
#include <stdlib.h>

#include "support/mpitest.h"

enum { BIG = 100000, SMALL = 10000 };

typedef struct item { uint64_t seq; uint32_t stream; uint32_t check; } item;
typedef struct sender { rap_aid to; uint32_t stream; uint32_t count; } sender;
typedef struct receiver { uint64_t next[2]; uint64_t got; uint64_t bad; } receiver;

static uint32_t ITEM, GO, SENDER, RECEIVER;
static _Atomic uint64_t got_total, bad_total;

static uint32_t mix(uint64_t seq, uint32_t stream)
{
    uint64_t x = (seq + 1) * UINT64_C(0x9e3779b97f4a7c15) ^ stream;
    return (uint32_t)(x >> 29);
}

static int sender_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    (void)ctx;
    MT_CHECK(len == sizeof(sender));
    *(sender *)state = *(const sender *)arg;
    return RAP_OK;
}

static int sender_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    sender *s = state;
    (void)from, (void)data, (void)len;
    for (uint64_t i = 0; i < s->count; i++) {
        item it = { i, s->stream, mix(i, s->stream) };
        int rc = rap_send(ctx, s->to, ITEM, &it, sizeof(it));
        if (rc != RAP_OK)
            return rc;
    }
    return RAP_OK;
}

static int receiver_item(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    receiver *r = state;
    const item *it = data;
    (void)ctx, (void)from;
    if (len != sizeof(*it) || it->stream > 1 || it->check != mix(it->seq, it->stream) ||
        it->seq != r->next[it->stream])
        r->bad++;
    else
        r->next[it->stream]++;
    r->got++;
    if (r->got == BIG + SMALL) {
        atomic_fetch_add(&got_total, r->got);
        atomic_fetch_add(&bad_total, r->bad);
    }
    return RAP_OK;
}

int main(int argc, char **argv)
{
    rap_aid recv, *all, s1, s2;
    int rank, size;
    uint64_t mine[2], sum[2];

    MT_OK(rap_msg_type_register("order.item", sizeof(item), RAP_MSG_FIXED, &ITEM));
    MT_OK(rap_msg_type_register("order.go", 0, RAP_MSG_VAR, &GO));
    MT_OK(rap_actor_type_register("order.sender", sizeof(sender), sender_init, NULL, &SENDER));
    MT_OK(rap_actor_type_register("order.receiver", sizeof(receiver), NULL, NULL, &RECEIVER));
    MT_OK(rap_actor_type_on(SENDER, GO, sender_go));
    MT_OK(rap_actor_type_on(RECEIVER, ITEM, receiver_item));
    /* Exact counts of what reaches MPI: no profile samples among them. */
    setenv("RAPTORS_PROFILE", "off", 1);
    MT_OK(rap_init(&argc, &argv));
    rank = rap_rank();
    size = rap_size();
    if (size < 2)
        MT_SKIP("needs 2 ranks");

    MT_OK(rap_spawn(NULL, RECEIVER, NULL, 0, &recv));
    all = calloc((size_t)size, sizeof(*all));
    MPI_Allgather(&recv, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    sender a = { all[(rank + 1) % size], 0, BIG }, b = { all[(rank + 1) % size], 1, SMALL };
    MT_OK(rap_spawn(NULL, SENDER, &a, sizeof(a), &s1));
    MT_OK(rap_spawn(NULL, SENDER, &b, sizeof(b), &s2));
    MT_OK(rap_send(NULL, s1, GO, NULL, 0));
    MT_OK(rap_send(NULL, s2, GO, NULL, 0));
    MT_OK(rap_run());

    mine[0] = atomic_load(&got_total);
    mine[1] = atomic_load(&bad_total);
    MT_CHECK(mine[0] == BIG + SMALL); /* this rank's receiver saw everything */
    MT_CHECK(mine[1] == 0);
    MPI_Allreduce(mine, sum, 2, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    MT_CHECK(sum[0] == (uint64_t)size * (BIG + SMALL));
    /* The bursts went coalesced: far fewer MPI messages than messages. */
    rap_stats st;
    MT_OK(rap_stats_get(&st));
    MT_CHECK(st.sent_remote == BIG + SMALL);
    MT_CHECK(st.batches_sent > 0 && st.batches_sent < (BIG + SMALL) / 10);
    free(all);
    MT_OK(rap_finalize());
    return 0;
}
