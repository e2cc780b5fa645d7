/* Wire validation: a good envelope passes; each malformed field is
 * rejected; random bytes never read out of bounds. */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "msg/msgtype.h"
#include "msg/env.h"
#include "msg/wire.h"
#include "support/unit.h"

static uint32_t FIX8, VAR64;
static const rap_wire_limits LIM = { .my_rank = 1, .size = 4 };

#define AID(r, s) (((uint64_t)(r) << RAP_AID_SERIAL_BITS) | (s))

static int setup(void)
{
    rap__msgtype_reset();
    if (rap_msg_type_register("wire.fix8", 8, RAP_MSG_FIXED, &FIX8) != RAP_OK ||
        rap_msg_type_register("wire.var64", 64, RAP_MSG_VAR, &VAR64) != RAP_OK)
        return 1;
    rap__msgtype_freeze();
    return 0;
}

static int cleanup(void)
{
    rap__msgtype_reset();
    return 0;
}

/* A valid ACTOR_ACTION image: header + 8 bytes. */
static unsigned char buf[sizeof(rap_wire_hdr) + 256];

static rap_wire_hdr *good(int kind, uint32_t type, uint32_t len)
{
    rap_wire_hdr *h = (rap_wire_hdr *)buf;
    memset(buf, 0, sizeof(buf));
    h->magic = RAP_WIRE_MAGIC;
    h->version = RAP_WIRE_VERSION;
    h->kind = (uint8_t)kind;
    h->type = type;
    h->to = AID(1, 20);
    h->from = AID(3, 17);
    h->len = len;
    return h;
}

static int check(size_t n, int kind)
{
    const char *why = NULL;
    int rc = rap__wire_validate(buf, n, rap__kind_tag(kind), &LIM, &why);
    if (rc != RAP_OK) {
        CU_ASSERT_PTR_NOT_NULL(why);
    }
    return rc;
}

#define N(len) (sizeof(rap_wire_hdr) + (len))
#define A RAP_KIND_ACTOR_ACTION

static void envelope_round_trip(void)
{
    rap_env *env = rap__env_alloc(8);
    const char *why = NULL;

    CU_ASSERT_PTR_NOT_NULL_FATAL(env);
    memcpy(rap__env_payload(env), "abcdefgh", 8);
    rap__env_set(env, A, FIX8, AID(1, 20), AID(3, 17));
    CU_ASSERT_EQUAL(rap__env_wire_size(env), N(8));
    CU_ASSERT_EQUAL(rap__wire_validate(&env->hdr, N(8), rap__kind_tag(A), &LIM, &why), RAP_OK);
    /* The payload follows the header in the same buffer. */
    CU_ASSERT_EQUAL(memcmp((char *)&env->hdr + sizeof(rap_wire_hdr), "abcdefgh", 8), 0);
    rap__env_free(env);
}

static void each_bad_header_field_is_rejected(void)
{
    rap_wire_hdr *h;

    good(A, FIX8, 8);
    CU_ASSERT_EQUAL(check(N(8), A), RAP_OK);
    CU_ASSERT_EQUAL(check(N(8) - 9, A), RAP_EMALFORMED);         /* shorter than a header */
    h = good(A, FIX8, 8), h->magic = 0x1234;
    CU_ASSERT_EQUAL(check(N(8), A), RAP_EMALFORMED);
    h = good(A, FIX8, 8), h->version = 9;
    CU_ASSERT_EQUAL(check(N(8), A), RAP_EMALFORMED);
    good(A, FIX8, 8);                                            /* kind vs tag */
    CU_ASSERT_EQUAL(check(N(8), RAP_KIND_ACTOR_ERROR), RAP_EMALFORMED);
    h = good(A, FIX8, 8), h->kind = 9;
    CU_ASSERT_EQUAL(rap__wire_validate(buf, N(8), rap__kind_tag(9), &LIM, &(const char *){ 0 }), RAP_EMALFORMED);
    h = good(A, FIX8, 8), h->flags = 1;
    CU_ASSERT_EQUAL(check(N(8), A), RAP_EMALFORMED);
    /* A trace flow mark: with a number, on a user message only. */
    h = good(A, FIX8, 8), h->flags = RAP_WIRE_FLOW | 77u << RAP_WIRE_FLOW_SHIFT;
    CU_ASSERT_EQUAL(check(N(8), A), RAP_OK);
    h = good(A, FIX8, 8), h->flags = RAP_WIRE_FLOW;                /* no number */
    CU_ASSERT_EQUAL(check(N(8), A), RAP_EMALFORMED);
    h = good(A, FIX8, 8), h->flags = RAP_WIRE_FLOW | RAP_WIRE_BATCH | 77u << RAP_WIRE_FLOW_SHIFT;
    CU_ASSERT_EQUAL(check(N(8), A), RAP_EMALFORMED);
    h = good(A, FIX8, 8), h->flags = 8u | 77u << RAP_WIRE_FLOW_SHIFT; /* another low bit */
    CU_ASSERT_EQUAL(check(N(8), A), RAP_EMALFORMED);
    good(A, RAP_MSG_DESTROY, 0);                                 /* a runtime message ... */
    CU_ASSERT_EQUAL_FATAL(check(N(0), A), RAP_OK);
    h = good(A, RAP_MSG_DESTROY, 0), h->flags = RAP_WIRE_FLOW | 77u << RAP_WIRE_FLOW_SHIFT;
    CU_ASSERT_EQUAL(check(N(0), A), RAP_EMALFORMED);             /* ... is never traced */
    h = good(A, FIX8, 9);                                        /* len vs bytes */
    CU_ASSERT_EQUAL(check(N(8), A), RAP_EMALFORMED);
    h = good(A, FIX8, 8), h->to = RAP_AID_NONE;
    CU_ASSERT_EQUAL(check(N(8), A), RAP_EMALFORMED);
    h = good(A, FIX8, 8), h->to = AID(2, 20);                    /* another rank's actor */
    CU_ASSERT_EQUAL(check(N(8), A), RAP_EMALFORMED);
    h = good(A, FIX8, 8), h->to = AID(9, 20);                    /* rank out of range */
    CU_ASSERT_EQUAL(check(N(8), A), RAP_EMALFORMED);
    h = good(A, FIX8, 8), h->to = AID(1, 0);                     /* serial 0 */
    CU_ASSERT_EQUAL(check(N(8), A), RAP_EMALFORMED);
    h = good(A, FIX8, 8), h->from = AID(4, 1);                   /* source rank out of range */
    CU_ASSERT_EQUAL(check(N(8), A), RAP_EMALFORMED);
    h = good(A, FIX8, 8), h->from = RAP_AID_NONE;                /* no sender is fine */
    CU_ASSERT_EQUAL(check(N(8), A), RAP_OK);
}

static void message_types_and_lengths(void)
{
    good(A, 0xdeadbeefu, 8);                                     /* unregistered */
    CU_ASSERT_EQUAL(check(N(8), A), RAP_EMALFORMED);
    good(A, FIX8, 7);                                            /* fixed size */
    CU_ASSERT_EQUAL(check(N(7), A), RAP_EMALFORMED);
    good(A, VAR64, 64);
    CU_ASSERT_EQUAL(check(N(64), A), RAP_OK);
    good(A, VAR64, 0);
    CU_ASSERT_EQUAL(check(N(0), A), RAP_OK);
    good(A, VAR64, 65);                                          /* over the limit */
    CU_ASSERT_EQUAL(check(N(65), A), RAP_EMALFORMED);
}

/* A system request to this rank's System actor, `len` payload bytes. */
static rap_wire_hdr *SYS(uint32_t op, uint32_t len)
{
    rap_wire_hdr *h = good(RAP_KIND_SYS_ACTION, op, len);
    h->to = AID(1, 1);
    return h;
}

static void system_operations(void)
{
    const int S = RAP_KIND_SYS_ACTION;
    rap_wire_stop stop = { .status = 3 };

    SYS(RAP_SYS_SPAWN, sizeof(rap_wire_spawn));
    CU_ASSERT_EQUAL(check(N(sizeof(rap_wire_spawn)), S), RAP_OK);
    SYS(RAP_SYS_SPAWN, sizeof(rap_wire_spawn) + 5);              /* with an argument */
    CU_ASSERT_EQUAL(check(N(sizeof(rap_wire_spawn) + 5), S), RAP_OK);
    SYS(RAP_SYS_SPAWN, 4);
    CU_ASSERT_EQUAL(check(N(4), S), RAP_EMALFORMED);
    good(S, RAP_SYS_SPAWN, sizeof(rap_wire_spawn));              /* not to the System actor */
    CU_ASSERT_EQUAL(check(N(sizeof(rap_wire_spawn)), S), RAP_EMALFORMED);
    good(S, RAP_SYS_SPAWN_REPLY, sizeof(rap_spawned));
    CU_ASSERT_EQUAL(check(N(sizeof(rap_spawned)), S), RAP_OK);
    good(S, RAP_SYS_SPAWN_REPLY, 8);
    CU_ASSERT_EQUAL(check(N(8), S), RAP_EMALFORMED);
    SYS(RAP_SYS_SPAWN_REPLY, sizeof(rap_spawned));               /* to a runtime actor */
    CU_ASSERT_EQUAL(check(N(sizeof(rap_spawned)), S), RAP_EMALFORMED);
    SYS(3, 0);                                                   /* the retired destroy op */
    CU_ASSERT_EQUAL(check(N(0), S), RAP_EMALFORMED);
    SYS(RAP_SYS_STOP, sizeof(stop));
    memcpy(buf + sizeof(rap_wire_hdr), &stop, sizeof(stop));
    CU_ASSERT_EQUAL(check(N(sizeof(stop)), S), RAP_OK);
    SYS(RAP_SYS_STOP, 0);                                        /* no status */
    CU_ASSERT_EQUAL(check(N(0), S), RAP_EMALFORMED);
    stop.status = 256;
    SYS(RAP_SYS_STOP, sizeof(stop));
    memcpy(buf + sizeof(rap_wire_hdr), &stop, sizeof(stop));
    CU_ASSERT_EQUAL(check(N(sizeof(stop)), S), RAP_EMALFORMED);  /* status out of range */
    stop.status = 1;
    good(S, RAP_SYS_STOP, sizeof(stop));
    memcpy(buf + sizeof(rap_wire_hdr), &stop, sizeof(stop));
    CU_ASSERT_EQUAL(check(N(sizeof(stop)), S), RAP_EMALFORMED);  /* not to the System actor */
    /* Credits: 8 bytes, System actor to System actor, from another rank. */
    rap_wire_hdr *h = good(S, RAP_SYS_CREDIT, sizeof(rap_wire_credit));
    h->to = AID(1, 1);
    h->from = AID(3, 1);
    CU_ASSERT_EQUAL(check(N(sizeof(rap_wire_credit)), S), RAP_OK);
    h->len = 4;
    CU_ASSERT_EQUAL(check(N(4), S), RAP_EMALFORMED);               /* wrong size */
    h->len = sizeof(rap_wire_credit);
    h->from = AID(3, 17);
    CU_ASSERT_EQUAL(check(N(sizeof(rap_wire_credit)), S), RAP_EMALFORMED); /* not from a System actor */
    h->from = AID(1, 1);
    CU_ASSERT_EQUAL(check(N(sizeof(rap_wire_credit)), S), RAP_EMALFORMED); /* from this rank */
    h->from = AID(3, 1);
    h->to = AID(1, 20);
    CU_ASSERT_EQUAL(check(N(sizeof(rap_wire_credit)), S), RAP_EMALFORMED); /* not to the System actor */
    good(S, 77, 0);                                              /* unknown operation */
    CU_ASSERT_EQUAL(check(N(0), S), RAP_EMALFORMED);
    good(RAP_KIND_SYS_ERROR, RAP_SYS_STOP, sizeof(rap_wire_err));
    CU_ASSERT_EQUAL(check(N(sizeof(rap_wire_err)), RAP_KIND_SYS_ERROR), RAP_EMALFORMED);
}

/* ActorActionMsgs of the runtime's types: a destroy request (no payload,
 * to a user actor), a log line (to the Logger only); never a spawn answer. */
/* Migration: sequence numbers and hop counts only on messages to movable
 * actors (which may be here though their home is another rank), move
 * requests, and the protocol's system operations. */
/* As SYS, from rank 3's System actor. */
static rap_wire_hdr *SYSM(uint32_t op, uint32_t len)
{
    rap_wire_hdr *h = SYS(op, len);
    h->from = AID(3, 1);
    return h;
}

static void migration_marks(void)
{
    const int S = RAP_KIND_SYS_ACTION, E = RAP_KIND_ACTOR_ERROR;
    const rap_aid mv = AID(2, RAP_SERIAL_MOVABLE | 20u); /* home 2, here now */
    rap_wire_hdr *h;
    rap_wire_where w = { .aid = AID(1, RAP_SERIAL_MOVABLE | 21u), .rank = 3, .epoch = 2 };
    rap_wire_migreq req = { .rank = 2 };

    h = good(A, FIX8, 8), h->to = mv, h->flags = RAP_WIRE_SEQ | 99u << RAP_WIRE_SEQ_SHIFT;
    CU_ASSERT_EQUAL(check(N(8), A), RAP_OK);
    h->flags |= 3u << RAP_WIRE_HOPS_SHIFT;                       /* forwarded three times */
    CU_ASSERT_EQUAL(check(N(8), A), RAP_OK);
    h = good(A, FIX8, 8), h->to = mv;                            /* none: fine */
    CU_ASSERT_EQUAL(check(N(8), A), RAP_OK);
    h = good(A, FIX8, 8), h->flags = RAP_WIRE_SEQ | 99u << RAP_WIRE_SEQ_SHIFT;
    CU_ASSERT_EQUAL(check(N(8), A), RAP_EMALFORMED);             /* not to a movable actor */
    h = good(A, FIX8, 8), h->to = mv, h->from = RAP_AID_NONE, h->flags = RAP_WIRE_SEQ | 1u << RAP_WIRE_SEQ_SHIFT;
    CU_ASSERT_EQUAL(check(N(8), A), RAP_EMALFORMED);             /* ordered, but by no sender */
    h = good(A, FIX8, 8), h->flags = 3u << RAP_WIRE_HOPS_SHIFT;
    CU_ASSERT_EQUAL(check(N(8), A), RAP_EMALFORMED);
    h = good(A, FIX8, 8), h->to = mv;
    h->flags = RAP_WIRE_FLOW | 3u << RAP_WIRE_HOPS_SHIFT | 7u << RAP_WIRE_FLOW_SHIFT;
    CU_ASSERT_EQUAL(check(N(8), A), RAP_EMALFORMED);             /* a flow mark is never forwarded */
    h = good(A, FIX8, 8), h->to = AID(2, 20);                    /* another rank's, not movable */
    CU_ASSERT_EQUAL(check(N(8), A), RAP_EMALFORMED);
    h = good(A, RAP_MSG_DESTROY, 0), h->to = mv, h->flags = RAP_WIRE_SEQ | 4u << RAP_WIRE_SEQ_SHIFT;
    CU_ASSERT_EQUAL(check(N(0), A), RAP_OK);                     /* a destroy keeps its place */
    h = good(A, RAP_MSG_MIGRATE_REQ, sizeof(req)), h->to = mv;
    memcpy(buf + sizeof(*h), &req, sizeof(req));
    CU_ASSERT_EQUAL(check(N(sizeof(req)), A), RAP_OK);
    h = good(A, RAP_MSG_MIGRATE_REQ, sizeof(req));               /* an actor that cannot move */
    CU_ASSERT_EQUAL(check(N(sizeof(req)), A), RAP_EMALFORMED);
    h = good(A, RAP_MSG_MIGRATE_REQ, 4), h->to = mv;
    CU_ASSERT_EQUAL(check(N(4), A), RAP_EMALFORMED);
    {   /* a timer's message, to its setter (my rank 1), and a cancel from another rank */
        rap_wire_sendas sa = { .to = AID(0, 9), .type = FIX8, .len = 8 };
        rap_wire_timer tm = { .timer = AID(1, 77) };
        h = good(A, RAP_MSG_SEND_AS, sizeof(sa) + 8);
        memcpy(buf + sizeof(*h), &sa, sizeof(sa));
        CU_ASSERT_EQUAL(check(N(sizeof(sa) + 8), A), RAP_OK);
        h->len = sizeof(sa) + 4;                                 /* its length is not the payload's */
        CU_ASSERT_EQUAL(check(N(sizeof(sa) + 4), A), RAP_EMALFORMED);
        h = good(A, RAP_MSG_SEND_AS, 4);                         /* shorter than its header */
        CU_ASSERT_EQUAL(check(N(4), A), RAP_EMALFORMED);
        h = good(A, RAP_MSG_SEND_AS, sizeof(sa) + 8), h->to = AID(1, 1); /* to a runtime actor */
        memcpy(buf + sizeof(*h), &sa, sizeof(sa));
        CU_ASSERT_EQUAL(check(N(sizeof(sa) + 8), A), RAP_EMALFORMED);
        h = good(S, RAP_SYS_TIMER_CANCEL, sizeof(tm)), h->to = AID(1, RAP_SERIAL_SYSTEM);
        memcpy(buf + sizeof(*h), &tm, sizeof(tm));
        CU_ASSERT_EQUAL(check(N(sizeof(tm)), S), RAP_OK);
        tm.timer = AID(2, 77);                                   /* another rank's timer */
        memcpy(buf + sizeof(*h), &tm, sizeof(tm));
        CU_ASSERT_EQUAL(check(N(sizeof(tm)), S), RAP_EMALFORMED);
        h = good(S, RAP_SYS_TIMER_CANCEL, 4), h->to = AID(1, RAP_SERIAL_SYSTEM);
        CU_ASSERT_EQUAL(check(N(4), S), RAP_EMALFORMED);
        h = good(S, RAP_SYS_TIMER_CANCEL, sizeof(tm));           /* not to the System actor */
        CU_ASSERT_EQUAL(check(N(sizeof(tm)), S), RAP_EMALFORMED);
    }
    {   /* requests, replies, timeouts (my rank 1 of 4) */
        rap_wire_ask q = { .id = AID(0, 5), .peer = AID(0, 9), .cookie = 3, .type = FIX8, .len = 8 };
        h = good(A, RAP_MSG_ASK, sizeof(q) + 8);
        memcpy(buf + sizeof(*h), &q, sizeof(q));
        CU_ASSERT_EQUAL(check(N(sizeof(q) + 8), A), RAP_OK);
        q.len = 4;                                               /* not its type's size */
        h = good(A, RAP_MSG_ASK, sizeof(q) + 4);
        memcpy(buf + sizeof(*h), &q, sizeof(q));
        CU_ASSERT_EQUAL(check(N(sizeof(q) + 4), A), RAP_EMALFORMED);
        q.len = 8, q.type = 77777;                               /* an unregistered type */
        h = good(A, RAP_MSG_ASK, sizeof(q) + 8);
        memcpy(buf + sizeof(*h), &q, sizeof(q));
        CU_ASSERT_EQUAL(check(N(sizeof(q) + 8), A), RAP_EMALFORMED);
        q.type = FIX8, q.peer = RAP_AID_NONE;                    /* no one to answer */
        memcpy(buf + sizeof(*h), &q, sizeof(q));
        CU_ASSERT_EQUAL(check(N(sizeof(q) + 8), A), RAP_EMALFORMED);
        q.peer = AID(0, 9), q.id = AID(9, 5);                    /* an id of no rank */
        memcpy(buf + sizeof(*h), &q, sizeof(q));
        CU_ASSERT_EQUAL(check(N(sizeof(q) + 8), A), RAP_EMALFORMED);
        q.id = AID(0, 5), q.len = 9;                             /* its length is not the payload's */
        memcpy(buf + sizeof(*h), &q, sizeof(q));
        CU_ASSERT_EQUAL(check(N(sizeof(q) + 8), A), RAP_EMALFORMED);
        q.len = 8;
        h = good(A, RAP_MSG_REPLY, sizeof(q) + 8), h->to = AID(1, RAP_SERIAL_SYSTEM); /* to rap_ask_wait */
        memcpy(buf + sizeof(*h), &q, sizeof(q));
        CU_ASSERT_EQUAL(check(N(sizeof(q) + 8), A), RAP_OK);
        h->to = AID(1, 2);                                       /* to another runtime actor */
        CU_ASSERT_EQUAL(check(N(sizeof(q) + 8), A), RAP_EMALFORMED);
        h = good(A, RAP_MSG_ASK, sizeof(q) + 8), h->to = AID(1, RAP_SERIAL_SYSTEM); /* a request to it */
        memcpy(buf + sizeof(*h), &q, sizeof(q));
        CU_ASSERT_EQUAL(check(N(sizeof(q) + 8), A), RAP_EMALFORMED);
        q.len = 0;
        h = good(A, RAP_MSG_ASK_TIMEOUT, sizeof(q));
        memcpy(buf + sizeof(*h), &q, sizeof(q));
        CU_ASSERT_EQUAL(check(N(sizeof(q)), A), RAP_OK);
        h = good(A, RAP_MSG_ASK_TIMEOUT, sizeof(q) - 1);         /* shorter than its header */
        CU_ASSERT_EQUAL(check(N(sizeof(q) - 1), A), RAP_EMALFORMED);
    }
    {   /* subscription changes and publications (my rank 1 of 4) */
        rap_wire_sub sw = { .topic = 77, .rank = 2, .on = 1 };
        rap_wire_pub pb = { .topic = 77, .type = FIX8, .len = 8 };
        h = good(S, RAP_SYS_SUB, sizeof(sw)), h->to = AID(1, RAP_SERIAL_SYSTEM), h->from = AID(2, RAP_SERIAL_SYSTEM);
        memcpy(buf + sizeof(*h), &sw, sizeof(sw));
        CU_ASSERT_EQUAL(check(N(sizeof(sw)), S), RAP_OK);
        h->from = AID(3, RAP_SERIAL_SYSTEM);                     /* not from the rank it names */
        CU_ASSERT_EQUAL(check(N(sizeof(sw)), S), RAP_EMALFORMED);
        h->from = AID(2, 40);                                    /* not from a System actor */
        CU_ASSERT_EQUAL(check(N(sizeof(sw)), S), RAP_EMALFORMED);
        h->from = AID(2, RAP_SERIAL_SYSTEM), sw.on = 2;           /* neither on nor off */
        memcpy(buf + sizeof(*h), &sw, sizeof(sw));
        CU_ASSERT_EQUAL(check(N(sizeof(sw)), S), RAP_EMALFORMED);
        h = good(S, RAP_SYS_PUBLISH, sizeof(pb) + 8), h->to = AID(1, RAP_SERIAL_SYSTEM);
        memcpy(buf + sizeof(*h), &pb, sizeof(pb));
        CU_ASSERT_EQUAL(check(N(sizeof(pb) + 8), S), RAP_OK);
        h->from = RAP_AID_NONE;                                  /* from outside actors: fine */
        CU_ASSERT_EQUAL(check(N(sizeof(pb) + 8), S), RAP_OK);
        pb.len = 4;                                              /* the payload is 8 */
        memcpy(buf + sizeof(*h), &pb, sizeof(pb));
        CU_ASSERT_EQUAL(check(N(sizeof(pb) + 8), S), RAP_EMALFORMED);
        pb.len = 8, pb.type = 77777;                             /* an unregistered type */
        memcpy(buf + sizeof(*h), &pb, sizeof(pb));
        CU_ASSERT_EQUAL(check(N(sizeof(pb) + 8), S), RAP_EMALFORMED);
        pb.type = FIX8;
        memcpy(buf + sizeof(*h), &pb, sizeof(pb));
        h->to = AID(1, 40);                                      /* not to the System actor */
        CU_ASSERT_EQUAL(check(N(sizeof(pb) + 8), S), RAP_EMALFORMED);
    }
    h = good(E, 0, sizeof(rap_wire_err)), h->to = mv, h->flags = 1u << RAP_WIRE_HOPS_SHIFT;
    ((rap_wire_err *)(void *)(buf + sizeof(*h)))->kind = RAP_ERROR_MIGRATE;
    CU_ASSERT_EQUAL(check(N(sizeof(rap_wire_err)), E), RAP_OK);  /* error events are forwarded too */
    h->flags = RAP_WIRE_SEQ | 1u << RAP_WIRE_SEQ_SHIFT;
    CU_ASSERT_EQUAL(check(N(sizeof(rap_wire_err)), E), RAP_EMALFORMED); /* but not sequenced */

    h = good(S, RAP_SYS_PLACE, sizeof(rap_wire_spawn)), h->to = AID(0, 3); /* to the Profiler */
    CU_ASSERT_EQUAL(check(N(sizeof(rap_wire_spawn)), S), RAP_EMALFORMED); /* rank 1 is not rank 0 */
    {
        const rap_wire_limits lim0 = { .my_rank = 0, .size = 4 };
        const char *why = NULL;
        CU_ASSERT_EQUAL(rap__wire_validate(buf, N(sizeof(rap_wire_spawn)), rap__kind_tag(S), &lim0, &why), RAP_OK);
        h->from = RAP_AID_NONE;                                  /* from no actor to answer */
        CU_ASSERT_EQUAL(rap__wire_validate(buf, N(sizeof(rap_wire_spawn)), rap__kind_tag(S), &lim0, &why),
                        RAP_EMALFORMED);
        h->from = AID(3, 17), h->len = 4;                        /* too short */
        CU_ASSERT_EQUAL(rap__wire_validate(buf, N(4), rap__kind_tag(S), &lim0, &why), RAP_EMALFORMED);
    }
    SYSM(RAP_SYS_MIGRATE, sizeof(rap_wire_migrate) + 16);
    CU_ASSERT_EQUAL(check(N(sizeof(rap_wire_migrate) + 16), S), RAP_OK); /* the rest: migrate.c */
    SYSM(RAP_SYS_MIGRATE, sizeof(rap_wire_migrate) - 1);
    CU_ASSERT_EQUAL(check(N(sizeof(rap_wire_migrate) - 1), S), RAP_EMALFORMED);
    h = SYSM(RAP_SYS_MIGRATE, sizeof(rap_wire_migrate)), h->from = AID(3, 17);
    CU_ASSERT_EQUAL(check(N(sizeof(rap_wire_migrate)), S), RAP_EMALFORMED); /* not from a System actor */
    SYSM(RAP_SYS_MIGRATE_DONE, sizeof(rap_wire_migdone));
    CU_ASSERT_EQUAL(check(N(sizeof(rap_wire_migdone)), S), RAP_OK);
    SYSM(RAP_SYS_MIGRATE_DONE, sizeof(rap_wire_migdone) + 1);
    CU_ASSERT_EQUAL(check(N(sizeof(rap_wire_migdone) + 1), S), RAP_EMALFORMED);
    SYSM(RAP_SYS_DIR, sizeof(w));
    memcpy(buf + sizeof(rap_wire_hdr), &w, sizeof(w));
    CU_ASSERT_EQUAL(check(N(sizeof(w)), S), RAP_OK);
    w.rank = 2;                                                  /* a place its sender is not */
    memcpy(buf + sizeof(rap_wire_hdr), &w, sizeof(w));
    CU_ASSERT_EQUAL(check(N(sizeof(w)), S), RAP_EMALFORMED);
    w.rank = -1;                                                 /* it ended */
    memcpy(buf + sizeof(rap_wire_hdr), &w, sizeof(w));
    CU_ASSERT_EQUAL(check(N(sizeof(w)), S), RAP_OK);
    ((rap_wire_hdr *)buf)->type = RAP_SYS_LOCATE;                /* a hint must name a rank */
    CU_ASSERT_EQUAL(check(N(sizeof(w)), S), RAP_EMALFORMED);
    w.rank = 4;                                                  /* out of range */
    memcpy(buf + sizeof(rap_wire_hdr), &w, sizeof(w));
    CU_ASSERT_EQUAL(check(N(sizeof(w)), S), RAP_EMALFORMED);
    w.rank = 2, w.aid = AID(2, RAP_SERIAL_MOVABLE | 21u);        /* another home's */
    SYSM(RAP_SYS_DIR, sizeof(w));
    memcpy(buf + sizeof(rap_wire_hdr), &w, sizeof(w));
    CU_ASSERT_EQUAL(check(N(sizeof(w)), S), RAP_EMALFORMED);
    ((rap_wire_hdr *)buf)->type = RAP_SYS_LOCATE;                /* a hint may be about anyone's */
    CU_ASSERT_EQUAL(check(N(sizeof(w)), S), RAP_OK);
    w.aid = AID(2, 21);                                          /* not movable */
    memcpy(buf + sizeof(rap_wire_hdr), &w, sizeof(w));
    CU_ASSERT_EQUAL(check(N(sizeof(w)), S), RAP_EMALFORMED);
}

static void runtime_types_in_actor_messages(void)
{
    static const rap_wire_limits LIM0 = { .my_rank = 0, .size = 4 };
    const char *why = NULL;
    rap_wire_hdr *h;

    good(A, RAP_MSG_DESTROY, 0);
    CU_ASSERT_EQUAL(check(N(0), A), RAP_OK);
    good(A, RAP_MSG_DESTROY, 8);
    CU_ASSERT_EQUAL(check(N(8), A), RAP_EMALFORMED);
    h = good(A, RAP_MSG_DESTROY, 0);
    h->to = AID(1, 1);                                           /* the System actor */
    CU_ASSERT_EQUAL(check(N(0), A), RAP_EMALFORMED);
    good(A, RAP_MSG_SPAWNED, sizeof(rap_spawned));               /* a forged spawn answer */
    CU_ASSERT_EQUAL(check(N(sizeof(rap_spawned)), A), RAP_EMALFORMED);
    good(A, 200, 0);                                             /* another runtime id */
    CU_ASSERT_EQUAL(check(N(0), A), RAP_EMALFORMED);
    good(A, RAP_MSG_LOG, sizeof(rap_wire_log) + 5);              /* a log line to a user actor */
    CU_ASSERT_EQUAL(check(N(sizeof(rap_wire_log) + 5), A), RAP_EMALFORMED);
    h = good(A, RAP_MSG_LOG, sizeof(rap_wire_log) + 5);
    h->to = AID(0, 2);                                           /* to the Logger, on rank 0 */
    CU_ASSERT_EQUAL(rap__wire_validate(buf, N(sizeof(rap_wire_log) + 5), rap__kind_tag(A), &LIM0, &why),
                    RAP_OK);
    h->len = 4;
    CU_ASSERT_EQUAL(rap__wire_validate(buf, N(4), rap__kind_tag(A), &LIM0, &why), RAP_EMALFORMED);
}

static void error_payloads(void)
{
    const int E = RAP_KIND_ACTOR_ERROR;
    rap_wire_err e = { .kind = RAP_ERROR_DEAD_LETTER, .code = RAP_EDEAD, .actor = AID(1, 30) };

    good(E, 0, sizeof(e));
    memcpy(buf + sizeof(rap_wire_hdr), &e, sizeof(e));
    CU_ASSERT_EQUAL(check(N(sizeof(e)), E), RAP_OK);
    good(E, 0, sizeof(e) - 1);
    CU_ASSERT_EQUAL(check(N(sizeof(e) - 1), E), RAP_EMALFORMED);
    e.kind = 99;
    good(E, 0, sizeof(e));
    memcpy(buf + sizeof(rap_wire_hdr), &e, sizeof(e));
    CU_ASSERT_EQUAL(check(N(sizeof(e)), E), RAP_EMALFORMED);
    e.kind = RAP_ERROR_SPAWN;
    e.actor_type = 4; /* no runtime actor type has id 4 */
    good(RAP_KIND_SYS_ERROR, RAP_SYS_SPAWN_FAILED, sizeof(e));
    memcpy(buf + sizeof(rap_wire_hdr), &e, sizeof(e));
    CU_ASSERT_EQUAL(check(N(sizeof(e)), RAP_KIND_SYS_ERROR), RAP_EMALFORMED);
}

/* A valid batch header with `len` bytes of items (not filled in). */
static rap_wire_hdr *BATCH(uint32_t len)
{
    rap_wire_hdr *h = good(A, 0, len);
    h->flags = RAP_WIRE_BATCH;
    h->to = AID(1, 1);
    h->from = RAP_AID_NONE;
    return h;
}

static void batch_headers(void)
{
    const char *why = NULL;
    const int tag = rap__kind_tag(A);

    BATCH(40);
    CU_ASSERT_EQUAL(rap__wire_flags(buf), RAP_WIRE_BATCH);
    CU_ASSERT_EQUAL(rap__wire_validate_batch(buf, N(40), tag, &LIM, &why), RAP_OK);
    /* A batch is never valid as a single message, and vice versa. */
    CU_ASSERT_EQUAL(check(N(40), A), RAP_EMALFORMED);
    good(A, FIX8, 8);
    CU_ASSERT_EQUAL(rap__wire_validate_batch(buf, N(8), tag, &LIM, &why), RAP_EMALFORMED);
    BATCH(40);
    CU_ASSERT_EQUAL(rap__wire_validate_batch(buf, N(40), rap__kind_tag(RAP_KIND_SYS_ACTION), &LIM, &why),
                    RAP_EMALFORMED);                             /* only actor data is batched */
    BATCH(8);
    CU_ASSERT_EQUAL(rap__wire_validate_batch(buf, N(8), tag, &LIM, &why), RAP_EMALFORMED); /* no room for an item */
    BATCH(40);
    CU_ASSERT_EQUAL(rap__wire_validate_batch(buf, N(41), tag, &LIM, &why), RAP_EMALFORMED); /* length */
    BATCH(40)->to = AID(1, 20);
    CU_ASSERT_EQUAL(rap__wire_validate_batch(buf, N(40), tag, &LIM, &why), RAP_EMALFORMED); /* not System */
    BATCH(40)->to = AID(2, 1);
    CU_ASSERT_EQUAL(rap__wire_validate_batch(buf, N(40), tag, &LIM, &why), RAP_EMALFORMED); /* other rank */
    BATCH(40)->from = AID(3, 17);
    CU_ASSERT_EQUAL(rap__wire_validate_batch(buf, N(40), tag, &LIM, &why), RAP_EMALFORMED);
    BATCH(40)->type = FIX8;
    CU_ASSERT_EQUAL(rap__wire_validate_batch(buf, N(40), tag, &LIM, &why), RAP_EMALFORMED);
    BATCH(40)->magic = 0;
    CU_ASSERT_EQUAL(rap__wire_validate_batch(buf, N(40), tag, &LIM, &why), RAP_EMALFORMED);
}

static void random_bytes_are_rejected_safely(void)
{
    /* Each image is an exact-size heap block, so ASan catches any read
     * past it; a random image is valid only by astronomically rare luck. */
    unsigned seed = 12345;
    int accepted = 0;

    for (int i = 0; i < 20000; i++) {
        size_t n = (size_t)(rand_r(&seed) % 96);
        unsigned char *p = malloc(n ? n : 1);
        const char *why = NULL;
        for (size_t j = 0; j < n; j++)
            p[j] = (unsigned char)rand_r(&seed);
        if (n >= sizeof(rap_wire_hdr) && i % 2) {
            /* Half of them get a plausible prefix, to reach deeper checks. */
            rap_wire_hdr h = { RAP_WIRE_MAGIC, RAP_WIRE_VERSION, (uint8_t)(i % 4), 0, 0, 0, 0, 0 };
            memcpy(p, &h, 4);
        }
        accepted += rap__wire_validate(p, n, rap__kind_tag(i % 4), &LIM, &why) == RAP_OK;
        free(p);
    }
    CU_ASSERT_EQUAL(accepted, 0);
}

/* Group creation, broadcast and reduction (my rank 1 of 4): the
 * descriptor, lengths, types and senders each checked. */
static void group_operations(void)
{
    rap_group g = { .id = 6, .actor_type = 300, .dims = { 4, 2, 1 }, .ndims = 2 };
    rap_wire_group wg = { .g = g };
    rap_wire_gcast wc = { .g = g, .type = FIX8, .len = 8 };
    rap_wire_gred wr = { .g = g, .redno = 3, .op = RAP_SUM_F64, .result_type = FIX8, .len = 8, .to = AID(2, 40) };
    rap_aid member = rap__aid_group(1, 6, 3, false);
    rap_wire_hdr *h;
    int S = RAP_KIND_SYS_ACTION;

#define PUT(x) memcpy(buf + sizeof(rap_wire_hdr), &(x), sizeof(x))
    h = SYS(RAP_SYS_GROUP, sizeof(wg) + 4), h->from = AID(2, 40);
    PUT(wg);
    CU_ASSERT_EQUAL(check(N(sizeof(wg) + 4), S), RAP_OK);      /* with an init argument */
    h->from = rap__aid_outside(2);                             /* made by main on rank 2 */
    CU_ASSERT_EQUAL(check(N(sizeof(wg) + 4), S), RAP_OK);
    h->from = AID(2, 2);                                       /* from a runtime actor */
    CU_ASSERT_EQUAL(check(N(sizeof(wg) + 4), S), RAP_EMALFORMED);
    h = SYS(RAP_SYS_GROUP, sizeof(wg) - 1), h->from = AID(2, 40);
    CU_ASSERT_EQUAL(check(N(sizeof(wg) - 1), S), RAP_EMALFORMED); /* shorter than its header */
    {   /* descriptors no group has */
        rap_group bad[6] = { g, g, g, g, g, g };
        bad[0].id = 0, bad[1].ndims = 4, bad[2].dims[0] = 0, bad[3].dims[2] = 2, bad[4].placement = 9;
        bad[5].dims[0] = 1u << 23, bad[5].dims[1] = 4; /* 2^25 members */
        for (int i = 0; i < 6; i++) {
            rap_wire_group b = { .g = bad[i] };
            h = SYS(RAP_SYS_GROUP, sizeof(b)), h->from = AID(2, 40);
            PUT(b);
            CU_ASSERT_EQUAL(check(N(sizeof(b)), S), RAP_EMALFORMED);
        }
    }
    h = SYS(RAP_SYS_GROUP_CAST, sizeof(wc) + 8), h->from = AID(0, 40);
    PUT(wc);
    CU_ASSERT_EQUAL(check(N(sizeof(wc) + 8), S), RAP_OK);
    h->from = RAP_AID_NONE;                                    /* from outside actors (a result) */
    CU_ASSERT_EQUAL(check(N(sizeof(wc) + 8), S), RAP_OK);
    h->from = AID(0, RAP_SERIAL_LOGGER);                       /* from a runtime actor */
    CU_ASSERT_EQUAL(check(N(sizeof(wc) + 8), S), RAP_EMALFORMED);
    h->from = AID(0, 40), wc.len = 7;                          /* the payload is 8 */
    PUT(wc);
    CU_ASSERT_EQUAL(check(N(sizeof(wc) + 8), S), RAP_EMALFORMED);
    wc.len = 8, wc.type = 77777;                               /* an unregistered type */
    PUT(wc);
    CU_ASSERT_EQUAL(check(N(sizeof(wc) + 8), S), RAP_EMALFORMED);

    h = SYS(RAP_SYS_GROUP_RED, sizeof(wr) + 8), h->from = member;
    PUT(wr);
    CU_ASSERT_EQUAL(check(N(sizeof(wr) + 8), S), RAP_OK);      /* a member's value, at its home */
    h->from = rap__aid_group(2, 6, 3, false);                  /* a member whose home is another rank */
    CU_ASSERT_EQUAL(check(N(sizeof(wr) + 8), S), RAP_EMALFORMED);
    h->from = rap__aid_group(1, 7, 3, false);                  /* a member of another group */
    CU_ASSERT_EQUAL(check(N(sizeof(wr) + 8), S), RAP_EMALFORMED);
    h->from = rap__aid_group(1, 6, 8, false);                  /* an index past the group */
    CU_ASSERT_EQUAL(check(N(sizeof(wr) + 8), S), RAP_EMALFORMED);
    h->from = AID(3, RAP_SERIAL_SYSTEM);                       /* a member's value from a System actor */
    CU_ASSERT_EQUAL(check(N(sizeof(wr) + 8), S), RAP_EMALFORMED);
    wr.part = 1;                                               /* a child's partial: fine */
    PUT(wr);
    CU_ASSERT_EQUAL(check(N(sizeof(wr) + 8), S), RAP_OK);
    h->from = member;                                          /* a partial from a member */
    CU_ASSERT_EQUAL(check(N(sizeof(wr) + 8), S), RAP_EMALFORMED);
    h->from = AID(3, RAP_SERIAL_SYSTEM), wr.to = RAP_GROUP_ALL; /* to every member */
    PUT(wr);
    CU_ASSERT_EQUAL(check(N(sizeof(wr) + 8), S), RAP_OK);
    wr.to = AID(9, 40);                                        /* to an actor of no rank */
    PUT(wr);
    CU_ASSERT_EQUAL(check(N(sizeof(wr) + 8), S), RAP_EMALFORMED);
    wr.to = RAP_GROUP_ALL, wr.part = 5;                        /* no such part */
    PUT(wr);
    CU_ASSERT_EQUAL(check(N(sizeof(wr) + 8), S), RAP_EMALFORMED);
    wr.part = 1, wr.op = 0;                                    /* no operator */
    PUT(wr);
    CU_ASSERT_EQUAL(check(N(sizeof(wr) + 8), S), RAP_EMALFORMED);
    wr.op = RAP_SUM_F64, wr.result_type = VAR64, wr.len = 8;   /* a variable result type of 8 bytes: fine */
    PUT(wr);
    CU_ASSERT_EQUAL(check(N(sizeof(wr) + 8), S), RAP_OK);
    wr.len = 0;                                                /* nothing to combine */
    h = SYS(RAP_SYS_GROUP_RED, sizeof(wr)), h->from = AID(3, RAP_SERIAL_SYSTEM);
    PUT(wr);
    CU_ASSERT_EQUAL(check(N(sizeof(wr)), S), RAP_EMALFORMED);
#undef PUT
}

/* Supervision (my rank 1 of 4): decisions and children's notices between
 * two actors; a supervised spawn only from an actor. */
static void supervision_operations(void)
{
    rap_wire_sup d = { .action = RAP_RESTART };
    rap_wire_child c = { .child = AID(2, 40), .op = RAP_CHILD_MADE, .seq = 3 };
    rap_wire_spawn sp = { .actor_type = 300, .supervised = 5, .cookie = 1 };
    rap_wire_hdr *h;
    int S = RAP_KIND_SYS_ACTION;

#define PUT(x) memcpy(buf + sizeof(rap_wire_hdr), &(x), sizeof(x))
    h = good(S, RAP_SYS_SUPERVISE, sizeof(d)), h->to = AID(1, 40), h->from = AID(0, 17);
    PUT(d);
    CU_ASSERT_EQUAL(check(N(sizeof(d)), S), RAP_OK);
    h->from = AID(0, RAP_SERIAL_SYSTEM);                       /* from a runtime actor */
    CU_ASSERT_EQUAL(check(N(sizeof(d)), S), RAP_EMALFORMED);
    h->from = AID(0, 17), h->to = AID(1, RAP_SERIAL_SYSTEM);   /* to one */
    CU_ASSERT_EQUAL(check(N(sizeof(d)), S), RAP_EMALFORMED);
    h->to = AID(1, 40), d.action = RAP_ESCALATE;               /* not for a child to carry out */
    PUT(d);
    CU_ASSERT_EQUAL(check(N(sizeof(d)), S), RAP_EMALFORMED);
    d.action = 0;
    PUT(d);
    CU_ASSERT_EQUAL(check(N(sizeof(d)), S), RAP_EMALFORMED);
    h = good(S, RAP_SYS_SUPERVISE, sizeof(d) + 1), h->to = AID(1, 40), h->from = AID(0, 17);
    CU_ASSERT_EQUAL(check(N(sizeof(d) + 1), S), RAP_EMALFORMED); /* the wrong size */

    h = good(S, RAP_SYS_CHILD, sizeof(c)), h->to = AID(1, 40), h->from = AID(2, 40);
    PUT(c);
    CU_ASSERT_EQUAL(check(N(sizeof(c)), S), RAP_OK);
    h->from = AID(3, 40);                                      /* not from the child */
    CU_ASSERT_EQUAL(check(N(sizeof(c)), S), RAP_EMALFORMED);
    h->from = AID(2, 40), c.op = 3;                            /* neither made nor ended */
    PUT(c);
    CU_ASSERT_EQUAL(check(N(sizeof(c)), S), RAP_EMALFORMED);

    h = SYS(RAP_SYS_SPAWN, sizeof(sp)), h->from = AID(2, 40);
    PUT(sp);
    CU_ASSERT_EQUAL(check(N(sizeof(sp)), S), RAP_OK);
    h->from = RAP_AID_NONE;                                    /* supervised by no actor */
    CU_ASSERT_EQUAL(check(N(sizeof(sp)), S), RAP_EMALFORMED);
    sp.supervised = 0;
    PUT(sp);
    CU_ASSERT_EQUAL(check(N(sizeof(sp)), S), RAP_OK);
#undef PUT
}

static CU_TestInfo tests[] = {
    { "envelope round trip", envelope_round_trip },
    { "each bad header field is rejected", each_bad_header_field_is_rejected },
    { "message types and lengths", message_types_and_lengths },
    { "system operations", system_operations },
    { "runtime types in actor messages", runtime_types_in_actor_messages },
    { "migration marks and operations", migration_marks },
    { "error payloads", error_payloads },
    { "batch headers", batch_headers },
    { "group operations", group_operations },
    { "supervision operations", supervision_operations },
    { "random bytes are rejected safely", random_bytes_are_rejected_safely },
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
    { .pName = "msg/wire", .pInitFunc = setup, .pCleanupFunc = cleanup, .pTests = tests },
    CU_SUITE_INFO_NULL,
};

int main(void) { return rap_test_run(suites); }
