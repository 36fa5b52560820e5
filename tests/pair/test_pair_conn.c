/* A client and a server of ours over an in-memory link with a virtual clock:
 * handshake, streams, datagrams, key update, closing (RFC 9000, 9001, 9221). */
#include "common/pair.h"
#include "common/tu.h"

#include "crypto/cx_certgen.h"
#include "crypto/cx_x509.h"
#include "quic/packet.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

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
    quic_close_info ci;
    quic_conn_close_info(p.client, &ci);
    assert_false(ci.closed);
    pair_free(&p);
}

/* ---- anti-amplification and Initial padding, step by step ---- */

/* The packet types in a datagram, as a bit set (1 << quic_pkt_type). */
static unsigned pkt_types(const uint8_t *d, size_t len)
{
    quic_dgram_iter it;
    quic_pkt_hdr h;
    unsigned t = 0;
    quic_dgram_iter_init(&it, d, len, 8);
    while (quic_dgram_next(&it, &h) > 0)
        t |= 1u << h.type;
    return t;
}

typedef struct amp {
    uint64_t srv_in, srv_out_unvalidated, client_dgrams_with_initial;
    bool handshake_reached; /* a client Handshake packet reached the server */
    bool limited;           /* the server had more to send than its budget */
} amp;

/* Hands every datagram across at once (no delay), checking on the way: each
 * client datagram with an Initial is at least 1200 bytes (RFC 9000 §14.1),
 * and until a client Handshake packet reaches the server it sends at most
 * three times what it received (§8.1). */
static void amp_exchange(pair *p, amp *a)
{
    uint8_t buf[1500];
    size_t n;
    for (int round = 0; round < 1000; round++) {
        bool any = false;
        while ((n = quic_conn_send(p->client, buf, sizeof buf, p->now)) > 0) {
            any = true;
            unsigned t = pkt_types(buf, n);
            if (t & (1u << QUIC_PKT_INITIAL)) {
                a->client_dgrams_with_initial++;
                assert_true(n >= 1200);
            }
            if (!p->server) {
                quic_pkt_hdr h;
                assert_int_equal(quic_pkt_hdr_parse(buf, n, 8, &h), 0);
                quic_cid scid, dcid;
                quic_cid_set(&scid, h.scid, h.scid_len);
                quic_cid_set(&dcid, h.dcid, h.dcid_len);
                p->server = quic_conn_new_server(&p->scfg, &p->spath, &scid, &dcid, NULL, p->now);
                assert_non_null(p->server);
            }
            a->srv_in += n;
            if (t & (1u << QUIC_PKT_HANDSHAKE))
                a->handshake_reached = true;
            quic_conn_recv(p->server, &p->spath, buf, n, p->now);
        }
        while (p->server && (n = quic_conn_send(p->server, buf, sizeof buf, p->now)) > 0) {
            any = true;
            if (!a->handshake_reached) {
                a->srv_out_unvalidated += n;
                assert_true(a->srv_out_unvalidated <= 3 * a->srv_in);
                if (a->srv_out_unvalidated + 1200 > 3 * a->srv_in)
                    a->limited = true;
            }
            quic_conn_recv(p->client, &p->cpath, buf, n, p->now);
        }
        if (!any)
            return;
    }
    fail_msg("the exchange did not settle");
}

/* A chain of a leaf and three intermediates (RSA-2048, about 4.5 KB in the
 * server's Certificate), so the first flight is larger than three client
 * Initials and the limit must hold part of it back. */
static void big_chain(pair *p)
{
    cx_certgen_opts o = {.key_type = CX_KEY_RSA2048, .host = "localhost", .now = time(NULL),
                         .not_before_offset = -3600, .is_ca = true, .common_name = "root"};
    char *cert[5], *key[5];
    size_t cl[5], kl[5];
    assert_int_equal(cx_certgen(&o, NULL, &cert[0], &cl[0], &key[0], &kl[0]), 0);
    for (int i = 1; i < 5; i++) {
        o.is_ca = i < 4;
        o.common_name = i < 4 ? "intermediate" : NULL;
        o.issuer_cert_pem = cert[i - 1];
        o.issuer_key_pem = key[i - 1];
        assert_int_equal(cx_certgen(&o, NULL, &cert[i], &cl[i], &key[i], &kl[i]), 0);
    }
    char pem[16384];
    size_t off = 0;
    for (int i = 4; i >= 1; i--) { /* leaf first (RFC 8446 §4.4.2) */
        assert_true(off + cl[i] < sizeof pem);
        memcpy(pem + off, cert[i], cl[i]);
        off += cl[i];
    }
    pem[off] = 0;
    cx_x509_chain *chain;
    cx_x509_trust *trust;
    assert_int_equal(cx_x509_chain_from_pem(pem, off, key[4], kl[4], NULL, &chain), 0);
    assert_int_equal(cx_x509_chain_count(chain), 4);
    assert_int_equal(cx_x509_trust_from_pem(cert[0], cl[0], &trust), 0);
    cx_x509_chain_free(p->chain);
    cx_x509_trust_free(p->trust);
    p->chain = chain;
    p->trust = trust;
    p->stls.chain = chain;
    p->ctls.trust = trust;
    for (int i = 0; i < 5; i++) {
        qb_free(NULL, cert[i]);
        qb_free(NULL, key[i]);
    }
}

static void test_handshake_amplification_and_padding(void **state)
{
    (void)state;
    for (int big = 0; big < 2; big++) {
        pair p;
        pair_init(&p);
        if (big)
            big_chain(&p);
        p.client = quic_conn_new_client(&p.ccfg, &p.cpath, p.now);
        assert_non_null(p.client);
        amp a = {0};
        for (int step = 0; step < 200 && !quic_conn_is_established(p.client); step++) {
            amp_exchange(&p, &a);
            uint64_t d = quic_conn_deadline(p.client);
            if (p.server && quic_conn_deadline(p.server) < d)
                d = quic_conn_deadline(p.server);
            if (d == QUIC_NEVER)
                break;
            if (d > p.now)
                p.now = d;
            quic_conn_on_deadline(p.client, p.now);
            if (p.server)
                quic_conn_on_deadline(p.server, p.now);
        }
        assert_true(quic_conn_is_established(p.client));
        assert_true(a.handshake_reached && a.client_dgrams_with_initial >= 1);
        assert_true(a.srv_out_unvalidated > 0);
        /* with the big chain, the budget was what held the server back */
        if (big)
            assert_true(a.limited);
        pair_free(&p);
    }
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
        cmocka_unit_test(test_handshake_amplification_and_padding),
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
