/* One error model for a connection: a failure is latched (quic_conn_close_info
 * says why) and every call after it returns the one code QUIC_ERR_CLOSING,
 * whatever made it fail (DESIGN.md, Errors; RFC 9000 §10.2). */
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
    pair_run(p, NULL, NULL, 100000);
}

/* Frames from the client in one 1-RTT packet, handed straight to the server;
 * returns what quic_conn_recv returned. */
static int inject(pair *p, const uint8_t *fr, size_t len)
{
    uint8_t out[1500];
    forge_pkt fp;
    assert_true(forge_as(&fp, p->client, QUIC_SPACE_APPLICATION));
    fp.raw = fr;
    fp.raw_len = len;
    size_t pkt_len = forge_seal(&fp, out, sizeof out);
    assert_true(pkt_len > 0);
    return quic_conn_recv(p->server, &p->spath, out, pkt_len, p->now);
}

/* Every call that returns a code answers QUIC_ERR_CLOSING once s failed. */
static void assert_all_closing(pair *p, quic_conn *s, int64_t open_stream)
{
    uint8_t buf[16] = {0};
    bool fin;
    assert_int_equal(quic_conn_stream_open(s, true), QUIC_ERR_CLOSING);
    assert_int_equal(quic_conn_stream_write(s, (uint64_t)open_stream, buf, 4, false),
                     QUIC_ERR_CLOSING);
    assert_int_equal(quic_conn_stream_read(s, (uint64_t)open_stream, buf, sizeof buf, &fin),
                     QUIC_ERR_CLOSING);
    assert_int_equal(quic_conn_stream_reset(s, (uint64_t)open_stream, 1), QUIC_ERR_CLOSING);
    assert_int_equal(quic_conn_stream_stop(s, (uint64_t)open_stream, 1), QUIC_ERR_CLOSING);
    assert_int_equal(quic_conn_dgram_send(s, buf, 4, p->now), QUIC_ERR_CLOSING);
    assert_int_equal(quic_conn_key_update(s), QUIC_ERR_CLOSING);
}

/* A protocol error found in a frame: the failure is latched with its wire code,
 * the call that found it and every call after it return QUIC_ERR_CLOSING. */
static void test_calls_after_protocol_error_return_closing(void **state)
{
    (void)state;
    pair p;
    start(&p);
    int64_t id = quic_conn_stream_open(p.server, true);
    assert_true(id >= 0);
    static const uint8_t bad[] = {0x1e}; /* HANDSHAKE_DONE from a client: §19.20 */
    assert_int_equal(inject(&p, bad, sizeof bad), QUIC_ERR_CLOSING);
    quic_close_info ci;
    quic_conn_close_info(p.server, &ci);
    assert_int_equal(ci.code, QUIC_PROTOCOL_VIOLATION);
    assert_false(ci.by_peer);
    assert_all_closing(&p, p.server, id);
    static const uint8_t ping[] = {0x01};
    assert_int_equal(inject(&p, ping, sizeof ping), QUIC_ERR_CLOSING);
    pair_free(&p);
}

/* The application closed: the same one code, and the peer that hears the
 * CONNECTION_CLOSE (draining) answers it too. */
static void test_calls_after_close_return_closing_on_both_sides(void **state)
{
    (void)state;
    pair p;
    start(&p);
    int64_t cid = quic_conn_stream_open(p.client, true);
    int64_t sid = quic_conn_stream_open(p.server, true);
    assert_true(cid >= 0 && sid >= 0);
    quic_conn_close(p.client, true, 0x42, "bye");
    assert_all_closing(&p, p.client, cid);
    pair_run(&p, NULL, NULL, 100000);
    quic_close_info ci;
    quic_conn_close_info(p.server, &ci);
    assert_true(ci.by_peer);
    assert_int_equal(ci.code, 0x42);
    assert_all_closing(&p, p.server, sid);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calls_after_protocol_error_return_closing),
        cmocka_unit_test(test_calls_after_close_return_closing_on_both_sides),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
