/* util/bell.h -- a doorbell: one 32-bit word a sleeper waits on and any
 * thread, or any process that maps the word, rings.
 *
 * Owns:       nothing (the word lives where its owner put it: in the
 *             scheduler, or in memory shared by the ranks of a node).
 * Invariants: the sleeper stores RAP_BELL_SLEEPING, then looks for work
 *             one last time, then waits while the word still says so.  A
 *             ringer makes its work visible, then (after a full fence)
 *             rings: it swaps in RAP_BELL_AWAKE and wakes the sleeper if it
 *             found RAP_BELL_SLEEPING.  So either the sleeper's last look
 *             sees the work or the ringer sees it asleep: no lost wake-up.
 * Threads:    any; across processes when the word is in shared memory
 *             (Linux futexes without FUTEX_PRIVATE_FLAG work on shared
 *             mappings).  Elsewhere the wait is a plain sleep.
 */
#ifndef RAP_UTIL_BELL_H
#define RAP_UTIL_BELL_H

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

enum { RAP_BELL_AWAKE = 0, RAP_BELL_SLEEPING = 1 };

typedef _Atomic uint32_t rap_bell;

/* Wake the sleeper on `b`, if there is one.  Cheap when there is not: one
 * load of a line its owner rarely writes. */
static inline void rap__bell_ring(rap_bell *b)
{
    atomic_thread_fence(memory_order_seq_cst); /* the work is visible first */
    if (atomic_load_explicit(b, memory_order_relaxed) != RAP_BELL_SLEEPING)
        return;
    if (atomic_exchange(b, RAP_BELL_AWAKE) != RAP_BELL_SLEEPING)
        return;
#ifdef __linux__
    syscall(SYS_futex, (uint32_t *)b, FUTEX_WAKE, 1, NULL, NULL, 0);
#endif
}

/* Sleep while `b` says RAP_BELL_SLEEPING, at most `ns` nanoseconds.  The
 * caller stored RAP_BELL_SLEEPING and then looked for work. */
static inline void rap__bell_wait(rap_bell *b, uint64_t ns)
{
    struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
#ifdef __linux__
    if (atomic_load(b) == RAP_BELL_SLEEPING)
        syscall(SYS_futex, (uint32_t *)b, FUTEX_WAIT, RAP_BELL_SLEEPING, &ts, NULL, 0);
#else
    if (atomic_load(b) == RAP_BELL_SLEEPING)
        nanosleep(&ts, NULL);
#endif
}

#endif
