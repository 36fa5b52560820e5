/*
 * Header protection masks (RFC 9001 §5.4): AES-ECB of the 16-byte sample for the
 * AES suites (§5.4.3), ChaCha20 of five zero bytes with the sample as counter and
 * nonce for ChaCha20-Poly1305 (§5.4.4). The libcrypto context is made once per
 * key; a mask only runs the cipher. Header protection is real in fuzz builds too
 * (it is cheap and has no check a fuzzer must pass).
 */
#ifndef CX_HP_H
#define CX_HP_H

#include <stddef.h>
#include <stdint.h>

#include "base/qb.h"
#include "crypto/cx_aead.h"

#define CX_HP_SAMPLE_LEN 16
#define CX_HP_MASK_LEN 5

typedef struct cx_hp cx_hp;

/* A header protection key for the suite of id; key has cx_aead_key_len(id) bytes. */
int cx_hp_new(cx_hp **out, const qb_alloc *a, cx_aead_id id, const uint8_t *key);
void cx_hp_free(cx_hp *hp);
/* Another key of the same suite in the same libcrypto context (no allocation). */
int cx_hp_rekey(cx_hp *hp, const uint8_t *key);
/* mask = the first 5 bytes of the cipher output for sample (16 bytes). */
int cx_hp_mask(cx_hp *hp, const uint8_t *sample, uint8_t mask[CX_HP_MASK_LEN]);

#endif
