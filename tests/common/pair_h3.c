#include "common/pair_h3.h"
#include "common/tu.h"

#include "quic/packet.h"

#include <stdlib.h>
#include <string.h>

void pair_h3_sync_configs(pair_h3 *t)
{
    h3q_config_init(&t->ccfg, H3_ROLE_CLIENT, &t->p.ccfg);
    h3q_config_init(&t->scfg, H3_ROLE_SERVER, &t->p.scfg);
}

void pair_h3_init(pair_h3 *t)
{
    memset(t, 0, sizeof *t);
    pair_init(&t->p);
    t->p.link.delay_us = 1000;
    t->app_deadline = QUIC_NEVER;
    pair_h3_sync_configs(t);
}

void pair_h3_start(pair_h3 *t)
{
    pair_start(&t->p);
    assert_int_equal(h3q_new(t->p.client, &t->ccfg, &t->c), 0);
}

/* The same link model as pair.c: independent loss, fixed delay. */
static uint32_t link_rand(pair *p)
{
    p->link.seed = p->link.seed * 1664525u + 1013904223u;
    return p->link.seed >> 8;
}

static void enqueue(pair *p, const uint8_t *d, size_t n, bool to_server)
{
    if (p->link.loss_pct && link_rand(p) % 100 < p->link.loss_pct) {
        p->dropped++;
        return;
    }
    if (p->n_inflight == p->cap_inflight) {
        p->cap_inflight = p->cap_inflight ? p->cap_inflight * 2 : 64;
        p->inflight = realloc(p->inflight, p->cap_inflight * sizeof *p->inflight);
        assert_non_null(p->inflight);
    }
    pair_dgram *g = &p->inflight[p->n_inflight++];
    memcpy(g->data, d, n);
    g->len = n;
    g->at = p->now + p->link.delay_us;
    g->to_server = to_server;
    if (to_server) {
        p->dgrams_c2s++;
        p->bytes_c2s += n;
    } else {
        p->dgrams_s2c++;
        p->bytes_s2c += n;
    }
}

static void make_server(pair_h3 *t, const uint8_t *d, size_t n)
{
    pair *p = &t->p;
    quic_pkt_hdr h;
    assert_int_equal(quic_pkt_hdr_parse(d, n, 8, &h), 0);
    assert_int_equal(h.type, QUIC_PKT_INITIAL);
    quic_cid scid, dcid;
    quic_cid_set(&scid, h.scid, h.scid_len);
    quic_cid_set(&dcid, h.dcid, h.dcid_len);
    p->server = quic_conn_new_server(&p->scfg, &p->spath, &scid, &dcid, NULL, p->now);
    assert_non_null(p->server);
    assert_int_equal(h3q_new(p->server, &t->scfg, &t->s), 0);
}

/* Both bindings: timers when due, QUIC events into h3, h3 into QUIC. */
static void step(pair_h3 *t)
{
    int rc;
    if (t->c && (rc = h3q_step(t->c, t->p.now, NULL)) < 0 && !t->cerr)
        t->cerr = rc;
    if (t->s && (rc = h3q_step(t->s, t->p.now, NULL)) < 0 && !t->serr)
        t->serr = rc;
}

static void flush(pair *p)
{
    uint8_t buf[1500];
    for (int round = 0; round < 100000; round++) {
        size_t n1 = 0, n2 = 0;
        if (p->client && (n1 = quic_conn_send(p->client, buf, sizeof buf, p->now)))
            enqueue(p, buf, n1, true);
        if (p->server && (n2 = quic_conn_send(p->server, buf, sizeof buf, p->now)))
            enqueue(p, buf, n2, false);
        if (!n1 && !n2)
            return;
    }
    fail_msg("pair_h3: endless sending");
}

bool pair_h3_run(pair_h3 *t, bool (*pred)(pair_h3 *, void *), void *ud, uint64_t max_us)
{
    pair *p = &t->p;
    uint64_t end = p->now + max_us;
    for (;;) {
        step(t);
        bool done = pred && pred(t, ud);
        /* What pred did through h3q_* is in QUIC already; a second step takes what
         * it did on the h3_conn directly (h3q_h3). */
        step(t);
        flush(p);
        if (done)
            return true;
        uint64_t next = t->app_deadline;
        for (size_t i = 0; i < p->n_inflight; i++)
            if (p->inflight[i].at < next)
                next = p->inflight[i].at;
        if (p->client) {
            uint64_t d = quic_conn_deadline(p->client);
            if (d < next)
                next = d;
        }
        if (p->server) {
            uint64_t d = quic_conn_deadline(p->server);
            if (d < next)
                next = d;
        }
        if (next == QUIC_NEVER || next > end)
            return false;
        if (next > p->now)
            p->now = next;
        size_t w = 0;
        for (size_t i = 0; i < p->n_inflight; i++) {
            pair_dgram g = p->inflight[i];
            if (g.at > p->now) {
                p->inflight[w++] = g;
                continue;
            }
            if (g.to_server) {
                if (!p->server)
                    make_server(t, g.data, g.len);
                quic_conn_recv(p->server, &p->spath, g.data, g.len, p->now);
            } else if (p->client) {
                quic_conn_recv(p->client, &p->cpath, g.data, g.len, p->now);
            }
        }
        p->n_inflight = w; /* timers: the next step */
    }
}

void pair_h3_free(pair_h3 *t)
{
    h3q_free(t->c);
    h3q_free(t->s);
    pair_free(&t->p);
}
