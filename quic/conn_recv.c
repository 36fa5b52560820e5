/* QUIC connection, receive path: datagram -> packets -> unprotect -> frames
 * (RFC 9000 §12.2, §17; RFC 9001 §5). Bad packets are dropped and counted;
 * only authenticated packets can change state or close the connection. */
#include "quic/conn_int.h"

#include "quic/frame.h"
#include "quic/pn.h"
#include "quic/version.h"

#include <stdio.h>
#include <string.h>

#define EARLY_SLOT 1500
#define EARLY_SLOTS 4

static quic_pn_space space_of(quic_pkt_type t)
{
    switch (t) {
    case QUIC_PKT_INITIAL: return QUIC_SPACE_INITIAL;
    case QUIC_PKT_HANDSHAKE: return QUIC_SPACE_HANDSHAKE;
    default: return QUIC_SPACE_APPLICATION;
    }
}

/* A 1-RTT packet that arrived before the 1-RTT keys (quic-go's SETTINGS can
 * overtake its Handshake flight): keep a few, try them once keys exist. */
static void keep_early(quic_conn *c, const uint8_t *pkt, size_t len)
{
    if (len > EARLY_SLOT || c->early_n == EARLY_SLOTS) {
        c->stats.pkts_dropped++;
        return;
    }
    if (!c->early_buf && !(c->early_buf = qb_malloc(c->alloc, EARLY_SLOT * EARLY_SLOTS))) {
        c->stats.pkts_dropped++;
        return;
    }
    memcpy(c->early_buf + c->early_n * EARLY_SLOT, pkt, len);
    c->early_len[c->early_n++] = len;
}

static int on_version_negotiation(quic_conn *c, const quic_pkt_hdr *h)
{
    /* RFC 9000 §6.2: only a client, only before anything else came from the
     * server (a Retry too), and a VN that lists our version is ignored. */
    if (c->is_server || c->got_first_server_pkt || c->did_retry)
        return 0;
    if (h->dcid_len != c->lcids.slot[0].cid.len ||
        memcmp(h->dcid, c->lcids.slot[0].cid.b, h->dcid_len) != 0)
        return 0;
    /* RFC 9368 §4: a VN listing the Original Version is ignored, and so is
     * any VN after we acted on one. */
    if (c->vn_done)
        return 0;
    uint32_t offered[64], ours[QUIC_VERSIONS_MAX];
    size_t m = 0, n = quic_versions_of(&c->cfg, ours);
    for (size_t i = 0; i < h->versions_count && m < 64; i++)
        offered[m++] = qb_get_u32(h->versions + 4 * i);
    if (quic_versions_has(offered, m, c->version))
        return 0;
    /* §2.1: a new first flight in the version we like best of those the
     * server lists; its Version Information shows whether the list was
     * genuine (§4, conn_crypto.c). */
    uint32_t v = quic_version_select(ours, n, offered, m);
    if (v) {
        quic_conn_logf(c, "version negotiation: 0x%08x -> 0x%08x", c->version, v);
        int rc = quic_conn_restart_for_vn(c, v);
        return rc == 0 ? 0 : quic_conn_fail(c, QUIC_INTERNAL_ERROR, 0, "restart after VN");
    }
    c->close.by_peer = true;
    c->close.code = QUIC_CONNECTION_REFUSED;
    snprintf(c->close.reason, sizeof c->close.reason,
             "version negotiation: the server speaks none of our QUIC versions");
    c->state = QUIC_CS_CLOSED;
    c->close.closed = true;
    c->ev_closed_sent = true;
    quic_conn_push_event(c, QUIC_EV_CLOSED, 0, QUIC_CONNECTION_REFUSED);
    return 0;
}

static int on_retry(quic_conn *c, const quic_pkt_hdr *h)
{
    /* RFC 9000 §17.2.5.2: one Retry, before any other server packet, with a
     * valid tag and an SCID other than the DCID we used. */
    if (c->is_server || c->did_retry || c->got_first_server_pkt)
        return 0;
    /* RFC 9369 §4: a Retry comes in the original version. */
    if (h->version != c->version)
        return 0;
    const quic_cid *dcid = quic_peer_cids_current(&c->pcids);
    if (h->scid_len == dcid->len && !memcmp(h->scid, dcid->b, h->scid_len))
        return 0;
    if (quic_pkt_retry_verify(h, c->odcid.b, c->odcid.len) != 0 || h->token_len == 0 ||
        h->token_len > QUIC_CONN_TOKEN_MAX)
        return 0;
    if (quic_conn_token_set_initial(c, h->token, h->token_len) != 0)
        return quic_conn_fail(c, QUIC_INTERNAL_ERROR, 0, "out of memory for the Retry token");
    c->did_retry = true;
    quic_cid_set(&c->retry_scid, h->scid, h->scid_len);
    quic_peer_cids_init(&c->pcids, &c->retry_scid, QUIC_CID_SLOTS);
    quic_conn_logf(c, "retry: new DCID, token of %zu bytes", h->token_len);
    return quic_conn_reset_for_retry(c);
}

static void trace_drop(quic_conn *c, const quic_pkt_hdr *h, const char *why)
{
    quic_trace t = {.type = QUIC_TRACE_PACKET_DROPPED, .pkt_type = h->type, .size = h->pkt_len,
                    .reason = why};
    quic_conn_trace(c, &t);
}

static bool dcid_is_ours(const quic_conn *c, const quic_pkt_hdr *h)
{
    quic_cid d;
    if (h->dcid_len > QUIC_CID_MAX_LEN)
        return false;
    quic_cid_set(&d, h->dcid, h->dcid_len);
    return quic_local_cids_has(&c->lcids, &d);
}

static void after_packet(quic_conn *c, quic_pn_space sp, uint64_t pn, bool ack_eliciting,
                         size_t pkt_len, uint64_t now)
{
    quic_ackrange_insert(&c->sp[sp].acks, pn, ack_eliciting, now);
    quic_conn_ecn_on_packet(c, sp); /* RFC 9000 §13.4.1: duplicates are not counted */
    c->stats.pkts_recv++;
    /* RFC 9000 §10.1: restart the idle timer on every processed packet, and
     * again at the first ack-eliciting packet we send after it. */
    quic_conn_idle_restart(c, now);
    c->idle_restart_on_send = true;
    (void)pkt_len;
}

static int open_packet(quic_conn *c, const quic_pkt_hdr *h, size_t dgram_len, uint64_t now,
                       quic_pkt_keys *rk, quic_level_keys *cand);

/* One packet of the datagram. Returns 1 when it was authenticated, 0 when it
 * was dropped, < 0 when the connection failed. */
static int on_packet(quic_conn *c, const quic_pkt_hdr *h, size_t dgram_len, uint64_t now)
{
    if (h->type == QUIC_PKT_VN)
        return on_version_negotiation(c, h);
    if (h->type == QUIC_PKT_RETRY)
        return on_retry(c, h);
    if (h->type == QUIC_PKT_0RTT) {
        /* RFC 9001 §4.6.1: opened only once 0-RTT was accepted; one ahead
         * of its ClientHello is held (bounded); a client drops them. */
        bool keep;
        quic_pkt_keys *ek = quic_conn_early_rx_keys(c, now, &keep);
        if (keep) {
            keep_early(c, h->pkt, h->pkt_len);
            return 0;
        }
        if (!ek || h->version != c->version) {
            c->stats.pkts_dropped++;
            trace_drop(c, h, "0-RTT not accepted");
            return 0;
        }
        return open_packet(c, h, dgram_len, now, ek, NULL);
    }
    quic_pkt_keys *rk = NULL;
    if (h->type == QUIC_PKT_INITIAL && c->is_server && c->version == 0) {
        /* The client's first Initial sets the version (RFC 9368 §2: the
         * Original Version), if we speak it. */
        uint32_t ours[QUIC_VERSIONS_MAX];
        size_t n = quic_versions_of(&c->cfg, ours);
        if (!quic_versions_has(ours, n, h->version))
            return 0;
        c->version = c->orig_version = h->version;
        if (quic_conn_initial_keys(c, &c->init_dcid) != 0)
            return quic_conn_fail(c, QUIC_INTERNAL_ERROR, 0, "Initial keys");
    }
    if (h->type == QUIC_PKT_INITIAL && h->version != c->version) {
        if (c->is_server && c->initial_orig_rx_ok && h->version == c->orig_version) {
            /* RFC 9369 §4: the client's Initials in the original version
             * until it heard the negotiated one. */
            rk = &c->initial_orig_rx;
        } else if (!c->is_server && !c->version_known &&
                   quic_version_compatible(c->version, h->version)) {
            /* RFC 9368 §2.3, RFC 9369 §4: the server moves us to a version
             * we offered; we follow once a packet of it authenticates. */
            uint32_t ours[QUIC_VERSIONS_MAX];
            size_t n = quic_versions_of(&c->cfg, ours);
            quic_level_keys cand;
            if (!quic_versions_has(ours, n, h->version) ||
                quic_conn_version_keys(c, h->version, &cand) != 0)
                return 0;
            int rc = open_packet(c, h, dgram_len, now, &cand.rx, &cand);
            quic_conn_level_keys_clear(&cand); /* unless the switch took them */
            return rc;
        } else {
            return 0;
        }
    } else if (h->version != 0 && h->version != c->version) {
        return 0; /* RFC 9369 §4: Handshake and 1-RTT only in the negotiated version */
    }
    return open_packet(c, h, dgram_len, now, rk, NULL);
}

/* The packet h with the receive keys of its space (rk: other Initial keys;
 * cand: a version switch that happens if the packet authenticates). */
static int open_packet(quic_conn *c, const quic_pkt_hdr *h, size_t dgram_len, uint64_t now,
                       quic_pkt_keys *rk, quic_level_keys *cand)
{
    quic_pn_space sp = space_of(h->type);
    quic_space *s = &c->sp[sp];
    if (s->discarded)
        return 0;
    /* RFC 9000 §17.2.2: a server's Initial has an empty token; a client
     * discards one that has a token (rather than close: Initial keys are
     * public, so anyone on the path could forge it). */
    if (!c->is_server && h->type == QUIC_PKT_INITIAL && h->token_len != 0) {
        c->stats.pkts_dropped++;
        trace_drop(c, h, "server Initial with a token");
        return 0;
    }
    /* RFC 9000 §14.1: a server drops Initials in datagrams under 1200 bytes. */
    if (c->is_server && h->type == QUIC_PKT_INITIAL && dgram_len < QUIC_MIN_INITIAL)
        return 0;
    if (h->type == QUIC_PKT_1RTT && !dcid_is_ours(c, h))
        return 0;
    /* RFC 9000 §7.2: after the server's first packet, its SCID is fixed. */
    if (!c->is_server && c->got_first_server_pkt && h->type != QUIC_PKT_1RTT &&
        (h->scid_len != c->server_scid.len || memcmp(h->scid, c->server_scid.b, h->scid_len) != 0))
        return 0;
    /* The datagram is ours to change (quic_conn_recv takes it writable):
     * header protection and decryption work in place. */
    uint8_t *pkt = (uint8_t *)h->pkt;
    /* RFC 9001 §5.7: a server has 1-RTT keys from its Finished on, and
     * opens no 1-RTT packet before the handshake is complete. */
    if (h->type == QUIC_PKT_1RTT && (!c->app_rx_ok || (c->is_server && !c->handshake_complete))) {
        keep_early(c, pkt, h->pkt_len);
        return 0;
    }
    if (sp != QUIC_SPACE_APPLICATION && !rk) {
        if (!c->keys[sp].rx_ok)
            return 0;
        rk = &c->keys[sp].rx;
    }

    uint64_t largest, t;
    if (!quic_ackrange_largest(&s->acks, &largest, &t))
        largest = QUIC_PN_NONE;
    quic_pkt_clear clr;
    bool one_rtt = sp == QUIC_SPACE_APPLICATION && !rk; /* else Initial, Handshake, 0-RTT */
    cx_hp *hp = one_rtt ? c->app.rx_hp : rk->hp;
    int rc = quic_pkt_unprotect_header(hp, pkt, h->pkt_len, h->pn_offset, largest, &clr);
    if (rc != 0) {
        c->stats.pkts_dropped++;
        trace_drop(c, h, "header protection");
        return 0;
    }
    uint64_t updates = c->app_rx_ok ? c->app.updates : 0;
    bool rx_phase = c->app_rx_ok && c->app.rx_phase;
    if (one_rtt)
        rc = quic_keyphase_open(&c->app, pkt, h->pkt_len, &clr, now, quic_conn_pto(c));
    else
        rc = quic_pkt_decrypt(rk->aead, pkt, h->pkt_len, &clr);
    if (rc == QUIC_KP_ERR_KEY_UPDATE)
        return quic_conn_fail(c, QUIC_KEY_UPDATE_ERROR, 0, "packet protected with old keys");
    if (rc == QUIC_PKT_ERR_RESERVED)
        return quic_conn_fail(c, QUIC_PROTOCOL_VIOLATION, 0, "reserved header bits set");
    if (rc != 0) {
        c->stats.pkts_dropped++;
        trace_drop(c, h, "decryption failed");
        /* RFC 9001 §6.6: counted, up to the integrity limit. */
        return quic_conn_aead_auth_failed(c) ? 0 : QUIC_KP_ERR_LIMIT;
    }
    if (cand)
        quic_conn_version_switch(c, h->version, cand);
    if (one_rtt && c->app.rx_phase != rx_phase) {
        /* RFC 9001 §6.2: the receive keys moved on; our send keys too when
         * the peer started the update, else this answers ours (its send keys
         * were traced when we started it, quic_conn_aead_may_seal). */
        bool remote = c->app.updates != updates;
        quic_trace kt = {.type = QUIC_TRACE_KEY_UPDATED, .key_phase = c->app.rx_phase,
                         .pkt_type = QUIC_PKT_1RTT, .key_rx = true, .key_tx = remote,
                         .key_local = !remote, .key_gen = c->app.updates,
                         .secret_rx = c->app.rx_secret, .secret_tx = c->app.tx_secret,
                         .secret_len = c->app.secret_len};
        quic_conn_trace(c, &kt);
    }
    if (quic_ackrange_contains(&s->acks, clr.pn)) {
        c->stats.pkts_dropped++; /* a duplicate (RFC 9000 §12.3) */
        trace_drop(c, h, "duplicate");
        return 1;
    }
    quic_trace rt = {.type = QUIC_TRACE_PACKET_RECEIVED, .pkt_type = h->type, .pn = clr.pn,
                     .size = h->pkt_len, .frames = pkt + clr.payload_offset,
                     .frames_len = clr.payload_len, .dcid = h->dcid,
                     .dcid_len = (uint8_t)h->dcid_len, .scid = h->scid,
                     .scid_len = (uint8_t)h->scid_len};
    quic_conn_trace(c, &rt);
    c->stats.bytes_recv += h->pkt_len;
    if (c->early_keys)
        quic_conn_early_count(c, h->type, now);

    if (!c->is_server && !c->got_first_server_pkt && h->type != QUIC_PKT_1RTT) {
        /* RFC 9000 §7.2: the client switches to the server's chosen CID. */
        c->got_first_server_pkt = true;
        quic_cid_set(&c->server_scid, h->scid, h->scid_len);
        quic_peer_cids_init(&c->pcids, &c->server_scid, QUIC_CID_SLOTS);
    }
    if (c->is_server && h->type == QUIC_PKT_HANDSHAKE && !c->addr_validated) {
        /* RFC 9000 §8.1: a Handshake packet proves the address; RFC 9001
         * §4.9.1: the server drops Initial keys on the first one. */
        c->addr_validated = true;
    }
    if (c->is_server && h->type == QUIC_PKT_HANDSHAKE)
        quic_conn_discard_space(c, QUIC_SPACE_INITIAL);

    bool ae = false;
    c->rx_non_probing = false;
    rc = quic_conn_on_payload(c, h->type, pkt + clr.payload_offset, clr.payload_len, clr.pn,
                              now, &ae);
    if (rc < 0)
        return rc;
    /* RFC 9000 §9.3: a non-probing packet with the largest packet number
     * so far is what moves the peer's address. */
    if (h->type == QUIC_PKT_1RTT && (c->rx_new_path || (c->probe && c->probe->active)))
        quic_conn_path_after_packet(c, c->rx_non_probing && (largest == QUIC_PN_NONE || clr.pn > largest),
                                    now);
    if (c->cids_retired) {
        c->cids_retired = false;
        if (c->handshake_complete)
            quic_conn_issue_cids(c);
    }
    if (!s->discarded)
        after_packet(c, sp, clr.pn, ae, h->pkt_len, now);
    else
        c->stats.pkts_recv++;
    return 1;
}

static int on_datagram(quic_conn *c, uint8_t *dgram, size_t len, uint64_t now)
{
    quic_dgram_iter it;
    quic_pkt_hdr h;
    size_t short_len = c->lcids.slot[0].cid.len;
    bool any = false;
    int r;
    quic_dgram_iter_init(&it, dgram, len, short_len);
    while ((r = quic_dgram_next(&it, &h)) > 0) {
        int rc = on_packet(c, &h, len, now);
        if (rc < 0)
            return rc;
        any |= rc > 0;
        if (c->state >= QUIC_CS_DRAINING)
            break;
    }
    /* RFC 9000 §10.3.1: a datagram we could not use may be a stateless reset. */
    if (!any && c->state < QUIC_CS_DRAINING && quic_peer_cids_is_reset(&c->pcids, dgram, len)) {
        c->close.by_peer = true;
        c->close.stateless_reset = true;
        snprintf(c->close.reason, sizeof c->close.reason, "stateless reset from the peer");
        quic_conn_enter_draining(c, now);
    }
    return 0;
}

int quic_conn_recv_dgram(quic_conn *c, uint8_t *dgram, size_t len, uint64_t now)
{
    int rc = on_datagram(c, dgram, len, now);
    /* 1-RTT packets kept for later: their keys may have just arrived. */
    if (rc == 0 && (c->app_rx_ok || (c->is_server && c->peer_tp_ok)) && c->early_n) {
        size_t n = c->early_n;
        c->early_n = 0;
        for (size_t i = 0; i < n && rc == 0; i++)
            rc = on_datagram(c, c->early_buf + i * EARLY_SLOT, c->early_len[i], now);
        /* With 1-RTT keys nothing waits again: the buffer goes (issue 10). */
        if (c->early_n == 0) {
            qb_free(c->alloc, c->early_buf);
            c->early_buf = NULL;
        }
    }
    return rc;
}
