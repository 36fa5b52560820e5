/* Packet protection and its removal (RFC 9001 §5.3, §5.4). */
#include "quic/protect.h"

#include <string.h>

#include "quic/packet.h"
#include "quic/pn.h"

int quic_pkt_keys_init(quic_pkt_keys *k, const qb_alloc *a, const cx_quic_keys *m)
{
    return quic_pkt_keys_init_for(k, a, m, CX_AEAD_SEAL | CX_AEAD_OPEN);
}

int quic_pkt_keys_init_for(quic_pkt_keys *k, const qb_alloc *a, const cx_quic_keys *m, int uses)
{
    memset(k, 0, sizeof *k);
    if (cx_aead_new_for(&k->aead, a, m->aead, m->key, m->iv, uses) != CX_OK ||
        cx_hp_new(&k->hp, a, m->aead, m->hp) != CX_OK) {
        quic_pkt_keys_clear(k);
        return QUIC_PKT_ERR_CRYPTO;
    }
    return 0;
}

int quic_pkt_keys_next(const qb_alloc *a, uint32_t version, cx_aead_id aead, uint8_t *secret,
                       size_t secret_len, cx_aead **next)
{
    cx_quic_keys m;
    *next = NULL;
    /* RFC 9001 §6.1: the next secret, then a key and IV from it; hp stays. */
    int rc = cx_quic_secret_update(version, aead, secret, secret_len, secret);
    if (rc == CX_OK)
        rc = cx_quic_keys_derive(version, aead, secret, secret_len, &m);
    if (rc == CX_OK)
        rc = cx_aead_new(next, a, aead, m.key, m.iv);
    cx_quic_keys_clear(&m);
    return rc == CX_OK ? 0 : QUIC_PKT_ERR_CRYPTO;
}

void quic_pkt_keys_clear(quic_pkt_keys *k)
{
    cx_aead_free(k->aead);
    cx_hp_free(k->hp);
    k->aead = NULL;
    k->hp = NULL;
}

/* §5.4.1: the low 4 bits of a long header's first byte are protected, the low 5
 * of a short header's. */
static uint8_t first_mask(uint8_t first)
{
    return (first & QUIC_PKT_FORM_LONG) ? 0x0f : 0x1f;
}

/* §5.4.2: the sample is 16 bytes at pn_offset + 4, whatever the pn length. */
static int sample_at(size_t pkt_len, size_t pn_offset)
{
    /* pn_offset 0 would put the packet number on the first byte. */
    if (pn_offset == 0)
        return QUIC_PKT_ERR_ARG;
    if (pn_offset > pkt_len || pkt_len - pn_offset < 4 + CX_HP_SAMPLE_LEN)
        return QUIC_PKT_ERR_SHORT_SAMPLE;
    return 0;
}

int quic_pkt_protect(const quic_pkt_keys *k, uint8_t *pkt, size_t pkt_len, size_t pn_offset,
                     size_t pn_len, uint64_t pn)
{
    return quic_pkt_protect_from(k, pkt, pkt_len, pn_offset, pn_len, pn, NULL);
}

int quic_pkt_protect_from(const quic_pkt_keys *k, uint8_t *pkt, size_t pkt_len,
                          size_t pn_offset, size_t pn_len, uint64_t pn, const uint8_t *plain)
{
    /* One piece: the whole payload, in place or elsewhere (a packet too
     * short for its header is refused by the gather's checks). */
    size_t hdr_len = pn_offset + pn_len;
    size_t plain_len = pkt_len > hdr_len + CX_AEAD_TAG_LEN ? pkt_len - hdr_len - CX_AEAD_TAG_LEN : 0;
    qb_iov v = {plain ? plain : pkt + hdr_len, plain_len};
    return quic_pkt_protect_gather(k, pkt, pkt_len, pn_offset, pn_len, pn, &v, 1);
}

int quic_pkt_protect_gather(const quic_pkt_keys *k, uint8_t *pkt, size_t pkt_len,
                            size_t pn_offset, size_t pn_len, uint64_t pn, const qb_iov *iov,
                            size_t n)
{
    uint8_t mask[CX_HP_MASK_LEN];
    if (pn_len < 1 || pn_len > 4)
        return QUIC_PKT_ERR_PN_LEN;
    int rc = sample_at(pkt_len, pn_offset);
    if (rc != 0)
        return rc;
    /* The first byte must announce the length actually written (§17.2). */
    if ((size_t)(pkt[0] & 0x03) + 1 != pn_len)
        return QUIC_PKT_ERR_PN_LEN;
    size_t hdr_len = pn_offset + pn_len;
    /* sample_at guarantees pkt_len >= hdr_len + 16 for pn_len <= 4. */
    size_t plain_len = pkt_len - hdr_len - CX_AEAD_TAG_LEN;
    /* §5.3: the AAD is the header up to and including the packet number, in clear. */
    uint8_t *payload = pkt + hdr_len;
    size_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += iov[i].len;
    if (sum != plain_len)
        return QUIC_PKT_ERR_ARG; /* the pieces do not fill the payload */
    if (cx_aead_seal_gather(k->aead, pn, pkt, hdr_len, iov, n, payload) != CX_OK)
        return QUIC_PKT_ERR_CRYPTO;
    if (cx_hp_mask(k->hp, pkt + pn_offset + 4, mask) != CX_OK)
        return QUIC_PKT_ERR_CRYPTO;
    pkt[0] ^= mask[0] & first_mask(pkt[0]);
    for (size_t i = 0; i < pn_len; i++)
        pkt[pn_offset + i] ^= mask[1 + i];
    return 0;
}

int quic_pkt_unprotect_header(cx_hp *hp, uint8_t *pkt, size_t pkt_len, size_t pn_offset,
                              uint64_t largest_pn, quic_pkt_clear *out)
{
    uint8_t mask[CX_HP_MASK_LEN];
    memset(out, 0, sizeof *out);
    int rc = sample_at(pkt_len, pn_offset);
    if (rc != 0)
        return rc;
    if (cx_hp_mask(hp, pkt + pn_offset + 4, mask) != CX_OK)
        return QUIC_PKT_ERR_CRYPTO;
    pkt[0] ^= mask[0] & first_mask(pkt[0]);
    size_t pn_len = (size_t)(pkt[0] & 0x03) + 1;
    uint64_t truncated = 0;
    for (size_t i = 0; i < pn_len; i++) {
        pkt[pn_offset + i] ^= mask[1 + i];
        truncated = (truncated << 8) | pkt[pn_offset + i];
    }
    out->first = pkt[0];
    out->pn_len = pn_len;
    out->pn = quic_pn_decode(largest_pn, truncated, pn_len);
    out->key_phase = !(pkt[0] & QUIC_PKT_FORM_LONG) && (pkt[0] & QUIC_PKT_KEY_PHASE);
    out->payload_offset = pn_offset + pn_len;
    /* The sample check leaves at least 16 bytes after a 4-byte packet number. */
    out->payload_len = pkt_len - out->payload_offset;
    return 0;
}

int quic_pkt_decrypt(cx_aead *aead, uint8_t *pkt, size_t pkt_len, quic_pkt_clear *c)
{
    if (c->payload_offset > pkt_len || pkt_len - c->payload_offset < CX_AEAD_TAG_LEN)
        return QUIC_PKT_ERR_SHORT_SAMPLE;
    size_t ct_len = pkt_len - c->payload_offset;
    int rc = cx_aead_open(aead, c->pn, pkt, c->payload_offset, pkt + c->payload_offset, ct_len);
    if (rc == CX_ERR_AUTH)
        return QUIC_PKT_ERR_DECRYPT;
    if (rc != CX_OK)
        return QUIC_PKT_ERR_CRYPTO;
    c->payload_len = ct_len - CX_AEAD_TAG_LEN;
    /* RFC 9000 §17.2 (0x0c) and §17.3.1 (0x18): reserved bits are checked only
     * after both protections are removed. */
    uint8_t reserved = (c->first & QUIC_PKT_FORM_LONG) ? 0x0c : 0x18;
    if (c->first & reserved)
        return QUIC_PKT_ERR_RESERVED;
    return 0;
}

int quic_pkt_unprotect(const quic_pkt_keys *k, uint8_t *pkt, size_t pkt_len, size_t pn_offset,
                       uint64_t largest_pn, quic_pkt_clear *out)
{
    int rc = quic_pkt_unprotect_header(k->hp, pkt, pkt_len, pn_offset, largest_pn, out);
    if (rc != 0)
        return rc;
    return quic_pkt_decrypt(k->aead, pkt, pkt_len, out);
}

uint64_t quic_aead_confidentiality_limit(cx_aead_id id)
{
    return id == CX_CHACHA20_POLY1305 ? UINT64_MAX : 1ull << 23;
}

uint64_t quic_aead_integrity_limit(cx_aead_id id)
{
    return id == CX_CHACHA20_POLY1305 ? 1ull << 36 : 1ull << 52;
}
