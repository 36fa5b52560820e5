/* The UDP layer over loopback: address parsing, batched send/receive, GSO trains,
 * and the error a person sees when a port is taken. */
#include "common/tu.h"
#include "app/app_peer.h"
#include "app/app_udp.h"

#include <string.h>

static void test_addr_parse(void **state)
{
    (void)state;
    app_addr a;
    char err[128], s[80];
    assert_int_equal(app_addr_parse("127.0.0.1:4433", &a, err, sizeof err), 0);
    app_addr_str(&a, s, sizeof s);
    assert_string_equal(s, "127.0.0.1:4433");
    assert_int_equal(app_addr_parse("[::1]:8080", &a, err, sizeof err), 0);
    app_addr_str(&a, s, sizeof s);
    assert_string_equal(s, "[::1]:8080");
    assert_int_equal(app_addr_parse("127.0.0.1", &a, err, sizeof err), -1);
    assert_non_null(strstr(err, "HOST:PORT"));
    assert_int_equal(app_addr_parse("127.0.0.1:70000", &a, err, sizeof err), -1);
    assert_non_null(strstr(err, "bad port"));
    assert_int_equal(app_addr_parse("[::1:80", &a, err, sizeof err), -1);
}

static void open_pair(app_udp *srv, app_udp *cli)
{
    app_addr any;
    char err[128];
    assert_int_equal(app_addr_parse("127.0.0.1:0", &any, err, sizeof err), 0);
    assert_int_equal(app_udp_open(srv, &any, true, err, sizeof err), 0);
    assert_int_equal(app_udp_open(cli, &srv->local, false, err, sizeof err), 0);
}

static void test_batch_roundtrip(void **state)
{
    (void)state;
    app_udp srv, cli;
    open_pair(&srv, &cli);
    uint8_t out[10][100];
    app_dgram dv[10];
    for (int i = 0; i < 10; i++) {
        memset(out[i], 'a' + i, sizeof out[i]);
        dv[i] = (app_dgram){.data = out[i], .len = 50u + (size_t)i, .peer = srv.local};
    }
    assert_int_equal(app_udp_send_batch(&cli, dv, 10), 10);
    uint8_t in[10][1500];
    app_dgram rv[10];
    int got = 0;
    uint64_t until = app_now_us() + 2000000;
    while (got < 10 && app_now_us() < until) {
        for (int i = got; i < 10; i++)
            rv[i] = (app_dgram){.data = in[i], .len = sizeof in[i]};
        app_udp_wait(&srv, app_now_us() + 100000);
        int n = app_udp_recv_batch(&srv, rv + got, (size_t)(10 - got));
        assert_true(n >= 0);
        got += n;
    }
    assert_int_equal(got, 10);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(rv[i].len, 50u + (size_t)i);
        assert_int_equal(rv[i].data[0], 'a' + i);
        /* the client bound the wildcard address: compare its port */
        assert_int_equal(((struct sockaddr_in *)&rv[i].peer.ss)->sin_port,
                         ((struct sockaddr_in *)&cli.local.ss)->sin_port);
    }
    app_udp_close(&srv);
    app_udp_close(&cli);
}

/* RFC 9000 §13.4: the codepoint set on send (IP_TOS cmsg) is the one the
 * receiver reads (IP_RECVTOS), per datagram. */
static void test_ecn_codepoint_set_per_datagram_is_read_back(void **state)
{
    (void)state;
    app_udp srv, cli;
    open_pair(&srv, &cli);
    uint8_t out[4][60];
    const uint8_t marks[4] = {2, 0, 3, 1}; /* ECT(0), Not-ECT, CE, ECT(1) */
    app_dgram dv[4];
    for (int i = 0; i < 4; i++) {
        memset(out[i], 'a' + i, sizeof out[i]);
        dv[i] = (app_dgram){.data = out[i], .len = sizeof out[i], .peer = srv.local, .ecn = marks[i]};
    }
    assert_int_equal(app_udp_send_batch(&cli, dv, 4), 4);
    uint8_t in[4][1500];
    app_dgram rv[4];
    int got = 0;
    uint64_t until = app_now_us() + 2000000;
    while (got < 4 && app_now_us() < until) {
        for (int i = got; i < 4; i++)
            rv[i] = (app_dgram){.data = in[i], .len = sizeof in[i], .ecn = 0xff};
        app_udp_wait(&srv, app_now_us() + 100000);
        int n = app_udp_recv_batch(&srv, rv + got, (size_t)(4 - got));
        assert_true(n >= 0);
        got += n;
    }
    assert_int_equal(got, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(rv[i].ecn, marks[rv[i].data[0] - 'a']);
    app_udp_close(&srv);
    app_udp_close(&cli);
}

static void test_gso_train(void **state)
{
    (void)state;
    app_udp srv, cli;
    open_pair(&srv, &cli);
    if (!cli.gso) {
        app_udp_close(&srv);
        app_udp_close(&cli);
        skip();
    }
    /* 3 segments of 1200 and a short last one of 100: the kernel cuts them. */
    static uint8_t train[3 * 1200 + 100];
    for (size_t i = 0; i < sizeof train; i++)
        train[i] = (uint8_t)(i / 1200);
    app_dgram d = {.data = train, .len = sizeof train, .peer = srv.local, .segment = 1200};
    assert_int_equal(app_udp_send_batch(&cli, &d, 1), 1);
    uint8_t in[4][1500];
    app_dgram rv[4];
    int got = 0;
    uint64_t until = app_now_us() + 2000000;
    while (got < 4 && app_now_us() < until) {
        for (int i = got; i < 4; i++)
            rv[i] = (app_dgram){.data = in[i], .len = sizeof in[i]};
        app_udp_wait(&srv, app_now_us() + 100000);
        got += app_udp_recv_batch(&srv, rv + got, (size_t)(4 - got));
    }
    assert_int_equal(got, 4);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(rv[i].len, 1200);
        assert_int_equal(rv[i].data[0], i);
    }
    assert_int_equal(rv[3].len, 100);
    app_udp_close(&srv);
    app_udp_close(&cli);
}

static void test_port_in_use(void **state)
{
    (void)state;
    app_udp a, b;
    app_addr any;
    char err[128];
    assert_int_equal(app_addr_parse("127.0.0.1:0", &any, err, sizeof err), 0);
    assert_int_equal(app_udp_open(&a, &any, true, err, sizeof err), 0);
    assert_int_equal(app_udp_open(&b, &a.local, true, err, sizeof err), -1);
    assert_non_null(strstr(err, "port already in use"));
    app_udp_close(&a);
}

static void test_wait_timeout(void **state)
{
    (void)state;
    app_udp srv, cli;
    open_pair(&srv, &cli);
    uint64_t t0 = app_now_us();
    assert_int_equal(app_udp_wait(&srv, t0 + 20000), 0);
    assert_true(app_now_us() >= t0 + 20000);
    app_udp_close(&srv);
    app_udp_close(&cli);
}

/* The event loop's batch: datagrams laid end to end, a run of equal sizes to
 * one peer merged into one GSO send, every datagram arriving intact. */
static void test_io_flush_merges(void **state)
{
    (void)state;
    static app_io io;
    app_udp srv;
    app_addr any;
    char err[128];
    assert_int_equal(app_addr_parse("127.0.0.1:0", &any, err, sizeof err), 0);
    assert_int_equal(app_udp_open(&srv, &any, true, err, sizeof err), 0);
    assert_int_equal(app_udp_open(&io.udp, &srv.local, false, err, sizeof err), 0);
    size_t sizes[] = {1200, 1200, 1200, 1200, 700, 300, 300};
    for (size_t i = 0; i < 7; i++) {
        uint8_t *p = io.txbuf + io.tx_used;
        memset(p, (int)i + 1, sizes[i]);
        io.txv[io.n_tx++] = (app_dgram){.data = p, .len = sizes[i], .peer = srv.local};
        io.tx_used += sizes[i];
    }
    app_io_flush(&io);
    assert_int_equal(io.n_tx, 0);
    if (io.udp.gso)
        assert_int_equal(io.gso_sends, 2); /* 1200x4+700, then 300x2 */
    uint8_t in[8][1500];
    app_dgram rv[8];
    int got = 0;
    uint64_t until = app_now_us() + 2000000;
    while (got < 7 && app_now_us() < until) {
        for (int i = got; i < 8; i++)
            rv[i] = (app_dgram){.data = in[i], .len = sizeof in[i]};
        app_udp_wait(&srv, app_now_us() + 100000);
        got += app_udp_recv_batch(&srv, rv + got, (size_t)(8 - got));
    }
    assert_int_equal(got, 7);
    for (int i = 0; i < 7; i++) {
        assert_int_equal(rv[i].len, sizes[i]);
        assert_int_equal(rv[i].data[0], i + 1);
        assert_int_equal(rv[i].data[sizes[i] - 1], i + 1);
    }
    app_udp_close(&srv);
    app_udp_close(&io.udp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addr_parse),
        cmocka_unit_test(test_batch_roundtrip),
        cmocka_unit_test(test_ecn_codepoint_set_per_datagram_is_read_back),
        cmocka_unit_test(test_gso_train),
        cmocka_unit_test(test_port_in_use),
        cmocka_unit_test(test_wait_timeout),
        cmocka_unit_test(test_io_flush_merges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
