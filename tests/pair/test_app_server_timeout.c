/* `quince server --timeout S` (issue 16): one knob, as for the client, for the
 * handshake deadline of each connection (a client that starts a handshake and
 * goes silent is given up after S seconds, logged at INFO) and for the
 * ping-pong's give-up when the client stops answering. Default 10 s. */
#include "app/app_cli.h"
#include "app/app_log.h"
#include "app/app_peer.h"
#include "common/tu.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static char logbuf[1 << 16];

static void parse_line(app_opts *o, char *line, char **argv)
{
    int argc = 0;
    for (char *t = strtok(line, " "); t && argc < 15; t = strtok(NULL, " "))
        argv[argc++] = t;
    argv[argc] = NULL;
    assert_int_equal(app_cli_parse(argc, argv, o, stderr), 0);
}

static void test_server_timeout_parses_and_defaults_to_10_s(void **state)
{
    (void)state;
    char l1[] = "quince server --listen 127.0.0.1:0 --timeout 3", l2[] = "quince server --listen 127.0.0.1:0";
    char *argv[16];
    app_opts o;
    parse_line(&o, l1, argv);
    assert_int_equal(o.timeout_s, 3);
    parse_line(&o, l2, argv);
    assert_int_equal(o.timeout_s, 10);
}

/* Steps a server (opened with so) and a client for url; the client is worked
 * only while client_rounds says so (-1: always; N >= 0: until the server has
 * received value N, then the client falls silent without closing). Stops when
 * the log holds stop_at or after limit_us; returns the time taken. */
static uint64_t run_until_logged(const app_opts *so, int client_rounds, const char *stop_at,
                                 uint64_t limit_us)
{
    static app_server sv;
    static app_client cl;
    char err[300], line[256], url[128], *argv[16];
    app_addr listen;
    assert_int_equal(app_addr_parse(so->listen, &listen, err, sizeof err), 0);
    memset(logbuf, 0, sizeof logbuf);
    FILE *log = fmemopen(logbuf, sizeof logbuf - 1, "w");
    app_log_set_stream(log);
    assert_int_equal(app_server_open(&sv, so, &listen, err, sizeof err), 0);
    snprintf(url, sizeof url, "https://127.0.0.1:%u/ping-pong",
             ntohs(((const struct sockaddr_in *)&sv.io.udp.local.ss)->sin_port));
    snprintf(line, sizeof line, "quince client %s --insecure --count 1000000", url);
    app_opts co;
    parse_line(&co, line, argv);
    uint64_t t0 = app_now_us();
    assert_int_equal(app_client_open(&cl, &co, url, NULL, t0, err, sizeof err), 0);
    app_client_step(&cl, t0); /* the client's first flight */
    bool client_on = client_rounds != 0;
    while (app_now_us() - t0 < limit_us && !(fflush(log), strstr(logbuf, stop_at))) {
        uint64_t now = app_now_us();
        if (client_on && client_rounds > 0 && sv.n_sessions == 1 &&
            sv.sessions[0]->pp.last_rx >= (uint64_t)client_rounds)
            client_on = false; /* silent from now on: no packet, no close */
        if (client_on)
            app_client_step(&cl, now);
        app_server_step(&sv, now);
        uint64_t d = app_server_deadline(&sv), e = client_on ? app_client_deadline(&cl) : QUIC_NEVER;
        uint64_t cap = app_now_us() + 20000;
        d = d < e ? d : e;
        app_udp_wait(&sv.io.udp, d < cap ? d : cap);
    }
    uint64_t took = app_now_us() - t0;
    app_client_close(&cl);
    app_server_close(&sv);
    app_log_set_stream(NULL);
    fclose(log);
    return took;
}

/* A client sends its Initial and nothing more: with --timeout 1 the server
 * gives the half-open connection up after about 1 s (not the default 10 s) and
 * says so at INFO. */
static void test_server_timeout_gives_up_a_stalled_handshake(void **state)
{
    (void)state;
    char line[] = "quince server --listen 127.0.0.1:0 --timeout 1", *argv[16];
    app_opts so;
    parse_line(&so, line, argv);
    uint64_t took = run_until_logged(&so, 0, "handshake timeout", 4000000);
    const char *l = strstr(logbuf, "INFO server: handshake with 127.0.0.1:");
    if (!l || !strstr(l, "handshake timeout"))
        fail_msg("server log:\n%s", logbuf);
    assert_true(took >= 900000);
    assert_true(took < 3000000);
}

/* The client plays a few rounds, then falls silent: with --timeout 1 the
 * server stops resending its last value after about 1 s and says why. */
static void test_server_timeout_gives_up_a_silent_client(void **state)
{
    (void)state;
    char line[] = "quince server --listen 127.0.0.1:0 --timeout 1 --count 1000000", *argv[16];
    app_opts so;
    parse_line(&so, line, argv);
    uint64_t took = run_until_logged(&so, 5, "no answer to value=", 6000000);
    const char *l = strstr(logbuf, "server: no answer to value=");
    if (!l || !strstr(l, "after 2 resends"))
        fail_msg("server log:\n%s", logbuf);
    assert_true(took < 5000000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_timeout_parses_and_defaults_to_10_s),
        cmocka_unit_test(test_server_timeout_gives_up_a_stalled_handshake),
        cmocka_unit_test(test_server_timeout_gives_up_a_silent_client),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
