# tools/local.mk -- installed programs, and the scripts of tools/.
# The scripts are listed one by one: the folder itself would bring a
# build's objects along into the tarball.
EXTRA_DIST += %D%/install-deps.sh %D%/mpi-env.sh %D%/quickstart.sh %D%/test.sh

# raptors-info: version, build, MPI, topology, workers and RAPTORS_* variables.
bin_PROGRAMS += %D%/raptors-info
%C%_raptors_info_SOURCES = %D%/raptors-info.c
%C%_raptors_info_CPPFLAGS = $(AM_CPPFLAGS) -DRAP_BUILD_CC='"$(CC)"' -DRAP_BUILD_CFLAGS='"$(CFLAGS)"'
%C%_raptors_info_CFLAGS = $(AM_CFLAGS) $(HWLOC_CFLAGS)
%C%_raptors_info_LDADD = src/libraptors-core.la $(HWLOC_LIBS) $(MPI_LIBS)

# raptors-partition: a placement from a recorded profile (replay).
bin_PROGRAMS += %D%/raptors-partition
%C%_raptors_partition_SOURCES = %D%/raptors-partition.c
%C%_raptors_partition_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
%C%_raptors_partition_LDADD = src/libraptors-core.la $(JANSSON_LIBS) $(HWLOC_LIBS) $(MPI_LIBS)

# raptors-report: charts and a summary of a profile (Python 3, matplotlib).
dist_bin_SCRIPTS += %D%/raptors-report
