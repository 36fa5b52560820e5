/* QUIC connection API: the public calls of quic/quic.h that drive a connection
 * (datagram in and out, timers, events, closing, what the application may ask).
 * The file on top: it calls the conn_*.c parts and the core, nothing calls it. */
#include "quic/conn_int.h"

#include <string.h>

void quic_conn_close(quic_conn *c, bool app, uint64_t code, const char *reason)
{
    if (c->state >= QUIC_CS_CLOSING)
        return;
    quic_conn_latch(c, false, app, code, 0, reason ? reason : "", reason ? strlen(reason) : 0);
    quic_conn_start_closing(c);
}

void quic_conn_close_info(const quic_conn *c, quic_close_info *out)
{
    *out = c->close;
    out->closed = c->state == QUIC_CS_CLOSED;
}

bool quic_conn_next_event(quic_conn *c, quic_event *ev)
{
    if (qb_ring_pop(&c->events, ev, 1)) {
        if (qb_ring_count(&c->events) == 0) {
            /* Drained: give back what a burst took (qb_trim.h hysteresis). */
            size_t target = qb_trim_drained(&c->ev_trim, c->events.cap, QUIC_EVENT_RING_KEEP);
            if (target < c->events.cap) {
                qb_ring_free(&c->events);
                (void)qb_ring_reserve(&c->events, target);
            }
        }
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

/* The one answer of every call once the connection failed or closes. */
static int closing_or(const quic_conn *c, int rc)
{
    return c->state >= QUIC_CS_CLOSING ? QUIC_ERR_CLOSING : rc;
}

int quic_conn_recv(quic_conn *c, const quic_path *path, uint8_t *dgram, size_t len, uint64_t now)
{
    return quic_conn_recv_ecn(c, path, dgram, len, QUIC_ECN_NOT_ECT, now);
}

int quic_conn_recv_ecn(quic_conn *c, const quic_path *path, uint8_t *dgram, size_t len,
                       uint8_t ecn, uint64_t now)
{
    c->rx_ecn = ecn & 3;
    c->now = now;
    if (c->state >= QUIC_CS_DRAINING)
        return QUIC_ERR_CLOSING; /* RFC 9000 §10.2.2: nothing more is processed */
    c->rx_new_path = false;
    if (!quic_path_equal(path, &c->path) && !quic_conn_path_on_datagram(c, path, len)) {
        /* RFC 9000 §9: another address before the handshake is confirmed. */
        c->stats.pkts_dropped++;
        return closing_or(c, 0);
    }
    if (!c->rx_new_path)
        c->bytes_in += len;
    if (c->state == QUIC_CS_CLOSING) {
        /* RFC 9000 §10.2.1: answer with CONNECTION_CLOSE again, rate-limited
         * by doubling the gap between answers. */
        c->close_sent_count++;
        if ((c->close_sent_count & (c->close_sent_count - 1)) == 0)
            c->close_pending = true;
        return QUIC_ERR_CLOSING;
    }
    /* A protocol error found here is latched (quic_conn_close_info says
     * why); the call says only that the connection is closing. */
    quic_conn_recv_dgram(c, dgram, len, now);
    c->rx_new_path = false;
    return closing_or(c, 0);
}

size_t quic_conn_send(quic_conn *c, uint8_t *buf, size_t cap, uint64_t now)
{
    quic_path to;
    return quic_conn_send_path(c, buf, cap, now, &to);
}

size_t quic_conn_send_path(quic_conn *c, uint8_t *buf, size_t cap, uint64_t now, quic_path *to)
{
    c->now = now;
    *to = c->path;
    quic_conn_ecn_on_datagram(c, now); /* RFC 9000 §13.4.2: this datagram's mark */
    /* RFC 9000 §8.2: a probe of a new path goes there, before other data. */
    size_t probe = quic_conn_path_build(c, buf, cap, now);
    if (probe) {
        *to = c->probe->path;
        return probe;
    }
    if (c->state == QUIC_CS_CLOSED || c->state == QUIC_CS_DRAINING)
        return 0;
    if (c->state == QUIC_CS_CLOSING) {
        if (!c->close_pending)
            return 0;
        c->close_pending = false;
        if (c->is_server && !c->addr_validated) {
            /* RFC 9000 §8.1, §10.2.1: the close counts against the 3x limit
             * too; without room it waits for the next datagram in. */
            uint64_t budget = 3 * c->bytes_in > c->bytes_out ? 3 * c->bytes_in - c->bytes_out : 0;
            if (budget < cap)
                cap = (size_t)budget;
        }
        size_t n = quic_conn_build_close(c, buf, cap, now);
        c->bytes_out += n;
        return n;
    }
    return quic_conn_build(c, buf, cap, now);
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
    uint64_t p = quic_conn_path_deadline(c);
    return p < d ? p : d;
}

void quic_conn_on_deadline(quic_conn *c, uint64_t now)
{
    c->now = now;
    if (c->state == QUIC_CS_CLOSED)
        return;
    if (c->state >= QUIC_CS_CLOSING) {
        if (now >= c->close_deadline)
            quic_conn_finish(c);
        return;
    }
    if (c->idle_deadline && now >= c->idle_deadline) {
        /* RFC 9000 §10.1: silently closed, no packets. */
        quic_conn_latch(c, false, false, QUIC_NO_ERROR, 0, "idle timeout", 12);
        c->close.idle = true;
        quic_conn_finish(c);
        return;
    }
    if (c->app_rx_ok && quic_keyphase_on_timer(&c->app, now) != 0)
        quic_conn_fail(c, QUIC_INTERNAL_ERROR, 0, "key derivation failed");
    quic_dgram_queue_expire(&c->dg_tx, now);
    quic_conn_path_on_timer(c, now);
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

uint32_t quic_conn_version(const quic_conn *c) { return c->version; }
const char *quic_conn_alpn(const quic_conn *c) { return c->tls ? tls_conn_alpn(c->tls) : c->alpn; }
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
    s->cwnd = quic_cc_window(&c->cc);
    s->key_updates = c->app_rx_ok ? c->app.updates : 0;
}

int quic_conn_key_update(quic_conn *c)
{
    if (c->state >= QUIC_CS_CLOSING)
        return QUIC_ERR_CLOSING;
    if (!c->handshake_confirmed || !c->app_tx_ok)
        return QUIC_ERR_ARG;
    if (quic_keyphase_initiate(&c->app, c->now, quic_conn_pto(c)) != 0)
        return QUIC_ERR_BLOCKED;
    c->pend.ping = true; /* carry the new phase promptly */
    return 0;
}
