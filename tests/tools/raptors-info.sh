#!/bin/sh
# raptors-info: --help; a plain run (a singleton MPI job) lists every
# variable of util/config.c's table, the MPI library and rank 0's workers;
# on two ranks, a bad value and a misspelled name are each reported once,
# with both ranks, and every rank has its line.
set -e
info=tools/raptors-info
: "${srcdir:=.}"
out=
fail() { printf '%s\n' "$out" >&2; echo "raptors-info.sh: $*" >&2; exit 1; }
has() { printf '%s\n' "$out" | grep -q -- "$1" || fail "no line matching: $1"; }
# exactly one line that is exactly $1
once() {
    n=$(printf '%s\n' "$out" | grep -cFx -- "$1" || true)
    [ "$n" -eq 1 ] || fail "$n lines, not 1, that read: $1"
}
lists_every_variable() {
    for n in $names; do has "^  $n="; done
}

for v in $(env | sed -n 's/^\(RAPTORS_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
names=$(sed -n 's/.*\.name = "\(RAPTORS_[A-Z_]*\)".*/\1/p' "$srcdir/src/util/config.c")
[ "$(printf '%s\n' "$names" | wc -l)" -ge 10 ] || fail "variables not found in $srcdir/src/util/config.c"

out=$($info --help) || fail "--help failed"
has '^Usage: raptors-info'
rc=0; $info --bogus >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "--bogus: exit $rc, not 2"

out=$($info) || fail "plain run failed"
lists_every_variable
has '^Raptors [0-9]'
has '^build: *CC='
has '^MPI library: *[^ ]'
has '^MPI threads: *asked MPI_THREAD_MULTIPLE, granted MPI_THREAD_'
has '^job: *1 rank on 1 node$'
has '^settings: *workers=auto bind=1 log_level=info '
has '^  RAPTORS_WORKERS=auto  (default auto)$'
has '^  rank 0 on .*: binding cpus .* worker'
once '  none'

# A value from the environment, more workers than any binding has cores.
out=$(RAPTORS_WORKERS=1024 $info) || fail "plain run with RAPTORS_WORKERS=1024 failed"
has '^  RAPTORS_WORKERS=1024  (default auto; from the environment)$'
has '^  RAPTORS_WORKERS=1024 is more than .*; workers will share cores \[rank 0\]$'
has '^  rank 0 on .*; 1024 workers, '

# Open MPI passes a variable to its ranks when told (-x NAME); MPICH's hydra
# passes the whole environment and has no -x.
fwd=
[ "${RAP_MPIEXEC_KIND:-}" = openmpi ] && fwd="-x RAPTORS_WORKERS -x RAPTORS_WORKER"
out=$(RAPTORS_WORKERS=abc RAPTORS_WORKER=2 \
      $MPIEXEC $RAP_MPIEXEC_FLAGS $fwd -np 2 $info) || fail "run on 2 ranks failed"
lists_every_variable
has '^MPI library: *[^ ]'
has '^job: *2 ranks on 1 node$'
once '  ignoring RAPTORS_WORKERS=abc (expected auto or 0..1024); using the default, auto [ranks 0-1]'
once '  unknown variable RAPTORS_WORKER (did you mean RAPTORS_WORKERS?) [ranks 0-1]'
[ "$(printf '%s\n' "$out" | grep -c 'RAPTORS_WORKERS=abc')" -eq 1 ] || fail "RAPTORS_WORKERS=abc reported more than once"
[ "$(printf '%s\n' "$out" | grep -c '^  rank 0 on ')" -eq 1 ] || fail "not one line for rank 0"
[ "$(printf '%s\n' "$out" | grep -c '^  rank 1 on ')" -eq 1 ] || fail "not one line for rank 1"
echo "raptors-info: plain and on 2 ranks as expected"
