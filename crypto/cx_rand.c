/* Default random source: libcrypto's DRBG (OPENSSL3-NOTES, Randomness). */
#include "crypto/cx_rand.h"
#include "crypto/cx_hash.h"

#include <limits.h>
#include <openssl/rand.h>

int cx_rand_default(void *ud, uint8_t *out, size_t n)
{
    (void)ud;
    while (n > 0) {
        int chunk = n > INT_MAX ? INT_MAX : (int)n;
        if (RAND_bytes(out, chunk) != 1)
            return CX_ERR_LIBCRYPTO;
        out += chunk;
        n -= (size_t)chunk;
    }
    return CX_OK;
}
