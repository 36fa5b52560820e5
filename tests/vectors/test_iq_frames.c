/* Frames and transport parameters of a real connection ("The Illustrated QUIC
 * Connection", tests/vectors/illustrated-quic): every decrypted packet payload
 * decodes into the expected frames and re-encodes byte for byte; the CRYPTO data
 * equals the TLS messages; the quic_transport_parameters extensions of the
 * ClientHello and EncryptedExtensions decode to the values the capture carries. */
#include "common/tu.h"
#include "quic/frame.h"
#include "quic/tparams.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXF 16

typedef struct payload {
    const char *file;
    size_t nframes;
    uint64_t types[MAXF];
} payload;

/* Frame types per payload, read off the bytes (RFC 9000 §19). */
static const payload payloads[] = {
    {"pkt_payload01_cinit0", 1, {QUIC_FT_CRYPTO}},
    {"pkt_payload02_sinit0", 2, {QUIC_FT_ACK, QUIC_FT_CRYPTO}},
    {"pkt_payload03_shand0", 1, {QUIC_FT_CRYPTO}},
    {"pkt_payload04_shand1", 1, {QUIC_FT_CRYPTO}},
    {"pkt_payload05_cinit1", 1, {QUIC_FT_ACK}},
    {"pkt_payload06_chand0", 1, {QUIC_FT_ACK}},
    {"pkt_payload07_chand1", 2, {QUIC_FT_ACK, QUIC_FT_CRYPTO}},
    {"pkt_payload08_cdata0", 1, {0x0f}},
    {"pkt_payload09_shand2", 1, {QUIC_FT_ACK}},
    {"pkt_payload10_sdata0", 3, {QUIC_FT_ACK, QUIC_FT_HANDSHAKE_DONE, 0x0f}},
    {"pkt_payload11_cdata1", 1, {QUIC_FT_ACK}},
    {"pkt_payload12_sdata1", 1, {QUIC_FT_CONNECTION_CLOSE}},
};
#define NPAYLOADS (sizeof payloads / sizeof payloads[0])

static uint8_t *read_iq(const char *name, size_t *len)
{
    char rel[128];
    snprintf(rel, sizeof rel, "illustrated-quic/%s", name);
    return tu_read_vector(rel, len);
}

/* Decodes every frame of a payload and checks the re-encoding is identical. */
static size_t decode_payload(const uint8_t *p, size_t len, quic_frame *f, size_t max)
{
    qb_rd r;
    size_t n = 0;
    qb_rd_init(&r, p, len);
    while (qb_rd_left(&r)) {
        assert_true(n < max);
        assert_int_equal(quic_frame_decode(&r, &f[n]), 0);
        n++;
    }
    uint8_t *out = malloc(len);
    assert_non_null(out);
    qb_wr w;
    qb_wr_init(&w, out, len);
    for (size_t i = 0; i < n; i++) {
        size_t before = w.off;
        assert_int_equal(quic_frame_encode(&w, &f[i]), 0);
        assert_int_equal(w.off - before, quic_frame_encoded_len(&f[i]));
    }
    assert_int_equal(w.off, len);
    assert_memory_equal(out, p, len);
    free(out);
    return n;
}

static void test_all_payloads(void **state)
{
    (void)state;
    for (size_t i = 0; i < NPAYLOADS; i++) {
        size_t len;
        uint8_t *p = read_iq(payloads[i].file, &len);
        quic_frame f[MAXF];
        size_t n = decode_payload(p, len, f, MAXF);
        assert_int_equal(n, payloads[i].nframes);
        for (size_t k = 0; k < n; k++) {
            assert_int_equal(f[k].type, payloads[i].types[k]);
            /* each frame may travel in the packet type it came in */
            quic_pkt_type pt = strstr(payloads[i].file, "init") ? QUIC_PKT_INITIAL
                               : strstr(payloads[i].file, "hand") ? QUIC_PKT_HANDSHAKE
                                                                  : QUIC_PKT_1RTT;
            bool from_server = strstr(payloads[i].file, "_s") != NULL;
            assert_int_equal(quic_frame_check_recv(f[k].type, pt, from_server), 0);
        }
        free(p);
    }
}

static void check_crypto(const char *payload_file, size_t idx, uint64_t offset,
                         const char *const *msgs, size_t nmsgs, size_t skip)
{
    size_t len, total = 0;
    uint8_t *p = read_iq(payload_file, &len);
    quic_frame f[MAXF];
    size_t n = decode_payload(p, len, f, MAXF);
    assert_true(idx < n);
    assert_int_equal(f[idx].type, QUIC_FT_CRYPTO);
    assert_int_equal(f[idx].crypto.offset, offset);
    /* the messages concatenated, from byte `skip` on, start the frame's data */
    uint8_t *cat = malloc(8192);
    assert_non_null(cat);
    for (size_t i = 0; i < nmsgs; i++) {
        size_t ml;
        uint8_t *m = read_iq(msgs[i], &ml);
        assert_true(total + ml <= 8192);
        memcpy(cat + total, m, ml);
        total += ml;
        free(m);
    }
    assert_true(skip + f[idx].crypto.len <= total);
    assert_memory_equal(f[idx].crypto.data, cat + skip, f[idx].crypto.len);
    free(cat);
    free(p);
}

static void test_crypto_data(void **state)
{
    (void)state;
    static const char *const ch[] = {"crypto_clienthello"};
    static const char *const sh[] = {"crypto_serverhello"};
    static const char *const hs[] = {"crypto_extensions", "crypto_cert", "crypto_certverify",
                                     "crypto_s_finished"};
    static const char *const cf[] = {"crypto_c_finished"};

    /* the ClientHello is the whole CRYPTO frame of the first Initial */
    size_t chl;
    uint8_t *chm = read_iq("crypto_clienthello", &chl);
    size_t len;
    uint8_t *p = read_iq("pkt_payload01_cinit0", &len);
    quic_frame f[MAXF];
    decode_payload(p, len, f, MAXF);
    assert_int_equal(f[0].crypto.len, chl);
    assert_memory_equal(f[0].crypto.data, chm, chl);
    assert_int_equal(f[0].width[1], 0); /* Length 238: two bytes, the shortest */
    free(p);
    free(chm);

    check_crypto("pkt_payload01_cinit0", 0, 0, ch, 1, 0);
    check_crypto("pkt_payload02_sinit0", 1, 0, sh, 1, 0);
    /* the server's Handshake flight spans two packets: 1023 bytes, then 185 */
    check_crypto("pkt_payload03_shand0", 0, 0, hs, 4, 0);
    check_crypto("pkt_payload04_shand1", 0, 1023, hs, 4, 1023);
    check_crypto("pkt_payload07_chand1", 1, 0, cf, 1, 0);

    p = read_iq("pkt_payload04_shand1", &len);
    decode_payload(p, len, f, MAXF);
    assert_int_equal(f[0].crypto.offset + f[0].crypto.len, 90 + 818 + 264 + 36);
    free(p);
}

static void test_frame_fields(void **state)
{
    (void)state;
    size_t len;
    quic_frame f[MAXF];
    quic_ack_iter it;
    quic_ack_range ar;

    uint8_t *p = read_iq("pkt_payload07_chand1", &len); /* ACK [0,1], delay 70 */
    decode_payload(p, len, f, MAXF);
    assert_int_equal(f[0].ack.largest, 1);
    assert_int_equal(f[0].ack.ack_delay, 70);
    quic_ack_iter_init(&it, &f[0]);
    assert_true(quic_ack_iter_next(&it, &ar));
    assert_int_equal(ar.smallest, 0);
    assert_int_equal(ar.largest, 1);
    assert_false(quic_ack_iter_next(&it, &ar));
    assert_int_equal(f[1].width[1], 2); /* Length 36 written in two bytes */
    free(p);

    p = read_iq("pkt_payload08_cdata0", &len); /* "ping" on stream 0, FIN */
    decode_payload(p, len, f, MAXF);
    assert_int_equal(f[0].stream.stream_id, 0);
    assert_int_equal(f[0].stream.offset, 0);
    assert_true(f[0].type & QUIC_FT_STREAM_BIT_FIN);
    assert_int_equal(f[0].stream.len, 4);
    assert_memory_equal(f[0].stream.data, "ping", 4);
    free(p);

    p = read_iq("pkt_payload10_sdata0", &len);
    decode_payload(p, len, f, MAXF);
    assert_int_equal(f[0].ack.largest, 0);
    assert_memory_equal(f[2].stream.data, "pong", 4);
    free(p);

    p = read_iq("pkt_payload12_sdata1", &len);
    decode_payload(p, len, f, MAXF);
    assert_int_equal(f[0].close.error_code, 0);
    assert_int_equal(f[0].close.frame_type, 0);
    assert_int_equal(f[0].close.reason_len, 17);
    assert_memory_equal(f[0].close.reason, "graceful shutdown", 17);
    free(p);
}

/* ---- transport parameters inside the TLS messages ---- */

/* Finds extension `type` in an extensions block (RFC 8446 §4.2). */
static bool find_ext(qb_rd *exts, uint16_t type, qb_rd *out)
{
    while (qb_rd_left(exts)) {
        uint16_t t;
        qb_rd body;
        assert_int_equal(qb_rd_u16(exts, &t), 0);
        assert_int_equal(qb_rd_vec(exts, 2, &body), 0);
        if (t == type) {
            *out = body;
            return true;
        }
    }
    return false;
}

/* The quic_transport_parameters (0x39, RFC 9001 §8.2) of a ClientHello or
 * EncryptedExtensions message. */
static void tp_of(const uint8_t *msg, size_t len, quic_tparams *tp, bool from_server)
{
    qb_rd r, body, exts, ext = {0};
    uint8_t ht;
    qb_rd_init(&r, msg, len);
    assert_int_equal(qb_rd_u8(&r, &ht), 0);
    assert_int_equal(qb_rd_vec(&r, 3, &body), 0);
    if (ht == 1) { /* ClientHello: version, random, session id, suites, compression */
        qb_rd skip;
        assert_int_equal(qb_rd_skip(&body, 2 + 32), 0);
        assert_int_equal(qb_rd_vec(&body, 1, &skip), 0);
        assert_int_equal(qb_rd_vec(&body, 2, &skip), 0);
        assert_int_equal(qb_rd_vec(&body, 1, &skip), 0);
    } else {
        assert_int_equal(ht, 8); /* EncryptedExtensions */
    }
    assert_int_equal(qb_rd_vec(&body, 2, &exts), 0);
    assert_true(find_ext(&exts, 0x39, &ext));
    assert_int_equal(quic_tparams_decode(qb_rd_ptr(&ext), qb_rd_left(&ext), from_server, tp), 0);
}

static void test_tparams_in_handshake(void **state)
{
    (void)state;
    size_t len;
    quic_tparams tp;

    uint8_t *ch = read_iq("crypto_clienthello", &len);
    tp_of(ch, len, &tp, false);
    free(ch);
    assert_int_equal(tp.max_udp_payload_size, 65527);
    assert_int_equal(tp.initial_max_data, 10485760);
    assert_int_equal(tp.initial_max_stream_data_bidi_local, 1048576);
    assert_int_equal(tp.initial_max_stream_data_bidi_remote, 1048576);
    assert_int_equal(tp.initial_max_stream_data_uni, 1048576);
    assert_int_equal(tp.initial_max_streams_bidi, 10);
    assert_int_equal(tp.initial_max_streams_uni, 10);
    assert_int_equal(tp.ack_delay_exponent, 3);
    assert_int_equal(tp.max_ack_delay, 25);
    assert_int_equal(tp.max_idle_timeout, 0);
    assert_int_equal(tp.active_connection_id_limit, 2);
    assert_true(tp.has_initial_scid);
    assert_int_equal(tp.initial_scid.len, 5);
    assert_memory_equal(tp.initial_scid.bytes, "c_cid", 5);
    assert_false(tp.has_original_dcid);
    assert_false(tp.has_max_datagram_frame_size);

    uint8_t *ee = read_iq("crypto_extensions", &len);
    tp_of(ee, len, &tp, true);
    free(ee);
    assert_true(tp.has_original_dcid); /* the client's first DCID */
    assert_int_equal(tp.original_dcid.len, 8);
    assert_memory_equal(tp.original_dcid.bytes, "\x00\x01\x02\x03\x04\x05\x06\x07", 8);
    assert_int_equal(tp.max_idle_timeout, 120000);
    assert_int_equal(tp.max_udp_payload_size, 65527);
    assert_int_equal(tp.initial_max_data, 5242880);
    assert_int_equal(tp.initial_max_stream_data_bidi_local, 524288);
    assert_int_equal(tp.initial_max_stream_data_bidi_remote, 524288);
    assert_int_equal(tp.initial_max_stream_data_uni, 524288);
    assert_int_equal(tp.initial_max_streams_bidi, 2);
    assert_int_equal(tp.initial_max_streams_uni, 2);
    assert_int_equal(tp.ack_delay_exponent, 3);
    assert_int_equal(tp.max_ack_delay, 25);
    assert_true(tp.has_initial_scid);
    assert_int_equal(tp.initial_scid.len, 5);
    assert_memory_equal(tp.initial_scid.bytes, "s_cid", 5);
    assert_false(tp.has_stateless_reset_token);
    assert_false(tp.has_retry_scid);

    /* a server's parameters carry original_destination_connection_id, which a
     * server must refuse from a client (RFC 9000 §18.2) */
    ee = read_iq("crypto_extensions", &len);
    qb_rd r;
    /* handshake header, extensions length, ALPN extension, 0x39 extension header */
    assert_memory_equal(ee + 4 + 2 + 15, "\x00\x39\x00\x41", 4);
    qb_rd_init(&r, ee + 4 + 2 + 15 + 4, 0x41);
    assert_int_equal(quic_tparams_decode(qb_rd_ptr(&r), qb_rd_left(&r), false, &tp),
                     QUIC_TP_ERR_SERVER_ONLY);
    free(ee);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_payloads),
        cmocka_unit_test(test_crypto_data),
        cmocka_unit_test(test_frame_fields),
        cmocka_unit_test(test_tparams_in_handshake),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
