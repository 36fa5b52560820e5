/* HMAC and HKDF without an allocation (issue 10: a server handshake runs about
 * 58 HMACs, and each EVP digest context is a libcrypto allocation): once the
 * process has fetched its algorithms, cx_hmac, cx_hkdf_extract,
 * cx_hkdf_expand and cx_hkdf_expand_label allocate nothing inside libcrypto
 * (counted with CRYPTO_set_mem_functions, installed first thing in main). */
#include "common/tu.h"
#include "crypto/cx_hash.h"

#include <openssl/crypto.h>

#include <stdlib.h>
#include <string.h>

static long g_calls; /* malloc and realloc calls inside libcrypto */

static void *cr_malloc(size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    g_calls++;
    return malloc(n);
}

static void *cr_realloc(void *p, size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    g_calls++;
    return realloc(p, n);
}

static void cr_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    free(p);
}

static void run_all(cx_hash_id h, int rounds)
{
    uint8_t key[200], msg[300], out[CX_HASH_MAX], prk[CX_HASH_MAX], okm[100];
    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (uint8_t)(i * 7);
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 13);
    for (int r = 0; r < rounds; r++) {
        assert_int_equal(cx_hmac(h, key, 32, msg, sizeof msg, out), 0);
        assert_int_equal(cx_hmac(h, key, sizeof key, msg, 0, out), 0); /* key > block */
        assert_int_equal(cx_hkdf_extract(h, NULL, 0, key, 32, prk), 0);
        assert_int_equal(cx_hkdf_expand(h, prk, cx_hash_len(h), msg, 40, okm, sizeof okm), 0);
        assert_int_equal(cx_hkdf_expand_label(h, prk, cx_hash_len(h), "quic key", NULL, 0,
                                              okm, 16),
                         0);
    }
}

static void test_hmac_and_hkdf_allocate_nothing(void **state)
{
    (void)state;
    static const cx_hash_id ids[] = {CX_SHA256, CX_SHA384, CX_SHA512};
    for (size_t i = 0; i < 3; i++)
        run_all(ids[i], 1); /* the algorithms are fetched once per process */
    g_calls = 0;
    for (size_t i = 0; i < 3; i++)
        run_all(ids[i], 20);
    assert_int_equal(g_calls, 0);
}

/* RFC 4231 §4.3 (test case 2: a key shorter than the block) and §4.7 (test
 * case 6: a 131-byte key, hashed first), SHA-256 and SHA-384 and SHA-512:
 * the allocation-free HMAC computes what RFC 2104 says. */
static void test_hmac_rfc4231_vectors(void **state)
{
    (void)state;
    static const char *msg2 = "what do ya want for nothing?";
    static const char *msg6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    static const char *want[3][2] = {
        {"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {"af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
         "8e2240ca5e69e2c78b3239ecfab21649",
         "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
         "0c2ef6ab4030fe8296248df163f44952"},
        {"164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
         "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
         "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
         "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"},
    };
    static const cx_hash_id ids[] = {CX_SHA256, CX_SHA384, CX_SHA512};
    uint8_t key6[131], out[CX_HASH_MAX];
    char hex[2 * CX_HASH_MAX + 1];
    memset(key6, 0xaa, sizeof key6);
    for (size_t i = 0; i < 3; i++) {
        for (int c = 0; c < 2; c++) {
            size_t hl = cx_hash_len(ids[i]);
            if (c == 0)
                assert_int_equal(cx_hmac(ids[i], (const uint8_t *)"Jefe", 4,
                                         (const uint8_t *)msg2, strlen(msg2), out),
                                 0);
            else
                assert_int_equal(cx_hmac(ids[i], key6, sizeof key6, (const uint8_t *)msg6,
                                         strlen(msg6), out),
                                 0);
            for (size_t j = 0; j < hl; j++)
                snprintf(hex + 2 * j, 3, "%02x", out[j]);
            assert_string_equal(hex, want[i][c]);
        }
    }
}

/* The TLS transcript hash: one allocation for its context, then none for
 * any number of updates and peeks (each secret derived from the transcript
 * peeks at it), nor for a one-shot hash. */
static void test_transcript_peek_allocates_nothing(void **state)
{
    (void)state;
    static const cx_hash_id ids[] = {CX_SHA256, CX_SHA384, CX_SHA512};
    uint8_t msg[100] = {1, 2, 3}, out[CX_HASH_MAX], one[CX_HASH_MAX];
    for (size_t i = 0; i < 3; i++) {
        cx_hash_ctx *c = cx_hash_ctx_new(ids[i]);
        assert_non_null(c);
        assert_int_equal(cx_hash(ids[i], msg, sizeof msg, one), 0);
        g_calls = 0;
        for (int r = 0; r < 20; r++) {
            assert_int_equal(cx_hash_ctx_update(c, msg, sizeof msg), 0);
            assert_int_equal(cx_hash_ctx_peek(c, out), 0);
            assert_int_equal(cx_hash_ctx_peek_with(c, msg, 10, out), 0);
            assert_int_equal(cx_hash(ids[i], msg, sizeof msg, out), 0);
        }
        assert_int_equal(g_calls, 0);
        cx_hash_ctx_free(c);
        /* and the digests are still the digests: update(m) then peek = hash(m) */
        c = cx_hash_ctx_new(ids[i]);
        assert_int_equal(cx_hash_ctx_update(c, msg, 40), 0);
        assert_int_equal(cx_hash_ctx_peek_with(c, msg + 40, 60, out), 0);
        assert_memory_equal(out, one, cx_hash_len(ids[i]));
        assert_int_equal(cx_hash_ctx_update(c, msg + 40, 60), 0);
        assert_int_equal(cx_hash_ctx_peek(c, out), 0);
        assert_memory_equal(out, one, cx_hash_len(ids[i]));
        cx_hash_ctx_free(c);
    }
}

int main(void)
{
    /* before libcrypto's first allocation */
    if (!CRYPTO_set_mem_functions(cr_malloc, cr_realloc, cr_free))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hmac_and_hkdf_allocate_nothing),
        cmocka_unit_test(test_hmac_rfc4231_vectors),
        cmocka_unit_test(test_transcript_peek_allocates_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
