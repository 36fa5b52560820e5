/* A client and a server of ours over an in-memory link with a virtual clock:
 * handshake, streams, datagrams, key update, closing (RFC 9000, 9001, 9221). */
#include "common/pair.h"
#include "common/tu.h"

#include <stdlib.h>
#include <string.h>

typedef struct seen {
    bool connected;
    bool closed;
    uint64_t dgrams;
    uint64_t dgram_bytes;
    uint64_t opened;
} seen;

static void count(quic_conn *c, const quic_event *ev, void *ud)
{
    seen *s = ud;
    (void)c;
    switch (ev->type) {
    case QUIC_EV_CONNECTED: s->connected = true; break;
    case QUIC_EV_CLOSED: s->closed = true; break;
    case QUIC_EV_DATAGRAM: s->dgrams++; s->dgram_bytes += ev->len; break;
    case QUIC_EV_STREAM_OPENED: s->opened++; break;
    default: break;
    }
}

typedef struct both { seen c, s; } both;

static bool both_connected(pair *p, void *ud)
{
    both *b = ud;
    pair_events(p->client, count, &b->c);
    pair_events(p->server, count, &b->s);
    return b->c.connected && b->s.connected && quic_conn_is_established(p->client) &&
           p->client && quic_conn_peer_max_dgram(p->client) && quic_conn_dgram_max(p->client) > 1000;
}

static void handshake(pair *p, both *b)
{
    pair_start(p);
    assert_true(pair_run(p, both_connected, b, 5000000));
}

static void test_handshake(void **state)
{
    (void)state;
    pair p;
    both b = {0};
    pair_init(&p);
    handshake(&p, &b);
    assert_string_equal(quic_conn_alpn(p.client), "h3");
    assert_string_equal(quic_conn_alpn(p.server), "h3");
    /* RFC 9000 §8.1: before validation the server sent at most 3x. */
    assert_true(p.bytes_s2c <= 3 * p.bytes_c2s || p.dgrams_c2s > 1);
    /* every client datagram with an Initial is at least 1200 bytes: the first is */
    quic_close_info ci;
    quic_conn_close_info(p.client, &ci);
    assert_false(ci.closed);
    pair_free(&p);
}

static bool dgrams_done(pair *p, void *ud)
{
    both *b = ud;
    pair_events(p->client, count, &b->c);
    pair_events(p->server, count, &b->s);
    return b->s.dgrams >= 10000 && b->c.dgrams >= 10000;
}

static void test_datagrams_both_ways(void **state)
{
    (void)state;
    pair p;
    both b = {0};
    pair_init(&p);
    handshake(&p, &b);
    uint8_t payload[100];
    uint64_t sent = 0;
    /* 10,000 each way, a few at a time so the queues never overflow */
    while (sent < 10000) {
        for (int i = 0; i < 20 && sent < 10000; i++, sent++) {
            memcpy(payload, &sent, sizeof sent);
            assert_int_equal(quic_conn_dgram_send(p.client, payload, sizeof payload, p.now), 0);
            assert_int_equal(quic_conn_dgram_send(p.server, payload, sizeof payload, p.now), 0);
        }
        pair_run(&p, NULL, NULL, 1000);
        pair_events(p.client, count, &b.c);
        pair_events(p.server, count, &b.s);
    }
    assert_true(pair_run(&p, dgrams_done, &b, 2000000));
    assert_int_equal(b.s.dgrams, 10000);
    assert_int_equal(b.c.dgrams, 10000);
    assert_int_equal(b.s.dgram_bytes, 10000 * sizeof payload);
    quic_dgram_counters st;
    quic_conn_dgram_stats(p.client, &st);
    assert_int_equal(st.sent, 10000);
    /* several datagrams share a packet */
    assert_true(st.packets_with_dgrams < st.sent / 2);
    pair_free(&p);
}

typedef struct xfer {
    both b;
    uint64_t sid;
    uint8_t *want;
    size_t total, got;
    bool fin;
    uint32_t sum_got;
} xfer;

static bool xfer_done(pair *p, void *ud)
{
    xfer *x = ud;
    pair_events(p->client, count, &x->b.c);
    pair_events(p->server, count, &x->b.s);
    uint8_t buf[65536];
    bool fin = false;
    int64_t n;
    while (!x->fin && (n = quic_conn_stream_read(p->server, x->sid, buf, sizeof buf, &fin)) > 0) {
        assert_true(x->got + (size_t)n <= x->total);
        assert_memory_equal(buf, x->want + x->got, (size_t)n);
        x->got += (size_t)n;
        if (fin)
            x->fin = true;
    }
    if (fin)
        x->fin = true;
    return x->fin;
}

static void test_stream_transfer(void **state)
{
    (void)state;
    pair p;
    xfer x = {0};
    pair_init(&p);
    handshake(&p, &x.b);
    x.total = 10u << 20; /* 10 MB */
    x.want = malloc(x.total);
    for (size_t i = 0; i < x.total; i++)
        x.want[i] = (uint8_t)(i * 2654435761u >> 13);
    int64_t id = quic_conn_stream_open(p.client, true);
    assert_true(id >= 0);
    x.sid = (uint64_t)id;
    size_t off = 0;
    while (!x.fin) {
        if (off < x.total) {
            int64_t n = quic_conn_stream_write(p.client, x.sid, x.want + off, x.total - off, true);
            assert_true(n >= 0);
            off += (size_t)n;
        }
        pair_run(&p, xfer_done, &x, 10000);
    }
    assert_int_equal(x.got, x.total);
    free(x.want);
    pair_free(&p);
}

static bool closed_both(pair *p, void *ud)
{
    both *b = ud;
    pair_events(p->client, count, &b->c);
    pair_events(p->server, count, &b->s);
    return b->c.closed && b->s.closed;
}

static void test_close_codes(void **state)
{
    (void)state;
    pair p;
    both b = {0};
    pair_init(&p);
    handshake(&p, &b);
    quic_conn_close(p.client, true, 0x100, "bye!");
    assert_true(pair_run(&p, closed_both, &b, 10000000));
    quic_close_info ci, si;
    quic_conn_close_info(p.client, &ci);
    quic_conn_close_info(p.server, &si);
    assert_false(ci.by_peer);
    assert_true(si.by_peer);
    assert_true(si.app);
    assert_int_equal(si.code, 0x100);
    assert_string_equal(si.reason, "bye!");
    pair_free(&p);
}

static void test_idle_timeout(void **state)
{
    (void)state;
    pair p;
    both b = {0};
    pair_init(&p);
    p.ccfg.max_idle_timeout_ms = 2000;
    handshake(&p, &b);
    assert_true(pair_run(&p, closed_both, &b, 60000000));
    quic_close_info ci;
    quic_conn_close_info(p.client, &ci);
    assert_true(ci.idle);
    pair_free(&p);
}

static bool ku_done(pair *p, void *ud)
{
    (void)ud;
    quic_conn_stats a, b;
    quic_conn_stats_get(p->client, &a);
    quic_conn_stats_get(p->server, &b);
    return a.key_updates >= 1 && b.key_updates >= 1;
}

static void test_key_update(void **state)
{
    (void)state;
    pair p;
    both b = {0};
    pair_init(&p);
    handshake(&p, &b);
    /* some traffic so a packet of the current phase gets acknowledged */
    uint8_t d[50] = {0};
    for (int i = 0; i < 5; i++) {
        quic_conn_dgram_send(p.client, d, sizeof d, p.now);
        pair_run(&p, NULL, NULL, 100000);
    }
    assert_int_equal(quic_conn_key_update(p.client), 0);
    for (int i = 0; i < 5; i++) {
        quic_conn_dgram_send(p.client, d, sizeof d, p.now);
        quic_conn_dgram_send(p.server, d, sizeof d, p.now);
        pair_run(&p, NULL, NULL, 100000);
    }
    assert_true(pair_run(&p, ku_done, NULL, 1000000));
    pair_events(p.server, count, &b.s);
    assert_true(b.s.dgrams >= 10); /* nothing was lost across the update */
    pair_free(&p);
}

/* Both sides start their own updates every 50 packets (as quic-go does after
 * 100): many updates, each answered, nothing lost across them. */
static void test_key_update_automatic(void **state)
{
    (void)state;
    pair p;
    both b = {0};
    pair_init(&p);
    p.ccfg.key_update_after = 50;
    p.scfg.key_update_after = 50;
    p.link.delay_us = 2000;
    handshake(&p, &b);
    uint8_t d[40] = {0};
    for (int i = 0; i < 600; i++) {
        quic_conn_dgram_send(p.client, d, sizeof d, p.now);
        quic_conn_dgram_send(p.server, d, sizeof d, p.now);
        pair_run(&p, NULL, NULL, 3000);
        pair_events(p.client, count, &b.c);
        pair_events(p.server, count, &b.s);
    }
    pair_run(&p, NULL, NULL, 100000);
    pair_events(p.client, count, &b.c);
    pair_events(p.server, count, &b.s);
    quic_conn_stats cs, ss;
    quic_conn_stats_get(p.client, &cs);
    quic_conn_stats_get(p.server, &ss);
    assert_true(cs.key_updates >= 4);
    assert_true(ss.key_updates >= 4);
    assert_int_equal(b.s.dgrams, 600);
    assert_int_equal(b.c.dgrams, 600);
    quic_close_info ci;
    quic_conn_close_info(p.client, &ci);
    assert_false(ci.closed);
    pair_free(&p);
}

/* With few packets tracked and a long path, the window outgrows what recovery
 * can track: sending must pause (never send packets recovery does not know,
 * whose ACKs would look like ACKs of packets never sent). */
static void test_sent_ring_full(void **state)
{
    (void)state;
    pair p;
    xfer x = {0};
    pair_init(&p);
    p.ccfg.max_sent_packets = 16;
    p.scfg.max_sent_packets = 16;
    p.link.delay_us = 20000;
    handshake(&p, &x.b);
    x.total = 2u << 20;
    x.want = malloc(x.total);
    for (size_t i = 0; i < x.total; i++)
        x.want[i] = (uint8_t)(i * 7);
    int64_t id = quic_conn_stream_open(p.client, true);
    assert_true(id >= 0);
    x.sid = (uint64_t)id;
    size_t off = 0;
    for (int rounds = 0; !x.fin && rounds < 20000; rounds++) {
        if (off < x.total) {
            int64_t n = quic_conn_stream_write(p.client, x.sid, x.want + off, x.total - off, true);
            assert_true(n >= 0);
            off += (size_t)n;
        }
        pair_run(&p, xfer_done, &x, 10000);
    }
    quic_close_info ci;
    quic_conn_close_info(p.client, &ci);
    assert_int_equal(ci.code, 0);
    assert_int_equal(x.got, x.total);
    free(x.want);
    pair_free(&p);
}

typedef struct evcount {
    uint64_t opened, readable;
} evcount;

static void count_stream_events(quic_conn *c, const quic_event *ev, void *ud)
{
    evcount *e = ud;
    (void)c;
    e->opened += ev->type == QUIC_EV_STREAM_OPENED;
    e->readable += ev->type == QUIC_EV_STREAM_READABLE;
}

static void test_events_never_lost(void **state)
{
    (void)state;
    pair p;
    both b = {0};
    pair_init(&p);
    handshake(&p, &b);
    /* 100 streams with data and FIN, while the server's app pulls nothing:
     * every OPENED and READABLE must still be there afterwards. */
    for (int i = 0; i < 100; i++) {
        int64_t id = quic_conn_stream_open(p.client, true);
        assert_true(id >= 0);
        assert_int_equal(quic_conn_stream_write(p.client, (uint64_t)id, (const uint8_t *)"hello", 5, true), 5);
        pair_run(&p, NULL, NULL, 1000);
    }
    pair_run(&p, NULL, NULL, 100000);
    evcount e = {0};
    pair_events(p.server, count_stream_events, &e);
    assert_int_equal(e.opened, 100);
    assert_int_equal(e.readable, 100);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake),
        cmocka_unit_test(test_datagrams_both_ways),
        cmocka_unit_test(test_stream_transfer),
        cmocka_unit_test(test_close_codes),
        cmocka_unit_test(test_idle_timeout),
        cmocka_unit_test(test_key_update),
        cmocka_unit_test(test_events_never_lost),
        cmocka_unit_test(test_key_update_automatic),
        cmocka_unit_test(test_sent_ring_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
