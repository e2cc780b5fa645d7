/* util/hash.c -- FNV-1a name hashes (see hash.h). */
#include "util/hash.h"

uint32_t rap__hash_name(const char *name)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    return h;
}

uint64_t rap__hash_name64(const char *name)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h ^= *p;
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

uint32_t rap__hash_check(const char *name)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325) ^ UINT64_C(0x5241505430525321);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h ^= *p;
        h *= UINT64_C(0x100000001b3);
    }
    return (uint32_t)(h ^ (h >> 32));
}
