#!/bin/sh
# MPMD: two executables in one job (colon syntax), then the same job with
# mismatched message-type definitions, which rap_init must refuse on every rank.
# Errors name the types: the mismatch says which type, sizes and ranks; a
# message of a type only the other executable registered is named.
set -e
dir=tests/mpi
# Open MPI passes a variable to its ranks when told (-x NAME); MPICH's hydra
# passes the whole environment and has no -x.
fwd=
[ "${RAP_MPIEXEC_KIND:-}" = openmpi ] && fwd="-x MPMD_MISMATCH"
out=$($MPIEXEC $RAP_MPIEXEC_FLAGS -np 1 $dir/mpmd_coord : -np 2 $dir/mpmd_worker 2>&1) || { echo "$out"; exit 1; }
echo "$out"
echo "$out" | grep -q "message type mpmd.extra (registered on 2 ranks of this job, not this one): this executable did not register it" ||
    { echo "FAIL: no log line naming mpmd.extra"; exit 1; }
out=$(MPMD_MISMATCH=1 $MPIEXEC $RAP_MPIEXEC_FLAGS $fwd -np 1 $dir/mpmd_coord : -np 2 $dir/mpmd_worker 2>&1) ||
    { echo "$out"; exit 1; }
echo "$out"
echo "$out" | grep -q 'message type "mpmd.job" is registered as exactly 16 bytes on rank 0 but as exactly 8 bytes on rank 1' ||
    { echo "FAIL: the mismatch does not say which type, sizes and ranks"; exit 1; }
echo "mpmd: mismatch refused on every rank, and named"
