/* A program that calls MPI_Finalize without rap_finalize: Raptors
 * finalises itself inside MPI_Finalize (every actor's fini runs, on every
 * rank) and the program ends normally instead of crashing. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "raptors.h"
#include "support/mpitest.h"

enum { ACTORS = 10 };
static uint32_t NOTE, KEEPER;
static _Atomic int notes, finis;

static int keeper_note(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)state, (void)from, (void)data, (void)len;
    atomic_fetch_add(&notes, 1);
    return RAP_OK;
}

static void keeper_fini(rap_ctx *ctx, void *state)
{
    (void)ctx, (void)state;
    atomic_fetch_add(&finis, 1);
}

int main(int argc, char **argv)
{
    int finalized = 0;
    rap_aid a;

    MT_CHECK_AFTER(rap_msg_type_register("fin.note", 0, RAP_MSG_VAR, &NOTE) == RAP_OK);
    MT_CHECK_AFTER(rap_actor_type_register("fin.keeper", 0, NULL, keeper_fini, &KEEPER) == RAP_OK);
    MT_CHECK_AFTER(rap_actor_type_on(KEEPER, NOTE, keeper_note) == RAP_OK);
    MT_CHECK_AFTER(rap_init(&argc, &argv) == RAP_OK);
    for (int i = 0; i < ACTORS; i++) {
        MT_CHECK_AFTER(rap_spawn(NULL, KEEPER, NULL, 0, &a) == RAP_OK);
        MT_CHECK_AFTER(rap_send(NULL, a, NOTE, NULL, 0) == RAP_OK);
    }
    MT_CHECK_AFTER(rap_run() == RAP_OK);
    MT_CHECK_AFTER(atomic_load(&notes) == ACTORS);
    MT_CHECK_AFTER(atomic_load(&finis) == 0);
    MPI_Finalize(); /* no rap_finalize */
    MPI_Finalized(&finalized);
    MT_CHECK_AFTER(finalized);
    MT_CHECK_AFTER(atomic_load(&finis) == ACTORS);
    MT_CHECK_AFTER(rap_rank() == -1); /* Raptors is down */
    return 0;
}
