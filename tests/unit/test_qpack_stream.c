/* The peer's QPACK encoder and decoder streams (RFC 9204 §4.3, §4.4) with our table
 * capacity 0: what is accepted, what is an error, instructions split across calls. */
#include "common/tu.h"
#include "qpack/qpack.h"

static int enc_feed(qpack_encoder_stream_state *s, const char *hex)
{
    uint8_t b[64];
    size_t n = tu_hex(hex, b, sizeof b);
    return qpack_on_encoder_stream(s, b, n);
}

static int dec_feed(qpack_decoder_stream_state *s, const char *hex)
{
    uint8_t b[64];
    size_t n = tu_hex(hex, b, sizeof b);
    return qpack_on_decoder_stream(s, b, n);
}

static void test_encoder_stream(void **state)
{
    (void)state;
    qpack_encoder_stream_state s;
    qpack_encoder_stream_init(&s);
    assert_int_equal(enc_feed(&s, ""), 0);
    assert_int_equal(enc_feed(&s, "20"), 0); /* Set Dynamic Table Capacity 0 */
    assert_int_equal(enc_feed(&s, "20 20"), 0);
    /* RFC 9204 Appendix B.2: capacity 220, then inserts: refused at the first byte */
    struct { const char *hex; int err; } bad[] = {
        {"3fbd01", QPACK_ERR_ENC_STREAM_CAPACITY},
        {"3f", QPACK_ERR_ENC_STREAM_CAPACITY},   /* >= 31 before the rest arrives */
        {"21", QPACK_ERR_ENC_STREAM_CAPACITY},
        {"20 21", QPACK_ERR_ENC_STREAM_CAPACITY},
        {"c00f 7777 772e 6578", QPACK_ERR_ENC_STREAM_INSERT}, /* B.2 Insert With Name Reference */
        {"810d", QPACK_ERR_ENC_STREAM_INSERT},                /* B.5, dynamic name */
        {"4a63 7573 746f 6d2d", QPACK_ERR_ENC_STREAM_INSERT}, /* B.3 Insert With Literal Name */
        {"02", QPACK_ERR_ENC_STREAM_DUPLICATE},               /* B.4 Duplicate */
        {"00", QPACK_ERR_ENC_STREAM_DUPLICATE},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        qpack_encoder_stream_state e = {0}; /* zero state = initialised */
        assert_int_equal(enc_feed(&e, bad[i].hex), bad[i].err);
        assert_int_equal(qpack_err_to_wire(bad[i].err), QPACK_ENCODER_STREAM_ERROR);
        /* the error is latched */
        assert_int_equal(enc_feed(&e, "20"), bad[i].err);
        assert_int_equal(enc_feed(&e, ""), bad[i].err);
    }
}

static void test_decoder_stream(void **state)
{
    (void)state;
    qpack_decoder_stream_state s;
    qpack_decoder_stream_init(&s);
    /* RFC 9204 Appendix B.4: Stream Cancellation (stream 8) */
    assert_int_equal(dec_feed(&s, "48"), 0);
    assert_true(s.cancelled == 1);
    /* stream 0 and stream 63 + 130 = 193, whole */
    assert_int_equal(dec_feed(&s, "40 7f8201"), 0);
    assert_true(s.cancelled == 3);
    /* split across calls: the count moves only when the integer is complete */
    assert_int_equal(dec_feed(&s, "7f"), 0);
    assert_true(s.cancelled == 3);
    assert_int_equal(dec_feed(&s, "82"), 0);
    assert_true(s.cancelled == 3);
    assert_int_equal(dec_feed(&s, "01"), 0);
    assert_true(s.cancelled == 4);
    /* the largest stream ID, one byte per call */
    uint8_t big[16];
    qb_wr w;
    qb_wr_init(&w, big, sizeof big);
    assert_int_equal(qpack_int_encode(&w, 6, 0x40, QB_VARINT_MAX), 0);
    for (size_t i = 0; i < w.off; i++)
        assert_int_equal(qpack_on_decoder_stream(&s, &big[i], 1), 0);
    assert_true(s.cancelled == 5);
    assert_int_equal(s.in.active, 0);

    struct { const char *hex; int err; } bad[] = {
        {"84", QPACK_ERR_DEC_STREAM_SECTION_ACK},   /* B.2: nothing to acknowledge */
        {"ff 80 01", QPACK_ERR_DEC_STREAM_SECTION_ACK},
        {"01", QPACK_ERR_DEC_STREAM_INSERT_COUNT},  /* B.3: Insert Count Increment 1 */
        {"00", QPACK_ERR_DEC_STREAM_INSERT_COUNT},  /* increment 0 is invalid anyway */
        {"48 3f", QPACK_ERR_DEC_STREAM_INSERT_COUNT},
        {"7f ff ff ff ff ff ff ff ff 7f", QPACK_ERR_DEC_STREAM_INT}, /* above 2^62-1 */
        {"7f 80 80 80 80 80 80 80 80 80 00", QPACK_ERR_DEC_STREAM_INT}, /* too long */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        qpack_decoder_stream_state d = {0};
        assert_int_equal(dec_feed(&d, bad[i].hex), bad[i].err);
        assert_int_equal(qpack_err_to_wire(bad[i].err), QPACK_DECODER_STREAM_ERROR);
        assert_int_equal(dec_feed(&d, "48"), bad[i].err);
    }
    /* an over-long integer split across calls fails on the byte that makes it so */
    qpack_decoder_stream_state d = {0};
    assert_int_equal(dec_feed(&d, "7f 80 80 80 80"), 0);
    assert_int_equal(dec_feed(&d, "80 80 80 80"), 0);
    assert_int_equal(dec_feed(&d, "80"), 0); /* 9 continuation bytes: still possible */
    assert_int_equal(dec_feed(&d, "00"), QPACK_ERR_DEC_STREAM_INT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encoder_stream),
        cmocka_unit_test(test_decoder_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
