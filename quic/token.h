/*
 * Retry tokens (RFC 9000 §8.1.2, §8.1.4): the server seals the client's
 * address, the original DCID, the Retry's SCID and the time into an opaque
 * token with AES-128-GCM, so it keeps no state per Retry and a client cannot
 * forge or alter a token.
 *   token = 'q' | key id (1) | nonce (12)
 *           | AEAD(time (8) | odcid_len | odcid | rscid_len | rscid) | tag
 * with everything before the ciphertext and the client's address as
 * associated data.
 *
 * Nonces never repeat under one key: each token key has a 96-bit base IV and
 * a counter, and a token's nonce is the IV XOR the counter (the TLS 1.3 /
 * RFC 9001 §5.3 construction), so uniqueness does not rest on the RNG. The key
 * rotates (every rotate_us, and long before its counter could wrap): the
 * previous key is kept so a token made just before a rotation still
 * validates, and one made two rotations ago does not. Each key comes from the
 * static key and fresh random bytes, so no two keys are alike, even across
 * restarts that keep the static key.
 */
#ifndef QUIC_TOKEN_H
#define QUIC_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/qb.h"
#include "crypto/cx_aead.h"
#include "crypto/cx_rand.h"
#include "quic/cid.h"
#include "quic/quic_err.h"

#define QUIC_TOKEN_MAX 128
#define QUIC_TOKEN_ROTATE_US (10 * 1000000ull) /* default key lifetime */

/* Error codes: the QUIC_TOKEN_ERR_* of quic/quic_err.h. */

/* One generation of the token key. */
typedef struct quic_token_key {
    cx_aead *aead;   /* NULL: no key in this slot */
    uint8_t iv[CX_AEAD_IV_LEN];
    uint8_t id;      /* generation number, low byte: names the key in a token */
    uint64_t count;  /* tokens sealed: the next counter */
    uint64_t since;  /* when it became current */
} quic_token_key;

typedef struct quic_token_ctx {
    const qb_alloc *alloc;
    uint8_t static_key[32];
    quic_token_key cur, prev;
    uint64_t generation;
    /* Key lifetime; at least the longest token age the caller accepts, so a
     * token stays good for all of it. quic_token_ctx_init sets
     * QUIC_TOKEN_ROTATE_US. */
    uint64_t rotate_us;
    /* Tokens per key before it rotates early (AES-GCM is good for far more;
     * a test may lower it). */
    uint64_t max_per_key;
    cx_rand_fn random;
    void *random_ud;
} quic_token_ctx;

int quic_token_ctx_init(quic_token_ctx *t, const qb_alloc *a, const uint8_t static_key[32],
                        cx_rand_fn random, void *random_ud);
void quic_token_ctx_free(quic_token_ctx *t);
/* Makes a new current key now; the current one becomes the previous, and the
 * previous is dropped (its tokens no longer validate). Done by quic_token_make
 * when the key is due; callable to rotate early. */
int quic_token_rotate(quic_token_ctx *t, uint64_t now);

/* Writes a token into out (QUIC_TOKEN_MAX bytes); returns its length or < 0.
 * addr is the client's address as bytes; now in microseconds. */
int quic_token_make(quic_token_ctx *t, const uint8_t *addr, size_t addr_len,
                    const quic_cid *odcid, const quic_cid *retry_scid, uint64_t now,
                    uint8_t out[QUIC_TOKEN_MAX]);
/* NEW_TOKEN tokens (RFC 9000 §8.1.3, §19.7), for a later connection: 'n' in
 * place of 'q', the time as the only plaintext, bound to addr (the client's
 * IP address: its port changes between connections). A context of their own,
 * whose rotate_us is their lifetime (hours, where Retry tokens live seconds). */
int quic_token_new_make(quic_token_ctx *t, const uint8_t *addr, size_t addr_len, uint64_t now,
                        uint8_t out[QUIC_TOKEN_MAX]);
/* 0, QUIC_TOKEN_ERR_INVALID (not ours, another address, a Retry token) or
 * QUIC_TOKEN_ERR_EXPIRED (older than max_age). */
int quic_token_new_check(quic_token_ctx *t, const uint8_t *token, size_t len,
                         const uint8_t *addr, size_t addr_len, uint64_t now, uint64_t max_age);
/* Checks a token from a client Initial; on success fills odcid and retry_scid. */
int quic_token_check(quic_token_ctx *t, const uint8_t *token, size_t len, const uint8_t *addr,
                     size_t addr_len, uint64_t now, uint64_t max_age, quic_cid *odcid,
                     quic_cid *retry_scid);

#endif
