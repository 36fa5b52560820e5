/* Connection IDs and paths: CIDs replaced after RETIRE_CONNECTION_ID and
 * bounded under a flood (RFC 9000 §5.1.1, §19.16), a client's packets from
 * another server SCID dropped (§7.2), PATH_RESPONSE padded (§8.2.2), and
 * disable_active_migration as a config switch (§9). Hand-written frames are sealed with
 * the client's real 1-RTT keys (common/forge.h) and handed to the server
 * after a normal handshake over the pair. */
#include "common/forge.h"
#include "common/pair.h"
#include "common/tu.h"
#include "quic/conn_test.h"

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
    uint8_t out[1500];
    forge_pkt fp;
    assert_true(forge_as(&fp, p->client, QUIC_SPACE_APPLICATION));
    fp.raw = fr;
    fp.raw_len = len;
    size_t pkt_len = forge_seal(&fp, out, sizeof out);
    assert_true(pkt_len > 0);
    quic_conn_recv(p->server, &p->spath, out, pkt_len, p->now);
}

static uint64_t server_close_code(pair *p)
{
    quic_close_info ci;
    quic_conn_close_info(p->server, &ci);
    return ci.code;
}

/* RFC 9000 §5.1.1: CIDs were issued once, at the end of the handshake; each
 * RETIRE_CONNECTION_ID left the peer one fewer to move to, for good. */
static void test_retired_cid_replaced_by_new_one(void **state)
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

/* RFC 9000 §9, §18.2: migration is followed (conn_path.c), so by default
 * disable_active_migration is not announced; the config switch still says it. */
static void test_disable_active_migration_is_a_config_switch(void **state)
{
    (void)state;
    pair p;
    start(&p);
    assert_false(quic_test_view(p.client).peer_disable_active_migration);
    assert_false(quic_test_view(p.server).peer_disable_active_migration);
    pair_free(&p);
    pair_init(&p);
    p.scfg.disable_active_migration = true;
    pair_start(&p);
    assert_true(pair_run(&p, connected, NULL, 5000000));
    assert_true(quic_test_view(p.client).peer_disable_active_migration);
    assert_false(quic_test_view(p.server).peer_disable_active_migration);
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
static void test_client_drops_handshake_from_other_scid(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    p.link.delay_us = 10000;
    pair_start(&p);
    assert_true(pair_run(&p, client_heard_server, NULL, 1000000));
    assert_true(quic_test_view(p.server).keys_tx[1]);
    assert_true(quic_test_view(p.client).keys_rx[1]);
    static const uint8_t other[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const uint8_t ping[41] = {0x01}; /* PING, PADDING */
    uint8_t out[1500];
    forge_pkt fp;
    assert_true(forge_as(&fp, p.server, QUIC_SPACE_HANDSHAKE)); /* as the server sends */
    fp.dcid = quic_conn_test_first_cid(p.client)->b;
    fp.dcid_len = quic_conn_test_first_cid(p.client)->len;
    fp.scid = other;
    fp.scid_len = sizeof other;
    fp.raw = ping;
    fp.raw_len = sizeof ping;
    size_t pkt_len = forge_seal(&fp, out, sizeof out);
    assert_true(pkt_len > 0);
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
static void test_path_response_datagram_padded_to_1200(void **state)
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
static void test_retire_flood_mints_bounded_cids(void **state)
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
        cmocka_unit_test(test_retired_cid_replaced_by_new_one),
        cmocka_unit_test(test_disable_active_migration_is_a_config_switch),
        cmocka_unit_test(test_client_drops_handshake_from_other_scid),
        cmocka_unit_test(test_path_response_datagram_padded_to_1200),
        cmocka_unit_test(test_retire_flood_mints_bounded_cids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
