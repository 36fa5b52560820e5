/*
 * TLS 1.3 server state machine for QUIC (RFC 8446 §4, RFC 9001 §4, §8):
 * ClientHello -> (HelloRetryRequest -> ClientHello) -> ServerHello at the
 * Initial level, EncryptedExtensions, Certificate, CertificateVerify,
 * Finished at the Handshake level; then the client Finished and
 * NewSessionTickets. A good ticket (tls_psk.c) leaves out Certificate and
 * CertificateVerify.
 */
#include "crypto/tls_int.h"

#include <string.h>

/* Server preference order among what the client offered. */
static uint16_t pick_suite(const tls_conn *c, tls_bytes offered)
{
    for (size_t i = 0; i < c->nsuites; i++)
        if (tls_u16_list_has(offered, c->suites[i]))
            return c->suites[i];
    return 0;
}

/* RFC 7301 §3.2: the server picks; here in its own preference order. */
static int pick_alpn(tls_conn *c, tls_bytes list)
{
    for (size_t i = 0; i < c->cfg->alpn_count; i++) {
        size_t l = strlen(c->cfg->alpn[i]);
        qb_rd r;
        tls_bytes p;
        qb_rd_init(&r, list.p, list.len);
        while (tls_alpn_next(&r, &p) == 1) {
            if (p.len == l && memcmp(p.p, c->cfg->alpn[i], l) == 0) {
                memcpy(c->alpn, p.p, l);
                c->alpn[l] = 0;
                return 0;
            }
        }
    }
    return -1;
}

/* The client's preference order among the schemes our key can make. */
static uint16_t pick_sigalg(const tls_conn *c, tls_bytes offered)
{
    const cx_pkey *key = cx_x509_chain_key(c->cfg->chain);
    for (size_t i = 0; i < tls_u16_list_count(offered); i++) {
        uint16_t s = tls_u16_list_at(offered, i);
        for (size_t j = 0; j < c->nsigalgs; j++)
            if (c->sigalgs[j] == s && cx_sig_scheme_fits(s, key))
                return s;
    }
    return 0;
}

/* A group with a key share (1), a group needing a HelloRetryRequest (0), none (-1). */
static int pick_group(const tls_conn *c, const tls_ch *ch, uint16_t *group, tls_bytes *key)
{
    tls_bytes shares = ch->ext.val[TLS_X_KEY_SHARE];
    for (size_t i = 0; i < c->ngroups; i++) {
        if (tls_key_share_find(shares, c->groups[i], key) == 1) {
            *group = c->groups[i];
            return 1;
        }
    }
    for (size_t i = 0; i < c->ngroups; i++) {
        if (tls_u16_list_has(ch->ext.val[TLS_X_GROUPS], c->groups[i])) {
            *group = c->groups[i];
            return 0;
        }
    }
    return -1;
}

static int check_shares(const tls_ch *ch)
{
    tls_bytes shares = ch->ext.val[TLS_X_KEY_SHARE], key;
    qb_rd r;
    qb_rd_init(&r, shares.p, shares.len);
    while (qb_rd_left(&r)) {
        uint16_t g;
        qb_rd k;
        if (qb_rd_u16(&r, &g) || qb_rd_vec(&r, 2, &k))
            return TLS_ERR_DECODE;
        if (!tls_u16_list_has(ch->ext.val[TLS_X_GROUPS], g))
            return TLS_ERR_ILLEGAL;
        /* no earlier entry (the bytes before this one) for the same group */
        tls_bytes before = {shares.p, (size_t)(k.p - 4 - shares.p)};
        if (tls_key_share_find(before, g, &key) == 1)
            return TLS_ERR_ILLEGAL;
    }
    return 0;
}

static int send_hrr(tls_conn *c, const uint8_t *raw, size_t rawlen)
{
    uint8_t ver[2], grp[2];
    tls_sh hrr;
    qb_wr w;
    cx_hash_id h;
    memset(&hrr, 0, sizeof hrr);
    hrr.legacy_version = TLS_LEGACY_VERSION;
    hrr.hrr = true;
    hrr.suite = c->suite;
    qb_put_u16(ver, TLS_VERSION_13);
    qb_put_u16(grp, c->group);
    hrr.ext.val[TLS_X_VERSIONS] = (tls_bytes){ver, 2};
    hrr.ext.val[TLS_X_KEY_SHARE] = (tls_bytes){grp, 2};
    hrr.ext.present = (1u << TLS_X_VERSIONS) | (1u << TLS_X_KEY_SHARE);
    /* §4.4.1: ClientHello1 is replaced by its message_hash. */
    if (tls_suite_hash(c->suite, &h) || tls_transcript_set_hash(&c->tr, h) ||
        tls_transcript_add(&c->tr, raw, rawlen) || tls_transcript_hrr_reset(&c->tr) ||
        tls_out_begin(c, TLS_LEVEL_INITIAL, 128, &w) || tls_sh_encode(&w, &hrr) ||
        tls_out_commit(c, TLS_LEVEL_INITIAL, &w, true))
        return tls_fail(c, TLS_ERR_INTERNAL, "HelloRetryRequest");
    c->did_hrr = true;
    c->state = TLS_ST_S_WAIT_CH2;
    tls_log(c, TLS_LOG_DEBUG, "server: HelloRetryRequest for group 0x%04x", c->group);
    return 0;
}

/* ServerHello (RFC 8446 §4.1.3). */
static int send_flight(tls_conn *c, cx_kex *k, const uint8_t *random)
{
    uint8_t ver[2], share[4 + CX_KEX_SHARE_MAX], psk[2];
    size_t kl;
    tls_sh sh;
    qb_wr w;
    memset(&sh, 0, sizeof sh);
    sh.legacy_version = TLS_LEGACY_VERSION;
    memcpy(sh.random, random, TLS_RANDOM_LEN);
    sh.suite = c->suite;
    qb_put_u16(ver, TLS_VERSION_13);
    qb_put_u16(share, c->group);
    if (cx_kex_public(k, share + 4, CX_KEX_SHARE_MAX, &kl))
        return tls_fail(c, TLS_ERR_INTERNAL, "key share");
    qb_put_u16(share + 2, (uint16_t)kl);
    sh.ext.val[TLS_X_KEY_SHARE] = (tls_bytes){share, 4 + kl};
    sh.ext.val[TLS_X_VERSIONS] = (tls_bytes){ver, 2};
    sh.ext.present = (1u << TLS_X_KEY_SHARE) | (1u << TLS_X_VERSIONS);
    if (c->resumed) { /* RFC 8446 §4.2.11: selected_identity */
        qb_put_u16(psk, c->psk_index);
        sh.ext.val[TLS_X_PSK] = (tls_bytes){psk, 2};
        sh.ext.present |= 1u << TLS_X_PSK;
    }
    if (tls_out_begin(c, TLS_LEVEL_INITIAL, 256, &w) || tls_sh_encode(&w, &sh) ||
        tls_out_commit(c, TLS_LEVEL_INITIAL, &w, true))
        return tls_fail(c, TLS_ERR_INTERNAL, "ServerHello");
    return 0;
}

static int send_encrypted_flight(tls_conn *c)
{
    uint8_t alpn[1 + TLS_ALPN_MAX], th[TLS_HASH_MAX], vd[TLS_HASH_MAX];
    size_t al = strlen(c->alpn);
    tls_ee ee;
    tls_fin fin;
    qb_wr w;

    memset(&ee, 0, sizeof ee);
    alpn[0] = (uint8_t)al;
    memcpy(alpn + 1, c->alpn, al);
    ee.ext.val[TLS_X_ALPN] = (tls_bytes){alpn, 1 + al};
    ee.ext.val[TLS_X_TP] = (tls_bytes){c->local_tp, c->local_tp_len};
    ee.ext.present = (1u << TLS_X_ALPN) | (1u << TLS_X_TP);
    tls_early_server_ee(c, &ee); /* RFC 8446 §4.2.10 */
    if (tls_out_begin(c, TLS_LEVEL_HANDSHAKE, 64 + al + c->local_tp_len, &w) ||
        tls_ee_encode(&w, &ee) || tls_out_commit(c, TLS_LEVEL_HANDSHAKE, &w, true))
        return tls_fail(c, TLS_ERR_INTERNAL, "EncryptedExtensions");
    tls_early_server_after_ee(c); /* RFC 9001 §4.6.1: 0-RTT keys once it is said */

    /* §4.3.2: the request's context is empty (one request per handshake). */
    /* §4.3.2: no CertificateRequest when authenticating with a resumption PSK. */
    if (c->cfg->request_client_cert && !c->resumed) {
        uint8_t algs[2 * TLS_MAX_SIGALGS];
        tls_cr cr;
        memset(&cr, 0, sizeof cr);
        for (size_t i = 0; i < c->nsigalgs; i++)
            qb_put_u16(algs + 2 * i, c->sigalgs[i]);
        cr.ext.val[TLS_X_SIGALGS] = (tls_bytes){algs, 2 * c->nsigalgs};
        cr.ext.present = 1u << TLS_X_SIGALGS;
        if (tls_out_begin(c, TLS_LEVEL_HANDSHAKE, 64, &w) || tls_cr_encode(&w, &cr) ||
            tls_out_commit(c, TLS_LEVEL_HANDSHAKE, &w, true))
            return tls_fail(c, TLS_ERR_INTERNAL, "CertificateRequest");
    }
    if (!c->resumed &&
        tls_send_cert_and_verify(c, (tls_bytes){NULL, 0}, c->cfg->chain, c->sigalg, true))
        return c->err;

    /* §4.4.4 */
    if (tls_finished_make(c, c->ks.s_hs, vd))
        return tls_fail(c, TLS_ERR_INTERNAL, "finished");
    fin.verify_data = (tls_bytes){vd, c->ks.hlen};
    if (tls_out_begin(c, TLS_LEVEL_HANDSHAKE, 4 + TLS_HASH_MAX, &w) || tls_fin_encode(&w, &fin) ||
        tls_out_commit(c, TLS_LEVEL_HANDSHAKE, &w, true) || tls_transcript_hash(&c->tr, th) ||
        tls_ks_application(&c->ks, th))
        return tls_fail(c, TLS_ERR_INTERNAL, "server Finished");
    /* RFC 9001 §4.1.4: the server may send 1-RTT data now (0.5-RTT, RFC
     * 8446 §2.3). The client's secret comes with it, since QUIC sets up both
     * directions of its 1-RTT keys at once; QUIC opens no 1-RTT packet before
     * the handshake is complete (RFC 9001 §5.7), while the TLS read level
     * stays Handshake until the client Finished. */
    tls_push_secret(c, TLS_LEVEL_APPLICATION, TLS_DIR_WRITE, c->ks.s_ap, "SERVER_TRAFFIC_SECRET_0");
    tls_push_secret(c, TLS_LEVEL_APPLICATION, TLS_DIR_READ, c->ks.c_ap, "CLIENT_TRAFFIC_SECRET_0");
    tls_keylog(c, "EXPORTER_SECRET", c->ks.exporter);
    return 0;
}

static int on_client_hello(tls_conn *c, const tls_msg *m, const uint8_t *raw, size_t rawlen)
{
    tls_ch ch;
    uint16_t group, suite;
    tls_bytes key;
    cx_hash_id h;
    uint8_t secret[CX_KEX_SECRET_MAX], th[TLS_HASH_MAX], srandom[TLS_RANDOM_LEN];
    size_t slen;
    cx_kex *k = NULL;
    bool second = c->state == TLS_ST_S_WAIT_CH2;
    int rc = tls_ch_decode(m->body.p, m->body.len, &ch);
    if (rc)
        return tls_fail(c, rc, "malformed ClientHello");
    /* §4.2.1: TLS 1.3 only. */
    if (!tls_exts_has(&ch.ext, TLS_X_VERSIONS) ||
        !tls_u16_list_has(ch.ext.val[TLS_X_VERSIONS], TLS_VERSION_13))
        return tls_fail(c, TLS_ERR_VERSION, "client does not offer TLS 1.3");
    /* §4.1.2: compression must be exactly null. */
    if (ch.compression.len != 1 || ch.compression.p[0] != 0)
        return tls_fail(c, TLS_ERR_ILLEGAL, "compression methods must be [null]");
    /* RFC 9001 §8.4: no middlebox compatibility mode in QUIC. */
    if (ch.session_id.len)
        return tls_fail(c, TLS_ERR_ILLEGAL, "non-empty legacy_session_id");
    if (tls_exts_has(&ch.ext, TLS_X_EARLY_DATA) && second)
        return tls_fail(c, TLS_ERR_ILLEGAL, "early_data after HelloRetryRequest");
    if (!(suite = pick_suite(c, ch.suites)))
        return tls_fail(c, TLS_ERR_HANDSHAKE, "no cipher suite in common");
    /* §9.2: a ClientHello for certificate authentication needs these. */
    if (!tls_exts_has(&ch.ext, TLS_X_SIGALGS) || !tls_exts_has(&ch.ext, TLS_X_GROUPS) ||
        !tls_exts_has(&ch.ext, TLS_X_KEY_SHARE))
        return tls_fail(c, TLS_ERR_MISSING_EXT, "missing signature_algorithms/supported_groups/key_share");
    /* RFC 9001 §8.1: ALPN is mandatory. */
    if (!tls_exts_has(&ch.ext, TLS_X_ALPN) || pick_alpn(c, ch.ext.val[TLS_X_ALPN]))
        return tls_fail(c, TLS_ERR_NO_ALPN, "no application protocol in common");
    /* RFC 9001 §8.2 */
    if (!tls_exts_has(&ch.ext, TLS_X_TP))
        return tls_fail(c, TLS_ERR_MISSING_EXT, "no quic_transport_parameters");
    /* §4.2.8: one share per group, each for a group in supported_groups. */
    if ((rc = check_shares(&ch)))
        return tls_fail(c, rc, "key_share does not match supported_groups or repeats a group");
    if (!(c->sigalg = pick_sigalg(c, ch.ext.val[TLS_X_SIGALGS])))
        return tls_fail(c, TLS_ERR_HANDSHAKE, "no signature algorithm fits the certificate");
    rc = pick_group(c, &ch, &group, &key);
    if (second) {
        /* §4.1.4: the second hello must answer the HelloRetryRequest. */
        if (suite != c->suite)
            return tls_fail(c, TLS_ERR_ILLEGAL, "cipher suite changed after HelloRetryRequest");
        if (tls_key_share_find(ch.ext.val[TLS_X_KEY_SHARE], c->group, &key) != 1)
            return tls_fail(c, TLS_ERR_ILLEGAL, "no key share for the requested group");
        group = c->group;
        rc = 1;
    }
    if (rc < 0)
        return tls_fail(c, TLS_ERR_HANDSHAKE, "no key exchange group in common");
    c->suite = suite;
    c->group = group;
    memcpy(c->client_random, ch.random, TLS_RANDOM_LEN);
    tls_bytes host;
    /* RFC 6066 §3: kept for the application; NUL bytes make it unusable. */
    if (tls_exts_has(&ch.ext, TLS_X_SERVER_NAME) &&
        tls_sni_host(ch.ext.val[TLS_X_SERVER_NAME], &host) == 1 && host.len < sizeof c->sni &&
        !memchr(host.p, 0, host.len)) {
        memcpy(c->sni, host.p, host.len);
        c->sni[host.len] = 0;
    }
    if (rc == 0) {
        if (tls_exts_has(&ch.ext, TLS_X_EARLY_DATA)) { /* RFC 8446 §4.1.2 */
            c->early = TLS_EARLY_REJECTED;
            c->early_reason = "HelloRetryRequest";
        }
        return send_hrr(c, raw, rawlen);
    }
    /* RFC 8446 §4.2.11: the ticket is judged on the ClientHello that gets a
     * ServerHello (after a HelloRetryRequest, the second one). */
    if ((rc = tls_psk_server_select(c, &ch, raw, rawlen, suite, second)))
        return rc;

    /* The ServerHello random is drawn before the key (tests fix both). */
    if (tls_random(c, srandom, TLS_RANDOM_LEN))
        return tls_fail(c, TLS_ERR_INTERNAL, "random source failed");
    if ((rc = tls_kex_new(c, group, &k)))
        return tls_fail(c, rc, "key generation failed");
    if (tls_suite_hash(suite, &h) || tls_transcript_set_hash(&c->tr, h) ||
        tls_transcript_add(&c->tr, raw, rawlen)) {
        cx_kex_free(k);
        return tls_fail(c, TLS_ERR_INTERNAL, "transcript");
    }
    if (cx_kex_derive(k, key.p, key.len, secret, sizeof secret, &slen)) {
        cx_kex_free(k); /* secret left wiped */
        return tls_fail(c, TLS_ERR_ILLEGAL, "bad client key share");
    }
    /* RFC 8446 §4.2.10: 0-RTT judged with Hash(ClientHello) at hand */
    if ((rc = tls_early_server_decide(c, &ch, second))) {
        cx_kex_free(k);
        cx_wipe(secret, sizeof secret);
        return rc;
    }
    rc = send_flight(c, k, srandom);
    cx_kex_free(k);
    if (!rc && (tls_transcript_hash(&c->tr, th) ||
                (c->resumed ? tls_ks_init_psk(&c->ks, h, c->psk, c->psk_len) : tls_ks_init(&c->ks, h)) ||
                tls_ks_handshake(&c->ks, secret, slen, th)))
        rc = tls_fail(c, TLS_ERR_INTERNAL, "key schedule");
    cx_wipe(secret, sizeof secret); /* the (EC)DHE secret, on every path */
    if (rc)
        return rc;
    c->ks_ready = true;
    /* The client's transport parameters come out before the Handshake
     * secrets: a QUIC server may pick the connection's version from them
     * (RFC 9368 §2.3), and that version's labels make the Handshake keys
     * (RFC 9369 §3.3.2). */
    if ((rc = tls_set_peer_tp(c, ch.ext.val[TLS_X_TP])))
        return rc;
    tls_push_secret(c, TLS_LEVEL_HANDSHAKE, TLS_DIR_READ, c->ks.c_hs, "CLIENT_HANDSHAKE_TRAFFIC_SECRET");
    tls_push_secret(c, TLS_LEVEL_HANDSHAKE, TLS_DIR_WRITE, c->ks.s_hs, "SERVER_HANDSHAKE_TRAFFIC_SECRET");
    c->read_level = TLS_LEVEL_HANDSHAKE;
    if (c->tp_deferred) {
        c->state = TLS_ST_S_WAIT_TP; /* tls_conn_set_local_tp sends the rest */
        return 0;
    }
    return tls_server_resume(c);
}

int tls_server_resume(tls_conn *c)
{
    int rc = send_encrypted_flight(c);
    if (rc)
        return rc;
    c->state = c->cfg->request_client_cert && !c->resumed ? TLS_ST_S_WAIT_CERT : TLS_ST_S_WAIT_FIN;
    return 0;
}

/* The client's answer to our CertificateRequest (RFC 8446 §4.4.2.4). */
static int on_client_certificate(tls_conn *c, const tls_msg *m)
{
    size_t n;
    int rc = tls_recv_certificate(c, m, false, &n);
    if (rc)
        return rc;
    if (n == 0) {
        if (c->cfg->require_client_cert)
            return tls_fail(c, TLS_ERR_ALERT(TLS_ALERT_CERTIFICATE_REQUIRED),
                            "client sent no certificate");
        c->state = TLS_ST_S_WAIT_FIN;
        return 0;
    }
    c->state = TLS_ST_S_WAIT_CV;
    return 0;
}

static int on_client_certificate_verify(tls_conn *c, const tls_msg *m)
{
    int rc = tls_check_cert_verify(c, m, false);
    if (rc)
        return rc;
    c->peer_authenticated = true;
    c->state = TLS_ST_S_WAIT_FIN;
    return 0;
}

static int on_client_finished(tls_conn *c, const tls_msg *m, const uint8_t *raw, size_t rawlen)
{
    tls_fin fin;
    uint8_t th[TLS_HASH_MAX];
    int rc = tls_fin_decode(m->body.p, m->body.len, &fin);
    if (rc)
        return tls_fail(c, rc, "malformed Finished");
    if ((rc = tls_finished_check(c, c->ks.c_hs, fin.verify_data)))
        return rc;
    if (tls_transcript_add(&c->tr, raw, rawlen) || tls_transcript_hash(&c->tr, th) ||
        tls_ks_resumption(&c->ks, th))
        return tls_fail(c, TLS_ERR_INTERNAL, "key schedule");
    tls_ks_forget_traffic(&c->ks); /* all handed out in events */
    cx_wipe(c->psk, sizeof c->psk);
    c->read_level = TLS_LEVEL_APPLICATION;
    c->state = TLS_ST_CONNECTED;
    if ((rc = tls_psk_server_send_tickets(c)))
        return rc;
    tls_drop_handshake_state(c);
    tls_event ev = {.type = TLS_EVENT_HANDSHAKE_DONE};
    tls_push_event(c, &ev);
    tls_log(c, TLS_LOG_INFO, "server: handshake complete alpn=%s%s", c->alpn,
            c->resumed ? " (resumed)" : "");
    return 0;
}

int tls_server_handle(tls_conn *c, tls_level level, const tls_msg *m, const uint8_t *raw,
                      size_t rawlen)
{
    int rc = 1;
    switch (c->state) {
    case TLS_ST_S_WAIT_CH:
    case TLS_ST_S_WAIT_CH2:
        if (m->type == TLS_HS_CLIENT_HELLO)
            return on_client_hello(c, m, raw, rawlen);
        break;
    case TLS_ST_S_WAIT_CERT:
        if (m->type == TLS_HS_CERTIFICATE)
            rc = on_client_certificate(c, m);
        goto add;
    case TLS_ST_S_WAIT_CV:
        if (m->type == TLS_HS_CERTIFICATE_VERIFY)
            rc = on_client_certificate_verify(c, m);
        goto add;
    case TLS_ST_S_WAIT_FIN:
        if (m->type == TLS_HS_FINISHED)
            return on_client_finished(c, m, raw, rawlen);
        break;
    default:
        break;
    }
    return tls_fail(c, TLS_ERR_UNEXPECTED, "handshake message unexpected in this state");
add:
    if (rc == 1) /* not the message this state waits for */
        return tls_fail(c, TLS_ERR_UNEXPECTED, "handshake message unexpected in this state");
    if (rc)
        return rc;
    return tls_transcript_add(&c->tr, raw, rawlen) ? tls_fail(c, TLS_ERR_INTERNAL, "transcript") : 0;
}
