/* The effective idle timeout (RFC 9000 §10.1) at the edges: 0 on either side,
 * the largest varint (2^62 - 1 ms), and deadlines near the end of the clock. */
#include "common/tu.h"
#include "quic/idle.h"

#define VARINT_MAX 0x3fffffffffffffffULL

static void test_idle_timeout_min_of_nonzero(void **state)
{
    (void)state;
    assert_int_equal(quic_idle_timeout_us(0, 0), 0);
    assert_int_equal(quic_idle_timeout_us(30000, 0), 30000000);
    assert_int_equal(quic_idle_timeout_us(0, 5000), 5000000);
    assert_int_equal(quic_idle_timeout_us(30000, 5000), 5000000);
    assert_int_equal(quic_idle_timeout_us(1, VARINT_MAX), 1000);
    assert_int_equal(quic_idle_timeout_us(VARINT_MAX, 1), 1000);
}

static void test_idle_timeout_huge_saturates(void **state)
{
    (void)state;
    /* (2^62 - 1) * 1000 wraps to 2^64 - 1000 in 64 bits, and (2^62) * 1000
     * to 0: neither may come out. */
    assert_true(quic_idle_timeout_us(VARINT_MAX, 0) == UINT64_MAX);
    assert_true(quic_idle_timeout_us(0, VARINT_MAX) == UINT64_MAX);
    assert_true(quic_idle_timeout_us(VARINT_MAX, VARINT_MAX) == UINT64_MAX);
    assert_true(quic_idle_timeout_us(UINT64_MAX / 1000, 0) == UINT64_MAX / 1000 * 1000);
    assert_true(quic_idle_timeout_us(UINT64_MAX / 1000 + 1, 0) == UINT64_MAX);
    assert_true(quic_idle_timeout_us(1ULL << 62, 0) == UINT64_MAX);
}

static void test_idle_deadline_never_wraps(void **state)
{
    (void)state;
    assert_int_equal(quic_idle_deadline(1000, 0, 300), 0); /* none */
    assert_int_equal(quic_idle_deadline(1000, 5000, 300), 6000);
    assert_int_equal(quic_idle_deadline(1000, 100, 300), 1300); /* at least 3 PTO */
    assert_true(quic_idle_deadline(1000, UINT64_MAX, 300) == UINT64_MAX);
    assert_true(quic_idle_deadline(UINT64_MAX - 10, 11, 0) == UINT64_MAX);
    assert_true(quic_idle_deadline(UINT64_MAX - 10, 10, 0) == UINT64_MAX);
    assert_true(quic_idle_deadline(UINT64_MAX - 10, 9, 0) == UINT64_MAX - 1);
    uint64_t t = quic_idle_timeout_us(VARINT_MAX, VARINT_MAX);
    assert_true(quic_idle_deadline(123456789, t, 900000) > 123456789);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle_timeout_min_of_nonzero),
        cmocka_unit_test(test_idle_timeout_huge_saturates),
        cmocka_unit_test(test_idle_deadline_never_wraps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
