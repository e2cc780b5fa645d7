# m4/raptors.m4 -- Raptors' own configure macros.

# AX_PTHREAD_SIMPLE: POSIX threads via -pthread (gcc and clang on Linux).
AC_DEFUN([AX_PTHREAD_SIMPLE], [
  AC_MSG_CHECKING([for -pthread])
  rap_save_CFLAGS=$CFLAGS
  CFLAGS="$CFLAGS -pthread"
  AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <pthread.h>]],
                   [[pthread_t t; pthread_create(&t, 0, 0, 0);]])],
    [AC_MSG_RESULT([yes])],
    [AC_MSG_RESULT([no]); AC_MSG_ERROR([POSIX threads with -pthread are required])])
  CFLAGS=$rap_save_CFLAGS
  PTHREAD_CFLAGS=-pthread
  PTHREAD_LIBS=-pthread
  AC_SUBST([PTHREAD_CFLAGS])
  AC_SUBST([PTHREAD_LIBS])
])

# RAP_CHECK_MPI: which MPI library, its compile and link flags, its
# launcher and its compiler wrapper, so that any C compiler can build Raptors
# and builds against Open MPI and MPICH can sit side by side in two build
# folders.  --with-mpi chooses where the flags come from:
#   auto     pkg-config mpi-c, ompi-c, then mpich; else the mpicc wrapper
#   openmpi  pkg-config ompi-c; else the mpicc.openmpi (or mpicc) wrapper
#   mpich    pkg-config mpich; else the mpicc.mpich (or mpicc) wrapper
# MPI_CFLAGS and MPI_LIBS, when MPI_LIBS is set, replace the search; MPICC and
# MPIEXEC replace the wrapper and launcher found.  Fails unless
# MPI_Init_thread links, or when mpi.h is not the library --with-mpi named.
# Sets RAP_MPI_PC, the pkg-config module that raptors.pc requires (empty
# when the flags came from the wrapper or from MPI_LIBS), and RAP_MPI_NAME.
AC_DEFUN([RAP_CHECK_MPI], [
  AC_ARG_VAR([MPI_CFLAGS], [C compiler flags for MPI, overriding detection])
  AC_ARG_VAR([MPI_LIBS], [linker flags for MPI, overriding detection])
  AC_ARG_VAR([MPICC], [MPI C compiler wrapper (used when pkg-config has no MPI module, and by make installcheck)])
  AC_ARG_VAR([MPIEXEC], [MPI launcher used by make check, make installcheck and make bench])
  AC_ARG_WITH([mpi],
    [AS_HELP_STRING([--with-mpi=auto|openmpi|mpich],
      [MPI library to build against: auto takes pkg-config mpi-c, ompi-c, then mpich, else the mpicc wrapper; openmpi and mpich take that library's pkg-config module, wrapper and launcher @<:@default: auto@:>@])],
    [], [with_mpi=auto])
  AS_CASE([$with_mpi],
    [auto|yes], [with_mpi=auto
                 rap_mpi_modules="mpi-c ompi-c mpich"; rap_mpicc_names=mpicc],
    [openmpi],  [rap_mpi_modules=ompi-c; rap_mpicc_names="mpicc.openmpi mpicc"],
    [mpich],    [rap_mpi_modules=mpich; rap_mpicc_names="mpicc.mpich mpicc"],
    [AC_MSG_ERROR([--with-mpi=$with_mpi: expected auto, openmpi or mpich])])
  RAP_MPI_PC=
  rap_mpi_from="MPI_CFLAGS/MPI_LIBS"
  AS_IF([test -z "$MPI_LIBS" && test -n "$PKG_CONFIG"], [
    for rap_pc in $rap_mpi_modules; do
      AC_MSG_CHECKING([for MPI in pkg-config module $rap_pc])
      AS_IF([$PKG_CONFIG --exists "$rap_pc"], [
        AC_MSG_RESULT([yes])
        AS_IF([test -z "$MPI_CFLAGS"], [MPI_CFLAGS=`$PKG_CONFIG --cflags "$rap_pc"`])
        MPI_LIBS=`$PKG_CONFIG --libs "$rap_pc"`
        RAP_MPI_PC=$rap_pc
        rap_mpi_from="pkg-config $rap_pc"
        break], [AC_MSG_RESULT([no])])
    done])
  AS_IF([test -z "$MPI_LIBS"], [
    AC_PATH_PROGS([MPICC], [$rap_mpicc_names])
    AS_IF([test -n "$MPICC"], [
      rap_mpi_from="wrapper $MPICC"
      AC_MSG_CHECKING([for MPI flags from $MPICC])
      AS_IF([$MPICC --showme:link >/dev/null 2>&1], [
        # Open MPI's wrapper names its flags.
        MPI_CFLAGS=`$MPICC --showme:compile`
        MPI_LIBS=`$MPICC --showme:link`],
      [rap_show=`$MPICC -show 2>/dev/null`], [
        # MPICH's prints its command line: the compiler, then the flags.
        MPI_CFLAGS=
        MPI_LIBS=
        for rap_w in `echo "$rap_show" | sed 's/^[[^ ]]* //'`; do
          AS_CASE([$rap_w],
            [-I*|-D*|-pthread], [MPI_CFLAGS="$MPI_CFLAGS $rap_w"],
            [MPI_LIBS="$MPI_LIBS $rap_w"])
        done])
      AC_MSG_RESULT([$MPI_CFLAGS $MPI_LIBS])])])
  rap_save_CFLAGS=$CFLAGS
  rap_save_LIBS=$LIBS
  CFLAGS="$CFLAGS $MPI_CFLAGS"
  LIBS="$MPI_LIBS $LIBS"
  AC_MSG_CHECKING([whether MPI programs link])
  AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <mpi.h>]],
                   [[int p; MPI_Init_thread(0, 0, MPI_THREAD_MULTIPLE, &p);]])],
    [AC_MSG_RESULT([yes])],
    [AC_MSG_RESULT([no])
     AC_MSG_ERROR([MPI not found. On Debian: apt-get install libopenmpi-dev openmpi-bin (or mpich libmpich-dev and --with-mpi=mpich); or set MPI_CFLAGS and MPI_LIBS])])
  AC_MSG_CHECKING([which MPI library mpi.h belongs to])
  rap_mpi_kind=other
  RAP_MPI_NAME="unknown MPI"
  AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[#include <mpi.h>
#ifndef OPEN_MPI
#error not Open MPI
#endif]])], [rap_mpi_kind=openmpi], [
    AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[#include <mpi.h>
#ifndef MPICH_NUMVERSION
#error not MPICH
#endif]])], [rap_mpi_kind=mpich])])
  AS_CASE([$rap_mpi_kind],
    [openmpi], [
      AC_COMPUTE_INT([rap_v1], [OMPI_MAJOR_VERSION], [[#include <mpi.h>]])
      AC_COMPUTE_INT([rap_v2], [OMPI_MINOR_VERSION], [[#include <mpi.h>]])
      AC_COMPUTE_INT([rap_v3], [OMPI_RELEASE_VERSION], [[#include <mpi.h>]])
      RAP_MPI_NAME="Open MPI $rap_v1.$rap_v2.$rap_v3"],
    [mpich], [
      # MPICH_NUMVERSION is MAJ MIN(2) REV(2) TYPE(1) PATCH(2) in decimal.
      AC_COMPUTE_INT([rap_v1], [MPICH_NUMVERSION / 10000000], [[#include <mpi.h>]])
      AC_COMPUTE_INT([rap_v2], [MPICH_NUMVERSION / 100000 % 100], [[#include <mpi.h>]])
      AC_COMPUTE_INT([rap_v3], [MPICH_NUMVERSION / 1000 % 100], [[#include <mpi.h>]])
      RAP_MPI_NAME="MPICH $rap_v1.$rap_v2.$rap_v3"])
  AC_MSG_RESULT([$RAP_MPI_NAME])
  CFLAGS=$rap_save_CFLAGS
  LIBS=$rap_save_LIBS
  AS_IF([test "$with_mpi" != auto && test "$rap_mpi_kind" != "$with_mpi"],
    [AC_MSG_ERROR([--with-mpi=$with_mpi, but mpi.h (from $rap_mpi_from) is $RAP_MPI_NAME])])
  # mpi-c is a Debian alternative: it can later name another MPI than the one
  # libraptors was linked with.  raptors.pc requires the library's own module
  # instead when that module gives the same flags.
  AS_IF([test "$RAP_MPI_PC" = mpi-c], [
    AS_CASE([$rap_mpi_kind], [openmpi], [rap_pc=ompi-c], [mpich], [rap_pc=mpich], [rap_pc=])
    AS_IF([test -n "$rap_pc" && $PKG_CONFIG --exists "$rap_pc" &&
           test "`$PKG_CONFIG --cflags --libs mpi-c`" = "`$PKG_CONFIG --cflags --libs $rap_pc`"],
      [RAP_MPI_PC=$rap_pc])])
  AC_SUBST([RAP_MPI_PC])
  AS_CASE([$rap_mpi_kind],
    [openmpi], [rap_mpicc_names="mpicc.openmpi mpicc"
                rap_mpiexec_names="mpiexec.openmpi mpirun.openmpi mpiexec mpirun"],
    [mpich],   [rap_mpicc_names="mpicc.mpich mpicc"
                rap_mpiexec_names="mpiexec.mpich mpiexec.hydra mpirun.mpich mpiexec mpirun"],
               [rap_mpicc_names=mpicc; rap_mpiexec_names="mpiexec mpirun"])
  AC_PATH_PROGS([MPICC], [$rap_mpicc_names])
  AC_PATH_PROGS([MPIEXEC], [$rap_mpiexec_names], [mpiexec])
  # A launcher of another MPI starts each rank as a singleton; say so early.
  AC_MSG_CHECKING([which MPI launcher $MPIEXEC is])
  rap_launcher=`$MPIEXEC --version 2>&1 | sed -n -e '/Open MPI\|OpenRTE/{s/.*/openmpi/p;q;}' -e '/HYDRA/{s/.*/mpich/p;q;}'`
  AC_MSG_RESULT([${rap_launcher:-unknown}])
  AS_IF([test -n "$rap_launcher" && test "$rap_mpi_kind" != other && test "$rap_launcher" != "$rap_mpi_kind"],
    [AC_MSG_WARN([MPIEXEC=$MPIEXEC is not $RAP_MPI_NAME's launcher: multi-rank tests will fail])])
  RAP_MPI_NAME="$RAP_MPI_NAME ($rap_mpi_from)"
])

# RAP_CHECK_CUNIT: CUnit for make check.  Without it the library builds and
# installs, and make check stops with a message saying what to install.
AC_DEFUN([RAP_CHECK_CUNIT], [
  PKG_CHECK_MODULES([CUNIT], [cunit], [rap_have_cunit=yes], [rap_have_cunit=no])
  AS_IF([test "$rap_have_cunit" = no],
    [AC_MSG_WARN([CUnit not found: make check will not run (Debian: apt-get install libcunit1-dev)])])
  AM_CONDITIONAL([HAVE_CUNIT], [test "$rap_have_cunit" = yes])
])

# RAP_CHECK_WARNINGS: -Wall -Wextra always; -Werror with --enable-werror.
AC_DEFUN([RAP_CHECK_WARNINGS], [
  AC_ARG_ENABLE([werror],
    [AS_HELP_STRING([--enable-werror], [treat compiler warnings as errors])],
    [], [enable_werror=no])
  RAP_WARN_CFLAGS="-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes"
  # MPICH's mpi.h defines MPI_STATUSES_IGNORE as (MPI_Status *)1 and declares
  # MPI_Waitall's statuses as an array, so GCC >= 11 reports every
  # MPI_Waitall(n, reqs, MPI_STATUSES_IGNORE) as an overflow of a 0-byte
  # region.  That warning is turned off only where this mpi.h makes it fire.
  AC_MSG_CHECKING([whether MPI_STATUSES_IGNORE compiles without warnings])
  rap_save_CFLAGS=$CFLAGS
  CFLAGS="$CFLAGS $MPI_CFLAGS -Werror"
  AC_COMPILE_IFELSE([AC_LANG_SOURCE([[#include <mpi.h>
int wait_all(int n, MPI_Request *reqs);
int wait_all(int n, MPI_Request *reqs) { return MPI_Waitall(n, reqs, MPI_STATUSES_IGNORE); }]])],
    [AC_MSG_RESULT([yes])],
    [AC_MSG_RESULT([no: -Wno-stringop-overflow])
     RAP_WARN_CFLAGS="$RAP_WARN_CFLAGS -Wno-stringop-overflow"])
  CFLAGS=$rap_save_CFLAGS
  AS_IF([test "$enable_werror" = yes], [RAP_WARN_CFLAGS="$RAP_WARN_CFLAGS -Werror"])
  AC_SUBST([RAP_WARN_CFLAGS])
])

# RAP_CHECK_CAF_BENCH: --with-caf-bench builds bench/caf_bench, the CAF
# (C++ Actor Framework 0.17, Debian libcaf-dev) baseline of make bench.
AC_DEFUN([RAP_CHECK_CAF_BENCH], [
  AC_ARG_WITH([caf-bench],
    [AS_HELP_STRING([--with-caf-bench], [build the CAF baseline for make bench (needs libcaf-dev)])],
    [], [with_caf_bench=no])
  CAF_LIBS=
  AS_IF([test "x$with_caf_bench" != xno], [
    AC_LANG_PUSH([C++])
    rap_save_LIBS=$LIBS
    rap_save_CXXFLAGS=$CXXFLAGS
    LIBS="-lcaf_core $LIBS"
    CXXFLAGS="$CXXFLAGS -std=c++17"
    AC_MSG_CHECKING([for CAF (caf/all.hpp, -lcaf_core)])
    AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <caf/all.hpp>]],
                     [[caf::actor_system_config cfg; caf::actor_system sys{cfg};]])],
      [AC_MSG_RESULT([yes])],
      [AC_MSG_RESULT([no])
       AC_MSG_ERROR([--with-caf-bench needs CAF 0.17 (Debian: apt-get install libcaf-dev g++)])])
    LIBS=$rap_save_LIBS
    CXXFLAGS=$rap_save_CXXFLAGS
    AC_LANG_POP([C++])
    CAF_LIBS=-lcaf_core
    with_caf_bench=yes])
  AC_SUBST([CAF_LIBS])
  AM_CONDITIONAL([CAF_BENCH], [test "x$with_caf_bench" = xyes])
])

# RAP_CHECK_ASSERTS: --enable-asserts turns RAP_ASSERT (src/util/fatal.h)
# on; the test builds use it, release builds leave it off.
AC_DEFUN([RAP_CHECK_ASSERTS], [
  AC_ARG_ENABLE([asserts],
    [AS_HELP_STRING([--enable-asserts], [check internal invariants (RAP_ASSERT); for test builds])],
    [], [enable_asserts=no])
  RAP_ASSERT_CPPFLAGS=
  AS_IF([test "$enable_asserts" = yes], [RAP_ASSERT_CPPFLAGS=-DRAP_ENABLE_ASSERTS])
  AC_SUBST([RAP_ASSERT_CPPFLAGS])
])
