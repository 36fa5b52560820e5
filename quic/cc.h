/*
 * quince quic: NewReno congestion control (RFC 9002 §7, Appendix B) and a
 * token-bucket pacer (RFC 9002 §7.7). Bytes and microseconds; pure state.
 *
 * The connection feeds it the records quic_recovery reports: on_acked with
 * res.acked, on_lost with res.lost and res.persistent_congestion,
 * on_discarded with res.discarded. Probe packets (PTO) are sent regardless
 * of quic_cc_can_send but still counted with quic_cc_on_sent (§7.5).
 */
#ifndef QUIC_CC_H
#define QUIC_CC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quic/recovery.h"

#define QUIC_CC_MIN_DATAGRAM 1200 /* RFC 9000 §14 */

typedef struct quic_cc {
    uint64_t max_datagram_size;
    uint64_t cwnd;             /* congestion_window */
    uint64_t ssthresh;         /* UINT64_MAX = infinite */
    uint64_t bytes_in_flight;
    bool has_recovery_start;
    uint64_t recovery_start;   /* congestion_recovery_start_time */
    uint64_t ca_acked;         /* bytes acked toward the next +1 MSS in CA (RFC 3465 §2.1) */
    bool app_limited;          /* IsAppOrFlowControlLimited, set by the connection */
    bool send_one;             /* one packet allowed right after a window cut (§7.3.2) */
    uint64_t congestion_events;
    uint64_t persistent_events;
} quic_cc;

/* RFC 9002 §7.2: min(10 * mds, max(14720, 2 * mds)). */
uint64_t quic_cc_initial_window(uint64_t max_datagram_size);
/* 2 * max_datagram_size (kMinimumWindow, §7.2). */
uint64_t quic_cc_minimum_window(const quic_cc *cc);

/* max_datagram_size below 1200 is raised to 1200. */
void quic_cc_init(quic_cc *cc, size_t max_datagram_size);
/* PMTU change: a smaller size during the handshake resets the window to the
 * new initial window; the window never falls below the minimum (§7.2). */
void quic_cc_set_max_datagram_size(quic_cc *cc, size_t max_datagram_size, bool in_handshake);

/* bytes_in_flight + bytes <= cwnd (or the one packet allowed after a cut). */
bool quic_cc_can_send(const quic_cc *cc, size_t bytes);
/* Bytes that may still be sent now. */
uint64_t quic_cc_available(const quic_cc *cc);
/* A packet counted in flight was sent (B.4). */
void quic_cc_on_sent(quic_cc *cc, size_t bytes);
/* Newly acknowledged packets (B.5). */
void quic_cc_on_acked(quic_cc *cc, const quic_sent_pkt *acked, size_t n, uint64_t now);
/* Newly lost packets (B.8); persistent from quic_recovery_result. */
void quic_cc_on_lost(quic_cc *cc, const quic_sent_pkt *lost, size_t n, bool persistent,
                     uint64_t now);
/* A congestion signal for a packet sent at sent_time (B.6; ECN-CE would use it). */
void quic_cc_on_congestion_event(quic_cc *cc, uint64_t sent_time, uint64_t now);
/* Packets of a discarded space leave bytes in flight, no congestion signal (B.9). */
void quic_cc_on_discarded(quic_cc *cc, const quic_sent_pkt *pkts, size_t n);
static inline void quic_cc_set_app_limited(quic_cc *cc, bool limited) { cc->app_limited = limited; }
static inline bool quic_cc_in_slow_start(const quic_cc *cc) { return cc->cwnd < cc->ssthresh; }
/* True while packets sent at or before the recovery start are being acked. */
bool quic_cc_in_recovery(const quic_cc *cc, uint64_t sent_time);

/* ---- pacer (RFC 9002 §7.7) ----
 * A token bucket of `burst` packets (capped at the initial window) refilled at
 * 1.25 * cwnd / smoothed_rtt. Packets that carry only ACK frames should not be
 * paced (§7.7) and need not be passed to it. */
typedef struct quic_pacer {
    uint64_t tokens;   /* bytes */
    uint64_t capacity; /* bytes */
    uint64_t last;     /* time tokens were last refilled */
    bool started;
} quic_pacer;

/* burst_packets 0 means 10. */
void quic_pacer_init(quic_pacer *p, size_t max_datagram_size, unsigned burst_packets);
/* Earliest time a packet of `bytes` may leave: now when the bucket holds
 * enough tokens, else when it will. srtt 0 disables pacing. */
uint64_t quic_pacer_next_send_time(const quic_pacer *p, const quic_cc *cc, uint64_t srtt,
                                   size_t bytes, uint64_t now);
/* Takes the tokens of a sent packet. */
void quic_pacer_on_sent(quic_pacer *p, const quic_cc *cc, uint64_t srtt, size_t bytes,
                        uint64_t now);

#endif
