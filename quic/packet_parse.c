/* Packet header parsing and the datagram walk (RFC 8999, RFC 9000 §12.2, §17). */
#include "quic/packet.h"

#include <string.h>

#include "crypto/cx_quic_keys.h"

/* The per-version facts live in one table, crypto/cx_quic_keys.c's (RFC
 * 9369 §3): a version is supported when it has a row there. */
bool quic_version_supported(uint32_t version)
{
    return cx_quic_version_find(version) != NULL;
}

static const uint8_t *type_bits_table(uint32_t version)
{
    const cx_quic_version *v = cx_quic_version_find(version);
    return v ? v->long_type_bits : NULL;
}

int quic_pkt_long_type_bits(uint32_t version, quic_pkt_type type)
{
    const uint8_t *t = type_bits_table(version);
    if (!t || (unsigned)type > QUIC_PKT_RETRY)
        return -1;
    return t[type];
}

int quic_pkt_long_type_from_bits(uint32_t version, unsigned bits, quic_pkt_type *type)
{
    const uint8_t *t = type_bits_table(version);
    if (!t)
        return -1;
    for (int i = 0; i < 4; i++) {
        if (t[i] == (bits & 3)) {
            *type = (quic_pkt_type)i;
            return 0;
        }
    }
    return -1;
}

/* Reads a 1-byte length and that many bytes of CID (RFC 8999 §5.1: up to 255). */
static int read_cid(qb_rd *r, const uint8_t **cid, size_t *cid_len)
{
    uint8_t n;
    if (qb_rd_u8(r, &n) != QB_OK || qb_rd_bytes(r, n, cid) != QB_OK)
        return QUIC_PKT_ERR_TRUNCATED;
    *cid_len = n;
    return 0;
}

/* RFC 9000 §17.2.1: the rest of the datagram is a list of 32-bit versions. */
static int parse_vn(qb_rd *r, quic_pkt_hdr *h)
{
    size_t left = qb_rd_left(r);
    if (left == 0 || left % 4 != 0)
        return QUIC_PKT_ERR_VN;
    h->type = QUIC_PKT_VN;
    h->versions = qb_rd_ptr(r);
    h->versions_count = left / 4;
    h->pn_offset = h->pkt_len;
    return 0;
}

/* RFC 9000 §17.2.5: Retry Token fills the packet up to the 16-byte tag. */
static int parse_retry(qb_rd *r, quic_pkt_hdr *h)
{
    size_t left = qb_rd_left(r);
    /* §17.2.5.2: a Retry with an empty token is discarded. */
    if (left <= QUIC_RETRY_TAG_LEN)
        return QUIC_PKT_ERR_RETRY;
    h->token = qb_rd_ptr(r);
    h->token_len = left - QUIC_RETRY_TAG_LEN;
    h->retry_tag = h->token + h->token_len;
    h->pn_offset = h->pkt_len;
    return 0;
}

static int parse_long(qb_rd *r, size_t len, quic_pkt_hdr *h)
{
    uint32_t version;
    int rc;
    if (qb_rd_u32(r, &version) != QB_OK)
        return QUIC_PKT_ERR_TRUNCATED;
    h->version = version;
    /* The invariant fields first (RFC 8999 §5.1), so that a server can answer an
     * unknown version with Version Negotiation. */
    if ((rc = read_cid(r, &h->dcid, &h->dcid_len)) != 0 ||
        (rc = read_cid(r, &h->scid, &h->scid_len)) != 0)
        return rc;
    h->pkt_len = len; /* until a Length field says otherwise */
    if (version == 0)
        return parse_vn(r, h);
    if (!quic_version_supported(version))
        return QUIC_PKT_ERR_VERSION;
    /* RFC 9000 §17.2: fixed bit 0 means not a valid packet of this version. */
    if (!(h->first & QUIC_PKT_FIXED_BIT))
        return QUIC_PKT_ERR_FIXED_BIT;
    if (h->dcid_len > QUIC_CID_MAX || h->scid_len > QUIC_CID_MAX)
        return QUIC_PKT_ERR_CID_LEN;
    if (quic_pkt_long_type_from_bits(version, (h->first >> 4) & 3, &h->type) != 0)
        return QUIC_PKT_ERR_VERSION;
    if (h->type == QUIC_PKT_RETRY)
        return parse_retry(r, h);
    if (h->type == QUIC_PKT_INITIAL) {
        /* §17.2.2: Token Length (i), Token (..). */
        uint64_t tl;
        if (qb_rd_varint(r, &tl) != QB_OK)
            return QUIC_PKT_ERR_TRUNCATED;
        if (tl > qb_rd_left(r))
            return QUIC_PKT_ERR_TRUNCATED;
        if (qb_rd_bytes(r, (size_t)tl, &h->token) != QB_OK)
            return QUIC_PKT_ERR_TRUNCATED;
        h->token_len = (size_t)tl;
    }
    /* Length (i) covers the packet number and the protected payload. */
    if (qb_rd_varint(r, &h->length) != QB_OK)
        return QUIC_PKT_ERR_TRUNCATED;
    if (h->length > qb_rd_left(r))
        return QUIC_PKT_ERR_LENGTH;
    h->pn_offset = r->off;
    h->pkt_len = r->off + (size_t)h->length;
    return 0;
}

int quic_pkt_hdr_parse(const uint8_t *p, size_t len, size_t short_dcid_len, quic_pkt_hdr *h)
{
    qb_rd r;
    memset(h, 0, sizeof *h);
    qb_rd_init(&r, p, len);
    h->pkt = p;
    if (qb_rd_u8(&r, &h->first) != QB_OK)
        return QUIC_PKT_ERR_TRUNCATED;
    if (h->first & QUIC_PKT_FORM_LONG)
        return parse_long(&r, len, h);
    /* RFC 9000 §17.3.1: 1-RTT packet; the DCID length is the endpoint's own. */
    if (!(h->first & QUIC_PKT_FIXED_BIT))
        return QUIC_PKT_ERR_FIXED_BIT;
    if (short_dcid_len > QUIC_CID_MAX)
        return QUIC_PKT_ERR_CID_LEN;
    if (qb_rd_bytes(&r, short_dcid_len, &h->dcid) != QB_OK)
        return QUIC_PKT_ERR_TRUNCATED;
    h->type = QUIC_PKT_1RTT;
    h->dcid_len = short_dcid_len;
    h->pn_offset = r.off;
    h->pkt_len = len; /* a short header packet runs to the end of the datagram */
    return 0;
}

void quic_dgram_iter_init(quic_dgram_iter *it, const uint8_t *p, size_t len,
                          size_t short_dcid_len)
{
    memset(it, 0, sizeof *it);
    it->p = p;
    it->len = len;
    it->short_dcid_len = short_dcid_len;
}

int quic_dgram_next(quic_dgram_iter *it, quic_pkt_hdr *h)
{
    if (it->off >= it->len)
        return 0;
    int rc = quic_pkt_hdr_parse(it->p + it->off, it->len - it->off, it->short_dcid_len, h);
    if (it->count == 0) {
        if (rc != 0)
            return rc;
        it->dcid = h->dcid;
        it->dcid_len = h->dcid_len;
    } else {
        /* RFC 9000 §12.2: what follows the first packet may be padding or junk;
         * packets for another connection ID are ignored. Either way the packets
         * already found stand. */
        if (rc == 0 && (h->dcid_len != it->dcid_len ||
                        (h->dcid_len && memcmp(h->dcid, it->dcid, h->dcid_len) != 0)))
            rc = QUIC_PKT_ERR_DCID;
        if (rc != 0) {
            it->ignored = it->len - it->off;
            it->off = it->len;
            return 0;
        }
    }
    it->off += h->pkt_len;
    it->count++;
    return 1;
}
