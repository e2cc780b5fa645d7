# mpi-examples/local.mk -- runnable examples, each one idea.
noinst_PROGRAMS += %D%/primes
%C%_primes_LDADD = src/libraptors.la $(MPI_LIBS)
