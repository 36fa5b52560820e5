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

/** RAND_bytes from libcrypto (ud unused). Draws of up to 64 bytes come from
 * a per-thread pool of 512 bytes that one RAND_bytes call refills (a
 * handshake's 8-9 small draws cost one call instead of nine); a byte is
 * served once and wiped from the pool, and a child process after fork()
 * starts with an empty pool. */
int cx_rand_default(void *ud, uint8_t *out, size_t n);
/** RAND_bytes calls made by cx_rand_default on this thread so far (for tests). */
size_t cx_rand_refills(void);

#ifdef __cplusplus
}
#endif

#endif
