/*
 * Hashes, HMAC and HKDF (RFC 5869) with the TLS 1.3 HKDF-Expand-Label layout
 * (RFC 8446 §7.1). Thin wrappers over libcrypto; the algorithms are fetched once
 * per process (OpenSSL 3 fetches are expensive) and then only read. Hashes,
 * HMAC, HKDF and transcript peeks run on hash state in the caller's memory and
 * allocate nothing (only cx_hash_ctx_new does, once).
 */
#ifndef CX_HASH_H
#define CX_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/cx_err.h" /* the wrappers' one enum of codes */

typedef enum cx_hash_id { CX_SHA256 = 0, CX_SHA384 = 1, CX_SHA512 = 2 } cx_hash_id;

#define CX_HASH_MAX 64 /* bytes of the longest digest */

size_t cx_hash_len(cx_hash_id h);
/* The fetched EVP_MD for h (an opaque pointer so this header needs no OpenSSL). */
const void *cx_hash_md(cx_hash_id h);

int cx_hash(cx_hash_id h, const uint8_t *data, size_t len, uint8_t *out);
int cx_hmac(cx_hash_id h, const uint8_t *key, size_t key_len, const uint8_t *data,
            size_t len, uint8_t *out);

/* RFC 5869 §2.2; prk gets cx_hash_len(h) bytes. A NULL salt means zeros. */
int cx_hkdf_extract(cx_hash_id h, const uint8_t *salt, size_t salt_len,
                    const uint8_t *ikm, size_t ikm_len, uint8_t *prk);
/* RFC 5869 §2.3; out_len at most 255 * hash length. */
int cx_hkdf_expand(cx_hash_id h, const uint8_t *prk, size_t prk_len,
                   const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len);
/* RFC 8446 §7.1: HkdfLabel = length(2) | "tls13 " + label (1-byte length) |
 * context (1-byte length). label is a C string without the "tls13 " prefix. */
int cx_hkdf_expand_label(cx_hash_id h, const uint8_t *secret, size_t secret_len,
                         const char *label, const uint8_t *ctx, size_t ctx_len,
                         uint8_t *out, size_t out_len);

/* Incremental hash for the TLS transcript: copyable so an intermediate
 * digest can be taken without disturbing the running one. */
typedef struct cx_hash_ctx cx_hash_ctx;
cx_hash_ctx *cx_hash_ctx_new(cx_hash_id h);
void cx_hash_ctx_free(cx_hash_ctx *c);
int cx_hash_ctx_update(cx_hash_ctx *c, const uint8_t *data, size_t len);
/* Digest of everything so far; the context keeps running. */
int cx_hash_ctx_peek(const cx_hash_ctx *c, uint8_t *out);
/* Digest of everything so far followed by extra, which is not added to c
 * (the PSK binder hashes a truncated ClientHello, RFC 8446 §4.2.11.2). */
int cx_hash_ctx_peek_with(const cx_hash_ctx *c, const uint8_t *extra, size_t len, uint8_t *out);

#endif
