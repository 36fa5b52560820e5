/* Connection life events over the simulated network: key updates under loss
 * (RFC 9001 §6), the idle timeout (RFC 9000 §10.1), close codes under loss
 * (§10.2), a stateless reset (§10.3), Version Negotiation (§6) and Retry
 * (§8.1.2, §17.2.5). */
#include "common/sim.h"

#include "quic/conn_test.h" /* the client's current peer CID, for the reset */
#include "quic/packet.h"

#include <stdlib.h>
#include <string.h>

typedef struct ev {
    bool c_conn, s_conn, c_closed, s_closed;
    uint64_t c_code, s_code;
} ev;

static void note(quic_conn *c, const quic_event *e, void *ud)
{
    ev *v = ud;
    bool srv = quic_conn_is_server(c);
    if (e->type == QUIC_EV_CONNECTED)
        *(srv ? &v->s_conn : &v->c_conn) = true;
    if (e->type == QUIC_EV_CLOSED) {
        *(srv ? &v->s_closed : &v->c_closed) = true;
        *(srv ? &v->s_code : &v->c_code) = e->code;
    }
}

static bool hs_done(sim *s, void *ud)
{
    ev *v = ud;
    pair_events(s->p.client, note, v);
    pair_events(s->p.server, note, v);
    return (v->c_conn && v->s_conn) || v->c_closed || v->s_closed;
}

static bool both_closed(sim *s, void *ud)
{
    ev *v = ud;
    pair_events(s->p.client, note, v);
    pair_events(s->p.server, note, v);
    return v->c_closed && v->s_closed;
}

static bool client_closed(sim *s, void *ud)
{
    ev *v = ud;
    pair_events(s->p.client, note, v);
    pair_events(s->p.server, note, v);
    return v->c_closed;
}

static void lossy(sim *s, double loss)
{
    for (int d = 0; d < 2; d++) {
        s->dir[d].loss = loss;
        s->dir[d].jitter_us = 3000;
        s->dir[d].reorder = 0.05;
    }
}

static void connect(sim *s, ev *v)
{
    sim_start(s);
    SIM_ASSERT(s, sim_run(s, hs_done, v, 60000000));
    SIM_ASSERT(s, v->c_conn && v->s_conn && !v->c_closed && !v->s_closed);
}

/* ---- key updates under loss ---- */

typedef struct ku {
    ev v;
    int64_t sid;
    uint64_t written, got, total;
    bool bad, fin;
} ku;

static bool ku_pump(sim *s, void *ud)
{
    ku *k = ud;
    pair_events(s->p.client, note, &k->v);
    pair_events(s->p.server, note, &k->v);
    uint8_t buf[4096];
    while (k->written < k->total) {
        size_t n = sizeof buf;
        if (k->total - k->written < n)
            n = (size_t)(k->total - k->written);
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)((k->written + i) * 31u);
        int64_t w = quic_conn_stream_write(s->p.client, (uint64_t)k->sid, buf, n,
                                           k->written + n == k->total);
        if (w <= 0)
            break;
        k->written += (uint64_t)w;
    }
    /* The client asks for a key update whenever the last one is done; the
     * server starts its own after 400 packets (key_update_after). Both
     * hammering back to back loses packets: see the note at the test. */
    quic_conn_key_update(s->p.client);
    bool fin = false;
    int64_t r;
    while (!k->fin && (r = quic_conn_stream_read(s->p.server, (uint64_t)k->sid, buf, sizeof buf,
                                                 &fin)) > 0) {
        for (int64_t i = 0; i < r; i++)
            if (buf[i] != (uint8_t)((k->got + (uint64_t)i) * 31u))
                k->bad = true;
        k->got += (uint64_t)r;
        k->fin = fin;
    }
    k->fin |= fin;
    return k->fin || k->bad || k->v.c_closed || k->v.s_closed;
}

/* Note: when both ends start updates as soon as they may, the one with the
 * smaller PTO can start the next update while the other still holds its
 * previous read keys for 3 x its own (larger) PTO (RFC 9001 §6.5), and the
 * first packets of the new phase are dropped: SIM_SEEDS=60 with both calling
 * quic_conn_key_update every turn stalls seed 32. */
static void test_key_update_lossy(void **state)
{
    (void)state;
    sim_seeds sd = sim_seeds_get(1, 10);
    for (uint64_t seed = sd.first; seed < sd.first + sd.count; seed++) {
        sim s;
        sim_init(&s, seed);
        lossy(&s, 0.1);
        s.p.scfg.key_update_after = 400;
        ku k = {.total = 2u << 20};
        connect(&s, &k.v);
        k.sid = quic_conn_stream_open(s.p.client, true);
        SIM_ASSERT(&s, k.sid >= 0);
        bool ok = sim_run(&s, ku_pump, &k, 300000000);
        if (!ok || k.v.c_closed || k.v.s_closed) {
            quic_close_info ci, si;
            quic_conn_close_info(s.p.client, &ci);
            quic_conn_close_info(s.p.server, &si);
            fprintf(stderr, "seed %llu: got %llu; client 0x%llx '%s'; server 0x%llx '%s'\n",
                    (unsigned long long)seed, (unsigned long long)k.got,
                    (unsigned long long)ci.code, ci.reason, (unsigned long long)si.code,
                    si.reason);
        }
        SIM_ASSERT(&s, ok && k.fin && !k.bad && k.got == k.total);
        SIM_ASSERT(&s, !k.v.c_closed && !k.v.s_closed);
        quic_conn_stats cs, ss;
        quic_conn_stats_get(s.p.client, &cs);
        quic_conn_stats_get(s.p.server, &ss);
        SIM_ASSERT(&s, cs.key_updates >= 3 && ss.key_updates >= 3);
        sim_free(&s);
    }
}

/* ---- idle timeout ---- */

static void test_idle_timeout(void **state)
{
    (void)state;
    sim_seeds sd = sim_seeds_get(31, 5);
    for (uint64_t seed = sd.first; seed < sd.first + sd.count; seed++) {
        sim s;
        sim_init(&s, seed);
        s.p.ccfg.max_idle_timeout_ms = 5000;
        s.p.scfg.max_idle_timeout_ms = 20000;
        lossy(&s, 0.1);
        ev v = {0};
        connect(&s, &v);
        /* The path goes dark: both ends give up after min(5 s, 20 s) (§10.1). */
        uint64_t t0 = s.p.now;
        s.dir[0].loss = s.dir[1].loss = 1.0;
        SIM_ASSERT(&s, sim_run(&s, both_closed, &v, 60000000));
        quic_close_info ci, si;
        quic_conn_close_info(s.p.client, &ci);
        quic_conn_close_info(s.p.server, &si);
        SIM_ASSERT(&s, ci.idle && si.idle && ci.closed && si.closed);
        uint64_t took = s.p.now - t0;
        SIM_ASSERT(&s, took >= 5000000 && took < 8000000);
        sim_free(&s);
    }
}

/* ---- close codes under loss ---- */

static void test_close_codes_lossy(void **state)
{
    (void)state;
    sim_seeds sd = sim_seeds_get(41, 20);
    uint64_t heard = 0;
    for (uint64_t seed = sd.first; seed < sd.first + sd.count; seed++) {
        sim s;
        sim_init(&s, seed);
        lossy(&s, 0.3);
        ev v = {0};
        connect(&s, &v);
        bool app = seed % 2 == 0;
        /* The server has work in flight so it keeps talking to the closer. */
        int64_t sid = quic_conn_stream_open(s.p.server, true);
        SIM_ASSERT(&s, sid >= 0);
        uint8_t junk[3000] = {0};
        quic_conn_stream_write(s.p.server, (uint64_t)sid, junk, sizeof junk, false);
        sim_run(&s, NULL, NULL, 1000);
        quic_conn_close(s.p.client, app, 0x1234 + seed, "bye");
        SIM_ASSERT(&s, sim_run(&s, both_closed, &v, 120000000));
        quic_close_info ci, si;
        quic_conn_close_info(s.p.client, &ci);
        quic_conn_close_info(s.p.server, &si);
        SIM_ASSERT(&s, ci.closed && !ci.by_peer && ci.code == 0x1234 + seed && ci.app == app);
        /* The server hears it unless every copy was lost until its idle timeout. */
        if (!si.idle) {
            SIM_ASSERT(&s, si.by_peer && si.code == 0x1234 + seed && si.app == app);
            SIM_ASSERT(&s, strcmp(si.reason, "bye") == 0);
            heard++;
        }
        sim_free(&s);
    }
    /* The check above must not be skipped wholesale: at 30% loss a close is
     * lost with all its repeats (3 PTO of them, §10.2) only now and then
     * (measured: 20 of 20 seeds heard it, 199 of 200 with SIM_SEEDS=200). */
    fprintf(stderr, "close codes: the server heard the close in %llu of %llu seeds\n",
            (unsigned long long)heard, (unsigned long long)sd.count);
    if (sd.count >= 10)
        assert_true(heard * 10 >= sd.count * 9);
}

/* ---- stateless reset ---- */

static void test_stateless_reset(void **state)
{
    (void)state;
    sim s;
    sim_init(&s, 51);
    ev v = {0};
    connect(&s, &v);
    sim_run(&s, NULL, NULL, 200000);
    /* The server lost its state; its endpoint answers with a reset built
     * from the static key and the CID the client sends to (§10.3). */
    const quic_cid *dcid = quic_peer_cids_current(quic_conn_test_peer_cids(s.p.client));
    uint8_t tok[QUIC_RESET_TOKEN_LEN];
    assert_int_equal(quic_reset_token(s.p.scfg.static_key, dcid, tok), 0);
    uint8_t d[43];
    for (size_t i = 0; i < sizeof d; i++)
        d[i] = (uint8_t)sim_rand(&s);
    d[0] = (uint8_t)(0x40 | (d[0] & 0x3f));
    memcpy(d + sizeof d - 16, tok, 16);
    /* A wrong token does nothing. */
    d[sizeof d - 1] ^= 1;
    sim_inject(&s, false, d, sizeof d, 1000);
    sim_run(&s, NULL, NULL, 5000);
    quic_close_info ci;
    quic_conn_close_info(s.p.client, &ci);
    assert_false(ci.closed);
    assert_false(quic_conn_deadline(s.p.client) == QUIC_NEVER);
    d[sizeof d - 1] ^= 1;
    quic_conn_free(s.p.server); /* the state is gone */
    s.p.server = NULL;
    s.no_server_auto = true;
    sim_inject(&s, false, d, sizeof d, 1000);
    SIM_ASSERT(&s, sim_run(&s, client_closed, &v, 10000000));
    quic_conn_close_info(s.p.client, &ci);
    assert_true(ci.closed && ci.by_peer && ci.stateless_reset);
    /* Draining: nothing more is sent. */
    uint8_t buf[1500];
    assert_int_equal(quic_conn_send(s.p.client, buf, sizeof buf, s.p.now), 0);
    sim_free(&s);
}

/* ---- Version Negotiation ---- */

typedef struct vn {
    uint8_t dcid[20], scid[20];
    size_t dcid_len, scid_len;
    bool seen;
} vn;

static bool vn_tap(sim *s, bool to_server, uint8_t *d, size_t *len, void *ud)
{
    vn *x = ud;
    quic_pkt_hdr h;
    if (!to_server || x->seen || quic_pkt_hdr_parse(d, *len, 8, &h) != 0)
        return true;
    x->seen = true;
    memcpy(x->dcid, h.dcid, h.dcid_len);
    memcpy(x->scid, h.scid, h.scid_len);
    x->dcid_len = h.dcid_len;
    x->scid_len = h.scid_len;
    (void)s;
    return false; /* the server never sees it: it answers with VN */
}

static void vn_reply(sim *s, vn *x, const uint32_t *versions, size_t n)
{
    uint8_t buf[256];
    qb_wr w;
    qb_wr_init(&w, buf, sizeof buf);
    /* RFC 9000 §17.2.1: DCID and SCID echo the client's SCID and DCID. */
    assert_int_equal(quic_pkt_vn_write(&w, 0x3a, x->scid, x->scid_len, x->dcid, x->dcid_len,
                                       versions, n), 0);
    sim_inject(s, false, buf, w.off, 10000);
}

static void test_version_negotiation(void **state)
{
    (void)state;
    /* A VN listing only other versions ends the attempt. */
    sim s;
    sim_init(&s, 61);
    vn x = {0};
    s.tap = vn_tap;
    s.tap_ud = &x;
    s.no_server_auto = true;
    sim_start(&s);
    sim_run(&s, NULL, NULL, 1000);
    assert_true(x.seen);
    uint32_t other[2] = {0x1a2a3a4a, 0xff00001d};
    vn_reply(&s, &x, other, 2);
    ev v = {0};
    SIM_ASSERT(&s, sim_run(&s, client_closed, &v, 1000000));
    quic_close_info ci;
    quic_conn_close_info(s.p.client, &ci);
    assert_true(ci.closed);
    sim_free(&s);

    /* A VN that lists v1 (ours) is ignored (§6.2), and so is one with the
     * wrong CIDs: the handshake then goes on. */
    sim_init(&s, 62);
    memset(&x, 0, sizeof x);
    s.tap = vn_tap;
    s.tap_ud = &x;
    sim_start(&s);
    sim_run(&s, NULL, NULL, 1000);
    uint32_t with_v1[2] = {0x1a2a3a4a, QUIC_VERSION_1};
    vn_reply(&s, &x, with_v1, 2);
    x.scid[0] ^= 0xff;
    vn_reply(&s, &x, other, 2);
    s.tap = NULL;
    memset(&v, 0, sizeof v);
    SIM_ASSERT(&s, sim_run(&s, hs_done, &v, 30000000));
    assert_true(v.c_conn && v.s_conn && !v.c_closed);
    sim_free(&s);
}

/* ---- Retry ---- */

typedef struct rt {
    vn ids;
    uint8_t retry_scid[8];
    const uint8_t *token;
    size_t token_len;
    int initials;
    int good_initials; /* later Initials checked for the good token */
    bool token_seen;
} rt;

static bool dcid_of_server(sim *s, const quic_pkt_hdr *h)
{
    quic_cid d;
    quic_cid_set(&d, h->dcid, h->dcid_len);
    return quic_local_cids_has(quic_conn_local_cids(s->p.server), &d);
}

static bool retry_tap(sim *s, bool to_server, uint8_t *d, size_t *len, void *ud)
{
    rt *x = ud;
    quic_pkt_hdr h;
    if (!to_server || quic_pkt_hdr_parse(d, *len, 8, &h) != 0 || h.type != QUIC_PKT_INITIAL)
        return true;
    if (x->initials++ == 0) {
        memcpy(x->ids.dcid, h.dcid, h.dcid_len);
        memcpy(x->ids.scid, h.scid, h.scid_len);
        x->ids.dcid_len = h.dcid_len;
        x->ids.scid_len = h.scid_len;
        /* The endpoint answers the first Initial with a Retry. */
        uint8_t buf[256];
        qb_wr w;
        qb_wr_init(&w, buf, sizeof buf);
        assert_int_equal(quic_pkt_retry_write(&w, QUIC_VERSION_1, 0x5, h.scid, h.scid_len,
                                              x->retry_scid, 8, x->token, x->token_len,
                                              h.dcid, h.dcid_len), 0);
        sim_inject(s, false, buf, w.off, 10000);
        /* Ahead of it, a forgery with its own token and SCID and a broken
         * integrity tag (RFC 9001 §5.8): a client must drop it (RFC 9000
         * §17.2.5.2). Had it been taken, the good Retry would then be ignored
         * (one Retry per connection) and the forged token and SCID would show
         * in every later Initial. */
        uint8_t forged_scid[8];
        for (int i = 0; i < 8; i++)
            forged_scid[i] = (uint8_t)(x->retry_scid[i] ^ 0x5a);
        static const char forged[] = "forged-token-of-an-attacker";
        qb_wr_init(&w, buf, sizeof buf);
        assert_int_equal(quic_pkt_retry_write(&w, QUIC_VERSION_1, 0x5, h.scid, h.scid_len,
                                              forged_scid, 8, (const uint8_t *)forged,
                                              sizeof forged - 1, h.dcid, h.dcid_len), 0);
        buf[w.off - 1] ^= 0x80;
        sim_inject(s, false, buf, w.off, 5000);
        return false;
    }
    /* Every later Initial carries the good Retry's token, to the good Retry's
     * SCID until the server's own SCID is known (§7.2), then to that. */
    if (!s->p.server)
        SIM_ASSERT(s, h.dcid_len == 8 && !memcmp(h.dcid, x->retry_scid, 8));
    else
        SIM_ASSERT(s, (h.dcid_len == 8 && !memcmp(h.dcid, x->retry_scid, 8)) ||
                          dcid_of_server(s, &h));
    SIM_ASSERT(s, h.token_len == x->token_len && !memcmp(h.token, x->token, h.token_len));
    x->good_initials++;
    x->token_seen = true;
    if (!s->p.server) {
        quic_cid scid, odcid, rscid;
        quic_cid_set(&scid, h.scid, h.scid_len);
        quic_cid_set(&odcid, x->ids.dcid, x->ids.dcid_len);
        quic_cid_set(&rscid, x->retry_scid, 8);
        s->p.server = quic_conn_new_server(&s->p.scfg, &s->p.spath, &scid, &odcid, &rscid,
                                           s->p.now);
        assert_non_null(s->p.server);
    }
    return true;
}

static void test_retry(void **state)
{
    (void)state;
    sim_seeds sd = sim_seeds_get(71, 10);
    for (uint64_t seed = sd.first; seed < sd.first + sd.count; seed++) {
        sim s;
        sim_init(&s, seed);
        lossy(&s, seed == sd.first ? 0 : 0.15);
        rt x = {.token = (const uint8_t *)"retry-token-of-the-endpoint", .token_len = 27};
        for (int i = 0; i < 8; i++)
            x.retry_scid[i] = (uint8_t)sim_rand(&s);
        s.tap = retry_tap;
        s.tap_ud = &x;
        s.no_server_auto = true;
        ev v = {0};
        sim_start(&s);
        SIM_ASSERT(&s, sim_run(&s, hs_done, &v, 60000000));
        SIM_ASSERT(&s, v.c_conn && v.s_conn && !v.c_closed && !v.s_closed && x.token_seen);
        SIM_ASSERT(&s, x.good_initials >= 1);
        sim_free(&s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_update_lossy),
        cmocka_unit_test(test_idle_timeout),
        cmocka_unit_test(test_close_codes_lossy),
        cmocka_unit_test(test_stateless_reset),
        cmocka_unit_test(test_version_negotiation),
        cmocka_unit_test(test_retry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
