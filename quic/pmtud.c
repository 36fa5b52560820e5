/* DPLPMTUD state machine (RFC 8899 §5, RFC 9000 §14.3; quic/pmtud.h). */
#include "quic/pmtud.h"

#include <string.h>

static void search_start(quic_pmtud *p)
{
    /* RFC 8899 §5.3.2: from the size that passes up; the maximum is tried
     * first (the common path carries it: one probe and done). */
    p->searching = p->mtu < p->max;
    p->lo = p->mtu;
    p->hi = p->max + 1;
    p->probe_size = 0;
    p->probe_losses = 0;
}

static void search_end(quic_pmtud *p, uint64_t now)
{
    p->searching = false;
    p->probe_size = 0;
    p->raise_at = now + QUIC_PMTUD_RAISE_US;
}

void quic_pmtud_init(quic_pmtud *p, size_t max)
{
    memset(p, 0, sizeof *p);
    p->max = max < QUIC_PMTUD_BASE ? QUIC_PMTUD_BASE : max;
    p->mtu = QUIC_PMTUD_BASE;
    search_start(p);
}

void quic_pmtud_set_max(quic_pmtud *p, size_t max)
{
    if (max < QUIC_PMTUD_BASE)
        max = QUIC_PMTUD_BASE;
    if (max == p->max)
        return;
    p->max = max;
    if (p->mtu > max)
        p->mtu = max;
    if (p->hi > max + 1)
        p->hi = max + 1;
    if (p->searching && p->hi - p->lo <= 1)
        p->searching = false;
}

/* The next size to try: the maximum first, then halfway. */
static size_t next_size(const quic_pmtud *p)
{
    if (p->hi == p->max + 1)
        return p->max;
    return p->lo + (p->hi - p->lo) / 2;
}

size_t quic_pmtud_probe_size(quic_pmtud *p, uint64_t now)
{
    if (!p->searching && p->mtu < p->max && now >= p->raise_at && p->raise_at)
        search_start(p); /* RFC 8899 §5.1.1: PMTU_RAISE_TIMER */
    if (!p->searching || p->probe_size)
        return 0;
    return next_size(p);
}

void quic_pmtud_on_probe_sent(quic_pmtud *p, uint64_t pn, size_t size)
{
    p->probe_size = size;
    p->probe_pn = pn;
}

bool quic_pmtud_is_probe(const quic_pmtud *p, uint64_t pn)
{
    return p->probe_size && p->probe_pn == pn;
}

/* The search narrowed: done when the gap is within the granularity. */
static void search_next(quic_pmtud *p, uint64_t now)
{
    p->probe_size = 0;
    p->probe_losses = 0;
    if (p->hi - p->lo <= QUIC_PMTUD_GRANULARITY || p->lo >= p->max)
        search_end(p, now);
}

bool quic_pmtud_on_acked(quic_pmtud *p, uint64_t pn, size_t size, uint64_t now)
{
    if (size > QUIC_PMTUD_BASE) {
        p->big_lost = 0;
        p->small_acked = false;
    } else if (p->big_lost) {
        p->small_acked = true;
    }
    if (!quic_pmtud_is_probe(p, pn))
        return false;
    size_t was = p->mtu;
    if (size > p->mtu)
        p->mtu = size;
    if (size > p->lo)
        p->lo = size;
    search_next(p, now);
    return p->mtu != was;
}

/* RFC 8899 §4.3: the path no longer carries what it did: back to the base
 * size, and a new search from there (it finds the new size, or the old one
 * again if the losses had another cause). */
static bool blackhole(quic_pmtud *p, uint64_t now)
{
    (void)now;
    if (p->mtu <= QUIC_PMTUD_BASE)
        return false;
    p->mtu = QUIC_PMTUD_BASE;
    p->big_lost = 0;
    p->small_acked = false;
    p->blackholes++;
    search_start(p);
    return true;
}

bool quic_pmtud_on_lost(quic_pmtud *p, uint64_t pn, size_t size, uint64_t now)
{
    if (quic_pmtud_is_probe(p, pn)) {
        /* RFC 8899 §5.1.2: MAX_PROBES losses of a size: it does not pass. */
        p->probe_size = 0;
        if (++p->probe_losses >= QUIC_PMTUD_MAX_PROBES) {
            p->hi = size;
            search_next(p, now);
        }
        return false;
    }
    if (size <= QUIC_PMTUD_BASE)
        return false;
    p->big_lost++;
    if (p->big_lost >= QUIC_PMTUD_BLACKHOLE_LOST && p->small_acked)
        return blackhole(p, now);
    return false;
}

bool quic_pmtud_on_pto(quic_pmtud *p, unsigned pto_count, uint64_t now)
{
    if (pto_count >= QUIC_PMTUD_BLACKHOLE_PTOS)
        return blackhole(p, now);
    return false;
}
