/* util/clock.h -- clocks: monotonic for intervals, real time for log lines.
 *
 * Owns:    nothing.
 * Threads: any.
 */
#ifndef RAP_UTIL_CLOCK_H
#define RAP_UTIL_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t rap__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t rap__utc_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void rap__sleep_ns(uint64_t ns)
{
    struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
    nanosleep(&ts, NULL);
}

#endif
