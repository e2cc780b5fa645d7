/* Termination with messages in flight: a relay whose handlers compute for
 * a few milliseconds crosses the ranks HOPS times, and every hop also
 * sends a report to a collector on rank 0 that computes too.  Most of the
 * time every rank but one is idle while a message is in flight or being
 * handled, so a rap_run that returned on idleness alone (or on a timeout)
 * would return before the last hop: the counts would fall short. */
#include <stdatomic.h>
#include <stdlib.h>

#include "support/mpitest.h"
#include "util/clock.h"

enum { HOPS = 60 };

static uint32_t HOP, REPORT, RELAY, COLLECT, SETNEXT;
static _Atomic int hops_here, reports;

static void compute(uint64_t us)
{
    uint64_t end = rap__now_ns() + us * 1000u;
    while (rap__now_ns() < end)
        ;
}

typedef struct relay { rap_aid next, collector; } relay;

static int relay_setnext(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)from, (void)len;
    *(relay *)state = *(const relay *)data;
    return RAP_OK;
}

static int relay_hop(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    relay *r = state;
    int h = *(const int *)data + 1;
    (void)from, (void)len;
    compute(3000);
    atomic_fetch_add(&hops_here, 1);
    MT_OK(rap_send(ctx, r->collector, REPORT, &h, sizeof(h)));
    if (h < HOPS)
        return rap_send(ctx, r->next, HOP, &h, sizeof(h));
    return RAP_OK;
}

static int collect_report(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)state, (void)from, (void)data, (void)len;
    compute(1000);
    atomic_fetch_add(&reports, 1);
    return RAP_OK;
}

int main(int argc, char **argv)
{
    rap_aid me, collector = RAP_AID_NONE, *all;
    int rank, size, mine, total = 0, zero = 0;

    MT_OK(rap_msg_type_register("term.hop", sizeof(int), RAP_MSG_FIXED, &HOP));
    MT_OK(rap_msg_type_register("term.report", sizeof(int), RAP_MSG_FIXED, &REPORT));
    MT_OK(rap_msg_type_register("term.setnext", sizeof(relay), RAP_MSG_FIXED, &SETNEXT));
    MT_OK(rap_actor_type_register("term.relay", sizeof(relay), NULL, NULL, &RELAY));
    MT_OK(rap_actor_type_register("term.collector", 0, NULL, NULL, &COLLECT));
    MT_OK(rap_actor_type_on(RELAY, HOP, relay_hop));
    MT_OK(rap_actor_type_on(RELAY, SETNEXT, relay_setnext));
    MT_OK(rap_actor_type_on(COLLECT, REPORT, collect_report));
    MT_OK(rap_init(&argc, &argv));
    rank = rap_rank();
    size = rap_size();
    all = calloc((size_t)size, sizeof(*all));
    MT_OK(rap_spawn(NULL, RELAY, NULL, 0, &me));
    if (rank == 0)
        MT_OK(rap_spawn(NULL, COLLECT, NULL, 0, &collector));
    MPI_Bcast(&collector, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    MPI_Allgather(&me, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    relay r = { all[(rank + 1) % size], collector };
    MT_OK(rap_send(NULL, me, SETNEXT, &r, sizeof(r)));
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        MT_OK(rap_send(NULL, me, HOP, &zero, sizeof(zero)));
    MT_OK(rap_run());

    /* Everything happened before rap_run returned, on every rank. */
    mine = atomic_load(&hops_here);
    MT_CHECK(mine == HOPS / size + (rank < HOPS % size));
    MPI_Allreduce(&mine, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MT_CHECK(total == HOPS);
    if (rank == 0)
        MT_CHECK(atomic_load(&reports) == HOPS);
    /* A second run with nothing to do returns at once, and changes nothing. */
    MT_OK(rap_run());
    MT_CHECK(atomic_load(&hops_here) == mine);
    free(all);
    MT_OK(rap_finalize());
    return 0;
}
