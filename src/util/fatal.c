/* util/fatal.c -- see fatal.h. */
#include <mpi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/fatal.h"

void rap__fatal(const char *fmt, ...)
{
    int inited = 0, finalized = 0, rank = -1;
    va_list ap;

    MPI_Initialized(&inited);
    MPI_Finalized(&finalized);
    if (inited && !finalized)
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    fprintf(stderr, "raptors: rank %d: fatal: ", rank);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    if (inited && !finalized)
        MPI_Abort(MPI_COMM_WORLD, 1);
    abort();
}
