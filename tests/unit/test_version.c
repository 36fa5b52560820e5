/* The version macro, the version function and the parts agree. */
#include "base/qb_version.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

static void test_version_function_matches_macro(void **state)
{
    (void)state;
    assert_non_null(quince_version());
    assert_string_equal(quince_version(), QUINCE_VERSION);
}

static void test_version_parts_spell_the_string(void **state)
{
    (void)state;
    char buf[32];
    snprintf(buf, sizeof buf, "%d.%d.%d", QUINCE_VERSION_MAJOR, QUINCE_VERSION_MINOR,
             QUINCE_VERSION_PATCH);
    assert_string_equal(buf, QUINCE_VERSION);
    assert_int_equal(QUINCE_VERSION_NUMBER,
                     QUINCE_VERSION_MAJOR * 10000 + QUINCE_VERSION_MINOR * 100 +
                         QUINCE_VERSION_PATCH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_function_matches_macro),
        cmocka_unit_test(test_version_parts_spell_the_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
