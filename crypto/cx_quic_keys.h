/*
 * QUIC key derivation (RFC 9001 §5): Initial secrets from the client's first
 * Destination Connection ID, packet protection key/IV/header protection key from
 * a traffic secret, the next generation secret of a key update (§6), and the
 * Retry Integrity Tag (§5.8). Everything that differs between QUIC versions
 * (salt, labels, Retry key and nonce) lives in one table, with QUIC v1 (RFC 9001)
 * and QUIC v2 (RFC 9369).
 */
#ifndef CX_QUIC_KEYS_H
#define CX_QUIC_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/cx_aead.h"

/* Error codes: crypto/cx_err.h (CX_ERR_QUIC_VERSION). */

#define CX_QUIC_V1 0x00000001u /* RFC 9000 */
#define CX_QUIC_V2 0x6b3343cfu /* RFC 9369 §3.1 */

#define CX_QUIC_INITIAL_SECRET_LEN 32 /* SHA-256 (RFC 9001 §5.2) */
#define CX_QUIC_SECRET_MAX 48          /* SHA-384 suites */
#define CX_QUIC_RETRY_TAG_LEN 16

/* Everything one QUIC version changes from another (RFC 9369 §3): the one
 * table of per-version facts, read by key derivation, Retry and the packet
 * codec (quic/packet_parse.c takes the long header type bits from it). */
typedef struct cx_quic_version {
    uint32_t version;
    /* Long header Type bits of Initial, 0-RTT, Handshake, Retry, in that
     * order (RFC 9000 §17.2 Table 5; RFC 9369 §3.2). */
    uint8_t long_type_bits[4];
    uint8_t initial_salt[20];
    const char *label_key; /* HKDF-Expand-Label labels without "tls13 " */
    const char *label_iv;
    const char *label_hp;
    const char *label_ku;
    uint8_t retry_key[16];  /* AES-128-GCM key and nonce of the Retry tag */
    uint8_t retry_nonce[12];
} cx_quic_version;

/* The table entry of version, NULL when it is not known. */
const cx_quic_version *cx_quic_version_find(uint32_t version);

/* RFC 9001 §5.2: client and server Initial secrets (32 bytes each). */
int cx_quic_initial_secrets(uint32_t version, const uint8_t *dcid, size_t dcid_len,
                            uint8_t client[CX_QUIC_INITIAL_SECRET_LEN],
                            uint8_t server[CX_QUIC_INITIAL_SECRET_LEN]);

/* The raw packet protection material of one direction and one key phase. */
typedef struct cx_quic_keys {
    cx_aead_id aead;
    size_t key_len; /* 16 or 32; also the hp key length */
    uint8_t key[CX_AEAD_KEY_MAX];
    uint8_t iv[CX_AEAD_IV_LEN];
    uint8_t hp[CX_AEAD_KEY_MAX];
} cx_quic_keys;

/* RFC 9001 §5.1: key, iv and hp from a traffic secret of the suite's hash length. */
int cx_quic_keys_derive(uint32_t version, cx_aead_id aead, const uint8_t *secret,
                        size_t secret_len, cx_quic_keys *out);
/* RFC 9001 §5.2: both directions' Initial keys (AES-128-GCM). */
int cx_quic_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len,
                         cx_quic_keys *client, cx_quic_keys *server);
/* RFC 9001 §6.1: next = HKDF-Expand-Label(secret, "quic ku", "", Hash.length);
 * next may alias secret. */
int cx_quic_secret_update(uint32_t version, cx_aead_id aead, const uint8_t *secret,
                          size_t secret_len, uint8_t *next);

/* RFC 9001 §5.8: the tag over the Retry pseudo-packet: ODCID length, ODCID, then
 * the Retry packet without its tag (retry, retry_len). */
int cx_quic_retry_tag(uint32_t version, const uint8_t *odcid, size_t odcid_len,
                      const uint8_t *retry, size_t retry_len,
                      uint8_t tag[CX_QUIC_RETRY_TAG_LEN]);

/* Wipes key material. */
void cx_quic_keys_clear(cx_quic_keys *k);

#endif
