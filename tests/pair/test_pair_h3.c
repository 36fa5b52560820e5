/* HTTP/3 over quince QUIC through the h3_quic binding, a client and a server of ours
 * on the in-memory link: SETTINGS both ways (H3_DATAGRAM, RFC 9297 §2.1.1), GET,
 * classic CONNECT (RFC 9114 §4.4) and extended CONNECT (RFC 9220) with a datagram
 * ping-pong (RFC 9297 §2.1), refusal of a client without datagrams, datagram loss,
 * and a clean close with H3_NO_ERROR (RFC 9114 §5.2, §8.1). */
#include "common/pair_h3.h"
#include "common/tu.h"

#include <string.h>

#define PP_ROUNDS 1000 /* datagrams each way */
#define PP_LAST (2 * PP_ROUNDS - 1)

enum { PP_GET, PP_CONNECT, PP_EXT };

typedef struct pp {
    int mode;
    uint64_t resend_us;   /* client resends its current value after this; 0: never */
    bool lossy;           /* duplicates and stale answers are allowed */
    /* client */
    bool c_settings, req_sent, c_fin;
    uint64_t sid;
    unsigned status;
    uint64_t cur;         /* the value the client sent last */
    bool done;
    uint64_t c_sent, c_recv, c_stale;
    /* server */
    bool s_settings, s_pending, s_goaway_seen;
    uint64_t s_sid, s_pending_sid;
    uint64_t s_last, s_sent, s_recv;
    bool s_any;
    unsigned s_status_sent;
} pp;

static uint64_t be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static void send_value(pair_h3 *t, h3_quic *b, uint64_t sid, uint64_t v)
{
    uint8_t d[8];
    put_be64(d, v);
    assert_int_equal(h3_quic_send_datagram(b, sid, d, sizeof d), 0);
}

static bool str_is(h3_str s, const char *z)
{
    return s.len == strlen(z) && memcmp(s.p, z, s.len) == 0;
}

static void client_send(pair_h3 *t, pp *x, uint64_t v)
{
    send_value(t, t->c, x->sid, v);
    x->cur = v;
    x->c_sent++;
    if (x->resend_us)
        t->app_deadline = t->p.now + x->resend_us;
}

static void client_request(pair_h3 *t, pp *x)
{
    int rc;
    if (x->mode == PP_GET)
        rc = h3_quic_get(t->c, "localhost", "/ping-pong", &x->sid);
    else if (x->mode == PP_CONNECT)
        rc = h3_quic_connect(t->c, "localhost:443", &x->sid);
    else
        rc = h3_quic_connect_ext(t->c, "ping-pong", "localhost", "/ping-pong", &x->sid);
    assert_int_equal(rc, 0);
    assert_int_equal(x->sid, 0); /* the first client bidi stream (RFC 9000 §2.1) */
    x->req_sent = true;
}

static void client_events(pair_h3 *t, pp *x)
{
    h3_event ev;
    while (h3_quic_next_event(t->c, &ev)) {
        switch (ev.type) {
        case H3_EV_SETTINGS: {
            const h3_settings *s = h3_conn_peer_settings(h3_quic_h3(t->c));
            assert_int_equal(s->h3_datagram, 1);
            assert_int_equal(s->enable_connect_protocol, 1);
            x->c_settings = true;
            break;
        }
        case H3_EV_RESPONSE:
            assert_int_equal(ev.stream_id, x->sid);
            x->status = ev.status;
            if (ev.status == 200)
                client_send(t, x, 0);
            break;
        case H3_EV_DATAGRAM: {
            assert_int_equal(ev.stream_id, x->sid);
            assert_int_equal(ev.len, 8);
            uint64_t v = be64(ev.data);
            x->c_recv++;
            if (v != x->cur + 1 || x->done) {
                assert_true(x->lossy); /* only a resend makes a stale answer */
                x->c_stale++;
                break;
            }
            if (v == PP_LAST) {
                x->done = true;
                t->app_deadline = QUIC_NEVER;
            } else {
                client_send(t, x, v + 1);
            }
            break;
        }
        case H3_EV_FIN:
            x->c_fin = true;
            break;
        case H3_EV_CONN_ERROR:
        case H3_EV_STREAM_ERROR:
        case H3_EV_STREAM_RESET:
            fail_msg("client: h3 event %d code 0x%llx", ev.type, (unsigned long long)ev.code);
            break;
        default:
            break;
        }
    }
    if (x->c_settings && !x->req_sent)
        client_request(t, x);
}

/* RFC 9297 §2.1.1 / §3: a request that needs datagrams is refused when the client
 * did not enable them; the decision waits for the client's SETTINGS. */
static void server_answer(pair_h3 *t, pp *x, uint64_t sid)
{
    h3_conn *h = h3_quic_h3(t->s);
    unsigned status = h3_conn_datagrams_enabled(h) ? 200 : 400;
    assert_int_equal(h3_quic_send_response(t->s, sid, status), 0);
    if (status != 200)
        assert_int_equal(h3_quic_send_data(t->s, sid, NULL, 0, true), 0);
    x->s_status_sent = status;
    x->s_sid = sid;
}

static void server_events(pair_h3 *t, pp *x)
{
    h3_event ev;
    while (h3_quic_next_event(t->s, &ev)) {
        switch (ev.type) {
        case H3_EV_SETTINGS:
            x->s_settings = true;
            if (x->s_pending) {
                x->s_pending = false;
                server_answer(t, x, x->s_pending_sid);
            }
            break;
        case H3_EV_REQUEST: {
            const h3_request_head *r = &ev.req;
            assert_true(r->connect == (x->mode != PP_GET));
            assert_true(r->extended_connect == (x->mode == PP_EXT));
            if (x->mode == PP_EXT) {
                assert_true(str_is(r->protocol, "ping-pong"));
                assert_true(r->capsule_protocol);
            }
            if (x->mode == PP_CONNECT)
                assert_true(str_is(r->authority, "localhost:443"));
            else
                assert_true(str_is(r->path, "/ping-pong"));
            if (x->s_settings) {
                server_answer(t, x, ev.stream_id);
            } else {
                x->s_pending = true;
                x->s_pending_sid = ev.stream_id;
            }
            break;
        }
        case H3_EV_DATAGRAM: {
            assert_int_equal(ev.stream_id, x->s_sid);
            assert_int_equal(ev.len, 8);
            uint64_t v = be64(ev.data);
            assert_true(v % 2 == 0 && v < PP_LAST);
            if (x->lossy)
                assert_true(!x->s_any || v <= x->s_last + 1);
            else
                assert_true(x->s_any ? v == x->s_last + 1 : v == 0);
            x->s_recv++;
            send_value(t, t->s, ev.stream_id, v + 1);
            x->s_last = v + 1;
            x->s_any = true;
            x->s_sent++;
            break;
        }
        case H3_EV_GOAWAY:
            x->s_goaway_seen = true;
            break;
        case H3_EV_CONN_ERROR:
        case H3_EV_STREAM_ERROR:
        case H3_EV_STREAM_RESET:
            fail_msg("server: h3 event %d code 0x%llx", ev.type, (unsigned long long)ev.code);
            break;
        default:
            break;
        }
    }
}

static bool pp_step(pair_h3 *t, void *ud)
{
    pp *x = ud;
    assert_int_equal(t->cerr, 0);
    assert_int_equal(t->serr, 0);
    if (t->c)
        client_events(t, x);
    if (t->s)
        server_events(t, x);
    /* The resend timer (lossy runs): the current value again. */
    if (x->resend_us && !x->done && t->p.now >= t->app_deadline && t->app_deadline != QUIC_NEVER)
        client_send(t, x, x->cur);
    return x->done;
}

static void run_ping_pong(int mode)
{
    pair_h3 t;
    pp x = {.mode = mode};
    pair_h3_init(&t);
    pair_h3_start(&t);
    assert_true(pair_h3_run(&t, pp_step, &x, 30000000));
    assert_true(x.c_settings);
    assert_true(x.s_settings);
    /* The server saw H3_DATAGRAM = 1 from the client too. */
    assert_int_equal(h3_conn_peer_settings(h3_quic_h3(t.s))->h3_datagram, 1);
    assert_true(h3_conn_datagrams_enabled(h3_quic_h3(t.c)));
    assert_int_equal(x.status, 200);
    assert_int_equal(x.c_sent, PP_ROUNDS);
    assert_int_equal(x.s_sent, PP_ROUNDS);
    assert_int_equal(x.c_recv, PP_ROUNDS);
    assert_int_equal(x.s_recv, PP_ROUNDS);
    assert_int_equal(x.cur + 1, PP_LAST);
    h3_quic_stats cs, ss;
    h3_quic_get_stats(t.c, &cs);
    h3_quic_get_stats(t.s, &ss);
    assert_int_equal(cs.dgrams_out, PP_ROUNDS);
    assert_int_equal(ss.dgrams_in, PP_ROUNDS);
    assert_int_equal(cs.dgrams_dropped_out + ss.dgrams_dropped_out, 0);
    pair_h3_free(&t);
}

static void test_get_ping_pong(void **state)
{
    (void)state;
    run_ping_pong(PP_GET);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_ping_pong),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
