# bench/local.mk -- make bench (never part of make check).
bench_programs = %D%/remote_latency %D%/remote_rate %D%/local_rate %D%/idle %D%/remote_bw %D%/remote_ring \
	%D%/busy_rank
EXTRA_PROGRAMS = $(bench_programs)
CLEANFILES += $(bench_programs)
EXTRA_DIST += %D%/bench.h %D%/run.sh %D%/caf_bench.cpp
if CAF_BENCH
bench_programs += %D%/caf_bench
%C%_caf_bench_SOURCES = %D%/caf_bench.cpp
%C%_caf_bench_CXXFLAGS = -std=c++17 -O2
%C%_caf_bench_LDADD = $(CAF_LIBS)
endif

bench: $(bench_programs)
	MPIEXEC='$(MPIEXEC)' $(SHELL) $(srcdir)/bench/run.sh
.PHONY: bench
