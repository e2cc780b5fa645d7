#!/bin/sh
# tests/installcheck.sh SRCDIR -- make installcheck: what `make install` put
# under $DESTDIR: the docs; raptors.pc, which names MPI by its pkg-config
# module (Requires), or not at all when configure took MPI from the mpicc
# wrapper, and carries none of MPI's own flags; and the library itself:
# mpi-examples/hello.c compiled against it with `cc $(pkg-config --cflags
# --libs raptors)` (when raptors.pc names MPI) and with mpicc, each run on 2
# ranks.  The Makefile passes DESTDIR, libdir, docdir, PKG_CONFIG, CC,
# MPICC, MPIEXEC, RAP_MPI_PC, MPI_CFLAGS and MPI_LIBS.
srcdir=${1:-.}
: "${PKG_CONFIG:=pkg-config}" "${CC:=cc}"
fail() { echo "FAIL: $*"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/raptors-installcheck.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

for f in README.md LICENSE ARCHITECTURE.md PERFORMANCE.md PROFILING.md BALANCING.md; do
    [ -f "$DESTDIR$docdir/$f" ] || fail "$DESTDIR$docdir/$f is not installed"
done
echo "docs: installed in $DESTDIR$docdir"

pc="$DESTDIR$libdir/pkgconfig/raptors.pc"
[ -f "$pc" ] || fail "$pc is not installed"
# The installed file names the final prefix; under DESTDIR a copy of it
# points into DESTDIR instead.
mkdir "$work/pc"
sed "s|^\([a-z_]*\)=/|\1=$DESTDIR/|" "$pc" > "$work/pc/raptors.pc"
PKG_CONFIG_PATH="$work/pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export PKG_CONFIG_PATH
requires=$(sed -n 's/^Requires: *//p' "$pc" | sed 's/ *$//')
[ "$requires" = "$RAP_MPI_PC" ] ||
    fail "raptors.pc requires '$requires', configure found MPI as module '$RAP_MPI_PC'"
own=$(sed -n 's/^\(Cflags\|Libs\): *//p' "$pc")
for w in $MPI_CFLAGS $MPI_LIBS; do
    for o in $own; do
        [ "$w" != "$o" ] || fail "raptors.pc carries MPI's flag $w: $own"
    done
done
flags=$($PKG_CONFIG --cflags --libs raptors) || fail "$PKG_CONFIG raptors failed"
echo "raptors.pc: Requires: ${requires:-(no MPI module)}; pkg-config --cflags --libs: $flags"

run() { # run PROGRAM: hello on 2 ranks (tests/run-test.sh runs *_np2 so)
    out=$(MPIEXEC=$MPIEXEC sh "$srcdir/tests/run-test.sh" "$1" 2>&1)
    rc=$?
    printf '%s\n' "$out" | grep -q "^all 2 ranks answered" ||
        fail "$1 (exit $rc) did not print 'all 2 ranks answered': $out"
    echo "$(basename "$1"): all 2 ranks answered"
}
rpath="-Wl,-rpath,$DESTDIR$libdir"
if [ -n "$requires" ]; then
    $CC -o "$work/hello_cc_np2" "$srcdir/mpi-examples/hello.c" $flags $rpath ||
        fail "$CC could not build hello.c with pkg-config's flags"
    run "$work/hello_cc_np2"
else
    echo "plain $CC: skipped (raptors.pc names no MPI module: programs are compiled with mpicc)"
fi
[ -n "$MPICC" ] || fail "no mpicc wrapper was found by configure (MPICC)"
$MPICC -o "$work/hello_mpicc_np2" "$srcdir/mpi-examples/hello.c" $flags $rpath ||
    fail "$MPICC could not build hello.c with pkg-config's flags"
run "$work/hello_mpicc_np2"
echo "installcheck: passed"
