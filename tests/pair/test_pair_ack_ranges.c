/* ACK ranges (RFC 9000 §13.2.4): once the peer acknowledged a packet that
 * carried our ACK, the ranges below it are not sent again, so the ranges
 * kept stay few under loss. */
#include "common/pair.h"
#include "common/tu.h"
#include "quic/conn_test.h"

#include <string.h>

static bool connected(pair *p, void *ud)
{
    (void)ud;
    return quic_conn_is_established(p->client) && p->server &&
           quic_conn_is_established(p->server) && quic_test_view(p->client).handshake_confirmed;
}

typedef struct sink {
    uint64_t sid, got;
    bool fin;
} sink;

static bool sink_done(pair *p, void *ud)
{
    sink *k = ud;
    quic_event ev;
    uint8_t buf[4096];
    while (quic_conn_next_event(p->server, &ev)) {
        if (ev.type != QUIC_EV_STREAM_READABLE)
            continue;
        bool fin = false;
        int64_t n;
        while ((n = quic_conn_stream_read(p->server, ev.stream_id, buf, sizeof buf, &fin)) > 0 || fin) {
            k->got += n > 0 ? (uint64_t)n : 0;
            k->fin |= fin;
            if (fin)
                break;
        }
    }
    pair_events(p->client, NULL, NULL);
    return k->fin;
}

/* RFC 9000 §13.2.4: once the peer acknowledged a packet carrying our ACK, the
 * ranges below its Largest Acknowledged need not be sent again. They were
 * kept (up to 64): after packets were lost (or skipped on purpose, as quic-go
 * does) every later ACK frame repeated every old gap. */
static void test_ack_ranges_below_acked_ack_pruned(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    p.link.delay_us = 10000;
    p.link.loss_pct = 5;
    p.link.seed = 7;
    pair_start(&p);
    assert_true(pair_run(&p, connected, NULL, 10000000));
    static uint8_t data[512 * 1024];
    int64_t id = quic_conn_stream_open(p.client, true);
    assert_true(id >= 0);
    sink k = {.sid = (uint64_t)id};
    size_t off = 0;
    for (int i = 0; i < 5000 && !k.fin; i++) {
        if (off < sizeof data) {
            int64_t n = quic_conn_stream_write(p.client, k.sid, data + off, sizeof data - off, true);
            assert_true(n >= 0);
            off += (size_t)n;
        }
        pair_run(&p, sink_done, &k, 10000);
    }
    assert_true(k.fin);
    assert_int_equal(k.got, sizeof data);
    assert_true(quic_test_stats(p.server).pkts_recv > 300);
    p.link.loss_pct = 0;
    pair_run(&p, NULL, NULL, 1000000);
    assert_true(quic_test_view(p.server).app_ack_ranges <= 4);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ack_ranges_below_acked_ack_pruned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
