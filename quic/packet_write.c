/* Packet header writers (RFC 9000 §17.2, §17.3; RFC 9001 §5.8 for Retry). */
#include "quic/packet.h"

#include <string.h>

#include "crypto/cx_quic_keys.h"

static int wr_err(qb_wr *w, size_t start)
{
    w->off = start; /* leave nothing half-written behind */
    return QUIC_PKT_ERR_NO_SPACE;
}

static bool varint_width_ok(size_t n)
{
    return n == 1 || n == 2 || n == 4 || n == 8;
}

/* The packet number in pn_len bytes: its least significant bits (§17.1). */
static int write_pn(qb_wr *w, uint64_t pn, size_t pn_len)
{
    return qb_wr_uint(w, pn_len, pn & (((uint64_t)1 << (8 * pn_len)) - 1));
}

int quic_pkt_long_begin(qb_wr *w, const quic_pkt_long_params *p, quic_pkt_wr *pw)
{
    size_t start = w->off;
    size_t length_len = p->length_len ? p->length_len : 2;
    int bits = quic_pkt_long_type_bits(p->version, p->type);
    if (bits < 0 || p->type == QUIC_PKT_RETRY)
        return QUIC_PKT_ERR_ARG;
    if (p->pn_len < 1 || p->pn_len > 4)
        return QUIC_PKT_ERR_PN_LEN;
    if (p->dcid_len > QUIC_CID_MAX || p->scid_len > QUIC_CID_MAX || !varint_width_ok(length_len))
        return QUIC_PKT_ERR_ARG;
    if (p->token_len && p->type != QUIC_PKT_INITIAL)
        return QUIC_PKT_ERR_ARG; /* §17.2.2: only Initial carries a token */
    /* §17.2: Header Form 1, Fixed Bit 1, Long Packet Type, Reserved 00,
     * Packet Number Length - 1. */
    uint8_t first = (uint8_t)(QUIC_PKT_FORM_LONG | QUIC_PKT_FIXED_BIT | (bits << 4) |
                              (p->pn_len - 1));
    memset(pw, 0, sizeof *pw);
    pw->start = start;
    if (qb_wr_u8(w, first) || qb_wr_u32(w, p->version) || qb_wr_u8(w, (uint8_t)p->dcid_len) ||
        qb_wr_bytes(w, p->dcid, p->dcid_len) || qb_wr_u8(w, (uint8_t)p->scid_len) ||
        qb_wr_bytes(w, p->scid, p->scid_len))
        return wr_err(w, start);
    if (p->type == QUIC_PKT_INITIAL &&
        (qb_wr_varint(w, p->token_len) || qb_wr_bytes(w, p->token, p->token_len)))
        return wr_err(w, start);
    pw->length_off = w->off - start;
    pw->length_len = length_len;
    if (qb_wr_zeros(w, length_len))
        return wr_err(w, start);
    pw->pn_offset = w->off - start;
    pw->pn_len = p->pn_len;
    pw->pn = p->pn;
    if (write_pn(w, p->pn, p->pn_len))
        return wr_err(w, start);
    return 0;
}

int quic_pkt_short_begin(qb_wr *w, const uint8_t *dcid, size_t dcid_len, bool spin,
                         bool key_phase, uint64_t pn, size_t pn_len, quic_pkt_wr *pw)
{
    size_t start = w->off;
    if (pn_len < 1 || pn_len > 4)
        return QUIC_PKT_ERR_PN_LEN;
    if (dcid_len > QUIC_CID_MAX)
        return QUIC_PKT_ERR_ARG;
    /* §17.3.1: Header Form 0, Fixed Bit 1, Spin, Reserved 00, Key Phase, PN Length. */
    uint8_t first = (uint8_t)(QUIC_PKT_FIXED_BIT | (spin ? QUIC_PKT_SPIN_BIT : 0) |
                              (key_phase ? QUIC_PKT_KEY_PHASE : 0) | (pn_len - 1));
    memset(pw, 0, sizeof *pw);
    pw->start = start;
    if (qb_wr_u8(w, first) || qb_wr_bytes(w, dcid, dcid_len))
        return wr_err(w, start);
    pw->pn_offset = w->off - start;
    pw->pn_len = pn_len;
    pw->pn = pn;
    if (write_pn(w, pn, pn_len))
        return wr_err(w, start);
    return 0;
}

size_t quic_pkt_min_payload(size_t pn_len)
{
    /* RFC 9001 §5.4.2: the sample starts 4 bytes after the packet number field
     * and needs 16 bytes; the tag supplies 16 of the 4 - pn_len + 16 needed. */
    return pn_len >= 4 ? 0 : 4 - pn_len;
}

int quic_pkt_wr_finish(qb_wr *w, quic_pkt_wr *pw, size_t tag_len, size_t *pkt_len)
{
    if (w->off < pw->start + pw->pn_offset + pw->pn_len)
        return QUIC_PKT_ERR_ARG;
    size_t protected_len = w->off - pw->start - pw->pn_offset + tag_len;
    if (tag_len && protected_len < 4 + 16)
        return QUIC_PKT_ERR_SHORT_SAMPLE;
    if (pw->length_len) {
        /* The largest value a varint of this width holds (RFC 9000 §16). */
        uint64_t max = ((uint64_t)1 << (8 * pw->length_len - 2)) - 1;
        if (protected_len > max)
            return QUIC_PKT_ERR_LENGTH_FIELD;
    }
    if (qb_wr_zeros(w, tag_len))
        return QUIC_PKT_ERR_NO_SPACE;
    if (pw->length_len)
        qb_varint_put_n(w->p + pw->start + pw->length_off, protected_len, pw->length_len);
    *pkt_len = w->off - pw->start;
    return 0;
}

int quic_pkt_vn_write(qb_wr *w, uint8_t unused, const uint8_t *dcid, size_t dcid_len,
                      const uint8_t *scid, size_t scid_len, const uint32_t *versions,
                      size_t count)
{
    size_t start = w->off;
    /* RFC 8999 §5.1 allows CIDs up to 255 bytes, and VN echoes what it got. */
    if (dcid_len > 255 || scid_len > 255 || count == 0)
        return QUIC_PKT_ERR_ARG;
    if (qb_wr_u8(w, (uint8_t)(QUIC_PKT_FORM_LONG | QUIC_PKT_FIXED_BIT | (unused & 0x7f))) ||
        qb_wr_u32(w, 0) || qb_wr_u8(w, (uint8_t)dcid_len) || qb_wr_bytes(w, dcid, dcid_len) ||
        qb_wr_u8(w, (uint8_t)scid_len) || qb_wr_bytes(w, scid, scid_len))
        return wr_err(w, start);
    for (size_t i = 0; i < count; i++)
        if (qb_wr_u32(w, versions[i]))
            return wr_err(w, start);
    return 0;
}

int quic_pkt_retry_write(qb_wr *w, uint32_t version, uint8_t unused, const uint8_t *dcid,
                         size_t dcid_len, const uint8_t *scid, size_t scid_len,
                         const uint8_t *token, size_t token_len, const uint8_t *odcid,
                         size_t odcid_len)
{
    size_t start = w->off;
    int bits = quic_pkt_long_type_bits(version, QUIC_PKT_RETRY);
    if (bits < 0 || dcid_len > QUIC_CID_MAX || scid_len > QUIC_CID_MAX ||
        odcid_len > QUIC_CID_MAX || token_len == 0)
        return QUIC_PKT_ERR_ARG;
    uint8_t first = (uint8_t)(QUIC_PKT_FORM_LONG | QUIC_PKT_FIXED_BIT | (bits << 4) |
                              (unused & 0x0f));
    uint8_t *tag;
    if (qb_wr_u8(w, first) || qb_wr_u32(w, version) || qb_wr_u8(w, (uint8_t)dcid_len) ||
        qb_wr_bytes(w, dcid, dcid_len) || qb_wr_u8(w, (uint8_t)scid_len) ||
        qb_wr_bytes(w, scid, scid_len) || qb_wr_bytes(w, token, token_len) ||
        qb_wr_reserve(w, QUIC_RETRY_TAG_LEN, &tag))
        return wr_err(w, start);
    /* RFC 9001 §5.8: the tag covers the Retry packet before it. */
    if (cx_quic_retry_tag(version, odcid, odcid_len, w->p + start,
                          w->off - start - QUIC_RETRY_TAG_LEN, tag) != 0) {
        w->off = start;
        return QUIC_PKT_ERR_CRYPTO;
    }
    return 0;
}

int quic_pkt_retry_verify(const quic_pkt_hdr *h, const uint8_t *odcid, size_t odcid_len)
{
    uint8_t tag[QUIC_RETRY_TAG_LEN];
    if (h->type != QUIC_PKT_RETRY || !h->retry_tag || odcid_len > QUIC_CID_MAX)
        return QUIC_PKT_ERR_ARG;
    if (cx_quic_retry_tag(h->version, odcid, odcid_len, h->pkt,
                          (size_t)(h->retry_tag - h->pkt), tag) != 0)
        return QUIC_PKT_ERR_CRYPTO;
    return qb_ct_equal(tag, h->retry_tag, QUIC_RETRY_TAG_LEN) ? 0 : QUIC_PKT_ERR_RETRY_TAG;
}
