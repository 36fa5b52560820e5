/* qpack_decode_field_section_lines: the same fields as
 * qpack_decode_field_section, and how each field line was represented
 * (RFC 9204 §4.5.2, §4.5.4, §4.5.6) with the Huffman bit of each string
 * literal (RFC 7541 §5.2), for quince decode. */
#include "common/tu.h"
#include "qpack/qpack.h"

#include <string.h>

#define F(n, v) {(const uint8_t *)(n), sizeof(n) - 1, (const uint8_t *)(v), sizeof(v) - 1}

static void test_lines_say_how_each_field_was_represented(void **state)
{
    (void)state;
    const qpack_field in[] = {
        F(":method", "GET"),                 /* static 17: indexed */
        F(":authority", "www.example.com"),  /* static name 0, Huffman value */
        F("x-q", "!!"),                      /* literal name, raw (Huffman longer) */
    };
    uint8_t buf[256], scratch[256], scratch2[256];
    qb_wr w;
    qb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(qpack_encode_field_section(&w, in, 3), 0);
    qpack_field out[4], plain[4];
    qpack_line lines[4];
    size_t n = 0, n2 = 0;
    assert_int_equal(qpack_decode_field_section_lines(buf, w.off, 4096, scratch, sizeof scratch,
                                                      out, lines, 4, &n), 0);
    assert_int_equal(qpack_decode_field_section(buf, w.off, 4096, scratch2, sizeof scratch2,
                                                plain, 4, &n2), 0);
    assert_int_equal(n, 3);
    assert_int_equal(n2, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(out[i].name_len, in[i].name_len);
        assert_memory_equal(out[i].name, in[i].name, in[i].name_len);
        assert_int_equal(out[i].value_len, in[i].value_len);
        assert_memory_equal(out[i].value, plain[i].value, plain[i].value_len);
    }
    assert_int_equal(lines[0].rep, QPACK_REP_INDEXED);
    assert_int_equal(lines[0].static_index, 17);
    assert_int_equal(lines[0].value_wire_len, 0);
    assert_int_equal(lines[1].rep, QPACK_REP_NAME_REF);
    assert_int_equal(lines[1].static_index, 0);
    assert_true(lines[1].value_huffman);
    size_t h = qpack_huffman_encoded_len(in[1].value, in[1].value_len);
    assert_true(h < in[1].value_len);
    assert_int_equal(lines[1].value_wire_len, 1 + h);
    assert_int_equal(lines[2].rep, QPACK_REP_LITERAL);
    assert_false(lines[2].name_huffman && lines[2].value_huffman);
    assert_false(lines[2].value_huffman);
    assert_int_equal(lines[2].value_wire_len, 1 + 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_say_how_each_field_was_represented),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
