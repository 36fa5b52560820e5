/*
 * A server's look at a client Initial that routes to no connection, without
 * keeping anything: the Initial keys come from the packet's own DCID (RFC
 * 9001 §5.2), so the endpoint can check, per datagram and with no state, that
 * the packet decrypts and that its CRYPTO data begins a ClientHello before it
 * spends a connection on it (RFC 9000 §8, §21.1.1). And the stateless refusal
 * of a full server: CONNECTION_CLOSE with CONNECTION_REFUSED in an Initial
 * (RFC 9000 §5.2.2).
 */
#ifndef QUIC_EP_INITIAL_H
#define QUIC_EP_INITIAL_H

#include "base/qb.h"
#include "crypto/cx_initial.h"
#include "quic/packet.h"

#include <stddef.h>
#include <stdint.h>

enum {
    QUIC_EP_HELLO = 1,           /* decrypts, and CRYPTO at offset 0 begins a ClientHello */
    QUIC_EP_NOT_HELLO = 0,       /* decrypts, but no ClientHello starts here */
    QUIC_EP_UNDECRYPTABLE = -1,  /* does not decrypt (or is malformed) */
};

/* Looks at the client Initial h (a packet of the caller's datagram, which is
 * left untouched: the check works on a copy, on the stack up to 1600 bytes).
 * The keys are derived into the endpoint's scratch s (cx_initial.h), so a
 * packet of up to 1600 bytes costs no allocation; a longer one is copied
 * through a for the moment. */
int quic_ep_initial_check(cx_initial *s, const qb_alloc *a, const quic_pkt_hdr *h);

/* Writes, into buf, a datagram with one Initial packet carrying
 * CONNECTION_CLOSE (0x1c) with error code, frame type 0 and reason, to the
 * client whose Initial had dcid (keys) and scid (our DCID); our SCID is
 * scid_ours; sealed with the scratch keys s (no allocation). PADDING brings
 * it to pad_to bytes (RFC 9000 §14.1; the caller keeps it within 3x of what
 * came in, §8.1). Returns the length, 0 on error
 * (cap too small, unknown version). */
size_t quic_ep_close_write(cx_initial *s, uint8_t *buf, size_t cap, uint32_t version,
                           const uint8_t *dcid, size_t dcid_len, const uint8_t *scid,
                           size_t scid_len, const uint8_t *scid_ours, size_t scid_ours_len,
                           uint64_t code, const char *reason, size_t pad_to);

#endif
