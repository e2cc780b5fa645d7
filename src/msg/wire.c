/* msg/wire.c -- envelope allocation and wire validation (see wire.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "msg/pool.h"
#include "msg/registry.h"
#include "msg/wire.h"

/* Large envelopes come from a cache of blocks in size classes (64 KiB to
 * 64 MiB, eight classes per doubling, so at most 1/8 is wasted; at most
 * RAP_ENV_CACHE_MAX bytes held): the allocator would map and unmap each
 * one, and every message would pay page faults on memory that the previous
 * one had warm (measured: 1 MiB messages streamed at 0.74 GB/s instead of
 * 5.8 GB/s).  A mutex suffices: a block this size costs far more to fill
 * than to lock. */
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

static bool rank_ok(rap_aid aid, const rap_wire_limits *lim)
{
    return RAP_AID_RANK(aid) < lim->size && RAP_AID_SERIAL(aid) != 0;
}

#define FAIL(text)       \
    do {                 \
        *why = (text);   \
        return RAP_EMALFORMED; \
    } while (0)

static int check_err_payload(const rap_wire_hdr *h, const void *payload, const char **why)
{
    rap_wire_err e;

    if (h->len != sizeof(e))
        FAIL("error payload has the wrong size");
    memcpy(&e, payload, sizeof(e));
    if (e.kind < RAP_ERROR_DEAD_LETTER || e.kind > RAP_ERROR_CHILD)
        FAIL("unknown error kind");
    if (e.reserved != 0)
        FAIL("reserved error field not zero");
    return RAP_OK;
}

/* What every header shares: magic, version, and the kind its tag says. */
static int check_frame(const rap_wire_hdr *h, int tag, const char **why)
{
    int kind = rap__tag_kind(tag);

    if (h->magic != RAP_WIRE_MAGIC)
        FAIL("bad magic");
    if (h->version != RAP_WIRE_VERSION)
        FAIL("unsupported wire version");
    if (kind < 0 || kind >= RAP_KIND_COUNT || h->kind != (unsigned)kind)
        FAIL("kind does not match the MPI tag");
    return RAP_OK;
}

int rap__wire_validate(const void *buf, size_t n, int tag,
                       const rap_wire_limits *lim, const char **why)
{
    rap_wire_hdr h;
    const void *payload;
    int kind = rap__tag_kind(tag);

    if (n < sizeof(h))
        FAIL("shorter than a header");
    memcpy(&h, buf, sizeof(h));
    payload = (const char *)buf + sizeof(h);
    if (check_frame(&h, tag, why) != RAP_OK)
        return RAP_EMALFORMED;
    if (h.flags != 0)
        FAIL(h.flags == RAP_WIRE_BATCH   ? "batch where a single message belongs"
             : h.flags == RAP_WIRE_LARGE ? "large-message header where a message belongs"
                                         : "reserved flags not zero");
    if ((uint64_t)h.len != n - sizeof(h))
        FAIL("length does not match the bytes received");
    if (h.to == RAP_AID_NONE || !rank_ok(h.to, lim))
        FAIL("bad destination actor id");
    if (RAP_AID_RANK(h.to) != lim->my_rank)
        FAIL("destination actor is not on this rank");
    if (h.from != RAP_AID_NONE && !rank_ok(h.from, lim))
        FAIL("bad source actor id");

    switch (kind) {
    case RAP_KIND_ACTOR_ACTION: {
        const rap_msg_type *mt = rap__msgtype_find(h.type);
        if (mt == NULL)
            FAIL("unregistered message type");
        if (rap__msgtype_check_len(mt, h.len) != RAP_OK)
            FAIL("length does not fit the message type");
        return RAP_OK;
    }
    case RAP_KIND_ACTOR_ERROR:
        return check_err_payload(&h, payload, why);
    case RAP_KIND_SYS_ERROR:
        if (h.type != RAP_SYS_SPAWN_FAILED)
            FAIL("unknown system error operation");
        return check_err_payload(&h, payload, why);
    case RAP_KIND_SYS_ACTION:
        switch (h.type) {
        case RAP_SYS_SPAWN:
            if (h.len < sizeof(rap_wire_spawn))
                FAIL("spawn request too short");
            return RAP_OK;
        case RAP_SYS_SPAWN_REPLY:
            if (h.len != sizeof(rap_spawned))
                FAIL("spawn reply has the wrong size");
            return RAP_OK;
        case RAP_SYS_DESTROY:
            if (h.len != 0)
                FAIL("destroy request has a payload");
            return RAP_OK;
        case RAP_SYS_STOP:
            if (h.len != 0)
                FAIL("stop request has a payload");
            return RAP_OK;
        case RAP_SYS_CREDIT:
            if (h.len != sizeof(rap_wire_credit))
                FAIL("credit has the wrong size");
            if (RAP_AID_SERIAL(h.to) != 1 || RAP_AID_SERIAL(h.from) != 1 ||
                RAP_AID_RANK(h.from) == lim->my_rank)
                FAIL("credit not between two System actors");
            return RAP_OK;
        default:
            FAIL("unknown system operation");
        }
    default:
        FAIL("unknown kind");
    }
}

uint32_t rap__wire_flags(const void *buf)
{
    rap_wire_hdr h;
    memcpy(&h, buf, sizeof(h));
    return h.flags;
}

int rap__wire_validate_batch(const void *buf, size_t n, int tag,
                             const rap_wire_limits *lim, const char **why)
{
    rap_wire_hdr h;

    if (n < 2 * sizeof(h))
        FAIL("batch shorter than a header and one item");
    memcpy(&h, buf, sizeof(h));
    if (check_frame(&h, tag, why) != RAP_OK)
        return RAP_EMALFORMED;
    if (h.kind != RAP_KIND_ACTOR_ACTION)
        FAIL("batch of a kind other than ActorActionMsg");
    if (h.flags != RAP_WIRE_BATCH || h.type != 0)
        FAIL("bad batch flags or type");
    if ((uint64_t)h.len != n - sizeof(h))
        FAIL("batch length does not match the bytes received");
    if (RAP_AID_RANK(h.to) != lim->my_rank || RAP_AID_SERIAL(h.to) != 1 || h.from != RAP_AID_NONE)
        FAIL("batch not addressed to this rank's System actor");
    return RAP_OK;
}

int rap__wire_validate_large(const void *buf, size_t n, int tag,
                             const rap_wire_limits *lim, const char **why)
{
    rap_wire_hdr h;

    if (n != sizeof(h))
        FAIL("large-message header of the wrong size");
    memcpy(&h, buf, sizeof(h));
    if (check_frame(&h, tag, why) != RAP_OK)
        return RAP_EMALFORMED;
    if (h.flags != RAP_WIRE_LARGE)
        FAIL("bad large-message flags");
    if ((uint64_t)h.len + sizeof(h) <= rap__kind_slot(h.kind) || h.len > RAP_MAX_PAYLOAD)
        FAIL("large-message length out of range");
    if (h.to == RAP_AID_NONE || !rank_ok(h.to, lim) || RAP_AID_RANK(h.to) != lim->my_rank)
        FAIL("bad destination actor id");
    return RAP_OK;
}

bool rap__wire_same_header(const rap_wire_hdr *a, const rap_wire_hdr *b)
{
    return a->kind == b->kind && a->type == b->type && a->to == b->to && a->from == b->from &&
           a->len == b->len && b->flags == 0;
}
