/* TLS 1.3 session resumption (RFC 8446 §2.2, §4.2.11, §4.6.1): tickets sealed
 * under rotating server keys, the PSK binder (known answer from the RFC 8448
 * §3/§4 traces), and in-memory handshakes that resume, fall back to a full
 * handshake, or fail on a tampered binder. */
#include "common/tu.h"
#include "crypto/cx_certgen.h"
#include "crypto/cx_kex.h"
#include "crypto/tls.h"
#include "crypto/tls_pair.h"
#include "crypto/tls_ticket.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static cx_x509_trust *g_trust;
static cx_x509_chain *g_chain;

static int setup(void **state)
{
    (void)state;
    char *ca, *cak, *c, *k;
    size_t cl, kl;
    cx_certgen_opts o = {.key_type = CX_KEY_EC_P256, .common_name = "quince test CA",
                         .now = time(NULL), .not_before_offset = -3600, .is_ca = true};
    if (cx_certgen(&o, NULL, &ca, &cl, &cak, &kl) || cx_x509_trust_from_pem(ca, cl, &g_trust))
        return -1;
    cx_certgen_opts lo = {.key_type = CX_KEY_EC_P256, .host = "quince.test", .now = time(NULL),
                          .not_before_offset = -3600, .issuer_cert_pem = ca, .issuer_key_pem = cak};
    if (cx_certgen(&lo, NULL, &c, &cl, &k, &kl) ||
        cx_x509_chain_from_pem(c, cl, k, kl, NULL, &g_chain))
        return -1;
    qb_free(NULL, ca);
    qb_free(NULL, cak);
    qb_free(NULL, c);
    qb_free(NULL, k);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cx_x509_chain_free(g_chain);
    cx_x509_trust_free(g_trust);
    return 0;
}

/* ---- known answers: RFC 8448 §3 (ticket) and §4 (resumed handshake) ---- */

static void test_ticket_psk_and_binder_match_rfc8448(void **state)
{
    (void)state;
    uint8_t res[32], psk[32], th[32], want_psk[32], want_binder[32], got[32];
    const uint8_t nonce[2] = {0, 0};
    tu_hex("7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c", res, 32);
    tu_hex("4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3", want_psk, 32);
    /* Hash of the §4 ClientHello truncated before its binders */
    tu_hex("63224b2e4573f2d3454ca84b9d009a04f6be9e05711a8396473aefa01e924a14", th, 32);
    tu_hex("3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d", want_binder, 32);
    assert_int_equal(tls_psk_from_ticket(CX_SHA256, res, nonce, 2, psk), 0);
    assert_memory_equal(psk, want_psk, 32);
    assert_int_equal(tls_psk_binder(CX_SHA256, psk, 32, th, got), 0);
    assert_memory_equal(got, want_binder, 32);
}

/* ---- sealing ---- */

static void fill_ticket(tls_ticket *t)
{
    static const uint8_t app[] = "tp+settings";
    memset(t, 0, sizeof *t);
    t->suite = TLS_AES_128_GCM_SHA256;
    t->alpn = (tls_bytes){(const uint8_t *)"h3", 2};
    memset(t->psk, 0x5a, 32);
    t->psk_len = 32;
    t->created_ms = 1234567890123;
    t->age_add = 0xdeadbeef;
    t->lifetime = 3600;
    t->max_early_data = 0xffffffffu;
    t->app_data = (tls_bytes){app, sizeof app};
}

static void test_ticket_seal_open_round_trip_and_forgery(void **state)
{
    (void)state;
    tls_ticket_keys *k = tls_ticket_keys_new(NULL, NULL, NULL);
    tls_ticket t, o;
    uint8_t sealed[256], buf[256];
    size_t len;
    assert_non_null(k);
    fill_ticket(&t);
    assert_int_equal(tls_ticket_seal(k, &t, sealed, sizeof sealed, &len), 0);
    /* the PSK is not in the clear */
    assert_null(memmem(sealed, len, t.psk, 8));
    assert_int_equal(tls_ticket_open(k, sealed, len, buf, &o), 0);
    assert_int_equal(o.suite, t.suite);
    assert_int_equal(o.psk_len, 32);
    assert_memory_equal(o.psk, t.psk, 32);
    assert_true(o.created_ms == t.created_ms);
    assert_int_equal(o.age_add, t.age_add);
    assert_int_equal(o.lifetime, t.lifetime);
    assert_int_equal(o.max_early_data, t.max_early_data);
    assert_int_equal(o.alpn.len, 2);
    assert_memory_equal(o.app_data.p, t.app_data.p, t.app_data.len);
    /* one bit changed anywhere (key id, nonce, body, tag): not a ticket of ours */
    for (size_t i = 0; i < len; i++) {
        sealed[i] ^= 0x01;
        assert_int_equal(tls_ticket_open(k, sealed, len, buf, &o), -1);
        sealed[i] ^= 0x01;
    }
    assert_int_equal(tls_ticket_open(k, sealed, len - 1, buf, &o), -1);
    /* one rotation: still opens (previous key); two: rotated out */
    assert_int_equal(tls_ticket_keys_rotate(k), 0);
    assert_int_equal(tls_ticket_open(k, sealed, len, buf, &o), 0);
    assert_int_equal(tls_ticket_keys_rotate(k), 0);
    assert_int_equal(tls_ticket_open(k, sealed, len, buf, &o), -1);
    /* another server's keys do not open it */
    tls_ticket_keys *other = tls_ticket_keys_new(NULL, NULL, NULL);
    assert_int_equal(tls_ticket_seal(k, &t, sealed, sizeof sealed, &len), 0);
    assert_int_equal(tls_ticket_open(other, sealed, len, buf, &o), -1);
    tls_ticket_keys_free(other);
    tls_ticket_keys_free(k);
}

/* ---- handshakes ---- */

static const uint8_t CLIENT_TP[] = {0x01, 0x02, 0x40, 0x64};
static const uint8_t SERVER_TP[] = {0x03, 0x02, 0x45, 0xc0};

typedef struct store {
    uint8_t sess[4][4096];
    size_t len[4];
    size_t n;
} store;

static void on_session(void *ud, const uint8_t *p, size_t n)
{
    store *s = ud;
    assert_true(n <= sizeof s->sess[0]);
    if (s->n < 4) {
        memcpy(s->sess[s->n], p, n);
        s->len[s->n++] = n;
    }
}

static int64_t g_server_now, g_client_now;
static int64_t server_clock(void *ud) { (void)ud; return g_server_now; }
static int64_t client_clock(void *ud) { (void)ud; return g_client_now; }

typedef struct world {
    tls_config ccfg, scfg;
    tls_ticket_keys *keys;
    store st;
} world;

static void world_init(world *w)
{
    memset(w, 0, sizeof *w);
    g_server_now = g_client_now = 1700000000000;
    w->keys = tls_ticket_keys_new(NULL, NULL, NULL);
    assert_non_null(w->keys);
    tls_config_init(&w->ccfg, TLS_ROLE_CLIENT);
    tls_config_init(&w->scfg, TLS_ROLE_SERVER);
    w->ccfg.alpn[0] = w->scfg.alpn[0] = "h3";
    w->ccfg.alpn_count = w->scfg.alpn_count = 1;
    w->ccfg.server_name = "quince.test";
    w->ccfg.trust = g_trust;
    w->ccfg.on_session = on_session;
    w->ccfg.session_ud = &w->st;
    w->ccfg.clock = client_clock;
    w->scfg.chain = g_chain;
    w->scfg.ticket_keys = w->keys;
    w->scfg.clock = server_clock;
}

typedef struct seen {
    int server_certs;  /* Certificate messages the server sent */
    bool tamper;       /* flip the last byte of the client's first flight */
} seen;

/* Counts server Certificate messages in Handshake-level flights. */
static int filter(void *ud, tls_role from, tls_level level, uint8_t *buf, size_t *len, size_t cap)
{
    seen *s = ud;
    (void)cap;
    if (from == TLS_ROLE_SERVER && level == TLS_LEVEL_HANDSHAKE) {
        for (size_t off = 0; off + 4 <= *len;) {
            size_t ml = ((size_t)buf[off + 1] << 16) | ((size_t)buf[off + 2] << 8) | buf[off + 3];
            if (buf[off] == 11 /* Certificate */)
                s->server_certs++;
            off += 4 + ml;
        }
    }
    if (s->tamper && from == TLS_ROLE_CLIENT && level == TLS_LEVEL_INITIAL) {
        buf[*len - 1] ^= 0x80; /* the last byte of the binder */
        s->tamper = false;
    }
    return 0;
}

/* What the last run's ends said about 0-RTT, and their key log lines. */
static tls_early_state g_early_c, g_early_s;
static const char *g_early_why;
static char g_klog_c[160], g_klog_s[160];
static int g_early_events_c, g_early_events_s;

static void klog(void *ud, const char *line)
{
    if (!strncmp(line, "CLIENT_EARLY_TRAFFIC_SECRET ", 28))
        snprintf(ud, 160, "%s", line);
}

static int early_events(tls_conn *c)
{
    tls_event ev;
    int n = 0;
    while (tls_conn_next_event(c, &ev))
        n += ev.type == TLS_EVENT_SECRET && ev.level == TLS_LEVEL_EARLY;
    return n;
}

/* One handshake; returns tls_pair_run's result; *resumed what both say. */
static int run(world *w, const uint8_t *sess, size_t slen, seen *sn, bool *resumed, uint8_t *alert)
{
    w->ccfg.session = sess;
    w->ccfg.session_len = slen;
    tls_conn *c = tls_conn_new(&w->ccfg, CLIENT_TP, sizeof CLIENT_TP);
    tls_conn *s = tls_conn_new(&w->scfg, SERVER_TP, sizeof SERVER_TP);
    assert_non_null(c);
    assert_non_null(s);
    assert_int_equal(tls_conn_set_ticket_app_data(s, (const uint8_t *)"remember", 8), 0);
    g_klog_c[0] = g_klog_s[0] = 0;
    int rc = tls_pair_run(c, s, filter, sn);
    g_early_c = tls_conn_early_data(c);
    g_early_s = tls_conn_early_data(s);
    g_early_why = tls_conn_early_reason(s);
    g_early_events_c = early_events(c);
    g_early_events_s = early_events(s);
    /* NewSessionTickets come after both are done: one more delivery */
    if (rc == 0) {
        const uint8_t *p;
        size_t n;
        tls_conn_get_output(s, TLS_LEVEL_APPLICATION, &p, &n);
        if (n) {
            uint8_t *copy = malloc(n);
            memcpy(copy, p, n);
            tls_conn_consume_output(s, TLS_LEVEL_APPLICATION, n);
            assert_int_equal(tls_conn_recv(c, TLS_LEVEL_APPLICATION, copy, n), 0);
            free(copy);
        }
        assert_int_equal(tls_conn_resumed(c), tls_conn_resumed(s));
        if (tls_conn_resumed(s)) {
            const uint8_t *app;
            size_t an;
            tls_conn_ticket_app_data(s, &app, &an);
            assert_int_equal(an, 8);
            assert_memory_equal(app, "remember", 8);
        }
    }
    *resumed = tls_conn_resumed(c);
    *alert = tls_conn_alert(s);
    tls_conn_free(c);
    tls_conn_free(s);
    return rc;
}

static void test_resumed_handshake_sends_no_certificate(void **state)
{
    (void)state;
    world w;
    seen sn = {0};
    bool resumed;
    uint8_t alert;
    world_init(&w);
    w.scfg.ticket_count = 2;
    assert_int_equal(run(&w, NULL, 0, &sn, &resumed, &alert), 0);
    assert_false(resumed);
    assert_int_equal(sn.server_certs, 1);
    assert_int_equal(w.st.n, 2); /* two tickets, each a session */
    assert_true(tls_session_usable(w.st.sess[0], w.st.len[0], "quince.test", g_client_now));
    assert_false(tls_session_usable(w.st.sess[0], w.st.len[0], "other.test", g_client_now));
    store first = w.st;
    memset(&w.st, 0, sizeof w.st);
    memset(&sn, 0, sizeof sn);
    g_client_now += 5000;
    g_server_now += 5000;
    assert_int_equal(run(&w, first.sess[1], first.len[1], &sn, &resumed, &alert), 0);
    assert_true(resumed);
    assert_int_equal(sn.server_certs, 0); /* RFC 8446 §2.2 */
    assert_int_equal(w.st.n, 2); /* a resumed connection gets new tickets too */
    /* and those resume again */
    memset(&sn, 0, sizeof sn);
    assert_int_equal(run(&w, w.st.sess[0], w.st.len[0], &sn, &resumed, &alert), 0);
    assert_true(resumed);
    tls_ticket_keys_free(w.keys);
}

static void test_tampered_binder_is_decrypt_error(void **state)
{
    (void)state;
    world w;
    seen sn = {0};
    bool resumed;
    uint8_t alert;
    world_init(&w);
    assert_int_equal(run(&w, NULL, 0, &sn, &resumed, &alert), 0);
    assert_int_equal(w.st.n, 1);
    sn.tamper = true;
    /* RFC 8446 §4.2.11: the server aborts; §6.2: decrypt_error */
    assert_int_not_equal(run(&w, w.st.sess[0], w.st.len[0], &sn, &resumed, &alert), 0);
    assert_int_equal(alert, TLS_ALERT_DECRYPT_ERROR);
    tls_ticket_keys_free(w.keys);
}

static void test_ticket_of_rotated_out_key_gives_full_handshake(void **state)
{
    (void)state;
    world w;
    seen sn = {0};
    bool resumed;
    uint8_t alert;
    world_init(&w);
    assert_int_equal(run(&w, NULL, 0, &sn, &resumed, &alert), 0);
    store first = w.st;
    assert_int_equal(tls_ticket_keys_rotate(w.keys), 0);
    assert_int_equal(run(&w, first.sess[0], first.len[0], &sn, &resumed, &alert), 0);
    assert_true(resumed); /* the previous key still opens it */
    assert_int_equal(tls_ticket_keys_rotate(w.keys), 0);
    memset(&sn, 0, sizeof sn);
    assert_int_equal(run(&w, first.sess[0], first.len[0], &sn, &resumed, &alert), 0);
    assert_false(resumed);
    assert_int_equal(sn.server_certs, 1);
    tls_ticket_keys_free(w.keys);
}

static void test_expired_ticket_gives_full_handshake(void **state)
{
    (void)state;
    world w;
    seen sn = {0};
    bool resumed;
    uint8_t alert;
    world_init(&w);
    w.scfg.ticket_lifetime = 60;
    assert_int_equal(run(&w, NULL, 0, &sn, &resumed, &alert), 0);
    store first = w.st;
    /* the client thinks it young (its clock), the server knows better */
    g_server_now += 61000;
    assert_int_equal(run(&w, first.sess[0], first.len[0], &sn, &resumed, &alert), 0);
    assert_false(resumed);
    /* a client past the lifetime does not offer it */
    g_client_now += 61000;
    g_server_now = g_client_now;
    assert_false(tls_session_usable(first.sess[0], first.len[0], "quince.test", g_client_now));
    assert_int_equal(run(&w, first.sess[0], first.len[0], &sn, &resumed, &alert), 0);
    assert_false(resumed);
    tls_ticket_keys_free(w.keys);
}

static void test_resumption_after_hello_retry_request(void **state)
{
    (void)state;
    world w;
    seen sn = {0};
    bool resumed;
    uint8_t alert;
    world_init(&w);
    assert_int_equal(run(&w, NULL, 0, &sn, &resumed, &alert), 0);
    /* the server takes only P-256: the client's x25519 share gets a retry;
     * the second ClientHello's binder covers the retry transcript */
    w.scfg.groups[0] = CX_GROUP_SECP256R1;
    w.scfg.group_count = 1;
    assert_int_equal(run(&w, w.st.sess[0], w.st.len[0], &sn, &resumed, &alert), 0);
    assert_true(resumed);
    tls_ticket_keys_free(w.keys);
}

static void test_tickets_carry_early_data_only_when_configured(void **state)
{
    (void)state;
    world w;
    seen sn = {0};
    bool resumed;
    uint8_t alert;
    tls_session_info info;
    world_init(&w);
    assert_int_equal(run(&w, NULL, 0, &sn, &resumed, &alert), 0);
    assert_int_equal(tls_session_parse(w.st.sess[0], w.st.len[0], &info), 0);
    assert_int_equal(info.max_early_data, 0);
    assert_string_equal(info.alpn, "h3");
    assert_int_equal(info.peer_tp_len, sizeof SERVER_TP);
    w.scfg.ticket_early_data = true;
    memset(&w.st, 0, sizeof w.st);
    assert_int_equal(run(&w, NULL, 0, &sn, &resumed, &alert), 0);
    assert_int_equal(tls_session_parse(w.st.sess[0], w.st.len[0], &info), 0);
    assert_int_equal(info.max_early_data, 0xffffffffu); /* RFC 9001 §4.6.1 */
    tls_ticket_keys_free(w.keys);
}

static void test_server_without_ticket_keys_sends_none(void **state)
{
    (void)state;
    world w;
    seen sn = {0};
    bool resumed;
    uint8_t alert;
    world_init(&w);
    w.scfg.ticket_keys = NULL;
    assert_int_equal(run(&w, NULL, 0, &sn, &resumed, &alert), 0);
    assert_int_equal(w.st.n, 0);
    tls_ticket_keys_free(w.keys);
}

static int fixed_random(void *ud, uint8_t *out, size_t n)
{
    (void)ud;
    memset(out, 0x42, n);
    return 0;
}

static void world_early(world *w)
{
    world_init(w);
    w->scfg.ticket_early_data = true;
    w->ccfg.early_data = true;
    w->ccfg.keylog = klog;
    w->ccfg.keylog_ud = g_klog_c;
    w->scfg.keylog = klog;
    w->scfg.keylog_ud = g_klog_s;
}

/* RFC 8446 §4.2.10, §7.1: accepted early data; both ends derive the same
 * client_early_traffic_secret (key log) and hand it out as a 0-RTT secret. */
static void test_early_data_accepted_with_same_early_secret(void **state)
{
    (void)state;
    world w;
    seen sn = {0};
    bool resumed;
    uint8_t alert;
    world_early(&w);
    assert_int_equal(run(&w, NULL, 0, &sn, &resumed, &alert), 0);
    assert_int_equal(g_early_c, TLS_EARLY_NONE); /* nothing to offer yet */
    assert_int_equal(run(&w, w.st.sess[0], w.st.len[0], &sn, &resumed, &alert), 0);
    assert_true(resumed);
    assert_int_equal(g_early_c, TLS_EARLY_ACCEPTED);
    assert_int_equal(g_early_s, TLS_EARLY_ACCEPTED);
    assert_int_equal(g_early_events_c, 1); /* the 0-RTT write secret */
    assert_int_equal(g_early_events_s, 1); /* the 0-RTT read secret */
    assert_true(strlen(g_klog_c) > 28 + 65);
    assert_string_equal(g_klog_c, g_klog_s);
    tls_ticket_keys_free(w.keys);
}

/* RFC 8446 §8.2: the same ClientHello twice: the second gets no 0-RTT, and
 * the handshake still resumes. */
static void test_replayed_client_hello_refused_early_data(void **state)
{
    (void)state;
    world w;
    seen sn = {0};
    bool resumed;
    uint8_t alert;
    world_early(&w);
    assert_int_equal(run(&w, NULL, 0, &sn, &resumed, &alert), 0);
    store first = w.st;
    /* a fixed random source makes the second ClientHello a byte copy */
    w.ccfg.random = fixed_random;
    assert_int_equal(run(&w, first.sess[0], first.len[0], &sn, &resumed, &alert), 0);
    assert_int_equal(g_early_s, TLS_EARLY_ACCEPTED);
    assert_int_equal(run(&w, first.sess[0], first.len[0], &sn, &resumed, &alert), 0);
    assert_true(resumed);
    assert_int_equal(g_early_s, TLS_EARLY_REJECTED);
    assert_string_equal(g_early_why, "replayed ClientHello");
    assert_int_equal(g_early_c, TLS_EARLY_REJECTED);
    tls_ticket_keys_free(w.keys);
}

/* RFC 8446 §8.3: a ticket age far from the server's: no 0-RTT. */
static void test_ticket_age_outside_window_refuses_early_data(void **state)
{
    (void)state;
    world w;
    seen sn = {0};
    bool resumed;
    uint8_t alert;
    world_early(&w);
    assert_int_equal(run(&w, NULL, 0, &sn, &resumed, &alert), 0);
    g_server_now += 20000; /* the client's clock lags 20 s */
    assert_int_equal(run(&w, w.st.sess[0], w.st.len[0], &sn, &resumed, &alert), 0);
    assert_true(resumed);
    assert_int_equal(g_early_s, TLS_EARLY_REJECTED);
    assert_string_equal(g_early_why, "ticket age outside the window");
    tls_ticket_keys_free(w.keys);
}

/* RFC 8446 §4.1.2: no early data after a HelloRetryRequest. */
static void test_hello_retry_request_refuses_early_data(void **state)
{
    (void)state;
    world w;
    seen sn = {0};
    bool resumed;
    uint8_t alert;
    world_early(&w);
    assert_int_equal(run(&w, NULL, 0, &sn, &resumed, &alert), 0);
    w.scfg.groups[0] = CX_GROUP_SECP256R1;
    w.scfg.group_count = 1;
    assert_int_equal(run(&w, w.st.sess[0], w.st.len[0], &sn, &resumed, &alert), 0);
    assert_true(resumed);
    assert_int_equal(g_early_c, TLS_EARLY_REJECTED);
    assert_int_equal(g_early_s, TLS_EARLY_REJECTED);
    tls_ticket_keys_free(w.keys);
}

/* RFC 8448 §4: the Early Secret of the resumed 0-RTT trace, HKDF-Extract(0, PSK). */
static void test_early_secret_matches_rfc8448(void **state)
{
    (void)state;
    uint8_t psk[32], want[32];
    tls_keysched ks;
    tu_hex("4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3", psk, 32);
    tu_hex("9b2188e9b2fc6d64d71dc329900e20bb41915000f678aa839cbb797cb7d8332c", want, 32);
    assert_int_equal(tls_ks_init_psk(&ks, CX_SHA256, psk, 32), 0);
    assert_memory_equal(ks.early, want, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ticket_psk_and_binder_match_rfc8448),
        cmocka_unit_test(test_ticket_seal_open_round_trip_and_forgery),
        cmocka_unit_test(test_resumed_handshake_sends_no_certificate),
        cmocka_unit_test(test_tampered_binder_is_decrypt_error),
        cmocka_unit_test(test_ticket_of_rotated_out_key_gives_full_handshake),
        cmocka_unit_test(test_expired_ticket_gives_full_handshake),
        cmocka_unit_test(test_resumption_after_hello_retry_request),
        cmocka_unit_test(test_tickets_carry_early_data_only_when_configured),
        cmocka_unit_test(test_server_without_ticket_keys_sends_none),
        cmocka_unit_test(test_early_data_accepted_with_same_early_secret),
        cmocka_unit_test(test_replayed_client_hello_refused_early_data),
        cmocka_unit_test(test_ticket_age_outside_window_refuses_early_data),
        cmocka_unit_test(test_hello_retry_request_refuses_early_data),
        cmocka_unit_test(test_early_secret_matches_rfc8448),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
