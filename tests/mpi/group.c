/* Actor groups on 3 ranks: a 5x4 block group made by main on rank 0
 * before rap_run (its members on ranks 1 and 2 are made by messages that
 * race with the first messages to them: none may be lost), addressed by
 * index from main, from each other and across ranks; broadcasts from main
 * (order and count at every member) and from a member; reductions with
 * every operator and a registered one, all in flight at once, to one
 * actor and to every member; a 2x3x2 round-robin group made by an actor
 * (placement and coordinates checked); a group whose member 2 fails init
 * (the creator hears, messages to it are dead letters); a group of a
 * movable type whose member 0 moves to rank 2 and then contributes from
 * there (its value goes home) and gets the result; bad arguments. */
#include <stdatomic.h>
#include <string.h>

#include "support/mpitest.h"

enum { NX = 5, NY = 4, NA = NX * NY, CASTS = 10, NR = 12 };
static uint32_t MOV, MOVE, GO2, RESM, PING, GO, NB, CAST, CAST2, RESALL, RES[10], START, MEMBER, RR, FAIL, COLL, COORD, XOR_OP;
static _Atomic int pings_ok, pings_bad, casts_ok, casts_bad, nb_ok, nb_bad, cast2_ok, res_ok, res_bad, all_ok,
    spawn_fail, dead, init_bad, resm_ok, resm_bad;

typedef struct member {
    rap_group g;
    uint32_t idx[3], lin;
    int64_t next_cast;
} member;

static uint64_t elem(int op, uint32_t lin, int k)
{
    /* element k of member lin's value for built-in op (as its type's bits) */
    int64_t i = k == 0 ? (int64_t)lin + 1 : -(int64_t)lin * 3 + 7;
    double d = k == 0 ? lin * 1.5 - 4.0 : 100.0 / (lin + 1);
    uint64_t u;
    if (op == RAP_SUM_F64 || op == RAP_MIN_F64 || op == RAP_MAX_F64)
        memcpy(&u, &d, 8);
    else
        memcpy(&u, &i, 8);
    return u;
}

static void xor_fn(void *acc, const void *in, size_t len)
{
    uint64_t a, b;
    for (size_t k = 0; k < len; k += 8) {
        memcpy(&a, (char *)acc + k, 8), memcpy(&b, (const char *)in + k, 8);
        a ^= b;
        memcpy((char *)acc + k, &a, 8);
    }
}

static int member_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    member *m = state;
    int32_t magic;
    if (len != sizeof(magic))
        return RAP_EINVAL;
    memcpy(&magic, arg, sizeof(magic));
    if (magic != 77 || rap_group_self(ctx, &m->g, m->idx) != RAP_OK)
        atomic_fetch_add(&init_bad, 1);
    m->lin = m->idx[0] + m->g.dims[0] * (m->idx[1] + m->g.dims[1] * m->idx[2]);
    if (rap_group_at(&m->g, m->idx[0], m->idx[1], m->idx[2]) != rap_self(ctx))
        atomic_fetch_add(&init_bad, 1);
    return RAP_OK;
}

static int fail_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    uint32_t idx[3];
    (void)state, (void)arg, (void)len;
    MT_OK(rap_group_self(ctx, NULL, idx));
    return idx[0] == 2 ? RAP_EHANDLER : RAP_OK;
}

/* The index the sender computed matches where the message came to, and
 * the member sits where the placement says. */
static int on_ping(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    member *m = state;
    uint32_t i;
    int hosts = rap_size(), want;
    (void)from, (void)len;
    memcpy(&i, data, sizeof(i));
    want = m->g.placement == RAP_GROUP_BLOCK ? (int)((uint64_t)i * hosts / (m->g.dims[0] * m->g.dims[1] * m->g.dims[2]))
                                             : (int)(i % (uint32_t)hosts);
    if (i == m->lin && RAP_AID_RANK(rap_self(ctx)) == want && rap_rank() == want &&
        m->idx[0] == i % m->g.dims[0] && m->idx[1] == i / m->g.dims[0] % m->g.dims[1] &&
        m->idx[2] == i / (m->g.dims[0] * m->g.dims[1]))
        atomic_fetch_add(&pings_ok, 1);
    else
        atomic_fetch_add(&pings_bad, 1);
    if (m->g.placement == RAP_GROUP_ROUND_ROBIN && m->lin == 0) { /* a member broadcasts */
        int64_t x = 42;
        MT_OK(rap_group_broadcast(ctx, &m->g, CAST2, &x, sizeof(x)));
    }
    return RAP_OK;
}

static int on_cast(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    member *m = state;
    int64_t seq;
    (void)ctx, (void)len;
    memcpy(&seq, data, sizeof(seq));
    if (seq == m->next_cast++ && from == RAP_AID_NONE)
        atomic_fetch_add(&casts_ok, 1);
    else
        atomic_fetch_add(&casts_bad, 1);
    return RAP_OK;
}

static int on_cast2(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    member *m = state;
    int64_t x;
    (void)ctx, (void)len;
    memcpy(&x, data, sizeof(x));
    if (x == 42 && from == rap_group_at(&m->g, 0, 0, 0))
        atomic_fetch_add(&cast2_ok, 1);
    return RAP_OK;
}

static int on_nb(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    member *m = state;
    uint32_t i;
    (void)ctx, (void)len;
    memcpy(&i, data, sizeof(i));
    if (from == rap_group_at(&m->g, (m->idx[0] + NX - 1) % NX, m->idx[1], 0) && i == (m->idx[0] + NX - 1) % NX + NX * m->idx[1])
        atomic_fetch_add(&nb_ok, 1);
    else
        atomic_fetch_add(&nb_bad, 1);
    return RAP_OK;
}

/* GO (the collector's id): a message to the right-hand neighbour, and a
 * value to each reduction, the last numbers first (all in flight). */
static int on_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    member *m = state;
    rap_aid coll;
    uint64_t v[2], one;
    (void)from, (void)len;
    memcpy(&coll, data, sizeof(coll));
    MT_OK(rap_send(ctx, rap_group_at(&m->g, (m->idx[0] + 1) % NX, m->idx[1], 0), NB, &m->lin, sizeof(m->lin)));
    one = UINT64_C(1) << m->lin;
    MT_OK(rap_contribute(ctx, 100, XOR_OP, &one, sizeof(one), RESALL, RAP_GROUP_ALL));
    for (int op = RAP_MAX_F64; op >= RAP_SUM_I64; op--) {
        v[0] = elem(op, m->lin, 0);
        v[1] = elem(op, m->lin, 1);
        MT_OK(rap_contribute(ctx, (uint32_t)op, (uint32_t)op, v, sizeof(v), RES[op], coll));
    }
    return RAP_OK;
}

static int on_resall(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    uint64_t x;
    (void)ctx, (void)state, (void)len;
    memcpy(&x, data, sizeof(x));
    if (x == (UINT64_C(1) << NA) - 1 && from == RAP_AID_NONE)
        atomic_fetch_add(&all_ok, 1);
    return RAP_OK;
}

/* The collector: reduction `op`'s result against the same fold done here. */
static void check_result(int op, const void *data)
{
    uint64_t want[2], got[2];
    for (int k = 0; k < 2; k++) {
        want[k] = elem(op, 0, k);
        for (uint32_t lin = 1; lin < NA; lin++) {
            uint64_t e = elem(op, lin, k);
            int64_t a, b;
            double da, db;
            memcpy(&a, &want[k], 8), memcpy(&b, &e, 8);
            memcpy(&da, &want[k], 8), memcpy(&db, &e, 8);
            switch (op) {
            case RAP_SUM_I64: a += b; memcpy(&want[k], &a, 8); break;
            case RAP_SUM_U64: want[k] += e; break;
            case RAP_SUM_F64: da += db; memcpy(&want[k], &da, 8); break;
            case RAP_MIN_I64: a = b < a ? b : a; memcpy(&want[k], &a, 8); break;
            case RAP_MIN_U64: want[k] = e < want[k] ? e : want[k]; break;
            case RAP_MIN_F64: da = db < da ? db : da; memcpy(&want[k], &da, 8); break;
            case RAP_MAX_I64: a = b > a ? b : a; memcpy(&want[k], &a, 8); break;
            case RAP_MAX_U64: want[k] = e > want[k] ? e : want[k]; break;
            case RAP_MAX_F64: da = db > da ? db : da; memcpy(&want[k], &da, 8); break;
            }
        }
    }
    memcpy(got, data, sizeof(got));
    if (op == RAP_SUM_F64) { /* combined in another order: equal within rounding */
        double g0, w0, g1, w1;
        memcpy(&g0, &got[0], 8), memcpy(&w0, &want[0], 8), memcpy(&g1, &got[1], 8), memcpy(&w1, &want[1], 8);
        if (g0 - w0 < 1e-9 && w0 - g0 < 1e-9 && g1 - w1 < 1e-9 && w1 - g1 < 1e-9)
            atomic_fetch_add(&res_ok, 1);
        else
            atomic_fetch_add(&res_bad, 1);
        return;
    }
    if (memcmp(got, want, sizeof(got)) == 0)
        atomic_fetch_add(&res_ok, 1);
    else
        atomic_fetch_add(&res_bad, 1);
}

#define RESULT_HANDLER(op)                                                                                    \
    static int on_res##op(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)              \
    {                                                                                                         \
        (void)ctx, (void)state, (void)len;                                                                    \
        if (from != RAP_AID_NONE)                                                                             \
            atomic_fetch_add(&res_bad, 1);                                                                    \
        check_result(op, data);                                                                               \
        return RAP_OK;                                                                                        \
    }
RESULT_HANDLER(1) RESULT_HANDLER(2) RESULT_HANDLER(3) RESULT_HANDLER(4) RESULT_HANDLER(5)
RESULT_HANDLER(6) RESULT_HANDLER(7) RESULT_HANDLER(8) RESULT_HANDLER(9)
static rap_handler_fn const res_fns[10] = { NULL, on_res1, on_res2, on_res3, on_res4, on_res5,
                                            on_res6, on_res7, on_res8, on_res9 };

/* The movable group: MOVE (a rank) moves the member there; GO2 (after it,
 * from the same sender) has it contribute the rank it is on now. */
static int mov_move(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    int64_t r;
    (void)state, (void)from, (void)len;
    memcpy(&r, data, sizeof(r));
    return rap_migrate(ctx, rap_self(ctx), (int)r);
}

static int mov_go2(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    int64_t here = rap_rank();
    uint32_t idx[3];
    (void)state, (void)from, (void)data, (void)len;
    if (rap_group_self(ctx, NULL, idx) != RAP_OK || (idx[0] == 0 && here != 2))
        atomic_fetch_add(&resm_bad, 1);
    return rap_contribute(ctx, 7, RAP_SUM_I64, &here, sizeof(here), RESM, RAP_GROUP_ALL);
}

static int mov_resm(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    int64_t x;
    (void)ctx, (void)state, (void)from, (void)len;
    memcpy(&x, data, sizeof(x));
    atomic_fetch_add(x == 2 + 1 + 2 ? &resm_ok : &resm_bad, 1);
    return RAP_OK;
}

static rap_group failed; /* the coordinator's */

/* The coordinator (rank 1): makes the round-robin group and the failing
 * one from a handler, pings every member, and one that never started. */
static int coord_start(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    static const uint32_t rr_dims[3] = { 2, 3, 2 }, fail_dims[1] = { 4 };
    int32_t magic = 77;
    rap_group rr;
    uint32_t i = 0;
    (void)state, (void)from, (void)data, (void)len;
    MT_OK(rap_group_spawn(ctx, RR, 3, rr_dims, RAP_GROUP_ROUND_ROBIN, &magic, sizeof(magic), &rr));
    MT_CHECK(rr.ndims == 3 && rr.dims[2] == 2 && rr.placement == RAP_GROUP_ROUND_ROBIN && rr.id != 0);
    for (uint32_t z = 0; z < 2; z++)
        for (uint32_t y = 0; y < 3; y++)
            for (uint32_t x = 0; x < 2; x++, i++)
                MT_OK(rap_send(ctx, rap_group_at(&rr, x, y, z), PING, &i, sizeof(i)));
    MT_CHECK(rap_group_at(&rr, 2, 0, 0) == RAP_AID_NONE && rap_group_at(&rr, 0, 3, 0) == RAP_AID_NONE &&
             rap_group_at(&rr, 0, 0, 2) == RAP_AID_NONE);
    MT_OK(rap_group_spawn(ctx, FAIL, 1, fail_dims, RAP_GROUP_BLOCK, NULL, 0, &failed));
    i = 2;
    MT_OK(rap_send(ctx, rap_group_at(&failed, 2, 0, 0), PING, &i, sizeof(i)));
    return RAP_OK;
}

static void coord_error(rap_ctx *ctx, void *state, const rap_error_event *ev)
{
    (void)ctx, (void)state;
    if (ev->kind == RAP_ERROR_SPAWN && ev->cookie == 2 && ev->msg_type == FAIL && ev->code == RAP_EHANDLER)
        atomic_fetch_add(&spawn_fail, 1);
    else if (ev->kind == RAP_ERROR_DEAD_LETTER && ev->msg_type == PING && ev->actor == rap_group_at(&failed, 2, 0, 0))
        atomic_fetch_add(&dead, 1);
    else {
        fprintf(stderr, "unexpected event kind %d code %d cookie %llu type %u\n", ev->kind, ev->code,
                (unsigned long long)ev->cookie, ev->msg_type);
        atomic_fetch_add(&pings_bad, 1);
    }
}

static int sum(_Atomic int *x)
{
    int mine = atomic_load(x), all = 0;
    MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    return all;
}

int main(int argc, char **argv)
{
    static const uint32_t dims[2] = { NX, NY };
    int32_t magic = 77;
    rap_aid coll = RAP_AID_NONE, coord = RAP_AID_NONE;
    rap_group g;
    uint32_t op;
    char name[32];

    MT_OK(rap_msg_type_register("gr.ping", sizeof(uint32_t), RAP_MSG_FIXED, &PING));
    MT_OK(rap_msg_type_register("gr.go", sizeof(rap_aid), RAP_MSG_FIXED, &GO));
    MT_OK(rap_msg_type_register("gr.nb", sizeof(uint32_t), RAP_MSG_FIXED, &NB));
    MT_OK(rap_msg_type_register("gr.cast", sizeof(int64_t), RAP_MSG_FIXED, &CAST));
    MT_OK(rap_msg_type_register("gr.cast2", sizeof(int64_t), RAP_MSG_FIXED, &CAST2));
    MT_OK(rap_msg_type_register("gr.resall", sizeof(uint64_t), RAP_MSG_FIXED, &RESALL));
    MT_OK(rap_msg_type_register("gr.start", sizeof(int64_t), RAP_MSG_FIXED, &START));
    MT_OK(rap_msg_type_register("gr.move", sizeof(int64_t), RAP_MSG_FIXED, &MOVE));
    MT_OK(rap_msg_type_register("gr.go2", sizeof(int64_t), RAP_MSG_FIXED, &GO2));
    MT_OK(rap_msg_type_register("gr.resm", sizeof(int64_t), RAP_MSG_FIXED, &RESM));
    MT_OK(rap_actor_type_register("gr.mov", 8, NULL, NULL, &MOV));
    MT_OK(rap_actor_type_movable(MOV, NULL, NULL));
    MT_OK(rap_actor_type_on(MOV, MOVE, mov_move));
    MT_OK(rap_actor_type_on(MOV, GO2, mov_go2));
    MT_OK(rap_actor_type_on(MOV, RESM, mov_resm));
    for (int k = 1; k <= 9; k++) {
        snprintf(name, sizeof(name), "gr.res%d", k);
        MT_OK(rap_msg_type_register(name, 16, RAP_MSG_FIXED, &RES[k]));
    }
    MT_OK(rap_actor_type_register("gr.member", sizeof(member), member_init, NULL, &MEMBER));
    MT_OK(rap_actor_type_register("gr.rr", sizeof(member), member_init, NULL, &RR));
    MT_OK(rap_actor_type_register("gr.fail", 0, fail_init, NULL, &FAIL));
    MT_OK(rap_actor_type_register("gr.coll", 0, NULL, NULL, &COLL));
    MT_OK(rap_actor_type_register("gr.coord", 0, NULL, NULL, &COORD));
    for (int t = 0; t < 2; t++) {
        uint32_t at = t ? RR : MEMBER;
        MT_OK(rap_actor_type_on(at, PING, on_ping));
        MT_OK(rap_actor_type_on(at, CAST, on_cast));
        MT_OK(rap_actor_type_on(at, CAST2, on_cast2));
        MT_OK(rap_actor_type_on(at, NB, on_nb));
        MT_OK(rap_actor_type_on(at, GO, on_go));
        MT_OK(rap_actor_type_on(at, RESALL, on_resall));
    }
    MT_OK(rap_actor_type_on(FAIL, PING, on_ping));
    for (int k = 1; k <= 9; k++)
        MT_OK(rap_actor_type_on(COLL, RES[k], res_fns[k]));
    MT_OK(rap_actor_type_on(COORD, START, coord_start));
    MT_OK(rap_actor_type_on_error(COORD, coord_error));
    MT_CHECK(rap_reducer_register("gr.xor", NULL, &op) == RAP_EINVAL);
    MT_CHECK(rap_reducer_register("", xor_fn, &op) == RAP_EINVAL);
    MT_OK(rap_reducer_register("gr.xor", xor_fn, &XOR_OP));
    MT_CHECK(XOR_OP >= RAP_TYPE_USER_MIN);
    MT_CHECK(rap_reducer_register("gr.xor", xor_fn, &op) == RAP_EEXIST);
    MT_CHECK(rap_group_spawn(NULL, MEMBER, 2, dims, RAP_GROUP_BLOCK, NULL, 0, &g) == RAP_ESTATE);
    MT_OK(rap_init(&argc, &argv));
    if (rap_size() != 3)
        MT_SKIP("needs 3 ranks");
    MT_CHECK(rap_reducer_register("gr.other", xor_fn, &op) == RAP_ESTATE);

    /* Bad arguments. */
    {
        uint32_t z[2] = { 4, 0 }, big[3] = { 256, 256, 257 }, x = 1;
        rap_group bad = { 0 };
        MT_CHECK(rap_group_spawn(NULL, MEMBER, 2, NULL, RAP_GROUP_BLOCK, NULL, 0, &g) == RAP_EINVAL);
        MT_CHECK(rap_group_spawn(NULL, MEMBER, 2, dims, RAP_GROUP_BLOCK, NULL, 0, NULL) == RAP_EINVAL);
        MT_CHECK(rap_group_spawn(NULL, MEMBER, 0, dims, RAP_GROUP_BLOCK, NULL, 0, &g) == RAP_EINVAL);
        MT_CHECK(rap_group_spawn(NULL, MEMBER, 4, dims, RAP_GROUP_BLOCK, NULL, 0, &g) == RAP_EINVAL);
        MT_CHECK(rap_group_spawn(NULL, MEMBER, 2, z, RAP_GROUP_BLOCK, NULL, 0, &g) == RAP_EINVAL);
        MT_CHECK(rap_group_spawn(NULL, MEMBER, 2, dims, 7, NULL, 0, &g) == RAP_EINVAL);
        MT_CHECK(rap_group_spawn(NULL, MEMBER, 2, dims, RAP_GROUP_BLOCK, NULL, 4, &g) == RAP_EINVAL);
        MT_CHECK(rap_group_spawn(NULL, MEMBER, 3, big, RAP_GROUP_BLOCK, NULL, 0, &g) == RAP_ERANGE);
        MT_CHECK(rap_group_spawn(NULL, 12345, 2, dims, RAP_GROUP_BLOCK, NULL, 0, &g) == RAP_ENOTYPE);
        MT_CHECK(rap_group_at(NULL, 0, 0, 0) == RAP_AID_NONE);
        MT_CHECK(rap_group_at(&bad, 0, 0, 0) == RAP_AID_NONE);
        MT_CHECK(rap_group_self(NULL, &bad, NULL) == RAP_EINVAL);
        MT_CHECK(rap_group_broadcast(NULL, NULL, CAST, &x, 8) == RAP_EINVAL);
        MT_CHECK(rap_group_broadcast(NULL, &bad, CAST, &x, 8) == RAP_EINVAL);
        MT_CHECK(rap_contribute(NULL, 1, RAP_SUM_I64, &x, 8, RES[1], RAP_GROUP_ALL) == RAP_EINVAL);
    }

    if (rap_rank() == 2)
        MT_OK(rap_spawn(NULL, COLL, NULL, 0, &coll));
    MPI_Bcast(&coll, 1, MPI_UINT64_T, 2, MPI_COMM_WORLD);
    if (rap_rank() == 0) {
        /* Made from main; the first messages race with the creation on
         * ranks 1 and 2. */
        MT_OK(rap_group_spawn(NULL, MEMBER, 2, dims, RAP_GROUP_BLOCK, &magic, sizeof(magic), &g));
        MT_CHECK(g.id != 0 && g.ndims == 2 && g.dims[0] == NX && g.dims[1] == NY && g.dims[2] == 1);
        MT_CHECK(rap_group_at(&g, NX, 0, 0) == RAP_AID_NONE && rap_group_at(&g, 0, 0, 1) == RAP_AID_NONE);
        {
            uint32_t x = 0;
            MT_CHECK(rap_group_broadcast(NULL, &g, CAST, &x, sizeof(x)) == RAP_EINVAL); /* wrong size */
            MT_CHECK(rap_group_broadcast(NULL, &g, 999, &x, 8) == RAP_ENOTYPE);
        }
        for (uint32_t y = 0; y < NY; y++)
            for (uint32_t x = 0; x < NX; x++) {
                uint32_t i = x + NX * y;
                MT_OK(rap_send(NULL, rap_group_at(&g, x, y, 0), PING, &i, sizeof(i)));
            }
        for (int64_t s = 0; s < CASTS; s++)
            MT_OK(rap_group_broadcast(NULL, &g, CAST, &s, sizeof(s)));
        for (uint32_t y = 0; y < NY; y++)
            for (uint32_t x = 0; x < NX; x++)
                MT_OK(rap_send(NULL, rap_group_at(&g, x, y, 0), GO, &coll, sizeof(coll)));
        {
            static const uint32_t three[1] = { 3 };
            rap_group mg;
            int64_t two = 2, z = 0;
            MT_OK(rap_group_spawn(NULL, MOV, 1, three, RAP_GROUP_BLOCK, NULL, 0, &mg));
            MT_CHECK(RAP_AID_RANK(rap_group_at(&mg, 0, 0, 0)) == 0 && RAP_AID_RANK(rap_group_at(&mg, 2, 0, 0)) == 2);
            MT_OK(rap_send(NULL, rap_group_at(&mg, 0, 0, 0), MOVE, &two, sizeof(two)));
            for (uint32_t i = 0; i < 3; i++)
                MT_OK(rap_send(NULL, rap_group_at(&mg, i, 0, 0), GO2, &z, sizeof(z)));
        }
    }
    if (rap_rank() == 1) {
        int64_t s = 0;
        MT_OK(rap_spawn(NULL, COORD, NULL, 0, &coord));
        MT_OK(rap_send(NULL, coord, START, &s, sizeof(s)));
    }
    MT_OK(rap_run());
    MT_CHECK(sum(&init_bad) == 0);
    MT_CHECK(sum(&pings_ok) == NA + NR);
    MT_CHECK(sum(&pings_bad) == 0);
    MT_CHECK(sum(&casts_ok) == NA * CASTS);
    MT_CHECK(sum(&casts_bad) == 0);
    MT_CHECK(sum(&nb_ok) == NA);
    MT_CHECK(sum(&nb_bad) == 0);
    MT_CHECK(sum(&cast2_ok) == NR);
    MT_CHECK(sum(&res_ok) == 9);
    MT_CHECK(sum(&res_bad) == 0);
    MT_CHECK(sum(&all_ok) == NA);
    MT_CHECK(sum(&spawn_fail) == 1);
    MT_CHECK(sum(&dead) == 1);
    MT_CHECK(sum(&resm_ok) == 3);
    MT_CHECK(sum(&resm_bad) == 0);
    MT_OK(rap_finalize());
    return 0;
}
