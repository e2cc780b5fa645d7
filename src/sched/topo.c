/* sched/topo.c -- see topo.h. */
#include <hwloc.h>
#include <stdlib.h>

#include "sched/topo.h"

struct rap_binder {
    hwloc_topology_t topo;
    hwloc_bitmap_t cpuset;
    int ncores;
};

static int count_cores(hwloc_topology_t topo, hwloc_const_bitmap_t set)
{
    int n = hwloc_get_nbobjs_inside_cpuset_by_type(topo, set, HWLOC_OBJ_CORE);
    if (n <= 0)
        n = hwloc_get_nbobjs_inside_cpuset_by_type(topo, set, HWLOC_OBJ_PU);
    return n > 0 ? n : 1;
}

void rap__topo_counts(int *cores, int *machine_pus)
{
    hwloc_topology_t topo;
    hwloc_bitmap_t set;

    *cores = *machine_pus = 1;
    if (hwloc_topology_init(&topo) != 0)
        return;
    if (hwloc_topology_load(topo) == 0) {
        int pus = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
        if (pus > 1)
            *machine_pus = pus;
        if ((set = hwloc_bitmap_alloc()) != NULL) {
            if (hwloc_get_cpubind(topo, set, HWLOC_CPUBIND_PROCESS) == 0)
                *cores = count_cores(topo, set);
            hwloc_bitmap_free(set);
        }
    }
    hwloc_topology_destroy(topo);
}

rap_binder *rap__binder_create(void)
{
    rap_binder *b = calloc(1, sizeof(*b));

    if (b == NULL)
        return NULL;
    if (hwloc_topology_init(&b->topo) != 0) {
        free(b);
        return NULL;
    }
    if (hwloc_topology_load(b->topo) != 0 || (b->cpuset = hwloc_bitmap_alloc()) == NULL) {
        hwloc_topology_destroy(b->topo);
        free(b);
        return NULL;
    }
    if (hwloc_get_cpubind(b->topo, b->cpuset, HWLOC_CPUBIND_PROCESS) != 0)
        hwloc_bitmap_copy(b->cpuset, hwloc_topology_get_topology_cpuset(b->topo));
    b->ncores = count_cores(b->topo, b->cpuset);
    return b;
}

void rap__binder_bind_self(rap_binder *b, int index)
{
    hwloc_obj_t obj = hwloc_get_obj_inside_cpuset_by_type(b->topo, b->cpuset, HWLOC_OBJ_CORE,
                                                          (unsigned)(index % b->ncores));
    if (obj == NULL)
        obj = hwloc_get_obj_inside_cpuset_by_type(b->topo, b->cpuset, HWLOC_OBJ_PU,
                                                  (unsigned)(index % b->ncores));
    if (obj != NULL)
        hwloc_set_cpubind(b->topo, obj->cpuset, HWLOC_CPUBIND_THREAD);
}

void rap__binder_destroy(rap_binder *b)
{
    if (b == NULL)
        return;
    hwloc_bitmap_free(b->cpuset);
    hwloc_topology_destroy(b->topo);
    free(b);
}
