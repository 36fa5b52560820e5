/* The QUIC server endpoint: routing, accepting, stateless answers (endpoint.h). */
#include "quic/endpoint.h"
#include "quic/version.h"

#include "quic/cid_table.h"
#include "quic/ep_addr.h"
#include "quic/token.h"

#include "quic/conn_endpoint.h"
#include "quic/ep_heap.h"
#include "quic/ep_initial.h"
#include "quic/packet.h"

#include <string.h>

_Static_assert(QUIC_EP_ADDRS_LEN_MAX >= QUIC_EP_ADDR_MAX, "ep_addr keeps every source address");

#define STATELESS_SLOTS 16
#define STATELESS_MAX 256
#define ROUTES_PER_CONN (QUIC_CID_SLOTS + 2)
#define MIN_INITIAL 1200 /* RFC 9000 §14.1 */
#define NONE UINT32_MAX

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
    /* Half-open: counted in n_half_open and under its source address. */
    bool half_open;
    uint64_t progress; /* quic_conn_endpoint_progress at the last extension */
    uint8_t src[QUIC_EP_ADDR_MAX];
    uint8_t src_len;
    /* Free slots and connections not taken yet, as lists of slot numbers. */
    uint32_t next, prev;
    void *ud; /* the application's */
} ep_conn;

typedef enum { OUT_BYTES, OUT_CLOSE } out_kind;

typedef struct stateless_pkt {
    out_kind kind;
    uint8_t data[STATELESS_MAX];
    size_t len;
    quic_path to;
    /* OUT_CLOSE: built when sent, from the client's CIDs. */
    uint32_t version;
    quic_cid dcid, scid;
    uint64_t code;
    const char *reason; /* a static string */
} stateless_pkt;

/* Counting allocator hook: every block carries its size in front. */
typedef struct ep_mem {
    qb_alloc hook;
    const qb_alloc *base;
    struct quic_endpoint *ep;
} ep_mem;

#define MEM_HDR 16

struct quic_endpoint {
    quic_endpoint_config cfg;
    const qb_alloc *base; /* what the caller gave */
    const qb_alloc *alloc; /* counting, over base */
    ep_mem mem, tls_mem;
    tls_config tls; /* the caller's, allocating through tls_mem */
    size_t mem_used, mem_peak;
    ep_conn *conns; /* conns_cap slots, grown up to max_conns; c == NULL is free */
    size_t conns_cap;
    size_t n_conns, n_half_open;
    uint32_t free_head;
    uint32_t untaken_head, untaken_tail;
    quic_ep_heap timers;     /* each connection's quic_conn_deadline */
    quic_ep_heap handshakes; /* handshake deadlines of the half-open ones */
    quic_ep_addrs addrs;
    quic_cid_table routes;
    quic_token_ctx tokens;
    quic_token_ctx new_tokens; /* NEW_TOKEN: keys of their own, living new_token_age_us */
    cx_initial *initial; /* scratch Initial keys for datagrams of no connection */
    stateless_pkt out[STATELESS_SLOTS];
    size_t out_head, out_count;
    quic_endpoint_stats stats;
    uint8_t scid_len;
    uint64_t now; /* as of the last call that gave the time */
    /* The time of the datagrams quic_endpoint_recv is reading now, and of
     * those before them: deadlines are judged at the latter (see there). */
    uint64_t recv_now, recv_before;
    bool app_judges; /* quic_endpoint_expire was called: recv judges no more */
};

/* ---- memory accounting ---- */

static void mem_add(quic_endpoint *ep, size_t n)
{
    ep->mem_used += n;
    if (ep->mem_used > ep->mem_peak)
        ep->mem_peak = ep->mem_used;
}

static void *mem_alloc(void *ud, size_t n)
{
    ep_mem *m = ud;
    if (n > SIZE_MAX - MEM_HDR)
        return NULL;
    uint8_t *p = qb_malloc(m->base, n + MEM_HDR);
    if (!p)
        return NULL;
    memcpy(p, &n, sizeof n);
    mem_add(m->ep, n);
    return p + MEM_HDR;
}

static void *mem_realloc(void *ud, void *q, size_t n)
{
    ep_mem *m = ud;
    if (!q)
        return mem_alloc(ud, n);
    if (n > SIZE_MAX - MEM_HDR)
        return NULL;
    uint8_t *p = (uint8_t *)q - MEM_HDR;
    size_t old;
    memcpy(&old, p, sizeof old);
    p = qb_realloc(m->base, p, n + MEM_HDR);
    if (!p)
        return NULL;
    memcpy(p, &n, sizeof n);
    m->ep->mem_used -= old;
    mem_add(m->ep, n);
    return p + MEM_HDR;
}

static void mem_free(void *ud, void *q)
{
    ep_mem *m = ud;
    if (!q)
        return;
    uint8_t *p = (uint8_t *)q - MEM_HDR;
    size_t old;
    memcpy(&old, p, sizeof old);
    m->ep->mem_used -= old;
    qb_free(m->base, p);
}

static void mem_init(ep_mem *m, quic_endpoint *ep, const qb_alloc *base)
{
    m->base = base;
    m->ep = ep;
    m->hook = (qb_alloc){mem_alloc, mem_realloc, mem_free, m};
}

static bool over_budget(const quic_endpoint *ep)
{
    return ep->cfg.max_memory && ep->mem_used >= ep->cfg.max_memory;
}

/* ---- set-up ---- */

void quic_endpoint_config_init(quic_endpoint_config *c, const tls_config *tls)
{
    memset(c, 0, sizeof *c);
    quic_config_init(&c->conn, true, tls);
    c->max_conns = 1024;
    c->max_handshakes = 256;
    c->retry_token_age_us = 10 * 1000000ull;
    c->new_token_age_us = 86400ull * 1000000;
    c->handshake_timeout_us = 10 * 1000000ull;
    c->max_half_open_per_addr = 16;
}

static int ep_random(quic_endpoint *ep, uint8_t *b, size_t n)
{
    cx_rand_fn fn = ep->cfg.conn.random ? ep->cfg.conn.random : cx_rand_default;
    return fn(ep->cfg.conn.random_ud, b, n);
}

quic_endpoint *quic_endpoint_new(const quic_endpoint_config *cfg)
{
    if (!cfg->conn.is_server || cfg->max_conns == 0 || cfg->max_conns >= NONE || !cfg->conn.tls)
        return NULL;
    quic_endpoint *ep = qb_calloc(cfg->conn.alloc, sizeof *ep);
    if (!ep)
        return NULL;
    ep->cfg = *cfg;
    ep->base = cfg->conn.alloc;
    mem_init(&ep->mem, ep, ep->base);
    ep->alloc = &ep->mem.hook;
    ep->cfg.conn.alloc = ep->alloc;
    ep->tls = *cfg->conn.tls;
    mem_init(&ep->tls_mem, ep, ep->tls.alloc);
    ep->tls.alloc = &ep->tls_mem.hook;
    ep->cfg.conn.tls = &ep->tls;
    if (!ep->cfg.max_handshakes || ep->cfg.max_handshakes > ep->cfg.max_conns)
        ep->cfg.max_handshakes = ep->cfg.max_conns;
    if (!ep->cfg.retry_threshold)
        ep->cfg.retry_threshold = ep->cfg.max_handshakes / 2 ? ep->cfg.max_handshakes / 2 : 1;
    if (!ep->cfg.max_half_open_per_addr)
        ep->cfg.max_half_open_per_addr = ep->cfg.max_handshakes;
    if (!ep->cfg.handshake_timeout_us)
        ep->cfg.handshake_timeout_us = 10 * 1000000ull;
    ep->scid_len = cfg->conn.scid_len ? cfg->conn.scid_len : 8;
    ep->cfg.conn.scid_len = ep->scid_len;
    ep->free_head = ep->untaken_head = ep->untaken_tail = NONE;
    uint8_t key[16], akey[16];
    bool zero = true;
    for (size_t i = 0; i < 32; i++)
        zero &= ep->cfg.conn.static_key[i] == 0;
    if ((zero && ep_random(ep, ep->cfg.conn.static_key, 32) != 0) || ep_random(ep, key, 16) != 0 ||
        ep_random(ep, akey, 16) != 0)
        goto fail;
    /* Connection slots, their heaps and the routes grow with the connections
     * (issue 10): an idle server holds kilobytes, not its connection limit. */
    /* Made once: a stranger's Initial re-keys it, allocating nothing. */
    if (cx_initial_new(&ep->initial, ep->alloc) != 0)
        goto fail;
    if (quic_cid_table_init(&ep->routes, cfg->max_conns * ROUTES_PER_CONN, key, ep->alloc) != 0 ||
        quic_ep_heap_init(&ep->timers, ep->alloc, 0) != 0 ||
        quic_ep_heap_init(&ep->handshakes, ep->alloc, 0) != 0 ||
        quic_ep_addrs_init(&ep->addrs, ep->alloc, ep->cfg.max_handshakes, akey) != 0)
        goto fail;
    if (quic_token_ctx_init(&ep->tokens, ep->alloc, ep->cfg.conn.static_key, cfg->conn.random,
                            cfg->conn.random_ud) != 0)
        goto fail;
    /* A token key lives at least as long as a token is good for, so a token
     * made just before a rotation validates for its whole age (token.h). */
    if (cfg->retry_token_age_us > ep->tokens.rotate_us)
        ep->tokens.rotate_us = cfg->retry_token_age_us;
    if (quic_token_ctx_init(&ep->new_tokens, ep->alloc, ep->cfg.conn.static_key, cfg->conn.random,
                            cfg->conn.random_ud) != 0)
        goto fail;
    if (cfg->new_token_age_us)
        ep->new_tokens.rotate_us = cfg->new_token_age_us;
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
        for (size_t i = 0; i < ep->conns_cap; i++)
            quic_conn_free(ep->conns[i].c);
    qb_free(ep->alloc, ep->conns);
    quic_cid_table_free(&ep->routes);
    quic_ep_heap_free(&ep->timers);
    quic_ep_heap_free(&ep->handshakes);
    quic_ep_addrs_free(&ep->addrs);
    quic_token_ctx_free(&ep->tokens);
    quic_token_ctx_free(&ep->new_tokens);
    cx_initial_free(ep->initial);
    qb_free(ep->base, ep);
}

/* ---- slots ---- */

static size_t slot_no(const quic_endpoint *ep, const ep_conn *e) { return (size_t)(e - ep->conns); }

#define SLOTS_MIN 16

/* A free slot, growing the slots (doubling, up to max_conns) and the two
 * heaps keyed by slot number when none is left. The slots move: each
 * connection and each of its routes is told where its record is now. */
static bool slots_ensure_free(quic_endpoint *ep)
{
    if (ep->free_head != NONE)
        return true;
    size_t ncap = ep->conns_cap ? ep->conns_cap * 2 : SLOTS_MIN;
    if (ncap > ep->cfg.max_conns)
        ncap = ep->cfg.max_conns;
    if (ncap <= ep->conns_cap)
        return false;
    if (quic_ep_heap_grow(&ep->timers, ncap) != 0 || quic_ep_heap_grow(&ep->handshakes, ncap) != 0)
        return false;
    ep_conn *n = qb_realloc(ep->alloc, ep->conns, ncap * sizeof *n);
    if (!n)
        return false;
    memset(n + ep->conns_cap, 0, (ncap - ep->conns_cap) * sizeof *n);
    ep->conns = n;
    /* The routes and each connection point at its record: they follow it. */
    for (size_t i = 0; i < ep->conns_cap; i++) {
        if (!n[i].c)
            continue;
        quic_conn_endpoint_set_slot(n[i].c, &n[i]);
        for (size_t k = 0; k < n[i].n_routes; k++)
            (void)quic_cid_table_update(&ep->routes, &n[i].routes[k], &n[i]);
    }
    for (size_t i = ncap; i-- > ep->conns_cap;) {
        n[i].next = ep->free_head;
        ep->free_head = (uint32_t)i;
    }
    ep->conns_cap = ncap;
    return true;
}

static ep_conn *slot_of(quic_endpoint *ep, const quic_conn *c)
{
    ep_conn *e = c ? quic_conn_endpoint_slot(c) : NULL;
    if (e && e >= ep->conns && e < ep->conns + ep->conns_cap && e->c == c)
        return e;
    return NULL;
}

static void untaken_unlink(quic_endpoint *ep, ep_conn *e)
{
    if (e->prev != NONE)
        ep->conns[e->prev].next = e->next;
    else
        ep->untaken_head = e->next;
    if (e->next != NONE)
        ep->conns[e->next].prev = e->prev;
    else
        ep->untaken_tail = e->prev;
    e->next = e->prev = NONE;
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

/* The connection is half-open no more: complete, closed or dropped. */
static void leave_half_open(quic_endpoint *ep, ep_conn *e)
{
    if (!e->half_open)
        return;
    e->half_open = false;
    ep->n_half_open--;
    quic_ep_addrs_dec(&ep->addrs, e->src, e->src_len);
    quic_ep_heap_set(&ep->handshakes, slot_no(ep, e), UINT64_MAX);
}

static size_t source_of(const quic_endpoint *ep, const quic_path *p, uint8_t *out);

/* RFC 9000 §8.1.3: a token for the client's next connection, bound to its
 * source address, once this one's handshake is complete. */
static void send_new_token(quic_endpoint *ep, quic_conn *c)
{
    uint8_t src[QUIC_EP_ADDR_MAX], tok[QUIC_TOKEN_MAX];
    if (!ep->cfg.new_token_age_us)
        return;
    size_t src_len = source_of(ep, quic_conn_endpoint_path(c), src);
    int n = quic_token_new_make(&ep->new_tokens, src, src_len, ep->now, tok);
    if (n > 0 && quic_conn_endpoint_new_token(c, tok, (size_t)n) == 0)
        ep->stats.new_token_sent++;
}

void quic_endpoint_sync(quic_endpoint *ep, quic_conn *c)
{
    ep_conn *e = slot_of(ep, c);
    if (!e)
        return;
    size_t slot = slot_no(ep, e);
    if (e->half_open) {
        if (!quic_conn_endpoint_half_open(c)) {
            leave_half_open(ep, e);
            if (quic_conn_endpoint_complete(c))
                send_new_token(ep, c);
        } else {
            /* RFC 9000 §8.1: only what the client proved (Handshake CRYPTO
             * data, under keys a stranger cannot have) buys it more time. */
            uint64_t p = quic_conn_endpoint_progress(c);
            if (p > e->progress) {
                e->progress = p;
                quic_ep_heap_set(&ep->handshakes, slot, ep->now + ep->cfg.handshake_timeout_us);
            }
        }
    }
    quic_ep_heap_set(&ep->timers, slot, quic_conn_deadline(c));
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
    size_t slot = slot_no(ep, e);
    leave_half_open(ep, e);
    quic_ep_heap_set(&ep->timers, slot, UINT64_MAX);
    if (!e->taken)
        untaken_unlink(ep, e);
    for (size_t i = 0; i < e->n_routes; i++)
        quic_cid_table_remove(&ep->routes, &e->routes[i]);
    quic_conn_free(e->c);
    memset(e, 0, sizeof *e);
    e->prev = NONE;
    e->next = ep->free_head;
    ep->free_head = (uint32_t)slot;
    ep->n_conns--;
    if (ep->n_conns == 0) {
        /* No connection left: the slots and their heaps go (issue 10). Both
         * heaps are empty: every slot's entries were removed with it. */
        qb_free(ep->alloc, ep->conns);
        ep->conns = NULL;
        ep->conns_cap = 0;
        ep->free_head = NONE;
        quic_ep_heap_free(&ep->timers);
        quic_ep_heap_free(&ep->handshakes);
        quic_ep_heap_init(&ep->timers, ep->alloc, 0);
        quic_ep_heap_init(&ep->handshakes, ep->alloc, 0);
    }
}

/* ---- stateless answers ---- */

static stateless_pkt *queue_out(quic_endpoint *ep, const quic_path *to)
{
    /* Bounded: under a flood, answers are dropped, never queued without end. */
    if (ep->out_count == STATELESS_SLOTS)
        return NULL;
    stateless_pkt *s = &ep->out[(ep->out_head + ep->out_count++) % STATELESS_SLOTS];
    s->kind = OUT_BYTES;
    s->len = 0;
    s->to = *to;
    return s;
}

static size_t build_close(quic_endpoint *ep, const stateless_pkt *s, uint8_t *buf, size_t cap)
{
    /* RFC 9000 §17.2.2: the server's Initial may carry any SCID; a fresh
     * random one says nothing about our CIDs. Padded to 1200 bytes like any
     * server Initial a client may insist on (§14.1); the client's Initial
     * was at least that large, so this stays within 3x (§8.1). */
    uint8_t scid[QUIC_CID_MAX_LEN];
    if (ep_random(ep, scid, ep->scid_len) != 0)
        return 0;
    return quic_ep_close_write(ep->initial, buf, cap, s->version, s->dcid.b, s->dcid.len, s->scid.b,
                               s->scid.len, scid, ep->scid_len, s->code, s->reason, MIN_INITIAL);
}

size_t quic_endpoint_send_stateless(quic_endpoint *ep, uint8_t *buf, size_t cap, quic_path *to)
{
    while (ep->out_count) {
        stateless_pkt *s = &ep->out[ep->out_head];
        ep->out_head = (ep->out_head + 1) % STATELESS_SLOTS;
        ep->out_count--;
        size_t len = 0;
        if (s->kind == OUT_CLOSE) {
            len = build_close(ep, s, buf, cap);
        } else if (s->len && s->len <= cap) {
            memcpy(buf, s->data, s->len);
            len = s->len;
        }
        if (!len)
            continue;
        *to = s->to;
        return len;
    }
    return 0;
}

static void send_vn(quic_endpoint *ep, const quic_pkt_hdr *h, const quic_path *path)
{
    /* RFC 9368 §2.1: the versions we accept (our Offered Versions). */
    uint32_t versions[QUIC_VERSIONS_MAX];
    size_t n = quic_versions_of(&ep->cfg.conn, versions);
    stateless_pkt *s = queue_out(ep, path);
    if (!s)
        return;
    uint8_t unused;
    ep_random(ep, &unused, 1);
    qb_wr w;
    qb_wr_init(&w, s->data, sizeof s->data);
    /* RFC 9000 §17.2.1: the client's SCID and DCID, swapped. */
    if (quic_pkt_vn_write(&w, unused, h->scid, h->scid_len, h->dcid, h->dcid_len, versions, n) == 0) {
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

/* CONNECTION_CLOSE in an Initial, without keeping state. */
static bool send_close(quic_endpoint *ep, const quic_pkt_hdr *h, const quic_path *path,
                       uint64_t code, const char *reason)
{
    stateless_pkt *s = queue_out(ep, path);
    if (!s)
        return false;
    s->kind = OUT_CLOSE;
    s->version = h->version;
    quic_cid_set(&s->dcid, h->dcid, h->dcid_len);
    quic_cid_set(&s->scid, h->scid, h->scid_len);
    s->code = code;
    s->reason = reason;
    return true;
}

/* RFC 9000 §5.2.2: a server that will not take a connection may answer
 * with CONNECTION_CLOSE and CONNECTION_REFUSED. */
static void send_refuse(quic_endpoint *ep, const quic_pkt_hdr *h, const quic_path *path,
                        const char *why)
{
    if (send_close(ep, h, path, QUIC_CONNECTION_REFUSED, why))
        ep->stats.refused_sent++;
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

/* ---- accepting ---- */

static size_t source_of(const quic_endpoint *ep, const quic_path *p, uint8_t *out)
{
    if (ep->cfg.source) {
        size_t n = ep->cfg.source(ep->cfg.source_ud, p, out);
        return n <= QUIC_EP_ADDR_MAX ? n : QUIC_EP_ADDR_MAX;
    }
    size_t n = p->remote_len <= QUIC_EP_ADDR_MAX ? p->remote_len : QUIC_EP_ADDR_MAX;
    memcpy(out, p->remote, n);
    return n;
}

/* The Retry token of a client Initial: 1 valid (odcid, retry_scid set), 0
 * none of ours, -1 ours but bad. RFC 9000 §8.1.3: a token that is not one of
 * our Retry tokens (which begin with 'q', quic/token.h), say a NEW_TOKEN token
 * from another server, leaves the client unvalidated, as none does. */
static int check_token(quic_endpoint *ep, const quic_pkt_hdr *h, const quic_path *path,
                       uint64_t now, quic_cid *odcid, quic_cid *retry_scid)
{
    if (h->token_len == 0)
        return 0;
    if (h->token[0] == 'n') {
        /* RFC 9000 §8.1.3: an expired or foreign NEW_TOKEN token counts as
         * none (a Retry if one is due), never as an error. */
        uint8_t src[QUIC_EP_ADDR_MAX];
        size_t src_len = source_of(ep, path, src);
        if (ep->cfg.new_token_age_us &&
            quic_token_new_check(&ep->new_tokens, h->token, h->token_len, src, src_len, now,
                                 ep->cfg.new_token_age_us) == 0) {
            ep->stats.new_token_accepted++;
            return 2;
        }
        ep->stats.new_token_refused++;
        return 0;
    }
    if (h->token[0] != 'q')
        return 0;
    quic_cid dcid;
    quic_cid_set(&dcid, h->dcid, h->dcid_len);
    if (quic_token_check(&ep->tokens, h->token, h->token_len, path->remote, path->remote_len, now,
                         ep->cfg.retry_token_age_us, odcid, retry_scid) != 0 ||
        !quic_cid_equal(retry_scid, &dcid))
        return -1;
    return 1;
}

static quic_conn *accept_initial(quic_endpoint *ep, const quic_pkt_hdr *h, const quic_path *path,
                                 uint8_t *dgram, size_t len, uint8_t ecn, uint64_t now)
{
    /* RFC 9000 §14.1: Initials come in datagrams of 1200 bytes or more;
     * RFC 9000 §7.2: the client's first DCID has at least 8 bytes. */
    if (len < MIN_INITIAL || h->dcid_len < 8) {
        ep->stats.dropped_short_initial++;
        return NULL;
    }
    /* RFC 9000 §21.1.1: nothing for a datagram that does not prove it is a
     * client starting a handshake; the keys come from its own DCID. */
    int verdict = quic_ep_initial_check(ep->initial, ep->alloc, h);
    if (verdict != QUIC_EP_HELLO) {
        if (verdict == QUIC_EP_NOT_HELLO)
            ep->stats.dropped_not_hello++;
        else
            ep->stats.dropped_undecryptable++;
        return NULL;
    }
    quic_cid odcid, retry_scid, client_scid;
    int tok = check_token(ep, h, path, now, &odcid, &retry_scid);
    bool busy = ep->n_half_open >= ep->cfg.retry_threshold;
    bool poor = over_budget(ep);
    bool need_retry = ep->cfg.retry || busy || poor;
    if (tok < 0 && need_retry) {
        /* RFC 9000 §8.1.3: the client will not take another Retry, so
         * rather than let it time out, close with INVALID_TOKEN. */
        ep->stats.retry_bad_token++;
        send_close(ep, h, path, QUIC_INVALID_TOKEN, "Retry token invalid or expired");
        return NULL;
    }
    bool validated = tok > 0;
    bool by_new_token = tok == 2;
    if (ep->n_conns >= ep->cfg.max_conns) {
        ep->stats.refused_full++;
        send_refuse(ep, h, path, "server full");
        return NULL;
    }
    if (!validated && need_retry) {
        /* Stateless: the client proves its address with the token first
         * (RFC 9000 §8.1.2). */
        send_retry(ep, h, path, now);
        return NULL;
    }
    uint8_t src[QUIC_EP_ADDR_MAX];
    size_t src_len = source_of(ep, path, src);
    if (ep->n_half_open >= ep->cfg.max_handshakes || poor ||
        quic_ep_addrs_count(&ep->addrs, src, src_len) >= ep->cfg.max_half_open_per_addr) {
        const char *why = "too many handshakes from this address";
        if (poor) {
            ep->stats.refused_memory++;
            why = "server over its memory budget";
        } else if (ep->n_half_open >= ep->cfg.max_handshakes) {
            ep->stats.refused_full++;
            why = "too many handshakes in progress";
        } else {
            ep->stats.refused_per_addr++;
        }
        send_refuse(ep, h, path, why);
        return NULL;
    }
    if (!validated || by_new_token)
        quic_cid_set(&odcid, h->dcid, h->dcid_len);
    quic_cid_set(&client_scid, h->scid, h->scid_len);
    if (quic_ep_addrs_inc(&ep->addrs, src, src_len) != 0) {
        ep->stats.refused_full++;
        send_refuse(ep, h, path, "too many handshakes in progress");
        return NULL;
    }
    if (!slots_ensure_free(ep)) {
        quic_ep_addrs_dec(&ep->addrs, src, src_len);
        return NULL; /* out of memory: as if the connection could not be made */
    }
    quic_conn *c = quic_conn_new_server(&ep->cfg.conn, path, &client_scid, &odcid,
                                        validated && !by_new_token ? &retry_scid : NULL, now);
    if (!c) {
        quic_ep_addrs_dec(&ep->addrs, src, src_len);
        return NULL;
    }
    if (by_new_token)
        quic_conn_endpoint_validated(c);
    uint32_t slot = ep->free_head;
    ep_conn *e = &ep->conns[slot];
    ep->free_head = e->next;
    e->c = c;
    quic_conn_endpoint_set_slot(c, e);
    e->half_open = true;
    memcpy(e->src, src, src_len);
    e->src_len = (uint8_t)src_len;
    ep->n_half_open++;
    quic_ep_heap_set(&ep->handshakes, slot, now + ep->cfg.handshake_timeout_us);
    /* Last in the queue of connections to hand out. */
    e->next = NONE;
    e->prev = ep->untaken_tail;
    if (ep->untaken_tail != NONE)
        ep->conns[ep->untaken_tail].next = slot;
    else
        ep->untaken_head = slot;
    ep->untaken_tail = slot;
    ep->n_conns++;
    ep->stats.accepted++;
    quic_cid dcid;
    quic_cid_set(&dcid, h->dcid, h->dcid_len);
    add_route(ep, e, &dcid); /* the client keeps using it until it hears from us */
    quic_endpoint_sync(ep, c);
    quic_conn_recv_ecn(c, path, dgram, len, ecn, now);
    quic_endpoint_sync(ep, c);
    return c;
}

static void expire_at(quic_endpoint *ep, uint64_t now);

void quic_endpoint_expire(quic_endpoint *ep, uint64_t now)
{
    /* The application judges from now on (endpoint.h): it knows when its
     * socket was last drained, quic_endpoint_recv does not. */
    ep->app_judges = true;
    expire_at(ep, now);
}

static void expire_at(quic_endpoint *ep, uint64_t now)
{
    if (now > ep->now)
        ep->now = now;
    size_t slot;
    while (quic_ep_heap_top(&ep->handshakes, &slot) <= now) {
        ep_conn *e = &ep->conns[slot];
        ep->stats.handshake_timeouts++;
        leave_half_open(ep, e);
        if (!e->taken) {
            quic_endpoint_remove(ep, e->c);
            continue;
        }
        /* RFC 9000 §10.1's silent close: a stranger that did not finish
         * gets no more packets from us. */
        quic_conn_endpoint_drop(e->c, "handshake timeout");
        /* Due now: the application's loop finds it closed and removes it. */
        quic_ep_heap_set(&ep->timers, slot, now);
    }
}

quic_conn *quic_endpoint_recv(quic_endpoint *ep, const quic_path *path, uint8_t *dgram,
                              size_t len, uint64_t now)
{
    return quic_endpoint_recv_ecn(ep, path, dgram, len, QUIC_ECN_NOT_ECT, now);
}

quic_conn *quic_endpoint_recv_ecn(quic_endpoint *ep, const quic_path *path, uint8_t *dgram,
                                  size_t len, uint8_t ecn, uint64_t now)
{
    /* Handshake deadlines are judged as of the previous datagrams' time,
     * not this one's: datagrams read with one clock reading (a batch; after
     * a stall, all that waited in the socket buffer) are all heard before
     * any connection is judged, so a client whose Finished sat there is not
     * dropped for a deadline it met. quic_endpoint_expire judges at the time
     * it is given, after the batch. */
    if (now > ep->recv_now) {
        ep->recv_before = ep->recv_now;
        ep->recv_now = now;
    }
    if (now > ep->now)
        ep->now = now; /* progress heard now extends from now */
    if (!ep->app_judges)
        expire_at(ep, ep->recv_before);
    quic_pkt_hdr h;
    int rc = quic_pkt_hdr_parse(dgram, len, ep->scid_len, &h);
    if (rc == QUIC_PKT_ERR_VERSION) {
        /* RFC 9000 §6.1, §5.2.2: answer an unknown version only when the
         * datagram is as large as a client's first one. */
        if (len >= MIN_INITIAL)
            send_vn(ep, &h, path);
        return NULL;
    }
    if (rc != 0) {
        ep->stats.dropped_unknown++; /* malformed: nothing to answer */
        return NULL;
    }
    ep_conn *e = quic_cid_table_find(&ep->routes, h.dcid, h.dcid_len);
    if (e) {
        quic_conn_recv_ecn(e->c, path, dgram, len, ecn, now);
        quic_endpoint_sync(ep, e->c);
        return e->c;
    }
    uint32_t ours[QUIC_VERSIONS_MAX];
    size_t n_ours = quic_versions_of(&ep->cfg.conn, ours);
    if (h.version != 0 && !quic_versions_has(ours, n_ours, h.version)) {
        /* RFC 9000 §6.1: a version the parser knows but this server is not
         * configured to accept (quic_config.versions) is answered as an
         * unknown one is. */
        if (len >= MIN_INITIAL)
            send_vn(ep, &h, path);
        return NULL;
    }
    if (h.type == QUIC_PKT_INITIAL)
        return accept_initial(ep, &h, path, dgram, len, ecn, now);
    if (h.type == QUIC_PKT_1RTT && h.dcid_len == ep->scid_len)
        send_reset(ep, h.dcid, len, path);
    ep->stats.dropped_unknown++;
    return NULL;
}

quic_conn *quic_endpoint_accept(quic_endpoint *ep)
{
    if (ep->untaken_head == NONE)
        return NULL;
    ep_conn *e = &ep->conns[ep->untaken_head];
    untaken_unlink(ep, e);
    e->taken = true;
    return e->c;
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
    for (; i < ep->conns_cap; i++)
        if (ep->conns[i].c)
            return ep->conns[i].c;
    return NULL;
}

const quic_path *quic_endpoint_conn_path(const quic_conn *c) { return quic_conn_endpoint_path(c); }

uint64_t quic_endpoint_deadline(const quic_endpoint *ep)
{
    uint64_t a = quic_ep_heap_top(&ep->timers, NULL), b = quic_ep_heap_top(&ep->handshakes, NULL);
    return a < b ? a : b;
}

size_t quic_endpoint_due(quic_endpoint *ep, uint64_t now, quic_conn **out, size_t max)
{
    size_t n = 0, slot;
    while (n < max && quic_ep_heap_top(&ep->timers, &slot) <= now) {
        quic_ep_heap_set(&ep->timers, slot, UINT64_MAX);
        out[n++] = ep->conns[slot].c;
    }
    return n;
}

void quic_endpoint_set_conn_ud(quic_endpoint *ep, quic_conn *c, void *ud)
{
    ep_conn *e = slot_of(ep, c);
    if (e)
        e->ud = ud;
}

void *quic_endpoint_conn_ud(quic_endpoint *ep, const quic_conn *c)
{
    ep_conn *e = slot_of(ep, c);
    return e ? e->ud : NULL;
}

size_t quic_endpoint_count(const quic_endpoint *ep) { return ep->n_conns; }

size_t quic_endpoint_half_open(const quic_endpoint *ep) { return ep->n_half_open; }

void quic_endpoint_stats_get(const quic_endpoint *ep, quic_endpoint_stats *s)
{
    *s = ep->stats;
    s->mem_used = ep->mem_used;
    s->mem_peak = ep->mem_peak;
}
