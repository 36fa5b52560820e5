/*
 * quince quic: round-trip time estimation (RFC 9002 §5). Microseconds.
 * One estimator per path; the recovery state owns the connection's one.
 */
#ifndef QUIC_RTT_H
#define QUIC_RTT_H

#include <stdbool.h>
#include <stdint.h>

#define QUIC_RTT_INITIAL 333000ULL   /* kInitialRtt, RFC 9002 §6.2.2 */
#define QUIC_RTT_GRANULARITY 1000ULL /* kGranularity, RFC 9002 §6.1.2 */

typedef struct quic_rtt {
    uint64_t latest;      /* latest_rtt */
    uint64_t min;         /* min_rtt (0 until the first sample) */
    uint64_t smoothed;    /* smoothed_rtt */
    uint64_t var;         /* rttvar */
    bool has_sample;
    uint64_t first_sample_time; /* first_rtt_sample */
} quic_rtt;

/* initial_rtt 0 means QUIC_RTT_INITIAL. RFC 9002 §5.3: smoothed = initial,
 * rttvar = initial / 2. */
void quic_rtt_init(quic_rtt *r, uint64_t initial_rtt);

/* One RTT sample (RFC 9002 §5.1-5.3). ack_delay is the peer's decoded ACK
 * Delay; it is capped at max_ack_delay once the handshake is confirmed and
 * subtracted only when the result stays >= min_rtt. */
void quic_rtt_update(quic_rtt *r, uint64_t latest_rtt, uint64_t ack_delay,
                     uint64_t max_ack_delay, bool handshake_confirmed, uint64_t now);

/* smoothed_rtt + max(4 * rttvar, kGranularity): the PTO period before
 * max_ack_delay and backoff (RFC 9002 §6.2.1). */
uint64_t quic_rtt_pto_base(const quic_rtt *r);

/* kTimeThreshold * max(smoothed_rtt, latest_rtt), at least kGranularity
 * (RFC 9002 §6.1.2). */
uint64_t quic_rtt_loss_delay(const quic_rtt *r);

/* RFC 9002 §5.2: after persistent congestion, min_rtt restarts from the
 * newest sample. */
void quic_rtt_reset_min(quic_rtt *r);

#endif
