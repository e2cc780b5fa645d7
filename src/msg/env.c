/* msg/env.c -- envelope allocation (see env.h).
 *
 * Small envelopes come from the calling worker's pool (pool.h), the rest
 * from malloc or, from 64 KiB to 64 MiB, from a cache of blocks in size
 * classes (eight classes per doubling, so at most 1/8 is wasted; at most
 * RAP_ENV_CACHE_MAX bytes held): the allocator would map and unmap each
 * large block, and every message would pay page faults on memory the
 * previous one had warm (docs/PERFORMANCE.md).  A mutex suffices: a block
 * this size costs far more to fill than to lock.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "msg/env.h"
#include "msg/pool.h"

#define BIG_MIN_SHIFT 16
#define BIG_MAX_SHIFT 26
#define BIG_CLASSES ((BIG_MAX_SHIFT - BIG_MIN_SHIFT) * 8 + 1)
#define RAP_ENV_CACHE_MAX ((size_t)64 << 20)

static struct {
    pthread_mutex_t lock;
    rap_env *head[BIG_CLASSES]; /* linked through next */
    size_t held;
} big = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int log2_floor(size_t x) { return 63 - __builtin_clzll((unsigned long long)x); }

/* The block size for `total` bytes and its class; 0 outside the cache. */
static size_t big_size(size_t total, int *cls)
{
    size_t step, size;
    int shift;

    if (total < ((size_t)1 << BIG_MIN_SHIFT) || total > ((size_t)1 << BIG_MAX_SHIFT))
        return 0;
    step = (size_t)1 << (log2_floor(total) - 3);
    size = (total + step - 1) & ~(step - 1);
    shift = log2_floor(size);
    *cls = (shift - BIG_MIN_SHIFT) * 8 + (int)((size - ((size_t)1 << shift)) >> (shift - 3));
    return size;
}

rap_env *rap__env_alloc(size_t len)
{
    rap_env *env = NULL;
    size_t total, size = 0;
    int c = 0;

    if (len > RAP_MAX_PAYLOAD)
        return NULL;
    total = sizeof(*env) + len;
    if (total <= RAP_POOL_MAX_TOTAL && (env = rap__pool_alloc(total)) != NULL)
        goto init; /* cap set by the pool */
    size = big_size(total, &c);
    if (size != 0) {
        pthread_mutex_lock(&big.lock);
        env = big.head[c];
        if (env != NULL) {
            big.head[c] = atomic_load_explicit(&env->next, memory_order_relaxed);
            big.held -= size;
        }
        pthread_mutex_unlock(&big.lock);
        if (env == NULL)
            env = malloc(size);
    } else {
        env = malloc(total);
    }
    if (env == NULL)
        return NULL;
    env->cap = (uint32_t)(size != 0 ? size - sizeof(*env) : len);
init:
    rap__env_init(env, len);
    return env;
}

void rap__env_init(rap_env *env, size_t len)
{
    atomic_init(&env->next, NULL);
    env->src_rank = -1;
    memset(&env->hdr, 0, sizeof(env->hdr));
    env->hdr.magic = RAP_WIRE_MAGIC;
    env->hdr.version = RAP_WIRE_VERSION;
    env->hdr.len = (uint32_t)len;
}

rap_env *rap__env_alloc_wire(size_t wire_bytes)
{
    size_t len = wire_bytes > sizeof(rap_wire_hdr) ? wire_bytes - sizeof(rap_wire_hdr) : 0;
    return rap__env_alloc(len);
}

void rap__env_free(rap_env *env)
{
    size_t total;
    int c = 0;

    if (env == NULL)
        return;
    if (env->cap & RAP_ENV_POOLED) {
        rap__pool_free(env);
        return;
    }
    total = sizeof(*env) + env->cap;
    if (big_size(total, &c) == total) {
        pthread_mutex_lock(&big.lock);
        if (big.held + total <= RAP_ENV_CACHE_MAX) {
            atomic_store_explicit(&env->next, big.head[c], memory_order_relaxed);
            big.head[c] = env;
            big.held += total;
            env = NULL;
        }
        pthread_mutex_unlock(&big.lock);
    }
    free(env);
}

void rap__env_cache_drain(void)
{
    pthread_mutex_lock(&big.lock);
    for (int c = 0; c < BIG_CLASSES; c++) {
        while (big.head[c] != NULL) {
            rap_env *env = big.head[c];
            big.head[c] = atomic_load_explicit(&env->next, memory_order_relaxed);
            free(env);
        }
    }
    big.held = 0;
    pthread_mutex_unlock(&big.lock);
}

void rap__env_set(rap_env *env, int kind, uint32_t type, rap_aid to, rap_aid from)
{
    env->hdr.kind = (uint8_t)kind;
    env->hdr.type = type;
    env->hdr.to = to;
    env->hdr.from = from;
}
