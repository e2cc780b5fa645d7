/* bench/mpi_latency.c -- the baseline for bench/remote_latency as a plain
 * MPI program of its own (no Raptors in the process): a ping-pong between
 * ranks 0 and 1 with MPI_Send/MPI_Recv, MPI_Init (no threads), for 8 B to
 * 1 MiB; and, beside it, one memcpy of each size in the same process (what
 * rap_send's copy of the caller's buffer costs).  Prints, on rank 0, per
 * size: "PLAINLAT <bytes> <us one way>" and "MEMCPY <bytes> <us>", each the
 * median of REPS measurements after a warm-up, and the first measurement
 * of the process as "PLAINFIRST <bytes> <us>".
 *
 *   mpirun -np 2 ./bench/mpi_latency [reps]
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static const int sizes[] = { 8, 1024, 65536, 1048576 };
enum { NSIZES = 4, MAXREPS = 21 };

static long iters_for(int bytes) { return bytes <= 1024 ? 20000 : bytes <= 65536 ? 2000 : 300; }

static double pingpong(int rank, int bytes, long iters, char *buf)
{
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = now();
    for (long i = 0; i < iters; i++) {
        if (rank == 0) {
            MPI_Send(buf, bytes, MPI_BYTE, 1, 1, MPI_COMM_WORLD);
            MPI_Recv(buf, bytes, MPI_BYTE, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else {
            MPI_Recv(buf, bytes, MPI_BYTE, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Send(buf, bytes, MPI_BYTE, 0, 1, MPI_COMM_WORLD);
        }
    }
    double t = (now() - t0) / (double)iters / 2 * 1e6;
    MPI_Bcast(&t, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    return t;
}

int main(int argc, char **argv)
{
    int rank, size, reps = argc > 1 ? atoi(argv[1]) : 5;
    char *buf = calloc(1, 1 << 20), *src = calloc(1, 1 << 20), *dst = calloc(1, 1 << 20);

    if (reps < 1 || reps > MAXREPS)
        reps = 5;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size != 2 || buf == NULL || src == NULL || dst == NULL) {
        if (rank == 0)
            fprintf(stderr, "mpi_latency needs exactly 2 ranks\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    for (int s = 0; s < NSIZES; s++) {
        double v[MAXREPS], first = pingpong(rank, sizes[s], iters_for(sizes[s]) / 10 + 1, buf);
        for (int r = 0; r < reps; r++)
            v[r] = pingpong(rank, sizes[s], iters_for(sizes[s]), buf);
        qsort(v, (size_t)reps, sizeof(double), cmp);
        /* memcpy of the same size, warm, as rap_send's copy is. */
        double m[MAXREPS];
        long n = iters_for(sizes[s]);
        for (int r = 0; r < reps; r++) {
            double t0 = now();
            for (long i = 0; i < n; i++) {
                memcpy(dst, src, (size_t)sizes[s]);
                __asm__ __volatile__("" : : "r"(dst) : "memory");
            }
            m[r] = (now() - t0) / (double)n * 1e6;
        }
        qsort(m, (size_t)reps, sizeof(double), cmp);
        if (rank == 0) {
            printf("plain MPI process, %7d B: %8.2f us one way (first %.2f); memcpy %.3f us\n", sizes[s],
                   v[reps / 2], first, m[reps / 2]);
            printf("PLAINLAT %d %.4f\nPLAINFIRST %d %.4f\nMEMCPY %d %.4f\n", sizes[s], v[reps / 2], sizes[s], first,
                   sizes[s], m[reps / 2]);
        }
    }
    MPI_Finalize();
    free(buf);
    free(src);
    free(dst);
    return 0;
}
