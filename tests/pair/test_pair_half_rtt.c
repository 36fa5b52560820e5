/* 0.5-RTT (RFC 9001 §4.1.1, RFC 8446 §2.3): a server that accepted 0-RTT and
 * got the client's SETTINGS and request in it answers, and sends its first
 * HTTP datagram, in 1-RTT packets of its first flight, before the client's
 * Finished; the client has that datagram when its handshake completes, one
 * round trip after it started instead of two (three without 0-RTT: the
 * extended CONNECT waits for the server's SETTINGS). Without accepted 0-RTT nothing
 * changes: the server's application data waits for the client's Finished. The
 * exchange goes flight by flight, so round trips are counted, not timed. */
#include "common/ep_net.h"
#include "common/tu.h"
#include "h3q/h3q.h"
#include "quic/packet.h"

#include <string.h>

typedef struct jar {
    uint8_t sess[4096];
    size_t sess_len;
} jar;

static void on_session(void *ud, const uint8_t *p, size_t n)
{
    jar *j = ud;
    memcpy(j->sess, p, n);
    j->sess_len = n;
}

/* What a quince server announces (app/app_peer.c). */
static size_t server_settings(uint8_t *b, size_t cap)
{
    h3_settings st = {.h3_datagram = 1, .enable_connect_protocol = 1};
    qb_wr w;
    qb_wr_init(&w, b, cap);
    assert_int_equal(h3_settings_encode(&w, &st), 0);
    return w.off;
}

/* The ping-pong server's part (app/app_pingpong.c): the request answered once
 * the client's SETTINGS are in, then value 0 as an HTTP datagram. */
typedef struct srv {
    h3q_conn *b;
    bool have_req, answered;
    uint64_t sid;
    uint64_t sent_before_fin; /* server bytes sent while it had no client Finished */
} srv;

static void srv_step(srv *s, uint64_t now)
{
    h3_event ev;
    assert_int_equal(h3q_step(s->b, now, NULL), 0);
    while (h3q_next_event(s->b, &ev))
        if (ev.type == H3_EV_REQUEST) {
            s->have_req = true;
            s->sid = ev.stream_id;
        }
    if (s->have_req && !s->answered && h3_conn_peer_settings_received(h3q_h3(s->b)) &&
        h3_conn_datagrams_enabled(h3q_h3(s->b))) {
        static const uint8_t zero[8];
        assert_int_equal(h3q_send_response(s->b, s->sid, 200), 0);
        assert_int_equal(h3q_send_datagram(s->b, s->sid, zero, sizeof zero), 0);
        s->answered = true;
        assert_int_equal(h3q_step(s->b, now, NULL), 0);
    }
}

typedef struct cli {
    h3q_conn *b;
    bool got_zero;
    bool established_at_zero; /* the client's handshake was complete when 0 came */
} cli;

static void cli_step(cli *c, quic_conn *q, uint64_t now)
{
    h3_event ev;
    assert_int_equal(h3q_step(c->b, now, NULL), 0);
    while (h3q_next_event(c->b, &ev))
        if (ev.type == H3_EV_DATAGRAM && !c->got_zero && ev.len == 8) {
            static const uint8_t zero[8];
            assert_memory_equal(ev.data, zero, 8);
            c->got_zero = true;
            c->established_at_zero = quic_conn_is_established(q);
        }
}

static void first_connection(ep_net *n, jar *j, tls_ticket_keys *keys, bool refuse)
{
    ep_net_prepare(n, false);
    n->p.stls.ticket_keys = keys;
    n->p.stls.ticket_early_data = true;
    n->p.stls.refuse_early_data = refuse;
    n->p.ctls.on_session = on_session;
    n->p.ctls.session_ud = j;
    /* the endpoint copies its TLS config: the refusal applies to both */
    n->ecfg.conn = n->p.scfg;
    ep_net_start(n);
    ep_net_step(n);
    assert_true(j->sess_len > 0);
    quic_conn_close(n->p.client, true, 0, "bye");
    ep_net_step(n);
    quic_conn_free(n->p.client);
}

typedef struct run {
    int flights;          /* server flights the client took in until it had 0 */
    bool srv_est_at_send; /* the server was established when 0 left */
    cli c;
    uint64_t s_sent, s_recv; /* server bytes, while its address was unvalidated */
    quic_early_state early;
} run;

/* A client (resumed with 0-RTT and remembered SETTINGS when early), its
 * request, then flights exchanged one way at a time: client -> server ->
 * client counts one round trip. */
static void exchange(ep_net *n, jar *j, bool resume, bool early, run *r)
{
    uint8_t buf[1500], set[64];
    size_t len;
    memset(r, 0, sizeof *r);
    if (resume) {
        n->p.ctls.session = j->sess;
        n->p.ctls.session_len = j->sess_len;
    }
    n->p.ctls.early_data = early;
    n->p.client = quic_conn_new_client(&n->p.ccfg, &n->p.cpath, n->p.now);
    assert_non_null(n->p.client);
    h3q_config hc;
    h3q_config_init(&hc, H3_ROLE_CLIENT, &n->p.ccfg);
    assert_int_equal(h3q_new(n->p.client, &hc, &r->c.b), 0);
    bool requested = false;
    if (early) {
        assert_int_equal(h3q_start_early(r->c.b, set, server_settings(set, sizeof set)), 0);
        uint64_t sid;
        assert_int_equal(h3q_connect_ext(r->c.b, "ping-pong", "localhost", "/ping-pong", &sid), 0);
        requested = true;
    }
    srv s = {0};
    quic_conn *sq = NULL;
    for (int flight = 1; flight <= 6 && !r->c.got_zero; flight++) {
        cli_step(&r->c, n->p.client, n->p.now);
        if (!requested && h3q_started(r->c.b) &&
            h3_conn_peer_settings_received(h3q_h3(r->c.b))) {
            uint64_t sid;
            assert_int_equal(h3q_connect_ext(r->c.b, "ping-pong", "localhost", "/ping-pong", &sid), 0);
            requested = true;
            cli_step(&r->c, n->p.client, n->p.now);
        }
        while ((len = quic_conn_send(n->p.client, buf, sizeof buf, n->p.now))) {
            quic_conn *c = quic_endpoint_recv(n->ep, &n->p.spath, buf, len, n->p.now);
            if (c && !sq)
                sq = c;
            if (sq && !quic_conn_is_established(sq))
                r->s_recv += len;
        }
        assert_non_null(sq);
        if (!s.b) {
            h3q_config sc;
            h3q_config_init(&sc, H3_ROLE_SERVER, &n->ecfg.conn);
            assert_int_equal(h3q_new(sq, &sc, &s.b), 0);
        }
        n->p.now += 10000; /* one way */
        srv_step(&s, n->p.now);
        bool est = quic_conn_is_established(sq);
        bool answered_now = s.answered;
        while ((len = quic_conn_send(sq, buf, sizeof buf, n->p.now))) {
            if (!quic_conn_is_established(sq))
                r->s_sent += len;
            quic_conn_recv(n->p.client, &n->p.cpath, buf, len, n->p.now);
        }
        quic_endpoint_sync(n->ep, sq);
        n->p.now += 10000;
        cli_step(&r->c, n->p.client, n->p.now);
        if (r->c.got_zero) {
            r->flights = flight;
            r->srv_est_at_send = est && answered_now;
        }
    }
    r->early = quic_conn_early_state(n->p.client, NULL);
    h3q_free(s.b);
}

static void finish(ep_net *n, run *r, tls_ticket_keys *keys)
{
    h3q_free(r->c.b);
    ep_net_free(n);
    tls_ticket_keys_free(keys);
}

/* RFC 9001 §4.1.1: the server's first datagram leaves in 0.5-RTT, before it
 * has the client's Finished; the client has it at its handshake completion,
 * after one round trip. */
static void test_accepted_0rtt_first_datagram_in_half_rtt(void **state)
{
    (void)state;
    ep_net n;
    jar j = {0};
    run r;
    tls_ticket_keys *keys = tls_ticket_keys_new(NULL, NULL, NULL);
    first_connection(&n, &j, keys, false);
    exchange(&n, &j, true, true, &r);
    assert_int_equal(r.early, QUIC_EARLY_ACCEPTED);
    assert_true(r.c.got_zero);
    assert_int_equal(r.flights, 1);
    assert_false(r.srv_est_at_send);
    assert_true(r.c.established_at_zero);
    finish(&n, &r, keys);
}

/* RFC 9000 §8.1: what the server sent before the client's Finished
 * validated its address, 0.5-RTT data included, stays within 3x what it
 * received. */
static void test_half_rtt_within_amplification_limit(void **state)
{
    (void)state;
    ep_net n;
    jar j = {0};
    run r;
    tls_ticket_keys *keys = tls_ticket_keys_new(NULL, NULL, NULL);
    first_connection(&n, &j, keys, false);
    exchange(&n, &j, true, true, &r);
    assert_true(r.c.got_zero);
    assert_true(r.s_sent > 0);
    assert_true(r.s_sent <= 3 * r.s_recv);
    finish(&n, &r, keys);
}

/* A full handshake: the client's extended CONNECT waits for the server's
 * SETTINGS (RFC 9220 §3), which come after the handshake: the datagram comes
 * in the third round trip, as before. */
static void test_full_handshake_first_datagram_after_three_round_trips(void **state)
{
    (void)state;
    ep_net n;
    jar j = {0};
    run r;
    tls_ticket_keys *keys = tls_ticket_keys_new(NULL, NULL, NULL);
    first_connection(&n, &j, keys, false);
    exchange(&n, &j, false, false, &r);
    assert_true(r.c.got_zero);
    assert_int_equal(r.flights, 3);
    assert_true(r.srv_est_at_send);
    finish(&n, &r, keys);
}

/* Resumed without 0-RTT: nothing early, the same three round trips as a
 * full handshake. */
static void test_resumed_without_0rtt_first_datagram_after_finished(void **state)
{
    (void)state;
    ep_net n;
    jar j = {0};
    run r;
    tls_ticket_keys *keys = tls_ticket_keys_new(NULL, NULL, NULL);
    first_connection(&n, &j, keys, false);
    exchange(&n, &j, true, false, &r);
    assert_true(r.c.got_zero);
    assert_int_equal(r.flights, 3);
    assert_true(r.srv_est_at_send);
    finish(&n, &r, keys);
}

/* 0-RTT refused by the server: the request comes again in 1-RTT with the
 * client's Finished and the server's answer waits for it (two round trips),
 * as before. */
static void test_refused_0rtt_first_datagram_after_finished(void **state)
{
    (void)state;
    ep_net n;
    jar j = {0};
    run r;
    tls_ticket_keys *keys = tls_ticket_keys_new(NULL, NULL, NULL);
    first_connection(&n, &j, keys, true);
    exchange(&n, &j, true, true, &r);
    assert_int_equal(r.early, QUIC_EARLY_REJECTED);
    assert_true(r.c.got_zero);
    assert_int_equal(r.flights, 2);
    assert_true(r.srv_est_at_send);
    finish(&n, &r, keys);
}


/* RFC 9001 §5.7: the server has 1-RTT keys from its Finished on, but opens
 * no 1-RTT packet before its handshake is complete: a client 1-RTT packet
 * that arrives ahead of the client's Finished is held, and its stream data
 * shows up only once the Finished is in. */
static void test_server_opens_no_1rtt_before_client_finished(void **state)
{
    (void)state;
    ep_net n;
    jar j = {0};
    tls_ticket_keys *keys = tls_ticket_keys_new(NULL, NULL, NULL);
    uint8_t buf[1500], got[16];
    size_t len;
    bool fin;
    first_connection(&n, &j, keys, false);
    n.p.ctls.session = j.sess;
    n.p.ctls.session_len = j.sess_len;
    n.p.ctls.early_data = true;
    n.p.client = quic_conn_new_client(&n.p.ccfg, &n.p.cpath, n.p.now);
    assert_non_null(n.p.client);
    assert_int_equal(quic_conn_stream_open(n.p.client, true), 0);
    assert_int_equal(quic_conn_stream_write(n.p.client, 0, (const uint8_t *)"early", 5, false), 5);
    quic_conn *sq = NULL;
    while ((len = quic_conn_send(n.p.client, buf, sizeof buf, n.p.now))) {
        quic_conn *c = quic_endpoint_recv(n.ep, &n.p.spath, buf, len, n.p.now);
        if (c)
            sq = c;
    }
    assert_non_null(sq);
    assert_true(quic_conn_half_rtt_sendable(sq));
    n.p.now += 10000;
    while ((len = quic_conn_send(sq, buf, sizeof buf, n.p.now)))
        quic_conn_recv(n.p.client, &n.p.cpath, buf, len, n.p.now);
    assert_true(quic_conn_is_established(n.p.client));
    /* the client's second flight: its Finished and a 1-RTT packet with
     * new stream data, split apart and delivered 1-RTT first */
    assert_int_equal(quic_conn_stream_open(n.p.client, true), 4);
    assert_int_equal(quic_conn_stream_write(n.p.client, 4, (const uint8_t *)"late", 4, false), 4);
    uint8_t hs[1500], one[1500];
    size_t hs_len = 0, one_len = 0;
    while ((len = quic_conn_send(n.p.client, buf, sizeof buf, n.p.now))) {
        quic_pkt_hdr h;
        assert_int_equal(quic_pkt_hdr_parse(buf, len, 0, &h), 0);
        quic_dgram_iter it;
        quic_dgram_iter_init(&it, buf, len, h.dcid_len);
        while (quic_dgram_next(&it, &h) > 0) {
            uint8_t *to = h.type == QUIC_PKT_1RTT ? one : hs;
            size_t *tl = h.type == QUIC_PKT_1RTT ? &one_len : &hs_len;
            if (*tl + h.pkt_len <= sizeof hs) {
                memcpy(to + *tl, h.pkt, h.pkt_len);
                *tl += h.pkt_len;
            }
        }
    }
    assert_true(hs_len > 0 && one_len > 0);
    n.p.now += 10000;
    quic_endpoint_recv(n.ep, &n.p.spath, one, one_len, n.p.now);
    assert_false(quic_conn_is_established(sq));
    assert_true(quic_conn_stream_read(sq, 4, got, sizeof got, &fin) <= 0);
    quic_endpoint_recv(n.ep, &n.p.spath, hs, hs_len, n.p.now);
    assert_true(quic_conn_is_established(sq));
    /* the held packet was opened once the handshake completed */
    int64_t r = quic_conn_stream_read(sq, 4, got, sizeof got, &fin);
    assert_int_equal(r, 4);
    assert_memory_equal(got, "late", 4);
    quic_conn_free(n.p.client);
    n.p.client = NULL;
    ep_net_free(&n);
    tls_ticket_keys_free(keys);
}

/* The server's h3 starts at its Finished when 0-RTT was accepted: its
 * SETTINGS go in 0.5-RTT (RFC 9114 §6.2.1). Its HTTP datagrams wait for the
 * client's SETTINGS with H3_DATAGRAM = 1 (RFC 9297 §2.1.1), which this
 * client (plain QUIC stream data in 0-RTT, no h3) never sends. */
static void test_half_rtt_settings_sent_but_no_datagram_before_client_settings(void **state)
{
    (void)state;
    ep_net n;
    jar j = {0};
    tls_ticket_keys *keys = tls_ticket_keys_new(NULL, NULL, NULL);
    uint8_t buf[1500];
    size_t len;
    bool fin;
    first_connection(&n, &j, keys, false);
    n.p.ctls.session = j.sess;
    n.p.ctls.session_len = j.sess_len;
    n.p.ctls.early_data = true;
    n.p.client = quic_conn_new_client(&n.p.ccfg, &n.p.cpath, n.p.now);
    assert_non_null(n.p.client);
    assert_int_equal(quic_conn_stream_open(n.p.client, true), 0);
    assert_int_equal(quic_conn_stream_write(n.p.client, 0, (const uint8_t *)"x", 1, false), 1);
    quic_conn *sq = NULL;
    while ((len = quic_conn_send(n.p.client, buf, sizeof buf, n.p.now))) {
        quic_conn *c = quic_endpoint_recv(n.ep, &n.p.spath, buf, len, n.p.now);
        if (c)
            sq = c;
    }
    assert_non_null(sq);
    h3q_config sc;
    h3q_config_init(&sc, H3_ROLE_SERVER, &n.ecfg.conn);
    h3q_conn *sb;
    assert_int_equal(h3q_new(sq, &sc, &sb), 0);
    assert_int_equal(h3q_step(sb, n.p.now, NULL), 0);
    assert_true(h3q_started(sb));
    static const uint8_t zero[8];
    assert_true(h3q_send_datagram(sb, 0, zero, sizeof zero) < 0);
    assert_int_equal(h3q_step(sb, n.p.now, NULL), 0);
    while ((len = quic_conn_send(sq, buf, sizeof buf, n.p.now)))
        quic_conn_recv(n.p.client, &n.p.cpath, buf, len, n.p.now);
    assert_false(quic_conn_is_established(sq));
    /* the server's control stream (id 3) came with its first flight */
    assert_true(quic_conn_stream_read(n.p.client, 3, buf, sizeof buf, &fin) > 0);
    quic_dgram_counters dc;
    quic_conn_dgram_stats(sq, &dc);
    assert_int_equal(dc.sent, 0);
    h3q_free(sb);
    ep_net_free(&n);
    tls_ticket_keys_free(keys);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted_0rtt_first_datagram_in_half_rtt),
        cmocka_unit_test(test_half_rtt_within_amplification_limit),
        cmocka_unit_test(test_full_handshake_first_datagram_after_three_round_trips),
        cmocka_unit_test(test_resumed_without_0rtt_first_datagram_after_finished),
        cmocka_unit_test(test_refused_0rtt_first_datagram_after_finished),
        cmocka_unit_test(test_server_opens_no_1rtt_before_client_finished),
        cmocka_unit_test(test_half_rtt_settings_sent_but_no_datagram_before_client_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
