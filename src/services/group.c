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
    uint32_t got, kids; /* members' values and children's partials in */
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

/* To every member: here directly, elsewhere once per rank. */
static int cast(const ginfo *gi, rap_ctx *ctx, rap_aid from, uint32_t type, const void *data, size_t len)
{
    rap_wire_gcast w = { .g = gi->g, .type = type, .len = (uint32_t)len };
    int rc = RAP_OK;

    for (uint32_t k = 0; k < gi->ntree && rc == RAP_OK; k++) {
        int r = gi->hosts[gi->tree[k]].rank;
        if (r == G.rank)
            rc = cast_here(gi, ctx, from, type, data, len);
        else if (ctx != NULL)
            rc = rap__send_wrapped(ctx, RAP_KIND_SYS_ACTION, rap__aid_system(r), RAP_SYS_GROUP_CAST, &w, sizeof(w),
                                   data, len);
        else {
            rap_env *env = rap__env_alloc(sizeof(w) + len);
            if (env == NULL)
                return RAP_ENOMEM;
            memcpy(rap__env_payload(env), &w, sizeof(w));
            if (len > 0)
                memcpy((char *)rap__env_payload(env) + sizeof(w), data, len);
            rap__env_set(env, RAP_KIND_SYS_ACTION, RAP_SYS_GROUP_CAST, rap__aid_system(r), from);
            rap__route(env);
        }
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
    return cast(gi, ctx, RAP_AID_NONE, type, data, len);
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

/* Send reduction w's value: to the parent's System actor, or (the root)
 * the result to its target. */
static void pass_on(const ginfo *gi, const rap_wire_gred *w0, const unsigned char *val)
{
    rap_wire_gred w = *w0;
    rap_env *env;
    int rc;

    if (gi->node == 0) {
        if (w.to == RAP_GROUP_ALL)
            rc = cast(gi, NULL, RAP_AID_NONE, w.result_type, val, w.len);
        else
            rc = rap__sys_send(RAP_KIND_ACTOR_ACTION, w.result_type, w.to, RAP_AID_NONE, val, w.len);
        if (rc != RAP_OK)
            rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "group %u: reduction %u's result not sent: %s", w.g.id, w.redno,
                     rap_err_name(rc));
        return;
    }
    w.part = 1;
    if ((env = rap__env_alloc(sizeof(w) + w.len)) == NULL) {
        rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "group %u: reduction %u lost: out of memory", w.g.id, w.redno);
        return;
    }
    memcpy(rap__env_payload(env), &w, sizeof(w));
    memcpy((char *)rap__env_payload(env) + sizeof(w), val, w.len);
    rap__env_set(env, RAP_KIND_SYS_ACTION, RAP_SYS_GROUP_RED,
                 rap__aid_system(gi->hosts[gi->tree[(gi->node - 1) / 2]].rank), rap__aid_system(G.rank));
    rap__route(env);
}

/* Count a member's value (part 0) or a child's partial (part 1) into
 * reduction w of this rank; pass the combination on when it is whole. */
static void take(const rap_wire_gred *w, const unsigned char *val, rap_aid from)
{
    uint64_t key = (uint64_t)w->g.id << 32 | w->redno, v;
    char name[RAP_NAME_MAX];
    ginfo *gi;
    red *r = NULL;
    bool whole = false;
    const char *bad = NULL;

    pthread_mutex_lock(&G.lock);
    if ((gi = info_locked(&w->g)) == NULL) {
        bad = "out of memory";
    } else if (gi->node < 0) {
        bad = "this rank has no members of the group";
    } else if (rap__u64map_get(&G.reds, key, &v)) {
        r = (red *)(uintptr_t)v;
        if (r->op != w->op || r->len != w->len || r->result_type != w->result_type || r->to != w->to)
            bad = "its operator, length, result type or target differs from the first contribution's";
        else
            combine(w->op, r->val, val, w->len);
    } else if ((r = malloc(sizeof(*r) + w->len)) == NULL ||
               rap__u64map_put(&G.reds, key, (uint64_t)(uintptr_t)r) != RAP_OK) {
        free(r);
        r = NULL;
        bad = "out of memory";
    } else {
        *r = (red){ .op = w->op, .result_type = w->result_type, .len = w->len, .to = w->to };
        memcpy(r->val, val, w->len);
    }
    if (bad == NULL) {
        uint32_t kids = (2u * (uint32_t)gi->node + 1 < gi->ntree) + (2u * (uint32_t)gi->node + 2 < gi->ntree);
        if (w->part == 0)
            r->got++;
        else
            r->kids++;
        if (r->got >= gi->count && r->kids >= kids) {
            whole = true;
            rap__u64map_del(&G.reds, key, NULL);
        }
    }
    pthread_mutex_unlock(&G.lock);
    if (bad != NULL) {
        rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "group %u: reduction %u: a value from %s left out: %s", w->g.id,
                 w->redno, rap__actor_name(from, name, sizeof(name)), bad);
        return;
    }
    if (whole) {
        rap_wire_gred out = *w;
        out.part = 1;
        pass_on(gi, &out, r->val);
        free(r);
    }
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
    w.reserved = 0;
    if ((int)RAP_AID_RANK(me) == G.rank) {
        take(&w, data, me);
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
    { RAP_SYS_GROUP, op_group },
    { RAP_SYS_GROUP_CAST, op_cast },
    { RAP_SYS_GROUP_RED, op_red },
    { 0, NULL },
};

const rap_service rap__group_service = {
    .name = "group",
    .ops = ops,
    .start = start,
    .stop = stop,
};
