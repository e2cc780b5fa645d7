#!/bin/sh
# The installed shared library exports the public API and nothing else:
# every dynamic symbol it defines is a rap_* name or MPI_Finalize (the
# profiling-interface hook that finalises Raptors first) (internal rap__* names and
# globals such as g_node stay hidden: the library is built with
# -fvisibility=hidden, and include/raptors.h marks the API RAP_API), and
# every function that header declares is exported.  Run from the build
# folder; skipped without nm or without the shared library.
so=src/.libs/libraptors.so
header="$(dirname "$0")/../include/raptors.h"
command -v nm >/dev/null 2>&1 || { echo "exports: no nm: skipped"; exit 77; }
[ -f "$so" ] || { echo "exports: no $so (shared library not built): skipped"; exit 77; }
defined=$(nm -D --defined-only "$so" | awk '{ print $NF }') || exit 1
# Left out: what the linker adds to every shared object.
leaked=$(printf '%s\n' "$defined" |
         grep -v -E '^(rap_[^_].*|MPI_Finalize|_init|_fini|__bss_start|_edata|_end)$')
missing=$(grep 'RAP_API' "$header" | grep -v '#define' |
          sed -n 's/.*[ *]\(rap_[a-z0-9_]*\)(.*/\1/p' |
          while read -r f; do
              printf '%s\n' "$defined" | grep -qx "$f" || echo "$f"
          done)
rc=0
if [ -n "$leaked" ]; then
    echo "FAIL: $so exports $(printf '%s\n' "$leaked" | wc -l) names outside the API:"
    printf '  %s\n' $leaked
    rc=1
fi
if [ -n "$missing" ]; then
    echo "FAIL: $so does not export these RAP_API functions of raptors.h:"
    printf '  %s\n' $missing
    rc=1
fi
[ $rc -eq 0 ] && echo "exports: $(printf '%s\n' "$defined" | grep -c '^rap_') rap_* symbols, nothing else"
exit $rc
