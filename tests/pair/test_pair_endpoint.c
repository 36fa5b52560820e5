/* A client of ours against the server endpoint: routing by CID, Retry,
 * Version Negotiation, stateless reset, and the endpoint's limits; a late
 * copy of a first Initial (§5.2), a VN after a Retry (§6.2), a token not
 * ours (§8.1.3). */
#include "common/ep_net.h"
#include "common/tu.h"
#include "quic/conn_test.h" /* the client's Initial token */
#include "quic/packet.h"

#include <string.h>

static void test_handshake_through_endpoint(void **state)
{
    (void)state;
    ep_net n;
    ep_net_init(&n, false);
    ep_net_step(&n);
    assert_true(quic_conn_is_established(n.p.client));
    assert_int_equal(quic_endpoint_count(n.ep), 1);
    quic_conn *s = quic_endpoint_accept(n.ep);
    assert_non_null(s);
    assert_null(quic_endpoint_accept(n.ep)); /* handed out once */
    assert_true(quic_conn_is_established(s));
    quic_endpoint_stats st;
    quic_endpoint_stats_get(n.ep, &st);
    assert_int_equal(st.accepted, 1);
    /* 1-RTT traffic is routed by the server's CIDs */
    uint8_t d[10] = {1};
    assert_int_equal(quic_conn_dgram_send(n.p.client, d, sizeof d, n.p.now), 0);
    ep_net_step(&n);
    quic_event ev;
    bool got = false;
    while (quic_conn_next_event(s, &ev))
        got |= ev.type == QUIC_EV_DATAGRAM && ev.len == 10;
    assert_true(got);
    ep_net_free(&n);
}

static void test_retry(void **state)
{
    (void)state;
    ep_net n;
    ep_net_init(&n, true);
    ep_net_step(&n);
    assert_true(quic_conn_is_established(n.p.client));
    quic_endpoint_stats st;
    quic_endpoint_stats_get(n.ep, &st);
    assert_int_equal(st.retry_sent, 1);
    assert_int_equal(st.accepted, 1);
    assert_int_equal(st.retry_bad_token, 0);
    ep_net_free(&n);
}

static void test_version_negotiation(void **state)
{
    (void)state;
    ep_net n;
    ep_net_prepare(&n, false);
    n.p.ccfg.versions[0] = QUIC_VERSION_1; /* a client that speaks only v1 */
    ep_net_start(&n);
    /* an Initial-sized datagram with an unknown version gets a VN listing
     * the versions the server accepts: v1 and v2 by default */
    uint8_t dg[1200] = {0xc0, 0x1a, 0x2a, 0x3a, 0x4a, 8, 1, 2, 3, 4, 5, 6, 7, 8, 4, 9, 9, 9, 9};
    assert_null(quic_endpoint_recv(n.ep, &n.p.spath, dg, sizeof dg, n.p.now));
    uint8_t out[256];
    quic_path to;
    size_t len = quic_endpoint_send_stateless(n.ep, out, sizeof out, &to);
    assert_true(len > 0);
    quic_pkt_hdr h;
    assert_int_equal(quic_pkt_hdr_parse(out, len, 0, &h), 0);
    assert_int_equal(h.type, QUIC_PKT_VN);
    assert_int_equal(h.versions_count, 2);
    assert_int_equal(qb_get_u32(h.versions), QUIC_VERSION_1);
    assert_int_equal(qb_get_u32(h.versions + 4), QUIC_VERSION_2);
    assert_int_equal(h.dcid_len, 4); /* the client's SCID echoed */
    /* a small datagram gets no answer (no amplification) */
    assert_null(quic_endpoint_recv(n.ep, &n.p.spath, dg, 100, n.p.now));
    assert_int_equal(quic_endpoint_send_stateless(n.ep, out, sizeof out, &to), 0);

    /* the client, told that only some other version exists, gives up */
    uint8_t first[1500];
    size_t fl = quic_conn_send(n.p.client, first, sizeof first, n.p.now);
    assert_true(fl >= 1200);
    quic_pkt_hdr ch;
    assert_int_equal(quic_pkt_hdr_parse(first, fl, 0, &ch), 0);
    qb_wr w;
    uint32_t other = 0x6b3343cf; /* v2 only */
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(quic_pkt_vn_write(&w, 0x11, ch.scid, ch.scid_len, ch.dcid, ch.dcid_len, &other, 1), 0);
    quic_conn_recv(n.p.client, &n.p.cpath, out, w.off, n.p.now);
    quic_close_info ci;
    quic_conn_close_info(n.p.client, &ci);
    assert_true(ci.closed);
    assert_int_equal(ci.code, QUIC_CONNECTION_REFUSED);
    ep_net_free(&n);
}

/* RFC 9000 §6.1: only a packet of an unknown version gets Version
 * Negotiation; §17.2.1: a VN packet (version 0) must never be answered with
 * one, even a malformed VN in an Initial-sized datagram (its version list is
 * not a whole number of versions). */
static void test_malformed_version_negotiation_gets_no_answer(void **state)
{
    (void)state;
    ep_net n;
    ep_net_init(&n, false);
    uint8_t dg[1201] = {0xc0, 0, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 4, 9, 9, 9, 9};
    quic_pkt_hdr h;
    assert_int_equal(quic_pkt_hdr_parse(dg, sizeof dg, 0, &h), QUIC_PKT_ERR_VN);
    assert_null(quic_endpoint_recv(n.ep, &n.p.spath, dg, sizeof dg, n.p.now));
    uint8_t out[1500];
    quic_path to;
    assert_int_equal(quic_endpoint_send_stateless(n.ep, out, sizeof out, &to), 0);
    ep_net_free(&n);
}

/* RFC 9000 §6.1: a client Initial in QUIC v2 (RFC 9369) to a server
 * configured to accept only v1 is answered with Version Negotiation listing
 * v1, as an unknown version is; no connection. */
static void test_version_negotiation_for_v2_initial(void **state)
{
    (void)state;
    ep_net n;
    ep_net_prepare(&n, false);
    n.ecfg.conn.versions[0] = QUIC_VERSION_1;
    ep_net_start(&n);
    /* long header, fixed bit, v2 Initial type bits 01 (RFC 9369 §3.2) */
    uint8_t dg[1200] = {0xd0, 0x6b, 0x33, 0x43, 0xcf, 8, 1, 2, 3, 4, 5, 6, 7, 8,
                        4, 9, 9, 9, 9, 0x00 /* token */, 0x44, 0x9a /* length 1178 */};
    quic_pkt_hdr in;
    assert_int_equal(quic_pkt_hdr_parse(dg, sizeof dg, 0, &in), 0); /* a well-formed v2 Initial */
    assert_int_equal(in.type, QUIC_PKT_INITIAL);
    assert_null(quic_endpoint_recv(n.ep, &n.p.spath, dg, sizeof dg, n.p.now));
    assert_int_equal(quic_endpoint_count(n.ep), 0);
    uint8_t out[256];
    quic_path to;
    size_t len = quic_endpoint_send_stateless(n.ep, out, sizeof out, &to);
    assert_true(len > 0);
    quic_pkt_hdr h;
    assert_int_equal(quic_pkt_hdr_parse(out, len, 0, &h), 0);
    assert_int_equal(h.type, QUIC_PKT_VN);
    assert_int_equal(h.versions_count, 1);
    assert_int_equal(qb_get_u32(h.versions), QUIC_VERSION_1);
    assert_int_equal(h.dcid_len, 4); /* the client's SCID echoed */
    /* a small one gets no answer (no amplification) */
    assert_null(quic_endpoint_recv(n.ep, &n.p.spath, dg, 100, n.p.now));
    assert_int_equal(quic_endpoint_send_stateless(n.ep, out, sizeof out, &to), 0);
    ep_net_free(&n);
}

/* RFC 9368 §2.1: a client that starts in v1 at a server that speaks only
 * v2 gets Version Negotiation, starts again in v2, and the handshake
 * completes in v2; the server's Version Information (§4) confirms the
 * list was genuine. */
static void test_client_follows_version_negotiation_to_v2(void **state)
{
    (void)state;
    ep_net n;
    ep_net_prepare(&n, false);
    n.ecfg.conn.versions[0] = QUIC_VERSION_2;
    ep_net_start(&n);
    assert_int_equal(quic_conn_version(n.p.client), QUIC_VERSION_1);
    ep_net_step(&n);
    assert_true(quic_conn_is_established(n.p.client));
    assert_int_equal(quic_conn_version(n.p.client), QUIC_VERSION_2);
    quic_conn *s = quic_endpoint_next(n.ep, NULL);
    assert_non_null(s);
    assert_true(quic_conn_is_established(s));
    assert_int_equal(quic_conn_version(s), QUIC_VERSION_2);
    quic_endpoint_stats st;
    quic_endpoint_stats_get(n.ep, &st);
    assert_int_equal(st.version_negotiation, 1);
    ep_net_free(&n);
}

/* RFC 9369 §4: Retry in v2 (its own type bits, key and nonce), and the
 * client's Initial with the token stays in v2. */
static void test_retry_in_v2(void **state)
{
    (void)state;
    ep_net n;
    ep_net_prepare(&n, true);
    n.p.ccfg.version = QUIC_VERSION_2;
    ep_net_start(&n);
    uint8_t first[1500];
    size_t fl = quic_conn_send(n.p.client, first, sizeof first, n.p.now);
    quic_pkt_hdr ch;
    assert_int_equal(quic_pkt_hdr_parse(first, fl, 0, &ch), 0);
    assert_int_equal(ch.version, QUIC_VERSION_2);
    assert_null(quic_endpoint_recv(n.ep, &n.p.spath, first, fl, n.p.now));
    uint8_t out[256];
    quic_path to;
    size_t len = quic_endpoint_send_stateless(n.ep, out, sizeof out, &to);
    quic_pkt_hdr rh;
    assert_int_equal(quic_pkt_hdr_parse(out, len, 0, &rh), 0);
    assert_int_equal(rh.type, QUIC_PKT_RETRY);
    assert_int_equal(rh.version, QUIC_VERSION_2);
    assert_int_equal((out[0] >> 4) & 3, 0); /* v2 Retry type bits 0b00 */
    assert_int_equal(quic_pkt_retry_verify(&rh, ch.dcid, ch.dcid_len), 0);
    quic_conn_recv(n.p.client, &n.p.cpath, out, len, n.p.now);
    ep_net_step(&n);
    assert_true(quic_conn_is_established(n.p.client));
    assert_int_equal(quic_conn_version(n.p.client), QUIC_VERSION_2);
    quic_endpoint_stats st;
    quic_endpoint_stats_get(n.ep, &st);
    assert_int_equal(st.retry_sent, 1);
    assert_int_equal(st.accepted, 1);
    ep_net_free(&n);
}

static void test_stateless_reset(void **state)
{
    (void)state;
    ep_net n;
    ep_net_init(&n, false);
    ep_net_step(&n);
    assert_true(quic_conn_is_established(n.p.client));
    /* the server loses its state */
    quic_conn *s = quic_endpoint_next(n.ep, NULL);
    quic_endpoint_remove(n.ep, s);
    assert_int_equal(quic_endpoint_count(n.ep), 0);
    uint8_t d[100] = {0};
    quic_conn_dgram_send(n.p.client, d, sizeof d, n.p.now);
    ep_net_step(&n);
    quic_endpoint_stats st;
    quic_endpoint_stats_get(n.ep, &st);
    assert_true(st.stateless_resets >= 1);
    quic_close_info ci;
    quic_conn_close_info(n.p.client, &ci);
    assert_true(ci.stateless_reset);
    assert_true(ci.by_peer);
    ep_net_free(&n);
}

static void test_short_initial_and_limits(void **state)
{
    (void)state;
    ep_net n;
    ep_net_prepare(&n, false);
    n.ecfg.retry_threshold = SIZE_MAX; /* the limits alone, no automatic Retry */
    ep_net_start(&n);
    uint8_t first[1500];
    size_t fl = quic_conn_send(n.p.client, first, sizeof first, n.p.now);
    /* cut to 1199 bytes: dropped without state (RFC 9000 §14.1) */
    uint8_t cut[1500];
    memcpy(cut, first, fl);
    assert_null(quic_endpoint_recv(n.ep, &n.p.spath, cut, 1199, n.p.now));
    assert_int_equal(quic_endpoint_count(n.ep), 0);
    /* more clients than max_conns: the extra ones are refused */
    pair extra[5];
    for (int i = 0; i < 5; i++) {
        pair_init(&extra[i]);
        extra[i].ccfg.random = NULL; /* distinct CIDs for each client */
        pair_start(&extra[i]);
        uint8_t b[1500];
        size_t l = quic_conn_send(extra[i].client, b, sizeof b, n.p.now);
        quic_endpoint_recv(n.ep, &n.p.spath, b, l, n.p.now);
    }
    assert_int_equal(quic_endpoint_count(n.ep), 4);
    quic_endpoint_stats st;
    quic_endpoint_stats_get(n.ep, &st);
    assert_int_equal(st.refused_full, 1);
    /* the cut Initial's Length runs past the datagram: dropped as malformed */
    assert_int_equal(st.dropped_short_initial + st.dropped_unknown, 1);
    for (int i = 0; i < 5; i++)
        pair_free(&extra[i]);
    ep_net_free(&n);
}

/* RFC 9000 §12.3, §5.2: once the handshake was complete the endpoint forgot
 * the client's first DCID, so a late copy of the client's first Initial (a
 * duplicate, or reordered behind the handshake) made a second, zombie
 * connection that answered with a new handshake and held a handshake slot
 * until its idle timeout. */
static void test_late_initial_copy_makes_no_second_conn(void **state)
{
    (void)state;
    ep_net n;
    ep_net_init(&n, false);
    uint8_t first[1500], copy[1500];
    size_t fl = quic_conn_send(n.p.client, first, sizeof first, n.p.now);
    assert_true(fl >= 1200);
    memcpy(copy, first, fl);
    quic_endpoint_recv(n.ep, &n.p.spath, first, fl, n.p.now);
    ep_net_step(&n);
    assert_true(quic_conn_is_established(n.p.client));
    quic_conn *s = quic_endpoint_next(n.ep, NULL);
    assert_true(quic_conn_is_established(s));
    assert_int_equal(quic_endpoint_count(n.ep), 1);
    n.p.now += 50000;
    quic_endpoint_recv(n.ep, &n.p.spath, copy, fl, n.p.now);
    assert_int_equal(quic_endpoint_count(n.ep), 1);
    quic_endpoint_stats st;
    quic_endpoint_stats_get(n.ep, &st);
    assert_int_equal(st.accepted, 1);
    ep_net_free(&n);
}

/* RFC 9000 §6.2: a client discards a Version Negotiation packet once it has
 * processed any other packet from the server, a Retry included; one that
 * came after the Retry closed the connection. */
static void test_client_ignores_vn_after_retry(void **state)
{
    (void)state;
    ep_net n;
    ep_net_init(&n, true);
    uint8_t first[1500], out[1500];
    quic_path to;
    size_t fl = quic_conn_send(n.p.client, first, sizeof first, n.p.now);
    assert_true(fl >= 1200);
    quic_pkt_hdr ch;
    assert_int_equal(quic_pkt_hdr_parse(first, fl, 0, &ch), 0);
    uint8_t scid[20], dcid[20];
    size_t scid_len = ch.scid_len, dcid_len = ch.dcid_len;
    memcpy(scid, ch.scid, scid_len);
    memcpy(dcid, ch.dcid, dcid_len);
    quic_endpoint_recv(n.ep, &n.p.spath, first, fl, n.p.now);
    size_t rl = quic_endpoint_send_stateless(n.ep, out, sizeof out, &to);
    assert_true(rl > 0);
    quic_conn_recv(n.p.client, &n.p.cpath, out, rl, n.p.now); /* the Retry */
    qb_wr w;
    uint32_t other = 0x6b3343cf; /* v2 only */
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(quic_pkt_vn_write(&w, 0x11, scid, scid_len, dcid, dcid_len, &other, 1), 0);
    quic_conn_recv(n.p.client, &n.p.cpath, out, w.off, n.p.now);
    quic_close_info ci;
    quic_conn_close_info(n.p.client, &ci);
    assert_false(ci.closed);
    ep_net_step(&n);
    assert_true(quic_conn_is_established(n.p.client));
    ep_net_free(&n);
}

/* RFC 9000 §8.1.3: a client Initial with a token that is not ours (a
 * NEW_TOKEN token of another server) must be treated as unvalidated, with a
 * Retry; a Retry server dropped it, and as the client kept sending the same
 * token the connection never came up. */
static void test_foreign_token_gets_retry(void **state)
{
    (void)state;
    ep_net n;
    ep_net_init(&n, true);
    uint8_t junk[40];
    memset(junk, 0xa5, sizeof junk);
    quic_conn_test_set_retry_token(n.p.client, junk, sizeof junk);
    ep_net_step(&n);
    assert_true(quic_conn_is_established(n.p.client));
    quic_endpoint_stats st;
    quic_endpoint_stats_get(n.ep, &st);
    assert_int_equal(st.retry_sent, 1);
    assert_int_equal(st.accepted, 1);
    ep_net_free(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_through_endpoint),
        cmocka_unit_test(test_retry),
        cmocka_unit_test(test_version_negotiation),
        cmocka_unit_test(test_malformed_version_negotiation_gets_no_answer),
        cmocka_unit_test(test_version_negotiation_for_v2_initial),
        cmocka_unit_test(test_client_follows_version_negotiation_to_v2),
        cmocka_unit_test(test_retry_in_v2),
        cmocka_unit_test(test_stateless_reset),
        cmocka_unit_test(test_short_initial_and_limits),
        cmocka_unit_test(test_late_initial_copy_makes_no_second_conn),
        cmocka_unit_test(test_client_ignores_vn_after_retry),
        cmocka_unit_test(test_foreign_token_gets_retry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
