/* system/progress.c -- MPI progress: the token that serialises Raptors'
 * MPI calls, one poll, and how long the idle poller may sleep.
 *
 * Owns:       the MPI token and the rule for the poller's sleep.
 * Invariants: a thread calls Raptors' MPI only while it holds the token
 *             (taken with one exchange, never waited for), and only while
 *             MPI is open to the workers (always under
 *             MPI_THREAD_MULTIPLE; under SERIALIZED only inside rap_run,
 *             rap_progress and rap_finalize).  The thread that closes MPI
 *             stores mpi_open and then waits for the token to be free;
 *             a taker takes the token and then checks mpi_open (both
 *             seq_cst): one of the two always sees the other.
 * Threads:    any thread polls; one at a time gets the token.
 * Uses:       system/node.h, net/, sched/.
 */
#include "msg/pool.h"
#include "system/node.h"
#include "system/service.h"
#include "util/clock.h"

/* The calling thread holds the MPI token (or finalises the transport):
 * an MPI error it meets is Raptors' to handle (see world_errors). */
static _Thread_local bool tl_in_mpi RAP_TLS_IE;

void rap__mpi_errors_mine(bool mine) { tl_in_mpi = mine; }

int rap__token_take(void)
{
    if (!atomic_load_explicit(&g_node.mpi_open, memory_order_relaxed))
        return 0;
    if (atomic_load_explicit(&g_node.token, memory_order_relaxed) != 0 ||
        atomic_exchange(&g_node.token, 1) != 0)
        return -1;
    if (!atomic_load(&g_node.mpi_open)) {
        atomic_store(&g_node.token, 0);
        return 0;
    }
    tl_in_mpi = true;
    return 1;
}

void rap__token_drop(void)
{
    tl_in_mpi = false;
    atomic_store(&g_node.token, 0);
}

/* MPICH raises an error that a completion call finds (MPI_Test,
 * MPI_Testsome, MPI_Wait) on MPI_COMM_WORLD's error handler, not on the
 * handler of the request's communicator as Open MPI does: a message larger
 * than a receive slot would abort the job inside the transport's
 * MPI_Testsome, under world's default MPI_ERRORS_ARE_FATAL, before the
 * transport could count and drop it.  So from rap_init to rap_finalize
 * world's handler is this one: an error met while the thread holds the
 * MPI token returns to Raptors (as under MPI_ERRORS_RETURN); any other
 * goes to the handler world had before, which g_node.app_errors (a
 * duplicate of MPI_COMM_SELF) carries. */
static void world_errors(MPI_Comm *comm, int *err, ...)
{
    (void)comm;
    if (!tl_in_mpi)
        MPI_Comm_call_errhandler(g_node.app_errors, *err);
}

int rap__world_errors_install(void)
{
    MPI_Errhandler prev = MPI_ERRHANDLER_NULL;
    int ok;

    ok = MPI_Comm_get_errhandler(MPI_COMM_WORLD, &prev) == MPI_SUCCESS &&
         MPI_Comm_dup(MPI_COMM_SELF, &g_node.app_errors) == MPI_SUCCESS &&
         MPI_Comm_set_errhandler(g_node.app_errors, prev) == MPI_SUCCESS &&
         MPI_Comm_create_errhandler(world_errors, &g_node.world_errh) == MPI_SUCCESS &&
         MPI_Comm_set_errhandler(MPI_COMM_WORLD, g_node.world_errh) == MPI_SUCCESS;
    if (prev != MPI_ERRHANDLER_NULL)
        MPI_Errhandler_free(&prev);
    return ok ? RAP_OK : RAP_EMPI;
}

void rap__world_errors_remove(void)
{
    MPI_Errhandler now = MPI_ERRHANDLER_NULL, prev = MPI_ERRHANDLER_NULL;

    if (g_node.app_errors == MPI_COMM_NULL)
        return;
    /* World gets its handler back, unless the application set another since. */
    MPI_Comm_get_errhandler(MPI_COMM_WORLD, &now);
    if (now == g_node.world_errh && MPI_Comm_get_errhandler(g_node.app_errors, &prev) == MPI_SUCCESS) {
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, prev);
        MPI_Errhandler_free(&prev);
    }
    if (now != MPI_ERRHANDLER_NULL)
        MPI_Errhandler_free(&now);
    if (g_node.world_errh != MPI_ERRHANDLER_NULL)
        MPI_Errhandler_free(&g_node.world_errh);
    MPI_Comm_free(&g_node.app_errors);
}

void rap__close_mpi(void)
{
    atomic_store(&g_node.mpi_open, false);
    while (atomic_load(&g_node.token) != 0)
        rap__cpu_relax();
}

uint64_t rap__node_polls(void *arg)
{
    (void)arg;
    return RAP_READ(g_node.polls);
}

int rap__node_poll(void *arg)
{
    int n;

    (void)arg;
    rap__pool_flush(); /* an idle worker holds back no frees */
    n = rap__token_take(); /* -1: another thread polls */
    if (n <= 0)
        return n;
    RAP_BUMP(g_node.polls, 1); /* the token holder is its one writer */
    if (g_node.cfg.watchdog_us == 0) /* no watchdog to tick the services */
        rap__services_tick(NULL, rap__now_ns());
    n = 0;
    uint64_t due = atomic_load_explicit(&g_node.due_ns, memory_order_relaxed);
    if (due != UINT64_MAX) { /* a timer is pending: is it due? (its sends go out below) */
        uint64_t now = rap__now_ns();
        if (now >= due)
            n = rap__services_due(now);
    }
    n += rap__net_progress(g_node.net);
    n += rap__term_progress();
    rap__token_drop();
    return n;
}

/* The idle poller's longest sleep.  When every message rings its
 * receiver's bell, only a termination wave needs polling; otherwise
 * (ranks on other nodes) the poller polls every poll_max_us. */
#define IDLE_SLEEP_NS 100000000u /* every message rings: a safety net only */
#define WAVE_SLEEP_MAX_NS 16000000u

static uint64_t max_sleep(void)
{
    uint64_t poll = (uint64_t)g_node.cfg.poll_max_us * 1000u;

    if (!g_node.bells.all)
        return poll;
    if (!atomic_load_explicit(&g_node.wave_active, memory_order_relaxed))
        return IDLE_SLEEP_NS;
    /* A wave waits for ranks that are busy, and every rank rings the node
     * when it joins: poll at an eighth of the wave's age (at least
     * poll_max_us, at most 16 ms), so that a long wait costs little CPU
     * and the end of a wave is seen within 1/8 of its length. */
    uint64_t age = rap__now_ns() - atomic_load_explicit(&g_node.wave_started, memory_order_relaxed);
    uint64_t cap = age / 8;
    return cap < poll ? poll : cap > WAVE_SLEEP_MAX_NS ? WAVE_SLEEP_MAX_NS : cap;
}

/* ... and no later than the services' earliest deadline (a timer). */
uint64_t rap__node_max_sleep(void *arg)
{
    uint64_t cap = max_sleep(), due = atomic_load_explicit(&g_node.due_ns, memory_order_relaxed), now;

    (void)arg;
    if (due == UINT64_MAX)
        return cap;
    now = rap__now_ns();
    return due <= now ? 0 : due - now < cap ? due - now : cap;
}

void rap__node_due_at(uint64_t ns)
{
    uint64_t prev = atomic_exchange(&g_node.due_ns, ns);

    if (ns < prev) /* the poller may sleep past it */
        rap__bell_ring(rap__sched_bell(g_node.sched));
}

bool rap__mpi_open_for_waiters(void)
{
    if (atomic_load(&g_node.mpi_open))
        return true;
    if (g_node.level != MPI_THREAD_MULTIPLE)
        return false; /* MPI is the application's outside rap_run */
    atomic_store(&g_node.mpi_open, true);
    rap__bell_ring(rap__sched_bell(g_node.sched)); /* a sleeping poller polls now */
    return true;
}
