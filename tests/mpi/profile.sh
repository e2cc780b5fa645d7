#!/bin/sh
# The profile, three more ways (profile_np3 is the plain run):
#   - as an MPMD job of two executables (1 + 2 ranks): every count exact,
#     and rank 0 names the types only the other executable registered;
#     then raptors-report's charts and summary of that profile and of its
#     trace (RAPTORS_TRACE);
#   - with a path that cannot be written: an error line naming the path,
#     and the job ends normally;
#   - with a bad RAPTORS_PROFILE_INTERVAL_MS: a warning naming the
#     variable, the default applies, and the profile is still exact.
set -e
dir=tests/mpi
tfwd=
[ "${RAP_MPIEXEC_KIND:-}" = openmpi ] && tfwd="-x RAPTORS_TRACE"
out=$(RAPTORS_TRACE=$dir/profile_trace.json $MPIEXEC $RAP_MPIEXEC_FLAGS $tfwd \
      -np 1 $dir/profile_mpmd_a --path $dir/profile_mpmd.json --keep : \
      -np 2 $dir/profile_mpmd_b --path $dir/profile_mpmd.json 2>&1) || { echo "$out"; exit 1; }
echo "$out"
echo "$out" | grep -q "profile: every count exact" || { echo "FAIL: MPMD profile not checked"; exit 1; }

# raptors-report on that profile: charts that name the job's workloads, and
# a summary whose figures match the profile's.
report="$top_srcdir/tools/raptors-report"
rm -rf $dir/profile_report
"$report" $dir/profile_mpmd.json $dir/profile_trace.json -o $dir/profile_report > $dir/profile_report.txt ||
    { echo "FAIL: raptors-report exit $?"; exit 1; }
cat $dir/profile_report.txt
grep -q "sink.sum" $dir/profile_report/handler_percentiles.svg || { echo "FAIL: no sink.sum in the chart"; exit 1; }
# The trace of the same job: its handler chart names the job's workloads.
grep -q "prof.sink/prof.data" $dir/profile_report/trace_handlers.svg ||
    { echo "FAIL: the trace chart does not name prof.sink/prof.data"; exit 1; }
RAPTORS_REPORT="$report" python3 "$top_srcdir/tests/tools/report_check.py" $dir/profile_mpmd.json \
    $dir/profile_report $dir/profile_report.txt || exit 1
rm -rf $dir/profile_report $dir/profile_report.txt $dir/profile_mpmd.json $dir/profile_trace.json

out=$($MPIEXEC $RAP_MPIEXEC_FLAGS -np 3 $dir/profile_np3 --path /nonexistent-dir/p.json --no-check 2>&1) ||
    { echo "$out"; echo "FAIL: an unwritable profile path ended the job"; exit 1; }
echo "$out"
echo "$out" | grep -q "profile: cannot write /nonexistent-dir/p.json" ||
    { echo "FAIL: no error line naming the unwritable path"; exit 1; }

fwd=
[ "${RAP_MPIEXEC_KIND:-}" = openmpi ] && fwd="-x RAPTORS_PROFILE_INTERVAL_MS"
out=$(RAPTORS_PROFILE_INTERVAL_MS=5x $MPIEXEC $RAP_MPIEXEC_FLAGS $fwd -np 3 $dir/profile_np3 \
      --path $dir/profile_badint.json 2>&1) || { echo "$out"; exit 1; }
echo "$out"
echo "$out" | grep -q "RAPTORS_PROFILE_INTERVAL_MS" ||
    { echo "FAIL: no warning naming RAPTORS_PROFILE_INTERVAL_MS"; exit 1; }
echo "$out" | grep -q "profile: every count exact" || { echo "FAIL: profile not checked"; exit 1; }
echo "profile.sh: MPMD exact, unwritable path reported, bad interval reported"
