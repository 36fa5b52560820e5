/* Secret wiping over libcrypto (OPENSSL_cleanse). */
#include "crypto/cx_wipe.h"

#include <openssl/crypto.h>

void cx_wipe(void *p, size_t n)
{
    if (p && n)
        OPENSSL_cleanse(p, n);
}
