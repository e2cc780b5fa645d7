/* Envelope pools: a bound thread gets pooled envelopes of the right class,
 * an unbound one none; blocks come back from the owner and from other
 * threads and are reused; a slab whose blocks all came back starts over in
 * address order; large envelopes are not pooled. */
#include <CUnit/CUnit.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "msg/pool.h"
#include "support/unit.h"

enum { N = 5000 };

static void unbound_threads_get_no_pool(void)
{
    rap_env *e;

    CU_ASSERT_EQUAL_FATAL(rap__pool_create_all(2), RAP_OK);
    CU_ASSERT_PTR_NULL(rap__pool_alloc(64));
    e = rap__env_alloc(8); /* falls back to malloc */
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_EQUAL(e->cap & RAP_ENV_POOLED, 0);
    rap__env_free(e);
    rap__pool_destroy_all();
}

static void classes_reuse_and_address_order(void)
{
    static rap_env *e[N];

    CU_ASSERT_EQUAL_FATAL(rap__pool_create_all(1), RAP_OK);
    rap__pool_bind(0);
    for (size_t len = 0; len <= 1024 - sizeof(rap_env); len += 40) {
        rap_env *x = rap__env_alloc(len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(x);
        CU_ASSERT_NOT_EQUAL(x->cap & RAP_ENV_POOLED, 0);
        CU_ASSERT_TRUE((x->cap & ~RAP_ENV_POOLED) >= len);
        CU_ASSERT_EQUAL(x->hdr.len, len);
        memset(rap__env_payload(x), 0xab, len); /* the whole payload is ours */
        rap__env_free(x);
    }
    CU_ASSERT_PTR_NULL(rap__pool_alloc(1025));
    rap_env *big = rap__env_alloc(4096);
    CU_ASSERT_EQUAL(big->cap & RAP_ENV_POOLED, 0);
    rap__env_free(big);

    /* A stream: sequential addresses; freed in a scrambled order, then
     * allocated again: the same memory, again in address order. */
    for (int i = 0; i < N; i++)
        e[i] = rap__env_alloc(8);
    /* The slabs (64 KiB, aligned) the stream took. */
    uintptr_t slabs[16];
    int nslabs = 0;
    for (int i = 0; i < N; i++) {
        uintptr_t b = (uintptr_t)e[i] & ~(uintptr_t)0xffff;
        int k = 0;
        while (k < nslabs && slabs[k] != b)
            k++;
        if (k == nslabs && nslabs < 16)
            slabs[nslabs++] = b;
    }
    CU_ASSERT_TRUE(nslabs <= 6);
    int ascending = 0;
    for (int i = 1; i < N; i++)
        ascending += (char *)e[i] == (char *)e[i - 1] + 64;
    CU_ASSERT_TRUE(ascending > N * 9 / 10);
    for (int i = 0; i < N; i++)
        rap__env_free(e[(i * 7919) % N]);
    for (int i = 0; i < N; i++)
        e[i] = rap__env_alloc(8);
    int inside = 0; /* the same slabs again */
    for (int i = 0; i < N; i++)
        for (int k = 0; k < nslabs; k++)
            inside += ((uintptr_t)e[i] & ~(uintptr_t)0xffff) == slabs[k];
    CU_ASSERT_EQUAL(inside, N);
    ascending = 0;
    for (int i = 1; i < N; i++)
        ascending += (char *)e[i] == (char *)e[i - 1] + 64;
    CU_ASSERT_TRUE(ascending > N * 9 / 10);
    for (int i = 0; i < N; i++)
        rap__env_free(e[i]);
    rap__pool_unbind();
    rap__pool_destroy_all();
}

/* Blocks freed by another thread go back to their owner's pool: rounds of
 * N allocations by pool 0's thread, each freed by `freer` on another
 * thread; every later round's blocks lie in the first round's slabs. */
static rap_env *handed[N];

static void *foreign_free(void *arg)
{
    (void)arg;
    for (int i = 0; i < N; i++)
        rap__env_free(handed[i]);
    return NULL;
}

/* A worker's frees into another worker's pool are held back and handed
 * over at its flush (here: at unbind). */
static void *worker_free(void *arg)
{
    rap__pool_bind(1);
    foreign_free(arg);
    rap__pool_unbind();
    return NULL;
}

static void rounds_reuse_slabs(size_t len, void *(*freer)(void *))
{
    enum { MAXSLABS = 64 };
    uintptr_t slabs[MAXSLABS];
    int nslabs = 0;
    pthread_t t;

    CU_ASSERT_EQUAL_FATAL(rap__pool_create_all(2), RAP_OK);
    rap__pool_bind(0);
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < N; i++) {
            uintptr_t b;
            int k = 0;
            handed[i] = rap__env_alloc(len);
            CU_ASSERT_PTR_NOT_NULL_FATAL(handed[i]);
            b = (uintptr_t)handed[i] & ~(uintptr_t)0xffff; /* its 64 KiB slab */
            while (k < nslabs && slabs[k] != b)
                k++;
            if (round == 0 && k == nslabs && nslabs < MAXSLABS)
                slabs[nslabs++] = b;
            else
                CU_ASSERT_TRUE(k < nslabs); /* later rounds: the first round's slabs */
        }
        pthread_create(&t, NULL, freer, NULL);
        pthread_join(t, NULL);
    }
    rap__pool_unbind();
    rap__pool_destroy_all();
}

static void foreign_frees_come_back(void) { rounds_reuse_slabs(100, foreign_free); }
static void worker_frees_come_back_batched(void) { rounds_reuse_slabs(8, worker_free); }

/* Runs: consecutive blocks, each usable as an envelope and freed alone;
 * a run never overlaps a block that is out. */
static void runs_are_consecutive(void)
{
    rap_env *first, *single;
    uint32_t cap, k;
    size_t stride;

    CU_ASSERT_EQUAL_FATAL(rap__pool_create_all(1), RAP_OK);
    CU_ASSERT_EQUAL(rap__pool_alloc_run(64, 32, &first, &cap, &stride), 0); /* unbound */
    rap__pool_bind(0);
    single = rap__env_alloc(8);
    k = rap__pool_alloc_run(sizeof(rap_env) + 8, 32, &first, &cap, &stride);
    CU_ASSERT_EQUAL(k, 32);
    CU_ASSERT_EQUAL(stride, 64);
    CU_ASSERT_NOT_EQUAL(cap & RAP_ENV_POOLED, 0);
    CU_ASSERT_TRUE((cap & ~RAP_ENV_POOLED) >= 8);
    for (uint32_t i = 0; i < k; i++) {
        rap_env *e = (rap_env *)(void *)((char *)first + i * stride);
        CU_ASSERT_TRUE((char *)e + 64 <= (char *)single || (char *)e >= (char *)single + 64);
        e->cap = cap;
        rap__env_init(e, 8);
        memset(rap__env_payload(e), (int)i, 8);
    }
    /* Free every other block: a later run takes only consecutive free ones. */
    for (uint32_t i = 0; i < k; i += 2)
        rap__env_free((rap_env *)(void *)((char *)first + i * stride));
    rap_env *again;
    uint32_t k2 = rap__pool_alloc_run(sizeof(rap_env) + 8, 32, &again, &cap, &stride);
    CU_ASSERT_EQUAL(k2, 1);
    CU_ASSERT_PTR_EQUAL(again, first);
    again->cap = cap;
    rap__env_free(again);
    for (uint32_t i = 1; i < k; i += 2)
        rap__env_free((rap_env *)(void *)((char *)first + i * stride));
    rap__env_free(single);
    /* All back: the slab starts over, and a run is its first 32 blocks. */
    k2 = rap__pool_alloc_run(sizeof(rap_env) + 8, 32, &again, &cap, &stride);
    CU_ASSERT_EQUAL(k2, 32);
    CU_ASSERT_PTR_EQUAL(again, single);
    for (uint32_t i = 0; i < k2; i++) {
        rap_env *e = (rap_env *)(void *)((char *)again + i * stride);
        e->cap = cap;
        rap__env_free(e);
    }
    rap__pool_unbind();
    rap__pool_destroy_all();
}

/* A burst past a pool's own slabs (the first 8): the rest are cut from
 * 2 MiB chunks, consecutive 64 KiB slabs; every block is distinct and
 * writable, all come back, and a second burst takes the same memory. */
static void bursts_cut_slabs_from_chunks(void)
{
    enum { BURST = 200000 }; /* 12.8 MB of 64-byte blocks: about 200 slabs */
    static rap_env *b[BURST];
    uintptr_t lo = UINTPTR_MAX, hi = 0;

    CU_ASSERT_EQUAL_FATAL(rap__pool_create_all(1), RAP_OK);
    rap__pool_bind(0);
    for (int round = 0; round < 2; round++) {
        uintptr_t rlo = UINTPTR_MAX, rhi = 0;
        for (int i = 0; i < BURST; i++) {
            b[i] = rap__env_alloc(8);
            CU_ASSERT_PTR_NOT_NULL_FATAL(b[i]);
            CU_ASSERT_NOT_EQUAL(b[i]->cap & RAP_ENV_POOLED, 0);
            memset(rap__env_payload(b[i]), (int)(i & 0xff), 8);
            rlo = (uintptr_t)b[i] < rlo ? (uintptr_t)b[i] : rlo;
            rhi = (uintptr_t)b[i] > rhi ? (uintptr_t)b[i] : rhi;
        }
        /* Distinct: each still holds what was written into it. */
        int intact = 0;
        for (int i = 0; i < BURST; i++)
            intact += ((unsigned char *)rap__env_payload(b[i]))[7] == (unsigned char)(i & 0xff);
        CU_ASSERT_EQUAL(intact, BURST);
        /* Consecutive blocks mostly one slot apart: slabs cut in order. */
        int next = 0;
        for (int i = 1; i < BURST; i++)
            next += (char *)b[i] == (char *)b[i - 1] + 64;
        CU_ASSERT_TRUE(next > BURST * 9 / 10);
        if (round == 0) {
            lo = rlo, hi = rhi;
        } else { /* the same memory again, not more */
            CU_ASSERT_TRUE(rlo >= lo && rhi <= hi);
        }
        for (int i = 0; i < BURST; i++)
            rap__env_free(b[(i * 7919) % BURST]);
    }
    rap__pool_unbind();
    rap__pool_destroy_all();
}

static CU_TestInfo tests[] = {
    { "unbound threads get no pool", unbound_threads_get_no_pool },
    { "classes, reuse and address order", classes_reuse_and_address_order },
    { "foreign frees come back", foreign_frees_come_back },
    { "worker frees come back batched", worker_frees_come_back_batched },
    { "runs are consecutive", runs_are_consecutive },
    { "bursts cut slabs from chunks", bursts_cut_slabs_from_chunks },
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
    { .pName = "msg/pool", .pTests = tests },
    CU_SUITE_INFO_NULL,
};

int main(void) { return rap_test_run(suites); }
