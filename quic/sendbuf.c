/* The send side of a stream; see sendbuf.h. */
#include "quic/sendbuf.h"

#include <string.h>

/* ---- fixed range sets of [lo, hi) ---- */

static void rs_del(quic_sendbuf_ranges *s, size_t i, size_t count)
{
    memmove(&s->r[i], &s->r[i + count], (s->n - i - count) * sizeof s->r[0]);
    s->n -= count;
}

/* Adds [lo, hi), merging with overlapping or adjacent ranges. False when a new
 * range was needed and the set is full (the set is then unchanged). */
static bool rs_add(quic_sendbuf_ranges *s, uint64_t lo, uint64_t hi)
{
    if (lo >= hi)
        return true;
    size_t i = 0;
    while (i < s->n && s->r[i].hi < lo)
        i++;
    size_t j = i;
    while (j < s->n && s->r[j].lo <= hi) {
        if (s->r[j].lo < lo)
            lo = s->r[j].lo;
        if (s->r[j].hi > hi)
            hi = s->r[j].hi;
        j++;
    }
    if (j > i) {
        s->r[i].lo = lo;
        s->r[i].hi = hi;
        rs_del(s, i + 1, j - i - 1);
        return true;
    }
    if (s->n == QUIC_SENDBUF_RANGES)
        return false;
    memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof s->r[0]);
    s->r[i].lo = lo;
    s->r[i].hi = hi;
    s->n++;
    return true;
}

/* Adds [lo, hi); when full, first merges the two closest ranges (the set may
 * then cover a little more than was asked: only for the lost set). */
static void rs_add_force(quic_sendbuf_ranges *s, uint64_t lo, uint64_t hi)
{
    if (rs_add(s, lo, hi))
        return;
    size_t best = 0;
    uint64_t gap = UINT64_MAX;
    for (size_t k = 0; k + 1 < s->n; k++) {
        if (s->r[k + 1].lo - s->r[k].hi < gap) {
            gap = s->r[k + 1].lo - s->r[k].hi;
            best = k;
        }
    }
    s->r[best].hi = s->r[best + 1].hi;
    rs_del(s, best + 1, 1);
    rs_add(s, lo, hi);
}

/* Removes [lo, hi) where it can; a split that needs a slot the set does not
 * have leaves that range whole. */
static void rs_remove(quic_sendbuf_ranges *s, uint64_t lo, uint64_t hi)
{
    for (size_t i = 0; i < s->n && lo < hi;) {
        uint64_t a = s->r[i].lo, b = s->r[i].hi;
        if (b <= lo) {
            i++;
            continue;
        }
        if (a >= hi)
            break;
        if (lo <= a && hi >= b) {
            rs_del(s, i, 1);
        } else if (lo <= a) {
            s->r[i].lo = hi;
            i++;
        } else if (hi >= b) {
            s->r[i].hi = lo;
            i++;
        } else {
            if (s->n == QUIC_SENDBUF_RANGES)
                return;
            memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof s->r[0]);
            s->n++;
            s->r[i].hi = lo;
            s->r[i + 1].lo = hi;
            return;
        }
    }
}

static void rs_trim_below(quic_sendbuf_ranges *s, uint64_t x)
{
    size_t k = 0;
    while (k < s->n && s->r[k].hi <= x)
        k++;
    rs_del(s, 0, k);
    if (s->n && s->r[0].lo < x)
        s->r[0].lo = x;
}

/* ---- buffer ---- */

void quic_sendbuf_init(quic_sendbuf *sb, size_t max_buffered, const qb_alloc *a)
{
    memset(sb, 0, sizeof *sb);
    sb->alloc = a;
    sb->max_buffered = max_buffered;
}

void quic_sendbuf_free(quic_sendbuf *sb)
{
    qb_free(sb->alloc, sb->buf);
    sb->buf = NULL;
    sb->buf_cap = 0;
}

size_t quic_sendbuf_space(const quic_sendbuf *sb)
{
    uint64_t used = sb->end_off - sb->base_off;
    return sb->fin_set || used >= sb->max_buffered ? 0 : sb->max_buffered - (size_t)used;
}

int quic_sendbuf_append(quic_sendbuf *sb, const uint8_t *data, size_t len, size_t *accepted)
{
    *accepted = 0;
    if (sb->fin_set)
        return QUIC_SENDBUF_ERR_FIN;
    size_t room = quic_sendbuf_space(sb);
    if (len > room)
        len = room;
    if (len == 0)
        return 0;
    /* A ring: bytes acked at the front make room at the back without moving
     * anything (moving them made bulk sends quadratic). */
    size_t used = (size_t)(sb->end_off - sb->base_off);
    if (used + len > sb->buf_cap) {
        size_t cap = sb->buf_cap ? sb->buf_cap : 1024;
        while (cap < used + len)
            cap *= 2;
        if (cap > sb->max_buffered)
            cap = sb->max_buffered;
        uint8_t *nb = qb_malloc(sb->alloc, cap);
        if (!nb)
            return QUIC_SENDBUF_ERR_NOMEM;
        /* The live bytes, in order, to the front of the new ring. */
        size_t first = used < sb->buf_cap - sb->head ? used : sb->buf_cap - sb->head;
        if (used) {
            memcpy(nb, sb->buf + sb->head, first);
            memcpy(nb + first, sb->buf, used - first);
        }
        qb_free(sb->alloc, sb->buf);
        sb->buf = nb;
        sb->buf_cap = cap;
        sb->head = 0;
    }
    qb_trim_use(&sb->trim, used + len);
    size_t at = (sb->head + used) % sb->buf_cap;
    size_t part = len < sb->buf_cap - at ? len : sb->buf_cap - at;
    memcpy(sb->buf + at, data, part);
    memcpy(sb->buf, data + part, len - part);
    sb->end_off += len;
    *accepted = len;
    return 0;
}

void quic_sendbuf_finish(quic_sendbuf *sb) { sb->fin_set = true; }

/* ---- sending ---- */

static bool fin_due(const quic_sendbuf *sb) { return sb->fin_set && (!sb->fin_sent || sb->fin_lost); }

bool quic_sendbuf_has_pending(const quic_sendbuf *sb)
{
    return sb->lost.n > 0 || sb->next_off < sb->end_off || (fin_due(sb) && !sb->fin_acked);
}

bool quic_sendbuf_is_blocked(const quic_sendbuf *sb, uint64_t max_new_off)
{
    return sb->next_off < sb->end_off && sb->next_off >= max_new_off;
}

/* Where offset off sits in the ring, and how many bytes run on from there
 * before the ring wraps (a piece never crosses the wrap). */
static size_t ring_pos(const quic_sendbuf *sb, uint64_t off, size_t *run)
{
    size_t pos = (sb->head + (size_t)(off - sb->base_off)) % sb->buf_cap;
    *run = sb->buf_cap - pos;
    return pos;
}

static size_t clip(const quic_sendbuf *sb, uint64_t off, size_t len)
{
    size_t run;
    if (len == 0)
        return 0;
    ring_pos(sb, off, &run);
    return len < run ? len : run;
}

static void piece_fill(const quic_sendbuf *sb, quic_sendbuf_piece *out, uint64_t off, size_t len)
{
    size_t run;
    out->offset = off;
    out->len = len;
    out->data = len ? sb->buf + ring_pos(sb, off, &run) : NULL;
}

bool quic_sendbuf_next(quic_sendbuf *sb, size_t max_len, uint64_t max_new_off,
                       quic_sendbuf_piece *out)
{
    memset(out, 0, sizeof *out);
    /* RFC 9000 §13.3: lost data goes again before new data. */
    if (sb->lost.n > 0 && max_len > 0) {
        uint64_t lo = sb->lost.r[0].lo, hi = sb->lost.r[0].hi;
        size_t len = clip(sb, lo, hi - lo < max_len ? (size_t)(hi - lo) : max_len);
        rs_remove(&sb->lost, lo, lo + len);
        piece_fill(sb, out, lo, len);
        out->retransmit = true;
        sb->bytes_retransmitted += len;
        if (lo + len == sb->end_off && sb->fin_set && !sb->fin_acked && sb->next_off == sb->end_off &&
            fin_due(sb)) {
            out->fin = true;
            sb->fin_sent = true;
            sb->fin_lost = false;
        }
        return true;
    }
    uint64_t avail = sb->end_off - sb->next_off;
    uint64_t credit = max_new_off > sb->next_off ? max_new_off - sb->next_off : 0;
    if (avail > credit)
        avail = credit;
    if (avail > max_len)
        avail = max_len;
    size_t len = clip(sb, sb->next_off, (size_t)avail);
    bool fin = fin_due(sb) && !sb->fin_acked && sb->next_off + len == sb->end_off;
    if (len == 0 && !fin)
        return false;
    piece_fill(sb, out, sb->next_off, len);
    sb->next_off += len;
    if (fin) {
        out->fin = true;
        sb->fin_sent = true;
        sb->fin_lost = false;
    }
    return true;
}

/* ---- feedback ---- */

static void advance_base(quic_sendbuf *sb)
{
    if (sb->acked.n == 0 || sb->acked.r[0].lo > sb->base_off)
        return;
    uint64_t to = sb->acked.r[0].hi;
    rs_del(&sb->acked, 0, 1);
    sb->head = (sb->head + (size_t)(to - sb->base_off)) % (sb->buf_cap ? sb->buf_cap : 1);
    sb->base_off = to;
    rs_trim_below(&sb->lost, to);
    if (sb->base_off == sb->end_off) {
        sb->head = 0; /* everything acked: restart at the front */
        if (sb->drains < 2)
            sb->drains++;
        size_t target = sb->drains == 1 ? 0 : qb_trim_drained(&sb->trim, sb->buf_cap, 1024);
        if (target < sb->buf_cap)
            quic_sendbuf_free(sb); /* the next append allocates what it needs */
    }
}

void quic_sendbuf_on_acked(quic_sendbuf *sb, uint64_t offset, size_t len, bool fin)
{
    uint64_t lo = offset < sb->base_off ? sb->base_off : offset;
    uint64_t hi = offset + len > sb->next_off ? sb->next_off : offset + len;
    if (fin && sb->fin_sent) {
        sb->fin_acked = true;
        sb->fin_lost = false;
    }
    if (lo >= hi)
        return;
    rs_remove(&sb->lost, lo, hi);
    if (!rs_add(&sb->acked, lo, hi)) {
        rs_add_force(&sb->lost, lo, hi); /* cannot remember it: send it again */
        sb->ack_overflows++;
    }
    advance_base(sb);
}

void quic_sendbuf_on_lost(quic_sendbuf *sb, uint64_t offset, size_t len, bool fin)
{
    if (fin && sb->fin_sent && !sb->fin_acked)
        sb->fin_lost = true;
    uint64_t lo = offset < sb->base_off ? sb->base_off : offset;
    uint64_t hi = offset + len > sb->next_off ? sb->next_off : offset + len;
    /* Only the parts not acked since: walk the gaps of the acked set. */
    for (size_t i = 0; i <= sb->acked.n && lo < hi; i++) {
        uint64_t gap_hi = i < sb->acked.n ? sb->acked.r[i].lo : UINT64_MAX;
        uint64_t end = hi < gap_hi ? hi : gap_hi;
        if (lo < end)
            rs_add_force(&sb->lost, lo, end);
        if (i < sb->acked.n && sb->acked.r[i].hi > lo)
            lo = sb->acked.r[i].hi;
    }
}

bool quic_sendbuf_all_acked(const quic_sendbuf *sb)
{
    return sb->fin_set && sb->fin_acked && sb->base_off == sb->end_off;
}
