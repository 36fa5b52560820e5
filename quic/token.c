/* Stateless Retry tokens (see token.h; RFC 9000 §8.1.4). */
#include "quic/token.h"

#include "crypto/cx_hash.h"

#include <string.h>

#define TOKEN_MAGIC 'q'
#define NONCE_LEN 12
/* Associated data: the address, bounded (sockaddr sizes). */
#define ADDR_MAX 64

int quic_token_ctx_init(quic_token_ctx *t, const qb_alloc *a, const uint8_t static_key[32],
                        cx_rand_fn random, void *random_ud)
{
    uint8_t key[16];
    uint8_t iv[CX_AEAD_IV_LEN] = {0};
    memset(t, 0, sizeof *t);
    t->random = random ? random : cx_rand_default;
    t->random_ud = random_ud;
    /* A key of its own, so Retry tokens and reset tokens never share one. */
    if (cx_hkdf_expand_label(CX_SHA256, static_key, 32, "quince retry token", NULL, 0, key,
                             sizeof key) != 0)
        return QUIC_TOKEN_ERR_CRYPTO;
    int rc = cx_aead_new(&t->aead, a, CX_AES_128_GCM, key, iv);
    memset(key, 0, sizeof key);
    return rc == 0 ? 0 : QUIC_TOKEN_ERR_CRYPTO;
}

void quic_token_ctx_free(quic_token_ctx *t)
{
    cx_aead_free(t->aead);
    t->aead = NULL;
}

/* The AEAD takes a packet number as its per-message input (nonce = iv ^ pn);
 * 8 random bytes of the token's nonce serve as that number, and the rest of
 * the nonce goes into the associated data so it is authenticated too. */
static uint64_t nonce_pn(const uint8_t *nonce)
{
    uint64_t x = 0;
    for (int i = 0; i < 8; i++)
        x = (x << 8) | nonce[i];
    return x & 0x3fffffffffffffffULL;
}

static size_t make_aad(uint8_t *aad, const uint8_t *nonce, const uint8_t *addr, size_t addr_len)
{
    aad[0] = TOKEN_MAGIC;
    memcpy(aad + 1, nonce, NONCE_LEN);
    memcpy(aad + 1 + NONCE_LEN, addr, addr_len);
    return 1 + NONCE_LEN + addr_len;
}

int quic_token_make(quic_token_ctx *t, const uint8_t *addr, size_t addr_len,
                    const quic_cid *odcid, const quic_cid *retry_scid, uint64_t now,
                    uint8_t out[QUIC_TOKEN_MAX])
{
    uint8_t aad[1 + NONCE_LEN + ADDR_MAX];
    if (addr_len > ADDR_MAX)
        return QUIC_TOKEN_ERR_INVALID;
    out[0] = TOKEN_MAGIC;
    if (t->random(t->random_ud, out + 1, NONCE_LEN) != 0)
        return QUIC_TOKEN_ERR_CRYPTO;
    qb_wr w;
    qb_wr_init(&w, out + 1 + NONCE_LEN, QUIC_TOKEN_MAX - 1 - NONCE_LEN - CX_AEAD_TAG_LEN);
    if (qb_wr_u64(&w, now) || qb_wr_u8(&w, odcid->len) || qb_wr_bytes(&w, odcid->b, odcid->len) ||
        qb_wr_u8(&w, retry_scid->len) || qb_wr_bytes(&w, retry_scid->b, retry_scid->len))
        return QUIC_TOKEN_ERR_INVALID;
    size_t aad_len = make_aad(aad, out + 1, addr, addr_len);
    if (cx_aead_seal(t->aead, nonce_pn(out + 1), aad, aad_len, out + 1 + NONCE_LEN, w.off) != 0)
        return QUIC_TOKEN_ERR_CRYPTO;
    return (int)(1 + NONCE_LEN + w.off + CX_AEAD_TAG_LEN);
}

int quic_token_check(quic_token_ctx *t, const uint8_t *token, size_t len, const uint8_t *addr,
                     size_t addr_len, uint64_t now, uint64_t max_age, quic_cid *odcid,
                     quic_cid *retry_scid)
{
    uint8_t buf[QUIC_TOKEN_MAX], aad[1 + NONCE_LEN + ADDR_MAX];
    if (len < 1 + NONCE_LEN + CX_AEAD_TAG_LEN || len > QUIC_TOKEN_MAX ||
        token[0] != TOKEN_MAGIC || addr_len > ADDR_MAX)
        return QUIC_TOKEN_ERR_INVALID;
    size_t body = len - 1 - NONCE_LEN;
    memcpy(buf, token + 1 + NONCE_LEN, body);
    size_t aad_len = make_aad(aad, token + 1, addr, addr_len);
    if (cx_aead_open(t->aead, nonce_pn(token + 1), aad, aad_len, buf, body) != 0)
        return QUIC_TOKEN_ERR_INVALID;
    qb_rd r;
    qb_rd_init(&r, buf, body - CX_AEAD_TAG_LEN);
    uint64_t when;
    uint8_t ol, rl;
    const uint8_t *ob, *rb;
    if (qb_rd_u64(&r, &when) || qb_rd_u8(&r, &ol) || ol > QUIC_CID_MAX_LEN ||
        qb_rd_bytes(&r, ol, &ob) || qb_rd_u8(&r, &rl) || rl > QUIC_CID_MAX_LEN ||
        qb_rd_bytes(&r, rl, &rb) || qb_rd_left(&r) != 0)
        return QUIC_TOKEN_ERR_INVALID;
    if (when > now || now - when > max_age)
        return QUIC_TOKEN_ERR_EXPIRED;
    quic_cid_set(odcid, ob, ol);
    quic_cid_set(retry_scid, rb, rl);
    return 0;
}
