/* The quince server loop over loopback: bounded work per wake-up under a
 * flood, and what a client is told when a server turns it away. */
#include "common/tu.h"
#include "app/app_peer.h"

#include <arpa/inet.h>
#include <string.h>

/* A flood of datagrams is read APP_SERVER_BATCHES batches at a time: after
 * that the step runs timers and sends, and the next step reads on. */
static void test_server_step_reads_bounded_batches(void **state)
{
    (void)state;
    static app_server sv;
    app_opts o;
    memset(&o, 0, sizeof o);
    o.listen = "127.0.0.1:0";
    app_addr any;
    char err[300];
    assert_int_equal(app_addr_parse(o.listen, &any, err, sizeof err), 0);
    assert_int_equal(app_server_open(&sv, &o, &any, err, sizeof err), 0);
    app_udp cli;
    assert_int_equal(app_udp_open(&cli, &sv.io.udp.local, false, err, sizeof err), 0);
    const size_t bound = (size_t)APP_SERVER_BATCHES * APP_BATCH;
    size_t total = bound + 3 * APP_BATCH;
    uint8_t junk[40];
    memset(junk, 0x41, sizeof junk); /* short header to no connection: dropped */
    app_dgram v[APP_BATCH];
    for (size_t sent = 0; sent < total;) {
        size_t k = 0;
        for (; k < APP_BATCH && sent + k < total; k++)
            v[k] = (app_dgram){.data = junk, .len = sizeof junk, .peer = sv.io.udp.local};
        int n = app_udp_send_batch(&cli, v, k);
        assert_true(n > 0);
        sent += (size_t)n;
    }
    app_server_step(&sv, app_now_us());
    assert_int_equal(sv.io.received, bound);
    app_server_step(&sv, app_now_us());
    assert_int_equal(sv.io.received, total);
    app_udp_close(&cli);
    app_server_close(&sv);
}

/* RFC 9000 §5.2.2: a client turned away by a full server says so in words. */
static void test_refusal_in_words(void **state)
{
    (void)state;
    quic_close_info ci;
    memset(&ci, 0, sizeof ci);
    ci.closed = ci.by_peer = true;
    ci.code = QUIC_CONNECTION_REFUSED;
    snprintf(ci.reason, sizeof ci.reason, "server busy");
    char buf[400];
    app_close_describe(&ci, buf, sizeof buf);
    assert_string_equal(buf, "server refused the connection (CONNECTION_REFUSED), reason \"server busy\"");
    ci.code = QUIC_PROTOCOL_VIOLATION;
    app_close_describe(&ci, buf, sizeof buf);
    assert_non_null(strstr(buf, "PROTOCOL_VIOLATION"));
}

/* A client refused by a full server (here: past its memory budget, so a
 * Retry first) ends at once with an error, not after the draining period:
 * it has nothing to wait for. The clock does not move. */
static void test_refused_client_ends_at_once(void **state)
{
    (void)state;
    static app_server sv;
    static app_client cl;
    app_opts o;
    memset(&o, 0, sizeof o);
    o.listen = "127.0.0.1:0";
    o.max_memory = 1;
    o.count = 10;
    o.size = 8;
    app_addr any;
    char err[300], url[128];
    assert_int_equal(app_addr_parse(o.listen, &any, err, sizeof err), 0);
    assert_int_equal(app_server_open(&sv, &o, &any, err, sizeof err), 0);
    const struct sockaddr_in *sin = (const struct sockaddr_in *)&sv.io.udp.local.ss;
    snprintf(url, sizeof url, "https://localhost:%u/ping-pong", ntohs(sin->sin_port));
    uint64_t now = app_now_us();
    assert_int_equal(app_client_open(&cl, &o, url, &sv.tls, now, err, sizeof err), 0);
    for (int i = 0; i < 20 && !cl.finished; i++) {
        app_client_step(&cl, now);
        app_server_step(&sv, now);
    }
    assert_true(cl.finished);
    assert_int_equal(cl.exit_code, 1);
    quic_close_info ci;
    quic_conn_close_info(cl.s.q, &ci);
    assert_int_equal(ci.code, QUIC_CONNECTION_REFUSED);
    assert_int_equal(quic_endpoint_count(sv.ep), 0);
    app_client_close(&cl);
    app_server_close(&sv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_step_reads_bounded_batches),
        cmocka_unit_test(test_refusal_in_words),
        cmocka_unit_test(test_refused_client_ends_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
