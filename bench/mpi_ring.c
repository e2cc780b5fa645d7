/* bench/mpi_ring.c -- the baseline for bench/remote_ring as a plain MPI
 * program of its own (MPI_Init, no threads, no Raptors in the process): a
 * token passed around a ring of all ranks, bench.h's bench_raw_ring, as
 * remote_ring's in-process baseline.
 * Prints on rank 0 "PLAINRING <ranks> <hops/s>", the median of REPS
 * measurements after a warm-up, and "PLAINRINGFIRST <ranks> <hops/s>",
 * the first measurement of the process.
 *
 *   mpirun -np 4 ./bench/mpi_ring [reps] [laps]
 */
#include "bench.h"

enum { MAXREPS = 21 };

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
        double x = bench_raw_ring(rank, size, laps * size);
        if (i < 0)
            first = x;
        else
            r[i] = x;
    }
    if (rank == 0) {
        double lo, hi;
        printf("PLAINRING %d %.0f\n", size, bench_median(r, reps, &lo, &hi));
        printf("PLAINRINGFIRST %d %.0f\n", size, first);
    }
    MPI_Finalize();
    return 0;
}
