/* QUIC connection: creation, events, closing and timers (RFC 9000 §10). */
#include "quic/conn_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool quic_path_equal(const quic_path *a, const quic_path *b)
{
    return a->remote_len == b->remote_len && a->local_len == b->local_len &&
           !memcmp(a->remote, b->remote, a->remote_len) && !memcmp(a->local, b->local, a->local_len);
}

void quic_config_init(quic_config *c, bool is_server, const tls_config *tls)
{
    memset(c, 0, sizeof *c);
    c->is_server = is_server;
    c->tls = tls;
    c->scid_len = 8;
    c->max_idle_timeout_ms = 30000;
    c->initial_max_data = 1u << 20;
    c->initial_max_stream_data = 256u << 10;
    c->initial_max_streams_bidi = 100;
    c->initial_max_streams_uni = 100;
    c->max_datagram_frame_size = 65535;
    c->max_ack_delay_ms = 25;
    c->max_udp_payload = 1452;
    c->max_crypto_buffer = 64u << 10;
    c->dgram_recv_queue = 256;
    c->dgram_send_queue = 256;
    c->dgram_max_age_us = 1000000;
    c->stream_send_buffer = 1u << 20;
    c->key_update_after = 1u << 20; /* far below AES-GCM's 2^23 packet limit */
}

void quic_conn_logf(quic_conn *c, const char *fmt, ...)
{
    if (!c->cfg.log)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    c->cfg.log(c->cfg.log_ud, line);
}

int quic_conn_random(quic_conn *c, uint8_t *buf, size_t n)
{
    cx_rand_fn fn = c->cfg.random ? c->cfg.random : cx_rand_default;
    return fn(c->cfg.random_ud, buf, n);
}

/* Doubles the ring (up to ev_max), keeping the order. */
static bool events_grow(quic_conn *c)
{
    size_t ncap = c->ev_cap ? c->ev_cap * 2 : QUIC_EVENT_RING_MIN;
    if (ncap > c->ev_max)
        ncap = c->ev_max;
    if (ncap <= c->ev_cap)
        return false;
    quic_event *n = qb_malloc(c->alloc, ncap * sizeof *n);
    if (!n)
        return false;
    for (size_t i = 0; i < c->ev_count; i++)
        n[i] = c->events[(c->ev_head + i) % c->ev_cap];
    qb_free(c->alloc, c->events);
    c->events = n;
    c->ev_cap = ncap;
    c->ev_head = 0;
    return true;
}

void quic_conn_push_event(quic_conn *c, quic_event_type type, uint64_t stream_id, uint64_t code)
{
    /* READABLE and WRITABLE are queued once per stream until pulled. */
    quic_stream *s = NULL;
    if (type == QUIC_EV_STREAM_READABLE || type == QUIC_EV_STREAM_WRITABLE) {
        s = quic_streams_find(&c->streams, stream_id);
        bool *flag = s ? (type == QUIC_EV_STREAM_READABLE ? &s->ev_readable : &s->ev_writable) : NULL;
        if (flag && *flag)
            return;
        if (flag)
            *flag = true;
    }
    if (c->ev_count == c->ev_cap && !events_grow(c)) {
        c->ev_overflow++;
        if (s)
            *(type == QUIC_EV_STREAM_READABLE ? &s->ev_readable : &s->ev_writable) = false;
        return;
    }
    quic_event *e = &c->events[(c->ev_head + c->ev_count++) % c->ev_cap];
    memset(e, 0, sizeof *e);
    e->type = type;
    e->stream_id = stream_id;
    e->code = code;
}

uint64_t quic_conn_pto(const quic_conn *c)
{
    return quic_recovery_pto(&c->rec, c->handshake_confirmed ? QUIC_SPACE_APPLICATION
                                                             : QUIC_SPACE_HANDSHAKE);
}

static void set_close_info(quic_conn *c, bool by_peer, bool app, uint64_t code, uint64_t ft,
                           const char *reason, size_t reason_len)
{
    if (c->close.code || c->close.closed || c->state >= QUIC_CS_CLOSING)
        return; /* the first error wins (DESIGN.md: latched) */
    c->close.by_peer = by_peer;
    c->close.app = app;
    c->close.code = code;
    c->close.frame_type = ft;
    if (reason_len >= sizeof c->close.reason)
        reason_len = sizeof c->close.reason - 1;
    /* The peer's reason is UTF-8 from the network: keep printable bytes only. */
    for (size_t i = 0; i < reason_len; i++)
        c->close.reason[i] = (reason[i] >= 0x20 && reason[i] < 0x7f) ? reason[i] : '?';
    c->close.reason[reason_len] = 0;
}

static void start_closing(quic_conn *c)
{
    c->state = QUIC_CS_CLOSING;
    c->close_pending = true;
    /* RFC 9000 §10.2: at least three times the PTO. */
    c->close_deadline = c->now + 3 * quic_conn_pto(c);
}

void quic_conn_fail(quic_conn *c, uint64_t code, uint64_t frame_type, const char *reason)
{
    if (c->state >= QUIC_CS_CLOSING)
        return;
    set_close_info(c, false, false, code, frame_type, reason, strlen(reason));
    quic_conn_logf(c, "connection error 0x%llx: %s", (unsigned long long)code, reason);
    start_closing(c);
}

void quic_conn_close(quic_conn *c, bool app, uint64_t code, const char *reason)
{
    if (c->state >= QUIC_CS_CLOSING)
        return;
    set_close_info(c, false, app, code, 0, reason ? reason : "", reason ? strlen(reason) : 0);
    start_closing(c);
}

void quic_conn_enter_draining(quic_conn *c, uint64_t now)
{
    if (c->state >= QUIC_CS_DRAINING)
        return;
    c->state = QUIC_CS_DRAINING;
    c->close_pending = false;
    c->close_deadline = now + 3 * quic_conn_pto(c);
}

/* Called on a peer's CONNECTION_CLOSE (conn_frames.c) through this helper. */
void quic_conn_on_peer_close(quic_conn *c, bool app, uint64_t code, uint64_t ft,
                             const uint8_t *reason, size_t len, uint64_t now);
void quic_conn_on_peer_close(quic_conn *c, bool app, uint64_t code, uint64_t ft,
                             const uint8_t *reason, size_t len, uint64_t now)
{
    set_close_info(c, true, app, code, ft, (const char *)reason, len);
    quic_conn_enter_draining(c, now);
}

quic_pkt_type quic_space_pkt_type(quic_pn_space sp)
{
    return sp == QUIC_SPACE_INITIAL ? QUIC_PKT_INITIAL
           : sp == QUIC_SPACE_HANDSHAKE ? QUIC_PKT_HANDSHAKE
                                        : QUIC_PKT_1RTT;
}

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
    if (res->n_lost)
        quic_conn_cc_on_lost(c, res->lost, res->n_lost, res->persistent_congestion, now);
}

static void finish(quic_conn *c)
{
    if (c->state != QUIC_CS_CLOSED) {
        quic_trace t = {.type = QUIC_TRACE_CLOSED,
                        .reason = c->close.idle ? "idle timeout"
                                  : c->close.stateless_reset ? "stateless reset"
                                  : c->close.by_peer ? "closed by the peer" : "closed"};
        quic_conn_trace(c, &t);
    }
    c->state = QUIC_CS_CLOSED;
    c->close.closed = true;
    if (!c->ev_closed_sent) {
        c->ev_closed_sent = true;
        quic_conn_push_event(c, QUIC_EV_CLOSED, 0, c->close.code);
    }
}

void quic_conn_close_info(const quic_conn *c, quic_close_info *out)
{
    *out = c->close;
    out->closed = c->state == QUIC_CS_CLOSED;
}

bool quic_conn_next_event(quic_conn *c, quic_event *ev)
{
    if (c->ev_count) {
        *ev = c->events[c->ev_head];
        c->ev_head = (c->ev_head + 1) % c->ev_cap;
        c->ev_count--;
        if (ev->type == QUIC_EV_STREAM_READABLE || ev->type == QUIC_EV_STREAM_WRITABLE) {
            quic_stream *s = quic_streams_find(&c->streams, ev->stream_id);
            if (s)
                *(ev->type == QUIC_EV_STREAM_READABLE ? &s->ev_readable : &s->ev_writable) = false;
        }
        return true;
    }
    /* Datagrams wait in their own bounded queue, after every other event. */
    return quic_conn_dgram_next_event(c, ev);
}

uint64_t quic_conn_deadline(const quic_conn *c)
{
    if (c->state == QUIC_CS_CLOSED)
        return QUIC_NEVER;
    if (c->state >= QUIC_CS_CLOSING)
        return c->close_deadline;
    uint64_t d = quic_recovery_deadline(&c->rec);
    if (c->idle_deadline && c->idle_deadline < d)
        d = c->idle_deadline;
    for (int i = 0; i < QUIC_LEVELS; i++) {
        if (c->sp[i].discarded)
            continue;
        uint64_t a = quic_ackrange_ack_deadline(&c->sp[i].acks);
        if (a < d)
            d = a;
    }
    uint64_t k = c->app_rx_ok ? quic_keyphase_deadline(&c->app) : QUIC_NEVER;
    if (k < d)
        d = k;
    if (c->pace_at && c->pace_at < d)
        d = c->pace_at; /* paced data waiting (conn_send.c) */
    return d;
}

void quic_conn_on_deadline(quic_conn *c, uint64_t now)
{
    c->now = now;
    if (c->state == QUIC_CS_CLOSED)
        return;
    if (c->state >= QUIC_CS_CLOSING) {
        if (now >= c->close_deadline)
            finish(c);
        return;
    }
    if (c->idle_deadline && now >= c->idle_deadline) {
        /* RFC 9000 §10.1: silently closed, no packets. */
        set_close_info(c, false, false, QUIC_NO_ERROR, 0, "idle timeout", 12);
        c->close.idle = true;
        finish(c);
        return;
    }
    if (c->app_rx_ok && quic_keyphase_on_timer(&c->app, now) != 0)
        quic_conn_fail(c, QUIC_INTERNAL_ERROR, 0, "key derivation failed");
    quic_dgram_queue_expire(&c->dg_tx, now);
    quic_recovery_result res;
    quic_recovery_on_timeout(&c->rec, now, &res);
    quic_conn_handle_lost(c, &res, now);
    if (res.action == QUIC_RECOVERY_PTO || res.action == QUIC_RECOVERY_ANTI_DEADLOCK) {
        quic_space *s = &c->sp[res.probe_space];
        s->probe = true;
        s->probes = res.probes ? res.probes : 1;
        /* RFC 9002 §6.2.4: a probe carries data that may be lost. CRYPTO
         * acknowledgements are not tracked, so the whole flight goes again
         * (a few KB at most). */
        if (res.probe_space != QUIC_SPACE_APPLICATION)
            quic_crypto_send_lost(&s->crypto_tx, 0, s->crypto_tx.sent);
    }
}

/* ---- getters ---- */

bool quic_conn_is_server(const quic_conn *c) { return c->is_server; }
bool quic_conn_is_established(const quic_conn *c) { return c->state == QUIC_CS_ESTABLISHED; }
const char *quic_conn_alpn(const quic_conn *c) { return c->tls ? tls_conn_alpn(c->tls) : NULL; }
const quic_local_cids *quic_conn_local_cids(const quic_conn *c) { return &c->lcids; }
uint64_t quic_conn_local_max_streams(const quic_conn *c, bool bidi)
{
    return bidi ? c->rx_max_streams_bidi : c->rx_max_streams_uni;
}

void quic_conn_stats_get(const quic_conn *c, quic_conn_stats *s)
{
    *s = c->stats;
    const quic_rtt *r = quic_recovery_rtt(&c->rec);
    s->smoothed_rtt_us = r->smoothed;
    s->min_rtt_us = r->min;
    s->cwnd = c->cc.cwnd;
    s->key_updates = c->app_rx_ok ? c->app.updates : 0;
}

int quic_conn_key_update(quic_conn *c)
{
    if (!c->handshake_confirmed || !c->app_tx_ok)
        return QUIC_ERR_ARG;
    if (quic_keyphase_initiate(&c->app, c->now, quic_conn_pto(c)) != 0)
        return QUIC_ERR_BLOCKED;
    c->pend.ping = true; /* carry the new phase promptly */
    return 0;
}
