/* Bounds-checked reader and writer, and QUIC varints (RFC 9000 §16). */
#include "base/qb.h"

#include <string.h>

int qb_rd_uint(qb_rd *r, size_t n, uint64_t *v)
{
    if (n == 0 || n > 8 || qb_rd_left(r) < n)
        return QB_ERR_TRUNCATED;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x = (x << 8) | r->p[r->off + i];
    r->off += n;
    *v = x;
    return QB_OK;
}

int qb_rd_u8(qb_rd *r, uint8_t *v)
{
    if (qb_rd_left(r) < 1)
        return QB_ERR_TRUNCATED;
    *v = r->p[r->off++];
    return QB_OK;
}

int qb_rd_u16(qb_rd *r, uint16_t *v)
{
    uint64_t x;
    int rc = qb_rd_uint(r, 2, &x);
    if (rc == QB_OK)
        *v = (uint16_t)x;
    return rc;
}

int qb_rd_u24(qb_rd *r, uint32_t *v)
{
    uint64_t x;
    int rc = qb_rd_uint(r, 3, &x);
    if (rc == QB_OK)
        *v = (uint32_t)x;
    return rc;
}

int qb_rd_u32(qb_rd *r, uint32_t *v)
{
    uint64_t x;
    int rc = qb_rd_uint(r, 4, &x);
    if (rc == QB_OK)
        *v = (uint32_t)x;
    return rc;
}

int qb_rd_u64(qb_rd *r, uint64_t *v) { return qb_rd_uint(r, 8, v); }

int qb_rd_varint(qb_rd *r, uint64_t *v)
{
    if (qb_rd_left(r) < 1)
        return QB_ERR_TRUNCATED;
    size_t n = qb_varint_len_from_first(r->p[r->off]);
    if (qb_rd_left(r) < n)
        return QB_ERR_TRUNCATED;
    uint64_t x = r->p[r->off] & 0x3f;
    for (size_t i = 1; i < n; i++)
        x = (x << 8) | r->p[r->off + i];
    r->off += n;
    *v = x;
    return QB_OK;
}

int qb_rd_bytes(qb_rd *r, size_t n, const uint8_t **p)
{
    if (qb_rd_left(r) < n)
        return QB_ERR_TRUNCATED;
    *p = r->p + r->off;
    r->off += n;
    return QB_OK;
}

int qb_rd_copy(qb_rd *r, void *dst, size_t n)
{
    if (qb_rd_left(r) < n)
        return QB_ERR_TRUNCATED;
    if (n)
        memcpy(dst, r->p + r->off, n);
    r->off += n;
    return QB_OK;
}

int qb_rd_skip(qb_rd *r, size_t n)
{
    if (qb_rd_left(r) < n)
        return QB_ERR_TRUNCATED;
    r->off += n;
    return QB_OK;
}

int qb_rd_sub(qb_rd *r, size_t n, qb_rd *sub)
{
    if (qb_rd_left(r) < n)
        return QB_ERR_TRUNCATED;
    qb_rd_init(sub, r->p + r->off, n);
    r->off += n;
    return QB_OK;
}

int qb_rd_vec(qb_rd *r, size_t lenbytes, qb_rd *sub)
{
    uint64_t n;
    int rc = qb_rd_uint(r, lenbytes, &n);
    if (rc != QB_OK)
        return rc;
    if (n > qb_rd_left(r))
        return QB_ERR_TRUNCATED;
    return qb_rd_sub(r, (size_t)n, sub);
}

int qb_wr_uint(qb_wr *w, size_t n, uint64_t v)
{
    if (n == 0 || n > 8 || qb_wr_left(w) < n)
        return QB_ERR_NO_SPACE;
    for (size_t i = 0; i < n; i++)
        w->p[w->off + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    w->off += n;
    return QB_OK;
}

int qb_wr_u8(qb_wr *w, uint8_t v)
{
    if (qb_wr_left(w) < 1)
        return QB_ERR_NO_SPACE;
    w->p[w->off++] = v;
    return QB_OK;
}

int qb_wr_u16(qb_wr *w, uint16_t v) { return qb_wr_uint(w, 2, v); }
int qb_wr_u24(qb_wr *w, uint32_t v) { return qb_wr_uint(w, 3, v); }
int qb_wr_u32(qb_wr *w, uint32_t v) { return qb_wr_uint(w, 4, v); }
int qb_wr_u64(qb_wr *w, uint64_t v) { return qb_wr_uint(w, 8, v); }

size_t qb_varint_len(uint64_t v)
{
    if (v < 64)
        return 1;
    if (v < 16384)
        return 2;
    if (v < 1073741824)
        return 4;
    if (v <= QB_VARINT_MAX)
        return 8;
    return 0;
}

void qb_varint_put_n(uint8_t *dst, uint64_t v, size_t n)
{
    static const uint8_t prefix[9] = {0, 0x00, 0x40, 0, 0x80, 0, 0, 0, 0xc0};
    for (size_t i = 0; i < n; i++)
        dst[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    dst[0] = (uint8_t)((dst[0] & 0x3f) | prefix[n]);
}

int qb_wr_varint_n(qb_wr *w, uint64_t v, size_t n)
{
    if (n != 1 && n != 2 && n != 4 && n != 8)
        return QB_ERR_VARINT_RANGE;
    size_t need = qb_varint_len(v);
    if (need == 0 || need > n)
        return QB_ERR_VARINT_RANGE;
    if (qb_wr_left(w) < n)
        return QB_ERR_NO_SPACE;
    qb_varint_put_n(w->p + w->off, v, n);
    w->off += n;
    return QB_OK;
}

int qb_wr_varint(qb_wr *w, uint64_t v)
{
    size_t n = qb_varint_len(v);
    if (n == 0)
        return QB_ERR_VARINT_RANGE;
    return qb_wr_varint_n(w, v, n);
}

int qb_wr_bytes(qb_wr *w, const void *src, size_t n)
{
    if (qb_wr_left(w) < n)
        return QB_ERR_NO_SPACE;
    if (n)
        memcpy(w->p + w->off, src, n);
    w->off += n;
    return QB_OK;
}

int qb_wr_zeros(qb_wr *w, size_t n)
{
    if (qb_wr_left(w) < n)
        return QB_ERR_NO_SPACE;
    memset(w->p + w->off, 0, n);
    w->off += n;
    return QB_OK;
}

int qb_wr_reserve(qb_wr *w, size_t n, uint8_t **at)
{
    if (qb_wr_left(w) < n)
        return QB_ERR_NO_SPACE;
    *at = w->p + w->off;
    w->off += n;
    return QB_OK;
}

bool qb_ct_equal(const void *a, const void *b, size_t n)
{
    const volatile uint8_t *x = a, *y = b;
    uint8_t d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (uint8_t)(x[i] ^ y[i]);
    return d == 0;
}
