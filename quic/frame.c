/* QUIC frame codec (RFC 9000 §19, RFC 9221 §4): decode one frame, encode one
 * frame, its length, and equality. Encoding and its length share one emitter so
 * they cannot disagree. */
#include "quic/frame.h"

#include <string.h>

/* ---- decoding ---- */

/* Reads the varint field number i and remembers its width when not shortest. */
static int rd_v(qb_rd *r, quic_frame *f, int i, uint64_t *v)
{
    size_t start = r->off;
    if (qb_rd_varint(r, v) != QB_OK)
        return QUIC_FRAME_ERR_TRUNCATED;
    size_t n = r->off - start;
    f->width[i] = n == qb_varint_len(*v) ? 0 : (uint8_t)n;
    return 0;
}

/* A varint length followed by that many bytes, pointed at in place. */
static int rd_len_bytes(qb_rd *r, quic_frame *f, int i, const uint8_t **p, size_t *len)
{
    uint64_t n;
    int rc = rd_v(r, f, i, &n);
    if (rc)
        return rc;
    if (n > qb_rd_left(r))
        return QUIC_FRAME_ERR_TRUNCATED;
    *len = (size_t)n;
    return qb_rd_bytes(r, (size_t)n, p) == QB_OK ? 0 : QUIC_FRAME_ERR_TRUNCATED;
}

/* RFC 9000 §19.3: walks every range once so a bad one is caught here. */
static int decode_ack(qb_rd *r, quic_frame *f)
{
    int rc;
    if ((rc = rd_v(r, f, 0, &f->ack.largest)) || (rc = rd_v(r, f, 1, &f->ack.ack_delay)) ||
        (rc = rd_v(r, f, 2, &f->ack.range_count)) || (rc = rd_v(r, f, 3, &f->ack.first_range)))
        return rc;
    f->ack.ranges = qb_rd_ptr(r);
    f->ack.ranges_len = qb_rd_left(r); /* provisional: the iterator stops at the end */
    quic_ack_iter it;
    quic_ack_range ar;
    quic_ack_iter_init(&it, f);
    while (quic_ack_iter_next(&it, &ar))
        f->ack.smallest = ar.smallest;
    if (it.err)
        return it.err;
    f->ack.ranges_len = it.r.off;
    r->off += it.r.off;
    if (f->type == QUIC_FT_ACK_ECN) /* §19.3.2 */
        for (int i = 0; i < 3; i++)
            if ((rc = rd_v(r, f, 4 + i, &f->ack.ecn[i])))
                return rc;
    return 0;
}

static int decode_stream(qb_rd *r, quic_frame *f)
{
    int rc = rd_v(r, f, 0, &f->stream.stream_id);
    if (rc)
        return rc;
    if ((f->type & QUIC_FT_STREAM_BIT_OFF) && (rc = rd_v(r, f, 1, &f->stream.offset)))
        return rc;
    if (f->type & QUIC_FT_STREAM_BIT_LEN) {
        if ((rc = rd_len_bytes(r, f, 2, &f->stream.data, &f->stream.len)))
            return rc;
    } else { /* §19.8: no Length, the data runs to the end of the packet */
        f->stream.len = qb_rd_left(r);
        (void)qb_rd_bytes(r, f->stream.len, &f->stream.data);
    }
    if (f->stream.len > QB_VARINT_MAX - f->stream.offset)
        return QUIC_FRAME_ERR_STREAM_OFFSET; /* §19.8 */
    return 0;
}

static int decode_new_cid(qb_rd *r, quic_frame *f)
{
    int rc;
    if ((rc = rd_v(r, f, 0, &f->new_cid.seq)) || (rc = rd_v(r, f, 1, &f->new_cid.retire_prior_to)))
        return rc;
    if (qb_rd_u8(r, &f->new_cid.cid_len) != QB_OK)
        return QUIC_FRAME_ERR_TRUNCATED;
    if (f->new_cid.cid_len < 1 || f->new_cid.cid_len > QUIC_FRAME_CID_MAX)
        return QUIC_FRAME_ERR_CID_LEN; /* §19.15 */
    if (qb_rd_copy(r, f->new_cid.cid, f->new_cid.cid_len) != QB_OK ||
        qb_rd_copy(r, f->new_cid.reset_token, QUIC_FRAME_RESET_TOKEN_LEN) != QB_OK)
        return QUIC_FRAME_ERR_TRUNCATED;
    if (f->new_cid.retire_prior_to > f->new_cid.seq)
        return QUIC_FRAME_ERR_RETIRE_PRIOR_TO; /* §19.15 */
    return 0;
}

static int decode_body(qb_rd *r, quic_frame *f, const quic_frame_info *fi)
{
    int rc;
    if (fi->nints) { /* frames made only of varints */
        for (int i = 0; i < fi->nints; i++)
            if ((rc = rd_v(r, f, i, &f->ints[i])))
                return rc;
        if ((f->type == QUIC_FT_MAX_STREAMS_BIDI || f->type == QUIC_FT_MAX_STREAMS_UNI) &&
            f->max_streams.max > QUIC_FRAME_MAX_STREAMS_LIMIT)
            return QUIC_FRAME_ERR_MAX_STREAMS; /* §19.11 */
        if ((f->type == QUIC_FT_STREAMS_BLOCKED_BIDI || f->type == QUIC_FT_STREAMS_BLOCKED_UNI) &&
            f->streams_blocked.limit > QUIC_FRAME_MAX_STREAMS_LIMIT)
            return QUIC_FRAME_ERR_STREAMS_BLOCKED; /* §19.14 */
        return 0;
    }
    switch (f->type) {
    case QUIC_FT_PADDING: /* §19.1: collapse the run into one frame */
        f->padding.count = 1;
        while (qb_rd_left(r) && *qb_rd_ptr(r) == 0) {
            r->off++;
            f->padding.count++;
        }
        return 0;
    case QUIC_FT_PING:
    case QUIC_FT_HANDSHAKE_DONE:
        return 0;
    case QUIC_FT_ACK:
    case QUIC_FT_ACK_ECN:
        return decode_ack(r, f);
    case QUIC_FT_CRYPTO: /* §19.6 */
        if ((rc = rd_v(r, f, 0, &f->crypto.offset)) ||
            (rc = rd_len_bytes(r, f, 1, &f->crypto.data, &f->crypto.len)))
            return rc;
        if (f->crypto.len > QB_VARINT_MAX - f->crypto.offset)
            return QUIC_FRAME_ERR_CRYPTO_OFFSET;
        return 0;
    case QUIC_FT_NEW_TOKEN: /* §19.7 */
        if ((rc = rd_len_bytes(r, f, 0, &f->new_token.token, &f->new_token.len)))
            return rc;
        return f->new_token.len ? 0 : QUIC_FRAME_ERR_EMPTY_TOKEN;
    case QUIC_FT_NEW_CONNECTION_ID:
        return decode_new_cid(r, f);
    case QUIC_FT_PATH_CHALLENGE: /* §19.17, §19.18 */
    case QUIC_FT_PATH_RESPONSE:
        return qb_rd_copy(r, f->path.data, 8) == QB_OK ? 0 : QUIC_FRAME_ERR_TRUNCATED;
    case QUIC_FT_CONNECTION_CLOSE: /* §19.19 */
    case QUIC_FT_CONNECTION_CLOSE_APP:
        if ((rc = rd_v(r, f, 0, &f->close.error_code)))
            return rc;
        if (f->type == QUIC_FT_CONNECTION_CLOSE && (rc = rd_v(r, f, 1, &f->close.frame_type)))
            return rc;
        return rd_len_bytes(r, f, 2, &f->close.reason, &f->close.reason_len);
    case QUIC_FT_DATAGRAM: /* RFC 9221 §4 */
        f->datagram.len = qb_rd_left(r);
        (void)qb_rd_bytes(r, f->datagram.len, &f->datagram.data);
        return 0;
    case QUIC_FT_DATAGRAM_LEN:
        return rd_len_bytes(r, f, 0, &f->datagram.data, &f->datagram.len);
    default:
        if (f->type >= QUIC_FT_STREAM && f->type <= QUIC_FT_STREAM_MAX)
            return decode_stream(r, f);
        return QUIC_FRAME_ERR_UNKNOWN_TYPE;
    }
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
    const quic_frame_info *fi = quic_frame_info_get(type);
    if (!fi)
        return QUIC_FRAME_ERR_UNKNOWN_TYPE; /* §12.4 */
    f->type = type;
    return decode_body(r, f, fi);
}

/* ---- encoding and length: one emitter, w == NULL only counts ---- */

typedef struct emit {
    qb_wr *w;
    size_t n;
    int err;
} emit;

static void em_v(emit *e, const quic_frame *f, int i, uint64_t v)
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

static void em_bytes(emit *e, const void *p, size_t n)
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

static void em_zeros(emit *e, uint64_t n)
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

static void em_len_bytes(emit *e, const quic_frame *f, int i, const uint8_t *p, size_t n)
{
    em_v(e, f, i, n);
    em_bytes(e, p, n);
}

static void emit_frame(emit *e, const quic_frame *f)
{
    const quic_frame_info *fi = quic_frame_info_get(f->type);
    if (!fi) {
        e->err = QUIC_FRAME_ERR_INVALID;
        return;
    }
    em_v(e, f, -1, f->type); /* always the shortest (§12.4) */
    if (fi->nints) {
        for (int i = 0; i < fi->nints; i++)
            em_v(e, f, i, f->ints[i]);
        return;
    }
    switch (f->type) {
    case QUIC_FT_PADDING:
        if (f->padding.count == 0)
            e->err = QUIC_FRAME_ERR_INVALID;
        else
            em_zeros(e, f->padding.count - 1); /* the type byte was the first */
        return;
    case QUIC_FT_PING:
    case QUIC_FT_HANDSHAKE_DONE:
        return;
    case QUIC_FT_ACK:
    case QUIC_FT_ACK_ECN: /* re-encodes the raw ranges of a decoded frame */
        em_v(e, f, 0, f->ack.largest);
        em_v(e, f, 1, f->ack.ack_delay);
        em_v(e, f, 2, f->ack.range_count);
        em_v(e, f, 3, f->ack.first_range);
        em_bytes(e, f->ack.ranges, f->ack.ranges_len);
        if (f->type == QUIC_FT_ACK_ECN)
            for (int i = 0; i < 3; i++)
                em_v(e, f, 4 + i, f->ack.ecn[i]);
        return;
    case QUIC_FT_CRYPTO:
        em_v(e, f, 0, f->crypto.offset);
        em_len_bytes(e, f, 1, f->crypto.data, f->crypto.len);
        return;
    case QUIC_FT_NEW_TOKEN:
        em_len_bytes(e, f, 0, f->new_token.token, f->new_token.len);
        return;
    case QUIC_FT_NEW_CONNECTION_ID:
        if (f->new_cid.cid_len < 1 || f->new_cid.cid_len > QUIC_FRAME_CID_MAX) {
            e->err = QUIC_FRAME_ERR_INVALID;
            return;
        }
        em_v(e, f, 0, f->new_cid.seq);
        em_v(e, f, 1, f->new_cid.retire_prior_to);
        em_bytes(e, &f->new_cid.cid_len, 1);
        em_bytes(e, f->new_cid.cid, f->new_cid.cid_len);
        em_bytes(e, f->new_cid.reset_token, QUIC_FRAME_RESET_TOKEN_LEN);
        return;
    case QUIC_FT_PATH_CHALLENGE:
    case QUIC_FT_PATH_RESPONSE:
        em_bytes(e, f->path.data, 8);
        return;
    case QUIC_FT_CONNECTION_CLOSE:
    case QUIC_FT_CONNECTION_CLOSE_APP:
        em_v(e, f, 0, f->close.error_code);
        if (f->type == QUIC_FT_CONNECTION_CLOSE)
            em_v(e, f, 1, f->close.frame_type);
        em_len_bytes(e, f, 2, f->close.reason, f->close.reason_len);
        return;
    case QUIC_FT_DATAGRAM:
        em_bytes(e, f->datagram.data, f->datagram.len);
        return;
    case QUIC_FT_DATAGRAM_LEN:
        em_len_bytes(e, f, 0, f->datagram.data, f->datagram.len);
        return;
    default: /* STREAM 0x08..0x0f */
        em_v(e, f, 0, f->stream.stream_id);
        if (f->type & QUIC_FT_STREAM_BIT_OFF)
            em_v(e, f, 1, f->stream.offset);
        else if (f->stream.offset != 0)
            e->err = QUIC_FRAME_ERR_INVALID;
        if (f->type & QUIC_FT_STREAM_BIT_LEN)
            em_len_bytes(e, f, 2, f->stream.data, f->stream.len);
        else
            em_bytes(e, f->stream.data, f->stream.len);
        return;
    }
}

int quic_frame_encode(qb_wr *w, const quic_frame *f)
{
    size_t start = w->off;
    emit e = {w, 0, 0};
    emit_frame(&e, f);
    if (e.err)
        w->off = start; /* leave no half frame behind */
    return e.err;
}

size_t quic_frame_encoded_len(const quic_frame *f)
{
    emit e = {NULL, 0, 0};
    emit_frame(&e, f);
    return e.err ? 0 : e.n;
}

/* ---- equality ---- */

static bool same_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

bool quic_frame_equal(const quic_frame *a, const quic_frame *b)
{
    if (a->type != b->type)
        return false;
    const quic_frame_info *fi = quic_frame_info_get(a->type);
    if (!fi)
        return false;
    if (fi->nints) {
        for (int i = 0; i < fi->nints; i++)
            if (a->ints[i] != b->ints[i])
                return false;
        return true;
    }
    switch (a->type) {
    case QUIC_FT_PADDING:
        return a->padding.count == b->padding.count;
    case QUIC_FT_PING:
    case QUIC_FT_HANDSHAKE_DONE:
        return true;
    case QUIC_FT_ACK:
    case QUIC_FT_ACK_ECN: {
        if (a->ack.largest != b->ack.largest || a->ack.ack_delay != b->ack.ack_delay ||
            a->ack.range_count != b->ack.range_count ||
            a->ack.first_range != b->ack.first_range ||
            (a->type == QUIC_FT_ACK_ECN && memcmp(a->ack.ecn, b->ack.ecn, sizeof a->ack.ecn)))
            return false;
        /* compare the ranges, not their bytes: widths may differ */
        quic_ack_iter ia, ib;
        quic_ack_range ra, rb;
        quic_ack_iter_init(&ia, a);
        quic_ack_iter_init(&ib, b);
        for (;;) {
            bool ma = quic_ack_iter_next(&ia, &ra), mb = quic_ack_iter_next(&ib, &rb);
            if (ma != mb)
                return false;
            if (!ma)
                return ia.err == ib.err;
            if (ra.smallest != rb.smallest || ra.largest != rb.largest)
                return false;
        }
    }
    case QUIC_FT_CRYPTO:
        return a->crypto.offset == b->crypto.offset &&
               same_bytes(a->crypto.data, a->crypto.len, b->crypto.data, b->crypto.len);
    case QUIC_FT_NEW_TOKEN:
        return same_bytes(a->new_token.token, a->new_token.len, b->new_token.token,
                          b->new_token.len);
    case QUIC_FT_NEW_CONNECTION_ID:
        return a->new_cid.seq == b->new_cid.seq &&
               a->new_cid.retire_prior_to == b->new_cid.retire_prior_to &&
               same_bytes(a->new_cid.cid, a->new_cid.cid_len, b->new_cid.cid,
                          b->new_cid.cid_len) &&
               memcmp(a->new_cid.reset_token, b->new_cid.reset_token,
                      QUIC_FRAME_RESET_TOKEN_LEN) == 0;
    case QUIC_FT_PATH_CHALLENGE:
    case QUIC_FT_PATH_RESPONSE:
        return memcmp(a->path.data, b->path.data, 8) == 0;
    case QUIC_FT_CONNECTION_CLOSE:
    case QUIC_FT_CONNECTION_CLOSE_APP:
        return a->close.error_code == b->close.error_code &&
               a->close.frame_type == b->close.frame_type &&
               same_bytes(a->close.reason, a->close.reason_len, b->close.reason,
                          b->close.reason_len);
    case QUIC_FT_DATAGRAM:
    case QUIC_FT_DATAGRAM_LEN:
        return same_bytes(a->datagram.data, a->datagram.len, b->datagram.data,
                          b->datagram.len);
    default: /* STREAM */
        return a->stream.stream_id == b->stream.stream_id &&
               a->stream.offset == b->stream.offset &&
               same_bytes(a->stream.data, a->stream.len, b->stream.data, b->stream.len);
    }
}
