/* QUIC connection: 0-RTT (RFC 9001 §4.6, RFC 9000 §7.4.1). A client seals
 * 0-RTT packets with the client_early_traffic_secret, within the server's
 * transport parameters remembered with the session, until the 1-RTT keys
 * come; refused, what they carried is lost and goes again in 1-RTT. A server
 * opens them only once TLS accepted early data and the ticket's remembered
 * parameters and application state are not above its own; its 0-RTT keys go
 * a while after the first 1-RTT packet (RFC 9001 §4.9.3). */
#include "quic/conn_int.h"

#include "crypto/cx_wipe.h"

#include <string.h>

#define EARLY_TICKET_VERSION 1
#define EARLY_APP_STATE_MAX 1024 /* application state a ticket carries */

/* What 0-RTT needs beyond conn_int.h's state, for the connections that use it. */
struct quic_conn_early {
    quic_pkt_keys keys;  /* client: 0-RTT seal; server: 0-RTT open */
    bool limits;         /* client: peer_tp holds the remembered limits */
    const char *reason;  /* why refused (static) */
    uint64_t rx_until;   /* server: 0-RTT keys go after this (0: not set) */
    uint64_t pkts;       /* 0-RTT packets sent / opened */
};

static struct quic_conn_early *ex(quic_conn *c)
{
    if (!c->early_x)
        c->early_x = qb_calloc(c->alloc, sizeof *c->early_x);
    return c->early_x;
}

static cx_aead_id suite_aead(uint16_t suite)
{
    switch (suite) {
    case TLS_AES_256_GCM_SHA384: return CX_AES_256_GCM;
    case TLS_CHACHA20_POLY1305_SHA256: return CX_CHACHA20_POLY1305;
    default: return CX_AES_128_GCM;
    }
}

/* The parameters a client must remember for 0-RTT and a server must not
 * lower when it accepts (RFC 9000 §7.4.1; RFC 9221 §3 for DATAGRAM). */
typedef struct early_limits {
    uint64_t v[8];
} early_limits;

static void limits_of(const quic_tparams *tp, early_limits *l)
{
    l->v[0] = tp->active_connection_id_limit;
    l->v[1] = tp->initial_max_data;
    l->v[2] = tp->initial_max_stream_data_bidi_local;
    l->v[3] = tp->initial_max_stream_data_bidi_remote;
    l->v[4] = tp->initial_max_stream_data_uni;
    l->v[5] = tp->initial_max_streams_bidi;
    l->v[6] = tp->initial_max_streams_uni;
    l->v[7] = tp->has_max_datagram_frame_size ? tp->max_datagram_frame_size : 0;
}

static bool limits_lowered(const early_limits *was, const early_limits *now)
{
    for (size_t i = 0; i < 8; i++)
        if (now->v[i] < was->v[i])
            return true;
    return false;
}

/* ---- keys ---- */

static void remember_limits(quic_conn *c)
{
    tls_session_info info;
    quic_tparams tp;
    const tls_config *t = c->cfg.tls;
    if (!t->session || tls_session_parse(t->session, t->session_len, &info) != 0 ||
        quic_tparams_decode(info.peer_tp, info.peer_tp_len, true, &tp) != 0 || !ex(c))
        return;
    /* RFC 9000 §7.4.1: only the limits; the rest comes with the handshake. */
    c->peer_tp.active_connection_id_limit = tp.active_connection_id_limit;
    c->peer_tp.initial_max_data = tp.initial_max_data;
    c->peer_tp.initial_max_stream_data_bidi_local = tp.initial_max_stream_data_bidi_local;
    c->peer_tp.initial_max_stream_data_bidi_remote = tp.initial_max_stream_data_bidi_remote;
    c->peer_tp.initial_max_stream_data_uni = tp.initial_max_stream_data_uni;
    c->peer_tp.initial_max_streams_bidi = tp.initial_max_streams_bidi;
    c->peer_tp.initial_max_streams_uni = tp.initial_max_streams_uni;
    c->peer_tp.has_max_datagram_frame_size = tp.has_max_datagram_frame_size;
    c->peer_tp.max_datagram_frame_size = tp.max_datagram_frame_size;
    quic_flowctl_tx_init(&c->conn_tx, tp.initial_max_data);
    c->tx_max_streams_bidi = tp.initial_max_streams_bidi;
    c->tx_max_streams_uni = tp.initial_max_streams_uni;
    c->early_x->limits = true;
}

static void drop_keys(quic_conn *c)
{
    if (!c->early_keys)
        return;
    quic_pkt_keys_clear(&c->early_x->keys);
    c->early_keys = false;
    quic_trace t = {.type = QUIC_TRACE_KEYS_DISCARDED, .pkt_type = QUIC_PKT_0RTT,
                    .key_rx = c->is_server, .key_tx = !c->is_server};
    quic_conn_trace(c, &t);
}

quic_pkt_keys quic_conn_early_tx_keys(const quic_conn *c) { return c->early_x->keys; }

void quic_conn_early_count(quic_conn *c, quic_pkt_type type, uint64_t now)
{
    if (!c->early_x)
        return;
    if (type == QUIC_PKT_0RTT)
        c->early_x->pkts++;
    /* RFC 9001 §4.9.3: a server keeps 0-RTT keys a while after the first
     * 1-RTT packet, for reordered 0-RTT ones. */
    if (type == QUIC_PKT_1RTT && c->is_server && !c->early_x->rx_until)
        c->early_x->rx_until = now + 3 * quic_conn_pto(c);
    else if (c->is_server && c->early_x->rx_until && now > c->early_x->rx_until)
        drop_keys(c);
}

int quic_conn_early_install(quic_conn *c, const tls_event *ev)
{
    cx_quic_keys m;
    if (c->is_server != (ev->dir == TLS_DIR_READ))
        return 0;
    if (!c->is_server) {
        /* Without the remembered limits nothing may be sent early. */
        remember_limits(c);
        if (!c->early_x || !c->early_x->limits)
            return 0;
    }
    if (!ex(c))
        return QUIC_ERR_NOMEM;
    if (cx_quic_keys_derive(c->version, suite_aead(ev->suite), ev->secret, ev->secret_len, &m) != 0)
        return QUIC_ERR_TLS;
    drop_keys(c); /* a new ClientHello after Version Negotiation */
    /* RFC 9001 §4.6.1: the client seals 0-RTT packets, the server opens them. */
    int rc = quic_pkt_keys_init_for(&c->early_x->keys, c->alloc, &m,
                                    c->is_server ? CX_AEAD_OPEN : CX_AEAD_SEAL);
    cx_quic_keys_clear(&m);
    if (rc != 0)
        return QUIC_ERR_TLS;
    c->early_keys = true;
    c->early = c->is_server ? QUIC_EARLY_ACCEPTED : QUIC_EARLY_OFFERED;
    quic_trace t = {.type = QUIC_TRACE_KEYS_INSTALLED, .pkt_type = QUIC_PKT_0RTT,
                    .key_rx = c->is_server, .key_tx = !c->is_server,
                    .secret_rx = c->is_server ? ev->secret : NULL,
                    .secret_tx = c->is_server ? NULL : ev->secret, .secret_len = ev->secret_len};
    quic_conn_trace(c, &t);
    quic_conn_logf(c, "0-RTT keys installed (%s)", c->is_server ? "read" : "write");
    return 0;
}

void quic_conn_early_free(quic_conn *c)
{
    drop_keys(c);
    qb_free(c->alloc, c->early_x);
    c->early_x = NULL;
}

void quic_conn_early_on_1rtt(quic_conn *c)
{
    if (!c->is_server)
        drop_keys(c); /* RFC 9001 §4.9.3 */
}

quic_pkt_keys *quic_conn_early_rx_keys(quic_conn *c, uint64_t now, bool *keep)
{
    *keep = false;
    if (!c->is_server)
        return NULL;
    if (c->early_keys) {
        /* RFC 9001 §4.9.3: kept up to 3 PTO after the first 1-RTT packet, for
         * 0-RTT packets that were reordered. */
        if (c->early_x->rx_until && now > c->early_x->rx_until) {
            drop_keys(c);
            return NULL;
        }
        return &c->early_x->keys;
    }
    /* Before the ClientHello was judged (a 0-RTT packet ahead of its
     * Initial), a few are held; after, they are dropped. */
    *keep = !c->peer_tp_ok && c->state == QUIC_CS_HANDSHAKE;
    return NULL;
}

/* ---- server ---- */

/* Ticket app data: version(1) 8 varint limits, app_state<varint>. */
static int encode_state(qb_wr *w, const early_limits *l, const uint8_t *app, size_t n)
{
    if (qb_wr_u8(w, EARLY_TICKET_VERSION))
        return -1;
    for (size_t i = 0; i < 8; i++)
        if (qb_wr_varint(w, l->v[i]))
            return -1;
    return qb_wr_varint(w, n) || (n && qb_wr_bytes(w, app, n)) ? -1 : 0;
}

static int decode_state(const uint8_t *p, size_t n, early_limits *l, const uint8_t **app,
                        size_t *app_len)
{
    qb_rd r;
    uint8_t v;
    uint64_t al;
    qb_rd_init(&r, p, n);
    if (qb_rd_u8(&r, &v) || v != EARLY_TICKET_VERSION)
        return -1;
    for (size_t i = 0; i < 8; i++)
        if (qb_rd_varint(&r, &l->v[i]))
            return -1;
    if (qb_rd_varint(&r, &al) || al != qb_rd_left(&r))
        return -1;
    *app = p + (n - (size_t)al);
    *app_len = (size_t)al;
    return 0;
}

int quic_conn_early_server_check(quic_conn *c)
{
    uint8_t buf[8 * 8 + 16 + EARLY_APP_STATE_MAX];
    early_limits ours, was;
    qb_wr w;
    size_t an = c->cfg.early_app_state_len;
    limits_of(&c->local_tp, &ours);
    qb_wr_init(&w, buf, sizeof buf);
    /* What our tickets remember (RFC 9000 §7.4.1, RFC 9114 §7.2.4.2). */
    if (an <= EARLY_APP_STATE_MAX && encode_state(&w, &ours, c->cfg.early_app_state, an) == 0)
        tls_conn_set_ticket_app_data(c->tls, buf, w.off);
    if (tls_conn_early_data(c->tls) == TLS_EARLY_ACCEPTED) {
        const uint8_t *p, *app;
        size_t n, al;
        const char *why = NULL;
        tls_conn_ticket_app_data(c->tls, &p, &n);
        if (decode_state(p, n, &was, &app, &al) != 0)
            why = "ticket without transport parameters";
        else if (limits_lowered(&was, &ours))
            why = "transport parameters lowered"; /* RFC 9000 §7.4.1 */
        else if (al != an || (an && memcmp(app, c->cfg.early_app_state, an) != 0))
            why = "application settings changed"; /* RFC 9114 §7.2.4.2 */
        else if (c->version != c->orig_version)
            why = "QUIC version changed";
        if (why)
            tls_conn_reject_early_data(c->tls, why);
    }
    if (tls_conn_early_data(c->tls) == TLS_EARLY_REJECTED) {
        const char *why = tls_conn_early_reason(c->tls);
        c->early = QUIC_EARLY_REJECTED;
        if (ex(c))
            c->early_x->reason = why;
        quic_conn_logf(c, "0-RTT rejected (%s)", why ? why : "?");
    }
    return 0;
}

/* ---- client ---- */

/* RFC 9001 §4.6.2: refused 0-RTT is lost 0-RTT: its stream data goes again
 * in 1-RTT packets, its datagrams do not. */
void quic_conn_early_requeue(quic_conn *c)
{
    quic_recovery_result res;
    quic_recovery_forget_outstanding(&c->rec, QUIC_SPACE_APPLICATION, c->now, &res);
    if (res.n_discarded)
        quic_cc_on_discarded(&c->cc, res.discarded, res.n_discarded);
    for (size_t i = 0; i < res.n_discarded; i++) {
        c->stats.pkts_lost++;
        quic_conn_on_lost_items(c, res.discarded[i].handle);
        quic_sentlog_settle(&c->log, res.discarded[i].handle);
    }
}

static void early_refused(quic_conn *c)
{
    drop_keys(c);
    quic_conn_early_requeue(c);
}

/* The streams opened in 0-RTT get the credit the server now gives (RFC
 * 9000 §4.1: never less than they had when it accepted). */
static void restate_streams(quic_conn *c, bool accepted)
{
    const quic_tparams *tp = &c->peer_tp;
    for (int uni = 0; uni < 2; uni++) {
        uint64_t n = uni ? c->next_uni : c->next_bidi;
        uint64_t credit = uni ? tp->initial_max_stream_data_uni
                              : tp->initial_max_stream_data_bidi_remote;
        for (uint64_t i = 0; i < n; i++) {
            quic_stream *s = quic_streams_find(&c->streams, (i << 2) | (uni ? 2 : 0));
            if (s && (!accepted || credit > s->tx_max))
                s->tx_max = credit;
        }
    }
}

int quic_conn_early_client_answer(quic_conn *c, const quic_tparams *remembered, uint64_t sent)
{
    tls_early_state st = tls_conn_early_data(c->tls);
    bool limits = c->early_x && c->early_x->limits;
    if (limits) {
        /* The credit 0-RTT used stays used (RFC 9000 §7.4.1). */
        if (c->conn_tx.sent < sent)
            c->conn_tx.sent = sent;
        restate_streams(c, st == TLS_EARLY_ACCEPTED);
    }
    if (st == TLS_EARLY_NONE || st == TLS_EARLY_OFFERED)
        return 0;
    const quic_tparams *tp = &c->peer_tp;
    if (st == TLS_EARLY_ACCEPTED) {
        early_limits was, now;
        limits_of(remembered, &was);
        limits_of(tp, &now);
        c->early = QUIC_EARLY_ACCEPTED;
        /* RFC 9000 §7.4.1: accepting 0-RTT and lowering a limit it used is a
         * protocol violation. */
        if (limits && limits_lowered(&was, &now))
            return quic_conn_fail(c, QUIC_PROTOCOL_VIOLATION, QUIC_FT_CRYPTO,
                                  "0-RTT accepted with lower transport parameters");
    } else {
        c->early = QUIC_EARLY_REJECTED;
        if (ex(c))
            c->early_x->reason = tls_conn_early_reason(c->tls);
        early_refused(c);
    }
    if (c->early_x)
        c->early_x->limits = false;
    quic_conn_logf(c, "0-RTT %s", c->early == QUIC_EARLY_ACCEPTED ? "accepted" : "rejected");
    return 0;
}

/* ---- API (quic.h) ---- */

quic_early_state quic_conn_early_state(const quic_conn *c, const char **reason)
{
    if (reason)
        *reason = c->early == QUIC_EARLY_REJECTED && c->early_x ? c->early_x->reason : NULL;
    return (quic_early_state)c->early;
}

bool quic_conn_early_sendable(const quic_conn *c)
{
    return quic_conn_early_sending(c) && c->state == QUIC_CS_HANDSHAKE;
}

bool quic_conn_half_rtt_sendable(const quic_conn *c) { return quic_conn_half_rtt(c); }

uint64_t quic_conn_early_packets(const quic_conn *c) { return c->early_x ? c->early_x->pkts : 0; }
