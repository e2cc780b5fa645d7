/* Actor table: ids, lookup, removal, and removal racing with senders. */
#include <CUnit/CUnit.h>
#include <pthread.h>
#include <stdlib.h>

#include "actor/table.h"
#include "support/unit.h"

static void publish_find_remove(void)
{
    rap_table *t;
    rap_actor *a, *b, *got;
    rap_aid aid_a, aid_b;

    CU_ASSERT_EQUAL_FATAL(rap__table_create(3, &t), RAP_OK);
    a = rap__table_alloc(t);
    b = rap__table_alloc(t);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_EQUAL(rap__table_publish(t, a, 0), RAP_OK);
    CU_ASSERT_EQUAL(rap__table_publish(t, b, 0), RAP_OK);
    aid_a = atomic_load(&a->aid);
    aid_b = atomic_load(&b->aid);
    CU_ASSERT_EQUAL(RAP_AID_RANK(aid_a), 3);
    CU_ASSERT_EQUAL(RAP_AID_SERIAL(aid_a), RAP_SERIAL_USER_MIN);
    CU_ASSERT_EQUAL(RAP_AID_SERIAL(aid_b), RAP_SERIAL_USER_MIN + 1);
    CU_ASSERT_EQUAL(rap__table_live(t), 2u);

    got = rap__table_acquire(t, aid_a);
    CU_ASSERT_PTR_EQUAL(got, a);
    rap__table_release(got);
    CU_ASSERT_PTR_NULL(rap__table_acquire(t, aid_a + 100));          /* never existed */
    CU_ASSERT_PTR_NULL(rap__table_acquire(t, aid_a & ~(UINT64_C(0xfffff) << 44))); /* other rank */

    rap__table_remove(t, a);
    CU_ASSERT_PTR_NULL(rap__table_acquire(t, aid_a));                /* destroyed */
    CU_ASSERT_EQUAL(rap__table_live(t), 1u);
    rap__table_free(t, a);
    /* Memory is reused, serials are not: the old id stays dead. */
    rap_actor *c = rap__table_alloc(t);
    CU_ASSERT_EQUAL(rap__table_publish(t, c, 0), RAP_OK);
    CU_ASSERT_NOT_EQUAL(atomic_load(&c->aid), aid_a);
    CU_ASSERT_PTR_NULL(rap__table_acquire(t, aid_a));
    CU_ASSERT_PTR_EQUAL(rap__table_acquire(t, atomic_load(&c->aid)), c);
    rap__table_release(c);
    /* Fixed serials for the runtime's own actors. */
    rap_actor *sys = rap__table_alloc(t);
    CU_ASSERT_EQUAL(rap__table_publish(t, sys, RAP_SERIAL_SYSTEM), RAP_OK);
    CU_ASSERT_EQUAL(RAP_AID_SERIAL(atomic_load(&sys->aid)), RAP_SERIAL_SYSTEM);
    rap__table_destroy(t);
}

static void many_actors_span_pages(void)
{
    rap_table *t;
    enum { N = 10000 };
    static rap_aid ids[N];
    int found = 0;

    CU_ASSERT_EQUAL_FATAL(rap__table_create(0, &t), RAP_OK);
    for (int i = 0; i < N; i++) {
        rap_actor *a = rap__table_alloc(t);
        CU_ASSERT_EQUAL_FATAL(rap__table_publish(t, a, 0), RAP_OK);
        ids[i] = atomic_load(&a->aid);
    }
    for (int i = 0; i < N; i++) {
        rap_actor *a = rap__table_acquire(t, ids[i]);
        found += a != NULL && atomic_load(&a->aid) == ids[i];
        if (a)
            rap__table_release(a);
    }
    CU_ASSERT_EQUAL(found, N);
    CU_ASSERT_EQUAL(rap__table_live(t), (uint64_t)N);
    rap__table_destroy(t);
}

typedef struct race {
    rap_table *t;
    rap_aid aid;
    _Atomic int stop;
    _Atomic long hits;
} race;

static void *sender(void *arg)
{
    race *r = arg;
    while (!atomic_load(&r->stop)) {
        rap_actor *a = rap__table_acquire(r->t, r->aid);
        if (a != NULL) {
            /* While the reference is held the actor must not be freed
             * (free clears its id); it may already be marked dead, with
             * the remover waiting for us. */
            for (int i = 0; i < 50; i++)
                if (atomic_load(&a->aid) != r->aid)
                    atomic_store(&r->stop, 2);
            atomic_fetch_add(&r->hits, 1);
            rap__table_release(a);
        }
    }
    return NULL;
}

static void removal_waits_for_senders(void)
{
    race r = { 0 };
    pthread_t th[2];

    CU_ASSERT_EQUAL_FATAL(rap__table_create(1, &r.t), RAP_OK);
    for (int round = 0; round < 200; round++) {
        rap_actor *a = rap__table_alloc(r.t);
        CU_ASSERT_EQUAL_FATAL(rap__table_publish(r.t, a, 0), RAP_OK);
        r.aid = atomic_load(&a->aid);
        atomic_store(&r.stop, 0);
        for (int i = 0; i < 2; i++)
            pthread_create(&th[i], NULL, sender, &r);
        for (volatile int spin = 0; spin < 2000; spin++)
            ;
        rap__table_remove(r.t, a);
        CU_ASSERT_PTR_NULL(rap__table_acquire(r.t, r.aid));
        rap__table_free(r.t, a);
        if (atomic_load(&r.stop) == 0)
            atomic_store(&r.stop, 1);
        for (int i = 0; i < 2; i++)
            pthread_join(th[i], NULL);
        CU_ASSERT_EQUAL(atomic_load(&r.stop), 1); /* no sender saw a dead actor */
    }
    rap__table_destroy(r.t);
}

/* Slots freed on one thread are taken again by another (memory is reused,
 * not taken anew); a new table after a destroyed one never hands out the
 * old one's slots. */
static void *alloc_many(void *arg)
{
    rap_table *t = arg;
    rap_actor **got = malloc(200 * sizeof(*got));
    for (int i = 0; i < 200; i++)
        got[i] = rap__table_alloc(t);
    return got;
}

static bool in_chunks_of(rap_actor *const *set, int n, const rap_actor *a)
{
    for (int i = 0; i < n; i++)
        if (set[i] == a)
            return true;
    return false;
}

static void slots_move_between_threads_and_tables(void)
{
    rap_table *t;
    rap_actor *mine[300];
    pthread_t th;
    void *res;

    CU_ASSERT_EQUAL_FATAL(rap__table_create(0, &t), RAP_OK);
    for (int i = 0; i < 300; i++) {
        mine[i] = rap__table_alloc(t);
        CU_ASSERT_PTR_NOT_NULL_FATAL(mine[i]);
        for (int j = 0; j < i; j++)
            CU_ASSERT_PTR_NOT_EQUAL(mine[i], mine[j]); /* distinct */
    }
    for (int i = 0; i < 300; i++)
        rap__table_free(t, mine[i]);
    pthread_create(&th, NULL, alloc_many, t);
    pthread_join(th, &res);
    rap_actor **theirs = res;
    int reused = 0;
    for (int i = 0; i < 200; i++)
        reused += in_chunks_of(mine, 300, theirs[i]);
    CU_ASSERT_EQUAL(reused, 200); /* the freed slots, not new chunks */
    free(theirs);
    rap__table_destroy(t);

    CU_ASSERT_EQUAL_FATAL(rap__table_create(0, &t), RAP_OK);
    rap_actor *a = rap__table_alloc(t); /* not one of the destroyed table's (ASan would see it too) */
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_EQUAL(rap__table_publish(t, a, 0), RAP_OK);
    CU_ASSERT_PTR_EQUAL(rap__table_acquire(t, atomic_load(&a->aid)), a);
    rap__table_release(a);
    rap__table_destroy(t);
}

static CU_TestInfo tests[] = {
    { "publish, find, remove", publish_find_remove },
    { "many actors span pages", many_actors_span_pages },
    { "removal waits for senders", removal_waits_for_senders },
    { "slots move between threads and tables", slots_move_between_threads_and_tables },
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
    { .pName = "actor/table", .pTests = tests },
    CU_SUITE_INFO_NULL,
};

int main(void) { return rap_test_run(suites); }
