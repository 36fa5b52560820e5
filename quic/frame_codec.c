/* QUIC frame codec (RFC 9000 §19, RFC 9221 §4): the field readers and the
 * emitter that every per-frame codec (frame_ack.c, frame_ctl.c, frame_data.c)
 * shares (the line builder is frame_describe.c's). The bottom of the codec: it calls nothing else in it.
 * Encoding and its length share one emitter so they cannot disagree. */
#include "quic/frame_codec.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- decoding ---- */

int quic_frame_rd_v(qb_rd *r, quic_frame *f, int i, uint64_t *v)
{
    size_t start = r->off;
    if (qb_rd_varint(r, v) != QB_OK)
        return QUIC_FRAME_ERR_TRUNCATED;
    size_t n = r->off - start;
    f->width[i] = n == qb_varint_len(*v) ? 0 : (uint8_t)n;
    return 0;
}

int quic_frame_rd_len_bytes(qb_rd *r, quic_frame *f, int i, const uint8_t **p, size_t *len)
{
    uint64_t n;
    int rc = quic_frame_rd_v(r, f, i, &n);
    if (rc)
        return rc;
    if (n > qb_rd_left(r))
        return QUIC_FRAME_ERR_TRUNCATED;
    *len = (size_t)n;
    return qb_rd_bytes(r, (size_t)n, p) == QB_OK ? 0 : QUIC_FRAME_ERR_TRUNCATED;
}

/* ---- encoding and length: one emitter, w == NULL only counts ---- */

void quic_frame_em_fail(quic_frame_emit *e, int err)
{
    if (!e->err)
        e->err = err;
}

void quic_frame_em_v(quic_frame_emit *e, const quic_frame *f, int i, uint64_t v)
{
    size_t width = i < 0 ? 0 : f->width[i];
    size_t need = qb_varint_len(v);
    if (e->err)
        return;
    if (need == 0 || (width && width != 1 && width != 2 && width != 4 && width != 8) ||
        (width && width < need)) {
        e->err = QUIC_FRAME_ERR_INVALID;
        return;
    }
    if (!width)
        width = need;
    e->n += width;
    if (e->w && qb_wr_varint_n(e->w, v, width) != QB_OK)
        e->err = QUIC_FRAME_ERR_NO_SPACE;
}

void quic_frame_em_bytes(quic_frame_emit *e, const void *p, size_t n)
{
    if (e->err)
        return;
    if (n && !p) {
        e->err = QUIC_FRAME_ERR_INVALID;
        return;
    }
    e->n += n;
    if (e->w && qb_wr_bytes(e->w, p, n) != QB_OK)
        e->err = QUIC_FRAME_ERR_NO_SPACE;
}

void quic_frame_em_zeros(quic_frame_emit *e, uint64_t n)
{
    if (e->err)
        return;
    if (e->w && (n > qb_wr_left(e->w) || qb_wr_zeros(e->w, (size_t)n) != QB_OK)) {
        e->err = QUIC_FRAME_ERR_NO_SPACE;
        return;
    }
    if (!e->w && n > (uint64_t)(SIZE_MAX / 2)) {
        e->err = QUIC_FRAME_ERR_INVALID;
        return;
    }
    e->n += (size_t)n;
}

void quic_frame_em_len_bytes(quic_frame_emit *e, const quic_frame *f, int i, const uint8_t *p,
                             size_t n)
{
    quic_frame_em_v(e, f, i, n);
    quic_frame_em_bytes(e, p, n);
}

/* ---- equality and lines ---- */

bool quic_frame_same_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}
