/* Packet header codec and protection: parse/build round trips for every header
 * kind, coalescing rules (RFC 9000 §12.2), and the negative cases (fixed bit,
 * CID > 20, bad Length, truncation, short packets, tampering, reserved bits). */
#include "common/tu.h"
#include "crypto/cx_quic_keys.h"
#include "quic/packet.h"
#include "quic/pn.h"
#include "quic/protect.h"

#include <string.h>

static const uint8_t g_dcid[8] = {1, 2, 3, 4, 5, 6, 7, 8};
static const uint8_t g_scid[4] = {0xa, 0xb, 0xc, 0xd};

/* Writes a long header packet with a payload of n bytes of 0x01 (PING) and an
 * empty tag space; returns its length. */
static size_t build_long(uint8_t *buf, size_t cap, quic_pkt_type type, uint32_t version,
                         size_t payload, size_t tag)
{
    qb_wr w;
    quic_pkt_wr pw;
    size_t len;
    quic_pkt_long_params p = {
        .type = type, .version = version, .dcid = g_dcid, .dcid_len = 8, .scid = g_scid,
        .scid_len = 4, .token = type == QUIC_PKT_INITIAL ? (const uint8_t *)"tok" : NULL,
        .token_len = type == QUIC_PKT_INITIAL ? 3 : 0, .pn = 0x1234, .pn_len = 2,
    };
    qb_wr_init(&w, buf, cap);
    assert_int_equal(quic_pkt_long_begin(&w, &p, &pw), 0);
    assert_int_equal(qb_wr_zeros(&w, payload), QB_OK);
    memset(buf + w.off - payload, 0x01, payload);
    assert_int_equal(quic_pkt_wr_finish(&w, &pw, tag, &len), 0);
    return len;
}

static size_t build_short(uint8_t *buf, size_t cap, bool key_phase, size_t payload)
{
    qb_wr w;
    quic_pkt_wr pw;
    size_t len;
    qb_wr_init(&w, buf, cap);
    assert_int_equal(quic_pkt_short_begin(&w, g_dcid, 8, true, key_phase, 77, 1, &pw), 0);
    assert_int_equal(qb_wr_zeros(&w, payload), QB_OK);
    assert_int_equal(quic_pkt_wr_finish(&w, &pw, 16, &len), 0);
    return len;
}

static void test_long_round_trip(void **state)
{
    (void)state;
    static const quic_pkt_type types[] = {QUIC_PKT_INITIAL, QUIC_PKT_0RTT, QUIC_PKT_HANDSHAKE};
    static const uint32_t versions[] = {QUIC_VERSION_1, QUIC_VERSION_2};
    for (size_t v = 0; v < 2; v++) {
        for (size_t t = 0; t < 3; t++) {
            uint8_t buf[256];
            size_t len = build_long(buf, sizeof buf, types[t], versions[v], 10, 16);
            quic_pkt_hdr h;
            assert_int_equal(quic_pkt_hdr_parse(buf, len, 0, &h), 0);
            assert_int_equal(h.type, types[t]);
            assert_int_equal(h.version, versions[v]);
            assert_int_equal(h.dcid_len, 8);
            assert_memory_equal(h.dcid, g_dcid, 8);
            assert_int_equal(h.scid_len, 4);
            assert_memory_equal(h.scid, g_scid, 4);
            assert_int_equal(h.token_len, types[t] == QUIC_PKT_INITIAL ? 3 : 0);
            assert_int_equal(h.length, 2 + 10 + 16);
            assert_int_equal(h.pkt_len, len);
            assert_int_equal(quic_pkt_hdr_protected_len(&h), 28);
            assert_int_equal(buf[h.pn_offset], 0x12);
            assert_int_equal(buf[h.pn_offset + 1], 0x34);
            assert_int_equal(h.first & 0x03, 1); /* pn length 2 */
        }
    }
    /* The v1 and v2 type bits differ (RFC 9369 §3.2). */
    assert_int_equal(quic_pkt_long_type_bits(QUIC_VERSION_1, QUIC_PKT_INITIAL), 0);
    assert_int_equal(quic_pkt_long_type_bits(QUIC_VERSION_2, QUIC_PKT_INITIAL), 1);
    assert_int_equal(quic_pkt_long_type_bits(QUIC_VERSION_2, QUIC_PKT_RETRY), 0);
    assert_int_equal(quic_pkt_long_type_bits(0x12345678, QUIC_PKT_INITIAL), -1);
}

static void test_length_widths(void **state)
{
    (void)state;
    static const size_t widths[] = {1, 2, 4, 8};
    for (size_t i = 0; i < 4; i++) {
        uint8_t buf[128];
        qb_wr w;
        quic_pkt_wr pw;
        size_t len;
        quic_pkt_long_params p = {.type = QUIC_PKT_HANDSHAKE, .version = QUIC_VERSION_1,
                                  .dcid = g_dcid, .dcid_len = 8, .pn = 3, .pn_len = 1,
                                  .length_len = widths[i]};
        qb_wr_init(&w, buf, sizeof buf);
        assert_int_equal(quic_pkt_long_begin(&w, &p, &pw), 0);
        assert_int_equal(qb_wr_zeros(&w, 20), QB_OK);
        assert_int_equal(quic_pkt_wr_finish(&w, &pw, 16, &len), 0);
        quic_pkt_hdr h;
        assert_int_equal(quic_pkt_hdr_parse(buf, len, 0, &h), 0);
        assert_int_equal(h.length, 1 + 20 + 16);
        assert_int_equal(h.pn_offset, 1 + 4 + 1 + 8 + 1 + widths[i]);
    }
    /* Too long for a 1-byte Length (max 63). */
    uint8_t buf[256];
    qb_wr w;
    quic_pkt_wr pw;
    size_t len;
    quic_pkt_long_params p = {.type = QUIC_PKT_HANDSHAKE, .version = QUIC_VERSION_1,
                              .pn_len = 1, .length_len = 1};
    qb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(quic_pkt_long_begin(&w, &p, &pw), 0);
    assert_int_equal(qb_wr_zeros(&w, 47), QB_OK);
    assert_int_equal(quic_pkt_wr_finish(&w, &pw, 16, &len), QUIC_PKT_ERR_LENGTH_FIELD);
    p.length_len = 3;
    qb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(quic_pkt_long_begin(&w, &p, &pw), QUIC_PKT_ERR_ARG);
}

static void test_writer_errors(void **state)
{
    (void)state;
    uint8_t buf[64];
    qb_wr w;
    quic_pkt_wr pw;
    size_t len;
    quic_pkt_long_params p = {.type = QUIC_PKT_INITIAL, .version = QUIC_VERSION_1,
                              .dcid = g_dcid, .dcid_len = 8, .pn_len = 0};
    qb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(quic_pkt_long_begin(&w, &p, &pw), QUIC_PKT_ERR_PN_LEN);
    p.pn_len = 5;
    assert_int_equal(quic_pkt_long_begin(&w, &p, &pw), QUIC_PKT_ERR_PN_LEN);
    p.pn_len = 4;
    p.dcid_len = 21;
    assert_int_equal(quic_pkt_long_begin(&w, &p, &pw), QUIC_PKT_ERR_ARG);
    p.dcid_len = 8;
    p.type = QUIC_PKT_RETRY;
    assert_int_equal(quic_pkt_long_begin(&w, &p, &pw), QUIC_PKT_ERR_ARG);
    p.type = QUIC_PKT_HANDSHAKE;
    p.token = (const uint8_t *)"x";
    p.token_len = 1;
    assert_int_equal(quic_pkt_long_begin(&w, &p, &pw), QUIC_PKT_ERR_ARG);
    p.token_len = 0;
    p.version = 0xfaceb00c;
    assert_int_equal(quic_pkt_long_begin(&w, &p, &pw), QUIC_PKT_ERR_ARG);
    p.version = QUIC_VERSION_1;
    /* No space: the writer is left where it was. */
    qb_wr_init(&w, buf, 10);
    w.off = 3;
    assert_int_equal(quic_pkt_long_begin(&w, &p, &pw), QUIC_PKT_ERR_NO_SPACE);
    assert_int_equal(w.off, 3);
    assert_int_equal(quic_pkt_short_begin(&w, g_dcid, 8, false, false, 1, 1, &pw),
                     QUIC_PKT_ERR_NO_SPACE);
    assert_int_equal(w.off, 3);
    assert_int_equal(quic_pkt_short_begin(&w, g_dcid, 8, false, false, 1, 0, &pw),
                     QUIC_PKT_ERR_PN_LEN);
    /* Too little payload for the header protection sample. */
    qb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(quic_pkt_short_begin(&w, g_dcid, 8, false, false, 1, 1, &pw), 0);
    assert_int_equal(qb_wr_zeros(&w, quic_pkt_min_payload(1) - 1), QB_OK);
    assert_int_equal(quic_pkt_wr_finish(&w, &pw, 16, &len), QUIC_PKT_ERR_SHORT_SAMPLE);
    assert_int_equal(qb_wr_zeros(&w, 1), QB_OK);
    assert_int_equal(quic_pkt_wr_finish(&w, &pw, 16, &len), 0);
    assert_int_equal(len, 1 + 8 + 1 + 3 + 16);
    assert_int_equal(quic_pkt_min_payload(4), 0);
    /* No room for the tag. */
    qb_wr_init(&w, buf, 20);
    assert_int_equal(quic_pkt_short_begin(&w, g_dcid, 8, false, false, 1, 4, &pw), 0);
    assert_int_equal(quic_pkt_wr_finish(&w, &pw, 16, &len), QUIC_PKT_ERR_NO_SPACE);
}

static void test_short_header(void **state)
{
    (void)state;
    uint8_t buf[64];
    size_t len = build_short(buf, sizeof buf, true, 5);
    quic_pkt_hdr h;
    assert_int_equal(quic_pkt_hdr_parse(buf, len, 8, &h), 0);
    assert_int_equal(h.type, QUIC_PKT_1RTT);
    assert_int_equal(h.version, 0);
    assert_int_equal(h.dcid_len, 8);
    assert_memory_equal(h.dcid, g_dcid, 8);
    assert_int_equal(h.pn_offset, 9);
    assert_int_equal(h.pkt_len, len);
    assert_true(h.first & QUIC_PKT_SPIN_BIT);
    assert_true(h.first & QUIC_PKT_KEY_PHASE);
    /* DCID longer than the datagram; DCID length above 20. */
    assert_int_equal(quic_pkt_hdr_parse(buf, 5, 8, &h), QUIC_PKT_ERR_TRUNCATED);
    assert_int_equal(quic_pkt_hdr_parse(buf, len, 21, &h), QUIC_PKT_ERR_CID_LEN);
    /* Fixed bit 0 (RFC 9000 §17.3.1). */
    buf[0] &= (uint8_t)~QUIC_PKT_FIXED_BIT;
    assert_int_equal(quic_pkt_hdr_parse(buf, len, 8, &h), QUIC_PKT_ERR_FIXED_BIT);
    assert_int_equal(quic_pkt_hdr_parse(buf, 0, 8, &h), QUIC_PKT_ERR_TRUNCATED);
}

static void test_long_negative(void **state)
{
    (void)state;
    uint8_t buf[256];
    quic_pkt_hdr h;
    size_t len = build_long(buf, sizeof buf, QUIC_PKT_INITIAL, QUIC_VERSION_1, 10, 16);
    /* Every cut inside the header is truncation, every cut after the Length
     * field is a Length beyond the datagram. */
    assert_int_equal(quic_pkt_hdr_parse(buf, len, 0, &h), 0);
    size_t pn_offset = h.pn_offset;
    for (size_t cut = 0; cut < len; cut++) {
        int rc = quic_pkt_hdr_parse(buf, cut, 0, &h);
        assert_int_equal(rc, cut < pn_offset ? QUIC_PKT_ERR_TRUNCATED : QUIC_PKT_ERR_LENGTH);
    }
    /* Fixed bit 0 in a long header of v1 (RFC 9000 §17.2). */
    buf[0] &= (uint8_t)~QUIC_PKT_FIXED_BIT;
    assert_int_equal(quic_pkt_hdr_parse(buf, len, 0, &h), QUIC_PKT_ERR_FIXED_BIT);
    buf[0] |= QUIC_PKT_FIXED_BIT;
    /* A DCID length of 21 in v1. */
    uint8_t big[128] = {0xc0, 0, 0, 0, 1, 21};
    assert_int_equal(quic_pkt_hdr_parse(big, sizeof big, 0, &h), QUIC_PKT_ERR_CID_LEN);
    /* An SCID length of 21. */
    big[5] = 0;
    big[6] = 21;
    assert_int_equal(quic_pkt_hdr_parse(big, sizeof big, 0, &h), QUIC_PKT_ERR_CID_LEN);
    /* Token longer than what is left. */
    uint8_t tok[] = {0xc0, 0, 0, 0, 1, 0, 0, 0x40, 0x50, 1, 2};
    assert_int_equal(quic_pkt_hdr_parse(tok, sizeof tok, 0, &h), QUIC_PKT_ERR_TRUNCATED);
    /* Length one past the end. */
    uint8_t lenx[] = {0xe0, 0, 0, 0, 1, 0, 0, 4, 1, 2, 3};
    assert_int_equal(quic_pkt_hdr_parse(lenx, sizeof lenx, 0, &h), QUIC_PKT_ERR_LENGTH);
    lenx[7] = 3;
    assert_int_equal(quic_pkt_hdr_parse(lenx, sizeof lenx, 0, &h), 0);
    assert_int_equal(h.pkt_len, sizeof lenx);
}

static void test_unknown_version(void **state)
{
    (void)state;
    /* RFC 8999: CIDs of up to 255 bytes in an unknown version; the invariant
     * fields come back with the error so that VN can be sent. */
    uint8_t buf[600] = {0xc0, 0x1a, 0x2a, 0x3a, 0x4a, 200};
    buf[6 + 200] = 255;
    quic_pkt_hdr h;
    assert_int_equal(quic_pkt_hdr_parse(buf, 6 + 200 + 1 + 255 + 10, 0, &h), QUIC_PKT_ERR_VERSION);
    assert_int_equal(h.version, 0x1a2a3a4a);
    assert_int_equal(h.dcid_len, 200);
    assert_int_equal(h.scid_len, 255);
    assert_ptr_equal(h.dcid, buf + 6);
    /* ... and with its fixed bit 0 it is still an unknown version. */
    buf[0] = 0x80;
    assert_int_equal(quic_pkt_hdr_parse(buf, 6 + 200 + 1 + 255, 0, &h), QUIC_PKT_ERR_VERSION);
    assert_int_equal(quic_pkt_hdr_parse(buf, 6 + 200, 0, &h), QUIC_PKT_ERR_TRUNCATED);
}

static void test_version_negotiation(void **state)
{
    (void)state;
    static const uint32_t versions[] = {QUIC_VERSION_1, QUIC_VERSION_2, 0x0a0a0a0a};
    uint8_t buf[128];
    qb_wr w;
    qb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(quic_pkt_vn_write(&w, 0x15, g_scid, 4, g_dcid, 8, versions, 3), 0);
    assert_int_equal(w.off, 1 + 4 + 1 + 4 + 1 + 8 + 12);
    assert_int_equal(buf[0], 0x80 | 0x40 | 0x15);
    quic_pkt_hdr h;
    assert_int_equal(quic_pkt_hdr_parse(buf, w.off, 0, &h), 0);
    assert_int_equal(h.type, QUIC_PKT_VN);
    assert_int_equal(h.version, 0);
    assert_int_equal(h.dcid_len, 4);
    assert_int_equal(h.scid_len, 8);
    assert_int_equal(h.versions_count, 3);
    assert_int_equal(qb_get_u32(h.versions + 4), QUIC_VERSION_2);
    assert_int_equal(h.pkt_len, w.off);
    /* Fixed bit is not checked in VN (RFC 9000 §17.2.1). */
    buf[0] = 0x80;
    assert_int_equal(quic_pkt_hdr_parse(buf, w.off, 0, &h), 0);
    /* A list that is not whole 32-bit versions, or empty. */
    assert_int_equal(quic_pkt_hdr_parse(buf, w.off - 1, 0, &h), QUIC_PKT_ERR_VN);
    assert_int_equal(quic_pkt_hdr_parse(buf, w.off - 12, 0, &h), QUIC_PKT_ERR_VN);
    qb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(quic_pkt_vn_write(&w, 0, NULL, 0, NULL, 0, versions, 0), QUIC_PKT_ERR_ARG);
    qb_wr_init(&w, buf, 20);
    assert_int_equal(quic_pkt_vn_write(&w, 0, g_scid, 4, g_dcid, 8, versions, 3),
                     QUIC_PKT_ERR_NO_SPACE);
    assert_int_equal(w.off, 0);
}

static void test_retry(void **state)
{
    (void)state;
    uint8_t buf[128];
    qb_wr w;
    qb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(quic_pkt_retry_write(&w, QUIC_VERSION_1, 0, g_dcid, 8, g_scid, 4,
                                          (const uint8_t *)"abc", 3, g_dcid, 8), 0);
    quic_pkt_hdr h;
    assert_int_equal(quic_pkt_hdr_parse(buf, w.off, 0, &h), 0);
    assert_int_equal(h.type, QUIC_PKT_RETRY);
    assert_int_equal(h.token_len, 3);
    assert_int_equal(quic_pkt_retry_verify(&h, g_dcid, 8), 0);
    assert_int_equal(quic_pkt_retry_verify(&h, g_dcid, 7), QUIC_PKT_ERR_RETRY_TAG);
    /* An empty token, or not even a tag. */
    assert_int_equal(quic_pkt_hdr_parse(buf, w.off - 3, 0, &h), QUIC_PKT_ERR_RETRY);
    assert_int_equal(quic_pkt_hdr_parse(buf, 1 + 4 + 1 + 8 + 1 + 4 + 10, 0, &h),
                     QUIC_PKT_ERR_RETRY);
    qb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(quic_pkt_retry_write(&w, QUIC_VERSION_1, 0, g_dcid, 8, g_scid, 4, NULL, 0,
                                          g_dcid, 8), QUIC_PKT_ERR_ARG);
    qb_wr_init(&w, buf, 30);
    assert_int_equal(quic_pkt_retry_write(&w, QUIC_VERSION_1, 0, g_dcid, 8, g_scid, 4,
                                          (const uint8_t *)"abc", 3, g_dcid, 8),
                     QUIC_PKT_ERR_NO_SPACE);
    /* Verify is only for Retry. */
    uint8_t ini[256];
    size_t len = build_long(ini, sizeof ini, QUIC_PKT_INITIAL, QUIC_VERSION_1, 10, 16);
    assert_int_equal(quic_pkt_hdr_parse(ini, len, 0, &h), 0);
    assert_int_equal(quic_pkt_retry_verify(&h, g_dcid, 8), QUIC_PKT_ERR_ARG);
}

/* RFC 9000 §12.2: coalesced packets, padding after them, another DCID. */
static void test_coalesced(void **state)
{
    (void)state;
    uint8_t dg[1200];
    size_t n = 0;
    n += build_long(dg + n, sizeof dg - n, QUIC_PKT_INITIAL, QUIC_VERSION_1, 30, 16);
    size_t first_len = n;
    n += build_long(dg + n, sizeof dg - n, QUIC_PKT_HANDSHAKE, QUIC_VERSION_1, 40, 16);
    size_t second_end = n;
    n += build_short(dg + n, sizeof dg - n, false, 20);
    quic_dgram_iter it;
    quic_pkt_hdr h;
    quic_dgram_iter_init(&it, dg, n, 8);
    assert_int_equal(quic_dgram_next(&it, &h), 1);
    assert_int_equal(h.type, QUIC_PKT_INITIAL);
    assert_int_equal(h.pkt_len, first_len);
    assert_int_equal(quic_dgram_next(&it, &h), 1);
    assert_int_equal(h.type, QUIC_PKT_HANDSHAKE);
    assert_ptr_equal(h.pkt, dg + first_len);
    assert_int_equal(quic_dgram_next(&it, &h), 1);
    assert_int_equal(h.type, QUIC_PKT_1RTT);
    assert_int_equal(h.pkt_len, n - second_end);
    assert_int_equal(quic_dgram_next(&it, &h), 0);
    assert_int_equal(it.count, 3);
    assert_int_equal(it.ignored, 0);

    /* Zero padding after the long header packets is ignored. */
    memset(dg + second_end, 0, sizeof dg - second_end);
    quic_dgram_iter_init(&it, dg, sizeof dg, 8);
    assert_int_equal(quic_dgram_next(&it, &h), 1);
    assert_int_equal(quic_dgram_next(&it, &h), 1);
    assert_int_equal(quic_dgram_next(&it, &h), 0);
    assert_int_equal(it.ignored, sizeof dg - second_end);

    /* A second packet with another DCID is ignored with what follows. */
    n = build_long(dg, sizeof dg, QUIC_PKT_INITIAL, QUIC_VERSION_1, 30, 16);
    size_t m = build_long(dg + n, sizeof dg - n, QUIC_PKT_HANDSHAKE, QUIC_VERSION_1, 40, 16);
    dg[n + 6] ^= 0xff; /* first DCID byte of the second packet */
    quic_dgram_iter_init(&it, dg, n + m, 8);
    assert_int_equal(quic_dgram_next(&it, &h), 1);
    assert_int_equal(quic_dgram_next(&it, &h), 0);
    assert_int_equal(it.count, 1);
    assert_int_equal(it.ignored, m);

    /* A bad first packet rejects the datagram. */
    dg[0] &= (uint8_t)~QUIC_PKT_FIXED_BIT;
    quic_dgram_iter_init(&it, dg, n + m, 8);
    assert_int_equal(quic_dgram_next(&it, &h), QUIC_PKT_ERR_FIXED_BIT);
    quic_dgram_iter_init(&it, dg, 0, 8);
    assert_int_equal(quic_dgram_next(&it, &h), 0);
}

static void make_keys(quic_pkt_keys *k)
{
    cx_quic_keys c, s;
    static const uint8_t dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};
    assert_int_equal(cx_quic_initial_keys(QUIC_VERSION_1, dcid, 8, &c, &s), CX_OK);
    assert_int_equal(quic_pkt_keys_init(k, NULL, &c), 0);
}

static void test_protect_negative(void **state)
{
    (void)state;
    quic_pkt_keys k;
    quic_pkt_clear c;
    quic_pkt_hdr h;
    uint8_t buf[256], copy[256];
    make_keys(&k);
    size_t len = build_long(buf, sizeof buf, QUIC_PKT_HANDSHAKE, QUIC_VERSION_1, 10, 16);
    assert_int_equal(quic_pkt_hdr_parse(buf, len, 0, &h), 0);
    assert_int_equal(quic_pkt_protect(&k, buf, len, h.pn_offset, 2, 0x1234), 0);
    memcpy(copy, buf, len);

    /* A flipped bit in the header (AAD), payload or tag: decryption failure. */
    size_t spots[] = {1, h.pn_offset - 1, h.pn_offset + 4, len - 1};
    for (size_t i = 0; i < 4; i++) {
        memcpy(buf, copy, len);
        buf[spots[i]] ^= 0x04;
        assert_int_equal(quic_pkt_unprotect(&k, buf, len, h.pn_offset, QUIC_PN_NONE, &c),
                         QUIC_PKT_ERR_DECRYPT);
    }
    memcpy(buf, copy, len);
    assert_int_equal(quic_pkt_unprotect(&k, buf, len, h.pn_offset, 0x1200, &c), 0);
    assert_int_equal(c.pn, 0x1234);
    assert_int_equal(c.payload_len, 10);
    assert_int_equal(buf[c.payload_offset], 0x01);

    /* No room for the sample: pn_offset + 4 + 16 > length. */
    for (size_t cut = 0; cut < h.pn_offset + 20; cut++) {
        memcpy(buf, copy, len);
        assert_int_equal(quic_pkt_unprotect(&k, buf, cut, h.pn_offset, QUIC_PN_NONE, &c),
                         QUIC_PKT_ERR_SHORT_SAMPLE);
        assert_memory_equal(buf, copy, len); /* nothing touched */
        assert_int_equal(quic_pkt_protect(&k, buf, cut, h.pn_offset, 2, 1),
                         QUIC_PKT_ERR_SHORT_SAMPLE);
    }
    assert_int_equal(quic_pkt_protect(&k, buf, len, h.pn_offset, 5, 1), QUIC_PKT_ERR_PN_LEN);
    /* The packet number cannot start on the first byte. */
    assert_int_equal(quic_pkt_protect(&k, buf, len, 0, 1, 1), QUIC_PKT_ERR_ARG);
    assert_int_equal(quic_pkt_unprotect(&k, buf, len, 0, QUIC_PN_NONE, &c), QUIC_PKT_ERR_ARG);

    /* Reserved bits set under protection: decrypts, then PROTOCOL_VIOLATION. */
    len = build_long(buf, sizeof buf, QUIC_PKT_HANDSHAKE, QUIC_VERSION_1, 10, 16);
    buf[0] |= 0x08;
    assert_int_equal(quic_pkt_protect(&k, buf, len, h.pn_offset, 2, 0x1234), 0);
    assert_int_equal(quic_pkt_unprotect(&k, buf, len, h.pn_offset, QUIC_PN_NONE, &c),
                     QUIC_PKT_ERR_RESERVED);
    quic_pkt_keys_clear(&k);
}

static void test_short_key_phase(void **state)
{
    (void)state;
    quic_pkt_keys k;
    quic_pkt_clear c;
    uint8_t buf[64];
    make_keys(&k);
    for (int phase = 0; phase < 2; phase++) {
        size_t len = build_short(buf, sizeof buf, phase, 8);
        assert_int_equal(quic_pkt_protect(&k, buf, len, 9, 1, 77), 0);
        assert_int_equal(quic_pkt_unprotect(&k, buf, len, 9, 70, &c), 0);
        assert_int_equal(c.key_phase, phase);
        assert_int_equal(c.pn, 77);
        assert_int_equal(c.payload_len, 8);
        assert_true(c.first & QUIC_PKT_SPIN_BIT);
    }
    /* Key update (RFC 9001 §6): the next phase's AEAD seals, the old one no
     * longer opens, and the hp key stays. */
    uint8_t secret[32] = {7}, secret2[32] = {7};
    cx_aead *next, *next2;
    assert_int_equal(quic_pkt_keys_next(NULL, QUIC_VERSION_1, CX_AES_128_GCM, secret, 32, &next), 0);
    assert_int_equal(quic_pkt_keys_next(NULL, QUIC_VERSION_1, CX_AES_128_GCM, secret2, 32, &next2),
                     0);
    assert_memory_equal(secret, secret2, 32);
    quic_pkt_keys upd = {.aead = next, .hp = k.hp};
    size_t klen = build_short(buf, sizeof buf, true, 8);
    assert_int_equal(quic_pkt_protect(&upd, buf, klen, 9, 1, 77), 0);
    uint8_t saved[64];
    memcpy(saved, buf, klen);
    assert_int_equal(quic_pkt_unprotect(&k, buf, klen, 9, 77, &c), QUIC_PKT_ERR_DECRYPT);
    memcpy(buf, saved, klen);
    assert_int_equal(quic_pkt_unprotect_header(k.hp, buf, klen, 9, 77, &c), 0);
    assert_true(c.key_phase);
    assert_int_equal(quic_pkt_decrypt(next2, buf, klen, &c), 0);
    assert_int_equal(c.pn, 77);
    cx_aead_free(next);
    cx_aead_free(next2);
    /* The first byte must agree with the packet number length. */
    klen = build_short(buf, sizeof buf, false, 8);
    assert_int_equal(quic_pkt_protect(&k, buf, klen, 9, 2, 77), QUIC_PKT_ERR_PN_LEN);

    /* Short header reserved bits (0x18). */
    size_t len = build_short(buf, sizeof buf, false, 8);
    buf[0] |= 0x10;
    assert_int_equal(quic_pkt_protect(&k, buf, len, 9, 1, 77), 0);
    assert_int_equal(quic_pkt_unprotect(&k, buf, len, 9, 70, &c), QUIC_PKT_ERR_RESERVED);
    quic_pkt_keys_clear(&k);
}

static void test_error_mapping(void **state)
{
    (void)state;
    /* quic_err_to_wire: a code that closes maps to its wire code, one that
     * drops the packet to NO_ERROR (quic/quic_err.h). */
    assert_int_equal(quic_err_to_wire(QUIC_PKT_ERR_RESERVED), 0x0a); /* PROTOCOL_VIOLATION */
    assert_int_equal(quic_err_to_wire(QUIC_PKT_ERR_DECRYPT), 0);
    assert_int_equal(quic_err_to_wire(QUIC_PKT_ERR_FIXED_BIT), 0);
    assert_int_equal(quic_err_to_wire(QUIC_PKT_ERR_RETRY_TAG), 0);
    assert_int_equal(quic_err_to_wire(QUIC_PKT_ERR_CRYPTO), 0x01);
    /* Every code has its own text. */
    for (int a = -1000; a >= -1016; a--) {
        assert_string_not_equal(quic_err_str(a), quic_err_str(-1099));
        for (int b = a - 1; b >= -1016; b--)
            assert_string_not_equal(quic_err_str(a), quic_err_str(b));
    }
    assert_string_equal(quic_err_str(-1099), "unknown error code");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_long_round_trip),
        cmocka_unit_test(test_length_widths),
        cmocka_unit_test(test_writer_errors),
        cmocka_unit_test(test_short_header),
        cmocka_unit_test(test_long_negative),
        cmocka_unit_test(test_unknown_version),
        cmocka_unit_test(test_version_negotiation),
        cmocka_unit_test(test_retry),
        cmocka_unit_test(test_coalesced),
        cmocka_unit_test(test_protect_negative),
        cmocka_unit_test(test_short_key_phase),
        cmocka_unit_test(test_error_mapping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
