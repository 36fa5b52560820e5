/* Rules of RFC 8446 that surviving mutants showed untested (tests/mutants/
 * survivors.md): over-long chains, a ServerHello selecting TLS 1.2, Finished
 * of the wrong length, CertificateRequest contents, early_data after a
 * HelloRetryRequest, out-of-order client messages, the HelloRetryRequest
 * random, the SNI a client sends, and the key log. A filter rewrites one
 * message of one side in flight (tls_pair). */
#include "common/tu.h"
#include "crypto/cx_certgen.h"
#include "crypto/cx_hash.h"
#include "crypto/cx_kex.h"
#include "crypto/cx_sig.h"
#include "crypto/cx_x509.h"
#include "crypto/tls.h"
#include "crypto/tls_msg.h"
#include "crypto/tls_pair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static cx_x509_chain *chain, *cchain;   /* server's, client's */
static cx_x509_trust *trust, *ctrust; /* for each */
static uint8_t *leaf_der;
static size_t leaf_len;

static const uint8_t tp[] = {0x01, 0x02, 0x40, 0x64};

static int setup(void **state)
{
    (void)state;
    char *c, *k;
    size_t cl, kl;
    cx_certgen_opts o = {.now = time(NULL), .not_before_offset = -60};
    if (cx_certgen(&o, NULL, &c, &cl, &k, &kl) || cx_x509_chain_from_pem(c, cl, k, kl, NULL, &chain) ||
        cx_x509_trust_from_pem(c, cl, &trust))
        return -1;
    qb_free(NULL, c);
    qb_free(NULL, k);
    cx_certgen_opts oc = {.now = time(NULL), .not_before_offset = -60, .client = true};
    if (cx_certgen(&oc, NULL, &c, &cl, &k, &kl) || cx_x509_chain_from_pem(c, cl, k, kl, NULL, &cchain) ||
        cx_x509_trust_from_pem(c, cl, &ctrust))
        return -1;
    qb_free(NULL, c);
    qb_free(NULL, k);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cx_x509_chain_free(chain);
    cx_x509_trust_free(trust);
    cx_x509_chain_free(cchain);
    cx_x509_trust_free(ctrust);
    free(leaf_der);
    return 0;
}

typedef void (*edit_fn)(const uint8_t *body, size_t len, qb_wr *w);

typedef struct rewrite {
    tls_role from;
    uint8_t type;
    int nth; /* which occurrence of type (0 = first) */
    int seen;
    edit_fn edit; /* NULL: drop the message */
    int hits;
} rewrite;

static int rewrite_filter(void *ud, tls_role from, tls_level level, uint8_t *buf, size_t *len,
                          size_t cap)
{
    rewrite *rw = ud;
    (void)level;
    if (from != rw->from)
        return 0;
    uint8_t *out = malloc(cap);
    size_t off = 0, o = 0;
    while (off + 4 <= *len) {
        size_t ml = ((size_t)buf[off + 1] << 16) | ((size_t)buf[off + 2] << 8) | buf[off + 3];
        if (buf[off] == rw->type && rw->seen++ == rw->nth) {
            if (buf[off] == TLS_HS_CERTIFICATE && !leaf_der) { /* keep a copy of the leaf */
                tls_cert c;
                tls_bytes der, ext;
                qb_rd r;
                assert_int_equal(tls_cert_decode(buf + off + 4, ml, &c), 0);
                qb_rd_init(&r, c.list.p, c.list.len);
                assert_int_equal(tls_cert_next(&r, &der, &ext), 1);
                leaf_der = malloc(der.len);
                memcpy(leaf_der, der.p, der.len);
                leaf_len = der.len;
            }
            if (rw->edit) {
                qb_wr w;
                qb_wr_init(&w, out + o, cap - o);
                rw->edit(buf + off + 4, ml, &w);
                o += w.off;
            }
            rw->hits++;
        } else {
            memcpy(out + o, buf + off, 4 + ml);
            o += 4 + ml;
        }
        off += 4 + ml;
    }
    memcpy(buf, out, o);
    *len = o;
    free(out);
    return 0;
}

static void configs(tls_config *cc, tls_config *sc)
{
    tls_config_init(cc, TLS_ROLE_CLIENT);
    cc->alpn[0] = "h3";
    cc->alpn_count = 1;
    cc->server_name = "localhost";
    cc->trust = trust;
    tls_config_init(sc, TLS_ROLE_SERVER);
    sc->alpn[0] = "h3";
    sc->alpn_count = 1;
    sc->chain = chain;
}

/* Runs the pair with the rewrite; the side `fails` must fail with its alert,
 * which is returned. */
static uint8_t expect_fails(tls_config *cc, tls_config *sc, rewrite *rw, tls_role fails)
{
    tls_conn *c = tls_conn_new(cc, tp, sizeof tp), *s = tls_conn_new(sc, tp, sizeof tp);
    assert_non_null(c);
    assert_non_null(s);
    int rc = tls_pair_run(c, s, rewrite_filter, rw);
    assert_int_equal(rw->hits, 1);
    tls_conn *f = fails == TLS_ROLE_CLIENT ? c : s;
    uint8_t alert = tls_conn_alert(f);
    assert_int_equal(rc, TLS_ERR_ALERT(alert));
    assert_false(tls_conn_is_done(f));
    tls_conn_free(c);
    tls_conn_free(s);
    return alert;
}

/* ---- Certificate (RFC 8446 §4.4.2) ---- */
static void cert_overlong(const uint8_t *b, size_t n, qb_wr *w)
{
    (void)b, (void)n;
    const uint8_t *d[CX_X509_MAX_CHAIN + 1];
    size_t l[CX_X509_MAX_CHAIN + 1];
    for (size_t i = 0; i < CX_X509_MAX_CHAIN + 1; i++) {
        d[i] = leaf_der;
        l[i] = leaf_len;
    }
    assert_int_equal(tls_cert_encode(w, (tls_bytes){NULL, 0}, d, l, CX_X509_MAX_CHAIN + 1), 0);
}

/* One more entry than a chain may hold is bad_certificate before anything
 * is verified (the leaf repeated: each copy alone would verify). */
static void test_overlong_certificate_chain_is_refused(void **state)
{
    (void)state;
    tls_config cc, sc;
    rewrite rw = {.from = TLS_ROLE_SERVER, .type = TLS_HS_CERTIFICATE, .edit = cert_overlong};
    configs(&cc, &sc);
    assert_int_equal(expect_fails(&cc, &sc, &rw, TLS_ROLE_CLIENT), TLS_ALERT_BAD_CERTIFICATE);
}

/* ---- ServerHello (RFC 8446 §4.2.1) ---- */
static void sh_tls12(const uint8_t *b, size_t n, qb_wr *w)
{
    static const uint8_t v12[2] = {0x03, 0x03};
    tls_sh sh;
    assert_int_equal(tls_sh_decode(b, n, &sh), 0);
    sh.ext.val[TLS_X_VERSIONS] = (tls_bytes){v12, 2};
    assert_int_equal(tls_sh_encode(w, &sh), 0);
}

/* §4.2.1: a client that offered only 0x0304 must abort with
 * protocol_version... "If the "supported_versions" extension in the
 * ServerHello contains a version not offered by the client". */
static void test_server_hello_selecting_tls12_is_refused(void **state)
{
    (void)state;
    tls_config cc, sc;
    rewrite rw = {.from = TLS_ROLE_SERVER, .type = TLS_HS_SERVER_HELLO, .edit = sh_tls12};
    configs(&cc, &sc);
    assert_int_equal(expect_fails(&cc, &sc, &rw, TLS_ROLE_CLIENT), TLS_ALERT_PROTOCOL_VERSION);
}

/* ---- Finished (RFC 8446 §4.4.4) ---- */
static void fin_longer(const uint8_t *b, size_t n, qb_wr *w)
{
    uint8_t v[CX_HASH_MAX + 1];
    memcpy(v, b, n);
    v[n] = 0;
    tls_fin f = {.verify_data = {v, n + 1}};
    assert_int_equal(tls_fin_encode(w, &f), 0);
}
static void fin_shorter(const uint8_t *b, size_t n, qb_wr *w)
{
    tls_fin f = {.verify_data = {b, n - 1}};
    assert_int_equal(tls_fin_encode(w, &f), 0);
}

/* verify_data is exactly Hash.length bytes; a Finished of another length is
 * malformed (decode_error), whatever its first bytes hold. */
static void test_finished_of_wrong_length_is_decode_error(void **state)
{
    (void)state;
    tls_config cc, sc;
    edit_fn edits[] = {fin_longer, fin_shorter};
    for (size_t i = 0; i < 2; i++) {
        rewrite rw = {.from = TLS_ROLE_SERVER, .type = TLS_HS_FINISHED, .edit = edits[i]};
        configs(&cc, &sc);
        assert_int_equal(expect_fails(&cc, &sc, &rw, TLS_ROLE_CLIENT), TLS_ALERT_DECODE_ERROR);
    }
}

/* ---- CertificateRequest (RFC 8446 §4.3.2) ---- */
static void cr_no_sigalgs(const uint8_t *b, size_t n, qb_wr *w)
{
    tls_cr cr;
    assert_int_equal(tls_cr_decode(b, n, &cr), 0);
    cr.ext.present &= ~(1u << TLS_X_SIGALGS);
    assert_int_equal(tls_cr_encode(w, &cr), 0);
}

/* §4.3.2: "The "signature_algorithms" extension MUST be specified";
 * §4.2: a mandatory extension missing is missing_extension. */
static void test_certificate_request_without_sigalgs_is_refused(void **state)
{
    (void)state;
    tls_config cc, sc;
    rewrite rw = {.from = TLS_ROLE_SERVER, .type = TLS_HS_CERTIFICATE_REQUEST, .edit = cr_no_sigalgs};
    configs(&cc, &sc);
    cc.chain = cchain;
    sc.trust = ctrust;
    sc.request_client_cert = true;
    assert_int_equal(expect_fails(&cc, &sc, &rw, TLS_ROLE_CLIENT), TLS_ALERT_MISSING_EXTENSION);
}

static tls_cr seen_cr;
static uint8_t seen_cr_algs[64];
static void cr_keep(const uint8_t *b, size_t n, qb_wr *w)
{
    assert_int_equal(tls_cr_decode(b, n, &seen_cr), 0);
    assert_true(seen_cr.ext.val[TLS_X_SIGALGS].len <= sizeof seen_cr_algs);
    memcpy(seen_cr_algs, seen_cr.ext.val[TLS_X_SIGALGS].p, seen_cr.ext.val[TLS_X_SIGALGS].len);
    assert_int_equal(qb_wr_bytes(w, b - 4, n + 4), 0);
}

/* The server's CertificateRequest lists every signature scheme it accepts,
 * in its order (a client picks its scheme from that list). */
static void test_certificate_request_lists_every_server_sigalg(void **state)
{
    (void)state;
    static const uint16_t algs[] = {CX_SIG_ED25519, CX_SIG_ECDSA_SECP384R1_SHA384,
                                    CX_SIG_RSA_PSS_RSAE_SHA256, CX_SIG_ECDSA_SECP256R1_SHA256};
    tls_config cc, sc;
    rewrite rw = {.from = TLS_ROLE_SERVER, .type = TLS_HS_CERTIFICATE_REQUEST, .edit = cr_keep};
    configs(&cc, &sc);
    cc.chain = cchain;
    sc.trust = ctrust;
    sc.request_client_cert = true;
    for (size_t i = 0; i < 4; i++)
        sc.sigalgs[i] = algs[i];
    sc.sigalg_count = 4;
    tls_conn *c = tls_conn_new(&cc, tp, sizeof tp), *s = tls_conn_new(&sc, tp, sizeof tp);
    assert_int_equal(tls_pair_run(c, s, rewrite_filter, &rw), 0);
    assert_int_equal(rw.hits, 1);
    assert_true(tls_exts_has(&seen_cr.ext, TLS_X_SIGALGS));
    tls_bytes l = {seen_cr_algs, seen_cr.ext.val[TLS_X_SIGALGS].len};
    assert_int_equal(tls_u16_list_count(l), 4);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(tls_u16_list_at(l, i), algs[i]);
    tls_conn_free(c);
    tls_conn_free(s);
}

/* ---- the server's side of the client's messages ---- */
static void ch_early_data(const uint8_t *b, size_t n, qb_wr *w)
{
    tls_ch ch;
    assert_int_equal(tls_ch_decode(b, n, &ch), 0);
    ch.ext.val[TLS_X_EARLY_DATA] = (tls_bytes){NULL, 0};
    ch.ext.present |= 1u << TLS_X_EARLY_DATA;
    assert_int_equal(tls_ch_encode(w, &ch), 0);
}

/* §4.1.2: the second ClientHello must not carry early_data ("A client MUST
 * NOT include early_data in its followup ClientHello"); a server seeing it
 * aborts with illegal_parameter. */
static void test_early_data_after_hello_retry_is_refused(void **state)
{
    (void)state;
    tls_config cc, sc;
    rewrite rw = {.from = TLS_ROLE_CLIENT, .type = TLS_HS_CLIENT_HELLO, .nth = 1, .edit = ch_early_data};
    configs(&cc, &sc);
    cc.groups[0] = CX_GROUP_X25519;
    cc.groups[1] = CX_GROUP_SECP256R1;
    cc.group_count = 2;
    sc.groups[0] = CX_GROUP_SECP256R1;
    sc.group_count = 1;
    assert_int_equal(expect_fails(&cc, &sc, &rw, TLS_ROLE_SERVER), TLS_ALERT_ILLEGAL_PARAMETER);
}

/* A server that asked for a certificate waits for Certificate, then
 * CertificateVerify; any other message there is unexpected_message (§6,
 * §4.4.1 gives the order). */
static void test_server_refuses_client_messages_out_of_order(void **state)
{
    (void)state;
    tls_config cc, sc;
    uint8_t types[] = {TLS_HS_CERTIFICATE, TLS_HS_CERTIFICATE_VERIFY};
    for (size_t i = 0; i < 2; i++) {
        /* dropping Certificate leaves CertificateVerify in WAIT_CERT;
         * dropping CertificateVerify leaves Finished in WAIT_CV */
        rewrite rw = {.from = TLS_ROLE_CLIENT, .type = types[i], .edit = NULL};
        configs(&cc, &sc);
        cc.chain = cchain;
        sc.trust = ctrust;
        sc.request_client_cert = true;
        assert_int_equal(expect_fails(&cc, &sc, &rw, TLS_ROLE_SERVER), TLS_ALERT_UNEXPECTED_MESSAGE);
    }
}

/* ---- constants and what the client sends ---- */

/* §4.1.3: the HelloRetryRequest random is SHA-256("HelloRetryRequest"):
 * both of our sides use the same constant, so only this catches a typo. */
static void test_hello_retry_random_is_sha256_of_its_name(void **state)
{
    (void)state;
    uint8_t h[32];
    assert_int_equal(cx_hash(CX_SHA256, (const uint8_t *)"HelloRetryRequest", 17, h), 0);
    assert_memory_equal(TLS_HRR_RANDOM, h, 32);
}

/* RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted in
 * "HostName"": a client sends server_name for a DNS name only. */
static void test_client_sends_sni_for_host_names_only(void **state)
{
    (void)state;
    const char *names[] = {"localhost", "quince.example", "127.0.0.1", "::1"};
    for (size_t i = 0; i < 4; i++) {
        tls_config cc;
        const uint8_t *p;
        size_t n;
        tls_ch ch;
        tls_bytes host;
        tls_config_init(&cc, TLS_ROLE_CLIENT);
        cc.alpn[0] = "h3";
        cc.alpn_count = 1;
        cc.server_name = names[i];
        cc.trust = trust;
        tls_conn *c = tls_conn_new(&cc, tp, sizeof tp);
        assert_non_null(c);
        assert_int_equal(tls_conn_start(c), 0);
        tls_conn_get_output(c, TLS_LEVEL_INITIAL, &p, &n);
        assert_int_equal(tls_ch_decode(p + 4, n - 4, &ch), 0);
        bool dns = i < 2;
        assert_int_equal(tls_exts_has(&ch.ext, TLS_X_SERVER_NAME), dns);
        if (dns) {
            assert_int_equal(tls_sni_host(ch.ext.val[TLS_X_SERVER_NAME], &host), 1);
            assert_int_equal(host.len, strlen(names[i]));
            assert_memory_equal(host.p, names[i], host.len);
        }
        tls_conn_free(c);
    }
}

/* ---- key log (NSS key log format) ---- */
typedef struct keylog {
    char lines[8][256];
    int n;
} keylog;
static void keylog_keep(void *ud, const char *line)
{
    keylog *k = ud;
    assert_true(k->n < 8);
    snprintf(k->lines[k->n++], sizeof k->lines[0], "%s", line);
}

static uint8_t ch_random[32];
static void ch_keep(const uint8_t *b, size_t n, qb_wr *w)
{
    tls_ch ch;
    assert_int_equal(tls_ch_decode(b, n, &ch), 0);
    memcpy(ch_random, ch.random, 32);
    assert_int_equal(qb_wr_bytes(w, b - 4, n + 4), 0);
}

static void to_hex(char *dst, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        snprintf(dst + 2 * i, 3, "%02x", p[i]);
}

/* Each key log line is "<label> <client random hex> <secret hex>" with the
 * random of the ClientHello and a secret the connection installed, so that
 * Wireshark can decrypt a capture. */
static void test_key_log_lines_match_client_random_and_secrets(void **state)
{
    (void)state;
    tls_config cc, sc;
    keylog kl = {.n = 0};
    rewrite rw = {.from = TLS_ROLE_CLIENT, .type = TLS_HS_CLIENT_HELLO, .edit = ch_keep};
    configs(&cc, &sc);
    cc.keylog = keylog_keep;
    cc.keylog_ud = &kl;
    tls_conn *c = tls_conn_new(&cc, tp, sizeof tp), *s = tls_conn_new(&sc, tp, sizeof tp);
    assert_int_equal(tls_pair_run(c, s, rewrite_filter, &rw), 0);
    char rnd[65];
    char secrets[8][2 * TLS_SECRET_MAX + 1];
    int ns = 0;
    tls_event ev;
    while (tls_conn_next_event(c, &ev) == 1)
        if (ev.type == TLS_EVENT_SECRET) {
            assert_true(ns < 8);
            to_hex(secrets[ns++], ev.secret, ev.secret_len);
        }
    to_hex(rnd, ch_random, 32);
    assert_int_equal(kl.n, 5); /* handshake and 1-RTT, each direction; exporter */
    assert_int_equal(ns, 4);
    const char *labels[] = {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                            "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"};
    for (int l = 0; l < 4; l++) {
        int found = 0;
        for (int i = 0; i < kl.n; i++) {
            char lab[64], r[80], s2[120];
            assert_int_equal(sscanf(kl.lines[i], "%63s %79s %119s", lab, r, s2), 3);
            if (strcmp(lab, labels[l]))
                continue;
            found++;
            assert_string_equal(r, rnd);
            int match = 0;
            for (int j = 0; j < ns; j++)
                match += !strcmp(s2, secrets[j]);
            assert_int_equal(match, 1);
        }
        assert_int_equal(found, 1);
    }
    tls_conn_free(c);
    tls_conn_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overlong_certificate_chain_is_refused),
        cmocka_unit_test(test_server_hello_selecting_tls12_is_refused),
        cmocka_unit_test(test_finished_of_wrong_length_is_decode_error),
        cmocka_unit_test(test_certificate_request_without_sigalgs_is_refused),
        cmocka_unit_test(test_certificate_request_lists_every_server_sigalg),
        cmocka_unit_test(test_early_data_after_hello_retry_is_refused),
        cmocka_unit_test(test_server_refuses_client_messages_out_of_order),
        cmocka_unit_test(test_hello_retry_random_is_sha256_of_its_name),
        cmocka_unit_test(test_client_sends_sni_for_host_names_only),
        cmocka_unit_test(test_key_log_lines_match_client_random_and_secrets),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
