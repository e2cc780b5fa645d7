# bench/local.mk -- make bench (never part of make check).
bench_programs = %D%/remote_latency %D%/remote_rate %D%/local_rate %D%/idle %D%/remote_bw %D%/remote_ring
EXTRA_PROGRAMS = $(bench_programs)
CLEANFILES += $(bench_programs)
EXTRA_DIST += %D%/bench.h %D%/run.sh %D%/caf_bench.cpp
if CAF_BENCH
bench_programs += %D%/caf_bench
%C%_caf_bench_SOURCES = %D%/caf_bench.cpp
%C%_caf_bench_CXXFLAGS = -std=c++17 -O2
%C%_caf_bench_LDADD = $(CAF_LIBS)
endif
%C%_remote_latency_LDADD = src/libraptors.la $(MPI_LIBS)
%C%_remote_rate_LDADD = src/libraptors.la $(MPI_LIBS)
%C%_local_rate_LDADD = src/libraptors.la $(MPI_LIBS)
%C%_idle_LDADD = src/libraptors.la $(MPI_LIBS)
%C%_remote_bw_LDADD = src/libraptors.la $(MPI_LIBS)
%C%_remote_ring_LDADD = src/libraptors.la $(MPI_LIBS)

bench: $(bench_programs)
	MPIEXEC='$(MPIEXEC)' $(SHELL) $(srcdir)/bench/run.sh
.PHONY: bench
