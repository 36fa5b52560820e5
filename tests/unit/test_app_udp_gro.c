/* UDP GRO on receive (Linux UDP_GRO): a buffer the kernel coalesced from a run
 * of equal-size datagrams comes out as those datagrams again, in order, however
 * few the caller takes at a time; without GRO nothing changes. */
#include "common/tu.h"
#include "app/app_udp.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

static void test_gro_split_cuts_at_the_segment_size(void **state)
{
    (void)state;
    uint8_t buf[3 * 1200 + 100];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i / 1200);
    app_dgram from = {.ecn = 2};
    from.peer.len = 16;
    app_dgram out[8];
    memset(out, 0, sizeof out);
    assert_int_equal(app_udp_gro_split(buf, sizeof buf, 1200, 0, &from, out, 8), 4);
    for (int i = 0; i < 3; i++) {
        assert_ptr_equal(out[i].data, buf + 1200 * i);
        assert_int_equal(out[i].len, 1200);
        assert_int_equal(out[i].data[0], i);
        assert_int_equal(out[i].ecn, 2);
        assert_int_equal(out[i].peer.len, 16);
        assert_int_equal(out[i].segment, 0);
    }
    assert_int_equal(out[3].len, 100); /* the last one may be shorter */
    assert_int_equal(out[3].data[0], 3);
}

static void test_gro_split_resumes_where_the_caller_stopped(void **state)
{
    (void)state;
    uint8_t buf[10 * 50];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i / 50);
    app_dgram from = {0}, out[3];
    size_t first = 0, k;
    int seen = 0;
    while ((k = app_udp_gro_split(buf, sizeof buf, 50, first, &from, out, 3)) > 0) {
        assert_true(k <= 3);
        for (size_t i = 0; i < k; i++, seen++) {
            assert_int_equal(out[i].len, 50);
            assert_int_equal(out[i].data[0], seen);
        }
        first += k;
    }
    assert_int_equal(seen, 10);
}

static void test_gro_split_of_a_plain_datagram_is_itself(void **state)
{
    (void)state;
    uint8_t buf[700] = {7};
    app_dgram from = {0}, out[2];
    /* no segment size: one datagram; and one exactly a segment long */
    assert_int_equal(app_udp_gro_split(buf, sizeof buf, 0, 0, &from, out, 2), 1);
    assert_int_equal(out[0].len, 700);
    assert_int_equal(app_udp_gro_split(buf, sizeof buf, 700, 0, &from, out, 2), 1);
    assert_int_equal(app_udp_gro_split(buf, sizeof buf, 700, 1, &from, out, 2), 0);
    assert_int_equal(app_udp_gro_split(buf, 0, 700, 0, &from, out, 2), 0);
    assert_int_equal(app_udp_gro_split(buf, sizeof buf, 700, 0, &from, out, 0), 0);
}

/* Over loopback: a GSO train of 10 to a socket with GRO arrives as 10
 * datagrams in order, handed out 3 at a time (the rest waits in the socket's
 * receive area for the next call). */
static void test_gro_train_comes_out_in_order_a_few_at_a_time(void **state)
{
    (void)state;
    app_udp srv, cli;
    app_addr any;
    char err[128];
    assert_int_equal(app_addr_parse("127.0.0.1:0", &any, err, sizeof err), 0);
    assert_int_equal(app_udp_open(&srv, &any, true, err, sizeof err), 0);
    assert_int_equal(app_udp_open(&cli, &srv.local, false, err, sizeof err), 0);
    (void)app_udp_gro_enable(&srv);
    if (!cli.gso) {
        app_udp_close(&srv);
        app_udp_close(&cli);
        skip();
    }
    static uint8_t train[10 * 1000];
    for (size_t i = 0; i < sizeof train; i++)
        train[i] = (uint8_t)(i / 1000);
    app_dgram d = {.data = train, .len = sizeof train, .peer = srv.local, .segment = 1000};
    assert_int_equal(app_udp_send_batch(&cli, &d, 1), 1);
    uint8_t in[3][1500];
    app_dgram rv[3];
    int got = 0, calls = 0;
    uint64_t until = app_now_us() + 2000000;
    while (got < 10 && app_now_us() < until) {
        for (int i = 0; i < 3; i++)
            rv[i] = (app_dgram){.data = in[i], .len = sizeof in[i]};
        app_udp_wait(&srv, app_now_us() + 100000);
        int n = app_udp_recv_batch(&srv, rv, 3);
        assert_true(n >= 0 && n <= 3);
        for (int i = 0; i < n; i++, got++) {
            assert_int_equal(rv[i].len, 1000);
            assert_int_equal(rv[i].data[0], got);
            assert_int_equal(rv[i].data[999], got);
        }
        calls += n > 0;
    }
    assert_int_equal(got, 10);
    assert_true(calls >= 4);
    app_udp_close(&srv);
    app_udp_close(&cli);
}

/* What a coalesced receive left for the next call is out of the socket: a
 * loop that stops after a bounded number of batches must not sleep on it. */
static void test_gro_leftovers_make_the_wait_return_at_once(void **state)
{
    (void)state;
    app_udp srv, cli;
    app_addr any;
    char err[128];
    assert_int_equal(app_addr_parse("127.0.0.1:0", &any, err, sizeof err), 0);
    assert_int_equal(app_udp_open(&srv, &any, true, err, sizeof err), 0);
    assert_int_equal(app_udp_open(&cli, &srv.local, false, err, sizeof err), 0);
    if (!cli.gso || !app_udp_gro_enable(&srv)) {
        app_udp_close(&srv);
        app_udp_close(&cli);
        skip();
    }
    static uint8_t train[8 * 500];
    app_dgram d = {.data = train, .len = sizeof train, .peer = srv.local, .segment = 500};
    assert_int_equal(app_udp_send_batch(&cli, &d, 1), 1);
    assert_false(app_udp_pending(&srv));
    uint8_t in[2][1500];
    app_dgram rv[2] = {{.data = in[0], .len = 1500}, {.data = in[1], .len = 1500}};
    int n = 0;
    for (int i = 0; i < 100 && n == 0; i++) {
        app_udp_wait(&srv, app_now_us() + 20000);
        n = app_udp_recv_batch(&srv, rv, 2);
    }
    assert_int_equal(n, 2);
    /* the kernel coalesced the train: six wait in the socket's receive area */
    if (app_udp_pending(&srv)) {
        uint64_t t0 = app_now_us();
        assert_int_equal(app_udp_wait(&srv, t0 + 500000), 1);
        assert_true(app_now_us() - t0 < 250000);
    }
    int got = n;
    while (got < 8 && (n = app_udp_recv_batch(&srv, rv, 2)) > 0)
        got += n;
    assert_int_equal(got, 8);
    assert_false(app_udp_pending(&srv));
    app_udp_close(&srv);
    app_udp_close(&cli);
}

/* Memory grows with use (issue 10): a socket that sees a few datagrams keeps
 * no GRO slots (2 MB); the first receive that fills a whole batch turns GRO
 * on, and every datagram still comes out once, in order. */
static int recv_all(app_udp *srv, int want, size_t batch, int *first_full)
{
    uint8_t in[32][1500];
    app_dgram rv[32];
    int got = 0;
    uint64_t until = app_now_us() + 2000000;
    *first_full = -1;
    while (got < want && app_now_us() < until) {
        for (size_t k = 0; k < batch; k++)
            rv[k] = (app_dgram){.data = in[k], .len = sizeof in[k]};
        app_udp_wait(srv, app_now_us() + 20000);
        int n = app_udp_recv_batch(srv, rv, batch);
        assert_true(n >= 0);
        if ((size_t)n == batch && *first_full < 0)
            *first_full = got;
        for (int k = 0; k < n; k++, got++)
            assert_int_equal(rv[k].data[0], (uint8_t)got);
    }
    return got;
}

static void test_gro_on_only_after_a_full_batch(void **state)
{
    (void)state;
    app_udp srv, cli;
    app_addr any;
    char err[128];
    assert_int_equal(app_addr_parse("127.0.0.1:0", &any, err, sizeof err), 0);
    assert_int_equal(app_udp_open(&srv, &any, true, err, sizeof err), 0);
    assert_int_equal(app_udp_open(&cli, &srv.local, false, err, sizeof err), 0);
    static uint8_t pay[64][200];
    app_dgram d[64];
    for (int k = 0; k < 64; k++) {
        pay[k][0] = (uint8_t)k;
        d[k] = (app_dgram){.data = pay[k], .len = 100, .peer = srv.local};
    }
    assert_int_equal(app_udp_send_batch(&cli, d, 3), 3);
    int full;
    assert_int_equal(recv_all(&srv, 3, 32, &full), 3);
    assert_null(srv.gro); /* three datagrams: no GRO state, no slots */
    for (int k = 0; k < 64; k++)
        pay[k][0] = (uint8_t)k;
    int sent = 0;
    while (sent < 64) {
        int n = app_udp_send_batch(&cli, d + sent, (size_t)(64 - sent));
        assert_true(n > 0);
        sent += n;
    }
    assert_int_equal(recv_all(&srv, 64, 16, &full), 64);
    assert_true(full >= 0);
    /* on where the kernel has UDP_GRO (setsockopt decides) */
    int on = 0;
    socklen_t sl = sizeof on;
    if (getsockopt(srv.fd, IPPROTO_UDP, 104 /* UDP_GRO */, &on, &sl) == 0 && on)
        assert_non_null(srv.gro);
    app_udp_close(&srv);
    app_udp_close(&cli);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gro_split_cuts_at_the_segment_size),
        cmocka_unit_test(test_gro_split_resumes_where_the_caller_stopped),
        cmocka_unit_test(test_gro_split_of_a_plain_datagram_is_itself),
        cmocka_unit_test(test_gro_train_comes_out_in_order_a_few_at_a_time),
        cmocka_unit_test(test_gro_leftovers_make_the_wait_return_at_once),
        cmocka_unit_test(test_gro_on_only_after_a_full_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
