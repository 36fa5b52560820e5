/*
 * Retry tokens (RFC 9000 §8.1.2, §8.1.4): the server seals the client's
 * address, the original DCID, the Retry's SCID and the time into an opaque
 * token with AES-128-GCM under a key derived from its static key, so it keeps
 * no state per Retry and a client cannot forge or alter a token.
 *   token = 'q' | nonce (12) | AEAD(time (8) | odcid_len | odcid | rscid_len | rscid) | tag
 * with the client's address as associated data.
 */
#ifndef QUIC_TOKEN_H
#define QUIC_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "base/qb.h"
#include "crypto/cx_aead.h"
#include "crypto/cx_rand.h"
#include "quic/cid.h"

#define QUIC_TOKEN_MAX 128

/* Error codes -1440 .. -1449. */
enum {
    QUIC_TOKEN_ERR_INVALID = -1440, /* not ours, altered, or another address: INVALID_TOKEN */
    QUIC_TOKEN_ERR_EXPIRED = -1441, /* older than the allowed age */
    QUIC_TOKEN_ERR_CRYPTO = -1442,
};

typedef struct quic_token_ctx {
    cx_aead *aead; /* created once per endpoint: no context per token */
    cx_rand_fn random;
    void *random_ud;
} quic_token_ctx;

int quic_token_ctx_init(quic_token_ctx *t, const qb_alloc *a, const uint8_t static_key[32],
                        cx_rand_fn random, void *random_ud);
void quic_token_ctx_free(quic_token_ctx *t);

/* Writes a token into out (QUIC_TOKEN_MAX bytes); returns its length or < 0.
 * addr is the client's address as bytes; now in microseconds. */
int quic_token_make(quic_token_ctx *t, const uint8_t *addr, size_t addr_len,
                    const quic_cid *odcid, const quic_cid *retry_scid, uint64_t now,
                    uint8_t out[QUIC_TOKEN_MAX]);
/* Checks a token from a client Initial; on success fills odcid and retry_scid. */
int quic_token_check(quic_token_ctx *t, const uint8_t *token, size_t len, const uint8_t *addr,
                     size_t addr_len, uint64_t now, uint64_t max_age, quic_cid *odcid,
                     quic_cid *retry_scid);

#endif
