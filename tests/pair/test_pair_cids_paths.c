/* Review findings: a peer's frames that the connection mishandled. The
 * client's real 1-RTT keys seal hand-written frames to the server (the
 * peer under test), after a normal handshake over the pair. */
#include "common/pair.h"
#include "common/tu.h"
#include "quic/conn_test.h"
#include "quic/packet.h"
#include "quic/protect.h"

#include <string.h>

static bool connected(pair *p, void *ud)
{
    (void)ud;
    return quic_conn_is_established(p->client) && p->server &&
           quic_conn_is_established(p->server) && quic_test_view(p->client).handshake_confirmed &&
           quic_test_view(p->client).app_tx_ok;
}

static void start(pair *p)
{
    pair_init(p);
    pair_start(p);
    assert_true(pair_run(p, connected, NULL, 5000000));
    pair_run(p, NULL, NULL, 100000); /* let the handshake's leftovers settle */
}

/* Frames from the client in one 1-RTT packet, handed straight to the server. */
static void inject(pair *p, const uint8_t *fr, size_t len)
{
    quic_conn *c = p->client;
    uint8_t out[1500];
    qb_wr w;
    quic_pkt_wr pw;
    size_t pkt_len;
    const quic_cid *dcid = quic_peer_cids_current(quic_conn_test_peer_cids(c));
    uint64_t pn = quic_conn_test_take_pn(c, QUIC_SPACE_APPLICATION);
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(quic_pkt_short_begin(&w, dcid->b, dcid->len, false, quic_test_view(c).key_phase_tx, pn, 4, &pw), 0);
    assert_true(len + 16 <= qb_wr_left(&w));
    qb_wr_bytes(&w, fr, len);
    size_t min = quic_pkt_min_payload(4);
    if (len < min)
        qb_wr_zeros(&w, min - len);
    quic_pkt_keys k = quic_test_keys(c, QUIC_SPACE_APPLICATION, false);
    assert_int_equal(quic_pkt_wr_finish(&w, &pw, 16, &pkt_len), 0);
    assert_int_equal(quic_pkt_protect(&k, out, pkt_len, pw.pn_offset, pw.pn_len, pn), 0);
    quic_conn_recv(p->server, &p->spath, out, pkt_len, p->now);
}

static uint64_t server_close_code(pair *p)
{
    quic_close_info ci;
    quic_conn_close_info(p->server, &ci);
    return ci.code;
}

/* RFC 9000 §3.5, §19.5: every STOP_SENDING the peer repeats (a retransmission,
 * or a flood) queued one more STREAM_STOP event; a few hundred filled the
 * event ring and the READABLE event of another stream was lost. */
static void test_review_stop_sending_repeats(void **state)
{
    (void)state;
    pair p;
    start(&p);
    pair_events(p.server, NULL, NULL);
    uint8_t fr[1200];
    size_t n = 0;
    while (n + 4 <= sizeof fr) { /* STOP_SENDING stream 0, code 7 */
        fr[n++] = 0x05;
        fr[n++] = 0x00;
        fr[n++] = 0x07;
    }
    for (int i = 0; i < 20; i++)
        inject(&p, fr, n);
    assert_int_equal(server_close_code(&p), 0);
    static const uint8_t data[] = {0x0b, 0x04, 0x05, 'h', 'e', 'l', 'l', 'o'}; /* STREAM 4, FIN */
    inject(&p, data, sizeof data);
    assert_int_equal(server_close_code(&p), 0);
    assert_int_equal(quic_test_view(p.server).ev_overflow, 0);
    quic_event ev;
    uint64_t stops = 0;
    bool readable4 = false;
    while (quic_conn_next_event(p.server, &ev)) {
        stops += ev.type == QUIC_EV_STREAM_STOP;
        readable4 |= ev.type == QUIC_EV_STREAM_READABLE && ev.stream_id == 4;
    }
    assert_true(readable4);
    assert_int_equal(stops, 1);
    pair_free(&p);
}

/* RFC 9000 §5.1.1: CIDs were issued once, at the end of the handshake; each
 * RETIRE_CONNECTION_ID left the peer one fewer to move to, for good. */
static void test_review_retire_cid_replaced(void **state)
{
    (void)state;
    pair p;
    start(&p);
    size_t before = quic_local_cids_active(quic_conn_local_cids(p.server));
    assert_true(before >= 2);
    uint64_t next_seq = quic_conn_local_cids(p.server)->next_seq;
    static const uint8_t retire1[] = {0x19, 0x01}; /* RETIRE_CONNECTION_ID seq 1 */
    inject(&p, retire1, sizeof retire1);
    assert_int_equal(server_close_code(&p), 0);
    assert_int_equal(quic_local_cids_active(quic_conn_local_cids(p.server)), before);
    assert_int_equal(quic_conn_local_cids(p.server)->next_seq, next_seq + 1);
    /* and a NEW_CONNECTION_ID for it is owed (the client cannot take part
     * any more: the injected packet number is unknown to its recovery) */
    uint64_t seq;
    assert_true(quic_conn_test_next_announce(p.server, &seq));
    assert_int_equal(seq, next_seq);
    pair_free(&p);
}

/* RFC 9000 §9: packets from a new peer address are dropped (no migration),
 * which a peer may only expect when we sent disable_active_migration. */
static void test_review_disable_active_migration(void **state)
{
    (void)state;
    pair p;
    start(&p);
    assert_true(quic_test_view(p.client).peer_disable_active_migration);
    assert_true(quic_test_view(p.server).peer_disable_active_migration);
    pair_free(&p);
}

static bool client_heard_server(pair *p, void *ud)
{
    (void)ud;
    return quic_test_view(p->client).got_first_server_pkt;
}

/* RFC 9000 §7.2: once a client processed a valid Initial from the server, it
 * discards later packets with another Source Connection ID; a Handshake
 * packet with another SCID was processed. */
static void test_review_client_drops_other_scid(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    p.link.delay_us = 10000;
    pair_start(&p);
    assert_true(pair_run(&p, client_heard_server, NULL, 1000000));
    assert_true(quic_test_view(p.server).keys_tx[1]);
    assert_true(quic_test_view(p.client).keys_rx[1]);
    const quic_cid *dcid = quic_conn_test_first_cid(p.client);
    static const uint8_t other[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    uint8_t out[1500];
    qb_wr w;
    quic_pkt_wr pw;
    size_t pkt_len;
    uint64_t pn = quic_conn_test_take_pn(p.server, 1);
    quic_pkt_long_params lp = {.type = QUIC_PKT_HANDSHAKE, .version = QUIC_VERSION_1,
                               .dcid = dcid->b, .dcid_len = dcid->len,
                               .scid = other, .scid_len = sizeof other,
                               .pn = pn, .pn_len = 4, .length_len = 2};
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(quic_pkt_long_begin(&w, &lp, &pw), 0);
    qb_wr_u8(&w, 0x01); /* PING */
    qb_wr_zeros(&w, 40);
    assert_int_equal(quic_pkt_wr_finish(&w, &pw, 16, &pkt_len), 0);
    quic_pkt_keys k = quic_test_keys(p.server, QUIC_SPACE_HANDSHAKE, false);
    assert_int_equal(quic_pkt_protect(&k, out, pkt_len, pw.pn_offset, pw.pn_len, pn), 0);
    uint64_t before = quic_test_stats(p.client).pkts_recv;
    quic_conn_recv(p.client, &p.cpath, out, pkt_len, p.now);
    assert_int_equal(quic_test_stats(p.client).pkts_recv, before);
    /* and the handshake goes on */
    assert_true(pair_run(&p, connected, NULL, 5000000));
    pair_free(&p);
}

/* RFC 9000 §8.2.2: a datagram with a PATH_RESPONSE is expanded to at least
 * 1200 bytes (it proves the path carries that size both ways); ours went
 * out at the size of its frames. */
static void test_review_path_response_padded(void **state)
{
    (void)state;
    pair p;
    start(&p);
    static const uint8_t chal[] = {0x1a, 1, 2, 3, 4, 5, 6, 7, 8}; /* PATH_CHALLENGE */
    inject(&p, chal, sizeof chal);
    assert_int_equal(server_close_code(&p), 0);
    assert_true(quic_test_view(p.server).path_response_pending);
    uint8_t out[1500];
    size_t n = quic_conn_send(p.server, out, sizeof out, p.now);
    assert_false(quic_test_view(p.server).path_response_pending);
    assert_true(n >= 1200);
    pair_free(&p);
}

/* RFC 9000 §5.1.1, §19.16: a RETIRE_CONNECTION_ID was answered at once with a
 * new CID (an HMAC and a fresh sequence number), so one packet retiring
 * 1, 2, 3, ... in turn made the connection mint a CID per frame (sequence
 * numbers are predictable). Replacements now follow the packet: a sequence
 * number not yet issued is a PROTOCOL_VIOLATION, as the RFC says. */
static void test_review_retire_flood_bounded(void **state)
{
    (void)state;
    pair p;
    start(&p);
    uint64_t next_seq = quic_conn_local_cids(p.server)->next_seq;
    uint8_t fr[128];
    size_t n = 0;
    for (uint8_t seq = 1; seq <= 40; seq++) {
        fr[n++] = 0x19;
        fr[n++] = seq;
    }
    inject(&p, fr, n);
    assert_true(quic_conn_local_cids(p.server)->next_seq <= next_seq + QUIC_CID_SLOTS);
    assert_int_equal(server_close_code(&p), 0x0a); /* PROTOCOL_VIOLATION */
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_review_stop_sending_repeats),
        cmocka_unit_test(test_review_retire_cid_replaced),
        cmocka_unit_test(test_review_disable_active_migration),
        cmocka_unit_test(test_review_client_drops_other_scid),
        cmocka_unit_test(test_review_path_response_padded),
        cmocka_unit_test(test_review_retire_flood_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
