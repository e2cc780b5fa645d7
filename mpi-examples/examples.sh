#!/bin/sh
# Small runs of every example, as make check runs them; each must exit 0
# and print its result line.
set -e
d=mpi-examples
run() { $MPIEXEC $RAP_MPIEXEC_FLAGS "$@"; }
run -np 4 $d/primes 100000 2 | grep -q "primes below 100000: 9592 .* OK"
run -np 2 $d/pingpong 2000 | grep -q "^pingpong: 2000 round trips"
run -np 4 $d/ring 200 | grep -q "^ring: 4 ranks, 200 laps, 800 messages"
run -np 1 $d/mpmd_coordinator : -np 2 $d/mpmd_worker | grep -q "sum of squares 1..12 = 650"
echo "examples: primes, pingpong, ring, mpmd all ran"
