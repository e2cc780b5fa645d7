/* util/version.c -- rap_version: the library's version as text.
 *
 * Owns:    nothing; the text is static.
 * Uses:    raptors.h's RAP_VERSION_* (the one place the version is set).
 */
#include "util/common.h"

#define RAP_STR_(x) #x
#define RAP_STR(x) RAP_STR_(x)

const char *rap_version(void)
{
    return RAP_STR(RAP_VERSION_MAJOR) "." RAP_STR(RAP_VERSION_MINOR) "." RAP_STR(RAP_VERSION_PATCH);
}
