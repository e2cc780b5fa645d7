#!/bin/sh
# bench/run.sh -- make bench: every benchmark, each with its baseline
# measured in the same run.  REPS (default 5) repetitions each.
set -e
: "${MPIEXEC:=mpiexec}"
: "${REPS:=5}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_base_warn_component_unused=0
echo "# machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
"$MPIEXEC" -np 2 bench/remote_latency "$REPS"
"$MPIEXEC" -np 2 bench/remote_rate "$REPS"
"$MPIEXEC" -np 1 bench/local_rate "$REPS"
