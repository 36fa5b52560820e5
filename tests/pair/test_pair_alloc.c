/* The datagram and stream paths allocate nothing per packet once warmed up:
 * every allocation of both connections goes through a counting allocator. */
#include "common/pair.h"
#include "common/tu.h"

#include <stdlib.h>
#include <string.h>

static size_t g_allocs;

static void *count_alloc(void *ud, size_t n)
{
    (void)ud;
    g_allocs++;
    return malloc(n ? n : 1);
}

static void *count_realloc(void *ud, void *p, size_t n)
{
    (void)ud;
    g_allocs++;
    return realloc(p, n ? n : 1);
}

static void count_free(void *ud, void *p)
{
    (void)ud;
    free(p);
}

static const qb_alloc counting = {count_alloc, count_realloc, count_free, NULL};

static bool established(pair *p, void *ud)
{
    (void)ud;
    return p->server && quic_conn_is_established(p->client) && quic_conn_is_established(p->server) &&
           quic_conn_dgram_max(p->client) > 0 && quic_conn_dgram_max(p->server) > 0;
}

static void drain(pair *p)
{
    quic_event ev;
    while (quic_conn_next_event(p->client, &ev))
        ;
    while (quic_conn_next_event(p->server, &ev))
        ;
}

static void dgram_rounds(pair *p, int n)
{
    uint8_t d[100] = {0};
    for (int i = 0; i < n; i++) {
        memcpy(d, &i, sizeof i);
        assert_int_equal(quic_conn_dgram_send(p->client, d, sizeof d, p->now), 0);
        assert_int_equal(quic_conn_dgram_send(p->server, d, sizeof d, p->now), 0);
        pair_run(p, NULL, NULL, 2000);
        drain(p);
    }
}

static void test_datagram_path(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    p.ccfg.alloc = &counting;
    p.scfg.alloc = &counting;
    p.link.delay_us = 500;
    pair_start(&p);
    assert_true(pair_run(&p, established, NULL, 5000000));
    dgram_rounds(&p, 200); /* warm-up: queues, logs and buffers reach their size */
    g_allocs = 0;
    dgram_rounds(&p, 1000);
    assert_int_equal(g_allocs, 0);
    quic_dgram_counters st;
    quic_conn_dgram_stats(p.server, &st);
    assert_true(st.received >= 1150);
    pair_free(&p);
}

static void stream_chunks(pair *p, uint64_t id, int n)
{
    static uint8_t buf[16384];
    for (int i = 0; i < n; i++) {
        memset(buf, i, sizeof buf);
        int64_t w = quic_conn_stream_write(p->client, id, buf, sizeof buf, false);
        assert_true(w >= 0);
        pair_run(p, NULL, NULL, 5000);
        bool fin;
        while (quic_conn_stream_read(p->server, id, buf, sizeof buf, &fin) > 0)
            ;
        drain(p);
    }
}

static void test_stream_path(void **state)
{
    (void)state;
    pair p;
    pair_init(&p);
    p.ccfg.alloc = &counting;
    p.scfg.alloc = &counting;
    p.link.delay_us = 500;
    pair_start(&p);
    assert_true(pair_run(&p, established, NULL, 5000000));
    int64_t id = quic_conn_stream_open(p.client, true);
    assert_true(id >= 0);
    stream_chunks(&p, (uint64_t)id, 300); /* warm-up: ~5 MB */
    g_allocs = 0;
    stream_chunks(&p, (uint64_t)id, 300);
    assert_int_equal(g_allocs, 0);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_datagram_path),
        cmocka_unit_test(test_stream_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
