#!/bin/sh
# MPMD: two executables in one job (colon syntax), then the same job with
# mismatched message-type definitions, which rap_init must refuse on every rank.
set -e
dir=tests/mpi
$MPIEXEC $RAP_MPIEXEC_FLAGS -np 1 $dir/mpmd_coord : -np 2 $dir/mpmd_worker
MPMD_MISMATCH=1 $MPIEXEC $RAP_MPIEXEC_FLAGS -x MPMD_MISMATCH -np 1 $dir/mpmd_coord : -np 2 $dir/mpmd_worker
echo "mpmd: mismatch refused on every rank"
