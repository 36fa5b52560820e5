/* QUIC connection, send path: one UDP datagram per call, with a packet for
 * each level that has something to say (coalesced, RFC 9000 §12.2), under
 * congestion control, pacing and the server's anti-amplification limit. */
#include "quic/conn_int.h"

#include "quic/pn.h"

#include <string.h>

#define TAG_LEN 16
#define MAX_REQUEUE 64
/* Queued datagram payloads a packet seals from their slots (more are copied). */
#define MAX_GATHER 32

/* A queued datagram's payload left out of the written frames: the frame
 * header is written, its payload bytes (a hole in the plaintext) are sealed
 * from the queue slot. */
typedef struct dgram_hole {
    size_t off; /* in the payload */
    size_t len;
    const uint8_t *p;
} dgram_hole;

/* A packet under construction. */
typedef struct pkt_build {
    quic_pn_space sp;
    qb_wr w;           /* writes the plaintext payload */
    bool ack_eliciting;
    bool in_flight;
    bool has_dgram;
    bool path_response; /* the datagram is expanded to 1200 (RFC 9000 §8.2.2) */
    size_t dg_taken;    /* queued datagrams in it, popped once it is sealed */
    uint64_t dg_gone;   /* datagrams gone from the queue before the first taken */
    size_t n_holes;
    dgram_hole *holes;  /* MAX_GATHER, filled up to n_holes (not zeroed per packet) */
} pkt_build;

static bool level_tx_ok(const quic_conn *c, quic_pn_space sp)
{
    if (c->sp[sp].discarded)
        return false;
    /* RFC 9001 §4.6.1: a client sends application data in 0-RTT packets
     * until it has the 1-RTT keys. */
    return sp == QUIC_SPACE_APPLICATION ? c->app_tx_ok || quic_conn_early_sending(c)
                                        : c->keys[sp].tx_ok;
}

static bool crypto_pending(const quic_crypto_send *cs)
{
    return cs->n_lost > 0 || cs->sent < cs->len;
}

static bool app_pending(const quic_conn *c)
{
    const quic_pending *p = &c->pend;
    return p->max_data || p->max_streams_bidi || p->max_streams_uni || p->data_blocked ||
           p->streams_blocked_bidi || p->streams_blocked_uni || p->handshake_done || p->ping ||
           p->path_response || p->new_token || c->pcids.n_retire_owed ||
           quic_local_cids_next_announce((quic_local_cids *)&c->lcids) ||
           c->streams.head || quic_dgram_queue_count(&c->dg_tx) || quic_dgram_pkt_count(c->dg_pkt);
}

/* Anything for this level: an ACK due, data, or a probe. */
static bool level_has_work(const quic_conn *c, quic_pn_space sp, uint64_t now)
{
    if (!level_tx_ok(c, sp))
        return false;
    const quic_space *s = &c->sp[sp];
    if (quic_ackrange_ack_needed(&s->acks, now) || s->probe || crypto_pending(&s->crypto_tx))
        return true;
    if (sp == QUIC_SPACE_APPLICATION && quic_conn_early_sending(c)) /* RFC 9000 §17.2.3 */
        return c->streams.head || quic_dgram_queue_count(&c->dg_tx);
    return sp == QUIC_SPACE_APPLICATION && quic_conn_app_sendable(c) && app_pending(c);
}

/* ---- frame writers ---- */

static bool put_frame(pkt_build *b, const quic_frame *f)
{
    if (quic_frame_encode(&b->w, f) != 0)
        return false;
    if (quic_frame_is_ack_eliciting(f->type))
        b->ack_eliciting = true;
    if (quic_frame_is_in_flight(f->type))
        b->in_flight = true;
    return true;
}

static bool log_item(quic_conn *c, quic_si_kind kind, uint64_t id, uint64_t off, size_t len,
                     bool fin, quic_pn_space sp)
{
    quic_sent_item it = {.kind = (uint8_t)kind, .id = id, .off = off, .len = (uint32_t)len,
                         .fin = fin, .space = (uint8_t)sp};
    return quic_sentlog_add(&c->log, &it) == 0;
}

/* A simple varint-only frame that is logged for loss handling. */
static bool put_simple(quic_conn *c, pkt_build *b, uint64_t type, uint64_t a, uint64_t v,
                       quic_si_kind kind, uint64_t id)
{
    if (!quic_sentlog_room(&c->log, 1))
        return false;
    quic_frame f;
    memset(&f, 0, sizeof f);
    f.type = type;
    f.ints[0] = a;
    f.ints[1] = v;
    if (!put_frame(b, &f))
        return false;
    log_item(c, kind, id, 0, 0, false, b->sp);
    return true;
}

static void put_ack(quic_conn *c, pkt_build *b, uint64_t now)
{
    quic_space *s = &c->sp[b->sp];
    if (!quic_ackrange_ack_pending(&s->acks))
        return;
    quic_pn_range ranges[QUIC_ACKRANGE_DEFAULT];
    size_t n = quic_ackrange_export(&s->acks, ranges, QUIC_ACKRANGE_DEFAULT);
    if (n == 0)
        return;
    /* RFC 9000 §13.2.5: ack delay in units of 2^ack_delay_exponent us. */
    uint64_t delay = b->sp == QUIC_SPACE_APPLICATION
                         ? quic_ackrange_ack_delay(&s->acks, now) >> c->local_tp.ack_delay_exponent
                         : 0;
    /* RFC 9000 §13.4.1: ACK_ECN once a packet of the space arrived marked. */
    const uint64_t *ecn = quic_conn_ecn_ack_counts(c, b->sp);
    size_t fit = quic_frame_ack_ranges_fit(ranges, n, delay, ecn, qb_wr_left(&b->w));
    if (fit == 0 || quic_frame_ack_encode(&b->w, ranges, fit, delay, ecn) != 0)
        return;
    quic_ackrange_on_ack_sent(&s->acks);
    /* RFC 9000 §13.2.4: when this packet is acknowledged, what lies below the
     * Largest Acknowledged need not be reported again. */
    if (quic_sentlog_room(&c->log, 1))
        log_item(c, QUIC_SI_ACK, ranges[0].largest, 0, 0, false, b->sp);
}

static void put_crypto(quic_conn *c, pkt_build *b)
{
    quic_crypto_send *cs = &c->sp[b->sp].crypto_tx;
    while (crypto_pending(cs) && quic_sentlog_room(&c->log, 1)) {
        uint64_t off, len;
        bool retrans = cs->n_lost > 0;
        if (retrans) {
            off = cs->lost[0].off;
            len = cs->lost[0].len;
        } else {
            off = cs->sent;
            len = cs->len - cs->sent;
        }
        size_t fit = quic_frame_crypto_fit(off, qb_wr_left(&b->w));
        if (fit == 0)
            return;
        if (len > fit)
            len = fit;
        quic_frame f;
        memset(&f, 0, sizeof f);
        f.type = QUIC_FT_CRYPTO;
        f.crypto.offset = off;
        f.crypto.data = cs->buf + off;
        f.crypto.len = (size_t)len;
        if (!put_frame(b, &f))
            return;
        log_item(c, QUIC_SI_CRYPTO, b->sp, off, (size_t)len, false, b->sp);
        if (retrans) {
            cs->lost[0].off += len;
            cs->lost[0].len -= len;
            if (cs->lost[0].len == 0) {
                memmove(cs->lost, cs->lost + 1, (cs->n_lost - 1) * sizeof cs->lost[0]);
                cs->n_lost--;
            }
        } else {
            cs->sent += len;
        }
    }
}

static void put_control(quic_conn *c, pkt_build *b)
{
    quic_pending *p = &c->pend;
    if (p->path_response) {
        quic_frame f;
        memset(&f, 0, sizeof f);
        f.type = QUIC_FT_PATH_RESPONSE;
        memcpy(f.path.data, p->path_response_data, 8);
        if (put_frame(b, &f)) {
            p->path_response = false; /* never retransmitted (RFC 9000 §13.3) */
            b->path_response = true;
        }
    }
    if (p->handshake_done && quic_sentlog_room(&c->log, 1)) {
        quic_frame f;
        memset(&f, 0, sizeof f);
        f.type = QUIC_FT_HANDSHAKE_DONE;
        if (put_frame(b, &f)) {
            log_item(c, QUIC_SI_HANDSHAKE_DONE, 0, 0, 0, false, b->sp);
            p->handshake_done = false;
        }
    }
    if (p->new_token && c->new_token && quic_sentlog_room(&c->log, 1)) {
        quic_frame f;
        memset(&f, 0, sizeof f);
        f.type = QUIC_FT_NEW_TOKEN;
        f.new_token.token = c->new_token;
        f.new_token.len = c->new_token_len;
        if (put_frame(b, &f)) {
            log_item(c, QUIC_SI_NEW_TOKEN, 0, 0, 0, false, b->sp);
            p->new_token = false;
        }
    }
    if (p->max_data) {
        uint64_t lim = quic_flowctl_rx_next_limit(&c->conn_rx);
        if (put_simple(c, b, QUIC_FT_MAX_DATA, lim, 0, QUIC_SI_MAX_DATA, 0)) {
            quic_flowctl_rx_on_update_sent(&c->conn_rx, lim);
            p->max_data = false;
        }
    }
    if (p->max_streams_bidi &&
        put_simple(c, b, QUIC_FT_MAX_STREAMS_BIDI, c->rx_max_streams_bidi, 0,
                   QUIC_SI_MAX_STREAMS_BIDI, 0))
        p->max_streams_bidi = false;
    if (p->max_streams_uni &&
        put_simple(c, b, QUIC_FT_MAX_STREAMS_UNI, c->rx_max_streams_uni, 0,
                   QUIC_SI_MAX_STREAMS_UNI, 0))
        p->max_streams_uni = false;
    if (p->data_blocked &&
        put_simple(c, b, QUIC_FT_DATA_BLOCKED, quic_flowctl_tx_limit(&c->conn_tx), 0,
                   QUIC_SI_DATA_BLOCKED, 0)) {
        p->data_blocked = false;
        quic_flowctl_tx_on_blocked_sent(&c->conn_tx);
    }
    if (p->streams_blocked_bidi &&
        put_simple(c, b, QUIC_FT_STREAMS_BLOCKED_BIDI, c->tx_max_streams_bidi, 0,
                   QUIC_SI_STREAMS_BLOCKED_BIDI, 0))
        p->streams_blocked_bidi = false;
    if (p->streams_blocked_uni &&
        put_simple(c, b, QUIC_FT_STREAMS_BLOCKED_UNI, c->tx_max_streams_uni, 0,
                   QUIC_SI_STREAMS_BLOCKED_UNI, 0))
        p->streams_blocked_uni = false;
    quic_local_cid *lc;
    while ((lc = quic_local_cids_next_announce(&c->lcids)) && quic_sentlog_room(&c->log, 1)) {
        quic_frame f;
        memset(&f, 0, sizeof f);
        f.type = QUIC_FT_NEW_CONNECTION_ID;
        f.new_cid.seq = lc->seq;
        f.new_cid.cid_len = lc->cid.len;
        memcpy(f.new_cid.cid, lc->cid.b, lc->cid.len);
        memcpy(f.new_cid.reset_token, lc->token, 16);
        if (!put_frame(b, &f))
            break;
        log_item(c, QUIC_SI_NEW_CONNECTION_ID, lc->seq, 0, 0, false, b->sp);
        lc->announce = false;
    }
    uint64_t seq;
    while (c->pcids.n_retire_owed && quic_sentlog_room(&c->log, 1)) {
        seq = c->pcids.retire_owed[0];
        if (!put_simple(c, b, QUIC_FT_RETIRE_CONNECTION_ID, seq, 0, QUIC_SI_RETIRE_CONNECTION_ID, seq))
            break;
        quic_peer_cids_next_retire(&c->pcids, &seq);
    }
}

/* The datagrams written when they were sent (conn_dgram.c) open the payload:
 * b writes on after them in their buffer, and the packet is sealed from there.
 * Returns the buffer, or NULL (b unchanged). */
static const uint8_t *take_sent_datagrams(quic_conn *c, pkt_build *b, uint64_t now)
{
    size_t len, cap;
    uint8_t *p = quic_conn_dgram_pkt_take(c, qb_wr_left(&b->w), now, &len, &cap);
    if (!p)
        return NULL;
    qb_wr_init(&b->w, p, cap);
    b->w.off = len;
    b->ack_eliciting = b->in_flight = b->has_dgram = true; /* RFC 9221 §5 */
    return p;
}

/* Queued datagrams, oldest first, as many as fit; the records are popped once
 * the packet is sealed, so their slots can feed the seal. Two ways:
 * - copy (the default): the payload is copied into the packet, which is then
 *   encrypted in place with one AEAD update;
 * - seal from the slots (dg_seal_from_slots): the frame header is written in
 *   place and the payload left as a hole that the seal reads from the slot
 *   (a gather: no plaintext copy). Each piece costs libcrypto one more
 *   EVP_EncryptUpdate, with byte-wise work at unaligned block boundaries and
 *   no stitched AES-GCM for short pieces: measured with callgrind on
 *   bench_server (OpenSSL 3.0, AES-128-GCM), building packets costs about
 *   900 instructions more per datagram at 64 B and 500 more at 1000 B than
 *   with the memcpy it saves, so it stays off until the cipher layer takes a
 *   gather cheaply.
 * With the trace hook on (it reads the plaintext) or the holes used up, the
 * payload is copied. */
static void put_datagrams(quic_conn *c, pkt_build *b, uint64_t now)
{
    const uint8_t *p;
    size_t n;
    uint64_t peer_max = c->peer_tp.max_datagram_frame_size;
    quic_dgram_cursor cur;
    bool more = quic_dgram_queue_first(&c->dg_tx, now, &cur, &p, &n);
    while (more) {
        if (b->dg_taken == 0) /* counts pops and drops alike */
            b->dg_gone = quic_dgram_queue_stats(&c->dg_tx)->pushed - quic_dgram_queue_count(&c->dg_tx);
        size_t hdr = quic_dgram_frame_header(NULL, n);
        if (hdr + n > peer_max) {
            if (b->dg_taken)
                return; /* behind those taken: the next packet drops it */
            /* Too large for the peer (it may have shrunk the path): drop. */
            quic_dgram_queue_drop_head(&c->dg_tx);
            c->dg_stats.drop_send_too_large++;
            more = quic_dgram_queue_first(&c->dg_tx, now, &cur, &p, &n);
            continue;
        }
        if (hdr + n > qb_wr_left(&b->w))
            return; /* the next packet takes it */
        uint8_t *dst = qb_wr_ptr(&b->w);
        quic_dgram_frame_header(dst, n);
        if (n && c->dg_seal_from_slots && !c->cfg.trace && b->n_holes < MAX_GATHER) {
            b->holes[b->n_holes++] = (dgram_hole){.off = b->w.off + hdr, .len = n, .p = p};
        } else if (n) {
            memcpy(dst + hdr, p, n);
            c->dg_tx_copied += n;
        }
        b->w.off += hdr + n;
        b->ack_eliciting = b->in_flight = b->has_dgram = true; /* RFC 9221 §5 */
        b->dg_taken++;
        more = quic_dgram_queue_next(&c->dg_tx, &cur, &p, &n);
    }
}

/* Seals the packet at pkt whose plaintext payload is b's (written at plain,
 * or in place when plain is NULL), reading the holes from their slots. */
static int seal_packet(const quic_pkt_keys *k, const pkt_build *b, uint8_t *pkt, size_t pkt_len,
                       const quic_pkt_wr *pw, uint64_t pn, const uint8_t *plain)
{
    if (b->n_holes == 0)
        return quic_pkt_protect_from(k, pkt, pkt_len, pw->pn_offset, pw->pn_len, pn, plain);
    const uint8_t *base = b->w.p;
    qb_iov v[2 * MAX_GATHER + 1];
    size_t nv = 0, at = 0;
    for (size_t i = 0; i < b->n_holes; i++) {
        const dgram_hole *h = &b->holes[i];
        v[nv++] = (qb_iov){base + at, h->off - at};
        v[nv++] = (qb_iov){h->p, h->len};
        at = h->off + h->len;
    }
    v[nv++] = (qb_iov){base + at, b->w.off - at};
    return quic_pkt_protect_gather(k, pkt, pkt_len, pw->pn_offset, pw->pn_len, pn, v, nv);
}

/* One stream's frames; returns true when it still has something to send. */
static bool put_stream(quic_conn *c, pkt_build *b, quic_stream *s, bool *conn_blocked)
{
    if (s->stop_pending &&
        put_simple(c, b, QUIC_FT_STOP_SENDING, s->id, s->stop_code, QUIC_SI_STOP_SENDING, s->id)) {
        s->stop_pending = false;
        s->stop_sent = true;
    }
    if (s->max_pending &&
        put_simple(c, b, QUIC_FT_MAX_STREAM_DATA, s->id, s->rb.max_off, QUIC_SI_MAX_STREAM_DATA,
                   s->id))
        s->max_pending = false;
    if (s->reset_pending && quic_sentlog_room(&c->log, 1)) {
        quic_frame f;
        memset(&f, 0, sizeof f);
        f.type = QUIC_FT_RESET_STREAM;
        f.reset_stream.stream_id = s->id;
        f.reset_stream.app_error_code = s->reset_code;
        f.reset_stream.final_size = s->reset_final;
        if (put_frame(b, &f)) {
            log_item(c, QUIC_SI_RESET_STREAM, s->id, 0, 0, false, b->sp);
            s->reset_pending = false;
            s->reset_sent = true;
        }
    }
    if (s->has_send && !s->reset_sent && !s->reset_pending) {
        for (;;) {
            if (!quic_sentlog_room(&c->log, 1))
                break;
            uint64_t credit = quic_flowctl_tx_credit(&c->conn_tx);
            uint64_t max_new = s->sb.next_off + credit;
            if (max_new > s->tx_max)
                max_new = s->tx_max;
            size_t space = quic_frame_stream_fit(s->id, s->sb.next_off, qb_wr_left(&b->w));
            /* Lost data may sit at lower offsets: the fit above is conservative. */
            if (space == 0 && qb_wr_left(&b->w) < 24)
                break;
            quic_sendbuf_piece pc;
            uint64_t before = s->sb.next_off;
            size_t maxlen = space ? space : 0;
            if (!quic_sendbuf_next(&s->sb, maxlen, max_new, &pc))
                break;
            quic_frame f;
            memset(&f, 0, sizeof f);
            f.type = QUIC_FT_STREAM | QUIC_FT_STREAM_BIT_LEN | (pc.offset ? QUIC_FT_STREAM_BIT_OFF : 0) |
                     (pc.fin ? QUIC_FT_STREAM_BIT_FIN : 0);
            f.stream.stream_id = s->id;
            f.stream.offset = pc.offset;
            f.stream.data = pc.data;
            f.stream.len = pc.len;
            if (!put_frame(b, &f)) {
                quic_sendbuf_on_lost(&s->sb, pc.offset, pc.len, pc.fin); /* send it later */
                break;
            }
            log_item(c, QUIC_SI_STREAM, s->id, pc.offset, pc.len, pc.fin, b->sp);
            if (s->sb.next_off > before)
                quic_flowctl_tx_consume(&c->conn_tx, s->sb.next_off - before);
        }
        uint64_t credit = quic_flowctl_tx_credit(&c->conn_tx);
        if (quic_sendbuf_is_blocked(&s->sb, s->tx_max)) {
            if (!s->blocked_pending &&
                put_simple(c, b, QUIC_FT_STREAM_DATA_BLOCKED, s->id, s->tx_max,
                           QUIC_SI_STREAM_DATA_BLOCKED, s->id))
                s->blocked_pending = true; /* once per limit */
        } else if (credit == 0 && quic_sendbuf_is_blocked(&s->sb, s->sb.next_off)) {
            *conn_blocked = true;
            if (quic_flowctl_tx_blocked_needed(&c->conn_tx))
                c->pend.data_blocked = true;
        }
    }
    /* Lost bytes go again whatever the flow control (they are below the
     * highest offset sent, RFC 9000 §4.1): a stream holding some stays in
     * the queue even when it is blocked for new data. */
    bool resend = s->sb.lost.n > 0 || s->sb.fin_lost;
    bool more_data = s->has_send && !s->reset_sent &&
                     (resend || (quic_sendbuf_has_pending(&s->sb) &&
                                 !quic_sendbuf_is_blocked(&s->sb, s->tx_max) && !*conn_blocked));
    return s->stop_pending || s->max_pending || s->reset_pending || more_data;
}

static void put_streams(quic_conn *c, pkt_build *b)
{
    quic_stream *again[MAX_REQUEUE];
    size_t n_again = 0;
    bool conn_blocked = false;
    quic_stream *s;
    while (qb_wr_left(&b->w) > 8 && n_again < MAX_REQUEUE && (s = quic_streams_pop(&c->streams))) {
        if (put_stream(c, b, s, &conn_blocked))
            again[n_again++] = s;
        if (conn_blocked)
            break;
    }
    /* Round robin: the ones with more to say go to the back. */
    for (size_t i = 0; i < n_again; i++)
        quic_streams_queue(&c->streams, again[i]);
}

/* The header of a packet of space sp, packet number in clear (RFC 9000 §17). */
static int begin_header(const quic_conn *c, qb_wr *w, quic_pn_space sp, uint64_t pn,
                        size_t pn_len, quic_pkt_wr *pw)
{
    const quic_cid *dcid = quic_peer_cids_current(&c->pcids);
    if (sp == QUIC_SPACE_APPLICATION && c->app_tx_ok)
        return quic_pkt_short_begin(w, dcid->b, dcid->len, false, c->app.tx_phase, pn, pn_len, pw);
    const quic_cid *scid = &c->lcids.slot[0].cid;
    bool token = sp == QUIC_SPACE_INITIAL && !c->is_server;
    quic_pkt_long_params lp = {
        /* RFC 9000 §17.2.3: application data before the 1-RTT keys is 0-RTT */
        .type = sp == QUIC_SPACE_INITIAL     ? QUIC_PKT_INITIAL
                : sp == QUIC_SPACE_HANDSHAKE ? QUIC_PKT_HANDSHAKE
                                             : QUIC_PKT_0RTT,
        .version = c->version,
        .dcid = dcid->b, .dcid_len = dcid->len,
        .scid = scid->b, .scid_len = scid->len,
        .token = token ? c->retry_token : NULL,
        .token_len = token ? c->retry_token_len : 0,
        .pn = pn, .pn_len = pn_len, .length_len = 2,
    };
    return quic_pkt_long_begin(w, &lp, pw);
}

/* The sent packet for the trace hook, with the CIDs begin_header wrote. */
static void trace_sent(quic_conn *c, quic_pn_space sp, uint64_t pn, size_t size,
                       const uint8_t *frames, size_t frames_len)
{
    if (!c->cfg.trace)
        return;
    const quic_cid *dcid = quic_peer_cids_current(&c->pcids);
    const quic_cid *scid = &c->lcids.slot[0].cid;
    bool lng = sp != QUIC_SPACE_APPLICATION || !c->app_tx_ok;
    quic_pkt_type pt = lng && sp == QUIC_SPACE_APPLICATION ? QUIC_PKT_0RTT : quic_space_pkt_type(sp);
    quic_trace tr = {.type = QUIC_TRACE_PACKET_SENT, .pkt_type = pt, .pn = pn,
                     .size = size, .frames = frames, .frames_len = frames_len,
                     .dcid = dcid->b, .dcid_len = dcid->len, .scid = lng ? scid->b : NULL,
                     .scid_len = lng ? scid->len : 0};
    quic_conn_trace(c, &tr);
}

static quic_pkt_keys tx_keys(const quic_conn *c, quic_pn_space sp)
{
    if (sp == QUIC_SPACE_APPLICATION && !c->app_tx_ok)
        return quic_conn_early_tx_keys(c); /* 0-RTT */
    if (sp == QUIC_SPACE_APPLICATION)
        return (quic_pkt_keys){.aead = c->app.tx, .hp = c->app.tx_hp};
    return c->keys[sp].tx;
}

/* ---- one packet ---- */

/* Writes one packet at level sp into w (the datagram). pad_to: pad the
 * datagram up to this many bytes with this packet (0: no padding). */
static int build_packet(quic_conn *c, qb_wr *dg, quic_pn_space sp, size_t limit, size_t pad_to,
                        bool cc_ok, uint64_t now)
{
    quic_space *s = &c->sp[sp];
    uint64_t pn = s->next_pn;
    size_t pn_len = quic_pn_encode_len(pn, s->has_largest_acked ? s->largest_acked_sent : QUIC_PN_NONE);
    size_t start = dg->off;
    quic_pkt_wr pw;
    int rc;
    qb_wr w = *dg;
    w.cap = limit;
    /* 0-RTT (RFC 9000 §12.4 Table 3): stream data and datagrams only. */
    bool zrtt = sp == QUIC_SPACE_APPLICATION && !c->app_tx_ok;
    /* RFC 9001 §6.6: key update when due; never past the AEAD limit. */
    if (sp == QUIC_SPACE_APPLICATION && !zrtt && !quic_conn_aead_may_seal(c, now))
        return 0;
    rc = begin_header(c, &w, sp, pn, pn_len, &pw);
    if (rc != 0 || qb_wr_left(&w) < TAG_LEN + quic_pkt_min_payload(pn_len) + 1)
        return 0;
    dgram_hole holes[MAX_GATHER];
    pkt_build b = {.sp = sp, .holes = holes};
    size_t hdr_end = w.off;
    qb_wr_init(&b.w, w.p + w.off, qb_wr_left(&w) - TAG_LEN);
    quic_sentlog_begin(&c->log);

    /* Recovery tracks a bounded number of packets per space: with its ring
     * full of unacknowledged packets, only an ACK may go out (untracked, it
     * still counts as sent); anything ack-eliciting or in flight waits, or
     * the peer's ACK of it would look like an ACK of a packet never sent. */
    bool ring_ok = quic_recovery_can_send(&c->rec, sp);
    if (!ring_ok)
        cc_ok = false;
    const uint8_t *plain = NULL; /* the payload, when not written in place */
    if (sp == QUIC_SPACE_APPLICATION && cc_ok && !zrtt)
        plain = take_sent_datagrams(c, &b, now);
    if (!zrtt)
        put_ack(c, &b, now);
    bool probe = s->probe && ring_ok;
    if (cc_ok || probe) {
        if (sp == QUIC_SPACE_APPLICATION && quic_conn_app_sendable(c))
            put_control(c, &b);
        /* RFC 9002 §6.2.4: every probe of a handshake space carries the
         * unacknowledged flight, not only the first (a PING-only second
         * probe cannot move a handshake whose first probe was lost). */
        if (probe && sp != QUIC_SPACE_APPLICATION && !crypto_pending(&s->crypto_tx))
            quic_crypto_send_lost(&s->crypto_tx, 0, s->crypto_tx.sent);
        put_crypto(c, &b);
        if (sp == QUIC_SPACE_APPLICATION && (quic_conn_app_sendable(c) || zrtt)) {
            /* RFC 9221 §3: in 0-RTT, the remembered max_datagram_frame_size */
            if (zrtt ? c->peer_tp.max_datagram_frame_size : quic_conn_peer_max_dgram(c))
                put_datagrams(c, &b, now);
            put_streams(c, &b);
        }
        if ((probe || c->pend.ping) && !b.ack_eliciting) {
            quic_frame f = {.type = QUIC_FT_PING};
            put_frame(&b, &f);
        }
        if (b.ack_eliciting && probe && --s->probes == 0)
            s->probe = false;
        if (sp == QUIC_SPACE_APPLICATION && b.ack_eliciting)
            c->pend.ping = false;
    }
    /* Nothing to say: no packet -- unless this one was to carry the padding of
     * a datagram with an Initial in it (RFC 9000 §14.1), which then goes out
     * as a PADDING-only packet rather than leave the datagram short. */
    if (b.w.off == 0 && (!pad_to || dg->off == 0)) {
        quic_sentlog_abort(&c->log);
        return 0;
    }
    if (b.path_response && pad_to < QUIC_MIN_INITIAL)
        pad_to = QUIC_MIN_INITIAL < limit ? QUIC_MIN_INITIAL : limit;
    /* Padding: to the datagram size asked for, and at least enough for the
     * header protection sample (RFC 9001 §5.4.2). */
    size_t min_pl = quic_pkt_min_payload(pn_len);
    size_t want = b.w.off < min_pl ? min_pl : b.w.off;
    if (pad_to) {
        size_t total = (hdr_end - start) + want + TAG_LEN;
        size_t have = start + total;
        if (have < pad_to)
            want += pad_to - have;
        if (want > qb_wr_left(&b.w) + b.w.off)
            want = qb_wr_left(&b.w) + b.w.off;
    }
    if (want > b.w.off) {
        qb_wr_zeros(&b.w, want - b.w.off);
        b.in_flight = true; /* PADDING counts in flight (RFC 9002 §2) */
    }
    if (!ring_ok && (b.in_flight || b.ack_eliciting)) {
        quic_sentlog_abort(&c->log); /* see ring_ok above: not now */
        return 0;
    }
    w.off = hdr_end + b.w.off;
    size_t pkt_len;
    if (quic_pkt_wr_finish(&w, &pw, TAG_LEN, &pkt_len) != 0) {
        quic_sentlog_abort(&c->log);
        return 0;
    }
    quic_pkt_keys k = tx_keys(c, sp);
    /* Traced before protection: the frames are still in clear. */
    trace_sent(c, sp, pn, pkt_len, b.w.p, b.w.off);
    if (seal_packet(&k, &b, w.p + start, pkt_len, &pw, pn, plain) != 0) {
        quic_sentlog_abort(&c->log);
        return 0;
    }
    if (plain)
        quic_conn_dgram_pkt_sent(c);
    /* The queued datagrams were read from their slots: now they may go. By
     * their place in the queue, not a count of pops: should any have been
     * dropped meanwhile (e.g. a trace hook that sent a datagram later in
     * time made older ones expire), no untaken one is popped. */
    const quic_dgram_stats *qs = quic_dgram_queue_stats(&c->dg_tx);
    while (b.dg_taken && qs->pushed - quic_dgram_queue_count(&c->dg_tx) < b.dg_gone + b.dg_taken)
        quic_dgram_queue_pop(&c->dg_tx);
    c->dg_stats.sent += b.dg_taken;
    dg->off = start + pkt_len;
    quic_conn_ecn_on_sent(c, sp, pn);
    s->next_pn++;
    uint64_t handle = quic_sentlog_end(&c->log);
    int trc = quic_recovery_on_sent(&c->rec, sp, pn, pkt_len, b.ack_eliciting, b.in_flight,
                                    handle, now);
    bool tracked = trc == 0;
    /* The sent-packet ring could not grow (issue 10): the packet goes out
     * untracked and the connection ends cleanly, it cannot recover losses. */
    if (trc == QUIC_RECOVERY_ERR_NOMEM)
        quic_conn_fail(c, QUIC_INTERNAL_ERROR, 0, "out of memory tracking sent packets");
    if (!tracked && handle != QUIC_SENTLOG_NO_HANDLE) {
        /* Recovery could not track it: treat what it carried as lost now. */
        quic_conn_on_lost_items(c, handle);
        quic_sentlog_settle(&c->log, handle);
    }
    /* ACK-only records recovery gave up to make room release their items. */
    const quic_sent_pkt *ev;
    size_t n_ev = quic_recovery_take_evicted(&c->rec, &ev);
    for (size_t i = 0; i < n_ev; i++)
        quic_sentlog_settle(&c->log, ev[i].handle);
    /* Only packets recovery tracks count in flight: an untracked one would
     * never be acked or lost, and cc's bytes in flight would never drop. */
    if (b.in_flight && tracked)
        quic_cc_on_sent(&c->cc, pkt_len, now);
    if (sp == QUIC_SPACE_APPLICATION && !zrtt)
        quic_keyphase_on_sent(&c->app, pn);
    if (zrtt)
        quic_conn_early_count(c, QUIC_PKT_0RTT, now);
    if (b.has_dgram)
        c->dg_stats.packets_with_dgrams++;
    if (b.ack_eliciting) {
        /* RFC 9000 §10.1: sending an ack-eliciting packet restarts the idle
         * timer if nothing was sent since the last packet was received. */
        c->last_ack_eliciting_sent = now;
        if (c->idle_restart_on_send) {
            c->idle_restart_on_send = false;
            quic_conn_idle_restart(c, now);
        }
    }
    c->stats.pkts_sent++;
    c->stats.bytes_sent += pkt_len;
    /* RFC 9001 §4.9.1: a client drops its Initial keys when it first sends a
     * Handshake packet. */
    if (!c->is_server && sp == QUIC_SPACE_HANDSHAKE)
        quic_conn_discard_space(c, QUIC_SPACE_INITIAL);
    return 1;
}

/* ---- path probes (RFC 9000 §8.2, §9.1) ---- */

size_t quic_conn_build_path_probe(quic_conn *c, uint8_t *buf, size_t size, const quic_cid *dcid,
                                  const uint8_t *challenge, const uint8_t *response,
                                  uint64_t now)
{
    quic_space *s = &c->sp[QUIC_SPACE_APPLICATION];
    if (!c->app_tx_ok || !level_tx_ok(c, QUIC_SPACE_APPLICATION) ||
        !quic_recovery_can_send(&c->rec, QUIC_SPACE_APPLICATION) ||
        !quic_conn_aead_may_seal(c, now))
        return 0;
    uint64_t pn = s->next_pn;
    size_t pn_len = quic_pn_encode_len(pn, s->has_largest_acked ? s->largest_acked_sent : QUIC_PN_NONE);
    qb_wr w;
    quic_pkt_wr pw;
    qb_wr_init(&w, buf, size);
    if (quic_pkt_short_begin(&w, dcid->b, dcid->len, false, c->app.tx_phase, pn, pn_len, &pw) != 0 ||
        qb_wr_left(&w) < TAG_LEN + 2 * 9 + quic_pkt_min_payload(pn_len))
        return 0;
    size_t hdr_end = w.off;
    qb_wr pl;
    qb_wr_init(&pl, w.p + w.off, qb_wr_left(&w) - TAG_LEN);
    quic_frame f;
    memset(&f, 0, sizeof f);
    if (challenge) {
        f.type = QUIC_FT_PATH_CHALLENGE;
        memcpy(f.path.data, challenge, 8);
        if (quic_frame_encode(&pl, &f) != 0)
            return 0;
    }
    if (response) {
        f.type = QUIC_FT_PATH_RESPONSE;
        memcpy(f.path.data, response, 8);
        if (quic_frame_encode(&pl, &f) != 0)
            return 0;
    }
    /* PADDING to the size asked (RFC 9000 §8.2.1: 1200 bytes, unless the
     * anti-amplification limit allows less). */
    qb_wr_zeros(&pl, qb_wr_left(&pl));
    w.off = hdr_end + pl.off;
    size_t pkt_len;
    if (quic_pkt_wr_finish(&w, &pw, TAG_LEN, &pkt_len) != 0)
        return 0;
    quic_pkt_keys k = tx_keys(c, QUIC_SPACE_APPLICATION);
    quic_trace tr = {.type = QUIC_TRACE_PACKET_SENT, .pkt_type = QUIC_PKT_1RTT, .pn = pn,
                     .size = pkt_len, .frames = w.p + hdr_end, .frames_len = pl.off};
    quic_conn_trace(c, &tr);
    if (quic_pkt_protect(&k, buf, pkt_len, pw.pn_offset, pw.pn_len, pn) != 0)
        return 0;
    s->next_pn++;
    /* Known to recovery (the peer's ACK of it is an ACK of a packet sent) but
     * not in flight: a lost probe says nothing of the current path's
     * congestion (RFC 9000 §9.4); the probe's own timer resends it. */
    quic_recovery_on_sent(&c->rec, QUIC_SPACE_APPLICATION, pn, pkt_len, true, false,
                          QUIC_SENTLOG_NO_HANDLE, now);
    const quic_sent_pkt *ev;
    size_t n_ev = quic_recovery_take_evicted(&c->rec, &ev);
    for (size_t i = 0; i < n_ev; i++)
        quic_sentlog_settle(&c->log, ev[i].handle);
    quic_keyphase_on_sent(&c->app, pn);
    c->stats.pkts_sent++;
    c->stats.bytes_sent += pkt_len;
    return pkt_len;
}

/* ---- CONNECTION_CLOSE (RFC 9000 §10.2) ---- */

/* The close frame as it goes out at level sp. */
static void close_frame(const quic_conn *c, quic_pn_space sp, quic_frame *f)
{
    memset(f, 0, sizeof *f);
    bool app = c->close.app;
    f->close.error_code = c->close.code;
    f->close.frame_type = c->close.frame_type;
    f->close.reason = (const uint8_t *)c->close.reason;
    f->close.reason_len = strlen(c->close.reason);
    if (app && sp != QUIC_SPACE_APPLICATION) {
        /* RFC 9000 §10.2.3: no application close below 1-RTT (0x1d becomes
         * 0x1c); APPLICATION_ERROR and an empty reason, which could reveal
         * application state. */
        app = false;
        f->close.error_code = QUIC_APPLICATION_ERROR;
        f->close.frame_type = 0;
        f->close.reason_len = 0;
    }
    f->type = app ? QUIC_FT_CONNECTION_CLOSE_APP : QUIC_FT_CONNECTION_CLOSE;
}

/* The levels the peer may be able to read (RFC 9000 §10.2.3). Once the
 * handshake is confirmed, 1-RTT only. Before, a server also closes in Initial
 * and Handshake packets: it cannot know whether the client has Handshake keys
 * (its ServerHello may never have gone out). A client closes in Handshake and
 * 1-RTT packets, and in an Initial only while it has no Handshake keys (it
 * knows the server has them once it has its own). */
static void close_levels(const quic_conn *c, bool lv[QUIC_LEVELS])
{
    bool app = level_tx_ok(c, QUIC_SPACE_APPLICATION) && c->handshake_complete;
    bool hs = level_tx_ok(c, QUIC_SPACE_HANDSHAKE);
    lv[QUIC_SPACE_APPLICATION] = app;
    lv[QUIC_SPACE_HANDSHAKE] = !c->handshake_confirmed && hs;
    lv[QUIC_SPACE_INITIAL] = !c->handshake_confirmed && level_tx_ok(c, QUIC_SPACE_INITIAL) &&
                             (c->is_server || !hs);
}

/* The whole CRYPTO flight of cs as frames in pl; false if it does not fit. */
static bool put_flight(qb_wr *pl, const quic_crypto_send *cs)
{
    uint64_t off = 0;
    while (off < cs->len) {
        size_t fit = quic_frame_crypto_fit(off, qb_wr_left(pl));
        if (fit == 0)
            return false;
        uint64_t len = cs->len - off < fit ? cs->len - off : fit;
        quic_frame f;
        memset(&f, 0, sizeof f);
        f.type = QUIC_FT_CRYPTO;
        f.crypto.offset = off;
        f.crypto.data = cs->buf + off;
        f.crypto.len = (size_t)len;
        if (quic_frame_encode(pl, &f) != 0)
            return false;
        off += len;
    }
    return true;
}

/* One packet of a close datagram at level sp, appended to dg: the close
 * frame, or (flight) the level's whole CRYPTO flight. pad_to: PADDING so that
 * the datagram reaches this size (0: none). */
static bool close_packet(quic_conn *c, qb_wr *dg, quic_pn_space sp, bool flight, size_t pad_to)
{
    quic_space *s = &c->sp[sp];
    uint64_t pn = s->next_pn;
    size_t pn_len = quic_pn_encode_len(pn, s->has_largest_acked ? s->largest_acked_sent : QUIC_PN_NONE);
    size_t start = dg->off;
    qb_wr w = *dg;
    quic_pkt_wr pw;
    if (begin_header(c, &w, sp, pn, pn_len, &pw) != 0 || qb_wr_left(&w) < TAG_LEN + 1)
        return false;
    size_t hdr_end = w.off;
    qb_wr pl;
    qb_wr_init(&pl, w.p + w.off, qb_wr_left(&w) - TAG_LEN);
    if (flight) {
        if (!put_flight(&pl, &s->crypto_tx))
            return false;
    } else {
        quic_frame f;
        close_frame(c, sp, &f);
        if (quic_frame_encode(&pl, &f) != 0) {
            f.close.reason_len = 0; /* no room for the reason: the code matters */
            qb_wr_init(&pl, w.p + w.off, qb_wr_left(&w) - TAG_LEN);
            if (quic_frame_encode(&pl, &f) != 0)
                return false;
        }
    }
    /* Padding: enough for the header protection sample (RFC 9001 §5.4.2),
     * and to pad_to when asked (RFC 9000 §14.1). */
    size_t want = pl.off < quic_pkt_min_payload(pn_len) ? quic_pkt_min_payload(pn_len) : pl.off;
    if (pad_to && hdr_end + want + TAG_LEN < pad_to)
        want = pad_to - hdr_end - TAG_LEN;
    if (want > pl.cap)
        want = pl.cap;
    if (want > pl.off)
        qb_wr_zeros(&pl, want - pl.off);
    w.off = hdr_end + pl.off;
    size_t pkt_len;
    if (quic_pkt_wr_finish(&w, &pw, TAG_LEN, &pkt_len) != 0)
        return false;
    quic_pkt_keys k = tx_keys(c, sp);
    trace_sent(c, sp, pn, pkt_len, w.p + hdr_end, pl.off);
    if (quic_pkt_protect(&k, w.p + start, pkt_len, pw.pn_offset, pw.pn_len, pn) != 0)
        return false;
    dg->off = start + pkt_len;
    quic_conn_ecn_on_sent(c, sp, pn);
    s->next_pn++;
    return true;
}

/* An upper bound on what close_packet writes at sp without padding. */
static size_t close_packet_max(const quic_conn *c, quic_pn_space sp, bool flight)
{
    uint8_t tmp[512];
    qb_wr w;
    quic_pkt_wr pw;
    qb_wr_init(&w, tmp, sizeof tmp);
    /* the longest packet number: the header and the sample's padding together
     * never shrink with a shorter one */
    if (begin_header(c, &w, sp, c->sp[sp].next_pn, 4, &pw) != 0)
        return SIZE_MAX / 4;
    size_t hdr = w.off, body;
    if (flight) {
        const quic_crypto_send *cs = &c->sp[sp].crypto_tx;
        body = cs->len + 1 + 8 + 8; /* one frame: type, offset, length varints */
    } else {
        quic_frame f;
        close_frame(c, sp, &f);
        qb_wr_init(&w, tmp, sizeof tmp);
        body = quic_frame_encode(&w, &f) == 0 ? w.off : 3 * 8 + 1;
    }
    return hdr + body + TAG_LEN;
}

/* The close datagram (RFC 9000 §10.2.3): CONNECTION_CLOSE at each level of
 * close_levels, coalesced (§12.2), padded to 1200 bytes when an Initial is in
 * it (§14.1). cap already holds the server's anti-amplification budget. */
size_t quic_conn_build_close(quic_conn *c, uint8_t *buf, size_t cap, uint64_t now)
{
    (void)now;
    size_t limit = cap < QUIC_MIN_INITIAL ? cap : QUIC_MIN_INITIAL;
    bool lv[QUIC_LEVELS];
    close_levels(c, lv);
    /* What fits, lowest level first. */
    size_t total = 0;
    int last = -1;
    for (int sp = 0; sp < QUIC_LEVELS; sp++) {
        if (!lv[sp])
            continue;
        size_t n = close_packet_max(c, (quic_pn_space)sp, false);
        if (total + n > limit) {
            lv[sp] = false;
            continue;
        }
        total += n;
        last = sp;
    }
    if (last < 0)
        return 0;
    /* A client whose handshake is complete but not confirmed may owe the
     * server its Finished (when it closes in the step that completed it, or
     * when the packet that carried it was lost): without it the server cannot
     * read 1-RTT packets. The flight goes first, in a Handshake packet of its
     * own, so that a server that completes and drops its Handshake keys
     * (RFC 9001 §4.9.2) reads the 1-RTT close with the real code rather than
     * the Handshake one. */
    const quic_crypto_send *hs_cs = &c->sp[QUIC_SPACE_HANDSHAKE].crypto_tx;
    bool flight = !c->is_server && c->handshake_complete && lv[QUIC_SPACE_HANDSHAKE] &&
                  hs_cs->len > 0 &&
                  total + close_packet_max(c, QUIC_SPACE_HANDSHAKE, true) <= limit;
    size_t pad_to = lv[QUIC_SPACE_INITIAL] ? limit : 0;
    qb_wr dg;
    qb_wr_init(&dg, buf, limit);
    if (flight)
        close_packet(c, &dg, QUIC_SPACE_HANDSHAKE, true, 0);
    for (int sp = 0; sp < QUIC_LEVELS; sp++)
        if (lv[sp])
            close_packet(c, &dg, (quic_pn_space)sp, false, sp == last ? pad_to : 0);
    return dg.off;
}

/* ---- path MTU (RFC 9000 §14.3): quic/pmtud.c decides, this sends ---- */

/* The usable size changed: the congestion controller counts in it (RFC
 * 9002 §7.2). */
static void pmtu_changed(quic_conn *c)
{
    size_t mtu = quic_conn_path_mtu(c);
    quic_cc_set_max_datagram_size(&c->cc, mtu, false);
    quic_conn_logf(c, "pmtu: %zu bytes%s", mtu,
                   c->pmtud.searching && mtu == QUIC_MIN_INITIAL ? " (black hole: fallback)" : "");
}

/* An ack-eliciting 1-RTT packet padded to the probe size (PADDING and a PING
 * at least), once the handshake is confirmed; it may carry data like any
 * probe (lost, it is sent again). Returns the datagram length, 0 when no
 * probe is due. */
static size_t build_pmtu_probe(quic_conn *c, uint8_t *buf, size_t cap, uint64_t now)
{
    if (!c->handshake_confirmed || c->state != QUIC_CS_ESTABLISHED ||
        !level_tx_ok(c, QUIC_SPACE_APPLICATION))
        return 0;
    /* cap: min(the caller's buffer, ours and the peer's max_udp_payload). */
    quic_pmtud_set_max(&c->pmtud, cap);
    /* RFC 8899 §4.3: PTOs in a row with packets above the base size. */
    if (quic_pmtud_on_pto(&c->pmtud, c->rec.pto_count, now))
        pmtu_changed(c);
    size_t size = quic_pmtud_probe_size(&c->pmtud, now);
    if (!size || cap < size || !quic_cc_can_send(&c->cc, size))
        return 0;
    quic_space *s = &c->sp[QUIC_SPACE_APPLICATION];
    bool probe = s->probe;
    unsigned probes = s->probes;
    uint64_t pn = s->next_pn;
    s->probe = true; /* makes it ack-eliciting (a PING at least) */
    s->probes = 1;
    qb_wr dg;
    qb_wr_init(&dg, buf, size);
    int built = build_packet(c, &dg, QUIC_SPACE_APPLICATION, size, size, true, now);
    s->probe = probe;
    s->probes = probes;
    if (!built || dg.off < size)
        return dg.off; /* sent, but not a probe of the size (no room?) */
    quic_pmtud_on_probe_sent(&c->pmtud, pn, size);
    quic_conn_logf(c, "pmtu: probe of %zu bytes, pn=%llu", size, (unsigned long long)pn);
    return dg.off;
}

void quic_conn_pmtu_on_acked(quic_conn *c, const quic_sent_pkt *p, uint64_t now)
{
    if (quic_pmtud_on_acked(&c->pmtud, p->pn, p->size, now))
        pmtu_changed(c);
}

void quic_conn_cc_on_lost(quic_conn *c, const quic_sent_pkt *lost, size_t n, bool persistent,
                          uint64_t now)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (lost[i].space != QUIC_SPACE_APPLICATION)
            continue;
        bool probe = quic_pmtud_is_probe(&c->pmtud, lost[i].pn);
        if (quic_pmtud_on_lost(&c->pmtud, lost[i].pn, lost[i].size, now))
            pmtu_changed(c);
        if (!probe)
            continue;
        quic_conn_logf(c, "pmtu: probe of %u bytes lost", (unsigned)lost[i].size);
        /* RFC 9000 §14.4: no congestion signal, and not part of persistent
         * congestion: the packets around it decide. */
        if (i > start)
            quic_cc_on_lost(&c->cc, lost + start, i - start, persistent, now);
        quic_cc_on_discarded(&c->cc, &lost[i], 1); /* out of flight, no reaction */
        start = i + 1;
    }
    if (n > start)
        quic_cc_on_lost(&c->cc, lost + start, n - start, persistent, now);
}

size_t quic_conn_build(quic_conn *c, uint8_t *buf, size_t cap, uint64_t now)
{
    size_t limit = cap;
    if (limit > c->max_udp_payload)
        limit = c->max_udp_payload;
    if (!c->handshake_confirmed && limit > QUIC_MIN_INITIAL)
        limit = QUIC_MIN_INITIAL; /* the path is only known to carry 1200 */
    size_t probe_len = build_pmtu_probe(c, buf, limit, now);
    if (probe_len) {
        c->bytes_out += probe_len;
        return probe_len;
    }
    if (limit > quic_conn_path_mtu(c))
        limit = quic_conn_path_mtu(c); /* RFC 9000 §14: what the path carried */
    if (c->is_server && !c->addr_validated) {
        /* RFC 9000 §8.1: at most three times what the client sent. */
        uint64_t budget = 3 * c->bytes_in > c->bytes_out ? 3 * c->bytes_in - c->bytes_out : 0;
        bool blocked = budget < 64;
        quic_recovery_set_amplification_blocked(&c->rec, blocked, now);
        if (blocked)
            return 0;
        if (limit > budget)
            limit = (size_t)budget;
    }
    bool cc_ok = quic_cc_can_send(&c->cc, limit);
    uint64_t paced_until = 0;
    c->pace_at = 0;
    if (cc_ok && c->handshake_confirmed) {
        quic_pacer_rate rate = quic_cc_pacing_rate(&c->cc, quic_recovery_rtt(&c->rec)->smoothed);
        uint64_t t = quic_pacer_next_send_time(&c->pacer, rate, limit, now);
        if (t > now) {
            cc_ok = false;
            paced_until = t;
        }
    }
    qb_wr dg;
    qb_wr_init(&dg, buf, limit);
    bool has_initial = false, ack_eliciting_initial = false;
    for (int sp = 0; sp < QUIC_LEVELS; sp++) {
        if (!level_has_work(c, (quic_pn_space)sp, now))
            continue;
        /* Is this the last packet of the datagram? Then it carries the padding
         * a datagram with an Initial needs (RFC 9000 §14.1). */
        bool later = false;
        for (int k = sp + 1; k < QUIC_LEVELS; k++)
            later |= level_has_work(c, (quic_pn_space)k, now);
        bool initial_here = sp == QUIC_SPACE_INITIAL;
        size_t pad_to = 0;
        if (!later && (has_initial || initial_here) && (!c->is_server || ack_eliciting_initial || initial_here))
            pad_to = QUIC_MIN_INITIAL < limit ? QUIC_MIN_INITIAL : limit;
        size_t before = dg.off;
        uint64_t ae_before = c->last_ack_eliciting_sent;
        if (build_packet(c, &dg, (quic_pn_space)sp, limit, pad_to, cc_ok, now) && initial_here) {
            has_initial = true;
            ack_eliciting_initial = c->last_ack_eliciting_sent != ae_before || !c->is_server;
        }
        (void)before;
    }
    /* RFC 9002 §7.8 (and RFC 9438 §4.6): the window does not grow while it
     * goes unused: the window had room and the pacer let data go, yet
     * nothing is left to send. Held back by the window or the pacer, the
     * sender is not application limited. */
    if (c->handshake_confirmed)
        quic_cc_set_app_limited(&c->cc, cc_ok && quic_cc_available(&c->cc) >= limit &&
                                            !level_has_work(c, QUIC_SPACE_APPLICATION, now));
    if (dg.off && c->handshake_confirmed)
        quic_pacer_on_sent(&c->pacer, quic_cc_pacing_rate(&c->cc, quic_recovery_rtt(&c->rec)->smoothed),
                           dg.off, now);
    /* Data held back by the pacer needs a timer of its own: with nothing in
     * flight no ACK or PTO would come to wake the sender (RFC 9002 §7.7). */
    if (paced_until && level_has_work(c, QUIC_SPACE_APPLICATION, now))
        c->pace_at = paced_until;
    c->bytes_out += dg.off;
    return dg.off;
}

/* ---- acknowledgement and loss of what packets carried ---- */

void quic_conn_handle_lost(quic_conn *c, const quic_recovery_result *res, uint64_t now)
{
    for (size_t i = 0; i < res->n_lost; i++) {
        c->stats.pkts_lost++;
        quic_trace t = {.type = QUIC_TRACE_PACKET_LOST, .pn = res->lost[i].pn,
                        .pkt_type = quic_space_pkt_type((quic_pn_space)res->lost[i].space),
                        .size = res->lost[i].size};
        quic_conn_trace(c, &t);
        quic_conn_on_lost_items(c, res->lost[i].handle);
        quic_sentlog_settle(&c->log, res->lost[i].handle);
    }
    quic_conn_ecn_on_lost(c, res); /* RFC 9000 §13.4.2 */
    if (res->n_lost)
        quic_conn_cc_on_lost(c, res->lost, res->n_lost, res->persistent_congestion, now);
}


void quic_conn_on_acked_items(quic_conn *c, uint64_t handle)
{
    size_t n = quic_sentlog_count(&c->log, handle);
    for (size_t i = 0; i < n; i++) {
        quic_sent_item *it = quic_sentlog_item(&c->log, handle, i);
        quic_stream *s;
        switch (it->kind) {
        case QUIC_SI_STREAM:
            if ((s = quic_streams_find(&c->streams, it->id)) && s->has_send) {
                quic_sendbuf_on_acked(&s->sb, it->off, it->len, it->fin);
                if (s->write_short && quic_sendbuf_space(&s->sb) > 0) {
                    s->write_short = false;
                    quic_conn_push_event(c, QUIC_EV_STREAM_WRITABLE, s->id, 0);
                }
                if (quic_sendbuf_all_acked(&s->sb) && !s->reset_sent) {
                    s->send_done = true;
                    quic_conn_stream_maybe_done(c, s);
                }
            }
            break;
        case QUIC_SI_ACK:
            /* The peer knows what our ACK said: stop repeating the ranges
             * below its Largest Acknowledged (RFC 9000 §13.2.4); packets
             * below count as received from now on (§13.2.3). */
            if (it->space < QUIC_LEVELS && !c->sp[it->space].discarded)
                quic_ackrange_drop_below(&c->sp[it->space].acks, it->id + 1);
            break;
        case QUIC_SI_RESET_STREAM:
            if ((s = quic_streams_find(&c->streams, it->id))) {
                s->reset_acked = true;
                s->send_done = true;
                quic_conn_stream_maybe_done(c, s);
            }
            break;
        default:
            break;
        }
    }
}

