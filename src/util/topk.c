/* util/topk.c -- see topk.h.
 *
 * The counters are a binary min-heap on weight (a new pair takes over the
 * lightest) with an open-addressing index from pair to heap position, kept
 * in step on every move.  An update only grows a weight, so a counter only
 * sinks.
 */
#include <stdlib.h>
#include <string.h>

#include "util/common.h"
#include "util/hash.h"
#include "util/topk.h"

static size_t slot_of(const rap_topk *t, uint64_t a, uint64_t b)
{
    return (size_t)rap__hash_u64(a * UINT64_C(0x9e3779b97f4a7c15) ^ b) & (t->icap - 1);
}

/* The index slot that holds (a, b), or the empty one where it would go. */
static size_t probe(const rap_topk *t, uint64_t a, uint64_t b)
{
    size_t j = slot_of(t, a, b);

    while (t->index[j] != 0) {
        const rap_topk_item *it = &t->items[t->index[j] - 1];
        if (it->a == a && it->b == b)
            return j;
        j = (j + 1) & (t->icap - 1);
    }
    return j;
}

/* Remove index slot j (linear probing: move later entries of its run). */
static void index_remove(rap_topk *t, size_t j)
{
    size_t k = j;

    t->index[j] = 0;
    for (;;) {
        k = (k + 1) & (t->icap - 1);
        if (t->index[k] == 0)
            return;
        const rap_topk_item *it = &t->items[t->index[k] - 1];
        size_t home = slot_of(t, it->a, it->b);
        /* Move k back to j unless its home lies cyclically in (j, k]. */
        if ((j < k) ? (home <= j || home > k) : (home <= j && home > k)) {
            t->index[j] = t->index[k];
            t->index[k] = 0;
            j = k;
        }
    }
}

/* Swap counters i and j, and their index slots' positions (each slot is
 * found while its counter is still where the index says). */
static void swap(rap_topk *t, size_t i, size_t j)
{
    size_t si = probe(t, t->items[i].a, t->items[i].b), sj = probe(t, t->items[j].a, t->items[j].b);
    rap_topk_item tmp = t->items[i];

    t->items[i] = t->items[j];
    t->items[j] = tmp;
    t->index[si] = (uint32_t)j + 1;
    t->index[sj] = (uint32_t)i + 1;
}

static void sink(rap_topk *t, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < t->n && t->items[l].weight < t->items[m].weight)
            m = l;
        if (r < t->n && t->items[r].weight < t->items[m].weight)
            m = r;
        if (m == i)
            return;
        swap(t, i, m);
        i = m;
    }
}

static void rise(rap_topk *t, size_t i)
{
    while (i > 0 && t->items[(i - 1) / 2].weight > t->items[i].weight) {
        swap(t, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

int rap__topk_init(rap_topk *t, size_t cap)
{
    memset(t, 0, sizeof(*t));
    if (cap == 0 || cap > UINT32_MAX / 4)
        return RAP_EINVAL;
    t->icap = 4;
    while (t->icap < 2 * cap)
        t->icap *= 2;
    t->items = calloc(cap, sizeof(*t->items));
    t->index = calloc(t->icap, sizeof(*t->index));
    if (t->items == NULL || t->index == NULL) {
        rap__topk_free(t);
        return RAP_ENOMEM;
    }
    t->cap = cap;
    return RAP_OK;
}

void rap__topk_free(rap_topk *t)
{
    free(t->items);
    free(t->index);
    memset(t, 0, sizeof(*t));
}

void rap__topk_clear(rap_topk *t)
{
    t->n = 0;
    t->total = 0;
    memset(t->index, 0, t->icap * sizeof(*t->index));
}

const rap_topk_item *rap__topk_find(const rap_topk *t, uint64_t a, uint64_t b)
{
    size_t j;

    if (t->icap == 0)
        return NULL;
    j = probe(t, a, b);
    return t->index[j] != 0 ? &t->items[t->index[j] - 1] : NULL;
}

void rap__topk_add(rap_topk *t, uint64_t a, uint64_t b, uint64_t weight, uint64_t count)
{
    size_t j = probe(t, a, b), pos;

    t->total += weight;
    if (t->index[j] != 0) {
        pos = t->index[j] - 1;
        t->items[pos].weight += weight;
        t->items[pos].count += count;
        sink(t, pos);
        return;
    }
    if (t->n < t->cap) {
        pos = t->n++;
        t->items[pos] = (rap_topk_item){ a, b, weight, 0, count };
        t->index[j] = (uint32_t)pos + 1;
        rise(t, pos);
        return;
    }
    /* Full: the new pair takes over the lightest counter, whose weight it
     * may have had (its error). */
    rap_topk_item *min = &t->items[0];
    index_remove(t, probe(t, min->a, min->b));
    *min = (rap_topk_item){ a, b, min->weight + weight, min->weight, count };
    t->index[probe(t, a, b)] = 1;
    sink(t, 0);
}

void rap__topk_copy(rap_topk *to, const rap_topk *from)
{
    memcpy(to->items, from->items, from->n * sizeof(*from->items));
    memcpy(to->index, from->index, from->icap * sizeof(*from->index));
    to->n = from->n;
    to->total = from->total;
}

void rap__topk_copy_items(rap_topk *to, const rap_topk *from)
{
    memcpy(to->items, from->items, from->n * sizeof(*from->items));
    to->n = from->n;
    to->total = from->total;
}
