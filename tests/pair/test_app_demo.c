/* `quince demo` end to end over loopback: the client and the one-shot server
 * of the app, in one process. The demo succeeds only when both halves finished
 * their ping-pong, so these tests see what a person reading the log sees. */
#include "app/app_cli.h"
#include "app/app_run.h"
#include "common/tu.h"

#include <stdio.h>

static int run_demo(const char *count)
{
    app_opts o;
    char *argv[] = {"quince", "demo", "--count", (char *)count};
    assert_int_equal(app_cli_parse(4, argv, &o, stderr), 0);
    return app_run_demo(&o);
}

/* Even count: the server sends the final value (the blog's 10). */
static void test_demo_even_count_finishes_both_sides(void **state)
{
    (void)state;
    assert_int_equal(run_demo("4"), 0);
}

/* Odd count: the client sends the final value; closing in the same step
 * discarded the queued datagram, so the server never saw it. The client now
 * waits for the server's close (resending on its timer) before it closes. */
static void test_demo_odd_count_final_value_reaches_server(void **state)
{
    (void)state;
    assert_int_equal(run_demo("3"), 0);
    assert_int_equal(run_demo("1"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo_even_count_finishes_both_sides),
        cmocka_unit_test(test_demo_odd_count_final_value_reaches_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
