/*
 * Session resumption with tickets (RFC 8446 §2.2, §4.2.9, §4.2.11, §4.6.1,
 * RFC 9001 §4.6.1): the client's pre_shared_key offer (psk_dhe_ke only) with
 * its binder and obfuscated ticket age, the server's choice of a ticket, and
 * the NewSessionTickets both ends exchange after the handshake.
 * 0-RTT (tls_early.c) uses what is kept here: psk_age_skew_ms, psk_max_early,
 * the ticket's suite, ALPN and the verified binder on the server, and the
 * stored session's max_early_data and peer transport parameters on the client.
 */
#include "crypto/tls_int.h"

#include <string.h>
#include <time.h>

#define MAX_LIFETIME 604800   /* §4.6.1: seven days */
#define MAX_TICKETS 8
/* An identity fits the u16 identities list with its age (§4.2.11). */
#define TLS_MAX_TICKET (0xffff - 6)

int64_t tls_now_ms(tls_conn *c)
{
    if (c->cfg->clock)
        return c->cfg->clock(c->cfg->clock_ud);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int tls_psk_binder(cx_hash_id h, const uint8_t *psk, size_t psk_len, const uint8_t *th,
                   uint8_t *out)
{
    uint8_t zeros[TLS_HASH_MAX] = {0}, early[TLS_HASH_MAX], empty[TLS_HASH_MAX];
    uint8_t bkey[TLS_HASH_MAX], fkey[TLS_HASH_MAX];
    size_t hl = cx_hash_len(h);
    int rc = 0;
    /* §7.1: binder_key = Derive-Secret(Early Secret, "res binder", "");
     * §4.2.11.2: the binder is a Finished over the truncated transcript. */
    if (cx_hkdf_extract(h, zeros, hl, psk, psk_len, early) || cx_hash(h, NULL, 0, empty) ||
        cx_hkdf_expand_label(h, early, hl, "res binder", empty, hl, bkey, hl) ||
        cx_hkdf_expand_label(h, bkey, hl, "finished", NULL, 0, fkey, hl) ||
        cx_hmac(h, fkey, hl, th, hl, out))
        rc = TLS_ERR_INTERNAL;
    cx_wipe(early, sizeof early);
    cx_wipe(bkey, sizeof bkey);
    cx_wipe(fkey, sizeof fkey);
    return rc;
}

int tls_psk_from_ticket(cx_hash_id h, const uint8_t *res, const uint8_t *nonce, size_t nlen,
                        uint8_t *out)
{
    size_t hl = cx_hash_len(h);
    /* §4.6.1: HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length) */
    return cx_hkdf_expand_label(h, res, hl, "resumption", nonce, nlen, out, hl) ? TLS_ERR_INTERNAL : 0;
}

/* Hash of the transcript so far followed by trunc, in hash h. */
static int hash_with(tls_conn *c, cx_hash_id h, const uint8_t *trunc, size_t n, uint8_t *out)
{
    if (c->tr.ctx)
        return c->tr.hash == h && cx_hash_ctx_peek_with(c->tr.ctx, trunc, n, out) == 0
                   ? 0 : TLS_ERR_INTERNAL;
    cx_hash_ctx *x = cx_hash_ctx_new(h);
    size_t pl = qb_vec_len(&c->tr.pending);
    int rc = !x || (pl && cx_hash_ctx_update(x, qb_vec_data(&c->tr.pending), pl)) ||
             cx_hash_ctx_peek_with(x, trunc, n, out);
    cx_hash_ctx_free(x);
    return rc ? TLS_ERR_INTERNAL : 0;
}

/* ---- client ---- */

int tls_psk_client_prepare(tls_conn *c)
{
    const tls_config *cfg = c->cfg;
    cx_hash_id h;
    if (!cfg->session || !cfg->session_len)
        return 0;
    if (!tls_session_usable(cfg->session, cfg->session_len, cfg->server_name, tls_now_ms(c)) ||
        tls_session_decode(cfg->session, cfg->session_len, &c->sess) ||
        tls_suite_hash(c->sess.suite, &h) || c->sess.psk.len != cx_hash_len(h) ||
        c->sess.ticket.len > TLS_MAX_TICKET) {
        tls_log(c, TLS_LOG_DEBUG, "client: stored session not usable: full handshake");
        return 0;
    }
    /* §4.2.11: the PSK's hash must be one of a suite we offer. */
    for (size_t i = 0; i < c->nsuites; i++) {
        cx_hash_id hs;
        if (tls_suite_hash(c->suites[i], &hs) == 0 && hs == h)
            c->psk_offered = true;
    }
    return 0;
}

int tls_psk_client_ext(tls_conn *c, tls_ch *ch)
{
    cx_hash_id h;
    qb_wr w;
    if (!c->psk_offered)
        return 0;
    tls_suite_hash(c->sess.suite, &h);
    size_t hl = cx_hash_len(h), tl = c->sess.ticket.len;
    size_t n = 2 + 2 + tl + 4 + 2 + 1 + hl;
    qb_free(c->a, c->psk_ext);
    if (!(c->psk_ext = qb_malloc(c->a, n)))
        return TLS_ERR_INTERNAL;
    c->psk_ext_len = n;
    /* §4.2.11.1: obfuscated_ticket_age = age in ms + ticket_age_add, mod 2^32 */
    uint32_t age = (uint32_t)(tls_now_ms(c) - c->sess.received_ms) + c->sess.age_add;
    qb_wr_init(&w, c->psk_ext, n);
    if (qb_wr_u16(&w, (uint16_t)(2 + tl + 4)) || qb_wr_u16(&w, (uint16_t)tl) ||
        qb_wr_bytes(&w, c->sess.ticket.p, tl) || qb_wr_u32(&w, age) ||
        qb_wr_u16(&w, (uint16_t)(1 + hl)) || qb_wr_u8(&w, (uint8_t)hl) || qb_wr_zeros(&w, hl))
        return TLS_ERR_INTERNAL;
    ch->ext.val[TLS_X_PSK] = (tls_bytes){c->psk_ext, n};
    ch->ext.present |= 1u << TLS_X_PSK;
    return 0;
}

int tls_psk_client_bind(tls_conn *c, qb_wr *w)
{
    cx_hash_id h;
    uint8_t th[TLS_HASH_MAX];
    if (!c->psk_offered)
        return 0;
    tls_suite_hash(c->sess.suite, &h);
    size_t hl = cx_hash_len(h);
    /* §4.2.11.2: the ClientHello up to and including the identities; the
     * binders list (2 + 1 + hl bytes, the last thing in it) is left out. */
    if (w->off < 3 + hl || hash_with(c, h, w->p, w->off - 3 - hl, th) ||
        tls_psk_binder(h, c->sess.psk.p, c->sess.psk.len, th, w->p + w->off - hl))
        return TLS_ERR_INTERNAL;
    return 0;
}

void tls_psk_client_on_hrr(tls_conn *c, uint16_t suite)
{
    cx_hash_id a, b;
    /* §4.1.4: a PSK whose hash does not fit the server's suite is dropped */
    if (c->psk_offered && (tls_suite_hash(suite, &a) || tls_suite_hash(c->sess.suite, &b) || a != b))
        c->psk_offered = false;
}

int tls_psk_client_on_sh(tls_conn *c, const tls_sh *sh)
{
    cx_hash_id a, b;
    if (!tls_exts_has(&sh->ext, TLS_X_PSK))
        return 0;
    /* §4.2.11: the server selects among what we offered (one identity), in
     * a suite of the PSK's hash. */
    if (!c->psk_offered || qb_get_u16(sh->ext.val[TLS_X_PSK].p) != 0)
        return tls_fail(c, TLS_ERR_ILLEGAL, "ServerHello selected a PSK not offered");
    if (tls_suite_hash(sh->suite, &a) || tls_suite_hash(c->sess.suite, &b) || a != b)
        return tls_fail(c, TLS_ERR_ILLEGAL, "ServerHello suite does not fit the PSK");
    c->resumed = true;
    return 0;
}

int tls_psk_client_on_ticket(tls_conn *c, const tls_msg *m)
{
    tls_nst nst;
    uint8_t psk[TLS_HASH_MAX];
    size_t sl = c->cfg->server_name ? strlen(c->cfg->server_name) : 0;
    int rc = tls_nst_decode(m->body.p, m->body.len, &nst);
    if (rc)
        return tls_fail(c, rc, "malformed NewSessionTicket");
    c->tickets++;
    /* §4.6.1: lifetime 0 means discard; over seven days is not allowed. */
    if (nst.lifetime > MAX_LIFETIME)
        return tls_fail(c, TLS_ERR_ILLEGAL, "ticket lifetime over seven days");
    if (!c->cfg->on_session || nst.lifetime == 0 || nst.ticket.len == 0 || sl > 255)
        return 0;
    uint32_t max_early = 0;
    if (tls_exts_has(&nst.ext, TLS_X_EARLY_DATA))
        max_early = qb_get_u32(nst.ext.val[TLS_X_EARLY_DATA].p);
    /* RFC 9001 §4.6.1: any other value than 0xffffffff is a QUIC PROTOCOL_VIOLATION. */
    if (tls_exts_has(&nst.ext, TLS_X_EARLY_DATA) && max_early != 0xffffffffu)
        return tls_fail(c, TLS_ERR_ILLEGAL, "max_early_data_size other than 0xffffffff");
    if (tls_psk_from_ticket(c->ks.hash, c->ks.resumption, nst.nonce.p, nst.nonce.len, psk))
        return tls_fail(c, TLS_ERR_INTERNAL, "resumption PSK");
    tls_session s = {
        .suite = c->suite,
        .alpn = {(const uint8_t *)c->alpn, strlen(c->alpn)},
        .server_name = {(const uint8_t *)c->cfg->server_name, sl},
        .psk = {psk, c->ks.hlen},
        .ticket = nst.ticket,
        .peer_tp = {c->peer_tp, c->peer_tp_len},
        .lifetime = nst.lifetime,
        .age_add = nst.age_add,
        .max_early_data = max_early,
        .received_ms = tls_now_ms(c),
    };
    size_t cap = 64 + 255 + 255 + TLS_HASH_MAX + nst.ticket.len + c->peer_tp_len;
    uint8_t *buf = qb_malloc(c->a, cap);
    qb_wr w;
    if (!buf) {
        cx_wipe(psk, sizeof psk);
        return tls_fail(c, TLS_ERR_INTERNAL, "out of memory");
    }
    qb_wr_init(&w, buf, cap);
    rc = tls_session_encode(&w, &s);
    if (!rc)
        c->cfg->on_session(c->cfg->session_ud, buf, w.off);
    cx_wipe(buf, cap);
    qb_free(c->a, buf);
    cx_wipe(psk, sizeof psk);
    return rc ? tls_fail(c, TLS_ERR_INTERNAL, "session encoding") : 0;
}

/* ---- server ---- */

/* The i-th entry of a list of u8-length binders. */
static int nth_binder(tls_bytes list, size_t i, tls_bytes *out, size_t *count)
{
    qb_rd r, b;
    size_t n = 0;
    qb_rd_init(&r, list.p, list.len);
    while (qb_rd_left(&r)) {
        if (qb_rd_vec(&r, 1, &b) || b.len < 32)
            return TLS_ERR_DECODE;
        if (n == i)
            *out = (tls_bytes){b.p, b.len};
        n++;
    }
    *count = n;
    return 0;
}

int tls_psk_server_select(tls_conn *c, const tls_ch *ch, const uint8_t *raw, size_t rawlen,
                          uint16_t suite, bool second)
{
    qb_rd r, ids, binders;
    cx_hash_id h, th_h;
    tls_bytes ext = ch->ext.val[TLS_X_PSK], binder = {NULL, 0};
    size_t idx = 0, found = SIZE_MAX, nb = 0;
    tls_ticket t;
    int64_t now = tls_now_ms(c);
    uint32_t obf_age = 0;
    (void)second;
    if (!tls_exts_has(&ch->ext, TLS_X_PSK))
        return 0;
    /* §4.2.9: a PSK without its modes is refused. */
    if (!tls_exts_has(&ch->ext, TLS_X_PSK_MODES))
        return tls_fail(c, TLS_ERR_MISSING_EXT, "pre_shared_key without psk_key_exchange_modes");
    qb_rd_init(&r, ext.p, ext.len);
    if (qb_rd_vec(&r, 2, &ids) || ids.len < 7 || qb_rd_vec(&r, 2, &binders) ||
        binders.len < 33 || qb_rd_left(&r) || ext.p + ext.len != raw + rawlen)
        return tls_fail(c, TLS_ERR_DECODE, "malformed pre_shared_key");
    /* psk_dhe_ke (1) only: psk_ke would give up forward secrecy. */
    if (!c->cfg->ticket_keys || !memchr(ch->ext.val[TLS_X_PSK_MODES].p, 1,
                                        ch->ext.val[TLS_X_PSK_MODES].len))
        return 0;
    if (tls_suite_hash(suite, &h))
        return 0;
    uint8_t *buf = qb_malloc(c->a, ids.len);
    if (!buf)
        return tls_fail(c, TLS_ERR_INTERNAL, "out of memory");
    /* The first identity that is a good ticket of ours, of a fitting hash, not
     * expired; the others are ignored (§4.2.11: unknown ones are skipped). */
    while (qb_rd_left(&ids)) {
        qb_rd id;
        uint32_t age;
        if (qb_rd_vec(&ids, 2, &id) || id.len == 0 || qb_rd_u32(&ids, &age)) {
            qb_free(c->a, buf);
            return tls_fail(c, TLS_ERR_DECODE, "malformed PSK identity");
        }
        if (found == SIZE_MAX && tls_ticket_open(c->cfg->ticket_keys, id.p, id.len, buf, &t) == 0 &&
            tls_suite_hash(t.suite, &th_h) == 0 && th_h == h && t.psk_len == cx_hash_len(h) &&
            now >= t.created_ms && now - t.created_ms < (int64_t)t.lifetime * 1000) {
            found = idx;
            obf_age = age;
            memcpy(c->psk, t.psk, t.psk_len);
            c->psk_len = t.psk_len;
            c->psk_max_early = t.max_early_data;
            c->psk_suite = t.suite;
            memset(c->psk_alpn, 0, sizeof c->psk_alpn);
            if (t.alpn.len < sizeof c->psk_alpn)
                memcpy(c->psk_alpn, t.alpn.p, t.alpn.len);
            qb_free(c->a, c->resumed_app);
            c->resumed_app = NULL;
            c->resumed_app_len = 0;
            if (t.app_data.len && (c->resumed_app = qb_malloc(c->a, t.app_data.len))) {
                memcpy(c->resumed_app, t.app_data.p, t.app_data.len);
                c->resumed_app_len = t.app_data.len;
            }
            /* §8.3: the client's age against ours, for a later 0-RTT window */
            int64_t client_age = (int64_t)(uint32_t)(age - t.age_add);
            c->psk_age_skew_ms = client_age - (now - t.created_ms);
        }
        idx++;
    }
    cx_wipe(buf, ids.len);
    qb_free(c->a, buf);
    /* §4.2.11: as many binders as identities. */
    if (nth_binder((tls_bytes){binders.p, binders.len}, found == SIZE_MAX ? 0 : found, &binder, &nb) ||
        nb != idx)
        return tls_fail(c, TLS_ERR_ILLEGAL, "pre_shared_key binders do not match identities");
    if (found == SIZE_MAX) {
        tls_log(c, TLS_LOG_DEBUG, "server: no usable ticket: full handshake");
        return 0;
    }
    (void)obf_age;
    uint8_t th[TLS_HASH_MAX], want[TLS_HASH_MAX];
    size_t trunc = rawlen - 2 - binders.len;
    if (hash_with(c, h, raw, trunc, th) || tls_psk_binder(h, c->psk, c->psk_len, th, want))
        return tls_fail(c, TLS_ERR_INTERNAL, "binder computation");
    bool ok = binder.len == c->psk_len && qb_ct_equal(want, binder.p, binder.len);
    cx_wipe(want, sizeof want);
    /* §4.2.11: a binder that does not verify aborts the handshake; §6.2
     * names decrypt_error for it. */
    if (!ok) {
        cx_wipe(c->psk, sizeof c->psk);
        return tls_fail(c, TLS_ERR_DECRYPT, "PSK binder does not verify");
    }
    memcpy(c->psk_binder, binder.p, binder.len);
    c->resumed = true;
    c->psk_index = (uint16_t)found;
    return 0;
}

int tls_psk_server_send_tickets(tls_conn *c)
{
    const tls_config *cfg = c->cfg;
    size_t n = cfg->ticket_count ? cfg->ticket_count : 1;
    uint32_t lifetime = cfg->ticket_lifetime ? cfg->ticket_lifetime : TLS_DEFAULT_TICKET_LIFETIME;
    if (!cfg->ticket_keys)
        return 0;
    if (n > MAX_TICKETS)
        n = MAX_TICKETS;
    if (lifetime > MAX_LIFETIME)
        lifetime = MAX_LIFETIME;
    size_t cap = TLS_TICKET_OVERHEAD + 64 + TLS_ALPN_MAX + TLS_HASH_MAX + c->ticket_app_len;
    uint8_t *sealed = qb_malloc(c->a, cap);
    if (!sealed)
        return tls_fail(c, TLS_ERR_INTERNAL, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        uint8_t nonce[1] = {(uint8_t)i}, ageb[4], emax[4];
        tls_ticket t;
        tls_nst nst;
        qb_wr w;
        size_t len;
        memset(&t, 0, sizeof t);
        memset(&nst, 0, sizeof nst);
        rc = TLS_ERR_INTERNAL;
        if (tls_random(c, ageb, 4))
            break;
        t.suite = c->suite;
        t.alpn = (tls_bytes){(const uint8_t *)c->alpn, strlen(c->alpn)};
        t.psk_len = c->ks.hlen;
        t.created_ms = tls_now_ms(c);
        t.age_add = qb_get_u32(ageb);
        t.lifetime = lifetime;
        t.max_early_data = cfg->ticket_early_data ? 0xffffffffu : 0;
        t.app_data = (tls_bytes){c->ticket_app, c->ticket_app_len};
        /* §4.6.1: a distinct nonce per ticket of the connection gives each its PSK */
        if (tls_psk_from_ticket(c->ks.hash, c->ks.resumption, nonce, 1, t.psk) ||
            tls_ticket_seal(cfg->ticket_keys, &t, sealed, cap, &len))
            break;
        cx_wipe(t.psk, sizeof t.psk);
        nst.lifetime = lifetime;
        nst.age_add = t.age_add;
        nst.nonce = (tls_bytes){nonce, 1};
        nst.ticket = (tls_bytes){sealed, len};
        if (cfg->ticket_early_data) { /* RFC 9001 §4.6.1 */
            qb_put_u32(emax, 0xffffffffu);
            nst.ext.val[TLS_X_EARLY_DATA] = (tls_bytes){emax, 4};
            nst.ext.present = 1u << TLS_X_EARLY_DATA;
        }
        /* not part of the transcript: it comes after both Finished */
        if (tls_out_begin(c, TLS_LEVEL_APPLICATION, 32 + len, &w) || tls_nst_encode(&w, &nst) ||
            tls_out_commit(c, TLS_LEVEL_APPLICATION, &w, false))
            break;
        rc = 0;
    }
    cx_wipe(sealed, cap);
    qb_free(c->a, sealed);
    if (rc)
        return tls_fail(c, TLS_ERR_INTERNAL, "NewSessionTicket");
    tls_log(c, TLS_LOG_DEBUG, "server: %zu session ticket(s) sent", n);
    return 0;
}
