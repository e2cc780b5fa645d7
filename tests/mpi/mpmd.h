/* tests/mpi/mpmd.h -- message layouts shared by the two MPMD executables. */
#ifndef RAP_TEST_MPMD_H
#define RAP_TEST_MPMD_H
#include <stdint.h>
enum { MPMD_JOBS = 6 };
typedef struct mpmd_job { int64_t n; } mpmd_job;
typedef struct mpmd_done { int64_t n, square; int32_t appnum, rank; } mpmd_done;
#endif
