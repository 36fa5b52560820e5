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

/* An RNG stuck on one output (a broken or badly seeded source). */
static int stuck_random(void *ud, uint8_t *out, size_t n)
{
    (void)ud;
    memset(out, 0x5a, n);
    return 0;
}

static const uint8_t ADDR[] = "\x02\x00\x1f\x90\x7f\x00\x00\x01";

static int make(quic_token_ctx *t, uint64_t now, uint8_t tok[QUIC_TOKEN_MAX])
{
    quic_cid odcid, rscid;
    quic_cid_set(&odcid, (const uint8_t *)"odcid-01", 8);
    quic_cid_set(&rscid, (const uint8_t *)"rscid-01", 8);
    int n = quic_token_make(t, ADDR, 8, &odcid, &rscid, now, tok);
    assert_true(n > 0 && n <= QUIC_TOKEN_MAX);
    return n;
}

static int check(quic_token_ctx *t, const uint8_t *tok, int n, uint64_t now)
{
    quic_cid o, r;
    return quic_token_check(t, tok, (size_t)n, ADDR, 8, now, UINT64_MAX / 2, &o, &r);
}

/* The AEAD nonce of a token never repeats under one key, even when the RNG
 * does: two tokens of the same content at the same time differ, in their
 * nonce field and as a whole (with a repeated nonce, AES-GCM leaks the XOR of
 * the plaintexts and its authentication key). */
static void test_token_nonce_unique_with_stuck_rng(void **state)
{
    (void)state;
    uint8_t key[32] = {9};
    quic_token_ctx t;
    assert_int_equal(quic_token_ctx_init(&t, NULL, key, stuck_random, NULL), 0);
    enum { N = 4096 };
    static uint8_t toks[N][QUIC_TOKEN_MAX];
    int len[N];
    for (int i = 0; i < N; i++) {
        len[i] = make(&t, 1000000, toks[i]);
        assert_int_equal(check(&t, toks[i], len[i], 1000000), 0);
    }
    /* Neighbours first (a counter), then a sample of all pairs. */
    for (int i = 1; i < N; i++) {
        assert_int_equal(len[i], len[0]);
        assert_memory_not_equal(toks[i] + 1, toks[i - 1] + 1, 13); /* key id and nonce */
    }
    for (int i = 0; i < N; i += 61)
        for (int j = i + 1; j < N; j++)
            assert_memory_not_equal(toks[i] + 1, toks[j] + 1, 13);
    quic_token_ctx_free(&t);
}

/* RFC 9000 §8.1.4 tokens under a rotating key: one made just before a
 * rotation still validates (the previous key is kept), one made two
 * rotations ago does not, even when its age would allow it. */
static void test_token_valid_across_one_rotation_not_two(void **state)
{
    (void)state;
    uint8_t key[32] = {9};
    quic_token_ctx t;
    assert_int_equal(quic_token_ctx_init(&t, NULL, key, NULL, NULL), 0);
    uint8_t a[QUIC_TOKEN_MAX], b[QUIC_TOKEN_MAX];
    int na = make(&t, 1000000, a);
    assert_int_equal(quic_token_rotate(&t, 2000000), 0);
    int nb = make(&t, 2000000, b);
    assert_int_equal(check(&t, a, na, 3000000), 0);
    assert_int_equal(check(&t, b, nb, 3000000), 0);
    assert_int_equal(quic_token_rotate(&t, 4000000), 0);
    assert_int_equal(check(&t, a, na, 5000000), QUIC_TOKEN_ERR_INVALID);
    assert_int_equal(check(&t, b, nb, 5000000), 0);
    /* a tampered token under the previous key is refused too */
    for (int i = 0; i < nb * 8; i++) {
        b[i / 8] ^= (uint8_t)(1 << (i % 8));
        int rc = check(&t, b, nb, 5000000);
        b[i / 8] ^= (uint8_t)(1 << (i % 8));
        assert_int_not_equal(rc, 0);
    }
    quic_token_ctx_free(&t);
}

/* The key rotates by itself every rotate_us, so a token outlives at most
 * two key lifetimes; and after max_per_key tokens. */
static void test_token_key_rotates_with_time_and_use(void **state)
{
    (void)state;
    uint8_t key[32] = {9};
    quic_token_ctx t;
    assert_int_equal(quic_token_ctx_init(&t, NULL, key, NULL, NULL), 0);
    t.rotate_us = 10000000;
    uint8_t a[QUIC_TOKEN_MAX], b[QUIC_TOKEN_MAX];
    int na = make(&t, 1000000, a);
    uint8_t id = a[1];
    make(&t, 10999999, b);
    assert_int_equal(b[1], id); /* same key until rotate_us has passed */
    make(&t, 11000000, b);
    assert_int_not_equal(b[1], id);
    assert_int_equal(check(&t, a, na, 12000000), 0);
    make(&t, 21000000, b);
    assert_int_equal(check(&t, a, na, 21000000), QUIC_TOKEN_ERR_INVALID);
    /* by use */
    t.max_per_key = 3;
    uint8_t ids[7];
    for (int i = 0; i < 7; i++) {
        make(&t, 21000001, b);
        ids[i] = b[1];
    }
    assert_int_equal(ids[0], ids[1]);
    assert_int_not_equal(ids[1], ids[2]); /* the key made at 21 s sealed one before */
    assert_int_equal(ids[2], ids[4]);
    assert_int_not_equal(ids[4], ids[5]);
    quic_token_ctx_free(&t);
}

/* A new key is a new key even when the RNG repeats: the first tokens of two
 * generations (counter 0 both) have different nonces. */
static void test_token_keys_differ_with_stuck_rng(void **state)
{
    (void)state;
    uint8_t key[32] = {9};
    quic_token_ctx t;
    assert_int_equal(quic_token_ctx_init(&t, NULL, key, stuck_random, NULL), 0);
    uint8_t a[QUIC_TOKEN_MAX], b[QUIC_TOKEN_MAX];
    int na = make(&t, 1000000, a);
    assert_int_equal(quic_token_rotate(&t, 1000000), 0);
    int nb = make(&t, 1000000, b);
    assert_int_equal(na, nb);
    assert_memory_not_equal(a + 2, b + 2, 12);
    assert_memory_not_equal(a + 14, b + 14, (size_t)na - 14);
    quic_token_ctx_free(&t);
}

/* RFC 9000 §8.1.3: a NEW_TOKEN token is told apart from a Retry token, is
 * bound to the address, and expires. */
static void test_new_token_kind_address_and_expiry(void **state)
{
    (void)state;
    uint8_t key[32] = {7};
    quic_token_ctx t;
    quic_cid o, r;
    const uint8_t ip[] = {127, 0, 0, 1}, ip2[] = {127, 0, 0, 2};
    uint8_t tok[QUIC_TOKEN_MAX];
    uint64_t day = 86400ull * 1000000;
    assert_int_equal(quic_token_ctx_init(&t, NULL, key, NULL, NULL), 0);
    t.rotate_us = day;
    int n = quic_token_new_make(&t, ip, 4, 1000000, tok);
    assert_true(n > 0 && tok[0] == 'n');
    assert_int_equal(quic_token_new_check(&t, tok, (size_t)n, ip, 4, 1000000 + day / 2, day), 0);
    assert_int_equal(quic_token_new_check(&t, tok, (size_t)n, ip2, 4, 2000000, day),
                     QUIC_TOKEN_ERR_INVALID);
    assert_int_equal(quic_token_new_check(&t, tok, (size_t)n, ip, 4, 1000001 + day, day),
                     QUIC_TOKEN_ERR_EXPIRED);
    /* not a Retry token, even with the magic changed: the magic is authenticated */
    assert_int_equal(quic_token_check(&t, tok, (size_t)n, ip, 4, 2000000, day, &o, &r),
                     QUIC_TOKEN_ERR_INVALID);
    tok[0] = 'q';
    assert_int_equal(quic_token_check(&t, tok, (size_t)n, ip, 4, 2000000, day, &o, &r),
                     QUIC_TOKEN_ERR_INVALID);
    /* and a Retry token is not a NEW_TOKEN token */
    quic_cid_set(&o, (const uint8_t *)"odcid678", 8);
    n = quic_token_make(&t, ip, 4, &o, &o, 2000000, tok);
    assert_int_equal(quic_token_new_check(&t, tok, (size_t)n, ip, 4, 2000000, day),
                     QUIC_TOKEN_ERR_INVALID);
    tok[0] = 'n';
    assert_int_equal(quic_token_new_check(&t, tok, (size_t)n, ip, 4, 2000000, day),
                     QUIC_TOKEN_ERR_INVALID);
    quic_token_ctx_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token),
        cmocka_unit_test(test_new_token_kind_address_and_expiry),
        cmocka_unit_test(test_token_nonce_unique_with_stuck_rng),
        cmocka_unit_test(test_token_valid_across_one_rotation_not_two),
        cmocka_unit_test(test_token_key_rotates_with_time_and_use),
        cmocka_unit_test(test_token_keys_differ_with_stuck_rng),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
