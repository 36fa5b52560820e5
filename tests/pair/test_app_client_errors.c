/* `quince client` fails fast and says why (issue 16): a closed port ends the
 * wait at once (ICMP port unreachable on the connected socket), a --size the
 * server cannot take fails with both numbers, and the key log it writes is
 * readable by its owner only. */
#include "app/app_cli.h"
#include "app/app_log.h"
#include "app/app_peer.h"
#include "app/app_run.h"
#include "common/tu.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char logbuf[1 << 16];

/* A loopback UDP port nobody listens on right now. */
static unsigned closed_port(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    return ntohs(a.sin_port);
}

/* Runs `quince client LINE...` in this process with its log captured. */
static int run_client(const char *args, uint64_t *took_us)
{
    static char line[512];
    char *argv[24];
    int argc = 0;
    snprintf(line, sizeof line, "quince client %s", args);
    for (char *t = strtok(line, " "); t && argc < 23; t = strtok(NULL, " "))
        argv[argc++] = t;
    argv[argc] = NULL;
    app_opts o;
    assert_int_equal(app_cli_parse(argc, argv, &o, stderr), 0);
    memset(logbuf, 0, sizeof logbuf);
    FILE *log = fmemopen(logbuf, sizeof logbuf - 1, "w");
    app_log_set_stream(log);
    uint64_t t0 = app_now_us();
    int rc = app_run_client(&o);
    *took_us = app_now_us() - t0;
    app_log_set_stream(NULL);
    fclose(log);
    return rc;
}

/* Nothing listens on the port: the kernel's ICMP port unreachable reaches a
 * connected UDP socket as ECONNREFUSED, which ends the wait at once instead
 * of after the 10 s handshake timeout. */
static void test_client_closed_port_fails_at_once(void **state)
{
    (void)state;
    unsigned port = closed_port();
    char args[128], want[96];
    snprintf(args, sizeof args, "https://127.0.0.1:%u/ping-pong --insecure", port);
    uint64_t took;
    int rc = run_client(args, &took);
    snprintf(want, sizeof want, "nothing is listening on 127.0.0.1:%u", port);
    if (!strstr(logbuf, want))
        fail_msg("log lacks '%s':\n%s", want, logbuf);
    assert_int_equal(rc, 1);
    assert_true(took < 500000);
}

/* A host that does not resolve is the user's to fix, like a bad --listen:
 * exit 2 (usage), not 1 (runtime). */
static void test_client_unresolvable_host_is_usage_error(void **state)
{
    (void)state;
    uint64_t took;
    int rc = run_client("https://nosuchhost.invalid:4433/ping-pong --insecure", &took);
    if (!strstr(logbuf, "cannot resolve 'nosuchhost.invalid'"))
        fail_msg("log:\n%s", logbuf);
    assert_int_equal(rc, 2);
}

/* A server that never answers (a socket that reads nothing: no ICMP
 * either): --timeout 1 gives up after one second, not the default ten. */
static void test_client_timeout_option_bounds_handshake_wait(void **state)
{
    (void)state;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    getsockname(fd, (struct sockaddr *)&a, &len);
    char args[128];
    snprintf(args, sizeof args, "https://127.0.0.1:%u/ping-pong --insecure --timeout=1", ntohs(a.sin_port));
    uint64_t took;
    int rc = run_client(args, &took);
    close(fd);
    if (!strstr(logbuf, "within 1 s"))
        fail_msg("log lacks the timeout:\n%s", logbuf);
    assert_int_equal(rc, 1);
    assert_true(took >= 1000000 && took < 2500000);
}

/* Runs `quince demo ARGS` with its log captured. */
static int run_demo(const char *args, uint64_t *took_us)
{
    static char line[512];
    char *argv[24];
    int argc = 0;
    snprintf(line, sizeof line, "quince demo %s", args);
    for (char *t = strtok(line, " "); t && argc < 23; t = strtok(NULL, " "))
        argv[argc++] = t;
    app_opts o;
    assert_int_equal(app_cli_parse(argc, argv, &o, stderr), 0);
    memset(logbuf, 0, sizeof logbuf);
    FILE *log = fmemopen(logbuf, sizeof logbuf - 1, "w");
    app_log_set_stream(log);
    uint64_t t0 = app_now_us();
    int rc = app_run_demo(&o);
    *took_us = app_now_us() - t0;
    app_log_set_stream(NULL);
    fclose(log);
    return rc;
}

/* --size 60000 fits the peer's max_datagram_frame_size (65535) but no
 * loopback path's packet: the client says so with both numbers well before
 * the 10 s give-up (one 500 ms resend interval, for a PMTU probe). */
static void test_client_size_over_path_max_fails_with_both_numbers(void **state)
{
    (void)state;
    uint64_t took;
    int rc = run_demo("--size 60000 --count 4", &took);
    const char *m = strstr(logbuf, "--size 60000 is more than the path carries: ");
    if (!m)
        fail_msg("log lacks the --size error:\n%s", logbuf);
    unsigned long max = strtoul(m + strlen("--size 60000 is more than the path carries: "), NULL, 10);
    assert_true(max >= 1100 && max < 1500);
    assert_int_equal(rc, 1);
    assert_true(took < 1500000);
}

/* --size 65535 is more than the peer's max_datagram_frame_size (65535,
 * quince's) leaves for a payload once the DATAGRAM frame header (3 bytes,
 * RFC 9221 §4) and the Quarter Stream ID (1 byte, RFC 9297 §2.1) are taken:
 * the client says so with both numbers at once, without waiting for a
 * resend. */
static void test_client_size_over_peer_max_fails_at_once_with_both_numbers(void **state)
{
    (void)state;
    uint64_t took;
    int rc = run_demo("--size 65535 --count 4", &took);
    if (!strstr(logbuf, "--size 65535 is more than the peer accepts: 65531 bytes (its "
                        "max_datagram_frame_size 65535"))
        fail_msg("log lacks the --size error:\n%s", logbuf);
    assert_int_equal(rc, 1);
    assert_true(took < 500000);
}

/* The key log holds every secret of the connection: quince creates it 0600
 * whatever the umask lets through (here 022, which leaves fopen's 0644). */
static void test_keylog_file_created_owner_only(void **state)
{
    (void)state;
    char path[] = "/tmp/quince-keylog-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path); /* quince creates it */
    mode_t old = umask(022);
    char args[128];
    snprintf(args, sizeof args, "--count 2 --keylog=%s", path);
    uint64_t took;
    int rc = run_demo(args, &took);
    umask(old);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    unlink(path);
    assert_int_equal(rc, 0);
    assert_true(st.st_size > 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_closed_port_fails_at_once),
        cmocka_unit_test(test_client_size_over_path_max_fails_with_both_numbers),
        cmocka_unit_test(test_client_size_over_peer_max_fails_at_once_with_both_numbers),
        cmocka_unit_test(test_client_timeout_option_bounds_handshake_wait),
        cmocka_unit_test(test_keylog_file_created_owner_only),
        cmocka_unit_test(test_client_unresolvable_host_is_usage_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
