/*
 * tls_core: the shared state helpers every handshake file sits on (see the
 * layering in tls_int.h): failure latching and logging, randomness and
 * ephemeral keys, the event ring and secrets, the per-level output buffers
 * with the transcript, the peer's transport parameters and Finished
 * (RFC 8446 §4.4.4). It calls nothing above it: no state machine, no API.
 */
#include "crypto/tls_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- failure, log, random ---- */

#ifndef QUINCE_MINIMAL /* the size profile has no log lines (tls_int.h) */
void tls_log(tls_conn *c, tls_log_level lvl, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    if (!c->cfg->log)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->cfg->log(c->cfg->log_ud, lvl, msg);
}
#endif

int(tls_fail)(tls_conn *c, int err, const char *reason) /* (): tls_int.h's size-profile macro */
{
    if (c->state == TLS_ST_FAILED)
        return c->err;
    c->state = TLS_ST_FAILED;
    c->err = err;
    c->alert = tls_err_alert(err);
    c->reason = reason;
    tls_event ev = {.type = TLS_EVENT_ERROR, .alert = c->alert};
    tls_push_event(c, &ev);
    tls_log(c, TLS_LOG_ERROR, "%s: handshake failed: %s (alert %s)",
            c->role == TLS_ROLE_CLIENT ? "client" : "server", reason, tls_alert_str(c->alert));
    return err;
}

int tls_random(tls_conn *c, uint8_t *out, size_t n)
{
    cx_rand_fn f = c->cfg->random ? c->cfg->random : cx_rand_default;
    return f(c->cfg->random_ud, out, n) ? TLS_ERR_INTERNAL : 0;
}

int tls_kex_new(tls_conn *c, uint16_t group, cx_kex **out)
{
    uint8_t priv[CX_KEX_PRIV_MAX];
    size_t n = cx_kex_priv_len(group);
    int rc = CX_KEX_ERR_PRIV;
    if (n == 0 || n > sizeof priv)
        return TLS_ERR_INTERNAL;
    /* A NIST-curve seed >= n is astronomically rare; draw again a few times. */
    for (int tries = 0; tries < 8 && rc == CX_KEX_ERR_PRIV; tries++) {
        if (tls_random(c, priv, n)) {
            rc = TLS_ERR_INTERNAL;
            break;
        }
        rc = cx_kex_new(group, priv, out);
    }
    cx_wipe(priv, sizeof priv);
    return rc ? TLS_ERR_INTERNAL : 0;
}

/* ---- events and secrets ---- */

void tls_drop_handshake_state(tls_conn *c)
{
    /* The peer's public key checked CertificateVerify (RFC 8446 §4.4.3);
     * the key shares made the handshake secret (§7.4); the transcript hash
     * ends at the client Finished (the resumption secret, §7.1): no
     * post-handshake message joins it in QUIC (RFC 9001 §4.1.3, §6). */
    cx_pkey_free(c->peer_key);
    c->peer_key = NULL;
    for (size_t i = 0; i < c->nkex; i++) {
        cx_kex_free(c->kex[i]);
        c->kex[i] = NULL;
    }
    c->nkex = 0;
    tls_transcript_free(&c->tr);
    qb_free(c->a, c->cookie);
    c->cookie = NULL;
    c->cookie_len = 0;
    qb_free(c->a, c->psk_ext);
    c->psk_ext = NULL;
    c->psk_ext_len = 0;
}

void tls_push_event(tls_conn *c, const tls_event *ev)
{
    if (c->ev_count == TLS_EVENT_RING)
        return; /* cannot happen: a handshake makes at most 8 events */
    c->ev[(c->ev_head + c->ev_count++) % TLS_EVENT_RING] = *ev;
}

static void hex(char *dst, const uint8_t *p, size_t n)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        dst[2 * i] = d[p[i] >> 4];
        dst[2 * i + 1] = d[p[i] & 15];
    }
    dst[2 * n] = 0;
}

void tls_keylog(tls_conn *c, const char *label, const uint8_t *secret)
{
    tls_keylog_len(c, label, secret, c->ks.hlen);
}

void tls_keylog_len(tls_conn *c, const char *label, const uint8_t *secret, size_t len)
{
    char cr[2 * TLS_RANDOM_LEN + 1], sec[2 * TLS_HASH_MAX + 1], line[256];
    if (!c->cfg->keylog || len > TLS_HASH_MAX)
        return;
    hex(cr, c->client_random, TLS_RANDOM_LEN);
    hex(sec, secret, len);
    snprintf(line, sizeof line, "%s %s %s", label, cr, sec);
    c->cfg->keylog(c->cfg->keylog_ud, line);
    cx_wipe(sec, sizeof sec);
    cx_wipe(line, sizeof line);
}

void tls_push_secret(tls_conn *c, tls_level level, tls_dir dir, const uint8_t *secret,
                     const char *label)
{
    tls_event ev = {.type = TLS_EVENT_SECRET, .level = level, .dir = dir, .suite = c->suite};
    memcpy(ev.secret, secret, c->ks.hlen);
    ev.secret_len = c->ks.hlen;
    tls_push_event(c, &ev);
    cx_wipe(&ev, sizeof ev);
    tls_keylog(c, label, secret);
}

/* ---- output ---- */

int tls_out_begin(tls_conn *c, tls_level level, size_t max, qb_wr *w)
{
    qb_vec *b = &c->out[level];
    if (qb_vec_reserve(b, max) != QB_OK)
        return TLS_ERR_INTERNAL;
    qb_wr_init(w, qb_vec_end(b), max);
    return 0;
}

int tls_out_commit(tls_conn *c, tls_level level, const qb_wr *w, bool transcript)
{
    if (transcript && tls_transcript_add(&c->tr, w->p, w->off))
        return TLS_ERR_INTERNAL;
    qb_vec_commit(&c->out[level], w->off);
    return 0;
}

/* ---- the peer's transport parameters ---- */

int tls_set_peer_tp(tls_conn *c, tls_bytes tp)
{
    if (tp.len && !(c->peer_tp = qb_malloc(c->a, tp.len)))
        return tls_fail(c, TLS_ERR_INTERNAL, "out of memory");
    if (tp.len)
        memcpy(c->peer_tp, tp.p, tp.len);
    c->peer_tp_len = tp.len;
    tls_event ev = {.type = TLS_EVENT_PEER_TP};
    tls_push_event(c, &ev);
    return 0;
}

/* ---- shared steps ---- */

int tls_hash_of_suite(tls_conn *c, uint16_t suite, cx_hash_id *h)
{
    return tls_suite_hash(suite, h) ? TLS_ERR_ILLEGAL : 0;
}

int tls_finished_make(tls_conn *c, const uint8_t *base, uint8_t *out)
{
    uint8_t th[TLS_HASH_MAX];
    if (tls_transcript_hash(&c->tr, th) || tls_ks_finished(&c->ks, base, th, out))
        return TLS_ERR_INTERNAL;
    return 0;
}

/* RFC 8446 §4.4.4: a wrong verify_data is decrypt_error. */
int tls_finished_check(tls_conn *c, const uint8_t *base, tls_bytes got)
{
    uint8_t want[TLS_HASH_MAX];
    bool ok;
    if (tls_finished_make(c, base, want))
        return tls_fail(c, TLS_ERR_INTERNAL, "finished computation failed");
    if (got.len != c->ks.hlen) {
        cx_wipe(want, sizeof want);
        return tls_fail(c, TLS_ERR_DECODE, "Finished of the wrong length");
    }
    /* the right verify_data of a peer that sent a wrong one is not kept */
    ok = qb_ct_equal(want, got.p, got.len);
    cx_wipe(want, sizeof want);
    return ok ? 0 : tls_fail(c, TLS_ERR_DECRYPT, "Finished does not verify");
}

bool tls_is_ip_literal(const char *h)
{
    return cx_x509_host_kind_of(h) == CX_X509_HOST_IP;
}
