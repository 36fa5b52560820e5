/* Prefixed integers (RFC 7541 §5.1, C.1 examples; RFC 9204 §4.1.1 62-bit limit) and
 * N-bit prefix string literals (RFC 9204 §4.1.2). */
#include "common/tu.h"
#include "qpack/qpack.h"
#include "qpack/qpack_priv.h"

#include <string.h>

static void check_int(unsigned prefix, uint8_t flags, uint64_t v, const char *hex)
{
    uint8_t want[16], out[16];
    size_t n = tu_hex(hex, want, sizeof want);
    qb_wr w;
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(qpack_int_encode(&w, prefix, flags, v), 0);
    assert_int_equal(w.off, n);
    assert_memory_equal(out, want, n);
    qb_rd r;
    qb_rd_init(&r, want, n);
    uint8_t f = 0;
    uint64_t got = 0;
    assert_int_equal(qpack_int_decode(&r, prefix, &f, &got), 0);
    assert_true(got == v);
    assert_int_equal(f, flags & (uint8_t)~((1u << prefix) - 1));
    assert_int_equal(r.off, n);
}

static void test_rfc7541_c1(void **state)
{
    (void)state;
    check_int(5, 0, 10, "0a");         /* C.1.1 */
    check_int(5, 0, 1337, "1f9a0a");   /* C.1.2 */
    check_int(8, 0, 42, "2a");         /* C.1.3 */
    check_int(5, 0xe0, 10, "ea");      /* the bits above the prefix are kept */
    check_int(5, 0xe0, 1337, "ff9a0a");
}

static void test_edges(void **state)
{
    (void)state;
    check_int(8, 0, 254, "fe");
    check_int(8, 0, 255, "ff00");
    check_int(1, 0xfe, 0, "fe");
    check_int(1, 0xfe, 1, "ff00");
    check_int(6, 0xc0, 62, "fe");
    check_int(6, 0xc0, 63, "ff00");
    check_int(6, 0xc0, 63 + 127, "ff7f");
    check_int(6, 0xc0, 63 + 128, "ff8001");
    /* 2^62-1, the largest value QPACK needs (RFC 9204 §4.1.1), with every prefix. */
    for (unsigned p = 1; p <= 8; p++) {
        uint8_t out[16];
        qb_wr w;
        qb_wr_init(&w, out, sizeof out);
        assert_int_equal(qpack_int_encode(&w, p, 0, QB_VARINT_MAX), 0);
        qb_rd r;
        qb_rd_init(&r, out, w.off);
        uint64_t v;
        assert_int_equal(qpack_int_decode(&r, p, NULL, &v), 0);
        assert_true(v == QB_VARINT_MAX);
        assert_int_equal(r.off, w.off);
    }
}

static void test_errors(void **state)
{
    (void)state;
    uint8_t b[16];
    uint64_t v;
    qb_rd r;
    size_t n;
    /* 2^62 with an 8-bit prefix: 255 + (2^62 - 255) */
    uint8_t out[16];
    qb_wr w;
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(qpack_int_encode(&w, 8, 0, QB_VARINT_MAX + 1), QPACK_ERR_INT_OVERFLOW);
    assert_int_equal(w.off, 0);
    /* decode: 2^62 = 255 + 0x3fffffffffffff01 */
    n = tu_hex("ff 81 fe ff ff ff ff ff ff 3f", b, sizeof b);
    qb_rd_init(&r, b, n);
    assert_int_equal(qpack_int_decode(&r, 8, NULL, &v), QPACK_ERR_INT_OVERFLOW);
    /* the same minus one is 2^62-1: fine */
    n = tu_hex("ff 80 fe ff ff ff ff ff ff 3f", b, sizeof b);
    qb_rd_init(&r, b, n);
    assert_int_equal(qpack_int_decode(&r, 8, NULL, &v), 0);
    assert_true(v == QB_VARINT_MAX);
    /* 2^64 territory must not wrap around */
    n = tu_hex("ff ff ff ff ff ff ff ff ff 7f", b, sizeof b);
    qb_rd_init(&r, b, n);
    assert_int_equal(qpack_int_decode(&r, 8, NULL, &v), QPACK_ERR_INT_OVERFLOW);
    /* over-long: zero continuation bytes beyond what 62 bits need */
    n = tu_hex("1f 80 80 80 80 80 80 80 80 00", b, sizeof b); /* 9 continuation bytes: ok */
    qb_rd_init(&r, b, n);
    assert_int_equal(qpack_int_decode(&r, 5, NULL, &v), 0);
    assert_true(v == 31);
    n = tu_hex("1f 80 80 80 80 80 80 80 80 80 00", b, sizeof b); /* 10: rejected */
    qb_rd_init(&r, b, n);
    assert_int_equal(qpack_int_decode(&r, 5, NULL, &v), QPACK_ERR_INT_TOO_LONG);
    /* truncated: nothing, or a continuation bit with nothing after it */
    qb_rd_init(&r, b, 0);
    assert_int_equal(qpack_int_decode(&r, 5, NULL, &v), QPACK_ERR_TRUNCATED);
    n = tu_hex("1f 9a", b, sizeof b);
    qb_rd_init(&r, b, n);
    assert_int_equal(qpack_int_decode(&r, 5, NULL, &v), QPACK_ERR_TRUNCATED);
    /* bad prefix sizes */
    qb_rd_init(&r, b, n);
    assert_int_equal(qpack_int_decode(&r, 0, NULL, &v), QPACK_ERR_ARG);
    assert_int_equal(qpack_int_decode(&r, 9, NULL, &v), QPACK_ERR_ARG);
    assert_int_equal(qpack_int_encode(&w, 0, 0, 1), QPACK_ERR_ARG);
    assert_int_equal(qpack_int_encode(&w, 9, 0, 1), QPACK_ERR_ARG);
    /* no space */
    qb_wr_init(&w, out, 2);
    assert_int_equal(qpack_int_encode(&w, 5, 0, 1337), QPACK_ERR_NO_SPACE);
    assert_int_equal(w.off, 0);
}

static void test_strings(void **state)
{
    (void)state;
    uint8_t buf[64], out[64];
    size_t n;
    qb_wr w;
    qb_rd r;
    /* RFC 7541 C.4.1: "www.example.com" Huffman-coded, 8-bit prefix: 8c f1e3... */
    qb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(qpack_str_encode(&w, 8, 0, (const uint8_t *)"www.example.com", 15), 0);
    uint8_t want[16];
    size_t wl = tu_hex("8c f1e3c2e5f23a6ba0ab90f4ff", want, sizeof want);
    assert_int_equal(w.off, wl);
    assert_memory_equal(buf, want, wl);
    qb_rd_init(&r, buf, w.off);
    assert_int_equal(qpack_str_decode(&r, 8, out, sizeof out, -1, &n), 0);
    assert_int_equal(n, 15);
    assert_memory_equal(out, "www.example.com", 15);
    /* Not shorter with Huffman: sent raw (H=0). 4-bit prefix as in a literal name:
     * 0x20 pattern, H = 0x08, length in 3 bits. */
    qb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(qpack_str_encode(&w, 4, 0x20, (const uint8_t *)"\x01\x02", 2), 0);
    assert_int_equal(w.off, 3);
    assert_int_equal(buf[0], 0x22);
    qb_rd_init(&r, buf, w.off);
    assert_int_equal(qpack_str_decode(&r, 4, out, sizeof out, -1, &n), 0);
    assert_int_equal(n, 2);
    /* Huffman with a 4-bit prefix: "custom-key" is 8 bytes coded -> 0x2f 0x01 */
    qb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(qpack_str_encode(&w, 4, 0x20, (const uint8_t *)"custom-key", 10), 0);
    assert_int_equal(buf[0], 0x2f);
    assert_int_equal(buf[1], 0x01);
    assert_int_equal(w.off, 10);
    qb_rd_init(&r, buf, w.off);
    assert_int_equal(qpack_str_decode(&r, 4, out, sizeof out, -1, &n), 0);
    assert_int_equal(n, 10);
    assert_memory_equal(out, "custom-key", 10);
    /* Output too small -> the caller's error; length past the end -> STRING_LENGTH. */
    qb_rd_init(&r, buf, w.off);
    assert_int_equal(qpack_str_decode(&r, 4, out, 9, -77, &n), -77);
    uint8_t raw[4] = {0x03, 'a', 'b', 'c'};
    qb_rd_init(&r, raw, 4);
    assert_int_equal(qpack_str_decode(&r, 8, out, 2, -77, &n), -77);
    qb_rd_init(&r, raw, 3);
    assert_int_equal(qpack_str_decode(&r, 8, out, sizeof out, -77, &n), QPACK_ERR_STRING_LENGTH);
    /* Encoder out of space leaves the writer where it was. */
    for (size_t cap = 0; cap < 10; cap++) {
        qb_wr_init(&w, buf, cap);
        assert_int_equal(qpack_str_encode(&w, 4, 0x20, (const uint8_t *)"custom-key", 10), QPACK_ERR_NO_SPACE);
        assert_int_equal(w.off, 0);
        qb_wr_init(&w, buf, cap < 3 ? cap : 2);
        assert_int_equal(qpack_str_encode(&w, 8, 0, (const uint8_t *)"\x01\x02", 2), QPACK_ERR_NO_SPACE);
        assert_int_equal(w.off, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc7541_c1),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
