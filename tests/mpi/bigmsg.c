/* A 64 MiB message crosses from rank 0 to the last rank intact (sent with
 * rap_send), and comes back intact (zero-copy: rap_msg_alloc + rap_msg_send). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "support/mpitest.h"

#define BIG_BYTES ((size_t)64 << 20)

static uint32_t BLOB, ECHO, START;
static _Atomic int verified_there, verified_back;

static unsigned char pattern(size_t i, unsigned salt)
{
    return (unsigned char)(((i * 2654435761u) >> 13) ^ (i >> 20) ^ salt);
}

static int intact(const void *data, size_t len, unsigned salt)
{
    const unsigned char *p = data;
    if (len != BIG_BYTES)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (p[i] != pattern(i, salt))
            return 0;
    return 1;
}

static int echo_blob(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    rap_msg *m;
    unsigned char *out;
    (void)state;
    if (intact(data, len, 1))
        atomic_store(&verified_there, 1);
    MT_OK(rap_msg_alloc(ctx, BLOB, BIG_BYTES, &m));
    out = rap_msg_data(m);
    for (size_t i = 0; i < BIG_BYTES; i++)
        out[i] = pattern(i, 2);
    return rap_msg_send(ctx, from, m);
}

static int origin_blob(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)state, (void)from;
    if (intact(data, len, 2))
        atomic_store(&verified_back, 1);
    return RAP_OK;
}

static int origin_start(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    rap_aid echo;
    unsigned char *buf = malloc(BIG_BYTES);
    int rc;
    (void)state, (void)from, (void)len;

    memcpy(&echo, data, sizeof(echo));
    MT_CHECK(buf != NULL);
    for (size_t i = 0; i < BIG_BYTES; i++)
        buf[i] = pattern(i, 1);
    /* rap_send copies: the buffer is the caller's again at once. */
    rc = rap_send(ctx, echo, BLOB, buf, BIG_BYTES);
    memset(buf, 0, BIG_BYTES);
    free(buf);
    return rc;
}

int main(int argc, char **argv)
{
    uint32_t ORIGIN;
    rap_aid echo = RAP_AID_NONE, origin;
    int size, flags[2], sum[2];

    MT_OK(rap_msg_type_register("big.blob", 0, RAP_MSG_VAR, &BLOB));
    MT_OK(rap_actor_type_register("big.echo", 0, NULL, NULL, &ECHO));
    MT_OK(rap_actor_type_register("big.origin", 0, NULL, NULL, &ORIGIN));
    MT_OK(rap_actor_type_on(ECHO, BLOB, echo_blob));
    MT_OK(rap_msg_type_register("big.start", sizeof(rap_aid), RAP_MSG_FIXED, &START));
    MT_OK(rap_actor_type_on(ORIGIN, BLOB, origin_blob));
    MT_OK(rap_actor_type_on(ORIGIN, START, origin_start));
    MT_OK(rap_init(&argc, &argv));
    size = rap_size();
    if (size < 2)
        MT_SKIP("needs 2 ranks");
    if (rap_rank() == size - 1)
        MT_OK(rap_spawn(NULL, ECHO, NULL, 0, &echo));
    MPI_Bcast(&echo, 1, MPI_UINT64_T, size - 1, MPI_COMM_WORLD);
    if (rap_rank() == 0) {
        MT_OK(rap_spawn(NULL, ORIGIN, NULL, 0, &origin));
        MT_OK(rap_send(NULL, origin, START, &echo, sizeof(echo)));
    }
    MT_OK(rap_run());
    flags[0] = atomic_load(&verified_there);
    flags[1] = atomic_load(&verified_back);
    MPI_Allreduce(flags, sum, 2, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MT_CHECK(sum[0] == 1);
    MT_CHECK(sum[1] == 1);
    MT_OK(rap_finalize());
    return 0;
}
