/* msg/wire.h -- the wire format: kinds, the MPI tag layout, the header,
 * and the validation of every image that comes from the wire.
 *
 * Owns:       the header layout, the tag layout and the slot sizes.
 * Invariants: every header from the wire passes one of the validators
 *             below before any field is used; a validator never reads past
 *             the bytes received and says why it refused.
 * Threads:    any; nothing here locks.
 * Uses:       msg/proto.h, msg/aid.h, util/.
 */
#ifndef RAP_MSG_WIRE_H
#define RAP_MSG_WIRE_H

#include "msg/aid.h"
#include "msg/proto.h"
#include "util/common.h"

/* The four message kinds (DESIGN.md section 2).  On the wire each has its
 * own MPI tag, so that system traffic is received ahead of actor traffic. */
enum rap_kind {
    RAP_KIND_SYS_ACTION = 0,
    RAP_KIND_SYS_ERROR = 1,
    RAP_KIND_ACTOR_ERROR = 2,
    RAP_KIND_ACTOR_ACTION = 3,
    RAP_KIND_COUNT = 4
};

/* The tag layout, the one place it is defined: tag = base + kind; the body
 * of a message too large for a receive slot follows its header (flag
 * RAP_WIRE_LARGE, on the kind's tag) on the kind's bulk tag, base + kinds +
 * kind.  Checked against MPI_TAG_UB at start-up (rap__tag_max). */
#define RAP_TAG_BASE 16
static inline int rap__kind_tag(int kind) { return RAP_TAG_BASE + kind; }
static inline int rap__bulk_tag(int kind) { return RAP_TAG_BASE + RAP_KIND_COUNT + kind; }
static inline int rap__tag_kind(int tag) { return tag - RAP_TAG_BASE; }
static inline int rap__tag_max(void) { return RAP_TAG_BASE + 2 * RAP_KIND_COUNT - 1; }

/* The largest wire image that goes as one message on its kind's tag (the
 * receiver's pre-posted slots hold this much; under Open MPI's 4 KiB
 * shared-memory eager limit with its own header).  Larger ones go as a
 * header and a bulk message. */
#define RAP_WIRE_SLOT 3968u
/* ActorAction slots are larger: a wire image up to this size goes as one
 * message on that tag, straight into a pre-posted envelope (single copy
 * by MPI, like a raw MPI receive, where a header and bulk pair would add a
 * round of matching).  Every other kind's slots hold RAP_WIRE_SLOT.  64 KiB
 * of payload and room for its header. */
#define RAP_WIRE_MEDIUM (65536u + 64u)

/* The largest wire image that goes as one message on `kind`'s tag. */
static inline size_t rap__kind_slot(int kind)
{
    return kind == RAP_KIND_ACTOR_ACTION ? RAP_WIRE_MEDIUM : RAP_WIRE_SLOT;
}

#define RAP_WIRE_MAGIC 0x5241u /* "RA" */
/* Header flag of a batch: an ACTOR_ACTION message, type 0, addressed to the
 * receiving rank's System actor, whose payload is a sequence of complete
 * wire images (header + payload), each of them ACTOR_ACTION with flags 0. */
#define RAP_WIRE_BATCH 1u
/* Header flag of a header-only message announcing a wire image larger than
 * its kind's slot (rap__kind_slot): the image itself (flags 0, the same header otherwise)
 * follows from the same rank on the kind's bulk tag. */
#define RAP_WIRE_LARGE 2u
/* Header flag of an ActorActionMsg the trace follows from its send to its
 * handler run (RAPTORS_TRACE): the flow's number, never 0, in the bits from
 * RAP_WIRE_FLOW_SHIFT up.  Allowed on single messages, batch items and
 * large-message images, never on the outer header of a batch or a large
 * message. */
#define RAP_WIRE_FLOW 4u
#define RAP_WIRE_FLOW_SHIFT 8
#define RAP_WIRE_FLOW_MAX 0xffffffu
/* Header flag of an ActorActionMsg to a movable actor (aid.h): its
 * sender's sequence number to that actor (mod 2^24) in the bits from
 * RAP_WIRE_SEQ_SHIFT up, by which the actor takes its sender's messages
 * in order whatever ways they came (system/migrate.c).  Never with
 * RAP_WIRE_FLOW, which uses the same bits. */
#define RAP_WIRE_SEQ 8u
#define RAP_WIRE_SEQ_SHIFT 8
#define RAP_WIRE_SEQ_MASK 0xffffffu
/* Bits 4-7: how many times a message to a movable actor was forwarded
 * (system/migrate.c: after RAP_WIRE_HOPS_HOME forwards it goes to the
 * actor's home, which knows where it is). */
#define RAP_WIRE_HOPS_SHIFT 4
#define RAP_WIRE_HOPS_MASK 0xf0u
#define RAP_WIRE_VERSION 7u /* 7: a timer's firing names its timer; 6: groups, supervision, timers, ask, pub/sub operations; 5: migration (sequence numbers, hops, movable ids); 4: trace flow marks */

typedef struct rap_wire_hdr {
    uint16_t magic;
    uint8_t version;
    uint8_t kind;     /* enum rap_kind; must match the MPI tag */
    uint32_t type;    /* message type id (actor kinds) or enum rap_sysop */
    uint64_t to;      /* destination actor */
    uint64_t from;    /* sending actor or RAP_AID_NONE */
    uint32_t len;     /* payload bytes that follow */
    uint32_t flags;   /* 0, or RAP_WIRE_BATCH on the outer header of a batch */
} rap_wire_hdr;

_Static_assert(sizeof(rap_wire_hdr) == 32, "wire header is 32 bytes");

/* What the receiving rank knows, for validation. */
typedef struct rap_wire_limits {
    int my_rank;
    int size;
} rap_wire_limits;

/* Validate a wire image of `n` bytes received with `tag`.  On failure
 * returns RAP_EMALFORMED and sets *why (static text); never reads past n.
 * Message types are checked against the registry (msg/msgtype.h).
 * A batch's outer header is refused here (see rap__wire_validate_batch). */
int rap__wire_validate(const void *buf, size_t n, int tag,
                       const rap_wire_limits *lim, const char **why);
/* Validate the outer header of a batch of `n` bytes; the items inside are
 * each checked with rap__wire_validate as they are taken out. */
int rap__wire_validate_batch(const void *buf, size_t n, int tag,
                             const rap_wire_limits *lim, const char **why);
/* Validate the header of a large message (RAP_WIRE_LARGE, header only,
 * `n` bytes received with `tag`); the image that follows is checked with
 * rap__wire_validate and rap__wire_same_header. */
int rap__wire_validate_large(const void *buf, size_t n, int tag,
                             const rap_wire_limits *lim, const char **why);
/* Whether `h` carries a well-formed trace flow mark (RAP_WIRE_FLOW). */
bool rap__wire_flow_ok(const rap_wire_hdr *h);
/* Whether the flags of `h`, a single message (not a batch's or a large
 * message's outer header), are allowed: 0, a flow mark, or a sequence
 * number and hop count on a message to a movable actor. */
bool rap__wire_single_flags_ok(const rap_wire_hdr *h);
/* Whether image header `b` is what the large header `a` announced. */
bool rap__wire_same_header(const rap_wire_hdr *a, const rap_wire_hdr *b);
/* The flags field of a wire image of at least a header's size. */
uint32_t rap__wire_flags(const void *buf);

#endif
