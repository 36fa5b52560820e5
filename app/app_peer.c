/* The ping-pong server and client over UDP (app_peer.h). */
#include "app/app_peer.h"

#include "app/app_client_path.h"
#include "app/app_log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void log_quic(void *ud, const char *line)
{
    app_debug("%s: %s", (const char *)ud, line);
}

static void client_trace(void *ud, quic_conn *c, const quic_trace *ev)
{
    app_trace_set_version(&((app_client *)ud)->s.trace, quic_conn_version(c));
    app_trace_write(&((app_client *)ud)->s.trace, ev);
}

/* The endpoint shares one hook among its connections: find the session; a
 * connection not taken on yet (its first Initial) traces to a pending file
 * that the session inherits. */
static void server_trace(void *ud, quic_conn *c, const quic_trace *ev)
{
    app_server *sv = ud;
    app_session *s = sv->ep ? quic_endpoint_conn_ud(sv->ep, c) : NULL;
    if (s) {
        app_trace_set_version(&s->trace, quic_conn_version(c));
        app_trace_write(&s->trace, ev);
        return;
    }
    if (sv->pending_conn != c) {
        char err[300];
        app_trace_close(&sv->pending_trace);
        if (app_trace_open(&sv->pending_trace, "server", sv->verbose, sv->qlog_dir, err, sizeof err))
            app_warn("server: %s", err);
        app_trace_set_path(&sv->pending_trace, quic_endpoint_conn_path(c));
        sv->pending_trace.log_secrets = sv->tls.keylog != NULL;
        sv->pending_conn = c;
    }
    app_trace_set_version(&sv->pending_trace, quic_conn_version(c));
    app_trace_write(&sv->pending_trace, ev);
}

static void session_h3_trace(void *ud, const h3_frame_trace *f)
{
    app_trace_h3_frame(&((app_session *)ud)->trace, f);
}

static int session_open(app_session *s, quic_conn *q, bool is_server, const quic_config *qcfg,
                        const char *authority, int method, uint64_t final, size_t size,
                        bool no_datagrams, uint64_t drop_every, const uint8_t *early_settings,
                        size_t early_settings_len)
{
    app_trace keep = s->trace; /* a client's opens before its connection */
    memset(s, 0, sizeof *s);
    s->trace = keep;
    s->q = q;
    h3q_config hc;
    h3q_config_init(&hc, is_server ? H3_ROLE_SERVER : H3_ROLE_CLIENT, qcfg);
    /* --no-datagrams: SETTINGS_H3_DATAGRAM = 0 (RFC 9297 §2.1.1). QUIC
     * DATAGRAM stays offered: the h3 binding treats a peer's H3_DATAGRAM = 1
     * as H3_SETTINGS_ERROR when our own max_datagram_frame_size is 0. */
    if (no_datagrams)
        hc.h3.enable_datagrams = false;
    hc.h3.frame_trace = session_h3_trace;
    hc.h3.frame_trace_ud = s;
    if (h3q_new(q, &hc, &s->h3) != 0)
        return -1;
    if (early_settings) /* client --0rtt: the request goes in 0-RTT (RFC 9114 §7.2.4.2) */
        (void)h3q_start_early(s->h3, early_settings, early_settings_len);
    if (app_pp_init(&s->pp, is_server, s->h3, authority, method, final, size) != 0) {
        h3q_free(s->h3);
        return -1;
    }
    s->pp.drop_every = drop_every;
    s->pp.no_datagrams = no_datagrams;
    return 0;
}

static void session_close(app_session *s)
{
    app_trace_close(&s->trace);
    app_pp_free(&s->pp);
    h3q_free(s->h3);
    memset(s, 0, sizeof *s);
}

/* QUIC timers, events into h3 and h3 into QUIC (h3q_step), then the ping-pong reacts
 * to the HTTP/3 events; what it sends is in QUIC when it returns (h3q.h). */
static void session_step(app_session *s, uint64_t now)
{
    h3q_step(s->h3, now, NULL);
    app_pp_step(&s->pp, now);
}

/* A name for a close code: RFC 9000 §20.1, TLS alerts (RFC 9001 §4.8), RFC 9114 §8.1. */
static const char *code_name(bool app, uint64_t code, char *buf, size_t len)
{
    static const char *h3[] = {
        "H3_NO_ERROR", "H3_GENERAL_PROTOCOL_ERROR", "H3_INTERNAL_ERROR", "H3_STREAM_CREATION_ERROR",
        "H3_CLOSED_CRITICAL_STREAM", "H3_FRAME_UNEXPECTED", "H3_FRAME_ERROR", "H3_EXCESSIVE_LOAD",
        "H3_ID_ERROR", "H3_SETTINGS_ERROR", "H3_MISSING_SETTINGS", "H3_REQUEST_REJECTED",
        "H3_REQUEST_CANCELLED", "H3_REQUEST_INCOMPLETE", "H3_MESSAGE_ERROR", "H3_CONNECT_ERROR",
        "H3_VERSION_FALLBACK"};
    if (!app && code < QUIC_CRYPTO_ERROR_BASE)
        return quic_wire_err_name(code); /* quic/quic_err.h: the one map */
    if (!app && code >= 0x100 && code < 0x200) {
        snprintf(buf, len, "TLS alert %s", tls_alert_str((uint8_t)(code - 0x100)));
        return buf;
    }
    if (app && code >= 0x100 && code < 0x100 + sizeof h3 / sizeof h3[0])
        return h3[code - 0x100];
    if (app && code == 0x33)
        return "H3_DATAGRAM_ERROR";
    return "unknown code";
}

void app_close_describe(const quic_close_info *ci, char *buf, size_t len)
{
    char name[64];
    if (ci->idle)
        snprintf(buf, len, "idle timeout");
    else if (ci->stateless_reset)
        snprintf(buf, len, "stateless reset from the peer");
    else if (ci->by_peer && !ci->app && ci->code == QUIC_CONNECTION_REFUSED)
        /* RFC 9000 §5.2.2: a full server (or one past its memory budget)
         * turns new clients away with this code. */
        snprintf(buf, len, "server refused the connection (CONNECTION_REFUSED)%s%s%s",
                 ci->reason[0] ? ", reason \"" : "", ci->reason, ci->reason[0] ? "\"" : "");
    else
        snprintf(buf, len, "%s with %s code 0x%llx (%s), reason \"%s\"",
                 ci->by_peer ? "the peer closed" : "closed", ci->app ? "application" : "transport",
                 (unsigned long long)ci->code, code_name(ci->app, ci->code, name, sizeof name), ci->reason);
}

static void describe_close(const quic_conn *q, char *buf, size_t len)
{
    quic_close_info ci;
    quic_conn_close_info(q, &ci);
    app_close_describe(&ci, buf, len);
}

/* ---- server ---- */

/* The per-address limit of half-open connections looks at the IP address,
 * not the port a client picks freely; for IPv6 the /64, which one host
 * commonly has whole. */
static size_t source_ip(void *ud, const quic_path *p, uint8_t *out)
{
    (void)ud;
    app_addr a;
    app_path_peer(p, &a);
    if (a.ss.ss_family == AF_INET && a.len >= sizeof(struct sockaddr_in)) {
        memcpy(out, &((const struct sockaddr_in *)&a.ss)->sin_addr, 4);
        return 4;
    }
    if (a.ss.ss_family == AF_INET6 && a.len >= sizeof(struct sockaddr_in6)) {
        memcpy(out, &((const struct sockaddr_in6 *)&a.ss)->sin6_addr, 8);
        return 8;
    }
    memcpy(out, p->remote, p->remote_len < QUIC_EP_ADDR_MAX ? p->remote_len : QUIC_EP_ADDR_MAX);
    return p->remote_len < QUIC_EP_ADDR_MAX ? p->remote_len : QUIC_EP_ADDR_MAX;
}

/* Once per connection, at its handshake's end: resumption and, when the
 * client offered it, the 0-RTT verdict (RFC 9001 §4.6). */
static void server_log_resumption(quic_conn *q)
{
    const char *why = NULL;
    if (quic_conn_resumed(q))
        app_info("server: session resumed");
    quic_early_state st = quic_conn_early_state(q, &why);
    if (st == QUIC_EARLY_ACCEPTED)
        app_info("server: 0-RTT accepted");
    else if (st == QUIC_EARLY_REJECTED)
        app_info("server: 0-RTT rejected (%s)", why ? why : "refused");
}

/* What 0-RTT requests depend on besides the transport (RFC 9114 §7.2.4.2):
 * a server whose HTTP/3 SETTINGS change refuses early data of old tickets. */
static const char *server_early_state(bool no_datagrams)
{
    return no_datagrams ? "h3 settings: connect-protocol, no datagrams"
                        : "h3 settings: connect-protocol, datagrams";
}

/* RFC 9000 §9.6: --preferred-address / --preferred-address6: a socket bound
 * there (socket k of the io), and its address as bound (port 0 resolved) in
 * the preferred_address parameter; the core gives it a CID of sequence 1
 * and that CID's stateless reset token (conn_crypto.c). */
static int server_open_preferred(app_server *sv, const app_opts *o, quic_config *qc, char *err,
                                 size_t errlen)
{
    const char *want[2] = {o->preferred4, o->preferred6};
    size_t k = 1;
    for (size_t i = 0; i < 2; i++) {
        app_addr a;
        if (!want[i])
            continue;
        if (app_addr_parse(want[i], &a, err, errlen) != 0 ||
            app_io_open_more(&sv->io, k, &a, true, err, errlen) != 0)
            return -1;
        const app_addr *l = &sv->io.more[k - 1].local;
        if (l->ss.ss_family == AF_INET) {
            const struct sockaddr_in *in = (const struct sockaddr_in *)&l->ss;
            memcpy(qc->preferred_ipv4, &in->sin_addr, 4);
            qc->preferred_ipv4_port = ntohs(in->sin_port);
        } else {
            const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&l->ss;
            memcpy(qc->preferred_ipv6, &in6->sin6_addr, 16);
            qc->preferred_ipv6_port = ntohs(in6->sin6_port);
        }
        qc->preferred_address = true;
        k++;
    }
    return 0;
}

size_t app_server_fds(const app_server *sv, int *fds)
{
    size_t n = 0;
    for (size_t k = 0; k <= APP_IO_MORE; k++) {
        const app_udp *u = app_io_sock((app_io *)&sv->io, k);
        if (u)
            fds[n++] = u->fd;
    }
    return n;
}

int app_server_open(app_server *sv, const app_opts *o, const app_addr *listen, char *err, size_t errlen)
{
    memset(sv, 0, sizeof *sv);
    sv->final = o->count;
    sv->verbose = o->verbose;
    sv->no_datagrams = o->no_datagrams;
    sv->drop_every = o->drop_every;
    if (app_tls_server(&sv->tls, o->cert, o->key, err, errlen) != 0 ||
        app_tls_keylog(&sv->tls, o->keylog, err, errlen) != 0)
        return -1;
    if (app_udp_open(&sv->io.udp, listen, true, err, errlen) != 0 ||
        app_io_pcap_open(&sv->io, o->pcap, err, errlen) != 0)
        return -1;
    /* Tickets allow 0-RTT (RFC 9001 §4.6.1), accepted unless --no-0rtt */
    sv->tls.cfg.ticket_early_data = true;
    sv->tls.cfg.refuse_early_data = o->no_0rtt;
    quic_endpoint_config ec;
    quic_endpoint_config_init(&ec, &sv->tls.cfg);
    const char *es = server_early_state(o->no_datagrams);
    ec.conn.early_app_state = (const uint8_t *)es;
    ec.conn.early_app_state_len = strlen(es);
    if (server_open_preferred(sv, o, &ec.conn, err, errlen) != 0)
        return -1;
    ec.retry = o->retry;
    ec.max_memory = o->max_memory;
    /* --timeout, as for the client: how long a client may take over its
     * handshake, and how long the ping-pong waits for an answer. */
    sv->timeout_us = (o->timeout_s ? o->timeout_s : 10) * 1000000ull;
    ec.handshake_timeout_us = sv->timeout_us;
    if (o->per_addr)
        ec.max_half_open_per_addr = o->per_addr;
    ec.source = source_ip;
    if (o->key_update_after)
        ec.conn.key_update_after = o->key_update_after;
    ec.conn.cc = o->cc;
    for (size_t i = 0; i < o->n_quic_versions; i++)
        ec.conn.versions[i] = o->quic_versions[i];
    if (o->n_quic_versions)
        ec.conn.version = o->quic_versions[0]; /* preferred (RFC 9368 §2.3) */
    sv->qlog_dir = app_trace_dir(o->qlog_dir);
    if (o->verbose) {
        ec.conn.log = log_quic;
        ec.conn.log_ud = "server";
    }
    if (o->verbose || sv->qlog_dir) {
        ec.conn.trace = server_trace;
        ec.conn.trace_ud = sv;
    }
    sv->ep = quic_endpoint_new(&ec);
    if (!sv->ep || quic_ep_heap_init(&sv->pp_timers, NULL, ec.max_conns) != 0) {
        snprintf(err, errlen, "cannot set up the QUIC endpoint");
        return -1;
    }
    return 0;
}

void app_server_close(app_server *sv)
{
    for (size_t i = 0; i < sv->n_sessions; i++) {
        session_close(sv->sessions[i]);
        free(sv->sessions[i]);
    }
    app_trace_close(&sv->pending_trace);
    free(sv->sessions);
    free(sv->active);
    quic_ep_heap_free(&sv->pp_timers);
    quic_endpoint_free(sv->ep);
    app_pcap_writer_close(&sv->io.pcap);
    app_udp_close(&sv->io.udp);
    for (size_t k = 0; k < APP_IO_MORE; k++)
        app_udp_close(&sv->io.more[k]);
    app_tls_free(&sv->tls);
}

/* The session is worked in this step (once, however many reasons). */
static void server_mark(app_server *sv, app_session *s)
{
    if (!s->active) {
        s->active = true;
        sv->active[sv->n_active++] = s;
    }
}

/* A connection the endpoint handed over, by what it is to us. */
static void server_touch(app_server *sv, quic_conn *q, uint64_t now)
{
    app_session *s = quic_endpoint_conn_ud(sv->ep, q);
    if (s) {
        server_mark(sv, s);
        return;
    }
    /* Taken, but no session could be made for it (closing with
     * INTERNAL_ERROR): run it to its end, then remove it. */
    if (quic_conn_deadline(q) <= now)
        quic_conn_on_deadline(q, now);
    app_io_send_ep_conn(&sv->io, sv->ep, q, now);
    quic_close_info ci;
    quic_conn_close_info(q, &ci);
    if (ci.closed)
        quic_endpoint_remove(sv->ep, q);
}

/* RFC 9000 §9.3: the connection follows a client address only once the
 * path is validated; say so (the client's new address, or our preferred
 * address the client moved to, RFC 9000 §9.6). */
static void server_note_path(app_server *sv, app_session *s)
{
    const quic_path *now_on = quic_endpoint_conn_path(s->q);
    if (quic_path_equal(now_on, &s->seen))
        return;
    app_addr from, to, l;
    app_path_peer(&s->seen, &from);
    app_path_peer(now_on, &to);
    memset(&l, 0, sizeof l);
    memcpy(&l.ss, now_on->local, now_on->local_len);
    l.len = now_on->local_len;
    char a[80], b[80], c[80];
    app_addr_str(&from, a, sizeof a);
    app_addr_str(&to, b, sizeof b);
    app_addr_str(&l, c, sizeof c);
    bool pref = app_io_sock_of(&sv->io, now_on) != 0;
    if (pref && app_addr_equal(&from, &to))
        app_info("server: client %s moved to our preferred address %s (path validated)", a, c);
    else if (pref)
        app_info("server: client %s moved to %s on our preferred address %s (path validated)", a, b, c);
    else
        app_info("server: client %s moved to %s (path validated)", a, b);
    s->seen = *now_on;
}

/* Frees a session and its connection; the last session takes its place. */
static void server_remove(app_server *sv, app_session *s)
{
    size_t i = s->index, last = --sv->n_sessions;
    quic_conn *q = s->q;
    quic_ep_heap_set(&sv->pp_timers, i, QUIC_NEVER);
    session_close(s); /* the binding first: it refers to the connection */
    quic_endpoint_remove(sv->ep, q);
    free(s);
    if (i != last) {
        app_session *m = sv->sessions[last];
        quic_ep_heap_set(&sv->pp_timers, last, QUIC_NEVER);
        m->index = i;
        sv->sessions[i] = m;
        quic_ep_heap_set(&sv->pp_timers, i, app_pp_deadline(&m->pp));
    }
}

static void server_accept(app_server *sv, uint64_t now)
{
    quic_conn *q;
    while ((q = quic_endpoint_accept(sv->ep))) {
        if (sv->n_sessions == sv->cap_sessions) {
            size_t ncap = sv->cap_sessions ? sv->cap_sessions * 2 : 8;
            app_session **n = realloc(sv->sessions, ncap * sizeof *n);
            app_session **a = n ? realloc(sv->active, ncap * sizeof *a) : NULL;
            if (n)
                sv->sessions = n;
            if (!a) {
                quic_conn_close(q, false, QUIC_INTERNAL_ERROR, "out of memory");
                server_touch(sv, q, now);
                continue;
            }
            sv->active = a;
            sv->cap_sessions = ncap;
        }
        app_session *s = malloc(sizeof *s);
        quic_config qc;
        quic_config_init(&qc, true, &sv->tls.cfg);
        if (!s || session_open(s, q, true, &qc, NULL, 0, sv->final, 8, sv->no_datagrams,
                               sv->drop_every, NULL, 0) != 0) {
            free(s);
            quic_conn_close(q, false, QUIC_INTERNAL_ERROR, "out of memory");
            server_touch(sv, q, now); /* and again when due, until it is over */
            continue;
        }
        app_pp_set_timeout(&s->pp, sv->timeout_us);
        /* Only a one-shot server exits when a ping-pong ends. */
        s->pp.stays = !sv->one_shot;
        s->index = sv->n_sessions;
        sv->sessions[sv->n_sessions] = s;
        quic_endpoint_set_conn_ud(sv->ep, q, s);
        s->seen = *quic_endpoint_conn_path(q);
        server_mark(sv, s);
        if (sv->pending_conn == q) {
            s->trace = sv->pending_trace; /* the file of its first packets */
            memset(&sv->pending_trace, 0, sizeof sv->pending_trace);
            sv->pending_conn = NULL;
        } else {
            char err[300];
            if (app_trace_open(&s->trace, "server", sv->verbose, sv->qlog_dir, err, sizeof err))
                app_warn("server: %s", err);
            app_trace_set_path(&s->trace, quic_endpoint_conn_path(q));
            s->trace.log_secrets = sv->tls.keylog != NULL;
        }
        sv->n_sessions++;
        char who[80];
        app_addr peer;
        app_path_peer(quic_endpoint_conn_path(q), &peer);
        app_addr_str(&peer, who, sizeof who);
        app_debug("server: new connection from %s", who);
    }
}

/* A datagram went to q: its session (once it has one) is worked this step. */
static void server_routed(void *ud, quic_conn *q)
{
    app_server *sv = ud;
    app_session *s = quic_endpoint_conn_ud(sv->ep, q);
    if (s)
        server_mark(sv, s);
}

void app_server_step(app_server *sv, uint64_t now)
{
    app_io *io = &sv->io;
    /* Bounded work per wake-up: a flood gets APP_SERVER_BATCHES batches,
     * then timers and sends have their turn (app_io.h). */
    if (app_io_recv_endpoint(io, sv->ep, APP_SERVER_BATCHES, now, server_routed, sv))
        sv->drained_at = now;
    /* Half-open connections past their handshake deadline close quietly
     * and are removed below like any closed one; judged as of when the
     * sockets were last found empty, so a Finished still in a backlog after
     * a stall is heard before its connection is judged (quic/endpoint.h). */
    quic_endpoint_expire(sv->ep, sv->drained_at);
    server_accept(sv, now);
    app_io_send_stateless(io, sv->ep); /* Version Negotiation, Retry, resets */
    /* Only the sessions with something to do: a datagram came, a timer of
     * the connection or of the ping-pong is due (heaps: no walk of them all). */
    quic_conn *due[64];
    size_t k;
    for (int pass = 0; pass < 16 && (k = quic_endpoint_due(sv->ep, now, due, 64)); pass++)
        for (size_t j = 0; j < k; j++)
            server_touch(sv, due[j], now);
    size_t slot;
    while (quic_ep_heap_top(&sv->pp_timers, &slot) <= now) {
        quic_ep_heap_set(&sv->pp_timers, slot, QUIC_NEVER);
        server_mark(sv, sv->sessions[slot]);
    }
    for (size_t i = 0; i < sv->n_active; i++) {
        app_session *s = sv->active[i];
        s->active = false;
        session_step(s, now);
        /* The final value went out and the client has not closed within the
         * linger time (its CONNECTION_CLOSE may have been lost): close. */
        if (s->pp.sent_final && now >= s->pp.linger_until && !s->pp.closed_by_us) {
            s->pp.closed_by_us = true;
            h3q_close(s->h3, H3_NO_ERROR, "ping-pong done");
        }
        /* The client sent the final value (an odd count) and waits for us to
         * close, as our client closes when it receives the final value. */
        if (s->pp.state == APP_PP_DONE && !s->pp.sent_final && !s->pp.closed_by_us) {
            s->pp.closed_by_us = true;
            h3q_close(s->h3, H3_NO_ERROR, "ping-pong done");
        }
        server_note_path(sv, s);
        app_io_send_ep_conn(io, sv->ep, s->q, now);
        quic_close_info ci;
        quic_conn_close_info(s->q, &ci);
        /* A failed handshake is the operator's business (a client that
         * distrusts our certificate, a TLS alert, a transport error): INFO,
         * with who and why, as soon as the close begins, not after the
         * draining period (RFC 9000 §10.2.2). */
        if (quic_conn_is_established(s->q) && !s->was_established) {
            s->was_established = true;
            server_log_resumption(s->q);
        }
        if (!s->logged_close && !s->was_established &&
            (ci.closed || ci.by_peer || ci.code || ci.reason[0])) {
            char why[400], who[80];
            app_addr peer;
            app_path_peer(quic_endpoint_conn_path(s->q), &peer);
            describe_close(s->q, why, sizeof why);
            app_addr_str(&peer, who, sizeof who);
            app_info("server: handshake with %s failed: %s", who, why);
            s->logged_close = true;
        }
        if (ci.closed) {
            char why[400];
            describe_close(s->q, why, sizeof why);
            bool was_pingpong = s->pp.state == APP_PP_DONE;
            /* One that ends without a finished ping-pong is worth a line:
             * how it ended (who closed, the code) is what interop checks. */
            if (s->logged_close)
                ; /* said above: a failed handshake */
            else if (was_pingpong)
                app_debug("server: connection ended: %s", why);
            else
                app_info("server: connection ended without a finished ping-pong: %s", why);
            server_remove(sv, s);
            /* One-shot: the first connection decides, like quicgo-server: a
             * 400, a refusal or a failure ends the run with exit code 1. */
            if (sv->one_shot) {
                sv->finished = true;
                sv->exit_code = was_pingpong ? 0 : 1;
            }
            continue;
        }
        quic_ep_heap_set(&sv->pp_timers, s->index, app_pp_deadline(&s->pp));
    }
    sv->n_active = 0;
    app_io_flush(io);
}

/* SIGINT/SIGTERM: every connection closes with H3_NO_ERROR (RFC 9114 §5.2:
 * an orderly shutdown) and its CONNECTION_CLOSE goes out now, so the peers
 * learn it at once instead of after their idle timeout (RFC 9000 §10.2). */
void app_server_interrupt(app_server *sv, uint64_t now)
{
    for (size_t i = 0; i < sv->n_sessions; i++) {
        app_session *s = sv->sessions[i];
        app_addr peer;
        h3q_close(s->h3, H3_NO_ERROR, "interrupted");
        app_path_peer(quic_endpoint_conn_path(s->q), &peer);
        app_io_send_conn(&sv->io, s->q, &peer, now);
    }
    app_io_flush(&sv->io);
}

uint64_t app_server_deadline(const app_server *sv)
{
    uint64_t d = quic_endpoint_deadline(sv->ep), p = quic_ep_heap_top(&sv->pp_timers, NULL);
    return p < d ? p : d;
}

/* ---- client ---- */

/* https://HOST[:PORT]/path -> host, port, authority. */
static int parse_url(const char *url, char *host, size_t hostlen, char *port, size_t portlen,
                     char *err, size_t errlen)
{
    const char *p = url;
    if (!strncmp(p, "https://", 8))
        p += 8;
    else {
        snprintf(err, errlen, "URL must start with https:// (got '%s')", url);
        return -1;
    }
    const char *end = p + strcspn(p, "/");
    const char *hs = p, *he;
    const char *ps = NULL;
    if (*p == '[') {
        hs = p + 1;
        he = memchr(p, ']', (size_t)(end - p));
        if (!he) {
            snprintf(err, errlen, "bad IPv6 address in '%s'", url);
            return -1;
        }
        if (he + 1 < end && he[1] == ':')
            ps = he + 2;
    } else {
        he = memchr(p, ':', (size_t)(end - p));
        if (he)
            ps = he + 1;
        else
            he = end;
    }
    if (he == hs || (size_t)(he - hs) >= hostlen) {
        snprintf(err, errlen, "no host in '%s'", url);
        return -1;
    }
    memcpy(host, hs, (size_t)(he - hs));
    host[he - hs] = 0;
    if (ps) {
        if ((size_t)(end - ps) >= portlen || end == ps) {
            snprintf(err, errlen, "bad port in '%s'", url);
            return -1;
        }
        memcpy(port, ps, (size_t)(end - ps));
        port[end - ps] = 0;
    } else {
        snprintf(port, portlen, "443");
    }
    return 0;
}

int app_client_open(app_client *cl, const app_opts *o, const char *url, const app_tls *pinned,
                    uint64_t now, char *err, size_t errlen)
{
    memset(cl, 0, sizeof *cl);
    cl->verbose = o->verbose;
    char port[16], hostport[300];
    /* A URL or host that cannot be used is the caller's to fix: -2, as for
     * a server's --listen (exit 2, usage). */
    if (parse_url(url, cl->host, sizeof cl->host, port, sizeof port, err, errlen) != 0)
        return -2;
    snprintf(hostport, sizeof hostport, strchr(cl->host, ':') ? "[%s]:%s" : "%s:%s", cl->host, port);
    snprintf(cl->authority, sizeof cl->authority, "%s", hostport);
    if (app_addr_parse(hostport, &cl->server, err, errlen) != 0)
        return -2;
    int rc = pinned ? app_tls_client_pinned(&cl->tls, pinned, cl->host, err, errlen)
                    : app_tls_client(&cl->tls, cl->host, o->ca, o->insecure, err, errlen);
    if (rc != 0 || app_tls_keylog(&cl->tls, o->keylog, err, errlen) != 0)
        return -1;
    if (o->session) { /* RFC 8446 §2.2, RFC 9000 §8.1.3 */
        cl->use_resume = true;
        app_resume_load(&cl->resume, o->session);
        cl->tls.cfg.session = cl->resume.sess;
        cl->tls.cfg.session_len = cl->resume.sess_len;
        cl->tls.cfg.on_session = app_resume_on_session;
        cl->tls.cfg.session_ud = &cl->resume;
        cl->tls.cfg.early_data = o->early_data; /* RFC 8446 §4.2.10 */
        cl->early_data = o->early_data;
    }
    if (app_udp_open(&cl->io.udp, &cl->server, false, err, errlen) != 0 ||
        app_udp_connect(&cl->io.udp, &cl->server, err, errlen) != 0 ||
        app_io_pcap_open(&cl->io, o->pcap, err, errlen) != 0)
        return -1;
    quic_config qc;
    quic_config_init(&qc, false, &cl->tls.cfg);
    if (o->key_update_after)
        qc.key_update_after = o->key_update_after;
    qc.cc = o->cc;
    for (size_t i = 0; i < o->n_quic_versions; i++)
        qc.versions[i] = o->quic_versions[i];
    if (o->n_quic_versions)
        qc.version = o->quic_versions[0]; /* the first flight */
    if (o->verbose) {
        qc.log = log_quic;
        qc.log_ud = "client";
    }
    if (cl->use_resume) {
        qc.token = cl->resume.tok;
        qc.token_len = cl->resume.tok_len;
        qc.on_new_token = app_resume_on_token;
        qc.new_token_ud = &cl->resume;
    }
    const char *qlog_dir = app_trace_dir(o->qlog_dir);
    if (o->verbose || qlog_dir) {
        qc.trace = client_trace;
        qc.trace_ud = cl;
    }
    cl->core_local = cl->io.udp.local;
    quic_path path;
    app_path_make(&path, &cl->core_local, &cl->server);
    memset(&cl->s, 0, sizeof cl->s);
    if (app_trace_open(&cl->s.trace, "client", o->verbose, qlog_dir, err, errlen) != 0)
        return -1;
    app_trace_set_path(&cl->s.trace, &path);
    cl->s.trace.log_secrets = cl->tls.keylog != NULL;
    quic_conn *q = quic_conn_new_client(&qc, &path, now);
    if (!q) {
        snprintf(err, errlen, "cannot set up the QUIC connection");
        return -1;
    }
    if (session_open(&cl->s, q, false, &qc, cl->authority, (int)o->method, o->count, o->size,
                     o->no_datagrams, o->drop_every, o->early_data ? cl->resume.settings : NULL,
                     o->early_data ? cl->resume.settings_len : 0) != 0) {
        quic_conn_free(q);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    cl->started = now;
    /* --timeout: one knob for the handshake and for the give-up when the
     * peer stops answering (default 10 s). */
    cl->connect_timeout = (o->timeout_s ? o->timeout_s : 10) * 1000000ull;
    app_pp_set_timeout(&cl->s.pp, cl->connect_timeout);
    cl->migrate_after = o->migrate_after;
    cl->rebind_after = o->rebind_after;
    return 0;
}

size_t app_client_fds(const app_client *cl, int *fds)
{
    size_t n = 0;
    for (size_t k = 0; k <= APP_IO_MORE; k++) {
        const app_udp *u = app_io_sock((app_io *)&cl->io, k);
        if (u)
            fds[n++] = u->fd;
    }
    return n;
}

void app_client_close(app_client *cl)
{
    quic_conn *q = cl->s.q;
    if (cl->s.h3)
        session_close(&cl->s);
    quic_conn_free(q);
    app_udp_close(&cl->io.udp);
    for (size_t k = 0; k < APP_IO_MORE; k++)
        app_udp_close(&cl->io.more[k]);
    app_pcap_writer_close(&cl->io.pcap);
    app_tls_free(&cl->tls);
    if (cl->use_resume)
        app_resume_free(&cl->resume);
}

static void client_finish(app_client *cl, int code)
{
    if (cl->finished)
        return;
    cl->finished = true;
    cl->exit_code = code;
}

void app_client_step(app_client *cl, uint64_t now)
{
    app_io *io = &cl->io;
    quic_conn *q = cl->s.q;
    /* Our socket, and the one probing the server's preferred address or
     * left by a move; each is connected, so the kernel passes only its
     * server address's. Socket 0's address is the connection's idea of
     * ours: after a rebinding it is not the socket's (what a NAT hides). */
    app_io_recv_conn(io, q, &cl->core_local, now, NULL, NULL);
    app_client_follow_path(cl, now);
    session_step(&cl->s, now);
    /* ICMP port unreachable (RFC 1122 §3.2.2.1) on our connected socket:
     * nobody will ever answer, so waiting for the timeout helps no one. A
     * server that closed and exited is not that: its close tells more. */
    if (io->udp.refused && !cl->finished) {
        quic_close_info pci;
        quic_conn_close_info(q, &pci);
        if (!pci.by_peer) {
            char where[80];
            app_addr_str(&cl->server, where, sizeof where);
            app_error("client: nothing is listening on %s (ICMP port unreachable)", where);
            client_finish(cl, 1);
            return;
        }
    }

    /* RFC 9114 §7.2.4.2: the server's SETTINGS, for a later 0-RTT request */
    h3_conn *h = h3q_h3(cl->s.h3);
    if (cl->use_resume && !cl->settings_kept && h && h3_conn_peer_settings_received(h)) {
        uint8_t sb[512];
        qb_wr w;
        qb_wr_init(&w, sb, sizeof sb);
        cl->settings_kept = true;
        if (h3_settings_encode(&w, h3_conn_peer_settings(h)) == 0)
            app_resume_on_settings(&cl->resume, sb, w.off);
    }
    if (cl->use_resume && !cl->resume_logged && quic_conn_is_established(q)) {
        cl->resume_logged = true;
        app_info(quic_conn_resumed(q) ? "client: session resumed" : "client: full handshake");
        quic_early_state st = quic_conn_early_state(q, NULL);
        if (cl->early_data && st != QUIC_EARLY_NONE && st != QUIC_EARLY_OFFERED)
            app_info(st == QUIC_EARLY_ACCEPTED ? "client: 0-RTT accepted" : "client: 0-RTT rejected");
    }
    app_pp *pp = &cl->s.pp;
    /* A client that sent the final value (an odd count) waits for the server's
     * close, resending the value on its timer, as a server that sent it does
     * (app_pingpong.c): closing in this step would discard the queued
     * datagram, and the final value would never reach the server. */
    bool awaiting_peer = pp->state == APP_PP_DONE && pp->sent_final && now < pp->linger_until;
    if (!cl->closing && !awaiting_peer &&
        (pp->state == APP_PP_DONE || pp->state == APP_PP_FAILED)) {
        if (pp->resends)
            app_info("client: resent %llu datagrams after timeouts", (unsigned long long)pp->resends);
        h3q_close(cl->s.h3, H3_NO_ERROR, pp->state == APP_PP_DONE ? "bye!" : pp->error);
        cl->closing = true;
        cl->exit_code = pp->state == APP_PP_DONE ? 0 : 1;
    }
    if (!quic_conn_is_established(q) && !cl->closing && now - cl->started > cl->connect_timeout) {
        char where[80];
        app_addr_str(&cl->server, where, sizeof where);
        app_error("client: no QUIC handshake with %s within %llu s: is a server listening there?",
                  where, (unsigned long long)(cl->connect_timeout / 1000000));
        quic_conn_close(q, false, QUIC_NO_ERROR, "handshake timeout");
        cl->closing = true;
        cl->exit_code = 1;
    }
    app_client_maybe_migrate(cl, now);
    app_client_maybe_rebind(cl, now);
    app_client_maybe_prefer(cl);
    app_io_send_conn(io, q, &cl->server, now);
    app_client_follow_path(cl, now);
    app_io_flush(io);
    quic_close_info ci;
    quic_conn_close_info(q, &ci);
    if (cl->closing && !cl->close_deadline)
        cl->close_deadline = now + 50000; /* our CONNECTION_CLOSE is out: a moment for the peer */
    /* RFC 9000 §5.2.2: a server that refused us before any handshake left
     * nothing to drain for; say so now rather than after 3 PTO. */
    bool refused = ci.by_peer && !ci.app && ci.code == QUIC_CONNECTION_REFUSED &&
                   !quic_conn_is_established(q);
    /* The server closed cleanly after our final value: the ping-pong is done. */
    bool peer_done = !cl->closing && pp->state == APP_PP_DONE && ci.by_peer && ci.app &&
                     ci.code == H3_NO_ERROR;
    if (peer_done) {
        if (pp->resends)
            app_info("client: resent %llu datagrams after timeouts", (unsigned long long)pp->resends);
        client_finish(cl, 0);
        return;
    }
    if (ci.closed || refused || (cl->closing && now >= cl->close_deadline)) {
        if (!cl->closing || ci.by_peer) {
            char why[400];
            describe_close(q, why, sizeof why);
            if (!cl->closing)
                app_error("client: connection ended before the ping-pong finished: %s", why);
            if (!cl->closing)
                cl->exit_code = 1;
        }
        client_finish(cl, cl->exit_code);
    }
}

void app_client_interrupt(app_client *cl, uint64_t now)
{
    if (!cl->s.h3)
        return;
    h3q_close(cl->s.h3, H3_NO_ERROR, "interrupted");
    app_io_send_conn(&cl->io, cl->s.q, &cl->server, now);
    app_io_flush(&cl->io);
}

uint64_t app_client_deadline(const app_client *cl)
{
    uint64_t d = quic_conn_deadline(cl->s.q);
    uint64_t p = app_pp_deadline(&cl->s.pp);
    if (p < d)
        d = p;
    uint64_t c = cl->started + cl->connect_timeout;
    if (!quic_conn_is_established(cl->s.q) && c < d)
        d = c;
    if (cl->closing && cl->close_deadline && cl->close_deadline < d)
        d = cl->close_deadline;
    return d;
}
