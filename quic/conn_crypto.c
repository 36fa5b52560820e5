/* QUIC connection <-> TLS: CRYPTO streams, keys per level, transport
 * parameters, handshake completion and confirmation (RFC 9001 §4, §5, §7.3 of
 * RFC 9000). */
#include "quic/conn_int.h"

#include "crypto/tls_msg.h"

#include "crypto/cx_wipe.h"
#include "quic/version.h"

#include <string.h>

static cx_aead_id suite_aead(uint16_t suite)
{
    switch (suite) {
    case TLS_AES_256_GCM_SHA384: return CX_AES_256_GCM;
    case TLS_CHACHA20_POLY1305_SHA256: return CX_CHACHA20_POLY1305;
    default: return CX_AES_128_GCM;
    }
}

void quic_conn_level_keys_clear(quic_level_keys *k)
{
    if (k->rx_ok)
        quic_pkt_keys_clear(&k->rx);
    if (k->tx_ok)
        quic_pkt_keys_clear(&k->tx);
    k->rx_ok = k->tx_ok = false;
}
#define level_keys_clear quic_conn_level_keys_clear

int quic_conn_version_keys(quic_conn *c, uint32_t version, quic_level_keys *k)
{
    cx_quic_keys ck, sk;
    const quic_cid *dcid = &c->init_dcid;
    k->rx_ok = k->tx_ok = false;
    if (cx_quic_initial_keys(version, dcid->b, dcid->len, &ck, &sk) != 0)
        return QUIC_ERR_TLS;
    int rc = quic_pkt_keys_init_for(&k->rx, c->alloc, c->is_server ? &ck : &sk, CX_AEAD_OPEN);
    if (rc == 0) {
        k->rx_ok = true;
        rc = quic_pkt_keys_init_for(&k->tx, c->alloc, c->is_server ? &sk : &ck, CX_AEAD_SEAL);
        k->tx_ok = rc == 0;
    }
    cx_quic_keys_clear(&ck);
    cx_quic_keys_clear(&sk);
    if (rc != 0) {
        level_keys_clear(k);
    } else {
        quic_trace t = {.type = QUIC_TRACE_KEYS_INSTALLED, .pkt_type = QUIC_PKT_INITIAL,
                        .key_rx = true, .key_tx = true};
        quic_conn_trace(c, &t);
    }
    return rc == 0 ? 0 : QUIC_ERR_TLS;
}

int quic_conn_initial_keys(quic_conn *c, const quic_cid *dcid)
{
    level_keys_clear(&c->keys[QUIC_SPACE_INITIAL]);
    c->init_dcid = *dcid;
    return quic_conn_version_keys(c, c->version, &c->keys[QUIC_SPACE_INITIAL]);
}

void quic_conn_version_switch(quic_conn *c, uint32_t version, quic_level_keys *cand)
{
    quic_level_keys *k = &c->keys[QUIC_SPACE_INITIAL];
    if (c->is_server && k->rx_ok && !c->initial_orig_rx_ok) {
        /* RFC 9369 §4: the client's Initials may still come in the original
         * version until a Handshake packet of the new one. */
        c->initial_orig_rx = k->rx;
        c->initial_orig_rx_ok = true;
        k->rx_ok = false;
    }
    level_keys_clear(k);
    *k = *cand;
    cand->rx_ok = cand->tx_ok = false;
    quic_conn_logf(c, "version: 0x%08x -> 0x%08x", c->version, version);
    c->version = version;
    c->version_known = true;
}

/* RFC 9000 §9.6, §18.2: the server's preferred address carries a CID of
 * sequence number 1 and its reset token; it routes to us like any other. */
static void preferred_address(quic_conn *c, quic_tparams *tp)
{
    const quic_config *cfg = &c->cfg;
    size_t len = c->lcids.slot[0].cid.len;
    quic_tp_preferred_address *pa = &tp->preferred_address;
    /* Our parameters are made again after version negotiation (RFC 9368):
     * the CID of sequence 1 made the first time stays the one offered. */
    const quic_local_cid *l = NULL;
    for (size_t i = 0; i < QUIC_CID_SLOTS; i++)
        if (c->lcids.slot[i].active && c->lcids.slot[i].seq == 1)
            l = &c->lcids.slot[i];
    if (!l) {
        uint8_t b[QUIC_CID_MAX_LEN], token[QUIC_RESET_TOKEN_LEN];
        quic_cid cid;
        if (len == 0 || c->lcids.next_seq != 1 || quic_conn_random(c, b, len) != 0)
            return;
        quic_cid_set(&cid, b, len);
        if (quic_reset_token(cfg->static_key, &cid, token) != 0 ||
            quic_local_cids_add(&c->lcids, &cid, token, false) != 1)
            return;
        l = &c->lcids.slot[0];
        for (size_t i = 0; i < QUIC_CID_SLOTS; i++)
            if (c->lcids.slot[i].active && c->lcids.slot[i].seq == 1)
                l = &c->lcids.slot[i];
    }
    memcpy(pa->ipv4, cfg->preferred_ipv4, 4);
    pa->ipv4_port = cfg->preferred_ipv4_port;
    memcpy(pa->ipv6, cfg->preferred_ipv6, 16);
    pa->ipv6_port = cfg->preferred_ipv6_port;
    pa->cid.len = l->cid.len;
    memcpy(pa->cid.bytes, l->cid.b, l->cid.len);
    memcpy(pa->reset_token, l->token, QUIC_RESET_TOKEN_LEN);
    tp->has_preferred_address = true;
}

/* Our transport parameters (RFC 9000 §18.2, RFC 9221 §3). */
static void local_tparams(quic_conn *c, quic_tparams *tp)
{
    const quic_config *cfg = &c->cfg;
    quic_tparams_init(tp);
    tp->max_idle_timeout = cfg->max_idle_timeout_ms;
    tp->max_udp_payload_size = 1500; /* our receive buffers hold a 1500-byte datagram */
    tp->initial_max_data = cfg->initial_max_data;
    tp->initial_max_stream_data_bidi_local = cfg->initial_max_stream_data;
    tp->initial_max_stream_data_bidi_remote = cfg->initial_max_stream_data;
    tp->initial_max_stream_data_uni = cfg->initial_max_stream_data;
    tp->initial_max_streams_bidi = cfg->initial_max_streams_bidi;
    tp->initial_max_streams_uni = cfg->initial_max_streams_uni;
    tp->max_ack_delay = cfg->max_ack_delay_ms;
    tp->active_connection_id_limit = QUIC_CID_SLOTS;
    /* RFC 9000 §9, §18.2: migration is handled (conn_path.c); the switch
     * only says whether the peer may move on purpose. */
    tp->disable_active_migration = cfg->disable_active_migration;
    if (cfg->max_datagram_frame_size) {
        tp->has_max_datagram_frame_size = true;
        tp->max_datagram_frame_size = cfg->max_datagram_frame_size;
    }
    /* RFC 9368 §3, RFC 9369 §4: every v2-capable endpoint sends it. */
    /* (A server learns its version from the client's first packet.) */
    tp->has_version_info = c->version != 0;
    if (c->version)
        quic_version_info_local(cfg, c->version, &tp->version_info);
    const quic_cid *scid = &c->lcids.slot[0].cid;
    tp->has_initial_scid = true;
    tp->initial_scid.len = scid->len;
    memcpy(tp->initial_scid.bytes, scid->b, scid->len);
    if (c->is_server) {
        tp->has_original_dcid = true;
        tp->original_dcid.len = c->odcid.len;
        memcpy(tp->original_dcid.bytes, c->odcid.b, c->odcid.len);
        if (c->did_retry) {
            tp->has_retry_scid = true;
            tp->retry_scid.len = c->retry_scid.len;
            memcpy(tp->retry_scid.bytes, c->retry_scid.b, c->retry_scid.len);
        }
        tp->has_stateless_reset_token = true;
        quic_reset_token(cfg->static_key, scid, tp->stateless_reset_token);
        if (cfg->preferred_address)
            preferred_address(c, tp);
    }
}

int quic_conn_crypto_init(quic_conn *c)
{
    uint8_t tpbuf[512];
    qb_wr w;
    local_tparams(c, &c->local_tp);
    quic_trace pt = {.type = QUIC_TRACE_PARAMS_SET, .params = &c->local_tp};
    quic_conn_trace(c, &pt);
    qb_wr_init(&w, tpbuf, sizeof tpbuf);
    if (quic_tparams_encode(&w, &c->local_tp, c->is_server) != 0)
        return QUIC_ERR_TLS;
    c->tls = tls_conn_new(c->cfg.tls, tpbuf, w.off);
    if (!c->tls)
        return QUIC_ERR_TLS;
    /* A server announces the version it negotiates from the client's
     * parameters (RFC 9368 §2.3): ours wait for them. */
    if (c->is_server && tls_conn_defer_local_tp(c->tls) != 0)
        return QUIC_ERR_TLS;
    if (!c->is_server && tls_conn_start(c->tls) != 0)
        return QUIC_ERR_TLS;
    for (int i = 0; i < QUIC_LEVELS; i++) {
        size_t window = c->cfg.max_crypto_buffer;
        if (quic_recvbuf_init(&c->sp[i].crypto_rx, window, window, c->alloc) != 0)
            return QUIC_ERR_NOMEM;
    }
    return quic_conn_crypto_pump(c);
}

/* ---- the CRYPTO send side ---- */

static int crypto_append(quic_conn *c, quic_crypto_send *cs, const uint8_t *p, size_t n)
{
    if (cs->len + n > QUIC_CRYPTO_SEND_MAX)
        return QUIC_ERR_NOMEM;
    if (cs->len + n > cs->cap) {
        /* Issue 10: the first piece sets the size (rounded to 64 bytes), so
         * the 1-RTT buffer of a server, kept for the connection's life, is as
         * small as its session tickets; a flight doubles it from there. */
        size_t ncap = cs->cap ? cs->cap * 2 : (n + 63) & ~(size_t)63;
        while (ncap < cs->len + n)
            ncap *= 2;
        uint8_t *b = qb_realloc(c->alloc, cs->buf, ncap);
        if (!b)
            return QUIC_ERR_NOMEM;
        cs->buf = b;
        cs->cap = ncap;
    }
    memcpy(cs->buf + cs->len, p, n);
    cs->len += n;
    return 0;
}

void quic_crypto_send_free(quic_conn *c, quic_crypto_send *cs)
{
    qb_free(c->alloc, cs->buf);
    memset(cs, 0, sizeof *cs);
}

/* ---- keys from TLS ---- */

static int install_level(quic_conn *c, const tls_event *ev)
{
    cx_quic_keys m;
    cx_aead_id aead = suite_aead(ev->suite);
    if (cx_quic_keys_derive(c->version, aead, ev->secret, ev->secret_len, &m) != 0)
        return QUIC_ERR_TLS;
    quic_level_keys *k = &c->keys[QUIC_SPACE_HANDSHAKE];
    int rc;
    if (ev->dir == TLS_DIR_READ) {
        rc = quic_pkt_keys_init_for(&k->rx, c->alloc, &m, CX_AEAD_OPEN);
        k->rx_ok = rc == 0;
    } else {
        rc = quic_pkt_keys_init_for(&k->tx, c->alloc, &m, CX_AEAD_SEAL);
        k->tx_ok = rc == 0;
    }
    cx_quic_keys_clear(&m);
    if (rc == 0) {
        bool rx = ev->dir == TLS_DIR_READ;
        quic_trace t = {.type = QUIC_TRACE_KEYS_INSTALLED, .pkt_type = QUIC_PKT_HANDSHAKE,
                        .key_rx = rx, .key_tx = !rx, .secret_rx = rx ? ev->secret : NULL,
                        .secret_tx = rx ? NULL : ev->secret, .secret_len = ev->secret_len};
        quic_conn_trace(c, &t);
    }
    return rc == 0 ? 0 : QUIC_ERR_TLS;
}

static int install_app(quic_conn *c, const tls_event *ev)
{
    if (ev->dir == TLS_DIR_READ) {
        memcpy(c->app_rx_secret, ev->secret, ev->secret_len);
        c->app_rx_len = ev->secret_len;
        c->app_rx_pending = true;
    } else {
        memcpy(c->app_tx_secret, ev->secret, ev->secret_len);
        c->app_tx_len = ev->secret_len;
        c->app_tx_pending = true;
    }
    c->suite = ev->suite;
    /* The key phase object wants both directions; the server learns its
     * write secret first, the client both at once. */
    if (!(c->app_rx_pending && c->app_tx_pending))
        return 0;
    int rc = quic_keyphase_init(&c->app, c->alloc, c->version, suite_aead(ev->suite),
                                c->app_rx_secret, c->app_tx_secret, c->app_rx_len);
    cx_wipe(c->app_rx_secret, sizeof c->app_rx_secret);
    cx_wipe(c->app_tx_secret, sizeof c->app_tx_secret);
    c->app_rx_pending = c->app_tx_pending = false;
    if (rc != 0)
        return QUIC_ERR_TLS;
    c->app_rx_ok = c->app_tx_ok = true;
    quic_conn_early_on_1rtt(c);
    quic_trace t = {.type = QUIC_TRACE_KEYS_INSTALLED, .pkt_type = QUIC_PKT_1RTT, .key_rx = true,
                    .key_tx = true, .secret_rx = c->app.rx_secret, .secret_tx = c->app.tx_secret,
                    .secret_len = c->app.secret_len};
    quic_conn_trace(c, &t);
    return 0;
}

static bool cid_is(const quic_tp_cid *t, const quic_cid *c)
{
    return t->len == c->len && memcmp(t->bytes, c->b, c->len) == 0;
}

/* Server, RFC 9368 §2.3, §4: the client's Chosen Version must be the
 * version of its packets; then the Negotiated Version, the switch to it
 * (RFC 9369 §4: every CRYPTO frame of ours goes in it), and our parameters
 * announcing it, which TLS was holding back for this. */
static int server_negotiate(quic_conn *c)
{
    const quic_tparams *tp = &c->peer_tp;
    if (tp->has_version_info && tp->version_info.chosen != c->orig_version)
        return quic_conn_fail(c, QUIC_VERSION_NEGOTIATION_ERROR, QUIC_FT_CRYPTO,
                              "client's Chosen Version is not the version of its packets");
    uint32_t v = quic_version_negotiate(&c->cfg, c->orig_version,
                                        tp->has_version_info ? &tp->version_info : NULL);
    /* After a HelloRetryRequest, sent in the original version, the client
     * took that version as the negotiated one (RFC 9369 §4). */
    if (tls_conn_did_hrr(c->tls))
        v = c->orig_version;
    if (v != c->version) {
        quic_level_keys cand;
        if (quic_conn_version_keys(c, v, &cand) != 0)
            return quic_conn_fail(c, QUIC_INTERNAL_ERROR, 0, "keys for the negotiated version");
        quic_conn_version_switch(c, v, &cand);
    }
    c->version_known = true;
    uint8_t tpbuf[512];
    qb_wr w;
    local_tparams(c, &c->local_tp);
    /* RFC 9001 §4.6.1: 0-RTT judged against what the ticket remembers,
     * before EncryptedExtensions says yes or no. */
    quic_conn_early_server_check(c);
    qb_wr_init(&w, tpbuf, sizeof tpbuf);
    if (quic_tparams_encode(&w, &c->local_tp, true) != 0 ||
        tls_conn_set_local_tp(c->tls, tpbuf, w.off) != 0)
        return quic_conn_fail(c, QUIC_INTERNAL_ERROR, 0, "sending our transport parameters");
    return 0;
}

/* Client, RFC 9368 §4: the server's Version Information against the version
 * its packets carry and what we offered. */
static int client_check_version(quic_conn *c)
{
    const char *why = quic_version_check_server(&c->cfg, &c->peer_tp, c->version,
                                                c->orig_version, c->vn_done);
    if (why)
        return quic_conn_fail(c, QUIC_VERSION_NEGOTIATION_ERROR, QUIC_FT_CRYPTO, why);
    return 0;
}

/* RFC 9000 §7.3 and the rest of what the peer's parameters set up. Errors
 * name CRYPTO as the frame type: the parameters came in the TLS handshake,
 * carried by CRYPTO frames (RFC 9000 §19.19, as for TLS alerts). */
static int apply_peer_tparams(quic_conn *c)
{
    const uint8_t *p;
    size_t n;
    quic_tparams remembered = c->peer_tp; /* client: the 0-RTT limits */
    uint64_t early_sent = c->conn_tx.sent;
    tls_conn_peer_tp(c->tls, &p, &n);
    int rc = quic_tparams_decode(p, n, !c->is_server, &c->peer_tp);
    if (rc != 0) {
        return quic_conn_fail(c, quic_err_to_wire(rc), QUIC_FT_CRYPTO,
                       quic_err_str(rc));
    }
    quic_tparams *tp = &c->peer_tp;
    const quic_cid *peer_scid = &c->pcids.slot[0].cid;
    if (!tp->has_initial_scid || !cid_is(&tp->initial_scid, peer_scid)) {
        return quic_conn_fail(c, QUIC_TRANSPORT_PARAMETER_ERROR, QUIC_FT_CRYPTO,
                       "initial_source_connection_id missing or not the packets' SCID");
    }
    if (!c->is_server) {
        if (!tp->has_original_dcid || !cid_is(&tp->original_dcid, &c->odcid)) {
            return quic_conn_fail(c, QUIC_TRANSPORT_PARAMETER_ERROR, QUIC_FT_CRYPTO,
                           "original_destination_connection_id missing or wrong");
        }
        if (tp->has_retry_scid != c->did_retry ||
            (c->did_retry && !cid_is(&tp->retry_scid, &c->retry_scid))) {
            return quic_conn_fail(c, QUIC_TRANSPORT_PARAMETER_ERROR, QUIC_FT_CRYPTO,
                           "retry_source_connection_id does not match the Retry");
        }
        if (tp->has_stateless_reset_token)
            quic_peer_cids_set_token0(&c->pcids, tp->stateless_reset_token);
        if (tp->has_preferred_address && !c->pcids.zero_length) {
            /* RFC 9000 §5.1.1: its CID is sequence number 1. */
            quic_cid pc;
            quic_cid_set(&pc, tp->preferred_address.cid.bytes, tp->preferred_address.cid.len);
            if (quic_peer_cids_on_new(&c->pcids, 1, 0, &pc, tp->preferred_address.reset_token) != 0)
                return quic_conn_fail(c, QUIC_TRANSPORT_PARAMETER_ERROR, QUIC_FT_CRYPTO,
                                      "preferred_address connection ID not usable");
        }
    }
    rc = c->is_server ? server_negotiate(c) : client_check_version(c);
    if (rc != 0)
        return rc;
    c->peer_tp_ok = true;
    quic_trace pt = {.type = QUIC_TRACE_PARAMS_SET, .params = tp, .params_remote = true};
    quic_conn_trace(c, &pt);
    /* Flow control and stream limits the peer gives us (RFC 9000 §4). */
    quic_flowctl_tx_init(&c->conn_tx, tp->initial_max_data);
    c->tx_max_streams_bidi = tp->initial_max_streams_bidi;
    c->tx_max_streams_uni = tp->initial_max_streams_uni;
    uint64_t mup = tp->max_udp_payload_size;
    if (mup < c->max_udp_payload)
        c->max_udp_payload = mup;
    quic_recovery_set_max_ack_delay(&c->rec, tp->max_ack_delay * 1000);
    /* RFC 9000 §10.1: the smaller of the two non-zero idle timeouts. */
    c->idle_timeout = quic_idle_timeout_us(c->cfg.max_idle_timeout_ms, tp->max_idle_timeout);
    return c->is_server ? 0 : quic_conn_early_client_answer(c, &remembered, early_sent);
}

void quic_conn_discard_space(quic_conn *c, quic_pn_space sp)
{
    quic_space *s = &c->sp[sp];
    if (s->discarded)
        return;
    s->discarded = true;
    s->probe = false;
    if (sp != QUIC_SPACE_APPLICATION) {
        quic_trace t = {.type = QUIC_TRACE_KEYS_DISCARDED, .pkt_type = quic_space_pkt_type(sp),
                        .key_rx = c->keys[sp].rx_ok, .key_tx = c->keys[sp].tx_ok};
        if (t.key_rx || t.key_tx)
            quic_conn_trace(c, &t);
        level_keys_clear(&c->keys[sp]);
    }
    if (sp == QUIC_SPACE_INITIAL && c->initial_orig_rx_ok) {
        quic_pkt_keys_clear(&c->initial_orig_rx);
        c->initial_orig_rx_ok = false;
    }
    quic_recovery_result res;
    quic_recovery_discard_space(&c->rec, sp, c->now, &res);
    if (res.n_discarded)
        quic_cc_on_discarded(&c->cc, res.discarded, res.n_discarded);
    for (size_t i = 0; i < res.n_discarded; i++)
        quic_sentlog_settle(&c->log, res.discarded[i].handle);
    quic_crypto_send_free(c, &s->crypto_tx);
    /* Issue 10: nothing of a discarded space is kept (its packets are dropped). */
    quic_ackrange_free(&s->acks);
    quic_recvbuf_free(&s->crypto_rx);
}

/* Issue 10: once the handshake is confirmed the TLS engine has nothing left
 * to do but parse the tickets a server may send, so it goes, unless it still
 * holds output or a message received in part, or (issue 14) the client keeps
 * sessions and no ticket came yet: the engine turns the first one into a
 * session (RFC 8446 §4.6.1); later ones are skipped. */
static void tls_release(quic_conn *c)
{
    if (!c->tls || !c->handshake_confirmed || tls_conn_partial_input(c->tls))
        return;
    if (!c->is_server && c->cfg.tls->on_session && tls_conn_ticket_count(c->tls) == 0)
        return;
    for (int lvl = 0; lvl < QUIC_LEVELS; lvl++) {
        const uint8_t *p;
        size_t n;
        tls_conn_get_output(c->tls, (tls_level)lvl, &p, &n);
        if (n)
            return;
    }
    const char *a = tls_conn_alpn(c->tls);
    if (a) {
        size_t len = strlen(a);
        c->alpn = qb_malloc(c->alloc, len + 1);
        if (!c->alpn)
            return; /* keep the engine: it costs memory, nothing else */
        memcpy(c->alpn, a, len + 1);
    }
    c->tls_resumed = tls_conn_resumed(c->tls); /* quic_conn_resumed, after the engine */
    tls_conn_free(c->tls);
    c->tls = NULL;
}

/* 1-RTT CRYPTO data once the engine is gone (RFC 9001 §4.1.3): whole
 * handshake messages are framed (type, 24-bit length) and skipped. A client
 * takes NewSessionTicket only; a server takes nothing (a client sends no
 * post-handshake message in QUIC: KeyUpdate is forbidden, RFC 9001 §6, and
 * we request no post-handshake authentication). Anything else is an
 * unexpected_message alert, as the engine would have said. */
static int post_handshake_recv(quic_conn *c, const uint8_t *p, size_t n)
{
    while (n) {
        if (c->post_left) {
            size_t k = n < c->post_left ? n : c->post_left;
            p += k;
            n -= k;
            c->post_left -= (uint32_t)k;
            continue;
        }
        c->post_hdr[c->post_have++] = *p++;
        n--;
        if (c->post_have < 4)
            continue;
        c->post_have = 0;
        if (c->is_server || c->post_hdr[0] != TLS_HS_NEW_SESSION_TICKET) {
            quic_conn_fail(c, QUIC_CRYPTO_ERROR_BASE + TLS_ALERT_UNEXPECTED_MESSAGE,
                           QUIC_FT_CRYPTO, "handshake message unexpected after the handshake");
            return QUIC_ERR_TLS;
        }
        c->post_left = ((uint32_t)c->post_hdr[1] << 16) | ((uint32_t)c->post_hdr[2] << 8) |
                       c->post_hdr[3];
    }
    return 0;
}

void quic_conn_confirm_handshake(quic_conn *c)
{
    if (c->handshake_confirmed)
        return;
    c->handshake_confirmed = true;
    quic_recovery_set_handshake_confirmed(&c->rec, c->now);
    /* RFC 9001 §4.9.2: Handshake keys go once the handshake is confirmed. */
    quic_conn_discard_space(c, QUIC_SPACE_HANDSHAKE);
    /* A server confirms inside quic_conn_crypto_pump, which releases it. */
    if (!c->is_server)
        tls_release(c);
    /* quic-go switches CIDs after the handshake; we offer it some. */
}

static void on_tls_done(quic_conn *c)
{
    quic_conn_logf(c, "handshake complete: QUIC version 0x%08x", c->version);
    quic_conn_issue_cids(c);
    c->handshake_complete = true;
    if (c->state == QUIC_CS_HANDSHAKE)
        c->state = QUIC_CS_ESTABLISHED;
    if (c->is_server) {
        /* RFC 9001 §4.1.2: the server's handshake is confirmed when complete;
         * it tells the client with HANDSHAKE_DONE (RFC 9000 §19.20). */
        c->pend.handshake_done = true;
        c->addr_validated = true;
        quic_conn_confirm_handshake(c);
    }
    if (!c->ev_connected_sent) {
        c->ev_connected_sent = true;
        quic_conn_push_event(c, QUIC_EV_CONNECTED, 0, 0);
    }
}

static int take_output(quic_conn *c)
{
    for (int lvl = 0; lvl < QUIC_LEVELS; lvl++) {
        const uint8_t *p;
        size_t n;
        tls_conn_get_output(c->tls, (tls_level)lvl, &p, &n);
        if (!n)
            continue;
        if (crypto_append(c, &c->sp[lvl].crypto_tx, p, n) != 0)
            return quic_conn_fail(c, QUIC_INTERNAL_ERROR, 0, "handshake flight too large");
        tls_conn_consume_output(c->tls, (tls_level)lvl, n);
    }
    return 0;
}

int quic_conn_crypto_pump(quic_conn *c)
{
    if (!c->tls)
        return 0; /* released once the handshake was confirmed */
    int out = take_output(c);
    if (out != 0)
        return out;
    tls_event ev;
    while (tls_conn_next_event(c->tls, &ev) == 1) {
        int rc = 0;
        switch (ev.type) {
        case TLS_EVENT_SECRET:
            if (ev.level == TLS_LEVEL_HANDSHAKE)
                rc = install_level(c, &ev);
            else if (ev.level == TLS_LEVEL_APPLICATION)
                rc = install_app(c, &ev);
            else if (ev.level == TLS_LEVEL_EARLY)
                rc = quic_conn_early_install(c, &ev);
            if (rc != 0)
                quic_conn_fail(c, QUIC_INTERNAL_ERROR, 0, "installing keys failed");
            break;
        case TLS_EVENT_PEER_TP:
            rc = apply_peer_tparams(c);
            break;
        case TLS_EVENT_HANDSHAKE_DONE:
            on_tls_done(c);
            break;
        case TLS_EVENT_ERROR:
            quic_conn_fail(c, QUIC_CRYPTO_ERROR_BASE + ev.alert, QUIC_FT_CRYPTO,
                           tls_conn_reason(c->tls));
            rc = QUIC_ERR_TLS;
            break;
        default:
            break;
        }
        cx_wipe(ev.secret, sizeof ev.secret); /* the last copy of a SECRET event's secret */
        if (rc != 0)
            return rc;
    }
    /* A server's flight from EncryptedExtensions on came while the events
     * were handled (its transport parameters, server_negotiate). */
    int rc = take_output(c);
    if (rc == 0)
        tls_release(c);
    return rc;
}

int quic_conn_crypto_recv(quic_conn *c, quic_pn_space sp, uint64_t off, const uint8_t *data,
                          size_t len)
{
    quic_recvbuf *rb = &c->sp[sp].crypto_rx;
    /* RFC 9369 §4: the server's CRYPTO frames come in the negotiated
     * version, so the version of the first one is final. */
    if (!c->is_server)
        c->version_known = true;
    int rc = quic_recvbuf_write(rb, off, data, len, false);
    if (rc == QUIC_RECVBUF_ERR_FLOW) {
        return quic_conn_fail(c, QUIC_CRYPTO_BUFFER_EXCEEDED, QUIC_FT_CRYPTO,
                       "CRYPTO data beyond the buffer limit");
    }
    if (rc != 0) {
        return quic_conn_fail(c, rc == QUIC_RECVBUF_ERR_RANGE ? QUIC_FRAME_ENCODING_ERROR
                                                       : QUIC_INTERNAL_ERROR,
                       QUIC_FT_CRYPTO, "bad CRYPTO frame");
    }
    const uint8_t *p;
    size_t n;
    while ((n = quic_recvbuf_peek(rb, &p)) > 0) {
        if (!c->tls) {
            rc = post_handshake_recv(c, p, n);
            quic_recvbuf_consume(rb, n);
            quic_recvbuf_set_max_offset(rb, quic_recvbuf_read_offset(rb) + c->cfg.max_crypto_buffer);
            if (rc != 0)
                return rc;
            continue;
        }
        rc = tls_conn_recv(c->tls, (tls_level)sp, p, n);
        quic_recvbuf_consume(rb, n);
        /* The window slides with what TLS took (a bound on holes, not on
         * the total handshake size). */
        quic_recvbuf_set_max_offset(rb, quic_recvbuf_read_offset(rb) + c->cfg.max_crypto_buffer);
        if (rc != 0) {
            uint8_t alert = tls_conn_alert(c->tls);
            return quic_conn_fail(c, QUIC_CRYPTO_ERROR_BASE + (alert ? alert : TLS_ALERT_INTERNAL_ERROR),
                           QUIC_FT_CRYPTO, tls_conn_reason(c->tls));
        }
    }
    return quic_conn_crypto_pump(c);
}
