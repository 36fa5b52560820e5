/* crypto/'s wrapper codes (crypto/cx_err.h): one enum, every code distinct and
 * inside the wrappers' range -100..-199, so none can pass for a TLS engine code:
 * a wrapper code that reaches tls_fail unmapped closes with internal_error
 * (RFC 8446 §6), never with an alert made up from its number. */
#include "common/tu.h"
#include "crypto/cx_aead.h"
#include "crypto/cx_certgen.h"
#include "crypto/cx_hash.h"
#include "crypto/cx_kex.h"
#include "crypto/cx_quic_keys.h"
#include "crypto/cx_sig.h"
#include "crypto/cx_x509.h"
#include "crypto/tls.h"

static const int codes[] = {
    CX_ERR_LIBCRYPTO,   CX_ERR_ARG,        CX_ERR_AUTH,          CX_ERR_AEAD_SHORT,
    CX_ERR_QUIC_VERSION, CX_KEX_ERR_GROUP, CX_KEX_ERR_PRIV,      CX_KEX_ERR_PEER,
    CX_KEX_ERR_ZERO,    CX_SIG_ERR_SCHEME, CX_SIG_ERR_KEY,       CX_SIG_ERR_BAD,
    CX_SIG_ERR_SPACE,   CX_X509_ERR_LOAD,  CX_X509_ERR_PARSE,    CX_X509_ERR_UNKNOWN_CA,
    CX_X509_ERR_EXPIRED, CX_X509_ERR_NAME, CX_X509_ERR_INVALID,  CX_X509_ERR_KEY,
    CX_X509_ERR_TOO_MANY, CX_X509_ERR_KEY_USAGE, CX_CERTGEN_ERR, CX_CERTGEN_ERR_ARG,
};
#define N_CODES (sizeof codes / sizeof codes[0])

static void test_wrapper_codes_are_distinct_and_in_the_wrapper_range(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_CODES; i++) {
        assert_in_range(-codes[i], 100, 199);
        for (size_t j = 0; j < i; j++)
            assert_int_not_equal(codes[i], codes[j]);
    }
}

static void test_unmapped_wrapper_code_closes_with_internal_error(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_CODES; i++)
        assert_int_equal(tls_err_alert(codes[i]), TLS_ALERT_INTERNAL_ERROR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrapper_codes_are_distinct_and_in_the_wrapper_range),
        cmocka_unit_test(test_unmapped_wrapper_code_closes_with_internal_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
