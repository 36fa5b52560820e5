/*
 * The idle timeout (RFC 9000 §10.1) in the `now` unit (microseconds), without
 * overflow: max_idle_timeout is a varint of milliseconds, up to 2^62 - 1, and
 * 2^62 ms in microseconds does not fit 64 bits. Values too large to represent
 * saturate at UINT64_MAX, which no clock reaches: in effect, no timeout.
 */
#ifndef QUIC_IDLE_H
#define QUIC_IDLE_H

#include <stdint.h>

/* The effective idle timeout in microseconds from ours and the peer's
 * max_idle_timeout in milliseconds: the smaller of the two, where 0 means the
 * side has none; 0 when neither has one (§10.1, §18.2). */
static inline uint64_t quic_idle_timeout_us(uint64_t local_ms, uint64_t peer_ms)
{
    uint64_t ms = !local_ms ? peer_ms : !peer_ms ? local_ms : local_ms < peer_ms ? local_ms : peer_ms;
    return ms > UINT64_MAX / 1000 ? UINT64_MAX : ms * 1000;
}

/* When the idle period that starts at now ends: at least three PTOs later
 * (§10.1), saturating at UINT64_MAX. timeout_us 0 (none) gives 0: no deadline. */
static inline uint64_t quic_idle_deadline(uint64_t now, uint64_t timeout_us, uint64_t pto3)
{
    if (!timeout_us)
        return 0;
    uint64_t d = timeout_us > pto3 ? timeout_us : pto3;
    return d > UINT64_MAX - now ? UINT64_MAX : now + d;
}

#endif
