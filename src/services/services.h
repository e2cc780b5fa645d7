/* services/services.h -- the records of the services (system/service.h).
 *
 * Owns:       nothing; declarations.
 * Uses:       system/service.h.
 */
#ifndef RAP_SERVICES_SERVICES_H
#define RAP_SERVICES_SERVICES_H

#include "system/service.h"

extern const rap_service rap__logger_service;
extern const rap_service rap__profile_service;
extern const rap_service rap__trace_service;
extern const rap_service rap__timer_service;
extern const rap_service rap__ask_service;
extern const rap_service rap__pubsub_service;
extern const rap_service rap__monitor_service;
extern const rap_service rap__group_service;

#endif
