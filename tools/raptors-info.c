/* tools/raptors-info.c -- what Raptors is and what it would do here: its
 * version and build, the MPI library and the thread level it grants, the
 * machine, every rank's binding and workers, and every RAPTORS_* variable
 * with its default, value and meaning.
 *
 * Owns:       nothing; rank 0 prints everything, in rank order.
 * Invariants: the workers shown are rap_init's: the same counts
 *             (rap__topo_counts) and the same arithmetic (rap__config_plan).
 * Threads:    one.
 * Uses:       util/config, sched/topo.h (rap__topo_counts), hwloc, MPI.
 */
#include "config.h"

#include <hwloc.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/topo.h"
#include "util/config.h"

#ifndef RAP_BUILD_CC
#define RAP_BUILD_CC "unknown"
#endif
#ifndef RAP_BUILD_CFLAGS
#define RAP_BUILD_CFLAGS "unknown"
#endif
#ifdef __VERSION__
#define CC_VERSION __VERSION__
#else
#define CC_VERSION "version unknown"
#endif

#define RANK_LINE 256

static void usage(FILE *f)
{
    fprintf(f, "Usage: raptors-info [--help]\n"
               "       mpirun -np N raptors-info\n"
               "\n"
               "Prints Raptors' version and build, the MPI library and the thread level it\n"
               "grants when asked for MPI_THREAD_MULTIPLE, the machine's cores, and every\n"
               "RAPTORS_* variable with its default, its value here and its meaning.  Then the\n"
               "problems the variables have (a bad value, an unknown name, more workers than\n"
               "cores), each once with the ranks that have it, and for each rank its binding\n"
               "and the workers rap_init would start with this environment.\n"
               "\n"
               "Under mpirun, rank 0 prints for the whole job.\n");
}

static const char *level_name(int level)
{
    if (level == MPI_THREAD_SINGLE)
        return "MPI_THREAD_SINGLE";
    if (level == MPI_THREAD_FUNNELED)
        return "MPI_THREAD_FUNNELED";
    if (level == MPI_THREAD_SERIALIZED)
        return "MPI_THREAD_SERIALIZED";
    if (level == MPI_THREAD_MULTIPLE)
        return "MPI_THREAD_MULTIPLE";
    return "unknown";
}

/* The machine's cores, and the cpus of this process's binding as a list
 * ("0-3"); both from one topology load. */
static void machine(int *cores_out, char *cpus, size_t n)
{
    hwloc_topology_t topo;
    hwloc_bitmap_t set;
    int cores = 0;

    snprintf(cpus, n, "?");
    if (hwloc_topology_init(&topo) != 0)
        goto out;
    if (hwloc_topology_load(topo) == 0) {
        cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
        if ((set = hwloc_bitmap_alloc()) != NULL) {
            if (hwloc_get_cpubind(topo, set, HWLOC_CPUBIND_PROCESS) == 0)
                hwloc_bitmap_list_snprintf(cpus, n, set);
            hwloc_bitmap_free(set);
        }
    }
    hwloc_topology_destroy(topo);
out:
    *cores_out = cores > 0 ? cores : 1;
}

static void print_library(void)
{
    char lib[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0, major = 0, minor = 0;
    char *line, *next;

    MPI_Get_library_version(lib, &len);
    lib[len < (int)sizeof(lib) ? len : (int)sizeof(lib) - 1] = '\0';
    while (len > 0 && (lib[len - 1] == '\n' || lib[len - 1] == ' '))
        lib[--len] = '\0';
    /* Some libraries' text has several lines: each one indented. */
    for (line = lib; line != NULL; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        printf("%-14s%s\n", line == lib ? "MPI library:" : "", line);
    }
    MPI_Get_version(&major, &minor);
    printf("%-14sMPI %d.%d\n", "MPI standard:", major, minor);
}

static void print_variables(const rap_config *cfg)
{
    char value[256], accepts[128];
    int i = 0;

    printf("\nRAPTORS_* variables (rank 0's values):\n");
    for (const rap_config_var *v = rap__config_vars; v->name != NULL; v++, i++) {
        rap__config_value(cfg, v, value, sizeof(value));
        rap__config_accepts(v, accepts, sizeof(accepts));
        printf("  %s=%s  (default %s%s)\n      %s\n      values: %s\n", v->name, value, v->def,
               cfg->from_env & (UINT32_C(1) << i) ? "; from the environment" : "", v->meaning, accepts);
    }
}

static void print_problem(const char *line, void *arg)
{
    int *count = arg;

    printf("  %s\n", line);
    ++*count;
}

int main(int argc, char **argv)
{
    rap_config cfg;
    rap_worker_plan plan;
    MPI_Comm node;
    int provided = 0, rank, size, nlocal, local_rank, first = 0, nodes = 0, cores, pus, machine_cores;
    int node_workers = 0, nproblems = 0, rc;
    bool yield;
    char cpus[128], host[MPI_MAX_PROCESSOR_NAME], line[RANK_LINE], settings[512], *lines = NULL;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
        fprintf(stderr, "raptors-info: unknown argument %s\n", argv[i]);
        usage(stderr);
        return 2;
    }

    /* Read as rap_init reads it: before MPI starts. */
    rap__config_read(&cfg);
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "raptors-info: MPI_Init_thread failed\n");
        return 1;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &nlocal);
    MPI_Comm_rank(node, &local_rank);
    first = local_rank == 0;
    MPI_Allreduce(&first, &nodes, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);

    /* The plan, as rap_init makes it. */
    rap__topo_counts(&cores, &pus);
    plan = rap__config_plan(cfg.workers, cfg.bind, cores, pus, nlocal);
    rap__config_check_plan(&cfg, &plan);
    MPI_Allreduce(&plan.workers, &node_workers, 1, MPI_INT, MPI_SUM, node);
    yield = rap__config_spin_yield(cfg.spin_yield, node_workers, pus);

    machine(&machine_cores, cpus, sizeof(cpus));
    {
        int len = 0;
        MPI_Get_processor_name(host, &len);
        host[len < (int)sizeof(host) ? len : (int)sizeof(host) - 1] = '\0';
    }
    snprintf(line, sizeof(line), "rank %d on %.64s: binding cpus %.64s (%d core%s); %d worker%s, %s; spin-yield %s",
             rank, host, cpus, plan.cores, plan.cores == 1 ? "" : "s", plan.workers, plan.workers == 1 ? "" : "s",
             plan.bind ? "bound to its cores in turn" : "not bound", yield ? "on" : "off");
    if (rank == 0) {
        lines = calloc((size_t)size, RANK_LINE);
        if (lines == NULL) {
            fprintf(stderr, "raptors-info: out of memory\n");
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
    }
    MPI_Gather(line, RANK_LINE, MPI_CHAR, lines, RANK_LINE, MPI_CHAR, 0, MPI_COMM_WORLD);

    if (rank == 0) {
        printf("Raptors %s\n", PACKAGE_VERSION);
        printf("%-14sCC=%s (%s), CFLAGS=%s\n", "build:", RAP_BUILD_CC, CC_VERSION, RAP_BUILD_CFLAGS);
        printf("%-14s%u.%u.%u\n", "hwloc API:", hwloc_get_api_version() >> 16, (hwloc_get_api_version() >> 8) & 0xff,
               hwloc_get_api_version() & 0xff);
        print_library();
        printf("%-14sasked %s, granted %s\n", "MPI threads:", level_name(MPI_THREAD_MULTIPLE),
               level_name(provided));
        printf("%-14s%d rank%s on %d node%s\n", "job:", size, size == 1 ? "" : "s", nodes, nodes == 1 ? "" : "s");
        printf("%-14s%d cores, %d hardware threads; %d rank%s here (rank 0's node)\n", "machine:", machine_cores,
               pus, nlocal, nlocal == 1 ? "" : "s");
        rap__config_describe(&cfg, settings, sizeof(settings));
        printf("%-14s%s\n", "settings:", settings);
        print_variables(&cfg);
        printf("\nProblems (each once, with the ranks that have it):\n");
        fflush(stdout);
    }
    rc = rap__config_report(&cfg, MPI_COMM_WORLD, print_problem, &nproblems);
    if (rank == 0) {
        if (rc != RAP_OK)
            printf("  (cannot gather them: %s)\n", rap_strerror(rc));
        else if (nproblems == 0)
            printf("  none\n");
        printf("\nRanks (binding, and the workers rap_init would start):\n");
        for (int r = 0; r < size; r++)
            printf("  %.*s\n", RANK_LINE, lines + (size_t)r * RANK_LINE);
        free(lines);
    }
    MPI_Comm_free(&node);
    MPI_Finalize();
    return 0;
}
