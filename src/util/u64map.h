/* util/u64map.h -- an open-addressing map from 64-bit keys to 64-bit
 * values, with removal.
 *
 * Owns:       its key and value arrays.
 * Invariants: key 0 marks an empty slot (0 is never a key); linear
 *             probing, at most half full; a removal shifts back the
 *             entries of its probe run, so no tombstones accumulate.
 * Threads:    none of its own: the caller locks.
 * Uses:       util/hash.h.
 */
#ifndef RAP_UTIL_U64MAP_H
#define RAP_UTIL_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rap_u64map {
    uint64_t *keys;
    uint64_t *vals;
    size_t cap;   /* power of two, or 0 */
    size_t count;
} rap_u64map;

/* Map `key` (not 0) to `val`, replacing a value it had (which never
 * allocates).  Returns RAP_OK or RAP_ENOMEM (the map is unchanged). */
int rap__u64map_put(rap_u64map *m, uint64_t key, uint64_t val);
/* The value of `key` in *val: true if present. */
bool rap__u64map_get(const rap_u64map *m, uint64_t key, uint64_t *val);
/* Remove `key`, its value in *val (may be NULL): true if it was present. */
bool rap__u64map_del(rap_u64map *m, uint64_t key, uint64_t *val);
/* Free the arrays; the map is empty and usable again. */
void rap__u64map_free(rap_u64map *m);

#endif
