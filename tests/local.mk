# tests/local.mk -- make check.  Unit tests (CUnit) link the internal core
# library; multi-rank tests (NAME_npN: run as `mpiexec -np N`) link the
# installed one, except those that reach internals on purpose.
EXTRA_DIST += %D%/run-test.sh
LOG_COMPILER = $(SHELL) $(srcdir)/tests/run-test.sh
AM_TESTS_ENVIRONMENT = MPIEXEC='$(MPIEXEC)'; export MPIEXEC;

if HAVE_CUNIT
check_LTLIBRARIES += %D%/support/libunit.la
%C%_support_libunit_la_SOURCES = %D%/support/unit.c %D%/support/unit.h
%C%_support_libunit_la_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS) -I$(srcdir)/tests

unit_cflags = $(AM_CFLAGS) $(CUNIT_CFLAGS) -I$(srcdir)/tests
unit_ldadd = src/libraptors-core.la %D%/support/libunit.la $(CUNIT_LIBS) $(MPI_LIBS)

unit_tests = \
	%D%/unit/util/test_err \
	%D%/unit/msg/test_registry \
	%D%/unit/msg/test_wire \
	%D%/unit/actor/test_mailbox \
	%D%/unit/actor/test_table \
	%D%/unit/sched/test_sched
check_PROGRAMS += $(unit_tests)
TESTS += $(unit_tests)
%C%_unit_util_test_err_CFLAGS = $(unit_cflags)
%C%_unit_util_test_err_LDADD = $(unit_ldadd)
%C%_unit_msg_test_registry_CFLAGS = $(unit_cflags)
%C%_unit_msg_test_registry_LDADD = $(unit_ldadd)
%C%_unit_msg_test_wire_CFLAGS = $(unit_cflags)
%C%_unit_msg_test_wire_LDADD = $(unit_ldadd)
%C%_unit_actor_test_mailbox_CFLAGS = $(unit_cflags)
%C%_unit_actor_test_mailbox_LDADD = $(unit_ldadd)
%C%_unit_actor_test_table_CFLAGS = $(unit_cflags)
%C%_unit_actor_test_table_LDADD = $(unit_ldadd)
%C%_unit_sched_test_sched_CFLAGS = $(unit_cflags)
%C%_unit_sched_test_sched_LDADD = $(unit_ldadd)
else
check-local:
	@echo "make check needs CUnit: apt-get install libcunit1-dev, then re-run configure" >&2; exit 1
endif
