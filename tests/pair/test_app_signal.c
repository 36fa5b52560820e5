/* SIGINT/SIGTERM make `quince server` and `quince client` polite (issue 16):
 * every connection closes with H3_NO_ERROR (0x100) and the CONNECTION_CLOSE
 * goes out before the process exits, so the peer learns it at once rather
 * than after its idle timeout. Each test runs one side as a real command loop
 * in a child process, signals it, and watches the other side over loopback. */
#include "app/app_cli.h"
#include "app/app_log.h"
#include "app/app_peer.h"
#include "app/app_run.h"
#include "common/tu.h"

#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* A loopback UDP port nobody uses right now. */
static unsigned free_port(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    return ntohs(a.sin_port);
}

static void parse_line(app_opts *o, char *line, char **argv)
{
    int argc = 0;
    for (char *t = strtok(line, " "); t && argc < 15; t = strtok(NULL, " "))
        argv[argc++] = t;
    argv[argc] = NULL;
    assert_int_equal(app_cli_parse(argc, argv, o, stderr), 0);
}

static int wait_child(pid_t pid)
{
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

/* The server is interrupted while a client is in the middle of a long
 * ping-pong: the client sees the server's close with H3_NO_ERROR within a
 * fraction of a second, and the server exits 0. */
static void test_server_sigint_closes_with_h3_no_error_at_once(void **state)
{
    (void)state;
    unsigned port = free_port();
    char line[256], *argv[16];
    snprintf(line, sizeof line, "quince server --listen 127.0.0.1:%u --count 1000000000", port);
    app_opts so;
    parse_line(&so, line, argv);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(30); /* never outlive a failed test */
        _exit(app_run_server(&so));
    }

    char url[128];
    snprintf(url, sizeof url, "https://127.0.0.1:%u/ping-pong", port);
    snprintf(line, sizeof line, "quince client %s --insecure --count 1000000000", url);
    app_opts co;
    parse_line(&co, line, argv);
    static app_client cl;
    char err[300];
    uint64_t start = app_now_us();
    /* Play until the exchange runs; until the child has bound its socket the
     * client is refused at once (ICMP port unreachable): try again. */
    for (;;) {
        assert_int_equal(app_client_open(&cl, &co, url, NULL, app_now_us(), err, sizeof err), 0);
        while (!cl.finished && cl.s.pp.last_rx < 20 && app_now_us() - start < 10000000) {
            app_client_step(&cl, app_now_us());
            app_udp_wait(&cl.io.udp, app_client_deadline(&cl));
        }
        if (!(cl.finished && cl.io.udp.refused) || app_now_us() - start >= 10000000)
            break;
        app_client_close(&cl);
        usleep(20000);
    }
    if (cl.finished || cl.s.pp.last_rx < 20) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        fail_msg("the ping-pong did not get going");
    }

    uint64_t t0 = app_now_us();
    assert_int_equal(kill(pid, SIGINT), 0);
    while (!cl.finished && app_now_us() - t0 < 3000000) {
        app_client_step(&cl, app_now_us());
        uint64_t d = app_client_deadline(&cl), cap = app_now_us() + 100000;
        app_udp_wait(&cl.io.udp, d < cap ? d : cap);
    }
    uint64_t took = app_now_us() - t0;
    quic_close_info ci;
    quic_conn_close_info(cl.s.q, &ci);
    assert_true(cl.finished);
    assert_true(ci.closed);
    assert_true(ci.by_peer);
    assert_true(ci.app);
    assert_int_equal(ci.code, 0x100); /* H3_NO_ERROR, RFC 9114 §8.1 */
    assert_true(took < 1000000); /* the idle timeout would be 30 s */
    app_client_close(&cl);
    assert_int_equal(wait_child(pid), 0);
}

/* The client is terminated (SIGTERM, as a service manager does) mid ping-pong: the server's log shows the close
 * with code 0x100 from the peer at once, and the client exits 1. */
static void test_client_sigterm_closes_with_h3_no_error_at_once(void **state)
{
    (void)state;
    char line[256], *argv[16];
    snprintf(line, sizeof line, "quince server --listen 127.0.0.1:0 --count 1000000000");
    app_opts so;
    parse_line(&so, line, argv);
    static app_server sv;
    char err[300];
    app_addr listen;
    assert_int_equal(app_addr_parse("127.0.0.1:0", &listen, err, sizeof err), 0);
    assert_int_equal(app_server_open(&sv, &so, &listen, err, sizeof err), 0);
    unsigned port = ntohs(((const struct sockaddr_in *)&sv.io.udp.local.ss)->sin_port);

    char url[128];
    snprintf(url, sizeof url, "https://127.0.0.1:%u/ping-pong", port);
    snprintf(line, sizeof line, "quince client %s --insecure --count 1000000000", url);
    app_opts co;
    parse_line(&co, line, argv);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        app_server_close(&sv); /* the child's copy of the socket */
        alarm(30); /* never outlive a failed test */
        _exit(app_run_client(&co));
    }

    static char logbuf[1 << 16];
    FILE *log = fmemopen(logbuf, sizeof logbuf, "w");
    app_log_set_stream(log);
    uint64_t start = app_now_us();
    while (app_now_us() - start < 5000000 &&
           !(sv.n_sessions == 1 && sv.sessions[0]->pp.last_rx >= 21)) {
        app_server_step(&sv, app_now_us());
        app_udp_wait(&sv.io.udp, app_server_deadline(&sv));
    }
    if (sv.n_sessions != 1) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        fail_msg("no ping-pong from the client");
    }

    uint64_t t0 = app_now_us();
    assert_int_equal(kill(pid, SIGTERM), 0);
    while (sv.n_sessions && app_now_us() - t0 < 3000000) {
        app_server_step(&sv, app_now_us());
        uint64_t d = app_server_deadline(&sv), cap = app_now_us() + 100000;
        app_udp_wait(&sv.io.udp, d < cap ? d : cap);
    }
    uint64_t took = app_now_us() - t0;
    app_log_set_stream(NULL);
    fclose(log);
    app_server_close(&sv);
    assert_int_equal(wait_child(pid), 1);
    if (!strstr(logbuf, "the peer closed with application code 0x100 (H3_NO_ERROR), reason \"interrupted\""))
        fail_msg("server log:\n%s", logbuf);
    assert_true(took < 1000000); /* the idle timeout would be 30 s */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_sigint_closes_with_h3_no_error_at_once),
        cmocka_unit_test(test_client_sigterm_closes_with_h3_no_error_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
