/* QUIC frame codec (RFC 9000 §19, RFC 9221 §4): the entry points of quic/frame.h.
 * Each finds the frame type's row in the table (frame_table.c) and calls the
 * row's codec. This file sits on top of the codec: frame_api -> frame_table ->
 * frame_ack / frame_ctl / frame_data -> frame_codec (the shared field readers
 * and emitter); nothing below calls up (tools/check_includes.sh). */
#include "quic/frame_codec.h"

#include <stdio.h>
#include <string.h>

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

bool quic_frame_equal(const quic_frame *a, const quic_frame *b)
{
    if (a->type != b->type)
        return false;
    const quic_frame_row *row = quic_frame_row_get(a->type);
    return row && row->equal(row, a, b);
}

/* ---- one line per frame, for verbose logs (DESIGN.md, Observability) ---- */

size_t quic_frame_describe(const quic_frame *f, char *buf, size_t cap)
{
    if (!buf || cap == 0)
        return 0;
#ifdef QUINCE_MINIMAL /* the size profile: no describe lines (frame_describe.c left out) */
    buf[0] = '\0';
    return 0;
#endif
    const quic_frame_row *row = quic_frame_row_get(f->type);
    /* The name lookup goes down with the line, so the CONNECTION_CLOSE codec
     * can name the frame type it carries without calling up into the table. */
    quic_frame_line out = {buf, cap, 0, quic_frame_type_name};
    if (row)
        row->describe(row, f, &out);
    else
        out.n = snprintf(buf, cap, "UNKNOWN");
    if (out.n < 0)
        return 0;
    return (size_t)out.n < cap ? (size_t)out.n : cap - 1;
}
