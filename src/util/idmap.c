/* util/idmap.c -- see idmap.h. */
#include <stdlib.h>

#include "util/common.h"
#include "util/hash.h"
#include "util/idmap.h"

static void place(uint32_t *keys, uint32_t *vals, size_t cap, uint32_t key, uint32_t val)
{
    size_t j = rap__hash_u64(key) & (cap - 1);

    while (keys[j] != 0)
        j = (j + 1) & (cap - 1);
    keys[j] = key;
    vals[j] = val;
}

int rap__idmap_put(rap_idmap *m, uint32_t key, uint32_t val)
{
    if ((m->count + 1) * 2 > m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 64;
        uint32_t *nk = calloc(ncap, sizeof(*nk)), *nv = calloc(ncap, sizeof(*nv));
        if (nk == NULL || nv == NULL) {
            free(nk);
            free(nv);
            return RAP_ENOMEM;
        }
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i] != 0)
                place(nk, nv, ncap, m->keys[i], m->vals[i]);
        free(m->keys);
        free(m->vals);
        m->keys = nk;
        m->vals = nv;
        m->cap = ncap;
    }
    place(m->keys, m->vals, m->cap, key, val);
    m->count++;
    return RAP_OK;
}

long rap__idmap_get(const rap_idmap *m, uint32_t key)
{
    if (m->cap == 0 || key == 0)
        return -1;
    for (size_t j = rap__hash_u64(key) & (m->cap - 1);; j = (j + 1) & (m->cap - 1)) {
        if (m->keys[j] == key)
            return (long)m->vals[j];
        if (m->keys[j] == 0)
            return -1;
    }
}

void rap__idmap_free(rap_idmap *m)
{
    free(m->keys);
    free(m->vals);
    *m = (rap_idmap){ 0 };
}
