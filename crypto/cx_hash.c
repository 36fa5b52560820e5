/* Hash, HMAC, HKDF over libcrypto (RFC 5869, RFC 8446 §7.1). */
#include "crypto/cx_hash.h"

/* the SHA*_Init/Update/Final of cx_hmac (see there) */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
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

/* HMAC (RFC 2104) on hash state kept on the stack. Every EVP digest path
 * allocates a context in OpenSSL 3.0 (an EVP_MD_CTX, and the provider's own
 * state inside it), three allocations per HMAC and about 58 HMACs per
 * handshake; SHA256_Init/SHA384_Init/SHA512_Init and their Update/Final keep
 * the state in the caller's struct. They are deprecated in 3.0 but compute
 * the same digests (as crypto/cx_initial.c does for the Initial keys). */
typedef union sha_state {
    SHA256_CTX s256;
    SHA512_CTX s512; /* SHA-384 too */
} sha_state;

static void sha_init(cx_hash_id h, sha_state *c)
{
    if (h == CX_SHA256)
        SHA256_Init(&c->s256);
    else if (h == CX_SHA384)
        SHA384_Init(&c->s512);
    else
        SHA512_Init(&c->s512);
}

static void sha_update(cx_hash_id h, sha_state *c, const uint8_t *d, size_t n)
{
    if (h == CX_SHA256)
        SHA256_Update(&c->s256, d, n);
    else if (h == CX_SHA384)
        SHA384_Update(&c->s512, d, n);
    else
        SHA512_Update(&c->s512, d, n);
}

static void sha_final(cx_hash_id h, sha_state *c, uint8_t *out)
{
    if (h == CX_SHA256)
        SHA256_Final(out, &c->s256);
    else if (h == CX_SHA384)
        SHA384_Final(out, &c->s512);
    else
        SHA512_Final(out, &c->s512);
}

int cx_hmac(cx_hash_id h, const uint8_t *key, size_t key_len, const uint8_t *data,
            size_t len, uint8_t *out)
{
    size_t hl = cx_hash_len(h);
    size_t block = h == CX_SHA256 ? 64 : 128;
    uint8_t k[128], pad[128], inner[CX_HASH_MAX];
    sha_state c;
    if (hl == 0)
        return CX_ERR_ARG;
    memset(k, 0, sizeof k);
    if (key_len > block) { /* RFC 2104 §2: a longer key is hashed first */
        sha_init(h, &c);
        sha_update(h, &c, key, key_len);
        sha_final(h, &c, k);
    } else if (key_len) {
        memcpy(k, key, key_len);
    }
    for (size_t i = 0; i < block; i++)
        pad[i] = k[i] ^ 0x36;
    sha_init(h, &c);
    sha_update(h, &c, pad, block);
    if (len)
        sha_update(h, &c, data, len);
    sha_final(h, &c, inner);
    for (size_t i = 0; i < block; i++)
        pad[i] = k[i] ^ 0x5c;
    sha_init(h, &c);
    sha_update(h, &c, pad, block);
    sha_update(h, &c, inner, hl);
    sha_final(h, &c, out);
    /* the key and what was made from it; a memset here may be dropped as a
     * dead store */
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(pad, sizeof pad);
    OPENSSL_cleanse(inner, sizeof inner);
    OPENSSL_cleanse(&c, sizeof c);
    return CX_OK;
}

int cx_hash(cx_hash_id h, const uint8_t *data, size_t len, uint8_t *out)
{
    sha_state c;
    if (cx_hash_len(h) == 0)
        return CX_ERR_ARG;
    sha_init(h, &c);
    if (len)
        sha_update(h, &c, data, len);
    sha_final(h, &c, out);
    return CX_OK;
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

/* The transcript on stack-copyable state too: a peek copies it by value
 * instead of EVP_MD_CTX_copy_ex's context and provider state (cx_hmac). */
struct cx_hash_ctx {
    cx_hash_id h;
    sha_state s;
};

cx_hash_ctx *cx_hash_ctx_new(cx_hash_id h)
{
    if (cx_hash_len(h) == 0)
        return NULL;
    cx_hash_ctx *c = OPENSSL_zalloc(sizeof *c);
    if (!c)
        return NULL;
    c->h = h;
    sha_init(h, &c->s);
    return c;
}

void cx_hash_ctx_free(cx_hash_ctx *c)
{
    OPENSSL_clear_free(c, sizeof *c);
}

int cx_hash_ctx_update(cx_hash_ctx *c, const uint8_t *data, size_t len)
{
    if (len)
        sha_update(c->h, &c->s, data, len);
    return CX_OK;
}

int cx_hash_ctx_peek(const cx_hash_ctx *c, uint8_t *out)
{
    return cx_hash_ctx_peek_with(c, NULL, 0, out);
}

int cx_hash_ctx_peek_with(const cx_hash_ctx *c, const uint8_t *extra, size_t len, uint8_t *out)
{
    sha_state t = c->s;
    if (len)
        sha_update(c->h, &t, extra, len);
    sha_final(c->h, &t, out);
    OPENSSL_cleanse(&t, sizeof t);
    return CX_OK;
}
