/* QUIC connection: acting on the frames of an authenticated packet. Decoding
 * is the codec's (quic/frame.c); which packet may carry which frame is Table 3
 * (RFC 9000 §12.4); here each frame type does what its section says. */
#include "quic/conn_int.h"

#include <string.h>

#define ACK_RANGES_MAX 64

static quic_pn_space space_of(quic_pkt_type t)
{
    return t == QUIC_PKT_INITIAL ? QUIC_SPACE_INITIAL
           : t == QUIC_PKT_HANDSHAKE ? QUIC_SPACE_HANDSHAKE
                                     : QUIC_SPACE_APPLICATION;
}

static int on_ack(quic_conn *c, quic_pn_space sp, const quic_frame *f, uint64_t now)
{
    quic_pn_range ranges[ACK_RANGES_MAX];
    size_t n = 0;
    quic_ack_iter it;
    quic_ack_range r;
    quic_ack_iter_init(&it, f);
    /* Ranges past our bound are left for a later ACK: at worst a packet is
     * thought lost and sent again. */
    while (n < ACK_RANGES_MAX && quic_ack_iter_next(&it, &r)) {
        ranges[n].smallest = r.smallest;
        ranges[n].largest = r.largest;
        n++;
    }
    /* RFC 9000 §19.3: ACK Delay is scaled by the peer's ack_delay_exponent
     * (the default 3 until its parameters are known). */
    uint64_t exp = c->peer_tp_ok ? c->peer_tp.ack_delay_exponent : 3;
    uint64_t delay = f->ack.ack_delay < (1ull << 40) ? f->ack.ack_delay << exp : UINT64_MAX >> 4;
    quic_recovery_result res;
    int rc = quic_recovery_on_ack(&c->rec, sp, ranges, n, delay, now, &res);
    if (rc == QUIC_RECOVERY_ERR_UNSENT_ACKED)
        return quic_conn_fail(c, QUIC_PROTOCOL_VIOLATION, f->type, "ACK of a packet number never sent");
    if (rc != 0)
        return 0; /* a space we already dropped */
    quic_space *s = &c->sp[sp];
    bool advanced = !s->has_largest_acked || ranges[0].largest > s->largest_acked_sent;
    if (advanced) {
        s->largest_acked_sent = ranges[0].largest;
        s->has_largest_acked = true;
    }
    for (size_t i = 0; i < res.n_acked; i++) {
        if (sp == QUIC_SPACE_APPLICATION && c->app_tx_ok)
            quic_keyphase_on_acked(&c->app, res.acked[i].pn, now);
        if (sp == QUIC_SPACE_APPLICATION)
            quic_conn_pmtu_on_acked(c, &res.acked[i], now);
        quic_conn_on_acked_items(c, res.acked[i].handle);
        quic_sentlog_settle(&c->log, res.acked[i].handle);
    }
    if (res.n_acked)
        quic_cc_on_acked(&c->cc, res.acked, res.n_acked, quic_recovery_rtt(&c->rec), now);
    quic_conn_ecn_on_ack(c, sp, f, &res, advanced, now);
    quic_conn_handle_lost(c, &res, now);
    if (res.rtt_sampled && c->cfg.trace) {
        const quic_rtt *rtt = quic_recovery_rtt(&c->rec);
        quic_trace t = {.type = QUIC_TRACE_METRICS, .smoothed_rtt = rtt->smoothed, .min_rtt = rtt->min,
                        .latest_rtt = rtt->latest, .rtt_var = rtt->var, .cwnd = quic_cc_window(&c->cc),
                        .bytes_in_flight = quic_cc_bytes_in_flight(&c->cc)};
        quic_conn_trace(c, &t);
    }
    return 0;
}

/* ---- one handler per row of the frame table (frame_table.c) ---- */

/* What a handler knows besides the frame. */
typedef struct frame_ctx {
    quic_pn_space sp; /* the packet number space of the packet */
    size_t len;       /* the frame's bytes on the wire, type included */
    uint64_t now;
} frame_ctx;

typedef int (*frame_handler)(quic_conn *c, const quic_frame *f, const frame_ctx *x);

static int h_nothing(quic_conn *c, const quic_frame *f, const frame_ctx *x)
{
    (void)c, (void)f, (void)x;
    return 0; /* PADDING, PING: their effect is being ack-eliciting or not */
}

static int h_ack(quic_conn *c, const quic_frame *f, const frame_ctx *x)
{
    return on_ack(c, x->sp, f, x->now);
}

static int h_reset_stream(quic_conn *c, const quic_frame *f, const frame_ctx *x)
{
    (void)x;
    return quic_conn_on_reset_stream(c, f->reset_stream.stream_id, f->reset_stream.app_error_code,
                                     f->reset_stream.final_size);
}

static int h_stop_sending(quic_conn *c, const quic_frame *f, const frame_ctx *x)
{
    (void)x;
    return quic_conn_on_stop_sending(c, f->stop_sending.stream_id, f->stop_sending.app_error_code);
}

static int h_crypto(quic_conn *c, const quic_frame *f, const frame_ctx *x)
{
    return quic_conn_crypto_recv(c, x->sp, f->crypto.offset, f->crypto.data, f->crypto.len);
}

static int h_new_token(quic_conn *c, const quic_frame *f, const frame_ctx *x)
{
    (void)x;
    return quic_conn_token_on_frame(c, f->new_token.token, f->new_token.len);
}

static int h_stream(quic_conn *c, const quic_frame *f, const frame_ctx *x)
{
    (void)x;
    return quic_conn_on_stream_frame(c, f->type, f->stream.stream_id, f->stream.offset,
                                     f->stream.data, f->stream.len,
                                     (f->type & QUIC_FT_STREAM_BIT_FIN) != 0);
}

static int h_max_data(quic_conn *c, const quic_frame *f, const frame_ctx *x)
{
    (void)x;
    /* Streams leave the send queue (streams.head is that queue, not all
     * streams) when the connection credit runs out; when credit comes back
     * every stream with buffered data goes back, without waiting for a write
     * from the application. Only on that transition, so a flood of MAX_DATA
     * costs no walk of the table. */
    bool was_blocked = quic_flowctl_tx_credit(&c->conn_tx) == 0;
    if (quic_flowctl_tx_update(&c->conn_tx, f->max_data.max) && was_blocked)
        for (size_t i = 0; i < c->streams.cap; i++) {
            quic_stream *s = c->streams.slot[i];
            if (!s || !s->has_send)
                continue;
            if (quic_sendbuf_has_pending(&s->sb))
                quic_streams_queue(&c->streams, s);
            quic_conn_push_event(c, QUIC_EV_STREAM_WRITABLE, s->id, 0);
        }
    return 0;
}

static int h_max_stream_data(quic_conn *c, const quic_frame *f, const frame_ctx *x)
{
    (void)x;
    return quic_conn_on_max_stream_data(c, f->max_stream_data.stream_id, f->max_stream_data.max);
}

static int h_max_streams_bidi(quic_conn *c, const quic_frame *f, const frame_ctx *x)
{
    (void)x;
    if (f->max_streams.max > c->tx_max_streams_bidi)
        c->tx_max_streams_bidi = f->max_streams.max;
    return 0;
}

static int h_max_streams_uni(quic_conn *c, const quic_frame *f, const frame_ctx *x)
{
    (void)x;
    if (f->max_streams.max > c->tx_max_streams_uni)
        c->tx_max_streams_uni = f->max_streams.max;
    return 0;
}

static int h_blocked(quic_conn *c, const quic_frame *f, const frame_ctx *x)
{
    (void)c, (void)f, (void)x;
    return 0; /* DATA_BLOCKED, STREAMS_BLOCKED: our credit updates follow the app's reads */
}

static int h_stream_data_blocked(quic_conn *c, const quic_frame *f, const frame_ctx *x)
{
    (void)x;
    return quic_conn_on_stream_data_blocked(c, f->stream_data_blocked.stream_id);
}

static int h_new_cid(quic_conn *c, const quic_frame *f, const frame_ctx *x)
{
    (void)x;
    return quic_conn_on_new_cid(c, f);
}

static int h_retire_cid(quic_conn *c, const quic_frame *f, const frame_ctx *x)
{
    (void)x;
    return quic_conn_on_retire_cid(c, f);
}

static int h_path_challenge(quic_conn *c, const quic_frame *f, const frame_ctx *x)
{
    (void)x;
    /* RFC 9000 §8.2.2: echoed on the path it came on. */
    quic_conn_path_on_challenge(c, f->path.data);
    return 0;
}

static int h_path_response(quic_conn *c, const quic_frame *f, const frame_ctx *x)
{
    quic_conn_path_on_response(c, f->path.data, x->now);
    return 0;
}

static int h_close(quic_conn *c, const quic_frame *f, const frame_ctx *x)
{
    quic_conn_on_peer_close(c, f->type == QUIC_FT_CONNECTION_CLOSE_APP, f->close.error_code,
                            f->close.frame_type, f->close.reason, f->close.reason_len, x->now);
    return 0;
}

static int h_handshake_done(quic_conn *c, const quic_frame *f, const frame_ctx *x)
{
    (void)f, (void)x;
    /* RFC 9001 §4.1.2: the client's handshake is confirmed. */
    quic_conn_confirm_handshake(c);
    return 0;
}

static int h_datagram(quic_conn *c, const quic_frame *f, const frame_ctx *x)
{
    return quic_conn_dgram_on_frame(c, f, x->len, x->now);
}

/* Indexed by the row ids of the frame table: the codec says what a frame is,
 * this table what the connection does with it (RFC 9000 §19). */
static const frame_handler frame_handlers[] = {
    [QUIC_FRAME_ROW_PADDING] = h_nothing,
    [QUIC_FRAME_ROW_PING] = h_nothing,
    [QUIC_FRAME_ROW_ACK] = h_ack,
    [QUIC_FRAME_ROW_ACK_ECN] = h_ack,
    [QUIC_FRAME_ROW_RESET_STREAM] = h_reset_stream,
    [QUIC_FRAME_ROW_STOP_SENDING] = h_stop_sending,
    [QUIC_FRAME_ROW_CRYPTO] = h_crypto,
    [QUIC_FRAME_ROW_NEW_TOKEN] = h_new_token,
    [QUIC_FRAME_ROW_STREAM] = h_stream,
    [QUIC_FRAME_ROW_MAX_DATA] = h_max_data,
    [QUIC_FRAME_ROW_MAX_STREAM_DATA] = h_max_stream_data,
    [QUIC_FRAME_ROW_MAX_STREAMS_BIDI] = h_max_streams_bidi,
    [QUIC_FRAME_ROW_MAX_STREAMS_UNI] = h_max_streams_uni,
    [QUIC_FRAME_ROW_DATA_BLOCKED] = h_blocked,
    [QUIC_FRAME_ROW_STREAM_DATA_BLOCKED] = h_stream_data_blocked,
    [QUIC_FRAME_ROW_STREAMS_BLOCKED_BIDI] = h_blocked,
    [QUIC_FRAME_ROW_STREAMS_BLOCKED_UNI] = h_blocked,
    [QUIC_FRAME_ROW_NEW_CONNECTION_ID] = h_new_cid,
    [QUIC_FRAME_ROW_RETIRE_CONNECTION_ID] = h_retire_cid,
    [QUIC_FRAME_ROW_PATH_CHALLENGE] = h_path_challenge,
    [QUIC_FRAME_ROW_PATH_RESPONSE] = h_path_response,
    [QUIC_FRAME_ROW_CONNECTION_CLOSE] = h_close,
    [QUIC_FRAME_ROW_CONNECTION_CLOSE_APP] = h_close,
    [QUIC_FRAME_ROW_HANDSHAKE_DONE] = h_handshake_done,
    [QUIC_FRAME_ROW_DATAGRAM] = h_datagram,
    [QUIC_FRAME_ROW_DATAGRAM_LEN] = h_datagram,
};

_Static_assert(sizeof frame_handlers / sizeof frame_handlers[0] == QUIC_FRAME_ROWS,
               "one handler per row of the frame table");

/* One decoded frame of row id (check_recv found its type in the table). */
static int on_frame(quic_conn *c, int id, quic_pkt_type pt, const quic_frame *f,
                    size_t frame_len, uint64_t now)
{
    frame_handler h = id >= 0 && id < QUIC_FRAME_ROWS ? frame_handlers[id] : NULL;
    if (!h) /* a row without a handler: a bug here, not the peer's */
        return quic_conn_fail(c, QUIC_INTERNAL_ERROR, f->type, "frame type without a handler");
    frame_ctx x = {space_of(pt), frame_len, now};
    return h(c, f, &x);
}

int quic_conn_on_payload(quic_conn *c, quic_pkt_type pt, const uint8_t *p, size_t len,
                         uint64_t pn, uint64_t now, bool *ack_eliciting)
{
    (void)pn;
    *ack_eliciting = false;
    if (len == 0) {
        /* RFC 9000 §12.4: a packet with no frames. */
        return quic_conn_fail(c, QUIC_PROTOCOL_VIOLATION, 0, "packet without frames");
    }
    qb_rd r;
    qb_rd_init(&r, p, len);
    while (qb_rd_left(&r) && c->state < QUIC_CS_DRAINING) {
        quic_frame f;
        size_t start = r.off;
        int rc = quic_frame_decode(&r, &f);
        if (rc != 0)
            return quic_conn_fail(c, quic_err_to_wire(rc), 0, quic_err_str(rc));
        rc = quic_frame_check_recv(f.type, pt, !c->is_server);
        if (rc != 0)
            return quic_conn_fail(c, quic_err_to_wire(rc), f.type, quic_err_str(rc));
        int id = quic_frame_row_find(f.type);
        /* RFC 9000 §9.1: the probing frames; any other makes the packet
         * non-probing. */
        if (f.type != QUIC_FT_PATH_CHALLENGE && f.type != QUIC_FT_PATH_RESPONSE &&
            f.type != QUIC_FT_NEW_CONNECTION_ID && f.type != QUIC_FT_PADDING)
            c->rx_non_probing = true;
        if (!(quic_frame_row_at(id)->flags & QUIC_FRAME_F_NOT_ACK_ELICITING))
            *ack_eliciting = true;
        rc = on_frame(c, id, pt, &f, r.off - start, now);
        if (rc < 0 || c->state >= QUIC_CS_CLOSING)
            return rc < 0 ? rc : 0;
    }
    return 0;
}
