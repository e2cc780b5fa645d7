/* partition/strategy.h -- the built-in strategies' records (lb.c lists
 * them) and the steps they share.
 *
 * Owns:       nothing.
 * Invariants: every record keeps the contract of rap_lb_strategy
 *             (partition/lb.h).
 * Threads:    any; the strategies keep no state between calls.
 * Uses:       partition/graph.h, partition/lb.h.
 */
#ifndef RAP_PARTITION_STRATEGY_H
#define RAP_PARTITION_STRATEGY_H

#include "partition/graph.h"
#include "partition/lb.h"

extern const rap_lb_strategy rap__lb_greedy;  /* greedy.c */
extern const rap_lb_strategy rap__lb_refine;  /* refine.c */
extern const rap_lb_strategy rap__lb_metis;   /* metis.c, only with HAVE_METIS */

/* Refine `assign` in place: first move every actor that sits on a rank
 * that may not host it (pinned ones never do) to its best allowed rank,
 * then, while some rank's load per worker is over mean x (1 + tolerance),
 * move single actors off the most overloaded rank (refine.c says which),
 * each actor at most once, at most `max_moves` of these (0: no bound).
 * No move raises the highest load per worker.  Returns RAP_OK or
 * RAP_ENOMEM (`assign` then holds some of the moves: callers drop it). */
int rap__lb_refine_pass(const rap_lb_graph *g, double tolerance, size_t max_moves, int *assign);

#endif
