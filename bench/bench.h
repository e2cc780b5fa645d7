/* bench/bench.h -- timing and medians for the benchmarks. */
#ifndef RAP_BENCH_H
#define RAP_BENCH_H

#include <stdlib.h>
#include <time.h>

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts v; returns the median, and min and max through the pointers. */
static inline double bench_median(double *v, int n, double *min, double *max)
{
    qsort(v, (size_t)n, sizeof(*v), bench_cmp);
    *min = v[0];
    *max = v[n - 1];
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
