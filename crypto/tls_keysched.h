/*
 * TLS 1.3 key schedule (RFC 8446 §7.1) without PSK, the Finished computation
 * (§4.4.4), the CertificateVerify signed content (§4.4.3), and the running
 * transcript hash (§4.4.1) including the HelloRetryRequest message_hash rule.
 */
#ifndef TLS_KEYSCHED_H
#define TLS_KEYSCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/qb_vec.h"
#include "crypto/cx_hash.h"

#define TLS_HASH_MAX 48

typedef struct tls_keysched {
    cx_hash_id hash;
    size_t hlen;
    uint8_t hs_secret[TLS_HASH_MAX];
    uint8_t early[TLS_HASH_MAX]; /* Early Secret: kept for 0-RTT ("c e traffic", §7.1) */
    uint8_t master[TLS_HASH_MAX];
    uint8_t c_hs[TLS_HASH_MAX], s_hs[TLS_HASH_MAX];
    uint8_t c_ap[TLS_HASH_MAX], s_ap[TLS_HASH_MAX];
    uint8_t exporter[TLS_HASH_MAX];
    uint8_t resumption[TLS_HASH_MAX];
} tls_keysched;

/* The hash of a cipher suite (0 or -1 when unknown). */
int tls_suite_hash(uint16_t suite, cx_hash_id *h);

int tls_ks_init(tls_keysched *ks, cx_hash_id h);
/* The same with a PSK (resumption, RFC 8446 §7.1: Early Secret = HKDF-Extract(0, PSK)). */
int tls_ks_init_psk(tls_keysched *ks, cx_hash_id h, const uint8_t *psk, size_t len);
/* From the (EC)DHE shared secret and Hash(ClientHello..ServerHello). */
int tls_ks_handshake(tls_keysched *ks, const uint8_t *ecdhe, size_t len, const uint8_t *th_sh);
/* From Hash(ClientHello..server Finished). */
int tls_ks_application(tls_keysched *ks, const uint8_t *th_sfin);
/* From Hash(ClientHello..client Finished). */
int tls_ks_resumption(tls_keysched *ks, const uint8_t *th_cfin);
/* verify_data = HMAC(finished_key(base), th) (§4.4.4); out gets hlen bytes. */
int tls_ks_finished(const tls_keysched *ks, const uint8_t *base, const uint8_t *th, uint8_t *out);
/* Once both Finished are done and the secrets handed out: wipes every secret
 * but the exporter and resumption master secrets, which are all a
 * connection needs afterwards (RFC 9001 §6: QUIC key updates do not come back
 * to TLS). */
void tls_ks_forget_traffic(tls_keysched *ks);
void tls_ks_wipe(tls_keysched *ks);

/* §4.4.3: 64 spaces, context string, 0, th. Returns the length written to out
 * (at most 64 + 34 + 1 + TLS_HASH_MAX). */
#define TLS_CV_CONTENT_MAX (64 + 34 + 1 + TLS_HASH_MAX)
size_t tls_cv_content(bool server, const uint8_t *th, size_t hlen, uint8_t *out);

/* Transcript: messages are kept in a buffer until the hash is known (the
 * client learns it from the ServerHello), then hashed incrementally. */
typedef struct tls_transcript {
    cx_hash_ctx *ctx;
    cx_hash_id hash;
    qb_vec pending; /* messages before the hash is known; freed once it is */
} tls_transcript;

void tls_transcript_init(tls_transcript *t, const void *alloc);
int tls_transcript_add(tls_transcript *t, const uint8_t *msg, size_t len);
/* Fixes the hash and hashes what was kept. */
int tls_transcript_set_hash(tls_transcript *t, cx_hash_id h);
/* RFC 8446 §4.4.1: replaces the transcript so far (ClientHello1) with
 * message_hash(254) || 00 00 Hash.length || Hash(ClientHello1). */
int tls_transcript_hrr_reset(tls_transcript *t);
int tls_transcript_hash(const tls_transcript *t, uint8_t *out);
void tls_transcript_free(tls_transcript *t);

#endif
