/* mpi-examples/jacobi_sweep.c -- the one Jacobi sweep that jacobi (actors)
 * and jacobi_mpi (plain MPI) both run: one compiled copy, starting a
 * 64-byte line in both programs (-falign-functions=64 in local.mk), so that
 * comparing the two measures their messages, not where the compiler and
 * linker happened to put the loop.  On the development VM the same
 * instructions took 22.9 us at one address and 26-28 us at another. */
#include "jacobi_sweep.h"

double jacobi_sweep(const double *u, double *v, size_t w, int x0, int x1, int y0, int y1)
{
    double r = 0;
    for (size_t j = (size_t)y0; (int)j <= y1; j++)
        for (size_t i = (size_t)x0, k = j * w + i; (int)i <= x1; i++, k++) {
            double nv = 0.25 * (u[k - 1] + u[k + 1] + u[k - w] + u[k + w]);
            r += (nv - u[k]) * (nv - u[k]);
            v[k] = nv;
        }
    return r;
}
