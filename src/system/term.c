/* system/term.c -- termination: is the whole job quiescent?
 *
 * Owns:       the termination wave (g_node.wave_*, prev, done).
 * Invariants: a rank joins a wave (an MPI_Iallreduce, sum, of its counts
 *             of MPI messages sent and received) only while it is locally
 *             idle, and only after it stayed idle TERM_IDLE_NS; rap_run is
 *             over when a wave completes with sent == received and both
 *             equal to the previous wave's totals: no rank received or sent
 *             anything between its two contributions, so every rank was
 *             idle throughout and nothing was in flight.  All ranks see
 *             the same totals and decide in the same wave.
 * Threads:    the token holder.
 * Uses:       system/node.h, util/counters.h.
 */
#include "system/node.h"
#include "util/clock.h"
#include "util/fatal.h"

/* Idle time before this rank joins a termination wave: waves stay out of
 * the gaps of a busy exchange. */
#define TERM_IDLE_NS 50000u

/* No actor has work, no service holds a message for later (a timer), and
 * nothing waits to be handed to MPI (messages are counted for termination
 * when MPI gets them).  `active` is read first: a handler queues its sends
 * before its actor stops being active; a timer that fires schedules its
 * message before it stops being held. */
bool rap__locally_idle(void)
{
    return atomic_load(&g_node.active) == 0 && atomic_load(&g_node.held) == 0 &&
           rap__net_queue_empty(g_node.net);
}

static void wave_done(void)
{
    g_node.wave_on = false;
    atomic_store_explicit(&g_node.wave_active, false, memory_order_relaxed);
    if (g_node.wave_out[0] == g_node.wave_out[1] && g_node.prev_valid &&
        g_node.prev[0] == g_node.wave_out[0] && g_node.prev[1] == g_node.wave_out[1]) {
        pthread_mutex_lock(&g_node.done_lock);
        atomic_store(&g_node.done, true);
        pthread_cond_broadcast(&g_node.done_cond);
        pthread_mutex_unlock(&g_node.done_lock);
    } else {
        g_node.prev[0] = g_node.wave_out[0];
        g_node.prev[1] = g_node.wave_out[1];
        g_node.prev_valid = true;
    }
}

int rap__term_progress(void)
{
    uint64_t now;

    /* seq_cst: pairs with rap_run's store of running, which publishes
     * prev_valid and done. */
    if (!atomic_load(&g_node.running) || atomic_load(&g_node.done))
        return 0;
    if (g_node.wave_on) {
        int flag = 0;
        /* Tested only while idle: a wave started in a pause stays open
         * until every rank joins, and a busy rank would otherwise pay a
         * second pass of MPI's progress engine at every poll, on the path
         * of each arriving message.  MPI progresses the wave meanwhile;
         * the outcome only matters once this rank is idle. */
        if (!rap__locally_idle())
            return 0;
        if (MPI_Test(&g_node.wave_req, &flag, MPI_STATUS_IGNORE) != MPI_SUCCESS || !flag)
            return 0;
        wave_done();
        return 1;
    }
    if (!rap__locally_idle()) {
        g_node.idle_since = 0;
        return 0;
    }
    now = rap__now_ns();
    if (g_node.idle_since == 0)
        g_node.idle_since = now;
    if (now - g_node.idle_since < TERM_IDLE_NS)
        return 0;
    g_node.wave_in[0] = rap__ctr_sum(RAP_CTR_MPI_SENT);
    g_node.wave_in[1] = rap__ctr_sum(RAP_CTR_MPI_RECEIVED);
    if (MPI_Iallreduce(g_node.wave_in, g_node.wave_out, 2, MPI_UINT64_T, MPI_SUM, g_node.term_comm,
                       &g_node.wave_req) != MPI_SUCCESS)
        rap__fatal("MPI_Iallreduce failed in the termination wave");
    g_node.wave_on = true;
    atomic_store_explicit(&g_node.wave_started, now, memory_order_relaxed);
    atomic_store_explicit(&g_node.wave_active, true, memory_order_relaxed);
    /* Our part is in: a rank of this node that sleeps while its own part
     * waits for ours wakes now and completes the wave. */
    for (int r = 0; g_node.bells.of != NULL && r < g_node.size; r++)
        if (r != g_node.rank && g_node.bells.of[r] != NULL)
            rap__bell_ring(g_node.bells.of[r]);
    return 0;
}
