/* Codecs of the QUIC frames that carry bytes: CRYPTO (RFC 9000 §19.6),
 * NEW_TOKEN (§19.7), STREAM (§19.8) and DATAGRAM (RFC 9221 §4). The bytes are
 * pointed at in the input, never copied; a log line gives their length only. */
#include "quic/frame_codec.h"

#include <inttypes.h>

/* ---- CRYPTO (§19.6) ---- */

int quic_frame_crypto_decode(const quic_frame_row *row, qb_rd *r, quic_frame *f)
{
    (void)row;
    int rc;
    if ((rc = quic_frame_rd_v(r, f, 0, &f->crypto.offset)) ||
        (rc = quic_frame_rd_len_bytes(r, f, 1, &f->crypto.data, &f->crypto.len)))
        return rc;
    if (f->crypto.len > QB_VARINT_MAX - f->crypto.offset)
        return QUIC_FRAME_ERR_CRYPTO_OFFSET;
    return 0;
}

void quic_frame_crypto_emit(const quic_frame_row *row, quic_frame_emit *e, const quic_frame *f)
{
    (void)row;
    quic_frame_em_v(e, f, 0, f->crypto.offset);
    quic_frame_em_len_bytes(e, f, 1, f->crypto.data, f->crypto.len);
}

bool quic_frame_crypto_equal(const quic_frame_row *row, const quic_frame *a, const quic_frame *b)
{
    (void)row;
    return a->crypto.offset == b->crypto.offset &&
           quic_frame_same_bytes(a->crypto.data, a->crypto.len, b->crypto.data, b->crypto.len);
}

/* ---- NEW_TOKEN (§19.7): an empty token is a FRAME_ENCODING_ERROR ---- */

int quic_frame_new_token_decode(const quic_frame_row *row, qb_rd *r, quic_frame *f)
{
    (void)row;
    int rc = quic_frame_rd_len_bytes(r, f, 0, &f->new_token.token, &f->new_token.len);
    if (rc)
        return rc;
    return f->new_token.len ? 0 : QUIC_FRAME_ERR_EMPTY_TOKEN;
}

void quic_frame_new_token_emit(const quic_frame_row *row, quic_frame_emit *e,
                               const quic_frame *f)
{
    (void)row;
    quic_frame_em_len_bytes(e, f, 0, f->new_token.token, f->new_token.len);
}

bool quic_frame_new_token_equal(const quic_frame_row *row, const quic_frame *a,
                                const quic_frame *b)
{
    (void)row;
    return quic_frame_same_bytes(a->new_token.token, a->new_token.len, b->new_token.token,
                                 b->new_token.len);
}

/* ---- STREAM (§19.8): OFF, LEN and FIN are bits of the type ---- */

int quic_frame_stream_decode(const quic_frame_row *row, qb_rd *r, quic_frame *f)
{
    (void)row;
    int rc = quic_frame_rd_v(r, f, 0, &f->stream.stream_id);
    if (rc)
        return rc;
    if ((f->type & QUIC_FT_STREAM_BIT_OFF) && (rc = quic_frame_rd_v(r, f, 1, &f->stream.offset)))
        return rc;
    if (f->type & QUIC_FT_STREAM_BIT_LEN) {
        if ((rc = quic_frame_rd_len_bytes(r, f, 2, &f->stream.data, &f->stream.len)))
            return rc;
    } else { /* no Length: the data runs to the end of the packet */
        f->stream.len = qb_rd_left(r);
        (void)qb_rd_bytes(r, f->stream.len, &f->stream.data);
    }
    if (f->stream.len > QB_VARINT_MAX - f->stream.offset)
        return QUIC_FRAME_ERR_STREAM_OFFSET;
    return 0;
}

void quic_frame_stream_emit(const quic_frame_row *row, quic_frame_emit *e, const quic_frame *f)
{
    (void)row;
    quic_frame_em_v(e, f, 0, f->stream.stream_id);
    if (f->type & QUIC_FT_STREAM_BIT_OFF)
        quic_frame_em_v(e, f, 1, f->stream.offset);
    else if (f->stream.offset != 0)
        quic_frame_em_fail(e, QUIC_FRAME_ERR_INVALID);
    if (f->type & QUIC_FT_STREAM_BIT_LEN)
        quic_frame_em_len_bytes(e, f, 2, f->stream.data, f->stream.len);
    else
        quic_frame_em_bytes(e, f->stream.data, f->stream.len);
}

bool quic_frame_stream_equal(const quic_frame_row *row, const quic_frame *a, const quic_frame *b)
{
    (void)row;
    return a->stream.stream_id == b->stream.stream_id && a->stream.offset == b->stream.offset &&
           quic_frame_same_bytes(a->stream.data, a->stream.len, b->stream.data, b->stream.len);
}

/* ---- DATAGRAM (RFC 9221 §4): 0x31 has a Length, 0x30 runs to the packet end ---- */

int quic_frame_datagram_decode(const quic_frame_row *row, qb_rd *r, quic_frame *f)
{
    (void)row;
    if (f->type == QUIC_FT_DATAGRAM_LEN)
        return quic_frame_rd_len_bytes(r, f, 0, &f->datagram.data, &f->datagram.len);
    f->datagram.len = qb_rd_left(r);
    (void)qb_rd_bytes(r, f->datagram.len, &f->datagram.data);
    return 0;
}

void quic_frame_datagram_emit(const quic_frame_row *row, quic_frame_emit *e,
                              const quic_frame *f)
{
    (void)row;
    if (f->type == QUIC_FT_DATAGRAM_LEN)
        quic_frame_em_len_bytes(e, f, 0, f->datagram.data, f->datagram.len);
    else
        quic_frame_em_bytes(e, f->datagram.data, f->datagram.len);
}

bool quic_frame_datagram_equal(const quic_frame_row *row, const quic_frame *a,
                               const quic_frame *b)
{
    (void)row;
    return quic_frame_same_bytes(a->datagram.data, a->datagram.len, b->datagram.data,
                                 b->datagram.len);
}
