/* bench/savina.c -- three more programs of the Savina suite, as CAF and
 * Erlang users know them, for 1 and 2 workers (RAPTORS_WORKERS):
 *   Big         many-to-many with replies: N actors, each sends PINGS pings
 *               one at a time to actors picked at random among the others
 *               and waits for each pong
 *   Chameneos   a broker pairing actors: C creatures ask a mall to meet;
 *               the mall pairs two and tells the first the second, the
 *               pair exchange colours, and both ask again, MEETINGS in all
 *               (the clock stops at the last pairing)
 *   Fib         a spawn tree: fib(N) computed by an actor per call, each
 *               spawning two children and adding their answers, then exiting
 * Each program runs REPS rounds in one process after a first round that is
 * reported apart (the first round of a fresh process).  Prints per
 * program a human line and "SAV <name> <first> <median> <min> <max>"
 * (messages/s; Fib: actors/s).
 *
 *   RAPTORS_WORKERS=2 mpirun -np 1 ./bench/savina [reps] [program ...]
 */
#include <stdatomic.h>
#include <string.h>

#include "bench.h"

enum { MAXREPS = 21 };

static _Atomic int g_done;
static _Atomic double g_secs;
static double g_t0;

/* ------------------------------------------------------------------ Big */

enum { BIG_N = 120, BIG_PINGS = 8000 };
static uint32_t B_PING, B_PONG, B_GO, B_ACTOR;
static rap_aid g_big[BIG_N];

typedef struct big { int idx, left; uint64_t rng; } big;

static int big_next(rap_ctx *ctx, big *b)
{
    if (b->left-- == 0) {
        if (atomic_fetch_add(&g_done, 1) + 1 == BIG_N)
            atomic_store(&g_secs, bench_now() - g_t0);
        return RAP_OK;
    }
    b->rng ^= b->rng << 13, b->rng ^= b->rng >> 7, b->rng ^= b->rng << 17;
    int to = (int)(b->rng % (BIG_N - 1));
    to += to >= b->idx; /* not itself */
    return rap_send(ctx, g_big[to], B_PING, NULL, 0);
}

static int big_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    big *b = state;
    (void)from, (void)len;
    memcpy(&b->idx, data, sizeof(int));
    b->left = BIG_PINGS;
    b->rng = 0x9e3779b97f4a7c15ull * (uint64_t)(b->idx + 1);
    return big_next(ctx, b);
}

static int big_ping(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)state, (void)data, (void)len;
    return rap_send(ctx, from, B_PONG, NULL, 0);
}

static int big_pong(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)from, (void)data, (void)len;
    return big_next(ctx, state);
}

static double run_big(void)
{
    for (int i = 0; i < BIG_N; i++)
        rap_spawn(NULL, B_ACTOR, NULL, 0, &g_big[i]);
    atomic_store(&g_done, 0);
    g_t0 = bench_now();
    for (int i = 0; i < BIG_N; i++)
        rap_send(NULL, g_big[i], B_GO, &i, sizeof(i));
    rap_run();
    for (int i = 0; i < BIG_N; i++)
        rap_destroy(NULL, g_big[i]);
    rap_run();
    return 2.0 * BIG_N * BIG_PINGS / atomic_load(&g_secs);
}

/* ------------------------------------------------------------ Chameneos */

enum { CH_CREATURES = 64, CH_MEETINGS = 200000 };
static uint32_t C_MEET, C_PAIR, C_CHANGE, C_START, C_MALL, C_CREATURE;

typedef struct mall { rap_aid waiting; int left; } mall;
typedef struct creature { rap_aid mall; int colour, meetings; } creature;
typedef struct pairing { rap_aid other; int colour; } pairing;

static int complement(int a, int b) { return a == b ? a : 3 - a - b; }

/* Over (no meetings left): a creature that asks stops, unanswered. */
static int mall_meet(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    mall *m = state;
    int colour, rc;
    (void)len;
    memcpy(&colour, data, sizeof(int));
    if (m->left == 0)
        return RAP_OK;
    if (m->waiting == RAP_AID_NONE) {
        m->waiting = from;
        return RAP_OK;
    }
    if (--m->left == 0)
        atomic_store(&g_secs, bench_now() - g_t0);
    pairing p = { from, colour };
    rc = rap_send(ctx, m->waiting, C_PAIR, &p, sizeof(p));
    m->waiting = RAP_AID_NONE;
    return rc;
}

static int creature_start(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    creature *c = state;
    (void)from, (void)len;
    memcpy(&c->mall, data, sizeof(rap_aid));
    c->colour = (int)(rap_self(ctx) % 3);
    return rap_send(ctx, c->mall, C_MEET, &c->colour, sizeof(int));
}

/* Paired: tell the other our colour; both take the complement and ask again. */
static int creature_pair(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    creature *c = state;
    pairing p;
    (void)from, (void)len;
    memcpy(&p, data, sizeof(p));
    int rc = rap_send(ctx, p.other, C_CHANGE, &c->colour, sizeof(int));
    if (rc != RAP_OK)
        return rc;
    c->colour = complement(c->colour, p.colour);
    c->meetings++;
    return rap_send(ctx, c->mall, C_MEET, &c->colour, sizeof(int));
}

static int creature_change(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    creature *c = state;
    int other;
    (void)from, (void)len;
    memcpy(&other, data, sizeof(int));
    c->colour = complement(c->colour, other);
    c->meetings++;
    return rap_send(ctx, c->mall, C_MEET, &c->colour, sizeof(int));
}

static double run_chameneos(void)
{
    rap_aid m, cr[CH_CREATURES];
    rap_spawn(NULL, C_MALL, NULL, 0, &m);
    for (int i = 0; i < CH_CREATURES; i++)
        rap_spawn(NULL, C_CREATURE, NULL, 0, &cr[i]);
    rap_run();
    g_t0 = bench_now();
    for (int i = 0; i < CH_CREATURES; i++)
        rap_send(NULL, cr[i], C_START, &m, sizeof(m));
    rap_run();
    for (int i = 0; i < CH_CREATURES; i++)
        rap_destroy(NULL, cr[i]);
    rap_destroy(NULL, m);
    rap_run();
    /* a meeting: two MEETs, a PAIR and a CHANGE */
    return 4.0 * CH_MEETINGS / atomic_load(&g_secs);
}

static int mall_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    (void)ctx, (void)arg, (void)len;
    *(mall *)state = (mall){ RAP_AID_NONE, CH_MEETINGS };
    return RAP_OK;
}

/* ------------------------------------------------------------------ Fib */

enum { FIB_N = 22 };
static uint32_t F_REQ, F_ANS, F_NODE;
static _Atomic long g_fib;

typedef struct fib { rap_aid parent; int n, got; long sum; } fib;

static int fib_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    fib *f = state;
    (void)ctx, (void)len;
    memcpy(&f->parent, arg, sizeof(rap_aid));
    return RAP_OK;
}

static int fib_answer(rap_ctx *ctx, fib *f, long v)
{
    rap_exit(ctx);
    if (f->parent == RAP_AID_NONE) {
        atomic_store(&g_fib, v);
        atomic_store(&g_secs, bench_now() - g_t0);
        return RAP_OK;
    }
    return rap_send(ctx, f->parent, F_ANS, &v, sizeof(v));
}

static int fib_req(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    fib *f = state;
    rap_aid self = rap_self(ctx), kid;
    (void)from, (void)len;
    memcpy(&f->n, data, sizeof(int));
    if (f->n < 2)
        return fib_answer(ctx, f, f->n);
    for (int k = 1; k <= 2; k++) {
        int n = f->n - k, rc;
        if ((rc = rap_spawn(ctx, F_NODE, &self, sizeof(self), &kid)) != RAP_OK ||
            (rc = rap_send(ctx, kid, F_REQ, &n, sizeof(n))) != RAP_OK)
            return rc;
    }
    return RAP_OK;
}

static int fib_ans(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    fib *f = state;
    long v;
    (void)from, (void)len;
    memcpy(&v, data, sizeof(v));
    f->sum += v;
    return ++f->got == 2 ? fib_answer(ctx, f, f->sum) : RAP_OK;
}

static long fib_actors(int n) { return n < 2 ? 1 : 1 + fib_actors(n - 1) + fib_actors(n - 2); }
static long fib_of(int n) { return n < 2 ? n : fib_of(n - 1) + fib_of(n - 2); }

static double run_fib(void)
{
    rap_aid root, none = RAP_AID_NONE;
    int n = FIB_N;
    rap_spawn(NULL, F_NODE, &none, sizeof(none), &root);
    g_t0 = bench_now();
    rap_send(NULL, root, F_REQ, &n, sizeof(n));
    rap_run();
    if (atomic_load(&g_fib) != fib_of(FIB_N))
        fprintf(stderr, "Fib: got %ld, not %ld\n", atomic_load(&g_fib), fib_of(FIB_N));
    return (double)fib_actors(FIB_N) / atomic_load(&g_secs);
}

/* ----------------------------------------------------------------- main */

static void measure(const char *name, double (*fn)(void), int reps, const char *unit)
{
    double v[MAXREPS], first = fn(), lo, hi;
    for (int r = 0; r < reps; r++)
        v[r] = fn();
    double m = bench_median(v, reps, &lo, &hi);
    printf("%-10s %12.0f (%.0f-%.0f) %s, first round %.0f; %d worker(s)\n", name, m, lo, hi, unit, first,
           rap_workers());
    printf("SAV %s %.0f %.0f %.0f %.0f\n", name, first, m, lo, hi);
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 5, nprog = 0;
    const char *progs[8];

    if (reps < 1 || reps > MAXREPS)
        reps = 5;
    rap_msg_type_register("big.ping", 0, RAP_MSG_VAR, &B_PING);
    rap_msg_type_register("big.pong", 0, RAP_MSG_VAR, &B_PONG);
    rap_msg_type_register("big.go", sizeof(int), RAP_MSG_FIXED, &B_GO);
    rap_actor_type_register("big.actor", sizeof(big), NULL, NULL, &B_ACTOR);
    rap_actor_type_on(B_ACTOR, B_GO, big_go);
    rap_actor_type_on(B_ACTOR, B_PING, big_ping);
    rap_actor_type_on(B_ACTOR, B_PONG, big_pong);
    rap_msg_type_register("cham.meet", sizeof(int), RAP_MSG_FIXED, &C_MEET);
    rap_msg_type_register("cham.pair", sizeof(pairing), RAP_MSG_FIXED, &C_PAIR);
    rap_msg_type_register("cham.change", sizeof(int), RAP_MSG_FIXED, &C_CHANGE);
    rap_msg_type_register("cham.start", sizeof(rap_aid), RAP_MSG_FIXED, &C_START);
    rap_actor_type_register("cham.mall", sizeof(mall), mall_init, NULL, &C_MALL);
    rap_actor_type_register("cham.creature", sizeof(creature), NULL, NULL, &C_CREATURE);
    rap_actor_type_on(C_MALL, C_MEET, mall_meet);
    rap_actor_type_on(C_CREATURE, C_START, creature_start);
    rap_actor_type_on(C_CREATURE, C_PAIR, creature_pair);
    rap_actor_type_on(C_CREATURE, C_CHANGE, creature_change);
    rap_msg_type_register("fib.req", sizeof(int), RAP_MSG_FIXED, &F_REQ);
    rap_msg_type_register("fib.ans", sizeof(long), RAP_MSG_FIXED, &F_ANS);
    rap_actor_type_register("fib.node", sizeof(fib), fib_init, NULL, &F_NODE);
    rap_actor_type_on(F_NODE, F_REQ, fib_req);
    rap_actor_type_on(F_NODE, F_ANS, fib_ans);
    if (rap_init(&argc, &argv) != RAP_OK)
        return 1;
    for (int i = 2; i < argc && nprog < 8; i++)
        progs[nprog++] = argv[i];
    if (nprog == 0) {
        progs[0] = "big", progs[1] = "chameneos", progs[2] = "fib";
        nprog = 3;
    }
    for (int i = 0; i < nprog; i++) {
        if (strcmp(progs[i], "big") == 0)
            measure("Big", run_big, reps, "messages/s");
        else if (strcmp(progs[i], "chameneos") == 0)
            measure("Chameneos", run_chameneos, reps, "messages/s");
        else if (strcmp(progs[i], "fib") == 0)
            measure("Fib", run_fib, reps, "actors/s");
    }
    rap_finalize();
    return 0;
}
