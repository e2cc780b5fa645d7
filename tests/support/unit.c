/* tests/support/unit.c -- CUnit runner for unit tests (see unit.h). */
#include <CUnit/Basic.h>
#include <stdio.h>

#include "support/unit.h"

int rap_test_run(CU_SuiteInfo *suites)
{
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 99;
    if (CU_register_suites(suites) != CUE_SUCCESS) {
        fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
        CU_cleanup_registry();
        return 99;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_tests_failed() + CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
