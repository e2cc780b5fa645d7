/* mpi-examples/jacobi_mpi.c -- the computation of jacobi.c in plain MPI (no
 * Raptors): one block per rank of a PX x PY process grid, halos by
 * nonblocking point-to-point, the interior updated while they travel, the
 * residual summed by MPI_Allreduce every iteration.  With -np 1 it is the
 * sequential run jacobi's result is checked against; beside jacobi it is
 * the baseline of make bench.
 *
 *   mpirun -np 4 ./mpi-examples/jacobi_mpi [N] [PX] [PY] [iterations]
 */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jacobi_sweep.h"

static int nx, ny;
static double *u, *v;
#define U(i, j) u[(size_t)(j) * (size_t)(nx + 2) + (size_t)(i)]

/* New values for columns x0..x1 of rows y0..y1; returns the squared change
 * (jacobi_sweep.c, shared with jacobi). */
static double update(int x0, int x1, int y0, int y1)
{
    return jacobi_sweep(u, v, (size_t)nx + 2, x0, x1, y0, y1);
}

/* Point k of edge `side` (0 W, 1 E, 2 N, 3 S); out: of the halo outside it. */
static double *edge(int side, int k, int out)
{
    return side == 0 ? &U(1 - out, k + 1) : side == 1 ? &U(nx + out, k + 1) : side == 2 ? &U(k + 1, 1 - out)
                                                                                        : &U(k + 1, ny + out);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 256, px = argc > 2 ? atoi(argv[2]) : 1, py = argc > 3 ? atoi(argv[3]) : 1;
    int iters = argc > 4 ? atoi(argv[4]) : 100, rank, size, x, y, nb[4], m;
    double *sendb[4], *recvb[4], res = 0, sum = 0, total[2], mine[2];
    MPI_Request rq[8];

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (px * py != size || n % px || n % py || n / px < 2 || n / py < 2 || iters < 1) {
        if (rank == 0)
            fprintf(stderr, "usage: jacobi_mpi N PX PY iterations (PX * PY ranks; blocks of 2 x 2 or more)\n");
        MPI_Finalize();
        return 1;
    }
    x = rank % px, y = rank / px, nx = n / px, ny = n / py, m = nx > ny ? nx : ny;
    nb[0] = x > 0 ? rank - 1 : MPI_PROC_NULL, nb[1] = x < px - 1 ? rank + 1 : MPI_PROC_NULL;
    nb[2] = y > 0 ? rank - px : MPI_PROC_NULL, nb[3] = y < py - 1 ? rank + px : MPI_PROC_NULL;
    u = calloc((size_t)(nx + 2) * (size_t)(ny + 2), sizeof(double));
    v = calloc((size_t)(nx + 2) * (size_t)(ny + 2), sizeof(double));
    for (int s = 0; s < 4; s++)
        sendb[s] = malloc((size_t)m * sizeof(double)), recvb[s] = malloc((size_t)m * sizeof(double));
    for (int i = 0; y == 0 && i < nx + 2; i++)
        u[i] = v[i] = 1.0; /* the top edge */
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    for (int it = 0; it < iters; it++) {
        for (int s = 0; s < 4; s++) {
            int len = s < 2 ? ny : nx;
            for (int k = 0; nb[s] != MPI_PROC_NULL && k < len; k++)
                sendb[s][k] = *edge(s, k, 0);
            MPI_Irecv(recvb[s], len, MPI_DOUBLE, nb[s], it, MPI_COMM_WORLD, &rq[s]);
            MPI_Isend(sendb[s], len, MPI_DOUBLE, nb[s], it, MPI_COMM_WORLD, &rq[4 + s]);
        }
        res = update(2, nx - 1, 2, ny - 1);
        MPI_Waitall(8, rq, MPI_STATUSES_IGNORE);
        for (int s = 0; s < 4; s++)
            for (int k = 0; nb[s] != MPI_PROC_NULL && k < (s < 2 ? ny : nx); k++)
                *edge(s, k, 1) = recvb[s][k];
        res += update(1, nx, 1, 1) + update(1, nx, ny, ny) + update(1, 1, 2, ny - 1) + update(nx, nx, 2, ny - 1);
        double *t = u;
        u = v, v = t;
        MPI_Allreduce(MPI_IN_PLACE, &res, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    }
    for (int j = 1; j <= ny; j++)
        for (int i = 1; i <= nx; i++)
            sum += U(i, j);
    mine[0] = res, mine[1] = sum;
    MPI_Reduce(mine, total, 2, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    double t = MPI_Wtime() - t0;
    if (rank == 0)
        printf("jacobi_mpi: %dx%d grid, %dx%d blocks, %d ranks, %d iterations: residual %.9e, checksum %.9e, %.6f s\n",
               n, n, px, py, size, iters, sqrt(total[0] / size), total[1], t);
    for (int s = 0; s < 4; s++)
        free(sendb[s]), free(recvb[s]);
    free(u), free(v);
    MPI_Finalize();
    return 0;
}
