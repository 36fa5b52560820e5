/* 0-RTT through QUIC (RFC 9001 §4.6, RFC 9000 §7.4.1, RFC 8446 §4.2.10, §8):
 * a client of ours resumes against the server endpoint with a ticket that
 * allows early data and writes stream data (and a datagram) before the
 * handshake; the server takes it from 0-RTT packets, or refuses 0-RTT (its
 * configuration, a replayed ClientHello, a rotated-out ticket key, lowered
 * limits, other application state) and the data comes again in 1-RTT. */
#include "common/ep_net.h"
#include "common/tu.h"
#include "crypto/tls_ticket.h"
#include "quic/conn_test.h"
#include "quic/tparams.h"

#include <string.h>

typedef struct jar {
    uint8_t sess[4096];
    size_t sess_len;
} jar;

static void on_session(void *ud, const uint8_t *p, size_t n)
{
    jar *j = ud;
    assert_true(n <= sizeof j->sess);
    memcpy(j->sess, p, n);
    j->sess_len = n;
}

typedef struct world {
    ep_net n;
    tls_ticket_keys *keys;
    jar j;
} world;

static const char REQ[] = "GET /0rtt";

/* First connection: a full handshake leaving a ticket that allows 0-RTT. */
static void world_first(world *w, uint64_t dgram_max)
{
    memset(w, 0, sizeof *w);
    w->keys = tls_ticket_keys_new(NULL, NULL, NULL);
    assert_non_null(w->keys);
    ep_net_prepare(&w->n, false);
    w->n.p.stls.ticket_keys = w->keys;
    w->n.p.stls.ticket_early_data = true;
    w->n.ecfg.conn.max_datagram_frame_size = dgram_max;
    w->n.p.ctls.on_session = on_session;
    w->n.p.ctls.session_ud = &w->j;
    ep_net_start(&w->n);
    ep_net_step(&w->n);
    assert_true(quic_conn_is_established(w->n.p.client));
    assert_true(w->j.sess_len > 0);
}

/* The server restarts with ecfg as changed (same ticket keys). */
static void world_new_server(world *w)
{
    quic_endpoint_free(w->n.ep);
    w->n.ep = quic_endpoint_new(&w->n.ecfg);
    assert_non_null(w->n.ep);
}

/* A second client offering 0-RTT with the session; stream 0 carries REQ
 * written before anything was sent. */
static void world_again_early(world *w, bool expect_sendable)
{
    if (quic_conn_is_established(w->n.p.client)) {
        quic_conn_close(w->n.p.client, true, 0, "bye");
        ep_net_step(&w->n);
    }
    quic_conn_free(w->n.p.client);
    w->n.p.ctls.session = w->j.sess;
    w->n.p.ctls.session_len = w->j.sess_len;
    w->n.p.ctls.early_data = true;
    w->n.p.client = quic_conn_new_client(&w->n.p.ccfg, &w->n.p.cpath, w->n.p.now);
    assert_non_null(w->n.p.client);
    assert_int_equal(quic_conn_early_sendable(w->n.p.client), expect_sendable);
    if (expect_sendable) {
        int64_t id = quic_conn_stream_open(w->n.p.client, true);
        assert_int_equal(id, 0);
        assert_int_equal(quic_conn_stream_write(w->n.p.client, 0, (const uint8_t *)REQ,
                                                sizeof REQ - 1, true),
                         (int64_t)(sizeof REQ - 1));
    }
}

/* The established server connection of the second client. */
static quic_conn *server_conn(world *w)
{
    quic_conn *found = NULL;
    for (quic_conn *c = quic_endpoint_next(w->n.ep, NULL); c; c = quic_endpoint_next(w->n.ep, c))
        if (quic_conn_is_established(c))
            found = c;
    assert_non_null(found);
    return found;
}

static void assert_request_arrived(quic_conn *s)
{
    uint8_t buf[64];
    bool fin = false;
    int64_t n = quic_conn_stream_read(s, 0, buf, sizeof buf, &fin);
    assert_int_equal(n, (int64_t)(sizeof REQ - 1));
    assert_memory_equal(buf, REQ, sizeof REQ - 1);
    assert_true(fin);
}

static void world_free(world *w)
{
    ep_net_free(&w->n);
    tls_ticket_keys_free(w->keys);
}

static void test_0rtt_stream_data_accepted_from_0rtt_packets(void **state)
{
    (void)state;
    world w;
    world_first(&w, 0);
    world_again_early(&w, true);
    ep_net_step(&w.n);
    assert_true(quic_conn_is_established(w.n.p.client));
    assert_true(quic_conn_resumed(w.n.p.client));
    assert_int_equal(quic_conn_early_state(w.n.p.client, NULL), QUIC_EARLY_ACCEPTED);
    assert_true(quic_conn_early_packets(w.n.p.client) >= 1);
    quic_conn *s = server_conn(&w);
    assert_int_equal(quic_conn_early_state(s, NULL), QUIC_EARLY_ACCEPTED);
    /* the server opened 0-RTT packets, and the request was in them */
    assert_true(quic_conn_early_packets(s) >= 1);
    assert_request_arrived(s);
    world_free(&w);
}

/* RFC 9001 §4.9.3: a client drops its 0-RTT keys with the 1-RTT ones; a
 * server keeps them for reordered packets, then drops them (3 PTO after the
 * first 1-RTT packet). */
static void test_0rtt_keys_discarded_client_at_1rtt_server_later(void **state)
{
    (void)state;
    world w;
    quic_conn_test_view v;
    world_first(&w, 0);
    world_again_early(&w, true);
    ep_net_step(&w.n);
    quic_conn_test_view_get(w.n.p.client, &v);
    assert_false(v.early_keys);
    quic_conn *s = server_conn(&w);
    quic_conn_test_view_get(s, &v);
    assert_true(v.early_keys); /* just after the handshake: still there */
    /* later traffic: the server's 0-RTT keys go */
    w.n.p.now += 5000000;
    int64_t id = quic_conn_stream_open(w.n.p.client, true);
    assert_true(id > 0);
    assert_int_equal(quic_conn_stream_write(w.n.p.client, (uint64_t)id, (const uint8_t *)"x", 1, true), 1);
    ep_net_step(&w.n);
    quic_conn_test_view_get(s, &v);
    assert_false(v.early_keys);
    world_free(&w);
}

/* RFC 9000 §17.2.5.3: the 0-RTT data of a first flight that drew a Retry
 * goes again, in 0-RTT packets to the new connection ID. */
static void test_0rtt_after_retry_sent_again(void **state)
{
    (void)state;
    world w;
    memset(&w, 0, sizeof w);
    w.keys = tls_ticket_keys_new(NULL, NULL, NULL);
    ep_net_prepare(&w.n, true); /* every new address gets a Retry */
    w.n.p.stls.ticket_keys = w.keys;
    w.n.p.stls.ticket_early_data = true;
    w.n.p.ctls.on_session = on_session;
    w.n.p.ctls.session_ud = &w.j;
    ep_net_start(&w.n);
    ep_net_step(&w.n);
    assert_true(w.j.sess_len > 0);
    world_again_early(&w, true); /* no NEW_TOKEN token: a Retry again */
    ep_net_step(&w.n);
    quic_endpoint_stats st;
    quic_endpoint_stats_get(w.n.ep, &st);
    assert_int_equal(st.retry_sent, 2);
    assert_int_equal(quic_conn_early_state(w.n.p.client, NULL), QUIC_EARLY_ACCEPTED);
    quic_conn *s = server_conn(&w);
    assert_true(quic_conn_early_packets(s) >= 1);
    assert_request_arrived(s);
    world_free(&w);
}

static void test_0rtt_refused_by_server_config_resent_in_1rtt(void **state)
{
    (void)state;
    world w;
    const char *why = NULL;
    world_first(&w, 0);
    w.n.p.stls.refuse_early_data = true; /* quince server --no-0rtt */
    w.n.ecfg.conn.tls = &w.n.p.stls;
    world_new_server(&w);
    world_again_early(&w, true);
    ep_net_step(&w.n);
    assert_true(quic_conn_resumed(w.n.p.client)); /* refused 0-RTT, not the ticket */
    assert_int_equal(quic_conn_early_state(w.n.p.client, NULL), QUIC_EARLY_REJECTED);
    quic_conn *s = server_conn(&w);
    assert_int_equal(quic_conn_early_state(s, &why), QUIC_EARLY_REJECTED);
    assert_string_equal(why, "disabled");
    assert_int_equal(quic_conn_early_packets(s), 0);
    assert_request_arrived(s); /* RFC 9001 §4.6.2: sent again in 1-RTT */
    world_free(&w);
}

/* RFC 9001 §4.6.2: once the server's answer refuses 0-RTT, the 0-RTT
 * packets are lost at once (their data queued for 1-RTT), not after a loss
 * timer. */
static void test_refused_0rtt_packets_are_lost_at_the_answer(void **state)
{
    (void)state;
    world w;
    uint8_t buf[1500];
    size_t len;
    quic_conn_stats st;
    world_first(&w, 0);
    w.n.p.stls.refuse_early_data = true;
    w.n.ecfg.conn.tls = &w.n.p.stls;
    world_new_server(&w);
    world_again_early(&w, true);
    quic_conn *cl = w.n.p.client;
    while ((len = quic_conn_send(cl, buf, sizeof buf, w.n.p.now)))
        quic_endpoint_recv(w.n.ep, &w.n.p.spath, buf, len, w.n.p.now);
    assert_true(quic_conn_early_packets(cl) >= 1);
    for (quic_conn *c = quic_endpoint_next(w.n.ep, NULL); c; c = quic_endpoint_next(w.n.ep, c))
        while ((len = quic_conn_send(c, buf, sizeof buf, w.n.p.now)))
            quic_conn_recv(cl, &w.n.p.cpath, buf, len, w.n.p.now);
    assert_int_equal(quic_conn_early_state(cl, NULL), QUIC_EARLY_REJECTED);
    quic_conn_stats_get(cl, &st);
    assert_true(st.pkts_lost >= quic_conn_early_packets(cl));
    assert_false(quic_conn_early_sendable(cl)); /* its 0-RTT keys are gone */
    ep_net_step(&w.n);
    assert_request_arrived(server_conn(&w));
    world_free(&w);
}

/* The client's stored session claims a larger initial_max_data than the
 * server gave: the server (whose ticket remembers its real value) accepts
 * 0-RTT, and the client sees an accepted 0-RTT with a lower limit. */
static void test_accepted_0rtt_with_lowered_limit_is_protocol_violation(void **state)
{
    (void)state;
    world w;
    tls_session sess;
    quic_tparams tp;
    uint8_t tpbuf[512], out[4096];
    qb_wr wt, ws;
    quic_close_info ci;
    world_first(&w, 0);
    assert_int_equal(tls_session_decode(w.j.sess, w.j.sess_len, &sess), 0);
    assert_int_equal(quic_tparams_decode(sess.peer_tp.p, sess.peer_tp.len, true, &tp), 0);
    tp.initial_max_data *= 2;
    qb_wr_init(&wt, tpbuf, sizeof tpbuf);
    assert_int_equal(quic_tparams_encode(&wt, &tp, true), 0);
    sess.peer_tp = (tls_bytes){tpbuf, wt.off};
    qb_wr_init(&ws, out, sizeof out);
    assert_int_equal(tls_session_encode(&ws, &sess), 0);
    memcpy(w.j.sess, out, ws.off);
    w.j.sess_len = ws.off;
    world_again_early(&w, true);
    ep_net_step(&w.n);
    quic_conn_close_info(w.n.p.client, &ci);
    assert_true(ci.closed || ci.code);
    assert_int_equal(ci.code, 0x0a); /* RFC 9000 §7.4.1: PROTOCOL_VIOLATION */
    world_free(&w);
}

static void test_ticket_of_rotated_out_key_gets_full_handshake_and_data(void **state)
{
    (void)state;
    world w;
    world_first(&w, 0);
    assert_int_equal(tls_ticket_keys_rotate(w.keys), 0);
    assert_int_equal(tls_ticket_keys_rotate(w.keys), 0);
    world_again_early(&w, true);
    ep_net_step(&w.n);
    assert_true(quic_conn_is_established(w.n.p.client));
    assert_false(quic_conn_resumed(w.n.p.client));
    assert_int_equal(quic_conn_early_state(w.n.p.client, NULL), QUIC_EARLY_REJECTED);
    assert_request_arrived(server_conn(&w));
    world_free(&w);
}

static void test_lowered_limits_reject_0rtt_not_the_connection(void **state)
{
    (void)state;
    world w;
    const char *why = NULL;
    world_first(&w, 0);
    w.n.ecfg.conn.initial_max_data /= 2; /* RFC 9000 §7.4.1 */
    world_new_server(&w);
    world_again_early(&w, true);
    ep_net_step(&w.n);
    assert_true(quic_conn_is_established(w.n.p.client));
    assert_true(quic_conn_resumed(w.n.p.client));
    quic_conn *s = server_conn(&w);
    assert_int_equal(quic_conn_early_state(s, &why), QUIC_EARLY_REJECTED);
    assert_string_equal(why, "transport parameters lowered");
    assert_int_equal(quic_conn_early_state(w.n.p.client, NULL), QUIC_EARLY_REJECTED);
    assert_request_arrived(s);
    world_free(&w);
}

static void test_other_application_state_rejects_0rtt(void **state)
{
    (void)state;
    world w;
    const char *why = NULL;
    static const uint8_t a[] = {1, 2, 3}, b[] = {1, 2, 4};
    memset(&w, 0, sizeof w);
    world_first(&w, 0);
    /* the first server's tickets remembered no state; give it some now */
    w.n.ecfg.conn.early_app_state = a;
    w.n.ecfg.conn.early_app_state_len = sizeof a;
    world_new_server(&w);
    world_again_early(&w, true);
    ep_net_step(&w.n);
    assert_int_equal(quic_conn_early_state(server_conn(&w), &why), QUIC_EARLY_REJECTED);
    assert_string_equal(why, "application settings changed");
    /* its tickets remember a: the same state accepts, another refuses */
    world_again_early(&w, true);
    ep_net_step(&w.n);
    assert_int_equal(quic_conn_early_state(server_conn(&w), NULL), QUIC_EARLY_ACCEPTED);
    w.n.ecfg.conn.early_app_state = b;
    world_new_server(&w);
    world_again_early(&w, true);
    ep_net_step(&w.n);
    assert_int_equal(quic_conn_early_state(server_conn(&w), &why), QUIC_EARLY_REJECTED);
    assert_string_equal(why, "application settings changed");
    world_free(&w);
}

/* A copy of the client's first datagram (Initial + 0-RTT) handed to another
 * server that shares the ticket keys: same ticket, same binder. */
static void test_replayed_client_hello_gets_no_0rtt(void **state)
{
    (void)state;
    world w;
    uint8_t first[1500], copy[1500];
    const char *why = NULL;
    world_first(&w, 0);
    world_again_early(&w, true);
    size_t len = quic_conn_send(w.n.p.client, first, sizeof first, w.n.p.now);
    assert_true(len >= 1200);
    memcpy(copy, first, len);
    quic_endpoint_recv(w.n.ep, &w.n.p.spath, first, len, w.n.p.now);
    ep_net_step(&w.n);
    assert_int_equal(quic_conn_early_state(w.n.p.client, NULL), QUIC_EARLY_ACCEPTED);
    /* the replay: a second endpoint of the same "cluster" */
    quic_endpoint *ep2 = quic_endpoint_new(&w.n.ecfg);
    assert_non_null(ep2);
    quic_conn *r = quic_endpoint_recv(ep2, &w.n.p.spath, copy, len, w.n.p.now);
    assert_non_null(r);
    /* RFC 8446 §8.2: refused 0-RTT, not a refused connection */
    assert_int_equal(quic_conn_early_state(r, &why), QUIC_EARLY_REJECTED);
    assert_string_equal(why, "replayed ClientHello");
    assert_int_equal(quic_conn_early_packets(r), 0);
    quic_close_info ci;
    quic_conn_close_info(r, &ci);
    assert_false(ci.closed);
    assert_int_equal(ci.code, 0);
    quic_endpoint_free(ep2);
    world_free(&w);
}

static void test_0rtt_datagram_only_with_remembered_max_datagram_frame_size(void **state)
{
    (void)state;
    world w;
    static const uint8_t ping[8] = {0, 0, 0, 0, 0, 0, 0, 1};
    /* the first server allowed DATAGRAM frames: one goes in 0-RTT */
    world_first(&w, 1200);
    world_again_early(&w, true);
    assert_int_equal(quic_conn_dgram_send(w.n.p.client, ping, sizeof ping, w.n.p.now), 0);
    ep_net_step(&w.n);
    quic_conn *s = server_conn(&w);
    assert_int_equal(quic_conn_early_state(s, NULL), QUIC_EARLY_ACCEPTED);
    quic_event ev;
    bool got = false;
    while (quic_conn_next_event(s, &ev))
        if (ev.type == QUIC_EV_DATAGRAM && ev.len == sizeof ping && !memcmp(ev.data, ping, 8))
            got = true;
    assert_true(got);
    world_free(&w);
    /* RFC 9221 §3: a server that did not allow them: none in 0-RTT */
    world_first(&w, 0);
    world_again_early(&w, true);
    assert_int_equal(quic_conn_dgram_send(w.n.p.client, ping, sizeof ping, w.n.p.now),
                     QUIC_ERR_DGRAM_OFF);
    world_free(&w);
}

static void test_no_0rtt_without_early_data_ticket(void **state)
{
    (void)state;
    world w;
    memset(&w, 0, sizeof w);
    w.keys = tls_ticket_keys_new(NULL, NULL, NULL);
    ep_net_prepare(&w.n, false);
    w.n.p.stls.ticket_keys = w.keys; /* tickets without early_data */
    w.n.p.ctls.on_session = on_session;
    w.n.p.ctls.session_ud = &w.j;
    ep_net_start(&w.n);
    ep_net_step(&w.n);
    world_again_early(&w, false);
    ep_net_step(&w.n);
    assert_true(quic_conn_resumed(w.n.p.client));
    assert_int_equal(quic_conn_early_state(w.n.p.client, NULL), QUIC_EARLY_NONE);
    world_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_0rtt_stream_data_accepted_from_0rtt_packets),
        cmocka_unit_test(test_0rtt_keys_discarded_client_at_1rtt_server_later),
        cmocka_unit_test(test_0rtt_after_retry_sent_again),
        cmocka_unit_test(test_0rtt_refused_by_server_config_resent_in_1rtt),
        cmocka_unit_test(test_refused_0rtt_packets_are_lost_at_the_answer),
        cmocka_unit_test(test_accepted_0rtt_with_lowered_limit_is_protocol_violation),
        cmocka_unit_test(test_ticket_of_rotated_out_key_gets_full_handshake_and_data),
        cmocka_unit_test(test_lowered_limits_reject_0rtt_not_the_connection),
        cmocka_unit_test(test_other_application_state_rejects_0rtt),
        cmocka_unit_test(test_replayed_client_hello_gets_no_0rtt),
        cmocka_unit_test(test_0rtt_datagram_only_with_remembered_max_datagram_frame_size),
        cmocka_unit_test(test_no_0rtt_without_early_data_ticket),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
