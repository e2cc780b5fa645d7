#!/bin/sh
# Small runs of every example, as make check runs them: each must exit 0
# and print its result line.
d=mpi-examples
check() { # check PATTERN MPIEXEC-ARGS...
    pattern=$1
    shift
    out=$($MPIEXEC $RAP_MPIEXEC_FLAGS "$@" 2>&1)
    rc=$?
    if [ $rc -ne 0 ] || ! printf '%s\n' "$out" | grep -q "$pattern"; then
        printf 'FAIL (exit %d, wanted /%s/): %s\n%s\n' "$rc" "$pattern" "$*" "$out"
        exit 1
    fi
    printf '%s\n' "$out" | grep "$pattern"
}
check "^all 4 ranks answered" -np 4 $d/hello
check "primes below 100000: 9592 .* OK" -np 4 $d/primes 100000 2
check "^pingpong: 2000 round trips" -np 2 $d/pingpong 2000
check "^ring: 4 ranks, 200 laps, 800 messages" -np 4 $d/ring 200
check "sum of squares 1..12 = 650" -np 1 $d/mpmd_coordinator : -np 2 $d/mpmd_worker
check "^rebalance: [1-9][0-9]* actors moved" -np 2 $d/balance 6
check "^heartbeat: 4 ranks, 10 beats each every 20 ms: all counted" -np 4 $d/heartbeat 10 20
check "^kvstore: 4 ranks, 500 keys each; main thread asked for key 1999: 3996001 (OK)" -np 4 $d/kvstore 500
check "^feed: 4 ranks, 100 prices published to 8 watchers: all got all in order, mean 104.50" -np 4 $d/feed 100
check "^pool: 100 jobs on 8 workers (4 ranks): 10 worker crashes, 10 restarts, all answered, sum of squares 338350 (OK)" -np 4 $d/pool 100 2
# Jacobi: the actors' result (4 ranks, 16 blocks) against the same
# iterations in one plain MPI process (jacobi_mpi -np 1: the sequential run).
j=$(check "^jacobi: 128x128 grid, 4x4 blocks, 4 ranks, 100 iterations" -np 4 $d/jacobi 128 4 4 100)
s=$(check "^jacobi_mpi: 128x128 grid, 1x1 blocks, 1 ranks, 100 iterations" -np 1 $d/jacobi_mpi 128 1 1 100)
printf '%s\n%s\n' "$j" "$s" | awk '{ for (i = 1; i < NF; i++) { if ($i == "residual") r[NR] = $(i + 1) + 0; if ($i == "checksum") c[NR] = $(i + 1) + 0 } }
    function off(a, b) { return (a > b ? a - b : b - a) > 1e-9 * (b > 0 ? b : -b) }
    END { if (NR != 2 || c[2] == 0 || off(r[1], r[2]) || off(c[1], c[2])) { print "FAIL: jacobi differs from the sequential run"; exit 1 }
          print "jacobi: residual and checksum match the sequential run" }' || exit 1
# RAPTORS_STATS=1: every rank prints its counters at rap_finalize.  Open MPI
# passes a variable to its ranks when told (-x NAME); MPICH's hydra passes the
# whole environment and has no -x.
fwd=
[ "${RAP_MPIEXEC_KIND:-}" = openmpi ] && fwd="-x RAPTORS_STATS"
out=$(RAPTORS_STATS=1 $MPIEXEC $RAP_MPIEXEC_FLAGS $fwd -np 4 $d/hello 2>&1) || { echo "$out"; exit 1; }
for r in 0 1 2 3; do
    printf '%s\n' "$out" | grep -q "^raptors stats rank $r: sent_local=[0-9]* .* handled=[1-9]" ||
        { printf 'FAIL: no stats line for rank %s\n%s\n' "$r" "$out"; exit 1; }
done
echo "examples: hello, primes, pingpong, ring, mpmd, balance, heartbeat, kvstore, feed, jacobi, pool all ran; stats printed by every rank"
