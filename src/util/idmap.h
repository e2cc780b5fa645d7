/* util/idmap.h -- a small open-addressing map from 32-bit ids to indexes.
 *
 * Owns:       its key and value arrays.
 * Invariants: key 0 marks an empty slot (0 is never an id); the table is
 *             at most half full; lookups on a map no thread writes any
 *             more take no lock.
 * Threads:    one writer; readers only once writing has stopped.
 * Uses:       util/hash.h.
 */
#ifndef RAP_UTIL_IDMAP_H
#define RAP_UTIL_IDMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct rap_idmap {
    uint32_t *keys;
    uint32_t *vals;
    size_t cap;   /* power of two, or 0 */
    size_t count;
} rap_idmap;

/* Map `key` (not 0, not present) to `val`.  Returns RAP_OK or RAP_ENOMEM. */
int rap__idmap_put(rap_idmap *m, uint32_t key, uint32_t val);
/* The value of `key`, or -1. */
long rap__idmap_get(const rap_idmap *m, uint32_t key);
/* Free the arrays; the map is empty and usable again. */
void rap__idmap_free(rap_idmap *m);

#endif
