/* msg/pool.c -- per-worker envelope pools (see pool.h).
 *
 * Why: with glibc malloc, an envelope allocated by one worker and freed by
 * another goes through the allocator's arena lock on both sides.  Here
 * the owner allocates and frees without atomics, and a foreign free sets
 * a bit in the slab's remote bitmap.
 *
 * Free blocks are bits, per slab (one bit a block): a pool allocates from
 * one slab until it is used up, then moves to another that has free
 * blocks, lowest address first.  Free lists linked through the blocks
 * would make each allocation wait for the previous block's line, last
 * written by the core that freed it: a chain of cache misses that no
 * prefetch can run ahead of.  With bits, the next free block's
 * address is known without touching it, a freeing core writes nothing
 * into the block it read, and allocation runs through memory in address
 * order, which the prefetchers follow.  A slab whose blocks all came back
 * starts over from its first block (a bump pointer).  Another worker's
 * frees are gathered per slab in that worker (up to 64 blocks) and set in
 * the slab with one atomic OR per 64-block word.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "msg/pool.h"

#define SLAB_SIZE ((size_t)64 << 10)
#define SLAB_HDR 512u /* the first bytes of a slab hold its header */
#define NCLASS 5      /* 64, 128, 256, 512, 1024 bytes */
#define NWORDS 16     /* bitmap words: (SLAB_SIZE - SLAB_HDR) / 64 blocks of 64 bytes */

typedef struct rap_pool rap_pool;

typedef struct slab {
    /* Set at creation. */
    rap_pool *owner;
    uint32_t cls;
    uint32_t nwords;       /* bitmap words in use for this class */
    char *base, *end;      /* the first block; a block starting below end fits */
    bool cut;              /* cut from a chunk (freed with it), else allocated alone */
    /* The owner's alone. */
    bool listed;           /* in the owner's `avail` list (or its current) */
    uint32_t used;         /* blocks out, counting those others freed but not yet collected */
    uint32_t nfree;        /* bits set in `fbits` */
    uint32_t scan;         /* no word below it has a bit set */
    char *bump;            /* never-used blocks from here, in address order */
    struct slab *next;     /* the owner's slabs (to free them all) */
    struct slab *next_avail;
    uint64_t fbits[NWORDS]; /* bit i: block i is free */
    /* Other threads'. */
    alignas(64) _Atomic uint64_t rbits[NWORDS]; /* blocks others freed, not yet collected */
    alignas(64) _Atomic bool notified;          /* queued in the owner's `rslabs` */
    struct slab *next_remote;                   /* link in `rslabs` while queued */
} slab;

_Static_assert(sizeof(slab) <= SLAB_HDR, "slab header fits its space");
_Static_assert((SLAB_SIZE - SLAB_HDR) / 64 <= NWORDS * 64, "a bit for every block");

typedef struct pool_class {
    slab *cur;   /* allocating from it */
    slab *avail; /* slabs with free blocks, not cur */
} pool_class;

/* The bound worker's frees into one slab of another pool, held back and
 * set in the slab together (see rap__pool_flush). */
#define RBATCH_MAX 64
typedef struct rbatch {
    slab *s;
    uint32_t n;
    uint32_t dirty; /* bit w: bits[w] has bits */
    uint64_t bits[NWORDS];
} rbatch;

/* A pool's first slabs are allocated one by one; after OWN_SLABS, slabs
 * are cut from CHUNK_SIZE regions that the kernel is asked to back with
 * huge pages (MADV_HUGEPAGE), so that a burst that queues a million
 * messages faults once per 2 MiB instead of once per 4 KiB page (on the
 * VMs here a page fault costs microseconds: the first round of a stream
 * that queued 64 MiB of messages ran 5x slower than the next). */
#define OWN_SLABS 8
#define CHUNK_SIZE ((size_t)2 << 20)
typedef struct chunk {
    struct chunk *next;
    void *mem;
} chunk;

struct rap_pool {
    pool_class cls[NCLASS];          /* the owner's */
    slab *slabs;
    unsigned nslabs;                 /* allocated by itself (the first OWN_SLABS) or cut */
    char *carve;                     /* the rest of the current chunk */
    size_t carve_left;
    chunk *chunks;
    rbatch rb;                       /* the owner's frees into other pools */
    alignas(RAP_CACHELINE) _Atomic(slab *) rslabs[NCLASS]; /* slabs others freed into */
};

static rap_pool *pools;
static int npools;
/* Initial-exec: a plain load off the thread pointer (the default model in
 * a shared library calls __tls_get_addr at each use). */
static _Thread_local rap_pool *tl_pool RAP_TLS_IE;

int rap__pool_create_all(int n)
{
    pools = aligned_alloc(RAP_CACHELINE, (size_t)n * sizeof(*pools));
    if (pools == NULL)
        return RAP_ENOMEM;
    memset(pools, 0, (size_t)n * sizeof(*pools));
    for (int i = 0; i < n; i++)
        for (int c = 0; c < NCLASS; c++)
            atomic_init(&pools[i].rslabs[c], NULL);
    npools = n;
    return RAP_OK;
}

void rap__pool_bind(int i) { tl_pool = (pools != NULL && i >= 0 && i < npools) ? &pools[i] : NULL; }

void rap__pool_unbind(void)
{
    rap__pool_flush();
    tl_pool = NULL;
}

static int class_of(size_t total)
{
    int c = 0;
    while (((size_t)64 << c) < total)
        c++;
    return c;
}

static slab *slab_of(const rap_env *env)
{
    return (slab *)((uintptr_t)env & ~(uintptr_t)(SLAB_SIZE - 1));
}

static uint32_t block_of(const slab *s, const rap_env *env)
{
    return (uint32_t)(((const char *)env - s->base) >> (6 + s->cls));
}

/* Start over from the first block: every block below `bump` is free, and
 * only their words can have bits (a slab that holds one message at a
 * time, as a ping-pong's does, resets at each free: clearing all 16 words
 * each time cost 10 % of PingPong). */
static void slab_reset(slab *s)
{
    size_t handed = (size_t)(s->bump - s->base) >> (6 + s->cls);

    memset(s->fbits, 0, (handed + 63) / 64 * sizeof(uint64_t));
    s->nfree = 0;
    s->scan = 0;
    s->bump = s->base;
}

/* A fresh slab, all of it to be handed out in address order. */
/* Memory for one more slab of `p`: its own, or cut from a chunk. */
static slab *slab_mem(rap_pool *p, bool *cut)
{
    *cut = false;
    if (p->nslabs < OWN_SLABS)
        return aligned_alloc(SLAB_SIZE, SLAB_SIZE);
    if (p->carve_left == 0) {
        chunk *k = malloc(sizeof(*k));
        void *m = k != NULL ? aligned_alloc(CHUNK_SIZE, CHUNK_SIZE) : NULL;
        if (m == NULL) {
            free(k);
            return aligned_alloc(SLAB_SIZE, SLAB_SIZE); /* a small one may still be there */
        }
#ifdef MADV_HUGEPAGE
        (void)madvise(m, CHUNK_SIZE, MADV_HUGEPAGE); /* a hint: without it, pages as usual */
#endif
        *k = (chunk){ p->chunks, m };
        p->chunks = k;
        p->carve = m;
        p->carve_left = CHUNK_SIZE;
    }
    slab *s = (slab *)(void *)p->carve;
    p->carve += SLAB_SIZE;
    p->carve_left -= SLAB_SIZE;
    *cut = true;
    return s;
}

static slab *slab_new(rap_pool *p, int c)
{
    bool cut;
    slab *s = slab_mem(p, &cut);
    size_t nblocks = (SLAB_SIZE - SLAB_HDR) >> (6 + c);

    if (s == NULL)
        return NULL;
    memset(s, 0, sizeof(*s));
    s->cut = cut;
    p->nslabs++;
    s->owner = p;
    s->cls = (uint32_t)c;
    s->nwords = (uint32_t)((nblocks + 63) / 64);
    s->base = (char *)s + SLAB_HDR;
    s->end = s->base + (nblocks << (6 + c)) - ((size_t)64 << c) + 1;
    s->bump = s->base;
    slab_reset(s);
    for (int w = 0; w < NWORDS; w++)
        atomic_init(&s->rbits[w], 0);
    atomic_init(&s->notified, false);
    s->next = p->slabs;
    p->slabs = s;
    return s;
}

static bool has_room(const slab *s) { return s->nfree > 0 || s->bump < s->end; }

/* The owner got n blocks of `s` back (their bits are set). */
static void returned(slab *s, uint32_t n)
{
    s->used -= n;
    if (s->used == 0)
        slab_reset(s);
}

/* Take the bits others set in `s` into its free bitmap.  A word with no
 * bit is only read (no locked instruction). */
static void collect(slab *s)
{
    uint32_t n = 0;

    for (uint32_t w = 0; w < s->nwords; w++) {
        uint64_t b;
        if (atomic_load_explicit(&s->rbits[w], memory_order_relaxed) == 0)
            continue;
        /* acquire: the freer's reads of the block happen before our reuse. */
        b = atomic_exchange_explicit(&s->rbits[w], 0, memory_order_acquire);
        s->fbits[w] |= b;
        n += (uint32_t)__builtin_popcountll(b);
        if (w < s->scan)
            s->scan = w;
    }
    if (n > 0) {
        s->nfree += n;
        returned(s, n);
    }
}

/* Make `s` available to allocate from (owner). */
static void list_avail(pool_class *pc, slab *s)
{
    if (!s->listed && s != pc->cur) {
        s->listed = true;
        s->next_avail = pc->avail;
        pc->avail = s;
    }
}

/* A slab of class c with a free block: the current one, one the owner
 * freed into, one others freed into, or a fresh one. */
static slab *refill(rap_pool *p, int c)
{
    pool_class *pc = &p->cls[c];
    slab *s = pc->cur;

    if (s != NULL) {
        collect(s);
        if (has_room(s))
            return s;
    }
    /* Slabs others freed into: clear each one's mark before taking its
     * blocks, so that a free after that marks it again. */
    slab *r = atomic_exchange_explicit(&p->rslabs[c], NULL, memory_order_acquire);
    while (r != NULL) {
        slab *next = r->next_remote;
        atomic_store(&r->notified, false);
        collect(r);
        if (has_room(r))
            list_avail(pc, r);
        r = next;
    }
    while ((s = pc->avail) != NULL) {
        pc->avail = s->next_avail;
        s->listed = false;
        collect(s);
        if (has_room(s))
            return pc->cur = s;
    }
    s = slab_new(p, c);
    if (s != NULL)
        pc->cur = s;
    return s;
}

/* The lowest free block of `s` (nfree > 0), taken off the bitmap. */
static rap_env *take_free(slab *s)
{
    uint32_t w = s->scan;
    uint64_t *word;
    int b;

    while (s->fbits[w] == 0)
        w++;
    s->scan = w;
    word = &s->fbits[w];
    b = __builtin_ctzll(*word);
    *word &= *word - 1;
    s->nfree--;
    return (rap_env *)(void *)(s->base + ((size_t)(w * 64 + (uint32_t)b) << (6 + s->cls)));
}

/* Blocks are handed out in address order; the one PREFETCH_AHEAD blocks
 * after `env`, if it is free, is likely in another core's cache (that
 * core read the message it held) or in memory: ask for its line now, for
 * writing, so that its allocation finds it here (a line's transfer takes
 * longer than a message: one block ahead is too little). */
#define PREFETCH_AHEAD 8
static void prefetch_ahead(const slab *s, const rap_env *env)
{
    const char *a = (const char *)env + ((size_t)PREFETCH_AHEAD << (6 + s->cls));
    uint32_t i;

    if (a >= s->end)
        return;
    i = block_of(s, (const rap_env *)(const void *)a);
    if (a >= s->bump || (s->fbits[i >> 6] >> (i & 63) & 1))
        rap__prefetch_w(a);
}

rap_env *rap__pool_alloc(size_t total)
{
    rap_pool *p = tl_pool;
    slab *s;
    rap_env *env;
    int c;

    if (p == NULL || total > RAP_POOL_MAX_TOTAL)
        return NULL;
    c = class_of(total);
    s = p->cls[c].cur;
    if (s == NULL || !has_room(s)) {
        s = refill(p, c);
        if (s == NULL)
            return NULL;
    }
    if (s->nfree > 0) {
        env = take_free(s);
    } else {
        env = (rap_env *)(void *)s->bump;
        s->bump += (size_t)64 << c;
    }
    prefetch_ahead(s, env);
    s->used++;
    env->cap = RAP_ENV_POOLED | (uint32_t)(((size_t)64 << c) - sizeof(rap_env));
    return env;
}

uint32_t rap__pool_alloc_run(size_t total, uint32_t n, rap_env **first, uint32_t *cap, size_t *stride)
{
    rap_pool *p = tl_pool;
    size_t size;
    slab *s;
    uint32_t k;
    int c;

    if (p == NULL || total > RAP_POOL_MAX_TOTAL || n == 0)
        return 0;
    c = class_of(total);
    size = (size_t)64 << c;
    s = p->cls[c].cur;
    if (s == NULL || !has_room(s)) {
        s = refill(p, c);
        if (s == NULL)
            return 0;
    }
    if (s->nfree > 0) {
        /* The lowest free block and the free ones right after it (in its
         * bitmap word). */
        uint32_t w = s->scan;
        uint64_t x;
        int b;
        while (s->fbits[w] == 0)
            w++;
        s->scan = w;
        b = __builtin_ctzll(s->fbits[w]);
        x = s->fbits[w] >> b;
        k = ~x == 0 ? (uint32_t)(64 - b) : (uint32_t)__builtin_ctzll(~x);
        if (k > n)
            k = n;
        s->fbits[w] &= ~((k == 64 ? ~(uint64_t)0 : (((uint64_t)1 << k) - 1)) << b);
        s->nfree -= k;
        *first = (rap_env *)(void *)(s->base + ((size_t)(w * 64 + (uint32_t)b) << (6 + c)));
    } else {
        k = (uint32_t)((size_t)(s->end - s->bump - 1) / size + 1);
        if (k > n)
            k = n;
        *first = (rap_env *)(void *)s->bump;
        s->bump += (size_t)k * size;
    }
    s->used += k;
    *cap = RAP_ENV_POOLED | (uint32_t)(size - sizeof(rap_env));
    *stride = size;
    return k;
}

/* Set the bits of blocks others freed into `s`, then tell its owner. */
static void remote_push(slab *s, const uint64_t *bits, uint32_t dirty)
{
    rap_pool *p = s->owner;

    while (dirty != 0) {
        int w = __builtin_ctz(dirty);
        dirty &= dirty - 1;
        /* release: our reads of the blocks happen before their reuse. */
        atomic_fetch_or_explicit(&s->rbits[w], bits[w], memory_order_release);
    }
    /* seq_cst, after the bits: pairs with refill's clear of the mark
     * before its collect, so a block is never left unannounced. */
    if (!atomic_exchange(&s->notified, true)) {
        slab *head = atomic_load_explicit(&p->rslabs[s->cls], memory_order_relaxed);
        do
            s->next_remote = head;
        while (!atomic_compare_exchange_weak_explicit(&p->rslabs[s->cls], &head, s, memory_order_release,
                                                      memory_order_relaxed));
    }
}

void rap__pool_flush(void)
{
    rbatch *b;

    if (tl_pool == NULL)
        return;
    b = &tl_pool->rb;
    if (b->n > 0) {
        remote_push(b->s, b->bits, b->dirty);
        memset(b, 0, sizeof(*b));
    }
}

void rap__pool_free(rap_env *env)
{
    slab *s = slab_of(env);
    rap_pool *p = s->owner;
    uint32_t i = block_of(s, env);
    uint64_t bit = (uint64_t)1 << (i & 63);
    rbatch *b;

    if (p == tl_pool) {
        s->fbits[i >> 6] |= bit;
        s->nfree++;
        if ((i >> 6) < s->scan)
            s->scan = i >> 6;
        returned(s, 1);
        list_avail(&p->cls[s->cls], s);
        return;
    }
    if (tl_pool == NULL) { /* not a worker: nothing would flush a batch */
        uint64_t bits[NWORDS];
        bits[i >> 6] = bit;
        remote_push(s, bits, 1u << (i >> 6));
        return;
    }
    /* A worker: blocks of one slab freed in a row (a stream from one
     * sender) go back together. */
    b = &tl_pool->rb;
    if (b->s != s || b->n == RBATCH_MAX)
        rap__pool_flush();
    b->s = s;
    b->n++;
    b->bits[i >> 6] |= bit;
    b->dirty |= 1u << (i >> 6);
}

void rap__pool_destroy_all(void)
{
    for (int i = 0; i < npools; i++) {
        slab *s = pools[i].slabs;
        while (s != NULL) {
            slab *next = s->next;
            if (!s->cut)
                free(s);
            s = next;
        }
        for (chunk *k = pools[i].chunks, *next; k != NULL; k = next) {
            next = k->next;
            free(k->mem);
            free(k);
        }
    }
    free(pools);
    pools = NULL;
    npools = 0;
}
