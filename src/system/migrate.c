/* system/migrate.c -- see migrate.h; the design is in docs/BALANCING.md
 * ("Migration").
 *
 * A move of actor A from rank R1 to R2:
 *   R1, A's worker, at the end of a turn that asked for it: A's state and
 *     sequence maps go to R2's System actor (RAP_SYS_MIGRATE); A stays in
 *     R1's table, active but not queued, so messages to it wait in its
 *     mailbox.
 *   R2's System actor checks and installs A (a guest, or back at home),
 *     tells A's home where it is (RAP_SYS_DIR) and R1 that it has it
 *     (RAP_SYS_MIGRATE_DONE, code 0), or R1 why not (a RAP_E* code).
 *   R1's System actor, on code 0: notes A at R2 in its cache (the home's
 *     directory too, when R1 is the home), removes A from its table and
 *     forwards what A's mailbox and held lists have to R2; on refusal it
 *     queues A again and reports the failure.
 * A message to a movable actor that is not here goes to the place the
 * cache names, else to its home, which knows (after RAP_WIRE_HOPS_HOME
 * forwards a message goes to the home whatever the cache says, so stale
 * caches cannot send it round in circles); the rank it came from is told
 * the better way (RAP_SYS_LOCATE).  Since a sender's messages may now
 * take different ways, each carries the sender's sequence number to the
 * actor, which takes them in that order.
 */
#include <stdlib.h>
#include <string.h>

#include "system/migrate.h"
#include "system/probe.h"
#include "system/service.h"
#include "util/fatal.h"

#define SEQ_MASK RAP_WIRE_SEQ_MASK
#define RAP_WIRE_HOPS_HOME 2u /* forwards after which a message goes to the home */

static inline uint32_t env_seq(const rap_env *env) { return env->hdr.flags >> RAP_WIRE_SEQ_SHIFT; }
static inline unsigned env_hops(const rap_env *env)
{
    return (env->hdr.flags & RAP_WIRE_HOPS_MASK) >> RAP_WIRE_HOPS_SHIFT;
}

static rap_mig *mig_of(rap_actor *a)
{
    if (a->mig == NULL && (a->mig = calloc(1, sizeof(*a->mig))) != NULL)
        a->mig->move_to = -1;
    return a->mig;
}

/* ------------------------------------------------------------- sending */

int rap__mig_stamp(rap_ctx *ctx, rap_env *env)
{
    rap_aid to = env->hdr.to;
    uint32_t seq;

    if (ctx != NULL && ctx->actor != NULL) {
        rap_mig *m = mig_of(ctx->actor);
        uint32_t *s = m != NULL ? rap__seqmap_get(&m->out, to) : NULL;
        if (s == NULL)
            return RAP_ENOMEM;
        seq = *s;
        *s = (seq + 1) & SEQ_MASK;
    } else {
        if (!rap__seq_outside_next(to, &seq))
            return RAP_ENOMEM;
        env->hdr.from = rap__aid_outside(g_node.rank);
    }
    env->hdr.flags = RAP_WIRE_SEQ | seq << RAP_WIRE_SEQ_SHIFT;
    return RAP_OK;
}

/* Where a message to `to`, not here, goes next: -1 when nowhere (its home
 * does not know it: it never was, or it ended).  `src`: the rank it came
 * from (-1 from here); one the home sent here while its directory was
 * behind goes where this rank last saw the actor go, not back. */
static int next_place(rap_aid to, unsigned hops, int src)
{
    int home = (int)RAP_AID_RANK(to), r;

    if (home == g_node.rank)
        return rap__dir_get(to);
    if ((hops < RAP_WIRE_HOPS_HOME || src == home) && (r = rap__loc_get(to)) >= 0 &&
        r != g_node.rank && r != src)
        return r;
    return home;
}

/* Tell `rank`, which sent us a message for `aid`, to send there directly
 * (once per run of messages from one rank for one actor). */
static void hint(int rank, rap_aid aid, int place)
{
    static _Thread_local rap_aid last_aid;
    static _Thread_local int last_rank = -1, last_place = -1;
    rap_wire_where w = { .aid = aid, .rank = place };

    if (rank == place || rank == g_node.rank)
        return;
    if (last_aid == aid && last_rank == rank && last_place == place)
        return;
    last_aid = aid, last_rank = rank, last_place = place;
    if (rap__sys_send(RAP_KIND_SYS_ACTION, RAP_SYS_LOCATE, rap__aid_system(rank),
                      rap__aid_system(g_node.rank), &w, sizeof(w)) != RAP_OK)
        rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "out of memory telling rank %d where an actor is", rank);
}

bool rap__mig_deliver(rap_env *env)
{
    rap_aid to = env->hdr.to;
    rap_actor *a = rap__table_acquire(g_node.table, to);
    unsigned hops;
    int dest;

    if (a != NULL) {
        rap__ctr_add(RAP_CTR_MAILBOX_IN, 1);
        if (rap__mailbox_push(&a->mb, env))
            rap__actor_schedule(a);
        rap__table_release(a);
        return true;
    }
    if (rap__aid_is_group(to) && (int)RAP_AID_RANK(to) == g_node.rank &&
        rap__table_group_hold(g_node.table, env))
        return false; /* its group is not made here yet */
    hops = env_hops(env);
    dest = next_place(to, hops, env->src_rank);
    if (dest == g_node.rank && (a = rap__table_acquire(g_node.table, to)) != NULL) {
        /* The home's directory says here: it came back while we looked. */
        rap__ctr_add(RAP_CTR_MAILBOX_IN, 1);
        if (rap__mailbox_push(&a->mb, env))
            rap__actor_schedule(a);
        rap__table_release(a);
        return true;
    }
    if (dest < 0 || dest == g_node.rank) {
        rap__dead_letter_report(env);
        rap__net_consumed(g_node.net, env);
        rap__env_free(env);
        return false;
    }
    if (env->src_rank >= 0) { /* an arrival: pass it on */
        hint(env->src_rank, to, dest);
        rap__net_consumed(g_node.net, env);
        env->src_rank = -1;
        if (hops < RAP_WIRE_HOPS_MASK >> RAP_WIRE_HOPS_SHIFT)
            env->hdr.flags = (env->hdr.flags & ~RAP_WIRE_HOPS_MASK) | (hops + 1) << RAP_WIRE_HOPS_SHIFT;
        rap__ctr_add(RAP_CTR_FORWARDED, 1);
    }
    rap__transmit(dest, env);
    return false;
}

/* ------------------------------------------------------------ ordering */

static rap_env *copy_env(const rap_env *env)
{
    rap_env *c = rap__env_alloc(env->hdr.len);

    if (c != NULL) {
        memcpy(&c->hdr, &env->hdr, rap__env_wire_size(env));
        c->src_rank = -1;
        atomic_store_explicit(&c->next, NULL, memory_order_relaxed);
    }
    return c;
}

static inline rap_env *link_of(rap_env *env)
{
    return atomic_load_explicit(&env->next, memory_order_relaxed);
}
static inline void link_set(rap_env *env, rap_env *next)
{
    atomic_store_explicit(&env->next, next, memory_order_relaxed);
}

/* A kept copy (rap_defer) has no sequence number: it was taken in order
 * once already. */
static inline bool is_copy(const rap_env *e) { return (e->hdr.flags & 0xfu) != RAP_WIRE_SEQ; }

static size_t copy_rec_size(const rap_env *e) { return sizeof(rap_wire_hdr) + ((size_t)e->hdr.len + 7) / 8 * 8; }

/* The copies of list `e` (only those not sequenced: `copies_only`), for
 * a move: counted and sized (out NULL), or written at `out`. */
static size_t pack_copies(rap_env *e, bool copies_only, char *out, uint32_t *n)
{
    size_t bytes = 0;

    *n = 0;
    for (; e != NULL; e = link_of(e)) {
        if (copies_only && !is_copy(e))
            continue;
        if (out != NULL) {
            memcpy(out + bytes, &e->hdr, sizeof(e->hdr));
            memset(out + bytes + sizeof(e->hdr), 0, copy_rec_size(e) - sizeof(e->hdr));
            if (e->hdr.len > 0)
                memcpy(out + bytes + sizeof(e->hdr), rap__env_cpayload(e), e->hdr.len);
        }
        bytes += copy_rec_size(e);
        (*n)++;
    }
    return bytes;
}

static void free_list(rap_env *e)
{
    while (e != NULL) {
        rap_env *next = link_of(e);
        rap__env_free(e);
        e = next;
    }
}

/* Move the held messages of `from` that are now next to `ready`. */
static void promote(rap_mig *m, rap_aid from, uint32_t *expect)
{
    bool found = true;

    while (found && m->held != NULL) {
        found = false;
        for (rap_env **pp = &m->held; *pp != NULL; pp = (rap_env **)&(*pp)->next) {
            rap_env *e = *pp;
            if (e->hdr.from != from || env_seq(e) != *expect)
                continue;
            *pp = link_of(e);
            link_set(e, NULL);
            if (m->ready_tail != NULL)
                link_set(m->ready_tail, e);
            else
                m->ready = e;
            m->ready_tail = e;
            *expect = (*expect + 1) & SEQ_MASK;
            found = true;
            break;
        }
    }
}

bool rap__mig_in_order(rap_actor *a, rap_env *env)
{
    rap_mig *m = mig_of(a);
    uint32_t *expect, seq = env_seq(env);
    rap_env *c;

    if (m == NULL || (expect = rap__seqmap_get(&m->in, env->hdr.from)) == NULL)
        return true; /* out of memory: in arrival order rather than not at all */
    if (seq == *expect) {
        *expect = (seq + 1) & SEQ_MASK;
        if (m->held != NULL)
            promote(m, env->hdr.from, expect);
        return true;
    }
    if (rap__seq_before(seq, *expect)) {
        char self[RAP_AID_STR_MAX], from[RAP_AID_STR_MAX];
        rap__ctr_add(RAP_CTR_MALFORMED, 1);
        rap__log(RAP_LOG_ERROR, RAP_AID_NONE,
                 "actor %s (%s): dropped a second copy of message %u from %s", 
                 rap__aid_str(env->hdr.to, self, sizeof(self)), a->type->name, seq,
                 rap__aid_str(env->hdr.from, from, sizeof(from)));
        return false;
    }
    if ((c = copy_env(env)) == NULL)
        return true;
    rap__ctr_add(RAP_CTR_HELD_BACK, 1);
    link_set(c, m->held);
    m->held = c;
    return false;
}

rap_env *rap__mig_ready_pop(rap_actor *a)
{
    rap_mig *m = a->mig;
    rap_env *e = m != NULL ? m->ready : NULL;

    if (e != NULL) {
        m->ready = link_of(e);
        if (m->ready == NULL)
            m->ready_tail = NULL;
        link_set(e, NULL);
    }
    return e;
}

int rap__mig_defer(rap_actor *a, const rap_env *env)
{
    rap_mig *m = mig_of(a);
    rap_env *c;

    if (m == NULL || (c = rap__env_alloc(env->hdr.len)) == NULL)
        return RAP_ENOMEM;
    c->hdr = env->hdr;
    c->hdr.flags = 0; /* a copy: no trace flow, no sequence to check again */
    if (env->hdr.len > 0)
        memcpy(rap__env_payload(c), rap__env_cpayload(env), env->hdr.len);
    link_set(c, NULL);
    if (m->deferred_tail != NULL)
        link_set(m->deferred_tail, c);
    else
        m->deferred = c;
    m->deferred_tail = c;
    return RAP_OK;
}

void rap__mig_redeliver(rap_actor *a)
{
    rap_mig *m = a->mig;

    if (m == NULL || m->deferred == NULL)
        return;
    link_set(m->deferred_tail, m->ready);
    if (m->ready == NULL)
        m->ready_tail = m->deferred_tail;
    m->ready = m->deferred;
    m->deferred = m->deferred_tail = NULL;
}

/* --------------------------------------------------------------- moves */

static void move_failed(rap_aid aid, rap_aid requester, int rank, int code, const char *type)
{
    char who[RAP_AID_STR_MAX];

    rap__log(RAP_LOG_WARN, RAP_AID_NONE, "actor %s (%s) could not move to rank %d: %s (%s)",
             rap__aid_str(aid, who, sizeof(who)), type, rank, rap_err_name(code), rap_strerror(code));
    if (requester != RAP_AID_NONE && RAP_AID_SERIAL(requester) != RAP_SERIAL_OUTSIDE)
        rap__send_error(requester, RAP_KIND_ACTOR_ERROR, 0, RAP_ERROR_MIGRATE, code, aid, 0,
                        (uint64_t)rank);
}

void rap__mig_request(rap_actor *a, int rank, rap_aid requester)
{
    rap_mig *m = mig_of(a);
    rap_aid aid = atomic_load_explicit(&a->aid, memory_order_relaxed);

    if (m == NULL) {
        move_failed(aid, requester, rank, RAP_ENOMEM, a->type->name);
        return;
    }
    if (RAP_AID_SERIAL(requester) == RAP_SERIAL_OUTSIDE)
        requester = RAP_AID_NONE;
    m->move_to = rank == g_node.rank ? -1 : rank;
    m->requester = requester;
}

bool rap__mig_start(rap_actor *a, int worker)
{
    rap_mig *m = a->mig;
    const rap_actor_type *at = a->type;
    rap_aid aid = atomic_load_explicit(&a->aid, memory_order_relaxed);
    int to = m->move_to;
    size_t slen, n, rbytes, dbytes;
    uint32_t nready, ndeferred;
    rap_wire_migrate w;
    rap_wire_seq *seqs;
    rap_env *env;
    char *p;

    (void)worker;
    slen = at->pack != NULL ? at->pack(a->state, NULL, 0) : at->state_size;
    rbytes = pack_copies(m->ready, true, NULL, &nready);
    dbytes = pack_copies(m->deferred, false, NULL, &ndeferred);
    n = sizeof(w) + ((size_t)m->out.n + m->in.n) * sizeof(rap_wire_seq) + slen + rbytes + dbytes;
    if (slen > RAP_MAX_PAYLOAD || n > RAP_MAX_PAYLOAD || (env = rap__env_alloc(n)) == NULL) {
        m->move_to = -1;
        move_failed(aid, m->requester, to, slen > RAP_MAX_PAYLOAD ? RAP_ETOOBIG : RAP_ENOMEM, at->name);
        return false;
    }
    w = (rap_wire_migrate){ .aid = aid, .parent = a->parent, .requester = m->requester,
                            .actor_type = at->id, .epoch = m->epoch + 1, .nout = m->out.n,
                            .nin = m->in.n, .state_len = slen, .nready = nready, .ndeferred = ndeferred,
                            .copies_len = rbytes + dbytes,
                            .flags = (a->supervised ? RAP_MIGF_SUPERVISED : 0u) |
                                     (a->suspended ? RAP_MIGF_SUSPENDED : 0u) };
    p = rap__env_payload(env);
    memcpy(p, &w, sizeof(w));
    seqs = (rap_wire_seq *)(void *)(p + sizeof(w));
    rap__seqmap_store(&m->out, seqs);
    rap__seqmap_store(&m->in, seqs + m->out.n);
    /* Messages taken in order but not yet handled go with the others: the
     * new place expects them again. */
    for (rap_env *e = m->ready; e != NULL; e = link_of(e))
        for (uint32_t i = 0; i < m->in.n && !is_copy(e); i++) {
            rap_wire_seq s;
            memcpy(&s, &seqs[m->out.n + i], sizeof(s));
            if (s.aid == e->hdr.from && rap__seq_before(env_seq(e), s.seq)) {
                s.seq = env_seq(e);
                memcpy(&seqs[m->out.n + i], &s, sizeof(s));
            }
        }
    p += sizeof(w) + ((size_t)m->out.n + m->in.n) * sizeof(rap_wire_seq);
    if (at->pack != NULL) {
        size_t wrote = at->pack(a->state, p, slen);
        if (wrote != slen) {
            rap__env_free(env);
            m->move_to = -1;
            move_failed(aid, m->requester, to, RAP_EINVAL, at->name);
            return false;
        }
    } else if (slen > 0) {
        memcpy(p, a->state, slen);
    }
    /* Its kept copies go inside: they are the actor's, not messages on
     * their way (the new place keeps them as they were). */
    pack_copies(m->ready, true, p + slen, &nready);
    pack_copies(m->deferred, false, p + slen + rbytes, &ndeferred);
    rap__env_set(env, RAP_KIND_SYS_ACTION, RAP_SYS_MIGRATE, rap__aid_system(to),
                 rap__aid_system(g_node.rank));
    m->moving = true;
    rap__route(env);
    return true;
}

/* Send `env`, a message of a moved actor's, on to `rank`. */
static void pass_on(int rank, rap_env *env)
{
    link_set(env, NULL);
    rap__ctr_add(RAP_CTR_FORWARDED, 1);
    rap__transmit(rank, env);
}

static void drop_list(rap_env *e)
{
    while (e != NULL) {
        rap_env *next = link_of(e);
        rap__dead_letter_report(e);
        rap__env_free(e);
        e = next;
    }
}

void rap__mig_free(rap_actor *a)
{
    rap_mig *m = a->mig;

    if (m == NULL)
        return;
    drop_list(m->ready);
    drop_list(m->held);
    if (rap__node_up()) {
        drop_list(m->deferred); /* its end: dead letters, as its mailbox's */
    } else {
        for (rap_env *e = m->deferred, *next; e != NULL; e = next) { /* rap_finalize: dropped */
            next = link_of(e);
            rap__env_free(e);
        }
    }
    rap__seqmap_free(&m->out);
    rap__seqmap_free(&m->in);
    free(m);
    a->mig = NULL;
}

void rap__mig_gone(rap_actor *a)
{
    rap_mig *m = a->mig;
    rap_aid aid = atomic_load_explicit(&a->aid, memory_order_relaxed);

    if (m == NULL)
        return;
    if (rap__aid_movable(aid) && m->epoch > 0) { /* it moved: its home knows of it */
        rap_wire_where w = { .aid = aid, .rank = -1, .epoch = m->epoch };
        if ((int)RAP_AID_RANK(aid) == g_node.rank)
            rap__dir_set(aid, -1, m->epoch);
        else if (rap__sys_send(RAP_KIND_SYS_ACTION, RAP_SYS_DIR, rap__aid_system((int)RAP_AID_RANK(aid)),
                               rap__aid_system(g_node.rank), &w, sizeof(w)) != RAP_OK)
            rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "out of memory telling an actor's home it ended");
    }
    rap__mig_free(a);
}

/* A system request to another rank's System actor, straight to the
 * transport: never held in the calling handler's outbox, so that it goes
 * before anything the actor just installed sends there. */
static rap_env *sys_env(int rank, uint32_t op, const void *payload, size_t len)
{
    rap_env *env = rap__env_alloc(len);

    if (env != NULL) {
        memcpy(rap__env_payload(env), payload, len);
        rap__env_set(env, RAP_KIND_SYS_ACTION, op, rap__aid_system(rank), rap__aid_system(g_node.rank));
    }
    return env;
}

static void answer_env(rap_env *env, int rank)
{
    if (rank == g_node.rank)
        rap__route(env);
    else
        rap__transmit(rank, env);
}

static void answer(int rank, rap_aid aid, rap_aid requester, int code, int to)
{
    rap_wire_migdone d = { .aid = aid, .requester = requester, .code = code, .rank = to };
    rap_env *env = sys_env(rank, RAP_SYS_MIGRATE_DONE, &d, sizeof(d));

    if (env == NULL)
        rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "out of memory answering a migration");
    else
        answer_env(env, rank);
}

/* The kept copies of an actor that moved here (rap_wire_migrate): the
 * first `nready` to its ready list, the rest to its deferred list.  Each
 * is checked: an ActorActionMsg (or a suspended supervisor's kept error
 * event) to the actor, its length within the bytes.  RAP_OK, RAP_EMALFORMED or RAP_ENOMEM. */
static int unpack_copies(rap_actor *a, const rap_wire_migrate *w, const char *p)
{
    uint64_t off = 0, total = (uint64_t)w->nready + w->ndeferred;
    rap_mig *m = a->mig;

    for (uint64_t i = 0; i < total; i++) {
        rap_wire_hdr h;
        rap_env *e;
        if (w->copies_len - off < sizeof(h))
            return RAP_EMALFORMED;
        memcpy(&h, p + off, sizeof(h));
        if ((h.kind != RAP_KIND_ACTOR_ACTION && !(h.kind == RAP_KIND_ACTOR_ERROR && h.len == sizeof(rap_wire_err))) ||
            h.to != w->aid || h.flags != 0 ||
            (uint64_t)h.len > w->copies_len - off - sizeof(h) ||
            (h.from != RAP_AID_NONE && !rap__aid_valid(h.from, g_node.size)))
            return RAP_EMALFORMED;
        if ((e = rap__env_alloc(h.len)) == NULL)
            return RAP_ENOMEM;
        e->hdr = h;
        e->src_rank = -1;
        if (h.len > 0)
            memcpy(rap__env_payload(e), p + off + sizeof(h), h.len);
        link_set(e, NULL);
        if (i < w->nready) {
            if (m->ready_tail != NULL)
                link_set(m->ready_tail, e);
            else
                m->ready = e;
            m->ready_tail = e;
        } else {
            if (m->deferred_tail != NULL)
                link_set(m->deferred_tail, e);
            else
                m->deferred = e;
            m->deferred_tail = e;
        }
        off += copy_rec_size(e);
    }
    return off == w->copies_len ? RAP_OK : RAP_EMALFORMED;
}

/* Install an actor that moved here; RAP_OK or why not. */
static int install(const rap_wire_migrate *w, const rap_wire_seq *seqs, const void *state,
                   int worker)
{
    rap_actor_type *at = rap__atype_find(w->actor_type);
    rap_actor *a;
    int rc;

    (void)worker;
    if (at == NULL || w->actor_type < RAP_TYPE_USER_MIN)
        return RAP_ENOHOST;
    if (!at->movable)
        return RAP_ENOTMOVABLE;
    if (at->pack == NULL && w->state_len != at->state_size)
        return RAP_EMALFORMED;
    if ((a = rap__table_acquire(g_node.table, w->aid)) != NULL) {
        rap__table_release(a);
        return RAP_EMALFORMED; /* it is here already */
    }
    if ((int)RAP_AID_RANK(w->aid) == g_node.rank && rap__dir_get(w->aid) < 0)
        return RAP_EMALFORMED; /* back home, but its home never saw it leave */
    if ((a = rap__table_alloc(g_node.table)) == NULL)
        return RAP_ENOMEM;
    a->type = at;
    a->parent = w->parent;
    a->task.run = rap__run_actor;
    atomic_store_explicit(&a->prof.atype, at->id, memory_order_relaxed);
    atomic_store_explicit(&a->prof.state_bytes, w->state_len, memory_order_relaxed);
    rc = RAP_ENOMEM;
    if (at->state_size > 0 && (a->state = calloc(1, at->state_size)) == NULL)
        goto fail;
    if (at->unpack != NULL) {
        if ((rc = at->unpack(a->state, state, w->state_len)) != RAP_OK) {
            rc = RAP_EMALFORMED;
            goto fail;
        }
    } else if (w->state_len > 0) {
        memcpy(a->state, state, w->state_len);
    }
    rc = RAP_ENOMEM;
    if (mig_of(a) == NULL || rap__seqmap_load(&a->mig->out, seqs, w->nout) != RAP_OK ||
        rap__seqmap_load(&a->mig->in, seqs + w->nout, w->nin) != RAP_OK)
        goto fail;
    a->mig->epoch = w->epoch;
    if ((rc = unpack_copies(a, w, (const char *)state + w->state_len)) != RAP_OK)
        goto fail;
    a->supervised = (w->flags & RAP_MIGF_SUPERVISED) != 0;
    a->suspended = (w->flags & RAP_MIGF_SUSPENDED) != 0;
    /* With kept messages to handle next, it runs at once (its mailbox
     * unmarked, so no sender schedules it too); else a message wakes it. */
    bool run = a->mig->ready != NULL;
    if ((rc = run ? rap__mailbox_init(&a->mb) : rap__mailbox_init_empty(&a->mb)) != RAP_OK)
        goto fail;
    if ((rc = rap__table_publish_aid(g_node.table, a, w->aid)) != RAP_OK) {
        rap__mailbox_destroy(&a->mb);
        goto fail;
    }
    if (run)
        rap__actor_schedule(a);
    return RAP_OK;
fail:
    if (a->mig != NULL) {
        free_list(a->mig->ready);
        free_list(a->mig->deferred);
        rap__seqmap_free(&a->mig->out);
        rap__seqmap_free(&a->mig->in);
        free(a->mig);
        a->mig = NULL;
    }
    free(a->state); /* (what unpack made of it is lost: out of memory) */
    a->state = NULL;
    rap__table_free(g_node.table, a);
    return rc;
}

void rap__mig_op_migrate(rap_ctx *ctx, const rap_env *env)
{
    const rap_wire_hdr *h = &env->hdr;
    const char *p = rap__env_cpayload(env);
    int from = (int)RAP_AID_RANK(h->from), rc;
    rap_wire_migrate w;
    uint64_t nseq;
    const char *why = NULL;

    memcpy(&w, p, sizeof(w));
    nseq = (uint64_t)w.nout + w.nin;
    if (!rap__aid_valid(w.aid, g_node.size) || !rap__aid_movable(w.aid))
        why = "not a movable actor's id";
    else if (nseq > (h->len - sizeof(w)) / sizeof(rap_wire_seq) ||
             w.state_len > h->len - sizeof(w) - nseq * sizeof(rap_wire_seq) ||
             w.copies_len != h->len - sizeof(w) - nseq * sizeof(rap_wire_seq) - w.state_len)
        why = "sizes that do not add up to its length";
    else if ((w.flags & ~(RAP_MIGF_SUPERVISED | RAP_MIGF_SUSPENDED)) != 0 || w.reserved != 0)
        why = "unknown flags";
    else if (w.parent != RAP_AID_NONE && !rap__aid_valid(w.parent, g_node.size))
        why = "a bad parent id";
    if (why != NULL) {
        rap__ctr_add(RAP_CTR_MALFORMED, 1);
        rap__log(RAP_LOG_ERROR, RAP_AID_NONE, "refused a malformed migration from rank %d: %s",
                 from, why);
        answer(from, w.aid, w.requester, RAP_EMALFORMED, g_node.rank);
        return;
    }
    /* The answer and the home's news are made first: once the actor is
     * in, they must go (an actor the old rank still waits on would stay
     * moving there for ever). */
    int home = (int)RAP_AID_RANK(w.aid);
    rap_wire_migdone ok = { .aid = w.aid, .requester = w.requester, .code = RAP_OK, .rank = g_node.rank };
    rap_wire_where d = { .aid = w.aid, .rank = g_node.rank, .epoch = w.epoch };
    rap_env *done = sys_env(from, RAP_SYS_MIGRATE_DONE, &ok, sizeof(ok));
    rap_env *dir = home != g_node.rank ? sys_env(home, RAP_SYS_DIR, &d, sizeof(d)) : NULL;
    if (done == NULL || (home != g_node.rank && dir == NULL))
        rc = RAP_ENOMEM;
    else
        rc = install(&w, (const rap_wire_seq *)(const void *)(p + sizeof(w)),
                     p + sizeof(w) + nseq * sizeof(rap_wire_seq), ctx->worker);
    if (rc != RAP_OK) {
        rap__env_free(done);
        rap__env_free(dir);
        if (rc == RAP_EMALFORMED) {
            char who[RAP_AID_STR_MAX];
            rap__ctr_add(RAP_CTR_MALFORMED, 1);
            rap__log(RAP_LOG_ERROR, RAP_AID_NONE,
                     "refused the migration of %s from rank %d: it is here already, its state did not unpack, "
                     "or a message it kept is malformed",
                     rap__aid_str(w.aid, who, sizeof(who)), from);
        }
        answer(from, w.aid, w.requester, rc, g_node.rank);
        return;
    }
    rap__ctr_add(RAP_CTR_MIGRATED_IN, 1);
    if (home == g_node.rank)
        rap__dir_set(w.aid, g_node.rank, w.epoch);
    else
        answer_env(dir, home);
    answer_env(done, from);
}

void rap__mig_op_done(rap_ctx *ctx, const rap_env *env)
{
    rap_wire_migdone d;
    rap_actor *a;
    rap_mig *m;
    rap_env *e;
    char who[RAP_AID_STR_MAX];

    memcpy(&d, rap__env_cpayload(env), sizeof(d));
    a = rap__table_acquire(g_node.table, d.aid);
    if (a == NULL || a->mig == NULL || !a->mig->moving || a->mig->move_to != d.rank ||
        (int)RAP_AID_RANK(env->hdr.from) != d.rank) {
        if (a != NULL)
            rap__table_release(a);
        rap__ctr_add(RAP_CTR_MALFORMED, 1);
        rap__log(RAP_LOG_ERROR, RAP_AID_NONE,
                 "migration answer from rank %d about %s, which is not moving there",
                 (int)RAP_AID_RANK(env->hdr.from), rap__aid_str(d.aid, who, sizeof(who)));
        return;
    }
    rap__table_release(a);
    m = a->mig;
    m->moving = false;
    m->move_to = -1;
    if (d.code != RAP_OK) {
        /* Refused: it stays, and runs again (it is still counted active). */
        move_failed(d.aid, m->requester, d.rank, d.code, a->type->name);
        rap__sched_push(rap__sched_of(a), &a->task);
        return;
    }
    m->epoch++;
    rap__loc_set(d.aid, d.rank);
    if ((int)RAP_AID_RANK(d.aid) == g_node.rank)
        rap__dir_set(d.aid, d.rank, m->epoch);
    rap__table_remove(g_node.table, a);
    /* No push can start now: what it has goes on to its new place, in the
     * order it came (sequence numbers order it there anyway). */
    while ((e = rap__mailbox_pop(&a->mb)) != NULL) {
        rap_env *c = copy_env(e);
        rap__ctr_add(RAP_CTR_MAILBOX_OUT, 1);
        rap__net_consumed(g_node.net, e);
        if (c == NULL) {
            rap__dead_letter_report(e);
            continue;
        }
        pass_on(d.rank, c);
    }
    while ((e = rap__mig_ready_pop(a)) != NULL) {
        if (is_copy(e))
            rap__env_free(e); /* it went inside the move */
        else
            pass_on(d.rank, e);
    }
    free_list(m->deferred); /* so did these */
    m->deferred = m->deferred_tail = NULL;
    /* Held ones go oldest first. */
    {
        rap_env *rev = NULL;
        for (e = m->held; e != NULL;) {
            rap_env *next = link_of(e);
            link_set(e, rev);
            rev = e;
            e = next;
        }
        m->held = NULL;
        for (e = rev; e != NULL;) {
            rap_env *next = link_of(e);
            pass_on(d.rank, e);
            e = next;
        }
    }
    rap__probe_gone(a);
    if (a->type->pack != NULL && a->type->fini != NULL) {
        /* The old copy is released; it is no longer the actor (its
         * counters went with it): what fini sends goes as from outside
         * actors. */
        rap_ctx c = { .worker = ctx->worker };
        a->type->fini(&c, a->state);
    }
    rap__seqmap_free(&m->out);
    rap__seqmap_free(&m->in);
    free(m);
    a->mig = NULL;
    rap__mailbox_destroy(&a->mb);
    free(a->state);
    rap__table_free(g_node.table, a);
    rap__ctr_add(RAP_CTR_MIGRATED_OUT, 1);
    RAP_ASSERT(atomic_load(&g_node.active) > 0);
    atomic_fetch_sub(&g_node.active, 1);
}

void rap__mig_op_dir(rap_ctx *ctx, const rap_env *env)
{
    rap_wire_where w;

    (void)ctx;
    memcpy(&w, rap__env_cpayload(env), sizeof(w));
    rap__dir_set(w.aid, w.rank, w.epoch);
    /* It ended on another rank: what the services keep for it here (its
     * monitors, the timers it set before it moved) goes as at an end here. */
    if (w.rank < 0 && atomic_load_explicit(&g_node.by_actor, memory_order_relaxed) != 0)
        rap__services_actor_end(w.aid);
}

void rap__mig_op_locate(rap_ctx *ctx, const rap_env *env)
{
    rap_wire_where w;

    (void)ctx;
    memcpy(&w, rap__env_cpayload(env), sizeof(w));
    if (w.rank != g_node.rank)
        rap__loc_set(w.aid, w.rank);
}

/* ------------------------------------------------------------ census */

typedef struct census_walk {
    void (*fn)(const rap_census *c, void *arg);
    void *arg;
} census_walk;

static void census_one(rap_actor *a, void *arg)
{
    census_walk *w = arg;
    rap_census c;

    if (a->type == NULL || a->type->id < RAP_TYPE_USER_MIN)
        return;
    c = (rap_census){
        .aid = atomic_load_explicit(&a->aid, memory_order_relaxed),
        .atype = a->type->id,
        .movable = a->type->movable,
        .time_ns = atomic_load_explicit(&a->prof.time_ns, memory_order_relaxed),
        .state_bytes = a->type->pack != NULL ? a->type->pack(a->state, NULL, 0) : a->type->state_size,
    };
    w->fn(&c, w->arg);
}

void rap__census(void (*fn)(const rap_census *c, void *arg), void *arg)
{
    census_walk w = { fn, arg };
    rap__table_foreach(g_node.table, census_one, &w);
}

/* ------------------------------------------------------------ public */

int rap_migrate(rap_ctx *ctx, rap_aid aid, int rank)
{
    rap_wire_migreq req = { .rank = rank };
    rap_env *env;
    int rc;

    if (!rap__node_up())
        return RAP_ESTATE;
    if (!rap__aid_valid(aid, g_node.size) || rap__aid_is_runtime(aid) || rank < 0 ||
        rank >= g_node.size)
        return RAP_EINVAL;
    if (!rap__aid_movable(aid))
        return RAP_ENOTMOVABLE;
    if (ctx != NULL && ctx->actor != NULL && rap__ctx_aid(ctx) == aid) {
        rap__mig_request(ctx->actor, rank, aid);
        return RAP_OK;
    }
    if ((env = rap__env_alloc(sizeof(req))) == NULL)
        return RAP_ENOMEM;
    memcpy(rap__env_payload(env), &req, sizeof(req));
    rap__env_set(env, RAP_KIND_ACTOR_ACTION, RAP_MSG_MIGRATE_REQ, aid, rap__ctx_aid(ctx));
    if ((rc = rap__mig_stamp(ctx, env)) != RAP_OK) {
        rap__env_free(env);
        return rc;
    }
    rap__route(env);
    return RAP_OK;
}
