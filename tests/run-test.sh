#!/bin/sh
# tests/run-test.sh -- Automake LOG_COMPILER for every test.
#   *_npN        runs under `timeout $MPIEXEC -np N` (N ranks; more than the
#                cores is fine: oversubscription is allowed here)
#   *.sh         runs as a script, with MPIEXEC and RAP_MPIEXEC_FLAGS set
#   anything else runs directly, under timeout
# A hang fails the test (exit 124) instead of stalling make check.
prog="$1"
shift
: "${MPIEXEC:=mpiexec}"
: "${RAP_TEST_TIMEOUT:=180}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
# Loopback-only jobs: keep Open MPI off other interfaces and quiet.
export OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
export OMPI_MCA_btl_base_warn_component_unused=0
export RAP_MPIEXEC_FLAGS="--oversubscribe"
export MPIEXEC
case "$prog" in
*.sh)
    exec timeout -k 10 "$RAP_TEST_TIMEOUT" sh "$prog" "$@" ;;
*_np[0-9]*)
    np="${prog##*_np}"
    exec timeout -k 10 "$RAP_TEST_TIMEOUT" "$MPIEXEC" $RAP_MPIEXEC_FLAGS -np "$np" "$prog" "$@" ;;
*)
    exec timeout -k 10 "$RAP_TEST_TIMEOUT" "$prog" "$@" ;;
esac
