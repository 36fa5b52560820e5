/* The QUINCE_MINIMAL profile (cmake/quince_minimal.cmake) holds what it says:
 * AES-128-GCM, X25519 and P-256 only, and a client TLS connection can be made
 * with the default lists. Built and run by `make size`
 * (tools/size.sh) on x86-64 and, under qemu-user, on armhf.
 * Prints "check_minimal: N passed, M failed"; exits 1 on a failure. */
#include "crypto/cx_aead.h"
#include "crypto/cx_kex.h"
#include "crypto/tls.h"
#include "crypto/tls_keysched.h"

#include <stdio.h>
#include <string.h>

static int passed, failed;

static void check(int ok, const char *what)
{
    if (ok) {
        passed++;
    } else {
        failed++;
        fprintf(stderr, "check_minimal: FAILED: %s\n", what);
    }
}

int main(void)
{
    cx_hash_id h;
    check(tls_suite_hash(TLS_AES_128_GCM_SHA256, &h) == 0, "TLS_AES_128_GCM_SHA256 known");
    check(tls_suite_hash(TLS_AES_256_GCM_SHA384, &h) != 0, "TLS_AES_256_GCM_SHA384 unknown");
    check(tls_suite_hash(TLS_CHACHA20_POLY1305_SHA256, &h) != 0, "ChaCha20-Poly1305 unknown");
    check(cx_kex_supported(CX_GROUP_X25519), "X25519 supported");
    check(cx_kex_supported(CX_GROUP_SECP256R1), "secp256r1 supported");
    check(!cx_kex_supported(CX_GROUP_SECP384R1), "secp384r1 not supported");

    uint8_t key[32] = {1}, iv[CX_AEAD_IV_LEN] = {2};
    cx_aead *k = NULL;
    check(cx_aead_new(&k, NULL, CX_AES_128_GCM, key, iv) == 0, "AES-128-GCM key made");
    cx_aead_free(k);
    k = NULL;
    check(cx_aead_new(&k, NULL, CX_CHACHA20_POLY1305, key, iv) != 0, "no ChaCha20-Poly1305 key");
    cx_aead_free(k);
    k = NULL;
    check(cx_aead_new(&k, NULL, CX_AES_256_GCM, key, iv) != 0, "no AES-256-GCM key");
    cx_aead_free(k);

    /* A client with the default suites and groups: only the profile's. */
    tls_config cfg;
    tls_config_init(&cfg, TLS_ROLE_CLIENT);
    cfg.alpn[0] = "h3";
    cfg.alpn_count = 1;
    cfg.server_name = "localhost";
    cfg.insecure_skip_verify = true;
    tls_conn *c = tls_conn_new(&cfg, (const uint8_t *)"", 0);
    check(c != NULL, "client TLS connection with the default lists");
    tls_conn_free(c);
    cfg.groups[0] = CX_GROUP_SECP384R1;
    cfg.group_count = 1;
    c = tls_conn_new(&cfg, (const uint8_t *)"", 0);
    check(c == NULL, "a client configured for secp384r1 is refused");
    tls_conn_free(c);

    printf("check_minimal: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
