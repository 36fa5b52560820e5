/* QUIC connection: the AEAD usage limits (RFC 9001 §6.6). Packets sealed with
 * one key stay under the confidentiality limit (key updates come first, and
 * the connection closes when none can be made); packets that fail
 * authentication are counted across all keys up to the integrity limit. */
#include "quic/conn_int.h"

/* The AEAD whose limits apply: the negotiated suite's; AES-128-GCM (that of
 * the Initial packets) until one is known. */
static cx_aead_id conn_aead(const quic_conn *c)
{
    return c->suite == TLS_CHACHA20_POLY1305_SHA256 ? CX_CHACHA20_POLY1305 : CX_AES_128_GCM;
}

bool quic_conn_aead_auth_failed(quic_conn *c)
{
    uint64_t limit = c->cfg.aead_integrity_limit ? c->cfg.aead_integrity_limit
                                                 : quic_aead_integrity_limit(conn_aead(c));
    /* "exceeds the integrity limit": the one past it closes */
    if (++c->auth_failures <= limit)
        return true;
    quic_conn_fail(c, QUIC_AEAD_LIMIT_REACHED, 0, "AEAD integrity limit: too many forged packets");
    return false;
}

bool quic_conn_aead_may_seal(quic_conn *c, uint64_t now)
{
    uint64_t limit = c->cfg.aead_confidentiality_limit
                         ? c->cfg.aead_confidentiality_limit
                         : quic_aead_confidentiality_limit(conn_aead(c));
    int rc = quic_keyphase_before_seal(&c->app, limit, c->cfg.key_update_after,
                                       c->handshake_confirmed, now, quic_conn_pto(c));
    if (rc == 1) {
        /* RFC 9001 §6: our own update, before the limit. Only the send keys
         * move now; the receive keys follow with the peer's answer (§6.2),
         * traced then (conn_recv.c). */
        quic_trace kt = {.type = QUIC_TRACE_KEY_UPDATED, .key_phase = c->app.tx_phase,
                         .pkt_type = QUIC_PKT_1RTT, .key_rx = false, .key_tx = true,
                         .key_local = true, .key_gen = c->app.updates,
                         .secret_tx = c->app.tx_secret, .secret_len = c->app.secret_len};
        quic_conn_trace(c, &kt);
        return true;
    }
    if (rc == QUIC_KP_ERR_LIMIT) {
        quic_conn_fail(c, QUIC_AEAD_LIMIT_REACHED, 0,
                       "AEAD confidentiality limit near and no key update possible");
        return false;
    }
    if (rc != 0) {
        quic_conn_fail(c, QUIC_INTERNAL_ERROR, 0, "key update failed");
        return false;
    }
    return true;
}
