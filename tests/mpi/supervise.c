/* Supervision on 3 ranks: supervisors on rank 0, their children on ranks
 * 1 and 2 (rap_spawn_on), each phase a rap_run.  One-for-one: a failed
 * child restarts under the same id with its spawn arguments, keeping the
 * messages behind the failure, its sibling untouched; the decider resumes
 * (state kept) and stops (then dead letters); a temporary child that fails
 * and a transient one that exits end, a permanent one that exits
 * restarts; one-for-all restarts both children; rest-for-one the failed
 * one and those spawned after it, not the one before; three failures
 * against 2 allowed restarts escalate to the top supervisor, which
 * restarts the supervisor (its init runs again and makes a new child, the
 * old one gone); rap_exit_with's reason reaches the decider; a supervisor
 * nobody supervises that gives up stops the job with exit status 1.  Bad
 * arguments. */
#include <stdatomic.h>
#include <string.h>

#include "support/mpitest.h"

enum { KIDS = 11, PROBES = 32 };
static uint32_t INC, BOOM, EXIT, EXITR, PROBE, REPORT, FWD;
static uint32_t W_PERM, W_TRANS, W_TEMP, SUP1, SUPALL, SUPREST, SUPLIM, SUPGROUP, TOP, TOPLESS, COLLECT, PROBER;
static rap_group sgroup; /* SUPGROUP's children: a group of 3 (one on each rank) */
static _Atomic rap_aid kids[KIDS], collector;
static _Atomic int64_t seen[PROBES];
static _Atomic rap_aid seen_from[PROBES];
static _Atomic int dead[KIDS], escalations, limit_inits, last_code, bad;
static rap_aid dead_old; /* phase 6: the child of the supervisor that was restarted */
static _Atomic int dead_old_count;

typedef struct warg { int64_t base; rap_aid collector; } warg;
typedef struct worker { int64_t base, count; rap_aid collector; } worker;
typedef struct report { int64_t id, value; } report;
typedef struct fwd { rap_aid to; uint32_t type, pad; int64_t x; } fwd;
/* Who spawns which child: supervisor type, rank, child type, base. */
typedef struct spec { uint32_t *sup, *type; int rank; int64_t base; } spec;
static const spec specs[KIDS] = {
    { &SUP1, &W_PERM, 1, 100 },   { &SUP1, &W_PERM, 2, 200 },   { &SUP1, &W_TEMP, 1, 300 },
    { &SUP1, &W_TRANS, 2, 400 },  { &SUPALL, &W_PERM, 1, 500 }, { &SUPALL, &W_PERM, 2, 600 },
    { &SUPREST, &W_PERM, 1, 700 }, { &SUPREST, &W_PERM, 2, 800 }, { &SUPREST, &W_PERM, 1, 900 },
    { &SUPLIM, &W_PERM, 2, 1000 }, { &TOPLESS, &W_PERM, 1, 0 },
};

static int w_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    worker *w = state;
    warg a;
    (void)ctx;
    if (len != sizeof(a))
        return RAP_EINVAL;
    memcpy(&a, arg, sizeof(a));
    w->base = a.base, w->count = 0, w->collector = a.collector;
    return RAP_OK;
}
static int w_inc(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)from, (void)data, (void)len;
    ((worker *)state)->count++;
    return RAP_OK;
}
static int w_boom(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    int64_t code;
    (void)ctx, (void)state, (void)from, (void)len;
    memcpy(&code, data, sizeof(code));
    return (int)code;
}
static int w_exit(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)state, (void)from, (void)data, (void)len;
    return rap_exit(ctx);
}
static int w_exitr(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    int64_t r;
    (void)state, (void)from, (void)len;
    memcpy(&r, data, sizeof(r));
    return rap_exit_with(ctx, (int)r);
}
static int w_probe(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    worker *w = state;
    report r;
    (void)from, (void)len;
    memcpy(&r.id, data, sizeof(r.id));
    r.value = w->base + w->count;
    return rap_send(ctx, w->collector, REPORT, &r, sizeof(r));
}
static int c_report(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    report r;
    (void)ctx, (void)state, (void)len;
    memcpy(&r, data, sizeof(r));
    if (r.id < 0 || r.id >= PROBES || atomic_load(&seen[r.id]) != 0)
        atomic_fetch_add(&bad, 1);
    else
        atomic_store(&seen[r.id], r.value), atomic_store(&seen_from[r.id], from);
    return RAP_OK;
}

/* The prober sends what main asks, so that dead letters come back to it. */
static int p_fwd(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    fwd f;
    (void)state, (void)from, (void)len;
    memcpy(&f, data, sizeof(f));
    return rap_send(ctx, f.to, f.type, &f.x, sizeof(f.x));
}
static void p_error(rap_ctx *ctx, void *state, const rap_error_event *ev)
{
    (void)ctx, (void)state;
    if (ev->kind != RAP_ERROR_DEAD_LETTER) {
        atomic_fetch_add(&bad, 1);
        return;
    }
    if (ev->actor == dead_old)
        atomic_fetch_add(&dead_old_count, 1);
    for (int k = 0; k < KIDS; k++)
        if (ev->actor == atomic_load(&kids[k]))
            atomic_fetch_add(&dead[k], 1);
}

/* A supervisor's init spawns its children (OTP's way: a restart makes
 * them anew). */
static int s_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    uint32_t me;
    (void)state, (void)len;
    memcpy(&me, arg, sizeof(me));
    if (me == SUPLIM)
        atomic_fetch_add(&limit_inits, 1);
    if (me == SUPGROUP) {
        static const uint32_t three[1] = { 3 };
        warg a = { 2000, atomic_load(&collector) };
        MT_OK(rap_group_spawn(ctx, W_PERM, 1, three, RAP_GROUP_BLOCK, &a, sizeof(a), &sgroup));
    }
    for (int k = 0; k < KIDS; k++)
        if (*specs[k].sup == me) {
            warg a = { specs[k].base, atomic_load(&collector) };
            MT_OK(rap_spawn_on(ctx, specs[k].rank, *specs[k].type, &a, sizeof(a), (uint64_t)k));
        }
    return RAP_OK;
}
static int s_spawned(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    rap_spawned s;
    (void)ctx, (void)state, (void)from, (void)len;
    memcpy(&s, data, sizeof(s));
    atomic_store(&kids[s.cookie], s.aid);
    return RAP_OK;
}
static int sup1_decide(rap_ctx *ctx, void *state, const rap_error_event *ev)
{
    (void)ctx, (void)state;
    atomic_store(&last_code, ev->code);
    if (ev->kind != RAP_ERROR_CHILD)
        atomic_fetch_add(&bad, 1);
    return ev->code == -100 ? RAP_RESUME : ev->code == -101 ? RAP_STOP : RAP_RESTART;
}

static int top_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    const uint32_t subs[4] = { SUP1, SUPALL, SUPREST, SUPLIM };
    rap_aid a;
    (void)state, (void)arg, (void)len;
    for (int i = 0; i < 4; i++)
        MT_OK(rap_spawn(ctx, subs[i], &subs[i], sizeof(subs[i]), &a));
    return RAP_OK;
}
static int top_decide(rap_ctx *ctx, void *state, const rap_error_event *ev)
{
    (void)ctx, (void)state;
    if (ev->code == RAP_EGAVEUP)
        atomic_fetch_add(&escalations, 1);
    return RAP_RESTART;
}

static rap_aid prober;
static void to(int k, uint32_t type, int64_t x)
{
    fwd f = { atomic_load(&kids[k]), type, 0, x };
    MT_OK(rap_send(NULL, prober, FWD, &f, sizeof(f)));
}
static void to_aid(rap_aid aid, uint32_t type, int64_t x)
{
    fwd f = { aid, type, 0, x };
    MT_OK(rap_send(NULL, prober, FWD, &f, sizeof(f)));
}
static int64_t got(int id) { return atomic_load(&seen[id]); }

int main(int argc, char **argv)
{
    uint32_t t;
    rap_aid top, topless, old;
    struct { const char *name; uint32_t *id; int strategy; uint32_t max; uint64_t within; } sups[] = {
        { "sv.sup1", &SUP1, RAP_ONE_FOR_ONE, 10, 10 * RAP_SEC },   { "sv.supall", &SUPALL, RAP_ONE_FOR_ALL, 10, 10 * RAP_SEC },
        { "sv.suprest", &SUPREST, RAP_REST_FOR_ONE, 10, 10 * RAP_SEC }, { "sv.suplim", &SUPLIM, RAP_ONE_FOR_ONE, 2, 60 * RAP_SEC },
        { "sv.topless", &TOPLESS, RAP_ONE_FOR_ONE, 0, 0 }, { "sv.supgroup", &SUPGROUP, RAP_ONE_FOR_ALL, 10, 10 * RAP_SEC },
    };

    MT_OK(rap_msg_type_register("sv.inc", 8, RAP_MSG_FIXED, &INC));
    MT_OK(rap_msg_type_register("sv.boom", 8, RAP_MSG_FIXED, &BOOM));
    MT_OK(rap_msg_type_register("sv.exit", 8, RAP_MSG_FIXED, &EXIT));
    MT_OK(rap_msg_type_register("sv.exitr", 8, RAP_MSG_FIXED, &EXITR));
    MT_OK(rap_msg_type_register("sv.probe", 8, RAP_MSG_FIXED, &PROBE));
    MT_OK(rap_msg_type_register("sv.report", sizeof(report), RAP_MSG_FIXED, &REPORT));
    MT_OK(rap_msg_type_register("sv.fwd", sizeof(fwd), RAP_MSG_FIXED, &FWD));
    for (int i = 0; i < 3; i++) {
        uint32_t *id = i == 0 ? &W_PERM : i == 1 ? &W_TRANS : &W_TEMP;
        MT_OK(rap_actor_type_register(i == 0 ? "sv.wperm" : i == 1 ? "sv.wtrans" : "sv.wtemp", sizeof(worker), w_init,
                                      NULL, id));
        MT_OK(rap_actor_type_on(*id, INC, w_inc));
        MT_OK(rap_actor_type_on(*id, BOOM, w_boom));
        MT_OK(rap_actor_type_on(*id, EXIT, w_exit));
        MT_OK(rap_actor_type_on(*id, EXITR, w_exitr));
        MT_OK(rap_actor_type_on(*id, PROBE, w_probe));
    }
    MT_OK(rap_actor_type_restart(W_TRANS, RAP_TRANSIENT));
    MT_OK(rap_actor_type_restart(W_TEMP, RAP_TEMPORARY));
    for (size_t i = 0; i < sizeof(sups) / sizeof(sups[0]); i++) {
        MT_OK(rap_actor_type_register(sups[i].name, 0, s_init, NULL, sups[i].id));
        MT_OK(rap_actor_type_supervise(*sups[i].id, sups[i].strategy, sups[i].max, sups[i].within));
        MT_OK(rap_actor_type_on(*sups[i].id, RAP_MSG_SPAWNED, s_spawned));
    }
    MT_OK(rap_actor_type_on_failure(SUP1, sup1_decide));
    MT_OK(rap_actor_type_register("sv.top", 0, top_init, NULL, &TOP));
    MT_OK(rap_actor_type_supervise(TOP, RAP_ONE_FOR_ONE, 10, 10 * RAP_SEC));
    MT_OK(rap_actor_type_on_failure(TOP, top_decide));
    MT_OK(rap_actor_type_register("sv.collect", 0, NULL, NULL, &COLLECT));
    MT_OK(rap_actor_type_on(COLLECT, REPORT, c_report));
    MT_OK(rap_actor_type_register("sv.prober", 0, NULL, NULL, &PROBER));
    MT_OK(rap_actor_type_on(PROBER, FWD, p_fwd));
    MT_OK(rap_actor_type_on_error(PROBER, p_error));
    /* Bad arguments. */
    MT_CHECK(rap_actor_type_supervise(TOP, RAP_ONE_FOR_ONE, 1, RAP_SEC) == RAP_EEXIST);
    MT_CHECK(rap_actor_type_supervise(COLLECT, 0, 1, RAP_SEC) == RAP_EINVAL);
    MT_CHECK(rap_actor_type_supervise(COLLECT, 4, 1, RAP_SEC) == RAP_EINVAL);
    MT_CHECK(rap_actor_type_supervise(COLLECT, RAP_ONE_FOR_ONE, 0, RAP_SEC) == RAP_EINVAL);
    MT_CHECK(rap_actor_type_supervise(COLLECT, RAP_ONE_FOR_ONE, 1, 0) == RAP_EINVAL);
    MT_CHECK(rap_actor_type_supervise(12345, RAP_ONE_FOR_ONE, 1, RAP_SEC) == RAP_ENOTYPE);
    MT_CHECK(rap_actor_type_restart(COLLECT, 3) == RAP_EINVAL);
    MT_CHECK(rap_actor_type_restart(12345, RAP_PERMANENT) == RAP_ENOTYPE);
    MT_CHECK(rap_actor_type_on_failure(COLLECT, NULL) == RAP_EINVAL);
    MT_CHECK(rap_actor_type_on_failure(SUP1, sup1_decide) == RAP_EEXIST);
    MT_CHECK(rap_exit_with(NULL, 1) == RAP_EINVAL);
    MT_OK(rap_init(&argc, &argv));
    if (rap_size() != 3)
        MT_SKIP("needs 3 ranks");
    MT_CHECK(rap_actor_type_supervise(COLLECT, RAP_ONE_FOR_ONE, 1, RAP_SEC) == RAP_ESTATE);
    MT_CHECK(rap_actor_type_restart(COLLECT, RAP_PERMANENT) == RAP_ESTATE);
    MT_CHECK(rap_type_id("sv.top", &t) == RAP_OK && t == TOP);

    /* Phase 0: the tree. */
    if (rap_rank() == 0) {
        rap_aid c;
        MT_OK(rap_spawn(NULL, COLLECT, NULL, 0, &c));
        atomic_store(&collector, c);
        MT_OK(rap_spawn(NULL, PROBER, NULL, 0, &prober));
        MT_OK(rap_spawn(NULL, TOP, NULL, 0, &top));
    }
    MT_OK(rap_run());
    if (rap_rank() == 0)
        for (int k = 0; k < KIDS - 1; k++)
            MT_CHECK(atomic_load(&kids[k]) != RAP_AID_NONE && RAP_AID_RANK(kids[k]) == specs[k].rank);
    /* Phase 1: one-for-one restart; messages behind the failure kept. */
    if (rap_rank() == 0) {
        for (int i = 0; i < 3; i++)
            to(0, INC, 0), to(1, INC, 0);
        to(0, BOOM, 42), to(0, INC, 0), to(0, INC, 0), to(0, PROBE, 1), to(1, PROBE, 2);
    }
    MT_OK(rap_run());
    if (rap_rank() == 0) {
        MT_CHECK(got(1) == 102 && seen_from[1] == kids[0]); /* restarted, same id, 2 kept messages */
        MT_CHECK(got(2) == 203);                            /* its sibling untouched */
        MT_CHECK(last_code == 42);
    }
    /* Phase 2: the decider resumes (state kept) and stops. */
    if (rap_rank() == 0) {
        to(1, BOOM, -100), to(1, INC, 0), to(1, PROBE, 3);
        to(0, BOOM, -101), to(0, PROBE, 4);
    }
    MT_OK(rap_run());
    if (rap_rank() == 0) {
        MT_CHECK(got(3) == 204);
        MT_CHECK(got(4) == 0 && dead[0] == 1);
    }
    /* Phase 3: restart types. */
    if (rap_rank() == 0) {
        to(2, BOOM, 42), to(2, PROBE, 5); /* temporary: ends */
        to(3, EXIT, 0), to(3, PROBE, 6);  /* transient, a normal exit: ends */
        to(1, EXIT, 0), to(1, PROBE, 7);  /* permanent: restarted */
    }
    MT_OK(rap_run());
    if (rap_rank() == 0) {
        MT_CHECK(got(5) == 0 && dead[2] == 1);
        MT_CHECK(got(6) == 0 && dead[3] == 1);
        MT_CHECK(got(7) == 200 && seen_from[7] == kids[1]);
    }
    /* Phase 4: one-for-all. */
    if (rap_rank() == 0)
        to(4, INC, 0), to(4, INC, 0), to(5, INC, 0), to(5, PROBE, 8);
    MT_OK(rap_run());
    if (rap_rank() == 0)
        to(4, BOOM, 42);
    MT_OK(rap_run());
    if (rap_rank() == 0)
        to(4, PROBE, 9), to(5, PROBE, 10);
    MT_OK(rap_run());
    if (rap_rank() == 0)
        MT_CHECK(got(8) == 601 && got(9) == 500 && got(10) == 600);
    /* Phase 5: rest-for-one. */
    if (rap_rank() == 0)
        to(6, INC, 0), to(7, INC, 0), to(8, INC, 0);
    MT_OK(rap_run());
    if (rap_rank() == 0)
        to(7, BOOM, 42);
    MT_OK(rap_run());
    if (rap_rank() == 0)
        to(6, PROBE, 11), to(7, PROBE, 12), to(8, PROBE, 13);
    MT_OK(rap_run());
    if (rap_rank() == 0)
        MT_CHECK(got(11) == 701 && got(12) == 800 && got(13) == 900);
    /* Phase 6: intensity (2 restarts in 60 s), escalation to the top, which
     * restarts the supervisor: a new child. */
    old = atomic_load(&kids[9]);
    if (rap_rank() == 0)
        to(9, BOOM, 42), to(9, BOOM, 42), to(9, BOOM, 42);
    MT_OK(rap_run());
    if (rap_rank() == 0) {
        MT_CHECK(escalations == 1 && limit_inits == 2);
        MT_CHECK(atomic_load(&kids[9]) != old && atomic_load(&kids[9]) != RAP_AID_NONE);
        dead_old = old;
        to_aid(old, PROBE, 14), to(9, PROBE, 15);
    }
    MT_OK(rap_run());
    if (rap_rank() == 0)
        MT_CHECK(got(14) == 0 && dead_old_count == 1 && got(15) == 1000);
    /* Phase 7: rap_exit_with's reason. */
    if (rap_rank() == 0)
        to(1, INC, 0), to(1, EXITR, -7), to(1, PROBE, 16);
    MT_OK(rap_run());
    if (rap_rank() == 0)
        MT_CHECK(last_code == -7 && got(16) == 200);
    MT_CHECK(atomic_load(&bad) == 0);
    /* Phase 7b: a supervisor's group: its members are its children (listed
     * as the group is made), so one-for-all restarts all three. */
    if (rap_rank() == 0) {
        rap_aid sg;
        MT_OK(rap_spawn(NULL, SUPGROUP, &SUPGROUP, sizeof(SUPGROUP), &sg));
    }
    MT_OK(rap_run());
    if (rap_rank() == 0)
        for (uint32_t i = 0; i < 3; i++)
            to_aid(rap_group_at(&sgroup, i, 0, 0), INC, 0);
    MT_OK(rap_run());
    if (rap_rank() == 0)
        to_aid(rap_group_at(&sgroup, 1, 0, 0), BOOM, 42);
    MT_OK(rap_run());
    if (rap_rank() == 0)
        for (uint32_t i = 0; i < 3; i++)
            to_aid(rap_group_at(&sgroup, i, 0, 0), PROBE, 20 + i);
    MT_OK(rap_run());
    if (rap_rank() == 0)
        MT_CHECK(got(20) == 2000 && got(21) == 2000 && got(22) == 2000);
    /* Phase 8: a supervisor nobody supervises gives up: the job stops. */
    if (rap_rank() == 0)
        MT_OK(rap_spawn(NULL, TOPLESS, &TOPLESS, sizeof(TOPLESS), &topless));
    MT_OK(rap_run());
    MPI_Barrier(MPI_COMM_WORLD); /* every rank out of that run before the failures (they stop the next) */
    if (rap_rank() == 0)
        to(10, BOOM, 42), to(10, BOOM, 42);
    MT_CHECK(rap_run() == RAP_ESTOPPED);
    MT_CHECK(rap_exit_status() == 1);
    MT_OK(rap_finalize());
    return 0;
}
