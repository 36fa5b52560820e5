/* h3 connections: a client and a server h3_conn wired together by the test (stream
 * bytes, stream actions and datagrams shuttled across, delivered in small chunks), and
 * every connection-level error path fed by hand. */
#include "common/tu.h"
#include "common/tu_alloc.h"
#include "h3/h3.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define F(n, v) {(const uint8_t *)(n), sizeof(n) - 1, (const uint8_t *)(v), sizeof(v) - 1}

typedef struct seen {
    int settings, requests, responses, fins, resets, goaways, errors, trailers, stream_errors;
    uint64_t stream_error_code;
    unsigned status;
    uint64_t req_stream, reset_code, goaway_id, error_code;
    char method[16], path[64], protocol[32], authority[64];
    bool capsule_protocol;
    uint8_t data[256];
    size_t data_len;
    uint64_t dgram_next; /* next expected counter value */
    size_t dgrams, dgram_bad;
} seen;

static uint32_t lcg = 12345;
static size_t chunk_len(size_t left)
{
    lcg = lcg * 1103515245u + 12345u;
    size_t n = 1 + (lcg >> 16) % 7;
    return n < left ? n : left;
}

static void copy_str(char *dst, size_t cap, h3_str s)
{
    size_t n = s.len < cap - 1 ? s.len : cap - 1;
    if (n)
        memcpy(dst, s.p, n);
    dst[n] = 0;
}

static void drain(h3_conn *c, seen *s)
{
    h3_event ev;
    while (h3_conn_next_event(c, &ev)) {
        switch (ev.type) {
        case H3_EV_SETTINGS: s->settings++; break;
        case H3_EV_REQUEST:
            s->requests++;
            s->req_stream = ev.stream_id;
            copy_str(s->method, sizeof s->method, ev.req.method);
            copy_str(s->path, sizeof s->path, ev.req.path);
            copy_str(s->protocol, sizeof s->protocol, ev.req.protocol);
            copy_str(s->authority, sizeof s->authority, ev.req.authority);
            s->capsule_protocol = ev.req.capsule_protocol;
            break;
        case H3_EV_RESPONSE: s->responses++; s->status = ev.status; break;
        case H3_EV_TRAILERS: s->trailers++; break;
        case H3_EV_DATA:
            assert_true(s->data_len + ev.len <= sizeof s->data);
            memcpy(s->data + s->data_len, ev.data, ev.len);
            s->data_len += ev.len;
            break;
        case H3_EV_FIN: s->fins++; break;
        case H3_EV_STREAM_RESET: s->resets++; s->reset_code = ev.code; break;
        case H3_EV_DATAGRAM: {
            /* payload: 8-byte big-endian counter, then counter % 50 filler bytes */
            uint64_t v = 0;
            if (ev.len < 8) {
                s->dgram_bad++;
                break;
            }
            for (int i = 0; i < 8; i++)
                v = v << 8 | ev.data[i];
            bool ok = v == s->dgram_next && ev.len == 8 + v % 50;
            for (size_t i = 8; ok && i < ev.len; i++)
                ok = ev.data[i] == (uint8_t)(v + i);
            if (!ok)
                s->dgram_bad++;
            s->dgram_next = v + 1;
            s->dgrams++;
            break;
        }
        case H3_EV_GOAWAY: s->goaways++; s->goaway_id = ev.id; break;
        case H3_EV_CONN_ERROR: s->errors++; s->error_code = ev.code; break;
        case H3_EV_STREAM_ERROR: s->stream_errors++; s->stream_error_code = ev.code; break;
        }
    }
}

/* Moves everything from -> to: stream bytes in small chunks, actions, datagrams. */
static void shuttle(h3_conn *from, h3_conn *to)
{
    h3_stream_out o;
    while (h3_conn_peek_stream(from, &o)) {
        size_t off = 0;
        do {
            size_t n = chunk_len(o.len - off);
            bool fin = o.fin && off + n == o.len;
            assert_int_equal(h3_conn_on_stream_data(to, o.stream_id, o.p + off, n, fin), 0);
            off += n;
        } while (off < o.len);
        h3_conn_consume_stream(from, o.stream_id, o.len);
    }
    h3_action a;
    while (h3_conn_next_action(from, &a)) {
        if (a.kind == H3_ACTION_STOP_SENDING)
            assert_int_equal(h3_conn_on_stop_sending(to, a.stream_id, a.code), 0);
        else
            assert_int_equal(h3_conn_on_stream_reset(to, a.stream_id, a.code), 0);
    }
    const uint8_t *p;
    size_t len;
    while (h3_conn_next_datagram(from, &p, &len))
        assert_int_equal(h3_conn_on_datagram(to, p, len), 0);
}

typedef struct pair {
    h3_conn *cli, *srv;
    seen cs, ss;
} pair;

static void pump(pair *pr)
{
    for (int i = 0; i < 4; i++) {
        shuttle(pr->cli, pr->srv);
        drain(pr->srv, &pr->ss);
        shuttle(pr->srv, pr->cli);
        drain(pr->cli, &pr->cs);
    }
}

static pair *pair_new(bool cli_dgrams)
{
    pair *pr = calloc(1, sizeof *pr);
    h3_config cc, sc;
    h3_config_default(&cc, H3_ROLE_CLIENT);
    h3_config_default(&sc, H3_ROLE_SERVER);
    cc.enable_datagrams = cli_dgrams;
    assert_int_equal(h3_conn_new(&cc, &pr->cli), 0);
    assert_int_equal(h3_conn_new(&sc, &pr->srv), 0);
    h3_conn_set_transport(pr->cli, true, 1200);
    h3_conn_set_transport(pr->srv, true, 1200);
    assert_int_equal(h3_conn_start(pr->cli), 0);
    assert_int_equal(h3_conn_start(pr->srv), 0);
    assert_int_equal(h3_conn_start(pr->srv), H3_ERR_BAD_STATE);
    pump(pr);
    assert_int_equal(pr->cs.settings, 1);
    assert_int_equal(pr->ss.settings, 1);
    return pr;
}

static void pair_free(pair *pr)
{
    assert_int_equal(pr->cs.errors, 0);
    assert_int_equal(pr->ss.errors, 0);
    h3_conn_free(pr->cli);
    h3_conn_free(pr->srv);
    free(pr);
}

static void send_counter(h3_conn *c, uint64_t sid, uint64_t v)
{
    uint8_t b[64];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (56 - 8 * i));
    size_t n = 8 + v % 50;
    for (size_t i = 8; i < n; i++)
        b[i] = (uint8_t)(v + i);
    assert_int_equal(h3_conn_send_datagram(c, sid, b, n), 0);
}

/* A request, a 200, then 1,000 datagrams each way, checked in order. */
static void exchange(const h3_field *req, size_t n, const char *method, const char *protocol)
{
    pair *pr = pair_new(true);
    assert_true(h3_conn_datagrams_enabled(pr->cli));
    assert_true(h3_conn_datagrams_enabled(pr->srv));
    assert_true(h3_conn_peer_extended_connect(pr->cli));
    assert_false(h3_conn_peer_extended_connect(pr->srv));
    uint64_t sid = 99;
    assert_int_equal(h3_conn_send_request(pr->cli, req, n, &sid), 0);
    assert_int_equal(sid, 0);
    pump(pr);
    assert_int_equal(pr->ss.requests, 1);
    assert_string_equal(pr->ss.method, method);
    assert_string_equal(pr->ss.protocol, protocol);
    assert_int_equal(pr->ss.req_stream, 0);
    h3_field extra[] = {F("date", "Tue, 08 Jul 2025 20:59:35 GMT")};
    assert_int_equal(h3_conn_send_response(pr->srv, sid, 200, extra, 1), 0);
    pump(pr);
    assert_int_equal(pr->cs.responses, 1);
    assert_int_equal(pr->cs.status, 200);
    assert_int_equal(h3_conn_max_datagram_payload(pr->cli, sid), 1199);
    for (uint64_t i = 0; i < 1000; i++) {
        send_counter(pr->cli, sid, i);
        send_counter(pr->srv, sid, i);
        if (i % 10 == 9)
            pump(pr);
    }
    pump(pr);
    assert_int_equal(pr->ss.dgrams, 1000);
    assert_int_equal(pr->cs.dgrams, 1000);
    assert_int_equal(pr->ss.dgram_bad, 0);
    assert_int_equal(pr->cs.dgram_bad, 0);
    h3_conn_stats st;
    h3_conn_get_stats(pr->cli, &st);
    assert_true(st.datagrams_sent == 1000 && st.datagrams_received == 1000);
    /* The client finishes its side: later datagrams to it are still delivered (its
     * receive side is open); the server's receive side closed, so it drops them. */
    assert_int_equal(h3_conn_send_fin(pr->cli, sid), 0);
    pump(pr);
    assert_int_equal(pr->ss.fins, 1);
    assert_int_equal(h3_conn_send_datagram(pr->cli, sid, (const uint8_t *)"late", 4),
                     H3_ERR_BAD_STATE);
    uint8_t late[] = {0x00, 'x'};
    assert_int_equal(h3_conn_on_datagram(pr->srv, late, 2), 0);
    h3_conn_get_stats(pr->srv, &st);
    assert_int_equal(st.datagrams_dropped_unknown, 1);
    /* the server ends too; both sides forget the stream */
    assert_int_equal(h3_conn_send_data(pr->srv, sid, (const uint8_t *)"bye", 3, true), 0);
    pump(pr);
    assert_int_equal(pr->cs.fins, 1);
    assert_int_equal(pr->cs.data_len, 3);
    /* graceful shutdown */
    assert_int_equal(h3_conn_send_goaway(pr->srv), 0);
    pump(pr);
    assert_int_equal(pr->cs.goaways, 1);
    assert_int_equal(pr->cs.goaway_id, 4);
    h3_field get[] = {F(":method", "GET"), F(":scheme", "https"), F(":path", "/"),
                      F(":authority", "a")};
    assert_int_equal(h3_conn_send_request(pr->cli, get, 4, &sid), H3_ERR_BAD_STATE);
    pair_free(pr);
}

static void test_pair_get(void **state)
{
    (void)state;
    h3_field req[] = {F(":authority", "localhost:8080"), F(":method", "GET"),
                      F(":path", "/ping-pong"), F(":scheme", "https"),
                      F("accept-encoding", "gzip"), F("user-agent", "quic-go HTTP/3")};
    exchange(req, 6, "GET", "");
}

static void test_pair_connect(void **state)
{
    (void)state;
    h3_field req[] = {F(":method", "CONNECT"), F(":authority", "example.org:443")};
    exchange(req, 2, "CONNECT", "");
}

static void test_pair_extended_connect(void **state)
{
    (void)state;
    h3_field req[] = {F(":method", "CONNECT"), F(":protocol", "connect-udp"),
                      F(":scheme", "https"), F(":path", "/.well-known/masque/udp/h/443/"),
                      F(":authority", "proxy.example")};
    exchange(req, 5, "CONNECT", "connect-udp");
}

/* Extended CONNECT with the Capsule Protocol: DATAGRAM capsules in DATA both ways. */
static void test_pair_capsules(void **state)
{
    (void)state;
    pair *pr = pair_new(true);
    h3_field req[] = {F(":method", "CONNECT"), F(":protocol", "connect-udp"),
                      F(":scheme", "https"), F(":path", "/x"), F(":authority", "p"),
                      F("capsule-protocol", "?1")};
    uint64_t sid;
    assert_int_equal(h3_conn_send_request(pr->cli, req, 6, &sid), 0);
    pump(pr);
    assert_true(pr->ss.capsule_protocol);
    assert_int_equal(h3_conn_send_response(pr->srv, sid, 200, NULL, 0), 0);
    pump(pr);
    for (uint64_t i = 0; i < 100; i++) {
        uint8_t b[64];
        for (int k = 0; k < 8; k++)
            b[k] = (uint8_t)(i >> (56 - 8 * k));
        for (size_t k = 8; k < 8 + i % 50; k++)
            b[k] = (uint8_t)(i + k);
        assert_int_equal(h3_conn_send_datagram_capsule(pr->cli, sid, b, 8 + i % 50), 0);
        assert_int_equal(h3_conn_send_datagram_capsule(pr->srv, sid, b, 8 + i % 50), 0);
    }
    pump(pr);
    assert_int_equal(pr->ss.dgrams, 100);
    assert_int_equal(pr->cs.dgrams, 100);
    assert_int_equal(pr->ss.dgram_bad + pr->cs.dgram_bad, 0);
    assert_int_equal(pr->cs.data_len + pr->ss.data_len, 0);
    pair_free(pr);
}

/* Datagrams overtaking stream data: at the server, one for a request not seen yet is
 * dropped (RFC 9297 §2.1 allows it); at the client, one arriving before the response
 * headers is delivered (the stream is its own). */
static void test_pair_datagram_reorder(void **state)
{
    (void)state;
    pair *pr = pair_new(true);
    h3_field req[] = {F(":method", "CONNECT"), F(":authority", "a:1")};
    uint64_t sid;
    assert_int_equal(h3_conn_send_request(pr->cli, req, 2, &sid), 0);
    send_counter(pr->cli, sid, 0);
    const uint8_t *p;
    size_t len;
    assert_true(h3_conn_next_datagram(pr->cli, &p, &len));
    assert_int_equal(h3_conn_on_datagram(pr->srv, p, len), 0); /* before the request */
    h3_conn_stats st;
    h3_conn_get_stats(pr->srv, &st);
    assert_int_equal(st.datagrams_dropped_unknown, 1);
    pump(pr);
    assert_int_equal(pr->ss.requests, 1);
    assert_int_equal(h3_conn_send_response(pr->srv, sid, 200, NULL, 0), 0);
    send_counter(pr->srv, sid, 0);
    assert_true(h3_conn_next_datagram(pr->srv, &p, &len));
    assert_int_equal(h3_conn_on_datagram(pr->cli, p, len), 0); /* before the response */
    drain(pr->cli, &pr->cs);
    assert_int_equal(pr->cs.dgrams, 1);
    assert_int_equal(pr->cs.responses, 0);
    pump(pr);
    assert_int_equal(pr->cs.responses, 1);
    pair_free(pr);
}

/* The queue of HTTP datagrams waiting to be sent is a ring (issue #15): a
 * payload stays where it was written while later ones are pushed, even once
 * earlier ones were taken (a buffer that slides to the front would move it). */
static void test_datagram_queue_never_moves_queued_bytes(void **state)
{
    (void)state;
    pair *pr = pair_new(true);
    h3_field req[] = {F(":method", "CONNECT"), F(":authority", "a:1")};
    uint64_t sid;
    assert_int_equal(h3_conn_send_request(pr->cli, req, 2, &sid), 0);
    uint8_t b[1000];
    for (int i = 0; i < 4; i++) {
        memset(b, 0x10 + i, sizeof b);
        assert_int_equal(h3_conn_send_datagram(pr->cli, sid, b, sizeof b), 0);
    }
    const uint8_t *p[3];
    size_t len;
    for (int i = 0; i < 3; i++) {
        assert_true(h3_conn_next_datagram(pr->cli, &p[i], &len));
        assert_int_equal(p[i][len - 1], 0x10 + i);
    }
    /* Records lie one after another: the fourth follows the third. */
    const uint8_t *fourth = p[2] + (p[2] - p[1]);
    memset(b, 0x20, sizeof b);
    assert_int_equal(h3_conn_send_datagram(pr->cli, sid, b, sizeof b), 0);
    const uint8_t *q;
    assert_true(h3_conn_next_datagram(pr->cli, &q, &len));
    assert_ptr_equal(q, fourth);
    assert_int_equal(q[len - 1], 0x13);
    assert_true(h3_conn_next_datagram(pr->cli, &q, &len));
    assert_int_equal(q[len - 1], 0x20);
    assert_false(h3_conn_next_datagram(pr->cli, &q, &len));
    pair_free(pr);
}

/* The ring keeps order and contents through wraps and growth, with sizes that
 * do not divide its storage. */
static void test_datagram_queue_fifo_through_wraps(void **state)
{
    (void)state;
    pair *pr = pair_new(true);
    h3_field req[] = {F(":method", "CONNECT"), F(":authority", "a:1")};
    uint64_t sid;
    assert_int_equal(h3_conn_send_request(pr->cli, req, 2, &sid), 0);
    uint8_t b[1199];
    uint32_t seed = 7, pushed = 0, taken = 0;
    size_t lens[4096];
    for (int round = 0; round < 3000; round++) {
        seed = seed * 1103515245u + 12345u;
        int burst = (int)((seed >> 16) % 5);
        for (int k = 0; k < burst && pushed - taken < 100; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t n = (seed >> 8) % sizeof b;
            memset(b, (uint8_t)pushed, n);
            assert_int_equal(h3_conn_send_datagram(pr->cli, sid, b, n), 0);
            lens[pushed++ % 4096] = n;
        }
        int drain = (int)((seed >> 20) % 4);
        const uint8_t *p;
        size_t len;
        for (int k = 0; k < drain && h3_conn_next_datagram(pr->cli, &p, &len); k++) {
            size_t want = lens[taken % 4096];
            assert_int_equal(len, want + 1); /* the 1-byte Quarter Stream ID 0 */
            for (size_t j = 1; j < len; j++)
                assert_int_equal(p[j], (uint8_t)taken);
            taken++;
        }
    }
    assert_true(taken > 1000);
    pair_free(pr);
}

/* RFC 9297 §3.2: a 204 to a Capsule Protocol request is malformed. */
static void test_pair_capsule_204(void **state)
{
    (void)state;
    pair *pr = pair_new(true);
    h3_field req[] = {F(":method", "CONNECT"), F(":protocol", "connect-udp"),
                      F(":scheme", "https"), F(":path", "/x"), F(":authority", "p"),
                      F("capsule-protocol", "?1")};
    uint64_t sid;
    assert_int_equal(h3_conn_send_request(pr->cli, req, 6, &sid), 0);
    pump(pr);
    assert_int_equal(h3_conn_send_response(pr->srv, sid, 204, NULL, 0), 0);
    pump(pr);
    assert_int_equal(pr->cs.responses, 0);
    assert_int_equal(pr->cs.stream_errors, 1);
    assert_int_equal(pr->cs.stream_error_code, H3_MESSAGE_ERROR);
    assert_int_equal(pr->ss.resets, 1); /* the server saw our RESET_STREAM */
    pair_free(pr);
}

/* The blog's server: no datagram SETTINGS from the client -> 400 with a reason. */
static void test_pair_refuse_without_datagrams(void **state)
{
    (void)state;
    pair *pr = pair_new(false);
    assert_false(h3_conn_datagrams_enabled(pr->srv));
    assert_false(h3_conn_datagrams_enabled(pr->cli));
    h3_field req[] = {F(":method", "GET"), F(":scheme", "https"), F(":path", "/ping-pong"),
                      F(":authority", "localhost:8080")};
    uint64_t sid;
    assert_int_equal(h3_conn_send_request(pr->cli, req, 4, &sid), 0);
    pump(pr);
    assert_int_equal(pr->ss.requests, 1);
    assert_false(h3_conn_peer_settings(pr->srv)->h3_datagram);
    const char *why = "datagrams not enabled";
    assert_int_equal(h3_conn_send_response(pr->srv, sid, 400, NULL, 0), 0);
    assert_int_equal(h3_conn_send_data(pr->srv, sid, (const uint8_t *)why, strlen(why), true), 0);
    assert_int_equal(h3_conn_send_datagram(pr->srv, sid, (const uint8_t *)"x", 1),
                     H3_ERR_DATAGRAMS_OFF);
    pump(pr);
    assert_int_equal(pr->cs.status, 400);
    assert_int_equal(pr->cs.data_len, strlen(why));
    assert_memory_equal(pr->cs.data, why, strlen(why));
    assert_int_equal(pr->cs.fins, 1);
    pair_free(pr);
}

/* Trailers, interim 1xx, and a reset by the peer. */
static void test_pair_trailers_reset(void **state)
{
    (void)state;
    pair *pr = pair_new(true);
    h3_field req[] = {F(":method", "GET"), F(":scheme", "https"), F(":path", "/"),
                      F(":authority", "a")};
    uint64_t s0, s4;
    assert_int_equal(h3_conn_send_request(pr->cli, req, 4, &s0), 0);
    assert_int_equal(h3_conn_send_request(pr->cli, req, 4, &s4), 0);
    assert_int_equal(s4, 4);
    pump(pr);
    assert_int_equal(pr->ss.requests, 2);
    assert_int_equal(h3_conn_send_response(pr->srv, s0, 103, NULL, 0), 0);
    assert_int_equal(h3_conn_send_response(pr->srv, s0, 200, NULL, 0), 0);
    assert_int_equal(h3_conn_send_data(pr->srv, s0, (const uint8_t *)"ab", 2, false), 0);
    h3_field tr[] = {F("x-checksum", "1")};
    assert_int_equal(h3_conn_send_headers(pr->srv, s0, tr, 1), 0);
    assert_int_equal(h3_conn_send_data(pr->srv, s0, (const uint8_t *)"c", 1, false),
                     H3_ERR_BAD_STATE);
    assert_int_equal(h3_conn_send_fin(pr->srv, s0), 0);
    pump(pr);
    assert_int_equal(pr->cs.responses, 1);
    assert_int_equal(pr->cs.status, 200);
    assert_int_equal(pr->cs.trailers, 1);
    assert_int_equal(pr->cs.fins, 1);
    /* the client cancels stream 4: RESET_STREAM + STOP_SENDING reach the server */
    assert_int_equal(h3_conn_abort_stream(pr->cli, s4, H3_REQUEST_CANCELLED), 0);
    pump(pr);
    assert_int_equal(pr->ss.resets, 1);
    assert_int_equal(pr->ss.reset_code, H3_REQUEST_CANCELLED);
    pair_free(pr);
}

/* ---- error paths, fed by hand ---- */
static h3_conn *conn_new(h3_role role, bool quic_dgram)
{
    h3_config cfg;
    h3_config_default(&cfg, role);
    cfg.max_frame_payload = 256;
    h3_conn *c;
    assert_int_equal(h3_conn_new(&cfg, &c), 0);
    h3_conn_set_transport(c, quic_dgram, 1200);
    assert_int_equal(h3_conn_start(c), 0);
    return c;
}

static int feed_hex(h3_conn *c, uint64_t sid, const char *hex, bool fin)
{
    uint8_t b[512];
    size_t n = tu_hex(hex, b, sizeof b);
    return h3_conn_on_stream_data(c, sid, b, n, fin);
}

static void expect_conn_error(h3_conn *c, uint64_t wire)
{
    uint64_t code;
    const char *why;
    assert_true(h3_conn_error(c, &code, &why) < 0);
    assert_int_equal(code, wire);
    assert_non_null(why);
    seen s = {0};
    drain(c, &s);
    assert_int_equal(s.errors, 1);
    assert_int_equal(s.error_code, wire);
    h3_conn_free(c);
}

static void test_err_control_stream(void **state)
{
    (void)state;
    h3_conn *c = conn_new(H3_ROLE_SERVER, true);
    /* quic-go v0.57+ client SETTINGS, split in two deliveries */
    assert_int_equal(feed_hex(c, 2, "00 04 07 06 80", false), 0);
    assert_int_equal(feed_hex(c, 2, "a0 00 00 33 01", false), 0);
    assert_true(h3_conn_peer_settings_received(c));
    assert_true(h3_conn_datagrams_enabled(c));
    assert_int_equal(h3_conn_peer_settings(c)->max_field_section_size, 10485760);
    /* a second control stream */
    assert_true(feed_hex(c, 6, "00 04 00", false) < 0);
    expect_conn_error(c, H3_STREAM_CREATION_ERROR);

    c = conn_new(H3_ROLE_CLIENT, true);
    assert_true(feed_hex(c, 3, "00 07 01 00", false) < 0); /* GOAWAY first */
    expect_conn_error(c, H3_MISSING_SETTINGS);

    c = conn_new(H3_ROLE_CLIENT, true);
    assert_int_equal(feed_hex(c, 3, "00 04 04 33 01 08 01", false), 0); /* quic-go server */
    assert_true(h3_conn_peer_extended_connect(c));
    assert_true(feed_hex(c, 3, "", true) < 0); /* control stream closed */
    expect_conn_error(c, H3_CLOSED_CRITICAL_STREAM);

    c = conn_new(H3_ROLE_CLIENT, true);
    assert_int_equal(feed_hex(c, 3, "00 04 00", false), 0);
    assert_true(h3_conn_on_stream_reset(c, 3, 0) < 0);
    expect_conn_error(c, H3_CLOSED_CRITICAL_STREAM);

    c = conn_new(H3_ROLE_CLIENT, true);
    assert_int_equal(feed_hex(c, 3, "00 04 00", false), 0);
    assert_true(feed_hex(c, 3, "04 00", false) < 0); /* second SETTINGS */
    expect_conn_error(c, H3_FRAME_UNEXPECTED);

    c = conn_new(H3_ROLE_CLIENT, true);
    assert_int_equal(feed_hex(c, 3, "00 04 00", false), 0);
    assert_true(feed_hex(c, 3, "00 00", false) < 0); /* DATA on control */
    expect_conn_error(c, H3_FRAME_UNEXPECTED);

    c = conn_new(H3_ROLE_CLIENT, true);
    assert_int_equal(feed_hex(c, 3, "00 04 00", false), 0);
    assert_true(feed_hex(c, 3, "0d 01 00", false) < 0); /* MAX_PUSH_ID to a client */
    expect_conn_error(c, H3_FRAME_UNEXPECTED);

    c = conn_new(H3_ROLE_CLIENT, true);
    assert_int_equal(feed_hex(c, 3, "00 04 00", false), 0);
    assert_true(feed_hex(c, 3, "08 00", false) < 0); /* HTTP/2 WINDOW_UPDATE */
    expect_conn_error(c, H3_FRAME_UNEXPECTED);

    c = conn_new(H3_ROLE_CLIENT, true);
    assert_int_equal(feed_hex(c, 3, "00 04 00 21 03 000000 07 01 08", false), 0); /* grease */
    assert_true(feed_hex(c, 3, "07 01 04", false) == 0); /* GOAWAY may decrease */
    assert_true(feed_hex(c, 3, "07 01 08", false) < 0);  /* ... never increase */
    expect_conn_error(c, H3_ID_ERROR);

    c = conn_new(H3_ROLE_CLIENT, true);
    assert_int_equal(feed_hex(c, 3, "00 04 00", false), 0);
    assert_true(feed_hex(c, 3, "07 01 01", false) < 0); /* GOAWAY not a request stream */
    expect_conn_error(c, H3_ID_ERROR);

    c = conn_new(H3_ROLE_CLIENT, true);
    assert_int_equal(feed_hex(c, 3, "00 04 00", false), 0);
    assert_true(feed_hex(c, 3, "07 02 00 00", false) < 0); /* extra payload byte */
    expect_conn_error(c, H3_FRAME_ERROR);

    c = conn_new(H3_ROLE_CLIENT, true);
    assert_int_equal(feed_hex(c, 3, "00 04 00", false), 0);
    assert_true(feed_hex(c, 3, "07 41 01", false) < 0); /* 257 > 256: over limit */
    expect_conn_error(c, H3_EXCESSIVE_LOAD);
}

static void test_err_settings(void **state)
{
    (void)state;
    /* H3_DATAGRAM = 1 while QUIC did not negotiate DATAGRAM frames */
    h3_conn *c = conn_new(H3_ROLE_SERVER, false);
    assert_true(feed_hex(c, 2, "00 04 02 33 01", false) < 0);
    expect_conn_error(c, H3_SETTINGS_ERROR);
    const char *bad[] = {"00 04 02 33 02", "00 04 02 08 02", "00 04 04 33 01 33 01",
                         "00 04 02 02 00", "00 04 01 33"};
    const uint64_t want[] = {H3_SETTINGS_ERROR, H3_SETTINGS_ERROR, H3_SETTINGS_ERROR,
                             H3_SETTINGS_ERROR, H3_FRAME_ERROR};
    for (size_t i = 0; i < 5; i++) {
        c = conn_new(H3_ROLE_SERVER, true);
        assert_true(feed_hex(c, 2, bad[i], false) < 0);
        expect_conn_error(c, want[i]);
    }
}

static void test_err_uni_streams(void **state)
{
    (void)state;
    /* push stream to a client: we never sent MAX_PUSH_ID */
    h3_conn *c = conn_new(H3_ROLE_CLIENT, true);
    assert_true(feed_hex(c, 3, "01 00", false) < 0);
    expect_conn_error(c, H3_ID_ERROR);
    /* push stream from a client */
    c = conn_new(H3_ROLE_SERVER, true);
    assert_true(feed_hex(c, 2, "01", false) < 0);
    expect_conn_error(c, H3_STREAM_CREATION_ERROR);
    /* QPACK streams: fine once, a second is an error; Set Dynamic Table Capacity 0 ok */
    c = conn_new(H3_ROLE_SERVER, true);
    assert_int_equal(feed_hex(c, 2, "02 20", false), 0);
    assert_int_equal(feed_hex(c, 6, "03", false), 0);
    assert_true(feed_hex(c, 10, "02", false) < 0);
    expect_conn_error(c, H3_STREAM_CREATION_ERROR);
    c = conn_new(H3_ROLE_SERVER, true);
    assert_int_equal(feed_hex(c, 2, "02", false), 0);
    assert_true(feed_hex(c, 2, "3f e1 1f", false) < 0); /* capacity > 0 */
    expect_conn_error(c, QPACK_ENCODER_STREAM_ERROR);
    c = conn_new(H3_ROLE_SERVER, true);
    assert_int_equal(feed_hex(c, 2, "03", false), 0);
    assert_true(feed_hex(c, 2, "", true) < 0);
    expect_conn_error(c, H3_CLOSED_CRITICAL_STREAM);
    /* unknown and grease types: STOP_SENDING H3_STREAM_CREATION_ERROR, bytes dropped */
    c = conn_new(H3_ROLE_SERVER, true);
    assert_int_equal(feed_hex(c, 2, "40", false), 0); /* type split across deliveries */
    assert_int_equal(feed_hex(c, 2, "21 ffff", false), 0);
    assert_int_equal(feed_hex(c, 6, "14", true), 0);
    h3_action a;
    assert_true(h3_conn_next_action(c, &a));
    assert_true(a.kind == H3_ACTION_STOP_SENDING && a.stream_id == 2 &&
                a.code == H3_STREAM_CREATION_ERROR);
    assert_true(h3_conn_next_action(c, &a));
    assert_true(a.stream_id == 6);
    assert_false(h3_conn_next_action(c, &a));
    h3_conn_stats st;
    h3_conn_get_stats(c, &st);
    assert_int_equal(st.unknown_streams, 2);
    assert_int_equal(h3_conn_error(c, NULL, NULL), 0);
    /* server-initiated bidi stream at a client; bytes on our own uni stream */
    h3_conn_free(c);
    c = conn_new(H3_ROLE_CLIENT, true);
    assert_true(feed_hex(c, 1, "01 00", false) < 0);
    expect_conn_error(c, H3_STREAM_CREATION_ERROR);
    c = conn_new(H3_ROLE_CLIENT, true);
    assert_true(feed_hex(c, 2, "00", false) < 0);
    expect_conn_error(c, H3_GENERAL_PROTOCOL_ERROR);
}

/* A server's request streams. HEADERS payload 00 00 d1 d7 c1 50 01 61: :method GET,
 * :scheme https, :path /, :authority "a" (static refs 17, 23, 1, 0). */
#define REQ_GET "01 08 0000 d1 d7 c1 50 01 61"

static void test_err_request_streams(void **state)
{
    (void)state;
    h3_conn *c = conn_new(H3_ROLE_SERVER, true);
    seen s = {0};
    assert_int_equal(feed_hex(c, 0, REQ_GET, false), 0);
    drain(c, &s);
    assert_int_equal(s.requests, 1);
    assert_string_equal(s.path, "/");
    assert_string_equal(s.authority, "a");
    /* unknown and grease frames on a request stream are skipped */
    assert_int_equal(feed_hex(c, 0, "21 02 0000 00 02 6869", false), 0);
    drain(c, &s);
    assert_int_equal(s.data_len, 2);
    h3_conn_stats st;
    h3_conn_get_stats(c, &st);
    assert_int_equal(st.unknown_frames, 1);
    /* malformed request (uppercase name): stream error H3_MESSAGE_ERROR */
    assert_int_equal(feed_hex(c, 4, "01 0b 0000 d1 d7 c1 50 01 61 21 41 00", false), 0);
    h3_action a;
    assert_true(h3_conn_next_action(c, &a));
    assert_true(a.kind == H3_ACTION_RESET_STREAM && a.stream_id == 4 && a.code == H3_MESSAGE_ERROR);
    assert_true(h3_conn_next_action(c, &a));
    assert_true(a.kind == H3_ACTION_STOP_SENDING && a.code == H3_MESSAGE_ERROR);
    /* a request stream that ends without a request: H3_REQUEST_INCOMPLETE */
    assert_int_equal(feed_hex(c, 12, "21 00", true), 0);
    assert_true(h3_conn_next_action(c, &a));
    assert_true(a.kind == H3_ACTION_RESET_STREAM && a.stream_id == 12 &&
                a.code == H3_REQUEST_INCOMPLETE);
    /* late bytes for the refused stream are ignored */
    assert_int_equal(feed_hex(c, 4, "00 01 00", true), 0);
    /* datagrams: unknown stream dropped and counted, stream 0 delivered */
    assert_int_equal(feed_hex(c, 2, "00 04 02 33 01", false), 0);
    uint8_t d[] = {0x02, 'x'};
    assert_int_equal(h3_conn_on_datagram(c, d, 2), 0);
    d[0] = 0x00;
    assert_int_equal(h3_conn_on_datagram(c, d, 2), 0);
    h3_conn_get_stats(c, &st);
    assert_int_equal(st.datagrams_dropped_unknown, 1);
    assert_int_equal(st.datagrams_received, 1);
    /* a peer STOP_SENDING makes us reset our side with its code */
    assert_int_equal(h3_conn_on_stop_sending(c, 0, H3_REQUEST_CANCELLED), 0);
    assert_true(h3_conn_next_action(c, &a));
    assert_true(a.kind == H3_ACTION_RESET_STREAM && a.stream_id == 0 &&
                a.code == H3_REQUEST_CANCELLED);
    assert_int_equal(h3_conn_send_data(c, 0, (const uint8_t *)"x", 1, false), H3_ERR_BAD_STATE);
    assert_int_equal(h3_conn_error(c, NULL, NULL), 0);
    /* a bad quarter stream ID closes the connection */
    uint8_t q[8];
    tu_hex("d000000000000000", q, 8);
    assert_true(h3_conn_on_datagram(c, q, 8) < 0);
    expect_conn_error(c, H3_DATAGRAM_ERROR);

    c = conn_new(H3_ROLE_SERVER, true);
    assert_true(h3_conn_on_datagram(c, (const uint8_t *)"\x40", 1) < 0);
    expect_conn_error(c, H3_DATAGRAM_ERROR);

    /* beyond the client bidi stream limit QUIC granted: H3_ID_ERROR (RFC 9297 §2.1) */
    c = conn_new(H3_ROLE_SERVER, true);
    h3_conn_set_bidi_stream_limit(c, 100);
    assert_int_equal(h3_conn_on_datagram(c, (const uint8_t *)"\x40\x63x", 3), 0); /* 99 */
    assert_true(h3_conn_on_datagram(c, (const uint8_t *)"\x40\x64x", 3) < 0);     /* 100 */
    expect_conn_error(c, H3_ID_ERROR);

    const char *bad[] = {
        "00 01 00",                 /* DATA before HEADERS */
        REQ_GET " 01 01",           /* ends inside a frame */
        REQ_GET " 04 00",           /* SETTINGS on a request stream */
        REQ_GET " 07 01 00",        /* GOAWAY on a request stream */
        REQ_GET " 05 01 00",        /* PUSH_PROMISE to a server */
        REQ_GET " 06 00",           /* HTTP/2 PING */
        REQ_GET " 01 02 0000 01 02 0000", /* trailers then HEADERS */
        "01 04 0000 ff 7f",         /* QPACK: static index out of range */
        "01 41 01",                 /* HEADERS larger than our 256-byte limit */
    };
    const uint64_t want[] = {H3_FRAME_UNEXPECTED, H3_FRAME_ERROR, H3_FRAME_UNEXPECTED,
                             H3_FRAME_UNEXPECTED, H3_FRAME_UNEXPECTED, H3_FRAME_UNEXPECTED,
                             H3_FRAME_UNEXPECTED, QPACK_DECOMPRESSION_FAILED, H3_EXCESSIVE_LOAD};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        c = conn_new(H3_ROLE_SERVER, true);
        if (feed_hex(c, 0, bad[i], i == 1) >= 0)
            fail_msg("case %zu accepted", i);
        expect_conn_error(c, want[i]);
    }
}

static void test_err_client_side(void **state)
{
    (void)state;
    h3_conn *c = conn_new(H3_ROLE_CLIENT, true);
    h3_field req[] = {F(":method", "GET"), F(":scheme", "https"), F(":path", "/"),
                      F(":authority", "a")};
    h3_field ext[] = {F(":method", "CONNECT"), F(":protocol", "websocket"),
                      F(":scheme", "https"), F(":path", "/"), F(":authority", "a")};
    uint64_t sid;
    /* extended CONNECT before the server allowed it */
    assert_int_equal(h3_conn_send_request(c, ext, 5, &sid), H3_ERR_BAD_STATE);
    assert_int_equal(h3_conn_send_request(c, req, 4, &sid), 0);
    /* response without :status: stream error */
    assert_int_equal(feed_hex(c, 0, "01 03 0000 df", false), 0); /* accept-encoding only */
    h3_action a;
    assert_true(h3_conn_next_action(c, &a));
    assert_true(a.kind == H3_ACTION_RESET_STREAM && a.code == H3_MESSAGE_ERROR);
    seen sc = {0};
    drain(c, &sc);
    assert_int_equal(sc.stream_errors, 1);
    assert_int_equal(sc.stream_error_code, H3_MESSAGE_ERROR);
    /* PUSH_PROMISE: we never allowed a push */
    assert_int_equal(h3_conn_send_request(c, req, 4, &sid), 0);
    assert_true(feed_hex(c, sid, "05 04 00 0000 d9", false) < 0);
    expect_conn_error(c, H3_ID_ERROR);
    /* GOAWAY 4 from the server: our request on stream 4 was not processed */
    c = conn_new(H3_ROLE_CLIENT, true);
    assert_int_equal(h3_conn_send_request(c, req, 4, &sid), 0);
    assert_int_equal(h3_conn_send_request(c, req, 4, &sid), 0);
    assert_int_equal(sid, 4);
    assert_int_equal(feed_hex(c, 3, "00 04 00 07 01 04", false), 0);
    seen sg = {0};
    drain(c, &sg);
    assert_int_equal(sg.goaways, 1);
    assert_int_equal(sg.stream_errors, 1);
    assert_int_equal(sg.stream_error_code, H3_REQUEST_REJECTED);
    assert_true(h3_conn_next_action(c, &a));
    assert_true(a.kind == H3_ACTION_RESET_STREAM && a.stream_id == 4);
    assert_int_equal(h3_conn_send_data(c, 4, (const uint8_t *)"x", 1, false), H3_ERR_BAD_STATE);
    assert_int_equal(h3_conn_send_data(c, 0, (const uint8_t *)"x", 1, false), 0);
    assert_int_equal(h3_conn_send_request(c, req, 4, &sid), H3_ERR_BAD_STATE);
    h3_conn_free(c);
    /* CANCEL_PUSH to a client */
    c = conn_new(H3_ROLE_CLIENT, true);
    assert_int_equal(feed_hex(c, 3, "00 04 00", false), 0);
    assert_true(feed_hex(c, 3, "03 01 00", false) < 0);
    expect_conn_error(c, H3_ID_ERROR);
}

/* Our control stream opening, byte for byte: with quic-go's values we write exactly
 * quic-go v0.57+'s bytes; our defaults advertise 64 KiB sections. */
static void check_opening(h3_role role, uint64_t mfs, bool dgram, const char *hex)
{
    h3_config cfg;
    h3_config_default(&cfg, role);
    cfg.max_field_section_size = mfs;
    cfg.enable_datagrams = dgram;
    h3_conn *c;
    assert_int_equal(h3_conn_new(&cfg, &c), 0);
    assert_int_equal(h3_conn_start(c), 0);
    h3_stream_out o;
    assert_true(h3_conn_peek_stream(c, &o));
    uint8_t want[64];
    size_t n = tu_hex(hex, want, sizeof want);
    assert_int_equal(o.stream_id, role == H3_ROLE_CLIENT ? 2 : 3);
    assert_false(o.fin);
    assert_int_equal(o.len, n);
    assert_memory_equal(o.p, want, n);
    h3_conn_consume_stream(c, o.stream_id, 2);
    assert_true(h3_conn_peek_stream(c, &o));
    assert_int_equal(o.len, n - 2);
    h3_conn_consume_stream(c, o.stream_id, n - 2);
    assert_false(h3_conn_peek_stream(c, &o));
    h3_conn_free(c);
}

static void test_control_stream_bytes(void **state)
{
    (void)state;
    check_opening(H3_ROLE_SERVER, 1048576, true, "00 04 09 06 80100000 3301 0801");
    check_opening(H3_ROLE_CLIENT, 10485760, true, "00 04 07 06 80a00000 3301");
    check_opening(H3_ROLE_SERVER, 0, true, "00 04 04 3301 0801");
    check_opening(H3_ROLE_CLIENT, 0, true, "00 04 02 3301");
    check_opening(H3_ROLE_SERVER, 65536, true, "00 04 09 06 80010000 3301 0801");
    check_opening(H3_ROLE_CLIENT, 65536, false, "00 04 05 06 80010000");
}

/* Limits: request streams over max_streams are refused, undrained events make
 * datagrams drop (counted), and every peer-grown buffer stays bounded. */
static void test_limits(void **state)
{
    (void)state;
    h3_config cfg;
    h3_config_default(&cfg, H3_ROLE_SERVER);
    cfg.max_streams = 2;
    cfg.max_event_bytes = 4096;
    h3_conn *c;
    assert_int_equal(h3_conn_new(&cfg, &c), 0);
    h3_conn_set_transport(c, true, 1200);
    assert_int_equal(h3_conn_start(c), 0);
    assert_int_equal(feed_hex(c, 2, "00 04 02 33 01", false), 0);
    assert_int_equal(feed_hex(c, 0, REQ_GET, false), 0);
    assert_int_equal(feed_hex(c, 4, REQ_GET, false), 0);
    assert_int_equal(feed_hex(c, 8, REQ_GET, false), 0); /* third: refused */
    h3_action a;
    assert_true(h3_conn_next_action(c, &a));
    assert_true(a.stream_id == 8 && a.code == H3_REQUEST_REJECTED);
    assert_true(h3_conn_next_action(c, &a));
    assert_true(a.stream_id == 8 && a.code == H3_REQUEST_REJECTED);
    /* the events are not drained: datagrams beyond 4 KiB are dropped and counted */
    uint8_t d[1001] = {0};
    for (int i = 0; i < 10; i++)
        assert_int_equal(h3_conn_on_datagram(c, d, sizeof d), 0);
    h3_conn_stats st;
    h3_conn_get_stats(c, &st);
    assert_true(st.datagrams_received >= 1 && st.datagrams_dropped_queue >= 5);
    assert_int_equal(st.datagrams_received + st.datagrams_dropped_queue, 10);
    /* DATA that cannot be queued is a connection error, never unbounded memory */
    uint8_t big[3 + 5000];
    big[0] = 0x00;
    big[1] = 0x40 | (5000 >> 8);
    big[2] = 5000 & 0xff;
    memset(big + 3, 'x', 5000);
    assert_true(h3_conn_on_stream_data(c, 0, big, sizeof big, false) < 0);
    expect_conn_error(c, H3_EXCESSIVE_LOAD);
    /* send side: a datagram larger than the path allows */
    pair *pr = pair_new(true);
    uint64_t sid;
    h3_field req[] = {F(":method", "CONNECT"), F(":authority", "a:1")};
    assert_int_equal(h3_conn_send_request(pr->cli, req, 2, &sid), 0);
    uint8_t dg[1200] = {0};
    assert_int_equal(h3_conn_send_datagram(pr->cli, sid, dg, 1200), H3_ERR_DATAGRAM_TOO_BIG);
    assert_int_equal(h3_conn_send_datagram(pr->cli, sid, dg, 1199), 0);
    for (int i = 0; i < 127; i++)
        assert_int_equal(h3_conn_send_datagram(pr->cli, sid, dg, 8), 0);
    assert_int_equal(h3_conn_send_datagram(pr->cli, sid, dg, 8), H3_ERR_BUFFER_FULL);
    pump(pr);
    assert_int_equal(pr->ss.dgrams, 128);
    pair_free(pr);
}

/* Field section limits (RFC 9114 §4.2.2): ours on receipt (stream error, the
 * connection lives on), the peer's on sending. */
static void test_section_limits(void **state)
{
    (void)state;
    h3_config cfg;
    h3_config_default(&cfg, H3_ROLE_SERVER);
    cfg.max_field_section_size = 100; /* REQ_GET decodes to 167 */
    h3_conn *c;
    assert_int_equal(h3_conn_new(&cfg, &c), 0);
    h3_conn_set_transport(c, true, 1200);
    assert_int_equal(h3_conn_start(c), 0);
    assert_int_equal(feed_hex(c, 0, REQ_GET, false), 0);
    h3_action a;
    assert_true(h3_conn_next_action(c, &a));
    assert_true(a.kind == H3_ACTION_RESET_STREAM && a.code == H3_EXCESSIVE_LOAD);
    assert_int_equal(h3_conn_error(c, NULL, NULL), 0);
    h3_conn_free(c);

    c = conn_new(H3_ROLE_CLIENT, true);
    assert_int_equal(feed_hex(c, 3, "00 04 03 06 40 a0", false), 0); /* 160 bytes */
    h3_field req[] = {F(":method", "GET"), F(":scheme", "https"), F(":path", "/"),
                      F(":authority", "a")}; /* 167 */
    uint64_t sid;
    assert_int_equal(h3_conn_send_request(c, req, 4, &sid), H3_ERR_SECTION_TOO_LARGE);
    assert_int_equal(h3_conn_send_request(c, req, 3, &sid), H3_ERR_MSG_MISSING);
    h3_conn_free(c);
}

/* Issue 15: the send path never compacts or moves queued bytes. Bytes consumed at
 * the front make room for later frames without sliding what is still queued, and
 * the stream's bytes come out intact, span after span. */
static void test_send_queue_never_moves_queued_bytes(void **state)
{
    (void)state;
    h3_config cfg;
    h3_config_default(&cfg, H3_ROLE_CLIENT);
    h3_conn *c;
    assert_int_equal(h3_conn_new(&cfg, &c), 0);
    assert_int_equal(h3_conn_start(c), 0);
    h3_stream_out o;
    assert_true(h3_conn_peek_stream(c, &o)); /* the control stream first */
    h3_conn_consume_stream(c, o.stream_id, o.len);
    h3_field req[] = {F(":method", "POST"), F(":scheme", "https"), F(":path", "/"),
                      F(":authority", "a")};
    uint64_t sid;
    assert_int_equal(h3_conn_send_request(c, req, 4, &sid), 0);
    static uint8_t body[4000], want[8192], got[8192];
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (uint8_t)(i * 31 + 7);
    assert_int_equal(h3_conn_send_data(c, sid, body, sizeof body, false), 0);
    assert_true(h3_conn_peek_stream(c, &o));
    assert_int_equal(o.stream_id, sid);
    size_t total = o.len;
    memcpy(want, o.p, o.len);
    const uint8_t *at = o.p;
    h3_conn_consume_stream(c, sid, 3000);
    /* Queued: about 1 KiB; a 500-byte frame more fits where 3000 bytes left. */
    assert_int_equal(h3_conn_send_data(c, sid, body, 500, true), 0);
    assert_true(h3_conn_peek_stream(c, &o));
    assert_ptr_equal(o.p, at + 3000);
    assert_memory_equal(o.p, want + 3000, total - 3000 < o.len ? total - 3000 : o.len);
    /* The rest of the stream: the new frame is DATA (0x00), length 500, the body. */
    want[total] = 0x00;
    want[total + 1] = 0x40 | (500 >> 8);
    want[total + 2] = 500 & 0xff;
    memcpy(want + total + 3, body, 500);
    size_t n = 0;
    bool fin = false;
    while (h3_conn_peek_stream(c, &o)) {
        assert_false(fin);
        memcpy(got + n, o.p, o.len);
        n += o.len;
        fin = o.fin;
        h3_conn_consume_stream(c, sid, o.len);
    }
    assert_true(fin);
    assert_int_equal(n, total + 503 - 3000);
    assert_memory_equal(got, want + 3000, n);
    h3_conn_free(c);
}

/* Issue 10: buffers start small and grow with use. An idle connection (SETTINGS
 * both ways, nothing else) holds no field-section work space, and after a request
 * the work space is what the sections needed, not the configured maximum. */
static void test_idle_conn_holds_little_heap(void **state)
{
    (void)state;
    tu_counter cnt = {0};
    qb_alloc a = tu_counting_alloc(&cnt);
    h3_config cfg;
    h3_config_default(&cfg, H3_ROLE_SERVER);
    cfg.alloc = &a;
    h3_conn *c;
    assert_int_equal(h3_conn_new(&cfg, &c), 0);
    h3_conn_set_transport(c, true, 1200);
    assert_int_equal(h3_conn_start(c), 0);
    h3_stream_out o;
    while (h3_conn_peek_stream(c, &o))
        h3_conn_consume_stream(c, o.stream_id, o.len);
    assert_int_equal(feed_hex(c, 2, "00 04 02 33 01", false), 0);
    seen sn = {0};
    drain(c, &sn);
    assert_int_equal(sn.settings, 1);
    print_message("idle h3 server connection: %zu bytes of heap\n", cnt.bytes);
    assert_true(cnt.bytes <= 3072);
    assert_int_equal(feed_hex(c, 0, REQ_GET, true), 0);
    drain(c, &sn);
    assert_int_equal(sn.requests, 1);
    assert_int_equal(h3_conn_send_response(c, 0, 200, NULL, 0), 0);
    assert_int_equal(h3_conn_send_fin(c, 0), 0);
    while (h3_conn_peek_stream(c, &o))
        h3_conn_consume_stream(c, o.stream_id, o.len);
    print_message("after one request: %zu bytes of heap\n", cnt.bytes);
    assert_true(cnt.bytes <= 4096);
    h3_conn_free(c);
    assert_int_equal(cnt.bytes, 0);
}

/* Issue 10: what a burst made grow is given back once drained. 200 KB of DATA
 * queued as events and pulled leaves the event data at its peak until
 * h3_conn_trim, which brings the connection back to about its idle size. */
static void test_trim_gives_back_drained_queues(void **state)
{
    (void)state;
    tu_counter cnt = {0};
    qb_alloc a = tu_counting_alloc(&cnt);
    h3_config cfg;
    h3_config_default(&cfg, H3_ROLE_SERVER);
    cfg.alloc = &a;
    h3_conn *c;
    assert_int_equal(h3_conn_new(&cfg, &c), 0);
    h3_conn_set_transport(c, true, 1200);
    assert_int_equal(h3_conn_start(c), 0);
    h3_stream_out o;
    while (h3_conn_peek_stream(c, &o))
        h3_conn_consume_stream(c, o.stream_id, o.len);
    assert_int_equal(feed_hex(c, 2, "00 04 02 33 01", false), 0);
    assert_int_equal(feed_hex(c, 0, REQ_GET, false), 0);
    h3_event ev;
    while (h3_conn_next_event(c, &ev))
        ;
    size_t idle = cnt.bytes;
    static uint8_t frame[3 + 10000];
    frame[0] = 0x00; /* DATA, length 10000 */
    frame[1] = 0x40 | (10000 >> 8);
    frame[2] = 10000 & 0xff;
    memset(frame + 3, 'x', 10000);
    for (int i = 0; i < 20; i++)
        assert_int_equal(h3_conn_on_stream_data(c, 0, frame, sizeof frame, false), 0);
    size_t got = 0;
    while (h3_conn_next_event(c, &ev))
        got += ev.type == H3_EV_DATA ? ev.len : 0;
    assert_int_equal(got, 200000);
    assert_false(h3_conn_next_event(c, &ev));
    assert_true(cnt.bytes > idle + 200000); /* the burst's event data is still held */
    h3_conn_trim(c);
    print_message("idle %zu, after a 200 KB burst and trim %zu bytes of heap\n", idle, cnt.bytes);
    assert_true(cnt.bytes <= idle);
    /* Still works: another burst, another trim. */
    assert_int_equal(h3_conn_on_stream_data(c, 0, frame, sizeof frame, true), 0);
    got = 0;
    while (h3_conn_next_event(c, &ev))
        got += ev.type == H3_EV_DATA ? ev.len : 0;
    assert_int_equal(got, 10000);
    h3_conn_trim(c);
    h3_conn_free(c);
    assert_int_equal(cnt.bytes, 0);
}

/* An allocator that fails after a budget: every failure point must be survivable. */
typedef struct budget { long left; long live; } budget;
static void *b_alloc(void *ud, size_t n)
{
    budget *b = ud;
    if (b->left-- <= 0)
        return NULL;
    void *p = malloc(n);
    if (p)
        b->live++;
    return p;
}
static void *b_realloc(void *ud, void *p, size_t n)
{
    budget *b = ud;
    if (b->left-- <= 0)
        return NULL;
    void *q = realloc(p, n);
    if (q && !p)
        b->live++;
    return q;
}
static void b_free(void *ud, void *p)
{
    budget *b = ud;
    if (p)
        b->live--;
    free(p);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    for (long n = 0; n < 60; n++) {
        budget b = {n, 0};
        qb_alloc a = {b_alloc, b_realloc, b_free, &b};
        h3_config cfg;
        h3_config_default(&cfg, H3_ROLE_SERVER);
        cfg.alloc = &a;
        h3_conn *c;
        if (h3_conn_new(&cfg, &c) == 0) {
            h3_conn_set_transport(c, true, 1200);
            if (h3_conn_start(c) == 0 && feed_hex(c, 2, "00 04 02 33 01", false) == 0 &&
                feed_hex(c, 0, REQ_GET " 00 02 6869", false) == 0) {
                seen s = {0};
                drain(c, &s);
                (void)h3_conn_send_response(c, 0, 200, NULL, 0);
                (void)h3_conn_on_datagram(c, (const uint8_t *)"\0abc", 4);
            }
            h3_conn_free(c);
        }
        assert_int_equal(b.live, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_control_stream_bytes),
        cmocka_unit_test(test_pair_get),
        cmocka_unit_test(test_pair_connect),
        cmocka_unit_test(test_pair_extended_connect),
        cmocka_unit_test(test_pair_capsules),
        cmocka_unit_test(test_pair_capsule_204),
        cmocka_unit_test(test_pair_datagram_reorder),
        cmocka_unit_test(test_datagram_queue_never_moves_queued_bytes),
        cmocka_unit_test(test_datagram_queue_fifo_through_wraps),
        cmocka_unit_test(test_pair_refuse_without_datagrams),
        cmocka_unit_test(test_pair_trailers_reset),
        cmocka_unit_test(test_err_control_stream),
        cmocka_unit_test(test_err_settings),
        cmocka_unit_test(test_err_uni_streams),
        cmocka_unit_test(test_err_request_streams),
        cmocka_unit_test(test_err_client_side),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_section_limits),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_send_queue_never_moves_queued_bytes),
        cmocka_unit_test(test_idle_conn_holds_little_heap),
        cmocka_unit_test(test_trim_gives_back_drained_queues),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
