/* The per-packet item log for acknowledgement and loss handling (sentlog.h). */
#include "quic/sentlog.h"

#include <string.h>

#define INITIAL_CAP 64

void quic_sentlog_init(quic_sentlog *l, size_t max_items, const qb_alloc *a)
{
    memset(l, 0, sizeof *l);
    l->max_cap = max_items < INITIAL_CAP ? INITIAL_CAP : max_items;
    l->alloc = a;
}

void quic_sentlog_free(quic_sentlog *l)
{
    qb_free(l->alloc, l->ring);
    memset(l, 0, sizeof *l);
}

static quic_sent_item *at(quic_sentlog *l, uint64_t n) { return &l->ring[n % l->cap]; }

/* Doubles the ring, keeping items at the same absolute numbers. */
static int grow(quic_sentlog *l)
{
    size_t ncap = l->cap ? l->cap * 2 : INITIAL_CAP;
    if (ncap > l->max_cap)
        ncap = l->max_cap;
    if (ncap <= l->cap)
        return QUIC_SENTLOG_ERR_FULL;
    quic_sent_item *n = qb_calloc(l->alloc, ncap * sizeof *n);
    if (!n)
        return QUIC_SENTLOG_ERR_NOMEM;
    for (uint64_t i = l->tail; i < l->head; i++)
        n[i % ncap] = l->ring[i % l->cap];
    qb_free(l->alloc, l->ring);
    l->ring = n;
    l->cap = ncap;
    return 0;
}

void quic_sentlog_begin(quic_sentlog *l)
{
    l->open_start = l->head;
    l->open_count = 0;
}

bool quic_sentlog_room(quic_sentlog *l, size_t n)
{
    if (l->open_count + n > QUIC_SENTLOG_MAX_PER_PKT)
        return false;
    while (l->head - l->tail + n > l->cap)
        if (grow(l) != 0)
            return false;
    return true;
}

int quic_sentlog_add(quic_sentlog *l, const quic_sent_item *it)
{
    if (!quic_sentlog_room(l, 1))
        return QUIC_SENTLOG_ERR_FULL;
    quic_sent_item *s = at(l, l->head++);
    qb_trim_use(&l->trim, (size_t)(l->head - l->tail));
    *s = *it;
    s->live = 1;
    l->open_count++;
    return 0;
}

uint64_t quic_sentlog_end(quic_sentlog *l)
{
    if (l->open_count == 0)
        return QUIC_SENTLOG_NO_HANDLE;
    return (l->open_start << 8) | l->open_count;
}

void quic_sentlog_abort(quic_sentlog *l)
{
    l->head = l->open_start;
    l->open_count = 0;
}

size_t quic_sentlog_count(const quic_sentlog *l, uint64_t handle)
{
    if (handle == QUIC_SENTLOG_NO_HANDLE)
        return 0;
    uint64_t start = handle >> 8;
    size_t count = handle & 0xff;
    if (start < l->tail || start + count > l->head || !l->ring[start % l->cap].live)
        return 0; /* settled already */
    return count;
}

quic_sent_item *quic_sentlog_item(quic_sentlog *l, uint64_t handle, size_t i)
{
    return at(l, (handle >> 8) + i);
}

void quic_sentlog_settle(quic_sentlog *l, uint64_t handle)
{
    size_t count = quic_sentlog_count(l, handle);
    uint64_t start = handle >> 8;
    for (size_t i = 0; i < count; i++)
        at(l, start + i)->live = 0;
    /* Items of a packet being built are live, so the tail stops before them. */
    while (l->tail < l->head && !at(l, l->tail)->live)
        l->tail++;
    if (count && l->tail == l->head) { /* items of a packet being built are live */
        /* Drained: give back what a burst took (items keep their absolute
         * numbers, so an empty ring may change size freely). */
        size_t target = qb_trim_drained(&l->trim, l->cap, INITIAL_CAP);
        if (target < l->cap) {
            qb_free(l->alloc, l->ring);
            l->ring = NULL;
            l->cap = 0; /* grows again from INITIAL_CAP on demand */
        }
    }
}

size_t quic_sentlog_live(const quic_sentlog *l) { return (size_t)(l->head - l->tail); }
