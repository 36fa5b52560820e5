/* What `quince server` logs for the operator (issue 16): a failed handshake at
 * INFO with its reason, and a server serving many clients never says it is
 * "exiting" when one ping-pong ends (that line is the one-shot server's). */
#include "app/app_cli.h"
#include "app/app_log.h"
#include "app/app_peer.h"
#include "app/app_tls.h"
#include "common/tu.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char logbuf[1 << 16];

static void parse_line(app_opts *o, char *line, char **argv)
{
    int argc = 0;
    for (char *t = strtok(line, " "); t && argc < 15; t = strtok(NULL, " "))
        argv[argc++] = t;
    argv[argc] = NULL;
    assert_int_equal(app_cli_parse(argc, argv, o, stderr), 0);
}

/* A server (multi-client unless one_shot) and one client with client_args,
 * stepped in this thread until the client is done and the server has no
 * connection left (or has logged stop_at); returns the client's exit code, the log in logbuf. */
static int run_pair(const char *server_args, const char *client_args, const char *stop_at)
{
    static app_server sv;
    static app_client cl;
    char line[256], *argv[16], err[300];
    snprintf(line, sizeof line, "quince server --listen 127.0.0.1:0 %s", server_args);
    app_opts so;
    parse_line(&so, line, argv);
    app_addr listen;
    assert_int_equal(app_addr_parse(so.listen, &listen, err, sizeof err), 0);
    memset(logbuf, 0, sizeof logbuf);
    FILE *log = fmemopen(logbuf, sizeof logbuf - 1, "w");
    app_log_set_stream(log);
    assert_int_equal(app_server_open(&sv, &so, &listen, err, sizeof err), 0);
    sv.one_shot = so.one_shot;
    char url[128];
    snprintf(url, sizeof url, "https://localhost:%u/ping-pong",
             ntohs(((const struct sockaddr_in *)&sv.io.udp.local.ss)->sin_port));
    static char cline[256];
    snprintf(cline, sizeof cline, "quince client %s %s", url, client_args);
    app_opts co;
    parse_line(&co, cline, argv);
    co.url = url;
    assert_int_equal(app_client_open(&cl, &co, url, NULL, app_now_us(), err, sizeof err), 0);
    uint64_t start = app_now_us();
    while (app_now_us() - start < 5000000 && !(cl.finished && sv.n_sessions == 0) &&
           !(cl.finished && stop_at && (fflush(log), strstr(logbuf, stop_at)))) {
        uint64_t now = app_now_us();
        if (!cl.finished)
            app_client_step(&cl, now);
        app_server_step(&sv, now);
        uint64_t d = app_server_deadline(&sv), e = cl.finished ? QUIC_NEVER : app_client_deadline(&cl);
        uint64_t cap = app_now_us() + 20000;
        d = d < e ? d : e;
        app_udp_wait(&sv.io.udp, d < cap ? d : cap);
    }
    assert_true(cl.finished);
    if (!stop_at)
        assert_int_equal(sv.n_sessions, 0);
    int rc = cl.exit_code;
    app_client_close(&cl);
    app_server_close(&sv);
    app_log_set_stream(NULL);
    fclose(log);
    return rc;
}

/* The client does not trust the server's self-signed certificate and aborts
 * the handshake with a TLS alert: the server says so at INFO, with the alert. */
static void test_server_logs_failed_handshake_at_info_with_reason(void **state)
{
    (void)state;
    /* trust a certificate, just not the server's */
    char cert[] = "/tmp/quince-other-cert-XXXXXX", key[] = "/tmp/quince-other-key-XXXXXX", err[300];
    close(mkstemp(cert));
    close(mkstemp(key));
    assert_int_equal(app_gencert("localhost", cert, key, err, sizeof err), 0);
    char args[128];
    snprintf(args, sizeof args, "--ca %s", cert);
    uint64_t t0 = app_now_us();
    int rc = run_pair("", args, "handshake with");
    uint64_t took = app_now_us() - t0;
    unlink(cert);
    unlink(key);
    assert_int_equal(rc, 1);
    const char *l = strstr(logbuf, "INFO server: handshake with 127.0.0.1:");
    if (!l || !strstr(l, "failed: ") || !strstr(l, "TLS alert unknown_ca"))
        fail_msg("server log:\n%s", logbuf);
    assert_true(took < 1000000); /* at the close, not after draining */
}

/* Many clients: each ping-pong's end is logged without "exiting"; the
 * one-shot server keeps the blog's line that interop checks. */
static void test_multi_client_server_never_logs_exiting(void **state)
{
    (void)state;
    assert_int_equal(run_pair("--count 4", "--insecure --count 4", NULL), 0);
    if (!strstr(logbuf, "INFO server: sent final datagram\n") ||
        strstr(logbuf, "server: sent final datagram, exiting"))
        fail_msg("server log:\n%s", logbuf);
    assert_int_equal(run_pair("--count 3", "--insecure --count 3", NULL), 0);
    if (!strstr(logbuf, "INFO server: received final datagram\n") ||
        strstr(logbuf, "server: received final datagram, exiting"))
        fail_msg("server log:\n%s", logbuf);
    assert_int_equal(run_pair("--count 4 --one-shot", "--insecure --count 4", NULL), 0);
    if (!strstr(logbuf, "INFO server: sent final datagram, exiting\n"))
        fail_msg("one-shot server log:\n%s", logbuf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_logs_failed_handshake_at_info_with_reason),
        cmocka_unit_test(test_multi_client_server_never_logs_exiting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
