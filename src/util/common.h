/* util/common.h -- small helpers every module uses.
 *
 * Owns:    nothing; macros and inline helpers only.
 * Uses:    the C11 library.
 */
#ifndef RAP_UTIL_COMMON_H
#define RAP_UTIL_COMMON_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "raptors.h"

#define RAP_LIKELY(x) __builtin_expect(!!(x), 1)
#define RAP_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define RAP_CACHELINE 64
/* For small, hot thread-local variables of the library: initial-exec TLS
 * is a load off the thread pointer, where the default model of a shared
 * library calls __tls_get_addr.  Keep what is declared so small (a few
 * pointers): a library loaded with dlopen takes it from a small reserve. */
#if defined(__GNUC__)
#define RAP_TLS_IE __attribute__((tls_model("initial-exec")))
#else
#define RAP_TLS_IE
#endif
#define RAP_CONTAINER_OF(p, type, member) \
    ((type *)(void *)((char *)(p) - offsetof(type, member)))
#define RAP_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static inline void rap__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Ask for the line at `p` for writing (another core may hold it).  The
 * builtin gives a read prefetch on x86-64 unless built for a CPU with
 * PREFETCHW, and a line fetched shared still waits for the other core's
 * copy to be invalidated at the first store; PREFETCHW is a no-op on CPUs
 * without it. */
static inline void rap__prefetch_w(const void *p)
{
#if defined(__x86_64__)
    __asm__ __volatile__("prefetchw %0" : : "m"(*(const char *)p));
#else
    __builtin_prefetch(p, 1, 3);
#endif
}

/* Relaxed counter helpers: statistics only, never for synchronisation.
 * RAP_COUNT may be used by several threads at once (an atomic add, which
 * is costly: tens of ns on the target VMs); RAP_BUMP only by the counter's
 * one writer (a plain load and store, read safely by others). */
#define RAP_COUNT(c, n) atomic_fetch_add_explicit(&(c), (uint64_t)(n), memory_order_relaxed)
#define RAP_BUMP(c, n)                                                                    \
    atomic_store_explicit(&(c), atomic_load_explicit(&(c), memory_order_relaxed) + (uint64_t)(n), \
                          memory_order_relaxed)
#define RAP_READ(c) atomic_load_explicit(&(c), memory_order_relaxed)

#endif
