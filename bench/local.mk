# bench/local.mk -- make bench (never part of make check).
bench_programs = %D%/remote_latency %D%/remote_rate %D%/local_rate %D%/idle %D%/remote_bw %D%/remote_ring \
	%D%/busy_rank %D%/profile %D%/lb_decision %D%/migrate %D%/lb_skew %D%/lb_chatty %D%/lb_stencil %D%/lb_hotspot %D%/forkjoin %D%/mpi_latency %D%/mpi_ring %D%/savina %D%/timer %D%/pubsub %D%/finalize
EXTRA_PROGRAMS = $(bench_programs)
CLEANFILES += $(bench_programs)
EXTRA_DIST += %D%/bench.h %D%/run.sh %D%/caf_bench.cpp %D%/erl_counting.erl
# The profile's cost, accuracy and scale (reads profiles back with jansson).
%C%_profile_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
%C%_profile_LDADD = $(LDADD) $(JANSSON_LIBS)
# A plain MPI program: the baseline process for remote latency (no Raptors).
%C%_mpi_latency_LDADD = $(MPI_LIBS)
%C%_mpi_ring_LDADD = $(MPI_LIBS)
# The moving hot spot reads the balancer's steps from the profile.
%C%_lb_hotspot_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
%C%_lb_hotspot_LDADD = $(LDADD) $(JANSSON_LIBS)
# The partitioner's decision on a synthetic model (internals: the core library).
%C%_lb_decision_LDADD = src/libraptors-core.la $(MPI_LIBS) -lm
if CAF_BENCH
bench_programs += %D%/caf_bench
%C%_caf_bench_SOURCES = %D%/caf_bench.cpp
%C%_caf_bench_CXXFLAGS = -std=c++17 -O2
%C%_caf_bench_LDADD = $(CAF_LIBS)
endif

EXTRA_DIST += %D%/jacobi.sh
bench: $(bench_programs) $(example_programs)
	MPIEXEC='$(MPIEXEC)' $(SHELL) $(srcdir)/bench/run.sh
.PHONY: bench
