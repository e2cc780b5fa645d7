/* bench/bench.h -- timing and medians for the benchmarks. */
#ifndef RAP_BENCH_H
#define RAP_BENCH_H

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "raptors.h"

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

/* Start Raptors on MPI_COMM_WORLD (MPI already initialised) for a
 * two-rank benchmark; abort the job with a message otherwise.  `ok`: the
 * caller's own set-up succeeded. */
static inline void bench_init_pair(const char *name, int ok)
{
    int rank = 0;

    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (!ok || rap_init_comm(MPI_COMM_WORLD) != RAP_OK || rap_size() != 2) {
        if (rank == 0)
            fprintf(stderr, "%s needs exactly 2 ranks\n", name);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
}

/* A raw MPI ring: a token of `hops` hops around all ranks, MPI_Irecv from
 * the left and MPI_Send to the right; hops/s on rank 0 (0 elsewhere).  The
 * baseline of remote_ring, in its process and as bench/mpi_ring. */
static inline double bench_raw_ring(int rank, int size, long hops)
{
    long token = 0;
    double t0;
    MPI_Request rq;
    int left = (rank + size - 1) % size, right = (rank + 1) % size;

    MPI_Barrier(MPI_COMM_WORLD);
    t0 = bench_now();
    if (rank == 0)
        MPI_Send(&token, 1, MPI_LONG, right, 7, MPI_COMM_WORLD);
    for (;;) {
        MPI_Irecv(&token, 1, MPI_LONG, left, 7, MPI_COMM_WORLD, &rq);
        MPI_Wait(&rq, MPI_STATUS_IGNORE);
        if (token < 0)
            break; /* the end, passed on once around */
        token++;
        if (rank == 0 && token >= hops) {
            double secs = bench_now() - t0;
            token = -1;
            MPI_Send(&token, 1, MPI_LONG, right, 7, MPI_COMM_WORLD);
            MPI_Recv(&token, 1, MPI_LONG, left, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            return (double)hops / secs;
        }
        MPI_Send(&token, 1, MPI_LONG, right, 7, MPI_COMM_WORLD);
    }
    if (rank != 0)
        MPI_Send(&token, 1, MPI_LONG, right, 7, MPI_COMM_WORLD);
    return 0;
}

#endif
