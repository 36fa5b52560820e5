/* DATAGRAM payloads are copied once on the way out (RFC 9221 §5): straight into
 * the next packet when the connection may send now, into the send queue only
 * when it must wait (congestion window, pacing, older datagrams waiting), and
 * in the order they were sent either way. */
#include "common/pair.h"
#include "common/pair_h3.h"
#include "common/tu.h"

#include "quic/conn_test.h"

#include <string.h>

typedef struct got {
    bool connected;
    size_t n;
    uint8_t first[64]; /* first payload byte of each datagram, in arrival order */
    size_t len[64];
    uint8_t data[1200]; /* the last one */
} got;

static void on_event(quic_conn *c, const quic_event *ev, void *ud)
{
    got *g = ud;
    (void)c;
    if (ev->type == QUIC_EV_CONNECTED)
        g->connected = true;
    if (ev->type != QUIC_EV_DATAGRAM || g->n >= 64)
        return;
    g->first[g->n] = ev->len ? ev->data[0] : 0;
    g->len[g->n] = ev->len;
    g->n++;
    if (ev->len <= sizeof g->data)
        memcpy(g->data, ev->data, ev->len);
}

typedef struct both { got c, s; } both;

/* Both sides connected and the client's handshake confirmed (datagrams go
 * straight into packets only then), with nothing left in flight. */
static bool settled(pair *p, void *ud)
{
    both *b = ud;
    pair_events(p->client, on_event, &b->c);
    pair_events(p->server, on_event, &b->s);
    if (!b->c.connected || !b->s.connected || !p->client || !p->server)
        return false;
    quic_conn_test_view v;
    quic_conn_test_view_get(p->client, &v);
    return v.handshake_confirmed && v.bytes_in_flight == 0 && quic_conn_dgram_max(p->client) >= 1000;
}

static void setup(pair *p, both *b)
{
    pair_init(p);
    pair_start(p);
    assert_true(pair_run(p, settled, b, 5000000));
    /* An idle pacer bucket: the next sends are not held back by pacing. */
    pair_run(p, NULL, NULL, 200000);
    pair_events(p->client, on_event, &b->c);
    pair_events(p->server, on_event, &b->s);
    memset(&b->s, 0, sizeof b->s);
    b->s.connected = true;
}

/* Hands the client's datagrams to the server until the client has nothing to send. */
static size_t client_to_server(pair *p)
{
    uint8_t buf[1500];
    size_t n, pkts = 0;
    while ((n = quic_conn_send(p->client, buf, sizeof buf, p->now)) > 0) {
        quic_conn_recv(p->server, &p->spath, buf, n, p->now);
        pkts++;
    }
    return pkts;
}

static void test_dgram_sent_when_it_can_skips_the_queue(void **state)
{
    (void)state;
    pair p;
    both b = {0};
    setup(&p, &b);
    uint8_t payload[1000], want[1000];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = want[i] = (uint8_t)(i * 7 + 1);
    assert_int_equal(quic_conn_dgram_send(p.client, payload, sizeof payload, p.now), 0);
    /* Copied on return: the caller's buffer may be reused at once. */
    memset(payload, 0xee, sizeof payload);
    quic_dgram_counters st;
    quic_conn_dgram_stats(p.client, &st);
    assert_int_equal(st.queued, 0); /* no queue slot: it went into the packet */
    assert_int_equal(client_to_server(&p), 1);
    pair_events(p.server, on_event, &b.s);
    assert_int_equal(b.s.n, 1);
    assert_int_equal(b.s.len[0], sizeof want);
    assert_memory_equal(b.s.data, want, sizeof want);
    quic_conn_dgram_stats(p.client, &st);
    assert_int_equal(st.sent, 1);
    assert_int_equal(st.queued, 0);
    assert_int_equal(st.packets_with_dgrams, 1);
    pair_free(&p);
}

static void test_dgram_small_ones_share_the_packet_without_queueing(void **state)
{
    (void)state;
    pair p;
    both b = {0};
    setup(&p, &b);
    uint8_t d[64];
    for (int i = 0; i < 10; i++) {
        memset(d, i, sizeof d);
        assert_int_equal(quic_conn_dgram_send(p.client, d, sizeof d, p.now), 0);
    }
    assert_int_equal(client_to_server(&p), 1); /* ten frames, one packet */
    pair_events(p.server, on_event, &b.s);
    assert_int_equal(b.s.n, 10);
    for (int i = 0; i < 10; i++)
        assert_int_equal(b.s.first[i], i);
    quic_dgram_counters st;
    quic_conn_dgram_stats(p.client, &st);
    assert_int_equal(st.queued, 0);
    assert_int_equal(st.sent, 10);
    pair_free(&p);
}

/* Fills the client's congestion window with stream data the server never sees. */
static void fill_cwnd(pair *p)
{
    static uint8_t blob[256 * 1024];
    int64_t id = quic_conn_stream_open(p->client, true);
    assert_true(id >= 0);
    assert_true(quic_conn_stream_write(p->client, (uint64_t)id, blob, sizeof blob, false) > 0);
    uint8_t buf[1500];
    for (int i = 0; i < 10000; i++) {
        quic_conn_test_view v;
        quic_conn_test_view_get(p->client, &v);
        if (v.bytes_in_flight + 1500 > v.cwnd)
            return;
        if (quic_conn_send(p->client, buf, sizeof buf, p->now) == 0)
            p->now += 1000; /* paced: let the bucket refill (lost, as far as the server knows) */
    }
    fail_msg("the congestion window never filled");
}

static void test_dgram_waits_in_queue_when_cwnd_is_full(void **state)
{
    (void)state;
    pair p;
    both b = {0};
    setup(&p, &b);
    fill_cwnd(&p);
    uint8_t d[100];
    memset(d, 0x42, sizeof d);
    assert_int_equal(quic_conn_dgram_send(p.client, d, sizeof d, p.now), 0);
    quic_dgram_counters st;
    quic_conn_dgram_stats(p.client, &st);
    assert_int_equal(st.queued, 1);
    assert_int_equal(st.sent, 0);
    /* Once the window opens (losses detected, acks), it goes out. */
    for (int i = 0; i < 100 && b.s.n == 0; i++) {
        pair_run(&p, NULL, NULL, 20000);
        pair_events(p.server, on_event, &b.s);
    }
    assert_int_equal(b.s.n, 1);
    assert_int_equal(b.s.first[0], 0x42);
    pair_free(&p);
}

static void test_dgram_order_kept_between_packet_and_queue(void **state)
{
    (void)state;
    pair p;
    both b = {0};
    setup(&p, &b);
    uint8_t d[1000];
    /* 1: into the packet; 2: too large for what is left of it, queued; 3: small
     * enough for the packet, but 2 waits, so it waits behind 2. */
    size_t lens[3] = {1000, 1000, 64};
    for (int i = 0; i < 3; i++) {
        memset(d, i + 1, sizeof d);
        assert_int_equal(quic_conn_dgram_send(p.client, d, lens[i], p.now), 0);
    }
    quic_dgram_counters st;
    quic_conn_dgram_stats(p.client, &st);
    assert_int_equal(st.queued, 2);
    /* 4: the window is still open, but older datagrams wait: queued too. */
    memset(d, 4, 10);
    assert_int_equal(quic_conn_dgram_send(p.client, d, 10, p.now), 0);
    quic_conn_dgram_stats(p.client, &st);
    assert_int_equal(st.queued, 3);
    client_to_server(&p);
    pair_events(p.server, on_event, &b.s);
    assert_int_equal(b.s.n, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(b.s.first[i], i + 1);
    /* Drained: the next one goes straight into a packet again. */
    assert_int_equal(quic_conn_dgram_send(p.client, d, 10, p.now), 0);
    quic_conn_dgram_stats(p.client, &st);
    assert_int_equal(st.queued, 3);
    assert_int_equal(client_to_server(&p), 1);
    pair_free(&p);
}

static void test_dgram_in_packet_expires_like_a_queued_one(void **state)
{
    (void)state;
    pair p;
    both b = {0};
    pair_init(&p);
    p.ccfg.dgram_max_age_us = 5000;
    pair_start(&p);
    assert_true(pair_run(&p, settled, &b, 5000000));
    pair_run(&p, NULL, NULL, 200000);
    pair_events(p.server, on_event, &b.s);
    b.s.n = 0;
    uint8_t d[50] = {9};
    assert_int_equal(quic_conn_dgram_send(p.client, d, sizeof d, p.now), 0);
    p.now += 6000; /* the caller let it wait past its age limit before sending */
    client_to_server(&p);
    pair_events(p.server, on_event, &b.s);
    assert_int_equal(b.s.n, 0);
    quic_dgram_counters st;
    quic_conn_dgram_stats(p.client, &st);
    assert_int_equal(st.drop_send_expired, 1);
    assert_int_equal(st.sent, 0);
    pair_free(&p);
}

static void test_dgram_in_packet_waits_for_a_buffer_that_holds_it(void **state)
{
    (void)state;
    pair p;
    both b = {0};
    setup(&p, &b);
    uint8_t d[1000] = {1};
    assert_int_equal(quic_conn_dgram_send(p.client, d, sizeof d, p.now), 0);
    /* The caller's buffer cannot hold the packet: the datagram waits, as a
     * queued one that does not fit waits for the next packet. */
    uint8_t small[600];
    (void)quic_conn_send(p.client, small, sizeof small, p.now);
    quic_dgram_counters st;
    quic_conn_dgram_stats(p.client, &st);
    assert_int_equal(st.sent, 0);
    assert_int_equal(st.drop_send_too_large, 0);
    client_to_server(&p);
    pair_events(p.server, on_event, &b.s);
    assert_int_equal(b.s.n, 1);
    assert_int_equal(b.s.len[0], sizeof d);
    quic_conn_dgram_stats(p.client, &st);
    assert_int_equal(st.sent, 1);
    pair_free(&p);
}

/* Sealing from the slots (off by default, see conn_send.c): a datagram that
 * had to wait goes from its queue slot into the packet with no plaintext copy
 * on the way: the seal reads it from the slot (a gather) and writes the
 * ciphertext into the datagram; it arrives intact, in order. */
static void test_dgram_queued_is_sealed_from_its_slot_without_a_copy(void **state)
{
    (void)state;
    pair p;
    both b = {0};
    setup(&p, &b);
    quic_conn_test_set_dgram_seal_from_slots(p.client, true);
    uint8_t d[3][1000];
    size_t lens[3] = {1000, 1000, 300}; /* 1 into the packet, 2 and 3 queued behind it */
    for (int i = 0; i < 3; i++) {
        for (size_t j = 0; j < lens[i]; j++)
            d[i][j] = (uint8_t)(j * (i + 3) + i + 1);
        assert_int_equal(quic_conn_dgram_send(p.client, d[i], lens[i], p.now), 0);
    }
    quic_dgram_counters st;
    quic_conn_dgram_stats(p.client, &st);
    assert_int_equal(st.queued, 2);
    client_to_server(&p);
    pair_events(p.server, on_event, &b.s);
    assert_int_equal(b.s.n, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(b.s.len[i], lens[i]);
        assert_int_equal(b.s.first[i], d[i][0]);
    }
    assert_memory_equal(b.s.data, d[2], lens[2]);
    quic_conn_dgram_stats(p.client, &st);
    assert_int_equal(st.sent, 3);
    quic_conn_test_view v;
    quic_conn_test_view_get(p.client, &v);
    assert_int_equal(v.dgram_queue_copied, 0);
    pair_free(&p);
}

/* By default a queued payload is copied into the packet (one memcpy is
 * cheaper than another AEAD update) and still arrives intact, in order. */
static void test_dgram_queued_is_copied_into_the_packet_by_default(void **state)
{
    (void)state;
    pair p;
    both b = {0};
    setup(&p, &b);
    uint8_t d[2][1000];
    for (int i = 0; i < 2; i++) {
        memset(d[i], 0x61 + i, sizeof d[i]);
        assert_int_equal(quic_conn_dgram_send(p.client, d[i], sizeof d[i], p.now), 0);
    }
    client_to_server(&p);
    pair_events(p.server, on_event, &b.s);
    assert_int_equal(b.s.n, 2);
    assert_memory_equal(b.s.data, d[1], sizeof d[1]);
    quic_conn_test_view v;
    quic_conn_test_view_get(p.client, &v);
    assert_int_equal(v.dgram_queue_copied, 1000);
    pair_free(&p);
}

/* Sealing from the slots with more queued datagrams than a packet has holes
 * for: the rest are copied, all arrive in order, intact. */
static void test_dgram_many_queued_sealed_from_slots_keep_order(void **state)
{
    (void)state;
    pair p;
    both b = {0};
    setup(&p, &b);
    quic_conn_test_set_dgram_seal_from_slots(p.client, true);
    uint8_t big[1000], d[30];
    memset(big, 0xff, sizeof big);
    assert_int_equal(quic_conn_dgram_send(p.client, big, sizeof big, p.now), 0);
    for (int i = 0; i < 60; i++) { /* the open packet fills, the rest queue behind */
        memset(d, i, sizeof d);
        assert_int_equal(quic_conn_dgram_send(p.client, d, (size_t)(i % 2 ? 30 : 17), p.now), 0);
    }
    client_to_server(&p);
    pair_events(p.server, on_event, &b.s);
    assert_int_equal(b.s.n, 61);
    for (int i = 0; i < 60; i++) {
        assert_int_equal(b.s.first[i + 1], i);
        assert_int_equal(b.s.len[i + 1], i % 2 ? 30 : 17);
    }
    quic_conn_test_view v;
    quic_conn_test_view_get(p.client, &v);
    quic_dgram_counters st;
    quic_conn_dgram_stats(p.client, &st);
    assert_true(st.queued > 32);
    /* The first 32 of a packet are sealed from their slots, the rest copied. */
    assert_true(v.dgram_queue_copied < st.queued * 30);
    pair_free(&p);
}

/* ---- through the h3q binding (RFC 9297 §2.1) ---- */

static bool h3_request_seen(pair_h3 *t, void *ud)
{
    uint64_t *sid = ud;
    h3_event ev;
    while (t->s && h3q_next_event(t->s, &ev))
        if (ev.type == H3_EV_REQUEST) {
            assert_int_equal(h3q_send_response(t->s, ev.stream_id, 200), 0);
            *sid = ev.stream_id;
        }
    return *sid != UINT64_MAX;
}

static bool h3_dgram_seen(pair_h3 *t, void *ud)
{
    got *g = ud;
    h3_event ev;
    while (h3q_next_event(t->s, &ev))
        if (ev.type == H3_EV_DATAGRAM && g->n < 64) {
            g->first[g->n] = ev.len ? ev.data[0] : 0;
            g->len[g->n++] = ev.len;
        }
    return g->n > 0;
}

/* h3q_send_datagram writes the Quarter Stream ID and hands QUIC the gather: on an
 * idle connection it goes straight into the packet, no queue slot on the way. */
static void test_h3q_datagram_goes_straight_into_the_packet(void **state)
{
    (void)state;
    pair_h3 t;
    pair_h3_init(&t);
    pair_h3_start(&t);
    uint64_t sid = UINT64_MAX, csid;
    while (!t.c || !h3q_started(t.c))
        assert_true(pair_h3_run(&t, NULL, NULL, 10000) || t.p.now < 5000000);
    assert_int_equal(h3q_get(t.c, "localhost", "/", &csid), 0);
    assert_true(pair_h3_run(&t, h3_request_seen, &sid, 2000000));
    pair_h3_run(&t, NULL, NULL, 300000); /* settled: acked, the pacer's bucket full */
    uint8_t d[1000];
    memset(d, 0x5a, sizeof d);
    assert_int_equal(h3q_send_datagram(t.c, csid, d, sizeof d), 0);
    memset(d, 0, sizeof d);
    quic_dgram_counters st;
    quic_conn_dgram_stats(h3q_quic(t.c), &st);
    assert_int_equal(st.queued, 0);
    got g = {0};
    assert_true(pair_h3_run(&t, h3_dgram_seen, &g, 1000000));
    assert_int_equal(g.n, 1);
    assert_int_equal(g.len[0], sizeof d);
    assert_int_equal(g.first[0], 0x5a);
    quic_conn_dgram_stats(h3q_quic(t.c), &st);
    assert_int_equal(st.sent, 1);
    assert_int_equal(st.queued, 0);
    pair_h3_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dgram_sent_when_it_can_skips_the_queue),
        cmocka_unit_test(test_dgram_small_ones_share_the_packet_without_queueing),
        cmocka_unit_test(test_dgram_waits_in_queue_when_cwnd_is_full),
        cmocka_unit_test(test_dgram_order_kept_between_packet_and_queue),
        cmocka_unit_test(test_dgram_in_packet_expires_like_a_queued_one),
        cmocka_unit_test(test_dgram_in_packet_waits_for_a_buffer_that_holds_it),
        cmocka_unit_test(test_dgram_queued_is_sealed_from_its_slot_without_a_copy),
        cmocka_unit_test(test_dgram_queued_is_copied_into_the_packet_by_default),
        cmocka_unit_test(test_dgram_many_queued_sealed_from_slots_keep_order),
        cmocka_unit_test(test_h3q_datagram_goes_straight_into_the_packet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
