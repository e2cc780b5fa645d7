# src/partition/local.mk -- the partition layer's files (see ../../docs/ARCHITECTURE.md).
# metis.c compiles to nothing unless configure found METIS (HAVE_METIS).
core_sources += %D%/model.h %D%/lb.h %D%/lb.c %D%/graph.h %D%/graph.c %D%/strategy.h \
	%D%/greedy.c %D%/refine.c %D%/metis.c
