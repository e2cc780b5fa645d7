/* services/profile.h -- the profile: every rank samples what its workers
 * counted (sample.c) and rank 0's Profiler keeps the job's cost model and
 * writes it (profiler.c).  One service record for both.
 *
 * Owns:       nothing; declarations shared by the two files.
 * Threads:    see each file.
 * Uses:       system/service.h, msg/proto.h.
 */
#ifndef RAP_SERVICES_PROFILE_H
#define RAP_SERVICES_PROFILE_H

#include "msg/proto.h"
#include "system/service.h"

/* Heaviest actors and pairs a sample carries in full (the other actors are
 * summed per type). */
#define RAP_SAMPLE_ACTORS 64
#define RAP_SAMPLE_PAIRS 4096

/* sample.c, every rank. */
int rap__sample_start(const rap_config *cfg, int rank, int size, int workers);
void rap__sample_tick(uint64_t now_ns);
void rap__sample_drain(void);
void rap__sample_stop(void);
void rap__sample_op(rap_ctx *ctx, const rap_env *env);

/* profiler.c, rank 0: the model. */
int rap__profiler_open(const rap_config *cfg, int rank);
void rap__profiler_close(void);
void rap__profiler_op(rap_ctx *ctx, const rap_env *env);
/* Take a sample of `len` bytes from `src` into the model, after checking
 * every field; RAP_EMALFORMED (logged, counted, nothing taken) if any is
 * wrong.  Any thread (the model has a lock). */
int rap__profiler_ingest(const void *sample, size_t len, int src);
/* Write the model as JSON to `path`.  Any thread. */
int rap__profiler_write(const char *path);
/* The cost model for the partitioner (partition/model.h), a copy the
 * caller frees with rap__pmodel_free.  Rank 0, any thread. */
struct rap_pmodel;
int rap__profiler_model(struct rap_pmodel *out);
/* One decision of the balancer, for the profile's "rebalances". */
typedef struct rap_rebalance_note {
    uint64_t t_ns;          /* set by the Profiler: since its start */
    bool periodic;          /* RAPTORS_LB_PERIOD_MS's, else rap_rebalance's */
    const char *strategy;   /* static */
    uint64_t actors, moves, bytes;
    double before, after;   /* imbalance, and predicted after */
    double plan_ms, ms;     /* the decision; the whole call (sync) */
} rap_rebalance_note;
/* Keep a decision (rank 0; any thread). */
void rap__profiler_note_rebalance(const rap_rebalance_note *n);
/* The same decision in the trace (trace.c; rank 0, any thread; nothing
 * when the trace is off): a span ending now, of n->ms (n->plan_ms when
 * that is 0). */
void rap__trace_note_rebalance(const rap_rebalance_note *n);
/* The periodic balancer (balancer.c): plan and move if due; rank 0's
 * Profiler calls it after each sample, with its ctx. */
void rap__balancer_periodic(rap_ctx *ctx);
/* Each rank's busy fraction in its last sample (-1: none yet), for the
 * first n ranks; returns how many had one.  Rank 0, any thread. */
int rap__profiler_busy(double *busy, int n);
/* RAP_SYS_PLACE: send a spawn request on to the least loaded rank that
 * hosts its type (balancer.c). */
void rap__balancer_place_op(rap_ctx *ctx, const rap_env *env);

/* A workload's names, as the profile writes them: its message type (or
 * its name, or the runtime operation) and its actor type; buf holds them
 * when they have to be made.  Any thread. */
const char *rap__wl_part_name(uint32_t kind, uint32_t id, const char *name, char *buf, size_t n);
const char *rap__wl_atype_name(uint32_t atype, char *buf, size_t n);

extern const rap_service rap__profile_service;

#endif
