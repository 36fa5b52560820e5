/* Retry tokens: round trip, and refusal of altered, foreign, stale or
 * other-address tokens (RFC 9000 §8.1.4). */
#include "common/tu.h"
#include "quic/token.h"

#include <string.h>

static void test_token(void **state)
{
    (void)state;
    uint8_t key[32] = {9}, other_key[32] = {8};
    quic_token_ctx t, t2;
    assert_int_equal(quic_token_ctx_init(&t, NULL, key, NULL, NULL), 0);
    assert_int_equal(quic_token_ctx_init(&t2, NULL, other_key, NULL, NULL), 0);
    const uint8_t addr[] = "\x02\x00\x1f\x90\x7f\x00\x00\x01", addr2[] = "\x02\x00\x1f\x91\x7f\x00\x00\x01";
    quic_cid odcid, rscid, o2, r2;
    quic_cid_set(&odcid, (const uint8_t *)"\x83\x94\xc8\xf0\x3e\x51\x57\x08", 8);
    quic_cid_set(&rscid, (const uint8_t *)"retry-scid", 10);
    uint8_t tok[QUIC_TOKEN_MAX];
    int n = quic_token_make(&t, addr, 8, &odcid, &rscid, 5000000, tok);
    assert_true(n > 0 && n <= QUIC_TOKEN_MAX);
    assert_int_equal(quic_token_check(&t, tok, (size_t)n, addr, 8, 6000000, 10000000, &o2, &r2), 0);
    assert_true(quic_cid_equal(&o2, &odcid));
    assert_true(quic_cid_equal(&r2, &rscid));
    /* another port */
    assert_int_equal(quic_token_check(&t, tok, (size_t)n, addr2, 8, 6000000, 10000000, &o2, &r2),
                     QUIC_TOKEN_ERR_INVALID);
    /* too old, or from the future */
    assert_int_equal(quic_token_check(&t, tok, (size_t)n, addr, 8, 16000001, 10000000, &o2, &r2),
                     QUIC_TOKEN_ERR_EXPIRED);
    assert_int_equal(quic_token_check(&t, tok, (size_t)n, addr, 8, 4000000, 10000000, &o2, &r2),
                     QUIC_TOKEN_ERR_EXPIRED);
    /* another server's key */
    assert_int_equal(quic_token_check(&t2, tok, (size_t)n, addr, 8, 6000000, 10000000, &o2, &r2),
                     QUIC_TOKEN_ERR_INVALID);
    /* every single-bit change is refused */
    for (int i = 0; i < n * 8; i++) {
        tok[i / 8] ^= (uint8_t)(1 << (i % 8));
        int rc = quic_token_check(&t, tok, (size_t)n, addr, 8, 6000000, 10000000, &o2, &r2);
        tok[i / 8] ^= (uint8_t)(1 << (i % 8));
        assert_int_not_equal(rc, 0);
    }
    /* truncated and empty */
    assert_int_equal(quic_token_check(&t, tok, 5, addr, 8, 6000000, 10000000, &o2, &r2),
                     QUIC_TOKEN_ERR_INVALID);
    assert_int_equal(quic_token_check(&t, tok, 0, addr, 8, 6000000, 10000000, &o2, &r2),
                     QUIC_TOKEN_ERR_INVALID);
    quic_token_ctx_free(&t);
    quic_token_ctx_free(&t2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_token)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
