# tests/local.mk -- make check.  Unit tests (CUnit) link the internal core
# library; multi-rank tests (NAME_npN: run as `mpiexec -np N`) link the
# installed one (the default LDADD), except those that reach internals on
# purpose.
EXTRA_DIST += %D%/run-test.sh %D%/layers.sh %D%/mpi/mpmd.h %D%/support/mpitest.h
LOG_COMPILER = $(SHELL) $(srcdir)/tests/run-test.sh
AM_TESTS_ENVIRONMENT = MPIEXEC='$(MPIEXEC)'; export MPIEXEC; top_srcdir='$(top_srcdir)'; export top_srcdir; \
	CC='$(CC)'; MPI_CFLAGS='$(MPI_CFLAGS)'; export CC MPI_CFLAGS;

# The include rules between layers (docs/ARCHITECTURE.md).
dist_check_SCRIPTS += %D%/layers.sh
TESTS += %D%/layers.sh

# Typed messages (RAP_MESSAGE): a matching program compiles, a handler or
# a send of another payload type does not.
dist_check_SCRIPTS += %D%/typed.sh
TESTS += %D%/typed.sh

# The shared library exports only the rap_* API.
dist_check_SCRIPTS += %D%/exports.sh
TESTS += %D%/exports.sh

# make installcheck: the installed docs, raptors.pc and library (a program
# built against them with cc and with mpicc runs on 2 ranks).
EXTRA_DIST += %D%/installcheck.sh
installcheck-local:
	DESTDIR='$(DESTDIR)' libdir='$(libdir)' docdir='$(docdir)' PKG_CONFIG='$(PKG_CONFIG)' \
	CC='$(CC)' MPICC='$(MPICC)' MPIEXEC='$(MPIEXEC)' RAP_MPI_PC='$(RAP_MPI_PC)' \
	MPI_CFLAGS='$(MPI_CFLAGS)' MPI_LIBS='$(MPI_LIBS)' \
	$(SHELL) $(srcdir)/%D%/installcheck.sh $(srcdir)

if HAVE_CUNIT
check_LTLIBRARIES += %D%/support/libunit.la
%C%_support_libunit_la_SOURCES = %D%/support/unit.c %D%/support/unit.h

unit_ldadd = src/libraptors-core.la %D%/support/libunit.la $(CUNIT_LIBS) $(MPI_LIBS)
unit_tests = \
	%D%/unit/util/test_err \
	%D%/unit/util/test_config \
	%D%/unit/util/test_topk \
	%D%/unit/util/test_u64map \
	%D%/unit/msg/test_wire \
	%D%/unit/msg/test_group \
	%D%/unit/msg/test_pool \
	%D%/unit/actor/test_types \
	%D%/unit/actor/test_mailbox \
	%D%/unit/actor/test_table \
	%D%/unit/sched/test_sched \
	%D%/unit/net/test_flow \
	%D%/unit/partition/test_lb
check_PROGRAMS += $(unit_tests)
TESTS += $(unit_tests)
%C%_unit_util_test_err_LDADD = $(unit_ldadd)
%C%_unit_util_test_config_LDADD = $(unit_ldadd)
%C%_unit_util_test_topk_LDADD = $(unit_ldadd)
%C%_unit_util_test_u64map_LDADD = $(unit_ldadd)
%C%_unit_msg_test_wire_LDADD = $(unit_ldadd)
%C%_unit_msg_test_group_LDADD = $(unit_ldadd)
%C%_unit_msg_test_pool_LDADD = $(unit_ldadd)
%C%_unit_actor_test_types_LDADD = $(unit_ldadd)
%C%_unit_actor_test_mailbox_LDADD = $(unit_ldadd)
%C%_unit_actor_test_table_LDADD = $(unit_ldadd)
%C%_unit_sched_test_sched_LDADD = $(unit_ldadd)
%C%_unit_net_test_flow_LDADD = $(unit_ldadd)
%C%_unit_partition_test_lb_LDADD = $(unit_ldadd)

# Multi-rank scenarios: NAME_npN runs as `mpiexec -np N` (tests/run-test.sh).
mpi_tests = \
	%D%/mpi/spawn_np2 %D%/mpi/spawn_np4 \
	%D%/mpi/order_np2 %D%/mpi/order_np4 \
	%D%/mpi/bigmsg_np2 %D%/mpi/bigmsg_np4 \
	%D%/mpi/ring_np2 %D%/mpi/ring_np4 \
	%D%/mpi/termination_np2 %D%/mpi/termination_np4 \
	%D%/mpi/stop_np2 %D%/mpi/stop_np4 \
	%D%/mpi/deadletter_np2 %D%/mpi/deadletter_np4 \
	%D%/mpi/logging_np2 %D%/mpi/logging_np4 \
	%D%/mpi/dropin_np2 %D%/mpi/dropin_np4 \
	%D%/mpi/api_np2 \
	%D%/mpi/serialized_np2 \
	%D%/mpi/malformed_np2 \
	%D%/mpi/flow_np2 \
	%D%/mpi/fanout_np1 \
	%D%/mpi/sizes_np2 \
	%D%/mpi/destroy_order_np2 %D%/mpi/destroy_order_np4 \
	%D%/mpi/dropin_split_np4 \
	%D%/mpi/finalize_np2 \
	%D%/mpi/strand_np2 \
	%D%/mpi/starve_np1 \
	%D%/mpi/parallel_np1 \
	%D%/mpi/guard_np2 \
	%D%/mpi/orphan_np2 \
	%D%/mpi/names_np2 \
	%D%/mpi/profile_np3 \
	%D%/mpi/trace_np2 %D%/mpi/trace_tiny_np2 \
	%D%/mpi/migrate_np3 \
	%D%/mpi/rebalance_np2 %D%/mpi/autolb_np2 %D%/mpi/place_np3 \
	%D%/mpi/timer_np2 %D%/mpi/ask_np2 %D%/mpi/pubsub_np3 %D%/mpi/flush_np2 \
	%D%/mpi/monitor_np2 %D%/mpi/sync_np2 %D%/mpi/defer_np2 %D%/mpi/group_np3 %D%/mpi/supervise_np3
check_PROGRAMS += $(mpi_tests)
TESTS += $(mpi_tests)
%C%_mpi_spawn_np2_SOURCES = %D%/mpi/spawn.c
%C%_mpi_spawn_np4_SOURCES = %D%/mpi/spawn.c
%C%_mpi_order_np2_SOURCES = %D%/mpi/order.c
%C%_mpi_order_np4_SOURCES = %D%/mpi/order.c
%C%_mpi_bigmsg_np2_SOURCES = %D%/mpi/bigmsg.c
%C%_mpi_bigmsg_np4_SOURCES = %D%/mpi/bigmsg.c
%C%_mpi_ring_np2_SOURCES = %D%/mpi/ring.c
%C%_mpi_ring_np4_SOURCES = %D%/mpi/ring.c
%C%_mpi_termination_np2_SOURCES = %D%/mpi/termination.c
%C%_mpi_termination_np4_SOURCES = %D%/mpi/termination.c
%C%_mpi_stop_np2_SOURCES = %D%/mpi/stop.c
%C%_mpi_stop_np4_SOURCES = %D%/mpi/stop.c
%C%_mpi_deadletter_np2_SOURCES = %D%/mpi/deadletter.c
%C%_mpi_deadletter_np4_SOURCES = %D%/mpi/deadletter.c
%C%_mpi_logging_np2_SOURCES = %D%/mpi/logging.c
%C%_mpi_logging_np4_SOURCES = %D%/mpi/logging.c
%C%_mpi_dropin_np2_SOURCES = %D%/mpi/dropin.c
%C%_mpi_dropin_np4_SOURCES = %D%/mpi/dropin.c
%C%_mpi_api_np2_SOURCES = %D%/mpi/api.c
%C%_mpi_serialized_np2_SOURCES = %D%/mpi/serialized.c
%C%_mpi_malformed_np2_SOURCES = %D%/mpi/malformed.c
%C%_mpi_malformed_np2_LDADD = src/libraptors-core.la $(MPI_LIBS)
%C%_mpi_flow_np2_SOURCES = %D%/mpi/flow.c
%C%_mpi_fanout_np1_SOURCES = %D%/mpi/fanout.c
%C%_mpi_sizes_np2_SOURCES = %D%/mpi/sizes.c
%C%_mpi_destroy_order_np2_SOURCES = %D%/mpi/destroy_order.c
%C%_mpi_destroy_order_np4_SOURCES = %D%/mpi/destroy_order.c
%C%_mpi_dropin_split_np4_SOURCES = %D%/mpi/dropin_split.c
%C%_mpi_finalize_np2_SOURCES = %D%/mpi/finalize.c
%C%_mpi_strand_np2_SOURCES = %D%/mpi/strand.c
%C%_mpi_starve_np1_SOURCES = %D%/mpi/starve.c
%C%_mpi_parallel_np1_SOURCES = %D%/mpi/parallel.c
%C%_mpi_guard_np2_SOURCES = %D%/mpi/guard.c
%C%_mpi_orphan_np2_SOURCES = %D%/mpi/orphan.c
%C%_mpi_names_np2_SOURCES = %D%/mpi/names.c
%C%_mpi_migrate_np3_SOURCES = %D%/mpi/migrate.c
%C%_mpi_rebalance_np2_SOURCES = %D%/mpi/rebalance.c
%C%_mpi_autolb_np2_SOURCES = %D%/mpi/autolb.c
%C%_mpi_place_np3_SOURCES = %D%/mpi/place.c
%C%_mpi_timer_np2_SOURCES = %D%/mpi/timer.c
%C%_mpi_ask_np2_SOURCES = %D%/mpi/ask.c
%C%_mpi_pubsub_np3_SOURCES = %D%/mpi/pubsub.c
%C%_mpi_flush_np2_SOURCES = %D%/mpi/flush.c
%C%_mpi_monitor_np2_SOURCES = %D%/mpi/monitor.c
%C%_mpi_sync_np2_SOURCES = %D%/mpi/sync.c
%C%_mpi_defer_np2_SOURCES = %D%/mpi/defer.c
%C%_mpi_group_np3_SOURCES = %D%/mpi/group.c
%C%_mpi_supervise_np3_SOURCES = %D%/mpi/supervise.c
%C%_mpi_orphan_np2_LDADD = src/libraptors-core.la $(MPI_LIBS)
# The profile test reads the profile back (jansson) and injects bad samples.
prof_test_cflags = $(AM_CFLAGS) $(JANSSON_CFLAGS)
prof_test_ldadd = src/libraptors-core.la $(JANSSON_LIBS) $(MPI_LIBS)
%C%_mpi_profile_np3_SOURCES = %D%/mpi/profile.c
%C%_mpi_profile_np3_CFLAGS = $(prof_test_cflags)
%C%_mpi_profile_np3_LDADD = $(prof_test_ldadd)
%C%_mpi_trace_np2_SOURCES = %D%/mpi/trace.c
%C%_mpi_trace_np2_CFLAGS = $(prof_test_cflags)
%C%_mpi_trace_np2_LDADD = $(prof_test_ldadd)
%C%_mpi_trace_tiny_np2_SOURCES = %D%/mpi/trace.c
%C%_mpi_trace_tiny_np2_CFLAGS = $(prof_test_cflags) -DTRACE_TINY=1
%C%_mpi_trace_tiny_np2_LDADD = $(prof_test_ldadd)

# MPMD: two executables in one job, run by a script.
check_PROGRAMS += %D%/mpi/mpmd_coord %D%/mpi/mpmd_worker
dist_check_SCRIPTS += %D%/mpi/mpmd.sh
TESTS += %D%/mpi/mpmd.sh

# The profile as an MPMD job, an unwritable path, a bad interval.
check_PROGRAMS += %D%/mpi/profile_mpmd_a %D%/mpi/profile_mpmd_b
%C%_mpi_profile_mpmd_a_SOURCES = %D%/mpi/profile.c
%C%_mpi_profile_mpmd_a_CFLAGS = $(prof_test_cflags) -DPROF_SIDE=1
%C%_mpi_profile_mpmd_a_LDADD = $(prof_test_ldadd)
%C%_mpi_profile_mpmd_b_SOURCES = %D%/mpi/profile.c
%C%_mpi_profile_mpmd_b_CFLAGS = $(prof_test_cflags) -DPROF_SIDE=2
%C%_mpi_profile_mpmd_b_LDADD = $(prof_test_ldadd)
dist_check_SCRIPTS += %D%/mpi/profile.sh %D%/tools/report_check.py
TESTS += %D%/mpi/profile.sh

# raptors-info (tools/), plain and on two ranks.
dist_check_SCRIPTS += %D%/tools/raptors-info.sh
TESTS += %D%/tools/raptors-info.sh
# raptors-partition (tools/): replay of a hand-made profile.
dist_check_SCRIPTS += %D%/tools/raptors-partition.sh
TESTS += %D%/tools/raptors-partition.sh

else
check-local:
	@echo "make check needs CUnit: apt-get install libcunit1-dev, then re-run configure" >&2; exit 1
endif
