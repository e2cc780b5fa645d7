/* system/node.h -- the node: one per process, and what system/'s files
 * share.
 *
 * Owns:       the rank's runtime state (rap_node g_node): communicators,
 *             transport, scheduler, actor table, host table, the MPI token,
 *             the termination wave.
 * Invariants: `active` counts actors that are scheduled, running or parked
 *             (a mailbox not marked empty); the rank is locally idle when
 *             it is 0, no service holds a message for later (`held`) and
 *             the transport holds nothing to send.  All of
 *             Raptors' MPI calls happen under the MPI token (progress.c).
 * Threads:    see each field.
 * Uses:       actor/, msg/, net/, sched/, util/.
 */
#ifndef RAP_SYSTEM_NODE_H
#define RAP_SYSTEM_NODE_H

#include <mpi.h>
#include <pthread.h>

#include "actor/table.h"
#include "msg/proto.h"
#include "net/bells.h"
#include "net/net.h"
#include "sched/sched.h"
#include "util/config.h"
#include "util/counters.h"

struct rap_ctx {
    rap_actor *actor; /* NULL outside actors */
    int worker;
    rap_wire_ask *ask; /* the request being handled (rap_reply), or NULL */
    const rap_env *cur; /* the message being handled (rap_defer), or NULL */
    bool deferred;     /* rap_defer kept it already */
    int fail;          /* rap_exit_with's reason, for when the handler returns */
};

typedef struct rap_host {
    uint32_t type;
    int rank;
} rap_host;

enum rap_node_state { RAP_NODE_NONE = 0, RAP_NODE_UP = 1 };

/* Grouped by who writes: fields every send or handler reads (rank,
 * stopping, table, ...) are written only at start-up and shutdown and sit
 * apart from those that idle workers write all the time (the MPI token at
 * each poll, `active` at each schedule), so that a send never waits for a
 * line an idle worker just wrote. */
typedef struct rap_node {
    /* Read-mostly: set by the lifecycle thread. */
    _Atomic int state;
    rap_config cfg;
    MPI_Comm comm, term_comm;
    MPI_Comm app_errors;       /* carries MPI_COMM_WORLD's handler from before rap_init (progress.c) */
    MPI_Errhandler world_errh; /* what rap_init gave MPI_COMM_WORLD instead */
    int rank, size, appnum, level;
    bool mpi_owned;
    _Atomic bool mpi_open;   /* workers may call MPI now */
    _Atomic bool stopping;
    _Atomic int stop_status; /* the largest exit status of the stops of this run; -1: none */
    _Atomic bool running;    /* inside rap_run: termination waves allowed */

    rap_net *net;
    rap_sched *sched;
    rap_sched *sync_sched;   /* the blocking types' threads (NULL: no type is blocking) */
    rap_bells bells;
    rap_table *table;
    rap_host *hosts;         /* (actor type, rank) pairs, sorted; read-only after init */
    size_t nhosts;

    /* Written by the token holder (each poll), and the wave it runs. */
    alignas(RAP_CACHELINE) _Atomic int token; /* the MPI token: 1 while a thread is in Raptors' MPI */
    _Atomic uint64_t polls;   /* polls that ran (the watchdog reads it) */
    _Atomic bool wave_active; /* a termination wave is in flight */
    _Atomic uint64_t wave_started; /* when it started, ns */
    bool wave_on;
    MPI_Request wave_req;
    uint64_t wave_in[2], wave_out[2], prev[2];
    bool prev_valid;
    uint64_t idle_since;     /* ns; 0 while not idle (token holder's) */

    /* Written at every schedule and release of an actor. */
    alignas(RAP_CACHELINE) _Atomic int64_t active;
    /* Messages the services hold for later (pending timers): the rank is
     * not idle while one is held.  due_ns: the earliest time a service
     * asked for a look (rap__node_due_at), UINT64_MAX for none. */
    _Atomic uint64_t held;
    _Atomic uint64_t due_ns;
    /* What the services keep by actor (timers an actor set, requests it
     * waits on): an ending actor is reported to them (actor_end) only
     * while this is not 0. */
    _Atomic uint64_t by_actor;
    _Atomic uint32_t rr;     /* RAP_ANY_RANK turn */
    _Atomic bool done;       /* the wave found the job quiescent */
    pthread_mutex_t done_lock; /* with done_cond: rap_run's thread waits for done */
    pthread_cond_t done_cond;
} rap_node;

extern rap_node g_node;

static inline bool rap__node_up(void)
{
    return atomic_load_explicit(&g_node.state, memory_order_acquire) == RAP_NODE_UP;
}

/* The scheduler that runs `a`: the sync threads for a blocking type. */
static inline rap_sched *rap__sched_of(const rap_actor *a)
{
    return a->type->blocking && g_node.sync_sched != NULL ? g_node.sync_sched : g_node.sched;
}

/* The calling thread is one of the workers (not the application's, not a
 * sync thread). */
static inline bool rap__on_worker(void)
{
    return g_node.sched != NULL && rap__sched_current() == g_node.sched;
}

static inline rap_aid rap__ctx_aid(const rap_ctx *ctx)
{
    return (ctx != NULL && ctx->actor != NULL)
               ? atomic_load_explicit(&ctx->actor->aid, memory_order_relaxed)
               : RAP_AID_NONE;
}

/* route.c: deliver or transmit a filled envelope (takes ownership);
 * report an undeliverable envelope
 * (the caller still owns it); send an error event to `to` (logged when
 * `to` is RAP_AID_NONE); send a system message of `len` payload bytes;
 * the transport's callbacks. */
void rap__route(rap_env *env);
/* Send `env` (not linked) to rank `dest` whoever it is for. */
void rap__transmit(int dest, rap_env *env);
/* Push first..last (n, linked, all to `to`) into its mailbox, or queue
 * them for its rank. */
void rap__deliver_chain(rap_aid to, rap_env *first, rap_env *last, size_t n);
void rap__dead_letter_report(const rap_env *env);
/* supervise.c: supervision (rap_actor_type_supervise).  A supervised
 * actor was made (keeps its spawn arguments, tells its supervisor); it
 * failed (true: suspended and reported; false: not supervised, the caller
 * reports as before); it exits by itself (true: a permanent child: kept,
 * suspended, reported); a supervisor hears of a child's failure (true:
 * decided); a decision or a child's notice reached an actor; an actor
 * ends (its entry goes, its supervisor hears, its children end). */
void rap__sup_made(rap_actor *a, rap_aid parent, uint32_t seq, const void *arg, size_t len);
bool rap__sup_failed(rap_ctx *ctx, rap_actor *a, uint32_t msg_type, int code);
bool rap__sup_exits(rap_ctx *ctx, rap_actor *a);
bool rap__sup_child_failed(rap_ctx *ctx, rap_actor *a, const rap_error_event *ev);
void rap__sup_op(rap_ctx *ctx, rap_actor *a, const rap_env *env);
void rap__sup_end(rap_actor *a);
/* rap_finalize: ends tell no one (quiet), then what is kept goes (free). */
extern _Atomic bool rap__sup_quiet;
void rap__sup_free(void);
/* Add `aid`, spawned as `sup`'s seq-th child, to its children (a group's
 * creator lists its members so, with no message from each). */
void rap__sup_kid_add(rap_aid sup, rap_aid aid, uint32_t seq);
/* 0 when the calling actor's type does not supervise what it spawns;
 * else the number of this spawn among its children (their order). */
uint32_t rap__sup_seq(const rap_ctx *ctx);

/* Actor groups (actor/table.h): deliver a held message to its member
 * (NULL: a dead letter), the callback of rap__table_group_ready; report
 * the messages still held for groups never made here (rap_finalize). */
void rap__group_push(rap_actor *a, rap_env *env);
void rap__group_drop_held(void);
void rap__send_error(rap_aid to, int kind, uint32_t op, int err_kind, int code,
                     rap_aid about, uint32_t msg_type, uint64_t cookie);
int rap__sys_send(int kind, uint32_t op, rap_aid to, rap_aid from, const void *payload, size_t len);
void rap__route_callbacks(rap_net_callbacks *cb);

/* send.c: what rap_send checks before a message exists (the node is up,
 * the addressee can be, the type is a registered user type that allows
 * `len` bytes, data is not NULL with len): RAP_OK or rap_send's error. */
int rap__send_check(rap_aid to, uint32_t type, const void *data, size_t len);
/* Send a message of `kind` (ActorAction or SystemAction) and runtime
 * type or operation `rt_type` whose payload is `head` (hlen bytes) and
 * then `data` (len bytes) to `to`, as a send by ctx's actor (its order
 * with the actor's other sends, sequence numbers to movable actors, the
 * profile's counts).  Returns RAP_OK, RAP_ESTATE, RAP_EINVAL (no such
 * rank), RAP_ETOOBIG or RAP_ENOMEM. */
int rap__send_wrapped(rap_ctx *ctx, int kind, rap_aid to, uint32_t rt_type, const void *head, size_t hlen,
                      const void *data, size_t len);

/* spawn.c: this rank stops, with an exit status (a stop request from any
 * rank, or rap_stop here). */
void rap__node_stop(int status);

/* spawn.c: actors' life on this rank.  `serial` 0: a fresh one; else the
 * serial the actor takes (a group member's, msg/aid.h).  `sup_seq` not 0:
 * its parent supervises it, and numbered its spawn so (rap__sup_seq). */
int rap__actor_create(uint32_t type, rap_aid parent, uint64_t serial, uint32_t sup_seq, const void *arg,
                      size_t len, int worker, rap_aid *aid_out);
/* A runtime actor (System, services) of `type` at its well-known `serial`. */
int rap__actor_create_runtime(uint32_t type, uint64_t serial);
void rap__actor_teardown(rap_actor *a, int worker, bool call_fini);
void rap__actor_schedule(rap_actor *a);
/* Destroy through its mailbox every user actor whose type has a fini
 * (rap_finalize); free every actor left, runtime and user, once no worker
 * runs (rap_finalize, after the workers). */
void rap__actors_destroy_user(void);
void rap__actors_free_all(void);

/* runner.c: an actor's turn (its task function), and the scheduler's
 * hooks for actors. */
void rap__run_actor(rap_task *task, int worker);
/* "dead letter", "unhandled message", ... for log lines. */
const char *rap__error_kind_name(int kind);
void rap__runner_hooks(rap_sched_hooks *hooks);
/* Handle, within the current turn, a message of `type` (a copy of `len`
 * bytes of `data`) from ctx's actor to itself, as if it had come next: a
 * timer's firing to the actor that set it (services/timer.c).  Its
 * handler sees it as the turn's message (rap_defer keeps it); a type the
 * actor has no handler for is an unhandled message.  False: no memory
 * for it (nothing ran).  Worker running the actor. */
bool rap__actor_handle_now(rap_ctx *ctx, uint32_t type, const void *data, size_t len);

/* sysactor.c: a runtime actor's handling of a system operation (the
 * System actor's own, or a service's). */
int rap__sysactor_setup(void);
void rap__sysactor_dispatch(rap_ctx *ctx, const rap_env *env);

/* progress.c: the MPI token (1 taken: call MPI, then drop it; 0 MPI
 * closed; -1 another thread holds it), one poll, the poller's longest
 * sleep, and closing MPI to the workers. */
int rap__token_take(void);
void rap__token_drop(void);
int rap__node_poll(void *arg);
uint64_t rap__node_polls(void *arg);
/* MPI errors on MPI_COMM_WORLD met while holding the token are Raptors';
 * install/remove the handler that sorts them (rap_init, rap_finalize), and
 * mark a thread that calls MPI without the token (finalising the transport). */
int rap__world_errors_install(void);
void rap__world_errors_remove(void);
void rap__mpi_errors_mine(bool mine);
uint64_t rap__node_max_sleep(void *arg);
/* A service asks for a look at `ns` (its earliest deadline; UINT64_MAX:
 * none): the poll that first finds the time passed calls the services'
 * `due` hooks, and a poller asleep past `ns` is woken to sleep less. */
void rap__node_due_at(uint64_t ns);
/* A thread outside the workers waits for a message (rap_ask_wait): let
 * the workers call MPI now if they may (MPI_THREAD_MULTIPLE: from then on,
 * as after the first rap_run).  False under MPI_THREAD_SERIALIZED outside
 * rap_run. */
bool rap__mpi_open_for_waiters(void);
void rap__close_mpi(void);

/* term.c: one step of the termination protocol (token held). */
int rap__term_progress(void);
bool rap__locally_idle(void);

/* stats.c */
void rap__stats_print(void);

/* types.c: the MPMD type tables; ranks hosting `type`: *first_out
 * points at `n` sorted pairs. */
int rap__types_exchange(void);
void rap__types_free(void);
size_t rap__types_hosts(uint32_t type, const rap_host **first_out);
/* Whether actor type `type` is movable (in the executables that host it). */
bool rap__types_movable(uint32_t type);
/* Names for log lines and errors, written to buf: a message type by its
 * registered name (also when only other executables registered it), an
 * actor id with its type's name when the actor lives on this rank. */
#define RAP_NAME_MAX 160
const char *rap__msg_name(uint32_t id, char *buf, size_t n);
const char *rap__actor_name(rap_aid aid, char *buf, size_t n);
/* The same for an actor of a known type (from an error event). */
const char *rap__actor_name_typed(rap_aid aid, uint32_t type, char *buf, size_t n);
/* The type of a live actor of this rank; 0 if none. */
uint32_t rap__actor_type_of(rap_aid aid);
/* A type's registered name, in any executable of the job (cls 0:
 * message type, 1: actor type); NULL if no rank registered it. */
const char *rap__type_name(int cls, uint32_t id);

/* log.c: the log client; a line from the runtime itself (to stderr while
 * the node is not up). */
void rap__log(int level, rap_aid actor, const char *fmt, ...) RAP_PRINTF(3, 4);

#endif
