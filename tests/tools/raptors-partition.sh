#!/bin/sh
# raptors-partition (replay): on a hand-made profile with a known optimum,
# every strategy's placement and figures; raptors-report --placement draws
# and sums up the refine placement; the same input gives the same file byte
# for byte; options and bad input end with exit 2 and a reason.
set -e
tool=tools/raptors-partition
tmp=${TMPDIR:-/tmp}/raptors-partition-test.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "raptors-partition.sh: $*" >&2; exit 1; }
py() { python3 -c "$@"; }

# Five actors of 5, 4, 3, 3, 3 s of handler time in a 1 s run, all on rank
# 0 of 2; a and b talk (1000 bytes), c and d (10 bytes).  The best
# makespan on 2 ranks is 9 (5+4 | 3+3+3), the lower bound max(18/2, 5).
cat >"$tmp/p.json" <<'EOF'
{"raptors_profile": 1, "ranks": 2, "wall_s": 1.0,
 "actors": [
  {"aid": "0:16", "type": "w", "rank": 0, "time_ns": 5000000000, "state_bytes": 100},
  {"aid": "0:17", "type": "w", "rank": 0, "time_ns": 4000000000, "state_bytes": 100},
  {"aid": "0:18", "type": "w", "rank": 0, "time_ns": 3000000000, "state_bytes": 100},
  {"aid": "0:19", "type": "w", "rank": 0, "time_ns": 3000000000, "state_bytes": 100},
  {"aid": "0:20", "type": "w", "rank": 0, "time_ns": 3000000000, "state_bytes": 100},
  {"aid": null, "type": "w", "rank": 1, "time_ns": 0, "count": 3}],
 "actor_pairs": [
  {"src": "0:16", "dst": "0:17", "msgs": 10, "bytes": 600},
  {"src": "0:17", "dst": "0:16", "msgs": 10, "bytes": 400},
  {"src": "0:18", "dst": "0:19", "msgs": 1, "bytes": 10}],
 "ranks_load": [{"rank": 0, "workers": 1}, {"rank": 1, "workers": 1}]}
EOF

$tool --help | grep -q '^Usage: raptors-partition' || fail "--help"
$tool --list | grep -q '^greedy ' || fail "--list has no greedy"

# greedy: heaviest first where it finishes lowest (LPT): 5 | 4, 3 -> 7,
# 3 -> 8, 3 -> 10: 10 against the optimum 9 (within LPT's 4/3 - 1/6).
$tool "$tmp/p.json" --strategy greedy -o "$tmp/greedy.json" >"$tmp/greedy.out" || fail "greedy: exit $?"
grep -q "strategy greedy: imbalance 2.000 -> 1.111" "$tmp/greedy.out" || { cat "$tmp/greedy.out"; fail "greedy: summary"; }
# refine: from 18 | 0, the fewest moves to within 5 %: 5 and 4 go (2 moves,
# 9 | 9), and the chatty pairs stay together.
$tool "$tmp/p.json" -o "$tmp/refine.json" >"$tmp/refine.out" || fail "refine: exit $?"
grep -q "strategy refine: imbalance 2.000 -> 1.000" "$tmp/refine.out" || { cat "$tmp/refine.out"; fail "refine: summary"; }
for s in greedy refine; do
    py "
import json
p = json.load(open('$tmp/$s.json'))
assert p['raptors_placement'] == 1 and p['strategy'] == '$s' and p['ranks'] == 2, p
want = {'greedy': [8e9, 10e9], 'refine': [9e9, 9e9]}['$s']
assert sorted(p['load']) == want, p['load']
assert abs(p['imbalance'] - max(want) / 9e9) < 1e-9 and p['before']['imbalance'] == 2.0, p
assert len(p['assign']) == 5 and all(set(a) == {'aid', 'type', 'from', 'rank'} for a in p['assign'])
moved = [a for a in p['assign'] if a['rank'] != a['from']]
assert p['moves'] == len(moved) and p['bytes_moved'] == 100 * len(moved), p
if '$s' == 'refine': assert len(moved) == 2, moved
on = {a['aid']: a['rank'] for a in p['assign']}
cut = (1000 if on['0:16'] != on['0:17'] else 0) + (10 if on['0:18'] != on['0:19'] else 0)
assert abs(p['cut_bytes'] - cut) < 1e-6 and abs(p['cut'] - cut / 1010) < 1e-9, (p['cut_bytes'], cut)
if '$s' == 'refine': assert cut == 0, on
" || fail "$s: placement"
done
# off: nothing moves
$tool "$tmp/p.json" --strategy off -o "$tmp/off.json" >/dev/null
py "
import json
p = json.load(open('$tmp/off.json'))
assert p['moves'] == 0 and all(a['rank'] == 0 for a in p['assign']) and p['imbalance'] == 2.0, p
" || fail "off"
# a bound on moves
$tool "$tmp/p.json" --strategy greedy --max-moves 1 -o "$tmp/one.json" >/dev/null
py "
import json
p = json.load(open('$tmp/one.json'))
assert p['moves'] == 1 and sum(a['rank'] != a['from'] for a in p['assign']) == 1, p
" || fail "--max-moves"
# metis, when built with it: the chatty pair stays together
if $tool --list | grep -q '^metis '; then
    $tool "$tmp/p.json" --strategy metis -o "$tmp/metis.json" >/dev/null || fail "metis: exit $?"
    py "
import json
p = json.load(open('$tmp/metis.json'))
on = {a['aid']: a['rank'] for a in p['assign']}
assert on['0:16'] == on['0:17'], on
assert p['imbalance'] <= 1.2, p['imbalance']
" || fail "metis"
fi
# another rank count, 2 workers each
$tool "$tmp/p.json" --ranks 3 --workers 2 --strategy greedy -o "$tmp/r3.json" >/dev/null
py "
import json
p = json.load(open('$tmp/r3.json'))
assert p['ranks'] == 3 and sorted(p['load']) == [2.5e9, 3e9, 3.5e9], p['load']  # LPT: 5 | 4+3 | 3+3, per 2 workers
" || fail "--ranks 3"

# raptors-report --placement on the refine placement: the chart placement_load
# (before: 18 | 0 from the profile; after: 9 | 9), its section in index.html,
# and the summary's figures; a bad placement file ends with exit 2.
report="${srcdir:-${top_srcdir:-.}}/tools/raptors-report"
rc=0
"$report" "$tmp/p.json" --placement "$tmp/refine.json" -o "$tmp/report" >"$tmp/report.out" 2>"$tmp/err" || rc=$?
[ "$rc" -eq 0 ] || { cat "$tmp/err" "$tmp/report.out"; fail "raptors-report --placement: exit $rc"; }
for ext in svg png; do
    [ -s "$tmp/report/placement_load.$ext" ] || fail "raptors-report: no placement_load.$ext"
done
grep -q 'Placement refine' "$tmp/report/placement_load.svg" || fail "raptors-report: the chart does not name refine"
grep -q 'src="placement_load.svg"' "$tmp/report/index.html" || fail "raptors-report: index.html lacks placement_load"
grep -qx 'placement (refine): imbalance 2.00 -> 1.00, bytes crossing 0.0 % -> 0.0 %, 2 moves' "$tmp/report.out" ||
    { cat "$tmp/report.out"; fail "raptors-report: placement summary"; }
grep -q 'max 18.0 -> 9.00, mean 9.00' "$tmp/report.out" || { cat "$tmp/report.out"; fail "raptors-report: loads"; }
! grep -q 'note:' "$tmp/report.out" || { cat "$tmp/report.out"; fail "raptors-report: placement and profile disagree"; }
badreport() {
    rc=0
    "$report" "$tmp/p.json" --placement "$1" -o "$tmp/badreport" >/dev/null 2>"$tmp/err" || rc=$?
    [ "$rc" -eq 2 ] && grep -qF "$1" "$tmp/err" || fail "raptors-report --placement $1: exit $rc, stderr '$(cat "$tmp/err")'"
}
badreport "$tmp/missing.json"
printf '{"raptors_placement": 1' >"$tmp/pcut.json"
badreport "$tmp/pcut.json"
sed 's/"raptors_placement": 1/"raptors_placement": 2/' "$tmp/refine.json" >"$tmp/pv2.json"
badreport "$tmp/pv2.json"
py "
import json
p = json.load(open('$tmp/refine.json'))
p['load'] = p['load'][:1]
json.dump(p, open('$tmp/short.json', 'w'))
del p['load']
json.dump(p, open('$tmp/noload.json', 'w'))
"
badreport "$tmp/short.json"
badreport "$tmp/noload.json"
badreport "$tmp/p.json"

# Hosts (MPMD): type w only on rank 0: nothing may leave it (the summed
# others on rank 1 are of another type there).
sed -e 's/"ranks_load":/"hosts": [{"type": "w", "ranks": [0]}], "ranks_load":/' \
    -e 's/"type": "w", "rank": 1/"type": "v", "rank": 1/' "$tmp/p.json" >"$tmp/h.json"
$tool "$tmp/h.json" --strategy greedy -o "$tmp/h-out.json" >/dev/null || fail "hosts: exit $?"
py "
import json
p = json.load(open('$tmp/h-out.json'))
assert p['moves'] == 0 and sorted(p['load']) == [0, 18e9], p
" || fail "hosts"
# ... on another rank count they cannot apply, and the tool says so.
$tool "$tmp/h.json" --ranks 3 --strategy greedy | grep -q '^note: the profile.s hosts apply' || fail "hosts on 3 ranks"

# Deterministic: the same input, the same bytes.
$tool "$tmp/p.json" --strategy greedy -o "$tmp/again.json" >/dev/null
cmp -s "$tmp/greedy.json" "$tmp/again.json" || fail "two runs differ"

# Bad input and options: exit 2 and a reason on stderr.
bad() {
    rc=0
    $tool "$@" >/dev/null 2>"$tmp/err" || rc=$?
    [ "$rc" -eq 2 ] && [ -s "$tmp/err" ] || fail "$*: exit $rc, stderr '$(cat "$tmp/err")'"
}
bad "$tmp/missing.json"
bad "$tmp/p.json" --strategy bogus
bad "$tmp/p.json" --ranks 0
bad "$tmp/p.json" --tolerance -1
bad "$tmp/p.json" --bogus 1
bad
printf '{"raptors_profile": 1' >"$tmp/cut.json"
bad "$tmp/cut.json"
sed 's/"0:16"/"zero"/' "$tmp/p.json" >"$tmp/badaid.json"
bad "$tmp/badaid.json"
sed 's/"raptors_profile": 1/"raptors_profile": 7/' "$tmp/p.json" >"$tmp/v7.json"
bad "$tmp/v7.json"
bad "$tmp/p.json" -o /nonexistent-dir/x.json
sed 's/"ranks": \[0\]/"ranks": [5]/' "$tmp/h.json" >"$tmp/h5.json"
bad "$tmp/h5.json" --strategy greedy
echo "raptors-partition: placements, figures, determinism and bad input as documented"
