#!/bin/sh
# tests/run-test.sh -- Automake LOG_COMPILER for every test.
#   *_npN        runs under `timeout $MPIEXEC $RAP_MPIEXEC_FLAGS -np N` (N
#                ranks; more than the cores is fine: oversubscription is
#                allowed here)
#   *.sh         runs as a script, with MPIEXEC, RAP_MPIEXEC_FLAGS and
#                RAP_MPIEXEC_KIND set
#   anything else runs directly, under timeout
# MPIEXEC is Open MPI's mpirun or MPICH's hydra mpiexec; tools/mpi-env.sh
# tells them apart and sets each one's flags and variables.
# A hang fails the test (exit 124) instead of stalling make check.
prog="$1"
shift
: "${MPIEXEC:=mpiexec}"
: "${RAP_TEST_TIMEOUT:=180}"
export MPIEXEC
. "$(dirname "$0")/../tools/mpi-env.sh"
# Loopback-only jobs: keep Open MPI off other interfaces and quiet.
export OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
case "$prog" in
*.sh)
    exec timeout -k 10 "$RAP_TEST_TIMEOUT" sh "$prog" "$@" ;;
*_np[0-9]*)
    np="${prog##*_np}"
    exec timeout -k 10 "$RAP_TEST_TIMEOUT" "$MPIEXEC" $RAP_MPIEXEC_FLAGS -np "$np" "$prog" "$@" ;;
*)
    exec timeout -k 10 "$RAP_TEST_TIMEOUT" "$prog" "$@" ;;
esac
