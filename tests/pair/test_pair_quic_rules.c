/* Transport rules of RFC 9000 and 9001 that a peer's packets or parameters
 * test: a server Initial with a token (§17.2.2), idle timeouts at the edges
 * of their range (§10.1), and the AEAD limits (RFC 9001 §6.6). */
#include "common/forge.h"
#include "common/pair.h"
#include "common/tu.h"
#include "quic/conn_test.h"

#include <string.h>

#define VARINT_MAX 0x3fffffffffffffffULL

static bool connected(pair *p, void *ud)
{
    (void)ud;
    return quic_conn_is_established(p->client) && p->server &&
           quic_conn_is_established(p->server) && quic_test_view(p->client).handshake_confirmed &&
           quic_test_view(p->client).app_tx_ok;
}

static bool server_exists(pair *p, void *ud)
{
    (void)ud;
    return p->server != NULL && quic_test_view(p->server).keys_tx[0];
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
    assert_false(quic_test_view(p.client).got_first_server_pkt);
    const quic_cid *dcid = quic_conn_test_first_cid(p.client);
    static const uint8_t token[] = {'t', 'o', 'k'};
    static const uint8_t ping[41] = {0x01}; /* PING, PADDING */
    uint8_t out[1500];
    forge_pkt fp;
    assert_true(forge_as(&fp, p.server, QUIC_SPACE_INITIAL)); /* as the server sends */
    fp.dcid = dcid->b;
    fp.dcid_len = dcid->len;
    fp.token = token;
    fp.token_len = sizeof token;
    fp.raw = ping;
    fp.raw_len = sizeof ping;
    size_t pkt_len = forge_seal(&fp, out, sizeof out);
    assert_true(pkt_len > 0);
    uint64_t before = quic_test_stats(p.client).pkts_recv;
    quic_conn_recv(p.client, &p.cpath, out, pkt_len, p.now);
    assert_int_equal(quic_test_stats(p.client).pkts_recv, before);
    assert_false(quic_test_view(p.client).got_first_server_pkt);
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

/* ---- AEAD limits (RFC 9001 §6.6) ---- */

static void start(pair *p)
{
    pair_start(p);
    assert_true(pair_run(p, connected, NULL, 5000000));
    pair_run(p, NULL, NULL, 100000);
}

/* A 1-RTT packet from the client to the server whose tag does not verify;
 * other_phase: with the Key Phase bit flipped, so the server tries its other
 * receive keys. */
static void inject_forged(pair *p, bool other_phase)
{
    static const uint8_t ping[31] = {0x01}; /* PING, PADDING */
    uint8_t out[1500];
    forge_pkt fp;
    assert_true(forge_as(&fp, p->client, QUIC_SPACE_APPLICATION));
    fp.key_phase ^= other_phase;
    fp.raw = ping;
    fp.raw_len = sizeof ping;
    size_t pkt_len = forge_seal(&fp, out, sizeof out);
    assert_true(pkt_len > 0);
    if (!other_phase)
        out[pkt_len - 1] ^= 0x01; /* the tag */
    quic_conn_recv(p->server, &p->spath, out, pkt_len, p->now);
}

/* RFC 9001 §6.6: packets that fail authentication are counted across all
 * keys of the connection; past the integrity limit it closes with
 * AEAD_LIMIT_REACHED and processes no more packets. */
static void test_integrity_limit_closes_with_aead_limit_reached(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    p.scfg.aead_integrity_limit = 4;
    start(&p);
    uint64_t dropped = quic_test_stats(p.server).pkts_dropped;
    inject_forged(&p, false);
    inject_forged(&p, true);
    inject_forged(&p, false);
    inject_forged(&p, true);
    quic_close_info ci;
    quic_conn_close_info(p.server, &ci);
    assert_int_equal(ci.code, 0); /* at the limit, not past it */
    assert_int_equal(quic_test_stats(p.server).pkts_dropped, dropped + 4);
    inject_forged(&p, false);
    quic_conn_close_info(p.server, &ci);
    assert_false(ci.by_peer);
    assert_int_equal(ci.code, QUIC_AEAD_LIMIT_REACHED);
    /* and the client hears of it */
    pair_run(&p, NULL, NULL, 50000);
    quic_conn_close_info(p.client, &ci);
    assert_true(ci.by_peer);
    assert_int_equal(ci.code, QUIC_AEAD_LIMIT_REACHED);
    pair_free(&p);
}

/* RFC 9001 §6.6: "across all keys": forged Handshake packets count too. */
static bool client_has_handshake_keys(pair *p, void *ud)
{
    (void)ud;
    return quic_test_view(p->client).keys_rx[1] && p->server && quic_test_view(p->server).keys_tx[1];
}

static void test_integrity_limit_counts_handshake_packets(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    p.link.delay_us = 10000;
    p.ccfg.aead_integrity_limit = 2;
    pair_start(&p);
    assert_true(pair_run(&p, client_has_handshake_keys, NULL, 1000000));
    const quic_cid *dcid = quic_conn_test_first_cid(p.client);
    const quic_cid *scid = quic_conn_test_first_cid(p.server);
    quic_close_info ci;
    for (int i = 0; i < 3; i++) {
        static const uint8_t ping[41] = {0x01}; /* PING, PADDING */
        uint8_t out[1500];
        forge_pkt fp = {.type = QUIC_PKT_HANDSHAKE, .dcid = dcid->b, .dcid_len = dcid->len,
                        .scid = scid->b, .scid_len = scid->len,
                        .pn = quic_test_view(p.server).next_pn[1] + 100 + (uint64_t)i,
                        .raw = ping, .raw_len = sizeof ping,
                        .keys = quic_test_keys(p.server, QUIC_SPACE_HANDSHAKE, false)};
        size_t pkt_len = forge_seal(&fp, out, sizeof out);
        assert_true(pkt_len > 0);
        out[pkt_len - 1] ^= 0x80; /* the tag */
        quic_conn_recv(p.client, &p.cpath, out, pkt_len, p.now);
        quic_conn_close_info(p.client, &ci);
        assert_int_equal(ci.code, i < 2 ? 0 : QUIC_AEAD_LIMIT_REACHED);
    }
    pair_free(&p);
}

/* The RFC's values apply by default: a handful of forgeries close nothing. */
static void test_integrity_default_limit_is_the_rfc_value(void **state)
{
    (void)state;
    assert_true(quic_aead_integrity_limit(CX_AES_128_GCM) == 1ull << 52);
    assert_true(quic_aead_integrity_limit(CX_AES_256_GCM) == 1ull << 52);
    assert_true(quic_aead_integrity_limit(CX_CHACHA20_POLY1305) == 1ull << 36);
    assert_true(quic_aead_confidentiality_limit(CX_AES_128_GCM) == 1ull << 23);
    assert_true(quic_aead_confidentiality_limit(CX_AES_256_GCM) == 1ull << 23);
    assert_true(quic_aead_confidentiality_limit(CX_CHACHA20_POLY1305) == UINT64_MAX);
    pair p;
    pair_init(&p);
    start(&p);
    for (int i = 0; i < 100; i++)
        inject_forged(&p, i & 1);
    quic_close_info ci;
    quic_conn_close_info(p.server, &ci);
    assert_int_equal(ci.code, 0);
    pair_free(&p);
}

/* The most packets the client sealed with one 1-RTT key (the trace sees
 * each packet before it is sealed: tx_packets is how many went before). */
static uint64_t max_per_key;
static void count_sealed(void *ud, struct quic_conn *c, const quic_trace *t)
{
    (void)ud;
    if (t->type == QUIC_TRACE_PACKET_SENT && t->pkt_type == QUIC_PKT_1RTT &&
        quic_test_view(c).app_tx_packets + 1 > max_per_key)
        max_per_key = quic_test_view(c).app_tx_packets + 1;
}

static bool server_got_all(pair *p, void *ud)
{
    size_t *left = ud;
    uint8_t buf[4096];
    bool fin = false;
    int64_t n;
    if (*left == 0)
        return true;
    while (!fin && (n = quic_conn_stream_read(p->server, 0, buf, sizeof buf, &fin)) > 0)
        *left -= (size_t)n;
    return fin;
}

/* RFC 9001 §6.6: a key never seals more than the confidentiality limit:
 * updates come before it (here a limit of 64 packets, so several updates in
 * a 150 KB transfer, where the default key_update_after of 2^20 would never
 * come), and the connection carries on. The sender writes 10 KB every 300 ms:
 * an update waits for an acknowledgement under the current keys and, after
 * the first, for 3 PTO (§6.5), which a burst of a few dozen packets would
 * not leave it (with the RFC's limits the margin is millions of packets). */
static void test_confidentiality_limit_updates_keys_in_time(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    p.ccfg.aead_confidentiality_limit = 64;
    p.ccfg.trace = count_sealed;
    max_per_key = 0;
    start(&p);
    enum { TOTAL = 150000, CHUNK = 10000 };
    static uint8_t data[TOTAL];
    memset(data, 'd', sizeof data);
    assert_int_equal(quic_conn_stream_open(p.client, true), 0);
    size_t off = 0, left = TOTAL;
    while (off < TOTAL) {
        size_t want = TOTAL - off < CHUNK ? TOTAL - off : CHUNK;
        int64_t n = quic_conn_stream_write(p.client, 0, data + off, want, off + want == TOTAL);
        assert_int_equal(n, (int64_t)want);
        off += want;
        server_got_all(&p, &left);
        pair_run(&p, NULL, NULL, 300000);
    }
    /* The predicate reads, which queues MAX_STREAM_DATA: run again until
     * it is sent (pair_run stops when nothing is due). */
    bool done = false;
    for (int i = 0; i < 100 && !done; i++)
        done = pair_run(&p, server_got_all, &left, 100000);
    assert_true(done);
    assert_int_equal(left, 0);
    quic_close_info ci;
    quic_conn_close_info(p.client, &ci);
    if (ci.code)
        fail_msg("closed: 0x%llx %s", (unsigned long long)ci.code, ci.reason);
    assert_true(quic_test_view(p.client).key_updates >= 3);
    if (max_per_key > 64)
        fail_msg("a key sealed %llu packets, over the limit of 64", (unsigned long long)max_per_key);
    pair_free(&p);
}

/* RFC 9001 §6.6: when no key update can be made (nothing sent with the
 * current keys is acknowledged: the server's packets are all lost), the
 * connection closes with AEAD_LIMIT_REACHED before the limit, rather than
 * seal more with the same key. */
static void test_confidentiality_limit_closes_when_no_update_possible(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    p.ccfg.aead_confidentiality_limit = 16;
    p.ccfg.trace = count_sealed;
    start(&p);
    max_per_key = 0;
    static uint8_t data[200000];
    assert_int_equal(quic_conn_stream_open(p.client, true), 0);
    assert_true(quic_conn_stream_write(p.client, 0, data, sizeof data, true) > 0);
    /* Black hole: the client sends into nothing, timers run. */
    uint8_t buf[1500];
    uint64_t now = p.now;
    quic_close_info ci;
    for (int i = 0; i < 10000; i++) {
        while (quic_conn_send(p.client, buf, sizeof buf, now) > 0)
            ;
        quic_conn_close_info(p.client, &ci);
        if (ci.code)
            break;
        uint64_t d = quic_conn_deadline(p.client);
        if (d == QUIC_NEVER)
            break;
        if (d > now)
            now = d;
        quic_conn_on_deadline(p.client, now);
    }
    quic_conn_close_info(p.client, &ci);
    assert_false(ci.by_peer);
    assert_false(ci.idle);
    assert_int_equal(ci.code, QUIC_AEAD_LIMIT_REACHED);
    if (max_per_key > 16)
        fail_msg("a key sealed %llu packets, over the limit of 16", (unsigned long long)max_per_key);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_discards_server_initial_with_token),
        cmocka_unit_test(test_idle_timeout_huge_never_fires_early),
        cmocka_unit_test(test_integrity_limit_closes_with_aead_limit_reached),
        cmocka_unit_test(test_integrity_limit_counts_handshake_packets),
        cmocka_unit_test(test_integrity_default_limit_is_the_rfc_value),
        cmocka_unit_test(test_confidentiality_limit_updates_keys_in_time),
        cmocka_unit_test(test_confidentiality_limit_closes_when_no_update_possible),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
