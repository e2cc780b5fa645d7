#!/bin/bash
# tools/install-deps.sh -- install what Raptors needs to build and test on
# Debian 12 (apt-get; root, or sudo).  Does nothing when all is there.
set -euo pipefail
pkgs=(build-essential autoconf automake libtool pkg-config
      openmpi-bin libopenmpi-dev hwloc libhwloc-dev libcunit1-dev libjansson-dev libmetis-dev
      python3 python3-matplotlib)
# --tsan also needs clang and its sanitizer runtimes; --mpich, MPICH beside
# Open MPI (Debian's alternatives keep Open MPI the default mpicc and mpirun).
[ "${1:-}" = --tsan ] && pkgs+=(clang libclang-rt-14-dev)
[ "${1:-}" = --mpich ] && pkgs+=(mpich libmpich-dev)
missing=()
for p in "${pkgs[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
apt=($sudo apt-get -y -q -o DPkg::Lock::Timeout=600 -o Dpkg::Use-Pty=0)
echo "installing: ${missing[*]}"
"${apt[@]}" update
"${apt[@]}" install --no-install-recommends "${missing[@]}"
