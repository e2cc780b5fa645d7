/* util/topk.h -- the heaviest pairs of a stream, in bounded memory: a
 * Space-Saving sketch (Metwally, Agrawal and El Abbadi, 2005) of at most
 * `cap` counters, keyed by a pair of 64-bit ids and weighted by bytes.
 *
 * Owns:       its counters, index and heap.
 * Invariants: for every counted pair, weight - err <= true weight <= weight;
 *             err <= W / cap, where W is the total weight added, so every
 *             pair heavier than W / cap is in the table; a pair not in the
 *             table weighs at most the smallest counter.  Message counts
 *             ride along (exact while a pair stays in the table).
 * Threads:    one writer; no locks.
 * Uses:       util/hash.h.
 */
#ifndef RAP_UTIL_TOPK_H
#define RAP_UTIL_TOPK_H

#include <stddef.h>
#include <stdint.h>

typedef struct rap_topk_item {
    uint64_t a, b;      /* the pair */
    uint64_t weight;    /* bytes counted for it (an overestimate by at most err) */
    uint64_t err;       /* the weight it inherited when it took a counter over */
    uint64_t count;     /* messages counted for it */
} rap_topk_item;

typedef struct rap_topk {
    rap_topk_item *items; /* heap order: items[0] is the lightest */
    uint32_t *index;      /* open addressing: item position + 1, 0 empty */
    size_t n, cap, icap;
    uint64_t total;       /* weight added in all */
} rap_topk;

/* A sketch of `cap` counters (cap >= 1).  RAP_OK or RAP_ENOMEM. */
int rap__topk_init(rap_topk *t, size_t cap);
void rap__topk_free(rap_topk *t);
/* Count `count` messages of `weight` bytes for pair (a, b). */
void rap__topk_add(rap_topk *t, uint64_t a, uint64_t b, uint64_t weight, uint64_t count);
/* The counter of pair (a, b), or NULL. */
const rap_topk_item *rap__topk_find(const rap_topk *t, uint64_t a, uint64_t b);
/* Forget every pair. */
void rap__topk_clear(rap_topk *t);
/* Make `to` (of the same capacity) a copy of `from`. */
void rap__topk_copy(rap_topk *to, const rap_topk *from);
/* The same, counters only: `to` may then only be walked (items[0, n)),
 * not looked up or added to, until it is cleared. */
void rap__topk_copy_items(rap_topk *to, const rap_topk *from);

#endif
