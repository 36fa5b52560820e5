/* CertificateVerify signatures over libcrypto (RFC 8446 §4.2.3, OPENSSL3-NOTES). */
#include "crypto/cx_sig.h"
#include "crypto/cx_hash.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <string.h>

struct cx_pkey; /* really EVP_PKEY */
static EVP_PKEY *pk(const cx_pkey *k) { return (EVP_PKEY *)(void *)k; }

int cx_sig_scheme_known(uint16_t s)
{
    switch (s) {
    case CX_SIG_ECDSA_SECP256R1_SHA256: case CX_SIG_ECDSA_SECP384R1_SHA384:
    case CX_SIG_RSA_PSS_RSAE_SHA256: case CX_SIG_RSA_PSS_RSAE_SHA384:
    case CX_SIG_RSA_PSS_RSAE_SHA512: case CX_SIG_ED25519:
        return 1;
    }
    return 0;
}

static int ec_curve_is(const EVP_PKEY *k, const char *want)
{
    char name[32];
    return EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name,
                                          NULL) == 1 && strcmp(name, want) == 0;
}

int cx_sig_scheme_fits(uint16_t s, const cx_pkey *key)
{
    EVP_PKEY *k = pk(key);
    if (!k)
        return 0;
    switch (s) {
    case CX_SIG_ECDSA_SECP256R1_SHA256:
        return EVP_PKEY_is_a(k, "EC") && ec_curve_is(k, "prime256v1");
    case CX_SIG_ECDSA_SECP384R1_SHA384:
        return EVP_PKEY_is_a(k, "EC") && ec_curve_is(k, "secp384r1");
    case CX_SIG_RSA_PSS_RSAE_SHA256: case CX_SIG_RSA_PSS_RSAE_SHA384:
    case CX_SIG_RSA_PSS_RSAE_SHA512:
        /* rsae: an rsaEncryption key used with PSS (RFC 8446 §4.2.3). */
        return EVP_PKEY_is_a(k, "RSA") && EVP_PKEY_get_bits(k) >= 2048;
    case CX_SIG_ED25519:
        return EVP_PKEY_is_a(k, "ED25519");
    }
    return 0;
}

static const EVP_MD *scheme_md(uint16_t s)
{
    switch (s) {
    case CX_SIG_ECDSA_SECP256R1_SHA256: case CX_SIG_RSA_PSS_RSAE_SHA256:
        return cx_hash_md(CX_SHA256);
    case CX_SIG_ECDSA_SECP384R1_SHA384: case CX_SIG_RSA_PSS_RSAE_SHA384:
        return cx_hash_md(CX_SHA384);
    case CX_SIG_RSA_PSS_RSAE_SHA512:
        return cx_hash_md(CX_SHA512);
    }
    return NULL; /* Ed25519 hashes internally */
}

static int is_pss(uint16_t s) { return (s & 0xff00) == 0x0800 && s != CX_SIG_ED25519; }

static int ctx_init(EVP_MD_CTX *mc, uint16_t s, EVP_PKEY *k, int sign)
{
    EVP_PKEY_CTX *pc = NULL;
    const EVP_MD *md = scheme_md(s);
    int ok = sign ? EVP_DigestSignInit(mc, &pc, md, NULL, k)
                  : EVP_DigestVerifyInit(mc, &pc, md, NULL, k);
    if (ok != 1)
        return 0;
    if (is_pss(s) && (EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) != 1 ||
                      EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST) != 1 ||
                      EVP_PKEY_CTX_set_rsa_mgf1_md(pc, md) != 1))
        return 0;
    return 1;
}

int cx_sig_sign(uint16_t s, const cx_pkey *key, const uint8_t *msg, size_t len,
                uint8_t *sig, size_t cap, size_t *sig_len)
{
    if (!cx_sig_scheme_known(s))
        return CX_SIG_ERR_SCHEME;
    if (!cx_sig_scheme_fits(s, key))
        return CX_SIG_ERR_KEY;
    EVP_MD_CTX *mc = EVP_MD_CTX_new();
    int rc = CX_ERR_LIBCRYPTO;
    size_t n = 0;
    if (!mc || !ctx_init(mc, s, pk(key), 1))
        goto out;
    if (EVP_DigestSign(mc, NULL, &n, msg, len) != 1)
        goto out;
    if (n > cap) {
        rc = CX_SIG_ERR_SPACE;
        goto out;
    }
    n = cap;
    if (EVP_DigestSign(mc, sig, &n, msg, len) != 1)
        goto out;
    *sig_len = n;
    rc = CX_OK;
out:
    EVP_MD_CTX_free(mc);
    return rc;
}

int cx_sig_verify(uint16_t s, const cx_pkey *key, const uint8_t *msg, size_t len,
                  const uint8_t *sig, size_t sig_len)
{
    if (!cx_sig_scheme_known(s))
        return CX_SIG_ERR_SCHEME;
    if (!cx_sig_scheme_fits(s, key))
        return CX_SIG_ERR_KEY;
    EVP_MD_CTX *mc = EVP_MD_CTX_new();
    int rc = CX_ERR_LIBCRYPTO;
    if (!mc || !ctx_init(mc, s, pk(key), 0))
        goto out;
    rc = EVP_DigestVerify(mc, sig, sig_len, msg, len) == 1 ? CX_OK : CX_SIG_ERR_BAD;
out:
    EVP_MD_CTX_free(mc);
    return rc;
}

int cx_pkey_from_pem(const char *pem, size_t len, cx_pkey **out)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    *out = (cx_pkey *)(void *)k;
    return k ? CX_OK : CX_ERR_LIBCRYPTO;
}

int cx_pkey_from_cert_der(const uint8_t *der, size_t len, cx_pkey **out)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    EVP_PKEY *k = NULL;
    if (x && p == der + len)
        k = X509_get_pubkey(x);
    X509_free(x);
    *out = (cx_pkey *)(void *)k;
    return k ? CX_OK : CX_ERR_LIBCRYPTO;
}

void cx_pkey_free(cx_pkey *k) { EVP_PKEY_free(pk(k)); }

cx_pkey *cx_pkey_ref(cx_pkey *k)
{
    if (k)
        EVP_PKEY_up_ref(pk(k));
    return k;
}
