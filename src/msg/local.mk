# src/msg/local.mk -- the msg layer's files (see ../../docs/ARCHITECTURE.md).
core_sources += %D%/aid.h %D%/group.h %D%/proto.h %D%/wire.h %D%/wire.c %D%/env.h %D%/env.c %D%/pool.h %D%/pool.c \
	%D%/msgtype.h %D%/msgtype.c
