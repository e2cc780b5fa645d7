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
%C%_jacobi_LDADD = $(LDADD) -lm
# The same computation in plain MPI: no Raptors.
%C%_jacobi_mpi_LDADD = $(MPI_LIBS) -lm
dist_check_SCRIPTS += %D%/examples.sh
TESTS += %D%/examples.sh
