# src/local.mk -- libraptors-core (everything, for unit tests that reach
# internals) and libraptors (the installed library: the same objects).
core_sources = \
	%D%/util/common.h %D%/util/err.c %D%/util/hash.h %D%/util/hash.c \
	%D%/util/clock.h %D%/util/config.h %D%/util/config.c %D%/util/bell.h \
	%D%/msg/wire.h %D%/msg/wire.c %D%/msg/pool.h %D%/msg/pool.c %D%/msg/registry.h %D%/msg/registry.c \
	%D%/sched/sched.h %D%/sched/sched.c \
	%D%/actor/mailbox.h %D%/actor/mailbox.c %D%/actor/table.h %D%/actor/table.c \
	%D%/net/net.h %D%/net/net.c \
	%D%/system/node.h %D%/system/node.c %D%/system/types.c \
	%D%/services/logger.c

noinst_LTLIBRARIES += %D%/libraptors-core.la
%C%_libraptors_core_la_SOURCES = $(core_sources)
%C%_libraptors_core_la_CFLAGS = $(AM_CFLAGS) $(HWLOC_CFLAGS) -fvisibility=hidden
%C%_libraptors_core_la_LIBADD = $(HWLOC_LIBS) $(MPI_LIBS)

lib_LTLIBRARIES += %D%/libraptors.la
%C%_libraptors_la_SOURCES =
%C%_libraptors_la_LIBADD = %D%/libraptors-core.la
%C%_libraptors_la_LDFLAGS = -version-info 0:0:0
