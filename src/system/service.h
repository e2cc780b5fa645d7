/* system/service.h -- how a service (the Logger today; the Profiler,
 * timers and the balancer next) plugs into the node from above.
 *
 * Owns:       the service record and the order in which the node starts
 *             and stops the services.
 * Invariants: system/ never names a service: it walks rap__services (the
 *             list services/services.c defines) and calls each record's
 *             hooks at fixed points of the node's life.  A service that
 *             hosts an actor has a well-known serial (msg/aid.h) and a
 *             runtime actor type, and the node creates that actor on the
 *             ranks `hosted` accepts before any rank can send to it.
 * Threads:    the lifecycle hooks (setup, open, start, drain, stop,
 *             close) run on rap_init's / rap_finalize's thread; `tick` on
 *             the scheduler's watchdog thread (or a polling worker); `due`
 *             on the MPI token's holder; `halt` on the thread that stops
 *             the rank; `actor_end` on the ending actor's worker; `ops`
 *             on the worker running the actor that received the operation.
 * Uses:       util/config.h, msg/env.h, the public header.
 */
#ifndef RAP_SYSTEM_SERVICE_H
#define RAP_SYSTEM_SERVICE_H

#include "msg/env.h"
#include "util/common.h"
#include "util/config.h"

/* A message type the service's actor handles, and its handler. */
typedef struct rap_service_handler {
    uint32_t msg_type;
    rap_handler_fn fn;
} rap_service_handler;

/* A system operation the service handles: addressed to the System actor
 * (a local trigger) or to the service's own actor; the wire validated its
 * header, the handler validates its payload. */
typedef struct rap_service_op {
    uint32_t op;
    void (*fn)(rap_ctx *ctx, const rap_env *env);
} rap_service_op;

typedef struct rap_service {
    const char *name;
    /* The service's actor: a runtime actor type (name "rap.*", a fixed id
     * below RAP_TYPE_USER_MIN) that the node registers with these
     * handlers ({0, NULL}-terminated) on every rank before the registries
     * freeze, and creates with `serial` on the ranks `hosted` accepts.
     * actor_name NULL: no actor. */
    const char *actor_name;
    uint32_t actor_type;
    const rap_service_handler *handlers;
    bool (*hosted)(int rank, int size);
    uint64_t serial;
    /* On hosting ranks, before the actor exists, and after the last
     * message it handles (rap_finalize, once no worker runs).  Optional. */
    int (*open)(const rap_config *cfg, int rank);
    void (*close)(void);
    /* System operations ({0, NULL}-terminated; NULL: none). */
    const rap_service_op *ops;
    /* Every rank, all optional: before the workers start (start), once
     * they have stopped at rap_finalize (stop: every rank calls it, so it
     * may be collective); at each look of the watchdog while a worker is
     * awake, or at each poll without a watchdog (tick); as rap_finalize
     * begins, before its last drains (drain: send nothing new after it). */
    int (*start)(const rap_config *cfg, int rank, int size, int workers);
    void (*tick)(uint64_t now_ns);
    void (*drain)(void);
    void (*stop)(void);
    /* Every rank, all optional, for services that hold messages for later
     * (g_node.held) or keep things by actor (g_node.by_actor): at a poll,
     * the MPI token held, once the time passed what the service asked for
     * with rap__node_due_at (due: returns the messages it sent); as the
     * rank begins to stop (halt: drop what is held, so that the stop can
     * end); when an actor of this rank ends while g_node.by_actor is not 0
     * (actor_end). */
    int (*due)(uint64_t now_ns);
    void (*halt)(void);
    void (*actor_end)(rap_aid aid);
    /* Runtime message types (ActorActionMsgs below RAP_TYPE_USER_MIN) the
     * service handles when they reach any actor, user or runtime, on the
     * worker running that actor ({0, NULL}-terminated; NULL: none). */
    const rap_service_op *actor_ops;
    /* System operations ({0, NULL}-terminated; NULL: none) handled as they
     * arrive from another rank, on the MPI token's holder, instead of in
     * the System actor's turn (ctx NULL): short, never blocking; they may
     * send.  For the hops of a collective, where a turn of the System
     * actor per hop would be the cost. */
    const rap_service_op *arrival_ops;
} rap_service;

/* Every service, in start order (stopped in reverse), NULL-terminated;
 * defined by services/services.c. */
extern const rap_service *const rap__services[];

/* system/node.c: register the services' actor types; open them and
 * create their actors on this rank; close them. */
int rap__services_setup(void);
int rap__services_open(void);
void rap__services_close(void);
int rap__services_start(int workers);
void rap__services_tick(void *arg, uint64_t now_ns);
void rap__services_drain(void);
int rap__services_due(uint64_t now_ns);
void rap__services_halt(void);
void rap__services_actor_end(rap_aid aid);
void rap__services_stop(void);
/* The handler of system operation `op` among the services', or NULL. */
void (*rap__services_op(uint32_t op))(rap_ctx *ctx, const rap_env *env);
/* The handler of system operation `op` as it arrives, or NULL. */
void (*rap__services_arrival_op(uint32_t op))(rap_ctx *ctx, const rap_env *env);
/* The handler of runtime message type `type` reaching an actor, or NULL. */
void (*rap__services_actor_op(uint32_t type))(rap_ctx *ctx, const rap_env *env);

#endif
