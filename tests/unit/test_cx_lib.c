/* cx_lib.h: a program that asks for a lean libcrypto before its first use
 * gets no error strings (issue 10: 56 KB of an idle server's heap), and
 * libcrypto still works and still records error codes. */
#include "common/tu.h"
#include "crypto/cx_lib.h"
#include "crypto/cx_x509.h"

#include <openssl/err.h>
#include <openssl/pem.h>

static void test_lean_init_loads_no_error_strings(void **state)
{
    (void)state;
    /* main called cx_lib_init_lean first; a certificate still loads ... */
    cx_x509_chain *ch = NULL;
    static const char junk[] = "not PEM";
    assert_int_not_equal(cx_x509_chain_from_pem(junk, sizeof junk - 1, junk, sizeof junk - 1,
                                                 NULL, &ch), 0);
    /* ... and an error code has no text. */
    unsigned long e = ERR_PACK(ERR_LIB_PEM, 0, PEM_R_NO_START_LINE);
    assert_null(ERR_reason_error_string(e));
}

int main(void)
{
    if (cx_lib_init_lean() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lean_init_loads_no_error_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
