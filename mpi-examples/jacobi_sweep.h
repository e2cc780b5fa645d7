/* mpi-examples/jacobi_sweep.h -- the one Jacobi sweep that jacobi (actors)
 * and jacobi_mpi (plain MPI) both run (jacobi_sweep.c). */
#ifndef JACOBI_SWEEP_H
#define JACOBI_SWEEP_H

#include <stddef.h>

/* Into v, the new values of columns x0..x1 of rows y0..y1 of a grid of
 * rows w doubles wide (halos included), from u; returns the sum of the
 * squared changes. */
double jacobi_sweep(const double *u, double *v, size_t w, int x0, int x1, int y0, int y1);

#endif
