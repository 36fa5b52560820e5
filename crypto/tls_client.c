/*
 * TLS 1.3 client state machine for QUIC (RFC 8446 §4, RFC 9001 §4, §8):
 * ClientHello (again after a HelloRetryRequest), then ServerHello,
 * EncryptedExtensions, Certificate, CertificateVerify, Finished; then the
 * client Finished; resumed (tls_psk.c) without Certificate and
 * CertificateVerify. NewSessionTickets afterwards go to the session store.
 */
#include "crypto/tls_int.h"

#include <string.h>

/* ---- ClientHello (RFC 8446 §4.1.2) ---- */

static int build_client_hello(tls_conn *c)
{
    uint8_t suites[2 * TLS_MAX_SUITES], groups[2 * TLS_MAX_GROUPS], sigs[2 * TLS_MAX_SIGALGS];
    uint8_t shares[TLS_MAX_GROUPS * (4 + CX_KEX_SHARE_MAX)], alpn[TLS_MAX_ALPN * 256];
    uint8_t sni[5 + 256];
    static const uint8_t versions[] = {0x03, 0x04}, modes[] = {1 /* psk_dhe_ke */}, comp[] = {0};
    size_t ns = 0, na = 0;
    tls_ch ch;
    qb_wr w;
    int rc;

    memset(&ch, 0, sizeof ch);
    ch.legacy_version = TLS_LEGACY_VERSION;
    memcpy(ch.random, c->client_random, TLS_RANDOM_LEN);
    /* RFC 9001 §8.4: no middlebox compatibility, so legacy_session_id is empty. */
    ch.session_id.len = 0;
    for (size_t i = 0; i < c->nsuites; i++)
        qb_put_u16(suites + 2 * i, c->suites[i]);
    ch.suites = (tls_bytes){suites, 2 * c->nsuites};
    ch.compression = (tls_bytes){comp, 1};

    const char *host = c->cfg->server_name;
    /* RFC 6066 §3: literal IP addresses are not sent as host_name. */
    if (host && *host && !tls_is_ip_literal(host) && strlen(host) <= 255) {
        size_t hl = strlen(host);
        sni[0] = 0;
        qb_put_u16(sni + 1, (uint16_t)hl);
        memcpy(sni + 3, host, hl);
        ch.ext.val[TLS_X_SERVER_NAME] = (tls_bytes){sni, 3 + hl};
        ch.ext.present |= 1u << TLS_X_SERVER_NAME;
    }
    for (size_t i = 0; i < c->ngroups; i++)
        qb_put_u16(groups + 2 * i, c->groups[i]);
    ch.ext.val[TLS_X_GROUPS] = (tls_bytes){groups, 2 * c->ngroups};
    for (size_t i = 0; i < c->nsigalgs; i++)
        qb_put_u16(sigs + 2 * i, c->sigalgs[i]);
    ch.ext.val[TLS_X_SIGALGS] = (tls_bytes){sigs, 2 * c->nsigalgs};
    for (size_t i = 0; i < c->cfg->alpn_count; i++) {
        size_t l = strlen(c->cfg->alpn[i]);
        alpn[na++] = (uint8_t)l;
        memcpy(alpn + na, c->cfg->alpn[i], l);
        na += l;
    }
    ch.ext.val[TLS_X_ALPN] = (tls_bytes){alpn, na};
    for (size_t i = 0; i < c->nkex; i++) {
        size_t kl;
        qb_put_u16(shares + ns, cx_kex_group(c->kex[i]));
        if (cx_kex_public(c->kex[i], shares + ns + 4, CX_KEX_SHARE_MAX, &kl))
            return tls_fail(c, TLS_ERR_INTERNAL, "key share");
        qb_put_u16(shares + ns + 2, (uint16_t)kl);
        ns += 4 + kl;
    }
    ch.ext.val[TLS_X_KEY_SHARE] = (tls_bytes){shares, ns};
    ch.ext.val[TLS_X_VERSIONS] = (tls_bytes){versions, 2};
    ch.ext.val[TLS_X_PSK_MODES] = (tls_bytes){modes, 1};
    ch.ext.val[TLS_X_TP] = (tls_bytes){c->local_tp, c->local_tp_len};
    ch.ext.present |= (1u << TLS_X_GROUPS) | (1u << TLS_X_SIGALGS) | (1u << TLS_X_ALPN) |
                      (1u << TLS_X_KEY_SHARE) | (1u << TLS_X_VERSIONS) |
                      (1u << TLS_X_PSK_MODES) | (1u << TLS_X_TP);
    if (c->cookie) {
        ch.ext.val[TLS_X_COOKIE] = (tls_bytes){c->cookie, c->cookie_len};
        ch.ext.present |= 1u << TLS_X_COOKIE;
    }
    tls_early_client_ext(c, &ch); /* RFC 8446 §4.2.10 */
    if (tls_psk_client_ext(c, &ch))
        return tls_fail(c, TLS_ERR_INTERNAL, "pre_shared_key");
    if ((rc = tls_out_begin(c, TLS_LEVEL_INITIAL,
                            2048 + sizeof alpn + c->local_tp_len + c->cookie_len + c->psk_ext_len, &w)))
        return tls_fail(c, rc, "out of memory");
    /* RFC 8446 §4.2.11.2: the binder goes in before the ClientHello joins the transcript. */
    if ((rc = tls_ch_encode(&w, &ch)) || (rc = tls_psk_client_bind(c, &w)) ||
        (rc = tls_out_commit(c, TLS_LEVEL_INITIAL, &w, true)))
        return tls_fail(c, TLS_ERR_INTERNAL, "ClientHello encoding");
    c->state = TLS_ST_C_WAIT_SH;
    return 0;
}

int tls_client_start(tls_conn *c)
{
    size_t nshare = c->cfg->key_share_count ? c->cfg->key_share_count : 1;
    if (nshare > c->ngroups)
        nshare = c->ngroups;
    if (tls_random(c, c->client_random, TLS_RANDOM_LEN))
        return tls_fail(c, TLS_ERR_INTERNAL, "random source failed");
    for (size_t i = 0; i < nshare; i++) {
        if (tls_kex_new(c, c->groups[i], &c->kex[i]))
            return tls_fail(c, TLS_ERR_INTERNAL, "key generation failed");
        c->nkex++;
    }
    if (c->cfg->insecure_skip_verify)
        tls_log(c, TLS_LOG_WARN, "client: INSECURE: server certificate will not be verified");
    tls_psk_client_prepare(c);
    int rc = build_client_hello(c);
    /* RFC 8446 §7.1: 0-RTT keys from the first ClientHello */
    return rc ? rc : tls_early_client_secret(c);
}

static cx_kex *offered_share(tls_conn *c, uint16_t group)
{
    for (size_t i = 0; i < c->nkex; i++)
        if (cx_kex_group(c->kex[i]) == group)
            return c->kex[i];
    return NULL;
}

static bool offered(const uint16_t *list, size_t n, uint16_t v)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == v)
            return true;
    return false;
}

/* ---- HelloRetryRequest (RFC 8446 §4.1.4) ---- */

static int on_hrr(tls_conn *c, const tls_sh *sh, const uint8_t *raw, size_t rawlen)
{
    cx_hash_id h;
    uint16_t group;
    if (c->did_hrr)
        return tls_fail(c, TLS_ERR_UNEXPECTED, "second HelloRetryRequest");
    if (!offered(c->suites, c->nsuites, sh->suite) || tls_hash_of_suite(c, sh->suite, &h))
        return tls_fail(c, TLS_ERR_ILLEGAL, "HelloRetryRequest cipher suite not offered");
    /* A retry must change the ClientHello: a new share, a cookie, or both. */
    if (!tls_exts_has(&sh->ext, TLS_X_KEY_SHARE) && !tls_exts_has(&sh->ext, TLS_X_COOKIE))
        return tls_fail(c, TLS_ERR_ILLEGAL, "HelloRetryRequest that changes nothing");
    group = 0;
    if (tls_exts_has(&sh->ext, TLS_X_KEY_SHARE)) {
        group = qb_get_u16(sh->ext.val[TLS_X_KEY_SHARE].p);
        /* §4.2.8: a group we support, without a share already sent. */
        if (!offered(c->groups, c->ngroups, group) || offered_share(c, group))
            return tls_fail(c, TLS_ERR_ILLEGAL, "HelloRetryRequest asks for an unusable group");
    }
    if (tls_exts_has(&sh->ext, TLS_X_COOKIE)) {
        tls_bytes ck = sh->ext.val[TLS_X_COOKIE];
        if (ck.len > TLS_MAX_COOKIE)
            return tls_fail(c, TLS_ERR_ILLEGAL, "cookie too long");
        if (!(c->cookie = qb_malloc(c->a, ck.len)))
            return tls_fail(c, TLS_ERR_INTERNAL, "out of memory");
        memcpy(c->cookie, ck.p, ck.len);
        c->cookie_len = ck.len;
    }
    c->did_hrr = true;
    c->suite = sh->suite;
    if (c->early == TLS_EARLY_OFFERED) { /* §4.1.2: no early data after a retry */
        c->early = TLS_EARLY_REJECTED;
        c->early_reason = "HelloRetryRequest";
    }
    tls_psk_client_on_hrr(c, sh->suite);
    /* §4.4.1: ClientHello1 becomes message_hash, then the HRR itself. */
    if (tls_transcript_set_hash(&c->tr, h) || tls_transcript_hrr_reset(&c->tr) ||
        tls_transcript_add(&c->tr, raw, rawlen))
        return tls_fail(c, TLS_ERR_INTERNAL, "transcript");
    if (group) { /* §4.1.2: the shares are replaced by one for the requested group */
        for (size_t i = 0; i < c->nkex; i++)
            cx_kex_free(c->kex[i]);
        c->nkex = 0;
        if (tls_kex_new(c, group, &c->kex[0]))
            return tls_fail(c, TLS_ERR_INTERNAL, "key generation failed");
        c->nkex = 1;
    }
    return build_client_hello(c);
}

/* ---- ServerHello (RFC 8446 §4.1.3) ---- */

static int on_server_hello(tls_conn *c, const tls_msg *m, const uint8_t *raw, size_t rawlen)
{
    tls_sh sh;
    cx_hash_id h;
    uint16_t group;
    tls_bytes key;
    uint8_t secret[CX_KEX_SECRET_MAX], th[TLS_HASH_MAX];
    size_t slen;
    cx_kex *k;
    int rc = tls_sh_decode(m->body.p, m->body.len, &sh);
    if (rc)
        return tls_fail(c, rc, "malformed ServerHello");
    /* §4.2.1: without supported_versions the server speaks TLS 1.2 or older. */
    if (!tls_exts_has(&sh.ext, TLS_X_VERSIONS) ||
        qb_get_u16(sh.ext.val[TLS_X_VERSIONS].p) != TLS_VERSION_13)
        return tls_fail(c, TLS_ERR_VERSION, "server did not select TLS 1.3");
    if (sh.legacy_version != TLS_LEGACY_VERSION)
        return tls_fail(c, TLS_ERR_ILLEGAL, "bad legacy_version");
    /* §4.1.3: echo of our (empty) session id, compression 0. */
    if (sh.session_id.len != 0 || sh.compression != 0)
        return tls_fail(c, TLS_ERR_ILLEGAL, "bad legacy_session_id_echo or compression");
    /* §4.2: only extensions we offered; pre_shared_key only with a ticket. */
    if (sh.ext.unknown || (tls_exts_has(&sh.ext, TLS_X_PSK) && !c->psk_offered))
        return tls_fail(c, TLS_ERR_UNSUPPORTED_EXT, "ServerHello extension not offered");
    if (sh.hrr)
        return on_hrr(c, &sh, raw, rawlen);
    if ((rc = tls_psk_client_on_sh(c, &sh)))
        return rc;
    if (!offered(c->suites, c->nsuites, sh.suite) || (c->did_hrr && sh.suite != c->suite))
        return tls_fail(c, TLS_ERR_ILLEGAL, "ServerHello cipher suite not offered");
    if (!tls_exts_has(&sh.ext, TLS_X_KEY_SHARE))
        return tls_fail(c, TLS_ERR_MISSING_EXT, "ServerHello without key_share");
    if (tls_key_share_one(sh.ext.val[TLS_X_KEY_SHARE], &group, &key) ||
        !(k = offered_share(c, group)))
        return tls_fail(c, TLS_ERR_ILLEGAL, "ServerHello key share of a group not offered");
    if (cx_kex_derive(k, key.p, key.len, secret, sizeof secret, &slen))
        return tls_fail(c, TLS_ERR_ILLEGAL, "bad server key share"); /* secret left wiped */
    c->suite = sh.suite;
    c->group = group;
    rc = tls_hash_of_suite(c, sh.suite, &h) || tls_transcript_set_hash(&c->tr, h) ||
         tls_transcript_add(&c->tr, raw, rawlen) || tls_transcript_hash(&c->tr, th) ||
         (c->resumed ? tls_ks_init_psk(&c->ks, h, c->sess.psk.p, c->sess.psk.len)
                     : tls_ks_init(&c->ks, h)) ||
         tls_ks_handshake(&c->ks, secret, slen, th);
    cx_wipe(secret, sizeof secret); /* the (EC)DHE secret, on every path */
    if (rc)
        return tls_fail(c, TLS_ERR_INTERNAL, "key schedule");
    for (size_t i = 0; i < c->nkex; i++)
        cx_kex_free(c->kex[i]);
    c->nkex = 0;
    c->ks_ready = true;
    tls_push_secret(c, TLS_LEVEL_HANDSHAKE, TLS_DIR_READ, c->ks.s_hs, "SERVER_HANDSHAKE_TRAFFIC_SECRET");
    tls_push_secret(c, TLS_LEVEL_HANDSHAKE, TLS_DIR_WRITE, c->ks.c_hs, "CLIENT_HANDSHAKE_TRAFFIC_SECRET");
    c->read_level = TLS_LEVEL_HANDSHAKE;
    c->state = TLS_ST_C_WAIT_EE;
    return 0;
}

/* ---- EncryptedExtensions (RFC 8446 §4.3.1, RFC 9001 §8.1, §8.2) ---- */

static int on_encrypted_extensions(tls_conn *c, const tls_msg *m)
{
    tls_ee ee;
    qb_rd r;
    tls_bytes proto, extra;
    int rc = tls_ee_decode(m->body.p, m->body.len, &ee);
    if (rc)
        return tls_fail(c, rc, "malformed EncryptedExtensions");
    if (ee.ext.unknown)
        return tls_fail(c, TLS_ERR_UNSUPPORTED_EXT, "EncryptedExtensions extension not offered");
    if (!tls_exts_has(&ee.ext, TLS_X_ALPN))
        return tls_fail(c, TLS_ERR_NO_ALPN, "server selected no application protocol");
    /* RFC 7301 §3.1: exactly one protocol, one we offered. */
    qb_rd_init(&r, ee.ext.val[TLS_X_ALPN].p, ee.ext.val[TLS_X_ALPN].len);
    if (tls_alpn_next(&r, &proto) != 1 || tls_alpn_next(&r, &extra) != 0)
        return tls_fail(c, TLS_ERR_ILLEGAL, "server ALPN must name one protocol");
    bool ok = false;
    for (size_t i = 0; i < c->cfg->alpn_count && !ok; i++)
        ok = strlen(c->cfg->alpn[i]) == proto.len && memcmp(c->cfg->alpn[i], proto.p, proto.len) == 0;
    if (!ok)
        return tls_fail(c, TLS_ERR_ILLEGAL, "server selected a protocol not offered");
    memcpy(c->alpn, proto.p, proto.len);
    c->alpn[proto.len] = 0;
    if (!tls_exts_has(&ee.ext, TLS_X_TP))
        return tls_fail(c, TLS_ERR_MISSING_EXT, "no quic_transport_parameters");
    if ((rc = tls_early_client_on_ee(c, &ee)))
        return rc;
    if ((rc = tls_set_peer_tp(c, ee.ext.val[TLS_X_TP])))
        return rc;
    /* RFC 8446 §2.2: resumed, the server authenticates with the PSK: no
     * Certificate, CertificateVerify or CertificateRequest (§4.3.2). */
    c->state = c->resumed ? TLS_ST_C_WAIT_FIN : TLS_ST_C_WAIT_CERT;
    return 0;
}

/* ---- CertificateRequest (RFC 8446 §4.3.2) ---- */

static int on_certificate_request(tls_conn *c, const tls_msg *m)
{
    tls_cr cr;
    int rc = tls_cr_decode(m->body.p, m->body.len, &cr);
    if (rc)
        return tls_fail(c, rc, "malformed CertificateRequest");
    /* §4.3.2: the context "SHALL be zero length unless used for the
     * post-handshake authentication exchanges", which QUIC does not have
     * (RFC 9001 §4.4). */
    if (cr.context.len)
        return tls_fail(c, TLS_ERR_ILLEGAL, "CertificateRequest with a non-empty context");
    if (!tls_exts_has(&cr.ext, TLS_X_SIGALGS))
        return tls_fail(c, TLS_ERR_MISSING_EXT, "CertificateRequest without signature_algorithms");
    tls_bytes algs = cr.ext.val[TLS_X_SIGALGS];
    c->cert_requested = true;
    c->cr_sigalgs_len = algs.len < sizeof c->cr_sigalgs ? algs.len : sizeof c->cr_sigalgs;
    memcpy(c->cr_sigalgs, algs.p, c->cr_sigalgs_len);
    return 0;
}

/* ---- Certificate, CertificateVerify (RFC 8446 §4.4.2, §4.4.3) ---- */

static int on_certificate(tls_conn *c, const tls_msg *m)
{
    size_t n;
    int rc = tls_recv_certificate(c, m, true, &n);
    if (rc)
        return rc;
    if (n == 0) /* §4.4.2.4 */
        return tls_fail(c, TLS_ERR_DECODE, "empty server Certificate");
    c->state = TLS_ST_C_WAIT_CV;
    return 0;
}

static int on_certificate_verify(tls_conn *c, const tls_msg *m)
{
    int rc = tls_check_cert_verify(c, m, true);
    if (rc)
        return rc;
    c->state = TLS_ST_C_WAIT_FIN;
    return 0;
}

/* Our answer to a CertificateRequest: our chain if a scheme fits, else an
 * empty Certificate (§4.4.2). Our preference order among the server's list. */
static int send_client_cert(tls_conn *c)
{
    tls_bytes algs = {c->cr_sigalgs, c->cr_sigalgs_len};
    const cx_x509_chain *chain = c->cfg->chain;
    uint16_t scheme = 0;
    for (size_t i = 0; chain && i < c->nsigalgs && !scheme; i++)
        if (tls_u16_list_has(algs, c->sigalgs[i]) &&
            cx_sig_scheme_fits(c->sigalgs[i], cx_x509_chain_key(chain)))
            scheme = c->sigalgs[i];
    if (!scheme)
        chain = NULL;
    /* §4.4.2: the request's context, always empty here */
    return tls_send_cert_and_verify(c, (tls_bytes){NULL, 0}, chain, scheme, false);
}

/* ---- server Finished, then ours (RFC 8446 §4.4.4) ---- */

static int on_finished(tls_conn *c, const tls_msg *m, const uint8_t *raw, size_t rawlen)
{
    tls_fin fin;
    uint8_t th[TLS_HASH_MAX], vd[TLS_HASH_MAX];
    qb_wr w;
    int rc = tls_fin_decode(m->body.p, m->body.len, &fin);
    if (rc)
        return tls_fail(c, rc, "malformed Finished");
    if ((rc = tls_finished_check(c, c->ks.s_hs, fin.verify_data)))
        return rc;
    if (tls_transcript_add(&c->tr, raw, rawlen) || tls_transcript_hash(&c->tr, th) ||
        tls_ks_application(&c->ks, th))
        return tls_fail(c, TLS_ERR_INTERNAL, "key schedule");
    if (c->cert_requested && (rc = send_client_cert(c)))
        return rc;
    if (tls_finished_make(c, c->ks.c_hs, vd))
        return tls_fail(c, TLS_ERR_INTERNAL, "finished");
    fin.verify_data = (tls_bytes){vd, c->ks.hlen};
    if (tls_out_begin(c, TLS_LEVEL_HANDSHAKE, 4 + TLS_HASH_MAX, &w) || tls_fin_encode(&w, &fin) ||
        tls_out_commit(c, TLS_LEVEL_HANDSHAKE, &w, true) || tls_transcript_hash(&c->tr, th) ||
        tls_ks_resumption(&c->ks, th))
        return tls_fail(c, TLS_ERR_INTERNAL, "client Finished");
    tls_push_secret(c, TLS_LEVEL_APPLICATION, TLS_DIR_READ, c->ks.s_ap, "SERVER_TRAFFIC_SECRET_0");
    tls_push_secret(c, TLS_LEVEL_APPLICATION, TLS_DIR_WRITE, c->ks.c_ap, "CLIENT_TRAFFIC_SECRET_0");
    tls_keylog(c, "EXPORTER_SECRET", c->ks.exporter);
    tls_ks_forget_traffic(&c->ks); /* all handed out in events */
    tls_drop_handshake_state(c);
    c->read_level = TLS_LEVEL_APPLICATION;
    c->state = TLS_ST_CONNECTED;
    tls_event ev = {.type = TLS_EVENT_HANDSHAKE_DONE};
    tls_push_event(c, &ev);
    tls_log(c, TLS_LOG_INFO, "client: handshake complete alpn=%s", c->alpn);
    return 0;
}

int tls_client_handle(tls_conn *c, tls_level level, const tls_msg *m, const uint8_t *raw,
                      size_t rawlen)
{
    int rc;
    switch (c->state) {
    case TLS_ST_C_WAIT_SH:
        if (m->type != TLS_HS_SERVER_HELLO)
            break;
        return on_server_hello(c, m, raw, rawlen);
    case TLS_ST_C_WAIT_EE:
        if (m->type != TLS_HS_ENCRYPTED_EXTENSIONS)
            break;
        rc = on_encrypted_extensions(c, m);
        goto add;
    case TLS_ST_C_WAIT_CERT:
        if (m->type == TLS_HS_CERTIFICATE_REQUEST && !c->cert_requested) {
            rc = on_certificate_request(c, m);
            goto add;
        }
        if (m->type != TLS_HS_CERTIFICATE)
            break;
        rc = on_certificate(c, m);
        goto add;
    case TLS_ST_C_WAIT_CV:
        if (m->type != TLS_HS_CERTIFICATE_VERIFY)
            break;
        rc = on_certificate_verify(c, m);
        goto add;
    case TLS_ST_C_WAIT_FIN:
        if (m->type != TLS_HS_FINISHED)
            break;
        return on_finished(c, m, raw, rawlen);
    case TLS_ST_CONNECTED:
        if (m->type == TLS_HS_NEW_SESSION_TICKET)
            return tls_psk_client_on_ticket(c, m);
        break;
    default:
        break;
    }
    return tls_fail(c, TLS_ERR_UNEXPECTED, "handshake message unexpected in this state");
add:
    if (rc)
        return rc;
    return tls_transcript_add(&c->tr, raw, rawlen) ? tls_fail(c, TLS_ERR_INTERNAL, "transcript") : 0;
}
