/* partition/lb.h -- the load balancer's decision: given the cost model
 * (partition/model.h), a new rank for every actor and the moves that get
 * there, with the figures that predict what they buy.  A pure function of
 * its input: no MPI, no clock but the one that times the decision, no
 * global state; the runtime's balancer service and the offline tool call
 * the same code (docs/BALANCING.md).
 *
 * Owns:       rap_lb_plan's arrays (rap__lb_plan_free).
 * Invariants: a plan never moves a pinned actor, never puts an actor on a
 *             rank that may not host its type, and moves at most
 *             max_moves actors, except that actors already on a rank that
 *             may not host them are always moved; with the same model and
 *             parameters it is the same plan.
 * Threads:    any; calls share nothing (metis.c says what METIS shares).
 * Uses:       partition/model.h, util/.
 */
#ifndef RAP_PARTITION_LB_H
#define RAP_PARTITION_LB_H

#include "partition/model.h"

/* Parameters.  A zeroed struct (or NULL) means the defaults below. */
typedef struct rap_lb_params {
    const char *strategy;  /* "refine" (NULL), "greedy", "metis", "off" */
    double tolerance;      /* a rank is overloaded past mean x (1 + tolerance)
                              of load per worker; 0: 0.05 */
    size_t max_moves;      /* at most this many moves per plan; 0: no bound */
    double ubvec;          /* metis: allowed part weight / target; 0: 1.03 */
    uint64_t seed;         /* metis: its random seed; 0: METIS's own */
} rap_lb_params;

#define RAP_LB_TOLERANCE 0.05
#define RAP_LB_UBVEC 1.03

typedef struct rap_lb_move {
    rap_aid aid;
    int from, to;
} rap_lb_move;

/* What a placement predicts, from the model's loads and bytes.  A rank's
 * load is the sum of its actors' loads over its workers. */
typedef struct rap_lb_figures {
    double max_load;       /* the highest load per worker (ns per s) */
    double imbalance;      /* max_load / (all load / all workers); 1 is even,
                              and 1 when there is no load */
    double cut_bytes;      /* bytes per s between actors on different ranks */
    double cut;            /* cut_bytes / all bytes per s; 0 when none */
} rap_lb_figures;

typedef struct rap_lb_plan {
    const char *strategy;  /* the strategy's name (static) */
    int *assign;           /* a rank per actor, in the model's order */
    size_t nactors;
    rap_lb_move *moves;    /* the actors whose rank changes, model order */
    size_t nmoves;
    uint64_t bytes_moved;  /* sum of the moved actors' state_bytes */
    rap_lb_figures before, after;
    uint64_t decision_ns;  /* time from the call to the plan, validation in */
} rap_lb_plan;

/* The plug-in record of a strategy.  `run` gets the checked model
 * (partition/graph.h) and `assign`, today's rank per actor, which it
 * overwrites with the new placement; it must leave pinned actors where
 * they are and put every other actor on a rank that may host it.  A
 * strategy that does not set `bounded` may move any number of actors: the
 * caller then keeps at most max_moves of its moves (see rap__lb_plan).
 * Returns RAP_OK, RAP_ENOMEM, or RAP_ERANGE (a model too large for it). */
struct rap_lb_graph;
typedef struct rap_lb_strategy {
    const char *name;
    const char *summary;   /* one line, for listings */
    bool bounded;          /* honours params->max_moves itself */
    int (*run)(const struct rap_lb_graph *g, const rap_lb_params *p, int *assign);
} rap_lb_strategy;

/* Fill `p` with the defaults (strategy "refine"). */
void rap__lb_params_init(rap_lb_params *p);

/* The strategy called `name`, or NULL when there is none (or "metis" in a
 * build without METIS).  Returns a static record.  Thread: any. */
const rap_lb_strategy *rap__lb_find(const char *name);

/* The i-th built-in strategy, NULL past the last (for listings). */
const rap_lb_strategy *rap__lb_strategy_at(size_t i);

/* Plan the placement of `m`'s actors with `p` (NULL: defaults).  m->ranks
 * may be NULL: every rank then has one worker.  When the strategy is not
 * bounded and moves more than max_moves actors, the plan keeps the forced
 * moves (off a rank that may not host the actor), then the others
 * heaviest first, each only if its target stays at or under the highest
 * load per worker after the forced moves, until max_moves.
 * Returns:   RAP_OK; RAP_EINVAL for a bad model (nranks < 1, an actor on
 *            a rank out of range, an actor id 0 or twice, a load negative
 *            or not finite, an edge naming an unknown actor or with
 *            negative or non-finite bytes, workers < 1, ranks[r].rank != r,
 *            a host list naming a rank out of range or a type twice, an
 *            actor whose type no rank may host, a pinned actor on a rank
 *            that may not host it; rap__lb_check says which) or bad
 *            parameters (an unknown strategy, a negative or non-finite
 *            tolerance, ubvec < 1), and for "metis" in a build without
 *            METIS (there is no RAP_ENOTSUP; rap__lb_find("metis") tells
 *            the two apart); RAP_ERANGE when "metis" gets a graph past
 *            METIS's 32-bit indexes; RAP_ENOMEM.
 * Ownership: on RAP_OK `*plan_out` holds arrays the caller frees with
 *            rap__lb_plan_free; on error it is untouched.
 * Thread:    any. */
int rap__lb_plan(const rap_pmodel *m, const rap_lb_params *p, rap_lb_plan *plan_out);

/* Free a plan's arrays; the plan is zeroed.  NULL is ignored. */
void rap__lb_plan_free(rap_lb_plan *plan);

/* Check `m` as rap__lb_plan does; on RAP_EINVAL write why (one line) into
 * `why` (`len` bytes, may be 0).  Returns RAP_OK, RAP_EINVAL or
 * RAP_ENOMEM.  Thread: any. */
int rap__lb_check(const rap_pmodel *m, char *why, size_t len);

/* The figures of placement `assign` (a rank per actor, model order) of a
 * model that rap__lb_check accepts.  Returns RAP_OK, RAP_EINVAL (a rank
 * out of range, or a bad model) or RAP_ENOMEM. */
int rap__lb_figures(const rap_pmodel *m, const int *assign, rap_lb_figures *fig_out);

#endif
