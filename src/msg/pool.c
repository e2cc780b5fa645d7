/* msg/pool.c -- per-worker envelope pools (see pool.h).
 *
 * Why: with glibc malloc, an envelope allocated by one worker and freed by
 * another goes through the allocator's arena lock on both sides; the
 * profile of same-rank Fork-join with 2 workers showed the allocator as
 * its largest cost.  Here the owner allocates and frees without atomics,
 * and a foreign free is one compare-and-swap on the slab's remote list.
 *
 * Free lists are per slab (as in mimalloc): a pool allocates from one
 * slab until it is used up, then moves to another that has free blocks.
 * One pool-wide list would hand out blocks in the order they were freed,
 * scattered over every slab after a few exchanges between workers, and
 * each allocation would then wait for a cache and TLB miss on the list's
 * next block (measured: producing 1,000,000 messages took 160-250 ms
 * instead of 40-50 ms).  And a slab whose blocks all came back starts
 * over in address order (a bump pointer): streams of messages then
 * allocate and read memory sequentially, which the prefetchers follow,
 * however the previous round freed it.
 */
#include <stdlib.h>
#include <string.h>

#include "msg/pool.h"

#define SLAB_SIZE ((size_t)64 << 10)
#define SLAB_HDR 128u /* the first bytes of a slab hold its header */
#define NCLASS 5      /* 64, 128, 256, 512, 1024 bytes */

typedef struct rap_pool rap_pool;

typedef struct slab {
    /* Set at creation. */
    rap_pool *owner;
    uint32_t cls;
    /* The owner's alone. */
    bool listed;           /* in the owner's `avail` list (or its current) */
    uint32_t used;         /* blocks out, counting those others freed but not yet collected */
    char *bump, *end;      /* never-used blocks, in address order */
    rap_env *free;         /* blocks the owner freed */
    struct slab *next;     /* the owner's slabs (to free them all) */
    struct slab *next_avail;
    /* Other threads'. */
    alignas(64) _Atomic(rap_env *) rfree; /* blocks freed by others */
    _Atomic uint32_t rcount;              /* how many, counted after each push */
    _Atomic bool notified;                /* queued in the owner's `rslabs` */
    struct slab *next_remote;             /* link in `rslabs` while queued */
} slab;

_Static_assert(sizeof(slab) <= SLAB_HDR, "slab header fits its space");

typedef struct pool_class {
    slab *cur;   /* allocating from it */
    slab *avail; /* slabs with blocks in `free`, not cur */
} pool_class;

struct rap_pool {
    pool_class cls[NCLASS];          /* the owner's */
    slab *slabs;
    alignas(RAP_CACHELINE) _Atomic(slab *) rslabs[NCLASS]; /* slabs others freed into */
};

static rap_pool *pools;
static int npools;
static _Thread_local rap_pool *tl_pool;

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
void rap__pool_unbind(void) { tl_pool = NULL; }

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

static void slab_reset(slab *s)
{
    s->free = NULL;
    s->bump = (char *)s + SLAB_HDR;
}

/* A fresh slab, all of it to be handed out in address order. */
static slab *slab_new(rap_pool *p, int c)
{
    slab *s = aligned_alloc(SLAB_SIZE, SLAB_SIZE);

    if (s == NULL)
        return NULL;
    memset(s, 0, sizeof(*s));
    s->owner = p;
    s->cls = (uint32_t)c;
    s->end = (char *)s + SLAB_SIZE - ((size_t)64 << c) + 1; /* a block fits below `end` */
    slab_reset(s);
    atomic_init(&s->rfree, NULL);
    atomic_init(&s->rcount, 0);
    atomic_init(&s->notified, false);
    s->next = p->slabs;
    p->slabs = s;
    return s;
}

static bool has_room(const slab *s) { return s->free != NULL || s->bump < s->end; }

/* The owner got a block of `s` back. */
static void returned(slab *s, uint32_t n)
{
    s->used -= n;
    if (s->used == 0)
        slab_reset(s);
}

/* Move what others freed into `s` to its free list, without walking it
 * when the free list is empty (the usual case: a slab refilled because it
 * ran out): each block of the list was last written by another core, and
 * walking it cost a cache miss per block (Fork-join's sender spent 17 % of
 * its time there).  The count is read first, then the list: a block is
 * counted only after it is pushed, so every block counted is in this list
 * or an earlier one; blocks in the list not yet counted keep `used` high
 * until a later collect, which only delays a reset. */
static void collect(slab *s)
{
    uint32_t n = atomic_exchange_explicit(&s->rcount, 0, memory_order_acquire);
    rap_env *e = atomic_exchange_explicit(&s->rfree, NULL, memory_order_acquire);

    if (s->free == NULL) {
        s->free = e;
    } else {
        while (e != NULL) {
            rap_env *next = atomic_load_explicit(&e->next, memory_order_relaxed);
            atomic_store_explicit(&e->next, s->free, memory_order_relaxed);
            s->free = e;
            e = next;
        }
    }
    if (n > 0)
        returned(s, n);
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
    if (s->free != NULL) {
        env = s->free;
        s->free = atomic_load_explicit(&env->next, memory_order_relaxed);
        /* The next block is likely in another core's cache (it freed it):
         * ask for its line now, for writing, so that the next allocation
         * does not wait for it (nor the stores into it). */
        if (s->free != NULL)
            __builtin_prefetch(s->free, 1, 3);
    } else {
        env = (rap_env *)(void *)s->bump;
        s->bump += (size_t)64 << c;
    }
    s->used++;
    env->cap = RAP_ENV_POOLED | (uint32_t)(((size_t)64 << c) - sizeof(rap_env));
    return env;
}

void rap__pool_free(rap_env *env)
{
    slab *s = slab_of(env);
    rap_pool *p = s->owner;

    if (p == tl_pool) {
        atomic_store_explicit(&env->next, s->free, memory_order_relaxed);
        s->free = env;
        returned(s, 1);
        list_avail(&p->cls[s->cls], s);
        return;
    }
    rap_env *old = atomic_load_explicit(&s->rfree, memory_order_relaxed);
    do
        atomic_store_explicit(&env->next, old, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(&s->rfree, &old, env, memory_order_release,
                                                  memory_order_relaxed));
    atomic_fetch_add_explicit(&s->rcount, 1, memory_order_release); /* after the push: see collect */
    /* seq_cst, after the push: pairs with refill's clear of the mark
     * before its collect, so a block is never left unannounced. */
    if (!atomic_exchange(&s->notified, true)) {
        slab *head = atomic_load_explicit(&p->rslabs[s->cls], memory_order_relaxed);
        do
            s->next_remote = head;
        while (!atomic_compare_exchange_weak_explicit(&p->rslabs[s->cls], &head, s, memory_order_release,
                                                      memory_order_relaxed));
    }
}

void rap__pool_destroy_all(void)
{
    for (int i = 0; i < npools; i++) {
        slab *s = pools[i].slabs;
        while (s != NULL) {
            slab *next = s->next;
            free(s);
            s = next;
        }
    }
    free(pools);
    pools = NULL;
    npools = 0;
}
