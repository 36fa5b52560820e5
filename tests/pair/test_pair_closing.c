/* How a connection ends: the idle timer restarts on sending as well as on
 * receiving (RFC 9000 §10.1); a client's CONNECTION_CLOSE in an Initial is
 * padded to 1200 bytes (§14.1); a server's CONNECTION_CLOSE respects the
 * anti-amplification limit (§8.1, §10.2.1). */
#include "common/pair.h"
#include "common/tu.h"
#include "quic/conn_test.h"

#include <string.h>

static bool connected(pair *p, void *ud)
{
    (void)ud;
    return quic_conn_is_established(p->client) && p->server &&
           quic_conn_is_established(p->server) && quic_test_view(p->client).handshake_confirmed;
}

/* Moves the clock to t, delivering and firing whatever is due before. */
static void run_to(pair *p, uint64_t t)
{
    if (t > p->now)
        pair_run(p, NULL, NULL, t - p->now);
    if (p->now < t)
        p->now = t;
}

/* RFC 9000 §10.1: the idle timer restarts when an ack-eliciting packet is
 * sent after a packet was received, not only on receipt: a request sent
 * 9.5 s into a 10 s idle period on a 600 ms round trip must not be cut off
 * half a second later while its answer is on the way. */
static void test_idle_timer_restarts_on_send(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    p.ccfg.max_idle_timeout_ms = 10000;
    p.scfg.max_idle_timeout_ms = 10000;
    p.link.delay_us = 300000;
    pair_start(&p);
    assert_true(pair_run(&p, connected, NULL, 10000000));
    run_to(&p, p.now + 3000000); /* the handshake's leftovers are acknowledged */
    assert_true(quic_conn_is_established(p.client));
    uint64_t last_rx = quic_test_view(p.client).idle_deadline - 10000000;
    assert_true(3 * quic_test_view(p.client).pto < 10000000); /* the timeout, not 3 PTO, rules */
    run_to(&p, last_rx + 9500000);
    assert_true(quic_conn_is_established(p.client));
    int64_t id = quic_conn_stream_open(p.client, true);
    assert_true(id >= 0);
    assert_int_equal(quic_conn_stream_write(p.client, (uint64_t)id, (const uint8_t *)"ping", 4, false), 4);
    run_to(&p, p.now + 1500000); /* the server's ACK arrives 600 ms later */
    quic_close_info ci;
    quic_conn_close_info(p.client, &ci);
    assert_false(ci.idle);
    assert_true(quic_conn_is_established(p.client));
    pair_free(&p);
}

static bool server_exists(pair *p, void *ud)
{
    (void)ud;
    return p->server != NULL;
}

/* RFC 9000 §14.1: a client pads every datagram with an Initial packet to
 * 1200 bytes, and a server drops smaller ones. A client that closed while it
 * had only Initial keys sent its CONNECTION_CLOSE unpadded: the server never
 * heard of it and kept the connection until its idle timeout. */
static void test_client_initial_close_padded_reaches_server(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    p.link.delay_us = 10000;
    pair_start(&p);
    assert_true(pair_run(&p, server_exists, NULL, 1000000));
    assert_false(quic_test_view(p.client).keys_tx[1]); /* Initial keys only */
    quic_conn_close(p.client, true, 0x101, "bye");
    pair_run(&p, NULL, NULL, 200000);
    quic_close_info ci;
    quic_conn_close_info(p.server, &ci);
    assert_true(ci.by_peer);
    pair_free(&p);
}

/* RFC 9000 §8.1, §10.2.1: before the client's address is validated a server
 * sends at most three times what it received, CONNECTION_CLOSE included;
 * the close went out whatever the budget. */
static void test_server_close_within_amplification_limit(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    p.link.delay_us = 10000000; /* nothing reaches the client in time */
    pair_start(&p);
    assert_true(pair_run(&p, server_exists, NULL, 20000000));
    quic_conn *s = p.server;
    uint8_t out[1500];
    /* the flight, then probes until the budget is spent */
    for (int i = 0; i < 20 && quic_test_view(s).bytes_out + 64 <= 3 * quic_test_view(s).bytes_in; i++) {
        while (quic_conn_send(s, out, sizeof out, p.now))
            ;
        if (quic_test_view(s).bytes_out + 64 > 3 * quic_test_view(s).bytes_in)
            break;
        p.now = quic_conn_deadline(s);
        quic_conn_on_deadline(s, p.now);
    }
    assert_false(quic_test_view(s).addr_validated);
    assert_true(quic_test_view(s).bytes_out + 64 > 3 * quic_test_view(s).bytes_in); /* budget spent */
    quic_conn_close(s, false, 0x0a, "a rather long reason for closing, to need some bytes");
    while (quic_conn_send(s, out, sizeof out, p.now))
        ;
    assert_true(quic_test_view(s).bytes_out <= 3 * quic_test_view(s).bytes_in);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle_timer_restarts_on_send),
        cmocka_unit_test(test_client_initial_close_padded_reaches_server),
        cmocka_unit_test(test_server_close_within_amplification_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
