/*
 * (EC)DHE key exchange for TLS 1.3 (RFC 8446 §4.2.8, §7.4): x25519,
 * secp256r1 and secp384r1. The private key is made from caller-supplied random bytes so the
 * handshake's random hook decides it (tests fix ephemeral keys that way).
 */
#ifndef CX_KEX_H
#define CX_KEX_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/cx_err.h" /* CX_KEX_ERR_* */

/* RFC 8446 §4.2.7 NamedGroup values. */
enum {
    CX_GROUP_SECP256R1 = 0x0017,
    CX_GROUP_SECP384R1 = 0x0018,
    CX_GROUP_X25519 = 0x001d,
};


#define CX_KEX_PRIV_MAX 48   /* most random bytes a private key is made from */
#define CX_KEX_SHARE_MAX 97  /* longest key share: uncompressed P-384 point */
#define CX_KEX_SECRET_MAX 48 /* longest shared secret (P-384) */

/* An ephemeral key pair (an EVP_PKEY, opaque here). */
typedef struct cx_kex cx_kex;

int cx_kex_supported(uint16_t group);
/* Bytes of the key share of group: 32 (x25519), 65 (secp256r1), 97
 * (secp384r1), 0 if unknown. */
size_t cx_kex_share_len(uint16_t group);
/* Random bytes a private key of group is made from: 32, or 48 for
 * secp384r1; 0 if unknown. */
size_t cx_kex_priv_len(uint16_t group);

/* Makes the key pair whose private key is priv (cx_kex_priv_len(group)
 * bytes, big-endian scalar for the NIST curves). For secp256r1 and
 * secp384r1 a priv that is 0 or >= n fails with CX_KEX_ERR_PRIV. */
int cx_kex_new(uint16_t group, const uint8_t *priv, cx_kex **out);
/* Loads a private key from PEM text (test vectors). */
int cx_kex_from_pem(const char *pem, size_t len, cx_kex **out);
void cx_kex_free(cx_kex *k);
uint16_t cx_kex_group(const cx_kex *k);

/* The key share to send (RFC 8446 §4.2.8.2): raw x25519 key or 0x04||X||Y. */
int cx_kex_public(const cx_kex *k, uint8_t *out, size_t cap, size_t *len);
/* Shared secret with the peer's share; the peer's point is validated. On
 * failure nothing of a secret is left in the output buffer. */
int cx_kex_derive(const cx_kex *k, const uint8_t *peer, size_t peer_len,
                  uint8_t *secret, size_t cap, size_t *secret_len);

#endif
