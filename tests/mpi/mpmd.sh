#!/bin/sh
# MPMD: two executables in one job (colon syntax), then the same job with
# mismatched message-type definitions, which rap_init must refuse on every rank.
set -e
dir=tests/mpi
# Open MPI passes a variable to its ranks when told (-x NAME); MPICH's hydra
# passes the whole environment and has no -x.
fwd=
[ "${RAP_MPIEXEC_KIND:-}" = openmpi ] && fwd="-x MPMD_MISMATCH"
$MPIEXEC $RAP_MPIEXEC_FLAGS -np 1 $dir/mpmd_coord : -np 2 $dir/mpmd_worker
MPMD_MISMATCH=1 $MPIEXEC $RAP_MPIEXEC_FLAGS $fwd -np 1 $dir/mpmd_coord : -np 2 $dir/mpmd_worker
echo "mpmd: mismatch refused on every rank"
