# src/local.mk -- libraptors-core (everything, for unit tests that reach
# internals) and libraptors (the installed library: the same objects).
# Each layer lists its own files in its local.mk.
core_sources =
include %D%/util/local.mk
include %D%/msg/local.mk
include %D%/sched/local.mk
include %D%/actor/local.mk
include %D%/net/local.mk
include %D%/system/local.mk
include %D%/partition/local.mk
include %D%/services/local.mk

noinst_LTLIBRARIES += %D%/libraptors-core.la
%C%_libraptors_core_la_SOURCES = $(core_sources)
%C%_libraptors_core_la_CFLAGS = $(AM_CFLAGS) $(HWLOC_CFLAGS) $(JANSSON_CFLAGS) -fvisibility=hidden
%C%_libraptors_core_la_LIBADD = $(HWLOC_LIBS) $(JANSSON_LIBS) $(METIS_LIBS) $(MPI_LIBS)

lib_LTLIBRARIES += %D%/libraptors.la
%C%_libraptors_la_SOURCES =
%C%_libraptors_la_LIBADD = %D%/libraptors-core.la
%C%_libraptors_la_LDFLAGS = -version-info 0:0:0
