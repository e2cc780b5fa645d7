/* Mailbox: FIFO, the empty->non-empty report, and many concurrent
 * producers with nothing lost and each producer's order kept. */
#include <CUnit/CUnit.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "actor/mailbox.h"
#include "support/unit.h"

static rap_env *msg(uint64_t v)
{
    rap_env *e = rap__env_alloc(sizeof(v));
    memcpy(rap__env_payload(e), &v, sizeof(v));
    return e;
}

static uint64_t val(rap_env *e)
{
    uint64_t v;
    memcpy(&v, rap__env_payload(e), sizeof(v));
    return v;
}

static void push_reports_only_the_first_message(void)
{
    rap_mailbox mb;

    CU_ASSERT_EQUAL_FATAL(rap__mailbox_init(&mb), RAP_OK);
    /* A new mailbox is held by its creator: not marked empty. */
    CU_ASSERT_FALSE(rap__mailbox_push(&mb, msg(1)));
    CU_ASSERT_EQUAL(val(rap__mailbox_pop(&mb)), 1u);
    CU_ASSERT_PTR_NULL(rap__mailbox_pop(&mb));
    CU_ASSERT_TRUE(rap__mailbox_mark_empty(&mb));
    CU_ASSERT_TRUE(rap__mailbox_push(&mb, msg(2)));  /* empty -> non-empty */
    CU_ASSERT_FALSE(rap__mailbox_push(&mb, msg(3)));
    CU_ASSERT_FALSE(rap__mailbox_mark_empty(&mb));   /* not empty: refused */
    CU_ASSERT_EQUAL(val(rap__mailbox_pop(&mb)), 2u); /* FIFO */
    CU_ASSERT_EQUAL(val(rap__mailbox_pop(&mb)), 3u);
    CU_ASSERT_PTR_NULL(rap__mailbox_pop(&mb));
    CU_ASSERT_TRUE(rap__mailbox_mark_empty(&mb));
    CU_ASSERT_FALSE(rap__mailbox_mark_empty(&mb));   /* already marked */
    CU_ASSERT_TRUE(rap__mailbox_push(&mb, msg(4)));
    rap__mailbox_destroy(&mb);                       /* frees the queued one */
}

#define PRODUCERS 4
#define PER_PRODUCER 100000

typedef struct shared {
    rap_mailbox mb;
    _Atomic int wakeups; /* times a push reported empty->non-empty */
    int id;
} shared;

typedef struct producer {
    shared *sh;
    int id;
} producer;

static void *produce(void *arg)
{
    producer *p = arg;
    for (uint64_t i = 0; i < PER_PRODUCER; i++)
        if (rap__mailbox_push(&p->sh->mb, msg(((uint64_t)p->id << 32) | i)))
            atomic_fetch_add(&p->sh->wakeups, 1);
    return NULL;
}

static void concurrent_producers_lose_nothing(void)
{
    shared sh;
    producer prods[PRODUCERS];
    pthread_t th[PRODUCERS];
    uint64_t next[PRODUCERS] = { 0 };
    uint64_t got = 0;
    int marks = 1; /* the mark before the producers start */
    bool ordered = true;

    CU_ASSERT_EQUAL_FATAL(rap__mailbox_init(&sh.mb), RAP_OK);
    atomic_init(&sh.wakeups, 0);
    CU_ASSERT_TRUE(rap__mailbox_mark_empty(&sh.mb));
    for (int i = 0; i < PRODUCERS; i++) {
        prods[i] = (producer){ &sh, i };
        pthread_create(&th[i], NULL, produce, &prods[i]);
    }
    /* The consumer drains and marks empty whenever it runs dry, as an
     * actor runner does; each successful mark must be matched by exactly
     * one push reporting empty->non-empty. */
    while (got < (uint64_t)PRODUCERS * PER_PRODUCER) {
        rap_env *e = rap__mailbox_pop(&sh.mb);
        if (e == NULL) {
            if (rap__mailbox_mark_empty(&sh.mb))
                marks++;
            continue;
        }
        uint64_t v = val(e);
        int id = (int)(v >> 32);
        ordered &= (v & 0xffffffffu) == next[id];
        next[id] = (v & 0xffffffffu) + 1;
        got++;
    }
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(th[i], NULL);
    CU_ASSERT_TRUE(ordered);
    for (int i = 0; i < PRODUCERS; i++)
        CU_ASSERT_EQUAL(next[i], PER_PRODUCER);
    CU_ASSERT_PTR_NULL(rap__mailbox_pop(&sh.mb));
    /* Every mark was answered by exactly one wake-up report. */
    CU_ASSERT_EQUAL(atomic_load(&sh.wakeups), marks);
    rap__mailbox_destroy(&sh.mb);
}

static CU_TestInfo tests[] = {
    { "push reports only the first message", push_reports_only_the_first_message },
    { "concurrent producers lose nothing", concurrent_producers_lose_nothing },
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
    { .pName = "actor/mailbox", .pTests = tests },
    CU_SUITE_INFO_NULL,
};

int main(void) { return rap_test_run(suites); }
