/* msg/proto.h -- every system operation and every runtime payload on the
 * wire, in one place.
 *
 * Owns:       the numbering of system operations (the `type` field of the
 *             system kinds) and the layout of each runtime payload.
 * Invariants: a payload's size and fields are checked by msg/wire.c
 *             (rap__wire_validate) before anything reads them; payloads are
 *             fixed-layout structs in the host's byte order (homogeneous
 *             jobs), reserved fields zero.
 * Threads:    any; definitions only.
 * Uses:       util/.
 */
#ifndef RAP_MSG_PROTO_H
#define RAP_MSG_PROTO_H

#include "util/common.h"

/* System operations (the `type` field of the system kinds). */
enum rap_sysop {
    RAP_SYS_SPAWN = 1,        /* SYS_ACTION to a System actor: rap_wire_spawn + init argument */
    RAP_SYS_SPAWN_REPLY = 2,  /* SYS_ACTION to the requester (a user actor): rap_spawned */
    /* 3: unused (a destroy request is the ActorActionMsg RAP_MSG_DESTROY, so
     * that it keeps its place behind its sender's earlier messages). */
    RAP_SYS_STOP = 4,         /* SYS_ACTION to a System actor: rap_wire_stop */
    RAP_SYS_SPAWN_FAILED = 5, /* SYS_ERROR to the requester (a user actor): rap_wire_err */
    RAP_SYS_CREDIT = 6,       /* SYS_ACTION between two ranks' transports: rap_wire_credit */
    RAP_SYS_SAMPLE = 7,       /* SYS_ACTION, local only: the System actor takes a profile sample */
    RAP_SYS_PROFILE = 8,      /* SYS_ACTION to the Profiler: rap_wire_sample and its arrays */
    RAP_SYS_MIGRATE = 9,      /* SYS_ACTION to the new rank's System actor: rap_wire_migrate ... */
    RAP_SYS_MIGRATE_DONE = 10, /* SYS_ACTION back to the old rank's System actor: rap_wire_migdone */
    RAP_SYS_DIR = 11,         /* SYS_ACTION to the home rank's System actor: rap_wire_where */
    RAP_SYS_LOCATE = 12,      /* SYS_ACTION to a rank that sent a forwarded message: rap_wire_where */
    RAP_SYS_PLACE = 13,       /* SYS_ACTION to the Profiler: a RAP_SYS_SPAWN request (rap_wire_spawn
                                 + argument) to send on to the least loaded rank hosting the type */
    RAP_SYS_TIMER_CANCEL = 14, /* SYS_ACTION to the System actor of the rank holding a timer:
                                  rap_wire_timer (rap_timer_cancel from another rank) */
    RAP_SYS_SUB = 15,         /* SYS_ACTION between System actors: rap_wire_sub (a rank has its
                                 first subscriber of a topic, or lost its last) */
    RAP_SYS_PUBLISH = 16,     /* SYS_ACTION from a publisher to the System actor of a rank with
                                 subscribers: rap_wire_pub + the message's payload */
    RAP_SYS_MONITOR = 17,     /* SYS_ACTION to the System actor of an actor's home: rap_wire_monitor */
    RAP_SYS_GROUP = 18,       /* SYS_ACTION from a group's creator to every other rank's System
                                 actor: rap_wire_group + the members' init argument */
    RAP_SYS_GROUP_CAST = 19,  /* SYS_ACTION from a broadcaster to the System actor of a rank with
                                 members: rap_wire_gcast + the message's payload */
    RAP_SYS_GROUP_RED = 20,   /* SYS_ACTION to the System actor of a member's home (its value)
                                 or of a reduction tree's parent (a partial): rap_wire_gred + value */
    RAP_SYS_SUPERVISE = 21,   /* SYS_ACTION from a supervisor to a child: rap_wire_sup (resume,
                                 restart or stop it) */
    RAP_SYS_CHILD = 22,       /* SYS_ACTION from a supervised child to its supervisor: rap_wire_child
                                 (made, or ended) */
    RAP_SYS_OP_COUNT
};

/* Payload of RAP_SYS_SPAWN; the init argument follows it. */
typedef struct rap_wire_spawn {
    uint32_t actor_type;
    uint32_t supervised; /* not 0: the requester supervises the new actor, its child number this */
    uint64_t cookie;
} rap_wire_spawn;

/* Payload of RAP_SYS_STOP: the exit status the stop carries (0..255). */
typedef struct rap_wire_stop {
    int32_t status;
    uint32_t reserved;
} rap_wire_stop;

/* Payload of RAP_SYS_CREDIT: bytes of ActorActionMsgs the sender of the
 * credit has consumed and returns to its peer's window; 0 asks the peer
 * for whatever it has consumed (the asking side is blocked). */
typedef struct rap_wire_credit {
    uint64_t bytes;
} rap_wire_credit;

/* Payload of ACTOR_ERROR and RAP_SYS_SPAWN_FAILED messages. */
typedef struct rap_wire_err {
    int32_t kind;       /* rap_error_kind */
    int32_t code;
    uint64_t actor;
    uint32_t msg_type;
    uint32_t actor_type; /* of `actor`, when its rank knew it (0 otherwise): for log lines */
    uint64_t cookie;
} rap_wire_err;

/* The runtime's message types (ids below RAP_TYPE_USER_MIN; the public
 * header defines RAP_MSG_SPAWNED = 1, delivered from RAP_SYS_SPAWN_REPLY,
 * and RAP_MSG_DESTROY = 3, an ActorActionMsg without payload to a user
 * actor).  No user call sends one of them. */
#define RAP_MSG_LOG 2u /* a log line on its way to the Logger: rap_wire_log + text */
#define RAP_MSG_MIGRATE_REQ 4u /* to a movable user actor (rap_migrate): rap_wire_migreq */
#define RAP_MSG_SEND_AS 5u /* to a user actor: rap_wire_sendas + payload, a message its
                              runner sends in its name (a timer's firing) */

#define RAP_MSG_ASK 6u   /* a request (rap_ask, rap_ask_wait) to a user actor: rap_wire_ask +
                            the request's payload */
#define RAP_MSG_REPLY 7u /* its answer (rap_reply) to the asker: a user actor, or the asking
                            rank's System actor for rap_ask_wait: rap_wire_ask + payload */
#define RAP_MSG_ASK_TIMEOUT 8u /* a request's time is up, to the asking actor: rap_wire_ask */

/* Head of the payload of RAP_MSG_ASK, RAP_MSG_REPLY, RAP_MSG_ASK_TIMEOUT. */
typedef struct rap_wire_ask {
    uint64_t id;     /* the request: (asking rank, serial) in an actor id's layout */
    uint64_t peer;   /* ASK: where the reply goes; REPLY: 0; ASK_TIMEOUT: the actor asked */
    uint64_t cookie; /* the asker's */
    uint32_t type;   /* the user message type of the `len` bytes that follow (ASK_TIMEOUT: of
                        the request, and len 0) */
    uint32_t len;
} rap_wire_ask;

/* Payload of RAP_MSG_SEND_AS: the message to send (`len` bytes follow),
 * and the periodic timer that fired it (RAP_TIMER_NONE for a one-shot):
 * one cancelled since sends nothing. */
typedef struct rap_wire_sendas {
    uint64_t to;
    uint64_t timer;
    uint32_t type;
    uint32_t len;
} rap_wire_sendas;

/* Payload of RAP_SYS_SUB. */
typedef struct rap_wire_sub {
    uint64_t topic;  /* the topic's id: a 64-bit hash of its name */
    int32_t rank;    /* the rank whose subscribers changed (the sender's) */
    uint32_t on;     /* 1: it has subscribers now; 0: none any more */
} rap_wire_sub;

/* Head of the payload of RAP_SYS_PUBLISH; `len` bytes follow. */
typedef struct rap_wire_pub {
    uint64_t topic;
    uint32_t type;   /* the user message type */
    uint32_t len;
} rap_wire_pub;

/* Payload of RAP_SYS_GROUP: the group; its members' init argument follows. */
typedef struct rap_wire_group {
    rap_group g;
    uint32_t supervised; /* not 0: the creator supervises the members, its child number this */
    uint32_t reserved;
} rap_wire_group;

/* Head of the payload of RAP_SYS_GROUP_CAST; `len` bytes follow. */
typedef struct rap_wire_gcast {
    rap_group g;
    uint32_t type;   /* the user message type */
    uint32_t len;
} rap_wire_gcast;

/* Head of the payload of RAP_SYS_GROUP_RED; the value (`len` bytes)
 * follows: one member's (part 0, from the member), a subtree's combined
 * (part 1, from the child's System actor: a reduction to one actor), or,
 * for a reduction to every member (recursive doubling between System
 * actors), a rank's past the largest power of two (part 2), one round's
 * exchange (part 3, `round`), the result for such a rank (part 4). */
typedef struct rap_wire_gred {
    rap_group g;
    uint32_t redno, op, result_type, len;
    uint64_t to;     /* the result's actor, or RAP_GROUP_ALL */
    uint32_t part;
    uint32_t round;
} rap_wire_gred;
#define RAP_RED_MEMBER 0u
#define RAP_RED_CHILD 1u
#define RAP_RED_EXTRA 2u
#define RAP_RED_ROUND 3u
#define RAP_RED_RESULT 4u

/* Payload of RAP_SYS_SUPERVISE. */
typedef struct rap_wire_sup {
    int32_t action; /* RAP_RESUME, RAP_RESTART or RAP_STOP */
    uint32_t reserved;
} rap_wire_sup;

/* Payload of RAP_SYS_CHILD: `child` (the sender) was made (op 1) or ended
 * (2); `seq`: the number its supervisor gave its spawn (their order). */
typedef struct rap_wire_child {
    uint64_t child;
    uint32_t op;
    uint32_t seq;
} rap_wire_child;
#define RAP_CHILD_MADE 1u
#define RAP_CHILD_ENDED 2u

/* Payload of RAP_SYS_MONITOR: `watcher` watches `target`. */
typedef struct rap_wire_monitor {
    uint64_t target;
    uint64_t watcher;
} rap_wire_monitor;

/* Payload of RAP_SYS_TIMER_CANCEL. */
typedef struct rap_wire_timer {
    uint64_t timer;
} rap_wire_timer;

/* Payload of RAP_MSG_MIGRATE_REQ: where to go. */
typedef struct rap_wire_migreq {
    int32_t rank;
    uint32_t reserved;
} rap_wire_migreq;

/* Payload of RAP_SYS_MIGRATE: an actor on its way to a new rank; then
 * `nout` rap_wire_seq (its next sequence number to each movable actor it
 * sent to), `nin` rap_wire_seq (the next one it expects from each of its
 * senders) and `state_len` bytes of state, nothing else. */
typedef struct rap_wire_migrate {
    uint64_t aid, parent, requester; /* requester: told if the move fails (RAP_AID_NONE: the log) */
    uint32_t actor_type, epoch;      /* epoch: moves so far, this one counted */
    uint32_t nout, nin;
    uint64_t state_len;
    /* After the state: the copies the actor keeps (rap_defer; redelivered
     * ones not yet handled come first, `nready` of them), each a header
     * and its payload padded to 8 bytes, `copies_len` bytes in all. */
    uint32_t nready, ndeferred;
    uint64_t copies_len;
    uint32_t flags;                  /* RAP_MIGF_*: the actor's supervision state */
    uint32_t reserved;
} rap_wire_migrate;
#define RAP_MIGF_SUPERVISED 1u
#define RAP_MIGF_SUSPENDED 2u
typedef struct rap_wire_seq {
    uint64_t aid;
    uint32_t seq, reserved;
} rap_wire_seq;

/* Payload of RAP_SYS_MIGRATE_DONE: the new rank took the actor (code 0)
 * or refused it (a RAP_E* code): the old rank lets it go or keeps it. */
typedef struct rap_wire_migdone {
    uint64_t aid, requester;
    int32_t code, rank; /* rank: where it was to go */
} rap_wire_migdone;

/* Payload of RAP_SYS_DIR (the actor's place, for its home: rank -1 when
 * it is gone) and RAP_SYS_LOCATE (a hint: it is at or towards `rank`). */
typedef struct rap_wire_where {
    uint64_t aid;
    int32_t rank;
    uint32_t epoch;
} rap_wire_where;

/* The runtime's actor types (ids below RAP_TYPE_USER_MIN). */
#define RAP_ATYPE_SYSTEM 1u
#define RAP_ATYPE_LOGGER 2u
#define RAP_ATYPE_PROFILER 3u

/* A profile sample: what a rank's workers did in one interval (each field
 * the change since the rank's previous sample), then `nwl`
 * rap_wire_workload, `nactors` rap_wire_actor, `npairs` rap_wire_pair,
 * `nranks` rap_wire_dest (one per destination rank) and `ncounters`
 * uint64_t (the rank's statistics counters, util/counters.h, in their
 * order: what rap_stats_get reads), nothing else. */
#define RAP_SAMPLE_VERSION 2u
#define RAP_SAMPLE_BUCKETS 40
#define RAP_SAMPLE_NAME 48
typedef struct rap_wire_sample {
    uint32_t version;
    int32_t rank;
    uint32_t seq;              /* 0, 1, ... per rank; the last one of the run has `last` set */
    uint32_t last;
    uint32_t nwl, nactors, npairs, nranks;
    uint32_t workers, actors_lost; /* actors_lost: ended actors whose counts did not fit */
    uint32_t ncounters, reserved;
    uint64_t t_ns;             /* the end of the interval, ns since the rank's rap_init */
    uint64_t busy_ns, idle_ns; /* of the interval, summed over the workers */
    uint64_t rss_bytes, rss_peak_bytes;
} rap_wire_sample;
typedef struct rap_wire_workload {
    uint32_t atype, kind, id, reserved; /* kind: 0 message type id, 1 named (name), 2 runtime */
    uint64_t calls, time_ns, bytes;
    uint32_t hist[RAP_SAMPLE_BUCKETS];  /* handler runs by log2 of their ns */
    char name[RAP_SAMPLE_NAME];         /* a named workload's name, NUL-terminated */
} rap_wire_workload;
typedef struct rap_wire_actor {
    uint64_t aid;              /* RAP_AID_NONE: the other actors of `atype` summed */
    uint32_t atype, depth_peak;
    uint64_t calls, time_ns, msgs_out, bytes_out, state_bytes, count;
} rap_wire_actor;
typedef struct rap_wire_pair {
    uint64_t src, dst, msgs, bytes;
} rap_wire_pair;
typedef struct rap_wire_dest {
    uint64_t msgs, bytes;
} rap_wire_dest;

/* Head of a RAP_MSG_LOG payload; the text (at most RAP_LOG_MAX bytes, not
 * terminated) follows it. */
typedef struct rap_wire_log {
    uint64_t utc_ns;
    uint64_t actor;
    uint32_t level;
    int32_t rank;
} rap_wire_log;

#endif
