/* The ring: one actor per rank passes a token to the next rank's actor;
 * after LAPS laps every actor has seen it exactly LAPS times, in order. */
#include <stdlib.h>

#include "support/mpitest.h"

enum { LAPS = 1000 };

typedef struct ring { rap_aid next; uint64_t seen; uint64_t bad; } ring;
static uint32_t TOKEN, SETNEXT, RING;
static ring *g_mine; /* read by main after rap_run returns */

static int ring_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    (void)ctx, (void)arg, (void)len;
    g_mine = state;
    return RAP_OK;
}

static int ring_setnext(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)from, (void)len;
    ((ring *)state)->next = *(const rap_aid *)data;
    return RAP_OK;
}

static int ring_token(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    ring *r = state;
    uint64_t hops = *(const uint64_t *)data;
    (void)from, (void)len;
    /* Hop h reaches rank h % size: check where the token is. */
    if ((int)(hops % (uint64_t)rap_size()) != rap_rank())
        r->bad++;
    r->seen++;
    hops++;
    if (hops < (uint64_t)LAPS * (uint64_t)rap_size())
        return rap_send(ctx, r->next, TOKEN, &hops, sizeof(hops));
    return RAP_OK;
}

int main(int argc, char **argv)
{
    rap_aid me, *all;
    int rank, size;
    uint64_t zero = 0;

    MT_OK(rap_msg_type_register("ring.token", sizeof(uint64_t), RAP_MSG_FIXED, &TOKEN));
    MT_OK(rap_actor_type_register("ring.node", sizeof(ring), ring_init, NULL, &RING));
    MT_OK(rap_msg_type_register("ring.setnext", sizeof(rap_aid), RAP_MSG_FIXED, &SETNEXT));
    MT_OK(rap_actor_type_on(RING, TOKEN, ring_token));
    MT_OK(rap_actor_type_on(RING, SETNEXT, ring_setnext));
    MT_OK(rap_init(&argc, &argv));
    rank = rap_rank();
    size = rap_size();
    all = calloc((size_t)size, sizeof(*all));
    /* Spawn, share the ids, then tell each actor its successor: the
     * message is in its mailbox before any token can arrive. */
    MT_OK(rap_spawn(NULL, RING, NULL, 0, &me));
    MPI_Allgather(&me, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    MT_OK(rap_send(NULL, me, SETNEXT, &all[(rank + 1) % size], sizeof(rap_aid)));
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        MT_OK(rap_send(NULL, me, TOKEN, &zero, sizeof(zero)));
    MT_OK(rap_run());
    MT_CHECK(g_mine->seen == LAPS);
    MT_CHECK(g_mine->bad == 0);
    free(all);
    MT_OK(rap_finalize());
    return 0;
}
