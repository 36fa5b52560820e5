/* x25519, secp256r1 and secp384r1 ECDHE over libcrypto (RFC 8446 §7.4, OPENSSL3-NOTES). */
#include "crypto/cx_kex.h"
#include "crypto/cx_hash.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <string.h>

struct cx_kex; /* really EVP_PKEY */

static EVP_PKEY *pk(const cx_kex *k) { return (EVP_PKEY *)(void *)k; }

/* The NIST curves: libcrypto's name, NID and scalar size. */
typedef struct ec_curve {
    uint16_t group;
    const char *name;
    int nid;
    size_t len; /* scalar and coordinate bytes */
} ec_curve;

static const ec_curve EC_CURVES[] = {
    {CX_GROUP_SECP256R1, "prime256v1", NID_X9_62_prime256v1, 32},
#ifndef QUINCE_MINIMAL /* the size profile: X25519 and P-256 only */
    {CX_GROUP_SECP384R1, "secp384r1", NID_secp384r1, 48},
#endif
};

static const ec_curve *ec_curve_of(uint16_t group)
{
    for (size_t i = 0; i < sizeof EC_CURVES / sizeof EC_CURVES[0]; i++)
        if (EC_CURVES[i].group == group)
            return &EC_CURVES[i];
    return NULL;
}

int cx_kex_supported(uint16_t group)
{
    return group == CX_GROUP_X25519 || ec_curve_of(group) != NULL;
}

size_t cx_kex_share_len(uint16_t group)
{
    const ec_curve *e = ec_curve_of(group);
    if (group == CX_GROUP_X25519)
        return 32;
    return e ? 1 + 2 * e->len : 0; /* RFC 8446 §4.2.8.2: 0x04 || X || Y */
}

size_t cx_kex_priv_len(uint16_t group)
{
    const ec_curve *e = ec_curve_of(group);
    if (group == CX_GROUP_X25519)
        return 32;
    return e ? e->len : 0;
}

/* An EC key from a scalar: the public point is computed here because
 * EVP_PKEY_fromdata does not derive it. The scalar lives in a BIGNUM flagged
 * secure, so the parameter block that carries it is cleansed when freed. */
static int ec_new(const ec_curve *e, const uint8_t *priv, EVP_PKEY **out)
{
    int rc = CX_ERR_LIBCRYPTO;
    EC_GROUP *g = EC_GROUP_new_by_curve_name(e->nid);
    BIGNUM *d = BN_secure_new();
    EC_POINT *q = g ? EC_POINT_new(g) : NULL;
    BN_CTX *bn = BN_CTX_secure_new();
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    uint8_t pub[CX_KEX_SHARE_MAX];
    size_t publen = 1 + 2 * e->len;

    if (!g || !d || !q || !bn || !b || !BN_bin2bn(priv, (int)e->len, d))
        goto out;
    if (BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(g)) >= 0) {
        rc = CX_KEX_ERR_PRIV;
        goto out;
    }
    if (EC_POINT_mul(g, q, d, NULL, NULL, bn) != 1 ||
        EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, pub, publen, bn) != publen)
        goto out;
    if (OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, e->name, 0) != 1 ||
        OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, d) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pub, publen) != 1)
        goto out;
    params = OSSL_PARAM_BLD_to_param(b);
    ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, out, EVP_PKEY_KEYPAIR, params) != 1)
        goto out;
    rc = CX_OK;
out:
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(b);
    BN_CTX_free(bn);
    EC_POINT_free(q);
    BN_clear_free(d);
    EC_GROUP_free(g);
    return rc;
}

int cx_kex_new(uint16_t group, const uint8_t *priv, cx_kex **out)
{
    EVP_PKEY *k = NULL;
    const ec_curve *e = ec_curve_of(group);
    *out = NULL;
    if (group == CX_GROUP_X25519) {
        k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, 32);
        if (!k)
            return CX_ERR_LIBCRYPTO;
    } else if (e) {
        int rc = ec_new(e, priv, &k);
        if (rc != CX_OK)
            return rc;
    } else {
        return CX_KEX_ERR_GROUP;
    }
    *out = (cx_kex *)(void *)k;
    return CX_OK;
}

int cx_kex_from_pem(const char *pem, size_t len, cx_kex **out)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    *out = NULL;
    if (!k)
        return CX_ERR_LIBCRYPTO;
    if (!cx_kex_group((cx_kex *)(void *)k)) {
        EVP_PKEY_free(k);
        return CX_KEX_ERR_GROUP;
    }
    *out = (cx_kex *)(void *)k;
    return CX_OK;
}

void cx_kex_free(cx_kex *k) { EVP_PKEY_free(pk(k)); }

uint16_t cx_kex_group(const cx_kex *k)
{
    if (EVP_PKEY_is_a(pk(k), "X25519"))
        return CX_GROUP_X25519;
    if (EVP_PKEY_is_a(pk(k), "EC")) {
        char name[32];
        if (EVP_PKEY_get_utf8_string_param(pk(k), OSSL_PKEY_PARAM_GROUP_NAME, name,
                                           sizeof name, NULL) != 1)
            return 0;
        for (size_t i = 0; i < sizeof EC_CURVES / sizeof EC_CURVES[0]; i++)
            if (strcmp(name, EC_CURVES[i].name) == 0)
                return EC_CURVES[i].group;
    }
    return 0;
}

int cx_kex_public(const cx_kex *k, uint8_t *out, size_t cap, size_t *len)
{
    uint16_t g = cx_kex_group(k);
    size_t n = cx_kex_share_len(g);
    if (!n || cap < n)
        return CX_ERR_ARG;
    if (g == CX_GROUP_X25519) {
        size_t l = cap;
        if (EVP_PKEY_get_raw_public_key(pk(k), out, &l) != 1 || l != n)
            return CX_ERR_LIBCRYPTO;
    } else {
        if (EVP_PKEY_get_octet_string_param(pk(k), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
                                            out, cap, len) != 1 || *len != n)
            return CX_ERR_LIBCRYPTO;
    }
    *len = n;
    return CX_OK;
}

static EVP_PKEY *peer_key(uint16_t g, const uint8_t *peer, size_t peer_len)
{
    EVP_PKEY *p = NULL;
    if (peer_len != cx_kex_share_len(g))
        return NULL;
    if (g == CX_GROUP_X25519)
        return EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer, peer_len);
    /* RFC 8446 §4.2.8.2: uncompressed form only, and the point is validated. */
    const ec_curve *e = ec_curve_of(g);
    if (!e || peer[0] != 0x04)
        return NULL;
    OSSL_PARAM params[3];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)e->name, 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)peer, peer_len);
    params[2] = OSSL_PARAM_construct_end();
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &p, EVP_PKEY_PUBLIC_KEY, params) != 1) {
        EVP_PKEY_CTX_free(ctx);
        return NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    ctx = EVP_PKEY_CTX_new_from_pkey(NULL, p, NULL);
    if (!ctx || EVP_PKEY_public_check(ctx) != 1) {
        EVP_PKEY_free(p);
        p = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    return p;
}

int cx_kex_derive(const cx_kex *k, const uint8_t *peer, size_t peer_len,
                  uint8_t *secret, size_t cap, size_t *secret_len)
{
    uint16_t g = cx_kex_group(k);
    EVP_PKEY *p = peer_key(g, peer, peer_len);
    EVP_PKEY_CTX *ctx = NULL;
    int rc = CX_KEX_ERR_PEER;
    size_t n = cap;
    if (!p)
        return rc; /* nothing was written to secret */
    rc = CX_ERR_LIBCRYPTO;
    ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk(k), NULL);
    if (!ctx || EVP_PKEY_derive_init(ctx) != 1)
        goto out;
    if (EVP_PKEY_derive_set_peer(ctx, p) != 1 || EVP_PKEY_derive(ctx, secret, &n) != 1) {
        rc = CX_KEX_ERR_PEER;
        goto out;
    }
    /* RFC 8446 §7.4.2: an all-zero x25519 result means a small-order point. */
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= secret[i];
    if (acc == 0) {
        rc = CX_KEX_ERR_ZERO;
        goto out;
    }
    *secret_len = n;
    rc = CX_OK;
out:
    if (rc != CX_OK)
        OPENSSL_cleanse(secret, cap);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(p);
    return rc;
}
