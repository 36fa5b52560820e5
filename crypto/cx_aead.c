/* AEAD packet protection over libcrypto (RFC 9001 §5.3). */
#include "crypto/cx_aead.h"
#include "crypto/cx_wipe.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#ifndef QUINCE_FUZZING
#include <openssl/evp.h>
#include <pthread.h>

/* Fetched once and never changed: a cache of constant algorithm handles. */
static EVP_CIPHER *g_aead[3];
static pthread_once_t g_aead_once = PTHREAD_ONCE_INIT;

static void fetch_aeads(void)
{
    g_aead[CX_AES_128_GCM] = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
#ifndef QUINCE_MINIMAL /* the size profile: AES-128-GCM only */
    g_aead[CX_AES_256_GCM] = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    g_aead[CX_CHACHA20_POLY1305] = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
#endif
}
#endif

struct cx_aead {
    const qb_alloc *alloc;
    cx_aead_id id;
    uint8_t iv[CX_AEAD_IV_LEN];
#ifndef QUINCE_FUZZING
    EVP_CIPHER_CTX *enc; /* key set once; per packet only the nonce changes */
    EVP_CIPHER_CTX *dec; /* NULL when the key was not made for that use */
#endif
};

size_t cx_aead_key_len(cx_aead_id id)
{
    switch (id) {
    case CX_AES_128_GCM: return 16;
    case CX_AES_256_GCM: return 32;
    case CX_CHACHA20_POLY1305: return 32;
    }
    return 0;
}

cx_hash_id cx_aead_hash(cx_aead_id id)
{
    /* RFC 8446 §B.4: the hash named by the cipher suite. */
    return id == CX_AES_256_GCM ? CX_SHA384 : CX_SHA256;
}

cx_aead_id cx_aead_get_id(const cx_aead *k) { return k->id; }

/* RFC 9001 §5.3: the 62 bits of the packet number, left-padded with zeros to
 * the IV length, XORed with the IV. */
static void make_nonce(const cx_aead *k, uint64_t pn, uint8_t nonce[CX_AEAD_IV_LEN])
{
    memcpy(nonce, k->iv, CX_AEAD_IV_LEN);
    for (int i = 0; i < 8; i++)
        nonce[CX_AEAD_IV_LEN - 1 - i] ^= (uint8_t)(pn >> (8 * i));
}

#ifndef QUINCE_FUZZING
static EVP_CIPHER_CTX *ctx_make(const EVP_CIPHER *c, const uint8_t *key, int enc)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx)
        return NULL;
    /* The IV length is 12 by default for both GCM and ChaCha20-Poly1305. */
    if (EVP_CipherInit_ex2(ctx, c, key, NULL, enc, NULL) != 1) {
        EVP_CIPHER_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}
#endif

int cx_aead_new(cx_aead **out, const qb_alloc *a, cx_aead_id id, const uint8_t *key,
                const uint8_t *iv)
{
    return cx_aead_new_for(out, a, id, key, iv, CX_AEAD_SEAL | CX_AEAD_OPEN);
}

int cx_aead_new_for(cx_aead **out, const qb_alloc *a, cx_aead_id id, const uint8_t *key,
                    const uint8_t *iv, int uses)
{
    *out = NULL;
    if (cx_aead_key_len(id) == 0 || uses == 0 || (uses & ~(CX_AEAD_SEAL | CX_AEAD_OPEN)))
        return CX_ERR_ARG;
    cx_aead *k = qb_calloc(a, sizeof *k);
    if (!k)
        return CX_ERR_LIBCRYPTO;
    k->alloc = a;
    k->id = id;
    memcpy(k->iv, iv, CX_AEAD_IV_LEN);
#ifndef QUINCE_FUZZING
    pthread_once(&g_aead_once, fetch_aeads);
    if (!g_aead[id]) {
        qb_free(a, k);
        return CX_ERR_LIBCRYPTO;
    }
    if (uses & CX_AEAD_SEAL)
        k->enc = ctx_make(g_aead[id], key, 1);
    if (uses & CX_AEAD_OPEN)
        k->dec = ctx_make(g_aead[id], key, 0);
    if (!k->enc != !(uses & CX_AEAD_SEAL) || !k->dec != !(uses & CX_AEAD_OPEN)) {
        cx_aead_free(k);
        return CX_ERR_LIBCRYPTO;
    }
#else
    (void)key;
#endif
    *out = k;
    return CX_OK;
}

void cx_aead_free(cx_aead *k)
{
    if (!k)
        return;
#ifndef QUINCE_FUZZING
    EVP_CIPHER_CTX_free(k->enc);
    EVP_CIPHER_CTX_free(k->dec);
#endif
    const qb_alloc *a = k->alloc;
    cx_wipe(k, sizeof *k); /* the IV; a memset before a free may be dropped */
    qb_free(a, k);
}

int cx_aead_rekey(cx_aead *k, const uint8_t *key, const uint8_t *iv, int uses)
{
#ifndef QUINCE_FUZZING
    if (((uses & CX_AEAD_SEAL) && !k->enc) || ((uses & CX_AEAD_OPEN) && !k->dec))
        return CX_ERR_ARG;
#endif
    memcpy(k->iv, iv, CX_AEAD_IV_LEN);
#ifndef QUINCE_FUZZING
    /* A NULL cipher keeps the context's algorithm and its provider state:
     * only the key schedule is redone. */
    if (((uses & CX_AEAD_SEAL) && EVP_CipherInit_ex2(k->enc, NULL, key, NULL, 1, NULL) != 1) ||
        ((uses & CX_AEAD_OPEN) && EVP_CipherInit_ex2(k->dec, NULL, key, NULL, 0, NULL) != 1))
        return CX_ERR_LIBCRYPTO;
#else
    (void)key;
    (void)uses;
#endif
    return CX_OK;
}

#ifndef QUINCE_FUZZING
int cx_aead_seal_to(cx_aead *k, uint64_t pn, const uint8_t *aad, size_t aad_len,
                    const uint8_t *in, uint8_t *out, size_t len)
{
    uint8_t nonce[CX_AEAD_IV_LEN];
    int n = 0;
    if (!k->enc || len > INT_MAX - 16 || aad_len > INT_MAX)
        return CX_ERR_ARG;
    make_nonce(k, pn, nonce);
    if (EVP_CipherInit_ex2(k->enc, NULL, NULL, nonce, 1, NULL) != 1)
        return CX_ERR_LIBCRYPTO;
    if (aad_len && EVP_EncryptUpdate(k->enc, NULL, &n, aad, (int)aad_len) != 1)
        return CX_ERR_LIBCRYPTO;
    if (len && EVP_EncryptUpdate(k->enc, out, &n, in, (int)len) != 1)
        return CX_ERR_LIBCRYPTO;
    if (EVP_EncryptFinal_ex(k->enc, out + len, &n) != 1)
        return CX_ERR_LIBCRYPTO;
    if (EVP_CIPHER_CTX_ctrl(k->enc, EVP_CTRL_AEAD_GET_TAG, CX_AEAD_TAG_LEN, out + len) != 1)
        return CX_ERR_LIBCRYPTO;
    return CX_OK;
}

int cx_aead_seal(cx_aead *k, uint64_t pn, const uint8_t *aad, size_t aad_len,
                 uint8_t *buf, size_t len)
{
    return cx_aead_seal_to(k, pn, aad, aad_len, buf, buf, len);
}

int cx_aead_seal_gather(cx_aead *k, uint64_t pn, const uint8_t *aad, size_t aad_len,
                        const qb_iov *iov, size_t n, uint8_t *out)
{
    uint8_t nonce[CX_AEAD_IV_LEN];
    int w = 0;
    if (!k->enc || aad_len > INT_MAX)
        return CX_ERR_ARG;
    make_nonce(k, pn, nonce);
    if (EVP_CipherInit_ex2(k->enc, NULL, NULL, nonce, 1, NULL) != 1)
        return CX_ERR_LIBCRYPTO;
    if (aad_len && EVP_EncryptUpdate(k->enc, NULL, &w, aad, (int)aad_len) != 1)
        return CX_ERR_LIBCRYPTO;
    /* GCM and ChaCha20-Poly1305 are stream modes in libcrypto: each update
     * writes exactly its input's length, whatever the block alignment, so
     * the pieces' ciphertexts follow one another in out. */
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = iov[i].len;
        if (len == 0)
            continue;
        if (len > INT_MAX - 16 || off > SIZE_MAX - 16 - len)
            return CX_ERR_ARG;
        if (EVP_EncryptUpdate(k->enc, out + off, &w, iov[i].p, (int)len) != 1 || (size_t)w != len)
            return CX_ERR_LIBCRYPTO;
        off += len;
    }
    if (EVP_EncryptFinal_ex(k->enc, out + off, &w) != 1)
        return CX_ERR_LIBCRYPTO;
    if (EVP_CIPHER_CTX_ctrl(k->enc, EVP_CTRL_AEAD_GET_TAG, CX_AEAD_TAG_LEN, out + off) != 1)
        return CX_ERR_LIBCRYPTO;
    return CX_OK;
}

int cx_aead_open(cx_aead *k, uint64_t pn, const uint8_t *aad, size_t aad_len,
                 uint8_t *buf, size_t len)
{
    uint8_t nonce[CX_AEAD_IV_LEN], tag[CX_AEAD_TAG_LEN], scratch[16];
    int n = 0;
    if (!k->dec)
        return CX_ERR_ARG;
    if (len < CX_AEAD_TAG_LEN)
        return CX_ERR_AEAD_SHORT;
    if (len > INT_MAX || aad_len > INT_MAX)
        return CX_ERR_ARG;
    size_t ct_len = len - CX_AEAD_TAG_LEN;
    memcpy(tag, buf + ct_len, CX_AEAD_TAG_LEN);
    make_nonce(k, pn, nonce);
    if (EVP_CipherInit_ex2(k->dec, NULL, NULL, nonce, 0, NULL) != 1)
        return CX_ERR_LIBCRYPTO;
    if (aad_len && EVP_DecryptUpdate(k->dec, NULL, &n, aad, (int)aad_len) != 1)
        return CX_ERR_LIBCRYPTO;
    if (ct_len && EVP_DecryptUpdate(k->dec, buf, &n, buf, (int)ct_len) != 1)
        return CX_ERR_LIBCRYPTO;
    if (EVP_CIPHER_CTX_ctrl(k->dec, EVP_CTRL_AEAD_SET_TAG, CX_AEAD_TAG_LEN, tag) != 1)
        return CX_ERR_LIBCRYPTO;
    if (EVP_DecryptFinal_ex(k->dec, scratch, &n) != 1)
        return CX_ERR_AUTH;
    return CX_OK;
}
int cx_aead_auth_tag(cx_aead *k, const uint8_t *aad1, size_t len1, const uint8_t *aad2,
                     size_t len2, uint8_t tag[CX_AEAD_TAG_LEN])
{
    uint8_t scratch[16];
    int n = 0;
    if (!k->enc || len1 > INT_MAX || len2 > INT_MAX)
        return CX_ERR_ARG;
    if (EVP_CipherInit_ex2(k->enc, NULL, NULL, k->iv, 1, NULL) != 1)
        return CX_ERR_LIBCRYPTO;
    if (len1 && EVP_EncryptUpdate(k->enc, NULL, &n, aad1, (int)len1) != 1)
        return CX_ERR_LIBCRYPTO;
    if (len2 && EVP_EncryptUpdate(k->enc, NULL, &n, aad2, (int)len2) != 1)
        return CX_ERR_LIBCRYPTO;
    if (EVP_EncryptFinal_ex(k->enc, scratch, &n) != 1 ||
        EVP_CIPHER_CTX_ctrl(k->enc, EVP_CTRL_AEAD_GET_TAG, CX_AEAD_TAG_LEN, tag) != 1)
        return CX_ERR_LIBCRYPTO;
    return CX_OK;
}
#else
/* Null AEAD for fuzzing: same interface, no cryptography, and no contexts:
 * a key serves both uses whatever it was made for, so a fuzz harness may
 * seal what a connection accepts with that connection's receive keys. */
int cx_aead_seal_to(cx_aead *k, uint64_t pn, const uint8_t *aad, size_t aad_len,
                    const uint8_t *in, uint8_t *out, size_t len)
{
    if (len && in != out)
        memmove(out, in, len);
    return cx_aead_seal(k, pn, aad, aad_len, out, len);
}

int cx_aead_seal_gather(cx_aead *k, uint64_t pn, const uint8_t *aad, size_t aad_len,
                        const qb_iov *iov, size_t n, uint8_t *out)
{
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        if (iov[i].len && iov[i].p != out + off) /* in place needs no copy */
            memmove(out + off, iov[i].p, iov[i].len);
        off += iov[i].len;
    }
    return cx_aead_seal(k, pn, aad, aad_len, out, off);
}

int cx_aead_seal(cx_aead *k, uint64_t pn, const uint8_t *aad, size_t aad_len,
                 uint8_t *buf, size_t len)
{
    uint8_t nonce[CX_AEAD_IV_LEN];
    make_nonce(k, pn, nonce);
    (void)aad;
    (void)aad_len;
    memset(buf + len, 0, CX_AEAD_TAG_LEN);
    return CX_OK;
}

int cx_aead_open(cx_aead *k, uint64_t pn, const uint8_t *aad, size_t aad_len,
                 uint8_t *buf, size_t len)
{
    (void)k;
    (void)pn;
    (void)aad;
    (void)aad_len;
    (void)buf;
    return len < CX_AEAD_TAG_LEN ? CX_ERR_AEAD_SHORT : CX_OK;
}

int cx_aead_auth_tag(cx_aead *k, const uint8_t *aad1, size_t len1, const uint8_t *aad2,
                     size_t len2, uint8_t tag[CX_AEAD_TAG_LEN])
{
    (void)k;
    (void)aad1;
    (void)len1;
    (void)aad2;
    (void)len2;
    memset(tag, 0, CX_AEAD_TAG_LEN);
    return CX_OK;
}
#endif
