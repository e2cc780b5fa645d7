/* system/node.c -- the node's life: rap_init, rap_run, rap_progress,
 * rap_finalize, and the queries about it.
 *
 * Owns:       g_node (node.h) and the order of start-up and shutdown.
 * Invariants: start-up runs every collective step on every rank in the
 *             same order (communicators, checks, type tables, transport,
 *             bells, workers, a barrier), so that every rank's System actor
 *             and services exist before any rank can send to them; a failed
 *             step undoes the ones before it, in reverse.  rap_run returns
 *             when a termination wave finds the job quiescent (term.c).
 *             rap_finalize drains what is in flight, destroys the user
 *             actors through their mailboxes, drains again (so the log is
 *             complete), then stops the workers and frees everything.
 * Threads:    lifecycle calls from the thread that called rap_init.
 * Uses:       system/, net/, sched/, actor/, msg/, util/.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg/pool.h"
#include "system/directory.h"
#include "system/node.h"
#include "system/probe.h"
#include "system/outbox.h"
#include "system/service.h"
#include "util/fatal.h"

rap_node g_node;
/* rap_exit_status: kept apart from g_node, so that it outlives
 * rap_finalize (`return rap_exit_status();` at the end of main). */
static _Atomic int last_exit_status;

/* ------------------------------------------------------------ services */

/* The services' arrival ops by operation (service.h), filled at setup:
 * an arrival looks its operation up here. */
static void (*arrival_ops[RAP_SYS_OP_COUNT])(rap_ctx *ctx, const rap_env *env);

int rap__services_setup(void)
{
    for (int i = 0; rap__services[i] != NULL; i++)
        for (const rap_service_op *o = rap__services[i]->arrival_ops; o != NULL && o->fn != NULL; o++)
            if (o->op < RAP_SYS_OP_COUNT)
                arrival_ops[o->op] = o->fn;
    for (int i = 0; rap__services[i] != NULL; i++) {
        const rap_service *s = rap__services[i];
        int rc;
        if (s->actor_name == NULL)
            continue;
        rc = rap__atype_add(s->actor_name, s->actor_type, 0, NULL, NULL, NULL);
        if (rc != RAP_OK && rc != RAP_EEXIST)
            return rc;
        for (const rap_service_handler *h = s->handlers; h != NULL && h->fn != NULL; h++) {
            rc = rap__atype_on(s->actor_type, h->msg_type, h->fn);
            if (rc != RAP_OK && rc != RAP_EEXIST)
                return rc;
        }
    }
    return RAP_OK;
}

static bool hosts(const rap_service *s)
{
    return s->actor_name != NULL && s->hosted != NULL && s->hosted(g_node.rank, g_node.size);
}

/* Open the services this rank hosts and create their actors; on failure
 * close those opened. */
int rap__services_open(void)
{
    int i, rc = RAP_OK;

    for (i = 0; rap__services[i] != NULL; i++) {
        const rap_service *s = rap__services[i];
        if (!hosts(s))
            continue;
        if (s->open != NULL && (rc = s->open(&g_node.cfg, g_node.rank)) != RAP_OK)
            break;
        if ((rc = rap__actor_create_runtime(s->actor_type, s->serial)) != RAP_OK) {
            if (s->close != NULL)
                s->close();
            break;
        }
    }
    if (rc == RAP_OK)
        return RAP_OK;
    while (--i >= 0)
        if (hosts(rap__services[i]) && rap__services[i]->close != NULL)
            rap__services[i]->close();
    return rc;
}

int rap__services_start(int workers)
{
    for (int i = 0; rap__services[i] != NULL; i++) {
        const rap_service *s = rap__services[i];
        int rc;
        if (s->start != NULL && (rc = s->start(&g_node.cfg, g_node.rank, g_node.size, workers)) != RAP_OK) {
            while (--i >= 0)
                if (rap__services[i]->stop != NULL)
                    rap__services[i]->stop();
            return rc;
        }
    }
    return RAP_OK;
}

void rap__services_drain(void)
{
    for (int i = 0; rap__services[i] != NULL; i++)
        if (rap__services[i]->drain != NULL)
            rap__services[i]->drain();
}

int rap__services_due(uint64_t now_ns)
{
    int n = 0;

    for (int i = 0; rap__services[i] != NULL; i++)
        if (rap__services[i]->due != NULL)
            n += rap__services[i]->due(now_ns);
    return n;
}

void rap__services_halt(void)
{
    for (int i = 0; rap__services[i] != NULL; i++)
        if (rap__services[i]->halt != NULL)
            rap__services[i]->halt();
}

void rap__services_actor_end(rap_aid aid)
{
    for (int i = 0; rap__services[i] != NULL; i++)
        if (rap__services[i]->actor_end != NULL)
            rap__services[i]->actor_end(aid);
}

void rap__services_stop(void)
{
    int n = 0;

    while (rap__services[n] != NULL)
        n++;
    while (--n >= 0)
        if (rap__services[n]->stop != NULL)
            rap__services[n]->stop();
}

void (*rap__services_op(uint32_t op))(rap_ctx *ctx, const rap_env *env)
{
    for (int i = 0; rap__services[i] != NULL; i++)
        for (const rap_service_op *o = rap__services[i]->ops; o != NULL && o->fn != NULL; o++)
            if (o->op == op)
                return o->fn;
    return NULL;
}

void (*rap__services_arrival_op(uint32_t op))(rap_ctx *ctx, const rap_env *env)
{
    return op < RAP_SYS_OP_COUNT ? arrival_ops[op] : NULL;
}

void (*rap__services_actor_op(uint32_t type))(rap_ctx *ctx, const rap_env *env)
{
    for (int i = 0; rap__services[i] != NULL; i++)
        for (const rap_service_op *o = rap__services[i]->actor_ops; o != NULL && o->fn != NULL; o++)
            if (o->op == type)
                return o->fn;
    return NULL;
}

/* The watchdog's look (sched hook), or a poll when there is no
 * watchdog: the services' clocks. */
void rap__services_tick(void *arg, uint64_t now_ns)
{
    (void)arg;
    for (int i = 0; rap__services[i] != NULL; i++)
        if (rap__services[i]->tick != NULL)
            rap__services[i]->tick(now_ns);
}

void rap__services_close(void)
{
    int n = 0;

    while (rap__services[n] != NULL)
        n++;
    while (--n >= 0)
        if (hosts(rap__services[n]) && rap__services[n]->close != NULL)
            rap__services[n]->close();
}

/* ------------------------------------------------------------ start-up */

/* MPI_TAG_UB is an attribute of MPI_COMM_WORLD (the standard's place for
 * it; Open MPI does not attach it to a communicator split from another). */
static int check_tags(void)
{
    int *ub = NULL, flag = 0;

    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &ub, &flag);
    if (!flag || ub == NULL || *ub < rap__tag_max()) {
        fprintf(stderr, "raptors: MPI_TAG_UB (%d) is below the largest Raptors tag (%d)\n",
                flag && ub ? *ub : -1, rap__tag_max());
        return RAP_EMPI;
    }
    return RAP_OK;
}

/* Every rank must speak the same wire format with the same receive-slot
 * size: the slots are pre-posted with that size, and Open MPI 4.1 writes a
 * larger message that arrives by single copy past the end of the posted
 * buffer (it does report MPI_ERR_TRUNCATE, too late).  Collective. */
static int check_wire(void)
{
    const int64_t sig = ((int64_t)RAP_WIRE_VERSION << 32) | (int64_t)RAP_WIRE_SLOT;
    int64_t in[2] = { sig, -sig }, out[2] = { 0, 0 };

    if (MPI_Allreduce(in, out, 2, MPI_INT64_T, MPI_MAX, g_node.comm) != MPI_SUCCESS)
        return RAP_EMPI;
    if (out[0] != sig || -out[1] != sig) {
        fprintf(stderr, "raptors: rank %d: ranks run different Raptors wire formats "
                        "(this rank: version %u, slot %u bytes)\n",
                g_node.rank, (unsigned)RAP_WIRE_VERSION, (unsigned)RAP_WIRE_SLOT);
        return RAP_EVERSION;
    }
    return RAP_OK;
}

/* Workers and scheduler flags, from the rank's binding (`cores`), its
 * share of the node's hardware threads and, unless RAPTORS_SPIN_YIELD says,
 * the workers of all the node's ranks.  Collective over the node's ranks.
 * - Workers when RAPTORS_WORKERS is not set: one per core of the binding,
 *   at most the share: Open MPI binds each of more than two ranks to a
 *   whole socket, and 16 ranks on a 16-core socket must not start 16
 *   workers each.
 * - Workers bind to the binding's cores in turn, from its first: a binding
 *   wider than the share is shared with other ranks, and every rank would
 *   pin its first worker to the same core; then they stay unpinned.
 * - Spinning workers yield their cores only when the node's workers
 *   outnumber its hardware threads: a message arriving during a yield
 *   waits for it. */
static int plan_workers(unsigned *flags)
{
    int cores, pus, nlocal = 1, total;
    rap_worker_plan plan;

    rap__topo_counts(&cores, &pus);
    if (g_node.bells.node_comm != MPI_COMM_NULL)
        MPI_Comm_size(g_node.bells.node_comm, &nlocal);
    plan = rap__config_plan(g_node.cfg.workers, g_node.cfg.bind, cores, pus, nlocal);
    rap__config_check_plan(&g_node.cfg, &plan); /* more workers than cores: reported */
    *flags = plan.bind ? RAP_SCHED_BIND : 0;
    /* Every rank of the node takes part, whatever its RAPTORS_SPIN_YIELD:
     * ranks of an MPMD job may have been given different settings. */
    total = plan.workers;
    if (g_node.bells.node_comm != MPI_COMM_NULL &&
        MPI_Allreduce(&plan.workers, &total, 1, MPI_INT, MPI_SUM, g_node.bells.node_comm) != MPI_SUCCESS)
        total = INT_MAX; /* unknown: yield, the safe side */
    *flags |= rap__config_spin_yield(g_node.cfg.spin_yield, total, pus) ? RAP_SCHED_SPIN_YIELD : 0;
    return plan.workers;
}

/* rap__config_report's lines, on rank 0 (before the Logger is up). */
static void config_line(const char *line, void *arg)
{
    (void)arg;
    fprintf(stderr, "raptors: %s\n", line);
}

static int dup_comms(MPI_Comm base)
{
    int *appnum = NULL, flag = 0;

    if (MPI_Comm_dup(base, &g_node.comm) != MPI_SUCCESS)
        return RAP_EMPI;
    if (MPI_Comm_dup(base, &g_node.term_comm) != MPI_SUCCESS) {
        MPI_Comm_free(&g_node.comm);
        return RAP_EMPI;
    }
    MPI_Comm_set_errhandler(g_node.comm, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(g_node.term_comm, MPI_ERRORS_RETURN);
    if (rap__world_errors_install() != RAP_OK) {
        rap__world_errors_remove();
        MPI_Comm_free(&g_node.term_comm);
        MPI_Comm_free(&g_node.comm);
        return RAP_EMPI;
    }
    MPI_Comm_rank(g_node.comm, &g_node.rank);
    MPI_Comm_size(g_node.comm, &g_node.size);
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_APPNUM, &appnum, &flag);
    g_node.appnum = (flag && appnum != NULL) ? *appnum : 0;
    return RAP_OK;
}

static int check_job(void)
{
    int rc = check_tags();

    if (rc == RAP_OK)
        rc = check_wire();
    if (rc == RAP_OK && g_node.size > (1 << RAP_AID_RANK_BITS)) {
        fprintf(stderr, "raptors: %d ranks exceed the %d an actor id can name\n", g_node.size,
                1 << RAP_AID_RANK_BITS);
        rc = RAP_ERANGE;
    }
    return rc;
}

static void freeze_types(void)
{
    rap__msgtype_freeze();
    rap__atype_freeze();
}

static void thaw_types(void)
{
    rap__msgtype_thaw();
    rap__atype_thaw();
}

/* The transport, the bells and the workers. */
/* The sync threads poll nothing: MPI is the workers'. */
static int no_poll(void *arg)
{
    (void)arg;
    return 0;
}

/* A sleeping sync thread looks again this often (microseconds); work
 * brought to it rings it at once. */
#define SYNC_SLEEP_US 100000u

static int start_engine(void)
{
    rap_net_callbacks cb;
    rap_sched_hooks hooks;
    unsigned sched_flags = 0;
    /* Rank 0's flow-control window and profiling apply to the job: both
     * ends of a pair must agree on whether credits flow, and every rank
     * takes part in the profile's last sample. */
    uint64_t job[3] = { g_node.cfg.flow_window,
                        g_node.cfg.profile == NULL || strcmp(g_node.cfg.profile, "off") != 0,
                        g_node.cfg.trace != NULL ? g_node.cfg.trace_events : 0 };
    uint64_t window;
    int rc, nworkers, nsync;

    if (MPI_Bcast(job, 3, MPI_UINT64_T, 0, g_node.comm) != MPI_SUCCESS)
        return RAP_EMPI;
    window = job[0];
    rap__route_callbacks(&cb);
    rc = rap__net_create(g_node.comm, &cb, window, &g_node.net);
    if (rc != RAP_OK)
        return rc;
    rap__bells_create(g_node.comm, &g_node.bells);
    rap__net_set_bells(g_node.net, g_node.bells.of);
    nworkers = plan_workers(&sched_flags);
    nsync = rap__atype_any_blocking() ? (int)g_node.cfg.sync_threads : 0;
    /* Every rank's RAPTORS_* problems, once for the job (a report that
     * fails loses only warnings). */
    (void)rap__config_report(&g_node.cfg, g_node.comm, config_line, NULL);
    /* Per-thread tables: the workers', then the sync threads'. */
    rc = rap__ctr_create(nworkers + nsync);
    if (rc != RAP_OK)
        goto free_net;
    rc = rap__outbox_create(nworkers + nsync);
    if (rc != RAP_OK)
        goto free_ctr;
    rc = rap__pool_create_all(nworkers + nsync);
    if (rc != RAP_OK)
        goto free_outbox;
    rc = rap__probe_create(nworkers + nsync, g_node.size, job[1] != 0, (uint32_t)job[2]);
    if (rc != RAP_OK)
        goto free_pools_only;
    rap__probe_set_rank(g_node.rank);
    rc = rap__services_start(nworkers + nsync);
    if (rc != RAP_OK)
        goto free_probe;
    atomic_store(&g_node.mpi_open, g_node.level == MPI_THREAD_MULTIPLE);
    atomic_store_explicit(&g_node.state, RAP_NODE_UP, memory_order_release);
    rap__runner_hooks(&hooks);
    hooks.bell = g_node.bells.mine;
    hooks.tick = rap__services_tick;
    rap_sched_params sp = {
        .workers = nworkers,
        .flags = sched_flags,
        .spin_us = g_node.cfg.spin_us,
        .poll_max_us = g_node.cfg.poll_max_us,
        .watchdog_us = g_node.cfg.watchdog_us,
    };
    rc = rap__sched_create(&sp, &hooks, &g_node.sched);
    if (rc != RAP_OK)
        goto free_pools;
    if (nsync > 0) {
        /* The sync threads: no MPI, no parking, no watchdog (their actors
         * may block as long as they like); woken by whoever brings work. */
        rap_sched_hooks sh = hooks;
        rap_sched_params ss = {
            .workers = nsync,
            .flags = sched_flags & RAP_SCHED_SPIN_YIELD,
            .spin_us = 0,
            .poll_max_us = SYNC_SLEEP_US,
            .watchdog_us = 0,
            .first_index = nworkers,
        };
        sh.poll = no_poll;
        sh.polls = NULL;
        sh.max_sleep_ns = NULL;
        sh.ready = NULL;
        sh.release = NULL;
        sh.tick = NULL;
        sh.bell = NULL;
        if ((rc = rap__sched_create(&ss, &sh, &g_node.sync_sched)) != RAP_OK) {
            rap__sched_destroy(g_node.sched);
            goto free_pools;
        }
    }
    return RAP_OK;

free_pools:
    atomic_store(&g_node.state, RAP_NODE_NONE);
    rap__services_stop();
free_probe:
    rap__probe_destroy();
free_pools_only:
    rap__pool_destroy_all();
free_outbox:
    rap__outbox_destroy();
free_ctr:
    rap__ctr_destroy();
free_net:
    rap__net_destroy(g_node.net);
    rap__bells_free(&g_node.bells);
    return rc;
}

static int start(MPI_Comm base)
{
    int rc = dup_comms(base);

    if (rc != RAP_OK)
        return rc;
    rc = check_job();
    if (rc != RAP_OK)
        goto free_comms;
    rc = rap__sysactor_setup();
    if (rc == RAP_OK)
        rc = rap__services_setup();
    if (rc != RAP_OK)
        goto free_comms;
    freeze_types();
    rc = rap__types_exchange();
    if (rc != RAP_OK)
        goto thaw;
    rc = rap__table_create(g_node.rank, &g_node.table);
    if (rc == RAP_OK && (rc = rap__directory_create()) != RAP_OK)
        rap__table_destroy(g_node.table);
    if (rc != RAP_OK)
        goto free_types;
    rc = rap__actor_create_runtime(RAP_ATYPE_SYSTEM, RAP_SERIAL_SYSTEM);
    if (rc == RAP_OK)
        rc = rap__services_open();
    if (rc != RAP_OK)
        goto free_table;
    rc = start_engine();
    if (rc != RAP_OK)
        goto close_services;
    /* Every rank's System actor and services exist before any rank can
     * send to them. */
    if (MPI_Barrier(g_node.comm) != MPI_SUCCESS) {
        rc = RAP_EMPI;
        goto stop_engine;
    }
    if (g_node.cfg.log_level >= RAP_LOG_DEBUG) {
        char settings[1024];
        rap__config_describe(&g_node.cfg, settings, sizeof(settings));
        rap__log(RAP_LOG_DEBUG, RAP_AID_NONE, "settings: %s; %d workers, MPI thread level %s", settings,
                 rap__sched_workers(g_node.sched),
                 g_node.level == MPI_THREAD_MULTIPLE ? "multiple" : "serialized");
    }
    return RAP_OK;

stop_engine:
    if (g_node.sync_sched != NULL)
        rap__sched_destroy(g_node.sync_sched);
    g_node.sync_sched = NULL;
    rap__sched_destroy(g_node.sched);
    atomic_store(&g_node.state, RAP_NODE_NONE);
    rap__services_stop();
    rap__probe_destroy();
    rap__pool_destroy_all();
    rap__outbox_destroy();
    rap__ctr_destroy();
    rap__net_destroy(g_node.net);
    rap__bells_free(&g_node.bells);
close_services:
    rap__services_close();
free_table:
    rap__actors_free_all();
    rap__table_destroy(g_node.table);
    rap__sup_free();
    rap__directory_destroy();
free_types:
    rap__types_free();
thaw:
    thaw_types();
free_comms:
    rap__world_errors_remove();
    MPI_Comm_free(&g_node.term_comm);
    MPI_Comm_free(&g_node.comm);
    return rc;
}

static void reset_node(void)
{
    memset(&g_node, 0, sizeof(g_node));
    g_node.rank = g_node.size = g_node.appnum = g_node.level = -1;
    atomic_init(&g_node.stop_status, -1);
    atomic_init(&g_node.due_ns, UINT64_MAX);
    g_node.bells = (rap_bells){ .node_comm = MPI_COMM_NULL, .win = MPI_WIN_NULL };
    g_node.app_errors = MPI_COMM_NULL;
    g_node.world_errh = MPI_ERRHANDLER_NULL;
    pthread_mutex_init(&g_node.done_lock, NULL);
    pthread_cond_init(&g_node.done_cond, NULL);
}

static void watch_mpi_finalize(void);

static int init_common(MPI_Comm comm, int *argc, char ***argv)
{
    int inited = 0, finalized = 0, provided = 0, rc;

    if (rap__node_up())
        return RAP_ESTATE;
    reset_node();
    rap__config_read(&g_node.cfg);
    MPI_Initialized(&inited);
    MPI_Finalized(&finalized);
    if (finalized)
        return RAP_ESTATE;
    if (!inited) {
        if (MPI_Init_thread(argc, argv, g_node.cfg.thread_level, &provided) != MPI_SUCCESS)
            return RAP_EMPI;
        g_node.mpi_owned = true;
    } else {
        MPI_Query_thread(&provided);
    }
    if (provided < MPI_THREAD_SERIALIZED) {
        fprintf(stderr, "raptors: MPI provides thread level %d; Raptors needs MPI_THREAD_SERIALIZED\n",
                provided);
        rc = RAP_ETHREAD;
        goto fail;
    }
    g_node.level = provided >= MPI_THREAD_MULTIPLE ? MPI_THREAD_MULTIPLE : MPI_THREAD_SERIALIZED;
    rc = start(comm);
    if (rc == RAP_OK) {
        watch_mpi_finalize();
        return RAP_OK;
    }
fail:
    if (g_node.mpi_owned)
        PMPI_Finalize();
    reset_node();
    return rc;
}

int rap_init(int *argc, char ***argv)
{
    if ((argc == NULL) != (argv == NULL))
        return RAP_EINVAL;
    return init_common(MPI_COMM_WORLD, argc, argv);
}

int rap_init_comm(MPI_Comm comm)
{
    int inited = 0;

    MPI_Initialized(&inited);
    if (!inited || comm == MPI_COMM_NULL)
        return RAP_EINVAL;
    return init_common(comm, NULL, NULL);
}

/* ---------------------------------------------------------------- running */

/* The quiescence loop shared by rap_run and rap_finalize. */
static void run_until_quiescent(void)
{
    g_node.prev_valid = false;
    atomic_store(&g_node.done, false);
    atomic_store(&g_node.running, true);
    atomic_store(&g_node.mpi_open, true);
    rap__bell_ring(rap__sched_bell(g_node.sched)); /* waves may start now */
    /* The workers poll and run the waves; this thread only waits. */
    pthread_mutex_lock(&g_node.done_lock);
    while (!atomic_load(&g_node.done))
        pthread_cond_wait(&g_node.done_cond, &g_node.done_lock);
    pthread_mutex_unlock(&g_node.done_lock);
    atomic_store(&g_node.running, false);
    /* Quiescent on every rank: no STOP can still be in flight, and every
     * rank has seen every stop (the same largest status). */
    atomic_store(&g_node.stopping, false);
    if (g_node.level != MPI_THREAD_MULTIPLE)
        rap__close_mpi(); /* MPI is the application's again */
}

/* The lifecycle calls run on the application's thread, never in a
 * handler (they wait for the workers, one of which would be the caller). */
static bool lifecycle_ok(void) { return rap__node_up() && rap__sched_self() < 0; }

int rap_run(void)
{
    int status;

    if (!lifecycle_ok())
        return RAP_ESTATE;
    run_until_quiescent();
    status = atomic_exchange(&g_node.stop_status, -1);
    atomic_store(&last_exit_status, status < 0 ? 0 : status);
    return status < 0 ? RAP_OK : RAP_ESTOPPED;
}

int rap_exit_status(void) { return atomic_load(&last_exit_status); }

int rap_progress(void)
{
    if (!lifecycle_ok())
        return RAP_ESTATE;
    if (g_node.level != MPI_THREAD_MULTIPLE) {
        atomic_store(&g_node.mpi_open, true);
        rap__node_poll(NULL);
        rap__close_mpi();
    } else {
        rap__node_poll(NULL);
    }
    return RAP_OK;
}

/* Everything rap_finalize does but finalising MPI. */
static void finalize_node(void)
{
    rap__services_drain();
    run_until_quiescent();
    rap__group_drop_held(); /* for groups never made: dead letters */
    atomic_store(&rap__sup_quiet, true); /* the actors end with the job, not one by one */
    rap__actors_destroy_user();
    run_until_quiescent();
    if (g_node.cfg.stats)
        rap__stats_print();

    rap__close_mpi();
    if (g_node.sync_sched != NULL) /* before the workers: its actors' sends may still need them */
        rap__sched_destroy(g_node.sync_sched);
    g_node.sync_sched = NULL;
    rap__sched_destroy(g_node.sched);
    atomic_store_explicit(&g_node.state, RAP_NODE_NONE, memory_order_release);
    rap__services_stop(); /* collective: the profile's last samples */
    rap__probe_destroy();
    rap__mpi_errors_mine(true);
    rap__net_destroy(g_node.net);
    rap__mpi_errors_mine(false);
    rap__bells_free(&g_node.bells); /* collective: every rank is past its last ring */
    rap__services_close();
    rap__actors_free_all();
    rap__table_destroy(g_node.table);
    rap__sup_free();
    rap__directory_destroy();
    rap__types_free();
    rap__outbox_destroy();
    rap__ctr_destroy();
    rap__world_errors_remove();
    MPI_Comm_free(&g_node.term_comm);
    MPI_Comm_free(&g_node.comm);
    thaw_types();
    rap__env_cache_drain();
    rap__pool_destroy_all(); /* every envelope is back: actors, net and log are gone */
}

/* A program that calls MPI_Finalize without rap_finalize.  Two hooks
 * catch it, and the first finalises Raptors (finalizing set: the other
 * finds nothing to do):
 *   - MPI_Finalize below, through MPI's profiling interface: it runs
 *     before MPI starts to finalise, while Raptors' threads may still be
 *     inside MPI.  MPICH 4.0 destroys its locks as MPI_Finalize begins,
 *     under any thread that is inside MPI then (an assertion aborts the
 *     job), so only a hook that runs first is safe there;
 *   - the deletion of an attribute on MPI_COMM_SELF, which MPI_Finalize
 *     performs first, while MPI still works (MPI standard, section 8.7.1):
 *     enough for Open MPI, and the fallback where another library's
 *     MPI_Finalize (a PMPI profiler loaded first) wins over ours. */
static int self_keyval = MPI_KEYVAL_INVALID;
static bool finalizing;

static void finalize_before_mpi(bool in_attr_delete)
{
    if (finalizing || !rap__node_up())
        return;
    if (rap__sched_self() >= 0)
        rap__fatal("MPI_Finalize called inside an actor's handler");
    fprintf(stderr,
            "raptors: rank %d: MPI_Finalize was called before rap_finalize; Raptors finalises "
            "itself first (call rap_finalize before MPI_Finalize)\n",
            g_node.rank);
    finalizing = true;
    if (!in_attr_delete && self_keyval != MPI_KEYVAL_INVALID)
        MPI_Comm_delete_attr(MPI_COMM_SELF, self_keyval);
    finalize_node();
    reset_node();
    finalizing = false;
}

static int on_self_delete(MPI_Comm comm, int keyval, void *value, void *extra)
{
    (void)comm, (void)keyval, (void)value, (void)extra;
    finalize_before_mpi(true);
    return MPI_SUCCESS;
}

/* The application's MPI_Finalize resolves here (libraptors comes before
 * libmpi on its link line); the only MPI name Raptors defines. */
RAP_API int MPI_Finalize(void)
{
    finalize_before_mpi(false);
    return PMPI_Finalize();
}

/* Watch for MPI_Finalize (collective-free, local). */
static void watch_mpi_finalize(void)
{
    if (self_keyval == MPI_KEYVAL_INVALID &&
        MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, on_self_delete, &self_keyval, NULL) !=
            MPI_SUCCESS)
        return;
    MPI_Comm_set_attr(MPI_COMM_SELF, self_keyval, NULL);
}

int rap_finalize(void)
{
    bool owned = g_node.mpi_owned;

    if (!lifecycle_ok())
        return RAP_ESTATE;
    finalizing = true;
    if (self_keyval != MPI_KEYVAL_INVALID)
        MPI_Comm_delete_attr(MPI_COMM_SELF, self_keyval);
    finalize_node();
    reset_node();
    finalizing = false;
    if (owned)
        PMPI_Finalize();
    return RAP_OK;
}

/* ---------------------------------------------------------------- queries */

int rap_rank(void) { return rap__node_up() ? g_node.rank : -1; }
int rap_size(void) { return rap__node_up() ? g_node.size : -1; }
int rap_appnum(void) { return rap__node_up() ? g_node.appnum : -1; }
int rap_thread_level(void) { return rap__node_up() ? g_node.level : -1; }
int rap_workers(void) { return rap__node_up() ? rap__sched_workers(g_node.sched) : 0; }
rap_aid rap_self(const rap_ctx *ctx) { return rap__ctx_aid(ctx); }
