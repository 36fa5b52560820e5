/* One line per frame for verbose logs (quic_frame_describe, DESIGN.md,
 * Observability): each codec's describe function and the line builder they
 * share. Below the table (frame_table.c names them in its rows), beside the
 * codecs. The QUINCE_MINIMAL size profile leaves this file out (no trace
 * strings, issue 16; cmake/quince_minimal.cmake). */
#include "quic/frame_codec.h"
#include "quic/quic_err.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

void quic_frame_catf(quic_frame_line *out, const char *fmt, ...)
{
    if (out->n < 0 || (size_t)out->n >= out->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(out->buf + out->n, out->cap - (size_t)out->n, fmt, ap);
    va_end(ap);
    out->n = k < 0 ? k : out->n + k;
}

/* ---- frame_ctl.c's frames ---- */

void quic_frame_padding_describe(const quic_frame_row *row, const quic_frame *f,
                                 quic_frame_line *out)
{
    quic_frame_catf(out, "%s x%" PRIu64, row->name, f->padding.count);
}

void quic_frame_empty_describe(const quic_frame_row *row, const quic_frame *f, quic_frame_line *out)
{
    (void)f;
    quic_frame_catf(out, "%s", row->name);
}

void quic_frame_ints_describe(const quic_frame_row *row, const quic_frame *f, quic_frame_line *out)
{
    quic_frame_catf(out, "%s", row->name);
    for (int i = 0; i < row->nints; i++)
        quic_frame_catf(out, " %" PRIu64, f->ints[i]);
}

void quic_frame_max_streams_describe(const quic_frame_row *row, const quic_frame *f,
                                     quic_frame_line *out)
{
    quic_frame_ints_describe(row, f, out);
}

void quic_frame_streams_blocked_describe(const quic_frame_row *row, const quic_frame *f,
                                         quic_frame_line *out)
{
    quic_frame_ints_describe(row, f, out);
}

void quic_frame_new_cid_describe(const quic_frame_row *row, const quic_frame *f,
                                 quic_frame_line *out)
{
    quic_frame_catf(out, "%s seq=%" PRIu64 " retire_prior_to=%" PRIu64 " cid_len=%u",
                    row->name, f->new_cid.seq, f->new_cid.retire_prior_to,
                    (unsigned)f->new_cid.cid_len);
}

void quic_frame_path_describe(const quic_frame_row *row, const quic_frame *f, quic_frame_line *out)
{
    quic_frame_catf(out, "%s ", row->name);
    for (int i = 0; i < 8; i++)
        quic_frame_catf(out, "%02x", f->path.data[i]);
}

void quic_frame_close_describe(const quic_frame_row *row, const quic_frame *f, quic_frame_line *out)
{
    int rl = f->close.reason_len > 64 ? 64 : (int)f->close.reason_len;
    quic_frame_catf(out, "%s code=0x%" PRIx64, row->name, f->close.error_code);
    if (f->type == QUIC_FT_CONNECTION_CLOSE) /* transport codes have names (§20.1) */
        quic_frame_catf(out, " (%s) frame=%s", quic_wire_err_name(f->close.error_code),
                        out->type_name(f->close.frame_type));
    /* reason phrases are UTF-8 text (§19.19), copied as is (frame.h) */
    quic_frame_catf(out, " reason=\"%.*s\"", rl,
                    f->close.reason ? (const char *)f->close.reason : "");
}

/* ---- frame_data.c's frames ---- */

void quic_frame_crypto_describe(const quic_frame_row *row, const quic_frame *f,
                                quic_frame_line *out)
{
    quic_frame_catf(out, "%s off=%" PRIu64 " len=%zu", row->name, f->crypto.offset,
                    f->crypto.len);
}

void quic_frame_new_token_describe(const quic_frame_row *row, const quic_frame *f,
                                   quic_frame_line *out)
{
    quic_frame_catf(out, "%s len=%zu", row->name, f->new_token.len);
}

void quic_frame_stream_describe(const quic_frame_row *row, const quic_frame *f,
                                quic_frame_line *out)
{
    quic_frame_catf(out, "%s id=%" PRIu64 " off=%" PRIu64 " len=%zu%s", row->name,
                    f->stream.stream_id, f->stream.offset, f->stream.len,
                    (f->type & QUIC_FT_STREAM_BIT_FIN) ? " fin" : "");
}

void quic_frame_datagram_describe(const quic_frame_row *row, const quic_frame *f,
                                  quic_frame_line *out)
{
    (void)row; /* both types print as DATAGRAM */
    quic_frame_catf(out, "DATAGRAM len=%zu", f->datagram.len);
}

/* ---- frame_ack.c's frames ---- */

void quic_frame_ack_describe(const quic_frame_row *row, const quic_frame *f, quic_frame_line *out)
{
    quic_frame_catf(out, "%s delay=%" PRIu64 " ranges=", row->name, f->ack.ack_delay);
    quic_ack_iter it;
    quic_ack_range r;
    quic_ack_iter_init(&it, f);
    for (int k = 0; out->n >= 0 && (size_t)out->n < out->cap && quic_ack_iter_next(&it, &r); k++)
        quic_frame_catf(out, "%s%" PRIu64 "-%" PRIu64, k ? "," : "", r.smallest, r.largest);
    if (f->type == QUIC_FT_ACK_ECN)
        quic_frame_catf(out, " ecn=%" PRIu64 "/%" PRIu64 "/%" PRIu64, f->ack.ecn[0],
                        f->ack.ecn[1], f->ack.ecn[2]);
}
