/* Hash, HMAC, HKDF over libcrypto (RFC 5869, RFC 8446 §7.1). */
#include "crypto/cx_hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>

/* Fetched once and never changed: a cache of constant algorithm handles. */
static EVP_MD *g_md[3];
static pthread_once_t g_md_once = PTHREAD_ONCE_INIT;

static void fetch_mds(void)
{
    g_md[CX_SHA256] = EVP_MD_fetch(NULL, "SHA256", NULL);
    g_md[CX_SHA384] = EVP_MD_fetch(NULL, "SHA384", NULL);
    g_md[CX_SHA512] = EVP_MD_fetch(NULL, "SHA512", NULL);
}

const void *cx_hash_md(cx_hash_id h)
{
    if ((unsigned)h > CX_SHA512)
        return NULL;
    pthread_once(&g_md_once, fetch_mds);
    return g_md[h];
}

size_t cx_hash_len(cx_hash_id h)
{
    switch (h) {
    case CX_SHA256: return 32;
    case CX_SHA384: return 48;
    case CX_SHA512: return 64;
    }
    return 0;
}

int cx_hash(cx_hash_id h, const uint8_t *data, size_t len, uint8_t *out)
{
    const EVP_MD *md = cx_hash_md(h);
    unsigned int n = 0;
    if (!md)
        return CX_ERR_ARG;
    if (EVP_Digest(data, len, out, &n, md, NULL) != 1)
        return CX_ERR_LIBCRYPTO;
    return CX_OK;
}

/* HMAC (RFC 2104) over the cached digest: OpenSSL 3's one-shot HMAC() looks
 * the algorithm up on every call, a third of a handshake's instructions. */
int cx_hmac(cx_hash_id h, const uint8_t *key, size_t key_len, const uint8_t *data,
            size_t len, uint8_t *out)
{
    const EVP_MD *md = cx_hash_md(h);
    size_t hl = cx_hash_len(h);
    size_t block = h == CX_SHA256 ? 64 : 128;
    uint8_t k[128], pad[128], inner[CX_HASH_MAX];
    unsigned int n = 0;
    int rc = CX_ERR_LIBCRYPTO;
    EVP_MD_CTX *ctx = NULL;
    if (!md)
        return CX_ERR_ARG;
    memset(k, 0, sizeof k);
    if (key_len > block) {
        if (EVP_Digest(key, key_len, k, &n, md, NULL) != 1)
            goto done;
    } else if (key_len) {
        memcpy(k, key, key_len);
    }
    if (!(ctx = EVP_MD_CTX_new()))
        goto done;
    for (size_t i = 0; i < block; i++)
        pad[i] = k[i] ^ 0x36;
    if (EVP_DigestInit_ex(ctx, md, NULL) != 1 || EVP_DigestUpdate(ctx, pad, block) != 1 ||
        (len && EVP_DigestUpdate(ctx, data, len) != 1) || EVP_DigestFinal_ex(ctx, inner, &n) != 1)
        goto done;
    for (size_t i = 0; i < block; i++)
        pad[i] = k[i] ^ 0x5c;
    if (EVP_DigestInit_ex(ctx, md, NULL) != 1 || EVP_DigestUpdate(ctx, pad, block) != 1 ||
        EVP_DigestUpdate(ctx, inner, hl) != 1 || EVP_DigestFinal_ex(ctx, out, &n) != 1)
        goto done;
    rc = CX_OK;
done:
    /* the key and what was made from it; a memset here may be dropped as a
     * dead store */
    EVP_MD_CTX_free(ctx);
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(pad, sizeof pad);
    OPENSSL_cleanse(inner, sizeof inner);
    return rc;
}

int cx_hkdf_extract(cx_hash_id h, const uint8_t *salt, size_t salt_len,
                    const uint8_t *ikm, size_t ikm_len, uint8_t *prk)
{
    uint8_t zeros[CX_HASH_MAX] = {0};
    if (!salt || salt_len == 0) { /* RFC 5869 §2.2: default salt is HashLen zeros */
        salt = zeros;
        salt_len = cx_hash_len(h);
    }
    return cx_hmac(h, salt, salt_len, ikm, ikm_len, prk);
}

int cx_hkdf_expand(cx_hash_id h, const uint8_t *prk, size_t prk_len,
                   const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
    size_t hl = cx_hash_len(h);
    /* T(i) = HMAC(PRK, T(i-1) | info | i); info here is at most a TLS HkdfLabel. */
    uint8_t block[CX_HASH_MAX + 600];
    uint8_t t[CX_HASH_MAX];
    size_t tlen = 0, done = 0;
    int rc = CX_OK;
    if (hl == 0 || out_len > 255 * hl || info_len > 600 - 1)
        return CX_ERR_ARG;
    for (uint8_t i = 1; done < out_len && rc == CX_OK; i++) {
        size_t n = 0;
        memcpy(block, t, tlen);
        n += tlen;
        if (info_len)
            memcpy(block + n, info, info_len);
        n += info_len;
        block[n++] = i;
        if ((rc = cx_hmac(h, prk, prk_len, block, n, t)) != CX_OK)
            break;
        tlen = hl;
        size_t take = out_len - done < hl ? out_len - done : hl;
        memcpy(out + done, t, take);
        done += take;
    }
    /* T(i) is output keying material: no copy stays behind */
    OPENSSL_cleanse(t, sizeof t);
    OPENSSL_cleanse(block, sizeof block);
    if (rc != CX_OK)
        OPENSSL_cleanse(out, out_len);
    return rc;
}

int cx_hkdf_expand_label(cx_hash_id h, const uint8_t *secret, size_t secret_len,
                         const char *label, const uint8_t *ctx, size_t ctx_len,
                         uint8_t *out, size_t out_len)
{
    /* RFC 8446 §7.1: struct { uint16 length; opaque label<7..255>; opaque context<0..255>; } */
    uint8_t info[2 + 1 + 255 + 1 + 255];
    size_t ll = strlen(label), n = 0;
    if (ll + 6 > 255 || ctx_len > 255 || out_len > 0xffff)
        return CX_ERR_ARG;
    info[n++] = (uint8_t)(out_len >> 8);
    info[n++] = (uint8_t)out_len;
    info[n++] = (uint8_t)(6 + ll);
    memcpy(info + n, "tls13 ", 6);
    n += 6;
    memcpy(info + n, label, ll);
    n += ll;
    info[n++] = (uint8_t)ctx_len;
    if (ctx_len)
        memcpy(info + n, ctx, ctx_len);
    n += ctx_len;
    return cx_hkdf_expand(h, secret, secret_len, info, n, out, out_len);
}

struct cx_hash_ctx {
    EVP_MD_CTX *md;
};

cx_hash_ctx *cx_hash_ctx_new(cx_hash_id h)
{
    const EVP_MD *md = cx_hash_md(h);
    if (!md)
        return NULL;
    cx_hash_ctx *c = OPENSSL_zalloc(sizeof *c);
    if (!c)
        return NULL;
    c->md = EVP_MD_CTX_new();
    if (!c->md || EVP_DigestInit_ex(c->md, md, NULL) != 1) {
        cx_hash_ctx_free(c);
        return NULL;
    }
    return c;
}

void cx_hash_ctx_free(cx_hash_ctx *c)
{
    if (!c)
        return;
    EVP_MD_CTX_free(c->md);
    OPENSSL_free(c);
}

int cx_hash_ctx_update(cx_hash_ctx *c, const uint8_t *data, size_t len)
{
    return EVP_DigestUpdate(c->md, data, len) == 1 ? CX_OK : CX_ERR_LIBCRYPTO;
}

int cx_hash_ctx_peek(const cx_hash_ctx *c, uint8_t *out)
{
    EVP_MD_CTX *tmp = EVP_MD_CTX_new();
    unsigned int n = 0;
    int rc = CX_ERR_LIBCRYPTO;
    if (tmp && EVP_MD_CTX_copy_ex(tmp, c->md) == 1 && EVP_DigestFinal_ex(tmp, out, &n) == 1)
        rc = CX_OK;
    EVP_MD_CTX_free(tmp);
    return rc;
}

int cx_hash_ctx_peek_with(const cx_hash_ctx *c, const uint8_t *extra, size_t len, uint8_t *out)
{
    EVP_MD_CTX *tmp = EVP_MD_CTX_new();
    unsigned int n = 0;
    int rc = CX_ERR_LIBCRYPTO;
    if (tmp && EVP_MD_CTX_copy_ex(tmp, c->md) == 1 &&
        (len == 0 || EVP_DigestUpdate(tmp, extra, len) == 1) &&
        EVP_DigestFinal_ex(tmp, out, &n) == 1)
        rc = CX_OK;
    EVP_MD_CTX_free(tmp);
    return rc;
}
