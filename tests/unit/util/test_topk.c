/* The heavy-hitter sketch (util/topk.h): exact while the pairs fit; past
 * that, every pair heavier than W / cap is kept, each kept weight
 * overestimates by at most its stated error, and the error bound holds;
 * copies and clears. */
#include <CUnit/CUnit.h>
#include <stdlib.h>

#include "support/unit.h"
#include "util/common.h"
#include "util/topk.h"

static void exact_while_it_fits(void)
{
    rap_topk t;
    const rap_topk_item *it;

    CU_ASSERT_EQUAL(rap__topk_init(&t, 0), RAP_EINVAL);
    CU_ASSERT_EQUAL_FATAL(rap__topk_init(&t, 8), RAP_OK);
    for (int i = 0; i < 8; i++)
        for (int k = 0; k <= i; k++)
            rap__topk_add(&t, 1, (uint64_t)i + 100, 10, 1);
    CU_ASSERT_EQUAL(t.n, 8);
    CU_ASSERT_EQUAL(t.total, 10 * 36);
    for (int i = 0; i < 8; i++) {
        it = rap__topk_find(&t, 1, (uint64_t)i + 100);
        CU_ASSERT_PTR_NOT_NULL_FATAL(it);
        CU_ASSERT_EQUAL(it->weight, 10u * (uint64_t)(i + 1));
        CU_ASSERT_EQUAL(it->count, (uint64_t)(i + 1));
        CU_ASSERT_EQUAL(it->err, 0);
    }
    CU_ASSERT_PTR_NULL(rap__topk_find(&t, 100, 1)); /* pairs are ordered */
    CU_ASSERT_EQUAL(t.items[0].weight, 10);         /* the lightest first */
    rap__topk_free(&t);
}

/* A skewed stream over many more pairs than counters. */
static void heavy_pairs_survive(void)
{
    enum { CAP = 64, PAIRS = 5000, HEAVY = 10 };
    static uint64_t truth[PAIRS];
    rap_topk t;
    uint64_t w = 0;
    unsigned seed = 7;

    CU_ASSERT_EQUAL_FATAL(rap__topk_init(&t, CAP), RAP_OK);
    for (int round = 0; round < 20; round++) {
        for (int p = 0; p < PAIRS; p++) {
            uint64_t bytes = p < HEAVY ? 5000 : 1 + (uint64_t)(rand_r(&seed) % 8);
            rap__topk_add(&t, (uint64_t)p, (uint64_t)p + 1, bytes, 1);
            truth[p] += bytes;
            w += bytes;
        }
    }
    CU_ASSERT_EQUAL(t.n, CAP);
    CU_ASSERT_EQUAL(t.total, w);
    for (int p = 0; p < HEAVY; p++) { /* heavier than W / cap: kept */
        const rap_topk_item *it = rap__topk_find(&t, (uint64_t)p, (uint64_t)p + 1);
        CU_ASSERT_TRUE(truth[p] > w / CAP);
        CU_ASSERT_PTR_NOT_NULL_FATAL(it);
        CU_ASSERT_TRUE(it->weight >= truth[p]);
    }
    for (size_t i = 0; i < t.n; i++) { /* every kept weight within its error */
        const rap_topk_item *it = &t.items[i];
        CU_ASSERT_TRUE(it->weight - it->err <= truth[it->a]);
        CU_ASSERT_TRUE(truth[it->a] <= it->weight);
        CU_ASSERT_TRUE(it->err <= w / CAP);
    }
    rap__topk_free(&t);
}

static void copy_and_clear(void)
{
    rap_topk a, b, c;

    CU_ASSERT_EQUAL_FATAL(rap__topk_init(&a, 4), RAP_OK);
    CU_ASSERT_EQUAL_FATAL(rap__topk_init(&b, 4), RAP_OK);
    CU_ASSERT_EQUAL_FATAL(rap__topk_init(&c, 4), RAP_OK);
    rap__topk_add(&a, 1, 2, 30, 3);
    rap__topk_add(&a, 3, 4, 5, 1);
    rap__topk_copy(&b, &a);
    CU_ASSERT_EQUAL(b.n, 2);
    CU_ASSERT_EQUAL(b.total, 35);
    CU_ASSERT_PTR_NOT_NULL(rap__topk_find(&b, 3, 4));
    rap__topk_add(&b, 1, 2, 10, 1); /* a full copy takes more */
    CU_ASSERT_EQUAL(rap__topk_find(&b, 1, 2)->weight, 40);
    CU_ASSERT_EQUAL(rap__topk_find(&a, 1, 2)->weight, 30);
    rap__topk_copy_items(&c, &a);
    CU_ASSERT_EQUAL(c.n, 2);
    CU_ASSERT_EQUAL(c.items[0].weight + c.items[1].weight, 35);
    rap__topk_clear(&a);
    CU_ASSERT_EQUAL(a.n, 0);
    CU_ASSERT_EQUAL(a.total, 0);
    CU_ASSERT_PTR_NULL(rap__topk_find(&a, 1, 2));
    rap__topk_free(&a);
    rap__topk_free(&b);
    rap__topk_free(&c);
}

static CU_TestInfo tests[] = {
    { "exact while it fits", exact_while_it_fits },
    { "heavy pairs survive", heavy_pairs_survive },
    { "copy and clear", copy_and_clear },
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
    { .pName = "util/topk", .pTests = tests },
    CU_SUITE_INFO_NULL,
};

int main(void) { return rap_test_run(suites); }
