/* Process-wide libcrypto choices (cx_lib.h). */
#include "crypto/cx_lib.h"

#include "crypto/cx_hash.h"

#include <openssl/crypto.h>

int cx_lib_init_lean(void)
{
    /* A no-op for the strings when they are loaded already: libcrypto runs
     * either variant of that step once. */
    return OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS, NULL) == 1 ? CX_OK
                                                                              : CX_ERR_LIBCRYPTO;
}
