/* Packet number truncation and recovery (RFC 9000 Appendix A.2, A.3). */
#include "quic/pn.h"

size_t quic_pn_encode_len(uint64_t full_pn, uint64_t largest_acked)
{
    /* A.2: num_unacked = full_pn - largest_acked (full_pn + 1 if none); the
     * encoding must represent at least twice that range plus one bit. */
    uint64_t num_unacked;
    if (largest_acked == QUIC_PN_NONE)
        num_unacked = full_pn + 1;
    else if (full_pn > largest_acked)
        num_unacked = full_pn - largest_acked;
    else
        num_unacked = 1; /* a caller bug, but keep the answer sane */
    /* min_bits = log2(num_unacked) + 1, rounded up to whole bytes:
     * n bytes suffice when num_unacked <= 2^(8n-1). */
    for (size_t n = 1; n < 4; n++)
        if (num_unacked <= ((uint64_t)1 << (8 * n - 1)))
            return n;
    return 4;
}

uint64_t quic_pn_decode(uint64_t largest_pn, uint64_t truncated_pn, size_t pn_len)
{
    if (pn_len < 1 || pn_len > 4)
        pn_len = 4;
    uint64_t expected = largest_pn == QUIC_PN_NONE ? 0 : largest_pn + 1;
    uint64_t win = (uint64_t)1 << (pn_len * 8);
    uint64_t hwin = win / 2;
    uint64_t mask = win - 1;
    truncated_pn &= mask;
    /* A.3: the candidate closest to expected with the same low bits; the
     * comparisons are arranged so that nothing underflows or overflows. */
    uint64_t candidate = (expected & ~mask) | truncated_pn;
    if (expected >= hwin && candidate <= expected - hwin && candidate < (QUIC_PN_MAX + 1) - win)
        return candidate + win;
    if (candidate > expected + hwin && candidate >= win)
        return candidate - win;
    /* Packet numbers end at 2^62-1 (RFC 9000 §12.3); only a peer's garbage gets
     * here, and the answer must still be a valid packet number. */
    if (candidate > QUIC_PN_MAX)
        return candidate - win;
    return candidate;
}
