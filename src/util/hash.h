/* util/hash.h -- stable name hashes for type ids.
 *
 * Owns:       nothing.
 * Invariants: the results depend only on the bytes of the name, never on
 *             the process, executable or platform, so that every rank of
 *             an MPMD job (and a restarted job) derives the same id.
 * Uses:       nothing.
 */
#ifndef RAP_UTIL_HASH_H
#define RAP_UTIL_HASH_H

#include <stdint.h>

/* FNV-1a, 32 bits: the type id of a name. */
uint32_t rap__hash_name(const char *name);
/* A second, independent 32-bit hash of a name (FNV-1a 64 folded, other
 * basis): exchanged at start-up so that two names with one id are caught. */
uint32_t rap__hash_check(const char *name);
/* FNV-1a, 64 bits: names told apart by their hash alone (pub/sub topics). */
uint64_t rap__hash_name64(const char *name);
/* Mix a 64-bit integer (hash-table probing of ids). */
static inline uint64_t rap__hash_u64(uint64_t x)
{
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    x ^= x >> 33;
    return x;
}

#endif
