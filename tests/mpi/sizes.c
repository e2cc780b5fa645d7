/* Message sizes across the transport's paths, in one ordered stream: each
 * rank's sender streams 3,000 messages to the next rank's receiver with
 * sizes cycling over the boundaries (8 B, batched; the largest image a
 * small slot holds and one byte more; 10,000 B; 64 KiB and the largest
 * image an ActorAction slot holds, both straight into a posted envelope;
 * one byte more and 200,000 B, header and bulk).  Every message must
 * arrive once, in order, with its bytes intact. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "support/mpitest.h"

enum { COUNT = 3000, HDR = 32 };
static const size_t sizes[] = {
    8, 3968 - HDR, 3968 - HDR + 1, 10000, 65536, 65536 + 64 - HDR, 65536 + 64 - HDR + 1, 200000,
};
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

typedef struct sender { rap_aid to; } sender;
typedef struct receiver { uint32_t next; uint32_t bad; } receiver;

static uint32_t DATA, GO, SENDER, RECEIVER;
static _Atomic uint32_t got, bad;

static unsigned char byte_at(uint32_t seq, size_t i)
{
    return (unsigned char)((seq * 131u + i * 7u + (i >> 9)) ^ 0x5a);
}

static int sender_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    sender *s = state;
    (void)from, (void)len;
    memcpy(&s->to, data, sizeof(s->to));
    for (uint32_t seq = 0; seq < COUNT; seq++) {
        size_t n = sizes[seq % NSIZES];
        rap_msg *m;
        unsigned char *p;
        MT_OK(rap_msg_alloc(ctx, DATA, n, &m));
        p = rap_msg_data(m);
        memcpy(p, &seq, sizeof(seq));
        for (size_t i = sizeof(seq); i < n; i++)
            p[i] = byte_at(seq, i);
        MT_OK(rap_msg_send(ctx, s->to, m));
    }
    return RAP_OK;
}

static int receiver_data(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    receiver *r = state;
    const unsigned char *p = data;
    uint32_t seq;
    int ok;
    (void)ctx, (void)from;
    memcpy(&seq, p, sizeof(seq));
    ok = seq == r->next && len == sizes[seq % NSIZES];
    for (size_t i = sizeof(seq); ok && i < len; i++)
        ok = p[i] == byte_at(seq, i);
    if (!ok)
        atomic_fetch_add(&bad, 1);
    r->next = seq + 1;
    atomic_fetch_add(&got, 1);
    return RAP_OK;
}

int main(int argc, char **argv)
{
    rap_aid recv, snd, *all;
    int rank, size;
    uint32_t mine[2], sum[2];

    MT_OK(rap_msg_type_register("sizes.data", 0, RAP_MSG_VAR, &DATA));
    MT_OK(rap_msg_type_register("sizes.go", sizeof(rap_aid), RAP_MSG_FIXED, &GO));
    MT_OK(rap_actor_type_register("sizes.sender", sizeof(sender), NULL, NULL, &SENDER));
    MT_OK(rap_actor_type_register("sizes.receiver", sizeof(receiver), NULL, NULL, &RECEIVER));
    MT_OK(rap_actor_type_on(SENDER, GO, sender_go));
    MT_OK(rap_actor_type_on(RECEIVER, DATA, receiver_data));
    MT_OK(rap_init(&argc, &argv));
    rank = rap_rank();
    size = rap_size();
    if (size < 2)
        MT_SKIP("needs 2 ranks");
    MT_OK(rap_spawn(NULL, RECEIVER, NULL, 0, &recv));
    all = calloc((size_t)size, sizeof(*all));
    MPI_Allgather(&recv, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    MT_OK(rap_spawn(NULL, SENDER, NULL, 0, &snd));
    MT_OK(rap_send(NULL, snd, GO, &all[(rank + 1) % size], sizeof(rap_aid)));
    MT_OK(rap_run());
    mine[0] = atomic_load(&got);
    mine[1] = atomic_load(&bad);
    MT_CHECK(mine[0] == COUNT);
    MT_CHECK(mine[1] == 0);
    MPI_Allreduce(mine, sum, 2, MPI_UINT32_T, MPI_SUM, MPI_COMM_WORLD);
    MT_CHECK(sum[0] == (uint32_t)size * COUNT && sum[1] == 0);
    free(all);
    MT_OK(rap_finalize());
    return 0;
}
