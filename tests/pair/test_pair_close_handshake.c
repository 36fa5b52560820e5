/* Closing before the handshake is confirmed (RFC 9000 §10.2.3, §12.5, §14.1):
 * the close goes out at every level the peer may be able to read, so that it
 * learns why, whichever keys it has; a client that closes as its handshake
 * completes still delivers its Finished. */
#include "common/forge.h"
#include "common/pair.h"
#include "common/pair_h3.h"
#include "common/tu.h"

#include "crypto/cx_quic_keys.h"
#include "quic/frame.h"
#include "quic/packet.h"
#include "quic/pn.h"
#include "quic/protect.h"

#include <string.h>

/* ---- helpers ---- */

/* The server, made as the endpoint would from the client's first datagram. */
static void make_server(pair *p, const uint8_t *d, size_t n)
{
    quic_pkt_hdr h;
    assert_int_equal(quic_pkt_hdr_parse(d, n, 8, &h), 0);
    assert_int_equal(h.type, QUIC_PKT_INITIAL);
    quic_cid scid, dcid;
    quic_cid_set(&scid, h.scid, h.scid_len);
    quic_cid_set(&dcid, h.dcid, h.dcid_len);
    p->server = quic_conn_new_server(&p->scfg, &p->spath, &scid, &dcid, NULL, p->now);
    assert_non_null(p->server);
}

/* The packet types of a datagram, in order; returns how many. */
static size_t dgram_types(const uint8_t *d, size_t n, quic_pkt_type *types, size_t max)
{
    quic_dgram_iter it;
    quic_pkt_hdr h;
    size_t k = 0;
    quic_dgram_iter_init(&it, d, n, 8);
    while (k < max && quic_dgram_next(&it, &h) > 0)
        types[k++] = h.type;
    return k;
}

/* Decrypts the first (Initial) packet of d in place with the Initial keys of
 * odcid, from the client (from_client) or the server. */
static void initial_open(uint8_t *d, size_t n, const quic_cid *odcid, bool from_client,
                         quic_pkt_hdr *h, quic_pkt_clear *clr, quic_pkt_keys *k)
{
    cx_quic_keys ck, sk;
    assert_int_equal(quic_pkt_hdr_parse(d, n, 8, h), 0);
    assert_int_equal(h->type, QUIC_PKT_INITIAL);
    assert_int_equal(cx_quic_initial_keys(QUIC_VERSION_1, odcid->b, odcid->len, &ck, &sk), 0);
    assert_int_equal(quic_pkt_keys_init(k, NULL, from_client ? &ck : &sk), 0);
    cx_quic_keys_clear(&ck);
    cx_quic_keys_clear(&sk);
    assert_int_equal(quic_pkt_unprotect(k, (uint8_t *)h->pkt, h->pkt_len, h->pn_offset,
                                        QUIC_PN_NONE, clr),
                     0);
}

/* A client that says in its transport parameters that its first packets
 * carry another SCID than they do (RFC 9000 §7.3): its first datagram with
 * the last byte of initial_source_connection_id changed, then protected again. */
static void corrupt_initial_scid_tparam(uint8_t *d, size_t n)
{
    quic_pkt_hdr h;
    quic_pkt_clear clr;
    quic_pkt_keys k;
    quic_pkt_hdr_parse(d, n, 8, &h);
    quic_cid odcid;
    quic_cid_set(&odcid, h.dcid, h.dcid_len);
    initial_open(d, n, &odcid, true, &h, &clr, &k);
    uint8_t *pl = (uint8_t *)h.pkt + clr.payload_offset;
    /* id 0x0f, length, the SCID: unique enough with 8 random bytes */
    uint8_t pat[2 + QUIC_CID_MAX_LEN] = {0x0f, (uint8_t)h.scid_len};
    memcpy(pat + 2, h.scid, h.scid_len);
    size_t plen = 2 + h.scid_len, hits = 0;
    for (size_t i = 0; i + plen <= clr.payload_len; i++) {
        if (memcmp(pl + i, pat, plen) == 0) {
            pl[i + plen - 1] ^= 0x5a;
            hits++;
        }
    }
    assert_int_equal(hits, 1);
    assert_int_equal(quic_pkt_protect(&k, (uint8_t *)h.pkt, h.pkt_len, h.pn_offset, clr.pn_len,
                                      clr.pn),
                     0);
    quic_pkt_keys_clear(&k);
}

static bool client_heard_close(pair *p, void *ud)
{
    (void)ud;
    quic_close_info ci;
    pair_events(p->client, NULL, NULL);
    pair_events(p->server, NULL, NULL);
    quic_conn_close_info(p->client, &ci);
    return ci.by_peer;
}

/* ---- server-side errors reach the client ---- */

/* The server rejects the client's transport parameters after it derived its
 * Handshake keys but before its ServerHello went out: the client has no
 * Handshake keys, so only an Initial close can tell it (RFC 9000 §10.2.3). */
static void test_server_tparam_error_reaches_client(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    p.link.delay_us = 10000;
    pair_start(&p);
    uint8_t d[1500];
    size_t n = quic_conn_send(p.client, d, sizeof d, p.now);
    assert_true(n >= 1200);
    corrupt_initial_scid_tparam(d, n);
    make_server(&p, d, n);
    quic_conn_recv(p.server, &p.spath, d, n, p.now);
    quic_close_info si, ci;
    quic_conn_close_info(p.server, &si);
    assert_int_equal(si.code, QUIC_TRANSPORT_PARAMETER_ERROR); /* the server did reject */
    assert_true(pair_run(&p, client_heard_close, NULL, 2000000));
    quic_conn_close_info(p.client, &ci);
    assert_true(ci.by_peer);
    assert_false(ci.app); /* a transport close, type 0x1c */
    assert_int_equal(ci.code, QUIC_TRANSPORT_PARAMETER_ERROR);
    /* the parameters came in the ClientHello, in CRYPTO frames */
    assert_int_equal(ci.frame_type, QUIC_FT_CRYPTO);
    assert_int_equal(si.frame_type, QUIC_FT_CRYPTO);
    assert_non_null(strstr(ci.reason, "initial_source_connection_id"));
    pair_free(&p);
}

/* A TLS alert of the server (RFC 9001 §8.1: no ALPN in common is
 * no_application_protocol) reaches the client as CRYPTO_ERROR 0x100 + alert. */
static void test_server_tls_alert_reaches_client(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    p.link.delay_us = 10000;
    p.ctls.alpn[0] = "hq-interop";
    pair_start(&p);
    assert_true(pair_run(&p, client_heard_close, NULL, 2000000));
    quic_close_info ci;
    quic_conn_close_info(p.client, &ci);
    assert_true(ci.by_peer);
    assert_false(ci.app);
    assert_int_equal(ci.code, QUIC_CRYPTO_ERROR_BASE + 120); /* 0x178 */
    assert_int_equal(ci.frame_type, QUIC_FT_CRYPTO);
    pair_free(&p);
}

/* A second client Initial (packet number 1) whose CRYPTO frame continues the
 * Initial stream after the ClientHello of first (the client's first datagram)
 * with a handshake message: data at a level the server's TLS has left. */
static size_t craft_initial_after_client_hello(const uint8_t *first, size_t n, uint8_t *out)
{
    uint8_t copy[1500];
    memcpy(copy, first, n);
    quic_pkt_hdr h;
    quic_pkt_clear clr;
    quic_pkt_keys k;
    quic_pkt_hdr_parse(copy, n, 8, &h);
    quic_cid odcid;
    quic_cid_set(&odcid, h.dcid, h.dcid_len);
    initial_open(copy, n, &odcid, true, &h, &clr, &k);
    qb_rd r;
    qb_rd_init(&r, h.pkt + clr.payload_offset, clr.payload_len);
    quic_frame f;
    assert_int_equal(quic_frame_decode(&r, &f), 0);
    assert_int_equal(f.type, QUIC_FT_CRYPTO);
    uint64_t ch_end = f.crypto.offset + f.crypto.len;

    static const uint8_t msg[] = {0x14, 0, 0, 0}; /* a Finished of length 0 */
    memset(&f, 0, sizeof f);
    f.type = QUIC_FT_CRYPTO;
    f.crypto.offset = ch_end;
    f.crypto.data = msg;
    f.crypto.len = sizeof msg;
    forge_pkt fp = {.type = QUIC_PKT_INITIAL, .dcid = h.dcid, .dcid_len = h.dcid_len,
                    .scid = h.scid, .scid_len = h.scid_len, .pn = 1, .pn_len = 1,
                    .frames = &f, .nframes = 1,
                    .pad_to = 1200, /* PADDING to 1200 (RFC 9000 §14.1) */
                    .keys = k};
    size_t len = forge_seal(&fp, out, 1200);
    assert_int_equal(len, 1200);
    quic_pkt_keys_clear(&k);
    return len;
}

/* The server's first flight is lost, then a client Initial makes its TLS
 * fail (unexpected_message: handshake data at the Initial level after the
 * ClientHello). The server has Handshake keys, the client does not: the
 * alert reaches it only in the Initial (RFC 9000 §10.2.3). */
static void test_server_tls_alert_after_lost_flight_reaches_client(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    pair_start(&p);
    uint8_t d[1500], bad[1500], out[1500];
    size_t n = quic_conn_send(p.client, d, sizeof d, p.now);
    size_t nb = craft_initial_after_client_hello(d, n, bad);
    make_server(&p, d, n);
    assert_int_equal(quic_conn_recv(p.server, &p.spath, d, n, p.now), 0);
    while (quic_conn_send(p.server, out, sizeof out, p.now) > 0)
        ; /* the flight, lost */
    p.now += 1000;
    quic_conn_recv(p.server, &p.spath, bad, nb, p.now);
    quic_close_info si, ci;
    quic_conn_close_info(p.server, &si);
    assert_int_equal(si.code, QUIC_CRYPTO_ERROR_BASE + 10); /* unexpected_message */
    size_t m = quic_conn_send(p.server, out, sizeof out, p.now);
    assert_true(m > 0);
    assert_int_equal(quic_conn_recv(p.client, &p.cpath, out, m, p.now), QUIC_ERR_CLOSING); /* the peer closed: draining */
    quic_conn_close_info(p.client, &ci);
    assert_true(ci.by_peer);
    assert_false(ci.app);
    assert_int_equal(ci.code, QUIC_CRYPTO_ERROR_BASE + 10); /* 0x10a */
    assert_int_equal(ci.frame_type, QUIC_FT_CRYPTO);
    pair_free(&p);
}

/* ---- the server's close datagram before confirmation ---- */

/* RFC 9000 §10.2.3: a server not yet confirmed sends its close in an Initial
 * and a Handshake packet, one datagram, padded to 1200 bytes (§14.1) within
 * three times what it received (§8.1); an application close is a transport
 * APPLICATION_ERROR without reason there. The client, which never got the
 * ServerHello, learns it from the Initial. */
static void test_server_close_datagram_has_initial_and_handshake(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    pair_start(&p);
    uint8_t d[1500], out[1500];
    size_t n = quic_conn_send(p.client, d, sizeof d, p.now);
    quic_pkt_hdr h0;
    assert_int_equal(quic_pkt_hdr_parse(d, n, 8, &h0), 0);
    quic_cid odcid;
    quic_cid_set(&odcid, h0.dcid, h0.dcid_len);
    make_server(&p, d, n);
    assert_int_equal(quic_conn_recv(p.server, &p.spath, d, n, p.now), 0);
    /* the application refuses the connection before any flight went out */
    quic_conn_close(p.server, true, 0x10c, "secret application state");
    size_t m = quic_conn_send(p.server, out, sizeof out, p.now);
    assert_true(m >= 1200);
    assert_true(m <= 3 * n);
    quic_pkt_type types[4];
    size_t k = dgram_types(out, m, types, 4);
    assert_int_equal(k, 2);
    assert_int_equal(types[0], QUIC_PKT_INITIAL);
    assert_int_equal(types[1], QUIC_PKT_HANDSHAKE);
    /* nothing more now: one close per trigger (RFC 9000 §10.2.1) */
    assert_int_equal(quic_conn_send(p.server, d, sizeof d, p.now), 0);

    /* The Initial's close, opened with the server's Initial keys. */
    uint8_t copy[1500];
    memcpy(copy, out, m);
    quic_pkt_hdr h;
    quic_pkt_clear clr;
    quic_pkt_keys keys;
    initial_open(copy, m, &odcid, false, &h, &clr, &keys);
    quic_pkt_keys_clear(&keys);
    qb_rd r;
    qb_rd_init(&r, h.pkt + clr.payload_offset, clr.payload_len);
    quic_frame f;
    assert_int_equal(quic_frame_decode(&r, &f), 0);
    assert_int_equal(f.type, QUIC_FT_CONNECTION_CLOSE); /* 0x1c, never 0x1d here */
    assert_int_equal(f.close.error_code, QUIC_APPLICATION_ERROR);
    assert_int_equal(f.close.reason_len, 0);

    /* The client can read it. */
    assert_int_equal(quic_conn_recv(p.client, &p.cpath, out, m, p.now), QUIC_ERR_CLOSING); /* the peer closed: draining */
    quic_close_info ci;
    quic_conn_close_info(p.client, &ci);
    assert_true(ci.by_peer);
    assert_false(ci.app);
    assert_int_equal(ci.code, QUIC_APPLICATION_ERROR);
    assert_string_equal(ci.reason, "");
    pair_free(&p);
}

/* The same once the server's flight has used most of its budget: the close
 * datagram stays within 3x what came in (RFC 9000 §8.1) and still begins
 * with the Initial. */
static void test_server_close_datagram_within_amplification_budget(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    pair_start(&p);
    uint8_t d[1500], out[1500];
    size_t n = quic_conn_send(p.client, d, sizeof d, p.now);
    make_server(&p, d, n);
    assert_int_equal(quic_conn_recv(p.server, &p.spath, d, n, p.now), 0);
    size_t sent = 0, m;
    while ((m = quic_conn_send(p.server, out, sizeof out, p.now)) > 0)
        sent += m;
    assert_true(sent > 0 && sent <= 3 * n);
    quic_conn_close(p.server, false, QUIC_PROTOCOL_VIOLATION, "test");
    m = quic_conn_send(p.server, out, sizeof out, p.now);
    assert_true(sent + m <= 3 * n);
    if (m) {
        quic_pkt_type types[4];
        assert_true(dgram_types(out, m, types, 4) >= 1);
        assert_int_equal(types[0], QUIC_PKT_INITIAL);
        /* padded as far as the budget allows */
        size_t room = 3 * n - sent;
        assert_true(m >= (room < 1200 ? room : 1200));
    }
    pair_free(&p);
}

/* ---- a client that closes as its handshake completes ---- */

typedef struct refusal {
    bool closed;
    bool server_had_finished; /* when the client closed */
} refusal;

/* The ping-pong client's refusal (app/app_pingpong.c): no HTTP datagrams, so
 * it closes with H3_NO_ERROR "datagram support not enabled", here as soon as
 * its handshake completes -- the step that also owes the server our Finished. */
static bool refuse_without_datagrams(pair_h3 *t, void *ud)
{
    refusal *r = ud;
    if (r->closed || !t->c || !h3q_started(t->c))
        return false;
    assert_int_equal(quic_conn_peer_max_dgram(t->p.client), 0);
    r->server_had_finished = t->p.server && quic_conn_is_established(t->p.server);
    h3q_close(t->c, H3_NO_ERROR, "datagram support not enabled");
    r->closed = true;
    return true;
}

static bool server_heard_close(pair_h3 *t, void *ud)
{
    (void)ud;
    quic_close_info si;
    if (!t->p.server)
        return false;
    quic_conn_close_info(t->p.server, &si);
    return si.by_peer;
}

static void start_refusal(pair_h3 *t, refusal *r, uint64_t delay_us)
{
    pair_h3_init(t);
    t->p.link.delay_us = delay_us;
    t->p.scfg.max_datagram_frame_size = 0; /* the server offers no datagrams */
    pair_h3_sync_configs(t);
    pair_h3_start(t);
    assert_true(pair_h3_run(t, refuse_without_datagrams, r, 2000000));
    assert_false(r->server_had_finished); /* closed in the completing step */
}

/* The datagram that carries the close also carries our Finished, first, in
 * its own Handshake packet; then the Handshake and 1-RTT closes (RFC 9000
 * §10.2.3). The server completes its handshake, drops its Handshake keys,
 * and reads the real application code from the 1-RTT packet. */
static void test_client_close_at_completion_reaches_server(void **state)
{
    (void)state;
    pair_h3 t;
    refusal r = {0};
    start_refusal(&t, &r, 1000);
    size_t to_server = 0;
    for (size_t i = 0; i < t.p.n_inflight; i++) {
        const pair_dgram *g = &t.p.inflight[i];
        if (!g->to_server)
            continue;
        to_server++;
        quic_pkt_type types[4];
        size_t k = dgram_types(g->data, g->len, types, 4);
        assert_int_equal(k, 3);
        assert_int_equal(types[0], QUIC_PKT_HANDSHAKE); /* CRYPTO: Finished */
        assert_int_equal(types[1], QUIC_PKT_HANDSHAKE); /* CONNECTION_CLOSE 0x1c */
        assert_int_equal(types[2], QUIC_PKT_1RTT);      /* CONNECTION_CLOSE 0x1d */
    }
    assert_int_equal(to_server, 1);
    assert_true(pair_h3_run(&t, server_heard_close, NULL, 2000000));
    quic_close_info si;
    quic_conn_close_info(t.p.server, &si);
    assert_true(si.by_peer);
    assert_true(si.app);
    assert_int_equal(si.code, H3_NO_ERROR);
    assert_string_equal(si.reason, "datagram support not enabled");
    pair_h3_free(&t);
}

/* RFC 9000 §10.2.1: the close datagram is lost; the server, still waiting
 * for our Finished, probes; the closing client answers with the close again,
 * Finished included, and the server learns the code. (The server has no RTT
 * sample, so its probe comes after about a second: a 100 ms link keeps the
 * client's closing period, 3 PTO of its own, open until then.) */
static void test_client_close_resent_with_finished_after_loss(void **state)
{
    (void)state;
    pair_h3 t;
    refusal r = {0};
    start_refusal(&t, &r, 100000);
    size_t w = 0;
    for (size_t i = 0; i < t.p.n_inflight; i++)
        if (!t.p.inflight[i].to_server)
            t.p.inflight[w++] = t.p.inflight[i];
    assert_true(w < t.p.n_inflight); /* the close was on its way: lost */
    t.p.n_inflight = w;
    assert_true(pair_h3_run(&t, server_heard_close, NULL, 5000000));
    quic_close_info si;
    quic_conn_close_info(t.p.server, &si);
    assert_true(si.by_peer);
    assert_true(si.app);
    assert_int_equal(si.code, H3_NO_ERROR);
    pair_h3_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_tparam_error_reaches_client),
        cmocka_unit_test(test_server_tls_alert_reaches_client),
        cmocka_unit_test(test_server_tls_alert_after_lost_flight_reaches_client),
        cmocka_unit_test(test_server_close_datagram_has_initial_and_handshake),
        cmocka_unit_test(test_server_close_datagram_within_amplification_budget),
        cmocka_unit_test(test_client_close_at_completion_reaches_server),
        cmocka_unit_test(test_client_close_resent_with_finished_after_loss),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
