/* QUIC frame codec (RFC 9000 §19, RFC 9221 §4): the entry points, which find the
 * frame type's row in the table (frame_table.c) and call its codec, and the
 * field readers and emitter the per-frame codecs share. Encoding and its length
 * share one emitter so they cannot disagree. */
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

int quic_frame_decode(qb_rd *r, quic_frame *f)
{
    memset(f, 0, sizeof *f);
    size_t start = r->off;
    uint64_t type;
    if (qb_rd_varint(r, &type) != QB_OK)
        return QUIC_FRAME_ERR_TRUNCATED;
    if (r->off - start != qb_varint_len(type))
        return QUIC_FRAME_ERR_TYPE_ENCODING; /* §12.4, see frame.h */
    const quic_frame_row *row = quic_frame_row_get(type);
    if (!row)
        return QUIC_FRAME_ERR_UNKNOWN_TYPE; /* §12.4 */
    f->type = type;
    return row->decode(row, r, f);
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

static void emit_frame(quic_frame_emit *e, const quic_frame *f)
{
    const quic_frame_row *row = quic_frame_row_get(f->type);
    if (!row) {
        e->err = QUIC_FRAME_ERR_INVALID;
        return;
    }
    quic_frame_em_v(e, f, -1, f->type); /* always the shortest (§12.4) */
    row->emit(row, e, f);
}

int quic_frame_encode(qb_wr *w, const quic_frame *f)
{
    size_t start = w->off;
    quic_frame_emit e = {w, 0, 0};
    emit_frame(&e, f);
    if (e.err)
        w->off = start; /* leave no half frame behind */
    return e.err;
}

size_t quic_frame_encoded_len(const quic_frame *f)
{
    quic_frame_emit e = {NULL, 0, 0};
    emit_frame(&e, f);
    return e.err ? 0 : e.n;
}

/* ---- equality ---- */

bool quic_frame_same_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

bool quic_frame_equal(const quic_frame *a, const quic_frame *b)
{
    if (a->type != b->type)
        return false;
    const quic_frame_row *row = quic_frame_row_get(a->type);
    return row && row->equal(row, a, b);
}

/* ---- one line per frame, for verbose logs (DESIGN.md, Observability) ---- */

void quic_frame_catf(char *buf, size_t cap, int *n, const char *fmt, ...)
{
    if (*n < 0 || (size_t)*n >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + *n, cap - (size_t)*n, fmt, ap);
    va_end(ap);
    *n = k < 0 ? k : *n + k;
}

size_t quic_frame_describe(const quic_frame *f, char *buf, size_t cap)
{
    if (!buf || cap == 0)
        return 0;
    const quic_frame_row *row = quic_frame_row_get(f->type);
    int n = row ? row->describe(row, f, buf, cap) : snprintf(buf, cap, "UNKNOWN");
    if (n < 0)
        return 0;
    return (size_t)n < cap ? (size_t)n : cap - 1;
}
