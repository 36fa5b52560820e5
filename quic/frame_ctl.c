/* Codecs of the QUIC frames made of varints and fixed fields (RFC 9000 §19):
 * PADDING, PING, HANDSHAKE_DONE, the varint-only frames (RESET_STREAM,
 * STOP_SENDING, MAX_*, *_BLOCKED, RETIRE_CONNECTION_ID), NEW_CONNECTION_ID,
 * PATH_CHALLENGE/RESPONSE and CONNECTION_CLOSE. Each is named by its row in
 * frame_table.c. */
#include "quic/frame_codec.h"
#include "quic/quic_err.h"

#include <inttypes.h>
#include <string.h>

/* ---- PADDING (§19.1): a run of zero bytes decodes as one frame ---- */

int quic_frame_padding_decode(const quic_frame_row *row, qb_rd *r, quic_frame *f)
{
    (void)row;
    f->padding.count = 1;
    while (qb_rd_left(r) && *qb_rd_ptr(r) == 0) {
        r->off++;
        f->padding.count++;
    }
    return 0;
}

void quic_frame_padding_emit(const quic_frame_row *row, quic_frame_emit *e, const quic_frame *f)
{
    (void)row;
    if (f->padding.count == 0)
        quic_frame_em_fail(e, QUIC_FRAME_ERR_INVALID);
    else
        quic_frame_em_zeros(e, f->padding.count - 1); /* the type byte was the first */
}

bool quic_frame_padding_equal(const quic_frame_row *row, const quic_frame *a, const quic_frame *b)
{
    (void)row;
    return a->padding.count == b->padding.count;
}

/* ---- PING (§19.2), HANDSHAKE_DONE (§19.20): the type is the frame ---- */

int quic_frame_empty_decode(const quic_frame_row *row, qb_rd *r, quic_frame *f)
{
    (void)row, (void)r, (void)f;
    return 0;
}

void quic_frame_empty_emit(const quic_frame_row *row, quic_frame_emit *e, const quic_frame *f)
{
    (void)row, (void)e, (void)f;
}

bool quic_frame_empty_equal(const quic_frame_row *row, const quic_frame *a, const quic_frame *b)
{
    (void)row, (void)a, (void)b;
    return true;
}

/* ---- frames made only of row->nints varints (f->ints aliases their fields) ---- */

int quic_frame_ints_decode(const quic_frame_row *row, qb_rd *r, quic_frame *f)
{
    int rc;
    for (int i = 0; i < row->nints; i++)
        if ((rc = quic_frame_rd_v(r, f, i, &f->ints[i])))
            return rc;
    return 0;
}

void quic_frame_ints_emit(const quic_frame_row *row, quic_frame_emit *e, const quic_frame *f)
{
    for (int i = 0; i < row->nints; i++)
        quic_frame_em_v(e, f, i, f->ints[i]);
}

bool quic_frame_ints_equal(const quic_frame_row *row, const quic_frame *a, const quic_frame *b)
{
    for (int i = 0; i < row->nints; i++)
        if (a->ints[i] != b->ints[i])
            return false;
    return true;
}

/* ---- MAX_STREAMS (§19.11) and STREAMS_BLOCKED (§19.14): at most 2^60 ---- */

int quic_frame_max_streams_decode(const quic_frame_row *row, qb_rd *r, quic_frame *f)
{
    int rc = quic_frame_ints_decode(row, r, f);
    if (!rc && f->max_streams.max > QUIC_FRAME_MAX_STREAMS_LIMIT)
        rc = QUIC_FRAME_ERR_MAX_STREAMS;
    return rc;
}

void quic_frame_max_streams_emit(const quic_frame_row *row, quic_frame_emit *e,
                                 const quic_frame *f)
{
    quic_frame_ints_emit(row, e, f);
}

bool quic_frame_max_streams_equal(const quic_frame_row *row, const quic_frame *a,
                                  const quic_frame *b)
{
    return quic_frame_ints_equal(row, a, b);
}

int quic_frame_streams_blocked_decode(const quic_frame_row *row, qb_rd *r, quic_frame *f)
{
    int rc = quic_frame_ints_decode(row, r, f);
    if (!rc && f->streams_blocked.limit > QUIC_FRAME_MAX_STREAMS_LIMIT)
        rc = QUIC_FRAME_ERR_STREAMS_BLOCKED;
    return rc;
}

void quic_frame_streams_blocked_emit(const quic_frame_row *row, quic_frame_emit *e,
                                     const quic_frame *f)
{
    quic_frame_ints_emit(row, e, f);
}

bool quic_frame_streams_blocked_equal(const quic_frame_row *row, const quic_frame *a,
                                      const quic_frame *b)
{
    return quic_frame_ints_equal(row, a, b);
}

/* ---- NEW_CONNECTION_ID (§19.15) ---- */

int quic_frame_new_cid_decode(const quic_frame_row *row, qb_rd *r, quic_frame *f)
{
    (void)row;
    int rc;
    if ((rc = quic_frame_rd_v(r, f, 0, &f->new_cid.seq)) ||
        (rc = quic_frame_rd_v(r, f, 1, &f->new_cid.retire_prior_to)))
        return rc;
    if (qb_rd_u8(r, &f->new_cid.cid_len) != QB_OK)
        return QUIC_FRAME_ERR_TRUNCATED;
    if (f->new_cid.cid_len < 1 || f->new_cid.cid_len > QUIC_FRAME_CID_MAX)
        return QUIC_FRAME_ERR_CID_LEN;
    if (qb_rd_copy(r, f->new_cid.cid, f->new_cid.cid_len) != QB_OK ||
        qb_rd_copy(r, f->new_cid.reset_token, QUIC_FRAME_RESET_TOKEN_LEN) != QB_OK)
        return QUIC_FRAME_ERR_TRUNCATED;
    if (f->new_cid.retire_prior_to > f->new_cid.seq)
        return QUIC_FRAME_ERR_RETIRE_PRIOR_TO;
    return 0;
}

void quic_frame_new_cid_emit(const quic_frame_row *row, quic_frame_emit *e, const quic_frame *f)
{
    (void)row;
    if (f->new_cid.cid_len < 1 || f->new_cid.cid_len > QUIC_FRAME_CID_MAX) {
        quic_frame_em_fail(e, QUIC_FRAME_ERR_INVALID);
        return;
    }
    quic_frame_em_v(e, f, 0, f->new_cid.seq);
    quic_frame_em_v(e, f, 1, f->new_cid.retire_prior_to);
    quic_frame_em_bytes(e, &f->new_cid.cid_len, 1);
    quic_frame_em_bytes(e, f->new_cid.cid, f->new_cid.cid_len);
    quic_frame_em_bytes(e, f->new_cid.reset_token, QUIC_FRAME_RESET_TOKEN_LEN);
}

bool quic_frame_new_cid_equal(const quic_frame_row *row, const quic_frame *a, const quic_frame *b)
{
    (void)row;
    return a->new_cid.seq == b->new_cid.seq &&
           a->new_cid.retire_prior_to == b->new_cid.retire_prior_to &&
           quic_frame_same_bytes(a->new_cid.cid, a->new_cid.cid_len, b->new_cid.cid,
                                 b->new_cid.cid_len) &&
           memcmp(a->new_cid.reset_token, b->new_cid.reset_token,
                  QUIC_FRAME_RESET_TOKEN_LEN) == 0;
}

/* ---- PATH_CHALLENGE (§19.17), PATH_RESPONSE (§19.18): 8 bytes of data ---- */

int quic_frame_path_decode(const quic_frame_row *row, qb_rd *r, quic_frame *f)
{
    (void)row;
    return qb_rd_copy(r, f->path.data, 8) == QB_OK ? 0 : QUIC_FRAME_ERR_TRUNCATED;
}

void quic_frame_path_emit(const quic_frame_row *row, quic_frame_emit *e, const quic_frame *f)
{
    (void)row;
    quic_frame_em_bytes(e, f->path.data, 8);
}

bool quic_frame_path_equal(const quic_frame_row *row, const quic_frame *a, const quic_frame *b)
{
    (void)row;
    return memcmp(a->path.data, b->path.data, 8) == 0;
}

/* ---- CONNECTION_CLOSE (§19.19): 0x1c carries the frame type that caused it ---- */

int quic_frame_close_decode(const quic_frame_row *row, qb_rd *r, quic_frame *f)
{
    (void)row;
    int rc;
    if ((rc = quic_frame_rd_v(r, f, 0, &f->close.error_code)))
        return rc;
    if (f->type == QUIC_FT_CONNECTION_CLOSE && (rc = quic_frame_rd_v(r, f, 1, &f->close.frame_type)))
        return rc;
    return quic_frame_rd_len_bytes(r, f, 2, &f->close.reason, &f->close.reason_len);
}

void quic_frame_close_emit(const quic_frame_row *row, quic_frame_emit *e, const quic_frame *f)
{
    (void)row;
    quic_frame_em_v(e, f, 0, f->close.error_code);
    if (f->type == QUIC_FT_CONNECTION_CLOSE)
        quic_frame_em_v(e, f, 1, f->close.frame_type);
    quic_frame_em_len_bytes(e, f, 2, f->close.reason, f->close.reason_len);
}

bool quic_frame_close_equal(const quic_frame_row *row, const quic_frame *a, const quic_frame *b)
{
    (void)row;
    return a->close.error_code == b->close.error_code &&
           a->close.frame_type == b->close.frame_type &&
           quic_frame_same_bytes(a->close.reason, a->close.reason_len, b->close.reason,
                                 b->close.reason_len);
}
