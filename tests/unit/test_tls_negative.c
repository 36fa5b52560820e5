/* Handshakes that must fail, each with its alert (RFC 8446 §6.2, RFC 9001 §8):
 * certificate problems, tampered Finished and CertificateVerify, TLS 1.2
 * only, no ALPN overlap, missing transport parameters, duplicate extensions,
 * non-empty legacy_session_id, truncated and over-long messages, messages in
 * the wrong state or at the wrong level. Certificates are made at test time. */
#include "common/tu.h"
#include "crypto/cx_certgen.h"
#include "crypto/cx_kex.h"
#include "crypto/cx_x509.h"
#include "crypto/tls.h"
#include "crypto/tls_msg.h"
#include "crypto/tls_pair.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct {
    char *ca_cert, *ca_key, *other_ca_cert, *other_ca_key;
    cx_x509_trust *trust, *other_trust;
    cx_x509_chain *good, *expired;
} g;

static cx_x509_chain *make_leaf(int64_t offset, int days)
{
    char *c, *k;
    size_t cl, kl;
    cx_x509_chain *ch = NULL;
    cx_certgen_opts o = {.host = "quince.test", .now = time(NULL), .not_before_offset = offset,
                         .days = days, .issuer_cert_pem = g.ca_cert, .issuer_key_pem = g.ca_key};
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
    cx_certgen_opts o = {.common_name = "CA one", .now = time(NULL), .not_before_offset = -86400,
                         .days = 30, .is_ca = true};
    if (cx_certgen(&o, NULL, &g.ca_cert, &cl, &g.ca_key, &kl) ||
        cx_x509_trust_from_pem(g.ca_cert, cl, &g.trust))
        return -1;
    o.common_name = "CA two";
    if (cx_certgen(&o, NULL, &g.other_ca_cert, &cl, &g.other_ca_key, &kl) ||
        cx_x509_trust_from_pem(g.other_ca_cert, cl, &g.other_trust))
        return -1;
    g.good = make_leaf(-3600, 14);
    g.expired = make_leaf(-20 * 86400, 2);
    return g.good && g.expired ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    cx_x509_chain_free(g.good);
    cx_x509_chain_free(g.expired);
    cx_x509_trust_free(g.trust);
    cx_x509_trust_free(g.other_trust);
    qb_free(NULL, g.ca_cert);
    qb_free(NULL, g.ca_key);
    qb_free(NULL, g.other_ca_cert);
    qb_free(NULL, g.other_ca_key);
    return 0;
}

static const uint8_t TP[] = {0x01, 0x02, 0x40, 0x64};

typedef struct sides {
    tls_config ccfg, scfg;
    tls_conn *c, *s;
} sides;

static void init(sides *x)
{
    memset(x, 0, sizeof *x);
    tls_config_init(&x->ccfg, TLS_ROLE_CLIENT);
    tls_config_init(&x->scfg, TLS_ROLE_SERVER);
    x->ccfg.alpn[0] = "h3";
    x->ccfg.alpn_count = 1;
    x->ccfg.server_name = "quince.test";
    x->ccfg.trust = g.trust;
    x->scfg.alpn[0] = "h3";
    x->scfg.alpn_count = 1;
    x->scfg.chain = g.good;
}

static void start(sides *x)
{
    x->c = tls_conn_new(&x->ccfg, TP, sizeof TP);
    x->s = tls_conn_new(&x->scfg, TP, sizeof TP);
    assert_non_null(x->c);
    assert_non_null(x->s);
}

static void done(sides *x)
{
    tls_conn_free(x->c);
    tls_conn_free(x->s);
}

/* The side that must fail fails with alert; its error event says the same. */
static void expect_alert(tls_conn *c, int rc, uint8_t alert)
{
    tls_event ev;
    int seen = 0;
    if (tls_conn_alert(c) != alert)
        fail_msg("alert %u (%s), want %u (%s); reason: %s", tls_conn_alert(c),
                 tls_alert_str(tls_conn_alert(c)), alert, tls_alert_str(alert),
                 tls_conn_reason(c) ? tls_conn_reason(c) : "-");
    assert_int_equal(rc, TLS_ERR_ALERT(alert));
    assert_int_equal(tls_err_alert(rc), alert);
    while (tls_conn_next_event(c, &ev))
        if (ev.type == TLS_EVENT_ERROR) {
            assert_int_equal(ev.alert, alert);
            seen++;
        }
    assert_int_equal(seen, 1);
    assert_false(tls_conn_is_done(c));
    /* a dead connection stays dead */
    assert_int_equal(tls_conn_recv(c, TLS_LEVEL_INITIAL, (const uint8_t *)"x", 1), TLS_ERR_FAILED);
}

static void run_expect_client_alert(sides *x, tls_pair_filter f, void *ud, uint8_t alert)
{
    start(x);
    int rc = tls_pair_run(x->c, x->s, f, ud);
    (void)rc;
    const uint8_t *p;
    size_t n;
    tls_conn_get_output(x->c, TLS_LEVEL_HANDSHAKE, &p, &n);
    assert_int_equal(n, 0); /* no client Finished after a failure */
    expect_alert(x->c, TLS_ERR_ALERT(alert), alert);
    done(x);
}

/* ---- certificates ---- */

static void test_wrong_host(void **state)
{
    (void)state;
    sides x;
    init(&x);
    x.ccfg.server_name = "evil.example";
    run_expect_client_alert(&x, NULL, NULL, TLS_ALERT_BAD_CERTIFICATE);
    init(&x);
    x.ccfg.server_name = "192.0.2.1"; /* IP not in the SAN */
    run_expect_client_alert(&x, NULL, NULL, TLS_ALERT_BAD_CERTIFICATE);
    init(&x); /* while IP 127.0.0.1 and localhost are in it */
    x.ccfg.server_name = "127.0.0.1";
    start(&x);
    assert_int_equal(tls_pair_run(x.c, x.s, NULL, NULL), 0);
    done(&x);
}

static void test_unknown_ca(void **state)
{
    (void)state;
    sides x;
    init(&x);
    x.ccfg.trust = g.other_trust;
    run_expect_client_alert(&x, NULL, NULL, TLS_ALERT_UNKNOWN_CA);
}

static void test_expired(void **state)
{
    (void)state;
    sides x;
    init(&x);
    x.scfg.chain = g.expired;
    run_expect_client_alert(&x, NULL, NULL, TLS_ALERT_CERTIFICATE_EXPIRED);
    /* the good certificate seen from 30 days later is expired too */
    init(&x);
    x.ccfg.verify_time = time(NULL) + 30 * 86400;
    run_expect_client_alert(&x, NULL, NULL, TLS_ALERT_CERTIFICATE_EXPIRED);
}

/* ---- tampering with the server's flight ---- */

typedef struct tamper {
    tls_role from;
    tls_level level;
    uint8_t type;   /* message to change */
    size_t at_end;  /* flip the byte this far from the end of its body (1 = last) */
    int hits;
} tamper;

static int tamper_filter(void *ud, tls_role from, tls_level level, uint8_t *buf, size_t *len,
                         size_t cap)
{
    tamper *t = ud;
    size_t off = 0;
    if (from != t->from || level != t->level)
        return 0;
    while (off + 4 <= *len) {
        size_t ml = ((size_t)buf[off + 1] << 16) | ((size_t)buf[off + 2] << 8) | buf[off + 3];
        if (buf[off] == t->type && off + 4 + ml <= *len) {
            buf[off + 4 + ml - t->at_end] ^= 0x01;
            t->hits++;
        }
        off += 4 + ml;
    }
    return 0;
}

static void test_tampered_finished(void **state)
{
    (void)state;
    sides x;
    tamper t = {TLS_ROLE_SERVER, TLS_LEVEL_HANDSHAKE, TLS_HS_FINISHED, 1, 0};
    init(&x);
    run_expect_client_alert(&x, tamper_filter, &t, TLS_ALERT_DECRYPT_ERROR);
    assert_int_equal(t.hits, 1);

    /* and the client's Finished, seen by the server */
    tamper u = {TLS_ROLE_CLIENT, TLS_LEVEL_HANDSHAKE, TLS_HS_FINISHED, 5, 0};
    init(&x);
    start(&x);
    int rc = tls_pair_run(x.c, x.s, tamper_filter, &u);
    assert_int_equal(u.hits, 1);
    expect_alert(x.s, rc, TLS_ALERT_DECRYPT_ERROR);
    done(&x);
}

static void test_bad_certificate_verify(void **state)
{
    (void)state;
    sides x;
    tamper t = {TLS_ROLE_SERVER, TLS_LEVEL_HANDSHAKE, TLS_HS_CERTIFICATE_VERIFY, 10, 0};
    init(&x);
    run_expect_client_alert(&x, tamper_filter, &t, TLS_ALERT_DECRYPT_ERROR);
    assert_int_equal(t.hits, 1);
}

/* ---- ClientHellos a server must refuse ---- */

/* The ClientHello our client makes for cfg. */
static size_t client_hello(sides *x, uint8_t *out, size_t cap)
{
    const uint8_t *p;
    size_t n;
    x->c = tls_conn_new(&x->ccfg, TP, sizeof TP);
    assert_non_null(x->c);
    assert_int_equal(tls_conn_start(x->c), 0);
    tls_conn_get_output(x->c, TLS_LEVEL_INITIAL, &p, &n);
    assert_true(n <= cap);
    memcpy(out, p, n);
    return n;
}

static int feed_server(sides *x, const uint8_t *msg, size_t n)
{
    x->s = tls_conn_new(&x->scfg, TP, sizeof TP);
    assert_non_null(x->s);
    return tls_conn_recv(x->s, TLS_LEVEL_INITIAL, msg, n);
}

typedef void (*ch_edit)(tls_ch *ch, uint8_t *scratch);

/* Our ClientHello, edited at the struct level, fed to a server. */
static int edited_hello(sides *x, ch_edit edit)
{
    uint8_t orig[4096], out[8192], scratch[2048];
    size_t n = client_hello(x, orig, sizeof orig);
    tls_ch ch;
    qb_wr w;
    assert_int_equal(tls_ch_decode(orig + 4, n - 4, &ch), 0);
    edit(&ch, scratch);
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(tls_ch_encode(&w, &ch), 0);
    return feed_server(x, out, w.off);
}

static void no_versions(tls_ch *ch, uint8_t *s)
{
    (void)s;
    ch->ext.present &= ~(1u << TLS_X_VERSIONS);
}
static void tls12_only(tls_ch *ch, uint8_t *s)
{
    s[0] = 0x03;
    s[1] = 0x03;
    ch->ext.val[TLS_X_VERSIONS] = (tls_bytes){s, 2};
}
static void no_tp(tls_ch *ch, uint8_t *s)
{
    (void)s;
    ch->ext.present &= ~(1u << TLS_X_TP);
}
static void no_alpn(tls_ch *ch, uint8_t *s)
{
    (void)s;
    ch->ext.present &= ~(1u << TLS_X_ALPN);
}
static void session_id(tls_ch *ch, uint8_t *s)
{
    memset(s, 0xab, 32);
    ch->session_id = (tls_bytes){s, 32};
}
static void compression(tls_ch *ch, uint8_t *s)
{
    s[0] = 1;
    s[1] = 0;
    ch->compression = (tls_bytes){s, 2};
}
static void no_common_suite(tls_ch *ch, uint8_t *s)
{
    s[0] = 0x13;
    s[1] = 0x04;
    ch->suites = (tls_bytes){s, 2};
}
static void no_sigalgs(tls_ch *ch, uint8_t *s)
{
    (void)s;
    ch->ext.present &= ~(1u << TLS_X_SIGALGS);
}
/* Go's X25519MLKEM768 share first (1216 bytes, RFC draft codepoint 0x11EC). */
static void mlkem_first(tls_ch *ch, uint8_t *s)
{
    tls_bytes old = ch->ext.val[TLS_X_KEY_SHARE], groups = ch->ext.val[TLS_X_GROUPS];
    qb_put_u16(s, 0x11EC);
    qb_put_u16(s + 2, 1216);
    memset(s + 4, 0x5a, 1216);
    memcpy(s + 1220, old.p, old.len);
    ch->ext.val[TLS_X_KEY_SHARE] = (tls_bytes){s, 1220 + old.len};
    uint8_t *gl = s + 1220 + old.len;
    qb_put_u16(gl, 0x11EC);
    memcpy(gl + 2, groups.p, groups.len);
    ch->ext.val[TLS_X_GROUPS] = (tls_bytes){gl, 2 + groups.len};
}

/* The x25519 share twice. */
static void share_twice(tls_ch *ch, uint8_t *s)
{
    tls_bytes old = ch->ext.val[TLS_X_KEY_SHARE];
    memcpy(s, old.p, old.len);
    memcpy(s + old.len, old.p, old.len);
    ch->ext.val[TLS_X_KEY_SHARE] = (tls_bytes){s, 2 * old.len};
}
/* A share for a group not in supported_groups. */
static void share_unlisted(tls_ch *ch, uint8_t *s)
{
    static const uint8_t only_p256[] = {0x00, 0x17};
    ch->ext.val[TLS_X_GROUPS] = (tls_bytes){only_p256, 2};
    (void)s;
}

static void expect_server(sides *x, int rc, uint8_t alert)
{
    expect_alert(x->s, rc, alert);
    const uint8_t *p;
    size_t n;
    tls_conn_get_output(x->s, TLS_LEVEL_INITIAL, &p, &n);
    assert_int_equal(n, 0); /* nothing sent but the alert */
    done(x);
}

static void test_tls12_only(void **state)
{
    (void)state;
    sides x;
    init(&x);
    expect_server(&x, edited_hello(&x, no_versions), TLS_ALERT_PROTOCOL_VERSION);
    init(&x);
    expect_server(&x, edited_hello(&x, tls12_only), TLS_ALERT_PROTOCOL_VERSION);
}

/* A ServerHello without supported_versions (a TLS 1.2 server) fails the client. */
static int drop_sh_versions(void *ud, tls_role from, tls_level level, uint8_t *buf, size_t *len,
                            size_t cap)
{
    tls_sh sh;
    uint8_t out[1024];
    qb_wr w;
    if (from != TLS_ROLE_SERVER || level != TLS_LEVEL_INITIAL)
        return 0;
    assert_int_equal(tls_sh_decode(buf + 4, *len - 4, &sh), 0);
    sh.ext.present &= ~(1u << TLS_X_VERSIONS);
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(tls_sh_encode(&w, &sh), 0);
    memcpy(buf, out, w.off);
    *len = w.off;
    return 0;
}

static void test_tls12_server(void **state)
{
    (void)state;
    sides x;
    init(&x);
    run_expect_client_alert(&x, drop_sh_versions, NULL, TLS_ALERT_PROTOCOL_VERSION);
}

static void test_no_alpn_overlap(void **state)
{
    (void)state;
    sides x;
    init(&x);
    x.scfg.alpn[0] = "ping/1.0";
    start(&x);
    int rc = tls_pair_run(x.c, x.s, NULL, NULL);
    expect_alert(x.s, rc, TLS_ALERT_NO_APPLICATION_PROTOCOL);
    done(&x);
    init(&x);
    expect_server(&x, edited_hello(&x, no_alpn), TLS_ALERT_NO_APPLICATION_PROTOCOL);
}

static void test_missing_transport_parameters(void **state)
{
    (void)state;
    sides x;
    init(&x);
    expect_server(&x, edited_hello(&x, no_tp), TLS_ALERT_MISSING_EXTENSION);
}

/* EncryptedExtensions without quic_transport_parameters fails the client. */
static int drop_ee_tp(void *ud, tls_role from, tls_level level, uint8_t *buf, size_t *len,
                      size_t cap)
{
    tls_ee ee;
    uint8_t out[8192];
    qb_wr w;
    if (from != TLS_ROLE_SERVER || level != TLS_LEVEL_HANDSHAKE)
        return 0;
    size_t ml = ((size_t)buf[1] << 16) | ((size_t)buf[2] << 8) | buf[3];
    assert_int_equal(buf[0], TLS_HS_ENCRYPTED_EXTENSIONS);
    assert_int_equal(tls_ee_decode(buf + 4, ml, &ee), 0);
    ee.ext.present &= ~(1u << TLS_X_TP);
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(tls_ee_encode(&w, &ee), 0);
    memcpy(out + w.off, buf + 4 + ml, *len - 4 - ml);
    size_t n = w.off + *len - 4 - ml;
    memcpy(buf, out, n);
    *len = n;
    return 0;
}

static void test_missing_tp_client(void **state)
{
    (void)state;
    sides x;
    init(&x);
    run_expect_client_alert(&x, drop_ee_tp, NULL, TLS_ALERT_MISSING_EXTENSION);
}

static void test_legacy_session_id(void **state)
{
    (void)state;
    sides x;
    init(&x);
    expect_server(&x, edited_hello(&x, session_id), TLS_ALERT_ILLEGAL_PARAMETER);
}

static void test_other_hello_checks(void **state)
{
    (void)state;
    sides x;
    init(&x);
    expect_server(&x, edited_hello(&x, compression), TLS_ALERT_ILLEGAL_PARAMETER);
    init(&x);
    expect_server(&x, edited_hello(&x, no_common_suite), TLS_ALERT_HANDSHAKE_FAILURE);
    init(&x);
    expect_server(&x, edited_hello(&x, no_sigalgs), TLS_ALERT_MISSING_EXTENSION);
    init(&x);
    expect_server(&x, edited_hello(&x, share_twice), TLS_ALERT_ILLEGAL_PARAMETER);
    init(&x);
    expect_server(&x, edited_hello(&x, share_unlisted), TLS_ALERT_ILLEGAL_PARAMETER);
}

/* An unknown group's share (Go's hybrid) is skipped; x25519 is chosen. */
static void test_unknown_group_skipped(void **state)
{
    (void)state;
    sides x;
    const uint8_t *p;
    size_t n;
    tls_sh sh;
    uint16_t grp;
    tls_bytes key;
    init(&x);
    assert_int_equal(edited_hello(&x, mlkem_first), 0);
    tls_conn_get_output(x.s, TLS_LEVEL_INITIAL, &p, &n);
    assert_int_equal(tls_sh_decode(p + 4, n - 4, &sh), 0);
    assert_false(sh.hrr);
    assert_int_equal(tls_key_share_one(sh.ext.val[TLS_X_KEY_SHARE], &grp, &key), 0);
    assert_int_equal(grp, CX_GROUP_X25519);
    done(&x);
}

/* Raw-byte surgery on our ClientHello: append one extension to its block. */
static size_t append_ext(uint8_t *m, size_t n, uint16_t type, const uint8_t *data, size_t dl)
{
    size_t off = 4 + 2 + 32;
    off += 1 + m[off];                           /* session id */
    off += 2 + qb_get_u16(m + off);              /* suites */
    off += 1 + m[off];                           /* compression */
    qb_put_u16(m + off, (uint16_t)(qb_get_u16(m + off) + 4 + dl));
    qb_put_u16(m + n, type);
    qb_put_u16(m + n + 2, (uint16_t)dl);
    if (dl)
        memcpy(m + n + 4, data, dl);
    n += 4 + dl;
    m[1] = (uint8_t)((n - 4) >> 16);
    m[2] = (uint8_t)((n - 4) >> 8);
    m[3] = (uint8_t)(n - 4);
    return n;
}

static void test_duplicate_extension(void **state)
{
    (void)state;
    sides x;
    uint8_t m[4096];
    /* a second ALPN (known type) */
    init(&x);
    size_t n = client_hello(&x, m, sizeof m);
    n = append_ext(m, n, TLS_EXT_ALPN, (const uint8_t *)"\x00\x03\x02h3", 5);
    expect_server(&x, feed_server(&x, m, n), TLS_ALERT_ILLEGAL_PARAMETER);
    /* an unknown type twice */
    init(&x);
    n = client_hello(&x, m, sizeof m);
    n = append_ext(m, n, 0xfafa, NULL, 0);
    n = append_ext(m, n, 0xfafa, NULL, 0);
    expect_server(&x, feed_server(&x, m, n), TLS_ALERT_ILLEGAL_PARAMETER);
    /* while an unknown type once is skipped */
    init(&x);
    n = client_hello(&x, m, sizeof m);
    n = append_ext(m, n, 0xfafa, NULL, 0);
    assert_int_equal(feed_server(&x, m, n), 0);
    done(&x);
}

static void test_truncated_and_overlong(void **state)
{
    (void)state;
    sides x;
    uint8_t m[4096];
    /* the body one byte short: the extension block overruns it */
    init(&x);
    size_t n = client_hello(&x, m, sizeof m);
    m[3] -= 1;
    expect_server(&x, feed_server(&x, m, n - 1), TLS_ALERT_DECODE_ERROR);
    /* a trailing byte after the extensions */
    init(&x);
    n = client_hello(&x, m, sizeof m);
    m[3] += 1;
    m[n] = 0;
    expect_server(&x, feed_server(&x, m, n + 1), TLS_ALERT_DECODE_ERROR);
    /* a header announcing more than the limit */
    init(&x);
    x.s = tls_conn_new(&x.scfg, TP, sizeof TP);
    static const uint8_t big[] = {TLS_HS_CLIENT_HELLO, 0x01, 0x00, 0x01, 0x03, 0x03};
    expect_alert(x.s, tls_conn_recv(x.s, TLS_LEVEL_INITIAL, big, sizeof big),
                 TLS_ALERT_RECORD_OVERFLOW);
    done(&x);
    /* a smaller configured limit */
    init(&x);
    x.scfg.max_message_size = 100;
    n = client_hello(&x, m, sizeof m);
    assert_true(n > 104);
    expect_server(&x, feed_server(&x, m, n), TLS_ALERT_RECORD_OVERFLOW);
}

static void test_wrong_state(void **state)
{
    (void)state;
    sides x;
    static const uint8_t fin[] = {TLS_HS_FINISHED, 0, 0, 32, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
                                  12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
                                  27, 28, 29, 30, 31, 32};
    static const uint8_t key_update[] = {TLS_HS_KEY_UPDATE, 0, 0, 1, 0};
    static const uint8_t eoed[] = {TLS_HS_END_OF_EARLY_DATA, 0, 0, 0};
    /* a Finished before any ClientHello */
    init(&x);
    expect_server(&x, feed_server(&x, fin, sizeof fin), TLS_ALERT_UNEXPECTED_MESSAGE);
    /* Handshake-level bytes before the ClientHello */
    init(&x);
    x.s = tls_conn_new(&x.scfg, TP, sizeof TP);
    expect_alert(x.s, tls_conn_recv(x.s, TLS_LEVEL_HANDSHAKE, fin, sizeof fin),
                 TLS_ALERT_UNEXPECTED_MESSAGE);
    done(&x);
    /* EndOfEarlyData is never valid in QUIC (RFC 9001 §8.3) */
    init(&x);
    expect_server(&x, feed_server(&x, eoed, sizeof eoed), TLS_ALERT_UNEXPECTED_MESSAGE);
    /* a client that gets its own ClientHello back */
    init(&x);
    uint8_t m[4096];
    size_t n = client_hello(&x, m, sizeof m);
    expect_alert(x.c, tls_conn_recv(x.c, TLS_LEVEL_INITIAL, m, n), TLS_ALERT_UNEXPECTED_MESSAGE);
    done(&x);
    /* a client that was not started */
    init(&x);
    x.c = tls_conn_new(&x.ccfg, TP, sizeof TP);
    expect_alert(x.c, tls_conn_recv(x.c, TLS_LEVEL_INITIAL, fin, sizeof fin),
                 TLS_ALERT_UNEXPECTED_MESSAGE);
    done(&x);
    /* KeyUpdate after the handshake (RFC 9001 §6), on either side */
    for (int side = 0; side < 2; side++) {
        init(&x);
        start(&x);
        assert_int_equal(tls_pair_run(x.c, x.s, NULL, NULL), 0);
        tls_conn *c = side ? x.s : x.c;
        tls_event ev;
        while (tls_conn_next_event(c, &ev))
            ;
        expect_alert(c, tls_conn_recv(c, TLS_LEVEL_APPLICATION, key_update, sizeof key_update),
                     TLS_ALERT_UNEXPECTED_MESSAGE);
        done(&x);
    }
    /* Initial-level bytes after the handshake moved on */
    init(&x);
    start(&x);
    assert_int_equal(tls_pair_run(x.c, x.s, NULL, NULL), 0);
    tls_event ev;
    while (tls_conn_next_event(x.c, &ev))
        ;
    expect_alert(x.c, tls_conn_recv(x.c, TLS_LEVEL_INITIAL, fin, sizeof fin),
                 TLS_ALERT_UNEXPECTED_MESSAGE);
    done(&x);
}

/* The client keeps NewSessionTicket messages and accepts them after the handshake. */
static void test_new_session_ticket(void **state)
{
    (void)state;
    sides x;
    uint8_t good[] = {TLS_HS_NEW_SESSION_TICKET, 0, 0, 25, /* early_data: u32 */
                      0, 0, 0x1c, 0x20, 1, 2, 3, 4, 1, 0, 0, 3, 't', 'k', 't',
                      0, 8, 0, 42, 0, 4, 0xff, 0xff, 0xff, 0xff};
    init(&x);
    start(&x);
    assert_int_equal(tls_pair_run(x.c, x.s, NULL, NULL), 0);
    assert_int_equal(tls_conn_recv(x.c, TLS_LEVEL_APPLICATION, good, sizeof good), 0);
    assert_int_equal(tls_conn_recv(x.c, TLS_LEVEL_APPLICATION, good, sizeof good), 0);
    assert_int_equal(tls_conn_ticket_count(x.c), 2);
    good[3] += 1; /* a ticket with a trailing byte */
    uint8_t bad[sizeof good + 1];
    memcpy(bad, good, sizeof good);
    bad[sizeof good] = 0;
    tls_event ev;
    while (tls_conn_next_event(x.c, &ev))
        ;
    expect_alert(x.c, tls_conn_recv(x.c, TLS_LEVEL_APPLICATION, bad, sizeof bad),
                 TLS_ALERT_DECODE_ERROR);
    done(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrong_host),
        cmocka_unit_test(test_unknown_ca),
        cmocka_unit_test(test_expired),
        cmocka_unit_test(test_tampered_finished),
        cmocka_unit_test(test_bad_certificate_verify),
        cmocka_unit_test(test_tls12_only),
        cmocka_unit_test(test_tls12_server),
        cmocka_unit_test(test_no_alpn_overlap),
        cmocka_unit_test(test_missing_transport_parameters),
        cmocka_unit_test(test_missing_tp_client),
        cmocka_unit_test(test_legacy_session_id),
        cmocka_unit_test(test_other_hello_checks),
        cmocka_unit_test(test_unknown_group_skipped),
        cmocka_unit_test(test_duplicate_extension),
        cmocka_unit_test(test_truncated_and_overlong),
        cmocka_unit_test(test_wrong_state),
        cmocka_unit_test(test_new_session_ticket),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
