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
 * Threads:    every hook runs on rap_init's / rap_finalize's thread.
 * Uses:       util/config.h, the public header.
 */
#ifndef RAP_SYSTEM_SERVICE_H
#define RAP_SYSTEM_SERVICE_H

#include "util/common.h"
#include "util/config.h"

/* A message type the service's actor handles, and its handler. */
typedef struct rap_service_handler {
    uint32_t msg_type;
    rap_handler_fn fn;
} rap_service_handler;

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
} rap_service;

/* Every service, in start order (stopped in reverse), NULL-terminated;
 * defined by services/services.c. */
extern const rap_service *const rap__services[];

/* system/node.c: register the services' actor types; open them and
 * create their actors on this rank; close them. */
int rap__services_setup(void);
int rap__services_open(void);
void rap__services_close(void);

#endif
