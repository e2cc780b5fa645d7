/* msg/wire.c -- validation of wire images (see wire.h). */
#include <string.h>

#include "msg/group.h"
#include "msg/msgtype.h"
#include "msg/wire.h"

#define FAIL(text)       \
    do {                 \
        *why = (text);   \
        return RAP_EMALFORMED; \
    } while (0)

static int check_err_payload(const rap_wire_hdr *h, const void *payload, const char **why)
{
    rap_wire_err e;

    if (h->len != sizeof(e))
        FAIL("error payload has the wrong size");
    memcpy(&e, payload, sizeof(e));
    if (e.kind < RAP_ERROR_DEAD_LETTER || e.kind > RAP_ERROR_DOWN)
        FAIL("unknown error kind");
    if (e.actor_type != 0 && e.actor_type < RAP_TYPE_USER_MIN && e.actor_type != RAP_ATYPE_SYSTEM &&
        e.actor_type != RAP_ATYPE_LOGGER && e.actor_type != RAP_ATYPE_PROFILER)
        FAIL("error about an actor of an unknown runtime type");
    return RAP_OK;
}

/* An ActorActionMsg of one of the runtime's message types: a log line to
 * the Logger; a destroy request (no payload), a move request or a timer's
 * message to a user actor; nothing else (RAP_MSG_SPAWNED only ever comes
 * as a SystemActionMsg). */
static int check_runtime_type(const rap_wire_hdr *h, const void *payload, const rap_wire_limits *lim,
                              const char **why)
{
    switch (h->type) {
    case RAP_MSG_LOG:
        if (h->to != rap__aid(0, RAP_SERIAL_LOGGER))
            FAIL("log line not addressed to the Logger");
        if (h->len < sizeof(rap_wire_log) || h->len > sizeof(rap_wire_log) + RAP_LOG_MAX)
            FAIL("log line of the wrong size");
        return RAP_OK;
    case RAP_MSG_DESTROY:
        if (h->len != 0)
            FAIL("destroy request has a payload");
        if (rap__aid_is_runtime(h->to))
            FAIL("destroy request for a runtime actor");
        return RAP_OK;
    case RAP_MSG_SEND_AS: {
        rap_wire_sendas sa;
        if (h->len < sizeof(sa))
            FAIL("timer message shorter than its header");
        if (rap__aid_is_runtime(h->to))
            FAIL("timer message for a runtime actor");
        memcpy(&sa, payload, sizeof(sa));
        if (sa.len != h->len - sizeof(sa))
            FAIL("timer message's length does not match its payload");
        return RAP_OK; /* its addressee and type: rap_send checks them when it is sent */
    }
    case RAP_MSG_ASK:
    case RAP_MSG_REPLY:
    case RAP_MSG_ASK_TIMEOUT: {
        rap_wire_ask q;
        const rap_msg_type *mt;
        if (h->len < sizeof(q))
            FAIL("request or reply shorter than its header");
        memcpy(&q, payload, sizeof(q));
        if (q.len != h->len - sizeof(q))
            FAIL("request or reply whose length does not match its payload");
        if (q.id == 0 || RAP_AID_SERIAL(q.id) == 0)
            FAIL("request or reply without an id");
        if (q.type < RAP_TYPE_USER_MIN || (mt = rap__msgtype_find(q.type)) == NULL)
            FAIL("request or reply of an unregistered message type");
        if (h->type == RAP_MSG_ASK_TIMEOUT ? q.len != 0 : rap__msgtype_check_len(mt, q.len) != RAP_OK)
            FAIL("request or reply of a length its type does not allow");
        if (h->type == RAP_MSG_REPLY ? (rap__aid_is_runtime(h->to) && RAP_AID_SERIAL(h->to) != RAP_SERIAL_SYSTEM)
                                     : rap__aid_is_runtime(h->to))
            FAIL("request or reply for a runtime actor");
        if (h->type == RAP_MSG_ASK && (!rap__aid_valid(q.peer, lim->size) || RAP_AID_SERIAL(q.peer) == 0))
            FAIL("request with no one to answer");
        if (!rap__aid_valid(q.id, lim->size))
            FAIL("request or reply whose id names no rank of the job");
        return RAP_OK; /* ids: checked where they are looked up */
    }
    case RAP_MSG_MIGRATE_REQ:
        if (h->len != sizeof(rap_wire_migreq))
            FAIL("move request has the wrong size");
        if (!rap__aid_movable(h->to))
            FAIL("move request for an actor that is not movable");
        return RAP_OK;
    default:
        FAIL("runtime message type in an actor message");
    }
}

/* What every header shares: magic, version, and the kind its tag says. */
static int check_frame(const rap_wire_hdr *h, int tag, const char **why)
{
    int kind = rap__tag_kind(tag);

    if (h->magic != RAP_WIRE_MAGIC)
        FAIL("bad magic");
    if (h->version != RAP_WIRE_VERSION)
        FAIL("unsupported wire version");
    if (kind < 0 || kind >= RAP_KIND_COUNT || h->kind != (unsigned)kind)
        FAIL("kind does not match the MPI tag");
    return RAP_OK;
}

int rap__wire_validate(const void *buf, size_t n, int tag,
                       const rap_wire_limits *lim, const char **why)
{
    rap_wire_hdr h;
    const void *payload;
    int kind = rap__tag_kind(tag);

    if (n < sizeof(h))
        FAIL("shorter than a header");
    memcpy(&h, buf, sizeof(h));
    payload = (const char *)buf + sizeof(h);
    if (check_frame(&h, tag, why) != RAP_OK)
        return RAP_EMALFORMED;
    if (!rap__wire_single_flags_ok(&h))
        FAIL(h.flags == RAP_WIRE_BATCH   ? "batch where a single message belongs"
             : h.flags == RAP_WIRE_LARGE ? "large-message header where a message belongs"
             : (h.flags & 0xfu) == RAP_WIRE_FLOW ? "trace flow mark on a runtime message or without a number"
             : (h.flags & 0xfu) == RAP_WIRE_SEQ ? "sequence number on a message that is not to a movable actor"
             : (h.flags & RAP_WIRE_HOPS_MASK) != 0 ? "hop count on a message that is not to a movable actor"
                                         : "reserved flags not zero");
    if ((uint64_t)h.len != n - sizeof(h))
        FAIL("length does not match the bytes received");
    if (!rap__aid_valid(h.to, lim->size))
        FAIL("bad destination actor id");
    if (RAP_AID_RANK(h.to) != lim->my_rank && !rap__aid_movable(h.to))
        FAIL("destination actor is not on this rank");
    if (h.from != RAP_AID_NONE && !rap__aid_valid(h.from, lim->size))
        FAIL("bad source actor id");

    switch (kind) {
    case RAP_KIND_ACTOR_ACTION: {
        const rap_msg_type *mt;
        if (h.type < RAP_TYPE_USER_MIN)
            return check_runtime_type(&h, payload, lim, why);
        mt = rap__msgtype_find(h.type);
        if (mt == NULL)
            FAIL("unregistered message type");
        if (rap__msgtype_check_len(mt, h.len) != RAP_OK)
            FAIL("length does not fit the message type");
        return RAP_OK;
    }
    case RAP_KIND_ACTOR_ERROR:
        return check_err_payload(&h, payload, why);
    case RAP_KIND_SYS_ERROR:
        if (h.type != RAP_SYS_SPAWN_FAILED)
            FAIL("unknown system error operation");
        if (rap__aid_is_runtime(h.to))
            FAIL("spawn failure addressed to a runtime actor");
        return check_err_payload(&h, payload, why);
    case RAP_KIND_SYS_ACTION:
        switch (h.type) {
        case RAP_SYS_SPAWN: {
            rap_wire_spawn sp;
            if (h.len < sizeof(sp))
                FAIL("spawn request too short");
            if (h.to != rap__aid_system(lim->my_rank))
                FAIL("spawn request not addressed to the System actor");
            memcpy(&sp, payload, sizeof(sp));
            if (sp.supervised != 0 && (h.from == RAP_AID_NONE || rap__aid_is_runtime(h.from)))
                FAIL("spawn request supervised by no actor");
            return RAP_OK;
        }
        case RAP_SYS_PLACE:
            if (h.len < sizeof(rap_wire_spawn))
                FAIL("placement request too short");
            if (h.to != rap__aid(0, RAP_SERIAL_PROFILER) || h.from == RAP_AID_NONE ||
                rap__aid_is_runtime(h.from))
                FAIL("placement request not from an actor to the Profiler");
            return RAP_OK;
        case RAP_SYS_SPAWN_REPLY:
            if (h.len != sizeof(rap_spawned))
                FAIL("spawn reply has the wrong size");
            if (rap__aid_is_runtime(h.to))
                FAIL("spawn reply addressed to a runtime actor");
            return RAP_OK;
        case RAP_SYS_STOP: {
            rap_wire_stop st;
            if (h.len != sizeof(st))
                FAIL("stop request has the wrong size");
            memcpy(&st, payload, sizeof(st));
            if (st.status < 0 || st.status > 255 || st.reserved != 0)
                FAIL("stop request with an exit status out of 0..255");
            if (h.to != rap__aid_system(lim->my_rank))
                FAIL("stop request not addressed to the System actor");
            return RAP_OK;
        }
        case RAP_SYS_SAMPLE:
            FAIL("a rank's own sampling request from another rank");
        case RAP_SYS_PROFILE:
            if (h.len < sizeof(rap_wire_sample))
                FAIL("profile sample shorter than its header");
            if (h.to != rap__aid(0, RAP_SERIAL_PROFILER) || RAP_AID_SERIAL(h.from) != RAP_SERIAL_SYSTEM)
                FAIL("profile sample not from a System actor to the Profiler");
            return RAP_OK; /* its arrays: the Profiler checks them */
        case RAP_SYS_MIGRATE:
            if (h.len < sizeof(rap_wire_migrate))
                FAIL("migration shorter than its header");
            if (h.to != rap__aid_system(lim->my_rank) || RAP_AID_SERIAL(h.from) != RAP_SERIAL_SYSTEM)
                FAIL("migration not between two System actors");
            return RAP_OK; /* the rest: system/migrate.c checks it */
        case RAP_SYS_MIGRATE_DONE:
            if (h.len != sizeof(rap_wire_migdone))
                FAIL("migration answer has the wrong size");
            if (h.to != rap__aid_system(lim->my_rank) || RAP_AID_SERIAL(h.from) != RAP_SERIAL_SYSTEM)
                FAIL("migration answer not between two System actors");
            return RAP_OK;
        case RAP_SYS_DIR:
        case RAP_SYS_LOCATE: {
            rap_wire_where w;
            if (h.len != sizeof(w))
                FAIL("actor place has the wrong size");
            if (h.to != rap__aid_system(lim->my_rank) || RAP_AID_SERIAL(h.from) != RAP_SERIAL_SYSTEM)
                FAIL("actor place not between two System actors");
            memcpy(&w, payload, sizeof(w));
            if (!rap__aid_valid(w.aid, lim->size) || !rap__aid_movable(w.aid) || w.rank < -1 ||
                w.rank >= lim->size || (h.type == RAP_SYS_LOCATE && w.rank < 0))
                FAIL("actor place about an actor or rank that cannot be");
            if (h.type == RAP_SYS_DIR && (int)RAP_AID_RANK(w.aid) != lim->my_rank)
                FAIL("actor place sent to a rank that is not the actor's home");
            if (h.type == RAP_SYS_DIR && w.rank >= 0 && (int)RAP_AID_RANK(h.from) != w.rank)
                FAIL("actor place not from the rank it names"); /* a rank says only where it has it */
            return RAP_OK;
        }
        case RAP_SYS_TIMER_CANCEL: {
            rap_wire_timer t;
            if (h.len != sizeof(t))
                FAIL("timer cancel has the wrong size");
            if (h.to != rap__aid_system(lim->my_rank))
                FAIL("timer cancel not addressed to the System actor");
            memcpy(&t, payload, sizeof(t));
            if (RAP_AID_RANK(t.timer) != lim->my_rank)
                FAIL("timer cancel for a timer of another rank");
            return RAP_OK;
        }
        case RAP_SYS_SUB: {
            rap_wire_sub w;
            if (h.len != sizeof(w))
                FAIL("subscription change has the wrong size");
            memcpy(&w, payload, sizeof(w));
            if (h.to != rap__aid_system(lim->my_rank) || RAP_AID_SERIAL(h.from) != RAP_SERIAL_SYSTEM ||
                (int)RAP_AID_RANK(h.from) != w.rank || w.rank == lim->my_rank)
                FAIL("subscription change not from the System actor of the rank it names");
            if (w.on > 1 || w.topic == 0)
                FAIL("subscription change that is neither on nor off, or of no topic");
            return RAP_OK;
        }
        case RAP_SYS_PUBLISH: {
            rap_wire_pub w;
            const rap_msg_type *mt;
            if (h.len < sizeof(w))
                FAIL("publication shorter than its header");
            memcpy(&w, payload, sizeof(w));
            if (h.to != rap__aid_system(lim->my_rank))
                FAIL("publication not addressed to the System actor");
            if (w.len != h.len - sizeof(w) || w.topic == 0)
                FAIL("publication whose length does not match its payload, or of no topic");
            if (w.type < RAP_TYPE_USER_MIN || (mt = rap__msgtype_find(w.type)) == NULL ||
                rap__msgtype_check_len(mt, w.len) != RAP_OK)
                FAIL("publication of an unregistered type, or of a length its type does not allow");
            if (h.from != RAP_AID_NONE && rap__aid_is_runtime(h.from))
                FAIL("publication from a runtime actor");
            return RAP_OK;
        }
        case RAP_SYS_MONITOR: {
            rap_wire_monitor w;
            if (h.len != sizeof(w))
                FAIL("monitor request has the wrong size");
            memcpy(&w, payload, sizeof(w));
            if (h.to != rap__aid_system(lim->my_rank))
                FAIL("monitor request not addressed to the System actor");
            if (!rap__aid_valid(w.target, lim->size) || (int)RAP_AID_RANK(w.target) != lim->my_rank ||
                rap__aid_is_runtime(w.target))
                FAIL("monitor request for an actor this rank is not the home of");
            if (!rap__aid_valid(w.watcher, lim->size) || rap__aid_is_runtime(w.watcher) || w.watcher != h.from)
                FAIL("monitor request not from the watching actor");
            return RAP_OK;
        }
        case RAP_SYS_GROUP: {
            rap_wire_group w;
            if (h.len < sizeof(w))
                FAIL("group creation shorter than its header");
            memcpy(&w, payload, sizeof(w));
            if (h.to != rap__aid_system(lim->my_rank) || !rap__group_ok(&w.g))
                FAIL("group creation not to the System actor, or of a shape no group has");
            if (w.reserved != 0 || (w.supervised != 0 && (h.from == RAP_AID_NONE || rap__aid_is_runtime(h.from))))
                FAIL("group creation supervised by no actor");
            if (h.from != RAP_AID_NONE && rap__aid_is_runtime(h.from) && RAP_AID_SERIAL(h.from) != RAP_SERIAL_OUTSIDE)
                FAIL("group creation from a runtime actor");
            return RAP_OK;
        }
        case RAP_SYS_GROUP_CAST: {
            rap_wire_gcast w;
            const rap_msg_type *mt;
            if (h.len < sizeof(w))
                FAIL("group broadcast shorter than its header");
            memcpy(&w, payload, sizeof(w));
            if (h.to != rap__aid_system(lim->my_rank) || !rap__group_ok(&w.g))
                FAIL("group broadcast not to the System actor, or to a shape no group has");
            if (w.len != h.len - sizeof(w))
                FAIL("group broadcast whose length does not match its payload");
            if (w.type < RAP_TYPE_USER_MIN || (mt = rap__msgtype_find(w.type)) == NULL ||
                rap__msgtype_check_len(mt, w.len) != RAP_OK)
                FAIL("group broadcast of an unregistered type, or of a length its type does not allow");
            if (h.from != RAP_AID_NONE && rap__aid_is_runtime(h.from))
                FAIL("group broadcast from a runtime actor");
            return RAP_OK;
        }
        case RAP_SYS_GROUP_RED: {
            rap_wire_gred w;
            const rap_msg_type *mt;
            if (h.len < sizeof(w))
                FAIL("reduction shorter than its header");
            memcpy(&w, payload, sizeof(w));
            if (h.to != rap__aid_system(lim->my_rank) || !rap__group_ok(&w.g))
                FAIL("reduction not to the System actor, or of a shape no group has");
            if (w.len != h.len - sizeof(w) || w.len == 0 || w.len > RAP_REDUCE_MAX || w.op == 0 ||
                w.part > RAP_RED_RESULT || w.round >= 32 || (w.round != 0 && w.part != RAP_RED_ROUND) ||
                (w.part >= RAP_RED_EXTRA && w.to != RAP_GROUP_ALL))
                FAIL("reduction whose length, operator, part or round is out of range");
            if (w.part == 0 && (!rap__aid_is_group(h.from) || rap__aid_gnum(h.from) != w.g.id ||
                                rap__aid_gindex(h.from) >= rap__group_size(&w.g) ||
                                (int)RAP_AID_RANK(h.from) != lim->my_rank))
                FAIL("reduction value not from a member of the group at home here");
            if (w.part != RAP_RED_MEMBER && RAP_AID_SERIAL(h.from) != RAP_SERIAL_SYSTEM)
                FAIL("reduction partial not from a System actor");
            if (w.result_type < RAP_TYPE_USER_MIN || (mt = rap__msgtype_find(w.result_type)) == NULL ||
                rap__msgtype_check_len(mt, w.len) != RAP_OK)
                FAIL("reduction result of an unregistered type, or of a length its type does not allow");
            if (w.to != RAP_GROUP_ALL && (!rap__aid_valid(w.to, lim->size) || rap__aid_is_runtime(w.to)))
                FAIL("reduction result for an actor that cannot be");
            return RAP_OK;
        }
        case RAP_SYS_SUPERVISE: {
            rap_wire_sup w;
            if (h.len != sizeof(w))
                FAIL("supervisor's decision has the wrong size");
            memcpy(&w, payload, sizeof(w));
            if (w.action < RAP_RESUME || w.action > RAP_STOP || w.reserved != 0)
                FAIL("supervisor's decision that is not resume, restart or stop");
            if (!rap__aid_valid(h.to, lim->size) || rap__aid_is_runtime(h.to) || h.from == RAP_AID_NONE ||
                rap__aid_is_runtime(h.from))
                FAIL("supervisor's decision not between two actors");
            return RAP_OK;
        }
        case RAP_SYS_CHILD: {
            rap_wire_child w;
            if (h.len != sizeof(w))
                FAIL("child's notice has the wrong size");
            memcpy(&w, payload, sizeof(w));
            if ((w.op != RAP_CHILD_MADE && w.op != RAP_CHILD_ENDED) || w.child != h.from)
                FAIL("child's notice that is not made or ended, or not from the child");
            if (!rap__aid_valid(h.to, lim->size) || rap__aid_is_runtime(h.to) || rap__aid_is_runtime(h.from))
                FAIL("child's notice not between two actors");
            return RAP_OK;
        }
        case RAP_SYS_CREDIT:
            if (h.len != sizeof(rap_wire_credit))
                FAIL("credit has the wrong size");
            if (h.to != rap__aid_system(lim->my_rank) || RAP_AID_SERIAL(h.from) != RAP_SERIAL_SYSTEM ||
                RAP_AID_RANK(h.from) == lim->my_rank)
                FAIL("credit not between two System actors");
            return RAP_OK;
        default:
            FAIL("unknown system operation");
        }
    default:
        FAIL("unknown kind");
    }
}

uint32_t rap__wire_flags(const void *buf)
{
    rap_wire_hdr h;
    memcpy(&h, buf, sizeof(h));
    return h.flags;
}

int rap__wire_validate_batch(const void *buf, size_t n, int tag,
                             const rap_wire_limits *lim, const char **why)
{
    rap_wire_hdr h;

    if (n < 2 * sizeof(h))
        FAIL("batch shorter than a header and one item");
    memcpy(&h, buf, sizeof(h));
    if (check_frame(&h, tag, why) != RAP_OK)
        return RAP_EMALFORMED;
    if (h.kind != RAP_KIND_ACTOR_ACTION)
        FAIL("batch of a kind other than ActorActionMsg");
    if (h.flags != RAP_WIRE_BATCH || h.type != 0)
        FAIL("bad batch flags or type");
    if ((uint64_t)h.len != n - sizeof(h))
        FAIL("batch length does not match the bytes received");
    if (h.to != rap__aid_system(lim->my_rank) || h.from != RAP_AID_NONE)
        FAIL("batch not addressed to this rank's System actor");
    return RAP_OK;
}

int rap__wire_validate_large(const void *buf, size_t n, int tag,
                             const rap_wire_limits *lim, const char **why)
{
    rap_wire_hdr h;

    if (n != sizeof(h))
        FAIL("large-message header of the wrong size");
    memcpy(&h, buf, sizeof(h));
    if (check_frame(&h, tag, why) != RAP_OK)
        return RAP_EMALFORMED;
    if (h.flags != RAP_WIRE_LARGE)
        FAIL("bad large-message flags");
    if ((uint64_t)h.len + sizeof(h) <= rap__kind_slot(h.kind) || h.len > RAP_MAX_PAYLOAD)
        FAIL("large-message length out of range");
    if (!rap__aid_valid(h.to, lim->size) ||
        (RAP_AID_RANK(h.to) != lim->my_rank && !rap__aid_movable(h.to)))
        FAIL("bad destination actor id");
    return RAP_OK;
}

bool rap__wire_flow_ok(const rap_wire_hdr *h)
{
    return (h->flags & 0xffu) == RAP_WIRE_FLOW && h->flags >> RAP_WIRE_FLOW_SHIFT != 0 &&
           h->kind == RAP_KIND_ACTOR_ACTION && h->type >= RAP_TYPE_USER_MIN;
}

bool rap__wire_single_flags_ok(const rap_wire_hdr *h)
{
    uint32_t low = h->flags & 0xfu;

    if (h->flags == 0)
        return true;
    if (low == RAP_WIRE_FLOW)
        return (h->flags & RAP_WIRE_HOPS_MASK) == 0 && rap__wire_flow_ok(h);
    if ((low != 0 && low != RAP_WIRE_SEQ) || !rap__aid_movable(h->to))
        return false;
    if (low == 0) /* hops only: no sequence number bits */
        return h->flags >> RAP_WIRE_SEQ_SHIFT == 0;
    return h->kind == RAP_KIND_ACTOR_ACTION && h->from != RAP_AID_NONE; /* ordered by its sender */
}

bool rap__wire_same_header(const rap_wire_hdr *a, const rap_wire_hdr *b)
{
    return a->kind == b->kind && a->type == b->type && a->to == b->to && a->from == b->from &&
           a->len == b->len && rap__wire_single_flags_ok(b);
}
