/* QUIC connection core: the state helpers every conn_*.c part sits above
 * (events for the application, the latched failure and closing states of
 * RFC 9000 §10, logs and traces, the PTO the timers use). Nothing here calls a
 * conn_*.c part; see the layering in conn_int.h. */
#include "quic/conn_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool quic_path_equal(const quic_path *a, const quic_path *b)
{
    return a->remote_len == b->remote_len && a->local_len == b->local_len &&
           !memcmp(a->remote, b->remote, a->remote_len) && !memcmp(a->local, b->local, a->local_len);
}

#ifndef QUINCE_MINIMAL /* the size profile has no log lines (conn_int.h) */
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
#endif

int quic_conn_random(quic_conn *c, uint8_t *buf, size_t n)
{
    cx_rand_fn fn = c->cfg.random ? c->cfg.random : cx_rand_default;
    return fn(c->cfg.random_ud, buf, n);
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
    /* The ring grows on demand up to ev_max (never reached: see conn_int.h). */
    quic_event e = {.type = type, .stream_id = stream_id, .code = code};
    int rc = qb_ring_push(&c->events, &e, 1);
    if (rc != QB_OK) {
        /* An event lost to a refused allocation would leave the application
         * waiting for it: the connection ends instead (issue 10). */
        if (rc == QB_ERR_NO_MEMORY && type != QUIC_EV_CLOSED)
            quic_conn_fail(c, QUIC_INTERNAL_ERROR, 0, "out of memory queueing an event");
        c->ev_overflow++;
        if (s)
            *(type == QUIC_EV_STREAM_READABLE ? &s->ev_readable : &s->ev_writable) = false;
        return;
    }
    qb_trim_use(&c->ev_trim, qb_ring_count(&c->events));
}

uint64_t quic_conn_pto(const quic_conn *c)
{
    return quic_recovery_pto(&c->rec, c->handshake_confirmed ? QUIC_SPACE_APPLICATION
                                                             : QUIC_SPACE_HANDSHAKE);
}

void quic_conn_latch(quic_conn *c, bool by_peer, bool app, uint64_t code, uint64_t ft,
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

/* The CLOSED trace, once, when the connection stops being usable: at the
 * start of closing or draining (RFC 9000 §10.2), so a program that exits
 * right after its close still has it, or at the end (idle timeout). */
static void trace_closed(quic_conn *c)
{
    quic_trace t = {.type = QUIC_TRACE_CLOSED,
                    .reason = c->close.idle ? "idle timeout"
                              : c->close.stateless_reset ? "stateless reset"
                              : c->close.reason[0] ? c->close.reason /* CONNECTION_CLOSE's */
                              : c->close.by_peer ? "closed by the peer" : "closed",
                    .close_by_peer = c->close.by_peer, .close_app = c->close.app,
                    .close_idle = c->close.idle, .close_reset = c->close.stateless_reset,
                    .close_code = c->close.code};
    quic_conn_trace(c, &t);
}

void quic_conn_start_closing(quic_conn *c)
{
    if (c->state < QUIC_CS_CLOSING)
        trace_closed(c);
    c->state = QUIC_CS_CLOSING;
    c->close_pending = true;
    /* RFC 9000 §10.2: at least three times the PTO. */
    c->close_deadline = c->now + 3 * quic_conn_pto(c);
}

/* (quic_conn_fail): conn_int.h's size-profile macro leaves the definition alone. */
int(quic_conn_fail)(quic_conn *c, uint64_t code, uint64_t frame_type, const char *reason)
{
    if (c->state >= QUIC_CS_CLOSING)
        return QUIC_ERR_CLOSING;
    quic_conn_latch(c, false, false, code, frame_type, reason, strlen(reason));
    quic_conn_logf(c, "connection error 0x%llx %s: %s", (unsigned long long)code,
                   quic_wire_err_name(code), reason);
    quic_conn_start_closing(c);
    return QUIC_ERR_CLOSING;
}

void quic_conn_enter_draining(quic_conn *c, uint64_t now)
{
    if (c->state >= QUIC_CS_DRAINING)
        return;
    if (c->state < QUIC_CS_CLOSING)
        trace_closed(c);
    c->state = QUIC_CS_DRAINING;
    c->close_pending = false;
    c->close_deadline = now + 3 * quic_conn_pto(c);
}

void quic_conn_on_peer_close(quic_conn *c, bool app, uint64_t code, uint64_t ft,
                             const uint8_t *reason, size_t len, uint64_t now)
{
    quic_conn_latch(c, true, app, code, ft, (const char *)reason, len);
    quic_conn_enter_draining(c, now);
}

quic_pkt_type quic_space_pkt_type(quic_pn_space sp)
{
    return sp == QUIC_SPACE_INITIAL ? QUIC_PKT_INITIAL
           : sp == QUIC_SPACE_HANDSHAKE ? QUIC_PKT_HANDSHAKE
                                        : QUIC_PKT_1RTT;
}

void quic_conn_finish(quic_conn *c)
{
    if (c->state < QUIC_CS_CLOSING) /* else traced when closing began */
        trace_closed(c);
    c->state = QUIC_CS_CLOSED;
    c->close.closed = true;
    if (!c->ev_closed_sent) {
        c->ev_closed_sent = true;
        quic_conn_push_event(c, QUIC_EV_CLOSED, 0, c->close.code);
    }
}
