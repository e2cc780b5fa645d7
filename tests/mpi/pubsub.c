/* Publish / subscribe on 3 ranks: subscribers on every rank get every
 * publication of their topic, in the order published, from the publisher,
 * and nothing of other topics; between two rounds one subscriber joins,
 * one leaves and one is destroyed: the joiner gets exactly the second
 * round, the others exactly the first, and no dead letter comes back; a
 * subscriber that leaves and joins again while a stream goes on sees it in
 * order without duplicates; a publication from the main thread; bad
 * arguments.  Every check is on values, counts and order. */
#include <stdatomic.h>
#include <string.h>

#include "support/mpitest.h"

enum { ROUND = 50, STREAM = 300, MAXSUB = 8 };
static uint32_t NEWS, CMD, GO, PUB, FLIP;
static _Atomic int dead_letters, bad, outside_seen;

/* What a subscriber saw: first and last sequence numbers and a count
 * (checked contiguous and increasing as it goes). */
typedef struct seen { int64_t first, last; int count; rap_aid pub; } seen;
static seen log_of[MAXSUB];

typedef struct sub { int slot; } sub;

enum { C_SUBSCRIBE = 1, C_UNSUBSCRIBE, C_SLOT };
typedef struct cmd { int op; int slot; } cmd;

static int sub_news(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    sub *s = state;
    seen *v = &log_of[s->slot];
    int64_t x;
    (void)ctx, (void)len;
    memcpy(&x, data, sizeof(x));
    if (x < 0) { /* from the main thread */
        if (from != RAP_AID_NONE)
            atomic_fetch_add(&bad, 1);
        atomic_fetch_add(&outside_seen, 1);
        return RAP_OK;
    }
    if (v->count == 0) {
        v->first = x;
        v->pub = from;
    } else if (x != v->last + 1 || from != v->pub) {
        atomic_fetch_add(&bad, 1); /* a gap, a duplicate, out of order, or another sender */
    }
    v->last = x;
    v->count++;
    return RAP_OK;
}

static int sub_cmd(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    sub *s = state;
    cmd c;
    (void)from, (void)len;
    memcpy(&c, data, sizeof(c));
    if (c.op == C_SLOT) {
        s->slot = c.slot;
        MT_OK(rap_subscribe(ctx, "news"));
        MT_CHECK(rap_subscribe(ctx, "news") == RAP_EEXIST);
        MT_CHECK(rap_unsubscribe(ctx, "sports") == RAP_EINVAL); /* not subscribed */
        MT_CHECK(rap_subscribe(ctx, "") == RAP_EINVAL);
        MT_CHECK(rap_subscribe(ctx, NULL) == RAP_EINVAL);
        return RAP_OK;
    }
    if (c.op == C_SUBSCRIBE)
        return rap_subscribe(ctx, "news");
    return rap_unsubscribe(ctx, "news");
}

/* A subscriber of "sports": must get nothing of "news". */
static int sub_other(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)state, (void)from, (void)data, (void)len;
    atomic_fetch_add(&bad, 1000);
    return RAP_OK;
}

static int other_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)state, (void)from, (void)data, (void)len;
    return rap_subscribe(ctx, "sports");
}

/* ---- the publisher (rank 0) ---- */

typedef struct pub { int64_t next, end; } pub;

static int pub_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    pub *p = state;
    (void)from, (void)len;
    memcpy(&p->end, data, sizeof(p->end));
    /* One publication per turn: a stream the flipper's changes interleave with. */
    MT_OK(rap_publish(ctx, "news", NEWS, &p->next, sizeof(p->next)));
    if (++p->next < p->end)
        return rap_send(ctx, rap_self(ctx), GO, &p->end, sizeof(p->end));
    return RAP_OK;
}

static void pub_error(rap_ctx *ctx, void *state, const rap_error_event *ev)
{
    (void)ctx, (void)state;
    if (ev->kind == RAP_ERROR_DEAD_LETTER)
        atomic_fetch_add(&dead_letters, 1);
}

/* ---- the flipper (rank 1): leaves and joins every 20 messages ---- */

typedef struct flip { int64_t last; int count; } flip;
static flip flipper_seen = { .last = -1 };

static int flip_news(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    int64_t x;
    (void)state, (void)from, (void)len;
    memcpy(&x, data, sizeof(x));
    if (x <= flipper_seen.last)
        atomic_fetch_add(&bad, 1); /* out of order or twice */
    flipper_seen.last = x;
    if (++flipper_seen.count % 20 == 0) { /* out, and back in at once */
        MT_OK(rap_unsubscribe(ctx, "news"));
        MT_OK(rap_subscribe(ctx, "news"));
    }
    return RAP_OK;
}

static int flip_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)state, (void)from, (void)data, (void)len;
    return rap_subscribe(ctx, "news");
}

static void bad_arguments(void)
{
    int64_t x = 0;
    MT_CHECK(rap_subscribe(NULL, "news") == RAP_EINVAL);
    MT_CHECK(rap_unsubscribe(NULL, "news") == RAP_EINVAL);
    MT_CHECK(rap_publish(NULL, NULL, NEWS, &x, sizeof(x)) == RAP_EINVAL);
    MT_CHECK(rap_publish(NULL, "", NEWS, &x, sizeof(x)) == RAP_EINVAL);
    char longname[RAP_TOPIC_MAX + 2];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    MT_CHECK(rap_publish(NULL, longname, NEWS, &x, sizeof(x)) == RAP_EINVAL);
    MT_CHECK(rap_publish(NULL, "news", 4242, &x, sizeof(x)) == RAP_ENOTYPE);
    MT_CHECK(rap_publish(NULL, "news", NEWS, &x, 3) == RAP_EINVAL);
    MT_CHECK(rap_publish(NULL, "news", NEWS, NULL, sizeof(x)) == RAP_EINVAL);
    MT_CHECK(rap_publish(NULL, "nobody-listens", NEWS, &x, sizeof(x)) == RAP_OK);
}

int main(int argc, char **argv)
{
    rap_aid subs[MAXSUB] = { 0 }, publisher = RAP_AID_NONE, flipper = RAP_AID_NONE, other;
    int64_t x = 0, end;
    uint32_t SUBT, OTHER;

    MT_CHECK(rap_publish(NULL, "news", 1, &x, sizeof(x)) == RAP_ESTATE);
    MT_OK(rap_msg_type_register("ps.news", sizeof(int64_t), RAP_MSG_FIXED, &NEWS));
    MT_OK(rap_msg_type_register("ps.cmd", sizeof(cmd), RAP_MSG_FIXED, &CMD));
    MT_OK(rap_msg_type_register("ps.go", sizeof(int64_t), RAP_MSG_FIXED, &GO));
    MT_OK(rap_actor_type_register("ps.sub", sizeof(sub), NULL, NULL, &SUBT));
    MT_OK(rap_actor_type_on(SUBT, NEWS, sub_news));
    MT_OK(rap_actor_type_on(SUBT, CMD, sub_cmd));
    MT_OK(rap_actor_type_register("ps.other", 0, NULL, NULL, &OTHER));
    MT_OK(rap_actor_type_on(OTHER, NEWS, sub_other));
    MT_OK(rap_actor_type_on(OTHER, GO, other_go));
    MT_OK(rap_actor_type_register("ps.pub", sizeof(pub), NULL, NULL, &PUB));
    MT_OK(rap_actor_type_on(PUB, GO, pub_go));
    MT_OK(rap_actor_type_on_error(PUB, pub_error));
    MT_OK(rap_actor_type_register("ps.flip", 0, NULL, NULL, &FLIP));
    MT_OK(rap_actor_type_on(FLIP, NEWS, flip_news));
    MT_OK(rap_actor_type_on(FLIP, GO, flip_go));
    MT_OK(rap_init(&argc, &argv));
    if (rap_size() != 3)
        MT_SKIP("needs 3 ranks");
    int rank = rap_rank();
    bad_arguments();

    /* Subscribers: slots 0-1 on rank 0, 2-4 on rank 1, 5-6 on rank 2; slot
     * 7 (rank 2) joins only for the second round. */
    int first = rank == 0 ? 0 : rank == 1 ? 2 : 5, n = rank == 0 ? 2 : rank == 1 ? 3 : 3;
    for (int i = 0; i < n; i++) {
        cmd c = { C_SLOT, first + i };
        MT_OK(rap_spawn(NULL, SUBT, NULL, 0, &subs[first + i]));
        if (first + i != 7)
            MT_OK(rap_send(NULL, subs[first + i], CMD, &c, sizeof(c)));
    }
    if (rank == 1) { /* a subscriber of another topic only */
        MT_OK(rap_spawn(NULL, OTHER, NULL, 0, &other));
        MT_OK(rap_send(NULL, other, GO, &x, sizeof(x)));
    }
    if (rank == 0)
        MT_OK(rap_spawn(NULL, PUB, NULL, 0, &publisher));
    MT_OK(rap_run()); /* every rank has heard of every subscription */
    MPI_Bcast(&publisher, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);

    /* Round 1: 0..49. */
    end = ROUND;
    if (rank == 0)
        MT_OK(rap_send(NULL, publisher, GO, &end, sizeof(end)));
    MT_OK(rap_run());

    /* Between rounds: slot 7 joins (rank 2), slot 3 leaves (rank 1),
     * slot 1 is destroyed (rank 0). */
    if (rank == 2) {
        cmd c = { C_SLOT, 7 };
        MT_OK(rap_send(NULL, subs[7], CMD, &c, sizeof(c)));
    }
    if (rank == 1) {
        cmd c = { C_UNSUBSCRIBE, 3 };
        MT_OK(rap_send(NULL, subs[3], CMD, &c, sizeof(c)));
    }
    if (rank == 0)
        MT_OK(rap_destroy(NULL, subs[1]));
    MT_OK(rap_run());

    /* Round 2: 50..99, and one from the main thread of rank 2. */
    end = 2 * ROUND;
    if (rank == 0)
        MT_OK(rap_send(NULL, publisher, GO, &end, sizeof(end)));
    if (rank == 2) {
        x = -1;
        MT_OK(rap_publish(NULL, "news", NEWS, &x, sizeof(x)));
    }
    MT_OK(rap_run());
    for (int s = first; s < first + n; s++) {
        const seen *v = &log_of[s];
        int64_t want_first = s == 7 ? ROUND : 0, want_last = (s == 3 || s == 1) ? ROUND - 1 : 2 * ROUND - 1;
        if (s == 1)
            continue; /* destroyed: its counts went with it (it got round 1) */
        MT_CHECK(v->count == (int)(want_last - want_first + 1));
        MT_CHECK(v->first == want_first && v->last == want_last);
        MT_CHECK(v->pub == publisher);
    }
    /* The main thread's publication reached every subscriber but slots 1 and 3. */
    MT_CHECK(atomic_load(&outside_seen) == rank + 1);

    /* Round 3: a stream while the flipper on rank 1 leaves and joins. */
    if (rank == 1)
        MT_OK(rap_spawn(NULL, FLIP, NULL, 0, &flipper));
    if (rank == 1)
        MT_OK(rap_send(NULL, flipper, GO, &x, sizeof(x)));
    MT_OK(rap_run());
    end = 2 * ROUND + STREAM;
    if (rank == 0)
        MT_OK(rap_send(NULL, publisher, GO, &end, sizeof(end)));
    MT_OK(rap_run());
    if (rank == 1) {
        MT_CHECK(flipper_seen.count >= 20);              /* it got the stream, then went on flipping */
        MT_CHECK(flipper_seen.last <= 2 * ROUND + STREAM - 1);
    }
    MT_CHECK(atomic_load(&bad) == 0);
    if (rank == 0)
        MT_CHECK(atomic_load(&dead_letters) == 0);
    MT_OK(rap_finalize());
    return 0;
}
