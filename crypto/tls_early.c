/*
 * 0-RTT for QUIC (RFC 8446 §4.2.10, §7.1, §8; RFC 9001 §4.6): the client's
 * early_data offer and its client_early_traffic_secret, the server's choice
 * (the ticket allows it, same suite and ALPN, the first ClientHello, the
 * ticket age within the window, a binder never seen before) and its
 * early_data answer in EncryptedExtensions. QUIC has no EndOfEarlyData
 * (RFC 9001 §8.3): the 0-RTT keys simply stop being used.
 */
#include "crypto/tls_int.h"

#include <string.h>

/* RFC 8446 §8.3: how far the client's view of the ticket age may differ from
 * ours; the replay cache remembers binders for as long (§8.2). */
#define EARLY_AGE_WINDOW_MS 10000

static const uint8_t EMPTY[1];

/* client_early_traffic_secret = Derive-Secret(Early Secret, "c e traffic",
 * ClientHello) with Early Secret = HKDF-Extract(0, PSK) (§7.1). */
int tls_early_traffic_secret(cx_hash_id h, const uint8_t *psk, size_t psk_len,
                             const uint8_t *th_ch, uint8_t *out)
{
    uint8_t zeros[TLS_HASH_MAX] = {0}, early[TLS_HASH_MAX];
    size_t hl = cx_hash_len(h);
    int rc = cx_hkdf_extract(h, zeros, hl, psk, psk_len, early) ||
                     cx_hkdf_expand_label(h, early, hl, "c e traffic", th_ch, hl, out, hl)
                 ? TLS_ERR_INTERNAL : 0;
    cx_wipe(early, sizeof early);
    return rc;
}

static void push_early_secret(tls_conn *c, tls_dir dir, const uint8_t *secret, size_t len,
                              uint16_t suite)
{
    tls_event ev = {.type = TLS_EVENT_SECRET, .level = TLS_LEVEL_EARLY, .dir = dir,
                    .suite = suite, .secret_len = len};
    memcpy(ev.secret, secret, len);
    tls_push_event(c, &ev);
    cx_wipe(&ev, sizeof ev);
    tls_keylog_len(c, "CLIENT_EARLY_TRAFFIC_SECRET", secret, len);
}

static bool alpn_configured(const tls_conn *c, tls_bytes alpn)
{
    for (size_t i = 0; i < c->cfg->alpn_count; i++)
        if (strlen(c->cfg->alpn[i]) == alpn.len && memcmp(c->cfg->alpn[i], alpn.p, alpn.len) == 0)
            return true;
    return false;
}

/* ---- client ---- */

void tls_early_client_ext(tls_conn *c, tls_ch *ch)
{
    /* §4.2.10: only with the PSK of a ticket that allows early data, whose
     * ALPN we still offer; §4.1.2: never in the ClientHello after a
     * HelloRetryRequest. RFC 9001 §4.6.1: 0xffffffff is the only size. */
    if (!c->cfg->early_data || !c->psk_offered || c->did_hrr ||
        c->sess.max_early_data != 0xffffffffu || !alpn_configured(c, c->sess.alpn))
        return;
    ch->ext.val[TLS_X_EARLY_DATA] = (tls_bytes){EMPTY, 0};
    ch->ext.present |= 1u << TLS_X_EARLY_DATA;
    c->early = TLS_EARLY_OFFERED;
}

int tls_early_client_secret(tls_conn *c)
{
    cx_hash_id h;
    uint8_t th[TLS_HASH_MAX], secret[TLS_HASH_MAX];
    if (c->early != TLS_EARLY_OFFERED || c->did_hrr)
        return 0;
    /* The hash is not fixed before the ServerHello: the ClientHello is the
     * whole transcript so far (§4.4.1), hashed with the ticket's hash. */
    size_t n = qb_vec_len(&c->tr.pending);
    if (tls_suite_hash(c->sess.suite, &h) || c->tr.ctx || !n ||
        cx_hash(h, qb_vec_data(&c->tr.pending), n, th) ||
        tls_early_traffic_secret(h, c->sess.psk.p, c->sess.psk.len, th, secret))
        return tls_fail(c, TLS_ERR_INTERNAL, "early traffic secret");
    push_early_secret(c, TLS_DIR_WRITE, secret, cx_hash_len(h), c->sess.suite);
    cx_wipe(secret, sizeof secret);
    return 0;
}

int tls_early_client_on_ee(tls_conn *c, const tls_ee *ee)
{
    bool has = tls_exts_has(&ee->ext, TLS_X_EARLY_DATA);
    if (has && c->early != TLS_EARLY_OFFERED)
        return tls_fail(c, TLS_ERR_UNSUPPORTED_EXT, "early_data accepted but not offered");
    if (c->early != TLS_EARLY_OFFERED)
        return 0;
    if (!has) {
        c->early = TLS_EARLY_REJECTED;
        c->early_reason = c->resumed ? "refused by the server" : "ticket not accepted";
        tls_log(c, TLS_LOG_DEBUG, "client: 0-RTT rejected");
        return 0;
    }
    /* §4.2.10: accepted only with the first PSK, in the ticket's suite and
     * for the ticket's ALPN; otherwise the server broke the rules. */
    if (!c->resumed || c->suite != c->sess.suite || strlen(c->alpn) != c->sess.alpn.len ||
        memcmp(c->alpn, c->sess.alpn.p, c->sess.alpn.len) != 0)
        return tls_fail(c, TLS_ERR_ILLEGAL, "early_data accepted with another PSK, suite or ALPN");
    c->early = TLS_EARLY_ACCEPTED;
    tls_log(c, TLS_LOG_DEBUG, "client: 0-RTT accepted");
    return 0;
}

/* ---- server ---- */

static int reject(tls_conn *c, const char *why)
{
    c->early = TLS_EARLY_REJECTED;
    c->early_reason = why;
    tls_log(c, TLS_LOG_DEBUG, "server: 0-RTT rejected (%s)", why);
    return 0;
}

int tls_early_server_decide(tls_conn *c, const tls_ch *ch, bool second)
{
    cx_hash_id h;
    uint8_t th[TLS_HASH_MAX];
    (void)second; /* a second ClientHello with early_data failed earlier (§4.1.2) */
    if (!tls_exts_has(&ch->ext, TLS_X_EARLY_DATA))
        return 0;
    if (!c->resumed)
        return reject(c, "no usable ticket");
    if (c->psk_index != 0) /* §4.2.10: the first identity only */
        return reject(c, "not the first PSK identity");
    if (!c->cfg->ticket_early_data || c->cfg->refuse_early_data)
        return reject(c, "disabled");
    if (c->psk_max_early != 0xffffffffu)
        return reject(c, "ticket does not allow early data");
    if (c->suite != c->psk_suite)
        return reject(c, "cipher suite differs from the ticket's");
    if (strcmp(c->alpn, c->psk_alpn) != 0)
        return reject(c, "ALPN differs from the ticket's");
    /* §8.3: a ClientHello whose ticket age is far from ours is old (or a
     * replay after the cache forgot it). */
    if (c->psk_age_skew_ms > EARLY_AGE_WINDOW_MS || c->psk_age_skew_ms < -EARLY_AGE_WINDOW_MS)
        return reject(c, "ticket age outside the window");
    /* §8.2, RFC 9001 §9.2: the same binder twice is a replay; a full cache
     * is doubt, and doubt refuses 0-RTT, never the connection. */
    int fresh = tls_ticket_replay_check(c->cfg->ticket_keys, c->psk_binder, c->psk_len,
                                        tls_now_ms(c), 2 * EARLY_AGE_WINDOW_MS);
    if (fresh == 0)
        return reject(c, "replayed ClientHello");
    if (fresh < 0)
        return reject(c, "replay cache full");
    if (tls_suite_hash(c->suite, &h) || tls_transcript_hash(&c->tr, th) ||
        tls_early_traffic_secret(h, c->psk, c->psk_len, th, c->early_secret))
        return tls_fail(c, TLS_ERR_INTERNAL, "early traffic secret");
    c->early = TLS_EARLY_ACCEPTED;
    return 0;
}

void tls_early_server_ee(tls_conn *c, tls_ee *ee)
{
    if (c->early != TLS_EARLY_ACCEPTED)
        return;
    ee->ext.val[TLS_X_EARLY_DATA] = (tls_bytes){EMPTY, 0};
    ee->ext.present |= 1u << TLS_X_EARLY_DATA;
}

void tls_early_server_after_ee(tls_conn *c)
{
    if (c->early != TLS_EARLY_ACCEPTED)
        return;
    push_early_secret(c, TLS_DIR_READ, c->early_secret, c->ks.hlen, c->suite);
    cx_wipe(c->early_secret, sizeof c->early_secret);
    tls_log(c, TLS_LOG_DEBUG, "server: 0-RTT accepted");
}

/* ---- API (tls.h) ---- */

tls_early_state tls_conn_early_data(const tls_conn *c) { return c->early; }
const char *tls_conn_early_reason(const tls_conn *c)
{
    return c->early == TLS_EARLY_REJECTED ? c->early_reason : NULL;
}

int tls_conn_reject_early_data(tls_conn *c, const char *reason)
{
    if (c->role != TLS_ROLE_SERVER)
        return TLS_ERR_STATE;
    if (c->early != TLS_EARLY_ACCEPTED)
        return 0;
    /* Once EncryptedExtensions said yes it stays yes. */
    if (c->state != TLS_ST_S_WAIT_TP)
        return TLS_ERR_STATE;
    cx_wipe(c->early_secret, sizeof c->early_secret);
    return reject(c, reason ? reason : "refused by the application");
}
