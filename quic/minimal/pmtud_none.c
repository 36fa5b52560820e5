/* QUINCE_MINIMAL (cmake/quince_minimal.cmake): no DPLPMTUD. quic/pmtud.c
 * stays out: datagrams stay at 1200 bytes, the size every QUIC path must
 * carry (RFC 9000 §14.1), and no probe is ever sent (RFC 9000 §14.3 makes
 * the search optional). Outside quic/'s glob: the default build never sees it. */
#include "quic/pmtud.h"

#include <string.h>

void quic_pmtud_init(quic_pmtud *p, size_t max)
{
    memset(p, 0, sizeof *p);
    p->max = max < QUIC_PMTUD_BASE ? QUIC_PMTUD_BASE : max;
    p->mtu = QUIC_PMTUD_BASE;
}

void quic_pmtud_set_max(quic_pmtud *p, size_t max)
{
    p->max = max < QUIC_PMTUD_BASE ? QUIC_PMTUD_BASE : max;
}

size_t quic_pmtud_probe_size(quic_pmtud *p, uint64_t now)
{
    (void)p;
    (void)now;
    return 0; /* no probe */
}

void quic_pmtud_on_probe_sent(quic_pmtud *p, uint64_t pn, size_t size)
{
    (void)p;
    (void)pn;
    (void)size;
}

bool quic_pmtud_is_probe(const quic_pmtud *p, uint64_t pn)
{
    (void)p;
    (void)pn;
    return false;
}

bool quic_pmtud_on_acked(quic_pmtud *p, uint64_t pn, size_t size, uint64_t now)
{
    (void)p;
    (void)pn;
    (void)size;
    (void)now;
    return false;
}

bool quic_pmtud_on_lost(quic_pmtud *p, uint64_t pn, size_t size, uint64_t now)
{
    (void)p;
    (void)pn;
    (void)size;
    (void)now;
    return false;
}

bool quic_pmtud_on_pto(quic_pmtud *p, unsigned pto_count, uint64_t now)
{
    (void)p;
    (void)pto_count;
    (void)now;
    return false;
}
