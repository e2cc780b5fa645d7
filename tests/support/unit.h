/* tests/support/unit.h -- run CUnit suites; see rap_test_run. */
#ifndef RAP_TEST_UNIT_H
#define RAP_TEST_UNIT_H

#include <CUnit/CUnit.h>

/* Run every suite; returns 0 if all passed, 1 if any failed, 99 if CUnit
 * could not start. */
int rap_test_run(CU_SuiteInfo *suites);

#endif
