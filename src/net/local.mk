# src/net/local.mk -- the net layer's files (see ../../docs/ARCHITECTURE.md).
core_sources += %D%/net.h %D%/net_int.h %D%/net.c %D%/batch.c %D%/flow.h %D%/flow.c %D%/recv.c \
	%D%/bells.h %D%/bells.c
