#!/bin/bash
# tools/quickstart.sh -- on a fresh Debian 12 machine: install what is
# missing, build Raptors in build/, and run the flagship example (a work
# farm of actors counting primes) on 4 MPI ranks.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/tools/install-deps.sh"
cd "$top"
[ -x configure ] || ./autogen.sh
mkdir -p build && cd build
[ -f Makefile ] || ../configure --enable-werror
make -j"$(nproc)"
. "$top/tools/mpi-env.sh"
mpirun -np 4 ./mpi-examples/primes
