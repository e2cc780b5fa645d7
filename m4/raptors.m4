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

# RAP_CHECK_MPI: MPI compile and link flags, from pkg-config (mpi-c or
# ompi-c) or else from the mpicc wrapper (--showme), so that any C compiler
# can build Raptors.  Fails unless MPI_Init_thread links.
AC_DEFUN([RAP_CHECK_MPI], [
  AC_ARG_VAR([MPI_CFLAGS], [C compiler flags for MPI, overriding detection])
  AC_ARG_VAR([MPI_LIBS], [linker flags for MPI, overriding detection])
  AS_IF([test -z "$MPI_LIBS"], [
    PKG_CHECK_MODULES([MPI], [mpi-c], [], [
      PKG_CHECK_MODULES([MPI], [ompi-c], [], [
        AC_PATH_PROG([RAP_MPICC], [mpicc])
        AS_IF([test -n "$RAP_MPICC"], [
          MPI_CFLAGS=`$RAP_MPICC --showme:compile 2>/dev/null`
          MPI_LIBS=`$RAP_MPICC --showme:link 2>/dev/null`])])])])
  rap_save_CFLAGS=$CFLAGS
  rap_save_LIBS=$LIBS
  CFLAGS="$CFLAGS $MPI_CFLAGS"
  LIBS="$MPI_LIBS $LIBS"
  AC_MSG_CHECKING([whether MPI programs link])
  AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <mpi.h>]],
                   [[int p; MPI_Init_thread(0, 0, MPI_THREAD_MULTIPLE, &p);]])],
    [AC_MSG_RESULT([yes])],
    [AC_MSG_RESULT([no])
     AC_MSG_ERROR([MPI not found. On Debian: apt-get install libopenmpi-dev openmpi-bin; or set MPI_CFLAGS and MPI_LIBS])])
  CFLAGS=$rap_save_CFLAGS
  LIBS=$rap_save_LIBS
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
