/* system/directory.h -- where movable actors are: the home directory, the
 * rank's location cache, and the sequence-number maps that keep each
 * sender's order to a movable actor across moves.
 *
 * Owns:       the home directory (the place of each actor whose home is
 *             this rank and that lives elsewhere), the location cache (a
 *             hint per actor: where it was last heard to be), the
 *             outside-actors sender's sequence numbers, and the map type
 *             actors keep theirs in (rap_seqmap).
 * Invariants: the directory is exact up to the updates on their way to it:
 *             an entry changes only to a later epoch (moves counted), and
 *             an actor that ended keeps an entry (rank -1), so that a late
 *             update cannot bring it back.  The cache may be stale or
 *             torn: it only chooses a first way for a message, and any
 *             way is correct (the home always knows, and sequence numbers
 *             restore the order).
 * Threads:    the directory and the outside map take their own locks; the
 *             cache is read and written by any thread without one; a
 *             rap_seqmap belongs to the thread that runs its actor.
 * Uses:       msg/, util/.
 */
#ifndef RAP_SYSTEM_DIRECTORY_H
#define RAP_SYSTEM_DIRECTORY_H

#include "msg/aid.h"
#include "msg/proto.h"

/* Sequence numbers by actor id: an open-addressing table (aid 0 empty). */
typedef struct rap_seqmap {
    rap_wire_seq *e;
    uint32_t cap, n;
} rap_seqmap;

/* The sequence number kept for `aid` (0 for a new entry), or NULL when a
 * new entry cannot be made (out of memory). */
uint32_t *rap__seqmap_get(rap_seqmap *m, rap_aid aid);
/* Add `n` entries (from the wire); RAP_ENOMEM. */
int rap__seqmap_load(rap_seqmap *m, const rap_wire_seq *e, uint32_t n);
/* Write the entries to `out` (room for m->n). */
void rap__seqmap_store(const rap_seqmap *m, rap_wire_seq *out);
void rap__seqmap_free(rap_seqmap *m);

/* Sequence number order, modulo 2^24: a before b. */
static inline bool rap__seq_before(uint32_t a, uint32_t b)
{
    uint32_t d = (b - a) & 0xffffffu;
    return d != 0 && d < 0x800000u;
}

int rap__directory_create(void);
void rap__directory_destroy(void);

/* The home directory (this rank is the actor's home): where it is (-1:
 * unknown here, or ended); set a place of a given epoch (rank -1: it
 * ended). */
int rap__dir_get(rap_aid aid);
void rap__dir_set(rap_aid aid, int rank, uint32_t epoch);

/* The location cache: a hint, -1 when none. */
int rap__loc_get(rap_aid aid);
void rap__loc_set(rap_aid aid, int rank);

/* The next sequence number of the outside-actors sender to `to`; false
 * when out of memory. */
bool rap__seq_outside_next(rap_aid to, uint32_t *seq_out);

#endif
