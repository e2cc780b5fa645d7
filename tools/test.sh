#!/bin/bash
# tools/test.sh -- run Raptors' tests (make check) on a fresh Debian 12
# machine: installs what is missing, builds in build/ and runs every test,
# then prints "N passed, N failed, N skipped".
#   --sanitize   build in build-asan/ with AddressSanitizer and
#                UndefinedBehaviorSanitizer, and run the tests under them
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/tools/install-deps.sh"
cd "$top"
[ -x configure ] || ./autogen.sh
if [ "${1:-}" = --sanitize ]; then
    dir=build-asan
    cflags="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
    ldflags="-fsanitize=address,undefined"
    . "$top/tests/sanitizers/env.sh"
else
    dir=build
    cflags="-g -O2"
    ldflags=""
fi
mkdir -p "$dir" && cd "$dir"
[ -f Makefile ] || ../configure --enable-werror CFLAGS="$cflags" LDFLAGS="$ldflags"
make -j"$(nproc)"
rm -f $(find . -name '*.trs') 2>/dev/null || true
set +e
make -j"$(nproc)" check
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
