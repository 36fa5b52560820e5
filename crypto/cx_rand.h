/**
 * Randomness hook: every random byte of quince's TLS engine comes through one
 * function pointer, so a test can make a handshake reproducible (fixed client
 * random, fixed ephemeral keys). The default draws from libcrypto's DRBG.
 * @file
 */
#ifndef CX_RAND_H
#define CX_RAND_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Fills out with n random bytes; returns 0, or a negative code on failure. */
typedef int (*cx_rand_fn)(void *ud, uint8_t *out, size_t n);

/** RAND_bytes from libcrypto (ud unused). */
int cx_rand_default(void *ud, uint8_t *out, size_t n);

#ifdef __cplusplus
}
#endif

#endif
