#!/bin/bash
# tools/test.sh -- run Raptors' tests (make check) on a fresh Debian 12
# machine: installs what is missing, builds in build/ and runs every test,
# then prints "N passed, N failed, N skipped".
#   --sanitize   build in build-asan/ with AddressSanitizer and
#                UndefinedBehaviorSanitizer, and run the tests under them
#   --tsan       build in build-tsan/ with clang's ThreadSanitizer and run the
#                mailbox, table, scheduler and transport tests under it
#   --mpich      build in build-mpich/ against MPICH (configure
#                --with-mpi=mpich; installs mpich and libmpich-dev) and run
#                every test under its launcher
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/tools/install-deps.sh" "${1:-}"
cd "$top"
[ -x configure ] || ./autogen.sh
tests=
cc=
mpi=
if [ "${1:-}" = --sanitize ]; then
    dir=build-asan
    cflags="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
    ldflags="-fsanitize=address,undefined"
    . "$top/tests/sanitizers/env.sh"
elif [ "${1:-}" = --tsan ]; then
    dir=build-tsan
    cc="CC=clang"
    cflags="-g -O1 -fsanitize=thread"
    ldflags="-fsanitize=thread"
    . "$top/tests/sanitizers/env.sh"
    # A race report fails the test (TSan's exit code), Open MPI's are suppressed.
    export TSAN_OPTIONS="$TSAN_OPTIONS:exitcode=66"
    export RAP_TEST_TIMEOUT=600
    tests="tests/unit/actor/test_mailbox tests/unit/actor/test_table tests/unit/sched/test_sched
           tests/mpi/order_np2 tests/mpi/malformed_np2 tests/mpi/termination_np2 tests/mpi/stop_np2
           tests/mpi/spawn_np4 tests/mpi/serialized_np2 tests/mpi/deadletter_np2 tests/mpi/dropin_np2
           tests/mpi/flow_np2 tests/mpi/fanout_np1 tests/unit/msg/test_pool tests/mpi/sizes_np2
           tests/unit/net/test_flow tests/mpi/strand_np2 tests/mpi/guard_np2 tests/mpi/starve_np1
           tests/mpi/destroy_order_np2 tests/mpi/orphan_np2 tests/mpi/finalize_np2
           tests/mpi/profile_np3 tests/mpi/trace_np2 tests/mpi/migrate_np3 tests/mpi/timer_np2 tests/mpi/ask_np2 tests/mpi/pubsub_np3 tests/mpi/flush_np2 tests/mpi/monitor_np2 tests/mpi/sync_np2 tests/mpi/defer_np2 tests/mpi/group_np3 tests/mpi/supervise_np3"
elif [ "${1:-}" = --mpich ]; then
    dir=build-mpich
    mpi="--with-mpi=mpich"
    cflags="-g -O2"
    ldflags=""
else
    dir=build
    cflags="-g -O2"
    ldflags=""
fi
mkdir -p "$dir" && cd "$dir"
[ -f Makefile ] || ../configure --enable-werror --enable-asserts $cc $mpi CFLAGS="$cflags" LDFLAGS="$ldflags"
make -j"$(nproc)"
rm -f $(find . -name '*.trs') 2>/dev/null || true
set +e
if [ -n "$tests" ]; then
    make -j"$(nproc)" check TESTS="$(echo $tests)"
else
    make -j"$(nproc)" check
fi
rc=$?
set -e
trs=$(find . -name '*.trs')
count() { # number of tests whose result is $1
    [ -n "$trs" ] || { echo 0; return; }
    { grep -l "^:test-result: $1" $trs || true; } | wc -l
}
pass=$(count PASS); fail=$(( $(count FAIL) + $(count ERROR) )); skip=$(count SKIP)
if [ "$fail" -ne 0 ] || [ "$rc" -ne 0 ]; then
    for t in $( { grep -l -E "^:test-result: (FAIL|ERROR)" $trs || true; } ); do
        echo "==== ${t%.trs}.log (last 40 lines)"
        tail -n 40 "${t%.trs}.log"
    done
    [ "$fail" -ne 0 ] || fail=1
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
