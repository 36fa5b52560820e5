/* The app's server and client in one process over loopback, with the
 * server's preferred address (RFC 9000 §9.6): the client validates it from
 * a second socket connected there and keeps that socket once it moved; a
 * preferred address that never answers leaves the connection where it was
 * and the probe socket closed. */
#include "app/app_cli.h"
#include "app/app_log.h"
#include "app/app_peer.h"
#include "common/tu.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static app_server g_sv;
static app_client g_cl;

static void open_both(const char *count)
{
    app_opts so, co;
    char err[300], url[96];
    char *sargv[] = {"quince", "server", "--listen", "127.0.0.1:0", "--preferred-address",
                     "127.0.0.1:0", "--count", (char *)count};
    assert_int_equal(app_cli_parse(8, sargv, &so, stderr), 0);
    app_addr listen;
    assert_int_equal(app_addr_parse(so.listen, &listen, err, sizeof err), 0);
    assert_int_equal(app_server_open(&g_sv, &so, &listen, err, sizeof err), 0);
    g_sv.one_shot = true;
    assert_non_null(app_io_sock(&g_sv.io, 1));
    const struct sockaddr_in *sin = (const struct sockaddr_in *)&g_sv.io.udp.local.ss;
    snprintf(url, sizeof url, "https://127.0.0.1:%u/ping-pong", ntohs(sin->sin_port));
    char *cargv[] = {"quince", "client", url, "--count", (char *)count};
    assert_int_equal(app_cli_parse(5, cargv, &co, stderr), 0);
    assert_int_equal(app_client_open(&g_cl, &co, url, &g_sv.tls, app_now_us(), err, sizeof err), 0);
}

static void step_both(void)
{
    uint64_t now = app_now_us();
    if (!g_cl.finished)
        app_client_step(&g_cl, now);
    if (!g_sv.finished)
        app_server_step(&g_sv, now);
    int fds[2 * (1 + APP_IO_MORE)];
    size_t n = app_server_fds(&g_sv, fds);
    n += app_client_fds(&g_cl, fds + n);
    uint64_t d = app_server_deadline(&g_sv), e = app_client_deadline(&g_cl);
    app_wait_fds(fds, n, d < e ? d : e, 20000);
}

static void close_both(void)
{
    if (!g_cl.finished)
        app_client_interrupt(&g_cl, app_now_us());
    app_client_close(&g_cl);
    app_server_close(&g_sv);
}

static bool peer_is(const quic_path *p, const app_addr *a)
{
    app_addr r;
    app_path_peer(p, &r);
    return app_addr_equal(&r, a);
}

/* The connection moves to the preferred address: the client's socket is
 * the one connected there; the first one is read a while (what the server
 * sent there before it validated the client's new port), then closed; no
 * ping-pong value is lost on the way. */
static void test_client_moves_to_preferred_address_and_keeps_its_socket(void **state)
{
    (void)state;
    open_both("1000000000");
    app_addr pref = g_sv.io.more[0].local, first_local = g_cl.io.udp.local;
    uint64_t until = app_now_us() + 10000000, moved_at = 0, closed_at = 0;
    while (!g_cl.finished && app_now_us() < until && !closed_at) {
        step_both();
        if (!moved_at && peer_is(quic_conn_path(g_cl.s.q), &pref)) {
            moved_at = app_now_us();
            /* The probe socket took the place of the first, which stays,
             * only read. */
            assert_true(app_addr_equal(&g_cl.server, &pref));
            assert_false(app_addr_equal(&g_cl.io.udp.local, &first_local));
            assert_true(app_addr_equal(&g_cl.core_local, &g_cl.io.udp.local));
            assert_int_equal(app_io_sock_of(&g_cl.io, quic_conn_path(g_cl.s.q)), 0);
            assert_non_null(app_io_sock(&g_cl.io, 1));
            assert_true(app_addr_equal(&g_cl.io.more[0].local, &first_local));
        }
        if (moved_at && !app_io_sock(&g_cl.io, 1))
            closed_at = app_now_us();
    }
    assert_true(moved_at);
    assert_true(closed_at);
    assert_true(closed_at - moved_at >= 900000);
    assert_false(g_cl.finished);
    assert_true(g_cl.s.pp.last_rx > 100);
    /* What the server sent to the first address before it validated the
     * client's new one still arrived: no value had to be resent. */
    assert_int_equal(g_cl.s.pp.resends, 0);
    quic_conn_stats st;
    quic_conn_stats_get(g_cl.s.q, &st);
    assert_int_equal(st.migrations, 1);
    assert_int_equal(st.path_validation_failures, 0);
    close_both();
}

/* A preferred address nobody serves (the server's socket there is closed
 * after the offer): the validation fails (RFC 9000 §8.2.4), the connection
 * stays on the first address, the probe socket is closed, and the
 * ping-pong goes on. */
static void test_client_stays_when_preferred_address_is_silent(void **state)
{
    (void)state;
    open_both("1000000000");
    app_addr first = g_cl.server;
    app_udp_close(&g_sv.io.more[0]);
    uint64_t until = app_now_us() + 15000000;
    bool probing = false, gave_up = false;
    uint64_t rx_at_give_up = 0;
    while (!g_cl.finished && app_now_us() < until) {
        step_both();
        if (!probing && app_io_sock(&g_cl.io, 1))
            probing = true;
        if (probing && !gave_up && !app_io_sock(&g_cl.io, 1)) {
            gave_up = true;
            rx_at_give_up = g_cl.s.pp.last_rx;
        }
        if (gave_up && g_cl.s.pp.last_rx > rx_at_give_up + 100)
            break; /* rounds go on after the failure */
    }
    assert_true(probing);
    assert_true(gave_up);
    assert_false(g_cl.finished);
    assert_true(g_cl.s.pp.last_rx > rx_at_give_up + 100);
    assert_true(peer_is(quic_conn_path(g_cl.s.q), &first));
    assert_true(app_addr_equal(&g_cl.server, &first));
    quic_conn_stats st;
    quic_conn_stats_get(g_cl.s.q, &st);
    assert_int_equal(st.migrations, 0);
    assert_int_equal(st.path_validation_failures, 1);
    close_both();
}

int main(void)
{
    app_log_set_level(APP_LOG_WARN); /* not a line per ping-pong value */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_moves_to_preferred_address_and_keeps_its_socket),
        cmocka_unit_test(test_client_stays_when_preferred_address_is_silent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
