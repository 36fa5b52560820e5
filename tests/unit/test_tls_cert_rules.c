/* Certificate rules of a handshake beyond chain validity: a leaf's keyUsage
 * must allow signing (RFC 8446 §4.4.2.2, §4.4.2.3), the server's name is a
 * DNS-ID or IP-ID of its subjectAltName and never its subject CN (RFC 9525
 * §6.3, §6.4), and a client that verifies needs a name to verify against.
 * Certificates are made at test time, signed by one test CA. */
#include "common/tu.h"
#include "crypto/cx_certgen.h"
#include "crypto/cx_x509.h"
#include "crypto/tls.h"
#include "crypto/tls_pair.h"

#include <string.h>
#include <time.h>

static struct {
    char *ca_cert, *ca_key;
    cx_x509_trust *trust;
} g;

static const uint8_t TP[] = {0x01, 0x02, 0x40, 0x64};

static int setup(void **state)
{
    (void)state;
    size_t cl, kl;
    cx_certgen_opts o = {.common_name = "rules CA", .now = time(NULL), .not_before_offset = -60,
                         .is_ca = true};
    if (cx_certgen(&o, NULL, &g.ca_cert, &cl, &g.ca_key, &kl) ||
        cx_x509_trust_from_pem(g.ca_cert, cl, &g.trust))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cx_x509_trust_free(g.trust);
    qb_free(NULL, g.ca_cert);
    qb_free(NULL, g.ca_key);
    return 0;
}

/* A leaf signed by the test CA; o's issuer and time fields are filled here. */
static cx_x509_chain *leaf(cx_certgen_opts o)
{
    char *c, *k;
    size_t cl, kl;
    cx_x509_chain *ch = NULL;
    o.now = time(NULL);
    o.not_before_offset = -60;
    o.issuer_cert_pem = g.ca_cert;
    o.issuer_key_pem = g.ca_key;
    assert_int_equal(cx_certgen(&o, NULL, &c, &cl, &k, &kl), 0);
    assert_int_equal(cx_x509_chain_from_pem(c, cl, k, kl, NULL, &ch), 0);
    qb_free(NULL, c);
    qb_free(NULL, k);
    return ch;
}

typedef struct sides {
    tls_config cc, sc;
    tls_conn *c, *s;
    int rc;
} sides;

static void configs(sides *x, const cx_x509_chain *server, const char *name)
{
    memset(x, 0, sizeof *x);
    tls_config_init(&x->cc, TLS_ROLE_CLIENT);
    x->cc.alpn[0] = "h3";
    x->cc.alpn_count = 1;
    x->cc.server_name = name;
    x->cc.trust = g.trust;
    tls_config_init(&x->sc, TLS_ROLE_SERVER);
    x->sc.alpn[0] = "h3";
    x->sc.alpn_count = 1;
    x->sc.chain = server;
}

static void run(sides *x)
{
    x->c = tls_conn_new(&x->cc, TP, sizeof TP);
    x->s = tls_conn_new(&x->sc, TP, sizeof TP);
    assert_non_null(x->c);
    assert_non_null(x->s);
    x->rc = tls_pair_run(x->c, x->s, NULL, NULL);
}

static void done(sides *x)
{
    tls_conn_free(x->c);
    tls_conn_free(x->s);
}

/* RFC 8446 §4.4.2.2: "the digitalSignature bit MUST be set if the Key Usage
 * extension is present". libcrypto's sslserver purpose also lets
 * keyEncipherment or keyAgreement alone through (TLS 1.2 key transport), so
 * the engine checks the bit itself; the alert is bad_certificate. */
static void test_server_leaf_key_usage_needs_digital_signature(void **state)
{
    (void)state;
    static const struct {
        cx_keytype kt;
        const char *ku;
        bool ok;
    } cases[] = {
        {CX_KEY_RSA2048, "critical,keyEncipherment", false},
        {CX_KEY_EC_P256, "critical,keyAgreement", false},
        {CX_KEY_EC_P256, "keyAgreement,keyEncipherment", false},
        {CX_KEY_RSA2048, "critical,digitalSignature,keyEncipherment", true},
        {CX_KEY_EC_P256, "digitalSignature", true},
        {CX_KEY_EC_P256, "", true}, /* no keyUsage at all: no restriction */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cx_certgen_opts o = {.key_type = cases[i].kt, .host = "quince.test", .key_usage = cases[i].ku};
        cx_x509_chain *ch = leaf(o);
        sides x;
        configs(&x, ch, "quince.test");
        run(&x);
        if (cases[i].ok) {
            if (x.rc)
                fail_msg("keyUsage '%s': %s", cases[i].ku, tls_conn_reason(x.c));
        } else {
            if (tls_conn_alert(x.c) != TLS_ALERT_BAD_CERTIFICATE)
                fail_msg("keyUsage '%s': rc %d alert %u", cases[i].ku, x.rc, tls_conn_alert(x.c));
            assert_int_equal(x.rc, TLS_ERR_BAD_CERT);
            assert_false(tls_conn_is_done(x.c));
        }
        done(&x);
        cx_x509_chain_free(ch);
    }
}

/* RFC 8446 §4.4.2.3 applies the same rule to a client's certificate;
 * libcrypto's sslclient purpose accepts keyAgreement alone. */
static void test_client_leaf_key_usage_needs_digital_signature(void **state)
{
    (void)state;
    cx_certgen_opts so = {.host = "quince.test"};
    cx_x509_chain *server = leaf(so);
    for (int good = 0; good < 2; good++) {
        cx_certgen_opts co = {.host = "client.test", .client = true,
                              .key_usage = good ? "critical,digitalSignature" : "critical,keyAgreement"};
        cx_x509_chain *client = leaf(co);
        sides x;
        configs(&x, server, "quince.test");
        x.cc.chain = client;
        x.sc.trust = g.trust;
        x.sc.request_client_cert = true;
        x.sc.require_client_cert = true;
        run(&x);
        if (good) {
            assert_int_equal(x.rc, 0);
            assert_true(tls_conn_peer_authenticated(x.s));
        } else {
            if (tls_conn_alert(x.s) != TLS_ALERT_BAD_CERTIFICATE)
                fail_msg("rc %d server alert %u (%s)", x.rc, tls_conn_alert(x.s),
                         tls_conn_reason(x.s) ? tls_conn_reason(x.s) : "-");
            assert_false(tls_conn_peer_authenticated(x.s));
        }
        done(&x);
        cx_x509_chain_free(client);
    }
    cx_x509_chain_free(server);
}

/* RFC 9525 §6.3: a client must not seek a match in the subject CN (CN-ID),
 * even when the subjectAltName has no DNS-ID at all (libcrypto's default
 * falls back to the CN then). */
static void test_subject_cn_is_not_a_dns_id(void **state)
{
    (void)state;
    static const char *sans[] = {"IP:192.0.2.1", ""};
    for (size_t i = 0; i < 2; i++) {
        cx_certgen_opts o = {.common_name = "quince.test", .san = sans[i]};
        cx_x509_chain *ch = leaf(o);
        sides x;
        configs(&x, ch, "quince.test");
        run(&x);
        if (tls_conn_alert(x.c) != TLS_ALERT_BAD_CERTIFICATE)
            fail_msg("SAN '%s', CN quince.test: rc %d alert %u", sans[i], x.rc, tls_conn_alert(x.c));
        done(&x);
        cx_x509_chain_free(ch);
    }
}

/* A client that verifies the server's certificate has a name to verify it
 * against (RFC 9525 §6.1: the reference identifier comes from the client's
 * input); without one, any certificate of the CA would do. An insecure client
 * may go without. */
static void test_verifying_client_needs_server_name(void **state)
{
    (void)state;
    tls_config cc;
    tls_conn *c;
    static const char *bad[] = {NULL, "", ".quince.test", "*.quince.test", "quince..test",
                                "a*.quince.test", "quince.test/x", "quince test"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tls_config_init(&cc, TLS_ROLE_CLIENT);
        cc.alpn[0] = "h3";
        cc.alpn_count = 1;
        cc.trust = g.trust;
        cc.server_name = bad[i];
        c = tls_conn_new(&cc, TP, sizeof TP);
        if (c)
            fail_msg("server_name '%s' accepted", bad[i] ? bad[i] : "(null)");
    }
    static const char *good[] = {"quince.test", "localhost", "127.0.0.1", "::1", "2001:db8::7",
                                 "xn--bcher-kva.example", "a-b.c_d.test"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        cc.server_name = good[i];
        c = tls_conn_new(&cc, TP, sizeof TP);
        if (!c)
            fail_msg("server_name '%s' refused", good[i]);
        tls_conn_free(c);
    }
    cc.server_name = NULL;
    cc.trust = NULL;
    cc.insecure_skip_verify = true;
    c = tls_conn_new(&cc, TP, sizeof TP);
    assert_non_null(c);
    tls_conn_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_leaf_key_usage_needs_digital_signature),
        cmocka_unit_test(test_client_leaf_key_usage_needs_digital_signature),
        cmocka_unit_test(test_subject_cn_is_not_a_dns_id),
        cmocka_unit_test(test_verifying_client_needs_server_name),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
