/* What the h3 send calls accept and refuse, at their limits (surviving
 * mutants, tests/mutants/survivors.md): a response of exactly max_fields
 * field lines, a DATAGRAM capsule outside the message body, and the datagram
 * room when the transport has none. Two h3_conns wired by hand. */
#include "common/tu.h"
#include "h3/h3.h"

#include <stdlib.h>
#include <string.h>

#define F(n, v) {(const uint8_t *)(n), sizeof(n) - 1, (const uint8_t *)(v), sizeof(v) - 1}

typedef struct seen {
    int requests, responses, errors;
    unsigned status;
    size_t fields;
} seen;

static void drain(h3_conn *c, seen *s)
{
    h3_event ev;
    while (h3_conn_next_event(c, &ev)) {
        if (ev.type == H3_EV_REQUEST)
            s->requests++;
        else if (ev.type == H3_EV_RESPONSE) {
            s->responses++;
            s->status = ev.status;
        } else if (ev.type == H3_EV_CONN_ERROR)
            s->errors++;
    }
}

static void shuttle(h3_conn *from, h3_conn *to)
{
    h3_stream_out o;
    while (h3_conn_peek_stream(from, &o)) {
        assert_int_equal(h3_conn_on_stream_data(to, o.stream_id, o.p, o.len, o.fin), 0);
        h3_conn_consume_stream(from, o.stream_id, o.len);
    }
}

typedef struct pair {
    h3_conn *cli, *srv;
    seen cs, ss;
    uint64_t sid;
} pair;

static void pump(pair *pr)
{
    for (int i = 0; i < 3; i++) {
        shuttle(pr->cli, pr->srv);
        drain(pr->srv, &pr->ss);
        shuttle(pr->srv, pr->cli);
        drain(pr->cli, &pr->cs);
    }
}

/* A pair with one request sent by the client and seen by the server. */
static void pair_open(pair *pr, size_t srv_max_fields)
{
    h3_config cc, sc;
    memset(pr, 0, sizeof *pr);
    h3_config_default(&cc, H3_ROLE_CLIENT);
    h3_config_default(&sc, H3_ROLE_SERVER);
    sc.max_fields = srv_max_fields;
    assert_int_equal(h3_conn_new(&cc, &pr->cli), 0);
    assert_int_equal(h3_conn_new(&sc, &pr->srv), 0);
    h3_conn_set_transport(pr->cli, true, 1200);
    h3_conn_set_transport(pr->srv, true, 1200);
    assert_int_equal(h3_conn_start(pr->cli), 0);
    assert_int_equal(h3_conn_start(pr->srv), 0);
    pump(pr);
    h3_field req[] = {F(":method", "GET"), F(":scheme", "https"), F(":path", "/"),
                      F(":authority", "a")};
    assert_int_equal(h3_conn_send_request(pr->cli, req, 4, &pr->sid), 0);
    pump(pr);
    assert_int_equal(pr->ss.requests, 1);
}

static void pair_close(pair *pr)
{
    assert_int_equal(pr->cs.errors, 0);
    assert_int_equal(pr->ss.errors, 0);
    h3_conn_free(pr->cli);
    h3_conn_free(pr->srv);
}

/* max_fields counts every field line of a section, :status included: a
 * response of exactly that many goes out, one more is refused. */
static void test_response_of_exactly_max_fields_is_sent(void **state)
{
    (void)state;
    h3_field extra[] = {F("a", "1"), F("b", "2"), F("c", "3"), F("d", "4")};
    pair pr;
    pair_open(&pr, 4);
    assert_int_equal(h3_conn_send_response(pr.srv, pr.sid, 200, extra, 4), H3_ERR_INVALID_ARG);
    assert_int_equal(h3_conn_send_response(pr.srv, pr.sid, 200, extra, 3), 0);
    pump(&pr);
    assert_int_equal(pr.cs.responses, 1);
    assert_int_equal(pr.cs.status, 200);
    pair_close(&pr);
}

/* RFC 9297 §3.2, RFC 9114 §4.1: capsules travel in DATA frames, which come
 * only between the header section and the trailers; a server that has not
 * answered yet, or has sent trailers, cannot send one. */
static void test_datagram_capsule_outside_message_body_is_refused(void **state)
{
    (void)state;
    const uint8_t b[4] = {1, 2, 3, 4};
    pair pr;
    pair_open(&pr, 128);
    assert_int_equal(h3_conn_send_datagram_capsule(pr.srv, pr.sid, b, 4), H3_ERR_BAD_STATE);
    assert_int_equal(h3_conn_send_response(pr.srv, pr.sid, 200, NULL, 0), 0);
    assert_int_equal(h3_conn_send_datagram_capsule(pr.srv, pr.sid, b, 4), 0);
    h3_field trailers[] = {F("x-done", "1")};
    assert_int_equal(h3_conn_send_headers(pr.srv, pr.sid, trailers, 1), 0);
    assert_int_equal(h3_conn_send_datagram_capsule(pr.srv, pr.sid, b, 4), H3_ERR_BAD_STATE);
    pump(&pr);
    pair_close(&pr);
}

/* A transport whose DATAGRAM room is at most the Quarter Stream ID's bytes
 * (or none: a peer without max_datagram_frame_size) leaves no payload room. */
static void test_datagram_room_is_zero_without_transport_room(void **state)
{
    (void)state;
    h3_config cfg;
    h3_conn *c;
    h3_config_default(&cfg, H3_ROLE_CLIENT);
    assert_int_equal(h3_conn_new(&cfg, &c), 0);
    h3_conn_set_transport(c, false, 0);
    assert_int_equal(h3_conn_max_datagram_payload(c, 0), 0);
    h3_conn_set_transport(c, true, 1); /* stream 0: a 1-byte prefix */
    assert_int_equal(h3_conn_max_datagram_payload(c, 0), 0);
    h3_conn_set_transport(c, true, 2);
    assert_int_equal(h3_conn_max_datagram_payload(c, 0), 1);
    h3_conn_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_response_of_exactly_max_fields_is_sent),
        cmocka_unit_test(test_datagram_capsule_outside_message_body_is_refused),
        cmocka_unit_test(test_datagram_room_is_zero_without_transport_room),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
