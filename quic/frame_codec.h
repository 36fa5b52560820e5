/*
 * Inside the frame codec (frame_api.c, frame_table.c, frame_ack.c, frame_data.c,
 * frame_ctl.c, frame_describe.c): the field readers and the emitter the
 * per-frame codecs share (frame_codec.c), the line builder (frame_describe.c), and the codec functions each row of
 * the frame table points at. Nothing outside the codec includes this header;
 * the rest of quic/ sees quic/frame.h.
 *
 * A frame's codec is four functions named after it (quic_frame_<x>_decode,
 * _emit, _equal, _describe); QUIC_FRAME_CODEC(x) declares them and the table
 * row names them. Adding a frame type = one row in frame_table.c, its four
 * functions here and in a frame_*.c file (_describe in frame_describe.c, which
 * the QUINCE_MINIMAL size profile leaves out), its handler in conn_frames.c.
 * The codecs call only frame_codec.c: what they need from above (the name of
 * another frame type) comes down as an argument.
 */
#ifndef QUIC_FRAME_CODEC_H
#define QUIC_FRAME_CODEC_H

#include "quic/frame.h"

/* One emitter for encoding and length: with w == NULL it only counts, so the
 * two cannot disagree. err latches the first QUIC_FRAME_ERR_*. */
struct quic_frame_emit {
    qb_wr *w;
    size_t n;
    int err;
};

/* Reads the varint field number i (wire order after the type) and remembers
 * its width when not the shortest (frame.h, byte exactness). */
int quic_frame_rd_v(qb_rd *r, quic_frame *f, int i, uint64_t *v);
/* A varint length (field i) followed by that many bytes, pointed at in place. */
int quic_frame_rd_len_bytes(qb_rd *r, quic_frame *f, int i, const uint8_t **p, size_t *len);

/* Field i of f at its recorded width (i < 0: always the shortest). */
void quic_frame_em_v(quic_frame_emit *e, const quic_frame *f, int i, uint64_t v);
void quic_frame_em_bytes(quic_frame_emit *e, const void *p, size_t n);
void quic_frame_em_zeros(quic_frame_emit *e, uint64_t n);
void quic_frame_em_len_bytes(quic_frame_emit *e, const quic_frame *f, int i, const uint8_t *p,
                             size_t n);
void quic_frame_em_fail(quic_frame_emit *e, int err);

bool quic_frame_same_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
/* One describe line being built. */
struct quic_frame_line {
    char *buf;
    size_t cap;
    int n; /* characters appended so far; < 0 after an encoding error */
    /* quic_frame_type_name, handed down by quic_frame_describe (frame_api.c). */
    const char *(*type_name)(uint64_t type);
};

/* snprintf that appends at out->n and never runs past cap (n < 0 stays < 0). */
void quic_frame_catf(quic_frame_line *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define QUIC_FRAME_CODEC(x)                                                                  \
    int quic_frame_##x##_decode(const quic_frame_row *row, qb_rd *r, quic_frame *f);         \
    void quic_frame_##x##_emit(const quic_frame_row *row, quic_frame_emit *e,                \
                               const quic_frame *f);                                         \
    bool quic_frame_##x##_equal(const quic_frame_row *row, const quic_frame *a,              \
                                const quic_frame *b);                                        \
    void quic_frame_##x##_describe(const quic_frame_row *row, const quic_frame *f,          \
                                   quic_frame_line *out)

/* frame_ctl.c: frames of varints and fixed fields */
QUIC_FRAME_CODEC(padding);  /* §19.1: a run of zero bytes as one frame */
QUIC_FRAME_CODEC(empty);    /* PING §19.2, HANDSHAKE_DONE §19.20: type only */
QUIC_FRAME_CODEC(ints);     /* row->nints varints and nothing else */
QUIC_FRAME_CODEC(max_streams);     /* ints, at most 2^60 (§19.11) */
QUIC_FRAME_CODEC(streams_blocked); /* ints, at most 2^60 (§19.14) */
QUIC_FRAME_CODEC(new_cid);  /* §19.15 */
QUIC_FRAME_CODEC(path);     /* PATH_CHALLENGE / PATH_RESPONSE §19.17-18 */
QUIC_FRAME_CODEC(close);    /* CONNECTION_CLOSE 0x1c / 0x1d §19.19 */
/* frame_data.c: frames that carry bytes */
QUIC_FRAME_CODEC(crypto);    /* §19.6 */
QUIC_FRAME_CODEC(new_token); /* §19.7 */
QUIC_FRAME_CODEC(stream);    /* §19.8, 0x08..0x0f */
QUIC_FRAME_CODEC(datagram);  /* RFC 9221 §4, 0x30 / 0x31 */
/* frame_ack.c */
QUIC_FRAME_CODEC(ack);       /* §19.3, 0x02 / 0x03 */

#endif
