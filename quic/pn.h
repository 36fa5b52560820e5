/*
 * Packet number encoding and decoding (RFC 9000 §17.1, Appendix A.2 and A.3).
 */
#ifndef QUIC_PN_H
#define QUIC_PN_H

#include <stddef.h>
#include <stdint.h>

/* "No packet acknowledged / received yet" for the functions below. */
#define QUIC_PN_NONE UINT64_MAX
/* Largest packet number (RFC 9000 §12.3: 0 .. 2^62-1). */
#define QUIC_PN_MAX ((uint64_t)0x3fffffffffffffffULL)

/* RFC 9000 A.2: the number of bytes (1..4) to encode full_pn so that a peer
 * that has seen largest_acked (QUIC_PN_NONE if nothing) decodes it, i.e. a
 * window of more than twice the number of unacknowledged packets. */
size_t quic_pn_encode_len(uint64_t full_pn, uint64_t largest_acked);

/* RFC 9000 A.3: the full packet number from truncated_pn of pn_len bytes (1..4)
 * given the largest packet number received so far in the space (QUIC_PN_NONE
 * if none). */
uint64_t quic_pn_decode(uint64_t largest_pn, uint64_t truncated_pn, size_t pn_len);

#endif
