/* A large-message header whose body never comes does not stall its rank:
 * rank 1 sends rank 0 such a header (of the ActorError kind), then plays
 * 200 round trips of ActorActionMsgs with it.  Rank 0 answers each with
 * its count of malformed messages: all 200 answers must come while the
 * body is still awaited (the count is still 0: it is dropped, counted,
 * only after 10 s).  Messages of the same kind from the same rank wait
 * behind it (order), others go on. */
#include <stdatomic.h>
#include <string.h>

#include "msg/wire.h"
#include "support/mpitest.h"
#include "system/node.h"
#include "util/counters.h"

enum { ROUNDS = 200 };
static uint32_t PING, PONG, GO, ECHO, PINGER;
static _Atomic long rounds, malformed_seen_max = -1;

static int echo_ping(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    rap_stats st;
    uint64_t m;
    (void)state, (void)data, (void)len;
    MT_OK(rap_stats_get(&st));
    m = st.malformed;
    return rap_send(ctx, from, PONG, &m, sizeof(m));
}

static int pinger_pong(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    long m = (long)*(const uint64_t *)data;
    (void)state, (void)len;
    if (m > atomic_load(&malformed_seen_max))
        atomic_store(&malformed_seen_max, m);
    if (atomic_fetch_add(&rounds, 1) + 1 < ROUNDS)
        return rap_send(ctx, from, PING, NULL, 0);
    return RAP_OK;
}

static int pinger_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)state, (void)from, (void)len;
    return rap_send(ctx, *(const rap_aid *)data, PING, NULL, 0);
}

int main(int argc, char **argv)
{
    rap_aid echo = RAP_AID_NONE, pinger;
    rap_stats st;

    MT_OK(rap_msg_type_register("orphan.ping", 0, RAP_MSG_VAR, &PING));
    MT_OK(rap_msg_type_register("orphan.pong", sizeof(uint64_t), RAP_MSG_FIXED, &PONG));
    MT_OK(rap_actor_type_register("orphan.echo", 0, NULL, NULL, &ECHO));
    MT_OK(rap_actor_type_register("orphan.pinger", 0, NULL, NULL, &PINGER));
    MT_OK(rap_actor_type_on(ECHO, PING, echo_ping));
    MT_OK(rap_actor_type_on(PINGER, PONG, pinger_pong));
    MT_OK(rap_msg_type_register("orphan.go", sizeof(rap_aid), RAP_MSG_FIXED, &GO));
    MT_OK(rap_actor_type_on(PINGER, GO, pinger_go));
    MT_OK(rap_init(&argc, &argv));
    if (rap_size() != 2)
        MT_SKIP("needs exactly 2 ranks");
    if (rap_rank() == 0)
        MT_OK(rap_spawn(NULL, ECHO, NULL, 0, &echo));
    MPI_Bcast(&echo, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    if (rap_rank() == 1) {
        rap_wire_hdr h = { RAP_WIRE_MAGIC, RAP_WIRE_VERSION, RAP_KIND_ACTOR_ERROR, 0, echo,
                           RAP_AID_NONE, 100000, RAP_WIRE_LARGE };
        rap__ctr_add(RAP_CTR_MPI_SENT, 1); /* counted, so that termination balances */
        MT_CHECK(MPI_Send(&h, sizeof(h), MPI_BYTE, 0, rap__kind_tag(RAP_KIND_ACTOR_ERROR), g_node.comm) ==
                 MPI_SUCCESS);
        MT_OK(rap_spawn(NULL, PINGER, NULL, 0, &pinger));
        MT_OK(rap_send(NULL, pinger, GO, &echo, sizeof(echo)));
    }
    MT_OK(rap_run());
    MT_OK(rap_stats_get(&st));
    if (rap_rank() == 1) {
        MT_CHECK(atomic_load(&rounds) == ROUNDS);
        MT_CHECK(atomic_load(&malformed_seen_max) == 0); /* every answer before the timeout */
    } else {
        MT_CHECK(st.malformed == 1); /* then the header was dropped */
    }
    MT_OK(rap_finalize());
    return 0;
}
