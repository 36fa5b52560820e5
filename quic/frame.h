/*
 * QUIC frames (RFC 9000 §19, RFC 9221 §4): a pure codec and the frame table.
 * The files, top to bottom (no file calls or includes one above it):
 *   frame_api.c    the entry points below (decode, encode, equal, describe)
 *   frame_table.c  one row per frame type and the lookups over the rows
 *   frame_ack.c, frame_ctl.c, frame_data.c   the per-frame codecs
 *   frame_codec.c  the field readers and emitter they share
 *   frame_describe.c  each frame's describe line and the line builder
 *   frame_pack.c   packing sizes (stands alone)
 *
 * quic_frame_decode() turns the bytes of ONE frame into a quic_frame; it never
 * allocates and never acts. Variable-length fields (STREAM, CRYPTO, DATAGRAM data,
 * NEW_TOKEN token, CONNECTION_CLOSE reason, ACK ranges) point into the input,
 * which must outlive the frame.
 *
 * Byte exactness: RFC 9000 §16 lets a sender use any width for a varint field
 * (real stacks write 2-byte Length fields for tiny values). The decoder records
 * the width of every varint field after the frame type in f->width[] and the
 * encoder honours it (0 = shortest), so decode -> encode reproduces the input byte
 * for byte. A run of PADDING bytes decodes as one frame with a count.
 *
 * Frame type encoding: RFC 9000 §12.4 requires the shortest encoding of the frame
 * type and lets a receiver treat a longer one as PROTOCOL_VIOLATION. quince does:
 * QUIC_FRAME_ERR_TYPE_ENCODING, mapped to PROTOCOL_VIOLATION.
 */
#ifndef QUIC_FRAME_H
#define QUIC_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quic/quic_err.h"
#include "base/qb.h"
#include "quic/ackrange.h"
#include "quic/pkt_type.h"

/* ---- frame types (RFC 9000 §19, Table 3; RFC 9221 §4) ---- */
enum {
    QUIC_FT_PADDING = 0x00,
    QUIC_FT_PING = 0x01,
    QUIC_FT_ACK = 0x02,
    QUIC_FT_ACK_ECN = 0x03,
    QUIC_FT_RESET_STREAM = 0x04,
    QUIC_FT_STOP_SENDING = 0x05,
    QUIC_FT_CRYPTO = 0x06,
    QUIC_FT_NEW_TOKEN = 0x07,
    QUIC_FT_STREAM = 0x08, /* 0x08..0x0f: | OFF | LEN | FIN bits */
    QUIC_FT_STREAM_MAX = 0x0f,
    QUIC_FT_MAX_DATA = 0x10,
    QUIC_FT_MAX_STREAM_DATA = 0x11,
    QUIC_FT_MAX_STREAMS_BIDI = 0x12,
    QUIC_FT_MAX_STREAMS_UNI = 0x13,
    QUIC_FT_DATA_BLOCKED = 0x14,
    QUIC_FT_STREAM_DATA_BLOCKED = 0x15,
    QUIC_FT_STREAMS_BLOCKED_BIDI = 0x16,
    QUIC_FT_STREAMS_BLOCKED_UNI = 0x17,
    QUIC_FT_NEW_CONNECTION_ID = 0x18,
    QUIC_FT_RETIRE_CONNECTION_ID = 0x19,
    QUIC_FT_PATH_CHALLENGE = 0x1a,
    QUIC_FT_PATH_RESPONSE = 0x1b,
    QUIC_FT_CONNECTION_CLOSE = 0x1c,     /* transport: carries a frame type */
    QUIC_FT_CONNECTION_CLOSE_APP = 0x1d, /* application */
    QUIC_FT_HANDSHAKE_DONE = 0x1e,
    QUIC_FT_DATAGRAM = 0x30,     /* RFC 9221 §4: no Length, runs to packet end */
    QUIC_FT_DATAGRAM_LEN = 0x31, /* with Length */
};

/* STREAM type bits (RFC 9000 §19.8). */
#define QUIC_FT_STREAM_BIT_FIN 0x01
#define QUIC_FT_STREAM_BIT_LEN 0x02
#define QUIC_FT_STREAM_BIT_OFF 0x04

#define QUIC_FRAME_CID_MAX 20         /* RFC 9000 §19.15 */
#define QUIC_FRAME_RESET_TOKEN_LEN 16 /* RFC 9000 §10.3 */
#define QUIC_FRAME_MAX_STREAMS_LIMIT ((uint64_t)1 << 60) /* RFC 9000 §19.11 */
#define QUIC_FRAME_WIDTHS 8

/* Error codes: the QUIC_FRAME_ERR_* of quic/quic_err.h. */

/* ---- the decoded frame ---- */
typedef struct quic_frame {
    uint64_t type; /* the wire frame type, e.g. 0x0e = STREAM with OFF and LEN */
    /* Width in bytes of each varint field after the type, in wire order; 0 means
     * shortest. Filled by decode, honoured by encode (see top of file). */
    uint8_t width[QUIC_FRAME_WIDTHS];
    union {
        struct { uint64_t count; } padding; /* bytes in the run, >= 1 */
        /* Frames made only of varints (RESET_STREAM, STOP_SENDING, MAX_*, *_BLOCKED,
         * RETIRE_CONNECTION_ID) share this view; the named structs below alias it. */
        uint64_t ints[3];
        struct {
            uint64_t largest;      /* Largest Acknowledged */
            uint64_t ack_delay;    /* raw, not scaled by ack_delay_exponent */
            uint64_t range_count;  /* ACK Range Count (after the first range) */
            uint64_t first_range;  /* First ACK Range */
            const uint8_t *ranges; /* raw (Gap, ACK Range Length) pairs */
            size_t ranges_len;
            uint64_t ecn[3];       /* ECT0, ECT1, ECN-CE; only for 0x03 */
            uint64_t smallest;     /* smallest acknowledged packet (derived) */
        } ack;
        struct { uint64_t stream_id, app_error_code, final_size; } reset_stream;
        struct { uint64_t stream_id, app_error_code; } stop_sending;
        struct { uint64_t offset; const uint8_t *data; size_t len; } crypto;
        struct { const uint8_t *token; size_t len; } new_token;
        /* FIN/LEN/OFF come from type; offset is 0 when OFF is clear. */
        struct { uint64_t stream_id, offset; const uint8_t *data; size_t len; } stream;
        struct { uint64_t max; } max_data;
        struct { uint64_t stream_id, max; } max_stream_data;
        struct { uint64_t max; } max_streams;           /* bidi/uni from type */
        struct { uint64_t limit; } data_blocked;
        struct { uint64_t stream_id, limit; } stream_data_blocked;
        struct { uint64_t limit; } streams_blocked;     /* bidi/uni from type */
        struct {
            uint64_t seq, retire_prior_to;
            uint8_t cid_len;
            uint8_t cid[QUIC_FRAME_CID_MAX];
            uint8_t reset_token[QUIC_FRAME_RESET_TOKEN_LEN];
        } new_cid;
        struct { uint64_t seq; } retire_cid;
        struct { uint8_t data[8]; } path; /* PATH_CHALLENGE / PATH_RESPONSE */
        struct {
            uint64_t error_code;
            uint64_t frame_type; /* 0x1c only: the frame type that caused it */
            const uint8_t *reason;
            size_t reason_len;
        } close;
        struct { const uint8_t *data; size_t len; } datagram;
    };
} quic_frame;

/* Decodes ONE frame at r's position and advances r past it. Returns 0 or a
 * QUIC_FRAME_ERR_*; r's position is unspecified after an error. */
int quic_frame_decode(qb_rd *r, quic_frame *f);
/* Encodes f. STREAM without LEN (and DATAGRAM 0x30) must be the last frame of
 * the packet; that is the caller's business. Returns 0 or QUIC_FRAME_ERR_*. */
int quic_frame_encode(qb_wr *w, const quic_frame *f);
/* Bytes quic_frame_encode would write; 0 if f cannot be encoded. */
size_t quic_frame_encoded_len(const quic_frame *f);
/* Same frame: type, every field, the bytes behind pointers (not the widths). */
bool quic_frame_equal(const quic_frame *a, const quic_frame *b);

/* ---- ACK (RFC 9000 §19.3) ---- */
/* One range, both ends inclusive: the received-ranges type of quic/ackrange.h,
 * so quic_ackrange_export() output feeds quic_frame_ack_encode() directly. */
typedef quic_pn_range quic_ack_range;

typedef struct quic_ack_iter {
    qb_rd r;
    uint64_t left;     /* ranges still to yield after the current one */
    uint64_t smallest; /* smallest of the last range yielded */
    bool started;
    uint64_t largest, first_range;
    int err; /* after next() returned false: 0 at the end, else QUIC_FRAME_ERR_* */
} quic_ack_iter;

/* Iterates the ranges of a decoded ACK frame from the largest down. */
void quic_ack_iter_init(quic_ack_iter *it, const quic_frame *f);
bool quic_ack_iter_next(quic_ack_iter *it, quic_ack_range *out);

/* Encodes an ACK (0x02, or 0x03 when ecn != NULL: ECT0, ECT1, ECN-CE) from n
 * ranges sorted from the largest down, disjoint and not adjacent (a gap of at
 * least one packet number between them). ack_delay is the raw field value. */
int quic_frame_ack_encode(qb_wr *w, const quic_ack_range *ranges, size_t n,
                          uint64_t ack_delay, const uint64_t ecn[3]);
/* Its length; 0 when the ranges are invalid. */
size_t quic_frame_ack_encoded_len(const quic_ack_range *ranges, size_t n,
                                  uint64_t ack_delay, const uint64_t ecn[3]);
/* How many of the first ranges fit in space bytes (0: not even one). */
size_t quic_frame_ack_ranges_fit(const quic_ack_range *ranges, size_t n,
                                 uint64_t ack_delay, const uint64_t ecn[3], size_t space);

/* ---- packing helpers ---- */
/* Header bytes (type, ids, offset, length) of a STREAM frame carrying len bytes;
 * with_len = false means no Length field (last frame in the packet). */
size_t quic_frame_stream_overhead(uint64_t stream_id, uint64_t offset, size_t len,
                                  bool with_len);
/* Most data bytes a STREAM frame with Length can carry in space bytes (0: none). */
size_t quic_frame_stream_fit(uint64_t stream_id, uint64_t offset, size_t space);
size_t quic_frame_crypto_overhead(uint64_t offset, size_t len);
size_t quic_frame_crypto_fit(uint64_t offset, size_t space);
/* DATAGRAM 0x31 (with_len) or 0x30. */
size_t quic_frame_datagram_overhead(size_t len, bool with_len);

/* ---- the frame table (RFC 9000 §12.4, Table 3; RFC 9221 §4) ----
 * One row per frame type, sorted by type value; extension types (DATAGRAM) are
 * rows like any other. A row says which type values it covers, its name, the
 * packet types that may carry it, its flags, and the codec functions that
 * decode, encode, compare and describe it (frame_codec.h). Acting on a frame is
 * not the codec's business: the connection keeps its own handler table indexed
 * by the same row ids (quic/conn_frames.c), so decoders stay pure. */
enum {
    QUIC_FRAME_F_NOT_ACK_ELICITING = 0x01, /* N */
    QUIC_FRAME_F_NOT_IN_FLIGHT = 0x02,     /* C: not counted in bytes in flight */
    QUIC_FRAME_F_PROBING = 0x04,           /* P */
    QUIC_FRAME_F_FLOW_CONTROLLED = 0x08,   /* F */
    QUIC_FRAME_F_SERVER_ONLY = 0x10,       /* §19.7, §19.20: only a server sends it */
};

/* Row ids: the index of each row in the table, in type order. */
typedef enum quic_frame_row_id {
    QUIC_FRAME_ROW_PADDING,
    QUIC_FRAME_ROW_PING,
    QUIC_FRAME_ROW_ACK,
    QUIC_FRAME_ROW_ACK_ECN,
    QUIC_FRAME_ROW_RESET_STREAM,
    QUIC_FRAME_ROW_STOP_SENDING,
    QUIC_FRAME_ROW_CRYPTO,
    QUIC_FRAME_ROW_NEW_TOKEN,
    QUIC_FRAME_ROW_STREAM, /* 0x08..0x0f */
    QUIC_FRAME_ROW_MAX_DATA,
    QUIC_FRAME_ROW_MAX_STREAM_DATA,
    QUIC_FRAME_ROW_MAX_STREAMS_BIDI,
    QUIC_FRAME_ROW_MAX_STREAMS_UNI,
    QUIC_FRAME_ROW_DATA_BLOCKED,
    QUIC_FRAME_ROW_STREAM_DATA_BLOCKED,
    QUIC_FRAME_ROW_STREAMS_BLOCKED_BIDI,
    QUIC_FRAME_ROW_STREAMS_BLOCKED_UNI,
    QUIC_FRAME_ROW_NEW_CONNECTION_ID,
    QUIC_FRAME_ROW_RETIRE_CONNECTION_ID,
    QUIC_FRAME_ROW_PATH_CHALLENGE,
    QUIC_FRAME_ROW_PATH_RESPONSE,
    QUIC_FRAME_ROW_CONNECTION_CLOSE,
    QUIC_FRAME_ROW_CONNECTION_CLOSE_APP,
    QUIC_FRAME_ROW_HANDSHAKE_DONE,
    QUIC_FRAME_ROW_DATAGRAM,     /* RFC 9221 §4: 0x30 */
    QUIC_FRAME_ROW_DATAGRAM_LEN, /* 0x31 */
    QUIC_FRAME_ROWS
} quic_frame_row_id;

typedef struct quic_frame_emit quic_frame_emit; /* frame_codec.h */
typedef struct quic_frame_line quic_frame_line; /* frame_codec.h */
typedef struct quic_frame_row quic_frame_row;

struct quic_frame_row {
    uint64_t lo, hi;  /* the frame type values of this row */
    const char *name;
    uint8_t pkts;     /* bit (1 << quic_pkt_type) for each packet type allowed */
    uint8_t flags;    /* QUIC_FRAME_F_* */
    uint8_t nints;    /* frames made only of varints: how many; else 0 */
    /* The body after the type; 0 or QUIC_FRAME_ERR_*. */
    int (*decode)(const quic_frame_row *row, qb_rd *r, quic_frame *f);
    /* The body after the type, into the shared emitter. */
    void (*emit)(const quic_frame_row *row, quic_frame_emit *e, const quic_frame *f);
    bool (*equal)(const quic_frame_row *row, const quic_frame *a, const quic_frame *b);
    /* Appends the frame's line to out (quic_frame_catf). */
    void (*describe)(const quic_frame_row *row, const quic_frame *f, quic_frame_line *out);
};

/* The row of a frame type; NULL for an unknown type. */
const quic_frame_row *quic_frame_row_get(uint64_t type);
/* The row id of a frame type; -1 for an unknown type. */
int quic_frame_row_find(uint64_t type);
/* The row with an id; NULL when id is out of range. */
const quic_frame_row *quic_frame_row_at(int id);
bool quic_frame_allowed(uint64_t type, quic_pkt_type pt);
bool quic_frame_is_ack_eliciting(uint64_t type);
bool quic_frame_is_in_flight(uint64_t type); /* counts toward bytes in flight */
bool quic_frame_is_probing(uint64_t type);
bool quic_frame_is_flow_controlled(uint64_t type);
/* The receive-side check of §12.4 (packet type) and §19.7/§19.20 (sent only
 * by a server): 0, QUIC_FRAME_ERR_NOT_ALLOWED, QUIC_FRAME_ERR_SERVER_ONLY or
 * QUIC_FRAME_ERR_UNKNOWN_TYPE. */
int quic_frame_check_recv(uint64_t type, quic_pkt_type pt, bool from_server);

/* One human-readable line for a decoded frame ("STREAM id=0 off=0 len=4 fin"),
 * for verbose logs; truncated to cap-1 characters; returns its length. A reason
 * phrase is copied as is (up to 64 bytes): a logger must escape it if needed. */
size_t quic_frame_describe(const quic_frame *f, char *buf, size_t cap);

/* "STREAM", "ACK", ...; "UNKNOWN" for unknown types. */
const char *quic_frame_type_name(uint64_t type);

#endif
