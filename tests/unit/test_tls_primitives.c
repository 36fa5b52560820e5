/* Key exchange and signature wrappers under the TLS engine: RFC 7748 §6.1
 * x25519 known answer, P-256 keys from scalars 1 and 2 (1*G is the curve's
 * generator, SEC 2 §2.4.2), invalid peer points, all the CertificateVerify
 * schemes, alert names and error mapping. */
#include "common/tu.h"
#include "crypto/cx_certgen.h"
#include "crypto/cx_hash.h"
#include "crypto/cx_kex.h"
#include "crypto/cx_sig.h"
#include "crypto/tls.h"

#include <string.h>
#include <time.h>

static void test_x25519_rfc7748(void **state)
{
    (void)state;
    uint8_t a[32], bpub[32], want[32], s[32], pub[65];
    size_t n;
    cx_kex *k;
    tu_hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", a, 32);
    tu_hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", bpub, 32);
    tu_hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", want, 32);
    assert_int_equal(cx_kex_new(CX_GROUP_X25519, a, &k), 0);
    assert_int_equal(cx_kex_group(k), CX_GROUP_X25519);
    assert_int_equal(cx_kex_public(k, pub, sizeof pub, &n), 0);
    tu_hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", want, 32);
    assert_memory_equal(pub, want, 32);
    assert_int_equal(cx_kex_derive(k, bpub, 32, s, sizeof s, &n), 0);
    tu_hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", want, 32);
    assert_int_equal(n, 32);
    assert_memory_equal(s, want, 32);
    /* RFC 7748 §6.1 / RFC 8446 §7.4.2: a small-order point gives zero: refused */
    uint8_t zero[32] = {0};
    assert_true(cx_kex_derive(k, zero, 32, s, sizeof s, &n) < 0);
    assert_int_equal(cx_kex_derive(k, bpub, 31, s, sizeof s, &n), CX_KEX_ERR_PEER);
    cx_kex_free(k);
}

static void test_p256(void **state)
{
    (void)state;
    uint8_t one[32] = {0}, two[32] = {0}, g[65], pub1[65], pub2[65], s[32];
    size_t n;
    cx_kex *k1, *k2;
    one[31] = 1;
    two[31] = 2;
    tu_hex("04 6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296"
           "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5", g, sizeof g);
    assert_int_equal(cx_kex_new(CX_GROUP_SECP256R1, one, &k1), 0);
    assert_int_equal(cx_kex_new(CX_GROUP_SECP256R1, two, &k2), 0);
    assert_int_equal(cx_kex_group(k1), CX_GROUP_SECP256R1);
    assert_int_equal(cx_kex_public(k1, pub1, sizeof pub1, &n), 0);
    assert_int_equal(n, 65);
    assert_memory_equal(pub1, g, 65);
    assert_int_equal(cx_kex_public(k2, pub2, sizeof pub2, &n), 0);
    /* 1 * (2G) = 2G: the shared secret is its x coordinate (RFC 8446 §7.4.1) */
    assert_int_equal(cx_kex_derive(k1, pub2, 65, s, sizeof s, &n), 0);
    assert_int_equal(n, 32);
    assert_memory_equal(s, pub2 + 1, 32);
    assert_int_equal(cx_kex_derive(k2, pub1, 65, s, sizeof s, &n), 0);
    assert_memory_equal(s, pub2 + 1, 32);
    /* a point off the curve, a compressed point, a bad length */
    uint8_t bad[65];
    memcpy(bad, g, 65);
    bad[64] ^= 1;
    assert_int_equal(cx_kex_derive(k1, bad, 65, s, sizeof s, &n), CX_KEX_ERR_PEER);
    bad[0] = 0x02;
    assert_int_equal(cx_kex_derive(k1, bad, 65, s, sizeof s, &n), CX_KEX_ERR_PEER);
    assert_int_equal(cx_kex_derive(k1, g, 33, s, sizeof s, &n), CX_KEX_ERR_PEER);
    /* scalars 0 and >= n are not keys */
    uint8_t zero[32] = {0}, big[32];
    memset(big, 0xff, 32);
    cx_kex *k;
    assert_int_equal(cx_kex_new(CX_GROUP_SECP256R1, zero, &k), CX_KEX_ERR_PRIV);
    assert_int_equal(cx_kex_new(CX_GROUP_SECP256R1, big, &k), CX_KEX_ERR_PRIV);
    assert_int_equal(cx_kex_new(0x11EC, one, &k), CX_KEX_ERR_GROUP);
    assert_int_equal(cx_kex_share_len(0x11EC), 0);
    cx_kex_free(k1);
    cx_kex_free(k2);
}

/* secp384r1 (RFC 8446 §4.2.7, §4.2.8.2): scalar 1 gives the generator of
 * SEC 2 §2.5.1, 1 * (2G) = 2G, 97-byte shares, a 48-byte secret; bad points
 * and scalars are refused. */
static void test_p384(void **state)
{
    (void)state;
    uint8_t one[48] = {0}, two[48] = {0}, g[97], pub1[97], pub2[97], s[48];
    size_t n;
    cx_kex *k1, *k2;
    one[47] = 1;
    two[47] = 2;
    tu_hex("04 AA87CA22BE8B05378EB1C71EF320AD746E1D3B628BA79B9859F741E082542A38"
           "5502F25DBF55296C3A545E3872760AB7"
           "3617DE4A96262C6F5D9E98BF9292DC29F8F41DBD289A147CE9DA3113B5F0B8C0"
           "0A60B1CE1D7E819D7A431D7C90EA0E5F", g, sizeof g);
    assert_int_equal(cx_kex_supported(CX_GROUP_SECP384R1), 1);
    assert_int_equal(cx_kex_share_len(CX_GROUP_SECP384R1), 97);
    assert_int_equal(cx_kex_priv_len(CX_GROUP_SECP384R1), 48);
    assert_int_equal(cx_kex_new(CX_GROUP_SECP384R1, one, &k1), 0);
    assert_int_equal(cx_kex_new(CX_GROUP_SECP384R1, two, &k2), 0);
    assert_int_equal(cx_kex_group(k1), CX_GROUP_SECP384R1);
    assert_int_equal(cx_kex_public(k1, pub1, sizeof pub1, &n), 0);
    assert_int_equal(n, 97);
    assert_memory_equal(pub1, g, 97);
    assert_int_equal(cx_kex_public(k2, pub2, sizeof pub2, &n), 0);
    assert_int_equal(cx_kex_public(k2, pub2, 65, &n), CX_ERR_ARG); /* too small */
    assert_int_equal(cx_kex_derive(k1, pub2, 97, s, sizeof s, &n), 0);
    assert_int_equal(n, 48);
    assert_memory_equal(s, pub2 + 1, 48);
    assert_int_equal(cx_kex_derive(k2, pub1, 97, s, sizeof s, &n), 0);
    assert_memory_equal(s, pub2 + 1, 48);
    /* a point off the curve, compressed, a P-256-sized share */
    uint8_t bad[97];
    memcpy(bad, g, 97);
    bad[96] ^= 1;
    assert_int_equal(cx_kex_derive(k1, bad, 97, s, sizeof s, &n), CX_KEX_ERR_PEER);
    bad[0] = 0x03;
    assert_int_equal(cx_kex_derive(k1, bad, 97, s, sizeof s, &n), CX_KEX_ERR_PEER);
    assert_int_equal(cx_kex_derive(k1, g, 65, s, sizeof s, &n), CX_KEX_ERR_PEER);
    /* scalars 0 and >= n */
    uint8_t zero[48] = {0}, big[48];
    memset(big, 0xff, 48);
    cx_kex *k;
    assert_int_equal(cx_kex_new(CX_GROUP_SECP384R1, zero, &k), CX_KEX_ERR_PRIV);
    assert_int_equal(cx_kex_new(CX_GROUP_SECP384R1, big, &k), CX_KEX_ERR_PRIV);
    /* a P-256 key and a P-384 share do not mix */
    uint8_t one32[32] = {0};
    one32[31] = 1;
    assert_int_equal(cx_kex_new(CX_GROUP_SECP256R1, one32, &k), 0);
    assert_int_equal(cx_kex_derive(k, g, 97, s, sizeof s, &n), CX_KEX_ERR_PEER);
    cx_kex_free(k);
    cx_kex_free(k1);
    cx_kex_free(k2);
}

static void test_signatures(void **state)
{
    (void)state;
    static const struct {
        cx_keytype kt;
        uint16_t schemes[3];
    } cases[] = {
        {CX_KEY_EC_P256, {CX_SIG_ECDSA_SECP256R1_SHA256, 0, 0}},
        {CX_KEY_EC_P384, {CX_SIG_ECDSA_SECP384R1_SHA384, 0, 0}},
        {CX_KEY_RSA2048, {CX_SIG_RSA_PSS_RSAE_SHA256, CX_SIG_RSA_PSS_RSAE_SHA384, CX_SIG_RSA_PSS_RSAE_SHA512}},
        {CX_KEY_ED25519, {CX_SIG_ED25519, 0, 0}},
    };
    static const uint16_t all[] = {CX_SIG_ECDSA_SECP256R1_SHA256, CX_SIG_ECDSA_SECP384R1_SHA384,
                                   CX_SIG_RSA_PSS_RSAE_SHA256, CX_SIG_ED25519};
    const uint8_t msg[] = "TLS 1.3, server CertificateVerify";
    for (size_t i = 0; i < 4; i++) {
        char *cert, *key;
        size_t cl, kl;
        cx_certgen_opts o = {.key_type = cases[i].kt, .now = time(NULL)};
        assert_int_equal(cx_certgen(&o, NULL, &cert, &cl, &key, &kl), 0);
        cx_pkey *priv;
        assert_int_equal(cx_pkey_from_pem(key, kl, &priv), 0);
        for (int j = 0; j < 3 && cases[i].schemes[j]; j++) {
            uint16_t s = cases[i].schemes[j];
            uint8_t sig[CX_SIG_MAX];
            size_t n;
            assert_true(cx_sig_scheme_fits(s, priv));
            assert_int_equal(cx_sig_sign(s, priv, msg, sizeof msg, sig, sizeof sig, &n), 0);
            assert_int_equal(cx_sig_verify(s, priv, msg, sizeof msg, sig, n), 0);
            sig[n / 2] ^= 0x10;
            assert_int_equal(cx_sig_verify(s, priv, msg, sizeof msg, sig, n), CX_SIG_ERR_BAD);
            sig[n / 2] ^= 0x10;
            assert_int_equal(cx_sig_verify(s, priv, msg, sizeof msg - 1, sig, n), CX_SIG_ERR_BAD);
            assert_int_equal(cx_sig_sign(s, priv, msg, sizeof msg, sig, 8, &n), CX_SIG_ERR_SPACE);
        }
        /* a scheme of another key type does not fit */
        for (size_t j = 0; j < 4; j++)
            if (j != i)
                assert_false(cx_sig_scheme_fits(all[j], priv));
        assert_int_equal(cx_sig_verify(0x0401 /* rsa_pkcs1: not in TLS 1.3 CV */, priv, msg, 1,
                                       msg, 1), CX_SIG_ERR_SCHEME);
        cx_pkey_free(priv);
        qb_free(NULL, cert);
        qb_free(NULL, key);
    }
}

static void test_alerts(void **state)
{
    (void)state;
    assert_string_equal(tls_alert_str(120), "no_application_protocol");
    assert_string_equal(tls_alert_str(109), "missing_extension");
    assert_string_equal(tls_alert_str(10), "unexpected_message");
    assert_string_equal(tls_alert_str(200), "unknown_alert");
    assert_int_equal(tls_err_alert(TLS_ERR_NO_ALPN), 120);
    assert_int_equal(tls_err_alert(TLS_ERR_DECODE), 50);
    assert_int_equal(tls_err_alert(TLS_ERR_ALERT(255)), 255);
    assert_int_equal(tls_err_alert(TLS_ERR_STATE), 80);
    assert_int_equal(tls_err_alert(-1), 80);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_x25519_rfc7748),
        cmocka_unit_test(test_p256),
        cmocka_unit_test(test_p384),
        cmocka_unit_test(test_signatures),
        cmocka_unit_test(test_alerts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
