/* The trust object's cache of parsed chains: the same DER verified again is
 * not parsed again, yet every check that depends on the moment, the host
 * name or the chain still runs; other DER is parsed anew; the cache keeps at
 * most CX_X509_CACHE_MAX chains, least recently used out first. */
#include "common/tu.h"
#include "crypto/cx_certgen.h"
#include "crypto/cx_x509.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define NCERT (CX_X509_CACHE_MAX + 2)

static int64_t now;
static char *pem[NCERT], *key[NCERT], *ca_pem, *ca_key, *leaf_pem, *leaf_key;
static cx_x509_chain *ch[NCERT], *chained; /* chained: leaf + CA */
static char all[NCERT * 4096];

static int setup(void **state)
{
    (void)state;
    size_t l1, l2;
    now = time(NULL);
    for (int i = 0; i < NCERT; i++) {
        char host[32];
        snprintf(host, sizeof host, "h%d.test", i);
        cx_certgen_opts o = {.host = host, .now = now, .not_before_offset = -60};
        if (cx_certgen(&o, NULL, &pem[i], &l1, &key[i], &l2) ||
            cx_x509_chain_from_pem(pem[i], l1, key[i], l2, NULL, &ch[i]) ||
            strlen(all) + l1 >= sizeof all)
            return -1;
        strcat(all, pem[i]);
    }
    cx_certgen_opts ca = {.common_name = "cache CA", .now = now, .not_before_offset = -60,
                          .is_ca = true, .days = 30};
    if (cx_certgen(&ca, NULL, &ca_pem, &l1, &ca_key, &l2))
        return -1;
    cx_certgen_opts leaf = {.host = "h0.test", .now = now, .not_before_offset = -60,
                            .issuer_cert_pem = ca_pem, .issuer_key_pem = ca_key};
    if (cx_certgen(&leaf, NULL, &leaf_pem, &l1, &leaf_key, &l2))
        return -1;
    char both[8192];
    snprintf(both, sizeof both, "%s%s", leaf_pem, ca_pem);
    return cx_x509_chain_from_pem(both, strlen(both), leaf_key, strlen(leaf_key), NULL, &chained);
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < NCERT; i++) {
        cx_x509_chain_free(ch[i]);
        qb_free(NULL, pem[i]);
        qb_free(NULL, key[i]);
    }
    cx_x509_chain_free(chained);
    qb_free(NULL, ca_pem);
    qb_free(NULL, ca_key);
    qb_free(NULL, leaf_pem);
    qb_free(NULL, leaf_key);
    return 0;
}

static int verify(const cx_x509_trust *t, const cx_x509_chain *c, const char *host, int64_t at,
                  cx_pkey **pub)
{
    const uint8_t *der[CX_X509_MAX_CHAIN];
    size_t len[CX_X509_MAX_CHAIN], n = cx_x509_chain_count(c);
    const char *why;
    for (size_t i = 0; i < n; i++)
        cx_x509_chain_cert(c, i, &der[i], &len[i]);
    return cx_x509_verify(t, der, len, n, host, at, pub, &why);
}

static cx_x509_trust *trust_all(void)
{
    cx_x509_trust *t;
    assert_int_equal(cx_x509_trust_from_pem(all, strlen(all), &t), 0);
    return t;
}

static void test_second_verification_of_same_der_parses_nothing(void **state)
{
    (void)state;
    cx_x509_trust *t = trust_all();
    cx_pkey *k1, *k2;
    assert_int_equal(verify(t, ch[0], "h0.test", 0, &k1), 0);
    size_t parses = cx_x509_trust_parses(t);
    assert_int_equal(parses, 1);
    assert_int_equal(verify(t, ch[0], "h0.test", 0, &k2), 0);
    assert_int_equal(cx_x509_trust_parses(t), parses);
    /* the cached leaf still gives its public key, each caller its own reference */
    assert_non_null(k1);
    assert_non_null(k2);
    assert_true(cx_sig_scheme_fits(CX_SIG_ECDSA_SECP256R1_SHA256, k2));
    cx_pkey_free(k1);
    assert_true(cx_sig_scheme_fits(CX_SIG_ECDSA_SECP256R1_SHA256, k2));
    cx_pkey_free(k2);
    cx_x509_trust_free(t);
}

/* RFC 9525 §6.3 and RFC 5280 §4.1.2.5 checks are not cached with the parse. */
static void test_cached_cert_still_checked_for_name_and_time(void **state)
{
    (void)state;
    cx_x509_trust *t = trust_all();
    cx_pkey *k = (cx_pkey *)&k;
    assert_int_equal(verify(t, ch[0], "h0.test", 0, NULL), 0);
    size_t parses = cx_x509_trust_parses(t);
    assert_int_equal(verify(t, ch[0], "h1.test", 0, &k), CX_X509_ERR_NAME);
    assert_null(k);
    assert_int_equal(verify(t, ch[0], "h0.test", now + 15 * 86400, NULL), CX_X509_ERR_EXPIRED);
    assert_int_equal(verify(t, ch[0], "h0.test", now - 86400, NULL), CX_X509_ERR_EXPIRED);
    assert_int_equal(cx_x509_trust_parses(t), parses); /* all three were cache hits */
    assert_int_equal(verify(t, ch[0], "h0.test", 0, NULL), 0);
    cx_x509_trust_free(t);

    /* a cached chain is still checked against the trust anchors of the object
     * that holds it: another trust object (its own cache) does not know h0 */
    cx_x509_trust *other;
    assert_int_equal(cx_x509_trust_from_pem(pem[1], strlen(pem[1]), &other), 0);
    assert_int_equal(verify(other, ch[0], "h0.test", 0, NULL), CX_X509_ERR_UNKNOWN_CA);
    cx_x509_trust_free(other);
}

static void test_different_der_parsed_anew(void **state)
{
    (void)state;
    cx_x509_trust *t = trust_all(), *cat;
    assert_int_equal(verify(t, ch[0], "h0.test", 0, NULL), 0);
    assert_int_equal(verify(t, ch[1], "h1.test", 0, NULL), 0);
    assert_int_equal(cx_x509_trust_parses(t), 2);
    assert_int_equal(verify(t, ch[1], "h0.test", 0, NULL), CX_X509_ERR_NAME);
    assert_int_equal(cx_x509_trust_parses(t), 2);
    cx_x509_trust_free(t);

    /* a chain is keyed by all its certificates: the leaf alone differs from
     * the leaf with its CA */
    assert_int_equal(cx_x509_trust_from_pem(ca_pem, strlen(ca_pem), &cat), 0);
    assert_int_equal(verify(cat, chained, "h0.test", 0, NULL), 0);
    assert_int_equal(cx_x509_trust_parses(cat), 2);
    const uint8_t *der;
    size_t len;
    const char *why;
    cx_x509_chain_cert(chained, 0, &der, &len);
    assert_int_equal(cx_x509_verify(cat, &der, &len, 1, "h0.test", 0, NULL, &why), 0);
    assert_int_equal(cx_x509_trust_parses(cat), 3);
    assert_int_equal(verify(cat, chained, "h0.test", 0, NULL), 0);
    assert_int_equal(cx_x509_trust_parses(cat), 3);
    cx_x509_trust_free(cat);
}

static void test_cache_bounded_least_recently_used_out(void **state)
{
    (void)state;
    cx_x509_trust *t = trust_all();
    for (int i = 0; i < NCERT; i++) {
        char host[32];
        snprintf(host, sizeof host, "h%d.test", i);
        assert_int_equal(verify(t, ch[i], host, 0, NULL), 0);
        assert_true(cx_x509_trust_cached(t) <= CX_X509_CACHE_MAX);
    }
    assert_int_equal(cx_x509_trust_cached(t), CX_X509_CACHE_MAX);
    assert_int_equal(cx_x509_trust_parses(t), NCERT);
    /* the newest are still there; h0 and h1 were pushed out */
    assert_int_equal(verify(t, ch[NCERT - 1], NULL, 0, NULL), 0);
    assert_int_equal(cx_x509_trust_parses(t), NCERT);
    assert_int_equal(verify(t, ch[0], NULL, 0, NULL), 0);
    assert_int_equal(cx_x509_trust_parses(t), NCERT + 1);
    assert_int_equal(cx_x509_trust_cached(t), CX_X509_CACHE_MAX);
    cx_x509_trust_free(t); /* frees the cached chains (ASan: no leak) */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_second_verification_of_same_der_parses_nothing),
        cmocka_unit_test(test_cached_cert_still_checked_for_name_and_time),
        cmocka_unit_test(test_different_der_parsed_anew),
        cmocka_unit_test(test_cache_bounded_least_recently_used_out),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
