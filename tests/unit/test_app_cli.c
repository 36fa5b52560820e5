/* quince's command line: every usage error is exit 2 with a reason, good
 * command lines fill the options. */
#include "common/tu.h"
#include "app/app_cli.h"

#include <stdio.h>
#include <string.h>

static char errbuf[8192];

static int parse(app_opts *o, const char *line)
{
    static char copy[512]; /* o keeps pointers into it */
    char *argv[32];
    int argc = 0;
    snprintf(copy, sizeof copy, "quince %s", line);
    for (char *t = strtok(copy, " "); t && argc < 31; t = strtok(NULL, " "))
        argv[argc++] = t;
    argv[argc] = NULL;
    FILE *err = fmemopen(errbuf, sizeof errbuf, "w");
    int rc = app_cli_parse(argc, argv, o, err);
    fclose(err);
    /* argv points into copy: keep the strings we test alive */
    static char keep[512];
    memcpy(keep, copy, sizeof keep);
    return rc;
}

static void test_good_lines(void **state)
{
    (void)state;
    app_opts o;
    assert_int_equal(parse(&o, "server --listen 127.0.0.1:4433 --retry -v"), 0);
    assert_int_equal(o.cmd, APP_CMD_SERVER);
    assert_true(o.retry);
    assert_int_equal(o.verbose, 1);
    assert_int_equal(parse(&o, "client https://localhost:8080/ping-pong --ca c.pem --method CONNECT --count 2000 --size 1000"), 0);
    assert_int_equal(o.cmd, APP_CMD_CLIENT);
    assert_int_equal(o.method, APP_METHOD_CONNECT);
    assert_int_equal(o.count, 2000);
    assert_int_equal(o.size, 1000);
    assert_int_equal(parse(&o, "server --listen 127.0.0.1:4433 --key-update-after 8"), 0);
    assert_int_equal(o.key_update_after, 8);
    assert_int_equal(parse(&o, "client https://localhost:8080/ping-pong --key-update-after 3"), 0);
    assert_int_equal(o.key_update_after, 3);
    assert_int_equal(parse(&o, "client https://localhost:8080/ping-pong --quic-version 2"), 0);
    assert_int_equal(o.n_quic_versions, 1);
    assert_int_equal(o.quic_versions[0], 0x6b3343cf);
    assert_int_equal(parse(&o, "server --listen 127.0.0.1:4433 --quic-version 2,1"), 0);
    assert_int_equal(o.n_quic_versions, 2);
    assert_int_equal(o.quic_versions[0], 0x6b3343cf);
    assert_int_equal(o.quic_versions[1], 1);
    assert_int_equal(parse(&o, "server --listen 127.0.0.1:4433 --quic-version 1+2"), 0);
    assert_int_equal(o.n_quic_versions, 2);
    assert_int_equal(o.quic_versions[0], 1);
    assert_int_equal(parse(&o, "demo"), 0);
    assert_int_equal(o.count, 10);
    assert_int_equal(o.size, 8);
    assert_int_equal(parse(&o, "gencert --host localhost --cert c.pem --key k.pem"), 0);
    assert_int_equal(parse(&o, "--help"), 0);
    assert_int_equal(o.cmd, APP_CMD_HELP);
    assert_int_equal(parse(&o, "client --help"), 0);
    assert_true(o.help);
}

static void test_usage_errors(void **state)
{
    (void)state;
    app_opts o;
    struct { const char *line, *says; } bad[] = {
        {"", "a command is needed"},
        {"fly", "unknown command 'fly'"},
        {"server", "needs --listen"},
        {"server --listen", "--listen needs a value"},
        {"server --listen 1:2 --cert a", "--cert and --key go together"},
        {"server --listen 1:2 --ca x", "unknown option '--ca'"},
        {"client", "needs a URL"},
        {"client u --method PUT", "GET, CONNECT or CONNECT-EXT"},
        {"client u --count 0", "--count takes"},
        {"client u --count -5", "--count takes"},
        {"client u --count 12x", "--count takes"},
        {"client u --size 4", "--size takes"},
        {"client u --ca a --insecure", "exclude each other"},
        {"client u --key-update-after 0", "--key-update-after takes"},
        {"server --listen 1:2 --key-update-after x", "--key-update-after takes"},
        {"client u --quic-version 3", "--quic-version takes"},
        {"client u --quic-version 1,1", "--quic-version takes"},
        {"server --listen 1:2 --quic-version 1,", "--quic-version takes"},
        {"server --listen 1:2 --quic-version 12", "--quic-version takes"},
        {"client u v", "unknown option 'v'"},
        {"gencert --host h", "needs --host, --cert and --key"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse(&o, bad[i].line);
        if (rc != 2 || !strstr(errbuf, bad[i].says))
            fail_msg("'%s': rc %d, said: %s", bad[i].line, rc, errbuf);
        assert_non_null(strstr(errbuf, "usage: quince")); /* usage follows the reason */
    }
}

/* --max-memory takes bytes with K/M/G suffixes (powers of 1024); --per-addr a count. */
/* --cc chooses the congestion controller; CUBIC when absent (issue 13). */
static void test_cli_cc_chooses_newreno_or_cubic(void **state)
{
    (void)state;
    app_opts o;
    assert_int_equal(parse(&o, "server --listen 127.0.0.1:4433"), 0);
    assert_int_equal(o.cc, QUIC_CC_CUBIC);
    assert_int_equal(parse(&o, "server --listen 127.0.0.1:4433 --cc newreno"), 0);
    assert_int_equal(o.cc, QUIC_CC_NEWRENO);
    assert_int_equal(parse(&o, "client https://localhost:8080/ping-pong --cc cubic"), 0);
    assert_int_equal(o.cc, QUIC_CC_CUBIC);
    assert_int_equal(parse(&o, "client https://localhost:8080/ping-pong --cc newreno"), 0);
    assert_int_equal(o.cc, QUIC_CC_NEWRENO);
    assert_int_equal(parse(&o, "client https://localhost:8080/ping-pong --cc bbr"), 2);
    assert_int_equal(parse(&o, "client https://localhost:8080/ping-pong --cc"), 2);
}

static void test_server_max_memory(void **state)
{
    (void)state;
    app_opts o;
    assert_int_equal(parse(&o, "server --listen 127.0.0.1:4433"), 0);
    assert_int_equal(o.max_memory, 0);
    assert_int_equal(parse(&o, "server --listen 127.0.0.1:4433 --max-memory 65536"), 0);
    assert_int_equal(o.max_memory, 65536);
    assert_int_equal(parse(&o, "server --listen 127.0.0.1:4433 --max-memory 512K"), 0);
    assert_int_equal(o.max_memory, 512 * 1024);
    assert_int_equal(parse(&o, "server --listen 127.0.0.1:4433 --max-memory 64M"), 0);
    assert_int_equal(o.max_memory, 64 * 1024 * 1024);
    const char *bad[] = {"--max-memory 0", "--max-memory 12X", "--max-memory M", "--max-memory -1",
                         "--max-memory 1KB"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char line[128];
        snprintf(line, sizeof line, "server --listen 1:2 %s", bad[i]);
        assert_int_equal(parse(&o, line), 2);
        assert_non_null(strstr(errbuf, "--max-memory takes"));
    }
    assert_int_equal(parse(&o, "client u --max-memory 1M"), 2);
    assert_int_equal(parse(&o, "server --listen 1:2 --per-addr 64"), 0);
    assert_int_equal(o.per_addr, 64);
    assert_int_equal(parse(&o, "server --listen 1:2 --per-addr 0"), 2);
    assert_non_null(strstr(errbuf, "--per-addr takes"));
}

/* getopt_long's "--opt=value" reads as "--opt value" (issue 16). */
static void test_cli_opt_equals_value_same_as_separate(void **state)
{
    (void)state;
    app_opts o;
    assert_int_equal(parse(&o, "client https://localhost:8080/ping-pong --count=7 --size=100 --method=CONNECT --timeout=3 --keylog=k.txt"), 0);
    assert_int_equal(o.count, 7);
    assert_int_equal(o.size, 100);
    assert_int_equal(o.method, APP_METHOD_CONNECT);
    assert_int_equal(o.timeout_s, 3);
    assert_string_equal(o.keylog, "k.txt");
    assert_int_equal(parse(&o, "server --listen=127.0.0.1:4433 --max-memory=64M --qlog=/tmp/q"), 0);
    assert_string_equal(o.listen, "127.0.0.1:4433");
    assert_int_equal(o.max_memory, 64 * 1024 * 1024);
    assert_string_equal(o.qlog_dir, "/tmp/q");
    /* an empty value is a value, and a bad one */
    assert_int_equal(parse(&o, "client https://h/ --count="), 2);
    assert_non_null(strstr(errbuf, "--count takes"));
}

/* --timeout: default 10 s, seconds 1..3600. */
static void test_cli_timeout_default_and_range(void **state)
{
    (void)state;
    app_opts o;
    assert_int_equal(parse(&o, "client https://localhost:8080/ping-pong"), 0);
    assert_int_equal(o.timeout_s, 10);
    assert_int_equal(parse(&o, "client https://localhost:8080/ping-pong --timeout 1"), 0);
    assert_int_equal(o.timeout_s, 1);
}

/* Every usage error is exit 2 with its reason, a bad URL or address included. */
static void test_cli_usage_errors_exit_2_table(void **state)
{
    (void)state;
    app_opts o;
    struct { const char *line, *says; } bad[] = {
        {"client localhost:8080", "bad URL"},
        {"client http://localhost:8080/", "bad URL"},
        {"client https:///ping-pong", "bad URL"},
        {"client https://localhost:99999/", "bad URL"},
        {"client https://localhost:x/", "bad URL"},
        {"client https://[::1/", "bad URL"},
        {"server --listen 127.0.0.1", "bad address"},
        {"server --listen 127.0.0.1:port", "bad address"},
        {"server --listen 127.0.0.1:70000", "bad address"},
        {"server --listen=1:2 --retry=yes", "--retry takes no value"},
        {"client https://h/ --timeout 0", "--timeout takes"},
        {"client https://h/ --timeout=x", "--timeout takes"},
        {"help fly", "no help for unknown command 'fly'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse(&o, bad[i].line);
        if (rc != 2 || !strstr(errbuf, bad[i].says))
            fail_msg("'%s': rc %d, said: %s", bad[i].line, rc, errbuf);
    }
    /* and good URLs stay good */
    const char *good[] = {"https://localhost/", "https://[::1]:4433/ping-pong", "https://h:1"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char line[128];
        snprintf(line, sizeof line, "client %s", good[i]);
        if (parse(&o, line) != 0)
            fail_msg("'%s' refused: %s", good[i], errbuf);
    }
}

/* quince help CMD and quince CMD --help: the command's usage with the shared
 * options and the exit codes. */
static void test_cli_help_cmd_lists_shared_options(void **state)
{
    (void)state;
    app_opts o;
    assert_int_equal(parse(&o, "help client"), 0);
    assert_int_equal(o.cmd, APP_CMD_CLIENT);
    assert_true(o.help);
    app_cmd cmds[] = {APP_CMD_DEMO, APP_CMD_SERVER, APP_CMD_CLIENT, APP_CMD_GENCERT, APP_CMD_DECODE};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        static char out[8192];
        memset(out, 0, sizeof out);
        FILE *f = fmemopen(out, sizeof out, "w");
        app_cli_usage(f, cmds[i]);
        fclose(f);
        const char *want[] = {"-v ", "--keylog FILE", "--qlog DIR", "--help", "exit codes: 0",
                              "2 usage error"};
        for (size_t j = 0; j < sizeof want / sizeof want[0]; j++)
            if (!strstr(out, want[j]))
                fail_msg("usage of command %d lacks '%s':\n%s", (int)cmds[i], want[j], out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_lines),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_server_max_memory),
        cmocka_unit_test(test_cli_cc_chooses_newreno_or_cubic),
        cmocka_unit_test(test_cli_opt_equals_value_same_as_separate),
        cmocka_unit_test(test_cli_timeout_default_and_range),
        cmocka_unit_test(test_cli_usage_errors_exit_2_table),
        cmocka_unit_test(test_cli_help_cmd_lists_shared_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
