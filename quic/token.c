/* Stateless Retry and NEW_TOKEN tokens under rotating keys (see token.h; RFC 9000 §8.1.3, §8.1.4). */
#include "quic/token.h"

#include "crypto/cx_hash.h"

#include <string.h>

#define TOKEN_MAGIC 'q'
#define NEW_TOKEN_MAGIC 'n' /* RFC 9000 §8.1.3: told apart from Retry tokens */
#define HDR_LEN (2 + CX_AEAD_IV_LEN) /* magic, key id, nonce */
#define SALT_LEN 16
/* Associated data: the address, bounded (sockaddr sizes). */
#define ADDR_MAX 64
/* A key seals at most this many tokens by default: far below where AES-GCM
 * with 96-bit nonces weakens, and the counter never nears 2^64. */
#define MAX_PER_KEY (1ull << 32)

/* memset that the compiler may not drop (key material). */
static void wipe(void *p, size_t n)
{
    volatile uint8_t *v = p;
    while (n--)
        *v++ = 0;
}

int quic_token_ctx_init(quic_token_ctx *t, const qb_alloc *a, const uint8_t static_key[32],
                        cx_rand_fn random, void *random_ud)
{
    memset(t, 0, sizeof *t);
    t->alloc = a;
    memcpy(t->static_key, static_key, 32);
    t->rotate_us = QUIC_TOKEN_ROTATE_US;
    t->max_per_key = MAX_PER_KEY;
    t->random = random ? random : cx_rand_default;
    t->random_ud = random_ud;
    return 0; /* the first key is made with the first token */
}

static void key_clear(quic_token_key *k)
{
    cx_aead_free(k->aead);
    memset(k, 0, sizeof *k);
}

void quic_token_ctx_free(quic_token_ctx *t)
{
    key_clear(&t->cur);
    key_clear(&t->prev);
    wipe(t->static_key, sizeof t->static_key);
}

int quic_token_rotate(quic_token_ctx *t, uint64_t now)
{
    /* key | iv = HKDF-Expand-Label(static key, label, fresh salt): a key of
     * its own (Retry tokens and reset tokens never share one), and a new one
     * each time even when the static key is kept across restarts. */
    /* The generation and the time go in with the salt, so that even an RNG
     * that repeats itself cannot give one process the same key twice. */
    uint8_t ctx[SALT_LEN + 16], okm[16 + CX_AEAD_IV_LEN];
    quic_token_key k;
    memset(&k, 0, sizeof k);
    int rc = QUIC_TOKEN_ERR_CRYPTO;
    if (t->random(t->random_ud, ctx, SALT_LEN) != 0)
        goto out;
    qb_put_u32(ctx + SALT_LEN, (uint32_t)((t->generation + 1) >> 32));
    qb_put_u32(ctx + SALT_LEN + 4, (uint32_t)(t->generation + 1));
    qb_put_u32(ctx + SALT_LEN + 8, (uint32_t)(now >> 32));
    qb_put_u32(ctx + SALT_LEN + 12, (uint32_t)now);
    if (cx_hkdf_expand_label(CX_SHA256, t->static_key, 32, "quince token key", ctx, sizeof ctx,
                             okm, sizeof okm) != 0)
        goto out;
    memcpy(k.iv, okm + 16, CX_AEAD_IV_LEN);
    if (cx_aead_new(&k.aead, t->alloc, CX_AES_128_GCM, okm, k.iv) != 0)
        goto out;
    t->generation++;
    k.id = (uint8_t)t->generation;
    k.since = now;
    key_clear(&t->prev);
    t->prev = t->cur;
    t->cur = k;
    rc = 0;
out:
    wipe(okm, sizeof okm);
    return rc;
}

static size_t make_aad(uint8_t *aad, const uint8_t *hdr, const uint8_t *addr, size_t addr_len)
{
    memcpy(aad, hdr, HDR_LEN);
    memcpy(aad + HDR_LEN, addr, addr_len);
    return HDR_LEN + addr_len;
}

/* Header (magic, key id, nonce) and the sealed plaintext pt into out. */
static int seal_token(quic_token_ctx *t, uint8_t magic, const uint8_t *addr, size_t addr_len,
                      uint64_t now, const uint8_t *pt, size_t pt_len, uint8_t out[QUIC_TOKEN_MAX])
{
    uint8_t aad[HDR_LEN + ADDR_MAX];
    if (addr_len > ADDR_MAX || pt_len > QUIC_TOKEN_MAX - HDR_LEN - CX_AEAD_TAG_LEN)
        return QUIC_TOKEN_ERR_INVALID;
    quic_token_key *k = &t->cur;
    if (!k->aead || now - k->since >= t->rotate_us || now < k->since ||
        k->count >= t->max_per_key) {
        if (quic_token_rotate(t, now) != 0)
            return QUIC_TOKEN_ERR_CRYPTO;
    }
    uint64_t ctr = k->count++;
    /* nonce = IV XOR counter, as the AEAD forms it (cx_aead.h) */
    out[0] = magic;
    out[1] = k->id;
    memcpy(out + 2, k->iv, CX_AEAD_IV_LEN);
    for (int i = 0; i < 8; i++)
        out[2 + CX_AEAD_IV_LEN - 1 - i] ^= (uint8_t)(ctr >> (8 * i));
    memcpy(out + HDR_LEN, pt, pt_len);
    /* the magic is in the associated data: one kind never passes for the other */
    size_t aad_len = make_aad(aad, out, addr, addr_len);
    if (cx_aead_seal(k->aead, ctr, aad, aad_len, out + HDR_LEN, pt_len) != 0)
        return QUIC_TOKEN_ERR_CRYPTO;
    return (int)(HDR_LEN + pt_len + CX_AEAD_TAG_LEN);
}

int quic_token_make(quic_token_ctx *t, const uint8_t *addr, size_t addr_len,
                    const quic_cid *odcid, const quic_cid *retry_scid, uint64_t now,
                    uint8_t out[QUIC_TOKEN_MAX])
{
    uint8_t pt[QUIC_TOKEN_MAX];
    qb_wr w;
    qb_wr_init(&w, pt, QUIC_TOKEN_MAX - HDR_LEN - CX_AEAD_TAG_LEN);
    if (qb_wr_u64(&w, now) || qb_wr_u8(&w, odcid->len) || qb_wr_bytes(&w, odcid->b, odcid->len) ||
        qb_wr_u8(&w, retry_scid->len) || qb_wr_bytes(&w, retry_scid->b, retry_scid->len))
        return QUIC_TOKEN_ERR_INVALID;
    return seal_token(t, TOKEN_MAGIC, addr, addr_len, now, pt, w.off, out);
}

int quic_token_new_make(quic_token_ctx *t, const uint8_t *addr, size_t addr_len, uint64_t now,
                        uint8_t out[QUIC_TOKEN_MAX])
{
    uint8_t pt[8];
    qb_put_u32(pt, (uint32_t)(now >> 32));
    qb_put_u32(pt + 4, (uint32_t)now);
    return seal_token(t, NEW_TOKEN_MAGIC, addr, addr_len, now, pt, sizeof pt, out);
}

/* The key a token names (current or previous), and the counter its nonce
 * carries; NULL when no key of ours has that id or the nonce is not one this
 * key could have made. */
static quic_token_key *token_key(quic_token_ctx *t, const uint8_t *token, uint64_t *ctr)
{
    quic_token_key *k = t->cur.aead && t->cur.id == token[1]     ? &t->cur
                        : t->prev.aead && t->prev.id == token[1] ? &t->prev
                                                                 : NULL;
    if (!k)
        return NULL;
    uint8_t d[CX_AEAD_IV_LEN];
    for (size_t i = 0; i < CX_AEAD_IV_LEN; i++)
        d[i] = token[2 + i] ^ k->iv[i];
    for (size_t i = 0; i < CX_AEAD_IV_LEN - 8; i++)
        if (d[i])
            return NULL;
    uint64_t x = 0;
    for (size_t i = CX_AEAD_IV_LEN - 8; i < CX_AEAD_IV_LEN; i++)
        x = (x << 8) | d[i];
    if (x >= k->count)
        return NULL; /* never issued */
    *ctr = x;
    return k;
}

/* Opens a token of kind magic into buf; *pt_len gets the plaintext's length. */
static int open_token(quic_token_ctx *t, uint8_t magic, const uint8_t *token, size_t len,
                      const uint8_t *addr, size_t addr_len, uint8_t buf[QUIC_TOKEN_MAX],
                      size_t *pt_len)
{
    uint8_t aad[HDR_LEN + ADDR_MAX];
    uint64_t ctr = 0;
    if (len < HDR_LEN + CX_AEAD_TAG_LEN || len > QUIC_TOKEN_MAX || token[0] != magic ||
        addr_len > ADDR_MAX)
        return QUIC_TOKEN_ERR_INVALID;
    quic_token_key *k = token_key(t, token, &ctr);
    if (!k)
        return QUIC_TOKEN_ERR_INVALID;
    size_t body = len - HDR_LEN;
    memcpy(buf, token + HDR_LEN, body);
    size_t aad_len = make_aad(aad, token, addr, addr_len);
    if (cx_aead_open(k->aead, ctr, aad, aad_len, buf, body) != 0)
        return QUIC_TOKEN_ERR_INVALID;
    *pt_len = body - CX_AEAD_TAG_LEN;
    return 0;
}

int quic_token_check(quic_token_ctx *t, const uint8_t *token, size_t len, const uint8_t *addr,
                     size_t addr_len, uint64_t now, uint64_t max_age, quic_cid *odcid,
                     quic_cid *retry_scid)
{
    uint8_t buf[QUIC_TOKEN_MAX];
    size_t pl;
    int rc = open_token(t, TOKEN_MAGIC, token, len, addr, addr_len, buf, &pl);
    if (rc)
        return rc;
    qb_rd r;
    qb_rd_init(&r, buf, pl);
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

int quic_token_new_check(quic_token_ctx *t, const uint8_t *token, size_t len,
                         const uint8_t *addr, size_t addr_len, uint64_t now, uint64_t max_age)
{
    uint8_t buf[QUIC_TOKEN_MAX];
    size_t pl;
    int rc = open_token(t, NEW_TOKEN_MAGIC, token, len, addr, addr_len, buf, &pl);
    if (rc)
        return rc;
    if (pl != 8)
        return QUIC_TOKEN_ERR_INVALID;
    uint64_t when = ((uint64_t)qb_get_u32(buf) << 32) | qb_get_u32(buf + 4);
    if (when > now || now - when > max_age)
        return QUIC_TOKEN_ERR_EXPIRED;
    return 0;
}
