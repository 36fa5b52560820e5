/*
 * quince quic: a token-bucket pacer (RFC 9002 §7.7). Pure state in bytes and
 * microseconds; it knows nothing of congestion control: the rate it paces at
 * comes from the caller (quic_cc_pacing_rate) on every call.
 *
 * A bucket of `burst` packets (capped at the initial window) is refilled at
 * rate.bytes per rate.per_us microseconds. Packets that carry only ACK frames
 * should not be paced (§7.7) and need not be passed to it.
 */
#ifndef QUIC_PACER_H
#define QUIC_PACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* bytes per per_us microseconds, kept as a fraction so 1.25 * cwnd / srtt
 * needs no rounding; per_us 0 (or bytes 0) means "do not pace". */
typedef struct quic_pacer_rate {
    uint64_t bytes;
    uint64_t per_us;
} quic_pacer_rate;

typedef struct quic_pacer {
    uint64_t tokens;   /* bytes */
    uint64_t capacity; /* bytes */
    uint64_t last;     /* time tokens were last refilled */
    bool started;
} quic_pacer;

/* burst_packets 0 means 10. */
void quic_pacer_init(quic_pacer *p, size_t max_datagram_size, unsigned burst_packets);
/* Earliest time a packet of `bytes` may leave: now when the bucket holds
 * enough tokens, else when it will. */
uint64_t quic_pacer_next_send_time(const quic_pacer *p, quic_pacer_rate rate, size_t bytes,
                                   uint64_t now);
/* Takes the tokens of a sent packet. */
void quic_pacer_on_sent(quic_pacer *p, quic_pacer_rate rate, size_t bytes, uint64_t now);

#endif
