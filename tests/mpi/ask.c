/* Ask / reply on 2 ranks: 100 requests in flight from an actor on rank 0
 * to a server on rank 1, each reply matched to its cookie; a request that
 * gets no answer times out (RAP_ERROR_TIMEOUT with its cookie, once); a
 * reply after the timeout is dropped; a request to no actor comes back as a
 * dead letter with its cookie; a reply to an asker that ended is a dead
 * letter to the replier; rap_reply outside a request and twice;
 * rap_ask_wait from the main thread (answer, too small a buffer, timeout,
 * from a worker); bad arguments.  Every check is on values and counts. */
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "support/mpitest.h"

enum { N = 100 };
static uint32_t Q, A, GO, CLIENT, SERVER, SILENT, SLOW, QUITTER, NOREPLY;
static _Atomic int replies, timeouts, bad_replies, late_seen, dead_at_replier, worker_wait_rc = 1;
static int got[N + 1];

typedef struct targets { rap_aid server, silent, slow; } targets;

/* ---- the servers (rank 1) ---- */

static int server_q(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    int64_t x;
    (void)state, (void)from, (void)len;
    memcpy(&x, data, sizeof(x));
    x *= 2;
    MT_OK(rap_reply(ctx, A, &x, sizeof(x)));
    MT_CHECK(rap_reply(ctx, A, &x, sizeof(x)) == RAP_ESTATE); /* once per request */
    return RAP_OK;
}

static int server_a(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    int64_t x = 0;
    (void)state, (void)from, (void)data, (void)len;
    MT_CHECK(rap_reply(ctx, A, &x, sizeof(x)) == RAP_ESTATE); /* not a request */
    return RAP_OK;
}

static int silent_q(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)state, (void)from, (void)data, (void)len;
    return RAP_OK; /* never answers */
}

static int slow_q(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    struct timespec ts = { 0, 150 * 1000 * 1000 };
    int64_t x;
    (void)state, (void)from, (void)len;
    memcpy(&x, data, sizeof(x));
    nanosleep(&ts, NULL); /* answers after the asker gave up (or ended) */
    return rap_reply(ctx, A, &x, sizeof(x));
}

static void slow_error(rap_ctx *ctx, void *state, const rap_error_event *ev)
{
    (void)ctx, (void)state;
    if (ev->kind == RAP_ERROR_DEAD_LETTER && ev->msg_type == A)
        atomic_fetch_add(&dead_at_replier, 1);
}

/* ---- the client (rank 0) ---- */

static void client_reply(rap_ctx *ctx, void *state, rap_aid from, uint64_t cookie, uint32_t type, const void *data,
                         size_t len)
{
    const targets *t = state;
    int64_t x;
    (void)ctx;
    if (cookie == 9000) { /* the slow one's, after its timeout: must not come */
        atomic_fetch_add(&late_seen, 1);
        return;
    }
    memcpy(&x, data, sizeof(x));
    if (type != A || len != sizeof(x) || from != t->server || cookie < 1 || cookie > N || x != 2 * (int64_t)cookie ||
        got[cookie]++ != 0)
        atomic_fetch_add(&bad_replies, 1);
    atomic_fetch_add(&replies, 1);
}

/* Each timeout once, with its cookie and the actor asked. */
static void client_error(rap_ctx *ctx, void *state, const rap_error_event *ev)
{
    const targets *t = state;
    (void)ctx;
    if (ev->kind == RAP_ERROR_DEAD_LETTER && ev->msg_type == Q && ev->cookie == 4242 && ev->actor == t->server + 1000)
        atomic_fetch_add(&timeouts, 1000); /* a request to no actor */
    else if (ev->kind != RAP_ERROR_TIMEOUT || ev->code != RAP_ETIMEDOUT || ev->msg_type != Q)
        atomic_fetch_add(&timeouts, 100);
    else if (ev->cookie == 777 && ev->actor == t->silent)
        atomic_fetch_add(&timeouts, 1);
    else if (ev->cookie == 9000 && ev->actor == t->slow)
        atomic_fetch_add(&timeouts, 10);
    else
        atomic_fetch_add(&timeouts, 100);
}

static int client_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    targets *t = state;
    int64_t x;
    uint32_t ty;
    size_t n;
    (void)from, (void)len;
    memcpy(t, data, sizeof(*t));
    for (int64_t i = 1; i <= N; i++)
        MT_OK(rap_ask(ctx, t->server, Q, &i, sizeof(i), 60 * RAP_SEC, (uint64_t)i));
    x = 5;
    MT_OK(rap_ask(ctx, t->silent, Q, &x, sizeof(x), 20 * RAP_MS, 777));
    MT_OK(rap_ask(ctx, t->slow, Q, &x, sizeof(x), 10 * RAP_MS, 9000));
    MT_OK(rap_ask(ctx, t->server + 1000, Q, &x, sizeof(x), 0, 4242)); /* no such actor */
    MT_CHECK(rap_reply(ctx, A, &x, sizeof(x)) == RAP_ESTATE); /* not handling a request */
    MT_CHECK(rap_ask(ctx, t->server, Q, &x, 3, 0, 1) == RAP_EINVAL);
    MT_CHECK(rap_ask(ctx, t->server, 4242, &x, sizeof(x), 0, 1) == RAP_ENOTYPE);
    MT_CHECK(rap_ask(ctx, RAP_AID_NONE, Q, &x, sizeof(x), 0, 1) == RAP_EINVAL);
    atomic_store(&worker_wait_rc, rap_ask_wait(t->server, Q, &x, sizeof(x), RAP_SEC, &ty, &x, sizeof(x), &n));
    return RAP_OK;
}

/* An asker that ends at once: its timeout goes with it, and the reply to
 * it is a dead letter to the replier. */
static int quitter_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    targets t;
    int64_t x = 1;
    (void)state, (void)from, (void)len;
    memcpy(&t, data, sizeof(t));
    MT_OK(rap_ask(ctx, t.slow, Q, &x, sizeof(x), 3600 * RAP_SEC, 1));
    return rap_exit(ctx);
}

static void quitter_reply(rap_ctx *ctx, void *state, rap_aid from, uint64_t cookie, uint32_t type, const void *data,
                          size_t len)
{
    (void)ctx, (void)state, (void)from, (void)cookie, (void)type, (void)data, (void)len;
    atomic_fetch_add(&bad_replies, 1);
}

static int noreply_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    int64_t x = 1;
    (void)state, (void)from, (void)data, (void)len;
    MT_CHECK(rap_ask(ctx, rap_self(ctx), Q, &x, sizeof(x), 0, 1) == RAP_EUNHANDLED); /* no reply handler */
    MT_CHECK(rap_ask(NULL, rap_self(ctx), Q, &x, sizeof(x), 0, 1) == RAP_EINVAL);
    return RAP_OK;
}

int main(int argc, char **argv)
{
    targets t = { 0 }, all[2];
    rap_aid client, quitter, noreply;
    int64_t x = 21, out = 0;
    uint32_t ty = 0;
    size_t n = 0;

    MT_CHECK(rap_ask_wait(1, 1, NULL, 0, 0, &ty, NULL, 0, &n) == RAP_ESTATE);
    MT_OK(rap_msg_type_register("ask.q", sizeof(int64_t), RAP_MSG_FIXED, &Q));
    MT_OK(rap_msg_type_register("ask.a", sizeof(int64_t), RAP_MSG_FIXED, &A));
    MT_OK(rap_msg_type_register("ask.go", sizeof(targets), RAP_MSG_FIXED, &GO));
    MT_OK(rap_actor_type_register("ask.server", 0, NULL, NULL, &SERVER));
    MT_OK(rap_actor_type_on(SERVER, Q, server_q));
    MT_OK(rap_actor_type_on(SERVER, A, server_a));
    MT_OK(rap_actor_type_register("ask.silent", 0, NULL, NULL, &SILENT));
    MT_OK(rap_actor_type_on(SILENT, Q, silent_q));
    MT_OK(rap_actor_type_register("ask.slow", 0, NULL, NULL, &SLOW));
    MT_OK(rap_actor_type_on(SLOW, Q, slow_q));
    MT_OK(rap_actor_type_on_error(SLOW, slow_error));
    MT_OK(rap_actor_type_register("ask.client", sizeof(targets), NULL, NULL, &CLIENT));
    MT_OK(rap_actor_type_on(CLIENT, GO, client_go));
    MT_OK(rap_actor_type_on_reply(CLIENT, client_reply));
    MT_OK(rap_actor_type_on_error(CLIENT, client_error));
    MT_CHECK(rap_actor_type_on_reply(CLIENT, client_reply) == RAP_EEXIST);
    MT_CHECK(rap_actor_type_on_reply(CLIENT, NULL) == RAP_EINVAL);
    MT_CHECK(rap_actor_type_on_reply(12345, client_reply) == RAP_ENOTYPE);
    MT_OK(rap_actor_type_register("ask.quitter", 0, NULL, NULL, &QUITTER));
    MT_OK(rap_actor_type_on(QUITTER, GO, quitter_go));
    MT_OK(rap_actor_type_on_reply(QUITTER, quitter_reply));
    MT_OK(rap_actor_type_register("ask.noreply", 0, NULL, NULL, &NOREPLY));
    MT_OK(rap_actor_type_on(NOREPLY, GO, noreply_go));
    MT_OK(rap_init(&argc, &argv));
    if (rap_size() != 2)
        MT_SKIP("needs 2 ranks");
    MT_CHECK(rap_actor_type_on_reply(CLIENT, client_reply) == RAP_ESTATE);
    if (rap_rank() == 1) {
        MT_OK(rap_spawn(NULL, SERVER, NULL, 0, &t.server));
        MT_OK(rap_spawn(NULL, SILENT, NULL, 0, &t.silent));
        MT_OK(rap_spawn(NULL, SLOW, NULL, 0, &t.slow));
    }
    MPI_Allgather(&t, sizeof(t), MPI_BYTE, all, sizeof(t), MPI_BYTE, MPI_COMM_WORLD);
    t = all[1];

    /* The main thread asks and waits (before any rap_run: the workers
     * carry the request and its answer meanwhile). */
    if (rap_rank() == 0) {
        MT_OK(rap_ask_wait(t.server, Q, &x, sizeof(x), 10 * RAP_SEC, &ty, &out, sizeof(out), &n));
        MT_CHECK(ty == A && n == sizeof(out) && out == 42);
        MT_CHECK(rap_ask_wait(t.server, Q, &x, sizeof(x), 10 * RAP_SEC, &ty, &out, 4, &n) == RAP_ETOOBIG);
        MT_CHECK(n == sizeof(out));
        MT_CHECK(rap_ask_wait(t.silent, Q, &x, sizeof(x), 20 * RAP_MS, &ty, &out, sizeof(out), &n) == RAP_ETIMEDOUT);
        MT_CHECK(rap_ask_wait(t.server, Q, &x, sizeof(x), 0, NULL, &out, sizeof(out), &n) == RAP_EINVAL);
        MT_CHECK(rap_ask_wait(t.server, Q, &x, sizeof(x), 0, &ty, NULL, 8, &n) == RAP_EINVAL);
        MT_CHECK(rap_ask_wait(t.server, 4242, &x, sizeof(x), 0, &ty, &out, sizeof(out), &n) == RAP_ENOTYPE);
    }
    MT_OK(rap_run());

    if (rap_rank() == 0) {
        MT_OK(rap_spawn(NULL, CLIENT, NULL, 0, &client));
        MT_OK(rap_send(NULL, client, GO, &t, sizeof(t)));
        MT_OK(rap_spawn(NULL, NOREPLY, NULL, 0, &noreply));
        MT_OK(rap_send(NULL, noreply, GO, &t, sizeof(t)));
    }
    MT_OK(rap_run());
    if (rap_rank() == 0) {
        MT_CHECK(atomic_load(&replies) == N);
        MT_CHECK(atomic_load(&bad_replies) == 0);
        for (int i = 1; i <= N; i++)
            MT_CHECK(got[i] == 1);
        MT_CHECK(atomic_load(&timeouts) == 1011); /* the silent one's and the slow one's, once each; a dead letter */
        MT_CHECK(atomic_load(&late_seen) == 0); /* the slow reply came after: dropped */
        MT_CHECK(atomic_load(&worker_wait_rc) == RAP_ESTATE); /* not from a worker */
    }

    /* An asker that ends before its answer. */
    if (rap_rank() == 0) {
        MT_OK(rap_spawn(NULL, QUITTER, NULL, 0, &quitter));
        MT_OK(rap_send(NULL, quitter, GO, &t, sizeof(t)));
    }
    MT_OK(rap_run());
    if (rap_rank() == 1)
        MT_CHECK(atomic_load(&dead_at_replier) == 1);
    if (rap_rank() == 0)
        MT_CHECK(atomic_load(&bad_replies) == 0);
    MT_OK(rap_finalize());
    return 0;
}
