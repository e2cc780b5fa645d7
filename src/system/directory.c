/* system/directory.c -- see directory.h.
 *
 * The cache is direct-mapped, LOC_SLOTS entries of (id, rank), written
 * and read with relaxed atomics: a reader that finds the id it wants in
 * the slot before and after reading the rank uses that rank, which is a
 * place the actor had (or, torn by a concurrent write for the same id,
 * another one it had): a hint either way.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "system/directory.h"

/* ------------------------------------------------------------- seqmap */

static uint32_t hash_slot(rap_aid aid, uint32_t cap)
{
    return (uint32_t)((aid * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & (cap - 1);
}

static int seqmap_grow(rap_seqmap *m)
{
    uint32_t ncap = m->cap ? 2 * m->cap : 8;
    rap_wire_seq *ne = calloc(ncap, sizeof(*ne));

    if (ne == NULL)
        return RAP_ENOMEM;
    for (uint32_t i = 0; i < m->cap; i++) {
        if (m->e[i].aid == RAP_AID_NONE)
            continue;
        uint32_t k = hash_slot(m->e[i].aid, ncap);
        while (ne[k].aid != RAP_AID_NONE)
            k = (k + 1) & (ncap - 1);
        ne[k] = m->e[i];
    }
    free(m->e);
    m->e = ne;
    m->cap = ncap;
    return RAP_OK;
}

uint32_t *rap__seqmap_get(rap_seqmap *m, rap_aid aid)
{
    uint32_t k;

    if (aid == RAP_AID_NONE) /* the empty key */
        return NULL;
    if (m->cap != 0) {
        for (k = hash_slot(aid, m->cap); m->e[k].aid != RAP_AID_NONE; k = (k + 1) & (m->cap - 1))
            if (m->e[k].aid == aid)
                return &m->e[k].seq;
    }
    if (4 * (m->n + 1) > 3 * m->cap && seqmap_grow(m) != RAP_OK)
        return NULL;
    for (k = hash_slot(aid, m->cap); m->e[k].aid != RAP_AID_NONE; k = (k + 1) & (m->cap - 1))
        ;
    m->e[k] = (rap_wire_seq){ .aid = aid, .seq = 0 };
    m->n++;
    return &m->e[k].seq;
}

int rap__seqmap_load(rap_seqmap *m, const rap_wire_seq *e, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        rap_wire_seq w;
        uint32_t *s;
        memcpy(&w, &e[i], sizeof(w));
        if (w.aid == RAP_AID_NONE)
            continue;
        if ((s = rap__seqmap_get(m, w.aid)) == NULL)
            return RAP_ENOMEM;
        *s = w.seq & 0xffffffu;
    }
    return RAP_OK;
}

void rap__seqmap_store(const rap_seqmap *m, rap_wire_seq *out)
{
    size_t j = 0;

    for (uint32_t i = 0; i < m->cap; i++)
        if (m->e[i].aid != RAP_AID_NONE) {
            rap_wire_seq w = { .aid = m->e[i].aid, .seq = m->e[i].seq };
            memcpy(&out[j++], &w, sizeof(w));
        }
}

void rap__seqmap_free(rap_seqmap *m)
{
    free(m->e);
    *m = (rap_seqmap){ 0 };
}

/* ---------------------------------------------------------- directory */

typedef struct dir_entry {
    rap_aid aid;
    int32_t rank;
    uint32_t epoch;
} dir_entry;

#define LOC_SLOTS 4096u

typedef struct loc_slot {
    _Atomic uint64_t aid;
    _Atomic int32_t rank;
} loc_slot;

static struct {
    pthread_mutex_t lock; /* the directory and the outside map */
    dir_entry *e;
    uint32_t cap, n;
    rap_seqmap outside;
    loc_slot *loc;
} D = { .lock = PTHREAD_MUTEX_INITIALIZER };

int rap__directory_create(void)
{
    D.loc = calloc(LOC_SLOTS, sizeof(*D.loc));
    return D.loc == NULL ? RAP_ENOMEM : RAP_OK;
}

void rap__directory_destroy(void)
{
    pthread_mutex_lock(&D.lock);
    free(D.e);
    D.e = NULL;
    D.cap = D.n = 0;
    rap__seqmap_free(&D.outside);
    free(D.loc);
    D.loc = NULL;
    pthread_mutex_unlock(&D.lock);
}

static dir_entry *dir_find(rap_aid aid)
{
    if (D.cap == 0)
        return NULL;
    for (uint32_t k = hash_slot(aid, D.cap); D.e[k].aid != RAP_AID_NONE; k = (k + 1) & (D.cap - 1))
        if (D.e[k].aid == aid)
            return &D.e[k];
    return NULL;
}

static dir_entry *dir_add(rap_aid aid)
{
    if (4 * (D.n + 1) > 3 * D.cap) {
        uint32_t ncap = D.cap ? 2 * D.cap : 64;
        dir_entry *ne = calloc(ncap, sizeof(*ne));
        if (ne == NULL)
            return NULL;
        for (uint32_t i = 0; i < D.cap; i++) {
            if (D.e[i].aid == RAP_AID_NONE)
                continue;
            uint32_t k = hash_slot(D.e[i].aid, ncap);
            while (ne[k].aid != RAP_AID_NONE)
                k = (k + 1) & (ncap - 1);
            ne[k] = D.e[i];
        }
        free(D.e);
        D.e = ne;
        D.cap = ncap;
    }
    uint32_t k = hash_slot(aid, D.cap);
    while (D.e[k].aid != RAP_AID_NONE)
        k = (k + 1) & (D.cap - 1);
    D.e[k] = (dir_entry){ .aid = aid, .rank = -1, .epoch = 0 };
    D.n++;
    return &D.e[k];
}

int rap__dir_get(rap_aid aid)
{
    int rank;

    pthread_mutex_lock(&D.lock);
    dir_entry *e = dir_find(aid);
    rank = e != NULL ? e->rank : -1;
    pthread_mutex_unlock(&D.lock);
    return rank;
}

void rap__dir_set(rap_aid aid, int rank, uint32_t epoch)
{
    pthread_mutex_lock(&D.lock);
    dir_entry *e = dir_find(aid);
    if (e == NULL && (e = dir_add(aid)) != NULL)
        *e = (dir_entry){ .aid = aid, .rank = rank, .epoch = epoch };
    else if (e != NULL && e->rank != -1 && epoch >= e->epoch) {
        /* An ended actor's entry stays: a late place cannot revive it. */
        e->rank = rank;
        e->epoch = epoch;
    }
    pthread_mutex_unlock(&D.lock);
}

static loc_slot *loc_slot_of(rap_aid aid)
{
    return &D.loc[(uint32_t)((aid * UINT64_C(0x9e3779b97f4a7c15)) >> 40) & (LOC_SLOTS - 1)];
}

int rap__loc_get(rap_aid aid)
{
    loc_slot *s;
    int rank;

    if (D.loc == NULL)
        return -1;
    s = loc_slot_of(aid);
    if (atomic_load_explicit(&s->aid, memory_order_acquire) != aid)
        return -1;
    rank = atomic_load_explicit(&s->rank, memory_order_acquire);
    return atomic_load_explicit(&s->aid, memory_order_relaxed) == aid ? rank : -1;
}

void rap__loc_set(rap_aid aid, int rank)
{
    loc_slot *s;

    if (D.loc == NULL)
        return;
    s = loc_slot_of(aid);
    atomic_store_explicit(&s->aid, RAP_AID_NONE, memory_order_relaxed);
    atomic_store_explicit(&s->rank, rank, memory_order_release);
    atomic_store_explicit(&s->aid, aid, memory_order_release);
}

bool rap__seq_outside_next(rap_aid to, uint32_t *seq_out)
{
    uint32_t *s;

    pthread_mutex_lock(&D.lock);
    s = rap__seqmap_get(&D.outside, to);
    if (s != NULL) {
        *seq_out = *s;
        *s = (*s + 1) & 0xffffffu;
    }
    pthread_mutex_unlock(&D.lock);
    return s != NULL;
}
