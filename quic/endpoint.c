/* The QUIC server endpoint: routing, accepting, stateless answers (endpoint.h). */
#include "quic/endpoint.h"

#include "quic/conn_int.h"
#include "quic/packet.h"

#include <string.h>

#define STATELESS_SLOTS 16
#define STATELESS_MAX 256
#define ROUTES_PER_CONN (QUIC_CID_SLOTS + 2)

typedef struct ep_conn {
    quic_conn *c;
    quic_cid routes[ROUTES_PER_CONN]; /* CIDs in the table for this connection */
    size_t n_routes;
    bool taken; /* handed out by quic_endpoint_accept */
    /* The connection's CID set as of the last sync (next sequence number and
     * which slots were active): unchanged, a sync after every datagram is
     * two compares instead of a walk of routes x slots. */
    uint64_t synced_seq;
    uint32_t synced_mask;
    bool synced;
} ep_conn;

typedef struct stateless_pkt {
    uint8_t data[STATELESS_MAX];
    size_t len;
    quic_path to;
} stateless_pkt;

struct quic_endpoint {
    quic_endpoint_config cfg;
    const qb_alloc *alloc;
    ep_conn *conns; /* max_conns slots; c == NULL is free */
    size_t n_conns;
    quic_cid_table routes;
    quic_token_ctx tokens;
    stateless_pkt out[STATELESS_SLOTS];
    size_t out_head, out_count;
    quic_endpoint_stats stats;
    uint8_t scid_len;
};

void quic_endpoint_config_init(quic_endpoint_config *c, const tls_config *tls)
{
    memset(c, 0, sizeof *c);
    quic_config_init(&c->conn, true, tls);
    c->max_conns = 1024;
    c->max_handshakes = 256;
    c->retry_token_age_us = 10 * 1000000ull;
}

static int ep_random(quic_endpoint *ep, uint8_t *b, size_t n)
{
    cx_rand_fn fn = ep->cfg.conn.random ? ep->cfg.conn.random : cx_rand_default;
    return fn(ep->cfg.conn.random_ud, b, n);
}

quic_endpoint *quic_endpoint_new(const quic_endpoint_config *cfg)
{
    if (!cfg->conn.is_server || cfg->max_conns == 0)
        return NULL;
    quic_endpoint *ep = qb_calloc(cfg->conn.alloc, sizeof *ep);
    if (!ep)
        return NULL;
    ep->cfg = *cfg;
    ep->alloc = cfg->conn.alloc;
    ep->scid_len = cfg->conn.scid_len ? cfg->conn.scid_len : 8;
    ep->cfg.conn.scid_len = ep->scid_len;
    uint8_t key[16];
    bool zero = true;
    for (size_t i = 0; i < 32; i++)
        zero &= ep->cfg.conn.static_key[i] == 0;
    if ((zero && ep_random(ep, ep->cfg.conn.static_key, 32) != 0) || ep_random(ep, key, 16) != 0)
        goto fail;
    ep->conns = qb_calloc(ep->alloc, cfg->max_conns * sizeof *ep->conns);
    if (!ep->conns ||
        quic_cid_table_init(&ep->routes, cfg->max_conns * ROUTES_PER_CONN, key, ep->alloc) != 0)
        goto fail;
    if (quic_token_ctx_init(&ep->tokens, ep->alloc, ep->cfg.conn.static_key, cfg->conn.random,
                            cfg->conn.random_ud) != 0)
        goto fail;
    /* A token key lives at least as long as a token is good for, so a token
     * made just before a rotation validates for its whole age (token.h). */
    if (cfg->retry_token_age_us > ep->tokens.rotate_us)
        ep->tokens.rotate_us = cfg->retry_token_age_us;
    return ep;
fail:
    quic_endpoint_free(ep);
    return NULL;
}

void quic_endpoint_free(quic_endpoint *ep)
{
    if (!ep)
        return;
    if (ep->conns)
        for (size_t i = 0; i < ep->cfg.max_conns; i++)
            quic_conn_free(ep->conns[i].c);
    qb_free(ep->alloc, ep->conns);
    quic_cid_table_free(&ep->routes);
    quic_token_ctx_free(&ep->tokens);
    qb_free(ep->alloc, ep);
}

static ep_conn *slot_of(quic_endpoint *ep, const quic_conn *c)
{
    ep_conn *e = c ? c->endpoint_slot : NULL;
    if (e && e >= ep->conns && e < ep->conns + ep->cfg.max_conns && e->c == c)
        return e;
    return NULL;
}

static ep_conn *free_slot(quic_endpoint *ep)
{
    for (size_t i = 0; i < ep->cfg.max_conns; i++)
        if (!ep->conns[i].c)
            return &ep->conns[i];
    return NULL;
}

static bool add_route(quic_endpoint *ep, ep_conn *e, const quic_cid *cid)
{
    if (cid->len == 0 || e->n_routes == ROUTES_PER_CONN)
        return false;
    if (quic_cid_table_add(&ep->routes, cid, e) != 0)
        return false;
    e->routes[e->n_routes++] = *cid;
    return true;
}

void quic_endpoint_sync(quic_endpoint *ep, quic_conn *c)
{
    ep_conn *e = slot_of(ep, c);
    if (!e)
        return;
    const quic_local_cids *l = quic_conn_local_cids(c);
    uint32_t mask = 0;
    for (size_t i = 0; i < QUIC_CID_SLOTS; i++)
        mask |= (uint32_t)l->slot[i].active << i;
    if (e->synced && e->synced_seq == l->next_seq && e->synced_mask == mask)
        return;
    bool all = true;
    /* Drop routes of retired CIDs. The client's first DCID (routes[0]) stays
     * for the connection's life: a late copy of its first Initial must reach
     * this connection (which drops it), not make a second one. */
    for (size_t i = 0; i < e->n_routes;) {
        bool keep = i == 0 || quic_local_cids_has(l, &e->routes[i]);
        if (keep) {
            i++;
            continue;
        }
        quic_cid_table_remove(&ep->routes, &e->routes[i]);
        e->routes[i] = e->routes[--e->n_routes];
    }
    for (size_t i = 0; i < QUIC_CID_SLOTS; i++) {
        if (!l->slot[i].active)
            continue;
        bool have = false;
        for (size_t k = 0; k < e->n_routes; k++)
            have |= quic_cid_equal(&e->routes[k], &l->slot[i].cid);
        if (!have)
            all &= add_route(ep, e, &l->slot[i].cid);
    }
    /* A route that could not be added is tried again at the next sync. */
    e->synced = all;
    e->synced_seq = l->next_seq;
    e->synced_mask = mask;
}

void quic_endpoint_remove(quic_endpoint *ep, quic_conn *c)
{
    ep_conn *e = slot_of(ep, c);
    if (!e)
        return;
    for (size_t i = 0; i < e->n_routes; i++)
        quic_cid_table_remove(&ep->routes, &e->routes[i]);
    quic_conn_free(e->c);
    memset(e, 0, sizeof *e);
    ep->n_conns--;
}

static stateless_pkt *queue_out(quic_endpoint *ep, const quic_path *to)
{
    /* Bounded: under a flood, answers are dropped, never queued without end. */
    if (ep->out_count == STATELESS_SLOTS)
        return NULL;
    stateless_pkt *s = &ep->out[(ep->out_head + ep->out_count++) % STATELESS_SLOTS];
    s->len = 0;
    s->to = *to;
    return s;
}

size_t quic_endpoint_send_stateless(quic_endpoint *ep, uint8_t *buf, size_t cap, quic_path *to)
{
    while (ep->out_count) {
        stateless_pkt *s = &ep->out[ep->out_head];
        ep->out_head = (ep->out_head + 1) % STATELESS_SLOTS;
        ep->out_count--;
        if (s->len == 0 || s->len > cap)
            continue;
        memcpy(buf, s->data, s->len);
        *to = s->to;
        return s->len;
    }
    return 0;
}

static void send_vn(quic_endpoint *ep, const quic_pkt_hdr *h, const quic_path *path)
{
    static const uint32_t versions[] = {QUIC_VERSION_1};
    stateless_pkt *s = queue_out(ep, path);
    if (!s)
        return;
    uint8_t unused;
    ep_random(ep, &unused, 1);
    qb_wr w;
    qb_wr_init(&w, s->data, sizeof s->data);
    /* RFC 9000 §17.2.1: the client's SCID and DCID, swapped. */
    if (quic_pkt_vn_write(&w, unused, h->scid, h->scid_len, h->dcid, h->dcid_len, versions, 1) == 0) {
        s->len = w.off;
        ep->stats.version_negotiation++;
    }
}

static void send_retry(quic_endpoint *ep, const quic_pkt_hdr *h, const quic_path *path, uint64_t now)
{
    stateless_pkt *s = queue_out(ep, path);
    if (!s)
        return;
    uint8_t b[QUIC_CID_MAX_LEN], token[QUIC_TOKEN_MAX], unused;
    quic_cid scid, odcid;
    if (ep_random(ep, b, ep->scid_len) != 0 || ep_random(ep, &unused, 1) != 0)
        return;
    quic_cid_set(&scid, b, ep->scid_len);
    quic_cid_set(&odcid, h->dcid, h->dcid_len);
    int tl = quic_token_make(&ep->tokens, path->remote, path->remote_len, &odcid, &scid, now, token);
    if (tl <= 0)
        return;
    qb_wr w;
    qb_wr_init(&w, s->data, sizeof s->data);
    if (quic_pkt_retry_write(&w, h->version, unused, h->scid, h->scid_len, scid.b, scid.len, token,
                             (size_t)tl, h->dcid, h->dcid_len) == 0) {
        s->len = w.off;
        ep->stats.retry_sent++;
    }
}

static void send_reset(quic_endpoint *ep, const uint8_t *dcid, size_t len_in, const quic_path *path)
{
    /* RFC 9000 §10.3: looks like a short header packet, smaller than what
     * came in (no amplification, no reset loops), at least 21 bytes. */
    if (len_in <= 21)
        return;
    size_t len = len_in - 1 < 43 ? len_in - 1 : 43;
    stateless_pkt *s = queue_out(ep, path);
    if (!s)
        return;
    quic_cid cid;
    quic_cid_set(&cid, dcid, ep->scid_len);
    if (ep_random(ep, s->data, len - QUIC_RESET_TOKEN_LEN) != 0 ||
        quic_reset_token(ep->cfg.conn.static_key, &cid, s->data + len - QUIC_RESET_TOKEN_LEN) != 0)
        return;
    s->data[0] = (uint8_t)((s->data[0] & 0x3f) | 0x40); /* short header, fixed bit */
    s->len = len;
    ep->stats.stateless_resets++;
}

static size_t handshakes(const quic_endpoint *ep)
{
    size_t n = 0;
    for (size_t i = 0; i < ep->cfg.max_conns; i++)
        n += ep->conns[i].c && !ep->conns[i].c->handshake_complete;
    return n;
}

static quic_conn *accept_initial(quic_endpoint *ep, const quic_pkt_hdr *h, const quic_path *path,
                                 uint8_t *dgram, size_t len, uint64_t now)
{
    /* RFC 9000 §14.1: Initials come in datagrams of 1200 bytes or more;
     * RFC 9000 §7.2: the client's first DCID has at least 8 bytes. */
    if (len < QUIC_MIN_INITIAL || h->dcid_len < 8) {
        ep->stats.dropped_short_initial++;
        return NULL;
    }
    if (ep->n_conns >= ep->cfg.max_conns || handshakes(ep) >= ep->cfg.max_handshakes) {
        ep->stats.refused_full++;
        return NULL;
    }
    quic_cid client_scid, odcid, retry_scid, dcid;
    quic_cid_set(&client_scid, h->scid, h->scid_len);
    quic_cid_set(&dcid, h->dcid, h->dcid_len);
    odcid = dcid;
    bool retried = false;
    if (ep->cfg.retry) {
        /* RFC 9000 §8.1.3: a token that is not one of our Retry tokens
         * (which begin with 'q', quic/token.h), say a NEW_TOKEN token from
         * another server, leaves the client unvalidated: Retry, as for none.
         * Dropping it would fail the connection, as the client keeps it. */
        if (h->token_len == 0 || h->token[0] != 'q') {
            send_retry(ep, h, path, now);
            return NULL;
        }
        if (quic_token_check(&ep->tokens, h->token, h->token_len, path->remote, path->remote_len,
                             now, ep->cfg.retry_token_age_us, &odcid, &retry_scid) != 0 ||
            !quic_cid_equal(&retry_scid, &dcid)) {
            ep->stats.retry_bad_token++;
            return NULL;
        }
        retried = true;
    }
    quic_conn *c = quic_conn_new_server(&ep->cfg.conn, path, &client_scid, &odcid,
                                        retried ? &retry_scid : NULL, now);
    if (!c)
        return NULL;
    ep_conn *e = free_slot(ep);
    e->c = c;
    c->endpoint_slot = e;
    ep->n_conns++;
    ep->stats.accepted++;
    add_route(ep, e, &dcid); /* the client keeps using it until it hears from us */
    quic_endpoint_sync(ep, c);
    quic_conn_recv(c, path, dgram, len, now);
    quic_endpoint_sync(ep, c);
    return c;
}

quic_conn *quic_endpoint_recv(quic_endpoint *ep, const quic_path *path, uint8_t *dgram,
                              size_t len, uint64_t now)
{
    quic_pkt_hdr h;
    int rc = quic_pkt_hdr_parse(dgram, len, ep->scid_len, &h);
    if (rc == QUIC_PKT_ERR_VERSION) {
        /* RFC 9000 §6.1, §5.2.2: answer an unknown version only when the
         * datagram is as large as a client's first one. */
        if (len >= QUIC_MIN_INITIAL)
            send_vn(ep, &h, path);
        return NULL;
    }
    if (rc != 0) {
        ep->stats.dropped_unknown++; /* malformed: nothing to answer */
        return NULL;
    }
    ep_conn *e = quic_cid_table_find(&ep->routes, h.dcid, h.dcid_len);
    if (e) {
        quic_conn_recv(e->c, path, dgram, len, now);
        quic_endpoint_sync(ep, e->c);
        return e->c;
    }
    if (h.type == QUIC_PKT_INITIAL)
        return accept_initial(ep, &h, path, dgram, len, now);
    if (h.type == QUIC_PKT_1RTT && h.dcid_len == ep->scid_len)
        send_reset(ep, h.dcid, len, path);
    ep->stats.dropped_unknown++;
    return NULL;
}

quic_conn *quic_endpoint_accept(quic_endpoint *ep)
{
    for (size_t i = 0; i < ep->cfg.max_conns; i++) {
        ep_conn *e = &ep->conns[i];
        if (e->c && !e->taken) {
            e->taken = true;
            return e->c;
        }
    }
    return NULL;
}

quic_conn *quic_endpoint_next(quic_endpoint *ep, quic_conn *prev)
{
    size_t i = 0;
    if (prev) {
        ep_conn *e = slot_of(ep, prev);
        if (!e)
            return NULL;
        i = (size_t)(e - ep->conns) + 1;
    }
    for (; i < ep->cfg.max_conns; i++)
        if (ep->conns[i].c)
            return ep->conns[i].c;
    return NULL;
}

const quic_path *quic_endpoint_conn_path(const quic_conn *c) { return &c->path; }

uint64_t quic_endpoint_deadline(const quic_endpoint *ep)
{
    uint64_t d = QUIC_NEVER;
    for (size_t i = 0; i < ep->cfg.max_conns; i++) {
        if (!ep->conns[i].c)
            continue;
        uint64_t x = quic_conn_deadline(ep->conns[i].c);
        if (x < d)
            d = x;
    }
    return d;
}

size_t quic_endpoint_count(const quic_endpoint *ep) { return ep->n_conns; }

void quic_endpoint_stats_get(const quic_endpoint *ep, quic_endpoint_stats *s) { *s = ep->stats; }
