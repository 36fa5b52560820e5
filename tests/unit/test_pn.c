/* Packet number truncation and recovery: RFC 9000 Appendix A.2 and A.3
 * examples, the edges, and an exhaustive-ish round trip. */
#include "common/tu.h"
#include "quic/pn.h"

static void test_a2_examples(void **state)
{
    (void)state;
    /* A.2: acked 0xabe8b3, sending 0xac5c02 -> 29519 unacked -> 16 bits. */
    assert_int_equal(quic_pn_encode_len(0xac5c02, 0xabe8b3), 2);
    /* Sending 0xace8fe -> 65611 unacked -> 18 bits -> 3 bytes. */
    assert_int_equal(quic_pn_encode_len(0xace8fe, 0xabe8b3), 3);
}

static void test_a3_example(void **state)
{
    (void)state;
    /* A.3: expected 0xa82f30ea (largest 0xa82f30e9), 16-bit 0x9b32. */
    assert_int_equal(quic_pn_decode(0xa82f30e9, 0x9b32, 2), 0xa82f9b32);
}

static void test_encode_edges(void **state)
{
    (void)state;
    /* Nothing acknowledged: the whole number counts as unacknowledged. */
    assert_int_equal(quic_pn_encode_len(0, QUIC_PN_NONE), 1);
    /* min_bits = log2(n) + 1: 128 unacknowledged still fit 8 bits. */
    assert_int_equal(quic_pn_encode_len(127, QUIC_PN_NONE), 1);
    assert_int_equal(quic_pn_encode_len(128, QUIC_PN_NONE), 2);
    assert_int_equal(quic_pn_encode_len(10, 9), 1);
    assert_int_equal(quic_pn_encode_len(9 + 128, 9), 1);
    assert_int_equal(quic_pn_encode_len(9 + 129, 9), 2);
    assert_int_equal(quic_pn_encode_len(1u << 15, 0), 2);
    assert_int_equal(quic_pn_encode_len((1u << 15) + 1, 0), 3);
    assert_int_equal(quic_pn_encode_len((1u << 23) + 1, 0), 4);
    assert_int_equal(quic_pn_encode_len(QUIC_PN_MAX, 0), 4);
}

static void test_decode_edges(void **state)
{
    (void)state;
    /* First packet of a space. */
    assert_int_equal(quic_pn_decode(QUIC_PN_NONE, 0, 1), 0);
    assert_int_equal(quic_pn_decode(QUIC_PN_NONE, 5, 4), 5);
    /* Wrap of the low byte forward and back. */
    assert_int_equal(quic_pn_decode(0xff, 0x00, 1), 0x100);
    assert_int_equal(quic_pn_decode(0x100, 0xff, 1), 0xff);
    /* No result below 0 (candidate - win would underflow). */
    assert_int_equal(quic_pn_decode(0, 0xf0, 1), 0xf0);
    /* No result above 2^62-1. */
    assert_int_equal(quic_pn_decode(QUIC_PN_MAX - 1, 0xff, 1), QUIC_PN_MAX);
    assert_int_equal(quic_pn_decode(QUIC_PN_MAX, 0x00, 1), QUIC_PN_MAX - 0xff);
    /* Bits above the window are ignored. */
    assert_int_equal(quic_pn_decode(QUIC_PN_NONE, 0x1ff, 1), 0xff);
}

/* Whatever the encoder chooses, the peer decodes it back, for a receiver whose
 * largest is anywhere between the sender's largest acked and pn - 1. */
static void test_round_trip(void **state)
{
    (void)state;
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 200000; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        uint64_t acked = (seed >> 20) & ((1ULL << 40) - 1);
        uint64_t gap = 1 + ((seed >> 3) % (1ULL << (seed & 1 ? 8 : 30)));
        uint64_t pn = acked + gap;
        size_t n = quic_pn_encode_len(pn, acked);
        assert_true(n >= 1 && n <= 4);
        uint64_t truncated = pn & ((1ULL << (8 * n)) - 1);
        uint64_t span = gap - 1;
        uint64_t largest = acked + (span ? (seed >> 11) % (span + 1) : 0);
        assert_int_equal(quic_pn_decode(largest, truncated, n), pn);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a2_examples),
        cmocka_unit_test(test_a3_example),
        cmocka_unit_test(test_encode_edges),
        cmocka_unit_test(test_decode_edges),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
