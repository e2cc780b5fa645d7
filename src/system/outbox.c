/* system/outbox.c -- see outbox.h.
 *
 * Why hold: a push into another worker's actor costs several cache-line
 * transfers (the addressee's reference count and mailbox head, the
 * previous message's link, each with a locked instruction that waits for
 * them); a chain pays them once.  A remote chain is appended to the
 * transport's queue under one lock.  Envelopes for held local messages
 * come from a run of consecutive pool blocks per slot, so a chain is
 * sequential memory for its reader, which the prefetchers follow (figures
 * in docs/PERFORMANCE.md).
 */
#include <stdlib.h>
#include <string.h>

#include "msg/pool.h"
#include "system/node.h"
#include "system/outbox.h"
#include "util/fatal.h"

/* Addressees held at once (a power of 2, at most 65,536).  With 32, a
 * fan-out to more addressees pushed a chain of one message at every send,
 * and with a second worker running each target as soon as it was pushed,
 * fork-join over 48 to 1,024 targets fell from 14 to 0.8-2.6 M messages/s
 * (docs/PERFORMANCE.md, session 8). */
#define OUTBOX_SLOTS 1024
#define OUTBOX_PROBE 4  /* slots tried for an addressee */
#define RUN_AHEAD 8     /* blocks of a run asked for ahead of their use */

typedef struct chain {
    rap_aid to;
    rap_env *first, *last;
    uint32_t n;
    /* Blocks for the slot's next messages, consecutive in memory. */
    char *run;
    uint32_t run_left, run_cap;
    size_t run_stride;
    uint16_t at; /* its place in the outbox's used list, while it holds messages */
} chain;

typedef struct outbox {
    alignas(RAP_CACHELINE) bool open; /* a handler runs: sends may be held */
    bool sent;        /* it sent its first message */
    uint32_t nused;   /* chains holding messages: used[0 .. nused) */
    uint16_t used[OUTBOX_SLOTS];
    chain c[OUTBOX_SLOTS];
} outbox;

/* Two per worker: its handlers' sends, and the arrivals of a batch it
 * unpacks from the wire. */
static outbox *outboxes;

/* The calling worker's outboxes (NULL on other threads); initial-exec
 * TLS: read at every send. */
static _Thread_local outbox *tl_ob RAP_TLS_IE;
static _Thread_local outbox *tl_in RAP_TLS_IE;

int rap__outbox_create(int nworkers)
{
    outboxes = aligned_alloc(RAP_CACHELINE, 2 * (size_t)nworkers * sizeof(outbox));
    if (outboxes == NULL)
        return RAP_ENOMEM;
    memset(outboxes, 0, 2 * (size_t)nworkers * sizeof(outbox));
    return RAP_OK;
}

void rap__outbox_destroy(void)
{
    free(outboxes);
    outboxes = NULL;
}

void rap__outbox_bind(int w)
{
    tl_ob = &outboxes[2 * w];
    tl_in = &outboxes[2 * w + 1];
}

static void run_release(chain *c)
{
    for (; c->run_left > 0; c->run_left--, c->run += c->run_stride) {
        rap_env *env = (rap_env *)(void *)c->run;
        env->cap = c->run_cap;
        rap__env_free(env);
    }
}

void rap__outbox_unbind(void)
{
    for (int i = 0; tl_ob != NULL && i < OUTBOX_SLOTS; i++)
        run_release(&tl_ob->c[i]);
    tl_ob = NULL;
    tl_in = NULL;
}

/* Push slot i's chain.  The slot is emptied first: delivering may enter
 * the outbox again (a dead letter's error event to the sender; a poll,
 * when the send queue is long, that unpacks a batch from the wire), and
 * must find the slot free, not the chain being delivered. */
static void chain_push(outbox *o, unsigned i)
{
    chain *c = &o->c[i];
    rap_aid to = c->to;
    rap_env *first = c->first, *last = c->last;
    uint32_t n = c->n;

    RAP_ASSERT(n > 0 && first != NULL && c->at < o->nused && o->used[c->at] == i);
    c->n = 0;
    o->used[c->at] = o->used[--o->nused]; /* the last takes its place */
    o->c[o->used[c->at]].at = c->at;
    rap__deliver_chain(to, first, last, n);
}

void rap__outbox_open(void)
{
    outbox *o = tl_ob;

    if (o != NULL) {
        o->open = true;
        o->sent = false;
    }
}

static void close_box(outbox *o)
{
    o->open = false;
    while (o->nused != 0)
        chain_push(o, o->used[o->nused - 1]);
}

void rap__outbox_close(void)
{
    if (tl_ob != NULL)
        close_box(tl_ob);
}

bool rap__outbox_flush(void)
{
    outbox *o = tl_ob;

    if (o == NULL || !o->open)
        return false;
    while (o->nused != 0)
        chain_push(o, o->used[o->nused - 1]);
    return true;
}

/* The slot for `to`: the one holding its chain, else a free one, else
 * (to be pushed and reused) its first.  Serials come in order of spawning,
 * so the actors of a fan-out made together have consecutive low bits and
 * distinct slots (a hash made collisions, and a collision pushes a chain
 * at every alternation). */
static unsigned outbox_slot(const outbox *o, rap_aid to)
{
    unsigned first = (unsigned)to & (OUTBOX_SLOTS - 1), free_slot = OUTBOX_SLOTS;

    for (unsigned k = 0; k < OUTBOX_PROBE; k++) {
        unsigned i = (first + k) & (OUTBOX_SLOTS - 1);
        if (o->c[i].n == 0) {
            if (free_slot == OUTBOX_SLOTS)
                free_slot = i;
        } else if (o->c[i].to == to) {
            return i;
        }
    }
    return free_slot != OUTBOX_SLOTS ? free_slot : first;
}

rap_env *rap__outbox_alloc(rap_aid to, size_t len)
{
    outbox *o = tl_ob;
    size_t total = sizeof(rap_env) + len;
    rap_env *env;
    chain *c;

    if (o == NULL || !o->open || !o->sent || RAP_AID_RANK(to) != g_node.rank ||
        total > RAP_POOL_MAX_TOTAL)
        return NULL;
    c = &o->c[outbox_slot(o, to)];
    if (c->run_left == 0 || total > c->run_stride || 2 * total <= c->run_stride) {
        rap_env *first;
        run_release(c);
        c->run_left = rap__pool_alloc_run(total, RAP_OUTBOX_CHAIN, &first, &c->run_cap,
                                          &c->run_stride);
        if (c->run_left == 0)
            return NULL;
        c->run = (char *)first;
        /* The blocks' lines are likely in the core that read their last
         * messages: ask for them, for writing, ahead of the stores (each
         * store to a line another core holds waits for it, and the stores
         * behind it too). */
        for (uint32_t k = 0; k < c->run_left && k < RUN_AHEAD; k++)
            rap__prefetch_w(c->run + k * c->run_stride);
    }
    env = (rap_env *)(void *)c->run;
    c->run += c->run_stride;
    c->run_left--;
    if (c->run_left > RUN_AHEAD)
        rap__prefetch_w(c->run + RUN_AHEAD * c->run_stride);
    env->cap = c->run_cap;
    rap__env_init(env, len);
    return env;
}

static void hold(outbox *o, rap_env *env)
{
    rap_aid to = env->hdr.to;
    chain *c;
    unsigned i;

    atomic_store_explicit(&env->next, NULL, memory_order_relaxed);
    /* A slot held for another addressee is pushed and looked for again
     * (the push may have filled slots anew). */
    while (c = &o->c[i = outbox_slot(o, to)], c->n > 0 && c->to != to)
        chain_push(o, i);
    if (c->n == 0) {
        c->to = to;
        c->first = env;
        c->at = (uint16_t)o->nused;
        o->used[o->nused++] = (uint16_t)i;
    } else {
        atomic_store_explicit(&c->last->next, env, memory_order_relaxed);
    }
    c->last = env;
    if (++c->n == RAP_OUTBOX_CHAIN)
        chain_push(o, i);
}

bool rap__outbox_hold(rap_env *env)
{
    outbox *o = tl_ob;

    if (o == NULL || !o->open)
        return false;
    if (!o->sent) {
        o->sent = true;
        return false;
    }
    hold(o, env);
    return true;
}

/* A batch's arrivals go to the worker's second outbox, never to the
 * handler's (a poll may run inside a handler): they are pushed when the
 * batch ends, before the poll gives up the MPI token, so that arrivals
 * that the next poll delivers, perhaps on another thread, come after them. */
void rap__outbox_batch(bool open)
{
    outbox *o = tl_in;

    if (o == NULL)
        return;
    if (open) {
        o->open = true;
        o->sent = true;
    } else {
        close_box(o);
    }
}

bool rap__outbox_hold_arrival(rap_env *env)
{
    outbox *o = tl_in;

    if (o == NULL || !o->open)
        return false;
    hold(o, env);
    return true;
}
