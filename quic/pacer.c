/* The pacer, RFC 9002 §7.7; see pacer.h. */
#include "quic/pacer.h"

#include <string.h>

#define PACER_MIN_DATAGRAM 1200     /* RFC 9000 §14 */
#define PACER_MAX_PER_US ((uint64_t)1 << 34) /* keeps the products below in range */

void quic_pacer_init(quic_pacer *p, size_t max_datagram_size, unsigned burst_packets)
{
    memset(p, 0, sizeof *p);
    if (max_datagram_size < PACER_MIN_DATAGRAM)
        max_datagram_size = PACER_MIN_DATAGRAM;
    if (burst_packets == 0)
        burst_packets = 10;
    uint64_t mds = max_datagram_size;
    uint64_t cap = (uint64_t)burst_packets * mds;
    /* §7.7: bursts no larger than the initial window, which is
     * min(10 * mds, max(14720, 2 * mds)) (§7.2). */
    uint64_t iw_cap = 2 * mds > 14720 ? 2 * mds : 14720;
    uint64_t iw = 10 * mds < iw_cap ? 10 * mds : iw_cap;
    p->capacity = cap < iw ? cap : iw;
    if (p->capacity < mds)
        p->capacity = mds;
    p->tokens = p->capacity;
}

static bool paced(quic_pacer_rate *r)
{
    if (r->bytes == 0 || r->per_us == 0)
        return false;
    if (r->per_us > PACER_MAX_PER_US) {
        /* scale both down alike: the rate stays, the products stay small */
        while (r->per_us > PACER_MAX_PER_US && r->bytes > 1) {
            r->per_us >>= 1;
            r->bytes >>= 1;
        }
        if (r->per_us > PACER_MAX_PER_US)
            r->per_us = PACER_MAX_PER_US;
    }
    return true;
}

/* Microseconds to earn `bytes` tokens, rounded up. */
static uint64_t time_for(uint64_t bytes, quic_pacer_rate r)
{
    return (bytes * r.per_us + r.bytes - 1) / r.bytes;
}

/* Tokens at `now`; *last_out is the refill time to keep, advanced only by
 * the time the whole tokens earned took, so sub-byte credit is not lost when
 * the pacer is consulted often. */
static uint64_t tokens_at(const quic_pacer *p, quic_pacer_rate r, uint64_t now, uint64_t *last_out)
{
    *last_out = p->last;
    if (!p->started || now <= p->last)
        return p->tokens;
    uint64_t elapsed = now - p->last;
    uint64_t missing = p->capacity - p->tokens;
    if (elapsed >= time_for(missing, r)) {
        *last_out = now;
        return p->capacity;
    }
    /* elapsed is below the fill time, so these products stay small */
    uint64_t add = elapsed * r.bytes / r.per_us;
    *last_out = p->last + add * r.per_us / r.bytes;
    return p->tokens + add;
}

uint64_t quic_pacer_next_send_time(const quic_pacer *p, quic_pacer_rate rate, size_t bytes,
                                   uint64_t now)
{
    if (!paced(&rate))
        return now;
    uint64_t need = bytes < p->capacity ? bytes : p->capacity;
    uint64_t last;
    uint64_t have = tokens_at(p, rate, now, &last);
    if (have >= need)
        return now;
    return now + time_for(need - have, rate);
}

void quic_pacer_on_sent(quic_pacer *p, quic_pacer_rate rate, size_t bytes, uint64_t now)
{
    uint64_t last = now;
    if (paced(&rate))
        p->tokens = tokens_at(p, rate, now, &last);
    if (!p->started || last > p->last)
        p->last = p->started ? last : now;
    p->started = true;
    p->tokens = bytes > p->tokens ? 0 : p->tokens - bytes;
}
