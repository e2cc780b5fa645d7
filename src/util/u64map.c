/* util/u64map.c -- see u64map.h. */
#include <stdlib.h>

#include "util/common.h"
#include "util/hash.h"
#include "util/u64map.h"

static size_t slot_of(const rap_u64map *m, uint64_t key)
{
    size_t mask = m->cap - 1, i = rap__hash_u64(key) & mask;

    while (m->keys[i] != 0 && m->keys[i] != key)
        i = (i + 1) & mask;
    return i;
}

static bool grow(rap_u64map *m)
{
    rap_u64map n = { .cap = m->cap ? m->cap * 2 : 64, .count = m->count };

    n.keys = calloc(n.cap, sizeof(*n.keys));
    n.vals = malloc(n.cap * sizeof(*n.vals));
    if (n.keys == NULL || n.vals == NULL) {
        free(n.keys);
        free(n.vals);
        return false;
    }
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i] != 0) {
            size_t j = slot_of(&n, m->keys[i]);
            n.keys[j] = m->keys[i];
            n.vals[j] = m->vals[i];
        }
    free(m->keys);
    free(m->vals);
    *m = n;
    return true;
}

int rap__u64map_put(rap_u64map *m, uint64_t key, uint64_t val)
{
    size_t i;

    if (m->cap > 0 && m->keys[i = slot_of(m, key)] == key) { /* a replacement never grows */
        m->vals[i] = val;
        return RAP_OK;
    }
    if ((m->count + 1) * 2 > m->cap && !grow(m))
        return RAP_ENOMEM;
    i = slot_of(m, key);
    if (m->keys[i] == 0) {
        m->keys[i] = key;
        m->count++;
    }
    m->vals[i] = val;
    return RAP_OK;
}

bool rap__u64map_get(const rap_u64map *m, uint64_t key, uint64_t *val)
{
    size_t i;

    if (m->cap == 0 || key == 0)
        return false;
    i = slot_of(m, key);
    if (m->keys[i] == 0)
        return false;
    *val = m->vals[i];
    return true;
}

bool rap__u64map_del(rap_u64map *m, uint64_t key, uint64_t *val)
{
    size_t mask, i, j;

    if (m->cap == 0 || key == 0)
        return false;
    mask = m->cap - 1;
    i = slot_of(m, key);
    if (m->keys[i] == 0)
        return false;
    if (val != NULL)
        *val = m->vals[i];
    m->keys[i] = 0;
    m->count--;
    /* Shift back each later entry of the run whose home is not in (i, j]. */
    for (j = (i + 1) & mask; m->keys[j] != 0; j = (j + 1) & mask) {
        size_t home = rap__hash_u64(m->keys[j]) & mask;
        bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (stays)
            continue;
        m->keys[i] = m->keys[j];
        m->vals[i] = m->vals[j];
        m->keys[j] = 0;
        i = j;
    }
    return true;
}

void rap__u64map_free(rap_u64map *m)
{
    free(m->keys);
    free(m->vals);
    *m = (rap_u64map){ 0 };
}
