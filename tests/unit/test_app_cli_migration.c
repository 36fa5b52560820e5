/* The command-line switches of connection migration: a server's preferred
 * address (RFC 9000 §9.6, §18.2: numbers of one family, all zeros meaning
 * "none") and the client's NAT-rebinding switch; anything else is exit 2
 * with a reason. */
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
    memset(errbuf, 0, sizeof errbuf);
    FILE *err = fmemopen(errbuf, sizeof errbuf, "w");
    int rc = app_cli_parse(argc, argv, o, err);
    fclose(err);
    return rc;
}

static void test_cli_preferred_address_takes_numeric_address_of_its_family(void **state)
{
    (void)state;
    app_opts o;
    assert_int_equal(parse(&o, "server --listen 127.0.0.1:4433"), 0);
    assert_null(o.preferred4);
    assert_null(o.preferred6);
    assert_int_equal(parse(&o, "server --listen 127.0.0.1:4433 --preferred-address 192.0.2.7:4434"), 0);
    assert_string_equal(o.preferred4, "192.0.2.7:4434");
    assert_int_equal(parse(&o, "server --listen 127.0.0.1:4433 --preferred-address=127.0.0.1:0"), 0);
    assert_string_equal(o.preferred4, "127.0.0.1:0");
    assert_int_equal(parse(&o, "server --listen [::1]:4433 --preferred-address6 [2001:db8::1]:443"), 0);
    assert_string_equal(o.preferred6, "[2001:db8::1]:443");
    assert_int_equal(parse(&o, "server --listen 127.0.0.1:0 --preferred-address 127.0.0.1:0 "
                               "--preferred-address6 [::1]:0"), 0);
    assert_non_null(o.preferred4);
    assert_non_null(o.preferred6);
    const char *bad[] = {
        "server --listen 127.0.0.1:0 --preferred-address 0.0.0.0:4433",   /* "none" */
        "server --listen 127.0.0.1:0 --preferred-address localhost:4433", /* a name */
        "server --listen 127.0.0.1:0 --preferred-address 127.0.0.1",      /* no port */
        "server --listen 127.0.0.1:0 --preferred-address 127.0.0.1:65536",
        "server --listen 127.0.0.1:0 --preferred-address 127.0.0.1:",
        "server --listen 127.0.0.1:0 --preferred-address [::1]:4433",     /* v6 for v4 */
        "server --listen 127.0.0.1:0 --preferred-address 127.1:4433",
        "server --listen 127.0.0.1:0 --preferred-address",
        "server --listen 127.0.0.1:0 --preferred-address6 ::1:4433",      /* no brackets */
        "server --listen 127.0.0.1:0 --preferred-address6 [::]:4433",     /* "none" */
        "server --listen 127.0.0.1:0 --preferred-address6 [127.0.0.1]:4433",
        "server --listen 127.0.0.1:0 --preferred-address6 [::1]",
        "server --listen 127.0.0.1:0 --preferred-address6 []:4433",
        "client https://localhost:4433/ --preferred-address 127.0.0.1:1", /* server only */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (parse(&o, bad[i]) != 2)
            fail_msg("'%s' was accepted", bad[i]);
        if (!strstr(errbuf, "preferred-address") && !strstr(errbuf, "needs a value") &&
            !strstr(errbuf, "unknown option"))
            fail_msg("'%s': no reason given: %s", bad[i], errbuf);
    }
}

static void test_cli_rebind_after_takes_round_count(void **state)
{
    (void)state;
    app_opts o;
    assert_int_equal(parse(&o, "client https://localhost:4433/"), 0);
    assert_int_equal(o.rebind_after, 0);
    assert_int_equal(parse(&o, "client https://localhost:4433/ --rebind-after 10"), 0);
    assert_int_equal(o.rebind_after, 10);
    assert_int_equal(parse(&o, "client https://localhost:4433/ --rebind-after 5 --migrate-after 9"), 0);
    assert_int_equal(o.rebind_after, 5);
    assert_int_equal(o.migrate_after, 9);
    const char *bad[] = {
        "client https://localhost:4433/ --rebind-after 0",
        "client https://localhost:4433/ --rebind-after ten",
        "client https://localhost:4433/ --rebind-after -1",
        "client https://localhost:4433/ --rebind-after",
        "server --listen 127.0.0.1:0 --rebind-after 3", /* client only */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (parse(&o, bad[i]) != 2)
            fail_msg("'%s' was accepted", bad[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_preferred_address_takes_numeric_address_of_its_family),
        cmocka_unit_test(test_cli_rebind_after_takes_round_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
