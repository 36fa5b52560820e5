/* What the connection fuzz targets share: the TLS configurations (one
 * certificate made once, with a fixed date and a fixed verification time so
 * runs replay in any year), deterministic randomness, the paths, and
 * libcrypto's allocations kept out of ASan (fuzz_ossl_alloc.h). Static
 * functions: each target is its own program. */
#ifndef FUZZ_CONN_COMMON_H
#define FUZZ_CONN_COMMON_H

#include "fuzz_ossl_alloc.h"
#include "crypto/cx_certgen.h"
#include "crypto/cx_x509.h"
#include "crypto/tls.h"
#include "quic/quic.h"

#include <stdlib.h>
#include <string.h>

static tls_config g_stls, g_ctls;
static cx_x509_chain *g_chain;
static cx_x509_trust *g_trust;

static int det_random(void *ud, uint8_t *out, size_t n)
{
    uint32_t *s = ud;
    for (size_t i = 0; i < n; i++) {
        *s = *s * 1103515245u + 12345u;
        out[i] = (uint8_t)(*s >> 16);
    }
    return 0;
}

static void path_set(quic_path *p, const char *l, const char *r)
{
    memset(p, 0, sizeof *p);
    p->local_len = p->remote_len = 4;
    memcpy(p->local, l, 4);
    memcpy(p->remote, r, 4);
}

#define FUZZ_CERT_FROM 1767225600 /* 2026-01-01 */

/* g_stls / g_ctls: ALPN h3, a self-signed P-256 certificate for localhost.
 * First call of every target's LLVMFuzzerInitialize. */
static void fuzz_conn_tls_setup(void)
{
    char *cert, *key;
    size_t cl, kl;
    cx_certgen_opts o = {.key_type = CX_KEY_EC_P256, .host = "localhost",
                         .now = FUZZ_CERT_FROM, .days = 3650};
    fuzz_ossl_alloc_install();
    if (cx_certgen(&o, NULL, &cert, &cl, &key, &kl) != 0 ||
        cx_x509_chain_from_pem(cert, cl, key, kl, NULL, &g_chain) != 0 ||
        cx_x509_trust_from_pem(cert, cl, &g_trust) != 0)
        abort();
    qb_free(NULL, cert);
    qb_free(NULL, key);
    tls_config_init(&g_stls, TLS_ROLE_SERVER);
    tls_config_init(&g_ctls, TLS_ROLE_CLIENT);
    g_stls.alpn[0] = g_ctls.alpn[0] = "h3";
    g_stls.alpn_count = g_ctls.alpn_count = 1;
    g_stls.chain = g_chain;
    g_ctls.trust = g_trust;
    g_ctls.server_name = "localhost";
    /* Verified at a fixed time inside the validity (a day after notBefore),
     * not by the wall clock: the harness keeps working after 2035. */
    g_ctls.verify_time = g_stls.verify_time = FUZZ_CERT_FROM + 86400;
}

#endif
