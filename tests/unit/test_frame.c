/* QUIC frame codec: every frame type encodes to bytes hand-checked against the
 * layouts of RFC 9000 §19 / RFC 9221 §4, decodes back to the same frame, and
 * every validation rule rejects with its own code and wire code. */
#include "common/tu.h"
#include "quic/frame.h"
#include "quic/quic_err.h"

#include <string.h>

static const uint8_t TOKEN16[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

/* f -> exactly hex -> decode -> equal to f, consuming every byte. */
static void check_case(const quic_frame *f, const char *hex)
{
    uint8_t want[256], out[256];
    size_t n = tu_hex(hex, want, sizeof want);
    qb_wr w;
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(quic_frame_encode(&w, f), 0);
    assert_int_equal(w.off, n);
    assert_memory_equal(out, want, n);
    assert_int_equal(quic_frame_encoded_len(f), n);

    quic_frame d;
    qb_rd r;
    qb_rd_init(&r, want, n);
    assert_int_equal(quic_frame_decode(&r, &d), 0);
    assert_int_equal(r.off, n);
    assert_true(quic_frame_equal(f, &d));
    /* and the decoded frame re-encodes byte for byte */
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(quic_frame_encode(&w, &d), 0);
    assert_int_equal(w.off, n);
    assert_memory_equal(out, want, n);
}

static void test_simple_frames(void **state)
{
    (void)state;
    quic_frame f;

    memset(&f, 0, sizeof f); /* §19.1: a run of three PADDING bytes */
    f.type = QUIC_FT_PADDING;
    f.padding.count = 3;
    check_case(&f, "000000");

    memset(&f, 0, sizeof f);
    f.type = QUIC_FT_PING;
    check_case(&f, "01");

    memset(&f, 0, sizeof f); /* §19.4 */
    f.type = QUIC_FT_RESET_STREAM;
    f.reset_stream.stream_id = 4;
    f.reset_stream.app_error_code = 0x100;
    f.reset_stream.final_size = 1000;
    check_case(&f, "04 04 4100 43e8");

    memset(&f, 0, sizeof f); /* §19.5 */
    f.type = QUIC_FT_STOP_SENDING;
    f.stop_sending.stream_id = 8;
    f.stop_sending.app_error_code = 0x10c;
    check_case(&f, "05 08 410c");

    memset(&f, 0, sizeof f); /* §19.9 */
    f.type = QUIC_FT_MAX_DATA;
    f.max_data.max = 786432;
    check_case(&f, "10 800c0000");

    memset(&f, 0, sizeof f); /* §19.10 */
    f.type = QUIC_FT_MAX_STREAM_DATA;
    f.max_stream_data.stream_id = 3;
    f.max_stream_data.max = 524288;
    check_case(&f, "11 03 80080000");

    memset(&f, 0, sizeof f); /* §19.11 */
    f.type = QUIC_FT_MAX_STREAMS_BIDI;
    f.max_streams.max = 100;
    check_case(&f, "12 4064");
    f.type = QUIC_FT_MAX_STREAMS_UNI;
    f.max_streams.max = 3;
    check_case(&f, "13 03");
    f.max_streams.max = QUIC_FRAME_MAX_STREAMS_LIMIT; /* exactly 2^60 is fine */
    check_case(&f, "13 d000000000000000");

    memset(&f, 0, sizeof f); /* §19.12 */
    f.type = QUIC_FT_DATA_BLOCKED;
    f.data_blocked.limit = 16384;
    check_case(&f, "14 80004000");

    memset(&f, 0, sizeof f); /* §19.13 */
    f.type = QUIC_FT_STREAM_DATA_BLOCKED;
    f.stream_data_blocked.stream_id = 0;
    f.stream_data_blocked.limit = 63;
    check_case(&f, "15 00 3f");

    memset(&f, 0, sizeof f); /* §19.14 */
    f.type = QUIC_FT_STREAMS_BLOCKED_BIDI;
    f.streams_blocked.limit = 64;
    check_case(&f, "16 4040");
    f.type = QUIC_FT_STREAMS_BLOCKED_UNI;
    f.streams_blocked.limit = 0;
    check_case(&f, "17 00");

    memset(&f, 0, sizeof f); /* §19.16 */
    f.type = QUIC_FT_RETIRE_CONNECTION_ID;
    f.retire_cid.seq = 2;
    check_case(&f, "19 02");

    memset(&f, 0, sizeof f); /* §19.17, §19.18 */
    f.type = QUIC_FT_PATH_CHALLENGE;
    for (int i = 0; i < 8; i++)
        f.path.data[i] = (uint8_t)(i + 1);
    check_case(&f, "1a 0102030405060708");
    f.type = QUIC_FT_PATH_RESPONSE;
    check_case(&f, "1b 0102030405060708");

    memset(&f, 0, sizeof f); /* §19.20 */
    f.type = QUIC_FT_HANDSHAKE_DONE;
    check_case(&f, "1e");
}

static void test_data_frames(void **state)
{
    (void)state;
    quic_frame f;

    memset(&f, 0, sizeof f); /* §19.6 */
    f.type = QUIC_FT_CRYPTO;
    f.crypto.offset = 0;
    f.crypto.data = (const uint8_t *)"abc";
    f.crypto.len = 3;
    check_case(&f, "06 00 03 616263");
    f.crypto.offset = 1023;
    check_case(&f, "06 43ff 03 616263");

    memset(&f, 0, sizeof f); /* §19.7 */
    f.type = QUIC_FT_NEW_TOKEN;
    f.new_token.token = (const uint8_t *)"tok";
    f.new_token.len = 3;
    check_case(&f, "07 03 746f6b");

    memset(&f, 0, sizeof f); /* §19.8: no OFF, no LEN: data to the end */
    f.type = 0x08;
    f.stream.stream_id = 4;
    f.stream.data = (const uint8_t *)"hi";
    f.stream.len = 2;
    check_case(&f, "08 04 6869");
    f.type = 0x0f; /* OFF | LEN | FIN */
    f.stream.stream_id = 0;
    f.stream.offset = 5;
    check_case(&f, "0f 00 05 02 6869");
    f.type = 0x0b; /* LEN | FIN, empty: quic-go's separate FIN frame */
    f.stream.stream_id = 1;
    f.stream.offset = 0;
    f.stream.len = 0;
    check_case(&f, "0b 01 00");
    f.type = 0x0c; /* OFF, offset 0 written explicitly, data to the end */
    f.stream.stream_id = 2;
    f.stream.data = (const uint8_t *)"x";
    f.stream.len = 1;
    check_case(&f, "0c 02 00 78");

    memset(&f, 0, sizeof f); /* §19.15 */
    f.type = QUIC_FT_NEW_CONNECTION_ID;
    f.new_cid.seq = 1;
    f.new_cid.retire_prior_to = 0;
    f.new_cid.cid_len = 4;
    memcpy(f.new_cid.cid, "\xc0\xff\xee\x01", 4);
    memcpy(f.new_cid.reset_token, TOKEN16, 16);
    check_case(&f, "18 01 00 04 c0ffee01 000102030405060708090a0b0c0d0e0f");

    memset(&f, 0, sizeof f); /* §19.19 */
    f.type = QUIC_FT_CONNECTION_CLOSE;
    f.close.error_code = QUIC_FRAME_ENCODING_ERROR;
    f.close.frame_type = QUIC_FT_CRYPTO;
    f.close.reason = (const uint8_t *)"bad";
    f.close.reason_len = 3;
    check_case(&f, "1c 07 06 03 626164");
    memset(&f, 0, sizeof f); /* the quic-go example client's goodbye */
    f.type = QUIC_FT_CONNECTION_CLOSE_APP;
    f.close.error_code = 0x100;
    f.close.reason = (const uint8_t *)"bye!";
    f.close.reason_len = 4;
    check_case(&f, "1d 4100 04 62796521");

    memset(&f, 0, sizeof f); /* RFC 9221 §4 */
    f.type = QUIC_FT_DATAGRAM;
    f.datagram.data = (const uint8_t *)"x";
    f.datagram.len = 1;
    check_case(&f, "30 78");
    /* the blog's first HTTP Datagram: quarter stream ID 0, counter 0 */
    static const uint8_t dg[9] = {0};
    f.type = QUIC_FT_DATAGRAM_LEN;
    f.datagram.data = dg;
    f.datagram.len = 9;
    check_case(&f, "31 09 00 0000000000000000");
}

/* Non-shortest varints inside a frame survive decode -> encode (RFC 9000 §16). */
static void test_widths_preserved(void **state)
{
    (void)state;
    uint8_t in[32], out[32];
    size_t n = tu_hex("0f 00 00 4004 70696e67", in, sizeof in); /* from a real capture */
    quic_frame f;
    qb_rd r;
    qb_rd_init(&r, in, n);
    assert_int_equal(quic_frame_decode(&r, &f), 0);
    assert_int_equal(f.stream.len, 4);
    assert_int_equal(f.width[2], 2);
    assert_int_equal(f.width[0], 0);
    qb_wr w;
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(quic_frame_encode(&w, &f), 0);
    assert_int_equal(w.off, n);
    assert_memory_equal(in, out, n);
    /* a width too small for the value is refused on encode */
    f.width[2] = 1;
    f.stream.len = 64;
    assert_int_equal(quic_frame_encoded_len(&f), 0);
}

static void test_ack(void **state)
{
    (void)state;
    /* §19.3.1: [8,10], [2,5], [0,0]: Gap = 8-5-2 = 1, Gap = 2-0-2 = 0 */
    const quic_ack_range rg[3] = {{8, 10}, {2, 5}, {0, 0}};
    uint8_t want[32], out[32];
    size_t n = tu_hex("02 0a 4040 02 02 01 03 00 00", want, sizeof want);
    qb_wr w;
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(quic_frame_ack_encoded_len(rg, 3, 64, NULL), n);
    assert_int_equal(quic_frame_ack_encode(&w, rg, 3, 64, NULL), 0);
    assert_int_equal(w.off, n);
    assert_memory_equal(out, want, n);

    quic_frame f;
    qb_rd r;
    qb_rd_init(&r, want, n);
    assert_int_equal(quic_frame_decode(&r, &f), 0);
    assert_int_equal(r.off, n);
    assert_int_equal(f.ack.largest, 10);
    assert_int_equal(f.ack.ack_delay, 64);
    assert_int_equal(f.ack.range_count, 2);
    assert_int_equal(f.ack.smallest, 0);
    assert_int_equal(f.ack.ranges_len, 4);
    quic_ack_iter it;
    quic_ack_range got;
    size_t k = 0;
    quic_ack_iter_init(&it, &f);
    while (quic_ack_iter_next(&it, &got)) {
        assert_true(k < 3);
        assert_int_equal(got.smallest, rg[k].smallest);
        assert_int_equal(got.largest, rg[k].largest);
        k++;
    }
    assert_int_equal(k, 3);
    assert_int_equal(it.err, 0);
    check_case(&f, "02 0a 4040 02 02 01 03 00 00");

    /* §19.3.2: ACK_ECN with ECT0=1, ECT1=2, ECN-CE=300 */
    const quic_ack_range one = {5, 5};
    const uint64_t ecn[3] = {1, 2, 300};
    n = tu_hex("03 05 00 00 00 01 02 412c", want, sizeof want);
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(quic_frame_ack_encode(&w, &one, 1, 0, ecn), 0);
    assert_int_equal(w.off, n);
    assert_memory_equal(out, want, n);
    qb_rd_init(&r, want, n);
    assert_int_equal(quic_frame_decode(&r, &f), 0);
    assert_int_equal(f.ack.ecn[2], 300);
    check_case(&f, "03 05 00 00 00 01 02 412c");

    /* invalid range arrays: adjacent, overlapping, unordered, empty */
    const quic_ack_range adj[2] = {{5, 9}, {0, 4}};
    const quic_ack_range bad[1] = {{6, 5}};
    assert_int_equal(quic_frame_ack_encode(&w, adj, 2, 0, NULL), QUIC_FRAME_ERR_INVALID);
    assert_int_equal(quic_frame_ack_encode(&w, bad, 1, 0, NULL), QUIC_FRAME_ERR_INVALID);
    assert_int_equal(quic_frame_ack_encode(&w, rg, 0, 0, NULL), QUIC_FRAME_ERR_INVALID);
    const quic_ack_range ok2[2] = {{5, 9}, {0, 3}}; /* packet 4 missing: Gap 0 */
    assert_int_equal(quic_frame_ack_encoded_len(ok2, 2, 0, NULL), 7);

    /* how many ranges fit: 1 + 1 + 2 + 1 + 1 = 6 bytes for the first, 2 per more */
    assert_int_equal(quic_frame_ack_ranges_fit(rg, 3, 64, NULL, 5), 0);
    assert_int_equal(quic_frame_ack_ranges_fit(rg, 3, 64, NULL, 6), 1);
    assert_int_equal(quic_frame_ack_ranges_fit(rg, 3, 64, NULL, 9), 2);
    assert_int_equal(quic_frame_ack_ranges_fit(rg, 3, 64, NULL, 100), 3);

    /* no space: nothing written */
    qb_wr_init(&w, out, 5);
    assert_int_equal(quic_frame_ack_encode(&w, rg, 3, 64, NULL), QUIC_FRAME_ERR_NO_SPACE);
    assert_int_equal(w.off, 0);
}

/* The connection's received ranges (quic/ackrange.h) feed the encoder as they are. */
static void test_ack_from_ackrange(void **state)
{
    (void)state;
    static quic_ackrange a;
    quic_ackrange_init(&a, QUIC_ACKRANGE_DEFAULT, 25);
    const uint64_t pns[] = {0, 1, 2, 5, 6, 9};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(quic_ackrange_insert(&a, pns[i], true, 0), 0);
    quic_pn_range rg[8];
    size_t n = quic_ackrange_export(&a, rg, 8);
    assert_int_equal(n, 3);
    uint8_t want[16], out[16];
    /* [9,9], [5,6], [0,2]: Gap 9-6-2 = 1, Length 1; Gap 5-2-2 = 1, Length 2 */
    size_t wn = tu_hex("02 09 00 02 00 01 01 01 02", want, sizeof want);
    qb_wr w;
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(quic_frame_ack_encode(&w, rg, n, 0, NULL), 0);
    assert_int_equal(w.off, wn);
    assert_memory_equal(out, want, wn);
    quic_ackrange_free(&a);
}

/* Many ranges: encode from an array, decode, iterate back the same array. */
static void test_ack_many_ranges(void **state)
{
    (void)state;
    quic_ack_range rg[200];
    uint64_t pn = 1000000;
    for (size_t i = 0; i < 200; i++) {
        rg[i].largest = pn;
        rg[i].smallest = pn - (i % 7) * 30;
        pn = rg[i].smallest - 2 - (i % 5) * 100;
    }
    uint8_t buf[4096];
    qb_wr w;
    qb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(quic_frame_ack_encode(&w, rg, 200, 12345, NULL), 0);
    quic_frame f;
    qb_rd r;
    qb_rd_init(&r, buf, w.off);
    assert_int_equal(quic_frame_decode(&r, &f), 0);
    assert_int_equal(r.off, w.off);
    quic_ack_iter it;
    quic_ack_range got;
    size_t k = 0;
    quic_ack_iter_init(&it, &f);
    while (quic_ack_iter_next(&it, &got)) {
        assert_int_equal(got.largest, rg[k].largest);
        assert_int_equal(got.smallest, rg[k].smallest);
        k++;
    }
    assert_int_equal(k, 200);
    assert_int_equal(f.ack.smallest, rg[199].smallest);
}

static void expect_err(const char *hex, int err, int wire)
{
    uint8_t b[128];
    size_t n = tu_hex(hex, b, sizeof b);
    quic_frame f;
    qb_rd r;
    qb_rd_init(&r, b, n);
    assert_int_equal(quic_frame_decode(&r, &f), err);
    assert_int_equal(quic_err_to_wire(err), wire);
    assert_true(strlen(quic_err_str(err)) > 0);
}

static void expect_ok(const char *hex)
{
    uint8_t b[128];
    size_t n = tu_hex(hex, b, sizeof b);
    quic_frame f;
    qb_rd r;
    qb_rd_init(&r, b, n);
    assert_int_equal(quic_frame_decode(&r, &f), 0);
    assert_int_equal(r.off, n);
}

#define TOK "000102030405060708090a0b0c0d0e0f"
static void test_validation(void **state)
{
    (void)state;
    const int FEE = QUIC_FRAME_ENCODING_ERROR;
    /* truncated fields */
    expect_err("", QUIC_FRAME_ERR_TRUNCATED, FEE);
    expect_err("04 04 41", QUIC_FRAME_ERR_TRUNCATED, FEE);
    expect_err("06 00 05 6162", QUIC_FRAME_ERR_TRUNCATED, FEE);
    expect_err("18 01 00 04 c0ff", QUIC_FRAME_ERR_TRUNCATED, FEE);
    expect_err("18 01 00 04 c0ffee01 0001", QUIC_FRAME_ERR_TRUNCATED, FEE);
    expect_err("1a 01020304050607", QUIC_FRAME_ERR_TRUNCATED, FEE);
    expect_err("1c 07", QUIC_FRAME_ERR_TRUNCATED, FEE);
    expect_err("1d 00 05 6162", QUIC_FRAME_ERR_TRUNCATED, FEE);
    expect_err("02 05 00 02 00 01 00", QUIC_FRAME_ERR_TRUNCATED, FEE); /* 2 ranges, 1 there */
    expect_err("03 05 00 00 00 01 02", QUIC_FRAME_ERR_TRUNCATED, FEE); /* ECN short */
    expect_err("31 05 6162", QUIC_FRAME_ERR_TRUNCATED, FEE);
    expect_err("0a 00 05 6162", QUIC_FRAME_ERR_TRUNCATED, FEE);
    /* unknown / reserved types (§12.4) */
    expect_err("1f", QUIC_FRAME_ERR_UNKNOWN_TYPE, FEE);
    expect_err("20", QUIC_FRAME_ERR_UNKNOWN_TYPE, FEE);
    expect_err("32", QUIC_FRAME_ERR_UNKNOWN_TYPE, FEE);
    expect_err("4040", QUIC_FRAME_ERR_UNKNOWN_TYPE, FEE);
    /* frame type not in its shortest encoding: quince's choice, PROTOCOL_VIOLATION */
    expect_err("4001", QUIC_FRAME_ERR_TYPE_ENCODING, QUIC_PROTOCOL_VIOLATION);
    expect_err("80000006 00 00", QUIC_FRAME_ERR_TYPE_ENCODING, QUIC_PROTOCOL_VIOLATION);
    /* §19.3.1: a range below packet number 0 */
    expect_err("02 05 00 00 06", QUIC_FRAME_ERR_ACK_RANGE, FEE);
    expect_err("02 05 00 01 00 04 00", QUIC_FRAME_ERR_ACK_RANGE, FEE); /* Gap */
    expect_err("02 05 00 01 00 02 02", QUIC_FRAME_ERR_ACK_RANGE, FEE); /* Length */
    expect_ok("02 05 00 01 00 03 00");                                 /* reaches 0 */
    expect_ok("02 05 00 00 05");
    /* §19.8 and §19.6: offset + length above 2^62-1 */
    expect_err("0e 00 ffffffffffffffff 01 00", QUIC_FRAME_ERR_STREAM_OFFSET, FEE);
    expect_err("0c 00 ffffffffffffffff 00", QUIC_FRAME_ERR_STREAM_OFFSET, FEE);
    expect_ok("0e 00 ffffffffffffffff 00");
    expect_err("06 ffffffffffffffff 01 00", QUIC_FRAME_ERR_CRYPTO_OFFSET, FEE);
    expect_ok("06 fffffffffffffffe 01 00");
    /* §19.15 */
    expect_err("18 01 00 00" TOK, QUIC_FRAME_ERR_CID_LEN, FEE);
    expect_err("18 01 00 15 000102030405060708090a0b0c0d0e0f1011121314" TOK,
               QUIC_FRAME_ERR_CID_LEN, FEE);
    expect_ok("18 01 00 14 000102030405060708090a0b0c0d0e0f10111213" TOK);
    expect_err("18 01 02 04 c0ffee01" TOK, QUIC_FRAME_ERR_RETIRE_PRIOR_TO, FEE);
    expect_ok("18 02 02 04 c0ffee01" TOK);
    /* §19.11, §19.14 */
    expect_err("12 d000000000000001", QUIC_FRAME_ERR_MAX_STREAMS, FEE);
    expect_err("13 ffffffffffffffff", QUIC_FRAME_ERR_MAX_STREAMS, FEE);
    expect_err("16 d000000000000001", QUIC_FRAME_ERR_STREAMS_BLOCKED, FEE);
    expect_err("17 d000000000000001", QUIC_FRAME_ERR_STREAMS_BLOCKED, FEE);
    expect_ok("17 d000000000000000");
    /* §19.7 */
    expect_err("07 00", QUIC_FRAME_ERR_EMPTY_TOKEN, FEE);
    /* receive-side checks of the table */
    assert_int_equal(quic_err_to_wire(QUIC_FRAME_ERR_NOT_ALLOWED), QUIC_PROTOCOL_VIOLATION);
    assert_int_equal(quic_err_to_wire(QUIC_FRAME_ERR_SERVER_ONLY), QUIC_PROTOCOL_VIOLATION);
    assert_int_equal(quic_err_to_wire(QUIC_FRAME_ERR_NO_SPACE), QUIC_INTERNAL_ERROR);
    assert_int_equal(quic_err_to_wire(-1), QUIC_INTERNAL_ERROR);
    assert_int_equal(quic_err_to_wire(0), QUIC_NO_ERROR);
}

static void test_encode_errors(void **state)
{
    (void)state;
    uint8_t out[64];
    qb_wr w;
    quic_frame f;

    memset(&f, 0, sizeof f);
    f.type = 0x08; /* OFF clear but an offset given */
    f.stream.offset = 5;
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(quic_frame_encode(&w, &f), QUIC_FRAME_ERR_INVALID);
    assert_int_equal(w.off, 0);

    memset(&f, 0, sizeof f);
    f.type = QUIC_FT_NEW_CONNECTION_ID; /* cid_len 0 */
    assert_int_equal(quic_frame_encode(&w, &f), QUIC_FRAME_ERR_INVALID);
    memset(&f, 0, sizeof f);
    f.type = QUIC_FT_PADDING; /* count 0 */
    assert_int_equal(quic_frame_encode(&w, &f), QUIC_FRAME_ERR_INVALID);
    f.type = 0x21;
    assert_int_equal(quic_frame_encode(&w, &f), QUIC_FRAME_ERR_INVALID);
    memset(&f, 0, sizeof f);
    f.type = QUIC_FT_MAX_DATA;
    f.max_data.max = QB_VARINT_MAX + 1;
    assert_int_equal(quic_frame_encode(&w, &f), QUIC_FRAME_ERR_INVALID);
    assert_int_equal(quic_frame_encoded_len(&f), 0);
    f.type = QUIC_FT_CRYPTO; /* data pointer missing */
    f.crypto.offset = 0;
    f.crypto.len = 3;
    assert_int_equal(quic_frame_encode(&w, &f), QUIC_FRAME_ERR_INVALID);

    /* no space: nothing left behind */
    memset(&f, 0, sizeof f);
    f.type = QUIC_FT_CONNECTION_CLOSE_APP;
    f.close.reason = (const uint8_t *)"graceful shutdown";
    f.close.reason_len = 17;
    qb_wr_init(&w, out, 10);
    assert_int_equal(quic_frame_encode(&w, &f), QUIC_FRAME_ERR_NO_SPACE);
    assert_int_equal(w.off, 0);
    f.type = QUIC_FT_PADDING;
    f.padding.count = 11;
    assert_int_equal(quic_frame_encode(&w, &f), QUIC_FRAME_ERR_NO_SPACE);
    assert_int_equal(w.off, 0);
    f.padding.count = 10;
    assert_int_equal(quic_frame_encode(&w, &f), 0);
    assert_int_equal(w.off, 10);
}

static void test_table(void **state)
{
    (void)state;
    /* Table 3's Pkts column */
    assert_true(quic_frame_allowed(QUIC_FT_PADDING, QUIC_PKT_INITIAL));
    assert_true(quic_frame_allowed(QUIC_FT_PING, QUIC_PKT_0RTT));
    assert_true(quic_frame_allowed(QUIC_FT_ACK, QUIC_PKT_HANDSHAKE));
    assert_false(quic_frame_allowed(QUIC_FT_ACK, QUIC_PKT_0RTT));
    assert_false(quic_frame_allowed(QUIC_FT_ACK_ECN, QUIC_PKT_0RTT));
    assert_true(quic_frame_allowed(QUIC_FT_CRYPTO, QUIC_PKT_INITIAL));
    assert_false(quic_frame_allowed(QUIC_FT_CRYPTO, QUIC_PKT_0RTT));
    assert_false(quic_frame_allowed(QUIC_FT_NEW_TOKEN, QUIC_PKT_0RTT));
    assert_true(quic_frame_allowed(QUIC_FT_NEW_TOKEN, QUIC_PKT_1RTT));
    for (uint64_t t = 0x08; t <= 0x0f; t++) {
        assert_false(quic_frame_allowed(t, QUIC_PKT_HANDSHAKE));
        assert_true(quic_frame_allowed(t, QUIC_PKT_0RTT));
        assert_true(quic_frame_is_flow_controlled(t));
    }
    assert_false(quic_frame_allowed(QUIC_FT_PATH_RESPONSE, QUIC_PKT_0RTT));
    assert_true(quic_frame_allowed(QUIC_FT_PATH_CHALLENGE, QUIC_PKT_0RTT));
    assert_true(quic_frame_allowed(QUIC_FT_CONNECTION_CLOSE, QUIC_PKT_INITIAL));
    assert_false(quic_frame_allowed(QUIC_FT_CONNECTION_CLOSE_APP, QUIC_PKT_INITIAL));
    assert_false(quic_frame_allowed(QUIC_FT_CONNECTION_CLOSE_APP, QUIC_PKT_HANDSHAKE));
    assert_true(quic_frame_allowed(QUIC_FT_CONNECTION_CLOSE_APP, QUIC_PKT_1RTT));
    assert_false(quic_frame_allowed(QUIC_FT_HANDSHAKE_DONE, QUIC_PKT_HANDSHAKE));
    assert_true(quic_frame_allowed(QUIC_FT_DATAGRAM, QUIC_PKT_0RTT));
    assert_true(quic_frame_allowed(QUIC_FT_DATAGRAM_LEN, QUIC_PKT_1RTT));
    assert_false(quic_frame_allowed(QUIC_FT_DATAGRAM_LEN, QUIC_PKT_INITIAL));
    assert_false(quic_frame_allowed(QUIC_FT_PING, QUIC_PKT_RETRY));
    assert_false(quic_frame_allowed(QUIC_FT_PING, QUIC_PKT_VN));
    assert_false(quic_frame_allowed(0x1f, QUIC_PKT_1RTT));
    /* every defined type is allowed in 1-RTT (§12.4) */
    for (uint64_t t = 0; t <= 0x1e; t++)
        assert_true(quic_frame_allowed(t, QUIC_PKT_1RTT));
    /* N / C / P / F */
    assert_false(quic_frame_is_ack_eliciting(QUIC_FT_PADDING));
    assert_true(quic_frame_is_in_flight(QUIC_FT_PADDING));
    assert_true(quic_frame_is_probing(QUIC_FT_PADDING));
    assert_false(quic_frame_is_ack_eliciting(QUIC_FT_ACK));
    assert_false(quic_frame_is_in_flight(QUIC_FT_ACK_ECN));
    assert_false(quic_frame_is_ack_eliciting(QUIC_FT_CONNECTION_CLOSE));
    assert_true(quic_frame_is_in_flight(QUIC_FT_CONNECTION_CLOSE));
    assert_true(quic_frame_is_ack_eliciting(QUIC_FT_PING));
    assert_true(quic_frame_is_ack_eliciting(QUIC_FT_DATAGRAM_LEN));
    assert_true(quic_frame_is_in_flight(QUIC_FT_DATAGRAM_LEN));
    assert_false(quic_frame_is_flow_controlled(QUIC_FT_DATAGRAM_LEN));
    assert_true(quic_frame_is_probing(QUIC_FT_NEW_CONNECTION_ID));
    assert_true(quic_frame_is_probing(QUIC_FT_PATH_RESPONSE));
    assert_false(quic_frame_is_probing(QUIC_FT_PING));
    /* receive checks */
    assert_int_equal(quic_frame_check_recv(QUIC_FT_HANDSHAKE_DONE, QUIC_PKT_1RTT, true), 0);
    assert_int_equal(quic_frame_check_recv(QUIC_FT_HANDSHAKE_DONE, QUIC_PKT_1RTT, false),
                     QUIC_FRAME_ERR_SERVER_ONLY);
    assert_int_equal(quic_frame_check_recv(QUIC_FT_NEW_TOKEN, QUIC_PKT_1RTT, false),
                     QUIC_FRAME_ERR_SERVER_ONLY);
    assert_int_equal(quic_frame_check_recv(QUIC_FT_STREAM, QUIC_PKT_INITIAL, false),
                     QUIC_FRAME_ERR_NOT_ALLOWED);
    assert_int_equal(quic_frame_check_recv(0x40, QUIC_PKT_1RTT, false),
                     QUIC_FRAME_ERR_UNKNOWN_TYPE);
    /* names */
    assert_string_equal(quic_frame_type_name(0x0e), "STREAM");
    assert_string_equal(quic_frame_type_name(QUIC_FT_ACK_ECN), "ACK_ECN");
    assert_string_equal(quic_frame_type_name(QUIC_FT_DATAGRAM_LEN), "DATAGRAM_LEN");
    assert_string_equal(quic_frame_type_name(0x1f), "UNKNOWN");
    assert_null(quic_frame_row_get(0x2f));
}

static void test_packing(void **state)
{
    (void)state;
    assert_int_equal(quic_frame_stream_overhead(4, 0, 100, true), 4);
    assert_int_equal(quic_frame_stream_overhead(4, 0, 100, false), 2);
    assert_int_equal(quic_frame_stream_overhead(4, 1000, 100, true), 6);
    assert_int_equal(quic_frame_crypto_overhead(0, 238), 4);
    assert_int_equal(quic_frame_datagram_overhead(9, true), 2);
    assert_int_equal(quic_frame_datagram_overhead(9, false), 1);
    assert_int_equal(quic_frame_stream_fit(4, 0, 70), 66);
    assert_int_equal(quic_frame_stream_fit(4, 0, 2), 0);
    assert_int_equal(quic_frame_stream_fit(4, 0, 3), 0);
    assert_int_equal(quic_frame_stream_fit(4, 0, 4), 1);

    /* fit is the most that fits, checked against the real encoder */
    static uint8_t data[20000];
    static uint8_t out[20100];
    const uint64_t ids[] = {0, 63, 64, 16383, 16384};
    const uint64_t offs[] = {0, 1, 100, 70000, 1ULL << 40};
    for (size_t a = 0; a < 5; a++) {
        for (size_t b = 0; b < 5; b++) {
            for (size_t space = 1; space < 20000; space += (space < 100 ? 1 : 97)) {
                size_t d = quic_frame_stream_fit(ids[a], offs[b], space);
                if (d == 0)
                    continue;
                quic_frame f;
                memset(&f, 0, sizeof f);
                f.type = 0x0a | (offs[b] ? QUIC_FT_STREAM_BIT_OFF : 0);
                f.stream.stream_id = ids[a];
                f.stream.offset = offs[b];
                f.stream.data = data;
                f.stream.len = d;
                size_t n = quic_frame_encoded_len(&f);
                assert_true(n <= space);
                assert_int_equal(n, quic_frame_stream_overhead(ids[a], offs[b], d, true) + d);
                f.stream.len = d + 1;
                assert_true(quic_frame_encoded_len(&f) > space);
                qb_wr w;
                qb_wr_init(&w, out, space);
                f.stream.len = d;
                assert_int_equal(quic_frame_encode(&w, &f), 0);

                size_t c = quic_frame_crypto_fit(offs[b], space);
                assert_true(c == 0 || quic_frame_crypto_overhead(offs[b], c) + c <= space);
                assert_true(quic_frame_crypto_overhead(offs[b], c + 1) + c + 1 > space);
            }
        }
    }
}

/* Several frames in a row, as in a packet payload; PADDING runs collapse. */
static void test_sequence(void **state)
{
    (void)state;
    uint8_t in[64];
    size_t n = tu_hex("01 0000 0000 02 00 00 00 00 1e 00", in, sizeof in);
    const uint64_t want[] = {QUIC_FT_PING, QUIC_FT_PADDING, QUIC_FT_ACK, QUIC_FT_HANDSHAKE_DONE,
                             QUIC_FT_PADDING};
    qb_rd r;
    qb_rd_init(&r, in, n);
    size_t k = 0;
    quic_frame f;
    while (qb_rd_left(&r)) {
        assert_int_equal(quic_frame_decode(&r, &f), 0);
        assert_true(k < 5);
        assert_int_equal(f.type, want[k]);
        if (k == 1)
            assert_int_equal(f.padding.count, 4);
        k++;
    }
    assert_int_equal(k, 5);
}

static void expect_describe(const char *hex, const char *want)
{
    uint8_t b[64];
    char line[128];
    size_t n = tu_hex(hex, b, sizeof b);
    quic_frame f;
    qb_rd r;
    qb_rd_init(&r, b, n);
    assert_int_equal(quic_frame_decode(&r, &f), 0);
    assert_int_equal(quic_frame_describe(&f, line, sizeof line), strlen(want));
    assert_string_equal(line, want);
}

static void test_describe(void **state)
{
    (void)state;
    expect_describe("0f 00 00 4004 70696e67", "STREAM id=0 off=0 len=4 fin");
    expect_describe("02 0a 4040 02 02 01 03 00 00", "ACK delay=64 ranges=8-10,2-5,0-0");
    expect_describe("03 05 00 00 00 01 02 412c", "ACK_ECN delay=0 ranges=5-5 ecn=1/2/300");
    expect_describe("1c 07 06 03 626164", "CONNECTION_CLOSE code=0x7 (FRAME_ENCODING_ERROR) frame=CRYPTO reason=\"bad\"");
    expect_describe("04 04 4100 43e8", "RESET_STREAM 4 256 1000");
    expect_describe("000000", "PADDING x3");
    expect_describe("1e", "HANDSHAKE_DONE");
    expect_describe("31 02 0000", "DATAGRAM len=2");
    /* truncation keeps a terminated string */
    uint8_t b[16];
    char small[8];
    size_t n = tu_hex("0f 00 00 4004 70696e67", b, sizeof b);
    quic_frame f;
    qb_rd r;
    qb_rd_init(&r, b, n);
    assert_int_equal(quic_frame_decode(&r, &f), 0);
    assert_int_equal(quic_frame_describe(&f, small, sizeof small), 7);
    assert_string_equal(small, "STREAM ");
}

/* The frame table is one row per frame type, sorted and disjoint, each with its
 * four codec functions; DATAGRAM (RFC 9221) is found like any other row. */
static void test_frame_rows_sorted_complete_and_found_by_type(void **state)
{
    (void)state;
    uint64_t prev_hi = 0;
    for (int id = 0; id < QUIC_FRAME_ROWS; id++) {
        const quic_frame_row *row = quic_frame_row_at(id);
        assert_non_null(row);
        assert_true(row->lo <= row->hi);
        if (id > 0)
            assert_true(row->lo > prev_hi);
        prev_hi = row->hi;
        assert_non_null(row->name);
        assert_non_null(row->decode);
        assert_non_null(row->emit);
        assert_non_null(row->equal);
        assert_non_null(row->describe);
        assert_true(row->pkts != 0);
        for (uint64_t t = row->lo; t <= row->hi; t++) {
            assert_int_equal(quic_frame_row_find(t), id);
            assert_string_equal(quic_frame_type_name(t), row->name);
        }
    }
    assert_null(quic_frame_row_at(QUIC_FRAME_ROWS));
    assert_null(quic_frame_row_at(-1));
    assert_int_equal(quic_frame_row_find(QUIC_FT_DATAGRAM), QUIC_FRAME_ROW_DATAGRAM);
    assert_int_equal(quic_frame_row_find(QUIC_FT_DATAGRAM_LEN), QUIC_FRAME_ROW_DATAGRAM_LEN);
    assert_int_equal(quic_frame_row_find(0x0d), QUIC_FRAME_ROW_STREAM);
    assert_int_equal(quic_frame_row_find(0x1f), -1);
    assert_int_equal(quic_frame_row_find(0x2f), -1);
    assert_int_equal(quic_frame_row_find(0x32), -1);
    assert_int_equal(quic_frame_row_find(UINT64_MAX), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_frames),    cmocka_unit_test(test_data_frames),
        cmocka_unit_test(test_widths_preserved), cmocka_unit_test(test_ack),
        cmocka_unit_test(test_ack_many_ranges),  cmocka_unit_test(test_validation),
        cmocka_unit_test(test_ack_from_ackrange), cmocka_unit_test(test_describe),
        cmocka_unit_test(test_encode_errors),    cmocka_unit_test(test_table),
        cmocka_unit_test(test_packing),          cmocka_unit_test(test_sequence),
        cmocka_unit_test(test_frame_rows_sorted_complete_and_found_by_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
