# src/sched/local.mk -- the sched layer's files (see ../../docs/ARCHITECTURE.md).
core_sources += %D%/sched.h %D%/sched_int.h %D%/sched.c %D%/watchdog.c %D%/topo.h %D%/topo.c
