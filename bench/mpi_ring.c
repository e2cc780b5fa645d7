/* bench/mpi_ring.c -- the baseline for bench/remote_ring as a plain MPI
 * program of its own (MPI_Init, no threads, no Raptors in the process): a
 * token passed around a ring of all ranks, MPI_Irecv from the left and
 * MPI_Send to the right, as remote_ring's in-process baseline does.
 * Prints on rank 0 "PLAINRING <ranks> <hops/s>", the median of REPS
 * measurements after a warm-up, and "PLAINRINGFIRST <ranks> <hops/s>",
 * the first measurement of the process.
 *
 *   mpirun -np 4 ./bench/mpi_ring [reps] [laps]
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { MAXREPS = 21 };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One measurement: `hops` hops around the ring; hops/s on rank 0. */
static double ring(int rank, int size, long hops)
{
    long token = 0;
    double t0;
    MPI_Request rq;
    int left = (rank + size - 1) % size, right = (rank + 1) % size;

    MPI_Barrier(MPI_COMM_WORLD);
    t0 = now();
    if (rank == 0)
        MPI_Send(&token, 1, MPI_LONG, right, 7, MPI_COMM_WORLD);
    for (;;) {
        MPI_Irecv(&token, 1, MPI_LONG, left, 7, MPI_COMM_WORLD, &rq);
        MPI_Wait(&rq, MPI_STATUS_IGNORE);
        if (token < 0)
            break; /* the end, passed on once around */
        token++;
        if (rank == 0 && token >= hops) {
            double secs = now() - t0;
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

int main(int argc, char **argv)
{
    int rank, size, reps = argc > 1 ? atoi(argv[1]) : 5;
    long laps = argc > 2 ? atol(argv[2]) : 2000;
    double r[MAXREPS], first = 0;

    if (reps < 1 || reps > MAXREPS)
        reps = 5;
    if (laps < 1)
        laps = 2000;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size < 2) {
        if (rank == 0)
            fprintf(stderr, "mpi_ring needs at least 2 ranks\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    for (int i = -1; i < reps; i++) {
        double x = ring(rank, size, laps * size);
        if (i < 0)
            first = x;
        else
            r[i] = x;
    }
    if (rank == 0) {
        qsort(r, (size_t)reps, sizeof(r[0]), cmp);
        printf("PLAINRING %d %.0f\n", size, r[reps / 2]);
        printf("PLAINRINGFIRST %d %.0f\n", size, first);
    }
    MPI_Finalize();
    return 0;
}
