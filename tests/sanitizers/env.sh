# tests/sanitizers/env.sh -- source before running ASan/UBSan/TSan builds
# under mpirun: options, and suppressions for Open MPI's own leaks and races
# (Debian 12's Open MPI 4.1.4).  The project's own findings still report.
_rap_supp=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)
export ASAN_OPTIONS="fast_unwind_on_malloc=0:detect_leaks=1:abort_on_error=0"
export LSAN_OPTIONS="suppressions=$_rap_supp/lsan-openmpi.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export TSAN_OPTIONS="suppressions=$_rap_supp/tsan-openmpi.supp:halt_on_error=0:second_deadlock_stack=1"
unset _rap_supp
