/* services/services.c -- the services the node starts, in order: the one
 * place that names them all (system/service.h).
 *
 * Owns:       rap__services.
 * Uses:       system/service.h.
 */
#include "services/services.h"

const rap_service *const rap__services[] = {
    &rap__logger_service,
    &rap__profile_service,
    &rap__trace_service,
    &rap__timer_service,
    &rap__ask_service,
    &rap__pubsub_service,
    &rap__monitor_service,
    &rap__group_service,
    NULL,
};
