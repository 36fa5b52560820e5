/* HTTP datagrams through the h3q binding move as few times as possible: sending,
 * the payload is copied once: straight into the packet when the connection can send,
 * else into QUIC's datagram queue (h3 keeps nothing; test_pair_dgram_copy); receiving,
 * the application's H3_EV_DATAGRAM points into QUIC's receive queue slot, past the
 * Quarter Stream ID (RFC 9297 §2.1), with no copy after the decrypted packet's.
 * QUIC and h3 get allocators of their own, so a test can tell whose memory a byte
 * lives in. */
#include "common/pair_h3.h"
#include "common/tu.h"
#include "quic/dgram_queue.h"

#include <stdlib.h>
#include <string.h>

/* ---- an allocator that remembers its live blocks ---- */

#define TRACK_MAX 16384

typedef struct track {
    void *p[TRACK_MAX];
    size_t n[TRACK_MAX];
    size_t live;
    uint64_t calls; /* alloc + realloc */
} track;

static void track_put(track *t, void *p, size_t n)
{
    assert_true(t->live < TRACK_MAX);
    t->p[t->live] = p;
    t->n[t->live++] = n;
}

static void track_del(track *t, void *p)
{
    for (size_t i = 0; i < t->live; i++)
        if (t->p[i] == p) {
            t->p[i] = t->p[--t->live];
            t->n[i] = t->n[t->live];
            return;
        }
    fail_msg("freeing a block this allocator did not make");
}

static void t_free(void *ud, void *p)
{
    if (p)
        track_del(ud, p);
    free(p);
}

static void *t_alloc(void *ud, size_t n)
{
    void *p = malloc(n);
    ((track *)ud)->calls++;
    if (p)
        track_put(ud, p, n);
    return p;
}

static void *t_realloc(void *ud, void *old, size_t n)
{
    /* A fresh block and a copy, so the old one is forgotten before it is freed. */
    void *p = t_alloc(ud, n);
    if (!p)
        return NULL;
    if (old) {
        size_t i = 0;
        track *t = ud;
        while (t->p[i] != old)
            i++;
        memcpy(p, old, t->n[i] < n ? t->n[i] : n);
        t_free(ud, old);
    }
    return p;
}

/* The size of the live block holding p, 0 when none does. */
static size_t track_block(const track *t, const void *p)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < t->live; i++) {
        const uint8_t *s = t->p[i];
        if (b >= s && b < s + t->n[i])
            return t->n[i];
    }
    return 0;
}

static track g_quic, g_h3;
static qb_alloc g_quic_alloc = {t_alloc, t_realloc, t_free, &g_quic};
static qb_alloc g_h3_alloc = {t_alloc, t_realloc, t_free, &g_h3};

/* ---- the connection ---- */

#define RECV_SLOTS 100 /* the server's QUIC receive queue: up to 100 datagrams of
                          1500 bytes, in blocks of QUIC_DGRAM_BLOCK or more */

static bool ready(pair_h3 *t, void *ud)
{
    (void)ud;
    return t->c && t->s && h3q_started(t->c) && h3q_started(t->s) &&
           h3_conn_peer_settings_received(h3q_h3(t->c)) &&
           h3_conn_peer_settings_received(h3q_h3(t->s));
}

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

/* Moves packets both ways, with QUIC's own timers (ACKs, pacing), until the client
 * sent n datagrams; nothing is stepped, so the server's events wait. */
static void deliver(pair_h3 *t, uint64_t n)
{
    pair *p = &t->p;
    for (int i = 0; i < 1000; i++) {
        send_all(t, true);
        send_all(t, false);
        quic_dgram_counters qc;
        quic_conn_dgram_stats(p->client, &qc);
        if (qc.sent >= n)
            return;
        p->now += 1000;
        if (quic_conn_deadline(p->client) <= p->now)
            quic_conn_on_deadline(p->client, p->now);
        if (quic_conn_deadline(p->server) <= p->now)
            quic_conn_on_deadline(p->server, p->now);
    }
    fail_msg("the datagrams did not go out");
}

/* Handshake, then a GET answered with 200 and no FIN: a stream for datagrams. */
static uint64_t setup(pair_h3 *t)
{
    memset(&g_quic, 0, sizeof g_quic);
    memset(&g_h3, 0, sizeof g_h3);
    pair_h3_init(t);
    t->p.ccfg.alloc = t->p.scfg.alloc = &g_quic_alloc;
    t->p.scfg.dgram_recv_queue = RECV_SLOTS;
    pair_h3_sync_configs(t);
    t->ccfg.h3.alloc = t->scfg.h3.alloc = &g_h3_alloc;
    pair_h3_start(t);
    assert_true(pair_h3_run(t, ready, NULL, 2000000));
    uint64_t sid;
    assert_int_equal(h3q_get(t->c, "localhost", "/", &sid), 0);
    send_all(t, true);
    assert_int_equal(h3q_step(t->s, t->p.now, NULL), 0);
    h3_event ev;
    bool got = false;
    while (h3q_next_event(t->s, &ev))
        if (ev.type == H3_EV_REQUEST) {
            assert_int_equal(h3q_send_response(t->s, ev.stream_id, 200), 0);
            got = true;
        }
    assert_true(got);
    send_all(t, false);
    assert_int_equal(h3q_step(t->c, t->p.now, NULL), 0);
    while (h3q_next_event(t->c, &ev))
        ;
    return sid;
}

static void teardown(pair_h3 *t)
{
    pair_h3_free(t);
    assert_int_equal(g_quic.live, 0);
    assert_int_equal(g_h3.live, 0);
}

#define N_DGRAMS 40

/* The server's H3_EV_DATAGRAM data lies in a block of QUIC's receive queue, right past the
 * one-byte Quarter Stream ID of stream 0, and in no block of h3 or the binding. */
static void test_h3q_datagram_event_points_into_quic_receive_queue(void **state)
{
    (void)state;
    pair_h3 t;
    uint64_t sid = setup(&t);
    assert_int_equal(sid, 0);
    uint8_t d[1000];
    for (int i = 0; i < N_DGRAMS; i++) {
        memset(d, i, sizeof d);
        assert_int_equal(h3q_send_datagram(t.c, sid, d, sizeof d), 0);
    }
    deliver(&t, N_DGRAMS);
    h3q_step_out out;
    assert_int_equal(h3q_step(t.s, t.p.now, &out), 0);
    assert_true(out.events); /* the datagrams wait */
    int got = 0;
    h3_event ev;
    while (h3q_next_event(t.s, &ev)) {
        assert_int_equal(ev.type, H3_EV_DATAGRAM);
        assert_int_equal(ev.len, sizeof d);
        assert_int_equal(ev.data[0], got);
        /* a block of QUIC's receive queue (grown with use, issue 10) */
        assert_true(track_block(&g_quic, ev.data) >= QUIC_DGRAM_BLOCK);
        assert_int_equal(track_block(&g_h3, ev.data), 0);
        assert_int_equal(ev.data[-1], 0); /* the Quarter Stream ID, in the same slot */
        got++;
    }
    assert_int_equal(got, N_DGRAMS);
    teardown(&t);
}

/* Sending takes no h3 memory at all (no queue in h3, nothing allocated by it) and
 * QUIC's copy is made at the call: the caller's buffer, overwritten right after,
 * does not change what arrives. */
static void test_h3q_datagram_send_copies_once_into_quic_queue(void **state)
{
    (void)state;
    pair_h3 t;
    uint64_t sid = setup(&t);
    uint64_t h3_calls = g_h3.calls;
    uint8_t d[1000];
    for (int i = 0; i < N_DGRAMS; i++) {
        memset(d, 0x80 | i, sizeof d);
        assert_int_equal(h3q_send_datagram(t.c, sid, d, sizeof d), 0);
        memset(d, 0xff, sizeof d); /* the caller reuses its buffer at once */
    }
    assert_int_equal(g_h3.calls, h3_calls); /* h3 held no copy */
    const uint8_t *p;
    size_t len;
    assert_false(h3_conn_next_datagram(h3q_h3(t.c), &p, &len));
    h3_conn_stats hs;
    h3_conn_get_stats(h3q_h3(t.c), &hs);
    assert_true(hs.datagrams_sent == N_DGRAMS);
    deliver(&t, N_DGRAMS);
    assert_int_equal(h3q_step(t.s, t.p.now, NULL), 0);
    h3_event ev;
    int got = 0;
    while (h3q_next_event(t.s, &ev)) {
        assert_int_equal(ev.type, H3_EV_DATAGRAM);
        assert_int_equal(ev.len, sizeof d);
        for (size_t k = 0; k < ev.len; k++)
            assert_int_equal(ev.data[k], 0x80 | got);
        got++;
    }
    assert_int_equal(got, N_DGRAMS);
    assert_int_equal(g_h3.calls, h3_calls); /* nor on the receiving side */
    teardown(&t);
}

/* An application that steps again before draining loses nothing: the held datagram
 * goes into h3's event queue (copied, bounded) and arrives in order. */
static void test_h3q_step_without_draining_keeps_datagrams(void **state)
{
    (void)state;
    pair_h3 t;
    uint64_t sid = setup(&t);
    uint8_t d[100];
    for (int i = 0; i < 5; i++) {
        memset(d, i, sizeof d);
        assert_int_equal(h3q_send_datagram(t.c, sid, d, sizeof d), 0);
    }
    send_all(&t, true);
    assert_int_equal(h3q_step(t.s, t.p.now, NULL), 0);
    assert_int_equal(h3q_step(t.s, t.p.now, NULL), 0); /* not drained in between */
    h3_event ev;
    int got = 0;
    while (h3q_next_event(t.s, &ev)) {
        assert_int_equal(ev.type, H3_EV_DATAGRAM);
        assert_int_equal(ev.data[0], got);
        got++;
    }
    assert_int_equal(got, 5);
    teardown(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h3q_datagram_event_points_into_quic_receive_queue),
        cmocka_unit_test(test_h3q_datagram_send_copies_once_into_quic_queue),
        cmocka_unit_test(test_h3q_step_without_draining_keeps_datagrams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
