/* util/err.c -- error codes to text (rap_strerror, rap_err_name).
 *
 * Owns:    nothing; the texts are static.
 * Uses:    raptors.h's RAP_ERR_MAP, expanded once here.
 */
#include "util/common.h"

const char *rap_strerror(int err)
{
    switch (err) {
    case RAP_OK:
        return "success";
#define RAP_ERR_TEXT(name, code, text) \
    case RAP_##name:                   \
        return text;
        RAP_ERR_MAP(RAP_ERR_TEXT)
#undef RAP_ERR_TEXT
    default:
        return "unknown error";
    }
}

const char *rap_err_name(int err)
{
    switch (err) {
    case RAP_OK:
        return "RAP_OK";
#define RAP_ERR_NAME(name, code, text) \
    case RAP_##name:                   \
        return "RAP_" #name;
        RAP_ERR_MAP(RAP_ERR_NAME)
#undef RAP_ERR_NAME
    default:
        return "RAP_E?";
    }
}
