/* Frames that name a stream (RFC 9000 §19.4-§19.13) are judged by the
 * stream ID -- who initiated it, which direction, whether we opened it, the
 * limit we gave -- and not by whether the stream object still exists. The
 * client's real 1-RTT keys seal hand-written frames to the server (the peer
 * under test) after a normal handshake over the pair. A peer repeating
 * STOP_SENDING costs one event (§3.5). */
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

/* The client's unidirectional stream 2 (receive-only for the server) carried
 * one byte and FIN, the server read it all: the stream object is gone. */
static bool server_read_2(pair *p, void *ud)
{
    (void)ud;
    uint8_t b[16];
    bool fin = false;
    return quic_conn_stream_read(p->server, 2, b, sizeof b, &fin) >= 0 && fin;
}

static void close_receive_only(pair *p)
{
    int64_t id = quic_conn_stream_open(p->client, false);
    assert_int_equal(id, 2);
    assert_int_equal(quic_conn_stream_write(p->client, 2, (const uint8_t *)"x", 1, true), 1);
    assert_true(pair_run(p, server_read_2, NULL, 1000000));
    quic_conn_test_stream st;
    assert_false(quic_conn_test_stream_get(p->server, 2, &st));
}

/* The server's unidirectional stream 3 (send-only for the server) was sent,
 * FIN and all, and acknowledged: the stream object is gone. */
static bool stream_3_gone(pair *p, void *ud)
{
    (void)ud;
    quic_conn_test_stream st;
    return !quic_conn_test_stream_get(p->server, 3, &st);
}

static void close_send_only(pair *p)
{
    int64_t id = quic_conn_stream_open(p->server, false);
    assert_int_equal(id, 3);
    assert_int_equal(quic_conn_stream_write(p->server, 3, (const uint8_t *)"y", 1, true), 1);
    assert_true(pair_run(p, stream_3_gone, NULL, 1000000));
}

typedef enum { SETUP_NONE, SETUP_RECV_ONLY_CLOSED, SETUP_SEND_ONLY_CLOSED, SETUP_SEND_ONLY_OPEN } setup;

typedef struct rule_case {
    const char *what;
    setup before;
    uint8_t frame[8];
    size_t len;
    uint64_t code;       /* expected CONNECTION_CLOSE error code */
    uint64_t frame_type; /* and the frame type it names */
} rule_case;

static void run_case(const rule_case *rc)
{
    pair p;
    start(&p);
    if (rc->before == SETUP_RECV_ONLY_CLOSED)
        close_receive_only(&p);
    else if (rc->before == SETUP_SEND_ONLY_CLOSED)
        close_send_only(&p);
    else if (rc->before == SETUP_SEND_ONLY_OPEN)
        assert_int_equal(quic_conn_stream_open(p.server, false), 3);
    pair_events(p.server, NULL, NULL);
    inject(&p, rc->frame, rc->len);
    quic_close_info ci;
    quic_conn_close_info(p.server, &ci);
    if (ci.code != rc->code || ci.frame_type != rc->frame_type)
        fail_msg("%s: closed with code 0x%llx frame 0x%llx, want 0x%llx frame 0x%llx", rc->what,
                 (unsigned long long)ci.code, (unsigned long long)ci.frame_type,
                 (unsigned long long)rc->code, (unsigned long long)rc->frame_type);
    /* Nothing was opened for a frame that is refused (RFC 9000 §4.6). */
    quic_event ev;
    while (quic_conn_next_event(p.server, &ev))
        if (ev.type == QUIC_EV_STREAM_OPENED)
            fail_msg("%s: stream %llu opened", rc->what, (unsigned long long)ev.stream_id);
    pair_free(&p);
}

/* RFC 9000 §19.5, §19.10: STOP_SENDING or MAX_STREAM_DATA for a receive-only
 * stream is a STREAM_STATE_ERROR, also once the stream is closed and gone. */
static void test_receive_only_closed_stream_refuses_sender_frames(void **state)
{
    (void)state;
    static const rule_case cases[] = {
        {"STOP_SENDING on closed uni 2", SETUP_RECV_ONLY_CLOSED, {0x05, 0x02, 0x00}, 3,
         QUIC_STREAM_STATE_ERROR, 0x05},
        {"MAX_STREAM_DATA on closed uni 2", SETUP_RECV_ONLY_CLOSED, {0x11, 0x02, 0x44, 0x00}, 4,
         QUIC_STREAM_STATE_ERROR, 0x11},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i]);
}

/* RFC 9000 §19.4, §19.8, §19.13: RESET_STREAM, STREAM and STREAM_DATA_BLOCKED
 * for a send-only stream (one we initiated, unidirectional) are a
 * STREAM_STATE_ERROR, whether the stream is open or closed and gone. */
static void test_send_only_stream_refuses_receiver_frames(void **state)
{
    (void)state;
    static const rule_case cases[] = {
        {"RESET_STREAM on closed uni 3", SETUP_SEND_ONLY_CLOSED, {0x04, 0x03, 0x00, 0x01}, 4,
         QUIC_STREAM_STATE_ERROR, 0x04},
        {"STREAM on closed uni 3", SETUP_SEND_ONLY_CLOSED, {0x0a, 0x03, 0x01, 'z'}, 4,
         QUIC_STREAM_STATE_ERROR, 0x0a},
        {"STREAM_DATA_BLOCKED on closed uni 3", SETUP_SEND_ONLY_CLOSED, {0x15, 0x03, 0x00}, 3,
         QUIC_STREAM_STATE_ERROR, 0x15},
        {"RESET_STREAM on open uni 3", SETUP_SEND_ONLY_OPEN, {0x04, 0x03, 0x00, 0x00}, 3 + 1,
         QUIC_STREAM_STATE_ERROR, 0x04},
        {"STREAM_DATA_BLOCKED on open uni 3", SETUP_SEND_ONLY_OPEN, {0x15, 0x03, 0x00}, 3,
         QUIC_STREAM_STATE_ERROR, 0x15},
        /* one we never opened: both rules say the same */
        {"STREAM on unopened uni 7", SETUP_NONE, {0x0a, 0x07, 0x01, 'z'}, 4,
         QUIC_STREAM_STATE_ERROR, 0x0a},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i]);
}

/* RFC 9000 §19.5, §19.8, §19.10: a frame for a stream of ours we never
 * opened is a STREAM_STATE_ERROR, and the close names that frame. */
static void test_unopened_local_stream_is_state_error(void **state)
{
    (void)state;
    static const rule_case cases[] = {
        {"MAX_STREAM_DATA on unopened bidi 1", SETUP_NONE, {0x11, 0x01, 0x44, 0x00}, 4,
         QUIC_STREAM_STATE_ERROR, 0x11},
        {"STOP_SENDING on unopened bidi 5", SETUP_NONE, {0x05, 0x05, 0x00}, 3,
         QUIC_STREAM_STATE_ERROR, 0x05},
        {"STREAM on unopened bidi 1", SETUP_NONE, {0x0a, 0x01, 0x01, 'z'}, 4,
         QUIC_STREAM_STATE_ERROR, 0x0a},
        {"RESET_STREAM on unopened bidi 1", SETUP_NONE, {0x04, 0x01, 0x00, 0x00}, 4,
         QUIC_STREAM_STATE_ERROR, 0x04},
        {"STREAM_DATA_BLOCKED on unopened bidi 1", SETUP_NONE, {0x15, 0x01, 0x00}, 3,
         QUIC_STREAM_STATE_ERROR, 0x15},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i]);
}

/* RFC 9000 §4.6, §19.11: a peer's stream beyond the MAX_STREAMS we sent
 * (100 of each kind: bidi 400 and uni 402 are the 101st) is a
 * STREAM_LIMIT_ERROR naming the frame; nothing is opened for it. */
static void test_peer_stream_beyond_limit_is_limit_error(void **state)
{
    (void)state;
    static const rule_case cases[] = {
        {"STREAM on bidi 400", SETUP_NONE, {0x0a, 0x41, 0x90, 0x01, 'z'}, 5,
         QUIC_STREAM_LIMIT_ERROR, 0x0a},
        {"RESET_STREAM on uni 402", SETUP_NONE, {0x04, 0x41, 0x92, 0x00, 0x00}, 5,
         QUIC_STREAM_LIMIT_ERROR, 0x04},
        {"MAX_STREAM_DATA on bidi 400", SETUP_NONE, {0x11, 0x41, 0x90, 0x01}, 4,
         QUIC_STREAM_LIMIT_ERROR, 0x11},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i]);
}

/* RFC 9000 §19.5: STOP_SENDING for a receive-only stream the peer has not
 * opened yet is refused from its ID alone: no stream is opened first. */
static void test_stop_sending_unopened_receive_only_opens_nothing(void **state)
{
    (void)state;
    static const rule_case c = {"STOP_SENDING on unopened uni 6", SETUP_NONE, {0x05, 0x06, 0x00},
                                3, QUIC_STREAM_STATE_ERROR, 0x05};
    run_case(&c);
}

/* The rules refuse nothing that is allowed: frames for the peer's streams
 * in the right direction, and for a closed stream of ours, are accepted. */
static void test_allowed_stream_frames_pass(void **state)
{
    (void)state;
    static const rule_case cases[] = {
        {"MAX_STREAM_DATA on closed send-only 3", SETUP_SEND_ONLY_CLOSED, {0x11, 0x03, 0x44, 0x00}, 4,
         0, 0},
        {"STOP_SENDING on closed send-only 3", SETUP_SEND_ONLY_CLOSED, {0x05, 0x03, 0x00}, 3, 0, 0},
        {"RESET_STREAM on closed uni 2", SETUP_RECV_ONLY_CLOSED, {0x04, 0x02, 0x00, 0x01}, 4, 0, 0},
        {"STREAM_DATA_BLOCKED on closed uni 2", SETUP_RECV_ONLY_CLOSED, {0x15, 0x02, 0x01}, 3, 0, 0},
        {"STREAM on closed uni 2", SETUP_RECV_ONLY_CLOSED, {0x0b, 0x02, 0x01, 'x'}, 4, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i]);
}

/* RFC 9000 §3.5, §19.5: every STOP_SENDING the peer repeats (a retransmission,
 * or a flood) queued one more STREAM_STOP event; a few hundred filled the
 * event ring and the READABLE event of another stream was lost. */
static void test_repeated_stop_sending_queues_one_event(void **state)
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_receive_only_closed_stream_refuses_sender_frames),
        cmocka_unit_test(test_send_only_stream_refuses_receiver_frames),
        cmocka_unit_test(test_unopened_local_stream_is_state_error),
        cmocka_unit_test(test_peer_stream_beyond_limit_is_limit_error),
        cmocka_unit_test(test_stop_sending_unopened_receive_only_opens_nothing),
        cmocka_unit_test(test_allowed_stream_frames_pass),
        cmocka_unit_test(test_repeated_stop_sending_queues_one_event),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
