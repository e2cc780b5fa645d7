/* services/group.c -- actor groups (rap_group_spawn, rap_group_at,
 * rap_group_self), their broadcasts (rap_group_broadcast) and reductions
 * (rap_contribute, rap_reducer_register).
 *
 * Owns:       what this rank knows of each group (its descriptor, its
 *             hosts, the members at home here, its place in the reduction
 *             tree), the reductions under way here, the registered
 *             reduction operators.
 * Invariants: a group's number is 1 + rank + size * k for the k-th group
 *             its creating rank made, so numbers never clash and a member's
 *             id is computed from the group and its index on any rank
 *             (msg/aid.h, msg/group.h).  Every message about a group
 *             carries its descriptor, so a rank learns of a group from
 *             whichever comes first; only RAP_SYS_GROUP (or the creator's
 *             own call) creates the members at home here, which the
 *             actor table then makes ready, releasing what waited for them.
 *             A member's value goes to its home (where it was created, as
 *             it may have moved since), which counts it among its members;
 *             a rank sends its combined value up the tree of the hosts
 *             with members once all its members and its children are in;
 *             the root sends the result.
 * Threads:    the calls on the caller's thread; the operations on the
 *             worker running the System actor; one lock over the tables.
 * Uses:       system/node.h, system/service.h, msg/, util/, the public API.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "msg/aid.h"
#include "msg/group.h"
#include "msg/proto.h"
#include "services/services.h"
#include "system/node.h"
#include "util/hash.h"
#include "util/u64map.h"

typedef struct ginfo {
    rap_group g;
    const rap_host *hosts; /* the ranks hosting its type (g_node's table) */
    uint32_t nhosts;
    uint32_t lo, stride, count; /* its members at home here */
    uint32_t *tree, ntree;      /* host positions with members, in order */
    int32_t node;               /* this rank's place in `tree`, -1 when none */
} ginfo;

typedef struct red {
    uint32_t op, result_type, len;
    rap_aid to;
    uint32_t got;         /* members' values in */
    uint32_t kids;        /* to an actor: children's partials in; to all: the extra rank's (0 or 1) */
    uint32_t sent, done;  /* to all: rounds sent, rounds combined */
    uint32_t early;       /* to all: bit r: the partner's value of round r is in parts */
    bool pre_sent;        /* to all, an extra rank: its value went to its partner */
    unsigned char *parts; /* to all: 32 rounds x len, made at the first early value */
    unsigned char val[];
} red;

#define MAX_REDUCERS 64
typedef struct reducer {
    uint32_t id;
    rap_reduce_fn fn;
    char name[64];
} reducer;

static struct {
    pthread_mutex_t lock;
    rap_u64map groups; /* number -> ginfo * */
    rap_u64map reds;   /* number << 32 | reduction number -> red * */
    _Atomic uint32_t made;
    int rank, size;
    reducer reducers[MAX_REDUCERS];
    size_t nreducers;
} G = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* ------------------------------------------------------------ the groups */

/* This rank's record of `g` (made from the descriptor the first time);
 * NULL when no rank hosts its type, or out of memory.  Under the lock. */
static ginfo *info_locked(const rap_group *g)
{
    const rap_host *hosts;
    uint64_t v;
    ginfo *gi;
    size_t nhosts;

    if (rap__u64map_get(&G.groups, g->id, &v))
        return (ginfo *)(uintptr_t)v;
    if ((nhosts = rap__types_hosts(g->actor_type, &hosts)) == 0 || (gi = calloc(1, sizeof(*gi))) == NULL)
        return NULL;
    gi->g = *g;
    gi->hosts = hosts;
    gi->nhosts = (uint32_t)nhosts;
    gi->node = -1;
    if ((gi->tree = malloc(nhosts * sizeof(*gi->tree))) == NULL) {
        free(gi);
        return NULL;
    }
    gi->ntree = rap__group_member_hosts(g, gi->nhosts, gi->tree);
    for (uint32_t k = 0; k < gi->ntree; k++)
        if (hosts[gi->tree[k]].rank == G.rank) {
            gi->node = (int32_t)k;
            rap__group_members(g, gi->tree[k], gi->nhosts, &gi->lo, &gi->stride, &gi->count);
        }
    if (rap__u64map_put(&G.groups, g->id, (uint64_t)(uintptr_t)gi) != RAP_OK) {
        free(gi->tree);
        free(gi);
        return NULL;
    }
    return gi;
}

static ginfo *info_of(const rap_group *g)
{
    ginfo *gi;

    pthread_mutex_lock(&G.lock);
    gi = info_locked(g);
    pthread_mutex_unlock(&G.lock);
    return gi;
}

static rap_aid member_aid(const ginfo *gi, uint32_t i)
{
    return rap__aid_group(gi->hosts[rap__group_host(&gi->g, i, gi->nhosts)].rank, gi->g.id, i,
                          (gi->g.flags & RAP_GROUP_F_MOVABLE) != 0);
}

/* Create the members at home here, supervised by `parent`, and make the
 * group ready (what waited for them goes to them). */
static void make_members(const ginfo *gi, rap_aid parent, uint32_t sup_seq, const void *arg, size_t len, int worker)
{
    char name[RAP_NAME_MAX];
    int rc = rap__table_group_open(g_node.table, gi->g.id, gi->lo, gi->stride, gi->count);

    if (rc != RAP_OK) {
        rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "group %u: its members here were not made: %s", gi->g.id,
                 rap_err_name(rc));
        return;
    }
    for (uint32_t k = 0; k < gi->count; k++) {
        uint32_t i = gi->lo + k * gi->stride;
        rap_aid aid;
        rc = rap__actor_create(gi->g.actor_type, parent, RAP_AID_SERIAL(member_aid(gi, i)), sup_seq, arg, len,
                               worker, &aid);
        if (rc == RAP_OK)
            continue;
        if (parent != RAP_AID_NONE && RAP_AID_SERIAL(parent) != RAP_SERIAL_OUTSIDE)
            rap__send_error(parent, RAP_KIND_SYS_ERROR, RAP_SYS_SPAWN_FAILED, RAP_ERROR_SPAWN, rc, RAP_AID_NONE,
                            gi->g.actor_type, i);
        else
            rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "group %u: member %u (%s) was not made: %s", gi->g.id, i,
                     rap__actor_name(member_aid(gi, i), name, sizeof(name)), rap_err_name(rc));
    }
    rap__table_group_ready(g_node.table, gi->g.id, rap__group_push);
}

int rap_group_spawn(rap_ctx *ctx, uint32_t actor_type, int ndims, const uint32_t *dims, uint32_t placement,
                    const void *arg, size_t len, rap_group *group_out)
{
    rap_group g = { .actor_type = actor_type, .dims = { 1, 1, 1 }, .placement = placement };
    uint64_t n = 1, num;
    uint32_t seq;
    rap_aid from;
    ginfo *gi;

    if (!rap__node_up())
        return RAP_ESTATE;
    if (dims == NULL || group_out == NULL || ndims < 1 || ndims > 3 || placement > RAP_GROUP_ROUND_ROBIN ||
        (arg == NULL && len > 0))
        return RAP_EINVAL;
    for (int d = 0; d < ndims; d++) {
        if (dims[d] == 0)
            return RAP_EINVAL;
        if ((n *= dims[d]) > RAP_GROUP_MAX_MEMBERS)
            return RAP_ERANGE;
        g.dims[d] = dims[d];
    }
    g.ndims = (uint32_t)ndims;
    if (actor_type < RAP_TYPE_USER_MIN || !rap__types_hosts(actor_type, &(const rap_host *){ NULL }))
        return RAP_ENOTYPE;
    if (len > RAP_MAX_PAYLOAD - sizeof(rap_wire_group))
        return RAP_ETOOBIG;
    num = 1 + (uint64_t)G.rank + (uint64_t)G.size * atomic_fetch_add(&G.made, 1);
    if (num >= (1u << RAP_GROUP_NUM_BITS))
        return RAP_ERANGE;
    g.id = (uint32_t)num;
    g.flags = rap__types_movable(actor_type) ? RAP_GROUP_F_MOVABLE : 0;
    if ((gi = info_of(&g)) == NULL)
        return RAP_ENOMEM;
    seq = rap__sup_seq(ctx);
    for (uint32_t p = 0; seq != 0 && p < gi->ntree; p++) { /* the supervisor's children, in order */
        uint32_t lo, stride, count;
        rap__group_members(&g, gi->tree[p], gi->nhosts, &lo, &stride, &count);
        for (uint32_t k = 0; k < count; k++)
            rap__sup_kid_add(rap__ctx_aid(ctx), member_aid(gi, lo + k * stride), seq);
    }
    /* The other hosts first: their members come up while ours do. */
    from = ctx != NULL && ctx->actor != NULL ? rap__ctx_aid(ctx) : rap__aid_outside(G.rank);
    for (uint32_t p = 0; p < gi->nhosts; p++) {
        rap_wire_group w = { .g = g, .supervised = seq };
        rap_env *env;
        if (gi->hosts[p].rank == G.rank)
            continue;
        if ((env = rap__env_alloc(sizeof(w) + len)) == NULL)
            return RAP_ENOMEM; /* the members already asked for come up; this group is unusable */
        memcpy(rap__env_payload(env), &w, sizeof(w));
        if (len > 0)
            memcpy((char *)rap__env_payload(env) + sizeof(w), arg, len);
        rap__env_set(env, RAP_KIND_SYS_ACTION, RAP_SYS_GROUP, rap__aid_system(gi->hosts[p].rank), from);
        rap__route(env);
    }
    if (gi->node >= 0)
        make_members(gi, rap__ctx_aid(ctx), seq, arg, len, ctx != NULL ? ctx->worker : -1);
    *group_out = g;
    return RAP_OK;
}

/* RAP_SYS_GROUP: make the members at home here. */
static void op_group(rap_ctx *ctx, const rap_env *env)
{
    rap_wire_group w;
    ginfo *gi;

    memcpy(&w, rap__env_cpayload(env), sizeof(w));
    if (atomic_load(&g_node.stopping))
        return;
    if ((gi = info_of(&w.g)) == NULL) {
        rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "group %u: out of memory, or its type is hosted nowhere", w.g.id);
        return;
    }
    if (gi->node < 0) { /* a host without members: nothing waits here */
        rap__table_group_ready(g_node.table, w.g.id, rap__group_push);
        return;
    }
    make_members(gi, env->hdr.from, w.supervised, (const char *)rap__env_cpayload(env) + sizeof(w),
                 env->hdr.len - sizeof(w), ctx->worker);
}

rap_aid rap_group_at(const rap_group *g, uint32_t x, uint32_t y, uint32_t z)
{
    const rap_host *hosts;
    size_t nhosts;
    uint32_t i;

    if (g == NULL || !rap__group_ok(g) || x >= g->dims[0] || y >= g->dims[1] || z >= g->dims[2] ||
        (nhosts = rap__types_hosts(g->actor_type, &hosts)) == 0)
        return RAP_AID_NONE;
    i = x + g->dims[0] * (y + g->dims[1] * z);
    return rap__aid_group(hosts[rap__group_host(g, i, (uint32_t)nhosts)].rank, g->id, i,
                          (g->flags & RAP_GROUP_F_MOVABLE) != 0);
}

int rap_group_self(const rap_ctx *ctx, rap_group *g_out, uint32_t idx_out[3])
{
    rap_aid me = rap__ctx_aid(ctx);
    uint64_t v;
    bool known;
    rap_group g;

    if (!rap__aid_is_group(me))
        return RAP_EINVAL;
    pthread_mutex_lock(&G.lock);
    known = rap__u64map_get(&G.groups, rap__aid_gnum(me), &v);
    if (known)
        g = ((ginfo *)(uintptr_t)v)->g;
    pthread_mutex_unlock(&G.lock);
    if (!known)
        return RAP_EINVAL;
    if (g_out != NULL)
        *g_out = g;
    if (idx_out != NULL) {
        uint32_t i = rap__aid_gindex(me);
        idx_out[0] = i % g.dims[0];
        idx_out[1] = i / g.dims[0] % g.dims[1];
        idx_out[2] = i / (g.dims[0] * g.dims[1]);
    }
    return RAP_OK;
}

/* ------------------------------------------------------------ broadcast */

/* A copy to each member at home here, from `from`. */
static int cast_here(const ginfo *gi, rap_ctx *ctx, rap_aid from, uint32_t type, const void *data, size_t len)
{
    int rc = RAP_OK;

    for (uint32_t k = 0; k < gi->count && rc == RAP_OK; k++) {
        rap_aid to = member_aid(gi, gi->lo + k * gi->stride);
        if (ctx != NULL || from == RAP_AID_NONE) {
            if ((rc = rap_send(ctx, to, type, data, len)) == RAP_EDEAD)
                rc = RAP_OK;
        } else {
            rc = rap__sys_send(RAP_KIND_ACTOR_ACTION, type, to, from, data, len);
        }
    }
    return rc;
}

/* To every member, from ctx's actor (or from outside actors): here
 * directly, elsewhere once per rank. */
static int cast(const ginfo *gi, rap_ctx *ctx, uint32_t type, const void *data, size_t len)
{
    rap_wire_gcast w = { .g = gi->g, .type = type, .len = (uint32_t)len };
    int rc = RAP_OK;

    for (uint32_t k = 0; k < gi->ntree && rc == RAP_OK; k++) {
        int r = gi->hosts[gi->tree[k]].rank;
        if (r == G.rank)
            rc = cast_here(gi, ctx, RAP_AID_NONE, type, data, len);
        else
            rc = rap__send_wrapped(ctx, RAP_KIND_SYS_ACTION, rap__aid_system(r), RAP_SYS_GROUP_CAST, &w, sizeof(w),
                                   data, len);
    }
    return rc;
}

int rap_group_broadcast(rap_ctx *ctx, const rap_group *g, uint32_t type, const void *data, size_t len)
{
    ginfo *gi;
    int rc;

    if (!rap__node_up())
        return RAP_ESTATE;
    if (g == NULL || !rap__group_ok(g))
        return RAP_EINVAL;
    if ((rc = rap__send_check(rap__aid_system(G.rank), type, data, len)) != RAP_OK)
        return rc;
    if (len > RAP_MAX_PAYLOAD - sizeof(rap_wire_gcast))
        return RAP_ETOOBIG;
    if ((gi = info_of(g)) == NULL)
        return rap__types_hosts(g->actor_type, &(const rap_host *){ NULL }) ? RAP_ENOMEM : RAP_EINVAL;
    return cast(gi, ctx, type, data, len);
}

/* RAP_SYS_GROUP_CAST: a copy to each member at home here, from the
 * broadcaster. */
static void op_cast(rap_ctx *ctx, const rap_env *env)
{
    rap_wire_gcast w;
    ginfo *gi;

    (void)ctx;
    memcpy(&w, rap__env_cpayload(env), sizeof(w));
    if ((gi = info_of(&w.g)) == NULL || gi->node < 0 ||
        cast_here(gi, NULL, env->hdr.from, w.type, (const char *)rap__env_cpayload(env) + sizeof(w), w.len) !=
            RAP_OK)
        rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "group %u: a broadcast not delivered here (%s)", w.g.id,
                 gi == NULL ? "out of memory" : gi->node < 0 ? "no members here" : "out of memory");
}

/* ------------------------------------------------------------ reductions */

static const reducer *reducer_of(uint32_t op)
{
    for (size_t i = 0; i < G.nreducers; i++)
        if (G.reducers[i].id == op)
            return &G.reducers[i];
    return NULL;
}

static bool op_known(uint32_t op) { return (op >= RAP_SUM_I64 && op <= RAP_MAX_F64) || reducer_of(op) != NULL; }

/* acc = acc op in, element by element. */
static void combine(uint32_t op, unsigned char *acc, const unsigned char *in, size_t len)
{
    const reducer *r;

    if (op > RAP_MAX_F64) {
        if ((r = reducer_of(op)) != NULL)
            r->fn(acc, in, len);
        return;
    }
    for (size_t k = 0; k + 8 <= len; k += 8) {
        int64_t ia, ib;
        uint64_t ua, ub;
        double da, db;
        memcpy(&ia, acc + k, 8), memcpy(&ib, in + k, 8);
        memcpy(&ua, acc + k, 8), memcpy(&ub, in + k, 8);
        memcpy(&da, acc + k, 8), memcpy(&db, in + k, 8);
        switch (op) {
        case RAP_SUM_I64: case RAP_SUM_U64: ua += ub; break; /* two's complement: one sum */
        case RAP_SUM_F64: da += db; break;
        case RAP_MIN_I64: ia = ib < ia ? ib : ia; break;
        case RAP_MIN_U64: ua = ub < ua ? ub : ua; break;
        case RAP_MIN_F64: da = db < da ? db : da; break;
        case RAP_MAX_I64: ia = ib > ia ? ib : ia; break;
        case RAP_MAX_U64: ua = ub > ua ? ub : ua; break;
        case RAP_MAX_F64: da = db > da ? db : da; break;
        }
        if (op == RAP_SUM_F64 || op == RAP_MIN_F64 || op == RAP_MAX_F64)
            memcpy(acc + k, &da, 8);
        else if (op == RAP_MIN_I64 || op == RAP_MAX_I64)
            memcpy(acc + k, &ia, 8);
        else
            memcpy(acc + k, &ua, 8);
    }
}

/* A reduction's message to the System actor of `rank`. */
static void send_red(int rank, const rap_wire_gred *w, uint32_t part, uint32_t round, const unsigned char *val)
{
    rap_wire_gred out = *w;
    rap_env *env;

    out.part = part;
    out.round = round;
    if ((env = rap__env_alloc(sizeof(out) + out.len)) == NULL) {
        rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "group %u: reduction %u lost: out of memory", w->g.id, w->redno);
        return;
    }
    memcpy(rap__env_payload(env), &out, sizeof(out));
    memcpy((char *)rap__env_payload(env) + sizeof(out), val, out.len);
    rap__env_set(env, RAP_KIND_SYS_ACTION, RAP_SYS_GROUP_RED, rap__aid_system(rank), rap__aid_system(G.rank));
    rap__route(env);
}

/* The result of a reduction to one actor, from the root. */
static void deliver(const rap_wire_gred *w, const unsigned char *val)
{
    int rc = rap__sys_send(RAP_KIND_ACTOR_ACTION, w->result_type, w->to, RAP_AID_NONE, val, w->len);
    if (rc != RAP_OK)
        rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "group %u: reduction %u's result not sent: %s", w->g.id, w->redno,
                 rap_err_name(rc));
}

/* What take decided to send, once the lock is dropped (a send may route
 * an arrival here again). */
typedef struct red_out {
    int n;
    struct { int rank; uint32_t part, round; } to[34]; /* rank -1: this rank's members, -2: the result's actor */
    unsigned char *vals[34];                            /* a round each, the result, the extra's */
} red_out;

static void out_add(red_out *o, int rank, uint32_t part, uint32_t round, const unsigned char *val, uint32_t len)
{
    unsigned char *copy = malloc(len);
    if (copy == NULL) {
        rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "a reduction's step lost: out of memory");
        return;
    }
    memcpy(copy, val, len);
    o->to[o->n].rank = rank, o->to[o->n].part = part, o->to[o->n].round = round;
    o->vals[o->n++] = copy;
}

/* A reduction to every member: recursive doubling between the ranks with
 * members (their positions in `tree`, 0..T-1).  With P the largest power
 * of two <= T, position p >= P (an extra) gives its value to p - P and
 * gets the result from it; the others exchange values with p ^ 2^r in
 * rounds r = 0, 1, ... (a round's value may come early), each ending with
 * the same combination (ops are commutative), and deliver to their own
 * members.  Under the lock: advances as far as what is in allows, adds
 * the sends to `o`, and returns true once this rank has the result. */
static bool all_step(const ginfo *gi, red *r, red_out *o)
{
    uint32_t t = gi->ntree, p = (uint32_t)gi->node, pw = 1, rounds = 0;

    while (pw * 2 <= t)
        pw *= 2, rounds++;
    if (r->got < gi->count)
        return false;
    if (p >= pw) { /* an extra: its value goes once; the result comes back (RAP_RED_RESULT) */
        if (!r->pre_sent)
            out_add(o, gi->hosts[gi->tree[p - pw]].rank, RAP_RED_EXTRA, 0, r->val, r->len);
        r->pre_sent = true;
        return false;
    }
    if (p + pw < t && r->kids < 1)
        return false; /* its extra's value first */
    for (;;) {
        if (r->sent == r->done && r->done < rounds) {
            out_add(o, gi->hosts[gi->tree[p ^ (1u << r->done)]].rank, RAP_RED_ROUND, r->done, r->val, r->len);
            r->sent++;
        }
        if (r->done < rounds && (r->early & (1u << r->done))) {
            combine(r->op, r->val, r->parts + (size_t)r->done * r->len, r->len);
            r->done++;
            continue;
        }
        break;
    }
    if (r->done < rounds)
        return false;
    out_add(o, -1, 0, 0, r->val, r->len);
    if (p + pw < t)
        out_add(o, gi->hosts[gi->tree[p + pw]].rank, RAP_RED_RESULT, 0, r->val, r->len);
    return true;
}

/* Count a member's value, or a partial from another rank, into reduction
 * w of this rank, and pass it on when this rank's part is whole: up the
 * tree (to one actor), or by recursive doubling (to every member).
 * Returns whether it sent a value to another rank. */
static bool take(const rap_wire_gred *w, const unsigned char *val, rap_aid from)
{
    uint64_t key = (uint64_t)w->g.id << 32 | w->redno, v;
    char name[RAP_NAME_MAX];
    ginfo *gi;
    red *r = NULL;
    bool whole = false, all = w->to == RAP_GROUP_ALL, sent = false;
    const char *bad = NULL;
    red_out o = { 0 };

    pthread_mutex_lock(&G.lock);
    if ((gi = info_locked(&w->g)) == NULL) {
        bad = "out of memory";
    } else if (gi->node < 0) {
        bad = "this rank has no members of the group";
    } else if (rap__u64map_get(&G.reds, key, &v)) {
        r = (red *)(uintptr_t)v;
        if (r->op != w->op || r->len != w->len || r->result_type != w->result_type || r->to != w->to)
            bad = "its operator, length, result type or target differs from the first contribution's";
    } else if ((r = calloc(1, sizeof(*r) + w->len)) == NULL ||
               rap__u64map_put(&G.reds, key, (uint64_t)(uintptr_t)r) != RAP_OK) {
        free(r);
        r = NULL;
        bad = "out of memory";
    } else {
        r->op = w->op, r->result_type = w->result_type, r->len = w->len, r->to = w->to;
        r->got = UINT32_MAX; /* no value yet: the first is copied, not combined */
    }
    if (bad == NULL && w->part == RAP_RED_ROUND) { /* kept for its round */
        if (r->parts == NULL && (r->parts = malloc(32 * (size_t)w->len)) == NULL)
            bad = "out of memory";
        else
            memcpy(r->parts + (size_t)w->round * w->len, val, w->len), r->early |= 1u << w->round;
    } else if (bad == NULL && w->part == RAP_RED_RESULT) {
        out_add(&o, -1, 0, 0, val, w->len);
        whole = true;
    } else if (bad == NULL) {
        if (r->got == UINT32_MAX)
            memcpy(r->val, val, w->len), r->got = 0;
        else
            combine(w->op, r->val, val, w->len);
        if (w->part == RAP_RED_MEMBER)
            r->got++;
        else
            r->kids++;
    }
    if (bad == NULL && !whole && r->got != UINT32_MAX) {
        if (all) {
            whole = all_step(gi, r, &o);
        } else {
            uint32_t kids = (2u * (uint32_t)gi->node + 1 < gi->ntree) + (2u * (uint32_t)gi->node + 2 < gi->ntree);
            if (r->got >= gi->count && r->kids >= kids) {
                whole = true;
                if (gi->node == 0)
                    out_add(&o, -2, 0, 0, r->val, r->len); /* the root: the result to its actor */
                else
                    out_add(&o, gi->hosts[gi->tree[(gi->node - 1) / 2]].rank, RAP_RED_CHILD, 0, r->val, r->len);
            }
        }
    }
    if (whole)
        rap__u64map_del(&G.reds, key, NULL);
    pthread_mutex_unlock(&G.lock);
    if (bad != NULL) {
        rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "group %u: reduction %u: a value from %s left out: %s", w->g.id,
                 w->redno, rap__actor_name(from, name, sizeof(name)), bad);
        return false;
    }
    for (int i = 0; i < o.n; i++) {
        if (o.to[i].rank == -1) {
            if (cast_here(gi, NULL, RAP_AID_NONE, w->result_type, o.vals[i], w->len) != RAP_OK)
                rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "group %u: reduction %u's result not delivered here",
                         w->g.id, w->redno);
        } else if (o.to[i].rank == -2) {
            deliver(w, o.vals[i]);
        } else {
            send_red(o.to[i].rank, w, o.to[i].part, o.to[i].round, o.vals[i]);
            sent = sent || o.to[i].rank != G.rank;
        }
        free(o.vals[i]);
    }
    if (whole && r != NULL) {
        free(r->parts);
        free(r);
    }
    return sent;
}

int rap_contribute(rap_ctx *ctx, uint32_t redno, uint32_t op, const void *data, size_t len, uint32_t result_type,
                   rap_aid to)
{
    rap_aid me = rap__ctx_aid(ctx);
    rap_wire_gred w;
    uint64_t v;
    bool known;
    int rc;

    if (!rap__node_up())
        return RAP_ESTATE;
    if (!rap__aid_is_group(me) || data == NULL || len == 0 || !op_known(op) ||
        (op <= RAP_MAX_F64 && len % 8 != 0))
        return RAP_EINVAL;
    if (len > RAP_REDUCE_MAX)
        return RAP_ETOOBIG;
    if (to != RAP_GROUP_ALL && (!rap__aid_valid(to, G.size) || rap__aid_is_runtime(to)))
        return RAP_EINVAL;
    if ((rc = rap__send_check(rap__aid_system(G.rank), result_type, data, len)) != RAP_OK)
        return rc;
    pthread_mutex_lock(&G.lock);
    known = rap__u64map_get(&G.groups, rap__aid_gnum(me), &v);
    if (known)
        w = (rap_wire_gred){ .g = ((ginfo *)(uintptr_t)v)->g };
    pthread_mutex_unlock(&G.lock);
    if (!known)
        return RAP_EINVAL;
    w.redno = redno;
    w.op = op;
    w.result_type = result_type;
    w.len = (uint32_t)len;
    w.to = to;
    w.part = 0;
    w.round = 0;
    if ((int)RAP_AID_RANK(me) == G.rank) {
        /* This rank's part went on: a reduction is a meeting point, so
         * look now for what the other ranks sent (a partner's value may
         * be in already, and the result then reaches this rank's members
         * in this turn instead of after a trip through the scheduler). */
        if (take(&w, data, me) && ctx != NULL && ctx->actor != NULL)
            rap__node_poll(NULL);
        return RAP_OK;
    }
    /* Moved away from its home: the value goes there. */
    return rap__send_wrapped(ctx, RAP_KIND_SYS_ACTION, rap__aid_system((int)RAP_AID_RANK(me)), RAP_SYS_GROUP_RED,
                             &w, sizeof(w), data, len);
}

/* RAP_SYS_GROUP_RED: a member's value (sent from where it moved to) or a
 * child's partial. */
static void op_red(rap_ctx *ctx, const rap_env *env)
{
    rap_wire_gred w;

    (void)ctx;
    memcpy(&w, rap__env_cpayload(env), sizeof(w));
    if (!op_known(w.op) || (w.op <= RAP_MAX_F64 && w.len % 8 != 0)) {
        rap__log(RAP_LOG_ERROR, RAP_AID_NONE,
                 "group %u: reduction %u: operator %u is not registered in this executable, or its length "
                 "%u is not whole elements",
                 w.g.id, w.redno, w.op, w.len);
        return;
    }
    take(&w, (const unsigned char *)rap__env_cpayload(env) + sizeof(w), env->hdr.from);
}

int rap_reducer_register(const char *name, rap_reduce_fn fn, uint32_t *op_out)
{
    uint32_t id;

    if (name == NULL || name[0] == '\0' || fn == NULL || op_out == NULL || strlen(name) >= sizeof(G.reducers[0].name))
        return RAP_EINVAL;
    if (rap_rank() >= 0)
        return RAP_ESTATE;
    id = RAP_TYPE_USER_MIN + rap__hash_name(name) % (UINT32_MAX - RAP_TYPE_USER_MIN);
    for (size_t i = 0; i < G.nreducers; i++) {
        if (strcmp(G.reducers[i].name, name) == 0)
            return RAP_EEXIST;
        if (G.reducers[i].id == id)
            return RAP_ECOLLIDE;
    }
    if (G.nreducers == MAX_REDUCERS)
        return RAP_ERANGE;
    G.reducers[G.nreducers].id = id;
    G.reducers[G.nreducers].fn = fn;
    strcpy(G.reducers[G.nreducers].name, name);
    G.nreducers++;
    *op_out = id;
    return RAP_OK;
}

/* -------------------------------------------------------- the service */

static int start(const rap_config *cfg, int rank, int size, int workers)
{
    (void)cfg, (void)workers;
    G.rank = rank;
    G.size = size;
    return RAP_OK;
}

static void stop(void)
{
    pthread_mutex_lock(&G.lock);
    for (size_t i = 0; i < G.groups.cap; i++)
        if (G.groups.keys[i] != 0) {
            ginfo *gi = (ginfo *)(uintptr_t)G.groups.vals[i];
            free(gi->tree);
            free(gi);
        }
    for (size_t i = 0; i < G.reds.cap; i++)
        if (G.reds.keys[i] != 0)
            free((red *)(uintptr_t)G.reds.vals[i]);
    rap__u64map_free(&G.groups);
    rap__u64map_free(&G.reds);
    atomic_store(&G.made, 0);
    pthread_mutex_unlock(&G.lock);
}

static const rap_service_op ops[] = {
    { RAP_SYS_GROUP, op_group }, /* runs the members' inits: in the System actor's turn */
    { RAP_SYS_GROUP_CAST, op_cast },
    { RAP_SYS_GROUP_RED, op_red },
    { 0, NULL },
};

/* A broadcast's and a reduction's hops, at once as they arrive. */
static const rap_service_op arrival_ops[] = {
    { RAP_SYS_GROUP_CAST, op_cast },
    { RAP_SYS_GROUP_RED, op_red },
    { 0, NULL },
};

const rap_service rap__group_service = {
    .name = "group",
    .ops = ops,
    .arrival_ops = arrival_ops,
    .start = start,
    .stop = stop,
};
