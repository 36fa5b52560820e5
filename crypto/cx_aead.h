/*
 * AEAD packet protection keys (RFC 9001 §5.3): AES-128-GCM, AES-256-GCM and
 * ChaCha20-Poly1305 with a 16-byte tag and the QUIC nonce (static IV XOR packet
 * number). A key object holds one libcrypto context per use it was made for
 * (seal, open, or both), each created once with the key set, so a packet only
 * sets its nonce.
 *
 * Under QUINCE_FUZZING this is a null AEAD behind the same interface: seal
 * leaves the plaintext as is and writes a zero tag, open skips the tag check, so
 * a fuzzer's bytes reach the frame decoders.
 */
#ifndef CX_AEAD_H
#define CX_AEAD_H

#include <stddef.h>
#include <stdint.h>

#include "base/qb.h"
#include "crypto/cx_hash.h"

/* Error codes: crypto/cx_err.h. */

/* The AEADs of the TLS 1.3 cipher suites QUIC uses (RFC 9001 §5.3). */
typedef enum cx_aead_id {
    CX_AES_128_GCM = 0,       /* TLS_AES_128_GCM_SHA256 */
    CX_AES_256_GCM = 1,       /* TLS_AES_256_GCM_SHA384 */
    CX_CHACHA20_POLY1305 = 2, /* TLS_CHACHA20_POLY1305_SHA256 */
} cx_aead_id;

#define CX_AEAD_TAG_LEN 16
#define CX_AEAD_IV_LEN 12
#define CX_AEAD_KEY_MAX 32

/* Key length of id (16 or 32), 0 for an unknown id. */
size_t cx_aead_key_len(cx_aead_id id);
/* The hash of the cipher suite (for HKDF); CX_SHA256 for an unknown id. */
cx_hash_id cx_aead_hash(cx_aead_id id);

typedef struct cx_aead cx_aead;

/* The uses of a key: each is one libcrypto context (about 1 KB for AES-GCM). */
enum { CX_AEAD_SEAL = 1, CX_AEAD_OPEN = 2 };

/* A key object for id with key (cx_aead_key_len bytes) and iv (12 bytes),
 * able to seal and to open. */
int cx_aead_new(cx_aead **out, const qb_alloc *a, cx_aead_id id, const uint8_t *key,
                const uint8_t *iv);
/* The same with only the contexts of uses (CX_AEAD_SEAL, CX_AEAD_OPEN or
 * both; CX_ERR_ARG otherwise): a QUIC packet key is used in one direction
 * (RFC 9001 §5: receive keys open, send keys seal). A use the key was not
 * made for (seal, seal_to, seal_gather and auth_tag seal; open opens) returns
 * CX_ERR_ARG and touches no buffer (the null AEAD of QUINCE_FUZZING has no
 * contexts and serves both). */
int cx_aead_new_for(cx_aead **out, const qb_alloc *a, cx_aead_id id, const uint8_t *key,
                    const uint8_t *iv, int uses);
void cx_aead_free(cx_aead *k);
/* Gives k another key and IV of its suite, keeping its libcrypto contexts
 * (no allocation): the scratch key of a server's stateless Initial checks
 * (cx_initial.h). Only the uses named (CX_AEAD_SEAL, CX_AEAD_OPEN or both)
 * take the new key; the other keeps the old one, so a scratch key re-keyed
 * to open must be re-keyed again before it seals. CX_ERR_ARG (nothing
 * changed) when a use named is not one k was made for. */
int cx_aead_rekey(cx_aead *k, const uint8_t *key, const uint8_t *iv, int uses);
cx_aead_id cx_aead_get_id(const cx_aead *k);

/* Encrypts buf[0..len) in place with nonce = iv XOR pn and the AAD, and writes
 * the 16-byte tag at buf + len (the caller leaves room). */
int cx_aead_seal(cx_aead *k, uint64_t pn, const uint8_t *aad, size_t aad_len,
                 uint8_t *buf, size_t len);
/* The same from in[0..len) to out (len bytes, then the tag): a sender that
 * assembled the plaintext elsewhere seals it into the datagram without
 * copying it there first. in and out may be equal, not otherwise overlap. */
int cx_aead_seal_to(cx_aead *k, uint64_t pn, const uint8_t *aad, size_t aad_len,
                    const uint8_t *in, uint8_t *out, size_t len);
/* The same with the plaintext gathered from n pieces, in order, into one
 * contiguous ciphertext at out (the pieces' lengths together, then the tag):
 * a packet whose frames lie partly in the datagram and partly in a queue is
 * sealed without first copying them together. A piece may lie exactly where
 * its ciphertext goes (in place); otherwise pieces and out do not overlap.
 * A piece of length 0 may have a NULL pointer. */
int cx_aead_seal_gather(cx_aead *k, uint64_t pn, const uint8_t *aad, size_t aad_len,
                        const qb_iov *iov, size_t n, uint8_t *out);
/* Decrypts buf[0..len) in place, where the last 16 bytes are the tag; the
 * plaintext is the first len - 16 bytes. CX_ERR_AUTH when the tag is wrong. */
int cx_aead_open(cx_aead *k, uint64_t pn, const uint8_t *aad, size_t aad_len,
                 uint8_t *buf, size_t len);

/* Authentication only (empty plaintext) over two AAD pieces, with the IV as
 * the nonce: the Retry Integrity Tag (RFC 9001 §5.8) without copying the
 * pseudo-packet together. */
int cx_aead_auth_tag(cx_aead *k, const uint8_t *aad1, size_t len1, const uint8_t *aad2,
                     size_t len2, uint8_t tag[CX_AEAD_TAG_LEN]);

#endif
