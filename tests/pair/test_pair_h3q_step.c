/* The application's loop over the h3q binding (h3q/h3q.h): recv, one h3q_step,
 * h3q_next_event, quic_conn_send until 0, sleep until the deadline. A client and a
 * server of ours hand their packets across directly; after the handshake nothing but
 * those calls drives them (no quic_conn_on_deadline, no second step). */
#include "common/pair_h3.h"
#include "common/tu.h"

#include <string.h>

static bool both_ready(pair_h3 *t, void *ud)
{
    (void)ud;
    return t->c && t->s && h3q_started(t->c) && h3q_started(t->s) &&
           h3_conn_peer_settings_received(h3q_h3(t->c)) &&
           h3_conn_peer_settings_received(h3q_h3(t->s));
}

/* Handshake and SETTINGS through the pair harness; afterwards the tests drive. */
static void setup(pair_h3 *t)
{
    pair_h3_init(t);
    pair_h3_start(t);
    assert_true(pair_h3_run(t, both_ready, NULL, 2000000));
}

/* Every packet one side has now, straight into the other. Returns the count. */
static size_t send_all(pair_h3 *t, bool from_client)
{
    pair *p = &t->p;
    quic_conn *from = from_client ? p->client : p->server;
    quic_conn *to = from_client ? p->server : p->client;
    uint8_t buf[1500];
    size_t n, count = 0;
    while ((n = quic_conn_send(from, buf, sizeof buf, p->now)) > 0) {
        quic_conn_recv(to, from_client ? &p->spath : &p->cpath, buf, n, p->now);
        count++;
    }
    return count;
}

typedef struct app {
    uint64_t sid;
    unsigned status;
    char body[64];
    size_t body_len;
    uint8_t echo[16];
    size_t echo_len;
    bool request_seen, dgram_seen;
    size_t s_packets_after_answer;
} app;

static void client_events(pair_h3 *t, app *a)
{
    h3_event ev;
    while (h3q_next_event(t->c, &ev)) {
        if (ev.type == H3_EV_RESPONSE) {
            a->status = ev.status;
        } else if (ev.type == H3_EV_DATA) {
            memcpy(a->body + a->body_len, ev.data, ev.len);
            a->body_len += ev.len;
            assert_int_equal(h3q_send_datagram(t->c, a->sid, (const uint8_t *)"ping", 4), 0);
        } else if (ev.type == H3_EV_DATAGRAM) {
            memcpy(a->echo, ev.data, ev.len);
            a->echo_len = ev.len;
        }
    }
}

static void server_events(pair_h3 *t, app *a)
{
    h3_event ev;
    while (h3q_next_event(t->s, &ev)) {
        if (ev.type == H3_EV_REQUEST) {
            a->request_seen = true;
            assert_int_equal(h3q_send_response(t->s, ev.stream_id, 200), 0);
            assert_int_equal(h3q_send_data(t->s, ev.stream_id, (const uint8_t *)"hello", 5,
                                           false), 0);
        } else if (ev.type == H3_EV_DATAGRAM) {
            a->dgram_seen = true;
            /* The payload goes straight back (valid until the next call). */
            assert_int_equal(h3q_send_datagram(t->s, ev.stream_id, ev.data, ev.len), 0);
        }
    }
}

/* A GET answered with a body, then a datagram echoed, each round being recv, one step
 * per side, the events, send: what the application queues while handling an event is
 * in QUIC when the handler returns. */
static void test_h3q_one_step_per_round_serves_get_and_echoes_datagram(void **state)
{
    (void)state;
    pair_h3 t;
    setup(&t);
    app a = {0};
    h3q_step_out out;
    assert_int_equal(h3q_step(t.c, t.p.now, &out), 0);
    assert_int_equal(h3q_get(t.c, "localhost", "/", &a.sid), 0);
    /* Written through: the request is in QUIC without another step. */
    assert_true(send_all(&t, true) > 0);

    assert_int_equal(h3q_step(t.s, t.p.now, &out), 0);
    assert_true(out.events);
    server_events(&t, &a);
    assert_true(a.request_seen);
    assert_true(send_all(&t, false) > 0); /* the response, without another step */

    assert_int_equal(h3q_step(t.c, t.p.now, &out), 0);
    assert_true(out.events);
    client_events(&t, &a);
    assert_int_equal(a.status, 200);
    assert_int_equal(a.body_len, 5);
    assert_memory_equal(a.body, "hello", 5);
    assert_true(send_all(&t, true) > 0); /* the datagram */

    assert_int_equal(h3q_step(t.s, t.p.now, &out), 0);
    server_events(&t, &a);
    assert_true(a.dgram_seen);
    assert_true(send_all(&t, false) > 0); /* the echo */

    assert_int_equal(h3q_step(t.c, t.p.now, &out), 0);
    client_events(&t, &a);
    assert_int_equal(a.echo_len, 4);
    assert_memory_equal(a.echo, "ping", 4);
    /* Drained: a step with nothing new reports no events. */
    assert_int_equal(h3q_step(t.c, t.p.now, &out), 0);
    assert_false(out.events);
    assert_false(out.closed);
    pair_h3_free(&t);
}

/* Nobody calls quic_conn_on_deadline: sleeping until out.deadline and stepping runs
 * the QUIC timers, up to the idle timeout (RFC 9000 §10.1), which step reports. */
static void test_h3q_step_runs_quic_timers_until_idle_close(void **state)
{
    (void)state;
    pair_h3 t;
    setup(&t);
    h3q_step_out oc, os;
    uint64_t start = t.p.now;
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(h3q_step(t.c, t.p.now, &oc) < 0, false);
        (void)h3q_step(t.s, t.p.now, &os);
        send_all(&t, true);
        send_all(&t, false);
        if (oc.closed && os.closed)
            break;
        uint64_t d = oc.deadline < os.deadline ? oc.deadline : os.deadline;
        assert_true(d != QUIC_NEVER);
        if (d > t.p.now)
            t.p.now = d;
    }
    assert_true(oc.closed && os.closed);
    assert_true(h3q_closed(t.c) && h3q_closed(t.s));
    quic_close_info ci;
    quic_conn_close_info(t.p.client, &ci);
    assert_true(ci.idle);
    assert_true(t.p.now - start >= 30000000ull - 1000000ull); /* about the 30 s default */
    assert_int_equal(oc.deadline, QUIC_NEVER);
    pair_h3_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h3q_one_step_per_round_serves_get_and_echoes_datagram),
        cmocka_unit_test(test_h3q_step_runs_quic_timers_until_idle_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
