/* The 64-bit map (util/u64map.h): puts, replacements, gets and removals
 * agree with a plain array model through growth and many removals
 * (including runs that wrap around the table's end), and an emptied map
 * is usable again. */
#include <CUnit/CUnit.h>
#include <stdlib.h>

#include "support/unit.h"
#include "util/common.h"
#include "util/u64map.h"

enum { KEYS = 20000 };

static void agrees_with_a_model(void)
{
    static uint64_t model[KEYS]; /* key i+1 -> value, 0: absent */
    rap_u64map m = { 0 };
    uint64_t v, seed = 12345;

    CU_ASSERT_FALSE(rap__u64map_get(&m, 7, &v)); /* empty, never allocated */
    CU_ASSERT_FALSE(rap__u64map_del(&m, 7, NULL));
    for (int step = 0; step < 200000; step++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t k = (seed >> 33) % KEYS, key = k + 1;
        /* keys spread over the whole 64-bit range too */
        if (k % 3 == 0)
            key = (k + 1) << 40 | k;
        switch ((seed >> 20) % 3) {
        case 0:
            CU_ASSERT_EQUAL_FATAL(rap__u64map_put(&m, key, step + 1), RAP_OK);
            model[k] = (uint64_t)step + 1;
            break;
        case 1:
            CU_ASSERT_EQUAL_FATAL(rap__u64map_del(&m, key, &v), model[k] != 0);
            if (model[k] != 0)
                CU_ASSERT_EQUAL_FATAL(v, model[k]);
            model[k] = 0;
            break;
        default:
            CU_ASSERT_EQUAL_FATAL(rap__u64map_get(&m, key, &v), model[k] != 0);
            if (model[k] != 0)
                CU_ASSERT_EQUAL_FATAL(v, model[k]);
        }
    }
    size_t n = 0;
    for (int k = 0; k < KEYS; k++) {
        uint64_t key = k % 3 == 0 ? ((uint64_t)k + 1) << 40 | (uint64_t)k : (uint64_t)k + 1;
        CU_ASSERT_EQUAL(rap__u64map_get(&m, key, &v), model[k] != 0);
        n += model[k] != 0;
    }
    CU_ASSERT_EQUAL(m.count, n);
    CU_ASSERT_TRUE(m.count * 2 <= m.cap);
    for (int k = 0; k < KEYS; k++) { /* empty it, then use it again */
        uint64_t key = k % 3 == 0 ? ((uint64_t)k + 1) << 40 | (uint64_t)k : (uint64_t)k + 1;
        rap__u64map_del(&m, key, NULL);
    }
    CU_ASSERT_EQUAL(m.count, 0);
    for (size_t i = 0; i < m.cap; i++)
        CU_ASSERT_EQUAL_FATAL(m.keys[i], 0);
    CU_ASSERT_EQUAL(rap__u64map_put(&m, 99, 1), RAP_OK);
    CU_ASSERT_TRUE(rap__u64map_get(&m, 99, &v) && v == 1);
    rap__u64map_free(&m);
    CU_ASSERT_FALSE(rap__u64map_get(&m, 99, &v));
}

/* A replacement keeps the count and never grows the table. */
static void replacement_does_not_grow(void)
{
    rap_u64map m = { 0 };
    uint64_t v;

    for (uint64_t k = 1; k <= 32; k++) /* 32 in 64 slots: full to the limit */
        CU_ASSERT_EQUAL_FATAL(rap__u64map_put(&m, k, k), RAP_OK);
    CU_ASSERT_EQUAL(m.cap, 64);
    for (uint64_t k = 1; k <= 32; k++)
        CU_ASSERT_EQUAL_FATAL(rap__u64map_put(&m, k, k * 10), RAP_OK);
    CU_ASSERT_EQUAL(m.cap, 64);
    CU_ASSERT_EQUAL(m.count, 32);
    CU_ASSERT_TRUE(rap__u64map_get(&m, 17, &v) && v == 170);
    rap__u64map_free(&m);
}

static CU_TestInfo tests[] = {
    { "agrees with a model", agrees_with_a_model },
    { "replacement does not grow", replacement_does_not_grow },
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
    { .pName = "util/u64map", .pTests = tests },
    CU_SUITE_INFO_NULL,
};

int main(void) { return rap_test_run(suites); }
