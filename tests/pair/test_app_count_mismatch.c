/* A client and a server that disagree on the final value (--count, issue 16):
 * the side that receives a value beyond its own final one ends the connection
 * at once, says which --count is likely wrong, and the other side logs the
 * close and its reason; both exit 1. Before, the side that had sent its final
 * value ignored the answer and resent that value until its linger (5 s) or
 * resend (10 s) limit ran out. */
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

/* Plays a one-shot server with --count server_count against a client with
 * --count client_count until both have finished (or limit_us passed); returns
 * the time taken and both exit codes. */
static uint64_t play(unsigned server_count, unsigned client_count, uint64_t limit_us, int *src,
                     int *crc)
{
    static app_server sv;
    static app_client cl;
    char err[300], line[256], url[128], *argv[16];
    app_opts so, co;
    snprintf(line, sizeof line, "quince server --listen 127.0.0.1:0 --one-shot --count %u",
             server_count);
    parse_line(&so, line, argv);
    app_addr listen;
    assert_int_equal(app_addr_parse(so.listen, &listen, err, sizeof err), 0);
    memset(logbuf, 0, sizeof logbuf);
    FILE *log = fmemopen(logbuf, sizeof logbuf - 1, "w");
    app_log_set_stream(log);
    assert_int_equal(app_server_open(&sv, &so, &listen, err, sizeof err), 0);
    sv.one_shot = so.one_shot; /* as app_run_server does */
    snprintf(url, sizeof url, "https://127.0.0.1:%u/ping-pong",
             ntohs(((const struct sockaddr_in *)&sv.io.udp.local.ss)->sin_port));
    snprintf(line, sizeof line, "quince client %s --insecure --count %u", url, client_count);
    parse_line(&co, line, argv);
    uint64_t t0 = app_now_us();
    assert_int_equal(app_client_open(&cl, &co, url, NULL, t0, err, sizeof err), 0);
    while (app_now_us() - t0 < limit_us && !(cl.finished && sv.finished)) {
        uint64_t now = app_now_us();
        if (!cl.finished)
            app_client_step(&cl, now);
        if (!sv.finished)
            app_server_step(&sv, now);
        uint64_t d = app_server_deadline(&sv), e = app_client_deadline(&cl);
        uint64_t cap = app_now_us() + 5000;
        d = d < e ? d : e;
        app_udp_wait(&sv.io.udp, d < cap ? d : cap);
    }
    uint64_t took = app_now_us() - t0;
    fflush(log);
    *src = sv.finished ? sv.exit_code : -1;
    *crc = cl.finished ? cl.exit_code : -1;
    app_client_close(&cl);
    app_server_close(&sv);
    app_log_set_stream(NULL);
    fclose(log);
    return took;
}

static void expect_log(const char *want)
{
    if (!strstr(logbuf, want))
        fail_msg("no \"%s\" in the log:\n%s", want, logbuf);
}

/* Server 10 (the default), client 3: the client sends its final value 3, the
 * server answers 4; the client stops there instead of resending 3. */
static void test_client_count_below_server_count_ends_at_once(void **state)
{
    (void)state;
    int src, crc;
    uint64_t took = play(10, 3, 8000000, &src, &crc);
    expect_log("ERROR client: server answered 4 after our final value 3: does the server use "
               "another --count?");
    /* the server says how it ended: the client's close and its reason */
    expect_log("server: connection ended without a finished ping-pong: ");
    expect_log("after our final value 3");
    assert_int_equal(crc, 1);
    assert_int_equal(src, 1);
    if (took >= 1000000)
        fail_msg("took %llu us:\n%s", (unsigned long long)took, logbuf);
}

/* Server 10, client 11: the server sends its final value 10, the client
 * answers 11 (its own final value) and waits for the server's close, which
 * must not read as a finished ping-pong. */
static void test_client_count_above_server_count_ends_at_once(void **state)
{
    (void)state;
    int src, crc;
    uint64_t took = play(10, 11, 8000000, &src, &crc);
    expect_log("ERROR server: client answered 11 after our final value 10: does the client use "
               "another --count?");
    expect_log("client: connection ended before the ping-pong finished: ");
    assert_int_equal(crc, 1);
    assert_int_equal(src, 1);
    if (took >= 1000000)
        fail_msg("took %llu us:\n%s", (unsigned long long)took, logbuf);
}

/* Server 10, client 20: the client, still running, answers 11 too. */
static void test_client_count_far_above_server_count_ends_at_once(void **state)
{
    (void)state;
    int src, crc;
    uint64_t took = play(10, 20, 8000000, &src, &crc);
    expect_log("ERROR server: client answered 11 after our final value 10");
    expect_log("client: connection ended before the ping-pong finished: ");
    expect_log("does the client use another --count?");
    assert_int_equal(crc, 1);
    assert_int_equal(src, 1);
    if (took >= 1000000)
        fail_msg("took %llu us:\n%s", (unsigned long long)took, logbuf);
}

/* Equal counts still end well (both 0), odd and even. */
static void test_equal_counts_still_finish(void **state)
{
    (void)state;
    int src, crc;
    play(10, 10, 8000000, &src, &crc);
    if (crc != 0 || src != 0)
        { fprintf(stderr, "%s", logbuf); fail_msg("client %d server %d", crc, src); }
    assert_int_equal(crc, 0);
    assert_int_equal(src, 0);
    play(3, 3, 8000000, &src, &crc);
    assert_int_equal(crc, 0);
    assert_int_equal(src, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_count_below_server_count_ends_at_once),
        cmocka_unit_test(test_client_count_above_server_count_ends_at_once),
        cmocka_unit_test(test_client_count_far_above_server_count_ends_at_once),
        cmocka_unit_test(test_equal_counts_still_finish),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
