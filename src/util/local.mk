# src/util/local.mk -- the util layer's files (see ../../docs/ARCHITECTURE.md).
core_sources += %D%/common.h %D%/err.c %D%/hash.h %D%/hash.c %D%/clock.h %D%/config.h %D%/config.c %D%/config_report.c \
	%D%/bell.h %D%/idmap.h %D%/idmap.c %D%/u64map.h %D%/u64map.c %D%/typetab.h %D%/typetab.c %D%/counters.h %D%/counters.c %D%/fatal.h %D%/fatal.c %D%/version.c %D%/topk.h %D%/topk.c
