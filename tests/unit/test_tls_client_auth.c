/* Client authentication (RFC 8446 §4.3.2, §4.4.2.4): a server asks with a
 * CertificateRequest; the client answers with its chain and a
 * CertificateVerify, or with an empty Certificate. Certificates are made at
 * test time. */
#include "common/tu.h"
#include "crypto/cx_certgen.h"
#include "crypto/cx_sig.h"
#include "crypto/cx_x509.h"
#include "crypto/tls.h"
#include "crypto/tls_msg.h"
#include "crypto/tls_pair.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct {
    char *ca_cert, *ca_key;
    cx_x509_trust *trust;
    cx_x509_chain *server, *client_ec, *client_p384, *client_rsa, *client_ed, *client_serverauth, *rogue;
} g;

static cx_x509_chain *leaf(cx_keytype kt, bool client, bool signed_by_ca)
{
    char *c, *k;
    size_t cl, kl;
    cx_x509_chain *ch = NULL;
    cx_certgen_opts o = {.key_type = kt, .host = "quince.test", .now = time(NULL),
                         .not_before_offset = -60, .client = client};
    if (signed_by_ca) {
        o.issuer_cert_pem = g.ca_cert;
        o.issuer_key_pem = g.ca_key;
    }
    if (cx_certgen(&o, NULL, &c, &cl, &k, &kl))
        return NULL;
    cx_x509_chain_from_pem(c, cl, k, kl, NULL, &ch);
    qb_free(NULL, c);
    qb_free(NULL, k);
    return ch;
}

static int setup(void **state)
{
    (void)state;
    size_t cl, kl;
    cx_certgen_opts o = {.common_name = "auth CA", .now = time(NULL), .not_before_offset = -60,
                         .is_ca = true};
    if (cx_certgen(&o, NULL, &g.ca_cert, &cl, &g.ca_key, &kl) ||
        cx_x509_trust_from_pem(g.ca_cert, cl, &g.trust))
        return -1;
    g.server = leaf(CX_KEY_EC_P256, false, true);
    g.client_ec = leaf(CX_KEY_EC_P256, true, true);
    g.client_p384 = leaf(CX_KEY_EC_P384, true, true);
    g.client_rsa = leaf(CX_KEY_RSA2048, true, true);
    g.client_ed = leaf(CX_KEY_ED25519, true, true);
    g.client_serverauth = leaf(CX_KEY_EC_P256, false, true);
    g.rogue = leaf(CX_KEY_EC_P256, true, false);
    return g.server && g.client_ec && g.client_p384 && g.client_rsa && g.client_ed && g.client_serverauth && g.rogue
               ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    cx_x509_chain *all[] = {g.server, g.client_ec, g.client_p384, g.client_rsa, g.client_ed,
                            g.client_serverauth, g.rogue};
    for (size_t i = 0; i < 7; i++)
        cx_x509_chain_free(all[i]);
    cx_x509_trust_free(g.trust);
    qb_free(NULL, g.ca_cert);
    qb_free(NULL, g.ca_key);
    return 0;
}

typedef struct run {
    tls_conn *c, *s;
    int rc;
} run;

static run handshake(const cx_x509_chain *client_chain, bool require, tls_pair_filter f, void *ud)
{
    static const uint8_t tp[] = {0x01, 0x02, 0x40, 0x64};
    static tls_config cc, sc; /* must outlive the connections */
    run r;
    tls_config_init(&cc, TLS_ROLE_CLIENT);
    cc.alpn[0] = "h3";
    cc.alpn_count = 1;
    cc.server_name = "quince.test";
    cc.trust = g.trust;
    cc.chain = client_chain;
    tls_config_init(&sc, TLS_ROLE_SERVER);
    sc.alpn[0] = "h3";
    sc.alpn_count = 1;
    sc.chain = g.server;
    sc.trust = g.trust;
    sc.request_client_cert = true;
    sc.require_client_cert = require;
    r.c = tls_conn_new(&cc, tp, sizeof tp);
    r.s = tls_conn_new(&sc, tp, sizeof tp);
    assert_non_null(r.c);
    assert_non_null(r.s);
    r.rc = tls_pair_run(r.c, r.s, f, ud);
    return r;
}

static void done(run *r)
{
    tls_conn_free(r->c);
    tls_conn_free(r->s);
}

static void test_client_certificates(void **state)
{
    (void)state;
    const cx_x509_chain *chains[] = {g.client_ec, g.client_p384, g.client_rsa, g.client_ed};
    for (size_t i = 0; i < 4; i++) {
        run r = handshake(chains[i], true, NULL, NULL);
        if (r.rc)
            fail_msg("chain %zu: client %s server %s", i, tls_conn_reason(r.c), tls_conn_reason(r.s));
        assert_true(tls_conn_peer_authenticated(r.s));
        assert_false(tls_conn_peer_authenticated(r.c));
        done(&r);
    }
}

static void test_no_client_certificate(void **state)
{
    (void)state;
    run r = handshake(NULL, false, NULL, NULL);
    assert_int_equal(r.rc, 0);
    assert_false(tls_conn_peer_authenticated(r.s));
    done(&r);
    r = handshake(NULL, true, NULL, NULL);
    assert_int_equal(r.rc, TLS_ERR_ALERT(TLS_ALERT_CERTIFICATE_REQUIRED));
    assert_int_equal(tls_conn_alert(r.s), TLS_ALERT_CERTIFICATE_REQUIRED);
    done(&r);
}

static void test_bad_client_certificates(void **state)
{
    (void)state;
    run r = handshake(g.rogue, false, NULL, NULL);
    assert_int_equal(tls_conn_alert(r.s), TLS_ALERT_UNKNOWN_CA);
    done(&r);
    /* a certificate for servers only (EKU serverAuth) */
    r = handshake(g.client_serverauth, false, NULL, NULL);
    assert_int_equal(tls_conn_alert(r.s), TLS_ALERT_CERTIFICATE_UNKNOWN);
    done(&r);
}

/* Flip a byte of the client's CertificateVerify signature. */
static int tamper_client_cv(void *ud, tls_role from, tls_level level, uint8_t *buf, size_t *len,
                            size_t cap)
{
    size_t off = 0;
    int *hits = ud;
    if (from != TLS_ROLE_CLIENT || level != TLS_LEVEL_HANDSHAKE)
        return 0;
    while (off + 4 <= *len) {
        size_t ml = ((size_t)buf[off + 1] << 16) | ((size_t)buf[off + 2] << 8) | buf[off + 3];
        if (buf[off] == TLS_HS_CERTIFICATE_VERIFY) {
            buf[off + 4 + ml - 3] ^= 0x40;
            (*hits)++;
        }
        off += 4 + ml;
    }
    return 0;
}

static void test_tampered_client_verify(void **state)
{
    (void)state;
    int hits = 0;
    run r = handshake(g.client_ec, false, tamper_client_cv, &hits);
    assert_int_equal(hits, 1);
    assert_int_equal(tls_conn_alert(r.s), TLS_ALERT_DECRYPT_ERROR);
    done(&r);
}

/* A server that requires a certificate needs trust anchors. */
static void test_config(void **state)
{
    (void)state;
    tls_config sc;
    tls_config_init(&sc, TLS_ROLE_SERVER);
    sc.alpn[0] = "h3";
    sc.alpn_count = 1;
    sc.chain = g.server;
    sc.request_client_cert = true;
    assert_null(tls_conn_new(&sc, NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_certificates),
        cmocka_unit_test(test_no_client_certificate),
        cmocka_unit_test(test_bad_client_certificates),
        cmocka_unit_test(test_tampered_client_verify),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
