/* h3 over quince QUIC: moves stream bytes, stream actions, datagrams and errors
 * between an h3_conn and a quic_conn, in one step call (see h3q.h). */
#include "h3q/h3q.h"

#include <string.h>

#define H3Q_READ_CHUNK 16384
/* quic_conn keeps at most QUIC_EVENT_RING (128, quic/conn_int.h) undrained events and
 * drops STREAM_READABLE when full (and the oldest other event). After this many
 * events in one go, the binding reads every stream it knows instead of trusting the
 * READABLE events. */
#define H3Q_POLL_EVENTS 64

struct h3q_conn {
    quic_conn *q;
    h3_conn *h; /* created when QUIC is established: SETTINGS depend on the transport */
    h3q_config cfg;
    const qb_alloc *a;
    size_t rcap; /* most bytes handed to h3 at a time */
    bool is_server, quic_dgram, closed, close_sent;
    bool early; /* client: h3 started in 0-RTT with remembered SETTINGS */
    /* RFC 9000 §2.1: the next id QUIC will give each kind of stream we open. */
    uint64_t next_bidi, next_uni;
    uint64_t next_request; /* client: the id h3 gives its next request */
    uint64_t peer_bidi_opened; /* client bidi streams QUIC opened (server) */
    /* Streams whose receive side is not finished: the peer's (known from any event
     * naming them or a higher id, RFC 9000 §3.2) and our bidi ones. */
    uint64_t peer_next[2]; /* next peer stream number not yet known: bidi, uni */
    uint64_t *rx;
    size_t n_rx, cap_rx, max_rx;
    size_t events_since_flush;
    bool poll_pending; /* h3 just started: streams may hold unread bytes */
    int err;                   /* latched binding error */
    uint64_t now;              /* the clock of the last step (datagrams queued with it) */
    /* A received datagram QUIC handed out and h3 has not seen yet: it stays in QUIC's
     * queue slot until the next datagram is pulled (quic.h), so its h3 event can
     * point there. */
    bool held;
    const uint8_t *held_p;
    size_t held_len;
    h3q_stats st;
};

void h3q_config_init(h3q_config *c, h3_role role, const quic_config *qcfg)
{
    memset(c, 0, sizeof *c);
    h3_config_default(&c->h3, role);
    c->quic_datagrams = qcfg ? qcfg->max_datagram_frame_size != 0 : true;
    c->initial_max_streams_bidi = qcfg ? qcfg->initial_max_streams_bidi : 0;
    c->read_chunk = H3Q_READ_CHUNK;
    c->max_open_streams = qcfg ? (size_t)(qcfg->initial_max_streams_bidi +
                                          qcfg->initial_max_streams_uni) * 2 + 16
                               : 1024;
    c->max_open_streams += c->h3.max_streams; /* our requests awaiting their response */
    if (qcfg)
        c->h3.alloc = qcfg->alloc;
}

int h3q_new(quic_conn *q, const h3q_config *cfg, h3q_conn **out)
{
    *out = NULL;
    if (!q || !cfg || cfg->read_chunk == 0 || cfg->max_open_streams == 0 ||
        (cfg->h3.role == H3_ROLE_SERVER) != quic_conn_is_server(q))
        return H3Q_ERR_ARG;
    h3q_conn *b = qb_calloc(cfg->h3.alloc, sizeof *b);
    if (!b)
        return H3Q_ERR_NOMEM;
    b->a = cfg->h3.alloc;
    b->q = q;
    b->cfg = *cfg;
    b->rcap = cfg->read_chunk;
    b->max_rx = cfg->max_open_streams;
    b->is_server = cfg->h3.role == H3_ROLE_SERVER;
    /* Bit 0: initiator (server 1); bit 1: unidirectional (RFC 9000 §2.1). */
    b->next_bidi = b->is_server ? 1 : 0;
    b->next_uni = b->is_server ? 3 : 2;
    *out = b;
    return 0;
}

void h3q_free(h3q_conn *b)
{
    if (!b)
        return;
    h3_conn_free(b->h);
    qb_free(b->a, b->rx);
    qb_free(b->a, b);
}

/* A failure of the binding itself: latched, and the connection is closed with
 * H3_INTERNAL_ERROR (RFC 9114 §8.1). */
static int h3q_fail(h3q_conn *b, int err, const char *reason)
{
    if (!b->err)
        b->err = err;
    if (!b->close_sent) {
        b->close_sent = true;
        quic_conn_close(b->q, true, H3_INTERNAL_ERROR, reason);
    }
    return b->err;
}

/* After every h3 input or output: a connection error closes QUIC with its wire code
 * and reason (RFC 9114 §8, CONNECTION_CLOSE type 0x1d). */
static int h3q_check(h3q_conn *b)
{
    if (b->err)
        return b->err;
    if (!b->h)
        return 0;
    uint64_t code;
    const char *reason;
    int e = h3_conn_error(b->h, &code, &reason);
    if (e && !b->close_sent) {
        b->close_sent = true;
        quic_conn_close(b->q, true, code, reason);
    }
    return e;
}

static void h3q_bidi_limit(h3q_conn *b)
{
    /* RFC 9297 §2.1: datagrams for streams the limit does not allow yet are an
     * error; the limit is the MAX_STREAMS QUIC currently gives the client. */
    if (b->h && b->is_server && b->cfg.initial_max_streams_bidi)
        h3_conn_set_bidi_stream_limit(b->h, quic_conn_local_max_streams(b->q, true));
}

/* Creates and starts the h3 connection once 1-RTT keys exist (h3.h call sequence). */
static int h3q_start(h3q_conn *b, const uint8_t *early_settings, size_t early_len)
{
    /* RFC 9114 §7.2.4.2: a client with 0-RTT and the server's remembered
     * SETTINGS need not wait for the handshake. */
    bool early = early_settings != NULL;
    /* RFC 9297 §2.1.1, RFC 9221 §3: we announce H3_DATAGRAM = 1 when we can
     * receive DATAGRAM frames (our max_datagram_frame_size != 0); the peer's
     * H3_DATAGRAM = 1 is checked against what the peer announced, its own
     * max_datagram_frame_size, not against ours. */
    b->quic_dgram = early ? quic_conn_dgram_max(b->q) > 0 : quic_conn_peer_max_dgram(b->q) > 0;
    h3_config hc = b->cfg.h3;
    hc.enable_datagrams = hc.enable_datagrams && b->cfg.quic_datagrams;
    int rc = h3_conn_new(&hc, &b->h);
    if (rc < 0)
        return h3q_fail(b, rc, "h3 connection setup failed");
    h3_conn_set_transport(b->h, b->quic_dgram, quic_conn_dgram_max(b->q));
    h3q_bidi_limit(b);
    rc = h3_conn_start(b->h);
    if (rc < 0)
        return h3q_fail(b, rc, "h3 start failed");
    /* remembered SETTINGS that do not decode: wait for the real ones */
    if (early)
        b->early = h3_conn_remember_peer_settings(b->h, early_settings, early_len) == 0;
    b->poll_pending = true;
    return 0;
}

static int h3q_maybe_start(h3q_conn *b)
{
    /* A server that accepted 0-RTT starts at its Finished: its SETTINGS,
     * and answers to requests that came in 0-RTT, go in 0.5-RTT (RFC 9001
     * §4.1.1; RFC 9114 §6.2.1 sends SETTINGS first thing). */
    bool half = b->is_server && quic_conn_half_rtt_sendable(b->q);
    if (b->h || b->err || !(quic_conn_is_established(b->q) || half))
        return b->err;
    return h3q_start(b, NULL, 0);
}

int h3q_start_early(h3q_conn *b, const uint8_t *settings, size_t len)
{
    if (b->is_server || b->h || b->err || !settings || !len || !quic_conn_early_sendable(b->q))
        return H3Q_ERR_ARG;
    return h3q_start(b, settings, len);
}

static int h3q_rx_add(h3q_conn *b, uint64_t id)
{
    if (b->n_rx == b->cap_rx) {
        if (b->cap_rx >= b->max_rx)
            return h3q_fail(b, H3Q_ERR_NOMEM, "too many open streams");
        size_t ncap = b->cap_rx ? b->cap_rx * 2 : 16;
        if (ncap > b->max_rx)
            ncap = b->max_rx;
        uint64_t *np = qb_realloc(b->a, b->rx, ncap * sizeof *np);
        if (!np)
            return h3q_fail(b, H3Q_ERR_NOMEM, "out of memory");
        b->rx = np;
        b->cap_rx = ncap;
    }
    b->rx[b->n_rx++] = id;
    return 0;
}

static void h3q_rx_remove(h3q_conn *b, uint64_t id)
{
    for (size_t i = 0; i < b->n_rx; i++)
        if (b->rx[i] == id) {
            b->rx[i] = b->rx[--b->n_rx];
            return;
        }
}

/* A peer stream named by an event: it and every lower one of its kind exist
 * (RFC 9000 §3.2), even when QUIC's event ring lost their events. */
static int h3q_note_peer(h3q_conn *b, uint64_t id)
{
    if (((id & 1) != 0) == b->is_server)
        return 0;
    uint64_t *next = &b->peer_next[(id & 2) ? 1 : 0];
    while (*next <= id >> 2) {
        int rc = h3q_rx_add(b, *next << 2 | (id & 3));
        if (rc < 0)
            return rc;
        (*next)++;
    }
    return 0;
}

/* Makes sure QUIC has opened stream id, when it is one of ours: h3 numbers its streams
 * by the QUIC rules and QUIC hands them out in order, so they must agree. Returns 0
 * (ready), 1 (QUIC's stream limit: later) or an error. */
static int h3q_stream_ready(h3q_conn *b, uint64_t id)
{
    if (((id & 1) != 0) != b->is_server)
        return 0; /* the peer's: QUIC has it */
    bool uni = (id & 2) != 0;
    uint64_t *next = uni ? &b->next_uni : &b->next_bidi;
    while (*next <= id) {
        int64_t got = quic_conn_stream_open(b->q, !uni);
        if (got == QUIC_ERR_STREAM_LIMIT)
            return 1;
        if (got == QUIC_ERR_CLOSED)
            return H3Q_ERR_CLOSED;
        if (got < 0)
            return h3q_fail(b, H3Q_ERR_QUIC, "QUIC refused a stream");
        if ((uint64_t)got != *next)
            return h3q_fail(b, H3Q_ERR_STREAM_ID, "h3 and QUIC stream ids differ");
        if (!uni) {
            int rc = h3q_rx_add(b, *next); /* the response comes back on it */
            if (rc < 0)
                return rc;
        }
        *next += 4;
    }
    return 0;
}

/* Everything QUIC has in order on the stream goes to h3, FIN included. Returns 0
 * (more may come), 1 (the receive side is finished: FIN, reset or gone) or the h3
 * error. */
static int h3q_read(h3q_conn *b, uint64_t id)
{
    for (;;) {
        /* In place from QUIC's receive buffer (no read buffer of our own, issue
         * 10): h3 takes the bytes before anything else touches the stream. */
        bool fin = false;
        const uint8_t *p;
        int64_t n = quic_conn_stream_peek(b->q, id, &p, &fin);
        if (n < 0)
            return 1;
        if (n == 0 && !fin)
            return 0;
        if ((uint64_t)n > b->rcap) {
            n = (int64_t)b->rcap;
            fin = false;
        }
        b->st.stream_bytes_in += (uint64_t)n;
        int rc = h3_conn_on_stream_data(b->h, id, p, (size_t)n, fin);
        (void)quic_conn_stream_consume(b->q, id, (size_t)n);
        if (rc < 0)
            return rc;
        if (fin)
            return 1;
    }
}

static int h3q_read_one(h3q_conn *b, uint64_t id)
{
    int rc = h3q_read(b, id);
    if (rc == 1)
        h3q_rx_remove(b, id);
    return rc < 0 ? rc : 0;
}

/* Every stream with an unfinished receive side (see H3Q_POLL_EVENTS). */
static int h3q_read_all(h3q_conn *b)
{
    for (size_t i = 0; i < b->n_rx;) {
        uint64_t id = b->rx[i];
        int rc = h3q_read(b, id);
        if (rc < 0)
            return rc;
        if (rc == 1)
            b->rx[i] = b->rx[--b->n_rx];
        else
            i++;
    }
    return 0;
}

/* One QUIC event into h3. Errors are latched in h3 or the binding (h3q_check). */
static void h3q_on_event(h3q_conn *b, const quic_event *ev)
{
    if (ev->type == QUIC_EV_CLOSED) {
        b->closed = true;
        return;
    }
    if (ev->type == QUIC_EV_STREAM_OPENED && b->is_server && (ev->stream_id & 3) == 0 &&
        ev->stream_id / 4 + 1 > b->peer_bidi_opened) {
        b->peer_bidi_opened = ev->stream_id / 4 + 1;
        h3q_bidi_limit(b);
    }
    if (ev->type != QUIC_EV_DATAGRAM)
        b->events_since_flush++; /* what QUIC's bounded event ring may have lost */
    int rc = 0;
    if (ev->type == QUIC_EV_STREAM_OPENED || ev->type == QUIC_EV_STREAM_READABLE ||
        ev->type == QUIC_EV_STREAM_RESET)
        rc = h3q_note_peer(b, ev->stream_id);
    if (rc == 0)
        rc = h3q_maybe_start(b);
    /* Before h3 starts, streams wait in QUIC (read at the next poll). */
    if (rc < 0 || !b->h || h3_conn_error(b->h, NULL, NULL))
        return;
    switch (ev->type) {
    case QUIC_EV_STREAM_READABLE:
        (void)h3q_read_one(b, ev->stream_id);
        break;
    case QUIC_EV_STREAM_RESET:
        (void)h3_conn_on_stream_reset(b->h, ev->stream_id, ev->code);
        /* A read after the reset lets QUIC forget the stream (and give the peer
         * new stream credit, RFC 9000 §4.6). */
        {
            bool fin;
            uint8_t none;
            (void)quic_conn_stream_read(b->q, ev->stream_id, &none, 0, &fin);
        }
        h3q_rx_remove(b, ev->stream_id);
        break;
    case QUIC_EV_STREAM_STOP:
        (void)h3_conn_on_stop_sending(b->h, ev->stream_id, ev->code);
        break;
    case QUIC_EV_DATAGRAM:
        /* To h3 when the application asks for it (h3q_next_event). */
        b->st.dgrams_in++;
        b->held = true;
        b->held_p = ev->data;
        b->held_len = ev->len;
        break;
    default: /* CONNECTED handled above; WRITABLE: the flush retries */
        break;
    }
}

/* h3 output (stream actions, stream bytes, datagrams) into QUIC, as far as QUIC takes
 * it. Reads nothing, so the application's current event stays valid. */
static int h3q_flush(h3q_conn *b)
{
    if (b->err || !b->h || b->closed || b->close_sent)
        return h3q_check(b);
    /* The path's datagram size may change (RFC 9221 §3); SETTINGS do not. */
    h3_conn_set_transport(b->h, b->quic_dgram, quic_conn_dgram_max(b->q));
    int rc;
    h3_action a;
    while (h3_conn_next_action(b->h, &a)) {
        rc = h3q_stream_ready(b, a.stream_id);
        if (rc < 0)
            return rc;
        if (rc > 0)
            continue; /* never opened in QUIC: the peer has nothing to stop */
        /* Errors only mean QUIC is already done with that half. */
        if (a.kind == H3_ACTION_RESET_STREAM)
            (void)quic_conn_stream_reset(b->q, a.stream_id, a.code);
        else
            (void)quic_conn_stream_stop(b->q, a.stream_id, a.code);
    }
    h3_stream_out o;
    while (h3_conn_peek_stream(b->h, &o)) {
        rc = h3q_stream_ready(b, o.stream_id);
        if (rc < 0)
            return rc;
        if (rc > 0)
            break; /* QUIC stream limit: the bytes wait in h3 */
        int64_t n = quic_conn_stream_write(b->q, o.stream_id, o.p, o.len, o.fin);
        if (n == QUIC_ERR_CLOSED)
            return H3Q_ERR_CLOSED;
        if (n < 0) {
            /* QUIC has closed or reset our half (STOP_SENDING answered): the bytes
             * can never be sent, so they are dropped rather than block the others. */
            h3_conn_consume_stream(b->h, o.stream_id, o.len);
            continue;
        }
        h3_conn_consume_stream(b->h, o.stream_id, (size_t)n);
        b->st.stream_bytes_out += (uint64_t)n;
        if ((size_t)n < o.len) {
            /* Backpressure: the rest stays in h3 until QUIC_EV_STREAM_WRITABLE or
             * the next step. h3 hands out the first stream with bytes only. */
            b->st.write_blocked++;
            break;
        }
    }
    const uint8_t *p;
    size_t len;
    while (h3_conn_next_datagram(b->h, &p, &len)) {
        /* RFC 9221 §5: unreliable; a refusal (queue full, too large) is a drop. */
        if (quic_conn_dgram_send(b->q, p, len, b->now) < 0)
            b->st.dgrams_dropped_out++;
        else
            b->st.dgrams_out++;
    }
    return h3q_check(b);
}

int h3q_step(h3q_conn *b, uint64_t now, h3q_step_out *out)
{
    b->now = now;
    if (b->held) {
        /* The application stepped without draining the events: this datagram is
         * copied into h3's event queue (bounded), as the next pull frees its slot. */
        b->held = false;
        h3q_bidi_limit(b);
        (void)h3_conn_on_datagram(b->h, b->held_p, b->held_len);
    }
    if (quic_conn_deadline(b->q) <= now)
        quic_conn_on_deadline(b->q, now);
    /* QUIC hands out datagrams after every other event: the first one is held and
     * the rest wait in QUIC's queue for h3q_next_event. */
    quic_event ev;
    while (!b->held && quic_conn_next_event(b->q, &ev))
        h3q_on_event(b, &ev);
    int rc = h3q_maybe_start(b);
    /* RFC 9114 §7.2.4.2: refused 0-RTT frees the server to send other SETTINGS */
    if (b->early && quic_conn_early_state(b->q, NULL) == QUIC_EARLY_REJECTED) {
        b->early = false;
        h3_conn_forget_remembered_settings(b->h);
    }
    if (rc == 0 && b->h && !b->closed && !b->close_sent && !h3_conn_error(b->h, NULL, NULL) &&
        (b->events_since_flush >= H3Q_POLL_EVENTS || b->poll_pending)) {
        /* Streams whose READABLE event QUIC may have dropped, or that were readable
         * before h3 started, are read now. */
        b->poll_pending = false;
        (void)h3q_read_all(b);
    }
    b->events_since_flush = 0;
    rc = rc < 0 ? rc : h3q_flush(b);
    if (out) {
        out->deadline = quic_conn_deadline(b->q);
        out->events = b->held || (b->h && h3_conn_has_events(b->h));
        out->closed = b->closed;
    }
    return rc;
}

bool h3q_next_event(h3q_conn *b, h3_event *ev)
{
    while (b->h) {
        /* h3's own events first: a request comes before the datagrams on it. */
        if (h3_conn_next_event(b->h, ev))
            return true;
        if (b->held) {
            /* In place: the event's data points into QUIC's queue slot, past the
             * Quarter Stream ID (RFC 9297 §2.1). The client's stream limit only
             * grows (as its streams close): h3's copy is made current first. */
            b->held = false;
            h3q_bidi_limit(b);
            int rc = h3_conn_datagram_event(b->h, b->held_p, b->held_len, ev);
            if (rc > 0)
                return true;
            if (rc < 0)
                (void)h3q_check(b); /* H3_EV_CONN_ERROR comes next */
            continue;
        }
        quic_event qe;
        if (!quic_conn_next_event(b->q, &qe))
            return false;
        h3q_on_event(b, &qe);
    }
    return false;
}

/* The sending calls write through: what h3 queued goes into QUIC now, so the
 * application's send loop finds it without another step. */
static int h3q_out(h3q_conn *b, int rc)
{
    if (rc == 0)
        (void)h3q_flush(b);
    return rc;
}

int h3q_send_request(h3q_conn *b, const h3_field *fields, size_t n, uint64_t *stream_id)
{
    if (!b->h)
        return H3_ERR_BAD_STATE;
    if (b->err)
        return b->err;
    /* The QUIC stream is opened first: a request QUIC has no stream for yet would sit
     * in h3, and h3 hands out pending streams in table order, not id order, so a later
     * request could need QUIC to open this one first and wait for stream credit that
     * never comes (RFC 9000 §4.6). The application retries after MAX_STREAMS. */
    int rc = h3q_stream_ready(b, b->next_request);
    if (rc < 0)
        return rc;
    if (rc > 0)
        return H3Q_ERR_STREAM_LIMIT;
    rc = h3_conn_send_request(b->h, fields, n, stream_id);
    if (rc < 0)
        return rc; /* the QUIC stream stays open for the next request */
    if (*stream_id != b->next_request)
        return h3q_fail(b, H3Q_ERR_STREAM_ID, "h3 and QUIC stream ids differ");
    b->next_request += 4;
    return h3q_out(b, 0);
}

static h3_field h3q_field(const char *name, const char *value)
{
    return (h3_field){(const uint8_t *)name, strlen(name), (const uint8_t *)value,
                      strlen(value)};
}

int h3q_get(h3q_conn *b, const char *authority, const char *path, uint64_t *stream_id)
{
    h3_field f[4] = {h3q_field(":method", "GET"), h3q_field(":scheme", "https"),
                     h3q_field(":authority", authority), h3q_field(":path", path)};
    return h3q_send_request(b, f, 4, stream_id);
}

int h3q_connect(h3q_conn *b, const char *authority, uint64_t *stream_id)
{
    /* RFC 9114 §4.4: only :method and :authority. */
    h3_field f[2] = {h3q_field(":method", "CONNECT"), h3q_field(":authority", authority)};
    return h3q_send_request(b, f, 2, stream_id);
}

int h3q_connect_ext(h3q_conn *b, const char *protocol, const char *authority,
                    const char *path, uint64_t *stream_id)
{
    h3_field f[6] = {h3q_field(":method", "CONNECT"), h3q_field(":protocol", protocol),
                     h3q_field(":scheme", "https"), h3q_field(":authority", authority),
                     h3q_field(":path", path), h3q_field("capsule-protocol", "?1")};
    return h3q_send_request(b, f, 6, stream_id);
}

int h3q_send_response(h3q_conn *b, uint64_t stream_id, unsigned status)
{
    if (!b->h)
        return H3_ERR_BAD_STATE;
    return h3q_out(b, h3_conn_send_response(b->h, stream_id, status, NULL, 0));
}

int h3q_send_data(h3q_conn *b, uint64_t stream_id, const uint8_t *p, size_t len, bool fin)
{
    if (!b->h)
        return H3_ERR_BAD_STATE;
    return h3q_out(b, h3_conn_send_data(b->h, stream_id, p, len, fin));
}

int h3q_send_datagram(h3q_conn *b, uint64_t stream_id, const uint8_t *p, size_t len)
{
    if (!b->h)
        return H3_ERR_BAD_STATE;
    /* h3 checks and writes the Quarter Stream ID; QUIC copies prefix + payload once,
     * into its queue, from which the packet is written. */
    h3_conn_set_transport(b->h, b->quic_dgram, quic_conn_dgram_max(b->q));
    uint8_t prefix[H3_DATAGRAM_PREFIX_MAX];
    size_t plen;
    int rc = h3_conn_datagram_prefix(b->h, stream_id, len, prefix, &plen);
    if (rc < 0)
        return rc;
    qb_iov v[2] = {{prefix, plen}, {p, len}};
    /* RFC 9221 §5: unreliable; a refusal (queue full, too large) is a drop. */
    if (quic_conn_dgram_sendv(b->q, v, 2, b->now) < 0)
        b->st.dgrams_dropped_out++;
    else
        b->st.dgrams_out++;
    return 0;
}

int h3q_goaway(h3q_conn *b)
{
    if (!b->h)
        return H3_ERR_BAD_STATE;
    return h3q_out(b, h3_conn_send_goaway(b->h));
}

void h3q_close(h3q_conn *b, uint64_t code, const char *reason)
{
    if (b->close_sent)
        return;
    b->close_sent = true;
    quic_conn_close(b->q, true, code, reason);
}

h3_conn *h3q_h3(h3q_conn *b) { return b->h; }
quic_conn *h3q_quic(h3q_conn *b) { return b->q; }
bool h3q_started(const h3q_conn *b) { return b->h != NULL; }
bool h3q_closed(const h3q_conn *b) { return b->closed; }
void h3q_get_stats(const h3q_conn *b, h3q_stats *s) { *s = b->st; }
