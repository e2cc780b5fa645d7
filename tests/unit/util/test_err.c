/* Error codes: every code has its own text and name; unknown codes say
 * so.  The version is set in one place. */
#include <CUnit/CUnit.h>
#include <stdio.h>

#include "config.h" /* PACKAGE_VERSION, from configure */
#include "raptors.h"
#include "support/unit.h"
#include "util/hash.h"

static const int codes[] = {
#define X(name, code, text) RAP_##name,
    RAP_ERR_MAP(X)
#undef X
};

static void every_code_has_distinct_text_and_name(void)
{
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        CU_ASSERT_TRUE(codes[i] < 0);
        CU_ASSERT_STRING_NOT_EQUAL(rap_strerror(codes[i]), "unknown error");
        CU_ASSERT_STRING_NOT_EQUAL(rap_err_name(codes[i]), "RAP_E?");
        for (size_t j = 0; j < i; j++) {
            CU_ASSERT_NOT_EQUAL(codes[i], codes[j]);
            CU_ASSERT_STRING_NOT_EQUAL(rap_strerror(codes[i]), rap_strerror(codes[j]));
        }
    }
}

static void known_texts(void)
{
    CU_ASSERT_STRING_EQUAL(rap_strerror(RAP_OK), "success");
    CU_ASSERT_STRING_EQUAL(rap_strerror(RAP_EDEAD), "no such actor");
    CU_ASSERT_STRING_EQUAL(rap_err_name(RAP_EDEAD), "RAP_EDEAD");
    CU_ASSERT_STRING_EQUAL(rap_err_name(RAP_OK), "RAP_OK");
    CU_ASSERT_STRING_EQUAL(rap_strerror(12345), "unknown error");
    CU_ASSERT_STRING_EQUAL(rap_strerror(-999), "unknown error");
    CU_ASSERT_STRING_EQUAL(rap_err_name(-999), "RAP_E?");
}

static void name_hash_is_stable(void)
{
    /* FNV-1a 32 reference values: ids must never change between releases. */
    CU_ASSERT_EQUAL(rap__hash_name(""), 0x811c9dc5u);
    CU_ASSERT_EQUAL(rap__hash_name("a"), 0xe40c292cu);
    CU_ASSERT_EQUAL(rap__hash_name("foobar"), 0xbf9cf968u);
    CU_ASSERT_NOT_EQUAL(rap__hash_check("foobar"), rap__hash_name("foobar"));
}

/* One version, set in raptors.h: the library, the header's macros and
 * configure (the tarball's name) agree. */
static void version_is_one(void)
{
    char want[32];

    snprintf(want, sizeof(want), "%d.%d.%d", RAP_VERSION_MAJOR, RAP_VERSION_MINOR, RAP_VERSION_PATCH);
    CU_ASSERT_STRING_EQUAL(rap_version(), want);
    CU_ASSERT_STRING_EQUAL(rap_version(), PACKAGE_VERSION);
    CU_ASSERT_EQUAL(RAP_VERSION, RAP_VERSION_MAJOR * 10000 + RAP_VERSION_MINOR * 100 + RAP_VERSION_PATCH);
}

static CU_TestInfo tests[] = {
    { "one version", version_is_one },
    { "every code has distinct text and name", every_code_has_distinct_text_and_name },
    { "known texts", known_texts },
    { "name hash is stable", name_hash_is_stable },
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
    { .pName = "util/err", .pTests = tests },
    CU_SUITE_INFO_NULL,
};

int main(void) { return rap_test_run(suites); }
