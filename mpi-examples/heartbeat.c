/* mpi-examples/heartbeat.c -- timers: every rank's node actor ticks every
 * PERIOD ms (rap_send_every to itself), beats to a monitor on rank 0 at
 * each tick, and after BEATS beats cancels its timer (rap_timer_cancel)
 * and says goodbye.  The monitor checks every PERIOD ms (a one-shot
 * rap_send_after it sets again at each check) that each rank beat within
 * the last 3 periods, and stops checking when every rank has said
 * goodbye: then no timer is pending and rap_run returns.
 *
 *   mpirun -np 4 ./mpi-examples/heartbeat [beats] [period_ms]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "raptors.h"

static uint32_t BEAT, BYE, CHECK, START, TICK, MONITOR, NODE;
static int beats = 10, period_ms = 20;

typedef struct monitor {
    double last[64];  /* when each rank last beat (s) */
    int count[64], retired, suspects;
} monitor;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int monitor_start(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    monitor *m = state;
    for (int r = 0; r < rap_size(); r++)
        m->last[r] = now();
    return rap_send_after(ctx, rap_self(ctx), CHECK, NULL, 0, (uint64_t)period_ms * RAP_MS, NULL);
}

static int monitor_beat(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    monitor *m = state;
    m->count[RAP_AID_RANK(from)]++;
    m->last[RAP_AID_RANK(from)] = now();
    return RAP_OK;
}

static int monitor_check(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    monitor *m = state;
    for (int r = 0; r < rap_size(); r++)
        if (m->count[r] < beats && now() - m->last[r] > 3 * period_ms * 1e-3) {
            rap_log(ctx, RAP_LOG_WARN, "rank %d silent for %.0f ms", r, (now() - m->last[r]) * 1e3);
            m->suspects++;
            m->last[r] = now();
        }
    if (m->retired == rap_size())
        return RAP_OK; /* no more checks: the last timer is gone */
    return rap_send_after(ctx, rap_self(ctx), CHECK, NULL, 0, (uint64_t)period_ms * RAP_MS, NULL);
}

static int monitor_bye(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    monitor *m = state;
    if (++m->retired < rap_size())
        return RAP_OK;
    int all = 1;
    for (int r = 0; r < rap_size(); r++)
        all &= m->count[r] == beats;
    printf("heartbeat: %d ranks, %d beats each every %d ms: %s; %d suspect(s)\n", rap_size(), beats, period_ms,
           all ? "all counted" : "COUNTS WRONG", m->suspects);
    return RAP_OK;
}

typedef struct node { rap_aid monitor; rap_timer beat; int sent; } node;

static int node_start(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    node *n = state;
    n->monitor = *(const rap_aid *)data;
    return rap_send_every(ctx, rap_self(ctx), TICK, NULL, 0, (uint64_t)period_ms * RAP_MS, &n->beat);
}

static int node_tick(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    node *n = state;
    int rc = rap_send(ctx, n->monitor, BEAT, NULL, 0);
    if (rc != RAP_OK || ++n->sent < beats)
        return rc;
    rap_timer_cancel(ctx, n->beat); /* no more ticks */
    return rap_send(ctx, n->monitor, BYE, NULL, 0);
}

int main(int argc, char **argv)
{
    rap_aid mon = RAP_AID_NONE, me;

    if (argc > 1)
        beats = atoi(argv[1]);
    if (argc > 2)
        period_ms = atoi(argv[2]);
    rap_msg_type_register("hb.beat", 0, RAP_MSG_VAR, &BEAT);
    rap_msg_type_register("hb.bye", 0, RAP_MSG_VAR, &BYE);
    rap_msg_type_register("hb.check", 0, RAP_MSG_VAR, &CHECK);
    rap_msg_type_register("hb.start", sizeof(rap_aid), RAP_MSG_VAR, &START);
    rap_msg_type_register("hb.tick", 0, RAP_MSG_VAR, &TICK);
    rap_actor_type_register("hb.monitor", sizeof(monitor), NULL, NULL, &MONITOR);
    rap_actor_type_on(MONITOR, START, monitor_start);
    rap_actor_type_on(MONITOR, BEAT, monitor_beat);
    rap_actor_type_on(MONITOR, CHECK, monitor_check);
    rap_actor_type_on(MONITOR, BYE, monitor_bye);
    rap_actor_type_register("hb.node", sizeof(node), NULL, NULL, &NODE);
    rap_actor_type_on(NODE, START, node_start);
    rap_actor_type_on(NODE, TICK, node_tick);
    if (rap_init(&argc, &argv) != RAP_OK || beats < 1 || period_ms < 1 || rap_size() > 64)
        return 1;
    if (rap_rank() == 0) {
        rap_spawn(NULL, MONITOR, NULL, 0, &mon);
        rap_send(NULL, mon, START, NULL, 0);
    }
    MPI_Bcast(&mon, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    rap_spawn(NULL, NODE, NULL, 0, &me);
    rap_send(NULL, me, START, &mon, sizeof(mon));
    int rc = rap_run();
    rap_finalize();
    return rc == RAP_OK ? 0 : 1;
}
