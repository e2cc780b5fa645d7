/* tests/support/mpitest.h -- checks for multi-rank tests.
 *
 * A failed check prints the rank, file, line and expression, and aborts the
 * whole job (a failure on one rank must not leave the others hanging).  A
 * scenario that cannot run at the given size calls MT_SKIP on every rank.
 */
#ifndef RAP_TEST_MPITEST_H
#define RAP_TEST_MPITEST_H

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include "raptors.h"

#define MT_CHECK(cond)                                                                   \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            int r_ = -1;                                                                 \
            MPI_Comm_rank(MPI_COMM_WORLD, &r_);                                          \
            fprintf(stderr, "FAIL rank %d %s:%d: %s\n", r_, __FILE__, __LINE__, #cond); \
            fflush(stderr);                                                              \
            MPI_Abort(MPI_COMM_WORLD, 1);                                                \
        }                                                                                \
    } while (0)

/* MT_CHECK for after MPI is finalised (no MPI_Abort): print and exit 1. */
#define MT_CHECK_AFTER(cond)                                                             \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);             \
            exit(1);                                                                     \
        }                                                                                \
    } while (0)

#define MT_OK(call)                                                                      \
    do {                                                                                 \
        int rc_ = (call);                                                                \
        if (rc_ != RAP_OK) {                                                             \
            int r_ = -1;                                                                 \
            MPI_Comm_rank(MPI_COMM_WORLD, &r_);                                          \
            fprintf(stderr, "FAIL rank %d %s:%d: %s returned %s\n", r_, __FILE__, __LINE__, \
                    #call, rap_err_name(rc_));                                           \
            fflush(stderr);                                                              \
            MPI_Abort(MPI_COMM_WORLD, 1);                                                \
        }                                                                                \
    } while (0)

/* Every rank must call it; then the program exits 77 (SKIP). */
#define MT_SKIP(why)                                    \
    do {                                                \
        int r_ = -1;                                    \
        MPI_Comm_rank(MPI_COMM_WORLD, &r_);             \
        if (r_ == 0)                                    \
            fprintf(stderr, "SKIP: %s\n", why);         \
        rap_finalize();                                 \
        exit(77);                                       \
    } while (0)

#endif
