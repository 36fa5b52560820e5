/* Certificate generation over libcrypto (OPENSSL3-NOTES, Certificates). */
#include "crypto/cx_certgen.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

static EVP_PKEY *make_key(cx_keytype t)
{
    switch (t) {
    case CX_KEY_EC_P256: return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    case CX_KEY_EC_P384: return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    case CX_KEY_RSA2048: return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    case CX_KEY_ED25519: return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    }
    return NULL;
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    int ok = e && X509_add_ext(x, e, -1) == 1;
    X509_EXTENSION_free(e);
    return ok;
}

static int is_ip(const char *h)
{
    ASN1_OCTET_STRING *ip = a2i_IPADDRESS(h);
    ASN1_OCTET_STRING_free(ip);
    ERR_clear_error();
    return ip != NULL;
}

static char *bio_take(BIO *b, const qb_alloc *a, size_t *len)
{
    char *data;
    long n = BIO_get_mem_data(b, &data);
    char *out = n >= 0 ? qb_malloc(a, (size_t)n + 1) : NULL;
    if (!out)
        return NULL;
    memcpy(out, data, (size_t)n);
    out[n] = 0;
    *len = (size_t)n;
    return out;
}

static EVP_PKEY *read_key(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return k;
}

static X509 *read_cert(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return x;
}

int cx_certgen(const cx_certgen_opts *o, const qb_alloc *a, char **cert_pem,
               size_t *cert_len, char **key_pem, size_t *key_len)
{
    int rc = CX_CERTGEN_ERR;
    EVP_PKEY *key = make_key(o->key_type), *ikey = NULL;
    X509 *x = X509_new(), *issuer = NULL;
    BIO *cb = BIO_new(BIO_s_mem()), *kb = BIO_new(BIO_s_mem());
    BIGNUM *serial = BN_new();
    char san[512];
    const char *cn = o->common_name ? o->common_name : (o->host ? o->host : "localhost");
    int days = o->days ? o->days : 14;
    *cert_pem = *key_pem = NULL;

    if ((o->issuer_cert_pem != NULL) != (o->issuer_key_pem != NULL))
        rc = CX_CERTGEN_ERR_ARG;
    if (rc == CX_CERTGEN_ERR_ARG || !key || !x || !cb || !kb || !serial)
        goto out;
    if (o->issuer_cert_pem && (!(issuer = read_cert(o->issuer_cert_pem)) ||
                               !(ikey = read_key(o->issuer_key_pem))))
        goto out;
    /* RFC 5280 §4.1.2.2: a positive serial of up to 20 bytes; 16 random ones. */
    if (BN_rand(serial, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
        !BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)))
        goto out;
    time_t base = (time_t)(o->now + o->not_before_offset);
    if (X509_set_version(x, 2) != 1 ||
        !X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &base) ||
        !X509_time_adj_ex(X509_getm_notAfter(x), days, 0, &base))
        goto out;
    X509_NAME *name = X509_get_subject_name(x);
    if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0) != 1 ||
        X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) != 1 ||
        X509_set_pubkey(x, key) != 1)
        goto out;
    int n;
    if (o->san) /* the caller's list instead */
        n = snprintf(san, sizeof san, "%s", o->san);
    else if (o->host && strcmp(o->host, "localhost") != 0)
        n = snprintf(san, sizeof san, "DNS:localhost,IP:127.0.0.1,IP:::1,%s:%s",
                     is_ip(o->host) ? "IP" : "DNS", o->host);
    else
        n = snprintf(san, sizeof san, "DNS:localhost,IP:127.0.0.1,IP:::1");
    if (n < 0 || (size_t)n >= sizeof san) {
        rc = CX_CERTGEN_ERR_ARG;
        goto out;
    }
    const char *ku = o->key_usage ? o->key_usage
                                  : (o->is_ca ? "critical,keyCertSign,cRLSign,digitalSignature"
                                              : "critical,digitalSignature");
    if ((*san && !add_ext(x, issuer ? issuer : x, NID_subject_alt_name, san)) ||
        !add_ext(x, issuer ? issuer : x, NID_basic_constraints, o->is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE") ||
        (*ku && !add_ext(x, issuer ? issuer : x, NID_key_usage, ku)) ||
        !add_ext(x, issuer ? issuer : x, NID_subject_key_identifier, "hash") ||
        (issuer && !add_ext(x, issuer, NID_authority_key_identifier, "keyid:always")) ||
        (!o->is_ca && !add_ext(x, issuer ? issuer : x, NID_ext_key_usage,
                               o->client ? "clientAuth" : "serverAuth")))
        goto out;
    EVP_PKEY *signer = ikey ? ikey : key;
    /* Ed25519 signs without a separate digest. */
    const EVP_MD *md = EVP_PKEY_is_a(signer, "ED25519") ? NULL : EVP_sha256();
    if (X509_sign(x, signer, md) <= 0)
        goto out;
    if (PEM_write_bio_X509(cb, x) != 1 ||
        PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL) != 1)
        goto out;
    if (!(*cert_pem = bio_take(cb, a, cert_len)) || !(*key_pem = bio_take(kb, a, key_len))) {
        qb_free(a, *cert_pem);
        *cert_pem = NULL;
        goto out;
    }
    rc = 0;
out:
    ERR_clear_error();
    BN_free(serial);
    BIO_free(cb);
    BIO_free(kb);
    X509_free(x);
    X509_free(issuer);
    EVP_PKEY_free(key);
    EVP_PKEY_free(ikey);
    return rc;
}
