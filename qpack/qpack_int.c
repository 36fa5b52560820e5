/* Prefixed integers (RFC 7541 §5.1) and string literals (RFC 7541 §5.2 with the
 * N-bit prefixes of RFC 9204 §4.1.2). */
#include "qpack/qpack_priv.h"

#include <string.h>

/* A 62-bit value (RFC 9204 §4.1.1) needs at most 9 continuation bytes of 7 bits after
 * any prefix; a 10th byte can only be an over-long encoding. */
#define QPACK_INT_MAX_CONT 9

int qpack_int_decode(qb_rd *r, unsigned prefix_bits, uint8_t *first_byte_flags, uint64_t *v)
{
    if (prefix_bits < 1 || prefix_bits > 8)
        return QPACK_ERR_ARG;
    uint8_t b;
    if (qb_rd_u8(r, &b) != QB_OK)
        return QPACK_ERR_TRUNCATED;
    uint8_t mask = (uint8_t)((1u << prefix_bits) - 1);
    if (first_byte_flags)
        *first_byte_flags = (uint8_t)(b & ~mask);
    uint64_t val = b & mask;
    if (val < mask) {
        *v = val;
        return 0;
    }
    for (unsigned i = 0;; i++) {
        if (i == QPACK_INT_MAX_CONT)
            return QPACK_ERR_INT_TOO_LONG;
        if (qb_rd_u8(r, &b) != QB_OK)
            return QPACK_ERR_TRUNCATED;
        uint64_t add = (uint64_t)(b & 0x7f) << (7 * i); /* 7*i <= 56: no shift overflow */
        if (add > QB_VARINT_MAX - val)
            return QPACK_ERR_INT_OVERFLOW;
        val += add;
        if (!(b & 0x80))
            break;
    }
    *v = val;
    return 0;
}

int qpack_int_encode(qb_wr *w, unsigned prefix_bits, uint8_t flags, uint64_t v)
{
    if (prefix_bits < 1 || prefix_bits > 8)
        return QPACK_ERR_ARG;
    if (v > QB_VARINT_MAX) /* RFC 9204 §4.1.1: peers need only decode 62 bits */
        return QPACK_ERR_INT_OVERFLOW;
    uint8_t mask = (uint8_t)((1u << prefix_bits) - 1);
    uint8_t buf[1 + QPACK_INT_MAX_CONT + 1];
    size_t n = 0;
    if (v < mask) {
        buf[n++] = (uint8_t)((flags & ~mask) | v);
    } else {
        buf[n++] = (uint8_t)((flags & ~mask) | mask);
        v -= mask;
        while (v >= 0x80) {
            buf[n++] = (uint8_t)(0x80 | (v & 0x7f));
            v >>= 7;
        }
        buf[n++] = (uint8_t)v;
    }
    return qb_wr_bytes(w, buf, n) == QB_OK ? 0 : QPACK_ERR_NO_SPACE;
}

int qpack_str_decode(qb_rd *r, unsigned prefix_bits, uint8_t *out, size_t cap,
                     int cap_err, size_t *out_len)
{
    uint8_t flags;
    uint64_t len;
    int rc = qpack_int_decode(r, prefix_bits - 1, &flags, &len);
    if (rc)
        return rc;
    if (len > qb_rd_left(r))
        return QPACK_ERR_STRING_LENGTH;
    const uint8_t *s;
    (void)qb_rd_bytes(r, (size_t)len, &s);
    bool huffman = flags & (1u << (prefix_bits - 1));
    if (!huffman) {
        if (len > cap)
            return cap_err;
        if (len)
            memcpy(out, s, (size_t)len);
        *out_len = (size_t)len;
        return 0;
    }
    rc = qpack_huffman_decode(s, (size_t)len, out, cap, out_len);
    return rc == QPACK_ERR_NO_SPACE ? cap_err : rc;
}

int qpack_str_encode(qb_wr *w, unsigned prefix_bits, uint8_t flags, const uint8_t *s,
                     size_t len)
{
    size_t hlen = qpack_huffman_encoded_len(s, len);
    uint8_t hbit = (uint8_t)(1u << (prefix_bits - 1));
    size_t start = w->off;
    int rc;
    if (hlen < len) {
        rc = qpack_int_encode(w, prefix_bits - 1, (uint8_t)(flags | hbit), hlen);
        if (rc == 0) {
            size_t got;
            rc = qpack_huffman_encode(s, len, qb_wr_ptr(w), qb_wr_left(w), &got);
            if (rc == 0)
                w->off += got;
        }
    } else {
        rc = qpack_int_encode(w, prefix_bits - 1, (uint8_t)(flags & ~hbit), len);
        if (rc == 0 && qb_wr_bytes(w, s, len) != QB_OK)
            rc = QPACK_ERR_NO_SPACE;
    }
    if (rc)
        w->off = start;
    return rc;
}
