/* Migration under load: on every rank two senders (and the main thread,
 * from outside actors) stream numbered messages round robin to movable
 * targets spread over all ranks, while a mover on every rank sends its
 * rank's targets to random ranks after each chunk a sender sends, and the
 * targets move themselves every so often.  Then 1,000 steps each move
 * every target to another rank while the main threads send to all of them.
 * Every target must see every message of each sender exactly once and in
 * the order sent; the moves must have happened (counted); afterwards a move of a non-movable actor, to a bad
 * rank, or of no actor is refused with its error code. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "support/mpitest.h"

enum { TARGETS = 4, SENDERS = 2, PER_SENDER = 6000, CHUNK = 50, MAX_RANKS = 8, STEPS = 1000 };
enum { MAX_STREAMS = MAX_RANKS * (SENDERS + 1) };

typedef struct item { uint32_t stream, seq; } item;
typedef struct target {
    uint32_t next[MAX_STREAMS];
    uint64_t got, bad, moves;
} target;
typedef struct sender { uint32_t stream, sent; } sender;
typedef struct mover { uint32_t rng; } mover;

static uint32_t ITEM, GO, TICK, REPORT, TARGET, SENDER, MOVER;
static uint32_t TEXT, ASK, ANSWER, PACKED, BROKEN, BOSS;
static rap_aid *targets; /* every rank's, TARGETS each */
static rap_aid the_mover; /* this rank's */
static int nranks, nt;
static _Atomic uint64_t got_total, bad_total, reports;

static uint32_t extra_main; /* messages each main thread's stream sent every target after phase 1 */

static uint32_t expected_from(uint32_t stream, int t)
{
    return PER_SENDER / (uint32_t)nt + ((uint32_t)t < PER_SENDER % (uint32_t)nt ? 1u : 0u) +
           (stream % (SENDERS + 1) == SENDERS ? extra_main : 0);
}

static int target_item(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    target *t = state;
    const item *it = data;
    (void)from;
    if (len != sizeof(*it) || it->stream >= MAX_STREAMS || it->seq != t->next[it->stream])
        t->bad++;
    else
        t->next[it->stream]++;
    t->got++;
    /* Now and then a target moves itself, when this handler returns. */
    if (t->got % 997 == 0)
        MT_OK(rap_migrate(ctx, rap_self(ctx), (int)((t->got / 997 + it->seq) % (uint64_t)nranks)));
    return RAP_OK;
}

static int target_report(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    target *t = state;
    int idx = -1;
    (void)from, (void)data, (void)len;
    for (int i = 0; i < nt; i++)
        if (targets[i] == rap_self(ctx))
            idx = i;
    MT_CHECK(idx >= 0);
    for (int s = 0; s < nranks * (SENDERS + 1); s++)
        if (t->next[s] != expected_from((uint32_t)s, idx))
            t->bad++;
    atomic_fetch_add(&got_total, t->got);
    atomic_fetch_add(&bad_total, t->bad);
    atomic_fetch_add(&reports, 1);
    return RAP_OK;
}

static int sender_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    (void)ctx;
    MT_CHECK(len == sizeof(uint32_t));
    ((sender *)state)->stream = *(const uint32_t *)arg;
    return RAP_OK;
}

/* A chunk of the stream, then the next chunk from a message to itself
 * (moves and other senders interleave). */
static int sender_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    sender *s = state;
    (void)from, (void)data, (void)len;
    for (int k = 0; k < CHUNK && s->sent < PER_SENDER; k++, s->sent++) {
        int t = (int)(s->sent % (uint32_t)nt);
        item it = { s->stream, s->sent / (uint32_t)nt };
        MT_OK(rap_send(ctx, targets[t], ITEM, &it, sizeof(it)));
    }
    MT_OK(rap_send(ctx, the_mover, TICK, NULL, 0));
    if (s->sent < PER_SENDER)
        MT_OK(rap_send(ctx, rap_self(ctx), GO, NULL, 0));
    return RAP_OK;
}

static int mover_tick(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    mover *m = state;
    (void)from, (void)data, (void)len;
    if (m->rng == 0)
        m->rng = (uint32_t)rap_rank() * 7919u + 1u;
    for (int i = 0; i < TARGETS; i++) {
        m->rng = m->rng * 1103515245u + 12345u;
        MT_OK(rap_migrate(ctx, targets[rap_rank() * TARGETS + i],
                          (int)((m->rng >> 16) % (uint32_t)nranks)));
    }
    return RAP_OK;
}

/* Phase 2: a type that moves by pack/unpack (its state owns heap
 * memory), one whose state never unpacks (its moves are refused and it
 * stays, still answering), and the boss that moves them and checks. */
typedef struct packed { char *text; size_t len; } packed;
typedef struct answer { int rank; uint32_t len; char text[64]; } answer;
typedef struct boss { rap_aid p, b; int answers, refused, wrong; } boss;
static _Atomic int boss_answers, boss_refused, boss_wrong, packed_finis;

static int packed_text(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    packed *p = state;
    char *t = realloc(p->text, p->len + len);
    (void)ctx, (void)from;
    MT_CHECK(t != NULL);
    memcpy(t + p->len, data, len);
    p->text = t;
    p->len += len;
    return RAP_OK;
}

static int packed_ask(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    packed *p = state;
    answer a = { rap_rank(), (uint32_t)p->len, { 0 } };
    (void)data, (void)len;
    memcpy(a.text, p->text, p->len < sizeof(a.text) ? p->len : sizeof(a.text) - 1);
    return rap_send(ctx, from, ANSWER, &a, sizeof(a));
}

static size_t packed_pack(const void *state, void *buf, size_t cap)
{
    const packed *p = state;
    if (p->len <= cap && p->len > 0)
        memcpy(buf, p->text, p->len);
    return p->len;
}

static int packed_unpack(void *state, const void *buf, size_t len)
{
    packed *p = state;
    if (len > 0 && (p->text = malloc(len)) == NULL)
        return RAP_ENOMEM;
    memcpy(p->text, buf, len);
    p->len = len;
    return RAP_OK;
}

static int broken_unpack(void *state, const void *buf, size_t len)
{
    (void)state, (void)buf, (void)len;
    return RAP_EINVAL;
}

static void packed_fini(rap_ctx *ctx, void *state)
{
    (void)ctx;
    free(((packed *)state)->text);
    atomic_fetch_add(&packed_finis, 1);
}

static int boss_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    boss *b = state;
    (void)from, (void)data, (void)len;
    MT_OK(rap_spawn(ctx, PACKED, NULL, 0, &b->p));
    MT_OK(rap_spawn(ctx, BROKEN, NULL, 0, &b->b));
    MT_OK(rap_send(ctx, b->p, TEXT, "move", 4));
    MT_OK(rap_send(ctx, b->b, TEXT, "stay", 4));
    MT_OK(rap_migrate(ctx, b->p, 1));
    MT_OK(rap_migrate(ctx, b->b, 1));
    MT_OK(rap_send(ctx, b->p, TEXT, "d-", 2)); /* after the move, in order */
    MT_OK(rap_send(ctx, b->b, TEXT, "ed", 2));
    MT_OK(rap_migrate(ctx, b->p, 0));          /* and back */
    MT_OK(rap_send(ctx, b->p, TEXT, "back", 4));
    MT_OK(rap_send(ctx, b->p, ASK, NULL, 0));
    MT_OK(rap_send(ctx, b->b, ASK, NULL, 0));
    return RAP_OK;
}

static int boss_answer(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    boss *b = state;
    const answer *a = data;
    (void)ctx, (void)len;
    if (from == b->p && a->rank == 0 && a->len == 10 && strcmp(a->text, "moved-back") == 0)
        atomic_fetch_add(&boss_answers, 1);
    else if (from == b->b && a->rank == 0 && a->len == 6 && strcmp(a->text, "stayed") == 0)
        atomic_fetch_add(&boss_answers, 1);
    else
        atomic_fetch_add(&boss_wrong, 1);
    return RAP_OK;
}

static void boss_error(rap_ctx *ctx, void *state, const rap_error_event *ev)
{
    boss *b = state;
    (void)ctx;
    if (ev->kind == RAP_ERROR_MIGRATE && ev->actor == b->b && ev->code == RAP_EMALFORMED &&
        ev->cookie == 1)
        atomic_fetch_add(&boss_refused, 1);
    else
        atomic_fetch_add(&boss_wrong, 1);
}

/* Each rank asks its own targets, wherever they are now, for what they
 * got: every message once, in order (no target counts a bad one), and
 * `expected` in all. */
static void report_all(const rap_aid *mine, uint64_t expected)
{
    uint64_t local[2], sum[2];

    atomic_store(&got_total, 0);
    atomic_store(&bad_total, 0);
    MPI_Barrier(MPI_COMM_WORLD);
    for (int i = 0; i < TARGETS; i++)
        MT_OK(rap_send(NULL, mine[i], REPORT, NULL, 0));
    MT_OK(rap_run());
    local[0] = atomic_load(&got_total);
    local[1] = atomic_load(&bad_total);
    MPI_Allreduce(local, sum, 2, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    MT_CHECK(sum[1] == 0);
    MT_CHECK(sum[0] == expected);
}

int main(int argc, char **argv)
{
    rap_aid mine[TARGETS], s, mv, plain;
    int rank;
    rap_stats st;

    MT_OK(rap_msg_type_register("mig.item", sizeof(item), RAP_MSG_FIXED, &ITEM));
    MT_OK(rap_msg_type_register("mig.go", 0, RAP_MSG_VAR, &GO));
    MT_OK(rap_msg_type_register("mig.tick", 0, RAP_MSG_VAR, &TICK));
    MT_OK(rap_msg_type_register("mig.report", 0, RAP_MSG_VAR, &REPORT));
    MT_OK(rap_actor_type_register("mig.target", sizeof(target), NULL, NULL, &TARGET));
    MT_OK(rap_actor_type_register("mig.sender", sizeof(sender), sender_init, NULL, &SENDER));
    MT_OK(rap_actor_type_register("mig.mover", sizeof(mover), NULL, NULL, &MOVER));
    MT_OK(rap_actor_type_on(TARGET, ITEM, target_item));
    MT_OK(rap_actor_type_on(TARGET, REPORT, target_report));
    MT_OK(rap_actor_type_on(SENDER, GO, sender_go));
    MT_OK(rap_actor_type_on(MOVER, TICK, mover_tick));
    MT_CHECK(rap_actor_type_movable(TARGET, (rap_pack_fn)NULL, (rap_unpack_fn)NULL) == RAP_OK);
    MT_OK(rap_msg_type_register("mig.text", 0, RAP_MSG_VAR, &TEXT));
    MT_OK(rap_msg_type_register("mig.ask", 0, RAP_MSG_VAR, &ASK));
    MT_OK(rap_msg_type_register("mig.answer", sizeof(answer), RAP_MSG_FIXED, &ANSWER));
    MT_OK(rap_actor_type_register("mig.packed", sizeof(packed), NULL, packed_fini, &PACKED));
    MT_OK(rap_actor_type_register("mig.broken", sizeof(packed), NULL, packed_fini, &BROKEN));
    MT_OK(rap_actor_type_register("mig.boss", sizeof(boss), NULL, NULL, &BOSS));
    MT_OK(rap_actor_type_on(PACKED, TEXT, packed_text));
    MT_OK(rap_actor_type_on(PACKED, ASK, packed_ask));
    MT_OK(rap_actor_type_on(BROKEN, TEXT, packed_text));
    MT_OK(rap_actor_type_on(BROKEN, ASK, packed_ask));
    MT_OK(rap_actor_type_on(BOSS, GO, boss_go));
    MT_OK(rap_actor_type_on(BOSS, ANSWER, boss_answer));
    MT_OK(rap_actor_type_on_error(BOSS, boss_error));
    MT_CHECK(rap_actor_type_movable(PACKED, packed_pack, NULL) == RAP_EINVAL);
    MT_OK(rap_actor_type_movable(PACKED, packed_pack, packed_unpack));
    MT_OK(rap_actor_type_movable(BROKEN, packed_pack, broken_unpack));
    MT_CHECK(rap_actor_type_movable(12345, NULL, NULL) == RAP_ENOTYPE);
    MT_OK(rap_init(&argc, &argv));
    MT_CHECK(rap_actor_type_movable(SENDER, NULL, NULL) == RAP_ESTATE);
    rank = rap_rank();
    nranks = rap_size();
    if (nranks < 2 || nranks > MAX_RANKS)
        MT_SKIP("needs 2 to 8 ranks");
    nt = nranks * TARGETS;

    for (int i = 0; i < TARGETS; i++)
        MT_OK(rap_spawn(NULL, TARGET, NULL, 0, &mine[i]));
    targets = calloc((size_t)nt, sizeof(*targets));
    MPI_Allgather(mine, TARGETS, MPI_UINT64_T, targets, TARGETS, MPI_UINT64_T, MPI_COMM_WORLD);

    MT_OK(rap_spawn(NULL, MOVER, NULL, 0, &mv));
    the_mover = mv;
    /* Streams: SENDERS actors per rank, then the main thread's. */
    for (uint32_t k = 0; k < SENDERS; k++) {
        uint32_t stream = (uint32_t)rank * (SENDERS + 1) + k;
        MT_OK(rap_spawn(NULL, SENDER, &stream, sizeof(stream), &s));
        MT_OK(rap_send(NULL, s, GO, NULL, 0));
    }
    for (uint32_t i = 0; i < PER_SENDER; i++) {
        item it = { (uint32_t)rank * (SENDERS + 1) + SENDERS, i / (uint32_t)nt };
        MT_OK(rap_send(NULL, targets[i % (uint32_t)nt], ITEM, &it, sizeof(it)));
    }
    MT_OK(rap_run());

    report_all(mine, (uint64_t)nranks * (SENDERS + 1) * PER_SENDER);
    uint64_t nrep = atomic_load(&reports), allrep;
    MPI_Allreduce(&nrep, &allrep, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    MT_CHECK(allrep == (uint64_t)nt);

    MT_OK(rap_stats_get(&st));
    uint64_t moved[3] = { st.migrated_in, st.migrated_out, st.forwarded }, allmoved[3];
    MPI_Allreduce(moved, allmoved, 3, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    MT_CHECK(allmoved[0] == allmoved[1]);
    /* Ticks: SENDERS * PER_SENDER / CHUNK per rank, each asking TARGETS
     * moves, (nranks - 1) / nranks of them to another rank. */
    MT_CHECK(allmoved[0] >= (uint64_t)nt * SENDERS * PER_SENDER / CHUNK / 4);
    if (rank == 0)
        printf("migrate: %llu moves, %llu messages forwarded\n", (unsigned long long)allmoved[0],
               (unsigned long long)allmoved[2]);

    /* Phase 1b: STEPS steps that move every target (each rank its own, to
     * the next rank in turn) while each rank's main thread sends every
     * target one more numbered message; a rap_run between steps. */
    uint32_t *seq = calloc((size_t)nt, sizeof(*seq)), stream = (uint32_t)rank * (SENDERS + 1) + SENDERS;
    for (int t = 0; t < nt; t++)
        seq[t] = expected_from(stream, t);
    /* Set before this rank's first rap_run below: a REPORT from another
     * rank can reach a target here as soon as that rank's last step ends. */
    extra_main = STEPS;
    for (int step = 0; step < STEPS; step++) {
        for (int i = 0; i < TARGETS; i++)
            MT_OK(rap_migrate(NULL, mine[i], (rank + step + 1) % nranks));
        for (int t = 0; t < nt; t++) {
            item it = { stream, seq[t]++ };
            MT_OK(rap_send(NULL, targets[t], ITEM, &it, sizeof(it)));
        }
        MT_OK(rap_run());
    }
    free(seq);
    report_all(mine, (uint64_t)nranks * (SENDERS + 1) * PER_SENDER + (uint64_t)nranks * STEPS * (uint64_t)nt);
    MT_OK(rap_stats_get(&st));
    uint64_t moved2[2] = { st.migrated_in, st.migrated_out }, allmoved2[2];
    MPI_Allreduce(moved2, allmoved2, 2, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    MT_CHECK(allmoved2[0] == allmoved2[1]);
    MT_CHECK(allmoved2[0] >= allmoved[0] + (uint64_t)STEPS * (uint64_t)nt / 2);
    if (rank == 0)
        printf("migrate: %d steps moving every target, %llu moves in all\n", STEPS,
               (unsigned long long)allmoved2[0]);

    /* Phase 2 (rank 0's boss; actors moving to rank 1 and back). */
    if (rank == 0) {
        rap_aid bs;
        MT_OK(rap_spawn(NULL, BOSS, NULL, 0, &bs));
        MT_OK(rap_send(NULL, bs, GO, NULL, 0));
    }
    MT_OK(rap_run());
    if (rank == 0) {
        MT_CHECK(atomic_load(&boss_answers) == 2);
        MT_CHECK(atomic_load(&boss_refused) == 1);
        MT_CHECK(atomic_load(&boss_wrong) == 0);
        /* The packed actor's two old copies were released with fini. */
        MT_CHECK(atomic_load(&packed_finis) == 1);
    } else if (rank == 1) {
        MT_CHECK(atomic_load(&packed_finis) == 1);
    }

    /* Refusals. */
    MT_OK(rap_spawn(NULL, SENDER, &(uint32_t){ 0 }, sizeof(uint32_t), &plain));
    MT_CHECK(rap_migrate(NULL, plain, 1) == RAP_ENOTMOVABLE);
    MT_CHECK(rap_migrate(NULL, mine[0], nranks) == RAP_EINVAL);
    MT_CHECK(rap_migrate(NULL, mine[0], -1) == RAP_EINVAL);
    MT_CHECK(rap_migrate(NULL, RAP_AID_NONE, 0) == RAP_EINVAL);
    MT_OK(rap_destroy(NULL, plain));
    MT_OK(rap_run());
    free(targets);
    MT_OK(rap_finalize());
    return 0;
}
