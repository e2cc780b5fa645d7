/* actor/table.c -- see table.h.
 *
 * Layout: serial -> slot in a two-level array, 4096 slots a page, pages
 * installed on first use with a CAS, so lookups take no lock.  Removal
 * uses a Dekker-style handshake with senders: the remover clears `alive`
 * and then waits for `refs` to reach 0; a sender raises `refs` and then
 * checks `alive` (both sequentially consistent), so one of them always
 * sees the other.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "actor/table.h"

#define PAGE_BITS 12
#define PAGE_SLOTS (1u << PAGE_BITS)
#define DIR_SLOTS (1u << 20) /* 2^32 serials per rank */

typedef struct page {
    _Atomic(rap_actor *) slot[PAGE_SLOTS];
} page;

/* Guests: actors whose home is another rank (they moved here), found by
 * their whole id in a hash of chains, each stripe under its own lock. */
#define GUEST_STRIPES 64
typedef struct guest {
    rap_aid aid;
    rap_actor *a;
    struct guest *next;
} guest;
typedef struct guest_stripe {
    alignas(RAP_CACHELINE) pthread_mutex_t lock;
    guest *head;
} guest_stripe;

/* A group's members at home here; and the messages held for groups not
 * ready here, by group (a short list: groups being made). */
#define GROUP_SLOTS (1u << RAP_GROUP_NUM_BITS)
typedef struct gtab {
    struct gtab *next; /* every table, for foreach and destroy */
    uint32_t lo, stride, count;
    _Atomic bool ready;
    _Atomic(rap_actor *) slot[];
} gtab;
typedef struct gheld {
    uint32_t gnum;
    rap_env *first, *last;
    struct gheld *next;
} gheld;

struct rap_table {
    guest_stripe guests[GUEST_STRIPES];
    _Atomic uint64_t nguests;
    int rank;
    _Atomic uint64_t next_serial;
    _Atomic uint64_t live;
    _Atomic(page *) *dir;
    _Atomic(gtab *) *gdir; /* group number -> its table, installed once */
    gtab *groups;          /* under `lock` */
    gheld *held;           /* under `lock` */

    pthread_mutex_t lock; /* guards the free list and `chunks`, groups and held */
    rap_actor *free;
    void **chunks;
    size_t nchunks, capchunks;
};

#define CHUNK_ACTORS 256

int rap__table_create(int rank, rap_table **table_out)
{
    size_t bytes = (sizeof(rap_table) + RAP_CACHELINE - 1) / RAP_CACHELINE * RAP_CACHELINE;
    rap_table *t = aligned_alloc(RAP_CACHELINE, bytes);

    if (t == NULL)
        return RAP_ENOMEM;
    memset(t, 0, bytes);
    t->dir = calloc(DIR_SLOTS, sizeof(*t->dir));
    t->gdir = calloc(GROUP_SLOTS, sizeof(*t->gdir));
    if (t->dir == NULL || t->gdir == NULL) {
        free(t->dir);
        free(t->gdir);
        free(t);
        return RAP_ENOMEM;
    }
    t->rank = rank;
    for (int i = 0; i < GUEST_STRIPES; i++)
        pthread_mutex_init(&t->guests[i].lock, NULL);
    atomic_init(&t->next_serial, RAP_SERIAL_USER_MIN);
    pthread_mutex_init(&t->lock, NULL);
    *table_out = t;
    return RAP_OK;
}

/* Pages past the highest serial handed out were never made. */
static size_t pages_used(rap_table *t)
{
    uint64_t top = (atomic_load_explicit(&t->next_serial, memory_order_acquire) >> PAGE_BITS) + 1;
    return top < DIR_SLOTS ? (size_t)top : DIR_SLOTS;
}

void rap__table_destroy(rap_table *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0, n = pages_used(t); i < n; i++)
        free(atomic_load_explicit(&t->dir[i], memory_order_relaxed));
    free(t->dir);
    for (gtab *g = t->groups, *next; g != NULL; g = next) {
        next = g->next;
        free(g);
    }
    free(t->gdir);
    for (gheld *h = t->held, *next; h != NULL; h = next) {
        next = h->next;
        for (rap_env *e = h->first, *en; e != NULL; e = en) {
            en = atomic_load_explicit(&e->next, memory_order_relaxed);
            rap__env_free(e);
        }
        free(h);
    }
    for (size_t i = 0; i < t->nchunks; i++)
        free(t->chunks[i]);
    free(t->chunks);
    for (int i = 0; i < GUEST_STRIPES; i++) {
        for (guest *g = t->guests[i].head, *next; g != NULL; g = next) {
            next = g->next;
            free(g);
        }
        pthread_mutex_destroy(&t->guests[i].lock);
    }
    pthread_mutex_destroy(&t->lock);
    free(t);
}

rap_actor *rap__table_alloc(rap_table *t)
{
    rap_actor *a;

    pthread_mutex_lock(&t->lock);
    if (t->free == NULL) {
        rap_actor *chunk;
        if (t->nchunks == t->capchunks) {
            size_t ncap = t->capchunks ? t->capchunks * 2 : 16;
            void **c = realloc(t->chunks, ncap * sizeof(*c));
            if (c == NULL) {
                pthread_mutex_unlock(&t->lock);
                return NULL;
            }
            t->chunks = c;
            t->capchunks = ncap;
        }
        chunk = aligned_alloc(RAP_CACHELINE, CHUNK_ACTORS * sizeof(rap_actor));
        if (chunk == NULL) {
            pthread_mutex_unlock(&t->lock);
            return NULL;
        }
        t->chunks[t->nchunks++] = chunk;
        for (size_t i = 0; i < CHUNK_ACTORS; i++) {
            atomic_init(&chunk[i].aid, RAP_AID_NONE);
            atomic_init(&chunk[i].alive, 0);
            atomic_init(&chunk[i].refs, 0);
            chunk[i].free_next = t->free;
            t->free = &chunk[i];
        }
    }
    a = t->free;
    t->free = a->free_next;
    pthread_mutex_unlock(&t->lock);

    /* aid, alive and refs may be read by stale senders: keep them atomic. */
    a->task = (rap_task){ 0 };
    a->parent = RAP_AID_NONE;
    a->type = NULL;
    a->state = NULL;
    a->exiting = false;
    a->destroyed = false;
    a->supervised = false;
    a->suspended = false;
    /* The counts reset below must not be seen before the id's reset was (a
     * sample reads them without a reference: its read of the id again
     * after them must then differ; seqlock order, see sample.c). */
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&a->prof.calls, 0, memory_order_relaxed);
    atomic_store_explicit(&a->prof.time_ns, 0, memory_order_relaxed);
    atomic_store_explicit(&a->prof.msgs_out, 0, memory_order_relaxed);
    atomic_store_explicit(&a->prof.bytes_out, 0, memory_order_relaxed);
    atomic_store_explicit(&a->prof.depth_peak, 0, memory_order_relaxed);
    atomic_store_explicit(&a->prof.atype, 0, memory_order_relaxed);
    atomic_store_explicit(&a->prof.state_bytes, 0, memory_order_relaxed);
    a->free_next = NULL;
    return a;
}

/* A group member's slot: only in a group opened here, and for a lookup
 * only once it is ready. */
static _Atomic(rap_actor *) *group_slot(rap_table *t, uint64_t serial, bool lookup)
{
    uint32_t gnum = rap__aid_gnum(serial), i = rap__aid_gindex(serial);
    gtab *g = atomic_load_explicit(&t->gdir[gnum], memory_order_acquire);

    if (g == NULL || (lookup && !atomic_load_explicit(&g->ready, memory_order_acquire)) || i < g->lo ||
        (i - g->lo) % g->stride != 0 || (i - g->lo) / g->stride >= g->count)
        return NULL;
    return &g->slot[(i - g->lo) / g->stride];
}

static _Atomic(rap_actor *) *slot_of(rap_table *t, uint64_t serial, bool create)
{
    uint64_t pi;
    page *p;

    if (serial & RAP_SERIAL_GROUP)
        return group_slot(t, serial, false);
    serial &= ~RAP_SERIAL_MOVABLE; /* one serial space, movable or not */
    pi = serial >> PAGE_BITS;
    if (pi >= DIR_SLOTS)
        return NULL;
    /* acquire: pairs with the release CAS that installed the page. */
    p = atomic_load_explicit(&t->dir[pi], memory_order_acquire);
    if (p == NULL) {
        page *expect = NULL;
        if (!create)
            return NULL;
        p = calloc(1, sizeof(*p));
        if (p == NULL)
            return NULL;
        if (!atomic_compare_exchange_strong_explicit(&t->dir[pi], &expect, p,
                                                     memory_order_acq_rel, memory_order_acquire)) {
            free(p);
            p = expect;
        }
    }
    return &p->slot[serial & (PAGE_SLOTS - 1)];
}

static guest_stripe *stripe_of(rap_table *t, rap_aid aid)
{
    uint64_t h = aid * UINT64_C(0x9e3779b97f4a7c15);
    return &t->guests[h >> 58];
}

static int publish_guest(rap_table *t, rap_actor *a, rap_aid aid)
{
    guest_stripe *st = stripe_of(t, aid);
    guest *g = malloc(sizeof(*g));

    if (g == NULL)
        return RAP_ENOMEM;
    atomic_store_explicit(&a->aid, aid, memory_order_relaxed);
    atomic_store_explicit(&a->alive, 1, memory_order_release);
    *g = (guest){ aid, a, NULL };
    pthread_mutex_lock(&st->lock);
    g->next = st->head;
    st->head = g;
    pthread_mutex_unlock(&st->lock);
    atomic_fetch_add(&t->nguests, 1);
    atomic_fetch_add_explicit(&t->live, 1, memory_order_relaxed);
    return RAP_OK;
}

int rap__table_publish(rap_table *t, rap_actor *a, uint64_t serial)
{
    return rap__table_publish_marked(t, a, serial, 0);
}

int rap__table_publish_marked(rap_table *t, rap_actor *a, uint64_t serial, uint64_t mark)
{
    _Atomic(rap_actor *) *slot;

    if (serial == 0)
        serial = atomic_fetch_add_explicit(&t->next_serial, 1, memory_order_relaxed) | mark;
    slot = slot_of(t, serial, true);
    if (slot == NULL)
        return RAP_ENOMEM;
    /* The slot's release store publishes the actor (mailbox, type, id) to
     * a sender that finds it there; the release on `alive` makes a stale
     * sender that reads alive == 1 (recycled memory) read this id too, and
     * so see that it is not the actor it looked up. */
    atomic_store_explicit(&a->aid, rap__aid(t->rank, serial),
                          memory_order_relaxed);
    atomic_store_explicit(&a->alive, 1, memory_order_release);
    rap_actor *none = NULL;
    if (!atomic_compare_exchange_strong_explicit(slot, &none, a, memory_order_release,
                                                 memory_order_relaxed)) {
        atomic_store_explicit(&a->alive, 0, memory_order_relaxed);
        return RAP_EEXIST; /* the serial is another actor's */
    }
    atomic_fetch_add_explicit(&t->live, 1, memory_order_relaxed);
    return RAP_OK;
}

int rap__table_publish_aid(rap_table *t, rap_actor *a, rap_aid aid)
{
    uint64_t serial = RAP_AID_SERIAL(aid);

    if (RAP_AID_RANK(aid) != t->rank)
        return publish_guest(t, a, aid);
    /* Back home: only under a serial this rank handed out. */
    if ((serial & RAP_SERIAL_GROUP) ? group_slot(t, serial, false) == NULL
                                    : (serial & ~RAP_SERIAL_MOVABLE) >=
                                          atomic_load_explicit(&t->next_serial, memory_order_relaxed))
        return RAP_EINVAL;
    return rap__table_publish_marked(t, a, serial, 0);
}

static rap_actor *acquire_guest(rap_table *t, rap_aid aid)
{
    guest_stripe *st;
    rap_actor *a = NULL;

    if (atomic_load_explicit(&t->nguests, memory_order_relaxed) == 0)
        return NULL;
    st = stripe_of(t, aid);
    pthread_mutex_lock(&st->lock);
    for (guest *g = st->head; g != NULL; g = g->next)
        if (g->aid == aid) {
            a = g->a;
            break;
        }
    if (a != NULL && (!atomic_load(&a->alive) || atomic_load(&a->aid) != aid))
        a = NULL;
    if (a != NULL)
        atomic_fetch_add(&a->refs, 1);
    pthread_mutex_unlock(&st->lock);
    return a;
}

rap_actor *rap__table_acquire(rap_table *t, rap_aid aid)
{
    _Atomic(rap_actor *) *slot;
    rap_actor *a;

    if (RAP_AID_RANK(aid) != t->rank)
        return rap__aid_movable(aid) ? acquire_guest(t, aid) : NULL;
    slot = rap__aid_is_group(aid) ? group_slot(t, RAP_AID_SERIAL(aid), true)
                                  : slot_of(t, RAP_AID_SERIAL(aid), false);
    if (slot == NULL)
        return NULL;
    /* acquire: pairs with the release store in publish. */
    a = atomic_load_explicit(slot, memory_order_acquire);
    if (a == NULL)
        return NULL;
    atomic_fetch_add(&a->refs, 1);              /* seq_cst: pairs with remove */
    if (!atomic_load(&a->alive) || atomic_load(&a->aid) != aid) {
        atomic_fetch_sub(&a->refs, 1);
        return NULL;
    }
    return a;
}

void rap__table_release(rap_actor *a)
{
    /* release: our push happens before the remover's acquire read of 0. */
    atomic_fetch_sub_explicit(&a->refs, 1, memory_order_release);
}

static void remove_guest(rap_table *t, rap_actor *a, rap_aid aid)
{
    guest_stripe *st = stripe_of(t, aid);
    guest *gone = NULL;

    pthread_mutex_lock(&st->lock);
    atomic_store(&a->alive, 0);
    for (guest **pp = &st->head; *pp != NULL; pp = &(*pp)->next)
        if ((*pp)->a == a) {
            gone = *pp;
            *pp = gone->next;
            break;
        }
    pthread_mutex_unlock(&st->lock);
    if (gone != NULL) {
        free(gone);
        atomic_fetch_sub(&t->nguests, 1);
    }
}

void rap__table_remove(rap_table *t, rap_actor *a)
{
    rap_aid aid = atomic_load(&a->aid);
    uint64_t serial = RAP_AID_SERIAL(aid);
    _Atomic(rap_actor *) *slot = RAP_AID_RANK(aid) == t->rank ? slot_of(t, serial, false) : NULL;

    if (RAP_AID_RANK(aid) != t->rank)
        remove_guest(t, a, aid);
    atomic_store(&a->alive, 0);                 /* seq_cst: pairs with acquire */
    if (slot != NULL)
        atomic_store(slot, NULL);
    while (atomic_load(&a->refs) != 0)
        sched_yield();
    atomic_fetch_sub_explicit(&t->live, 1, memory_order_relaxed);
}

void rap__table_free(rap_table *t, rap_actor *a)
{
    atomic_store(&a->aid, RAP_AID_NONE);
    pthread_mutex_lock(&t->lock);
    a->free_next = t->free;
    t->free = a;
    pthread_mutex_unlock(&t->lock);
}

uint64_t rap__table_live(const rap_table *t)
{
    return atomic_load_explicit(&((rap_table *)t)->live, memory_order_relaxed);
}

void rap__table_foreach(rap_table *t, void (*fn)(rap_actor *a, void *arg), void *arg)
{
    /* Guests first, from a copy of the list: fn may remove the actor. */
    for (int i = 0; i < GUEST_STRIPES && atomic_load(&t->nguests) > 0; i++) {
        rap_actor **list = NULL;
        size_t n = 0, cap = 0;
        pthread_mutex_lock(&t->guests[i].lock);
        for (guest *g = t->guests[i].head; g != NULL; g = g->next) {
            if (n == cap) {
                rap_actor **l = realloc(list, (cap = cap ? 2 * cap : 16) * sizeof(*l));
                if (l == NULL)
                    break;
                list = l;
            }
            list[n++] = g->a;
        }
        pthread_mutex_unlock(&t->guests[i].lock);
        for (size_t k = 0; k < n; k++)
            fn(list[k], arg);
        free(list);
    }
    for (gtab *g = t->groups; g != NULL; g = g->next)
        for (uint32_t k = 0; k < g->count; k++) {
            rap_actor *a = atomic_load_explicit(&g->slot[k], memory_order_acquire);
            if (a != NULL)
                fn(a, arg);
        }
    for (size_t pi = 0, n = pages_used(t); pi < n; pi++) {
        page *p = atomic_load_explicit(&t->dir[pi], memory_order_acquire);
        if (p == NULL)
            continue;
        for (size_t i = 0; i < PAGE_SLOTS; i++) {
            rap_actor *a = atomic_load_explicit(&p->slot[i], memory_order_acquire);
            if (a != NULL)
                fn(a, arg);
        }
    }
}

/* ------------------------------------------------------------- groups */

int rap__table_group_open(rap_table *t, uint32_t gnum, uint32_t lo, uint32_t stride, uint32_t count)
{
    gtab *g, *none = NULL;

    if (gnum == 0 || gnum >= GROUP_SLOTS || stride == 0)
        return RAP_ERANGE;
    if ((g = calloc(1, sizeof(*g) + (size_t)count * sizeof(g->slot[0]))) == NULL)
        return RAP_ENOMEM;
    g->lo = lo;
    g->stride = stride;
    g->count = count;
    pthread_mutex_lock(&t->lock);
    if (!atomic_compare_exchange_strong_explicit(&t->gdir[gnum], &none, g, memory_order_acq_rel,
                                                 memory_order_acquire)) {
        pthread_mutex_unlock(&t->lock);
        free(g);
        return RAP_EEXIST;
    }
    g->next = t->groups;
    t->groups = g;
    pthread_mutex_unlock(&t->lock);
    return RAP_OK;
}

bool rap__table_group_hold(rap_table *t, rap_env *env)
{
    uint32_t gnum = rap__aid_gnum(env->hdr.to);
    gtab *g;
    gheld *h;

    pthread_mutex_lock(&t->lock);
    g = atomic_load_explicit(&t->gdir[gnum], memory_order_acquire);
    if (g != NULL && atomic_load_explicit(&g->ready, memory_order_acquire)) {
        pthread_mutex_unlock(&t->lock);
        return false;
    }
    for (h = t->held; h != NULL && h->gnum != gnum; h = h->next)
        ;
    if (h == NULL && (h = calloc(1, sizeof(*h))) != NULL) {
        h->gnum = gnum;
        h->next = t->held;
        t->held = h;
    }
    if (h == NULL) { /* out of memory: it is a dead letter */
        pthread_mutex_unlock(&t->lock);
        return false;
    }
    atomic_store_explicit(&env->next, NULL, memory_order_relaxed);
    if (h->last != NULL)
        atomic_store_explicit(&h->last->next, env, memory_order_relaxed);
    else
        h->first = env;
    h->last = env;
    pthread_mutex_unlock(&t->lock);
    return true;
}

void rap__table_group_ready(rap_table *t, uint32_t gnum, void (*fn)(rap_actor *a, rap_env *env))
{
    rap_env *dead = NULL, *dead_last = NULL;
    gtab *g;
    gheld *h = NULL;

    pthread_mutex_lock(&t->lock);
    g = atomic_load_explicit(&t->gdir[gnum], memory_order_acquire);
    for (gheld **pp = &t->held; *pp != NULL; pp = &(*pp)->next)
        if ((*pp)->gnum == gnum) {
            h = *pp;
            *pp = h->next;
            break;
        }
    /* Under the lock: a message that finds the group not ready waits on
     * it in rap__table_group_hold, and then finds it ready, after these.
     * Those without a member are reported after it is dropped (a report
     * may send, and so route, again). */
    for (rap_env *e = h ? h->first : NULL, *next; e != NULL; e = next) {
        _Atomic(rap_actor *) *slot = g ? group_slot(t, RAP_AID_SERIAL(e->hdr.to), false) : NULL;
        rap_actor *a = slot ? atomic_load_explicit(slot, memory_order_acquire) : NULL;
        next = atomic_load_explicit(&e->next, memory_order_relaxed);
        atomic_store_explicit(&e->next, NULL, memory_order_relaxed);
        if (a != NULL) {
            atomic_fetch_add(&a->refs, 1);
            if (!atomic_load(&a->alive) || atomic_load(&a->aid) != e->hdr.to) {
                atomic_fetch_sub(&a->refs, 1);
                a = NULL;
            }
        }
        if (a != NULL) {
            fn(a, e);
        } else {
            if (dead_last != NULL)
                atomic_store_explicit(&dead_last->next, e, memory_order_relaxed);
            else
                dead = e;
            dead_last = e;
        }
    }
    if (g != NULL)
        atomic_store_explicit(&g->ready, true, memory_order_release);
    pthread_mutex_unlock(&t->lock);
    free(h);
    for (rap_env *e = dead, *next; e != NULL; e = next) {
        next = atomic_load_explicit(&e->next, memory_order_relaxed);
        atomic_store_explicit(&e->next, NULL, memory_order_relaxed);
        fn(NULL, e);
    }
}

void rap__table_group_drop_held(rap_table *t, void (*fn)(rap_env *env))
{
    gheld *list;

    pthread_mutex_lock(&t->lock);
    list = t->held;
    t->held = NULL;
    pthread_mutex_unlock(&t->lock);
    for (gheld *h = list, *next; h != NULL; h = next) {
        next = h->next;
        for (rap_env *e = h->first, *en; e != NULL; e = en) {
            en = atomic_load_explicit(&e->next, memory_order_relaxed);
            atomic_store_explicit(&e->next, NULL, memory_order_relaxed);
            fn(e);
        }
        free(h);
    }
}
