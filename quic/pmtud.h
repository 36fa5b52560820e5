/* Datagram Packetization Layer PMTU Discovery (RFC 8899, as RFC 9000 §14.3
 * uses it), a pure state machine: which probe size to try next (a binary
 * search between the largest size acknowledged and the smallest one that
 * failed, starting with the maximum), when a lost probe means "too big"
 * (MAX_PROBES losses), black holes (full-size packets lost while small ones
 * pass, or PTOs in a row) and the fallback to the base size, and the
 * PMTU_RAISE_TIMER that searches again later. The connection (conn_send.c)
 * sends the probes and reports what was acknowledged and lost. */
#ifndef QUIC_PMTUD_H
#define QUIC_PMTUD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QUIC_PMTUD_BASE 1200        /* RFC 9000 §14.1 */
#define QUIC_PMTUD_MAX_PROBES 3     /* RFC 8899 §5.1.2 */
#define QUIC_PMTUD_GRANULARITY 16   /* the search stops within this many bytes */
#define QUIC_PMTUD_RAISE_US 600000000ull /* RFC 8899 §5.1.1 PMTU_RAISE_TIMER */
#define QUIC_PMTUD_BLACKHOLE_LOST 3 /* full-size packets lost in a row */
#define QUIC_PMTUD_BLACKHOLE_PTOS 2 /* PTOs in a row with nothing acknowledged */

typedef struct quic_pmtud {
    size_t max;        /* the largest size we may use (ours and the peer's limit) */
    size_t mtu;        /* the size known to pass (QUIC_PMTUD_BASE at first) */
    size_t lo, hi;     /* search: lo passed, hi is the smallest size that failed (max + 1: none) */
    bool searching;
    size_t probe_size; /* the probe in flight (0: none) */
    uint64_t probe_pn;
    unsigned probe_losses; /* of probe_size, in a row */
    uint64_t raise_at;     /* not searching: when to search again */
    unsigned big_lost;     /* packets larger than the base lost since one was acknowledged */
    bool small_acked;      /* a packet of the base size was acknowledged since */
    uint64_t blackholes;   /* fallbacks so far */
} quic_pmtud;

void quic_pmtud_init(quic_pmtud *p, size_t max);
/* The largest size allowed now (e.g. the peer's max_udp_payload lowered it). */
void quic_pmtud_set_max(quic_pmtud *p, size_t max);
/* The size packets may have now. */
static inline size_t quic_pmtud_mtu(const quic_pmtud *p) { return p->mtu; }
/* The size of the probe to send now, 0 when none is due. */
size_t quic_pmtud_probe_size(quic_pmtud *p, uint64_t now);
/* A probe of size went out as packet pn. */
void quic_pmtud_on_probe_sent(quic_pmtud *p, uint64_t pn, size_t size);
/* Is pn the probe in flight? */
bool quic_pmtud_is_probe(const quic_pmtud *p, uint64_t pn);
/* Packet pn of size bytes (1-RTT) was acknowledged / declared lost. They
 * return true when the usable size changed (tell the congestion controller). */
bool quic_pmtud_on_acked(quic_pmtud *p, uint64_t pn, size_t size, uint64_t now);
bool quic_pmtud_on_lost(quic_pmtud *p, uint64_t pn, size_t size, uint64_t now);
/* pto_count PTOs fired in a row: a black hole when the packets are larger
 * than the base (RFC 8899 §4.3). */
bool quic_pmtud_on_pto(quic_pmtud *p, unsigned pto_count, uint64_t now);

#endif
