/* What a client must refuse in the server's messages (RFC 8446 §4.1.3,
 * §4.1.4, §4.2, §4.3.1, §4.4.2, §4.4.3, RFC 7301 §3.2, RFC 9001 §8), each
 * with its alert. A filter rewrites one server message in flight. */
#include "common/tu.h"
#include "crypto/cx_certgen.h"
#include "crypto/cx_kex.h"
#include "crypto/cx_sig.h"
#include "crypto/cx_x509.h"
#include "crypto/tls.h"
#include "crypto/tls_msg.h"
#include "crypto/tls_pair.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static cx_x509_chain *chain;
static cx_x509_trust *trust;

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
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cx_x509_chain_free(chain);
    cx_x509_trust_free(trust);
    return 0;
}

/* Rewrites a decoded message: return its new encoding in w. */
typedef void (*edit_fn)(uint8_t type, const uint8_t *body, size_t len, qb_wr *w, uint8_t *scratch);

typedef struct rewrite {
    uint8_t type;
    int nth;   /* which occurrence of type (0 = first) */
    int seen;
    edit_fn edit;
    int hits;
} rewrite;

static int rewrite_filter(void *ud, tls_role from, tls_level level, uint8_t *buf, size_t *len,
                          size_t cap)
{
    rewrite *rw = ud;
    uint8_t *out = malloc(cap), scratch[4096];
    size_t off = 0, o = 0;
    if (from != TLS_ROLE_SERVER) {
        free(out);
        return 0;
    }
    while (off + 4 <= *len) {
        size_t ml = ((size_t)buf[off + 1] << 16) | ((size_t)buf[off + 2] << 8) | buf[off + 3];
        if (buf[off] == rw->type && rw->seen++ == rw->nth) {
            qb_wr w;
            qb_wr_init(&w, out + o, cap - o);
            rw->edit(buf[off], buf + off + 4, ml, &w, scratch);
            o += w.off;
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

static uint8_t expect_client_fails(tls_config *cc, tls_config *sc, rewrite *rw)
{
    static const uint8_t tp[] = {0x01, 0x02, 0x40, 0x64};
    tls_conn *c = tls_conn_new(cc, tp, sizeof tp), *s = tls_conn_new(sc, tp, sizeof tp);
    assert_non_null(c);
    assert_non_null(s);
    int rc = tls_pair_run(c, s, rewrite_filter, rw);
    assert_int_equal(rw->hits, 1);
    uint8_t alert = tls_conn_alert(c);
    assert_int_equal(rc, TLS_ERR_ALERT(alert));
    assert_false(tls_conn_is_done(c));
    tls_conn_free(c);
    tls_conn_free(s);
    return alert;
}

static void configs(tls_config *cc, tls_config *sc)
{
    tls_config_init(cc, TLS_ROLE_CLIENT);
    cc->alpn[0] = "h3";
    cc->alpn[1] = "hq-interop";
    cc->alpn_count = 2;
    cc->server_name = "localhost";
    cc->trust = trust;
    tls_config_init(sc, TLS_ROLE_SERVER);
    sc->alpn[0] = "h3";
    sc->alpn_count = 1;
    sc->chain = chain;
}

/* ---- ServerHello edits ---- */
static void sh_suite_1302(uint8_t t, const uint8_t *b, size_t n, qb_wr *w, uint8_t *s)
{
    tls_sh sh;
    assert_int_equal(tls_sh_decode(b, n, &sh), 0);
    sh.suite = TLS_AES_256_GCM_SHA384;
    assert_int_equal(tls_sh_encode(w, &sh), 0);
}
static void sh_group_p256(uint8_t t, const uint8_t *b, size_t n, qb_wr *w, uint8_t *s)
{
    tls_sh sh;
    assert_int_equal(tls_sh_decode(b, n, &sh), 0);
    memcpy(s, sh.ext.val[TLS_X_KEY_SHARE].p, sh.ext.val[TLS_X_KEY_SHARE].len);
    qb_put_u16(s, CX_GROUP_SECP256R1);
    sh.ext.val[TLS_X_KEY_SHARE].p = s;
    assert_int_equal(tls_sh_encode(w, &sh), 0);
}
static void sh_session_id(uint8_t t, const uint8_t *b, size_t n, qb_wr *w, uint8_t *s)
{
    tls_sh sh;
    assert_int_equal(tls_sh_decode(b, n, &sh), 0);
    memset(s, 7, 32);
    sh.session_id = (tls_bytes){s, 32};
    assert_int_equal(tls_sh_encode(w, &sh), 0);
}
static void sh_psk(uint8_t t, const uint8_t *b, size_t n, qb_wr *w, uint8_t *s)
{
    tls_sh sh;
    assert_int_equal(tls_sh_decode(b, n, &sh), 0);
    s[0] = 0;
    s[1] = 0;
    sh.ext.val[TLS_X_PSK] = (tls_bytes){s, 2}; /* not offered by us */
    sh.ext.present |= 1u << TLS_X_PSK;
    assert_int_equal(tls_sh_encode(w, &sh), 0);
}
static void sh_bad_point(uint8_t t, const uint8_t *b, size_t n, qb_wr *w, uint8_t *s)
{
    tls_sh sh;
    assert_int_equal(tls_sh_decode(b, n, &sh), 0);
    memcpy(s, sh.ext.val[TLS_X_KEY_SHARE].p, sh.ext.val[TLS_X_KEY_SHARE].len);
    memset(s + 4, 0, sh.ext.val[TLS_X_KEY_SHARE].len - 4); /* x25519 zero point */
    sh.ext.val[TLS_X_KEY_SHARE].p = s;
    assert_int_equal(tls_sh_encode(w, &sh), 0);
}

static void test_server_hello(void **state)
{
    (void)state;
    tls_config cc, sc;
    struct {
        edit_fn f;
        uint8_t alert;
    } cases[] = {
        {sh_suite_1302, TLS_ALERT_ILLEGAL_PARAMETER},
        {sh_group_p256, TLS_ALERT_ILLEGAL_PARAMETER},
        {sh_session_id, TLS_ALERT_ILLEGAL_PARAMETER},
        {sh_psk, TLS_ALERT_UNSUPPORTED_EXTENSION},
        {sh_bad_point, TLS_ALERT_ILLEGAL_PARAMETER},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rewrite rw = {.type = TLS_HS_SERVER_HELLO, .edit = cases[i].f};
        configs(&cc, &sc);
        cc.suites[0] = TLS_AES_128_GCM_SHA256;
        cc.suite_count = 1;
        cc.groups[0] = CX_GROUP_X25519;
        cc.group_count = 1;
        assert_int_equal(expect_client_fails(&cc, &sc, &rw), cases[i].alert);
    }
}

/* ---- EncryptedExtensions edits ---- */
static void ee_set(const uint8_t *b, size_t n, qb_wr *w, int x, const char *hex, uint8_t *s)
{
    tls_ee ee;
    assert_int_equal(tls_ee_decode(b, n, &ee), 0);
    if (hex) {
        size_t l = tu_hex(hex, s, 256);
        ee.ext.val[x] = (tls_bytes){s, l};
        ee.ext.present |= 1u << x;
    } else {
        ee.ext.present &= ~(1u << x);
    }
    assert_int_equal(tls_ee_encode(w, &ee), 0);
}
static void ee_alpn_other(uint8_t t, const uint8_t *b, size_t n, qb_wr *w, uint8_t *s)
{
    ee_set(b, n, w, TLS_X_ALPN, "0568332d3239", s); /* "h3-29" */
}
static void ee_alpn_two(uint8_t t, const uint8_t *b, size_t n, qb_wr *w, uint8_t *s)
{
    ee_set(b, n, w, TLS_X_ALPN, "026833 026833", s);
}
static void ee_no_alpn(uint8_t t, const uint8_t *b, size_t n, qb_wr *w, uint8_t *s)
{
    ee_set(b, n, w, TLS_X_ALPN, NULL, s);
}
static void ee_unknown(uint8_t t, const uint8_t *b, size_t n, qb_wr *w, uint8_t *s)
{
    /* append an unknown extension (type 0xfafa) to the block by hand */
    tls_ee ee;
    assert_int_equal(tls_ee_decode(b, n, &ee), 0);
    assert_int_equal(tls_ee_encode(w, &ee), 0);
    uint8_t *m = w->p;
    assert_int_equal(qb_wr_u32(w, 0xfafa0000u), 0);
    size_t body = w->off - 4;
    m[1] = (uint8_t)(body >> 16);
    m[2] = (uint8_t)(body >> 8);
    m[3] = (uint8_t)body;
    qb_put_u16(m + 4, (uint16_t)(qb_get_u16(m + 4) + 4));
}
static void ee_early_data(uint8_t t, const uint8_t *b, size_t n, qb_wr *w, uint8_t *s)
{
    ee_set(b, n, w, TLS_X_EARLY_DATA, "", s);
}

static void test_encrypted_extensions(void **state)
{
    (void)state;
    tls_config cc, sc;
    struct {
        edit_fn f;
        uint8_t alert;
    } cases[] = {
        {ee_alpn_other, TLS_ALERT_ILLEGAL_PARAMETER},
        {ee_alpn_two, TLS_ALERT_ILLEGAL_PARAMETER},
        {ee_no_alpn, TLS_ALERT_NO_APPLICATION_PROTOCOL},
        {ee_unknown, TLS_ALERT_UNSUPPORTED_EXTENSION},
        {ee_early_data, TLS_ALERT_UNSUPPORTED_EXTENSION},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rewrite rw = {.type = TLS_HS_ENCRYPTED_EXTENSIONS, .edit = cases[i].f};
        configs(&cc, &sc);
        assert_int_equal(expect_client_fails(&cc, &sc, &rw), cases[i].alert);
    }
}

/* ---- Certificate and CertificateVerify edits ---- */
static void cert_empty(uint8_t t, const uint8_t *b, size_t n, qb_wr *w, uint8_t *s)
{
    assert_int_equal(tls_cert_encode(w, (tls_bytes){NULL, 0}, NULL, NULL, 0), 0);
}
static void cert_context(uint8_t t, const uint8_t *b, size_t n, qb_wr *w, uint8_t *s)
{
    tls_cert c;
    assert_int_equal(tls_cert_decode(b, n, &c), 0);
    c.context = (tls_bytes){(const uint8_t *)"x", 1};
    assert_int_equal(tls_cert_encode_raw(w, &c), 0);
}
static void cert_garbage(uint8_t t, const uint8_t *b, size_t n, qb_wr *w, uint8_t *s)
{
    const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x00};
    const uint8_t *d[1] = {junk};
    size_t l[1] = {sizeof junk};
    assert_int_equal(tls_cert_encode(w, (tls_bytes){NULL, 0}, d, l, 1), 0);
}
static void cv_scheme(uint8_t t, const uint8_t *b, size_t n, qb_wr *w, uint8_t *s)
{
    tls_cv cv;
    assert_int_equal(tls_cv_decode(b, n, &cv), 0);
    cv.scheme = CX_SIG_RSA_PSS_RSAE_SHA256; /* offered, but not an EC key's */
    assert_int_equal(tls_cv_encode(w, &cv), 0);
}
static void cv_scheme_not_offered(uint8_t t, const uint8_t *b, size_t n, qb_wr *w, uint8_t *s)
{
    tls_cv cv;
    assert_int_equal(tls_cv_decode(b, n, &cv), 0);
    cv.scheme = 0x0401; /* rsa_pkcs1_sha256: never for CertificateVerify */
    assert_int_equal(tls_cv_encode(w, &cv), 0);
}
static void cv_truncated_sig(uint8_t t, const uint8_t *b, size_t n, qb_wr *w, uint8_t *s)
{
    tls_cv cv;
    assert_int_equal(tls_cv_decode(b, n, &cv), 0);
    cv.sig.len -= 1;
    assert_int_equal(tls_cv_encode(w, &cv), 0);
}

static void test_certificate_messages(void **state)
{
    (void)state;
    tls_config cc, sc;
    struct {
        uint8_t type;
        edit_fn f;
        uint8_t alert;
    } cases[] = {
        {TLS_HS_CERTIFICATE, cert_empty, TLS_ALERT_DECODE_ERROR},
        {TLS_HS_CERTIFICATE, cert_context, TLS_ALERT_ILLEGAL_PARAMETER},
        {TLS_HS_CERTIFICATE, cert_garbage, TLS_ALERT_BAD_CERTIFICATE},
        {TLS_HS_CERTIFICATE_VERIFY, cv_scheme, TLS_ALERT_ILLEGAL_PARAMETER},
        {TLS_HS_CERTIFICATE_VERIFY, cv_scheme_not_offered, TLS_ALERT_ILLEGAL_PARAMETER},
        {TLS_HS_CERTIFICATE_VERIFY, cv_truncated_sig, TLS_ALERT_DECRYPT_ERROR},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rewrite rw = {.type = cases[i].type, .edit = cases[i].f};
        configs(&cc, &sc);
        assert_int_equal(expect_client_fails(&cc, &sc, &rw), cases[i].alert);
    }
}

/* ---- HelloRetryRequest ---- */
static uint8_t saved_hrr[256];
static size_t saved_hrr_len;

static void replay_hrr(uint8_t t, const uint8_t *b, size_t n, qb_wr *w, uint8_t *s)
{
    assert_int_equal(qb_wr_bytes(w, saved_hrr, saved_hrr_len), 0);
}
static void hrr_group_x25519(uint8_t t, const uint8_t *b, size_t n, qb_wr *w, uint8_t *s)
{
    tls_sh sh;
    assert_int_equal(tls_sh_decode(b, n, &sh), 0);
    assert_true(sh.hrr);
    qb_put_u16(s, CX_GROUP_X25519); /* the client already sent this share */
    sh.ext.val[TLS_X_KEY_SHARE] = (tls_bytes){s, 2};
    assert_int_equal(tls_sh_encode(w, &sh), 0);
}
static void hrr_group_unknown(uint8_t t, const uint8_t *b, size_t n, qb_wr *w, uint8_t *s)
{
    tls_sh sh;
    assert_int_equal(tls_sh_decode(b, n, &sh), 0);
    qb_put_u16(s, 0x11EC);
    sh.ext.val[TLS_X_KEY_SHARE] = (tls_bytes){s, 2};
    assert_int_equal(tls_sh_encode(w, &sh), 0);
}
static void sh_after_hrr_suite(uint8_t t, const uint8_t *b, size_t n, qb_wr *w, uint8_t *s)
{
    sh_suite_1302(t, b, n, w, s);
}

static void hrr_configs(tls_config *cc, tls_config *sc)
{
    configs(cc, sc);
    cc->groups[0] = CX_GROUP_X25519;
    cc->groups[1] = CX_GROUP_SECP256R1;
    cc->group_count = 2;
    sc->groups[0] = CX_GROUP_SECP256R1;
    sc->group_count = 1;
}

static void test_hello_retry(void **state)
{
    (void)state;
    tls_config cc, sc;
    /* a HelloRetryRequest as our server sends it, for replay */
    tls_sh h;
    uint8_t ver[2] = {3, 4}, grp[2] = {0, 0x17};
    memset(&h, 0, sizeof h);
    h.legacy_version = 0x0303;
    h.hrr = true;
    h.suite = TLS_AES_128_GCM_SHA256;
    h.ext.val[TLS_X_VERSIONS] = (tls_bytes){ver, 2};
    h.ext.val[TLS_X_KEY_SHARE] = (tls_bytes){grp, 2};
    h.ext.present = (1u << TLS_X_VERSIONS) | (1u << TLS_X_KEY_SHARE);
    qb_wr w;
    qb_wr_init(&w, saved_hrr, sizeof saved_hrr);
    assert_int_equal(tls_sh_encode(&w, &h), 0);
    saved_hrr_len = w.off;

    /* a second HelloRetryRequest instead of the ServerHello */
    rewrite rw = {.type = TLS_HS_SERVER_HELLO, .nth = 1, .edit = replay_hrr};
    hrr_configs(&cc, &sc);
    assert_int_equal(expect_client_fails(&cc, &sc, &rw), TLS_ALERT_UNEXPECTED_MESSAGE);
    /* a retry for the group the client already has a share for */
    rewrite rw2 = {.type = TLS_HS_SERVER_HELLO, .nth = 0, .edit = hrr_group_x25519};
    hrr_configs(&cc, &sc);
    assert_int_equal(expect_client_fails(&cc, &sc, &rw2), TLS_ALERT_ILLEGAL_PARAMETER);
    /* a retry for a group the client never offered */
    rewrite rw3 = {.type = TLS_HS_SERVER_HELLO, .nth = 0, .edit = hrr_group_unknown};
    hrr_configs(&cc, &sc);
    assert_int_equal(expect_client_fails(&cc, &sc, &rw3), TLS_ALERT_ILLEGAL_PARAMETER);
    /* a ServerHello whose suite differs from the retry's (§4.1.4) */
    rewrite rw4 = {.type = TLS_HS_SERVER_HELLO, .nth = 1, .edit = sh_after_hrr_suite};
    hrr_configs(&cc, &sc);
    assert_int_equal(expect_client_fails(&cc, &sc, &rw4), TLS_ALERT_ILLEGAL_PARAMETER);
}

/* A retry carrying only a cookie: the second ClientHello echoes it and keeps
 * its key share (§4.2.2); a retry that changes nothing is refused. */
static void test_cookie_only_retry(void **state)
{
    (void)state;
    static const uint8_t tp[] = {0x01, 0x02, 0x40, 0x64};
    tls_config cc, sc;
    uint8_t ver[2] = {3, 4}, hrr[256];
    const uint8_t *p;
    size_t n;
    tls_sh h;
    qb_wr w;
    tls_ch ch1, ch2;
    tls_bytes k1, k2;
    for (int with_cookie = 1; with_cookie >= 0; with_cookie--) {
        configs(&cc, &sc);
        tls_conn *c = tls_conn_new(&cc, tp, sizeof tp);
        assert_int_equal(tls_conn_start(c), 0);
        tls_conn_get_output(c, TLS_LEVEL_INITIAL, &p, &n);
        uint8_t first[2048];
        memcpy(first, p, n);
        assert_int_equal(tls_ch_decode(first + 4, n - 4, &ch1), 0);
        tls_conn_consume_output(c, TLS_LEVEL_INITIAL, n);
        memset(&h, 0, sizeof h);
        h.legacy_version = 0x0303;
        h.hrr = true;
        h.suite = TLS_AES_128_GCM_SHA256;
        h.ext.val[TLS_X_VERSIONS] = (tls_bytes){ver, 2};
        h.ext.val[TLS_X_COOKIE] = (tls_bytes){(const uint8_t *)"abc", 3};
        h.ext.present = (1u << TLS_X_VERSIONS) | ((unsigned)with_cookie << TLS_X_COOKIE);
        qb_wr_init(&w, hrr, sizeof hrr);
        assert_int_equal(tls_sh_encode(&w, &h), 0);
        int rc = tls_conn_recv(c, TLS_LEVEL_INITIAL, hrr, w.off);
        if (!with_cookie) {
            assert_int_equal(rc, TLS_ERR_ILLEGAL);
            tls_conn_free(c);
            continue;
        }
        assert_int_equal(rc, 0);
        tls_conn_get_output(c, TLS_LEVEL_INITIAL, &p, &n);
        assert_int_equal(tls_ch_decode(p + 4, n - 4, &ch2), 0);
        assert_true(tls_exts_has(&ch2.ext, TLS_X_COOKIE));
        assert_int_equal(ch2.ext.val[TLS_X_COOKIE].len, 3);
        assert_memory_equal(ch2.ext.val[TLS_X_COOKIE].p, "abc", 3);
        assert_memory_equal(ch1.random, ch2.random, 32);
        assert_int_equal(tls_key_share_find(ch1.ext.val[TLS_X_KEY_SHARE], CX_GROUP_X25519, &k1), 1);
        assert_int_equal(tls_key_share_find(ch2.ext.val[TLS_X_KEY_SHARE], CX_GROUP_X25519, &k2), 1);
        assert_memory_equal(k1.p, k2.p, 32);
        tls_conn_free(c);
    }
}

/* ---- CertificateRequest (RFC 8446 §4.3.2) ---- */
static void cr_context(uint8_t t, const uint8_t *b, size_t n, qb_wr *w, uint8_t *s)
{
    tls_cr cr;
    assert_int_equal(tls_cr_decode(b, n, &cr), 0);
    assert_int_equal(cr.context.len, 0);
    memcpy(s, "\x01\x02\x03\x04", 4);
    cr.context = (tls_bytes){s, 4};
    assert_int_equal(tls_cr_encode(w, &cr), 0);
}

/* §4.3.2: the certificate_request_context "SHALL be zero length unless used
 * for the post-handshake authentication exchanges", which QUIC does not
 * have (RFC 9001 §4.4): a non-empty one during the handshake is
 * illegal_parameter, and the client sends no Certificate in answer. */
static void test_certificate_request_context_must_be_empty(void **state)
{
    (void)state;
    tls_config cc, sc;
    rewrite rw = {.type = TLS_HS_CERTIFICATE_REQUEST, .edit = cr_context};
    configs(&cc, &sc);
    cc.chain = chain;
    sc.trust = trust;
    sc.request_client_cert = true;
    assert_int_equal(expect_client_fails(&cc, &sc, &rw), TLS_ALERT_ILLEGAL_PARAMETER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_hello),
        cmocka_unit_test(test_encrypted_extensions),
        cmocka_unit_test(test_certificate_messages),
        cmocka_unit_test(test_hello_retry),
        cmocka_unit_test(test_cookie_only_retry),
        cmocka_unit_test(test_certificate_request_context_must_be_empty),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
