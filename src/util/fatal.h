/* util/fatal.h -- the one way out for what cannot continue, and asserts.
 *
 * Owns:       nothing.
 * Invariants: rap__fatal is for states the process cannot recover from
 *             (before the Logger is up, or an invariant broken); what a
 *             user or a peer can cause gets an error code, a log line or a
 *             dropped-and-counted message instead, never this.  RAP_ASSERT
 *             checks invariants in builds configured with
 *             --enable-asserts (the test builds) and compiles to nothing
 *             otherwise: never put work with effects inside one.
 * Threads:    any.
 * Uses:       MPI (to end the whole job), the C library.
 */
#ifndef RAP_UTIL_FATAL_H
#define RAP_UTIL_FATAL_H

#include "util/common.h"

/* Print "raptors: rank R: fatal: <message>" on stderr and end the job
 * (MPI_Abort when MPI is up, abort otherwise).  Does not return. */
_Noreturn void rap__fatal(const char *fmt, ...) RAP_PRINTF(1, 2);

#ifdef RAP_ENABLE_ASSERTS
#define RAP_ASSERT(cond)                                                                   \
    ((cond) ? (void)0 : rap__fatal("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__))
#else
#define RAP_ASSERT(cond) ((void)0)
#endif

#endif
