# mpi-examples/local.mk -- runnable examples, each one idea; each also runs
# (small) in make check through examples.sh.
example_programs = %D%/hello %D%/primes %D%/pingpong %D%/ring %D%/mpmd_coordinator %D%/mpmd_worker \
	%D%/balance %D%/heartbeat %D%/kvstore %D%/feed %D%/jacobi %D%/jacobi_mpi %D%/pool
noinst_PROGRAMS += $(example_programs)
%C%_hello_CFLAGS = $(AM_CFLAGS) -Wno-unused-parameter
%C%_balance_CFLAGS = $(AM_CFLAGS) -Wno-unused-parameter
%C%_heartbeat_CFLAGS = $(AM_CFLAGS) -Wno-unused-parameter
%C%_kvstore_CFLAGS = $(AM_CFLAGS) -Wno-unused-parameter
%C%_feed_CFLAGS = $(AM_CFLAGS) -Wno-unused-parameter
%C%_jacobi_CFLAGS = $(AM_CFLAGS) -Wno-unused-parameter
%C%_pool_CFLAGS = $(AM_CFLAGS) -Wno-unused-parameter
%C%_jacobi_LDADD = %D%/libjacobi_sweep.la $(LDADD) -lm
# The same computation in plain MPI: no Raptors.
%C%_jacobi_mpi_LDADD = %D%/libjacobi_sweep.la $(MPI_LIBS) -lm
# Their one sweep, compiled once and starting a 64-byte line in both, so
# that the pair compares messages, not code placement (jacobi_sweep.c).
noinst_LTLIBRARIES += %D%/libjacobi_sweep.la
%C%_libjacobi_sweep_la_SOURCES = %D%/jacobi_sweep.c %D%/jacobi_sweep.h
%C%_libjacobi_sweep_la_CFLAGS = $(AM_CFLAGS) -falign-functions=64
dist_check_SCRIPTS += %D%/examples.sh
TESTS += %D%/examples.sh
