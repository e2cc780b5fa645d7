# src/system/local.mk -- the system layer's files (see ../../docs/ARCHITECTURE.md).
core_sources += %D%/node.h %D%/node.c %D%/route.c %D%/outbox.h %D%/outbox.c %D%/runner.c %D%/supervise.c \
	%D%/sysactor.c %D%/spawn.c %D%/send.c %D%/progress.c %D%/term.c %D%/stats.c %D%/types.c \
	%D%/log.c %D%/service.h %D%/probe.h %D%/probe.c \
	%D%/directory.h %D%/directory.c %D%/migrate.h %D%/migrate.c
