/* The reader/writer and varints: RFC 9000 §16 / Appendix A.1 examples. */
#include "common/tu.h"
#include "base/qb.h"

static void decode_one(const char *hex, uint64_t want, size_t want_len)
{
    uint8_t b[8];
    size_t n = tu_hex(hex, b, sizeof b);
    qb_rd r;
    qb_rd_init(&r, b, n);
    uint64_t v = 0;
    assert_int_equal(qb_rd_varint(&r, &v), QB_OK);
    assert_true(v == want);
    assert_int_equal(r.off, want_len);
}

static void test_varint_rfc_examples(void **state)
{
    (void)state;
    /* RFC 9000 §16, Table 4 examples. */
    decode_one("c2197c5eff14e88c", 151288809941952652ULL, 8);
    decode_one("9d7f3e7d", 494878333, 4);
    decode_one("7bbd", 15293, 2);
    decode_one("25", 37, 1);
    decode_one("4025", 37, 2); /* non-minimal encodings are valid */
}

static void test_varint_encode_shortest(void **state)
{
    (void)state;
    struct { uint64_t v; const char *hex; } cases[] = {
        {0, "00"}, {37, "25"}, {63, "3f"}, {64, "4040"}, {15293, "7bbd"},
        {16383, "7fff"}, {16384, "80004000"}, {494878333, "9d7f3e7d"},
        {1073741823, "bfffffff"}, {1073741824, "c000000040000000"},
        {151288809941952652ULL, "c2197c5eff14e88c"},
        {QB_VARINT_MAX, "ffffffffffffffff"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t want[8], out[8];
        size_t n = tu_hex(cases[i].hex, want, sizeof want);
        qb_wr w;
        qb_wr_init(&w, out, sizeof out);
        assert_int_equal(qb_wr_varint(&w, cases[i].v), QB_OK);
        assert_int_equal(w.off, n);
        assert_memory_equal(out, want, n);
        assert_int_equal(qb_varint_len(cases[i].v), n);
    }
}

static void test_varint_limits(void **state)
{
    (void)state;
    uint8_t out[8];
    qb_wr w;
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(qb_wr_varint(&w, QB_VARINT_MAX + 1), QB_ERR_VARINT_RANGE);
    assert_int_equal(qb_varint_len(QB_VARINT_MAX + 1), 0);
    /* value too big for the forced width */
    assert_int_equal(qb_wr_varint_n(&w, 64, 1), QB_ERR_VARINT_RANGE);
    assert_int_equal(qb_wr_varint_n(&w, 5, 3), QB_ERR_VARINT_RANGE);
    /* forced width for a back-patched Length field */
    assert_int_equal(qb_wr_varint_n(&w, 5, 2), QB_OK);
    assert_int_equal(out[0], 0x40);
    assert_int_equal(out[1], 0x05);
    /* writer full */
    qb_wr_init(&w, out, 1);
    assert_int_equal(qb_wr_varint(&w, 64), QB_ERR_NO_SPACE);
    assert_int_equal(w.off, 0);
}

static void test_reader_truncation(void **state)
{
    (void)state;
    uint8_t b[] = {0xc2, 0x19, 0x7c};
    qb_rd r;
    qb_rd_init(&r, b, sizeof b);
    uint64_t v;
    assert_int_equal(qb_rd_varint(&r, &v), QB_ERR_TRUNCATED);
    assert_int_equal(r.off, 0); /* a failed read consumes nothing */
    uint32_t u32;
    assert_int_equal(qb_rd_u32(&r, &u32), QB_ERR_TRUNCATED);
    uint16_t u16;
    assert_int_equal(qb_rd_u16(&r, &u16), QB_OK);
    assert_int_equal(u16, 0xc219);
    qb_rd sub;
    assert_int_equal(qb_rd_sub(&r, 2, &sub), QB_ERR_TRUNCATED);
    qb_rd_init(&r, (const uint8_t *)"\x00\x03" "ab", 4);
    assert_int_equal(qb_rd_vec(&r, 2, &sub), QB_ERR_TRUNCATED); /* says 3, has 2 */
    qb_rd_init(&r, (const uint8_t *)"\x02xyz", 4);
    assert_int_equal(qb_rd_vec(&r, 1, &sub), QB_OK);
    assert_int_equal(qb_rd_left(&sub), 2);
    assert_int_equal(qb_rd_left(&r), 1);
}

static void test_ct_equal(void **state)
{
    (void)state;
    assert_true(qb_ct_equal("abcd", "abcd", 4));
    assert_false(qb_ct_equal("abcd", "abce", 4));
    assert_true(qb_ct_equal("a", "b", 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_varint_rfc_examples),
        cmocka_unit_test(test_varint_encode_shortest),
        cmocka_unit_test(test_varint_limits),
        cmocka_unit_test(test_reader_truncation),
        cmocka_unit_test(test_ct_equal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
