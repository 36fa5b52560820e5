/*
 * Certificate generation for `quince gencert` and for tests: a self-signed
 * (or CA-signed) certificate with subjectAltName DNS:localhost, IP:127.0.0.1,
 * IP:::1 plus one given host, valid for 14 days by default, PEM out.
 */
#ifndef CX_CERTGEN_H
#define CX_CERTGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/qb.h"
#include "crypto/cx_err.h" /* CX_CERTGEN_ERR* */

typedef enum cx_keytype {
    CX_KEY_EC_P256 = 0, /* the default */
    CX_KEY_EC_P384,
    CX_KEY_RSA2048,
    CX_KEY_ED25519,
} cx_keytype;

typedef struct cx_certgen_opts {
    cx_keytype key_type;
    const char *host;        /* extra SAN: DNS name or IP literal; NULL = none */
    const char *common_name; /* NULL = host or "localhost" */
    int64_t now;             /* seconds since 1970 (the caller owns the clock) */
    int64_t not_before_offset; /* seconds added to now for notBefore (may be < 0) */
    int days;                /* validity from notBefore; 0 = 14 */
    bool is_ca;              /* basicConstraints CA:TRUE, keyCertSign */
    bool client;             /* EKU clientAuth (for client authentication) */
    /* Overrides for tests of odd certificates, in OpenSSL's extension config
     * syntax: san ("DNS:a.example,IP:192.0.2.1") replaces the whole
     * subjectAltName list, key_usage ("critical,keyEncipherment") the
     * keyUsage; NULL = the defaults above, "" = no such extension. */
    const char *san;
    const char *key_usage;
    /* Issuer (PEM); both NULL = self-signed. */
    const char *issuer_cert_pem;
    const char *issuer_key_pem;
} cx_certgen_opts;

/* Makes a key and a certificate; *cert_pem and *key_pem are NUL-terminated,
 * allocated with a (free with qb_free). */
int cx_certgen(const cx_certgen_opts *o, const qb_alloc *a, char **cert_pem,
               size_t *cert_len, char **key_pem, size_t *key_len);

#endif
