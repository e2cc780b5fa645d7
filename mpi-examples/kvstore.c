/* mpi-examples/kvstore.c -- ask/reply: a key-value store sharded over the
 * ranks (one store actor per rank owns the keys k with k % ranks == its
 * rank).  A client actor on every rank puts N keys and then reads them
 * back with rap_ask, each answer coming to its reply handler with the key
 * as cookie; at the end rank 0's main thread asks a store itself with the
 * blocking rap_ask_wait.
 *
 *   mpirun -np 4 ./mpi-examples/kvstore [keys-per-client]
 */
#include <stdio.h>
#include <stdlib.h>

#include "raptors.h"

enum { SLOTS = 1 << 16 };
typedef struct kv { int64_t key, value; } kv;
typedef struct store { int64_t value[SLOTS]; } store;
typedef struct client { rap_aid *stores; int64_t base; int acked, read, wrong; } client;

static uint32_t PUT, GET, VAL, ACK, START, STORE, CLIENT;
static int nkeys = 1000;
static rap_aid stores[64];

static rap_aid owner(int64_t key) { return stores[key % rap_size()]; }

static int store_put(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    const kv *p = data;
    ((store *)state)->value[p->key / rap_size() % SLOTS] = p->value;
    return rap_reply(ctx, ACK, NULL, 0);
}

static int store_get(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    kv r = { *(const int64_t *)data, 0 };
    r.value = ((store *)state)->value[r.key / rap_size() % SLOTS];
    return rap_reply(ctx, VAL, &r, sizeof(r));
}

static int client_start(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    client *c = state;
    c->base = (int64_t)rap_rank() * nkeys;
    for (int64_t i = 0; i < nkeys; i++) {
        kv p = { c->base + i, (c->base + i) * (c->base + i) };
        int rc = rap_ask(ctx, owner(p.key), PUT, &p, sizeof(p), 10 * RAP_SEC, (uint64_t)p.key);
        if (rc != RAP_OK)
            return rc;
    }
    return RAP_OK;
}

static void client_reply(rap_ctx *ctx, void *state, rap_aid from, uint64_t cookie, uint32_t type,
                         const void *data, size_t len)
{
    client *c = state;
    if (type == ACK && ++c->acked == nkeys) /* every put is in: read them back */
        for (int64_t i = 0; i < nkeys; i++) {
            int64_t key = c->base + i;
            rap_ask(ctx, owner(key), GET, &key, sizeof(key), 10 * RAP_SEC, (uint64_t)key);
        }
    if (type == VAL) {
        const kv *r = data;
        c->wrong += r->key != (int64_t)cookie || r->value != r->key * r->key;
        if (++c->read == nkeys)
            rap_log(ctx, RAP_LOG_INFO, "client on rank %d: %d keys written and read back, %d wrong",
                    rap_rank(), c->read, c->wrong);
    }
}

static void client_error(rap_ctx *ctx, void *state, const rap_error_event *ev)
{
    rap_log(ctx, RAP_LOG_ERROR, "request with cookie %llu failed: %s", (unsigned long long)ev->cookie,
            rap_err_name(ev->code));
}

int main(int argc, char **argv)
{
    rap_aid me, c;
    uint32_t type;
    size_t n;
    kv r;

    if (argc > 1)
        nkeys = atoi(argv[1]);
    rap_msg_type_register("kv.put", sizeof(kv), RAP_MSG_FIXED, &PUT);
    rap_msg_type_register("kv.get", sizeof(int64_t), RAP_MSG_FIXED, &GET);
    rap_msg_type_register("kv.val", sizeof(kv), RAP_MSG_FIXED, &VAL);
    rap_msg_type_register("kv.ack", 0, RAP_MSG_VAR, &ACK);
    rap_msg_type_register("kv.start", 0, RAP_MSG_VAR, &START);
    rap_actor_type_register("kv.store", sizeof(store), NULL, NULL, &STORE);
    rap_actor_type_on(STORE, PUT, store_put);
    rap_actor_type_on(STORE, GET, store_get);
    rap_actor_type_register("kv.client", sizeof(client), NULL, NULL, &CLIENT);
    rap_actor_type_on(CLIENT, START, client_start);
    rap_actor_type_on_reply(CLIENT, client_reply);
    rap_actor_type_on_error(CLIENT, client_error);
    if (rap_init(&argc, &argv) != RAP_OK || rap_size() > 64 || nkeys < 1 || (int64_t)nkeys * rap_size() > SLOTS)
        return 1;
    rap_spawn(NULL, STORE, NULL, 0, &me);
    MPI_Allgather(&me, 1, MPI_UINT64_T, stores, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    rap_spawn(NULL, CLIENT, NULL, 0, &c);
    rap_send(NULL, c, START, NULL, 0);
    int rc = rap_run();
    if (rc == RAP_OK && rap_rank() == 0) { /* a blocking ask from the main thread */
        int64_t key = (int64_t)rap_size() * nkeys - 1;
        rc = rap_ask_wait(owner(key), GET, &key, sizeof(key), 10 * RAP_SEC, &type, &r, sizeof(r), &n);
        printf("kvstore: %d ranks, %d keys each; main thread asked for key %lld: %lld (%s)\n", rap_size(), nkeys,
               (long long)key, (long long)r.value, rc == RAP_OK && r.value == key * key ? "OK" : "WRONG");
    }
    rap_finalize();
    return rc == RAP_OK ? 0 : 1;
}
