/* TLS 1.3 key schedule and transcript (RFC 8446 §7.1, §4.4). */
#include "crypto/tls_keysched.h"
#include "crypto/cx_wipe.h"
#include "crypto/tls.h"
#include "crypto/tls_msg.h"

#include <string.h>

int tls_suite_hash(uint16_t suite, cx_hash_id *h)
{
    switch (suite) {
    case TLS_AES_128_GCM_SHA256:
        *h = CX_SHA256;
        return 0;
#ifndef QUINCE_MINIMAL /* the size profile has AES-128-GCM only */
    case TLS_CHACHA20_POLY1305_SHA256:
        *h = CX_SHA256;
        return 0;
    case TLS_AES_256_GCM_SHA384:
        *h = CX_SHA384;
        return 0;
#endif
    }
    return -1;
}

/* Derive-Secret(Secret, Label, Messages) with the transcript hash given. */
static int derive(const tls_keysched *ks, const uint8_t *secret, const char *label,
                  const uint8_t *th, uint8_t *out)
{
    return cx_hkdf_expand_label(ks->hash, secret, ks->hlen, label, th, ks->hlen, out, ks->hlen)
               ? TLS_ERR_INTERNAL : 0;
}

/* Derive-Secret(secret, "derived", "") then HKDF-Extract with ikm. */
static int next_stage(const tls_keysched *ks, const uint8_t *secret, const uint8_t *ikm,
                      size_t ikm_len, uint8_t *out)
{
    uint8_t empty_hash[TLS_HASH_MAX], derived[TLS_HASH_MAX];
    int rc = 0;
    if (cx_hash(ks->hash, NULL, 0, empty_hash) || derive(ks, secret, "derived", empty_hash, derived) ||
        cx_hkdf_extract(ks->hash, derived, ks->hlen, ikm, ikm_len, out))
        rc = TLS_ERR_INTERNAL;
    cx_wipe(derived, sizeof derived);
    return rc;
}

int tls_ks_init(tls_keysched *ks, cx_hash_id h)
{
    uint8_t zeros[TLS_HASH_MAX] = {0};
    memset(ks, 0, sizeof *ks);
    ks->hash = h;
    ks->hlen = cx_hash_len(h);
    /* Early Secret = HKDF-Extract(0, 0): no PSK. Kept in hs_secret until the
     * (EC)DHE input arrives. */
    return cx_hkdf_extract(h, zeros, ks->hlen, zeros, ks->hlen, ks->hs_secret) ? TLS_ERR_INTERNAL : 0;
}

int tls_ks_init_psk(tls_keysched *ks, cx_hash_id h, const uint8_t *psk, size_t len)
{
    uint8_t zeros[TLS_HASH_MAX] = {0};
    memset(ks, 0, sizeof *ks);
    ks->hash = h;
    ks->hlen = cx_hash_len(h);
    if (cx_hkdf_extract(h, zeros, ks->hlen, psk, len, ks->hs_secret))
        return TLS_ERR_INTERNAL;
    memcpy(ks->early, ks->hs_secret, ks->hlen);
    return 0;
}

int tls_ks_handshake(tls_keysched *ks, const uint8_t *ecdhe, size_t len, const uint8_t *th_sh)
{
    uint8_t zeros[TLS_HASH_MAX] = {0};
    int rc = 0;
    if (next_stage(ks, ks->hs_secret, ecdhe, len, ks->hs_secret) ||
        derive(ks, ks->hs_secret, "c hs traffic", th_sh, ks->c_hs) ||
        derive(ks, ks->hs_secret, "s hs traffic", th_sh, ks->s_hs) ||
        next_stage(ks, ks->hs_secret, zeros, ks->hlen, ks->master))
        rc = TLS_ERR_INTERNAL;
    /* The Handshake Secret has given all it gives (§7.1). */
    cx_wipe(ks->hs_secret, sizeof ks->hs_secret);
    return rc;
}

int tls_ks_application(tls_keysched *ks, const uint8_t *th)
{
    if (derive(ks, ks->master, "c ap traffic", th, ks->c_ap) ||
        derive(ks, ks->master, "s ap traffic", th, ks->s_ap) ||
        derive(ks, ks->master, "exp master", th, ks->exporter))
        return TLS_ERR_INTERNAL;
    return 0;
}

int tls_ks_resumption(tls_keysched *ks, const uint8_t *th)
{
    return derive(ks, ks->master, "res master", th, ks->resumption);
}

void tls_ks_forget_traffic(tls_keysched *ks)
{
    cx_wipe(ks->early, sizeof ks->early);
    cx_wipe(ks->hs_secret, sizeof ks->hs_secret);
    cx_wipe(ks->master, sizeof ks->master);
    cx_wipe(ks->c_hs, sizeof ks->c_hs);
    cx_wipe(ks->s_hs, sizeof ks->s_hs);
    cx_wipe(ks->c_ap, sizeof ks->c_ap);
    cx_wipe(ks->s_ap, sizeof ks->s_ap);
}

int tls_ks_finished(const tls_keysched *ks, const uint8_t *base, const uint8_t *th, uint8_t *out)
{
    uint8_t key[TLS_HASH_MAX];
    int rc = 0;
    if (cx_hkdf_expand_label(ks->hash, base, ks->hlen, "finished", NULL, 0, key, ks->hlen) ||
        cx_hmac(ks->hash, key, ks->hlen, th, ks->hlen, out))
        rc = TLS_ERR_INTERNAL;
    cx_wipe(key, sizeof key);
    return rc;
}

void tls_ks_wipe(tls_keysched *ks) { cx_wipe(ks, sizeof *ks); }

size_t tls_cv_content(bool server, const uint8_t *th, size_t hlen, uint8_t *out)
{
    static const char sctx[] = "TLS 1.3, server CertificateVerify";
    static const char cctx[] = "TLS 1.3, client CertificateVerify";
    const char *ctx = server ? sctx : cctx;
    size_t n = 0;
    memset(out, 0x20, 64);
    n += 64;
    memcpy(out + n, ctx, sizeof sctx); /* includes the 0 separator */
    n += sizeof sctx;
    memcpy(out + n, th, hlen);
    return n + hlen;
}

/* ---- transcript ---- */

void tls_transcript_init(tls_transcript *t, const void *alloc)
{
    memset(t, 0, sizeof *t);
    qb_vec_init(&t->pending, alloc, SIZE_MAX);
}

int tls_transcript_add(tls_transcript *t, const uint8_t *msg, size_t len)
{
    if (t->ctx)
        return cx_hash_ctx_update(t->ctx, msg, len) ? TLS_ERR_INTERNAL : 0;
    return qb_vec_append(&t->pending, msg, len) == QB_OK ? 0 : TLS_ERR_INTERNAL;
}

int tls_transcript_set_hash(tls_transcript *t, cx_hash_id h)
{
    if (t->ctx)
        return t->hash == h ? 0 : TLS_ERR_INTERNAL;
    t->hash = h;
    if (!(t->ctx = cx_hash_ctx_new(h)))
        return TLS_ERR_INTERNAL;
    size_t n = qb_vec_len(&t->pending);
    int rc = n && cx_hash_ctx_update(t->ctx, qb_vec_data(&t->pending), n);
    qb_vec_free(&t->pending);
    return rc ? TLS_ERR_INTERNAL : 0;
}

int tls_transcript_hrr_reset(tls_transcript *t)
{
    uint8_t mh[4 + TLS_HASH_MAX];
    size_t hlen = cx_hash_len(t->hash);
    if (!t->ctx || cx_hash_ctx_peek(t->ctx, mh + 4))
        return TLS_ERR_INTERNAL;
    mh[0] = TLS_HS_MESSAGE_HASH;
    mh[1] = 0;
    mh[2] = 0;
    mh[3] = (uint8_t)hlen;
    cx_hash_ctx_free(t->ctx);
    if (!(t->ctx = cx_hash_ctx_new(t->hash)) || cx_hash_ctx_update(t->ctx, mh, 4 + hlen))
        return TLS_ERR_INTERNAL;
    return 0;
}

int tls_transcript_hash(const tls_transcript *t, uint8_t *out)
{
    return t->ctx && cx_hash_ctx_peek(t->ctx, out) == 0 ? 0 : TLS_ERR_INTERNAL;
}

void tls_transcript_free(tls_transcript *t)
{
    cx_hash_ctx_free(t->ctx);
    qb_vec_free(&t->pending);
    memset(t, 0, sizeof *t);
}
