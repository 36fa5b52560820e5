/* Received packet numbers as bounded sorted ranges; see ackrange.h. */
#include "quic/ackrange.h"

#include <string.h>

#include "base/qb.h"

/* The range array in use: inline or on the heap. */
#define RG(a) ((a)->heap ? (a)->heap : (quic_pn_range *)(a)->small)

void quic_ackrange_init(quic_ackrange *a, size_t max_ranges, uint64_t max_ack_delay)
{
    quic_ackrange_init_with(a, max_ranges, max_ack_delay, NULL);
}

void quic_ackrange_free(quic_ackrange *a)
{
    qb_free(a->alloc, a->heap);
    a->heap = NULL;
    a->heap_cap = 0;
    a->n = 0;
}

/* Room for one more range below the bound; false when the heap refused. */
static bool ranges_grow(quic_ackrange *a)
{
    size_t have = a->heap ? a->heap_cap : QUIC_ACKRANGE_INLINE;
    if (a->n < have)
        return true;
    size_t ncap = have * 2 < a->cap ? have * 2 : a->cap;
    quic_pn_range *p;
    if (a->heap) {
        p = qb_realloc(a->alloc, a->heap, ncap * sizeof *p);
    } else {
        p = qb_malloc(a->alloc, ncap * sizeof *p);
        if (p)
            memcpy(p, a->small, a->n * sizeof *p);
    }
    if (!p)
        return false;
    a->heap = p;
    a->heap_cap = ncap;
    return true;
}

/* Back to the inline array once at most half of it is used (hysteresis, so
 * that a range more or less does not free and allocate each time). */
static void ranges_fit(quic_ackrange *a)
{
    if (!a->heap || a->n > QUIC_ACKRANGE_INLINE / 2)
        return;
    memcpy(a->small, a->heap, a->n * sizeof a->small[0]);
    qb_free(a->alloc, a->heap);
    a->heap = NULL;
    a->heap_cap = 0;
}

void quic_ackrange_init_with(quic_ackrange *a, size_t max_ranges, uint64_t max_ack_delay,
                             const qb_alloc *alloc)
{
    memset(a, 0, sizeof *a);
    a->alloc = alloc;
    if (max_ranges < 1)
        max_ranges = 1;
    if (max_ranges > QUIC_ACKRANGE_MAX)
        max_ranges = QUIC_ACKRANGE_MAX;
    a->cap = max_ranges;
    a->max_ack_delay = max_ack_delay;
    a->ae_threshold = 2; /* RFC 9000 §13.2.2: after at least two */
    a->ack_deadline = QUIC_ACKRANGE_NONE;
}

/* Index of the first range (largest first) whose smallest is <= pn, or n. */
static size_t find_at_or_below(const quic_ackrange *a, uint64_t pn)
{
    size_t lo = 0, hi = a->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (RG(a)[mid].smallest <= pn)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

bool quic_ackrange_contains(const quic_ackrange *a, uint64_t pn)
{
    if (pn < a->floor)
        return true;
    size_t i = find_at_or_below(a, pn);
    return i < a->n && pn <= RG(a)[i].largest;
}

static void remove_at(quic_ackrange *a, size_t i)
{
    memmove(&RG(a)[i], &RG(a)[i + 1], (a->n - i - 1) * sizeof RG(a)[0]);
    a->n--;
}

/* Adds pn to the ranges; pn is neither present nor below the floor. Returns
 * the index of the range that holds pn, or a->n when the bound made pn the
 * dropped one. */
static size_t add_pn(quic_ackrange *a, uint64_t pn)
{
    size_t i = find_at_or_below(a, pn);
    bool below = i < a->n && RG(a)[i].largest + 1 == pn;
    bool above = i > 0 && RG(a)[i - 1].smallest == pn + 1;
    if (below && above) {
        RG(a)[i - 1].smallest = RG(a)[i].smallest;
        remove_at(a, i);
        return i - 1;
    }
    if (below) {
        RG(a)[i].largest = pn;
        return i;
    }
    if (above) {
        RG(a)[i - 1].smallest = pn;
        return i - 1;
    }
    if (a->n == a->cap || (a->n < a->cap && !ranges_grow(a))) {
        /* Full (or no memory to grow): the oldest (smallest) range goes. */
        if (i == a->n) {
            /* pn itself would be the oldest: remember it via the floor only. */
            a->floor = pn + 1;
            return a->n;
        }
        a->floor = RG(a)[a->n - 1].largest + 1;
        a->n--;
    }
    memmove(&RG(a)[i + 1], &RG(a)[i], (a->n - i) * sizeof RG(a)[0]);
    RG(a)[i].smallest = pn;
    RG(a)[i].largest = pn;
    a->n++;
    return i;
}

int quic_ackrange_insert(quic_ackrange *a, uint64_t pn, bool ack_eliciting, uint64_t now)
{
    if (pn > QB_VARINT_MAX)
        return QUIC_ACKRANGE_ERR_RANGE;
    if (quic_ackrange_contains(a, pn))
        return QUIC_ACKRANGE_ERR_DUPLICATE;
    size_t at = add_pn(a, pn);
    if (!a->has_largest || pn > a->largest) {
        a->has_largest = true;
        a->largest = pn;
        a->largest_time = now;
    }
    a->since_ack++;
    if (!ack_eliciting)
        return 0; /* RFC 9000 §13.2.1: never ACK only in response to these */

    bool immediate = a->max_ack_delay == 0; /* Initial, Handshake: §13.2.1 */
    if (a->has_ae_largest) {
        if (pn < a->ae_largest) {
            immediate = true; /* §13.2.1: arrived out of order */
        } else if (pn > a->ae_largest + 1) {
            /* §13.2.1: a gap between the largest ack-eliciting and this one */
            bool gap = at >= a->n || RG(a)[at].smallest > a->ae_largest + 1;
            if (gap)
                immediate = true;
        }
    }
    if (!a->has_ae_largest || pn > a->ae_largest) {
        a->has_ae_largest = true;
        a->ae_largest = pn;
    }
    a->ae_since_ack++;
    if (a->ae_since_ack >= a->ae_threshold)
        immediate = true; /* §13.2.2: every second ack-eliciting packet */
    uint64_t due = immediate ? now : now + a->max_ack_delay;
    if (due < a->ack_deadline)
        a->ack_deadline = due;
    return 0;
}

uint64_t quic_ackrange_ack_deadline(const quic_ackrange *a) { return a->ack_deadline; }

bool quic_ackrange_ack_needed(const quic_ackrange *a, uint64_t now)
{
    return a->ack_deadline != QUIC_ACKRANGE_NONE && a->ack_deadline <= now;
}

bool quic_ackrange_ack_pending(const quic_ackrange *a) { return a->since_ack > 0 && a->n > 0; }

void quic_ackrange_on_ack_sent(quic_ackrange *a)
{
    a->ae_since_ack = 0;
    a->since_ack = 0;
    a->ack_deadline = QUIC_ACKRANGE_NONE;
}

uint64_t quic_ackrange_ack_delay(const quic_ackrange *a, uint64_t now)
{
    if (!a->has_largest || now < a->largest_time)
        return 0;
    return now - a->largest_time;
}

bool quic_ackrange_largest(const quic_ackrange *a, uint64_t *pn, uint64_t *time_received)
{
    if (!a->has_largest)
        return false;
    if (pn)
        *pn = a->largest;
    if (time_received)
        *time_received = a->largest_time;
    return true;
}

size_t quic_ackrange_export(const quic_ackrange *a, quic_pn_range *out, size_t cap)
{
    size_t n = a->n < cap ? a->n : cap;
    memcpy(out, RG(a), n * sizeof RG(a)[0]);
    return n;
}

void quic_ackrange_drop_below(quic_ackrange *a, uint64_t pn)
{
    if (pn <= a->floor)
        return;
    a->floor = pn;
    while (a->n > 0 && RG(a)[a->n - 1].largest < pn)
        a->n--;
    if (a->n > 0 && RG(a)[a->n - 1].smallest < pn)
        RG(a)[a->n - 1].smallest = pn;
    ranges_fit(a);
}
