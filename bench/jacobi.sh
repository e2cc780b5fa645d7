#!/bin/sh
# bench/jacobi.sh -- make bench's Jacobi: mpi-examples/jacobi (an actor group,
# halos by index, a reduction per iteration) against mpi-examples/jacobi_mpi
# (the same computation in plain MPI), alternating, JACOBI_REPS (9) fresh
# processes each (every run is a process's first and only round), medians; a sweep
# of grid sizes, blocks per rank and ranks.  Prints a line per point and a
# ROW line per point for run.sh's table (seconds: lower is better).
#   MPIEXEC, RAP_MPIEXEC_KIND as run.sh sets them.
set -e
over=
fwd=
[ "$RAP_MPIEXEC_KIND" = openmpi ] && over=--oversubscribe && fwd="-x RAPTORS_WORKERS"
tmp="${TMPDIR:-/tmp}/raptors-jacobi-$$.txt"
: > "$tmp"
secs() { sed -n 's/.* \([0-9.]*\) s$/\1/p'; }
# point NAME RANKS N ITERS PX PY BX BY: MPI on a PX x PY grid of ranks,
# Raptors with BX x BY blocks and one worker per rank.
point() {
    name=$1 np=$2 n=$3 it=$4 px=$5 py=$6 bx=$7 by=$8
    for i in $(seq 1 "${JACOBI_REPS:-9}"); do
        m=$("$MPIEXEC" $over -np "$np" mpi-examples/jacobi_mpi "$n" "$px" "$py" "$it" | secs)
        r=$(RAPTORS_WORKERS=1 "$MPIEXEC" $over $fwd -np "$np" mpi-examples/jacobi "$n" "$bx" "$by" "$it" | secs)
        [ -n "$m" ] && [ -n "$r" ] || { echo "jacobi: a run failed ($name)" >&2; exit 1; }
        echo "$name|$m|$r" >> "$tmp"
    done
}
point "2 ranks, 1024^2, 200 it, 1 block/rank" 2 1024 200 2 1 2 1
point "2 ranks, 256^2, 1000 it, 1 block/rank" 2 256 1000 2 1 2 1
point "2 ranks, 256^2, 5000 it, 1 block/rank" 2 256 5000 2 1 2 1
point "2 ranks, 2048^2, 50 it, 1 block/rank" 2 2048 50 2 1 2 1
point "2 ranks, 1024^2, 200 it, 4 blocks/rank" 2 1024 200 2 1 4 2
point "4 ranks/2 cores, 1024^2, 200 it" 4 1024 200 2 2 2 2
echo "# Jacobi 2-D (mpi-examples/jacobi) against the same in plain MPI (jacobi_mpi), seconds, medians of ${JACOBI_REPS:-9} fresh processes each"
awk -F'|' 'function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
     { k = $1; if (!(k in n)) order[++no] = k; n[k]++; m[k, n[k]] = $2; r[k, n[k]] = $3 }
     END { for (o = 1; o <= no; o++) { k = order[o]
             delete a; for (i = 1; i <= n[k]; i++) a[i] = m[k, i]; mm = med(a, n[k])
             delete a; for (i = 1; i <= n[k]; i++) a[i] = r[k, i]; rr = med(a, n[k])
             printf "jacobi %-40s %8.4f s against plain MPI %8.4f s: %.2fx\n", k, rr, mm, rr / mm
             printf "ROW|jacobi %s|s|%.4f|plain MPI jacobi_mpi|%.4f\n", k, rr, mm } }' "$tmp"
rm -f "$tmp"
