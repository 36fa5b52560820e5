#include "common/pair.h"
#include "common/tu.h"

#include "crypto/cx_certgen.h"
#include "crypto/cx_x509.h"
#include "quic/packet.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static int fixed_random(void *ud, uint8_t *out, size_t n)
{
    uint32_t *s = ud;
    for (size_t i = 0; i < n; i++) {
        *s = *s * 1103515245u + 12345u;
        out[i] = (uint8_t)(*s >> 16);
    }
    return 0;
}

static uint32_t rng_c = 1, rng_s = 2;

void pair_init(pair *p)
{
    memset(p, 0, sizeof *p);
    size_t cl, kl;
    cx_certgen_opts o = {.key_type = CX_KEY_EC_P256, .host = "localhost", .now = time(NULL),
                         .not_before_offset = -3600};
    assert_int_equal(cx_certgen(&o, NULL, &p->cert_pem, &cl, &p->key_pem, &kl), 0);
    cx_x509_chain *chain;
    cx_x509_trust *trust;
    assert_int_equal(cx_x509_chain_from_pem(p->cert_pem, cl, p->key_pem, kl, NULL, &chain), 0);
    assert_int_equal(cx_x509_trust_from_pem(p->cert_pem, cl, &trust), 0);
    p->chain = chain;
    p->trust = trust;
    tls_config_init(&p->ctls, TLS_ROLE_CLIENT);
    tls_config_init(&p->stls, TLS_ROLE_SERVER);
    p->ctls.alpn[0] = p->stls.alpn[0] = "h3";
    p->ctls.alpn_count = p->stls.alpn_count = 1;
    p->ctls.server_name = "localhost";
    p->ctls.trust = trust;
    p->stls.chain = chain;
    rng_c = 1;
    rng_s = 2;
    p->ctls.random = fixed_random;
    p->ctls.random_ud = &rng_c;
    p->stls.random = fixed_random;
    p->stls.random_ud = &rng_s;
    quic_config_init(&p->ccfg, false, &p->ctls);
    quic_config_init(&p->scfg, true, &p->stls);
    p->ccfg.random = fixed_random;
    p->ccfg.random_ud = &rng_c;
    p->scfg.random = fixed_random;
    p->scfg.random_ud = &rng_s;
    memset(p->scfg.static_key, 7, 32);
    p->cpath.local_len = p->cpath.remote_len = 4;
    memcpy(p->cpath.local, "cli", 4);
    memcpy(p->cpath.remote, "srv", 4);
    p->spath.local_len = p->spath.remote_len = 4;
    memcpy(p->spath.local, "srv", 4);
    memcpy(p->spath.remote, "cli", 4);
    p->now = 1000000;
    p->link.seed = 42;
}

void pair_start(pair *p)
{
    p->client = quic_conn_new_client(&p->ccfg, &p->cpath, p->now);
    assert_non_null(p->client);
}

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

static void make_server(pair *p, const uint8_t *d, size_t n)
{
    /* What the endpoint does: take the client's CIDs from its Initial. */
    quic_pkt_hdr h;
    assert_int_equal(quic_pkt_hdr_parse(d, n, 8, &h), 0);
    assert_int_equal(h.type, QUIC_PKT_INITIAL);
    quic_cid scid, dcid;
    quic_cid_set(&scid, h.scid, h.scid_len);
    quic_cid_set(&dcid, h.dcid, h.dcid_len);
    p->server = quic_conn_new_server(&p->scfg, &p->spath, &scid, &dcid, NULL, p->now);
    assert_non_null(p->server);
}

/* Sends everything both sides have now. */
static void flush(pair *p)
{
    uint8_t buf[1500];
    for (int round = 0; round < 1000; round++) {
        size_t n1 = 0, n2 = 0;
        if (p->client && (n1 = quic_conn_send(p->client, buf, sizeof buf, p->now)))
            enqueue(p, buf, n1, true);
        if (p->server && (n2 = quic_conn_send(p->server, buf, sizeof buf, p->now)))
            enqueue(p, buf, n2, false);
        if (!n1 && !n2)
            return;
    }
}

bool pair_run(pair *p, bool (*pred)(pair *, void *), void *ud, uint64_t max_us)
{
    uint64_t end = p->now + max_us;
    for (;;) {
        flush(p);
        if (pred && pred(p, ud))
            return true;
        /* The next thing to happen: a delivery or a timer. */
        uint64_t next = UINT64_MAX;
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
        if (next == UINT64_MAX || next > end) {
            /* Nothing due before the end: the time passes all the same. */
            if (end > p->now)
                p->now = end;
            return pred ? pred(p, ud) : false;
        }
        if (next > p->now)
            p->now = next;
        /* Deliver what is due, in order. */
        size_t w = 0;
        for (size_t i = 0; i < p->n_inflight; i++) {
            pair_dgram g = p->inflight[i];
            if (g.at > p->now) {
                p->inflight[w++] = g;
                continue;
            }
            if (g.to_server) {
                if (!p->server)
                    make_server(p, g.data, g.len);
                quic_conn_recv(p->server, &p->spath, g.data, g.len, p->now);
            } else if (p->client) {
                quic_conn_recv(p->client, &p->cpath, g.data, g.len, p->now);
            }
        }
        p->n_inflight = w;
        if (p->client && quic_conn_deadline(p->client) <= p->now)
            quic_conn_on_deadline(p->client, p->now);
        if (p->server && quic_conn_deadline(p->server) <= p->now)
            quic_conn_on_deadline(p->server, p->now);
    }
}

void pair_events(quic_conn *c, void (*fn)(quic_conn *, const quic_event *, void *), void *ud)
{
    quic_event ev;
    while (c && quic_conn_next_event(c, &ev))
        if (fn)
            fn(c, &ev, ud);
}

void pair_free(pair *p)
{
    quic_conn_free(p->client);
    quic_conn_free(p->server);
    free(p->inflight);
    cx_x509_chain_free(p->chain);
    cx_x509_trust_free(p->trust);
    qb_free(NULL, p->cert_pem);
    qb_free(NULL, p->key_pem);
}
