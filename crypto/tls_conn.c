/*
 * tls_conn: the API on top of the engine (see the layering in tls_int.h):
 * configuration defaults, new/free, handshake message framing over the
 * CRYPTO streams of each level (RFC 9001 §4.1.3) and the dispatch of each
 * message to the client or server state machine, output and events handed
 * to the caller, queries. Nothing below calls back into this file.
 */
#include "crypto/tls_int.h"

#include <string.h>

#ifdef QUINCE_MINIMAL
/* The size profile (cmake/quince_minimal.cmake): the suite and groups every
 * TLS 1.3 peer implements (RFC 8446 §9.1), nothing else. */
static const uint16_t DEFAULT_SUITES[] = {TLS_AES_128_GCM_SHA256};
static const uint16_t DEFAULT_GROUPS[] = {CX_GROUP_X25519, CX_GROUP_SECP256R1};
#else
static const uint16_t DEFAULT_SUITES[] = {TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,
                                          TLS_CHACHA20_POLY1305_SHA256};
/* secp384r1 too, so a client whose one share is P-384 needs no
 * HelloRetryRequest (RFC 8446 §4.2.8). */
static const uint16_t DEFAULT_GROUPS[] = {CX_GROUP_X25519, CX_GROUP_SECP256R1,
                                          CX_GROUP_SECP384R1};
#endif
static const uint16_t DEFAULT_SIGALGS[] = {
    CX_SIG_ECDSA_SECP256R1_SHA256, CX_SIG_RSA_PSS_RSAE_SHA256, CX_SIG_ED25519,
    CX_SIG_ECDSA_SECP384R1_SHA384, CX_SIG_RSA_PSS_RSAE_SHA384, CX_SIG_RSA_PSS_RSAE_SHA512,
};

void tls_config_init(tls_config *cfg, tls_role role)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->role = role;
}

/* Copies a configured list, or the defaults when it is empty; values this
 * engine does not implement are refused. */
static int take_list(uint16_t *dst, size_t *n, const uint16_t *src, size_t count,
                     const uint16_t *def, size_t ndef, size_t cap, int (*known)(uint16_t))
{
    if (count == 0) {
        src = def;
        count = ndef;
    }
    if (count > cap)
        return TLS_ERR_ARG;
    for (size_t i = 0; i < count; i++)
        if (!known(src[i]))
            return TLS_ERR_ARG;
    memcpy(dst, src, count * sizeof *src);
    *n = count;
    return 0;
}

static int suite_known(uint16_t s)
{
    cx_hash_id h;
    return tls_suite_hash(s, &h) == 0;
}
static int group_known(uint16_t g) { return cx_kex_supported(g); }
static int sig_known(uint16_t s) { return cx_sig_scheme_known(s); }

tls_conn *tls_conn_new(const tls_config *cfg, const uint8_t *local_tp, size_t tp_len)
{
    if (!cfg || cfg->alpn_count == 0 || cfg->alpn_count > TLS_MAX_ALPN || tp_len > 0xffff)
        return NULL;
    for (size_t i = 0; i < cfg->alpn_count; i++)
        if (!cfg->alpn[i] || !*cfg->alpn[i] || strlen(cfg->alpn[i]) > TLS_ALPN_MAX)
            return NULL;
    if (cfg->role == TLS_ROLE_SERVER && !cfg->chain)
        return NULL;
    if (cfg->role == TLS_ROLE_CLIENT && !cfg->trust && !cfg->insecure_skip_verify)
        return NULL;
    /* RFC 9525 §6.1: a verifying client checks the certificate against the
     * name it meant to reach; without one any certificate of its CAs would
     * pass. A name given must be a valid reference identifier. */
    if (cfg->role == TLS_ROLE_CLIENT &&
        ((cfg->server_name && *cfg->server_name) || !cfg->insecure_skip_verify) &&
        cx_x509_host_kind_of(cfg->server_name) == CX_X509_HOST_INVALID)
        return NULL;
    if (cfg->role == TLS_ROLE_SERVER && cfg->request_client_cert && !cfg->trust)
        return NULL;
    tls_conn *c = qb_calloc(cfg->alloc, sizeof *c);
    if (!c)
        return NULL;
    c->cfg = cfg;
    c->a = cfg->alloc;
    c->role = cfg->role;
    c->state = cfg->role == TLS_ROLE_CLIENT ? TLS_ST_START : TLS_ST_S_WAIT_CH;
    c->read_level = TLS_LEVEL_INITIAL;
    c->max_msg = cfg->max_message_size ? cfg->max_message_size : TLS_DEFAULT_MAX_MSG;
    tls_transcript_init(&c->tr, c->a);
    for (int l = 0; l < TLS_LEVEL_COUNT; l++) {
        qb_vec_init(&c->in[l], c->a, c->max_msg + 4);
        qb_vec_init(&c->out[l], c->a, SIZE_MAX);
    }
    if (take_list(c->suites, &c->nsuites, cfg->suites, cfg->suite_count, DEFAULT_SUITES,
                  sizeof DEFAULT_SUITES / sizeof DEFAULT_SUITES[0], TLS_MAX_SUITES, suite_known) ||
        take_list(c->groups, &c->ngroups, cfg->groups, cfg->group_count, DEFAULT_GROUPS,
                  sizeof DEFAULT_GROUPS / sizeof DEFAULT_GROUPS[0], TLS_MAX_GROUPS, group_known) ||
        take_list(c->sigalgs, &c->nsigalgs, cfg->sigalgs, cfg->sigalg_count, DEFAULT_SIGALGS,
                  6, TLS_MAX_SIGALGS, sig_known))
        goto fail;
    if (tp_len) {
        if (!(c->local_tp = qb_malloc(c->a, tp_len)))
            goto fail;
        memcpy(c->local_tp, local_tp, tp_len);
        c->local_tp_len = tp_len;
    }
    return c;
fail:
    tls_conn_free(c);
    return NULL;
}

void tls_conn_free(tls_conn *c)
{
    if (!c)
        return;
    for (int l = 0; l < TLS_LEVEL_COUNT; l++) {
        qb_vec_free(&c->in[l]);
        qb_vec_free(&c->out[l]);
    }
    for (size_t i = 0; i < c->nkex; i++)
        cx_kex_free(c->kex[i]);
    cx_pkey_free(c->peer_key);
    tls_transcript_free(&c->tr);
    tls_ks_wipe(&c->ks);
    qb_free(c->a, c->local_tp);
    qb_free(c->a, c->peer_tp);
    qb_free(c->a, c->cookie);
    qb_free(c->a, c->psk_ext);
    qb_free(c->a, c->ticket_app);
    qb_free(c->a, c->resumed_app);
    cx_wipe(c->psk, sizeof c->psk);
    cx_wipe(c->early_secret, sizeof c->early_secret);
    cx_wipe(c->ev, sizeof c->ev); /* SECRET events not taken */
    qb_free(c->a, c);
}

int tls_conn_start(tls_conn *c)
{
    if (c->role != TLS_ROLE_CLIENT || c->state != TLS_ST_START)
        return TLS_ERR_STATE;
    return tls_client_start(c);
}

/* ---- events ---- */

int tls_conn_next_event(tls_conn *c, tls_event *ev)
{
    if (!c->ev_count) {
        ev->type = TLS_EVENT_NONE;
        return 0;
    }
    /* The caller's copy is the only one left (it wipes it once used). */
    *ev = c->ev[c->ev_head];
    cx_wipe(&c->ev[c->ev_head], sizeof c->ev[0]);
    c->ev_head = (c->ev_head + 1) % TLS_EVENT_RING;
    c->ev_count--;
    return 1;
}

/* ---- output ---- */

void tls_conn_get_output(tls_conn *c, tls_level level, const uint8_t **p, size_t *n)
{
    qb_vec *b = &c->out[level];
    *p = qb_vec_data(b);
    *n = qb_vec_len(b);
}

void tls_conn_consume_output(tls_conn *c, tls_level level, size_t n)
{
    qb_vec *b = &c->out[level];
    qb_vec_consume(b, n);
    if (qb_vec_len(b) == 0)
        qb_vec_shrink(b); /* a flight is sent once: nothing to keep it for */
}

int tls_conn_defer_local_tp(tls_conn *c)
{
    if (c->role != TLS_ROLE_SERVER || c->state != TLS_ST_S_WAIT_CH)
        return TLS_ERR_STATE;
    c->tp_deferred = true;
    return 0;
}

int tls_conn_set_local_tp(tls_conn *c, const uint8_t *tp, size_t len)
{
    if (c->role != TLS_ROLE_SERVER || !c->tp_deferred || len > 0xffff ||
        (c->state != TLS_ST_S_WAIT_CH && c->state != TLS_ST_S_WAIT_CH2 &&
         c->state != TLS_ST_S_WAIT_TP))
        return TLS_ERR_STATE;
    uint8_t *copy = len ? qb_malloc(c->a, len) : NULL;
    if (len && !copy)
        return tls_fail(c, TLS_ERR_INTERNAL, "out of memory");
    if (len)
        memcpy(copy, tp, len);
    qb_free(c->a, c->local_tp);
    c->local_tp = copy;
    c->local_tp_len = len;
    c->tp_deferred = false;
    return c->state == TLS_ST_S_WAIT_TP ? tls_server_resume(c) : 0;
}

/* ---- input: message framing (RFC 8446 §4, RFC 9001 §4.1.3) ---- */

static int dispatch(tls_conn *c, tls_level level, const uint8_t *raw, size_t rawlen)
{
    qb_rd r;
    tls_msg m;
    qb_rd_init(&r, raw, rawlen);
    if (tls_msg_decode(&r, &m))
        return tls_fail(c, TLS_ERR_DECODE, "bad handshake header");
    /* RFC 9001 §8.3, §6: no EndOfEarlyData, no KeyUpdate in QUIC. */
    if (m.type == TLS_HS_KEY_UPDATE || m.type == TLS_HS_END_OF_EARLY_DATA)
        return tls_fail(c, TLS_ERR_UNEXPECTED, "KeyUpdate/EndOfEarlyData are not allowed in QUIC");
    return c->role == TLS_ROLE_CLIENT ? tls_client_handle(c, level, &m, raw, rawlen)
                                      : tls_server_handle(c, level, &m, raw, rawlen);
}

static size_t msg_len(const uint8_t *h)
{
    return ((size_t)h[1] << 16) | ((size_t)h[2] << 8) | h[3];
}

/* Whole messages at the front of p; *used gets what was taken. */
static int frame(tls_conn *c, tls_level level, const uint8_t *p, size_t n, size_t *used)
{
    size_t off = 0;
    *used = 0;
    while (n - off >= 4) {
        size_t mlen = msg_len(p + off);
        if (mlen > c->max_msg)
            return tls_fail(c, TLS_ERR_ALERT(TLS_ALERT_RECORD_OVERFLOW),
                            "handshake message over the size limit");
        if (n - off - 4 < mlen)
            break;
        int rc = dispatch(c, level, p + off, 4 + mlen);
        off += 4 + mlen;
        *used = off;
        if (rc)
            return rc;
        /* RFC 8446 §5.1: a message must not span a key change. */
        if (c->read_level != level && off < n)
            return tls_fail(c, TLS_ERR_UNEXPECTED, "data after a key change");
    }
    if (c->read_level != level && off < n)
        return tls_fail(c, TLS_ERR_UNEXPECTED, "data after a key change");
    return 0;
}

int tls_conn_recv(tls_conn *c, tls_level level, const uint8_t *data, size_t len)
{
    qb_vec *b;
    size_t used;
    int rc;
    if (c->state == TLS_ST_FAILED)
        return TLS_ERR_FAILED;
    if ((unsigned)level >= TLS_LEVEL_COUNT)
        return TLS_ERR_ARG;
    if (len == 0)
        return 0;
    if (level != c->read_level || c->state == TLS_ST_START)
        return tls_fail(c, TLS_ERR_UNEXPECTED, "handshake data at an unexpected level");
    b = &c->in[level];
    while (len > 0) {
        if (qb_vec_len(b) == 0) {
            /* Fast path: whole messages straight from the caller's bytes. */
            if ((rc = frame(c, level, data, len, &used)))
                return rc;
            data += used;
            len -= used;
            if (len == 0)
                break;
        }
        /* Reassembly of one message split across calls: take only what
         * completes it, so the buffer never exceeds the limit + 4. */
        size_t have = qb_vec_len(b);
        const uint8_t *bp = qb_vec_data(b);
        size_t want = have < 4 ? 4 - have : 4 + msg_len(bp) - have;
        size_t take = want < len ? want : len;
        if (have >= 4 || have + take >= 4) {
            uint8_t hdr[4];
            for (size_t i = 0; i < 4; i++)
                hdr[i] = i < have ? bp[i] : data[i - have];
            if (msg_len(hdr) > c->max_msg)
                return tls_fail(c, TLS_ERR_ALERT(TLS_ALERT_RECORD_OVERFLOW),
                                "handshake message over the size limit");
            if (have < 4) { /* the header is complete: take up to the body's end */
                size_t rest = 4 + msg_len(hdr) - have;
                take = rest < len ? rest : len;
            }
        }
        if (qb_vec_append(b, data, take) != QB_OK)
            return tls_fail(c, TLS_ERR_INTERNAL, "out of memory");
        data += take;
        len -= take;
        bp = qb_vec_data(b);
        if (qb_vec_len(b) >= 4 && qb_vec_len(b) == 4 + msg_len(bp)) {
            qb_vec_clear(b); /* the bytes stay valid in storage while dispatched */
            rc = frame(c, level, bp, 4 + msg_len(bp), &used);
            qb_vec_shrink(b); /* drained: split messages are rare, give it back */
            if (rc)
                return rc;
            /* RFC 8446 §5.1: a message must not span a key change. */
            if (c->read_level != level && len > 0)
                return tls_fail(c, TLS_ERR_UNEXPECTED, "data after a key change");
        }
    }
    return 0;
}

/* ---- queries ---- */

bool tls_conn_is_done(const tls_conn *c) { return c->state == TLS_ST_CONNECTED; }
uint8_t tls_conn_alert(const tls_conn *c) { return c->alert; }
const char *tls_conn_reason(const tls_conn *c) { return c->reason; }
const char *tls_conn_alpn(const tls_conn *c) { return c->alpn[0] ? c->alpn : NULL; }
const char *tls_conn_server_name(const tls_conn *c) { return c->sni[0] ? c->sni : NULL; }
uint16_t tls_conn_suite(const tls_conn *c) { return c->suite; }
uint16_t tls_conn_group(const tls_conn *c) { return c->group; }
uint16_t tls_conn_sigalg(const tls_conn *c) { return c->sigalg; }
bool tls_conn_did_hrr(const tls_conn *c) { return c->did_hrr; }
size_t tls_conn_ticket_count(const tls_conn *c) { return c->tickets; }

size_t tls_conn_partial_input(const tls_conn *c)
{
    size_t n = 0;
    for (int i = 0; i < TLS_LEVEL_COUNT; i++)
        n += qb_vec_len(&c->in[i]);
    return n;
}
bool tls_conn_peer_authenticated(const tls_conn *c) { return c->peer_authenticated; }
bool tls_conn_resumed(const tls_conn *c) { return c->resumed; }

int tls_conn_set_ticket_app_data(tls_conn *c, const uint8_t *p, size_t n)
{
    if (c->role != TLS_ROLE_SERVER || c->state == TLS_ST_CONNECTED || n > TLS_TICKET_APP_MAX)
        return TLS_ERR_STATE;
    uint8_t *copy = n ? qb_malloc(c->a, n) : NULL;
    if (n && !copy)
        return TLS_ERR_INTERNAL;
    if (n)
        memcpy(copy, p, n);
    qb_free(c->a, c->ticket_app); /* (the resumed ticket's data stays: another field) */
    c->ticket_app = copy;
    c->ticket_app_len = n;
    return 0;
}

void tls_conn_ticket_app_data(const tls_conn *c, const uint8_t **p, size_t *n)
{
    *p = c->resumed ? c->resumed_app : NULL;
    *n = c->resumed ? c->resumed_app_len : 0;
}

void tls_conn_peer_tp(const tls_conn *c, const uint8_t **p, size_t *n)
{
    *p = c->peer_tp;
    *n = c->peer_tp_len;
}

int tls_conn_exporter_secret(const tls_conn *c, uint8_t *out, size_t *len)
{
    if (c->state != TLS_ST_CONNECTED)
        return TLS_ERR_STATE;
    memcpy(out, c->ks.exporter, c->ks.hlen);
    *len = c->ks.hlen;
    return 0;
}
