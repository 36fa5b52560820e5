/* ACK frames (RFC 9000 §19.3): the codec of the ACK and ACK_ECN rows, the range
 * iterator over a decoded frame's raw ranges, and encoding from a caller's array
 * of ranges. Nothing is allocated: a decoded ACK keeps its ranges as bytes, the
 * connection keeps its own array. */
#include "quic/frame_codec.h"

#include <inttypes.h>
#include <string.h>

void quic_ack_iter_init(quic_ack_iter *it, const quic_frame *f)
{
    memset(it, 0, sizeof *it);
    qb_rd_init(&it->r, f->ack.ranges, f->ack.ranges ? f->ack.ranges_len : 0);
    it->left = f->ack.range_count;
    it->largest = f->ack.largest;
    it->first_range = f->ack.first_range;
}

bool quic_ack_iter_next(quic_ack_iter *it, quic_ack_range *out)
{
    if (it->err)
        return false;
    if (!it->started) { /* §19.3.1: smallest = Largest Acknowledged - First ACK Range */
        it->started = true;
        if (it->first_range > it->largest) {
            it->err = QUIC_FRAME_ERR_ACK_RANGE;
            return false;
        }
        it->smallest = it->largest - it->first_range;
        out->largest = it->largest;
        out->smallest = it->smallest;
        return true;
    }
    if (it->left == 0)
        return false;
    uint64_t gap, len;
    if (qb_rd_varint(&it->r, &gap) != QB_OK || qb_rd_varint(&it->r, &len) != QB_OK) {
        it->err = QUIC_FRAME_ERR_TRUNCATED;
        return false;
    }
    it->left--;
    /* §19.3.1: largest = previous smallest - Gap - 2; smallest = largest - Length.
     * Either going below 0 is FRAME_ENCODING_ERROR. */
    if (it->smallest < gap + 2 || it->smallest - gap - 2 < len) {
        it->err = QUIC_FRAME_ERR_ACK_RANGE;
        return false;
    }
    out->largest = it->smallest - gap - 2;
    out->smallest = out->largest - len;
    it->smallest = out->smallest;
    return true;
}

/* ---- encoding from ranges ---- */

static bool ranges_valid(const quic_ack_range *rg, size_t n)
{
    if (n == 0 || !rg || rg[0].largest > QB_VARINT_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (rg[i].smallest > rg[i].largest)
            return false;
        /* at least one missing packet number between two ranges (Gap >= 0) */
        if (i > 0 && (rg[i - 1].smallest < 2 || rg[i].largest > rg[i - 1].smallest - 2))
            return false;
    }
    return true;
}

static uint64_t gap_of(const quic_ack_range *rg, size_t i)
{
    return rg[i - 1].smallest - rg[i].largest - 2;
}

/* Bytes of the first k ranges' frame; the ranges are valid. */
static size_t ack_len_k(const quic_ack_range *rg, size_t k, uint64_t ack_delay,
                        const uint64_t ecn[3])
{
    size_t dl = qb_varint_len(ack_delay);
    if (dl == 0)
        return 0;
    size_t n = 1 + qb_varint_len(rg[0].largest) + dl + qb_varint_len(k - 1) +
               qb_varint_len(rg[0].largest - rg[0].smallest);
    for (size_t i = 1; i < k; i++)
        n += qb_varint_len(gap_of(rg, i)) + qb_varint_len(rg[i].largest - rg[i].smallest);
    if (ecn) {
        for (int i = 0; i < 3; i++) {
            size_t el = qb_varint_len(ecn[i]);
            if (el == 0)
                return 0;
            n += el;
        }
    }
    return n;
}

size_t quic_frame_ack_encoded_len(const quic_ack_range *ranges, size_t n,
                                  uint64_t ack_delay, const uint64_t ecn[3])
{
    return ranges_valid(ranges, n) ? ack_len_k(ranges, n, ack_delay, ecn) : 0;
}

size_t quic_frame_ack_ranges_fit(const quic_ack_range *ranges, size_t n,
                                 uint64_t ack_delay, const uint64_t ecn[3], size_t space)
{
    if (!ranges_valid(ranges, n))
        return 0;
    size_t k = 0;
    while (k < n) {
        size_t len = ack_len_k(ranges, k + 1, ack_delay, ecn);
        if (len == 0 || len > space)
            break;
        k++;
    }
    return k;
}

int quic_frame_ack_encode(qb_wr *w, const quic_ack_range *ranges, size_t n,
                          uint64_t ack_delay, const uint64_t ecn[3])
{
    size_t len = quic_frame_ack_encoded_len(ranges, n, ack_delay, ecn);
    if (len == 0)
        return QUIC_FRAME_ERR_INVALID;
    if (qb_wr_left(w) < len)
        return QUIC_FRAME_ERR_NO_SPACE;
    /* Lengths were checked above, so none of these writes can fail. */
    (void)qb_wr_varint(w, ecn ? QUIC_FT_ACK_ECN : QUIC_FT_ACK);
    (void)qb_wr_varint(w, ranges[0].largest);
    (void)qb_wr_varint(w, ack_delay);
    (void)qb_wr_varint(w, n - 1);
    (void)qb_wr_varint(w, ranges[0].largest - ranges[0].smallest);
    for (size_t i = 1; i < n; i++) {
        (void)qb_wr_varint(w, gap_of(ranges, i));
        (void)qb_wr_varint(w, ranges[i].largest - ranges[i].smallest);
    }
    if (ecn)
        for (int i = 0; i < 3; i++)
            (void)qb_wr_varint(w, ecn[i]);
    return 0;
}

/* ---- the ACK / ACK_ECN rows ---- */

/* Walks every range once so a bad one is caught while decoding. */
int quic_frame_ack_decode(const quic_frame_row *row, qb_rd *r, quic_frame *f)
{
    (void)row;
    int rc;
    if ((rc = quic_frame_rd_v(r, f, 0, &f->ack.largest)) ||
        (rc = quic_frame_rd_v(r, f, 1, &f->ack.ack_delay)) ||
        (rc = quic_frame_rd_v(r, f, 2, &f->ack.range_count)) ||
        (rc = quic_frame_rd_v(r, f, 3, &f->ack.first_range)))
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
            if ((rc = quic_frame_rd_v(r, f, 4 + i, &f->ack.ecn[i])))
                return rc;
    return 0;
}

/* Re-encodes the raw ranges of a decoded frame. */
void quic_frame_ack_emit(const quic_frame_row *row, quic_frame_emit *e, const quic_frame *f)
{
    (void)row;
    quic_frame_em_v(e, f, 0, f->ack.largest);
    quic_frame_em_v(e, f, 1, f->ack.ack_delay);
    quic_frame_em_v(e, f, 2, f->ack.range_count);
    quic_frame_em_v(e, f, 3, f->ack.first_range);
    quic_frame_em_bytes(e, f->ack.ranges, f->ack.ranges_len);
    if (f->type == QUIC_FT_ACK_ECN)
        for (int i = 0; i < 3; i++)
            quic_frame_em_v(e, f, 4 + i, f->ack.ecn[i]);
}

bool quic_frame_ack_equal(const quic_frame_row *row, const quic_frame *a, const quic_frame *b)
{
    (void)row;
    if (a->ack.largest != b->ack.largest || a->ack.ack_delay != b->ack.ack_delay ||
        a->ack.range_count != b->ack.range_count || a->ack.first_range != b->ack.first_range ||
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
