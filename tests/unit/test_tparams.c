/* QUIC transport parameters (RFC 9000 §18, RFC 9221 §3): defaults, a realistic
 * quic-go server block (values from /work/shared/INTEROP-QUICGO.md, with a
 * GREASE parameter), round trips, and one test per rejection rule. */
#include "common/tu.h"
#include "quic/quic_err.h"
#include "quic/tparams.h"

#include <string.h>

/* A quic-go server's block built by hand: GREASE id 182 = 31*5+27 with 4 random
 * bytes, then the parameters in the order quince's encoder writes them. */
#define QG_GREASE "40b6 04 deadbeef"
#define QG_BODY                                                                    \
    "00 08 8394c8f03e515708" /* original_destination_connection_id */              \
    "01 04 80007530"         /* max_idle_timeout 30000 */                          \
    "03 02 45ac"             /* max_udp_payload_size 1452 */                       \
    "04 04 800c0000"         /* initial_max_data 786432 */                         \
    "05 04 80080000"         /* initial_max_stream_data_bidi_local 524288 */       \
    "06 04 80080000"         /* initial_max_stream_data_bidi_remote 524288 */      \
    "07 04 80080000"         /* initial_max_stream_data_uni 524288 */              \
    "08 02 4064"             /* initial_max_streams_bidi 100 */                    \
    "09 02 4064"             /* initial_max_streams_uni 100 */                     \
    "0b 01 1a"               /* max_ack_delay 26 */                                \
    "0e 01 04"               /* active_connection_id_limit 4 */                    \
    "20 02 7fff"             /* max_datagram_frame_size 16383 */                   \
    "0f 04 a1b2c3d4"         /* initial_source_connection_id, 4 bytes */

static void test_defaults(void **state)
{
    (void)state;
    quic_tparams tp;
    memset(&tp, 0xa5, sizeof tp);
    quic_tparams_init(&tp);
    assert_int_equal(tp.max_udp_payload_size, 65527);
    assert_int_equal(tp.ack_delay_exponent, 3);
    assert_int_equal(tp.max_ack_delay, 25);
    assert_int_equal(tp.active_connection_id_limit, 2);
    assert_int_equal(tp.max_idle_timeout, 0);
    assert_int_equal(tp.initial_max_data, 0);
    assert_int_equal(tp.max_datagram_frame_size, 0);
    assert_false(tp.has_max_datagram_frame_size);
    assert_false(tp.has_initial_scid);
    assert_false(tp.disable_active_migration);
    /* an empty block is all defaults */
    quic_tparams d;
    assert_int_equal(quic_tparams_decode(NULL, 0, true, &d), 0);
    assert_true(quic_tparams_equal(&tp, &d));
    /* and encoding the defaults writes nothing */
    uint8_t out[8];
    qb_wr w;
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(quic_tparams_encode(&w, &tp, true), 0);
    assert_int_equal(w.off, 0);
}

static void test_quicgo_server(void **state)
{
    (void)state;
    uint8_t in[256], out[256];
    size_t n = tu_hex(QG_GREASE QG_BODY, in, sizeof in);
    quic_tparams tp;
    assert_int_equal(quic_tparams_decode(in, n, true, &tp), 0);
    assert_true(tp.has_original_dcid);
    assert_int_equal(tp.original_dcid.len, 8);
    assert_memory_equal(tp.original_dcid.bytes, "\x83\x94\xc8\xf0\x3e\x51\x57\x08", 8);
    assert_int_equal(tp.max_idle_timeout, 30000);
    assert_int_equal(tp.max_udp_payload_size, 1452);
    assert_int_equal(tp.initial_max_data, 786432);
    assert_int_equal(tp.initial_max_stream_data_bidi_local, 524288);
    assert_int_equal(tp.initial_max_stream_data_bidi_remote, 524288);
    assert_int_equal(tp.initial_max_stream_data_uni, 524288);
    assert_int_equal(tp.initial_max_streams_bidi, 100);
    assert_int_equal(tp.initial_max_streams_uni, 100);
    assert_int_equal(tp.ack_delay_exponent, 3); /* absent: default */
    assert_int_equal(tp.max_ack_delay, 26);
    assert_int_equal(tp.active_connection_id_limit, 4);
    assert_true(tp.has_max_datagram_frame_size);
    assert_int_equal(tp.max_datagram_frame_size, 16383);
    assert_true(tp.has_initial_scid);
    assert_int_equal(tp.initial_scid.len, 4);
    assert_memory_equal(tp.initial_scid.bytes, "\xa1\xb2\xc3\xd4", 4);
    assert_false(tp.has_retry_scid);
    assert_false(tp.has_stateless_reset_token);
    assert_false(tp.has_preferred_address);
    assert_false(tp.disable_active_migration);
    assert_int_equal(tp.grease_id, 0);

    /* quince's encoder writes the same body (the GREASE value aside) */
    size_t bn = tu_hex(QG_BODY, in, sizeof in);
    qb_wr w;
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(quic_tparams_encode(&w, &tp, true), 0);
    assert_int_equal(w.off, bn);
    assert_memory_equal(out, in, bn);
    /* with a GREASE id of our own: written first with an empty value */
    tp.grease_id = 182;
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(quic_tparams_encode(&w, &tp, true), 0);
    assert_int_equal(w.off, bn + 3);
    assert_memory_equal(out, "\x40\xb6\x00", 3);
    assert_memory_equal(out + 3, in, bn);
    /* a client must not send the server-only ODCID */
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(quic_tparams_encode(&w, &tp, false), QUIC_TP_ERR_INVALID);
    assert_int_equal(w.off, 0);
    /* and the same bytes from a client are rejected */
    n = tu_hex(QG_GREASE QG_BODY, in, sizeof in);
    assert_int_equal(quic_tparams_decode(in, n, false, &tp), QUIC_TP_ERR_SERVER_ONLY);
}

static void test_round_trip_all(void **state)
{
    (void)state;
    quic_tparams tp, d;
    quic_tparams_init(&tp);
    tp.max_idle_timeout = 1;
    tp.max_udp_payload_size = 1200;
    tp.initial_max_data = QB_VARINT_MAX;
    tp.initial_max_stream_data_bidi_local = 2;
    tp.initial_max_stream_data_bidi_remote = 3;
    tp.initial_max_stream_data_uni = 4;
    tp.initial_max_streams_bidi = QUIC_TP_MAX_STREAMS_LIMIT;
    tp.initial_max_streams_uni = 5;
    tp.ack_delay_exponent = 20;
    tp.max_ack_delay = 16383;
    tp.active_connection_id_limit = 8;
    tp.has_max_datagram_frame_size = true;
    tp.max_datagram_frame_size = 0; /* present with 0 stays present */
    tp.disable_active_migration = true;
    tp.has_original_dcid = true;
    tp.original_dcid.len = 20;
    memset(tp.original_dcid.bytes, 0x11, 20);
    tp.has_initial_scid = true; /* empty, like a quic-go client's */
    tp.has_retry_scid = true;
    tp.retry_scid.len = 5;
    memcpy(tp.retry_scid.bytes, "retry", 5);
    tp.has_stateless_reset_token = true;
    memset(tp.stateless_reset_token, 0x22, 16);
    tp.has_preferred_address = true;
    memcpy(tp.preferred_address.ipv4, "\x7f\x00\x00\x01", 4);
    tp.preferred_address.ipv4_port = 4433;
    tp.preferred_address.ipv6[15] = 1;
    tp.preferred_address.ipv6_port = 4434;
    tp.preferred_address.cid.len = 8;
    memset(tp.preferred_address.cid.bytes, 0x33, 8);
    memset(tp.preferred_address.reset_token, 0x44, 16);

    uint8_t out[512];
    qb_wr w;
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(quic_tparams_encode(&w, &tp, true), 0);
    assert_int_equal(quic_tparams_decode(out, w.off, true, &d), 0);
    assert_true(quic_tparams_equal(&tp, &d));
    assert_int_equal(d.initial_scid.len, 0);
    assert_true(d.has_initial_scid);
    assert_int_equal(d.preferred_address.ipv4_port, 4433);

    /* equality notices a change */
    d.preferred_address.cid.bytes[7] ^= 1;
    assert_false(quic_tparams_equal(&tp, &d));

    /* no space: nothing left written */
    size_t full = w.off;
    for (size_t cap = 0; cap < full; cap++) {
        qb_wr_init(&w, out, cap);
        assert_int_equal(quic_tparams_encode(&w, &tp, true), QUIC_TP_ERR_NO_SPACE);
        assert_int_equal(w.off, 0);
    }
    /* invalid values are never sent */
    quic_tparams bad = tp;
    bad.ack_delay_exponent = 21;
    qb_wr_init(&w, out, sizeof out);
    assert_int_equal(quic_tparams_encode(&w, &bad, true), QUIC_TP_ERR_INVALID);
    bad = tp;
    bad.preferred_address.cid.len = 0;
    assert_int_equal(quic_tparams_encode(&w, &bad, true), QUIC_TP_ERR_INVALID);
    bad = tp;
    bad.initial_scid.len = 21;
    assert_int_equal(quic_tparams_encode(&w, &bad, true), QUIC_TP_ERR_INVALID);
    bad = tp;
    bad.grease_id = 28; /* not 31*N+27 */
    assert_int_equal(quic_tparams_encode(&w, &bad, true), QUIC_TP_ERR_INVALID);
    assert_int_equal(w.off, 0);
}

static void expect(const char *hex, bool from_server, int err)
{
    uint8_t b[256];
    size_t n = tu_hex(hex, b, sizeof b);
    quic_tparams tp;
    assert_int_equal(quic_tparams_decode(b, n, from_server, &tp), err);
    if (err) {
        assert_int_equal(quic_err_to_wire(err), QUIC_TRANSPORT_PARAMETER_ERROR);
        assert_true(strlen(quic_err_str(err)) > 0);
    }
}

#define TOK16 "000102030405060708090a0b0c0d0e0f"
#define PA_ADDR "7f000001 115c 00000000000000000000000000000001 115d"

static void test_rejections(void **state)
{
    (void)state;
    /* truncated id, length or value */
    expect("01", true, QUIC_TP_ERR_TRUNCATED);
    expect("40", true, QUIC_TP_ERR_TRUNCATED);
    expect("01 04 8000", true, QUIC_TP_ERR_TRUNCATED);
    expect("0f 05 635f63", true, QUIC_TP_ERR_TRUNCATED);
    /* §7.4: duplicates, known and unknown (GREASE included) */
    expect("0a 01 03 0a 01 03", true, QUIC_TP_ERR_DUPLICATE);
    expect("0f 00 01 01 05 0f 00", false, QUIC_TP_ERR_DUPLICATE);
    expect("1b 00 1b 01 ff", true, QUIC_TP_ERR_DUPLICATE);
    expect("40b6 00 01 01 00 40b6 02 0000", false, QUIC_TP_ERR_DUPLICATE);
    expect("80ff04de 00 80ff04de 00", false, QUIC_TP_ERR_DUPLICATE);
    expect("1b 00 40b6 00 80ff04de 01 00", false, 0); /* distinct unknowns: skipped */
    /* value length not matching its varint */
    expect("01 00", true, QUIC_TP_ERR_VARINT_LEN);
    expect("01 01 40", true, QUIC_TP_ERR_VARINT_LEN);
    expect("01 02 05 00", true, QUIC_TP_ERR_VARINT_LEN);
    expect("20 03 4001 00", true, QUIC_TP_ERR_VARINT_LEN);
    expect("01 02 4005", true, 0); /* non-shortest varint filling the value: fine */
    /* §18.2: server-only parameters from a client */
    expect("00 08 0001020304050607", false, QUIC_TP_ERR_SERVER_ONLY);
    expect("02 10" TOK16, false, QUIC_TP_ERR_SERVER_ONLY);
    expect("0d 2d" PA_ADDR "04 01020304" TOK16, false, QUIC_TP_ERR_SERVER_ONLY);
    expect("10 04 01020304", false, QUIC_TP_ERR_SERVER_ONLY);
    expect("02 10" TOK16, true, 0);
    expect("10 04 01020304", true, 0);
    /* integer limits */
    expect("0a 01 15", true, QUIC_TP_ERR_ACK_DELAY_EXPONENT);
    expect("0a 01 14", true, 0);
    expect("0b 04 80004000", true, QUIC_TP_ERR_MAX_ACK_DELAY);
    expect("0b 02 7fff", true, 0);
    expect("03 02 44af", true, QUIC_TP_ERR_MAX_UDP_PAYLOAD);
    expect("03 01 00", true, QUIC_TP_ERR_MAX_UDP_PAYLOAD);
    expect("03 02 44b0", true, 0);
    expect("0e 01 01", false, QUIC_TP_ERR_ACTIVE_CID_LIMIT);
    expect("0e 01 00", false, QUIC_TP_ERR_ACTIVE_CID_LIMIT);
    expect("0e 01 02", false, 0);
    expect("08 08 d000000000000001", false, QUIC_TP_ERR_MAX_STREAMS);
    expect("09 08 d000000000000001", false, QUIC_TP_ERR_MAX_STREAMS);
    expect("09 08 d000000000000000", false, 0);
    /* connection IDs above 20 bytes */
    expect("0f 15 000102030405060708090a0b0c0d0e0f1011121314", false, QUIC_TP_ERR_CID_LEN);
    expect("00 15 000102030405060708090a0b0c0d0e0f1011121314", true, QUIC_TP_ERR_CID_LEN);
    expect("10 15 000102030405060708090a0b0c0d0e0f1011121314", true, QUIC_TP_ERR_CID_LEN);
    expect("0f 14 000102030405060708090a0b0c0d0e0f10111213", false, 0);
    /* stateless reset token not 16 bytes */
    expect("02 0f 000102030405060708090a0b0c0d0e", true, QUIC_TP_ERR_RESET_TOKEN_LEN);
    expect("02 11" TOK16 "10", true, QUIC_TP_ERR_RESET_TOKEN_LEN);
    expect("02 00", true, QUIC_TP_ERR_RESET_TOKEN_LEN);
    /* disable_active_migration must be empty */
    expect("0c 01 00", false, QUIC_TP_ERR_DISABLE_MIGRATION);
    expect("0c 00", false, 0);
    /* preferred_address: exact layout, CID of 1..20 bytes */
    expect("0d 2d" PA_ADDR "04 01020304" TOK16, true, 0);
    expect("0d 29" PA_ADDR "00" TOK16, true, QUIC_TP_ERR_PREFERRED_ADDRESS);
    expect("0d 2c" PA_ADDR "04 01020304 000102030405060708090a0b0c0d0e", true,
           QUIC_TP_ERR_PREFERRED_ADDRESS);
    expect("0d 2e" PA_ADDR "04 01020304" TOK16 "ff", true, QUIC_TP_ERR_PREFERRED_ADDRESS);
    expect("0d 10" PA_ADDR, true, QUIC_TP_ERR_PREFERRED_ADDRESS);
    expect("0d 3e" PA_ADDR "15 000102030405060708090a0b0c0d0e0f1011121314" TOK16, true,
           QUIC_TP_ERR_PREFERRED_ADDRESS);

    /* bounded memory for unknown ids: QUIC_TP_MAX_UNKNOWN, then refused */
    uint8_t b[1024];
    size_t n = 0;
    for (unsigned i = 0; i <= QUIC_TP_MAX_UNKNOWN; i++) {
        uint16_t id = (uint16_t)(0x4000 | (0x100 + i)); /* 2-byte ids 0x100.. */
        b[n++] = (uint8_t)(id >> 8);
        b[n++] = (uint8_t)id;
        b[n++] = 0;
    }
    quic_tparams tp;
    assert_int_equal(quic_tparams_decode(b, n - 3, false, &tp), 0);
    assert_int_equal(quic_tparams_decode(b, n, false, &tp), QUIC_TP_ERR_TOO_MANY);

    /* the encoder's own codes are not the peer's fault */
    assert_int_equal(quic_err_to_wire(QUIC_TP_ERR_NO_SPACE), QUIC_INTERNAL_ERROR);
    assert_int_equal(quic_err_to_wire(0), QUIC_NO_ERROR);
}

/* RFC 9368 §3: version_information (0x11), Chosen Version then Available
 * Versions, 4 bytes each; §4: parsing failures are TRANSPORT_PARAMETER_ERROR. */
static void test_version_information_round_trip_and_rejections(void **state)
{
    (void)state;
    quic_tparams tp, back;
    quic_tparams_init(&tp);
    tp.has_version_info = true;
    tp.version_info.chosen = 0x00000001;
    tp.version_info.available[0] = 0x6b3343cf;
    tp.version_info.available[1] = 0x00000001;
    tp.version_info.available[2] = 0x1a2a3a4a; /* reserved versions may be listed */
    tp.version_info.n_available = 3;
    uint8_t buf[128];
    qb_wr w;
    qb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(quic_tparams_encode(&w, &tp, false), 0);
    uint8_t want[20];
    size_t wn = tu_hex("11 10 00000001 6b3343cf 00000001 1a2a3a4a", want, sizeof want);
    assert_int_equal(w.off, wn);
    assert_memory_equal(buf, want, wn);
    assert_int_equal(quic_tparams_decode(buf, w.off, false, &back), 0);
    assert_true(back.has_version_info);
    assert_int_equal(back.version_info.chosen, 1);
    assert_int_equal(back.version_info.n_available, 3);
    assert_int_equal(back.version_info.available[0], 0x6b3343cf);
    assert_true(quic_tparams_equal(&tp, &back));
    back.version_info.available[0] = 2;
    assert_false(quic_tparams_equal(&tp, &back));

    /* a server's Available Versions may be empty; its Chosen need not be listed */
    expect("11 04 6b3343cf", true, 0);
    expect("11 08 6b3343cf 00000001", true, 0);
    /* too short, not a multiple of 4, zero versions */
    expect("11 00", true, QUIC_TP_ERR_VERSION_INFO);
    expect("11 03 000001", true, QUIC_TP_ERR_VERSION_INFO);
    expect("11 06 00000001 0000", true, QUIC_TP_ERR_VERSION_INFO);
    expect("11 04 00000000", true, QUIC_TP_ERR_VERSION_INFO);
    expect("11 08 00000001 00000000", false, QUIC_TP_ERR_VERSION_INFO);
    /* a client's Chosen Version must be among its Available Versions */
    expect("11 04 00000001", false, QUIC_TP_ERR_VERSION_INFO);
    expect("11 08 00000001 6b3343cf", false, QUIC_TP_ERR_VERSION_INFO);
    expect("11 0c 00000001 6b3343cf 00000001", false, 0);
    assert_int_equal(quic_err_to_wire(QUIC_TP_ERR_VERSION_INFO), QUIC_TRANSPORT_PARAMETER_ERROR);

    /* bounded: QUIC_TP_VERSIONS_MAX Available Versions, then refused (found by
     * fuzz_tparams: a longer list cut short lost a client's Chosen Version) */
    uint8_t b[8 + 4 * (QUIC_TP_VERSIONS_MAX + 2)];
    for (size_t extra = 0; extra < 2; extra++) {
        size_t nv = QUIC_TP_VERSIONS_MAX + extra, n = 0;
        b[n++] = 0x11;
        b[n++] = 0x40 | (uint8_t)((4 + 4 * nv) >> 8);
        b[n++] = (uint8_t)(4 + 4 * nv);
        qb_put_u32(b + n, 0x6b3343cf);
        n += 4;
        for (size_t i = 0; i < nv; i++, n += 4)
            qb_put_u32(b + n, i + 1 == nv ? 0x6b3343cf : 0x0a0a0a0a + (uint32_t)i);
        quic_tparams d;
        assert_int_equal(quic_tparams_decode(b, n, false, &d), extra ? QUIC_TP_ERR_VERSION_INFO : 0);
    }
}

static void test_grease_ids(void **state)
{
    (void)state;
    assert_true(quic_tparams_is_grease(27));
    assert_true(quic_tparams_is_grease(58));
    assert_true(quic_tparams_is_grease(182));
    assert_true(quic_tparams_is_grease(31ULL * 1000000 + 27));
    assert_false(quic_tparams_is_grease(0));
    assert_false(quic_tparams_is_grease(26));
    assert_false(quic_tparams_is_grease(28));
    assert_false(quic_tparams_is_grease(0x20));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),       cmocka_unit_test(test_quicgo_server),
        cmocka_unit_test(test_round_trip_all), cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_grease_ids),
        cmocka_unit_test(test_version_information_round_trip_and_rejections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
