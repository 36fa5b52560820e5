/* Nothing for strangers until they prove something (RFC 9000 §8, §21.1.1,
 * §5.2.2): what the server endpoint spends on datagrams with unknown DCIDs,
 * half-open connections and a full server, with clients of ours on several
 * addresses and a virtual clock. */
#include "common/ep_net.h"
#include "common/forge.h"
#include "common/tu.h"
#include "crypto/cx_certgen.h"
#include "crypto/cx_quic_keys.h"
#include "crypto/cx_x509.h"
#include "quic/frame.h"
#include "quic/packet.h"
#include "quic/protect.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- a few clients on addresses of their own ---- */

#define XMAX 48

typedef struct xnet {
    pair base; /* certificates and configs */
    quic_endpoint_config ecfg;
    quic_endpoint *ep;
    quic_conn *cl[XMAX];
    quic_path cpath[XMAX], spath[XMAX]; /* as each side sees it */
    size_t n;
} xnet;

/* A path's remote is {address, port}; the per-address limit looks at the
 * address byte only. */
static size_t addr_only(void *ud, const quic_path *p, uint8_t *out)
{
    (void)ud;
    out[0] = p->remote[0];
    return 1;
}

static void xnet_prepare(xnet *x)
{
    memset(x, 0, sizeof *x);
    pair_init(&x->base);
    x->base.ccfg.random = NULL; /* distinct CIDs for each client */
    quic_endpoint_config_init(&x->ecfg, &x->base.stls);
    x->ecfg.conn = x->base.scfg;
    x->ecfg.max_conns = 16;
    x->ecfg.max_handshakes = 16;
    x->ecfg.source = addr_only;
}

static void xnet_start(xnet *x)
{
    x->ep = quic_endpoint_new(&x->ecfg);
    assert_non_null(x->ep);
}

static void xnet_free(xnet *x)
{
    for (size_t i = 0; i < x->n; i++)
        quic_conn_free(x->cl[i]);
    quic_endpoint_free(x->ep);
    pair_free(&x->base);
}

/* A new client at address addr (its port: its number). */
static size_t xnet_client(xnet *x, uint8_t addr)
{
    assert_true(x->n < XMAX);
    size_t i = x->n++;
    quic_path *c = &x->cpath[i], *s = &x->spath[i];
    memset(c, 0, sizeof *c);
    memset(s, 0, sizeof *s);
    c->local_len = c->remote_len = s->local_len = s->remote_len = 2;
    c->local[0] = s->remote[0] = addr;
    c->local[1] = s->remote[1] = (uint8_t)i;
    c->remote[0] = s->local[0] = 's';
    x->cl[i] = quic_conn_new_client(&x->base.ccfg, c, x->base.now);
    assert_non_null(x->cl[i]);
    return i;
}

/* The client a server datagram to `to` is for (x->n: none). */
static size_t client_at(xnet *x, const quic_path *to)
{
    for (size_t i = 0; i < x->n; i++)
        if (to->remote_len == 2 && !memcmp(to->remote, x->spath[i].remote, 2))
            return i;
    return x->n;
}

/* Everything the endpoint has to send, to the clients it is for. */
static bool xnet_server_out(xnet *x)
{
    uint8_t buf[1500];
    quic_path to;
    size_t len;
    bool moved = false;
    quic_endpoint_accept(x->ep); /* as an application does: it takes them on */
    while ((len = quic_endpoint_send_stateless(x->ep, buf, sizeof buf, &to))) {
        size_t i = client_at(x, &to);
        if (i < x->n)
            quic_conn_recv(x->cl[i], &x->cpath[i], buf, len, x->base.now);
        moved = true;
    }
    for (quic_conn *s = quic_endpoint_next(x->ep, NULL); s; s = quic_endpoint_next(x->ep, s)) {
        size_t i = client_at(x, quic_endpoint_conn_path(s));
        while ((len = quic_conn_send(s, buf, sizeof buf, x->base.now))) {
            if (i < x->n)
                quic_conn_recv(x->cl[i], &x->cpath[i], buf, len, x->base.now);
            moved = true;
        }
        quic_endpoint_sync(x->ep, s);
    }
    return moved;
}

/* Datagrams of client i to the endpoint; with only_first, just its first
 * datagram (a ClientHello that is never continued), the rest thrown away. */
static bool xnet_client_out(xnet *x, size_t i, bool only_first)
{
    uint8_t buf[1500];
    size_t len;
    bool moved = false;
    while ((len = quic_conn_send(x->cl[i], buf, sizeof buf, x->base.now))) {
        quic_endpoint_recv(x->ep, &x->spath[i], buf, len, x->base.now);
        moved = true;
        if (only_first)
            break;
    }
    return moved;
}

/* Moves datagrams between the endpoint and the clients not in mute (a flag
 * per client) until nothing moves; no time passes. */
static void xnet_run(xnet *x, const bool *mute)
{
    for (int round = 0; round < 100; round++) {
        bool moved = false;
        for (size_t i = 0; i < x->n; i++)
            if (!mute || !mute[i])
                moved |= xnet_client_out(x, i, false);
        moved |= xnet_server_out(x);
        if (!moved)
            return;
    }
}

/* Lets time pass to t, firing every timer on the way. */
static void xnet_advance(xnet *x, const bool *mute, uint64_t t)
{
    while (x->base.now < t) {
        uint64_t d = quic_endpoint_deadline(x->ep);
        for (size_t i = 0; i < x->n; i++) {
            uint64_t e = quic_conn_deadline(x->cl[i]);
            if ((!mute || !mute[i]) && e < d)
                d = e;
        }
        x->base.now = d < t ? (d > x->base.now ? d : x->base.now + 1) : t;
        quic_endpoint_expire(x->ep, x->base.now);
        for (quic_conn *s = quic_endpoint_next(x->ep, NULL); s; s = quic_endpoint_next(x->ep, s)) {
            if (quic_conn_deadline(s) <= x->base.now)
                quic_conn_on_deadline(s, x->base.now);
            quic_endpoint_sync(x->ep, s);
        }
        for (size_t i = 0; i < x->n; i++)
            if ((!mute || !mute[i]) && quic_conn_deadline(x->cl[i]) <= x->base.now)
                quic_conn_on_deadline(x->cl[i], x->base.now);
        xnet_run(x, mute);
    }
}

/* ---- hand-made client Initials ---- */

/* A client Initial of 1200 bytes to dcid: payload frames (in clear) sealed
 * with the Initial keys of dcid when seal, else random bytes as the
 * "protected" payload. */
static size_t make_initial(uint8_t *out, const uint8_t dcid[8], const uint8_t *frames,
                           size_t frames_len, bool seal, uint32_t *seed)
{
    static const uint8_t scid[8] = {0x5c, 1, 2, 3, 4, 5, 6, 7};
    if (seal) { /* PADDING after the frames, to 1200 */
        cx_quic_keys ck, sk;
        forge_pkt fp = {.type = QUIC_PKT_INITIAL, .dcid = dcid, .dcid_len = 8, .scid = scid,
                        .scid_len = 8, .pn_len = 1, .raw = frames, .raw_len = frames_len,
                        .pad_to = 1200};
        assert_int_equal(cx_quic_initial_keys(CX_QUIC_V1, dcid, 8, &ck, &sk), 0);
        assert_int_equal(quic_pkt_keys_init(&fp.keys, NULL, &ck), 0);
        size_t pkt_len = forge_seal(&fp, out, 1200);
        quic_pkt_keys_clear(&fp.keys);
        assert_int_equal(pkt_len, 1200);
        return pkt_len;
    }
    qb_wr w;
    qb_wr_init(&w, out, 1200);
    quic_pkt_wr pw;
    quic_pkt_long_params lp = {.type = QUIC_PKT_INITIAL, .version = QUIC_VERSION_1,
                               .dcid = dcid, .dcid_len = 8, .scid = scid, .scid_len = 8,
                               .pn = 0, .pn_len = 1, .length_len = 2};
    assert_int_equal(quic_pkt_long_begin(&w, &lp, &pw), 0);
    size_t payload = 1200 - w.off - 16;
    uint8_t *p = out + w.off;
    for (size_t i = 0; i < payload + 16; i++) {
        *seed = *seed * 1103515245u + 12345u;
        p[i] = (uint8_t)(*seed >> 16);
    }
    w.off += payload;
    size_t pkt_len;
    assert_int_equal(quic_pkt_wr_finish(&w, &pw, 16, &pkt_len), 0);
    assert_int_equal(pkt_len, 1200);
    return pkt_len;
}

/* A CRYPTO frame at off holding a handshake message header (type, 3-byte
 * length) and some body bytes. */
static size_t crypto_frame(uint8_t *out, uint64_t off, uint8_t msg_type, uint32_t msg_len)
{
    uint8_t msg[64] = {msg_type, (uint8_t)(msg_len >> 16), (uint8_t)(msg_len >> 8), (uint8_t)msg_len,
                       3, 3};
    quic_frame f;
    memset(&f, 0, sizeof f);
    f.type = QUIC_FT_CRYPTO;
    f.crypto.offset = off;
    f.crypto.data = msg;
    f.crypto.len = sizeof msg;
    qb_wr w;
    qb_wr_init(&w, out, 128);
    assert_int_equal(quic_frame_encode(&w, &f), 0);
    return w.off;
}

/* RFC 9000 §21.1.1: datagrams of the right size with a fresh DCID and a
 * payload that does not decrypt make no connection, and the endpoint holds
 * not one byte more for them (counted through its allocator hook); what it
 * allocates for the moment to try the keys stays under 2 KiB. */
static void test_junk_initials_create_no_connection(void **state)
{
    (void)state;
    ep_net n;
    ep_net_init(&n, false);
    quic_endpoint_stats st;
    quic_endpoint_stats_get(n.ep, &st);
    size_t held = st.mem_used, peak = st.mem_peak;
    uint32_t seed = 99;
    for (int i = 0; i < 1000; i++) {
        uint8_t dg[1200], dcid[8];
        for (int k = 0; k < 8; k++)
            dcid[k] = (uint8_t)(i * 31 + k * 7 + 1);
        size_t len = make_initial(dg, dcid, NULL, 0, false, &seed);
        assert_null(quic_endpoint_recv(n.ep, &n.p.spath, dg, len, n.p.now));
    }
    assert_int_equal(quic_endpoint_count(n.ep), 0);
    quic_endpoint_stats_get(n.ep, &st);
    assert_int_equal(st.dropped_undecryptable, 1000);
    assert_int_equal(st.mem_used, held);
    assert_true(st.mem_peak - peak <= 2048);
    print_message("junk Initials: %zu bytes held per datagram, %zu at most for the moment\n",
                  (size_t)(st.mem_used - held) / 1000, (size_t)(st.mem_peak - peak));
    quic_path to;
    uint8_t out[1500];
    assert_int_equal(quic_endpoint_send_stateless(n.ep, out, sizeof out, &to), 0);
    /* a real client still gets in */
    ep_net_step(&n);
    assert_true(quic_conn_is_established(n.p.client));
    ep_net_free(&n);
}

/* An Initial that decrypts but does not begin a ClientHello (no CRYPTO, a
 * message other than client_hello, CRYPTO that does not start at 0, an
 * implausible length) makes no connection either. */
static void test_initial_without_client_hello_creates_no_connection(void **state)
{
    (void)state;
    ep_net n;
    ep_net_init(&n, false);
    uint8_t frames[4][128];
    size_t lens[4];
    frames[0][0] = QUIC_FT_PING;
    lens[0] = 1;
    lens[1] = crypto_frame(frames[1], 0, 2, 300);   /* a ServerHello */
    lens[2] = crypto_frame(frames[2], 500, 1, 300); /* not the start of the stream */
    lens[3] = crypto_frame(frames[3], 0, 1, 3);     /* a ClientHello of 3 bytes */
    for (int i = 0; i < 4; i++) {
        uint8_t dg[1200], dcid[8] = {0xd0, (uint8_t)i, 2, 3, 4, 5, 6, 7};
        size_t len = make_initial(dg, dcid, frames[i], lens[i], true, NULL);
        assert_null(quic_endpoint_recv(n.ep, &n.p.spath, dg, len, n.p.now));
    }
    assert_int_equal(quic_endpoint_count(n.ep), 0);
    quic_endpoint_stats st;
    quic_endpoint_stats_get(n.ep, &st);
    assert_int_equal(st.dropped_not_hello, 4);
    assert_int_equal(st.dropped_undecryptable, 0);
    /* the same with a plausible ClientHello start is taken */
    uint8_t f[128], dg[1200], dcid[8] = {0xd9, 1, 2, 3, 4, 5, 6, 7};
    size_t fl = crypto_frame(f, 0, 1, 300);
    size_t len = make_initial(dg, dcid, f, fl, true, NULL);
    assert_non_null(quic_endpoint_recv(n.ep, &n.p.spath, dg, len, n.p.now));
    assert_int_equal(quic_endpoint_count(n.ep), 1);
    ep_net_free(&n);
}

static bool all_mute_but(bool *mute, size_t n, size_t keep)
{
    for (size_t i = 0; i < n; i++)
        mute[i] = i != keep;
    return true;
}

/* RFC 9000 §21.1.1: ClientHellos from one address that never continue
 * (40 of them, more than the 32 handshake slots) do not keep a client
 * on another address out, nor delay it: it is established without the
 * clock moving. */
static void test_hello_flood_from_one_address_does_not_delay_another(void **state)
{
    (void)state;
    xnet x;
    xnet_prepare(&x);
    x.ecfg.max_conns = 48;
    x.ecfg.max_handshakes = 32; /* Retry from 16 on; 16 per address */
    xnet_start(&x);
    bool mute[XMAX];
    for (int i = 0; i < 40; i++) {
        size_t a = xnet_client(&x, 'A');
        xnet_client_out(&x, a, true);
        xnet_server_out(&x); /* answers go to a client that never answers */
    }
    quic_endpoint_stats st;
    quic_endpoint_stats_get(x.ep, &st);
    assert_true(quic_endpoint_half_open(x.ep) <= x.ecfg.max_half_open_per_addr);
    uint64_t t0 = x.base.now;
    size_t b = xnet_client(&x, 'B');
    all_mute_but(mute, x.n, b);
    xnet_run(&x, mute);
    assert_true(quic_conn_is_established(x.cl[b]));
    assert_int_equal(x.base.now, t0);
    xnet_free(&x);
}

/* A half-open connection is gone at the handshake deadline (10 s by
 * default, whatever the idle timeout), without a packet; a client's
 * repeated Initials (no authenticated progress) do not extend it. */
static void test_half_open_dropped_quietly_at_handshake_deadline(void **state)
{
    (void)state;
    xnet x;
    xnet_prepare(&x);
    xnet_start(&x);
    size_t a = xnet_client(&x, 'A');
    uint64_t t0 = x.base.now;
    quic_endpoint_stats st;
    quic_endpoint_stats_get(x.ep, &st);
    size_t before = st.mem_used;
    xnet_client_out(&x, a, true);
    assert_int_equal(quic_endpoint_count(x.ep), 1);
    quic_endpoint_stats_get(x.ep, &st);
    print_message("a half-open connection holds %zu bytes (QUIC and TLS state)\n", st.mem_used - before);
    quic_conn *s = quic_endpoint_accept(x.ep); /* taken by the application */
    assert_non_null(s);
    /* 5 s later the client's Initial comes again: no progress */
    x.base.now = t0 + 5000000;
    quic_conn_on_deadline(x.cl[a], x.base.now);
    assert_true(xnet_client_out(&x, a, true));
    quic_endpoint_sync(x.ep, s);
    uint8_t buf[1500];
    while (quic_conn_send(s, buf, sizeof buf, x.base.now))
        ;
    quic_endpoint_sync(x.ep, s);
    assert_true(quic_endpoint_deadline(x.ep) <= t0 + 10000000);
    quic_endpoint_expire(x.ep, t0 + 10000000 - 1);
    assert_int_equal(quic_endpoint_half_open(x.ep), 1);
    quic_endpoint_expire(x.ep, t0 + 10000000);
    assert_int_equal(quic_endpoint_half_open(x.ep), 0);
    quic_close_info ci;
    quic_conn_close_info(s, &ci);
    assert_true(ci.closed);
    assert_false(ci.by_peer);
    assert_string_equal(ci.reason, "handshake timeout");
    assert_int_equal(quic_conn_send(s, buf, sizeof buf, x.base.now), 0); /* quietly */
    quic_endpoint_remove(x.ep, s);
    assert_int_equal(quic_endpoint_count(x.ep), 0);
    quic_endpoint_stats_get(x.ep, &st);
    assert_int_equal(st.mem_used, before); /* all of it given back */
    assert_int_equal(st.handshake_timeouts, 1);

    /* one nobody took is freed at once; the deadline is configurable */
    xnet y;
    xnet_prepare(&y);
    y.ecfg.handshake_timeout_us = 2000000;
    xnet_start(&y);
    size_t b = xnet_client(&y, 'B');
    t0 = y.base.now;
    xnet_client_out(&y, b, true);
    assert_int_equal(quic_endpoint_count(y.ep), 1);
    assert_int_equal(quic_endpoint_deadline(y.ep) <= t0 + 2000000, true);
    uint8_t dg[1200];
    uint32_t seed = 1;
    uint8_t dcid[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    size_t len = make_initial(dg, dcid, NULL, 0, false, &seed);
    /* Any datagram expires it, as of the time of the datagrams before it
     * (those read together are all heard first: test_pair_endpoint_stall). */
    quic_endpoint_recv(y.ep, &y.spath[b], dg, len, t0 + 2000000);
    assert_int_equal(quic_endpoint_count(y.ep), 1);
    quic_endpoint_recv(y.ep, &y.spath[b], dg, len, t0 + 2000001);
    assert_int_equal(quic_endpoint_count(y.ep), 0);
    quic_path to;
    assert_int_equal(quic_endpoint_send_stateless(y.ep, buf, sizeof buf, &to), 0);
    xnet_free(&y);
    xnet_free(&x);
}

/* A handshake that completes before its deadline is not touched by it. */
static void test_completed_handshake_outlives_deadline(void **state)
{
    (void)state;
    xnet x;
    xnet_prepare(&x);
    x.ecfg.handshake_timeout_us = 3000000;
    xnet_start(&x);
    size_t a = xnet_client(&x, 'A');
    /* the client's Initial; the server answers only at 2.5 s */
    xnet_client_out(&x, a, false);
    x.base.now += 2500000;
    xnet_run(&x, NULL);
    assert_true(quic_conn_is_established(x.cl[a]));
    xnet_advance(&x, NULL, x.base.now + 1000000);
    assert_int_equal(quic_endpoint_count(x.ep), 1);
    quic_endpoint_stats st;
    quic_endpoint_stats_get(x.ep, &st);
    assert_int_equal(st.handshake_timeouts, 0);
    xnet_free(&x);
}

/* Authenticated progress extends the handshake deadline: a client whose
 * certificate flight (RSA, two Handshake packets) comes in halves, the first
 * just before the deadline and the second after it, is not dropped, because
 * the first half (Handshake CRYPTO data) bought it time. */
static void test_handshake_progress_extends_deadline(void **state)
{
    (void)state;
    xnet x;
    xnet_prepare(&x);
    x.ecfg.handshake_timeout_us = 3000000;
    char *cert, *key;
    size_t cl, kl;
    cx_certgen_opts o = {.key_type = CX_KEY_RSA2048, .host = "client.test", .now = time(NULL),
                         .not_before_offset = -60, .client = true};
    assert_int_equal(cx_certgen(&o, NULL, &cert, &cl, &key, &kl), 0);
    cx_x509_chain *chain;
    cx_x509_trust *trust;
    assert_int_equal(cx_x509_chain_from_pem(cert, cl, key, kl, NULL, &chain), 0);
    assert_int_equal(cx_x509_trust_from_pem(cert, cl, &trust), 0);
    x.base.ctls.chain = chain;
    x.base.stls.trust = trust;
    x.base.stls.request_client_cert = true;
    x.base.stls.require_client_cert = true;
    xnet_start(&x);
    size_t a = xnet_client(&x, 'A');
    uint64_t t0 = x.base.now;
    xnet_client_out(&x, a, false);
    xnet_server_out(&x);
    /* the client's answer: Initial ACK, then its Handshake flight */
    uint8_t held[8][1500];
    size_t lens[8], n = 0;
    while (n < 8 && (lens[n] = quic_conn_send(x.cl[a], held[n], sizeof held[n], x.base.now)))
        n++;
    assert_true(n >= 2);
    x.base.now = t0 + 2500000;
    quic_endpoint_recv(x.ep, &x.spath[a], held[0], lens[0], x.base.now);
    quic_endpoint_expire(x.ep, t0 + 3500000);
    assert_int_equal(quic_endpoint_half_open(x.ep), 1); /* still there */
    x.base.now = t0 + 4000000;
    for (size_t i = 1; i < n; i++)
        quic_endpoint_recv(x.ep, &x.spath[a], held[i], lens[i], x.base.now);
    xnet_run(&x, NULL);
    assert_true(quic_conn_is_established(x.cl[a]));
    assert_int_equal(quic_endpoint_half_open(x.ep), 0);
    quic_endpoint_stats st;
    quic_endpoint_stats_get(x.ep, &st);
    assert_int_equal(st.handshake_timeouts, 0);
    xnet_free(&x);
    cx_x509_chain_free(chain);
    cx_x509_trust_free(trust);
    qb_free(NULL, cert);
    qb_free(NULL, key);
}

/* RFC 9000 §5.2.2: a full server answers a client Initial with
 * CONNECTION_CLOSE (CONNECTION_REFUSED) in an Initial, padded to 1200 bytes,
 * keeping nothing; the client ends with that code. */
static void test_full_server_answers_connection_refused(void **state)
{
    (void)state;
    xnet x;
    xnet_prepare(&x);
    x.ecfg.max_conns = 1;
    x.ecfg.max_handshakes = 1;
    xnet_start(&x);
    size_t a = xnet_client(&x, 'A');
    xnet_run(&x, NULL);
    assert_true(quic_conn_is_established(x.cl[a]));
    quic_endpoint_stats st0;
    quic_endpoint_stats_get(x.ep, &st0);
    size_t b = xnet_client(&x, 'B');
    xnet_client_out(&x, b, true);
    assert_int_equal(quic_endpoint_count(x.ep), 1);
    quic_endpoint_stats st;
    quic_endpoint_stats_get(x.ep, &st);
    assert_int_equal(st.mem_used, st0.mem_used); /* nothing kept */
    uint8_t out[1500];
    quic_path to;
    size_t len = quic_endpoint_send_stateless(x.ep, out, sizeof out, &to);
    assert_int_equal(len, 1200);
    assert_memory_equal(to.remote, x.spath[b].remote, 2);
    quic_pkt_hdr h;
    assert_int_equal(quic_pkt_hdr_parse(out, len, 0, &h), 0);
    assert_int_equal(h.type, QUIC_PKT_INITIAL);
    quic_conn_recv(x.cl[b], &x.cpath[b], out, len, x.base.now);
    quic_close_info ci;
    quic_conn_close_info(x.cl[b], &ci);
    assert_true(ci.by_peer);
    assert_false(ci.app);
    assert_int_equal(ci.code, QUIC_CONNECTION_REFUSED);
    assert_string_equal(ci.reason, "server full");
    xnet_free(&x);
}

/* max_handshakes bounds the connections still in their handshake (RFC 9000
 * §5.2.2, §21.1.1): with that many half-open, the next client Initial is
 * refused (CONNECTION_REFUSED) though the server has room for connections;
 * once one finishes, a new client comes in. */
static void test_handshake_limit_refuses_next_initial(void **state)
{
    (void)state;
    xnet x;
    xnet_prepare(&x);
    x.ecfg.max_conns = 8;
    x.ecfg.max_handshakes = 2;
    x.ecfg.retry_threshold = 100; /* no Retry: the limit itself answers */
    xnet_start(&x);
    for (int i = 0; i < 2; i++)
        xnet_client_out(&x, xnet_client(&x, (uint8_t)('A' + i)), true);
    assert_int_equal(quic_endpoint_half_open(x.ep), 2);
    size_t c = xnet_client(&x, 'C');
    xnet_client_out(&x, c, true);
    assert_int_equal(quic_endpoint_count(x.ep), 2);
    quic_endpoint_stats st;
    quic_endpoint_stats_get(x.ep, &st);
    assert_int_equal(st.refused_full, 1);
    uint8_t out[1500];
    quic_path to;
    size_t len = quic_endpoint_send_stateless(x.ep, out, sizeof out, &to);
    assert_true(len >= 1200);
    assert_memory_equal(to.remote, x.spath[c].remote, 2);
    quic_conn_recv(x.cl[c], &x.cpath[c], out, len, x.base.now);
    quic_close_info ci;
    quic_conn_close_info(x.cl[c], &ci);
    assert_true(ci.by_peer);
    assert_int_equal(ci.code, QUIC_CONNECTION_REFUSED);
    assert_string_equal(ci.reason, "too many handshakes in progress");
    xnet_free(&x);
}

/* Past half the handshake limit, a client without a token gets a Retry
 * first and then comes in. */
static void test_auto_retry_past_threshold(void **state)
{
    (void)state;
    xnet x;
    xnet_prepare(&x);
    x.ecfg.max_handshakes = 4; /* Retry from 2 handshakes in progress */
    xnet_start(&x);
    for (int i = 0; i < 2; i++)
        xnet_client_out(&x, xnet_client(&x, (uint8_t)('A' + i)), true);
    quic_endpoint_stats st;
    quic_endpoint_stats_get(x.ep, &st);
    assert_int_equal(st.retry_sent, 0);
    assert_int_equal(quic_endpoint_half_open(x.ep), 2);
    bool mute[XMAX];
    size_t c = xnet_client(&x, 'C');
    all_mute_but(mute, x.n, c);
    xnet_run(&x, mute);
    assert_true(quic_conn_is_established(x.cl[c]));
    quic_endpoint_stats_get(x.ep, &st);
    assert_int_equal(st.retry_sent, 1);
    assert_int_equal(st.accepted, 3);
    xnet_free(&x);
}

/* Clients that answer Retry from one address still get only their share of
 * half-open connections: the next one is refused. */
static void test_retried_clients_from_one_address_limited(void **state)
{
    (void)state;
    xnet x;
    xnet_prepare(&x);
    x.ecfg.retry = true;
    x.ecfg.max_half_open_per_addr = 3;
    xnet_start(&x);
    for (int i = 0; i < 6; i++) {
        size_t a = xnet_client(&x, 'A');
        xnet_client_out(&x, a, true); /* ClientHello */
        xnet_server_out(&x);           /* Retry */
        xnet_client_out(&x, a, true); /* ClientHello with the token, never continued */
    }
    assert_int_equal(quic_endpoint_half_open(x.ep), 3);
    quic_endpoint_stats st;
    quic_endpoint_stats_get(x.ep, &st);
    assert_int_equal(st.retry_sent, 6);
    assert_int_equal(st.refused_per_addr, 3);
    xnet_server_out(&x); /* the refusals reach the last three */
    quic_close_info ci;
    quic_conn_close_info(x.cl[5], &ci);
    assert_int_equal(ci.code, QUIC_CONNECTION_REFUSED);
    assert_string_equal(ci.reason, "too many handshakes from this address");
    /* another address is not affected */
    bool mute[XMAX];
    size_t b = xnet_client(&x, 'B');
    all_mute_but(mute, x.n, b);
    xnet_run(&x, mute);
    assert_true(quic_conn_is_established(x.cl[b]));
    xnet_free(&x);
}

/* Past the memory budget a new client gets a Retry, then CONNECTION_REFUSED,
 * while an established connection carries on. */
static void test_memory_budget_refuses_new_keeps_established(void **state)
{
    (void)state;
    /* What one established connection costs, measured */
    xnet m;
    xnet_prepare(&m);
    xnet_start(&m);
    quic_endpoint_stats st;
    quic_endpoint_stats_get(m.ep, &st);
    size_t empty = st.mem_used;
    xnet_client(&m, 'A');
    xnet_run(&m, NULL);
    assert_true(quic_conn_is_established(m.cl[0]));
    quic_endpoint_stats_get(m.ep, &st);
    size_t one = st.mem_used;
    xnet_free(&m);
    assert_true(one > empty);

    xnet x;
    xnet_prepare(&x);
    x.ecfg.max_memory = empty + (one - empty) / 2;
    xnet_start(&x);
    size_t a = xnet_client(&x, 'A');
    xnet_run(&x, NULL);
    assert_true(quic_conn_is_established(x.cl[a]));
    size_t b = xnet_client(&x, 'B');
    bool mute[XMAX];
    all_mute_but(mute, x.n, b);
    xnet_run(&x, mute);
    quic_close_info ci;
    quic_conn_close_info(x.cl[b], &ci);
    assert_true(ci.by_peer);
    assert_int_equal(ci.code, QUIC_CONNECTION_REFUSED);
    assert_string_equal(ci.reason, "server over its memory budget");
    quic_endpoint_stats_get(x.ep, &st);
    assert_int_equal(st.retry_sent, 1);
    assert_int_equal(st.refused_memory, 1);
    assert_int_equal(quic_endpoint_count(x.ep), 1);
    /* the first connection still works: a datagram goes through */
    uint8_t d[20] = {7};
    assert_int_equal(quic_conn_dgram_send(x.cl[a], d, sizeof d, x.base.now), 0);
    all_mute_but(mute, x.n, a);
    xnet_run(&x, mute);
    quic_conn *s = quic_endpoint_next(x.ep, NULL);
    quic_event ev;
    bool got = false;
    while (quic_conn_next_event(s, &ev))
        got |= ev.type == QUIC_EV_DATAGRAM && ev.len == sizeof d;
    assert_true(got);
    xnet_free(&x);
}

/* RFC 9000 §8.1.3: an Initial whose Retry token has expired (the client
 * will not take a second Retry) gets CONNECTION_CLOSE with INVALID_TOKEN
 * at once, not silence until the client gives up. */
static void test_expired_retry_token_closes_with_invalid_token(void **state)
{
    (void)state;
    xnet x;
    xnet_prepare(&x);
    x.ecfg.retry = true;
    xnet_start(&x);
    size_t a = xnet_client(&x, 'A');
    xnet_client_out(&x, a, true); /* ClientHello */
    xnet_server_out(&x);           /* Retry */
    x.base.now += x.ecfg.retry_token_age_us + 1000000;
    xnet_client_out(&x, a, true); /* with the token, too late */
    quic_endpoint_stats st;
    quic_endpoint_stats_get(x.ep, &st);
    assert_int_equal(st.retry_bad_token, 1);
    assert_int_equal(quic_endpoint_count(x.ep), 0);
    xnet_server_out(&x);
    quic_close_info ci;
    quic_conn_close_info(x.cl[a], &ci);
    assert_true(ci.by_peer);
    assert_int_equal(ci.code, QUIC_INVALID_TOKEN);
    xnet_free(&x);
}

/* The endpoint hands out the connections whose timers are due, each once
 * until it is synced again, and none before their time: a loop needs no
 * walk of every connection to find them. */
static void test_due_connections_from_the_heap(void **state)
{
    (void)state;
    xnet x;
    xnet_prepare(&x);
    xnet_start(&x);
    for (int i = 0; i < 3; i++)
        xnet_client(&x, (uint8_t)('A' + i));
    xnet_run(&x, NULL);
    for (int i = 0; i < 3; i++)
        assert_true(quic_conn_is_established(x.cl[i]));
    quic_conn *due[8];
    uint64_t d = quic_endpoint_deadline(x.ep);
    assert_true(d != QUIC_NEVER && d > x.base.now);
    assert_int_equal(quic_endpoint_due(x.ep, d - 1, due, 8), 0);
    size_t first = quic_endpoint_due(x.ep, d, due, 8);
    assert_true(first >= 1);
    for (size_t i = 0; i < first; i++)
        assert_true(quic_conn_deadline(due[i]) <= d);
    uint64_t far = x.base.now + 3600000000ull;
    size_t n = quic_endpoint_due(x.ep, far, due, 8);
    assert_int_equal(first + n, 3); /* the rest; those handed out wait for a sync */
    assert_int_equal(quic_endpoint_due(x.ep, far, due, 8), 0);
    for (quic_conn *s = quic_endpoint_next(x.ep, NULL); s; s = quic_endpoint_next(x.ep, s))
        quic_endpoint_sync(x.ep, s);
    assert_int_equal(quic_endpoint_due(x.ep, far, due, 2), 2); /* max respected */
    assert_int_equal(quic_endpoint_due(x.ep, far, due, 8), 1);
    xnet_free(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_junk_initials_create_no_connection),
        cmocka_unit_test(test_initial_without_client_hello_creates_no_connection),
        cmocka_unit_test(test_hello_flood_from_one_address_does_not_delay_another),
        cmocka_unit_test(test_half_open_dropped_quietly_at_handshake_deadline),
        cmocka_unit_test(test_completed_handshake_outlives_deadline),
        cmocka_unit_test(test_handshake_progress_extends_deadline),
        cmocka_unit_test(test_full_server_answers_connection_refused),
        cmocka_unit_test(test_auto_retry_past_threshold),
        cmocka_unit_test(test_retried_clients_from_one_address_limited),
        cmocka_unit_test(test_memory_budget_refuses_new_keeps_established),
        cmocka_unit_test(test_due_connections_from_the_heap),
        cmocka_unit_test(test_expired_retry_token_closes_with_invalid_token),
        cmocka_unit_test(test_handshake_limit_refuses_next_initial),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
