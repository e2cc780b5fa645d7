#!/bin/sh
# tests/layers.sh -- the include rules between Raptors' layers
# (docs/ARCHITECTURE.md): a file in src/<layer>/ may include its own layer
# and the layers below it as the table says, never one above; and no two
# files include each other, directly or through others.  Checks src/, then
# checks that a planted upward include in a copy of it is caught (so that
# this test cannot pass by checking nothing).
#   tests/layers.sh [SRC_DIR]   check SRC_DIR only (default: the tree's src/)
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"

allowed() { # layer -> the layers it may include
    case "$1" in
    util) echo "util" ;;
    msg) echo "util msg" ;;
    sched) echo "util sched" ;;
    actor) echo "util msg sched actor" ;;
    net) echo "util msg net" ;;
    system) echo "util msg sched actor net system" ;;
    partition) echo "util partition" ;;
    services) echo "util msg system partition services" ;;
    *) echo "" ;;
    esac
}

check() { # src dir -> prints violations, exits non-zero if any
    src=$1
    bad=0
    edges=$(mktemp)
    for f in "$src"/*/*.[ch]; do
        [ -f "$f" ] || continue
        rel=${f#"$src"/}
        layer=${rel%%/*}
        ok=$(allowed "$layer")
        if [ -z "$ok" ]; then
            echo "layers: $rel: unknown layer '$layer' (add it to tests/layers.sh and docs/ARCHITECTURE.md)"
            bad=1
            continue
        fi
        for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
            case "$inc" in
            */*) ;;
            *) continue ;; # "raptors.h", "config.h": not a layer
            esac
            to=${inc%%/*}
            [ -d "$src/$to" ] || continue
            case " $ok " in
            *" $to "*) ;;
            *) echo "layers: $rel includes $inc: layer '$layer' may include only: $ok"; bad=1 ;;
            esac
            echo "$rel $inc" >> "$edges"
        done
    done
    # A loop among the files' includes (tsort reports one and fails).
    if [ -s "$edges" ] && ! tsort "$edges" >/dev/null 2>"$edges.err"; then
        echo "layers: include loop:"; sed 's/^/  /' "$edges.err"
        bad=1
    fi
    rm -f "$edges" "$edges.err"
    return $bad
}

if [ $# -gt 0 ]; then
    check "$1"
    exit $?
fi
check "$top_srcdir/src" || { echo "layers: FAIL"; exit 1; }
# The checker must catch an upward include.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$top_srcdir/src/." "$tmp/"
echo '#include "system/node.h"' >> "$tmp/util/clock.h"
if check "$tmp" >/dev/null; then
    echo "layers: FAIL: a planted include of system/ in util/ was not caught"
    exit 1
fi
echo "layers: every include follows the layer table; a planted upward include is caught"
