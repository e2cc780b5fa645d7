# src/partition/local.mk -- the partition layer's files (see ../../docs/ARCHITECTURE.md).
core_sources += %D%/model.h
