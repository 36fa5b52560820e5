/* quince decode: the capture walk (see app_decode.h). This file finds the QUIC
 * connections and walks their datagrams, packets and frames; keys and packet
 * protection are in app_decode_keys.c, TLS in app_decode_tls.c, HTTP/3 in
 * app_decode_h3.c, the output in app_decode_out.c. */
#include "app/app_decode.h"
#include "app/app_decode_int.h"

#include "quic/frame.h"
#include "quic/packet.h"
#include "quic/pn.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- connections ---- */

static dec_flow *flow_find(dec *d, const app_pcap_udp *u, int *dir)
{
    size_t al = u->family == 4 ? 4 : 16;
    for (size_t i = 0; i < d->nflows; i++) {
        dec_flow *f = d->flows[i];
        if (f->family != u->family)
            continue;
        if (f->cport == u->sport && f->sport == u->dport && !memcmp(f->caddr, u->src, al) &&
            !memcmp(f->saddr, u->dst, al)) {
            *dir = DEC_C2S;
            return f;
        }
        if (f->sport == u->sport && f->cport == u->dport && !memcmp(f->saddr, u->src, al) &&
            !memcmp(f->caddr, u->dst, al)) {
            *dir = DEC_S2C;
            return f;
        }
    }
    return NULL;
}

/* A short header on a 5-tuple no connection uses: a new path (migration or
 * NAT rebinding, RFC 9000 §9), found by a connection ID one side issued. */
static dec_flow *flow_find_by_dcid(dec *d, const app_pcap_udp *u, int *dir, size_t *cid_len)
{
    if (u->len < 2 || (u->payload[0] & QUIC_PKT_FORM_LONG))
        return NULL;
    const uint8_t *dcid = u->payload + 1;
    size_t room = u->len - 1;
    for (size_t i = 0; i < d->nflows; i++) {
        dec_flow *f = d->flows[i];
        for (int issuer = 0; issuer < 2; issuer++) {
            const uint8_t *first = issuer == DEC_S2C ? f->scid : f->ccid;
            size_t first_len = issuer == DEC_S2C ? f->scid_len : f->ccid_len;
            for (size_t k = 0; k <= f->nncid[issuer]; k++) {
                const uint8_t *c = k == 0 ? first : f->ncid[issuer][k - 1];
                size_t n = k == 0 ? first_len : f->ncid_len[issuer][k - 1];
                if (n && n <= room && !memcmp(dcid, c, n)) {
                    *dir = issuer == DEC_S2C ? DEC_C2S : DEC_S2C;
                    *cid_len = n;
                    return f;
                }
            }
        }
    }
    return NULL;
}

static dec_flow *flow_new(dec *d, const app_pcap_udp *u, uint32_t version)
{
    if (d->nflows == DEC_MAX_FLOWS)
        return NULL;
    dec_flow *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->n = (int)d->nflows + 1;
    f->family = u->family;
    memcpy(f->caddr, u->src, 16);
    memcpy(f->saddr, u->dst, 16);
    f->cport = u->sport;
    f->sport = u->dport;
    f->version = version;
    f->versions[0] = version;
    f->version_how[0] = "the client's first Initial";
    f->nversions = 1;
    for (int l = 0; l < DEC_LVL_COUNT; l++)
        for (int k = 0; k < 2; k++) {
            f->largest[l][k] = QUIC_PN_NONE;
            quic_ackrange_init(&f->seen[l][k], QUIC_ACKRANGE_MAX, 0);
        }
    d->flows[d->nflows++] = f;
    d->st->flows++;
    return f;
}

static void flow_free(dec_flow *f)
{
    for (int l = 0; l < DEC_LVL_COUNT; l++)
        for (int s = 0; s < 2; s++) {
            if (f->have_keys[l][s])
                quic_pkt_keys_clear(&f->keys[l][s]);
            dec_rs_free(&f->crypto[l][s]);
            quic_ackrange_free(&f->seen[l][s]); /* grown past its inline ranges */
        }
    dec_flow_alt_initial_clear(f);
    for (int s = 0; s < 2; s++)
        cx_aead_free(f->prev[s]);
    dec_flow_free_streams(f);
    memset(f->secret, 0, sizeof f->secret);
    free(f);
}

/* ---- packets ---- */

static const char *pkt_name(quic_pkt_type t)
{
    switch (t) {
    case QUIC_PKT_INITIAL: return "Initial";
    case QUIC_PKT_0RTT: return "0-RTT";
    case QUIC_PKT_HANDSHAKE: return "Handshake";
    case QUIC_PKT_RETRY: return "Retry";
    case QUIC_PKT_1RTT: return "1-RTT";
    case QUIC_PKT_VN: return "Version Negotiation";
    }
    return "?";
}

static const char *pkt_rfc(quic_pkt_type t)
{
    switch (t) {
    case QUIC_PKT_INITIAL: return "RFC 9000 §17.2.2 Initial";
    case QUIC_PKT_0RTT: return "RFC 9000 §17.2.3 0-RTT";
    case QUIC_PKT_HANDSHAKE: return "RFC 9000 §17.2.4 Handshake";
    case QUIC_PKT_RETRY: return "RFC 9000 §17.2.5 Retry";
    case QUIC_PKT_1RTT: return "RFC 9000 §17.3.1 1-RTT";
    case QUIC_PKT_VN: return "RFC 9000 §17.2.1 Version Negotiation";
    }
    return NULL;
}

static const char *frame_rfc(uint64_t t)
{
    static const char *const s[] = {
        "RFC 9000 §19.1 PADDING", "RFC 9000 §19.2 PING", "RFC 9000 §19.3 ACK",
        "RFC 9000 §19.3 ACK", "RFC 9000 §19.4 RESET_STREAM", "RFC 9000 §19.5 STOP_SENDING",
        "RFC 9000 §19.6 CRYPTO", "RFC 9000 §19.7 NEW_TOKEN",
        "RFC 9000 §19.8 STREAM", "RFC 9000 §19.8 STREAM", "RFC 9000 §19.8 STREAM",
        "RFC 9000 §19.8 STREAM", "RFC 9000 §19.8 STREAM", "RFC 9000 §19.8 STREAM",
        "RFC 9000 §19.8 STREAM", "RFC 9000 §19.8 STREAM",
        "RFC 9000 §19.9 MAX_DATA", "RFC 9000 §19.10 MAX_STREAM_DATA",
        "RFC 9000 §19.11 MAX_STREAMS", "RFC 9000 §19.11 MAX_STREAMS",
        "RFC 9000 §19.12 DATA_BLOCKED", "RFC 9000 §19.13 STREAM_DATA_BLOCKED",
        "RFC 9000 §19.14 STREAMS_BLOCKED", "RFC 9000 §19.14 STREAMS_BLOCKED",
        "RFC 9000 §19.15 NEW_CONNECTION_ID", "RFC 9000 §19.16 RETIRE_CONNECTION_ID",
        "RFC 9000 §19.17 PATH_CHALLENGE", "RFC 9000 §19.18 PATH_RESPONSE",
        "RFC 9000 §19.19 CONNECTION_CLOSE", "RFC 9000 §19.19 CONNECTION_CLOSE",
        "RFC 9000 §19.20 HANDSHAKE_DONE",
    };
    if (t < sizeof s / sizeof s[0])
        return s[t];
    if (t == QUIC_FT_DATAGRAM || t == QUIC_FT_DATAGRAM_LEN)
        return "RFC 9221 §4 DATAGRAM";
    return NULL;
}

static void cid_item(dec *d, int depth, const char *what, const uint8_t *c, size_t n)
{
    char hex[48], txt[64];
    bool printable = n > 0;
    for (size_t i = 0; i < n; i++)
        printable = printable && c[i] >= 0x20 && c[i] < 0x7f;
    dec_item(d, depth, "field", "RFC 9000 §17.2", "%s (%zu bytes) %s%s%s", what, n,
             n ? dec_hex(hex, sizeof hex, c, n, 20) : "(empty)", printable ? " " : "",
             printable ? dec_text(txt, sizeof txt, c, n, 20) : "");
}

static void frames_walk(dec *d, dec_flow *f, int lvl, int dir, quic_pkt_type pt,
                        const uint8_t *p, size_t len, int depth)
{
    qb_rd r;
    qb_rd_init(&r, p, len);
    while (qb_rd_left(&r)) {
        quic_frame fr;
        char line[256];
        size_t at = r.off;
        int rc = quic_frame_decode(&r, &fr);
        if (rc != 0) {
            dec_item(d, depth, "error", "RFC 9000 §12.4", "frame at payload byte %zu: %s", at,
                     quic_err_str(rc));
            return;
        }
        quic_frame_describe(&fr, line, sizeof line);
        dec_item(d, depth, "frame", frame_rfc(fr.type), "%s", line);
        /* RFC 9000 §12.4 Table 3; §19.7, §19.20: a receiver closes the connection */
        rc = quic_frame_check_recv(fr.type, pt, dir == DEC_S2C);
        if (rc != 0)
            dec_item(d, depth + 1, "error", "RFC 9000 §12.4", "%s: %s", quic_err_str(rc),
                     "the receiver closes the connection with PROTOCOL_VIOLATION");
        if (fr.type == QUIC_FT_CRYPTO) {
            dec_tls_crypto(d, f, lvl, dir, fr.crypto.offset, fr.crypto.data, fr.crypto.len,
                           depth + 1);
        } else if (fr.type >= QUIC_FT_STREAM && fr.type <= QUIC_FT_STREAM_MAX) {
            dec_app_stream(d, f, dir, fr.stream.stream_id, fr.stream.offset, fr.stream.data,
                           fr.stream.len, fr.type & QUIC_FT_STREAM_BIT_FIN, depth + 1);
        } else if (fr.type == QUIC_FT_DATAGRAM || fr.type == QUIC_FT_DATAGRAM_LEN) {
            dec_app_datagram(d, f, fr.datagram.data, fr.datagram.len, depth + 1);
        } else if (fr.type == QUIC_FT_NEW_CONNECTION_ID) {
            char hex[48], tok[40];
            if (f->nncid[dir] < DEC_MAX_CIDS) {
                memcpy(f->ncid[dir][f->nncid[dir]], fr.new_cid.cid, fr.new_cid.cid_len);
                f->ncid_len[dir][f->nncid[dir]++] = fr.new_cid.cid_len;
            }
            dec_item(d, depth + 1, "field", "RFC 9000 §19.15", "connection ID %s, stateless reset token %s",
                     dec_hex(hex, sizeof hex, fr.new_cid.cid, fr.new_cid.cid_len, 20),
                     dec_hex(tok, sizeof tok, fr.new_cid.reset_token, 16, 16));
        } else if (fr.type == QUIC_FT_ACK || fr.type == QUIC_FT_ACK_ECN) {
            dec_item(d, depth + 1, "field", "RFC 9000 §19.3",
                     "largest %" PRIu64 ", ack delay %" PRIu64 " (raw, times 2^ack_delay_exponent us)",
                     fr.ack.largest, fr.ack.ack_delay);
        }
    }
}

/* RFC 9368 §2.1, §2.4: the first flight after Version Negotiation is
 * conceptually a new connection: a new ClientHello (a new random, so other
 * key log lines), its CRYPTO streams from offset 0; packet numbers go on. */
static void flow_restart_tls(dec_flow *f)
{
    for (int l = 0; l < DEC_LVL_COUNT; l++)
        for (int s = 0; s < 2; s++) {
            dec_rs_free(&f->crypto[l][s]);
            if (l != DEC_LVL_INITIAL && f->have_keys[l][s])
                quic_pkt_keys_clear(&f->keys[l][s]);
            if (l != DEC_LVL_INITIAL)
                f->have_keys[l][s] = false;
        }
    f->have_random = f->have_suite = f->keys_done = false;
    f->client_followed = true; /* no compatible switch to follow */
}

/* The connection goes on in version v (how: why, rfc): shown as an item of
 * its own, kind "version_switch", and kept for the summary. */
static void version_changed(dec *d, dec_flow *f, uint32_t from, uint32_t v, const char *how,
                            const char *rfc)
{
    char a[12], b[12];
    dec_item(d, 2, "version_switch", rfc, "version switched to %s (0x%08" PRIx32 ") from %s: %s",
             dec_version_name(v, b), v, dec_version_name(from, a), how);
    f->version = v;
    f->client_followed = false;
    if (f->nversions < sizeof f->versions / sizeof f->versions[0]) {
        f->versions[f->nversions] = v;
        f->version_how[f->nversions++] = how;
    }
}

static void packet(dec *d, dec_flow *f, int dir, quic_pkt_hdr *h, size_t idx, bool coalesced)
{
    char hex[200];
    int lvl = -1;
    d->st->packets++;
    if (coalesced)
        dec_item(d, 1, "packet", pkt_rfc(h->type), "%s packet, %zu bytes (packet %zu of the coalesced datagram, RFC 9000 §12.2)",
                 pkt_name(h->type), h->pkt_len, idx);
    else
        dec_item(d, 1, "packet", pkt_rfc(h->type), "%s packet, %zu bytes", pkt_name(h->type), h->pkt_len);
    if (h->type == QUIC_PKT_1RTT) {
        dec_item(d, 2, "field", "RFC 9000 §17.3.1", "header form 0 (short), fixed bit %d, spin bit %d",
                 !!(h->first & QUIC_PKT_FIXED_BIT), !!(h->first & QUIC_PKT_SPIN_BIT));
        cid_item(d, 2, "Destination Connection ID", h->dcid, h->dcid_len);
        lvl = DEC_LVL_1RTT;
    } else {
        dec_item(d, 2, "field", "RFC 9000 §17.2", "header form 1 (long), fixed bit %d, version 0x%08" PRIx32 "%s",
                 !!(h->first & QUIC_PKT_FIXED_BIT), h->version,
                 h->version == QUIC_VERSION_1 ? " (QUIC v1)" : h->version == QUIC_VERSION_2 ? " (QUIC v2)" : "");
        cid_item(d, 2, "Destination Connection ID", h->dcid, h->dcid_len);
        cid_item(d, 2, "Source Connection ID", h->scid, h->scid_len);
        if (dir == DEC_C2S && !f->have_ccid && h->type != QUIC_PKT_VN) {
            memcpy(f->ccid, h->scid, h->scid_len);
            f->ccid_len = h->scid_len;
            f->have_ccid = true;
        }
        if (dir == DEC_S2C && h->type != QUIC_PKT_VN && (!f->have_scid || h->type == QUIC_PKT_RETRY)) {
            memcpy(f->scid, h->scid, h->scid_len);
            f->scid_len = h->scid_len;
            f->have_scid = true;
        }
    }
    switch (h->type) {
    case QUIC_PKT_VN:
        dec_item(d, 2, "note", "RFC 9000 §6", "Version Negotiation: the server does not support the client's version");
        for (size_t i = 0; i < h->versions_count; i++)
            dec_item(d, 2, "field", "RFC 9000 §17.2.1", "supported version 0x%08" PRIx32,
                     qb_get_u32(h->versions + 4 * i));
        f->vn_pending = dir == DEC_S2C;
        return;
    case QUIC_PKT_RETRY: {
        dec_item(d, 2, "field", "RFC 9000 §17.2.5", "Retry Token (%zu bytes) %s", h->token_len,
                 dec_hex(hex, sizeof hex, h->token, h->token_len, 48));
        int ok = quic_pkt_retry_verify(h, f->idcid, f->idcid_len) == 0;
        dec_item(d, 2, ok ? "field" : "error", "RFC 9001 §5.8", "Retry Integrity Tag %s: %s",
                 dec_hex(hex, sizeof hex, h->retry_tag, 16, 16),
                 ok ? "verifies over the client's original DCID" : "does NOT verify");
        dec_item(d, 2, "note", "RFC 9000 §8.1.2", "the client sends its Initial again, to the new SCID, with this token");
        f->retry_seen = f->retry_pending = true;
        return;
    }
    case QUIC_PKT_INITIAL:
        dec_item(d, 2, "field", "RFC 9000 §17.2.2", "Token (%zu bytes)%s%s", h->token_len,
                 h->token_len ? " " : "", dec_hex(hex, sizeof hex, h->token, h->token_len, 32));
        lvl = DEC_LVL_INITIAL;
        /* RFC 9368 §2.1: after Version Negotiation the client starts again in
         * a version the server listed: a new first Initial, new Initial keys */
        bool restart = dir == DEC_C2S && f->vn_pending && h->version != f->version;
        if (restart) {
            version_changed(d, f, f->version, h->version, "after Version Negotiation", "RFC 9368 §2.1");
            flow_restart_tls(f);
        }
        /* the first client Initial, and the first one after a Retry (RFC 9001 §5.2) */
        if (dir == DEC_C2S && (!f->have_keys[DEC_LVL_INITIAL][DEC_C2S] || f->retry_pending || restart)) {
            f->retry_pending = f->vn_pending = false;
            dec_flow_initial_keys(d, f, h->dcid, h->dcid_len, 2);
        }
        break;
    case QUIC_PKT_HANDSHAKE:
        lvl = DEC_LVL_HANDSHAKE;
        break;
    default:
        break;
    }
    if (h->type != QUIC_PKT_1RTT)
        dec_item(d, 2, "field", "RFC 9000 §17.2", "Length %" PRIu64 " (packet number and payload)", h->length);
    quic_pkt_clear c;
    const char *why = "0-RTT keys are not decoded";
    /* An Initial of the other compatible version (RFC 9368 §2.3, RFC 9369
     * §4.1): the server's first one in the negotiated version, or the
     * client's in the original version before it learned of the switch. */
    bool other = lvl == DEC_LVL_INITIAL && h->version != f->version;
    if (other && dec_flow_alt_initial_keys(d, f, h->version, 2) != 0) {
        why = "no Initial keys for this version";
        lvl = -1;
    } else if (other) {
        dec_flow_initial_swap(f);
    }
    if (lvl == DEC_LVL_HANDSHAKE && h->version != f->version)
        why = "a Handshake packet not in the negotiated version: a receiver drops it (RFC 9369 §4.1)";
    int rc = lvl < 0 || (lvl == DEC_LVL_HANDSHAKE && h->version != f->version)
                 ? -1
                 : dec_pkt_open(d, f, lvl, dir, (uint8_t *)h->pkt, h->pkt_len, h->pn_offset, &c, &why, 2);
    if (other && lvl >= 0) {
        dec_flow_initial_swap(f); /* back: f->version is the one in use */
        if (rc == 0 && dir == DEC_S2C) {
            /* the server answers in another version: the switch (RFC 9368
             * §2.3); its Initial keys become the ones in use */
            uint32_t from = f->version;
            dec_flow_initial_swap(f);
            version_changed(d, f, from, h->version, "compatible version negotiation", "RFC 9368 §2.3");
        }
    }
    if (rc == 0 && dir == DEC_C2S && f->nversions > 1 && !f->client_followed &&
        h->version == f->version && h->type != QUIC_PKT_1RTT) {
        f->client_followed = true;
        dec_item(d, 2, "note", "RFC 9369 §4.1", "the client sends in the negotiated version from now on");
    }
    if (rc != 0) {
        d->st->undecryptable++;
        dec_item(d, 2, "error", "RFC 9001 §5", "cannot decrypt: %s", why);
        return;
    }
    d->st->decrypted++;
    if (h->type == QUIC_PKT_1RTT)
        dec_item(d, 2, "field", "RFC 9001 §5.4", "header protection removed: first byte 0x%02x, key phase %d, packet number %" PRIu64 " (%zu bytes)",
                 c.first, c.key_phase, c.pn, c.pn_len);
    else
        dec_item(d, 2, "field", "RFC 9001 §5.4", "header protection removed: first byte 0x%02x, packet number %" PRIu64 " (%zu bytes)",
                 c.first, c.pn, c.pn_len);
    dec_item(d, 2, "field", "RFC 9001 §5.3", "payload decrypted: %zu bytes of frames (+16-byte AEAD tag)", c.payload_len);
    /* the stack's own received-packet set tells a duplicate (RFC 9000 §12.3) */
    if (quic_ackrange_contains(&f->seen[lvl][dir], c.pn))
        dec_item(d, 2, "note", "RFC 9000 §12.3", "duplicate: packet number %" PRIu64 " was received before; a receiver discards it",
                 c.pn);
    else
        quic_ackrange_insert(&f->seen[lvl][dir], c.pn, true, 0);
    frames_walk(d, f, lvl, dir, h->type, h->pkt + c.payload_offset, c.payload_len, 2);
}

static void on_udp(void *ud, const app_pcap_udp *u)
{
    dec *d = ud;
    uint8_t *buf = d->dgram;
    int dir = DEC_C2S;
    size_t path_cid_len = 0;
    dec_flow *f = flow_find(d, u, &dir);
    if (u->len == 0 || u->len > sizeof d->dgram) {
        d->st->other_udp++;
        return;
    }
    if (!f)
        f = flow_find_by_dcid(d, u, &dir, &path_cid_len);
    if (!f) {
        quic_pkt_hdr h;
        if (!(u->payload[0] & QUIC_PKT_FORM_LONG)) {
            d->st->other_udp++;
            return;
        }
        int rc = quic_pkt_hdr_parse(u->payload, u->len, 0, &h);
        if (!((rc == 0 && h.type == QUIC_PKT_INITIAL) || rc == QUIC_PKT_ERR_VERSION)) {
            d->st->other_udp++;
            return;
        }
        f = flow_new(d, u, h.version);
        if (!f) {
            d->st->other_udp++;
            return;
        }
        dir = DEC_C2S;
    }
    memcpy(buf, u->payload, u->len);
    d->st->datagrams++;
    dec_dgram_begin(d, u, f, dir);
    quic_dgram_iter it;
    quic_pkt_hdr h;
    size_t dcid_len = path_cid_len ? path_cid_len : dir == DEC_C2S ? f->scid_len : f->ccid_len;
    if (path_cid_len)
        dec_item(d, 1, "note", "RFC 9000 §9", "a new path for connection %d, found by its Destination Connection ID (migration or NAT rebinding)",
                 f->n);
    quic_dgram_iter_init(&it, buf, u->len, dcid_len);
    int rc;
    size_t n = 0;
    /* coalesced: more than one packet in the datagram (RFC 9000 §12.2) */
    size_t count = 0;
    while (quic_dgram_next(&it, &h) == 1)
        count++;
    bool coalesced = count > 1;
    quic_dgram_iter_init(&it, buf, u->len, dcid_len);
    while ((rc = quic_dgram_next(&it, &h)) == 1) {
        n++;
        packet(d, f, dir, &h, n, coalesced);
    }
    if (rc < 0) {
        d->st->packets++;
        d->st->undecryptable++;
        dec_item(d, 1, "error", "RFC 9000 §17", "not a QUIC packet this decoder can parse: %s",
                 quic_err_str(rc));
    }
    if (it.ignored)
        dec_item(d, 1, "note", "RFC 9000 §12.2", "%zu bytes after the last packet: not a packet of this connection (zero padding or another DCID)",
                 it.ignored);
    dec_dgram_end(d);
}

int app_decode_buf(const uint8_t *cap, size_t cap_len, const char *keylog, size_t keylog_len,
                   bool json, FILE *out, FILE *err, app_decode_stats *st)
{
    dec *d = calloc(1, sizeof *d);
    char msg[256];
    app_pcap_stats ps;
    if (!d)
        return -1;
    memset(st, 0, sizeof *st);
    d->out = out;
    d->json = json;
    d->st = st;
    if (keylog)
        dec_keylog_load(d, keylog, keylog_len);
    int rc = app_pcap_read(cap, cap_len, on_udp, d, &ps, msg, sizeof msg);
    if (rc != 0) {
        st->capture_cut = true;
        if (err)
            fprintf(err, "quince decode: %s (after %zu records)\n", msg, ps.records);
    }
    dec_summary(d);
    for (size_t i = 0; i < d->nflows; i++)
        flow_free(d->flows[i]);
    free(d->js);
    memset(d->keylog, 0, sizeof d->keylog);
    free(d);
    return rc == -2 ? -1 : 0; /* a capture cut short still decodes up to the cut */
}

static char *read_all(const char *path, size_t *len, FILE *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(err, "quince decode: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 65536, n = 0;
    char *b = malloc(cap);
    while (b) {
        size_t r = fread(b + n, 1, cap - n, fp);
        n += r;
        if (n < cap)
            break;
        char *nb = cap < (1u << 30) ? realloc(b, cap * 2) : NULL;
        if (!nb) {
            free(b);
            b = NULL;
            fprintf(err, "quince decode: %s is too large\n", path);
            break;
        }
        b = nb;
        cap *= 2;
    }
    fclose(fp);
    *len = n;
    return b;
}

int app_decode_run(const char *capture, const char *keylog, bool json, FILE *out, FILE *err)
{
    size_t clen, klen = 0;
    char *cap = read_all(capture, &clen, err), *kl = NULL;
    if (!cap)
        return 1;
    if (keylog && !(kl = read_all(keylog, &klen, err))) {
        free(cap);
        return 1;
    }
    app_decode_stats st;
    int rc = app_decode_buf((const uint8_t *)cap, clen, kl, klen, json, out, err, &st);
    free(cap);
    free(kl);
    if (rc != 0)
        return 1;
    return 0; /* undecryptable packets are reported and counted, not fatal */
}
