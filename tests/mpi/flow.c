/* Flow control: an actor on rank 0 floods an actor on rank 1 whose handler
 * is slow (about 3 µs a message) with 100,000 messages of 1 KiB (about
 * 100 MiB), then sends three messages of 3 MiB, each larger than the
 * window.  With RAPTORS_FLOW_WINDOW=1 MiB, rank 1's peak resident memory
 * may grow by at most FLOW_BOUND_MIB while the stream is handled (without
 * flow control it grows by most of the 100 MiB); every message arrives,
 * uncorrupted and in order, the large ones too; and the sender reports
 * that it waited for credit.  The resident-memory bound is not checked
 * under AddressSanitizer (its quarantine keeps freed memory resident). */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support/mpitest.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

enum { COUNT = 100000, ITEM_BYTES = 1024, BIGS = 3, BIG_BYTES = 3 << 20, FLOW_BOUND_MIB = 24 };

typedef struct receiver { uint64_t next, bad, bigs; } receiver;

static uint32_t ITEM, BIG, GO, SENDER, RECEIVER;
static _Atomic uint64_t stream_done, bigs_done, bad_total;
static _Atomic long hwm_after_stream;

static long vm_hwm_kib(void)
{
    char line[256];
    long kib = -1;
    FILE *f = fopen("/proc/self/status", "r");

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

static uint64_t word(uint64_t seq, int i) { return (seq + 1) * UINT64_C(0x9e3779b97f4a7c15) + (uint64_t)i; }

static void spin_us(double us)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    do
        clock_gettime(CLOCK_MONOTONIC, &b);
    while ((double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3 < us);
}

static int sender_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    rap_aid to;
    uint64_t buf[ITEM_BYTES / 8];
    (void)state, (void)from;

    MT_CHECK(len == sizeof(to));
    memcpy(&to, data, sizeof(to));
    for (uint64_t s = 0; s < COUNT; s++) {
        for (int i = 0; i < ITEM_BYTES / 8; i++)
            buf[i] = word(s, i);
        MT_OK(rap_send(ctx, to, ITEM, buf, sizeof(buf)));
    }
    for (uint64_t s = 0; s < BIGS; s++) {
        rap_msg *m = NULL;
        MT_OK(rap_msg_alloc(ctx, BIG, BIG_BYTES, &m));
        uint64_t *w = rap_msg_data(m);
        for (int i = 0; i < BIG_BYTES / 8; i++)
            w[i] = word(COUNT + s, i);
        MT_OK(rap_msg_send(ctx, to, m));
    }
    return RAP_OK;
}

static int receiver_item(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    receiver *r = state;
    const uint64_t *w = data;
    (void)ctx, (void)from;

    spin_us(3.0);
    if (len != ITEM_BYTES || w[0] != word(r->next, 0) || w[ITEM_BYTES / 8 - 1] != word(r->next, ITEM_BYTES / 8 - 1))
        r->bad++;
    r->next++;
    if (r->next == COUNT) {
        atomic_store(&hwm_after_stream, vm_hwm_kib());
        atomic_store(&stream_done, r->next);
        atomic_fetch_add(&bad_total, r->bad);
    }
    return RAP_OK;
}

static int receiver_big(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    receiver *r = state;
    const uint64_t *w = data;
    uint64_t s = COUNT + r->bigs;
    int ok = len == BIG_BYTES && r->next == COUNT;
    (void)ctx, (void)from;

    for (int i = 0; ok && i < BIG_BYTES / 8; i += 4099)
        ok = w[i] == word(s, i);
    if (!ok)
        atomic_fetch_add(&bad_total, 1);
    r->bigs++;
    atomic_store(&bigs_done, r->bigs);
    return RAP_OK;
}

int main(int argc, char **argv)
{
    rap_aid recv = RAP_AID_NONE, snd;
    long hwm_start = 0;
    rap_stats st;

    setenv("RAPTORS_FLOW_WINDOW", "1048576", 0); /* the caller's value wins */
    MT_OK(rap_msg_type_register("flow.item", ITEM_BYTES, RAP_MSG_FIXED, &ITEM));
    MT_OK(rap_msg_type_register("flow.big", BIG_BYTES, RAP_MSG_VAR, &BIG));
    MT_OK(rap_msg_type_register("flow.go", sizeof(rap_aid), RAP_MSG_FIXED, &GO));
    MT_OK(rap_actor_type_register("flow.sender", 0, NULL, NULL, &SENDER));
    MT_OK(rap_actor_type_register("flow.receiver", sizeof(receiver), NULL, NULL, &RECEIVER));
    MT_OK(rap_actor_type_on(SENDER, GO, sender_go));
    MT_OK(rap_actor_type_on(RECEIVER, ITEM, receiver_item));
    MT_OK(rap_actor_type_on(RECEIVER, BIG, receiver_big));
    /* Exact counts of what reaches MPI: no profile samples among them. */
    setenv("RAPTORS_PROFILE", "off", 1);
    MT_OK(rap_init(&argc, &argv));
    if (rap_size() != 2)
        MT_SKIP("needs exactly 2 ranks");

    if (rap_rank() == 1) {
        MT_OK(rap_spawn(NULL, RECEIVER, NULL, 0, &recv));
        hwm_start = vm_hwm_kib();
    }
    MPI_Bcast(&recv, 1, MPI_UINT64_T, 1, MPI_COMM_WORLD);
    if (rap_rank() == 0) {
        MT_OK(rap_spawn(NULL, SENDER, NULL, 0, &snd));
        MT_OK(rap_send(NULL, snd, GO, &recv, sizeof(recv)));
    }
    MT_OK(rap_run());

    MT_OK(rap_stats_get(&st));
    if (rap_rank() == 1) {
        long grown = atomic_load(&hwm_after_stream) - hwm_start;
        MT_CHECK(atomic_load(&stream_done) == COUNT);
        MT_CHECK(atomic_load(&bigs_done) == BIGS);
        MT_CHECK(atomic_load(&bad_total) == 0);
        MT_CHECK(st.handled == COUNT + BIGS);
        fprintf(stderr, "flow: rank 1 peak resident memory grew by %ld KiB while handling the stream "
                        "(bound %d MiB)\n", grown, FLOW_BOUND_MIB);
#ifndef UNDER_ASAN
        MT_CHECK(hwm_start > 0 && grown < FLOW_BOUND_MIB * 1024L);
#endif
    } else {
        MT_CHECK(st.sent_remote == COUNT + BIGS);
        fprintf(stderr, "flow: rank 0 messages that waited for credit: %llu\n",
                (unsigned long long)st.flow_blocked);
        const char *w = getenv("RAPTORS_FLOW_WINDOW");
        if (w != NULL && strcmp(w, "0") != 0)
            MT_CHECK(st.flow_blocked > 0); /* the receiver was slow: the sender waited */
    }
    MT_OK(rap_finalize());
    return 0;
}
