/*
 * Packet protection (RFC 9001 §5): protect a whole packet (AEAD over the
 * payload with the header as AAD, then header protection with the sample at
 * pn_offset + 4), and unprotect one in place in two steps so that a receiver
 * can read the key phase bit (after removing header protection) before it
 * picks the AEAD key (§6).
 */
#ifndef QUIC_PROTECT_H
#define QUIC_PROTECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/qb.h"
#include "crypto/cx_aead.h"
#include "crypto/cx_hp.h"
#include "crypto/cx_quic_keys.h"

/* The keys of one direction at one encryption level and key phase. The hp key
 * stays the same across key updates (§6.1); only aead is replaced. */
typedef struct quic_pkt_keys {
    cx_aead *aead;
    cx_hp *hp;
} quic_pkt_keys;

/* RFC 9001 §6.6: packets one key may seal (AES-GCM 2^23; ChaCha20-Poly1305
 * more than the packet number space: UINT64_MAX), and packets that may fail
 * authentication in a connection (AES-GCM 2^52, ChaCha20-Poly1305 2^36). */
uint64_t quic_aead_confidentiality_limit(cx_aead_id id);
uint64_t quic_aead_integrity_limit(cx_aead_id id);

/* Creates the contexts from raw material (cx_quic_keys_derive), able to
 * protect and to unprotect (a decoder, a test's fake peer). */
int quic_pkt_keys_init(quic_pkt_keys *k, const qb_alloc *a, const cx_quic_keys *m);
/* The same with the AEAD made only for uses (cx_aead_new_for): a
 * connection's keys serve one direction (RFC 9001 §5), receive keys
 * CX_AEAD_OPEN and send keys CX_AEAD_SEAL, which halves their libcrypto
 * contexts; the header protection key is the same either way. */
int quic_pkt_keys_init_for(quic_pkt_keys *k, const qb_alloc *a, const cx_quic_keys *m, int uses);
void quic_pkt_keys_clear(quic_pkt_keys *k);
/* Key update (RFC 9001 §6): replaces secret (secret_len bytes, in place) by the
 * next generation and makes the AEAD of the next key phase in *next. The header
 * protection key does not change. The caller keeps the old AEAD for packets
 * still in flight under it (§6.5) and frees it later. */
int quic_pkt_keys_next(const qb_alloc *a, uint32_t version, cx_aead_id aead, uint8_t *secret,
                       size_t secret_len, cx_aead **next);

/* Protects pkt[0..pkt_len) in place. The packet is: header with the first byte
 * and the packet number (pn_len bytes at pn_offset) in clear, the plaintext
 * payload, then 16 bytes of room for the tag at the end (quic_pkt_wr_finish
 * lays it out this way). pn is the full packet number (for the nonce). */
int quic_pkt_protect(const quic_pkt_keys *k, uint8_t *pkt, size_t pkt_len, size_t pn_offset,
                     size_t pn_len, uint64_t pn);
/* The same for a packet whose plaintext payload was assembled at plain (NULL:
 * in pkt, as above): the ciphertext is written into pkt after the header,
 * so the payload is not copied into the packet first. */
int quic_pkt_protect_from(const quic_pkt_keys *k, uint8_t *pkt, size_t pkt_len,
                          size_t pn_offset, size_t pn_len, uint64_t pn, const uint8_t *plain);

/* The same with the plaintext payload gathered from n pieces (they add up to
 * the payload length; a piece lies either exactly where its ciphertext goes
 * in pkt or outside pkt): frames written in place and datagram payloads read
 * from their queue slots are sealed without being copied together first. */
int quic_pkt_protect_gather(const quic_pkt_keys *k, uint8_t *pkt, size_t pkt_len,
                            size_t pn_offset, size_t pn_len, uint64_t pn, const qb_iov *iov,
                            size_t n);

/* What unprotecting found. */
typedef struct quic_pkt_clear {
    uint8_t first;         /* first byte without header protection */
    size_t pn_len;
    uint64_t pn;           /* full packet number (RFC 9000 A.3) */
    bool key_phase;        /* short header only (§17.3.1) */
    size_t payload_offset; /* plaintext payload, from the packet start */
    size_t payload_len;    /* after decryption (tag excluded) */
} quic_pkt_clear;

/* Step 1 (RFC 9001 §5.4): removes header protection from pkt in place and
 * recovers the packet number given the largest received in the space
 * (QUIC_PN_NONE if none). QUIC_PKT_ERR_SHORT_SAMPLE when the packet has no room
 * for the sample. */
int quic_pkt_unprotect_header(cx_hp *hp, uint8_t *pkt, size_t pkt_len, size_t pn_offset,
                              uint64_t largest_pn, quic_pkt_clear *out);
/* Step 2: decrypts the payload in place with aead. QUIC_PKT_ERR_DECRYPT when the
 * tag does not verify (the packet is dropped, §12.2 of RFC 9000);
 * QUIC_PKT_ERR_RESERVED when it verifies but the reserved bits are not zero
 * (RFC 9000 §17.2, §17.3.1: a PROTOCOL_VIOLATION). */
int quic_pkt_decrypt(cx_aead *aead, uint8_t *pkt, size_t pkt_len, quic_pkt_clear *c);
/* Both steps with one key set. */
int quic_pkt_unprotect(const quic_pkt_keys *k, uint8_t *pkt, size_t pkt_len, size_t pn_offset,
                       uint64_t largest_pn, quic_pkt_clear *out);

#endif
