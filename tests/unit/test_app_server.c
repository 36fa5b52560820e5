/* The quince server loop over loopback: bounded work per wake-up under a
 * flood, and what a client is told when a server turns it away. */
#include "common/tu.h"
#include "app/app_peer.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_step_reads_bounded_batches),
        cmocka_unit_test(test_refusal_in_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
