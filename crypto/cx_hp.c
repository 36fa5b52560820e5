/* Header protection masks over libcrypto (RFC 9001 §5.4.3, §5.4.4). */
#include "crypto/cx_hp.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>

/* Fetched once and never changed: a cache of constant algorithm handles. */
static EVP_CIPHER *g_hp[3];
static pthread_once_t g_hp_once = PTHREAD_ONCE_INIT;

static void fetch_hps(void)
{
    g_hp[CX_AES_128_GCM] = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
#ifndef QUINCE_MINIMAL /* the size profile: AES-128-GCM only */
    g_hp[CX_AES_256_GCM] = EVP_CIPHER_fetch(NULL, "AES-256-ECB", NULL);
    g_hp[CX_CHACHA20_POLY1305] = EVP_CIPHER_fetch(NULL, "ChaCha20", NULL);
#endif
}

struct cx_hp {
    const qb_alloc *alloc;
    cx_aead_id id;
    EVP_CIPHER_CTX *ctx;
};

int cx_hp_new(cx_hp **out, const qb_alloc *a, cx_aead_id id, const uint8_t *key)
{
    *out = NULL;
    if (cx_aead_key_len(id) == 0)
        return CX_ERR_ARG;
    pthread_once(&g_hp_once, fetch_hps);
    if (!g_hp[id])
        return CX_ERR_LIBCRYPTO;
    cx_hp *hp = qb_calloc(a, sizeof *hp);
    if (!hp)
        return CX_ERR_LIBCRYPTO;
    hp->alloc = a;
    hp->id = id;
    hp->ctx = EVP_CIPHER_CTX_new();
    if (!hp->ctx || EVP_CipherInit_ex2(hp->ctx, g_hp[id], key, NULL, 1, NULL) != 1) {
        cx_hp_free(hp);
        return CX_ERR_LIBCRYPTO;
    }
    /* §5.4.3: one block in, one block out; no padding. */
    if (id != CX_CHACHA20_POLY1305)
        EVP_CIPHER_CTX_set_padding(hp->ctx, 0);
    *out = hp;
    return CX_OK;
}

int cx_hp_rekey(cx_hp *hp, const uint8_t *key)
{
    if (EVP_CipherInit_ex2(hp->ctx, NULL, key, NULL, 1, NULL) != 1)
        return CX_ERR_LIBCRYPTO;
    if (hp->id != CX_CHACHA20_POLY1305)
        EVP_CIPHER_CTX_set_padding(hp->ctx, 0);
    return CX_OK;
}

void cx_hp_free(cx_hp *hp)
{
    if (!hp)
        return;
    EVP_CIPHER_CTX_free(hp->ctx);
    qb_free(hp->alloc, hp);
}

int cx_hp_mask(cx_hp *hp, const uint8_t *sample, uint8_t mask[CX_HP_MASK_LEN])
{
    uint8_t out[CX_HP_SAMPLE_LEN];
    int n = 0;
    if (hp->id == CX_CHACHA20_POLY1305) {
        /* §5.4.4: counter = sample[0..3] little endian, nonce = sample[4..15]; the
         * 16-byte "IV" of libcrypto's ChaCha20 is exactly counter || nonce. */
        static const uint8_t zeros[CX_HP_MASK_LEN];
        if (EVP_CipherInit_ex2(hp->ctx, NULL, NULL, sample, 1, NULL) != 1 ||
            EVP_EncryptUpdate(hp->ctx, out, &n, zeros, CX_HP_MASK_LEN) != 1)
            return CX_ERR_LIBCRYPTO;
    } else {
        /* ECB keeps no state between blocks, so the context is reused as is. */
        if (EVP_EncryptUpdate(hp->ctx, out, &n, sample, CX_HP_SAMPLE_LEN) != 1 ||
            n != CX_HP_SAMPLE_LEN)
            return CX_ERR_LIBCRYPTO;
    }
    memcpy(mask, out, CX_HP_MASK_LEN);
    return CX_OK;
}
