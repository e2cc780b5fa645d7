# src/actor/local.mk -- the actor layer's files (see ../../docs/ARCHITECTURE.md).
core_sources += %D%/mailbox.h %D%/mailbox.c %D%/table.h %D%/table.c %D%/atype.h %D%/atype.c
