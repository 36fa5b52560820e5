/* HKDF known answers: RFC 5869 Appendix A test cases 1 and 3 (SHA-256), and
 * HKDF-Expand-Label against RFC 9001 Appendix A.1. */
#include "common/tu.h"
#include "crypto/cx_hash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

static void test_rfc5869_case1(void **state)
{
    (void)state;
    uint8_t ikm[22], salt[13], info[10], prk[32], okm[42], want[64];
    memset(ikm, 0x0b, sizeof ikm);
    tu_hex("000102030405060708090a0b0c", salt, sizeof salt);
    tu_hex("f0f1f2f3f4f5f6f7f8f9", info, sizeof info);
    assert_int_equal(cx_hkdf_extract(CX_SHA256, salt, sizeof salt, ikm, sizeof ikm, prk), CX_OK);
    tu_hex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5", want, sizeof want);
    assert_memory_equal(prk, want, 32);
    assert_int_equal(cx_hkdf_expand(CX_SHA256, prk, 32, info, sizeof info, okm, sizeof okm), CX_OK);
    tu_hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
           "34007208d5b887185865", want, sizeof want);
    assert_memory_equal(okm, want, 42);
}

static void test_rfc5869_case3_no_salt(void **state)
{
    (void)state;
    uint8_t ikm[22], prk[32], okm[42], want[64];
    memset(ikm, 0x0b, sizeof ikm);
    assert_int_equal(cx_hkdf_extract(CX_SHA256, NULL, 0, ikm, sizeof ikm, prk), CX_OK);
    tu_hex("19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04", want, sizeof want);
    assert_memory_equal(prk, want, 32);
    assert_int_equal(cx_hkdf_expand(CX_SHA256, prk, 32, NULL, 0, okm, sizeof okm), CX_OK);
    tu_hex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
           "9d201395faa4b61a96c8", want, sizeof want);
    assert_memory_equal(okm, want, 42);
}

static void test_expand_label_rfc9001_a1(void **state)
{
    (void)state;
    /* RFC 9001 A.1: initial_secret from the v1 salt and DCID 8394c8f03e515708,
     * then client_initial_secret = Expand-Label(initial, "client in", "", 32). */
    uint8_t salt[20], dcid[8], initial[32], client[32], key[16], want[32];
    tu_hex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a", salt, sizeof salt);
    tu_hex("8394c8f03e515708", dcid, sizeof dcid);
    assert_int_equal(cx_hkdf_extract(CX_SHA256, salt, 20, dcid, 8, initial), CX_OK);
    tu_hex("7db5df06e7a69e432496adedb00851923595221596ae2ae9fb8115c1e9ed0a44", want, sizeof want);
    assert_memory_equal(initial, want, 32);
    assert_int_equal(cx_hkdf_expand_label(CX_SHA256, initial, 32, "client in", NULL, 0,
                                          client, 32), CX_OK);
    tu_hex("c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea", want, sizeof want);
    assert_memory_equal(client, want, 32);
    assert_int_equal(cx_hkdf_expand_label(CX_SHA256, client, 32, "quic key", NULL, 0, key, 16),
                     CX_OK);
    tu_hex("1f369613dd76d5467730efcbe3b1a22d", want, sizeof want);
    assert_memory_equal(key, want, 16);
}

static void test_transcript_peek(void **state)
{
    (void)state;
    uint8_t a[32], b[32];
    cx_hash_ctx *c = cx_hash_ctx_new(CX_SHA256);
    assert_non_null(c);
    assert_int_equal(cx_hash_ctx_update(c, (const uint8_t *)"ab", 2), CX_OK);
    assert_int_equal(cx_hash_ctx_peek(c, a), CX_OK);
    assert_int_equal(cx_hash(CX_SHA256, (const uint8_t *)"ab", 2, b), CX_OK);
    assert_memory_equal(a, b, 32);
    assert_int_equal(cx_hash_ctx_update(c, (const uint8_t *)"c", 1), CX_OK);
    assert_int_equal(cx_hash_ctx_peek(c, a), CX_OK);
    assert_int_equal(cx_hash(CX_SHA256, (const uint8_t *)"abc", 3, b), CX_OK);
    assert_memory_equal(a, b, 32);
    cx_hash_ctx_free(c);
}

/* Our HMAC against libcrypto's own, for every hash and key lengths around
 * the block size (keys longer than a block are hashed first, RFC 2104 §2). */
static void test_hmac_matches_libcrypto(void **state)
{
    (void)state;
    const EVP_MD *mds[3] = {EVP_sha256(), EVP_sha384(), EVP_sha512()};
    uint8_t key[300], msg[1000], a[64], b[64];
    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (uint8_t)(i * 31 + 7);
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 17 + 3);
    size_t klens[] = {0, 1, 32, 63, 64, 65, 127, 128, 129, 300};
    size_t mlens[] = {0, 1, 55, 64, 1000};
    for (int h = 0; h < 3; h++)
        for (size_t k = 0; k < sizeof klens / sizeof klens[0]; k++)
            for (size_t m = 0; m < sizeof mlens / sizeof mlens[0]; m++) {
                unsigned int n = 0;
                assert_int_equal(cx_hmac((cx_hash_id)h, key, klens[k], msg, mlens[m], a), CX_OK);
                assert_non_null(HMAC(mds[h], key, (int)klens[k], msg, mlens[m], b, &n));
                assert_int_equal(n, cx_hash_len((cx_hash_id)h));
                assert_memory_equal(a, b, n);
            }
}

static void test_bad_args(void **state)
{
    (void)state;
    uint8_t prk[32] = {0}, out[32];
    assert_int_equal(cx_hkdf_expand(CX_SHA256, prk, 32, NULL, 0, out, 255 * 32 + 1), CX_ERR_ARG);
    assert_int_equal(cx_hash((cx_hash_id)7, prk, 1, out), CX_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc5869_case1),
        cmocka_unit_test(test_rfc5869_case3_no_salt),
        cmocka_unit_test(test_expand_label_rfc9001_a1),
        cmocka_unit_test(test_transcript_peek),
        cmocka_unit_test(test_hmac_matches_libcrypto),
        cmocka_unit_test(test_bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
