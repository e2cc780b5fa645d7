/* services/timer.h -- what other services use of the timers (timer.c).
 *
 * Owns:       nothing; declarations.
 * Uses:       the public header.
 */
#ifndef RAP_SERVICES_TIMER_H
#define RAP_SERVICES_TIMER_H

#include "raptors.h"

/* A runtime timer: after `delay` ns, route a message of runtime type
 * `rt_type` (below RAP_TYPE_USER_MIN) with a copy of `data` to `to`, from
 * no actor; cancelled when `owner` (RAP_AID_NONE: none) ends on this rank,
 * at a stop and at rap_finalize, or by rap_timer_cancel(`*out`).
 * Returns: RAP_OK; RAP_ESTOPPED; RAP_ERANGE; RAP_ENOMEM. */
int rap__timer_raw(rap_aid owner, rap_aid to, uint32_t rt_type, const void *data, size_t len, uint64_t delay,
                   rap_timer *out);

#endif
