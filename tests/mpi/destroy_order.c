/* A destroy request keeps its place among its sender's messages across
 * ranks: on each rank an actor sends 100 messages to each of several
 * victims on the other ranks, then destroys it, then sends 50 more.  Each
 * victim handles exactly the first 100, in order; the 50 come back to the
 * sender as dead letters. */
#include <stdatomic.h>
#include <stdlib.h>

#include "support/mpitest.h"

enum { VICTIMS = 8, BEFORE = 100, AFTER = 50 };
static uint32_t SEQ, GO, VICTIM, KILLER;
static _Atomic long handled, out_of_order, dead;

typedef struct victim { uint32_t next; } victim;
typedef struct targets { rap_aid to[64]; int n; } targets;

static int victim_seq(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    victim *v = state;
    (void)ctx, (void)from, (void)len;
    if (*(const uint32_t *)data != v->next)
        atomic_fetch_add(&out_of_order, 1);
    v->next++;
    atomic_fetch_add(&handled, 1);
    return RAP_OK;
}

static int killer_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    const targets *t = data;
    (void)state, (void)from, (void)len;
    for (int k = 0; k < t->n; k++) {
        for (uint32_t i = 0; i < BEFORE + AFTER; i++) {
            if (i == BEFORE)
                MT_OK(rap_destroy(ctx, t->to[k]));
            MT_OK(rap_send(ctx, t->to[k], SEQ, &i, sizeof(i)));
        }
    }
    return RAP_OK;
}

static void killer_error(rap_ctx *ctx, void *state, const rap_error_event *ev)
{
    (void)ctx, (void)state;
    MT_CHECK(ev->kind == RAP_ERROR_DEAD_LETTER && ev->code == RAP_EDEAD && ev->msg_type == SEQ);
    atomic_fetch_add(&dead, 1);
}

int main(int argc, char **argv)
{
    int rank, size;
    rap_aid killer, *all;
    targets t = { .n = 0 };
    long mine[3], sum[3];

    MT_OK(rap_msg_type_register("dorder.seq", sizeof(uint32_t), RAP_MSG_FIXED, &SEQ));
    MT_OK(rap_msg_type_register("dorder.go", sizeof(targets), RAP_MSG_FIXED, &GO));
    MT_OK(rap_actor_type_register("dorder.victim", sizeof(victim), NULL, NULL, &VICTIM));
    MT_OK(rap_actor_type_register("dorder.killer", 0, NULL, NULL, &KILLER));
    MT_OK(rap_actor_type_on(VICTIM, SEQ, victim_seq));
    MT_OK(rap_actor_type_on(KILLER, GO, killer_go));
    MT_OK(rap_actor_type_on_error(KILLER, killer_error));
    MT_OK(rap_init(&argc, &argv));
    rank = rap_rank();
    size = rap_size();
    if (size < 2)
        MT_SKIP("needs 2 ranks");
    /* VICTIMS victims here, for the next rank's killer. */
    all = calloc((size_t)size * VICTIMS, sizeof(*all));
    rap_aid mine_v[VICTIMS];
    for (int i = 0; i < VICTIMS; i++)
        MT_OK(rap_spawn(NULL, VICTIM, NULL, 0, &mine_v[i]));
    MPI_Allgather(mine_v, VICTIMS, MPI_UINT64_T, all, VICTIMS, MPI_UINT64_T, MPI_COMM_WORLD);
    int prev = (rank + size - 1) % size;
    for (int i = 0; i < VICTIMS; i++)
        t.to[t.n++] = all[prev * VICTIMS + i];
    MT_OK(rap_spawn(NULL, KILLER, NULL, 0, &killer));
    MT_OK(rap_send(NULL, killer, GO, &t, sizeof(t)));
    MT_OK(rap_run());
    mine[0] = atomic_load(&handled);
    mine[1] = atomic_load(&out_of_order);
    mine[2] = atomic_load(&dead);
    MPI_Allreduce(mine, sum, 3, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    MT_CHECK(sum[1] == 0);
    MT_CHECK(mine[0] == VICTIMS * BEFORE);  /* this rank's victims: exactly the first 100 each */
    MT_CHECK(mine[2] == VICTIMS * AFTER);   /* this rank's killer: the last 50 of each back */
    MT_CHECK(sum[0] == (long)size * VICTIMS * BEFORE);
    free(all);
    MT_OK(rap_finalize());
    return 0;
}
