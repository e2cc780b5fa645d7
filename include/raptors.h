/* raptors.h -- Raptors: an actor runtime in C on MPI.
 *
 * A program is a set of actors that own their state and talk only through
 * typed messages.  Every MPI rank is a Raptors node with a System actor and
 * a pool of worker threads; rank 0 also hosts the Logger.  Actor ids are
 * location independent; messages between ranks travel as nonblocking MPI
 * point-to-point on Raptors' own duplicate of the communicator.
 *
 * Life of a program (every rank):
 *
 *     rap_msg_type_register(...); rap_actor_type_register(...);  // names -> ids
 *     rap_init(&argc, &argv);          // collective; workers start
 *     if (rap_rank() == 0) rap_spawn(NULL, COORD, NULL, 0, &aid);
 *     rap_run();                       // collective; returns when the job is quiescent or stopped
 *     rap_finalize();                  // collective
 *
 * Errors: every call returns RAP_OK (0) or a negative RAP_E* code;
 * rap_strerror() gives its text.  Out-parameters are set only on success.
 */
#ifndef RAPTORS_H
#define RAPTORS_H

#include <stddef.h>
#include <stdint.h>
#include <mpi.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define RAP_API __attribute__((visibility("default")))
#define RAP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define RAP_MAYBE_UNUSED __attribute__((unused))
#else
#define RAP_API
#define RAP_PRINTF(f, a)
#define RAP_MAYBE_UNUSED
#endif

/* ----------------------------------------------------------------- version */

/* This header's version (configure reads it from here). */
#define RAP_VERSION_MAJOR 0
#define RAP_VERSION_MINOR 2
#define RAP_VERSION_PATCH 0
#define RAP_VERSION_NUM(major, minor, patch) ((major) * 10000 + (minor) * 100 + (patch))
#define RAP_VERSION RAP_VERSION_NUM(RAP_VERSION_MAJOR, RAP_VERSION_MINOR, RAP_VERSION_PATCH)

/* The library's version as "MAJOR.MINOR.PATCH" (compare with the header's
 * RAP_VERSION_* when a program may load another build of the library).
 * Returns: a static string.  Thread: any. */
RAP_API const char *rap_version(void);

/* ------------------------------------------------------------------ errors */

#define RAP_ERR_MAP(X)                                                        \
    X(EINVAL,    -1, "invalid argument")                                      \
    X(ENOMEM,    -2, "out of memory")                                         \
    X(EDEAD,     -3, "no such actor")                                         \
    X(ENOTYPE,   -4, "unknown actor or message type")                         \
    X(EEXIST,    -5, "name already registered")                               \
    X(ECOLLIDE,  -6, "type name collides with another name's id")             \
    X(ENOHOST,   -7, "no rank hosts this actor type")                         \
    X(ESTATE,    -8, "call not allowed in the runtime's current state")       \
    X(ETOOBIG,   -9, "message larger than its type or the transport allows")  \
    X(EMPI,     -10, "MPI call failed")                                       \
    X(EUNHANDLED,-11, "actor type has no handler for this message type")      \
    X(EMALFORMED,-12, "malformed message")                                    \
    X(ESTOPPED, -13, "runtime is stopping")                                   \
    X(ERANGE,   -14, "value out of range")                                    \
    X(ETHREAD,  -15, "MPI thread support too low (needs MPI_THREAD_SERIALIZED)") \
    X(EHANDLER, -16, "actor handler failed")                                  \
    X(EVERSION, -17, "ranks run incompatible Raptors wire formats")           \
    X(ENOTMOVABLE,-18, "actor cannot move (its type is not movable)")       \
    X(EGONE,    -19, "timer already fired or cancelled")                  \
    X(ETIMEDOUT,-20, "no reply in time")                                     \
    X(EGAVEUP,  -21, "supervisor gave up: its children failed too often")

enum rap_err {
    RAP_OK = 0,
#define RAP_ERR_ENUM(name, code, text) RAP_##name = (code),
    RAP_ERR_MAP(RAP_ERR_ENUM)
#undef RAP_ERR_ENUM
};

/* Text of an error code ("unknown error" for a value that is not one).
 * Returns: a static string.  Thread: any. */
RAP_API const char *rap_strerror(int err);

/* Name of an error code, e.g. "RAP_EDEAD" ("RAP_E?" when unknown).
 * Returns: a static string.  Thread: any. */
RAP_API const char *rap_err_name(int err);

/* ------------------------------------------------------------------- ids */

/* Actor id: 64 bits, location independent.  Bits 63..44 hold the home rank
 * (the rank that created the actor), bits 43..0 a serial unique on that
 * rank.  RAP_AID_NONE (0) is "no actor", e.g. the sender of a message sent
 * from outside any handler. */
typedef uint64_t rap_aid;
#define RAP_AID_NONE ((rap_aid)0)
#define RAP_AID_RANK_BITS 20
#define RAP_AID_SERIAL_BITS 44
#define RAP_AID_RANK(aid) ((int)((aid) >> RAP_AID_SERIAL_BITS))
#define RAP_AID_SERIAL(aid) ((aid) & ((UINT64_C(1) << RAP_AID_SERIAL_BITS) - 1))

/* For rap_spawn_on(): any rank that has the actor type. */
#define RAP_ANY_RANK (-1)

/* Handler context: valid only inside the handler (or init/fini/error
 * callback) it was given to, on that thread. */
typedef struct rap_ctx rap_ctx;

/* A message buffer for zero-copy sends (rap_msg_alloc / rap_msg_send). */
typedef struct rap_msg rap_msg;

/* ------------------------------------------------------------ built-ins */

/* Message types with fixed ids, registered by the runtime.  User names are
 * never given ids below RAP_TYPE_USER_MIN, and no user call sends one of
 * these (RAP_EINVAL). */
#define RAP_MSG_SPAWNED 1u  /* payload: rap_spawned; answer to rap_spawn_on() */
#define RAP_MSG_DESTROY 3u  /* a destroy request (rap_destroy), as error events name it */
#define RAP_TYPE_USER_MIN 256u

/* The answer to a successful rap_spawn_on(), delivered to the requesting
 * actor's handler for RAP_MSG_SPAWNED (register one with rap_actor_type_on). */
typedef struct rap_spawned {
    uint64_t cookie;   /* the caller's cookie from rap_spawn_on() */
    rap_aid aid;       /* the new actor */
} rap_spawned;

/* What went wrong, as delivered to an actor type's error handler.  Each
 * event is an ActorErrorMsg or SystemErrorMsg sent to the actor. */
typedef enum rap_error_kind {
    RAP_ERROR_DEAD_LETTER = 1, /* `actor` does not exist (never did, or destroyed) */
    RAP_ERROR_UNHANDLED = 2,   /* `actor`'s type has no handler for `msg_type` */
    RAP_ERROR_SPAWN = 3,       /* rap_spawn_on() with `cookie` failed; `msg_type` is the actor type */
    RAP_ERROR_CHILD = 4,       /* child `actor`'s handler for `msg_type` returned `code` (or it
                                  called rap_exit_with; msg_type 0: init on a restart, or an
                                  exit); a supervising type's decider gets it instead, with
                                  `cookie` the child's restart type (rap_actor_type_supervise) */
    RAP_ERROR_MIGRATE = 5,     /* rap_migrate() of `actor` failed (`code`: RAP_ENOHOST, the rank
                                  does not host its type; RAP_EMALFORMED, its state did not
                                  unpack there; RAP_ENOMEM); `cookie` is the rank asked for.
                                  The actor stays where it was. */
    RAP_ERROR_TIMEOUT = 6,     /* rap_ask() to `actor` with `cookie` and request type
                                  `msg_type` had no reply in time (`code` RAP_ETIMEDOUT) */
    RAP_ERROR_DOWN = 7         /* `actor`, monitored (rap_monitor), ended (`code` RAP_OK), or
                                  did not exist when the monitor reached it (RAP_EDEAD) */
} rap_error_kind;

typedef struct rap_error_event {
    int kind;          /* rap_error_kind */
    int code;          /* RAP_E* (or the handler's own return value for RAP_ERROR_CHILD) */
    rap_aid actor;     /* the actor the event is about */
    uint32_t msg_type; /* the message (or, for spawn, actor) type involved */
    uint64_t cookie;   /* spawn cookie, 0 otherwise */
} rap_error_event;

/* --------------------------------------------------------- registration */

/* Handler for one message type.  `data`/`len` stay valid until the handler
 * returns.  Return RAP_OK, or an error: the actor's supervisor (the actor
 * that spawned it) then receives a RAP_ERROR_CHILD event, and it is logged. */
typedef int (*rap_handler_fn)(rap_ctx *ctx, void *state, rap_aid from,
                              const void *data, size_t len);
/* Runs once on the new actor before any message.  A non-zero return fails
 * the spawn with that code (RAP_EHANDLER if it is not a RAP_E* code). */
typedef int (*rap_init_fn)(rap_ctx *ctx, void *state, const void *arg,
                           size_t len);
/* Runs once when the actor is destroyed (or at rap_finalize). */
typedef void (*rap_fini_fn)(rap_ctx *ctx, void *state);
/* Receives the error events addressed to the actor. */
typedef void (*rap_error_fn)(rap_ctx *ctx, void *state,
                             const rap_error_event *ev);

/* Flags for rap_msg_type_register(). */
#define RAP_MSG_FIXED 0u    /* every message is exactly `size` bytes */
#define RAP_MSG_VAR 1u      /* a message is at most `size` bytes (0: no limit) */

/* Register a message type by name.  Its id is a hash of the name, the same
 * in every executable of the job.
 * Names starting "rap." are reserved for the runtime.
 * Returns:   RAP_OK; RAP_EINVAL (NULL, empty or reserved name, bad flags,
 *            FIXED with size 0, size over RAP_MAX_PAYLOAD); RAP_EEXIST if the name is
 *            registered; RAP_ECOLLIDE if another name has the same id;
 *            RAP_ESTATE after rap_init; RAP_ENOMEM.
 * Thread:    the thread that will call rap_init, before rap_init. */
RAP_API int rap_msg_type_register(const char *name, size_t size,
                                  unsigned flags, uint32_t *id_out);

/* Register an actor type by name; `state_size` bytes of zeroed state are
 * allocated for each actor (handlers get state NULL when it is 0).
 * `init` and `fini` may be NULL.
 * Returns:   as rap_msg_type_register.
 * Thread:    the thread that will call rap_init, before rap_init. */
RAP_API int rap_actor_type_register(const char *name, size_t state_size,
                                    rap_init_fn init, rap_fini_fn fini,
                                    uint32_t *id_out);

/* Make `fn` the handler of `actor_type` for `msg_type` (a registered
 * message type or RAP_MSG_SPAWNED).
 * Returns:   RAP_OK; RAP_EINVAL (NULL fn); RAP_ENOTYPE (unknown type);
 *            RAP_EEXIST (a handler is already set); RAP_ESTATE after rap_init.
 * Thread:    as rap_actor_type_register. */
RAP_API int rap_actor_type_on(uint32_t actor_type, uint32_t msg_type,
                              rap_handler_fn fn);

/* Make `fn` the error handler of `actor_type`.  Without one, error events
 * are written to the log.
 * Returns / Thread: as rap_actor_type_on. */
RAP_API int rap_actor_type_on_error(uint32_t actor_type, rap_error_fn fn);

/* Receives the replies to the actor's rap_ask() requests: `from` is the
 * actor that answered, `cookie` the one given to rap_ask, `type`, `data`
 * and `len` the reply (valid until it returns). */
typedef void (*rap_reply_fn)(rap_ctx *ctx, void *state, rap_aid from, uint64_t cookie,
                             uint32_t type, const void *data, size_t len);

/* Make `fn` the reply handler of `actor_type` (needed to call rap_ask).
 * Returns / Thread: as rap_actor_type_on. */
RAP_API int rap_actor_type_on_reply(uint32_t actor_type, rap_reply_fn fn);

/* Pack an actor's state for a move: write it to `buf` if it fits in
 * `cap` bytes, and return the bytes it needs either way (called again
 * with a larger buffer when it did not fit). */
typedef size_t (*rap_pack_fn)(const void *state, void *buf, size_t cap);
/* Rebuild a state packed by rap_pack_fn into `state` (state_size zeroed
 * bytes) on the new rank.  Return RAP_OK, or an error: the move is then
 * refused and the actor stays where it was. */
typedef int (*rap_unpack_fn)(void *state, const void *buf, size_t len);

/* Let the actors of `actor_type` move between ranks (rap_migrate).  With
 * pack and unpack NULL their state is plain bytes, copied as is (no
 * pointers); with both set, state moves as `pack` writes it and `unpack`
 * rebuilds it, and the old copy is then released with the type's fini
 * (called with no actor in ctx: what it sends goes as from outside).
 * A movable actor's id says so (the ids of other actors need no lookup);
 * messages to it carry a sequence number per sender, so that order from
 * each sender holds across moves (docs/BALANCING.md, "Migration").
 * Every executable of an MPMD job that hosts the type must declare it
 * movable alike.
 * Returns:   RAP_OK; RAP_EINVAL (only one of pack/unpack); RAP_ENOTYPE;
 *            RAP_ESTATE after rap_init.
 * Thread:    as rap_actor_type_register. */
RAP_API int rap_actor_type_movable(uint32_t actor_type, rap_pack_fn pack,
                                   rap_unpack_fn unpack);

/* Make `actor_type` blocking: its actors run on a pool of threads of
 * their own (RAPTORS_SYNC_THREADS per rank, apart from the workers), so
 * that their handlers may block (I/O, a long library call, the
 * application's own MPI under MPI_THREAD_MULTIPLE, rap_ask_wait) without
 * holding up the actors of other types.  Messages to and from them are
 * ordinary messages.  They do not move between the two pools.
 * Returns:   RAP_OK; RAP_ENOTYPE; RAP_ESTATE after rap_init.
 * Thread:    as rap_actor_type_register. */
RAP_API int rap_actor_type_blocking(uint32_t actor_type);

/* Supervision (Erlang/OTP's supervisors, Akka's strategies).  Every
 * actor is supervised by the actor that spawned it (rap_spawn,
 * rap_spawn_on, rap_group_spawn), or by its rank's System actor when made
 * from outside actors.  An actor *fails* when a handler returns an error
 * or calls rap_exit_with with a non-zero reason (and, for a permanent
 * child, when it exits); a failed child of a supervising type is
 * suspended (its messages wait) while its supervisor decides, on whatever
 * rank each is, by a SystemActionMsg:
 *   RAP_RESUME   go on with its state, as if the message had succeeded;
 *   RAP_RESTART  run fini, zero the state and run init again with the
 *                original spawn arguments, under the same id (every
 *                reference to it stays valid; the messages in its mailbox
 *                are kept, the failed message is not retried);
 *   RAP_STOP     end it (what waits for it: dead letters);
 *   RAP_ESCALATE the supervisor stops its children and fails itself, to
 *                its own supervisor (code RAP_EGAVEUP).
 * The decision is the type's rap_decide_fn for the event, or RAP_RESTART;
 * the strategy says which children it applies to: the failed one
 * (RAP_ONE_FOR_ONE), all of them (RAP_ONE_FOR_ALL), or the failed one and
 * those made after it (RAP_REST_FOR_ONE).  More than `max_restarts`
 * restarts within `within_ns` escalate instead.  A failure that reaches
 * the System actor (a supervisor made from outside actors gave up) is
 * logged and stops the job with exit status 1.  An actor whose
 * supervisor does not supervise (declares no strategy) goes on after a
 * failure, and its supervisor gets a RAP_ERROR_CHILD event. */
#define RAP_ONE_FOR_ONE 1
#define RAP_ONE_FOR_ALL 2
#define RAP_REST_FOR_ONE 3
#define RAP_RESUME 1
#define RAP_RESTART 2
#define RAP_STOP 3
#define RAP_ESCALATE 4
/* Restart types of a child (by its actor type): restarted after a
 * failure and after it exits (permanent, the default); after a failure
 * only (transient); never: a failure stops it (temporary). */
#define RAP_PERMANENT 0
#define RAP_TRANSIENT 1
#define RAP_TEMPORARY 2

/* Make `actor_type` a supervisor of the actors it spawns, with
 * `strategy`, allowing `max_restarts` restarts within `within_ns`
 * (both 0: 1 in 5 s, as OTP).
 * Returns:   RAP_OK; RAP_EINVAL (unknown strategy, only one of the two
 *            limits 0); RAP_ENOTYPE; RAP_EEXIST (declared already);
 *            RAP_ESTATE after rap_init.
 * Thread:    as rap_actor_type_register. */
RAP_API int rap_actor_type_supervise(uint32_t actor_type, int strategy, uint32_t max_restarts,
                                     uint64_t within_ns);

/* The restart type of the actors of `actor_type` as children.
 * Returns / Thread: as rap_actor_type_supervise (RAP_EINVAL: unknown type). */
RAP_API int rap_actor_type_restart(uint32_t actor_type, int restart);

/* Decides what to do about one failure of a child (`ev`: kind
 * RAP_ERROR_CHILD, the child, the message type it failed on (0 for init
 * or an exit), its code or reason; `cookie` its restart type).  Return
 * RAP_RESUME, RAP_RESTART, RAP_STOP or RAP_ESCALATE. */
typedef int (*rap_decide_fn)(rap_ctx *ctx, void *state, const rap_error_event *ev);

/* Make `fn` the decider of supervising type `actor_type`.
 * Returns / Thread: as rap_actor_type_on. */
RAP_API int rap_actor_type_on_failure(uint32_t actor_type, rap_decide_fn fn);

/* The id a name has (or would have) as a type, without registering it.
 * Returns: RAP_OK; RAP_EINVAL (NULL or empty name).  Thread: any. */
RAP_API int rap_type_id(const char *name, uint32_t *id_out);

/* ------------------------------------------------------------ lifecycle */

/* Start Raptors on MPI_COMM_WORLD.  Calls MPI_Init_thread (asking for
 * MPI_THREAD_MULTIPLE; MPI_THREAD_SERIALIZED is enough) unless MPI is already
 * initialised, exchanges the type tables of all ranks and starts the workers.
 * Collective over MPI_COMM_WORLD.  `argc`/`argv` may be NULL.
 * Returns:   RAP_OK; RAP_ESTATE if already initialised; RAP_ETHREAD;
 *            RAP_ECOLLIDE if two ranks registered different names with one
 *            id, or one name with different sizes; RAP_EVERSION if ranks
 *            were built with different wire formats; RAP_EMPI; RAP_ENOMEM.
 * Thread:    one thread per process; then call the rest of the lifecycle
 *            from the same thread. */
RAP_API int rap_init(int *argc, char ***argv);

/* As rap_init, on a duplicate of `comm`, for programs that already use
 * MPI (MPI must be initialised).  Raptors never finalises an MPI it did not
 * initialise, and its traffic never mixes with the application's.
 * Collective over `comm`.  Returns: as rap_init, and RAP_EINVAL for
 * MPI_COMM_NULL or when MPI is not initialised.  Thread: as rap_init. */
RAP_API int rap_init_comm(MPI_Comm comm);

/* Run until the job is quiescent (no actor has a message to handle and no
 * message is in flight on any rank) or rap_stop() was called, then return
 * on every rank.  May be called again after it returns.
 * Collective.  Returns: RAP_OK when the job became quiescent;
 *          RAP_ESTOPPED when an actor (or thread) stopped it
 *          (rap_exit_status() then gives the status the stop carried);
 *          RAP_ESTATE if not initialised, or inside a handler.
 * Thread: the thread that called rap_init. */
RAP_API int rap_run(void);

/* The exit status of the stop that ended the last rap_run (the largest,
 * when several actors stopped it; the same on every rank), or 0 when it
 * ended quiescent:  `return rap_run() == RAP_OK ? 0 : rap_exit_status();`
 * Returns: 0..255.  Thread: any. */
RAP_API int rap_exit_status(void);

/* Drain the log and all messages still in flight, run every live actor's
 * fini, stop the workers, free Raptors' communicators and, if rap_init
 * initialised MPI, finalise it.  The log is complete when it returns.
 * With RAPTORS_STATS=1 each rank prints its counters to stderr.  A program
 * that calls MPI_Finalize first gets the same, with a warning: Raptors
 * finalises itself inside MPI_Finalize.
 * Collective.  Returns: RAP_OK; RAP_ESTATE if not initialised, or inside
 * a handler.
 * Thread: the thread that called rap_init. */
RAP_API int rap_finalize(void);

/* Drive Raptors' MPI progress once from the calling thread (for programs
 * that call MPI themselves under MPI_THREAD_SERIALIZED, where Raptors only
 * calls MPI from inside rap_run, rap_progress and rap_finalize).
 * Returns: RAP_OK; RAP_ESTATE if not initialised, or inside a handler.
 * Thread: the rap_init thread. */
RAP_API int rap_progress(void);

/* This rank, the number of ranks, and this process's MPI_APPNUM (0 when
 * the launcher sets none).
 * Returns: the value; -1 before rap_init.  Thread: any. */
RAP_API int rap_rank(void);
RAP_API int rap_size(void);
RAP_API int rap_appnum(void);

/* The MPI thread support level Raptors runs with.
 * Returns: MPI_THREAD_MULTIPLE or MPI_THREAD_SERIALIZED; -1 before rap_init.
 * Thread: any. */
RAP_API int rap_thread_level(void);

/* The number of worker threads on this rank.
 * Returns: the count; 0 before rap_init.  Thread: any. */
RAP_API int rap_workers(void);

/* Ask the whole job to stop: every rank stops handling actor messages,
 * drops what is queued for them (counted), and rap_run returns
 * RAP_ESTOPPED on all ranks.  The runtime's own traffic still goes: every
 * line logged before the stop is in the log.  rap_stop_with carries an
 * exit status (0..255) that rap_exit_status() returns on every rank;
 * rap_stop carries 0.
 * Returns: RAP_OK; RAP_EINVAL (status out of range); RAP_ESTATE if not
 *          initialised; RAP_ENOMEM.
 * Thread: any (ctx may be NULL outside a handler). */
RAP_API int rap_stop(rap_ctx *ctx);
RAP_API int rap_stop_with(rap_ctx *ctx, int status);

/* --------------------------------------------------------------- actors */

/* Create an actor of `actor_type` on this rank; `init` runs before return
 * with a copy of `arg`.  The creator (ctx's actor) becomes its supervisor.
 * Returns:   RAP_OK; RAP_ESTATE before rap_init or after rap_finalize;
 *            RAP_ENOTYPE; RAP_EINVAL (NULL aid_out, or arg NULL with len);
 *            RAP_ENOMEM; or init's error.
 * Thread:    any (ctx NULL outside a handler). */
RAP_API int rap_spawn(rap_ctx *ctx, uint32_t actor_type, const void *arg,
                      size_t len, rap_aid *aid_out);

/* Create an actor on `rank` (or RAP_ANY_RANK: the least loaded rank that
 * has the type, by rank 0's cost model, the ranks within 5 % of it in
 * turn; in turn among all that have it before any profile sample or with
 * RAPTORS_PROFILE=off), as a SystemActionMsg to that rank's System actor.  The answer
 * comes later to the calling actor: a RAP_MSG_SPAWNED message carrying
 * `cookie` and the new id, or a RAP_ERROR_SPAWN error event.
 * Returns:   RAP_OK when the request is sent; RAP_EINVAL (NULL ctx, bad
 *            rank, arg NULL with len); RAP_ENOTYPE if no rank registered
 *            the type; RAP_ENOHOST if `rank` did not; RAP_ETOOBIG; RAP_ENOMEM.
 * Thread:    owner (inside the handler that was given `ctx`). */
RAP_API int rap_spawn_on(rap_ctx *ctx, int rank, uint32_t actor_type,
                         const void *arg, size_t len, uint64_t cookie);

/* Ask actor `aid` to stop: it handles what is already in its mailbox when
 * the request reaches it (everything its caller sent it before, on one
 * rank or across ranks: the request keeps its place among the caller's
 * messages), runs fini, and later messages to it are dead letters.
 * Asynchronous: a request for an actor that does not exist comes back as
 * a RAP_ERROR_DEAD_LETTER event about message type RAP_MSG_DESTROY.
 * Returns: RAP_OK; RAP_EINVAL (RAP_AID_NONE or a rank out of range);
 *          RAP_ESTATE; RAP_ENOMEM.  Thread: any. */
RAP_API int rap_destroy(rap_ctx *ctx, rap_aid aid);

/* Stop the calling actor when its current handler returns.
 * Returns: RAP_OK; RAP_EINVAL without an actor.  Thread: owner. */
RAP_API int rap_exit(rap_ctx *ctx);

/* As rap_exit for reason 0; otherwise the actor *fails* with `reason`
 * when its handler returns (as if the handler had returned it): its
 * supervisor decides (see rap_actor_type_supervise), or, unsupervised, it
 * ends and its creator gets a RAP_ERROR_CHILD event.
 * Returns: RAP_OK; RAP_EINVAL without an actor.  Thread: owner. */
RAP_API int rap_exit_with(rap_ctx *ctx, int reason);

/* Watch actor `aid`, on any rank: when it ends (its handler's rap_exit,
 * rap_destroy), the calling actor's error handler gets a RAP_ERROR_DOWN
 * event about it with code RAP_OK, once per rap_monitor call; if it does
 * not exist when the request reaches the rank that knows of it (its home),
 * the event comes at once with RAP_EDEAD.  A monitor follows the actor when
 * it moves (the home hears of its end).  Actors still alive at
 * rap_finalize give no event.  An event for a watcher that ended is logged.
 * Returns: RAP_OK when the request is sent; RAP_EINVAL (ctx NULL or outside
 *          an actor, RAP_AID_NONE, a runtime actor, a rank out of range);
 *          RAP_ESTATE; RAP_ENOMEM.
 * Thread:  owner (inside the handler given `ctx`). */
RAP_API int rap_monitor(rap_ctx *ctx, rap_aid aid);

/* The calling actor's id.
 * Returns: the id; RAP_AID_NONE for NULL ctx.  Thread: owner. */
RAP_API rap_aid rap_self(const rap_ctx *ctx);

/* Move actor `aid` to `rank`.  It moves between two handler runs: the
 * request keeps its place among the caller's messages to `aid` (as
 * rap_destroy), and the actor moves when it reaches that request (a move
 * of the calling actor itself: when the current handler returns).  Its id
 * does not change; messages on their way to its old place are forwarded,
 * in order from each sender.  A move that cannot be made leaves the actor
 * where it was and comes back to the caller (to the actor itself when it
 * asked for its own move) as a RAP_ERROR_MIGRATE event, and is logged.
 * A move to the rank the actor is on does nothing.
 * Returns: RAP_OK when the request is sent; RAP_EINVAL (RAP_AID_NONE, a
 *          runtime actor, a rank out of range); RAP_ENOTMOVABLE (the type
 *          was not made movable: rap_actor_type_movable); RAP_ESTATE;
 *          RAP_ENOMEM.
 * Thread:  owner, or any thread with ctx NULL. */
RAP_API int rap_migrate(rap_ctx *ctx, rap_aid aid, int rank);

/* What rap_rebalance did (the same on every rank). */
typedef struct rap_rebalance_info {
    uint64_t moves;          /* actors moved */
    uint64_t bytes_moved;    /* their state bytes */
    double imbalance_before; /* highest load per worker / mean, since the last sync point */
    double imbalance_after;  /* what the plan predicts */
    double seconds;          /* the call's time, moves included */
} rap_rebalance_info;

/* Balance the job at a sync point: every rank counts the handler time of
 * each of its actors since the previous call (or since rap_init), rank 0
 * plans new places with the strategy RAPTORS_LB names (refine: fewest
 * moves off ranks past RAPTORS_LB_TOLERANCE; greedy; metis; off), taking
 * the Profiler's heaviest actor pairs as the bytes between actors, and the
 * movable actors are moved (rap_migrate) before it returns.  Actors that
 * are not movable stay, and count as load where they are.  One log line
 * says what was decided.  `info` may be NULL.
 * Collective: every rank calls it, between rap_run calls, like rap_run.
 * Returns: RAP_OK; RAP_ESTATE (not initialised, inside a handler, or
 *          RAPTORS_PROFILE=off: no handler times); RAP_ENOMEM; the
 *          partitioner's RAP_EINVAL (logged); RAP_ESTOPPED as rap_run.
 * Thread:  the application's thread. */
RAP_API int rap_rebalance(rap_rebalance_info *info);

/* -------------------------------------------------------------- sending */

/* Largest payload of one message: bounded by MPI's int count. */
#define RAP_MAX_PAYLOAD ((size_t)0x7fff0000u)

/* Send a copy of `len` bytes at `data` to actor `to` as message type `type`.
 * Messages from one actor to another arrive in the order sent, on one rank
 * or across ranks.  A message sent inside a handler has left when the
 * handler returns (the runtime may hold a handler's sends and push them
 * together, so one sent before a long computation in the same handler may
 * leave only after it); one sent outside actors has left when rap_send
 * returns.  A message that cannot be delivered comes back to the sender as
 * an error event (or is logged when sent from outside an actor); it is
 * never dropped silently.
 * Ownership: `data` stays the caller's and is reusable on return.
 * Returns:   RAP_OK; RAP_ENOTYPE (unregistered type); RAP_ETOOBIG (`len`
 *            over a variable type's limit); RAP_EINVAL (`len` not the size
 *            of a fixed type, a runtime type such as RAP_MSG_SPAWNED,
 *            RAP_AID_NONE, rank out of range, data NULL with len);
 *            RAP_ESTATE; RAP_ENOMEM.
 * Thread:    owner (inside the handler given `ctx`), or any thread with
 *            ctx NULL. */
RAP_API int rap_send(rap_ctx *ctx, rap_aid to, uint32_t type,
                     const void *data, size_t len);

/* Push the messages the running handler has sent so far (held, as
 * rap_send says, until it returns) and hand those to other ranks to MPI
 * now: send the halos, then compute the interior while they travel.
 * Order is kept as always.
 * Returns: RAP_OK; RAP_EINVAL (ctx NULL, or not inside a handler).
 * Thread:  owner (inside the handler given `ctx`). */
RAP_API int rap_flush(rap_ctx *ctx);

/* Keep the message being handled, to handle it again after the next
 * rap_redeliver (Akka's stash, Erlang's selective receive, Charm++'s
 * `when`): a handler that gets a message it is not ready for (a halo of the
 * next iteration) defers it and returns.  Once per message; a copy is kept
 * (the caller need not).  An actor that moves takes its deferred messages
 * with it.  Deferred messages of an actor that ends are dead letters;
 * those left at rap_finalize are dropped.
 * Returns: RAP_OK; RAP_EINVAL (ctx NULL, or not inside a handler);
 *          RAP_ESTATE (deferred already, or a runtime message); RAP_ENOMEM.
 * Thread:  owner (inside the handler given `ctx`). */
RAP_API int rap_defer(rap_ctx *ctx);

/* Handle the deferred messages again: they come next, before anything
 * else the actor has to handle, in the order they were deferred (each
 * may be deferred again).
 * Returns: RAP_OK; RAP_EINVAL (ctx NULL, or not inside a handler).
 * Thread:  owner. */
RAP_API int rap_redeliver(rap_ctx *ctx);

/* Allocate a message of `type` with room for `len` payload bytes.
 * Ownership: the caller owns *msg_out until rap_msg_send succeeds or
 *            rap_msg_free.
 * Returns:   RAP_OK; RAP_ENOTYPE; RAP_ETOOBIG; RAP_EINVAL (NULL msg_out, a
 *            runtime type); RAP_ENOMEM.
 * Thread:    any. */
RAP_API int rap_msg_alloc(rap_ctx *ctx, uint32_t type, size_t len,
                          rap_msg **msg_out);

/* The payload of `msg` (len bytes from rap_msg_alloc).
 * Returns: the payload; NULL for NULL msg.  Thread: owner of msg. */
RAP_API void *rap_msg_data(rap_msg *msg);

/* Zero-copy send.  On RAP_OK the runtime owns `msg`; on error the caller
 * still does and must rap_msg_free() it.
 * Returns: as rap_send.  Thread: as rap_send. */
RAP_API int rap_msg_send(rap_ctx *ctx, rap_aid to, rap_msg *msg);

/* Free a message that was not sent.  NULL is ignored.
 * Ownership: frees the caller's `msg`.  Returns: nothing.
 * Thread: owner of msg. */
RAP_API void rap_msg_free(rap_msg *msg);

/* ----------------------------------------------------------------- timers */

/* A pending timer: the rank that holds it and a slot there (0: none). */
typedef uint64_t rap_timer;
#define RAP_TIMER_NONE ((rap_timer)0)

/* Durations in nanoseconds: rap_send_after(ctx, to, T, &x, sizeof x, 250 * RAP_MS, NULL). */
#define RAP_US UINT64_C(1000)
#define RAP_MS UINT64_C(1000000)
#define RAP_SEC UINT64_C(1000000000)

/* Send a copy of `len` bytes at `data` to `to` as message type `type`
 * `delay_ns` from now (0: at the rank's next poll).  The timer is kept by
 * this rank and fired by its workers; the message is then sent in the
 * name of the calling actor, from wherever that actor is by then (so its
 * order with the actor's other messages to `to` is the order in which they
 * were sent, and `from` is the actor), or from outside actors for ctx
 * NULL.  Timers due at the same time fire in the order they were set.  A
 * timer is cancelled when the actor that set it ends, on the rank where
 * it ends and on its home rank (which hears of its end after a move); one
 * it set on a third rank it passed through goes on firing in its name,
 * each firing then a logged dead letter, until cancelled.  A pending
 * timer counts as work: rap_run does not return while one is pending
 * (cancel periodic timers, or rap_stop, to end a run); rap_stop and
 * rap_finalize cancel every pending timer.  `timer_out` (may be NULL)
 * receives the handle for rap_timer_cancel.
 * Ownership: `data` stays the caller's (copied).
 * Returns:   RAP_OK; as rap_send for the message (RAP_ENOTYPE, RAP_ETOOBIG,
 *            RAP_EINVAL, checked now); RAP_ESTOPPED while the job stops or
 *            finalises; RAP_ERANGE (the rank holds 2^24 timers);
 *            RAP_ESTATE; RAP_ENOMEM.
 * Thread:    owner (inside the handler given `ctx`), or any thread with
 *            ctx NULL. */
RAP_API int rap_send_after(rap_ctx *ctx, rap_aid to, uint32_t type, const void *data,
                           size_t len, uint64_t delay_ns, rap_timer *timer_out);

/* As rap_send_after, every `period_ns` (> 0), the first `period_ns` from
 * now, until cancelled.  A firing that comes late is not made up: the next
 * is one period after the late one's due time, or one period from now if
 * that is past.
 * Returns: as rap_send_after; RAP_EINVAL for period_ns 0.  Thread: as rap_send_after. */
RAP_API int rap_send_every(rap_ctx *ctx, rap_aid to, uint32_t type, const void *data,
                           size_t len, uint64_t period_ns, rap_timer *timer_out);

/* Cancel a pending timer: its message is not sent (a periodic timer sends
 * no more).  A timer held by another rank (set there) is cancelled there,
 * asynchronously: its firings already under way still arrive.
 * Returns: RAP_OK (cancelled; or, for a timer of another rank, the request
 *          sent); RAP_EGONE (a timer of this rank that already fired or
 *          was cancelled); RAP_EINVAL (RAP_TIMER_NONE, a rank out of range);
 *          RAP_ESTATE; RAP_ENOMEM.
 * Thread: any (ctx may be NULL outside a handler). */
RAP_API int rap_timer_cancel(rap_ctx *ctx, rap_timer timer);

/* ------------------------------------------------------------ ask / reply */

/* Send a request: a copy of `len` bytes at `data` as message type `type`
 * to `to`, whose handler for `type` runs as for any message and may answer
 * it with rap_reply.  The answer comes to the calling actor's reply
 * handler (rap_actor_type_on_reply) with `cookie`; if none came within
 * `timeout_ns` (0: no limit), a RAP_ERROR_TIMEOUT event with `cookie`
 * comes to its error handler instead, and a reply after it is dropped
 * (logged).  A request to an actor that does not exist comes back as a
 * RAP_ERROR_DEAD_LETTER event with `cookie` (its timeout still follows);
 * one whose handler does not answer it times out.  Requests are ordinary messages in their order with the
 * caller's others.  If the asking actor ends first, its timeout is
 * cancelled and a reply to it is a dead letter to the replier.  An actor
 * that moves while its request is pending gets its reply where it is.
 * Ownership: `data` stays the caller's (copied).
 * Returns:   RAP_OK when sent; as rap_send for the message; RAP_EINVAL
 *            (ctx NULL or outside an actor); RAP_EUNHANDLED (the caller's
 *            type has no reply handler); RAP_ESTOPPED; RAP_ENOMEM.
 * Thread:    owner (inside the handler given `ctx`). */
RAP_API int rap_ask(rap_ctx *ctx, rap_aid to, uint32_t type, const void *data, size_t len,
                    uint64_t timeout_ns, uint64_t cookie);

/* Answer the request being handled (a message sent with rap_ask or
 * rap_ask_wait) with a copy of `len` bytes at `data` as message type
 * `type`; once per request.
 * Returns:   RAP_OK; as rap_send for the message; RAP_ESTATE (the message
 *            being handled is not a request, or it was answered already);
 *            RAP_EINVAL (ctx NULL); RAP_ENOMEM.
 * Thread:    owner (inside the handler given `ctx`). */
RAP_API int rap_reply(rap_ctx *ctx, uint32_t type, const void *data, size_t len);

/* rap_ask for a thread that is not a worker (main, or another thread of
 * the application): send the request and wait for the answer, at most
 * `timeout_ns` (0: no limit), while the workers go on.  The reply's type
 * goes to *type_out and its payload to `buf` (its first `cap` bytes), its
 * length to *len_out.  Under MPI_THREAD_SERIALIZED only from inside
 * rap_run (another thread), when Raptors may call MPI.
 * Returns:   RAP_OK; RAP_ETIMEDOUT; RAP_ETOOBIG (the reply was longer than
 *            `cap`: the first `cap` bytes and the full length are given);
 *            as rap_send for the request; RAP_EINVAL (NULL type_out or
 *            len_out, buf NULL with cap); RAP_ESTATE (called from a worker,
 *            or not initialised); RAP_ESTOPPED; RAP_ENOMEM.
 * Thread:    any thread but the workers (a blocking actor's handler may). */
RAP_API int rap_ask_wait(rap_aid to, uint32_t type, const void *data, size_t len,
                         uint64_t timeout_ns, uint32_t *type_out, void *buf, size_t cap,
                         size_t *len_out);

/* ---------------------------------------------------------- publish / subscribe */

/* Longest topic name. */
#define RAP_TOPIC_MAX 127

/* Subscribe the calling actor to `topic` (a name; topics are told apart by
 * a 64-bit hash of it): from when every rank has heard of it (the
 * subscription goes to each rank as a system message), every message
 * published to the topic comes to the actor as an ordinary message of its
 * type, from its publisher.  An actor that ends is unsubscribed.
 * Returns: RAP_OK; RAP_EINVAL (ctx NULL or outside an actor, NULL or empty
 *          topic, longer than RAP_TOPIC_MAX); RAP_EEXIST (already
 *          subscribed); RAP_ESTATE; RAP_ENOMEM.
 * Thread:  owner (inside the handler given `ctx`). */
RAP_API int rap_subscribe(rap_ctx *ctx, const char *topic);

/* Stop the calling actor's subscription to `topic`: publications that
 * reach its rank from then on are not delivered to it.
 * Returns: RAP_OK; RAP_EINVAL (as rap_subscribe, or not subscribed);
 *          RAP_ESTATE; RAP_ENOMEM.  Thread: owner. */
RAP_API int rap_unsubscribe(rap_ctx *ctx, const char *topic);

/* Send a copy of `len` bytes at `data` as message type `type` to every
 * subscriber of `topic`: directly to those on this rank, and once to each
 * other rank that has subscribers, where its System actor hands a copy to
 * each (never a message per remote subscriber).  The messages of one
 * publisher reach each subscriber in the order published.  A publication
 * to a topic with no subscribers sends nothing.
 * Ownership: `data` stays the caller's (copied).
 * Returns: RAP_OK; as rap_send for the message (RAP_ENOTYPE, RAP_ETOOBIG,
 *          RAP_EINVAL); RAP_EINVAL (NULL, empty or too long topic);
 *          RAP_ESTATE; RAP_ENOMEM.
 * Thread:  owner (inside the handler given `ctx`), or any thread with
 *          ctx NULL (then from outside actors). */
RAP_API int rap_publish(rap_ctx *ctx, const char *topic, uint32_t type, const void *data, size_t len);

/* ----------------------------------------------------------- actor groups */

/* An indexed group of actors of one type (Charm++'s chare array): made by
 * rap_group_spawn, spread over the ranks that host the type, each member
 * addressed by its index with rap_group_at on any rank, with no ids to
 * hand around and no message to look one up.  Plain data: copy it, send
 * it in messages.  Its fields are for reading; only rap_group_spawn fills
 * one. */
typedef struct rap_group {
    uint32_t id;         /* the group's number in the job (0: none) */
    uint32_t actor_type;
    uint32_t dims[3];    /* extent of each dimension (1 past ndims) */
    uint32_t ndims;      /* 1, 2 or 3 */
    uint32_t placement;  /* RAP_GROUP_BLOCK or RAP_GROUP_ROUND_ROBIN */
    uint32_t flags;      /* the runtime's */
} rap_group;

/* Placements: contiguous runs of indices per rank (index x + dims[0] *
 * (y + dims[1] * z), the ranks in order, their counts differing by at
 * most one), or index i on the (i mod N)-th of the N ranks hosting the
 * type.  A group of a movable type (rap_actor_type_movable) starts so
 * placed and is then balanced like any actors (rap_rebalance). */
#define RAP_GROUP_BLOCK 0u
#define RAP_GROUP_ROUND_ROBIN 1u
/* Most members in one group. */
#define RAP_GROUP_MAX_MEMBERS (UINT32_C(1) << 24)

/* Create a group of dims[0] x ... x dims[ndims-1] actors of `actor_type`,
 * placed by `placement` over the ranks that host the type; each member's
 * init gets a copy of `arg` (rap_group_self tells it its index).  The
 * members on this rank are created before it returns, those of other
 * ranks by a SystemActionMsg to each (one per rank); messages to a member
 * sent before its rank has created it wait there for it (none is lost).
 * The calling actor supervises the members: a member whose init fails is
 * reported to it as a RAP_ERROR_SPAWN event whose `cookie` is the
 * member's index (logged for ctx NULL), and messages to that member are
 * dead letters.
 * Returns:   RAP_OK; RAP_EINVAL (NULL dims or group_out, ndims not 1..3,
 *            a dimension 0, unknown placement, arg NULL with len);
 *            RAP_ERANGE (more than RAP_GROUP_MAX_MEMBERS members, or this
 *            rank made 2^18 / ranks groups); RAP_ENOTYPE (no rank hosts
 *            the type); RAP_ETOOBIG (arg); RAP_ESTATE; RAP_ENOMEM.
 * Thread:    owner (inside the handler given `ctx`), or any thread with
 *            ctx NULL (main on one rank, before rap_run or during it). */
RAP_API int rap_group_spawn(rap_ctx *ctx, uint32_t actor_type, int ndims, const uint32_t *dims,
                            uint32_t placement, const void *arg, size_t len, rap_group *group_out);

/* The id of member (x, y, z) of `g` (unused coordinates 0), computed
 * here: send to it with rap_send as to any actor.
 * Returns: the id; RAP_AID_NONE for an index out of range or a group
 *          that is not one.  Thread: any. */
RAP_API rap_aid rap_group_at(const rap_group *g, uint32_t x, uint32_t y, uint32_t z);

/* The group of the calling actor and its index in it (idx_out[0..2],
 * unused coordinates 0); either pointer may be NULL.
 * Returns: RAP_OK; RAP_EINVAL (ctx NULL, not a group member).  Thread: owner. */
RAP_API int rap_group_self(const rap_ctx *ctx, rap_group *g_out, uint32_t idx_out[3]);

/* Send a copy of `len` bytes at `data` as message type `type` to every
 * member of `g`: to those on this rank as the caller's own sends, and
 * once to each other rank with members, whose System actor hands a copy
 * to each of them (never a message per remote member).  One sender's
 * broadcasts reach each member in the order sent (not ordered with its
 * direct sends).
 * Ownership: `data` stays the caller's (copied).
 * Returns:   RAP_OK; RAP_EINVAL (NULL or malformed g); as rap_send for the
 *            message; RAP_ESTATE; RAP_ENOMEM.
 * Thread:    owner, or any thread with ctx NULL. */
RAP_API int rap_group_broadcast(rap_ctx *ctx, const rap_group *g, uint32_t type, const void *data,
                                size_t len);

/* Reduction operators over arrays of 8-byte elements (len / 8 of them,
 * combined element by element); rap_reducer_register adds others. */
enum rap_reduce_op {
    RAP_SUM_I64 = 1, RAP_SUM_U64 = 2, RAP_SUM_F64 = 3,
    RAP_MIN_I64 = 4, RAP_MIN_U64 = 5, RAP_MIN_F64 = 6,
    RAP_MAX_I64 = 7, RAP_MAX_U64 = 8, RAP_MAX_F64 = 9
};
/* Deliver a reduction's result to every member of the group (for `to`). */
#define RAP_GROUP_ALL (~(rap_aid)0)
/* Largest value a reduction combines. */
#define RAP_REDUCE_MAX 65536u

/* Combine `len` bytes at `in` into `acc` (the same length): must be
 * associative and commutative, as contributions combine in any order. */
typedef void (*rap_reduce_fn)(void *acc, const void *in, size_t len);

/* Register a reduction operator by name (the same in every executable
 * of an MPMD job); *op_out receives its id for rap_contribute.
 * Returns:   RAP_OK; RAP_EINVAL (NULL name, fn or op_out, empty name);
 *            RAP_EEXIST (name registered); RAP_ECOLLIDE; RAP_ERANGE (64
 *            registered); RAP_ESTATE after rap_init.
 * Thread:    as rap_msg_type_register. */
RAP_API int rap_reducer_register(const char *name, rap_reduce_fn fn, uint32_t *op_out);

/* Contribute `len` bytes at `data` to reduction `redno` of the calling
 * actor's group (Charm++'s contribute): when every member has contributed
 * to `redno`, the values combined by `op` come as one message of type
 * `result_type` (from RAP_AID_NONE) to actor `to`, or to every member
 * for RAP_GROUP_ALL.  Each rank combines its members' values and sends
 * one message up a tree of the ranks with members (to one actor), or
 * exchanges one per round with another rank by recursive doubling (to
 * every member: log2(ranks) rounds, the same result on every rank; the
 * operator must be commutative and associative).  Several reductions
 * may be in flight, one per number; a number is free again once its
 * result is sent.  Every member contributes once per reduction, with the
 * same op, length, result type and target (a contribution that differs
 * from the first is logged and left out; a member that ended or never
 * started leaves the reduction unfinished).  When the call completes
 * its rank's part (the last member there), it polls as rap_flush does:
 * the value goes to MPI now, and what the other ranks sent is taken in,
 * so that a result that can complete reaches this rank's members without
 * waiting for the end of the turn.
 * Ownership: `data` stays the caller's (copied).
 * Returns:   RAP_OK; RAP_EINVAL (ctx NULL, not a group member, unknown op,
 *            len 0 or not a multiple of 8 for a built-in op, `to` not an
 *            actor); RAP_ETOOBIG (len over RAP_REDUCE_MAX); as rap_send
 *            for result_type with `len` bytes; RAP_ESTATE; RAP_ENOMEM.
 * Thread:    owner (inside the handler given `ctx`). */
RAP_API int rap_contribute(rap_ctx *ctx, uint32_t redno, uint32_t op, const void *data, size_t len,
                           uint32_t result_type, rap_aid to);

/* ---------------------------------------------------------------- logging */

typedef enum rap_log_level {
    RAP_LOG_ERROR = 0,
    RAP_LOG_WARN = 1,
    RAP_LOG_INFO = 2,
    RAP_LOG_DEBUG = 3
} rap_log_level;

/* Write a line to the job's log, kept by the Logger actor on rank 0 (stderr,
 * or the file RAPTORS_LOG_FILE names).  Each line reads
 *   2026-11-26T05:33:20.123456Z rank 3 actor 3:17 INFO text
 * Lines below RAPTORS_LOG_LEVEL (default info) are dropped at the source.
 * Lines from one actor (or one thread outside actors) appear in the order
 * logged; text longer than RAP_LOG_MAX is cut.
 * Returns: RAP_OK; RAP_EINVAL (bad level, NULL fmt); RAP_ESTATE; RAP_ENOMEM.
 * Thread:  owner, or any thread with ctx NULL. */
#define RAP_LOG_MAX 4000
RAP_API int rap_log(rap_ctx *ctx, int level, const char *fmt, ...)
    RAP_PRINTF(3, 4);

/* --------------------------------------------------------------- counters */

typedef struct rap_stats {
    uint64_t sent_local;      /* messages to actors on this rank */
    uint64_t sent_remote;     /* messages handed to MPI (all kinds) */
    uint64_t bytes_sent_local;
    uint64_t bytes_sent_remote;
    uint64_t recv_remote;     /* messages received from MPI (all kinds) */
    uint64_t batches_sent;    /* MPI messages that carried several small messages */
    uint64_t bytes_recv_remote;
    uint64_t handled;         /* handler runs */
    uint64_t dead_letters;    /* messages to actors that do not exist */
    uint64_t unhandled;       /* messages of a type the target does not handle */
    uint64_t malformed;       /* envelopes from the wire that failed validation */
    uint64_t dropped_stopped; /* messages dropped because the job was stopping */
    uint64_t actors_live;     /* actors on this rank now */
    uint64_t flow_blocked;    /* messages that waited for their receiver to catch up
                                 (flow control, RAPTORS_FLOW_WINDOW) */
    uint64_t queued;          /* messages waiting in this rank's mailboxes now */
    uint64_t migrated_out;    /* actors that moved away from this rank */
    uint64_t migrated_in;     /* actors that moved to this rank */
    uint64_t forwarded;       /* messages passed on to a moved actor's new place */
} rap_stats;

/* This rank's counters since rap_init: the same counters the profile
 * carries per rank ("counters" in ranks_load, docs/PROFILING.md), and
 * RAPTORS_STATS prints.
 * Returns: RAP_OK; RAP_EINVAL (NULL); RAP_ESTATE before rap_init.  Thread: any. */
RAP_API int rap_stats_get(rap_stats *out);

/* -------------------------------------------------------------- profiling */

/* Every rank counts, per workload (actor type x message type), the
 * handler runs, their time and bytes; per actor, per actor pair and per
 * destination rank what was sent; and sends rank 0's Profiler what changed
 * every RAPTORS_PROFILE_INTERVAL_MS.  RAPTORS_PROFILE=off turns it off;
 * RAPTORS_PROFILE=path writes the profile (JSON, docs/PROFILING.md) at
 * rap_finalize. */

/* Count the time from here to rap_workload_end (and `bytes` reported
 * there, such as the memory a kernel used) as the workload `name` of the
 * calling actor's type, instead of as its handler's.  One at a time per
 * handler; `name` is copied (its first 47 bytes).  End it in the same
 * handler run: one left open is dropped, not counted.
 * Returns: RAP_OK; RAP_EINVAL (NULL ctx or outside an actor, NULL or empty
 *          name); RAP_ESTATE (one is already open).
 * Thread:  owner (inside the handler given ctx). */
RAP_API int rap_workload_begin(rap_ctx *ctx, const char *name);
/* Returns: RAP_OK; RAP_EINVAL (NULL ctx or outside an actor); RAP_ESTATE
 *          (none is open).  Thread: owner. */
RAP_API int rap_workload_end(rap_ctx *ctx, uint64_t bytes);

/* Write the job's profile as it stands (JSON, docs/PROFILING.md) to
 * `path`.  Only rank 0 holds it; the counts of the last interval may not
 * be in yet (rap_finalize writes the final one for RAPTORS_PROFILE=path).
 * Returns: RAP_OK; RAP_EINVAL (NULL or empty path, or the file cannot be
 *          written: logged); RAP_ESTATE (not initialised, not rank 0).
 * Thread:  any. */
RAP_API int rap_profile_write(const char *path);

/* ------------------------------------------------------- typed messages */

/* Declare a message type over a C type, at file scope; it gives a typed
 * send, and handlers whose payload parameter has that type, so that a
 * handler or a send of another payload type does not compile and no
 * payload is cast or sized by hand:
 *
 *     typedef struct price { int64_t seq; double value; } price;
 *     RAP_MESSAGE(price_msg, "feed.price", price);
 *     static int on_price(rap_ctx *ctx, watcher *w, rap_aid from, const price *p) { ... }
 *     RAP_HANDLER(price_msg, watcher, on_price);      // watcher: the actor's state type
 *
 *     RAP_REGISTER(price_msg);                        // before rap_init: the type's id
 *     RAP_ON(WATCHER, price_msg, on_price);           // the handler, for actor type WATCHER
 *     price_msg_send(ctx, to, &p);                    // rap_send of sizeof(price) bytes
 *     price_msg_publish(ctx, "prices", &p);           // rap_publish
 *     price_msg_ask(ctx, to, &p, timeout_ns, cookie); // rap_ask
 *     price_msg_reply(ctx, &p);                       // rap_reply
 *     price_msg_broadcast(ctx, &group, &p);           // rap_group_broadcast
 *     price_msg_contribute(ctx, n, RAP_SUM_F64, &p, to); // rap_contribute, result type price_msg
 *
 * RAP_MESSAGE_TAIL(name, "wire.name", T, E, max) declares a type T whose
 * last member is a flexible array of E, with at most `max` elements: its
 * send takes the element count (name_send(ctx, to, m, n)), its handlers
 * get it after the payload (fn(ctx, state, from, const T *m, size_t n)).
 * `name_id` is the registered id (0 before RAP_REGISTER).  A handler of
 * another type fails a static assertion; a send of another payload type
 * is a constraint violation (an error under -Werror, or
 * -Werror=incompatible-pointer-types, the default from GCC 14).  The
 * macros expand to static functions: declare each message type once per
 * file that uses it (a header is the place), and register it once. */
#define RAP_MESSAGE(name, wire, T)                                                                            \
    RAP_MAYBE_UNUSED static uint32_t name##_id;                                                               \
    typedef T name##_type;                                                                                    \
    RAP_MAYBE_UNUSED static inline int name##_register(void)                                                  \
    {                                                                                                         \
        return rap_msg_type_register(wire, sizeof(T), RAP_MSG_FIXED, &name##_id);                             \
    }                                                                                                         \
    RAP_MAYBE_UNUSED static inline int name##_send(rap_ctx *ctx, rap_aid to, const T *m)                      \
    {                                                                                                         \
        return rap_send(ctx, to, name##_id, m, sizeof(T));                                                    \
    }                                                                                                         \
    RAP_MAYBE_UNUSED static inline int name##_publish(rap_ctx *ctx, const char *topic, const T *m)            \
    {                                                                                                         \
        return rap_publish(ctx, topic, name##_id, m, sizeof(T));                                              \
    }                                                                                                         \
    RAP_MAYBE_UNUSED static inline int name##_ask(rap_ctx *ctx, rap_aid to, const T *m, uint64_t timeout_ns,  \
                                 uint64_t cookie)                                                             \
    {                                                                                                         \
        return rap_ask(ctx, to, name##_id, m, sizeof(T), timeout_ns, cookie);                                 \
    }                                                                                                         \
    RAP_MAYBE_UNUSED static inline int name##_reply(rap_ctx *ctx, const T *m)                                 \
    {                                                                                                         \
        return rap_reply(ctx, name##_id, m, sizeof(T));                                                       \
    }                                                                                                         \
    RAP_MAYBE_UNUSED static inline int name##_broadcast(rap_ctx *ctx, const rap_group *g, const T *m)         \
    {                                                                                                         \
        return rap_group_broadcast(ctx, g, name##_id, m, sizeof(T));                                          \
    }                                                                                                         \
    RAP_MAYBE_UNUSED static inline int name##_contribute(rap_ctx *ctx, uint32_t redno, uint32_t op,           \
                                                         const T *m, rap_aid to)                              \
    {                                                                                                         \
        return rap_contribute(ctx, redno, op, m, sizeof(T), name##_id, to);                                   \
    }                                                                                                         \
    typedef int name##_fixed_marker

#define RAP_MESSAGE_TAIL(name, wire, T, E, max)                                                               \
    RAP_MAYBE_UNUSED static uint32_t name##_id;                                                               \
    typedef T name##_type;                                                                                    \
    RAP_MAYBE_UNUSED static inline int name##_register(void)                                                  \
    {                                                                                                         \
        return rap_msg_type_register(wire, sizeof(T) + (size_t)(max) * sizeof(E), RAP_MSG_VAR,                \
                                     &name##_id);                                                             \
    }                                                                                                         \
    RAP_MAYBE_UNUSED static inline int name##_send(rap_ctx *ctx, rap_aid to, const T *m, size_t n)            \
    {                                                                                                         \
        return n > (size_t)(max) ? RAP_ETOOBIG : rap_send(ctx, to, name##_id, m, sizeof(T) + n * sizeof(E));  \
    }                                                                                                         \
    RAP_MAYBE_UNUSED static inline int name##_publish(rap_ctx *ctx, const char *topic, const T *m, size_t n)  \
    {                                                                                                         \
        return n > (size_t)(max) ? RAP_ETOOBIG                                                                \
                                 : rap_publish(ctx, topic, name##_id, m, sizeof(T) + n * sizeof(E));          \
    }                                                                                                         \
    RAP_MAYBE_UNUSED static inline int name##_broadcast(rap_ctx *ctx, const rap_group *g, const T *m, size_t n) \
    {                                                                                                         \
        return n > (size_t)(max) ? RAP_ETOOBIG                                                                \
                                 : rap_group_broadcast(ctx, g, name##_id, m, sizeof(T) + n * sizeof(E));      \
    }                                                                                                         \
    RAP_MAYBE_UNUSED static inline size_t name##_count(size_t len)                                            \
    {                                                                                                         \
        return len < sizeof(T) ? 0 : (len - sizeof(T)) / sizeof(E);                                           \
    }                                                                                                         \
    typedef int name##_tail_marker

/* The handler `fn` of message `name` for actors whose state is `S` (void
 * for none): checks fn's type at compile time and defines the adapter
 * RAP_ON registers.  At file scope, after fn. */
#define RAP_HANDLER(name, S, fn)                                                                              \
    _Static_assert(_Generic(&(fn), int (*)(rap_ctx *, S *, rap_aid, const name##_type *): 1,                  \
                            default: 0),                                                                      \
                   #fn " must be int (rap_ctx *, " #S " *, rap_aid, const " #name "_type *)");                \
    static int fn##__rap(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)               \
    {                                                                                                         \
        (void)len;                                                                                            \
        return fn(ctx, (S *)state, from, (const name##_type *)data);                                          \
    }                                                                                                         \
    typedef int fn##__rap_marker

/* As RAP_HANDLER, for a message declared with RAP_MESSAGE_TAIL: fn gets
 * the number of tail elements after the payload. */
#define RAP_HANDLER_TAIL(name, S, fn)                                                                         \
    _Static_assert(_Generic(&(fn), int (*)(rap_ctx *, S *, rap_aid, const name##_type *, size_t): 1,          \
                            default: 0),                                                                      \
                   #fn " must be int (rap_ctx *, " #S " *, rap_aid, const " #name "_type *, size_t)");        \
    static int fn##__rap(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)               \
    {                                                                                                         \
        return fn(ctx, (S *)state, from, (const name##_type *)data, name##_count(len));                       \
    }                                                                                                         \
    typedef int fn##__rap_marker

/* Register a declared message type (before rap_init).  Returns as
 * rap_msg_type_register. */
#define RAP_REGISTER(name) name##_register()
/* Make the handler declared with RAP_HANDLER(name, S, fn) the handler of
 * `actor_type` for message `name`.  Returns as rap_actor_type_on. */
#define RAP_ON(actor_type, name, fn) rap_actor_type_on((actor_type), name##_id, fn##__rap)

#ifdef __cplusplus
}
#endif
#endif /* RAPTORS_H */
