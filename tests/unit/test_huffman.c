/* Huffman code of RFC 7541 Appendix B: the Appendix C.4 / C.6 strings both ways, every
 * symbol, and each way a Huffman string can be bad (RFC 7541 §5.2). */
#include "common/tu.h"
#include "qpack/qpack.h"

#include <stdlib.h>
#include <string.h>

typedef struct hvec {
    uint8_t code[128];
    size_t code_len;
    char text[128];
} hvec;

/* tests/vectors/qpack/rfc7541-huffman.txt: "hex<TAB>text" lines, '#' comments. */
static size_t load_vectors(hvec *v, size_t max)
{
    size_t len, n = 0;
    char *file = (char *)tu_read_vector("qpack/rfc7541-huffman.txt", &len);
    for (char *line = strtok(file, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char *tab = strchr(line, '\t');
        assert_non_null(tab);
        *tab = 0;
        assert_true(n < max);
        v[n].code_len = tu_hex(line, v[n].code, sizeof v[n].code);
        assert_true(strlen(tab + 1) < sizeof v[n].text);
        strcpy(v[n].text, tab + 1);
        n++;
    }
    free(file);
    return n;
}

static void test_rfc7541_c4_c6_decode(void **state)
{
    (void)state;
    hvec v[32];
    size_t n = load_vectors(v, 32);
    assert_int_equal(n, 12);
    for (size_t i = 0; i < n; i++) {
        uint8_t out[128];
        size_t out_len = 0;
        assert_int_equal(qpack_huffman_decode(v[i].code, v[i].code_len, out, sizeof out, &out_len), 0);
        assert_int_equal(out_len, strlen(v[i].text));
        assert_memory_equal(out, v[i].text, out_len);
    }
}

static void test_rfc7541_c4_c6_encode(void **state)
{
    (void)state;
    hvec v[32];
    size_t n = load_vectors(v, 32);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *t = (const uint8_t *)v[i].text;
        size_t tl = strlen(v[i].text);
        assert_int_equal(qpack_huffman_encoded_len(t, tl), v[i].code_len);
        uint8_t out[128];
        size_t out_len = 0;
        assert_int_equal(qpack_huffman_encode(t, tl, out, sizeof out, &out_len), 0);
        assert_int_equal(out_len, v[i].code_len);
        assert_memory_equal(out, v[i].code, out_len);
    }
}

/* Every symbol against tests/vectors/qpack/rfc7541-huffman-code.txt (Appendix B as
 * "symbol<TAB>bits"): alone, a symbol encodes to its bits padded with ones, and that
 * decodes back to the symbol; EOS's code decodes to an error. */
static void test_code_table(void **state)
{
    (void)state;
    size_t len;
    char *file = (char *)tu_read_vector("qpack/rfc7541-huffman-code.txt", &len);
    unsigned seen = 0;
    for (char *line = strtok(file, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char *tab = strchr(line, '\t');
        assert_non_null(tab);
        unsigned sym = (unsigned)atoi(line);
        assert_int_equal(sym, seen);
        const char *bits = tab + 1;
        size_t nb = strlen(bits);
        assert_true(nb >= 5 && nb <= 30);
        uint8_t want[4] = {0xff, 0xff, 0xff, 0xff};
        for (size_t i = 0; i < nb; i++)
            if (bits[i] == '0')
                want[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
        size_t wl = (nb + 7) / 8, n;
        uint8_t out[8], back[8];
        if (sym < 256) {
            uint8_t c = (uint8_t)sym;
            assert_int_equal(qpack_huffman_encoded_len(&c, 1), wl);
            assert_int_equal(qpack_huffman_encode(&c, 1, out, sizeof out, &n), 0);
            assert_int_equal(n, wl);
            assert_memory_equal(out, want, wl);
            assert_int_equal(qpack_huffman_decode(want, wl, back, sizeof back, &n), 0);
            assert_int_equal(n, 1);
            assert_int_equal(back[0], sym);
        } else {
            assert_int_equal(qpack_huffman_decode(want, wl, back, sizeof back, &n), QPACK_ERR_HUFF_EOS);
        }
        seen++;
    }
    assert_int_equal(seen, 257);
    free(file);
}

static void test_known_codes(void **state)
{
    (void)state;
    /* RFC 7541 Appendix B: '/' (47) is the 6 bits 011000; padded with 11: 0x63. */
    uint8_t out[8];
    size_t n;
    assert_int_equal(qpack_huffman_encode((const uint8_t *)"/", 1, out, sizeof out, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(out[0], 0x63);
    /* '0' is 00000 (5 bits), the shortest code: "00" -> 0000000000 + 111111 */
    assert_int_equal(qpack_huffman_encode((const uint8_t *)"00", 2, out, sizeof out, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(out[0], 0x00);
    assert_int_equal(out[1], 0x3f);
    /* symbol 0 is 1ff8 in 13 bits: 11111111 11000 + 111 */
    uint8_t zero = 0;
    assert_int_equal(qpack_huffman_encode(&zero, 1, out, sizeof out, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(out[0], 0xff);
    assert_int_equal(out[1], 0xc7);
    /* symbol 10 (\n) is 3ffffffc in 30 bits: the longest codes decode too */
    uint8_t nl = 10;
    assert_int_equal(qpack_huffman_encoded_len(&nl, 1), 4);
    assert_int_equal(qpack_huffman_encode(&nl, 1, out, sizeof out, &n), 0);
    uint8_t want[4] = {0xff, 0xff, 0xff, 0xf3};
    assert_memory_equal(out, want, 4);
    uint8_t back[4];
    assert_int_equal(qpack_huffman_decode(out, n, back, sizeof back, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(back[0], 10);
}

static void test_all_symbols_round_trip(void **state)
{
    (void)state;
    /* Every byte value, at every bit alignment relative to the others. */
    uint8_t in[256 * 3], enc[256 * 3 * 4], dec[256 * 3];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i * 7 + i / 256);
    for (size_t len = 0; len <= sizeof in; len += 37) {
        size_t el, dl;
        assert_int_equal(qpack_huffman_encode(in, len, enc, sizeof enc, &el), 0);
        assert_int_equal(el, qpack_huffman_encoded_len(in, len));
        assert_int_equal(qpack_huffman_decode(enc, el, dec, sizeof dec, &dl), 0);
        assert_int_equal(dl, len);
        assert_memory_equal(dec, in, len);
    }
    size_t dl = 99;
    assert_int_equal(qpack_huffman_decode(enc, 0, dec, 0, &dl), 0);
    assert_int_equal(dl, 0);
}

static void test_decode_errors(void **state)
{
    (void)state;
    uint8_t out[16], b[8];
    size_t n;
    /* EOS: 30 one bits decode to EOS, which must not appear in a string. */
    n = tu_hex("ffffffff", b, sizeof b);
    assert_int_equal(qpack_huffman_decode(b, n, out, sizeof out, &n), QPACK_ERR_HUFF_EOS);
    /* 'a' (00011) then EOS (30 ones) then padding. */
    n = tu_hex("1fffffffff", b, sizeof b);
    assert_int_equal(qpack_huffman_decode(b, n, out, sizeof out, &n), QPACK_ERR_HUFF_EOS);
    /* Padding longer than 7 bits: a whole byte of ones, alone or after 'a'+111. */
    n = tu_hex("ff", b, sizeof b);
    assert_int_equal(qpack_huffman_decode(b, n, out, sizeof out, &n), QPACK_ERR_HUFF_PADDING_LONG);
    n = tu_hex("1fff", b, sizeof b);
    assert_int_equal(qpack_huffman_decode(b, n, out, sizeof out, &n), QPACK_ERR_HUFF_PADDING_LONG);
    /* 'a' then 32 ones: EOS after 30 of them. */
    n = tu_hex("1ffffffff8", b, sizeof b);
    assert_int_equal(qpack_huffman_decode(b, n, out, sizeof out, &n), QPACK_ERR_HUFF_EOS);
    n = tu_hex("1fffffff", b, sizeof b); /* 'a' + 27 ones: padding too long, not EOS */
    assert_int_equal(qpack_huffman_decode(b, n, out, sizeof out, &n), QPACK_ERR_HUFF_PADDING_LONG);
    n = tu_hex("1ffffffe", b, sizeof b); /* 'a' + 26 ones + 0: an unfinished code */
    assert_int_equal(qpack_huffman_decode(b, n, out, sizeof out, &n), QPACK_ERR_HUFF_PADDING_BITS);
    /* Padding not all ones: 'a' then 000. */
    n = tu_hex("18", b, sizeof b);
    assert_int_equal(qpack_huffman_decode(b, n, out, sizeof out, &n), QPACK_ERR_HUFF_PADDING_BITS);
    /* 'a' then 110 (ones, then a zero). */
    n = tu_hex("1e", b, sizeof b);
    assert_int_equal(qpack_huffman_decode(b, n, out, sizeof out, &n), QPACK_ERR_HUFF_PADDING_BITS);
    /* An unfinished long code: 11111111 1100 then 0000 is not padding. */
    n = tu_hex("ffc0", b, sizeof b);
    assert_int_equal(qpack_huffman_decode(b, n, out, sizeof out, &n), QPACK_ERR_HUFF_PADDING_BITS);
    /* Valid: 'a' + 111. */
    n = tu_hex("1f", b, sizeof b);
    assert_int_equal(qpack_huffman_decode(b, n, out, sizeof out, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(out[0], 'a');
}

static void test_no_space(void **state)
{
    (void)state;
    const uint8_t *text = (const uint8_t *)"www.example.com";
    uint8_t enc[32], dec[32];
    size_t el, dl;
    assert_int_equal(qpack_huffman_encode(text, 15, enc, sizeof enc, &el), 0);
    for (size_t cap = 0; cap < el; cap++) {
        uint8_t out[32];
        memset(out, 0xa5, sizeof out);
        assert_int_equal(qpack_huffman_encode(text, 15, out, cap, &dl), QPACK_ERR_NO_SPACE);
        for (size_t i = cap; i < sizeof out; i++)
            assert_int_equal(out[i], 0xa5);
    }
    for (size_t cap = 0; cap < 15; cap++) {
        memset(dec, 0xa5, sizeof dec);
        assert_int_equal(qpack_huffman_decode(enc, el, dec, cap, &dl), QPACK_ERR_NO_SPACE);
        for (size_t i = cap; i < sizeof dec; i++)
            assert_int_equal(dec[i], 0xa5);
    }
    assert_int_equal(qpack_huffman_decode(enc, el, dec, 15, &dl), 0);
    assert_int_equal(dl, 15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc7541_c4_c6_decode),
        cmocka_unit_test(test_rfc7541_c4_c6_encode),
        cmocka_unit_test(test_code_table),
        cmocka_unit_test(test_known_codes),
        cmocka_unit_test(test_all_symbols_round_trip),
        cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_no_space),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
