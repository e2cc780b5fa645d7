/* A group's shape and placement (msg/group.h): for every small shape, both
 * placements and 1..9 hosts, each host's members (first, stride, count) are
 * exactly the indices placed on it, every index is on one host, block hosts
 * differ in count by at most one and hold runs in order, the hosts with
 * members are listed in order; member ids carry the group and index; the
 * descriptor check refuses what no group has. */
#include <CUnit/CUnit.h>
#include <stdlib.h>

#include "msg/group.h"
#include "support/unit.h"

static void members_are_where_placed(void)
{
    for (uint32_t pl = RAP_GROUP_BLOCK; pl <= RAP_GROUP_ROUND_ROBIN; pl++)
        for (uint32_t nx = 1; nx <= 13; nx++)
            for (uint32_t ny = 1; ny <= 3; ny++)
                for (uint32_t hosts = 1; hosts <= 9; hosts++) {
                    rap_group g = { .id = 1, .actor_type = 300, .dims = { nx, ny, 1 }, .ndims = 2, .placement = pl };
                    uint32_t n = nx * ny, seen[64] = { 0 }, list[9], nlist, lo, stride, count, least = n, most = 0;
                    CU_ASSERT_TRUE_FATAL(rap__group_ok(&g));
                    CU_ASSERT_EQUAL(rap__group_size(&g), n);
                    nlist = rap__group_member_hosts(&g, hosts, list);
                    for (uint32_t p = 0, k = 0; p < hosts; p++) {
                        rap__group_members(&g, p, hosts, &lo, &stride, &count);
                        for (uint32_t c = 0; c < count; c++) {
                            uint32_t i = lo + c * stride;
                            CU_ASSERT_TRUE_FATAL(i < n);
                            CU_ASSERT_EQUAL(rap__group_host(&g, i, hosts), p);
                            seen[i]++;
                        }
                        if (count > 0) {
                            CU_ASSERT_TRUE(k < nlist && list[k] == p);
                            k++;
                        }
                        if (pl == RAP_GROUP_BLOCK) {
                            CU_ASSERT_EQUAL(stride, 1);
                            least = count < least ? count : least;
                            most = count > most ? count : most;
                        }
                    }
                    for (uint32_t i = 0; i < n; i++)
                        CU_ASSERT_EQUAL(seen[i], 1);
                    if (pl == RAP_GROUP_BLOCK && n >= hosts)
                        CU_ASSERT_TRUE(most - least <= 1);
                    CU_ASSERT_EQUAL(nlist, n < hosts ? n : hosts);
                }
}

static void ids_and_descriptors(void)
{
    rap_aid a = rap__aid_group(5, 262143, 16777215, true), b = rap__aid_group(0, 1, 0, false);
    rap_group g = { .id = 3, .actor_type = 300, .dims = { 256, 256, 256 }, .ndims = 3 };

    CU_ASSERT_TRUE(rap__aid_is_group(a) && rap__aid_movable(a) && RAP_AID_RANK(a) == 5);
    CU_ASSERT_EQUAL(rap__aid_gnum(a), 262143);
    CU_ASSERT_EQUAL(rap__aid_gindex(a), 16777215);
    CU_ASSERT_TRUE(rap__aid_is_group(b) && !rap__aid_movable(b) && rap__aid_gnum(b) == 1 && rap__aid_gindex(b) == 0);
    CU_ASSERT_FALSE(rap__aid_is_group(rap__aid(3, 17)));
    CU_ASSERT_FALSE(rap__aid_is_runtime(b));
    CU_ASSERT_TRUE(rap__group_ok(&g)); /* 2^24 members: the most */
    g.dims[2] = 257;
    CU_ASSERT_FALSE(rap__group_ok(&g));
    g.dims[2] = 1, g.ndims = 2;
    CU_ASSERT_TRUE(rap__group_ok(&g));
    g.dims[2] = 2; /* a dimension past ndims */
    CU_ASSERT_FALSE(rap__group_ok(&g));
    g.dims[2] = 1, g.id = 1u << RAP_GROUP_NUM_BITS;
    CU_ASSERT_FALSE(rap__group_ok(&g));
    g.id = 2, g.actor_type = 5; /* a runtime type */
    CU_ASSERT_FALSE(rap__group_ok(&g));
    g.actor_type = 300, g.flags = 2;
    CU_ASSERT_FALSE(rap__group_ok(&g));
}

static CU_TestInfo tests[] = {
    { "members are where placed", members_are_where_placed },
    { "ids and descriptors", ids_and_descriptors },
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
    { .pName = "msg/group", .pTests = tests },
    CU_SUITE_INFO_NULL,
};

int main(void) { return rap_test_run(suites); }
