/* sched/topo.h -- the machine as hwloc sees it: how many cores the
 * process may use, and pinning a thread to one of them.
 *
 * Owns:       the hwloc topology of a binder.
 * Invariants: counts are at least 1 whatever hwloc can or cannot tell; a
 *             binder pins thread i to core i modulo the cores of the
 *             process's binding (the whole machine when it has none).
 * Threads:    any; a binder is shared read-only by the threads it pins.
 * Uses:       hwloc.
 */
#ifndef RAP_SCHED_TOPO_H
#define RAP_SCHED_TOPO_H

/* Cores in the calling process's binding (PUs if hwloc finds no cores)
 * and hardware threads of the whole machine; each at least 1.  One
 * topology load. */
void rap__topo_counts(int *cores, int *machine_pus);

typedef struct rap_binder rap_binder;

/* A binder for the calling process's binding; NULL when hwloc fails (then
 * threads stay unpinned). */
rap_binder *rap__binder_create(void);
/* Pin the calling thread to the binding's core `index` (modulo its cores). */
void rap__binder_bind_self(rap_binder *b, int index);
void rap__binder_destroy(rap_binder *b);

#endif
