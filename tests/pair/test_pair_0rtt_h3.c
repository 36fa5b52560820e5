/* HTTP/3 over 0-RTT (RFC 9114 §7.2.4.2): a client that remembers the
 * server's SETTINGS starts h3 before the handshake, and its extended CONNECT
 * (which needs the server's ENABLE_CONNECT_PROTOCOL) reaches the server in
 * the client's first flight, in 0-RTT packets; without remembered SETTINGS
 * h3 waits for the handshake as before. */
#include "common/ep_net.h"
#include "common/tu.h"
#include "h3q/h3q.h"

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

/* A resumed client offering 0-RTT, its h3 binding, the first flight sent
 * to the endpoint; returns the server connection it made. */
static quic_conn *early_flight(ep_net *n, jar *j, const uint8_t *settings, size_t slen,
                               h3q_conn **hb, int *start_rc)
{
    quic_conn_close(n->p.client, true, 0, "bye");
    ep_net_step(n);
    quic_conn_free(n->p.client);
    n->p.ctls.session = j->sess;
    n->p.ctls.session_len = j->sess_len;
    n->p.ctls.early_data = true;
    n->p.client = quic_conn_new_client(&n->p.ccfg, &n->p.cpath, n->p.now);
    assert_non_null(n->p.client);
    h3q_config hc;
    h3q_config_init(&hc, H3_ROLE_CLIENT, &n->p.ccfg);
    assert_int_equal(h3q_new(n->p.client, &hc, hb), 0);
    *start_rc = h3q_start_early(*hb, settings, slen);
    if (*start_rc == 0) {
        uint64_t sid;
        assert_int_equal(h3q_connect_ext(*hb, "ping-pong", "localhost", "/ping-pong", &sid), 0);
        assert_int_equal(sid, 0);
    }
    assert_int_equal(h3q_step(*hb, n->p.now, NULL), 0);
    uint8_t buf[1500];
    size_t len;
    quic_conn *s = NULL;
    /* only the client's first flight: nothing of the server's comes back */
    while ((len = quic_conn_send(n->p.client, buf, sizeof buf, n->p.now))) {
        quic_conn *c = quic_endpoint_recv(n->ep, &n->p.spath, buf, len, n->p.now);
        if (c)
            s = c;
    }
    assert_non_null(s);
    return s;
}

static void first_connection(ep_net *n, jar *j, tls_ticket_keys *keys)
{
    ep_net_prepare(n, false);
    n->p.stls.ticket_keys = keys;
    n->p.stls.ticket_early_data = true;
    n->p.ctls.on_session = on_session;
    n->p.ctls.session_ud = j;
    ep_net_start(n);
    ep_net_step(n);
    assert_true(j->sess_len > 0);
}

static void test_h3_request_with_remembered_settings_goes_in_0rtt(void **state)
{
    (void)state;
    ep_net n;
    jar j = {0};
    tls_ticket_keys *keys = tls_ticket_keys_new(NULL, NULL, NULL);
    h3q_conn *hb;
    int rc;
    first_connection(&n, &j, keys);
    /* what a quince server announces */
    h3_settings st = {.h3_datagram = 1, .enable_connect_protocol = 1};
    uint8_t sb[64];
    qb_wr w;
    qb_wr_init(&w, sb, sizeof sb);
    assert_int_equal(h3_settings_encode(&w, &st), 0);
    quic_conn *s = early_flight(&n, &j, sb, w.off, &hb, &rc);
    assert_int_equal(rc, 0);
    assert_true(quic_conn_early_packets(n.p.client) >= 1);
    /* before any answer, the server holds the request: a HEADERS frame (type
     * 0x01) on stream 0, from 0-RTT packets */
    assert_false(quic_conn_is_established(s));
    assert_true(quic_conn_early_packets(s) >= 1);
    uint8_t buf[256];
    bool fin;
    int64_t got = quic_conn_stream_read(s, 0, buf, sizeof buf, &fin);
    assert_true(got > 2);
    assert_int_equal(buf[0], 0x01);
    h3q_free(hb);
    ep_net_free(&n);
    tls_ticket_keys_free(keys);
}

static void test_h3_without_remembered_settings_waits_for_handshake(void **state)
{
    (void)state;
    ep_net n;
    jar j = {0};
    tls_ticket_keys *keys = tls_ticket_keys_new(NULL, NULL, NULL);
    h3q_conn *hb;
    int rc;
    first_connection(&n, &j, keys);
    quic_conn *s = early_flight(&n, &j, NULL, 0, &hb, &rc);
    assert_int_equal(rc, H3Q_ERR_ARG);
    assert_null(h3q_h3(hb));
    assert_int_equal(quic_conn_early_packets(s), 0);
    h3q_free(hb);
    ep_net_free(&n);
    tls_ticket_keys_free(keys);
}

/* Both bindings stepped and their datagrams moved until nothing moves. */
static void h3_pump(ep_net *n, h3q_conn *cb, quic_conn *s, h3q_conn *sb)
{
    uint8_t buf[1500];
    size_t len;
    for (int round = 0; round < 60; round++) {
        h3q_step(cb, n->p.now, NULL);
        h3q_step(sb, n->p.now, NULL);
        h3_event ev;
        while (h3q_next_event(cb, &ev) || h3q_next_event(sb, &ev))
            ;
        while ((len = quic_conn_send(n->p.client, buf, sizeof buf, n->p.now)))
            quic_endpoint_recv(n->ep, &n->p.spath, buf, len, n->p.now);
        while ((len = quic_conn_send(s, buf, sizeof buf, n->p.now)))
            quic_conn_recv(n->p.client, &n->p.cpath, buf, len, n->p.now);
        n->p.now += 1000;
    }
}

/* RFC 9114 §7.2.4.2: a server that accepted 0-RTT and then sends SETTINGS
 * below the remembered ones is an H3_SETTINGS_ERROR for the client. */
static void test_accepted_0rtt_then_lower_settings_is_settings_error(void **state)
{
    (void)state;
    ep_net n;
    jar j = {0};
    tls_ticket_keys *keys = tls_ticket_keys_new(NULL, NULL, NULL);
    h3q_conn *hb, *sb;
    int rc;
    first_connection(&n, &j, keys);
    /* remembered: a QPACK table the server does not offer now */
    h3_settings st = {.h3_datagram = 1, .enable_connect_protocol = 1,
                      .qpack_max_table_capacity = 4096};
    uint8_t set[64];
    qb_wr w;
    qb_wr_init(&w, set, sizeof set);
    assert_int_equal(h3_settings_encode(&w, &st), 0);
    quic_conn *s = early_flight(&n, &j, set, w.off, &hb, &rc);
    assert_int_equal(rc, 0);
    h3q_config sc;
    h3q_config_init(&sc, H3_ROLE_SERVER, &n.ecfg.conn);
    assert_int_equal(h3q_new(s, &sc, &sb), 0);
    h3_pump(&n, hb, s, sb);
    assert_int_equal(quic_conn_early_state(n.p.client, NULL), QUIC_EARLY_ACCEPTED);
    quic_close_info ci;
    quic_conn_close_info(n.p.client, &ci);
    assert_true(ci.app);
    assert_int_equal(ci.code, H3_SETTINGS_ERROR);
    h3q_free(sb);
    h3q_free(hb);
    ep_net_free(&n);
    tls_ticket_keys_free(keys);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h3_request_with_remembered_settings_goes_in_0rtt),
        cmocka_unit_test(test_h3_without_remembered_settings_waits_for_handshake),
        cmocka_unit_test(test_accepted_0rtt_then_lower_settings_is_settings_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
