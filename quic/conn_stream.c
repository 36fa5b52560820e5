/* QUIC connection, streams: opening (ours and the peer's), reading, writing,
 * reset and stop, stream and connection flow control (RFC 9000 §2-§4). */
#include "quic/conn_int.h"

#include <string.h>

static bool is_local(const quic_conn *c, uint64_t id)
{
    return quic_stream_is_server(id) == c->is_server;
}

int quic_conn_streams_init(quic_conn *c)
{
    /* Room for every stream either side may have open at once. */
    size_t max = (size_t)(c->cfg.initial_max_streams_bidi + c->cfg.initial_max_streams_uni) * 2 + 16;
    if (quic_streams_init(&c->streams, max, c->alloc) != 0)
        return QUIC_ERR_NOMEM;
    quic_flowctl_rx_init(&c->conn_rx, c->cfg.initial_max_data);
    c->rx_max_streams_bidi = c->cfg.initial_max_streams_bidi;
    c->rx_max_streams_uni = c->cfg.initial_max_streams_uni;
    return 0;
}

void quic_conn_streams_free(quic_conn *c) { quic_streams_free(&c->streams); }

/* The peer's initial credit for a stream (RFC 9000 §18.2). */
static uint64_t peer_stream_credit(const quic_conn *c, uint64_t id)
{
    const quic_tparams *tp = &c->peer_tp;
    if (quic_stream_is_uni(id))
        return tp->initial_max_stream_data_uni;
    /* bidi_remote is what the peer allows on streams we opened, bidi_local on its own. */
    return is_local(c, id) ? tp->initial_max_stream_data_bidi_remote
                           : tp->initial_max_stream_data_bidi_local;
}

static quic_stream *make_stream(quic_conn *c, uint64_t id)
{
    bool uni = quic_stream_is_uni(id), local = is_local(c, id);
    bool has_send = !uni || local, has_recv = !uni || !local;
    return quic_streams_add(&c->streams, id, has_send, has_recv, c->cfg.stream_send_buffer,
                            c->cfg.initial_max_stream_data, peer_stream_credit(c, id));
}

/* The stream a peer's frame of type ft names, judged first by its ID and
 * what we opened or allowed (quic_stream_classify), never by whether the
 * object still exists. Opens the peer's streams up to id (RFC 9000 §3.2).
 * *out is NULL for a stream already closed and freed: the frame is then
 * ignored. */
static int stream_lookup(quic_conn *c, uint64_t ft, quic_stream_need need, uint64_t id,
                         quic_stream **out)
{
    *out = NULL;
    bool uni = quic_stream_is_uni(id);
    quic_stream_verdict v = quic_stream_classify(
        id, c->is_server, need, uni ? c->next_uni : c->next_bidi,
        uni ? c->rx_max_streams_uni : c->rx_max_streams_bidi);
    switch (v) {
    case QUIC_STREAM_ALLOWED:
        break;
    case QUIC_STREAM_WRONG_DIRECTION:
        return quic_conn_fail(c, QUIC_STREAM_STATE_ERROR, ft,
                       need == QUIC_STREAM_NEED_RECV ? "frame of a sender for a send-only stream"
                                                     : "frame of a receiver for a receive-only stream");
    case QUIC_STREAM_NOT_OPENED:
        return quic_conn_fail(c, QUIC_STREAM_STATE_ERROR, ft, "frame for a stream we never opened");
    default:
        /* RFC 9000 §4.6: nothing is allocated for a stream over the limit. */
        return quic_conn_fail(c, QUIC_STREAM_LIMIT_ERROR, ft, "stream beyond MAX_STREAMS");
    }
    if (is_local(c, id)) {
        *out = quic_streams_find(&c->streams, id);
        return 0;
    }
    uint64_t *opened = uni ? &c->peer_uni_opened : &c->peer_bidi_opened;
    /* RFC 9000 §3.2: opening a stream opens every lower one of its kind. */
    while (*opened <= id >> 2) {
        uint64_t sid = (*opened << 2) | (id & 3);
        if (!make_stream(c, sid))
            return quic_conn_fail(c, QUIC_INTERNAL_ERROR, ft, "out of memory for a stream");
        (*opened)++;
        quic_conn_push_event(c, QUIC_EV_STREAM_OPENED, sid, 0);
    }
    *out = quic_streams_find(&c->streams, id);
    return 0;
}

/* Frees a stream whose both halves are done; gives the peer new stream credit
 * for its own streams (RFC 9000 §4.6). */
void quic_conn_stream_maybe_done(quic_conn *c, quic_stream *s)
{
    if (!s->send_done || !s->recv_done)
        return;
    uint64_t id = s->id;
    quic_streams_remove(&c->streams, s);
    if (is_local(c, id))
        return;
    bool uni = quic_stream_is_uni(id);
    uint64_t *closed = uni ? &c->peer_uni_closed : &c->peer_bidi_closed;
    uint64_t *limit = uni ? &c->rx_max_streams_uni : &c->rx_max_streams_bidi;
    uint64_t initial = uni ? c->cfg.initial_max_streams_uni : c->cfg.initial_max_streams_bidi;
    (*closed)++;
    /* Top the allowance up once half of it is used. */
    if (*closed + initial - *limit >= initial / 2 + 1 || initial == 1) {
        *limit = *closed + initial;
        if (uni)
            c->pend.max_streams_uni = true;
        else
            c->pend.max_streams_bidi = true;
    }
}

int64_t quic_conn_stream_open(quic_conn *c, bool bidi)
{
    if (c->state >= QUIC_CS_CLOSING)
        return QUIC_ERR_CLOSING;
    uint64_t *next = bidi ? &c->next_bidi : &c->next_uni;
    uint64_t limit = bidi ? c->tx_max_streams_bidi : c->tx_max_streams_uni;
    if (*next >= limit) {
        if (bidi)
            c->pend.streams_blocked_bidi = true;
        else
            c->pend.streams_blocked_uni = true;
        return QUIC_ERR_STREAM_LIMIT;
    }
    uint64_t id = (*next << 2) | (bidi ? 0 : QUIC_STREAM_UNI_BIT) |
                  (c->is_server ? QUIC_STREAM_SERVER_BIT : 0);
    if (!make_stream(c, id))
        return QUIC_ERR_NOMEM;
    (*next)++;
    return (int64_t)id;
}

int64_t quic_conn_stream_write(quic_conn *c, uint64_t id, const uint8_t *data, size_t len, bool fin)
{
    if (c->state >= QUIC_CS_CLOSING)
        return QUIC_ERR_CLOSING;
    quic_stream *s = quic_streams_find(&c->streams, id);
    if (!s || !s->has_send || s->reset_pending || s->reset_sent || s->sb.fin_set)
        return QUIC_ERR_STREAM;
    size_t took = 0;
    if (len && quic_sendbuf_append(&s->sb, data, len, &took) != 0)
        return QUIC_ERR_NOMEM;
    if (took < len)
        s->write_short = true; /* a WRITABLE event follows when room frees up */
    if (fin && took == len)
        quic_sendbuf_finish(&s->sb);
    if (took || (fin && took == len))
        quic_streams_queue(&c->streams, s);
    return (int64_t)took;
}

/* The receive side of a readable stream, or NULL (after noting a reset). */
static quic_stream *readable(quic_conn *c, uint64_t id)
{
    quic_stream *s = quic_streams_find(&c->streams, id);
    if (!s || !s->has_recv || s->recv_done)
        return NULL;
    if (s->reset_received) {
        s->recv_done = true;
        quic_conn_stream_maybe_done(c, s);
        return NULL;
    }
    return s;
}

/* n bytes were taken by the application: credit and end of stream. */
static bool stream_taken(quic_conn *c, quic_stream *s, size_t n)
{
    if (n) {
        /* Stream credit: announce more once half the window is used. */
        uint64_t read = quic_recvbuf_read_offset(&s->rb);
        if (!quic_recvbuf_all_received(&s->rb) && s->rb.max_off - read < s->rx_window / 2) {
            quic_recvbuf_set_max_offset(&s->rb, read + s->rx_window);
            s->max_pending = true;
            quic_streams_queue(&c->streams, s);
        }
        /* Connection credit likewise (RFC 9000 §4.2). */
        quic_flowctl_rx_on_consumed(&c->conn_rx, n);
        if (quic_flowctl_rx_update_needed(&c->conn_rx))
            c->pend.max_data = true;
    }
    if (quic_recvbuf_finished(&s->rb)) {
        s->recv_done = true;
        quic_conn_stream_maybe_done(c, s);
        return true;
    }
    return false;
}

int64_t quic_conn_stream_read(quic_conn *c, uint64_t id, uint8_t *buf, size_t cap, bool *fin)
{
    *fin = false;
    if (c->state >= QUIC_CS_CLOSING)
        return QUIC_ERR_CLOSING;
    quic_stream *s = readable(c, id);
    if (!s)
        return QUIC_ERR_STREAM;
    size_t n = quic_recvbuf_read(&s->rb, buf, cap);
    *fin = stream_taken(c, s, n);
    return (int64_t)n;
}

int64_t quic_conn_stream_peek(quic_conn *c, uint64_t id, const uint8_t **p, bool *fin)
{
    *fin = false;
    *p = NULL;
    if (c->state >= QUIC_CS_CLOSING)
        return QUIC_ERR_CLOSING;
    quic_stream *s = readable(c, id);
    if (!s)
        return QUIC_ERR_STREAM;
    size_t n = quic_recvbuf_peek(&s->rb, p);
    *fin = s->rb.has_final && quic_recvbuf_read_offset(&s->rb) + n == s->rb.final_size;
    return (int64_t)n;
}

int quic_conn_stream_consume(quic_conn *c, uint64_t id, size_t n)
{
    if (c->state >= QUIC_CS_CLOSING)
        return QUIC_ERR_CLOSING;
    quic_stream *s = readable(c, id);
    if (!s)
        return QUIC_ERR_STREAM;
    const uint8_t *p;
    size_t avail = quic_recvbuf_peek(&s->rb, &p);
    if (n > avail)
        return QUIC_ERR_STREAM;
    quic_recvbuf_consume(&s->rb, n);
    (void)stream_taken(c, s, n);
    return 0;
}

int quic_conn_stream_reset(quic_conn *c, uint64_t id, uint64_t app_code)
{
    if (c->state >= QUIC_CS_CLOSING)
        return QUIC_ERR_CLOSING;
    quic_stream *s = quic_streams_find(&c->streams, id);
    if (!s || !s->has_send)
        return QUIC_ERR_STREAM;
    if (s->reset_pending || s->reset_sent || s->send_done)
        return 0;
    s->reset_pending = true;
    s->reset_code = app_code;
    s->reset_final = quic_sendbuf_sent_offset(&s->sb);
    quic_streams_queue(&c->streams, s);
    return 0;
}

int quic_conn_stream_stop(quic_conn *c, uint64_t id, uint64_t app_code)
{
    if (c->state >= QUIC_CS_CLOSING)
        return QUIC_ERR_CLOSING;
    quic_stream *s = quic_streams_find(&c->streams, id);
    if (!s || !s->has_recv)
        return QUIC_ERR_STREAM;
    if (s->recv_done || s->stop_sent || s->stop_pending)
        return 0;
    s->stop_pending = true;
    s->stop_code = app_code;
    quic_streams_queue(&c->streams, s);
    return 0;
}

/* ---- frames that concern streams (called from conn_frames.c) ---- */

int quic_conn_on_stream_frame(quic_conn *c, uint64_t ft, uint64_t id, uint64_t off, const uint8_t *data,
                              size_t len, bool fin)
{
    quic_stream *s;
    int rc = stream_lookup(c, ft, QUIC_STREAM_NEED_RECV, id, &s);
    if (rc || !s)
        return rc;
    if (s->reset_received || s->recv_done)
        return 0;
    uint64_t before = s->rb.highest;
    rc = quic_recvbuf_write(&s->rb, off, data, len, fin);
    if (rc == QUIC_RECVBUF_ERR_FLOW)
        return quic_conn_fail(c, QUIC_FLOW_CONTROL_ERROR, ft, "stream data beyond MAX_STREAM_DATA");
    if (rc == QUIC_RECVBUF_ERR_FINAL_SIZE)
        return quic_conn_fail(c, QUIC_FINAL_SIZE_ERROR, ft, "final size changed");
    if (rc != 0)
        return quic_conn_fail(c, QUIC_INTERNAL_ERROR, ft, "stream buffer failure");
    if (s->rb.highest > before &&
        quic_flowctl_rx_add(&c->conn_rx, s->rb.highest - before) != 0) {
        return quic_conn_fail(c, QUIC_FLOW_CONTROL_ERROR, ft, "data beyond MAX_DATA");
    }
    if (quic_recvbuf_readable(&s->rb) || quic_recvbuf_finished(&s->rb))
        quic_conn_push_event(c, QUIC_EV_STREAM_READABLE, id, 0);
    return 0;
}

int quic_conn_on_reset_stream(quic_conn *c, uint64_t id, uint64_t code, uint64_t final)
{
    quic_stream *s;
    int rc = stream_lookup(c, QUIC_FT_RESET_STREAM, QUIC_STREAM_NEED_RECV, id, &s);
    if (rc || !s)
        return rc;
    if (s->reset_received || s->recv_done)
        return 0;
    uint64_t before = s->rb.highest;
    rc = quic_recvbuf_reset(&s->rb, final);
    if (rc != 0) {
        return quic_conn_fail(c, rc == QUIC_RECVBUF_ERR_FLOW ? QUIC_FLOW_CONTROL_ERROR : QUIC_FINAL_SIZE_ERROR,
                       QUIC_FT_RESET_STREAM, "bad final size in RESET_STREAM");
    }
    if (final > before && quic_flowctl_rx_add(&c->conn_rx, final - before) != 0)
        return quic_conn_fail(c, QUIC_FLOW_CONTROL_ERROR, QUIC_FT_RESET_STREAM, "data beyond MAX_DATA");
    /* The unread bytes count as consumed for connection credit (§4.5). */
    quic_flowctl_rx_on_consumed(&c->conn_rx, final - quic_recvbuf_read_offset(&s->rb));
    if (quic_flowctl_rx_update_needed(&c->conn_rx))
        c->pend.max_data = true;
    s->reset_received = true;
    s->peer_reset_code = code;
    quic_conn_push_event(c, QUIC_EV_STREAM_RESET, id, code);
    return 0;
}

int quic_conn_on_stop_sending(quic_conn *c, uint64_t id, uint64_t code)
{
    quic_stream *s;
    int rc = stream_lookup(c, QUIC_FT_STOP_SENDING, QUIC_STREAM_NEED_SEND, id, &s);
    if (rc || !s)
        return rc;
    /* A repeated STOP_SENDING (retransmitted, or a flood) is no news: one
     * event per stream keeps the event ring within its bound. */
    if (s->stop_received)
        return 0;
    s->stop_received = true;
    quic_conn_push_event(c, QUIC_EV_STREAM_STOP, id, code);
    /* RFC 9000 §3.5: answer with RESET_STREAM. */
    return quic_conn_stream_reset(c, id, code);
}

int quic_conn_on_max_stream_data(quic_conn *c, uint64_t id, uint64_t max)
{
    quic_stream *s;
    int rc = stream_lookup(c, QUIC_FT_MAX_STREAM_DATA, QUIC_STREAM_NEED_SEND, id, &s);
    if (rc || !s)
        return rc;
    if (max > s->tx_max) {
        s->tx_max = max;
        if (quic_sendbuf_has_pending(&s->sb)) {
            quic_streams_queue(&c->streams, s);
            quic_conn_push_event(c, QUIC_EV_STREAM_WRITABLE, id, 0);
        }
    }
    return 0;
}

int quic_conn_on_stream_data_blocked(quic_conn *c, uint64_t id)
{
    quic_stream *s;
    return stream_lookup(c, QUIC_FT_STREAM_DATA_BLOCKED, QUIC_STREAM_NEED_RECV, id, &s);
}
