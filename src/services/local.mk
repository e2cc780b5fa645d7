# src/services/local.mk -- the services layer's files (see ../../docs/ARCHITECTURE.md).
core_sources += %D%/services.h %D%/services.c %D%/logger.c %D%/profile.h %D%/sample.c %D%/profiler.c %D%/trace.c %D%/timer.h %D%/timer.c %D%/ask.c %D%/pubsub.c %D%/monitor.c %D%/group.c %D%/balancer.c
