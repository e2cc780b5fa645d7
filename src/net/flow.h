/* net/flow.h -- flow control: the arithmetic of windows and credits.
 *
 * Owns:       the rules, as pure functions (unit-tested on their own);
 *             flow.c applies them to the transport's per-peer state.
 * Invariants: a sender charges each ActorActionMsg RAP_NET_CHARGE(its wire
 *             size) to its peer's window when it hands it to MPI and keeps
 *             the sum of unreturned charges within the window, except that
 *             one message goes whenever nothing is outstanding (so a
 *             message larger than the window still goes, alone).  A
 *             receiver returns what its actors consumed in credits of at
 *             least a quarter window; a blocked sender asks once (a credit
 *             of 0 bytes), and the asked side then returns as soon as 1/32
 *             window is unreturned or everything received is consumed, so
 *             a blocked sender always gets credit once what it sent is
 *             handled, however small the window.
 * Threads:    any; pure functions.
 * Uses:       util/.
 */
#ifndef RAP_NET_FLOW_H
#define RAP_NET_FLOW_H

#include <stdbool.h>
#include <stdint.h>

/* Window bytes one ActorActionMsg takes: its wire image plus what an
 * envelope costs in memory beyond it (local fields, allocator header). */
#define RAP_NET_CHARGE_EXTRA 32u
#define RAP_NET_CHARGE(wire_bytes) ((uint64_t)(wire_bytes) + RAP_NET_CHARGE_EXTRA)

/* Whether a message of `charge` bytes may go to a peer that holds
 * `inflight` unreturned bytes of a `window`. */
static inline bool rap__flow_fits(uint64_t inflight, uint64_t charge, uint64_t window)
{
    return inflight == 0 || inflight + charge <= window;
}

/* Whether the receiver owes its peer a credit now: `consumed` and
 * `received` are the charges consumed and received from that peer so far,
 * `returned` what credits have returned; `asked`: the peer is blocked and
 * asked for credit. */
static inline bool rap__flow_due(uint64_t consumed, uint64_t returned, uint64_t received,
                                 uint64_t window, bool asked)
{
    if (consumed <= returned)
        return false;
    if (consumed - returned >= window / 4)
        return true;
    return asked && (consumed - returned >= window / 32 || consumed == received);
}

#endif
