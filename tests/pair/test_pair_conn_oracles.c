/* Connection behaviour that surviving mutants showed untested
 * (tests/mutants/survivors.md): every packet of a coalesced datagram is
 * processed, NEW_CONNECTION_ID carries the reset token the issuer would
 * recognise and no more CIDs than the peer allows, and a sender blocked by
 * flow control says so (DATA_BLOCKED) and then goes quiet. A trace hook
 * decodes every packet a side sends. */
#include "common/forge.h"
#include "common/pair.h"
#include "common/tu.h"
#include "quic/cid.h"
#include "quic/conn_test.h"
#include "quic/frame.h"
#include "quic/packet.h"
#include "quic/pmtud.h"

#include <string.h>

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

/* Frames one side sent, by type (types below 0x40). */
typedef struct sent_frames {
    uint64_t count[0x40];
    uint64_t new_cid_seq_max;
    uint64_t data_blocked_limit;
} sent_frames;

static void trace_sent(void *ud, struct quic_conn *c, const quic_trace *t)
{
    (void)c;
    sent_frames *s = ud;
    if (t->type != QUIC_TRACE_PACKET_SENT)
        return;
    qb_rd r;
    qb_rd_init(&r, t->frames, t->frames_len);
    while (qb_rd_left(&r)) {
        quic_frame f;
        if (quic_frame_decode(&r, &f) != 0)
            break;
        if (f.type < 0x40)
            s->count[f.type]++;
        if (f.type == QUIC_FT_NEW_CONNECTION_ID && f.new_cid.seq > s->new_cid_seq_max)
            s->new_cid_seq_max = f.new_cid.seq;
        if (f.type == QUIC_FT_DATA_BLOCKED)
            s->data_blocked_limit = f.data_blocked.limit;
    }
}

/* Long-header packets in a datagram (a short one ends it). */
static size_t packets_in(const uint8_t *d, size_t len, size_t short_len)
{
    quic_dgram_iter it;
    quic_pkt_hdr h;
    size_t n = 0;
    quic_dgram_iter_init(&it, (uint8_t *)d, len, short_len);
    while (quic_dgram_next(&it, &h) > 0)
        n++;
    return n;
}

/* RFC 9000 §12.2: a receiver processes every packet coalesced into a
 * datagram. The server's first flight puts its Initial and Handshake packets
 * in one datagram: the client decrypts all of them at once. */
static void test_coalesced_datagram_processes_every_packet(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    p.link.delay_us = 10000;
    pair_start(&p);
    assert_true(pair_run(&p, server_exists, NULL, 1000000));
    size_t found = 0;
    for (size_t i = 0; i < p.n_inflight && !found; i++) {
        pair_dgram *d = &p.inflight[i];
        if (d->to_server)
            continue;
        size_t n = packets_in(d->data, d->len, quic_conn_test_first_cid(p.client)->len);
        if (n < 2)
            continue;
        uint8_t copy[1500];
        memcpy(copy, d->data, d->len);
        uint64_t before = quic_test_stats(p.client).pkts_recv;
        assert_int_equal(quic_conn_recv(p.client, &p.cpath, copy, d->len, p.now), 0);
        assert_int_equal(quic_test_stats(p.client).pkts_recv - before, n);
        found = n;
    }
    assert_true(found >= 2);
    assert_true(quic_test_view(p.client).keys_rx[1]); /* Handshake keys from the Initial */
    assert_true(pair_run(&p, connected, NULL, 5000000));
    pair_free(&p);
}

/* RFC 9000 §10.3, §19.15: the token in each NEW_CONNECTION_ID is the one
 * the issuer would recognise in a stateless reset for that CID; §5.1.1: an
 * endpoint issues no more CIDs than the peer's active_connection_id_limit. */
static void test_new_connection_id_tokens_and_count_match_issuer(void **state)
{
    (void)state;
    {
        pair p;
        sent_frames sf;
        memset(&sf, 0, sizeof sf);
        pair_init(&p);
        p.scfg.trace = trace_sent;
        p.scfg.trace_ud = &sf;
        pair_start(&p);
        assert_true(pair_run(&p, connected, NULL, 5000000));
        pair_run(&p, NULL, NULL, 200000);
        const quic_peer_cids *pc = quic_conn_test_peer_cids(p.client);
        const quic_local_cids *lc = quic_conn_local_cids(p.server);
        size_t checked = 0, active = 0;
        for (size_t i = 0; i < QUIC_CID_SLOTS; i++)
            active += lc->slot[i].active;
        for (size_t i = 0; i < QUIC_CID_SLOTS; i++) {
            const quic_peer_cid *e = &pc->slot[i];
            if (!e->valid || e->seq == 0)
                continue;
            for (size_t j = 0; j < QUIC_CID_SLOTS; j++)
                if (lc->slot[j].active && lc->slot[j].seq == e->seq) {
                    assert_true(e->has_token);
                    assert_true(quic_cid_equal(&e->cid, &lc->slot[j].cid));
                    assert_memory_equal(e->token, lc->slot[j].token, QUIC_RESET_TOKEN_LEN);
                    checked++;
                }
        }
        assert_true(checked >= 1);
        /* our client allows QUIC_CID_SLOTS (8); quince issues at most 4
         * (quic_conn_issue_cids), so a peer allowing 5..7 is never exceeded */
        uint64_t want = 4;
        assert_int_equal(active, want);
        assert_int_equal(sf.new_cid_seq_max, want - 1);
        pair_free(&p);
    }
}

static bool client_idle(pair *p, void *ud)
{
    (void)ud;
    return p->n_inflight == 0;
}

/* RFC 9000 §4.1, §19.12: a sender with data but no connection credit
 * (MAX_DATA) sends DATA_BLOCKED at the limit; §19.13: one blocked by the
 * stream's limit sends STREAM_DATA_BLOCKED once, and then both have nothing
 * to send until credit comes. */
static void test_flow_control_blocked_sender_signals_then_goes_quiet(void **state)
{
    (void)state;
    static uint8_t data[8000];
    for (int conn_level = 1; conn_level >= 0; conn_level--) {
        pair p;
        sent_frames sf;
        memset(&sf, 0, sizeof sf);
        pair_init(&p);
        if (conn_level) {
            p.scfg.initial_max_data = 3000;
            p.scfg.initial_max_stream_data = 100000;
        } else {
            p.scfg.initial_max_data = 100000;
            p.scfg.initial_max_stream_data = 3000;
        }
        p.ccfg.trace = trace_sent;
        p.ccfg.trace_ud = &sf;
        pair_start(&p);
        assert_true(pair_run(&p, connected, NULL, 5000000));
        int64_t id = quic_conn_stream_open(p.client, true);
        assert_true(id >= 0);
        assert_int_equal(quic_conn_stream_write(p.client, (uint64_t)id, data, sizeof data, false),
                         (int64_t)sizeof data);
        /* the server's application reads nothing: no more credit */
        pair_run(&p, client_idle, NULL, 300000);
        pair_run(&p, NULL, NULL, 300000);
        if (conn_level) {
            assert_true(sf.count[QUIC_FT_DATA_BLOCKED] >= 1);
            assert_int_equal(sf.data_blocked_limit, 3000);
        } else {
            assert_int_equal(sf.count[QUIC_FT_STREAM_DATA_BLOCKED], 1);
        }
        /* blocked: nothing more to send now */
        uint8_t buf[1500];
        pair_events(p.client, NULL, NULL);
        assert_int_equal(quic_conn_send(p.client, buf, sizeof buf, p.now), 0);
        quic_conn_test_stream ts;
        assert_true(quic_conn_test_stream_get(p.client, (uint64_t)id, &ts));
        assert_int_equal(ts.sb_next, 3000);
        assert_false(ts.queued);
        pair_free(&p);
    }
}

/* RFC 9000 §8.1, §10.2.1: a server that closes before the client's address
 * is validated keeps its CONNECTION_CLOSE within three times the bytes it
 * received, the close counted with everything sent before. */
static void test_server_close_before_validation_keeps_3x_limit(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    p.link.delay_us = 10000;
    pair_start(&p);
    assert_true(pair_run(&p, server_exists, NULL, 1000000));
    /* nothing more reaches the server: its probes use up the 3x budget */
    uint8_t buf[1500];
    size_t n;
    uint64_t now = p.now;
    for (int i = 0; i < 8; i++) {
        quic_conn_test_view w = quic_test_view(p.server);
        if (w.bytes_out == 3 * w.bytes_in)
            break;
        uint64_t d = quic_conn_deadline(p.server);
        if (d == QUIC_NEVER)
            break; /* RFC 9002 §6.2.2.1: blocked by the limit, no probe timer */
        now = d;
        quic_conn_on_deadline(p.server, now);
        while (quic_conn_send(p.server, buf, sizeof buf, now) > 0)
            ;
    }
    quic_conn_test_view v = quic_test_view(p.server);
    assert_false(v.addr_validated);
    assert_true(v.bytes_out <= 3 * v.bytes_in);
    assert_int_equal(3 * v.bytes_in, v.bytes_out);
    /* 10 bytes of junk from the client's address: 30 bytes of room, less
     * than any CONNECTION_CLOSE packet */
    uint8_t junk[10] = {0x40, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    assert_int_equal(quic_conn_recv(p.server, &p.spath, junk, sizeof junk, now), 0);
    v = quic_test_view(p.server);
    assert_int_equal(3 * v.bytes_in - v.bytes_out, 30);
    quic_conn_close(p.server, false, QUIC_CONNECTION_REFUSED, "closing early");
    while ((n = quic_conn_send(p.server, buf, sizeof buf, now)) > 0)
        ;
    v = quic_test_view(p.server);
    assert_true(v.bytes_out <= 3 * v.bytes_in);
    pair_free(&p);
}

/* RFC 9000 §10.3.1: a datagram none of whose packets could be processed is
 * checked for a stateless reset token in its last 16 bytes; a packet of a
 * version we do not speak is not processed (§5.2), so a datagram made of one
 * still ends the connection when it carries the peer's token. */
static void test_other_version_datagram_is_checked_for_stateless_reset(void **state)
{
    (void)state;
    /* QUIC v2 (RFC 9369 §3.2) Initial (type bits 01, empty token) and
     * Handshake (type bits 11) packets, which the parser reads but a v1
     * connection does not process; each Length covers the rest of the
     * datagram */
    static const uint8_t hdrs[2][10] = {{0xd0, 0x6b, 0x33, 0x43, 0xcf, 0, 0, 0, 0x40, 54},
                                        {0xf0, 0x6b, 0x33, 0x43, 0xcf, 0, 0, 0x40, 55}};
    static const size_t hdr_len[2] = {10, 9};
    for (int k = 0; k < 2; k++) {
        pair p;
        pair_init(&p);
        pair_start(&p);
        assert_true(pair_run(&p, connected, NULL, 5000000));
        assert_int_equal(quic_conn_version(p.client), QUIC_VERSION_1);
        const quic_peer_cids *pc = quic_conn_test_peer_cids(p.client);
        const quic_peer_cid *e = &pc->slot[pc->current];
        assert_true(e->valid && e->has_token);
        uint8_t dg[64];
        memset(dg, 0x5a, sizeof dg);
        memcpy(dg, hdrs[k], hdr_len[k]);
        memcpy(dg + sizeof dg - 16, e->token, 16);
        quic_dgram_iter it;
        quic_pkt_hdr h;
        quic_dgram_iter_init(&it, dg, sizeof dg, 8);
        assert_int_equal(quic_dgram_next(&it, &h), 1);
        assert_int_equal(h.version, QUIC_VERSION_2);
        assert_int_equal(h.pkt_len, sizeof dg);
        quic_conn_recv(p.client, &p.cpath, dg, sizeof dg, p.now);
        quic_close_info ci;
        quic_conn_close_info(p.client, &ci);
        assert_true(ci.stateless_reset);
        assert_true(ci.by_peer);
        pair_free(&p);
    }
}

/* Frames from the client in one 1-RTT packet, handed straight to the server. */
static int inject(pair *p, const uint8_t *fr, size_t len)
{
    uint8_t out[1500];
    forge_pkt fp;
    assert_true(forge_as(&fp, p->client, QUIC_SPACE_APPLICATION)); /* the shared forger */
    fp.raw = fr;
    fp.raw_len = len;
    size_t pkt_len = forge_seal(&fp, out, sizeof out);
    assert_true(pkt_len > 0);
    return quic_conn_recv(p->server, &p->spath, out, pkt_len, p->now);
}

/* A connected pair, quiet, the server's sent frames counted in *sf. */
static void start_quiet(pair *p, sent_frames *sf)
{
    memset(sf, 0, sizeof *sf);
    pair_init(p);
    p->scfg.trace = trace_sent;
    p->scfg.trace_ud = sf;
    pair_start(p);
    assert_true(pair_run(p, connected, NULL, 5000000));
    pair_run(p, NULL, NULL, 1000000);
    uint8_t buf[1500];
    assert_int_equal(quic_conn_send(p->server, buf, sizeof buf, p->now), 0);
    memset(sf, 0, sizeof *sf);
}

/* RFC 9000 §13.2.1: an ACK for a lone ack-eliciting 1-RTT packet may wait
 * up to max_ack_delay (25 ms by default), and then goes out. */
static void test_lone_ack_eliciting_packet_ack_is_delayed(void **state)
{
    (void)state;
    pair p;
    sent_frames sf;
    start_quiet(&p, &sf);
    const uint8_t ping[] = {0x01};
    assert_int_equal(inject(&p, ping, 1), 0);
    uint8_t buf[1500];
    assert_int_equal(quic_conn_send(p.server, buf, sizeof buf, p.now), 0);
    uint64_t d = quic_conn_deadline(p.server);
    assert_true(d > p.now && d <= p.now + p.scfg.max_ack_delay_ms * 1000);
    quic_conn_on_deadline(p.server, d);
    assert_true(quic_conn_send(p.server, buf, sizeof buf, d) > 0);
    assert_int_equal(sf.count[QUIC_FT_ACK], 1);
    pair_free(&p);
}

/* RFC 9000 §5.1.1, §19.16: when the peer retires one of our CIDs we issue a
 * replacement, and a NEW_CONNECTION_ID owed is reason enough for a packet:
 * it goes at once, not with whatever is sent next. */
static void test_new_connection_id_owed_is_sent_at_once(void **state)
{
    (void)state;
    pair p;
    sent_frames sf;
    start_quiet(&p, &sf);
    const uint8_t retire[] = {0x19, 0x01}; /* RETIRE_CONNECTION_ID seq 1 */
    assert_int_equal(inject(&p, retire, sizeof retire), 0);
    uint8_t buf[1500];
    assert_true(quic_conn_send(p.server, buf, sizeof buf, p.now) > 0);
    assert_int_equal(sf.count[QUIC_FT_NEW_CONNECTION_ID], 1);
    assert_int_equal(sf.new_cid_seq_max, 4);
    pair_free(&p);
}

static bool both_closed(pair *p, void *ud)
{
    (void)ud;
    quic_close_info a, b;
    quic_conn_close_info(p->client, &a);
    if (!p->server)
        return false;
    quic_conn_close_info(p->server, &b);
    return a.closed && b.by_peer;
}

/* RFC 9001 §4.8: a TLS alert ends the connection with CRYPTO_ERROR, 0x100 +
 * the alert, naming the CRYPTO frame; the peer reads the same code. A client
 * that cannot verify the server's name raises one. */
static void test_tls_failure_closes_with_crypto_error(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    p.ctls.server_name = "not-the-server.example";
    pair_start(&p);
    assert_true(pair_run(&p, both_closed, NULL, 5000000));
    quic_close_info c, s;
    quic_conn_close_info(p.client, &c);
    quic_conn_close_info(p.server, &s);
    assert_false(c.app);
    assert_true(c.code > QUIC_CRYPTO_ERROR_BASE && c.code <= QUIC_CRYPTO_ERROR_BASE + 0xff);
    assert_int_equal(c.frame_type, QUIC_FT_CRYPTO);
    assert_true(s.by_peer);
    assert_int_equal(s.code, c.code);
    assert_int_equal(s.frame_type, QUIC_FT_CRYPTO);
    pair_free(&p);
}

/* Seals frames as the server would at a level (Handshake: long header;
 * Application: 1-RTT) and hands them to the client. */
static int server_says(pair *p, quic_pn_space sp, const uint8_t *fr, size_t len)
{
    uint8_t out[1500];
    forge_pkt fp;
    /* The server's send keys: what the client opens (a receive key only
     * opens, RFC 9001 §5). */
    assert_true(forge_as(&fp, p->server, sp));
    fp.raw = fr;
    fp.raw_len = len;
    size_t pkt_len = forge_seal(&fp, out, sizeof out);
    assert_true(pkt_len > 0);
    return quic_conn_recv(p->client, &p->cpath, out, pkt_len, p->now);
}

static bool client_sent_1rtt(pair *p, void *ud)
{
    (void)ud;
    quic_conn_test_view v = quic_test_view(p->client);
    return v.app_tx_ok && v.next_pn[QUIC_SPACE_APPLICATION] >= 1 && v.next_pn[QUIC_SPACE_HANDSHAKE] >= 1;
}

/* RFC 9001 §6.1: a key update may start only once a packet protected with
 * the current keys was acknowledged; an ACK in the Handshake space
 * acknowledges Handshake packets, never a 1-RTT one, even when its numbers
 * are as large. */
static void test_handshake_ack_does_not_confirm_1rtt_key_phase(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    p.link.delay_us = 10000;
    pair_start(&p);
    assert_true(pair_run(&p, client_sent_1rtt, NULL, 1000000));
    p.n_inflight = 0; /* nothing more arrives: the test speaks for the server */
    const uint8_t ack0[] = {0x02, 0x00, 0x00, 0x00, 0x00}; /* ACK of pn 0 */
    assert_int_equal(server_says(&p, QUIC_SPACE_HANDSHAKE, ack0, sizeof ack0), 0);
    const uint8_t done[] = {0x1e}; /* HANDSHAKE_DONE */
    assert_int_equal(server_says(&p, QUIC_SPACE_APPLICATION, done, sizeof done), 0);
    assert_true(quic_test_view(p.client).handshake_confirmed);
    /* no 1-RTT packet of the client's was acknowledged yet */
    assert_int_equal(quic_conn_key_update(p.client), QUIC_ERR_BLOCKED);
    /* an ACK of its first 1-RTT packet allows it */
    assert_int_equal(server_says(&p, QUIC_SPACE_APPLICATION, ack0, sizeof ack0), 0);
    assert_int_equal(quic_conn_key_update(p.client), 0);
    pair_free(&p);
}

/* quic_conn_send with a small buffer: it writes nothing, or a whole packet
 * the peer opens (RFC 9001 §5.4.2: room for the header protection sample);
 * never a packet cut short, and a frame it could not place stays owed.
 * Sizes around the smallest packet, each with
 * only a one-byte PING pending (a key update asks for one). */
static void test_small_send_buffer_sends_whole_packet_or_keeps_frames(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    pair_start(&p);
    assert_true(pair_run(&p, connected, NULL, 5000000));
    pair_run(&p, NULL, NULL, 1000000);
    size_t sent = 0, tried = 0;
    for (size_t cap = 20; cap <= 40; cap++) {
        uint8_t buf[1500];
        pair_run(&p, NULL, NULL, 2000000); /* 3 PTO after the last update */
        if (quic_conn_key_update(p.client) != 0)
            continue;
        tried++;
        quic_conn_stats before = quic_test_stats(p.server);
        size_t n = quic_conn_send(p.client, buf, cap, p.now);
        assert_true(n <= cap);
        if (n) {
            quic_conn_recv(p.server, &p.spath, buf, n, p.now);
            quic_conn_stats after = quic_test_stats(p.server);
            assert_int_equal(after.pkts_recv, before.pkts_recv + 1);
            assert_int_equal(after.pkts_dropped, before.pkts_dropped);
            sent++;
        } else {
            /* too small: the PING is still owed and goes in a full buffer */
            n = quic_conn_send(p.client, buf, sizeof buf, p.now);
            assert_true(n > 0);
            quic_conn_recv(p.server, &p.spath, buf, n, p.now);
        }
    }
    assert_true(tried >= 15);
    assert_true(sent > 0);
    quic_close_info ci;
    quic_conn_close_info(p.server, &ci);
    assert_false(ci.closed);
    pair_free(&p);
}

/* Moves datagrams by hand, dropping every one larger than `mtu` (a path
 * that carries no more), for `us` of virtual time; counts the dropped ones
 * each side sent. */
static void run_narrow_path(pair *p, size_t mtu, uint64_t us, size_t dropped[2])
{
    uint64_t end = p->now + us;
    uint8_t buf[1500];
    for (size_t i = 0; i < p->n_inflight; i++) {
        pair_dgram *d = &p->inflight[i];
        if (d->len > mtu)
            dropped[d->to_server ? 0 : 1]++;
        else if (d->to_server)
            quic_conn_recv(p->server, &p->spath, d->data, d->len, p->now);
        else
            quic_conn_recv(p->client, &p->cpath, d->data, d->len, p->now);
    }
    p->n_inflight = 0;
    for (int round = 0; round < 10000; round++) {
        for (int moved = 1; moved;) {
            moved = 0;
            for (int side = 0; side < 2; side++) {
                quic_conn *from = side ? p->server : p->client, *to = side ? p->client : p->server;
                size_t n;
                while ((n = quic_conn_send(from, buf, sizeof buf, p->now)) > 0) {
                    moved = 1;
                    if (n > mtu)
                        dropped[side]++;
                    else
                        quic_conn_recv(to, side ? &p->cpath : &p->spath, buf, n, p->now);
                }
            }
        }
        uint64_t dc = quic_conn_deadline(p->client), ds = quic_conn_deadline(p->server);
        uint64_t next = dc < ds ? dc : ds;
        if (next == QUIC_NEVER || next > end)
            break;
        if (next > p->now)
            p->now = next;
        quic_conn_on_deadline(p->client, p->now);
        quic_conn_on_deadline(p->server, p->now);
    }
    p->now = end;
}

/* RFC 9000 §14.4: a PMTU probe that is lost is recognised as a probe (not a
 * congestion signal): probing goes on, a few times, then stops. On a path
 * carrying only 1200 bytes each side's binary search (quic/pmtud.c) sends
 * QUIC_PMTUD_MAX_PROBES (3) probes of each size it tries, 1452, 1326, 1263,
 * 1231 and 1215 (then the gap is within the granularity), and the
 * connection goes on at 1200. */
static void test_lost_pmtu_probes_are_retried_then_given_up(void **state)
{
    (void)state;
    pair p;
    size_t dropped[2] = {0, 0};
    pair_init(&p);
    p.link.delay_us = 10000;
    pair_start(&p);
    assert_true(pair_run(&p, server_exists, NULL, 1000000));
    run_narrow_path(&p, 1200, 20000000, dropped);
    assert_true(connected(&p, NULL));
    assert_int_equal(dropped[0], 5 * QUIC_PMTUD_MAX_PROBES);
    assert_int_equal(dropped[1], 5 * QUIC_PMTUD_MAX_PROBES);
    assert_int_equal(quic_test_view(p.client).pmtu, 1200);
    assert_false(quic_test_view(p.client).pmtu_searching);
    quic_close_info ci;
    quic_conn_close_info(p.client, &ci);
    assert_false(ci.closed);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coalesced_datagram_processes_every_packet),
        cmocka_unit_test(test_new_connection_id_tokens_and_count_match_issuer),
        cmocka_unit_test(test_flow_control_blocked_sender_signals_then_goes_quiet),
        cmocka_unit_test(test_server_close_before_validation_keeps_3x_limit),
        cmocka_unit_test(test_other_version_datagram_is_checked_for_stateless_reset),
        cmocka_unit_test(test_lone_ack_eliciting_packet_ack_is_delayed),
        cmocka_unit_test(test_new_connection_id_owed_is_sent_at_once),
        cmocka_unit_test(test_tls_failure_closes_with_crypto_error),
        cmocka_unit_test(test_handshake_ack_does_not_confirm_1rtt_key_phase),
        cmocka_unit_test(test_small_send_buffer_sends_whole_packet_or_keeps_frames),
        cmocka_unit_test(test_lost_pmtu_probes_are_retried_then_given_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
