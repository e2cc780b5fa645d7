/* services/timer.c -- timers and scheduled messages (rap_send_after,
 * rap_send_every, rap_timer_cancel): one set of timers per rank, fired by
 * whichever thread holds the MPI token when one is due.
 *
 * Owns:       the rank's pending timers: their slots (a free list), a
 *             binary min-heap of them on (due time, order set), and each
 *             actor's timers (a map from the actor to a list of slots).
 * Invariants: g_node.held counts the pending timers and g_node.due_ns is
 *             the heap's top (rap__node_due_at), both kept under the lock.
 *             A timer's message is routed before the timer stops being
 *             held, so the rank is never idle with a firing on its way.
 *             A handle is (rank, generation, slot) in an actor id's layout
 *             (the rank in the top 20 bits): a slot's generation changes
 *             each time it is freed, so a handle of a timer that fired or
 *             was cancelled finds nothing.  A timer set by an actor fires
 *             as a RAP_MSG_SEND_AS message to that actor, which sends
 *             it in its name in a turn of its own (op_send_as: its order
 *             among the actor's sends, its sequence numbers to movable
 *             actors, its profile; to itself it is handled in that turn;
 *             a periodic timer's firing names the timer, and one
 *             cancelled since sends nothing); a timer set
 *             outside actors sends its message from outside; a runtime
 *             timer (rap__timer_raw, a type below RAP_TYPE_USER_MIN) routes
 *             its message as it is.
 * Threads:    set and cancel on any thread; due on the token holder (one
 *             at a time), sending after the lock is dropped; halt on the
 *             thread that stops the rank; actor_end on the ending actor's
 *             worker; drain on rap_finalize's thread.
 * Uses:       system/node.h (routing, the node's held count and deadline),
 *             system/service.h, msg/, util/, the public API.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "msg/aid.h"
#include "msg/proto.h"
#include "services/services.h"
#include "services/timer.h"
#include "system/node.h"
#include "util/clock.h"
#include "util/u64map.h"

#define NIL UINT32_MAX
#define SLOT_BITS 24
#define GEN_BITS 20
#define MAX_SLOTS (UINT32_C(1) << SLOT_BITS)
#define GEN_MASK ((UINT32_C(1) << GEN_BITS) - 1)
/* Firings per look: the rest go at the next poll, so that a burst of
 * due timers does not hold the token (and the transport) long. */
#define FIRE_BATCH 256

typedef struct tslot {
    uint64_t due, period, order; /* period 0: once */
    rap_aid owner, to;           /* owner: the actor that set it, or RAP_AID_NONE */
    uint32_t type, len;
    uint32_t gen;                /* 1..GEN_MASK, changed when freed */
    uint32_t heap;               /* its index in the heap; NIL while free */
    uint32_t onext, oprev;       /* its owner's list; onext links the free list */
    void *data;                  /* len bytes (NULL for 0) */
} tslot;

static struct {
    pthread_mutex_t lock;
    tslot *slots;
    uint32_t nslots, cap, free_head;
    uint32_t *heap; /* slot indexes */
    uint32_t nheap;
    uint64_t next_order;
    rap_u64map owners;  /* actor -> the first slot of its list */
    bool draining;  /* rap_finalize began: no new timers */
    int rank;
} T = { .lock = PTHREAD_MUTEX_INITIALIZER, .free_head = NIL };

/* ------------------------------------------------------------- the heap */

static bool before(uint32_t a, uint32_t b)
{
    const tslot *x = &T.slots[a], *y = &T.slots[b];
    return x->due < y->due || (x->due == y->due && x->order < y->order);
}

static void heap_place(uint32_t i, uint32_t s)
{
    T.heap[i] = s;
    T.slots[s].heap = i;
}

static void sift_up(uint32_t i)
{
    uint32_t s = T.heap[i];

    while (i > 0 && before(s, T.heap[(i - 1) / 2])) {
        heap_place(i, T.heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_place(i, s);
}

static void sift_down(uint32_t i)
{
    uint32_t s = T.heap[i];

    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= T.nheap)
            break;
        if (c + 1 < T.nheap && before(T.heap[c + 1], T.heap[c]))
            c++;
        if (!before(T.heap[c], s))
            break;
        heap_place(i, T.heap[c]);
        i = c;
    }
    heap_place(i, s);
}

static void heap_remove(uint32_t s)
{
    uint32_t i = T.slots[s].heap, last = T.heap[--T.nheap];

    T.slots[s].heap = NIL;
    if (i == T.nheap)
        return;
    heap_place(i, last);
    sift_up(i);
    sift_down(T.slots[last].heap);
}

/* The node's deadline: the heap's top (under the lock). */
static void publish_due(void)
{
    rap__node_due_at(T.nheap > 0 ? T.slots[T.heap[0]].due : UINT64_MAX);
}

/* ------------------------------------------------------- owners' lists */

static bool owner_link(uint32_t s)
{
    tslot *t = &T.slots[s];
    uint64_t head;

    t->oprev = NIL;
    t->onext = rap__u64map_get(&T.owners, t->owner, &head) ? (uint32_t)head : NIL;
    if (rap__u64map_put(&T.owners, t->owner, s) != RAP_OK)
        return false;
    if (t->onext != NIL)
        T.slots[t->onext].oprev = s;
    return true;
}

static void owner_unlink(uint32_t s)
{
    tslot *t = &T.slots[s];

    if (t->onext != NIL)
        T.slots[t->onext].oprev = t->oprev;
    if (t->oprev != NIL)
        T.slots[t->oprev].onext = t->onext;
    else if (t->onext != NIL)
        rap__u64map_put(&T.owners, t->owner, t->onext); /* replaces: never grows */
    else
        rap__u64map_del(&T.owners, t->owner, NULL);
}

/* ---------------------------------------------------------- the slots */

static uint32_t slot_alloc(void)
{
    uint32_t s;

    if (T.free_head != NIL) {
        s = T.free_head;
        T.free_head = T.slots[s].onext;
        return s;
    }
    if (T.nslots == T.cap) {
        uint32_t cap = T.cap ? T.cap * 2 : 256;
        if (cap > MAX_SLOTS)
            cap = MAX_SLOTS;
        if (cap == T.nslots)
            return NIL;
        tslot *ns = realloc(T.slots, cap * sizeof(*ns));
        if (ns == NULL)
            return NIL;
        T.slots = ns;
        uint32_t *nh = realloc(T.heap, cap * sizeof(*nh));
        if (nh == NULL)
            return NIL; /* the slots' growth is kept: cap stays */
        T.heap = nh;
        T.cap = cap;
    }
    s = T.nslots++;
    T.slots[s].gen = 1;
    return s;
}

/* Free a pending slot: out of the heap and its owner's list; one timer
 * less held. */
static void slot_free(uint32_t s)
{
    tslot *t = &T.slots[s];

    heap_remove(s);
    if (t->owner != RAP_AID_NONE) {
        owner_unlink(s);
        atomic_fetch_sub(&g_node.by_actor, 1);
    }
    free(t->data);
    t->data = NULL;
    t->gen = (t->gen & GEN_MASK) == GEN_MASK ? 1 : t->gen + 1;
    t->onext = T.free_head;
    T.free_head = s;
    atomic_fetch_sub(&g_node.held, 1);
}

static rap_timer handle_of(uint32_t s)
{
    return rap__aid(T.rank, (uint64_t)T.slots[s].gen << SLOT_BITS | s);
}

/* The pending slot a handle of this rank names, or NIL. */
static uint32_t slot_of(rap_timer h)
{
    uint64_t serial = RAP_AID_SERIAL(h);
    uint32_t s = (uint32_t)(serial & (MAX_SLOTS - 1)), gen = (uint32_t)(serial >> SLOT_BITS);

    if (s >= T.nslots || T.slots[s].gen != gen || T.slots[s].heap == NIL)
        return NIL;
    return s;
}

static void clear_all(void)
{
    pthread_mutex_lock(&T.lock);
    while (T.nheap > 0)
        slot_free(T.heap[T.nheap - 1]);
    publish_due();
    pthread_mutex_unlock(&T.lock);
}

/* ---------------------------------------------------------- the calls */

/* A pending timer of `owner` (RAP_AID_NONE: none) firing `type`'s message
 * to `to` after `delay` (then every `period`, unless 0). */
static int arm(rap_aid owner, rap_aid to, uint32_t type, const void *data, size_t len, uint64_t delay,
               uint64_t period, rap_timer *out)
{
    void *copy = NULL;
    uint64_t now;
    uint32_t s;
    int rc = RAP_OK;

    if (len > 0 && (copy = malloc(len)) == NULL)
        return RAP_ENOMEM;
    if (len > 0)
        memcpy(copy, data, len);
    now = rap__now_ns();
    pthread_mutex_lock(&T.lock);
    if (T.draining || atomic_load(&g_node.stopping)) {
        rc = RAP_ESTOPPED;
    } else if ((s = slot_alloc()) == NIL) {
        rc = T.nslots == MAX_SLOTS ? RAP_ERANGE : RAP_ENOMEM;
    } else {
        tslot *t = &T.slots[s];
        t->due = delay > UINT64_MAX - now ? UINT64_MAX - 1 : now + delay;
        t->period = period;
        t->order = T.next_order++;
        t->owner = owner;
        t->to = to;
        t->type = type;
        t->len = (uint32_t)len;
        t->data = copy;
        t->onext = t->oprev = NIL;
        if (t->owner != RAP_AID_NONE && !owner_link(s)) {
            t->data = NULL;
            t->onext = T.free_head; /* back to the free list, never pending */
            T.free_head = s;
            t->heap = NIL;
            rc = RAP_ENOMEM;
        } else {
            atomic_fetch_add(&g_node.held, 1);
            if (t->owner != RAP_AID_NONE)
                atomic_fetch_add(&g_node.by_actor, 1);
            T.heap[T.nheap++] = s;
            sift_up(T.nheap - 1);
            if (T.heap[0] == s)
                publish_due();
            if (out != NULL)
                *out = handle_of(s);
            copy = NULL;
        }
    }
    pthread_mutex_unlock(&T.lock);
    free(copy);
    return rc;
}

static int set(rap_ctx *ctx, rap_aid to, uint32_t type, const void *data, size_t len, uint64_t delay,
               uint64_t period, rap_timer *out)
{
    int rc = rap__send_check(to, type, data, len);

    return rc != RAP_OK ? rc : arm(rap__ctx_aid(ctx), to, type, data, len, delay, period, out);
}

int rap__timer_raw(rap_aid owner, rap_aid to, uint32_t rt_type, const void *data, size_t len, uint64_t delay,
                   rap_timer *out)
{
    return arm(owner, to, rt_type, data, len, delay, 0, out);
}

int rap_send_after(rap_ctx *ctx, rap_aid to, uint32_t type, const void *data, size_t len, uint64_t delay_ns,
                   rap_timer *timer_out)
{
    return set(ctx, to, type, data, len, delay_ns, 0, timer_out);
}

int rap_send_every(rap_ctx *ctx, rap_aid to, uint32_t type, const void *data, size_t len, uint64_t period_ns,
                   rap_timer *timer_out)
{
    if (period_ns == 0)
        return rap__node_up() ? RAP_EINVAL : RAP_ESTATE;
    return set(ctx, to, type, data, len, period_ns, period_ns, timer_out);
}

static int cancel_here(rap_timer h)
{
    uint32_t s;
    int rc = RAP_EGONE;

    pthread_mutex_lock(&T.lock);
    if ((s = slot_of(h)) != NIL) {
        bool top = T.heap[0] == s;
        slot_free(s);
        if (top)
            publish_due();
        rc = RAP_OK;
    }
    pthread_mutex_unlock(&T.lock);
    return rc;
}

int rap_timer_cancel(rap_ctx *ctx, rap_timer timer)
{
    rap_wire_timer w = { .timer = timer };

    if (!rap__node_up())
        return RAP_ESTATE;
    if (timer == RAP_TIMER_NONE || RAP_AID_RANK(timer) >= g_node.size)
        return RAP_EINVAL;
    if (RAP_AID_RANK(timer) == g_node.rank)
        return cancel_here(timer);
    return rap__sys_send(RAP_KIND_SYS_ACTION, RAP_SYS_TIMER_CANCEL, rap__aid_system(RAP_AID_RANK(timer)),
                         rap__ctx_aid(ctx), &w, sizeof(w));
}

/* RAP_SYS_TIMER_CANCEL from another rank (the wire checked its size and
 * that the timer is this rank's); one already gone is no error. */
static void op_cancel(rap_ctx *ctx, const rap_env *env)
{
    rap_wire_timer w;

    (void)ctx;
    memcpy(&w, rap__env_cpayload(env), sizeof(w));
    cancel_here(w.timer);
}

/* --------------------------------------------------------------- firing */

/* The envelope that carries slot s's message now: RAP_MSG_SEND_AS to its
 * owner, or the message itself from outside actors.  NULL: out of memory
 * (this firing is lost, and logged). */
static rap_env *firing(const tslot *t)
{
    rap_env *env;

    if (t->type < RAP_TYPE_USER_MIN) { /* the runtime's (rap__timer_raw): as it is, to `to` */
        if ((env = rap__env_alloc(t->len)) == NULL)
            return NULL;
        if (t->len > 0)
            memcpy(rap__env_payload(env), t->data, t->len);
        rap__env_set(env, RAP_KIND_ACTOR_ACTION, t->type, t->to, RAP_AID_NONE);
        return env;
    }
    if (t->owner == RAP_AID_NONE) {
        rap_msg *m;
        if (rap_msg_alloc(NULL, t->type, t->len, &m) != RAP_OK)
            return NULL;
        if (t->len > 0)
            memcpy(rap_msg_data(m), t->data, t->len);
        env = (rap_env *)m;
        env->hdr.to = t->to; /* rap_msg_send takes it from here */
        return env;
    }
    rap_wire_sendas sa = { .to = t->to, .timer = t->period > 0 ? handle_of((uint32_t)(t - T.slots)) : RAP_TIMER_NONE,
                           .type = t->type, .len = t->len };
    if ((env = rap__env_alloc(sizeof(sa) + t->len)) == NULL)
        return NULL;
    memcpy(rap__env_payload(env), &sa, sizeof(sa));
    if (t->len > 0)
        memcpy((char *)rap__env_payload(env) + sizeof(sa), t->data, t->len);
    rap__env_set(env, RAP_KIND_ACTOR_ACTION, RAP_MSG_SEND_AS, t->owner, RAP_AID_NONE);
    return env;
}

static int due(uint64_t now)
{
    rap_env *out[FIRE_BATCH];
    bool outside[FIRE_BATCH];
    int n = 0, once = 0, lost = 0;

    pthread_mutex_lock(&T.lock);
    while (T.nheap > 0 && n + lost < FIRE_BATCH) {
        uint32_t s = T.heap[0];
        tslot *t = &T.slots[s];
        if (t->due > now)
            break;
        rap_env *env = firing(t);
        if (env != NULL) {
            outside[n] = t->owner == RAP_AID_NONE && t->type >= RAP_TYPE_USER_MIN;
            out[n++] = env;
        } else {
            lost++;
        }
        if (t->period == 0) {
            /* Held until its message is routed (below). */
            atomic_fetch_add(&g_node.held, 1);
            slot_free(s);
            once++;
            continue;
        }
        t->due = t->due + t->period > now ? t->due + t->period : now + t->period;
        t->order = T.next_order++;
        sift_down(0);
    }
    publish_due();
    pthread_mutex_unlock(&T.lock);
    for (int i = 0; i < n; i++) {
        if (!outside[i]) {
            rap__route(out[i]);
        } else {
            rap_env *env = out[i];
            int rc = rap_msg_send(NULL, env->hdr.to, (rap_msg *)env);
            if (rc != RAP_OK) {
                rap_msg_free((rap_msg *)env);
                lost++;
            }
        }
    }
    if (lost > 0)
        rap__log(RAP_LOG_WARN, RAP_AID_NONE, "timers: %d firing(s) not sent (out of memory, or the job stops)",
                 lost);
    atomic_fetch_sub(&g_node.held, (uint64_t)once);
    return n;
}

/* -------------------------------------------------------- the service */

static int start(const rap_config *cfg, int rank, int size, int workers)
{
    (void)cfg, (void)size, (void)workers;
    pthread_mutex_lock(&T.lock);
    T.rank = rank;
    T.draining = false;
    pthread_mutex_unlock(&T.lock);
    return RAP_OK;
}

static void drain(void)
{
    pthread_mutex_lock(&T.lock);
    T.draining = true;
    pthread_mutex_unlock(&T.lock);
    clear_all();
}

static void actor_end(rap_aid aid)
{
    uint64_t head;
    bool top = false;

    pthread_mutex_lock(&T.lock);
    while (rap__u64map_get(&T.owners, aid, &head)) {
        top |= T.heap[0] == (uint32_t)head;
        slot_free((uint32_t)head); /* the last one removes the entry */
    }
    if (top)
        publish_due();
    pthread_mutex_unlock(&T.lock);
}

static void stop(void)
{
    clear_all();
    pthread_mutex_lock(&T.lock);
    free(T.slots);
    free(T.heap);
    rap__u64map_free(&T.owners);
    T.slots = NULL;
    T.heap = NULL;
    T.nslots = T.cap = T.nheap = 0;
    T.free_head = NIL;
    T.next_order = 0;
    pthread_mutex_unlock(&T.lock);
}

/* RAP_MSG_SEND_AS at the actor that set the timer (the wire checked its
 * sizes): the firing sent now, in the actor's name, as its handlers' sends
 * are (rap_send checks the addressee and type; a refusal is logged).  A
 * periodic timer of this rank cancelled since it fired sends nothing
 * (rap_timer_cancel: "sends no more"), and a firing to the actor itself
 * is handled now, in this turn: sent, it would queue behind the next
 * firing, which a cancel in its handler could no longer stop. */
static void op_send_as(rap_ctx *ctx, const rap_env *env)
{
    const char *p = rap__env_cpayload(env);
    char self[RAP_NAME_MAX], to[RAP_NAME_MAX], type[RAP_NAME_MAX];
    rap_wire_sendas sa;
    bool gone = false;
    int rc;

    memcpy(&sa, p, sizeof(sa));
    if (sa.timer != RAP_TIMER_NONE && (int)RAP_AID_RANK(sa.timer) == T.rank) {
        pthread_mutex_lock(&T.lock);
        gone = slot_of(sa.timer) == NIL;
        pthread_mutex_unlock(&T.lock);
    }
    if (gone)
        return;
    if (sa.to == rap_self(ctx) && rap__actor_handle_now(ctx, sa.type, p + sizeof(sa), sa.len))
        return;
    rc = rap_send(ctx, sa.to, sa.type, sa.len > 0 ? p + sizeof(sa) : NULL, sa.len);
    if (rc != RAP_OK)
        rap__log(RAP_LOG_WARN, RAP_AID_NONE, "actor %s: a timer's message of type %s to %s not sent: %s",
                 rap__actor_name(rap_self(ctx), self, sizeof(self)), rap__msg_name(sa.type, type, sizeof(type)),
                 rap__actor_name(sa.to, to, sizeof(to)), rap_err_name(rc));
}

static const rap_service_op actor_ops[] = {
    { RAP_MSG_SEND_AS, op_send_as },
    { 0, NULL },
};

static const rap_service_op ops[] = {
    { RAP_SYS_TIMER_CANCEL, op_cancel },
    { 0, NULL },
};

const rap_service rap__timer_service = {
    .name = "timer",
    .ops = ops,
    .start = start,
    .drain = drain,
    .stop = stop,
    .due = due,
    .halt = clear_all,
    .actor_end = actor_end,
    .actor_ops = actor_ops,
};
