/* Data over a hostile simulated network: a 10 MB stream arrives intact under
 * loss, reordering and duplication (RFC 9000 §2-§4, §13; RFC 9002), and
 * DATAGRAM frames (RFC 9221 §5) arrive at most once and never corrupted. */
#include "common/sim.h"
#include "quic/conn_test.h"

#include <stdlib.h>
#include <string.h>

static uint8_t byte_at(uint64_t seed, uint64_t i)
{
    uint64_t x = (i + seed * 7919) * 0x9e3779b97f4a7c15ull;
    return (uint8_t)(x >> 56);
}

typedef struct xfer {
    uint64_t seed;
    bool c_conn, s_conn, closed;
    int64_t sid;
    uint64_t total, written, got;
    bool fin_written, fin_got;
    bool hold_fin; /* a first part: no FIN, done when total bytes arrived */
    bool bad;
} xfer;

static void note(quic_conn *c, const quic_event *ev, void *ud)
{
    xfer *x = ud;
    if (ev->type == QUIC_EV_CONNECTED)
        *(quic_conn_is_server(c) ? &x->s_conn : &x->c_conn) = true;
    if (ev->type == QUIC_EV_CLOSED)
        x->closed = true;
}

static bool hs_done(sim *s, void *ud)
{
    xfer *x = ud;
    pair_events(s->p.client, note, x);
    pair_events(s->p.server, note, x);
    return (x->c_conn && x->s_conn) || x->closed;
}

static bool pump(sim *s, void *ud)
{
    xfer *x = ud;
    pair_events(s->p.client, note, x);
    pair_events(s->p.server, note, x);
    uint8_t buf[16384];
    while (x->written < x->total) {
        size_t n = sizeof buf;
        if (x->total - x->written < n)
            n = (size_t)(x->total - x->written);
        for (size_t i = 0; i < n; i++)
            buf[i] = byte_at(x->seed, x->written + i);
        int64_t w = quic_conn_stream_write(s->p.client, (uint64_t)x->sid, buf, n,
                                           x->written + n == x->total && !x->hold_fin);
        if (w <= 0)
            break;
        x->written += (uint64_t)w;
    }
    bool fin = false;
    int64_t r;
    while (!x->fin_got &&
           (r = quic_conn_stream_read(s->p.server, (uint64_t)x->sid, buf, sizeof buf, &fin)) >= 0) {
        for (int64_t i = 0; i < r; i++)
            if (buf[i] != byte_at(x->seed, x->got + (uint64_t)i))
                x->bad = true;
        x->got += (uint64_t)r;
        if (fin)
            x->fin_got = true;
        if (r == 0)
            break;
    }
    return x->fin_got || (x->hold_fin && x->got >= x->total) || x->closed || x->bad;
}

static void transfer(sim *s, uint64_t total)
{
    xfer x = {.seed = s->seed, .total = total};
    sim_start(s);
    SIM_ASSERT(s, sim_run(s, hs_done, &x, 60000000) && !x.closed);
    x.sid = quic_conn_stream_open(s->p.client, true);
    SIM_ASSERT(s, x.sid >= 0);
    bool ok = sim_run(s, pump, &x, 600000000);
    if (!ok || x.closed || x.bad) {
        quic_close_info ci, si;
        quic_conn_close_info(s->p.client, &ci);
        quic_conn_close_info(s->p.server, &si);
        fprintf(stderr, "seed %llu: got %llu of %llu written %llu bad=%d; client 0x%llx '%s'; "
                "server 0x%llx '%s'\n", (unsigned long long)s->seed,
                (unsigned long long)x.got, (unsigned long long)total,
                (unsigned long long)x.written, x.bad, (unsigned long long)ci.code, ci.reason,
                (unsigned long long)si.code, si.reason);
    }
    if ((!ok || x.closed) && getenv("SIM_DEBUG")) {
        quic_conn_test_stream cs, ss;
        if (quic_conn_test_stream_get(s->p.client, (uint64_t)x.sid, &cs))
            fprintf(stderr, "client sb: base %llu next %llu end %llu lost %zu queued %d; conn_tx %llu/%llu\n",
                    (unsigned long long)cs.sb_base, (unsigned long long)cs.sb_next,
                    (unsigned long long)cs.sb_end, cs.sb_lost, cs.queued,
                    (unsigned long long)quic_test_view(s->p.client).conn_tx_sent,
                    (unsigned long long)quic_test_view(s->p.client).conn_tx_limit);
        if (quic_conn_test_stream_get(s->p.server, (uint64_t)x.sid, &ss))
            fprintf(stderr, "server rb: read %llu contig %llu highest %llu max %llu; conn_rx limit %llu\n",
                    (unsigned long long)ss.rb_read, (unsigned long long)ss.rb_contig,
                    (unsigned long long)ss.rb_highest, (unsigned long long)ss.rb_max,
                    (unsigned long long)quic_test_view(s->p.server).conn_rx_limit);
    }
    SIM_ASSERT(s, ok && !x.closed && !x.bad);
    SIM_ASSERT(s, x.got == total && x.fin_got);
}

static void test_stream_10mb_lossy(void **state)
{
    (void)state;
    sim_seeds sd = sim_seeds_get(1, 3);
    for (uint64_t seed = sd.first; seed < sd.first + sd.count; seed++) {
        sim s;
        sim_init(&s, seed);
        for (int d = 0; d < 2; d++) {
            s.dir[d].delay_us = 20000;
            s.dir[d].jitter_us = 2000;
            s.dir[d].loss = 0.03;
            s.dir[d].reorder = 0.03;
            s.dir[d].dup = 0.03;
            s.dir[d].corrupt = 0.01;
        }
        sim_dir_burst(&s.dir[SIM_C2S], 0.02, 4.0);
        transfer(&s, 10u << 20);
        quic_conn_stats st;
        quic_conn_stats_get(s.p.client, &st);
        SIM_ASSERT(&s, st.pkts_lost > 0);
        sim_free(&s);
    }
}

static void test_stream_small_lossy_many(void **state)
{
    (void)state;
    sim_seeds sd = sim_seeds_get(11, 30);
    for (uint64_t seed = sd.first; seed < sd.first + sd.count; seed++) {
        sim s;
        sim_init(&s, seed);
        for (int d = 0; d < 2; d++) {
            s.dir[d].jitter_us = 10000;
            s.dir[d].reorder = 0.1;
            s.dir[d].dup = 0.1;
            s.dir[d].corrupt = 0.05;
            sim_dir_burst(&s.dir[d], 0.15, 3.0);
        }
        transfer(&s, 200000);
        sim_free(&s);
    }
}

/* A small connection window (MAX_DATA) with the whole transfer already in
 * the send buffer: once the connection credit runs out the stream must be
 * picked up again when MAX_DATA arrives (RFC 9000 §4.1), with no further
 * write from the application to wake it. */
static void small_conn_window(sim *s)
{
    s->p.scfg.initial_max_data = 16384;
    s->p.scfg.initial_max_stream_data = 1u << 20;
    s->p.ccfg.stream_send_buffer = 1u << 20;
}

static void test_stream_conn_blocked(void **state)
{
    (void)state;
    sim_seeds sd = sim_seeds_get(31, 3);
    for (uint64_t seed = sd.first; seed < sd.first + sd.count; seed++) {
        sim s;
        sim_init(&s, seed);
        small_conn_window(&s);
        if (seed % 3 != 1) /* 31: clean; 32, 33: lossy */
            for (int d = 0; d < 2; d++)
                s.dir[d].loss = 0.05;
        transfer(&s, 500000); /* pump writes it all at once: it fits the buffer */
        sim_free(&s);
    }
}

/* The path gets fast after a slow spell: the smoothed RTT is still large, so
 * the pacer holds data back while every packet is already acknowledged.
 * The pacer needs a timer of its own (RFC 9002 §7.7), or nothing wakes the
 * sender until the idle timeout. */
static void test_stream_paced_after_slow_path(void **state)
{
    (void)state;
    sim_seeds sd = sim_seeds_get(41, 3);
    for (uint64_t seed = sd.first; seed < sd.first + sd.count; seed++) {
        sim s;
        sim_init(&s, seed);
        xfer x = {.seed = seed, .total = 3000000};
        sim_start(&s);
        SIM_ASSERT(&s, sim_run(&s, hs_done, &x, 10000000) && !x.closed);
        x.sid = quic_conn_stream_open(s.p.client, true);
        for (int d = 0; d < 2; d++) {
            s.dir[d].delay_us = 400000;
            s.dir[d].loss = 0.15; /* the window shrinks to a few packets */
        }
        x.total = 200000;
        x.hold_fin = true;
        bool ok1 = sim_run(&s, pump, &x, 120000000);
        if (!ok1 || x.closed)
            fprintf(stderr, "seed %llu: slow part: got %llu closed %d\n", (unsigned long long)seed,
                    (unsigned long long)x.got, x.closed);
        SIM_ASSERT(&s, ok1 && !x.closed);
        /* 200 KB done over a lossy 800 ms RTT; now 10 ms, clean, 2.8 MB more */
        for (int d = 0; d < 2; d++) {
            s.dir[d].delay_us = 5000;
            s.dir[d].loss = 0;
        }
        x.total = 3000000;
        x.hold_fin = false;
        uint64_t t0 = s.p.now;
        bool ok = sim_run(&s, pump, &x, 60000000);
        SIM_ASSERT(&s, ok && !x.closed && !x.bad && x.got == x.total);
        SIM_ASSERT(&s, s.p.now - t0 < 20000000);
        sim_free(&s);
    }
}

/* A path that carries only 1280-byte datagrams while both ends allow 1452
 * (RFC 9000 §14): nothing larger than 1200 goes out before a probe of the
 * larger size is acknowledged (§14.3, DPLPMTUD), so the connection works,
 * a few probes are dropped, and datagrams stay within what the path carries. */
static void test_stream_mtu_1280(void **state)
{
    (void)state;
    sim_seeds sd = sim_seeds_get(51, 4);
    for (uint64_t seed = sd.first; seed < sd.first + sd.count; seed++) {
        sim s;
        sim_init(&s, seed);
        for (int d = 0; d < 2; d++) {
            s.dir[d].mtu = 1280;
            s.dir[d].loss = seed % 2 ? 0.03 : 0;
        }
        transfer(&s, 1000000);
        /* The binary search (quic/pmtud.c) loses at most MAX_PROBES probes per
         * size that does not pass, a handful of sizes from 1452 down. */
        SIM_ASSERT(&s, s.n.mtu_drop[SIM_C2S] <= 18 && s.n.mtu_drop[SIM_S2C] <= 18);
        SIM_ASSERT(&s, quic_conn_dgram_max(s.p.client) <= 1280 - 20);
        sim_free(&s);
    }
    /* Without a limit the probe succeeds and the larger size is used. */
    sim s;
    sim_init(&s, 59);
    transfer(&s, 300000);
    SIM_ASSERT(&s, quic_conn_dgram_max(s.p.client) > 1400);
    sim_free(&s);
}

/* ---- datagrams ---- */

#define DG_N 2000
#define DG_LATE 10 /* datagrams DG_N.. of the late-copy check */
#define DG_LEN 200

static uint64_t fnv(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* Per direction: [SIM_C2S] what the server received, [SIM_S2C] the client. */
typedef struct dg {
    bool c_conn, s_conn, closed;
    uint8_t seen[2][DG_N + DG_LATE];
    uint64_t got[2], dup[2], bad[2];
} dg;

static void dg_note(quic_conn *c, const quic_event *ev, void *ud)
{
    dg *d = ud;
    if (ev->type == QUIC_EV_CONNECTED)
        *(quic_conn_is_server(c) ? &d->s_conn : &d->c_conn) = true;
    if (ev->type == QUIC_EV_CLOSED)
        d->closed = true;
    if (ev->type != QUIC_EV_DATAGRAM)
        return;
    int dir = quic_conn_is_server(c) ? SIM_C2S : SIM_S2C;
    uint64_t seq, h;
    if (ev->len != DG_LEN) {
        d->bad[dir]++;
        return;
    }
    memcpy(&seq, ev->data, 8);
    memcpy(&h, ev->data + 8, 8);
    if (seq >= DG_N + DG_LATE || h != fnv(ev->data + 16, DG_LEN - 16)) {
        d->bad[dir]++;
        return;
    }
    if (d->seen[dir][seq]++)
        d->dup[dir]++;
    d->got[dir]++;
}

/* Copies of client datagrams (taken before the network), replayed at the
 * end (RFC 9000 §12.3: a packet number is processed at most once, however
 * late the copy). With drop_next, the next 1-RTT datagram of the client is
 * taken off the wire instead: the test delivers it late, itself. */
typedef struct replay {
    uint8_t d[64][1500];
    size_t len[64];
    size_t n, seen;
    bool drop_next;
    uint8_t held[1500];
    size_t held_len;
} replay;

static bool keep_copy(sim *s, bool to_server, uint8_t *d, size_t *len, void *ud)
{
    replay *r = ud;
    (void)s;
    if (!to_server || (d[0] & 0x80) != 0)
        return true;
    if (r->drop_next) {
        r->drop_next = false;
        memcpy(r->held, d, *len);
        r->held_len = *len;
        return false;
    }
    if (r->n < 64 && (r->seen++ % 7) == 3) {
        memcpy(r->d[r->n], d, *len);
        r->len[r->n++] = *len;
    }
    return true;
}

/* The datagrams behind the held packet reached the server (and the held
 * ones did not). */
static bool second_half_in(sim *s, void *ud)
{
    dg *d = ud;
    pair_events(s->p.server, dg_note, d);
    for (uint64_t i = DG_N; i < DG_N + DG_LATE; i++)
        if (d->seen[SIM_C2S][i] != (i >= DG_N + DG_LATE / 2))
            return false;
    return true;
}

static bool dg_hs(sim *s, void *ud)
{
    dg *d = ud;
    pair_events(s->p.client, dg_note, d);
    pair_events(s->p.server, dg_note, d);
    return (d->c_conn && d->s_conn) || d->closed;
}

static void dg_fill(sim *s, uint8_t *p, uint64_t i)
{
    memcpy(p, &i, 8);
    for (size_t k = 16; k < DG_LEN; k++)
        p[k] = (uint8_t)sim_rand(s);
    uint64_t h = fnv(p + 16, DG_LEN - 16);
    memcpy(p + 8, &h, 8);
}

/* Both ends send DG_N datagrams at about 50 KB/s over a path that loses 5%,
 * corrupts 10%, duplicates 25% and reorders 10% of the packets: each
 * datagram arrives at most once and unchanged (RFC 9221 §5), and most arrive
 * (measured: 84-90% each way over 20 seeds; a corrupted or lost packet's
 * datagrams are gone, and so are those a small congestion window held back
 * too long). Late copies of packets are accepted once, never twice (RFC
 * 9000 §12.3). */
static void test_datagrams_lossy(void **state)
{
    (void)state;
    sim_seeds sd = sim_seeds_get(21, 5);
    for (uint64_t seed = sd.first; seed < sd.first + sd.count; seed++) {
        sim s;
        sim_init(&s, seed);
        for (int d = 0; d < 2; d++) {
            s.dir[d].jitter_us = 8000;
            s.dir[d].loss = 0.05;
            s.dir[d].reorder = 0.1;
            s.dir[d].dup = 0.25;
            s.dir[d].corrupt = 0.1;
        }
        dg *d = calloc(1, sizeof *d);
        replay *rp = calloc(1, sizeof *rp);
        s.tap = keep_copy;
        s.tap_ud = rp;
        sim_start(&s);
        SIM_ASSERT(&s, sim_run(&s, dg_hs, d, 60000000) && !d->closed);
        uint8_t p[DG_LEN];
        for (uint64_t i = 0; i < DG_N; i++) {
            quic_conn *from[2] = {s.p.client, s.p.server};
            for (int k = 0; k < 2; k++) {
                dg_fill(&s, p, i);
                int rc = quic_conn_dgram_send(from[k], p, DG_LEN, s.p.now);
                SIM_ASSERT(&s, rc == 0 || rc == QUIC_ERR_BLOCKED);
            }
            if (i % 10 == 9) {
                sim_run(&s, NULL, NULL, 40000); /* about 50 KB/s each way */
                pair_events(s.p.client, dg_note, d);
                pair_events(s.p.server, dg_note, d);
            }
        }
        sim_run(&s, NULL, NULL, 2000000);
        pair_events(s.p.client, dg_note, d);
        pair_events(s.p.server, dg_note, d);
        if (getenv("SIM_DEBUG"))
            fprintf(stderr, "seed %llu: server got %llu, client got %llu of %d datagrams\n",
                    (unsigned long long)seed, (unsigned long long)d->got[SIM_C2S],
                    (unsigned long long)d->got[SIM_S2C], DG_N);
        for (int k = 0; k < 2; k++) {
            SIM_ASSERT(&s, d->bad[k] == 0 && d->dup[k] == 0);
            SIM_ASSERT(&s, d->got[k] >= DG_N * 8 / 10 && d->got[k] <= DG_N);
        }
        SIM_ASSERT(&s, !d->closed);
        SIM_ASSERT(&s, s.n.dup[SIM_C2S] > 0 && s.n.corrupted[SIM_C2S] > 0);
        SIM_ASSERT(&s, s.n.dup[SIM_S2C] > 0 && s.n.corrupted[SIM_S2C] > 0);

        /* Copies of old packets at the end: whether processed before or
         * below the receiver's floor (§13.2.3), none delivers anything twice. */
        SIM_ASSERT(&s, rp->n > 20);
        for (size_t k = 0; k < rp->n; k++)
            sim_inject(&s, true, rp->d[k], rp->len[k], 1000 + k);
        sim_run(&s, NULL, NULL, 1000000);
        pair_events(s.p.server, dg_note, d);
        SIM_ASSERT(&s, d->dup[SIM_C2S] == 0 && d->bad[SIM_C2S] == 0 && !d->closed);

        /* A late copy is accepted exactly once: on a clean path, the
         * packet carrying datagrams DG_N.. is taken off the wire; once the
         * packet sent behind it has arrived, it is delivered three times:
         * then, 1 ms later, and 2 s later. */
        for (int k = 0; k < 2; k++)
            s.dir[k] = (sim_dir){.delay_us = 10000};
        sim_run(&s, NULL, NULL, 500000);
        pair_events(s.p.client, dg_note, d);
        pair_events(s.p.server, dg_note, d);
        rp->drop_next = true;
        for (uint64_t i = DG_N; i < DG_N + DG_LATE; i++) {
            dg_fill(&s, p, i);
            SIM_ASSERT(&s, quic_conn_dgram_send(s.p.client, p, DG_LEN, s.p.now) == 0);
            if (i == DG_N + DG_LATE / 2 - 1) {
                /* the first half goes in the packet taken off the wire, the
                 * second in one behind it, which arrives first */
                sim_run(&s, NULL, NULL, 1000);
                SIM_ASSERT(&s, rp->held_len > DG_LATE / 2 * DG_LEN && !rp->drop_next);
            }
        }
        SIM_ASSERT(&s, sim_run(&s, second_half_in, d, 2000000));
        quic_conn_stats st0, st1;
        quic_conn_stats_get(s.p.server, &st0);
        sim_inject(&s, true, rp->held, rp->held_len, 1000);
        sim_inject(&s, true, rp->held, rp->held_len, 2000);
        sim_inject(&s, true, rp->held, rp->held_len, 2000000);
        sim_run(&s, NULL, NULL, 3000000);
        pair_events(s.p.server, dg_note, d);
        quic_conn_stats_get(s.p.server, &st1);
        for (uint64_t i = DG_N; i < DG_N + DG_LATE; i++)
            SIM_ASSERT(&s, d->seen[SIM_C2S][i] == 1);
        SIM_ASSERT(&s, d->dup[SIM_C2S] == 0 && !d->closed);
        SIM_ASSERT(&s, st1.pkts_dropped - st0.pkts_dropped >= 2); /* the two repeats */
        free(rp);
        free(d);
        sim_free(&s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_10mb_lossy),
        cmocka_unit_test(test_stream_small_lossy_many),
        cmocka_unit_test(test_stream_conn_blocked),
        cmocka_unit_test(test_stream_paced_after_slow_path),
        cmocka_unit_test(test_stream_mtu_1280),
        cmocka_unit_test(test_datagrams_lossy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
