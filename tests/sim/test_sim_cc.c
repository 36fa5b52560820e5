/* Congestion control over the simulated network (RFC 9002 §7, RFC 9438):
 * two quince flows sharing a drop-tail bottleneck (CUBIC/CUBIC and
 * NewReno/CUBIC) report their throughput shares, and one bulk upload over a
 * 50 ms, 100 Mbit/s path with 0.1% loss reports the fraction of the ideal
 * time it reached. All virtual time; the bounds asserted are generous. */
#include "common/sim.h"
#include "quic/conn_test.h"

#include <stdlib.h>
#include <string.h>

typedef struct flow {
    bool c_conn, s_conn, closed;
    int64_t sid;
    uint64_t written, got, total;
    bool fin_got;
} flow;

static void note(quic_conn *c, const quic_event *ev, void *ud)
{
    flow *f = ud;
    if (ev->type == QUIC_EV_CONNECTED)
        *(quic_conn_is_server(c) ? &f->s_conn : &f->c_conn) = true;
    if (ev->type == QUIC_EV_CLOSED)
        f->closed = true;
}

/* Big windows: the path's BDP, not flow control, must limit the sender. */
static void flow_sim_init(sim *s, uint64_t seed, quic_cc_algo algo)
{
    sim_init(s, seed);
    quic_config *cfgs[2] = {&s->p.ccfg, &s->p.scfg};
    for (int i = 0; i < 2; i++) {
        cfgs[i]->cc = algo;
        cfgs[i]->initial_max_data = 64u << 20;
        cfgs[i]->initial_max_stream_data = 64u << 20;
        cfgs[i]->stream_send_buffer = 4u << 20;
        cfgs[i]->max_sent_packets = 8192;
    }
}

/* The client writes, the server reads (the bottleneck is client to server). */
static void flow_pump(sim *s, flow *f)
{
    pair_events(s->p.client, note, f);
    pair_events(s->p.server, note, f);
    if (f->sid < 0)
        return;
    static uint8_t buf[65536];
    while (f->written < f->total) {
        size_t n = sizeof buf;
        if (f->total - f->written < n)
            n = (size_t)(f->total - f->written);
        int64_t w = quic_conn_stream_write(s->p.client, (uint64_t)f->sid, buf, n,
                                           f->written + n == f->total);
        if (w <= 0)
            break;
        f->written += (uint64_t)w;
    }
    bool fin = false;
    int64_t r;
    while (!f->fin_got &&
           (r = quic_conn_stream_read(s->p.server, (uint64_t)f->sid, buf, sizeof buf, &fin)) > 0) {
        f->got += (uint64_t)r;
        f->fin_got = fin;
    }
    if (fin)
        f->fin_got = true;
}

typedef struct group {
    flow f[2];
    uint64_t stop_at_got; /* 0: run to the time limit */
} group;

static bool group_pred(sim *const *ss, size_t n, void *ud)
{
    group *g = ud;
    bool done = true;
    for (size_t i = 0; i < n; i++) {
        flow_pump(ss[i], &g->f[i]);
        if (g->f[i].sid < 0)
            done &= g->f[i].c_conn && g->f[i].s_conn;
        else
            done &= g->stop_at_got && g->f[i].fin_got;
        if (g->f[i].closed)
            return true;
    }
    return done;
}

static void start_flows(sim *const *ss, size_t n, group *g, uint64_t total)
{
    for (size_t i = 0; i < n; i++) {
        g->f[i] = (flow){.sid = -1, .total = total};
        sim_start(ss[i]);
    }
    SIM_ASSERT(ss[0], sim_run_group(ss, n, group_pred, g, 10000000));
    for (size_t i = 0; i < n; i++) {
        SIM_ASSERT(ss[i], !g->f[i].closed);
        g->f[i].sid = quic_conn_stream_open(ss[i]->p.client, true);
        SIM_ASSERT(ss[i], g->f[i].sid >= 0);
    }
}

/* Two flows through one 20 Mbit/s link with a BDP of queue (20 ms RTT),
 * 20 s of virtual time; shares are counted over the last 15 s. */
static void two_flows(quic_cc_algo a, quic_cc_algo b, double *share_a, double *util)
{
    sim s[2];
    sim_link link = {.rate_bps = 20000000, .queue_bytes = 50000};
    flow_sim_init(&s[0], 11, a);
    flow_sim_init(&s[1], 12, b);
    for (int i = 0; i < 2; i++) {
        s[i].dir[SIM_C2S].delay_us = s[i].dir[SIM_S2C].delay_us = 10000;
        s[i].dir[SIM_C2S].link = &link;
    }
    sim *ss[2] = {&s[0], &s[1]};
    group g = {0};
    start_flows(ss, 2, &g, UINT64_MAX / 2);
    sim_run_group(ss, 2, group_pred, &g, 5000000);
    uint64_t base[2] = {g.f[0].got, g.f[1].got};
    uint64_t t0 = s[0].p.now;
    sim_run_group(ss, 2, group_pred, &g, 15000000);
    SIM_ASSERT(&s[0], !g.f[0].closed && !g.f[1].closed);
    uint64_t d0 = g.f[0].got - base[0], d1 = g.f[1].got - base[1];
    double secs = (double)(s[0].p.now - t0) / 1e6;
    *share_a = (double)d0 / (double)(d0 + d1);
    *util = (double)(d0 + d1) * 8 / secs / 20e6;
    fprintf(stderr, "sim cc: %s vs %s over 20 Mbit/s, 20 ms: shares %.2f / %.2f, link use %.2f "
            "(stream bytes), %llu drops\n",
            a == QUIC_CC_CUBIC ? "cubic" : "newreno", b == QUIC_CC_CUBIC ? "cubic" : "newreno",
            *share_a, 1 - *share_a, *util, (unsigned long long)link.drops);
    sim_free(&s[0]);
    sim_free(&s[1]);
}

static void test_two_cubic_flows_share_a_bottleneck(void **state)
{
    (void)state;
    double share, util;
    two_flows(QUIC_CC_CUBIC, QUIC_CC_CUBIC, &share, &util);
    assert_true(share > 0.25 && share < 0.75);
    assert_true(util > 0.7);
}

static void test_newreno_and_cubic_share_a_bottleneck(void **state)
{
    (void)state;
    double share, util;
    two_flows(QUIC_CC_NEWRENO, QUIC_CC_CUBIC, &share, &util);
    assert_true(share > 0.1 && share < 0.9);
    assert_true(util > 0.7);
}

/* 50 ms RTT, 100 Mbit/s, 0.1% random loss, a BDP of queue: the ideal time
 * is size / rate; loss-based control keeps well below it at this loss rate
 * (Reno's window ~1.22/sqrt(p) = 39 packets per RTT), so only a generous
 * floor is asserted and the figure is printed. SIM_BULK_MB sets the size. */
static void bulk(quic_cc_algo algo, double *fraction)
{
    uint64_t mb = 200; /* the size: about a second of CPU here */
    const char *e = getenv("SIM_BULK_MB");
    if (e && *e)
        mb = strtoull(e, NULL, 0);
    uint64_t total = mb << 20;
    sim s;
    sim_link link = {.rate_bps = 100000000, .queue_bytes = 625000};
    flow_sim_init(&s, 21, algo);
    s.dir[SIM_C2S].delay_us = s.dir[SIM_S2C].delay_us = 25000;
    s.dir[SIM_C2S].loss = 0.001;
    s.dir[SIM_C2S].link = &link;
    sim *ss[1] = {&s};
    group g = {.stop_at_got = 1};
    start_flows(ss, 1, &g, total);
    uint64_t t0 = s.p.now;
    bool ok = sim_run_group(ss, 1, group_pred, &g, 3600u * 1000000u);
    SIM_ASSERT(&s, ok && g.f[0].fin_got && g.f[0].got == total);
    double secs = (double)(s.p.now - t0) / 1e6;
    double ideal = (double)total * 8 / 100e6 + 0.05;
    *fraction = ideal / secs;
    fprintf(stderr, "sim cc: %s bulk %llu MB over 100 Mbit/s, 50 ms, 0.1%% loss: %.2f s "
            "(ideal %.2f s): %.0f%% of ideal, %.1f Mbit/s\n",
            algo == QUIC_CC_CUBIC ? "cubic" : "newreno", (unsigned long long)mb, secs, ideal,
            100 * *fraction, (double)total * 8 / secs / 1e6);
    sim_free(&s);
}

static void test_bulk_over_lossy_long_fat_path(void **state)
{
    (void)state;
    double cubic, reno;
    bulk(QUIC_CC_CUBIC, &cubic);
    bulk(QUIC_CC_NEWRENO, &reno);
    assert_true(cubic > 0.03 && reno > 0.03);
}

typedef struct trickle {
    flow f;
    uint64_t next_write;
    uint64_t until;
} trickle;

static bool trickle_pred(sim *const *ss, size_t n, void *ud)
{
    (void)n;
    trickle *t = ud;
    sim *s = ss[0];
    pair_events(s->p.client, note, &t->f);
    pair_events(s->p.server, note, &t->f);
    if (s->p.now >= t->next_write) {
        uint8_t b[100] = {0};
        SIM_ASSERT(s, quic_conn_stream_write(s->p.client, (uint64_t)t->f.sid, b, sizeof b, false) == 100);
        t->next_write = s->p.now + 10000;
    }
    uint8_t buf[4096];
    bool fin;
    while (quic_conn_stream_read(s->p.server, (uint64_t)t->f.sid, buf, sizeof buf, &fin) > 0)
        ;
    return t->f.closed || s->p.now >= t->until;
}

/* RFC 9002 §7.8, RFC 9438 §4.6 and §5.8: a sender that leaves its window
 * unused (100 bytes every 10 ms) does not grow it, with either algorithm. */
static void test_app_limited_sender_keeps_its_window(void **state)
{
    (void)state;
    quic_cc_algo algos[2] = {QUIC_CC_CUBIC, QUIC_CC_NEWRENO};
    for (int i = 0; i < 2; i++) {
        sim s;
        flow_sim_init(&s, 31, algos[i]);
        sim *ss[1] = {&s};
        group g = {0};
        start_flows(ss, 1, &g, 0);
        uint64_t w0 = quic_test_view(s.p.client).cwnd;
        trickle t = {.f = g.f[0], .next_write = s.p.now, .until = s.p.now + 10000000};
        sim_run_group(ss, 1, trickle_pred, &t, 11000000);
        SIM_ASSERT(&s, !t.f.closed);
        uint64_t w1 = quic_test_view(s.p.client).cwnd;
        fprintf(stderr, "sim cc: %s app-limited 10 s: cwnd %llu -> %llu\n",
                algos[i] == QUIC_CC_CUBIC ? "cubic" : "newreno", (unsigned long long)w0,
                (unsigned long long)w1);
        SIM_ASSERT(&s, w1 <= w0 + 2 * 1200);
        sim_free(&s);
    }
}

/* quic_config.cc reaches the connection; quic_config_init means CUBIC. */
static void test_config_chooses_the_algorithm(void **state)
{
    (void)state;
    quic_config d;
    quic_config_init(&d, false, NULL);
    assert_int_equal(d.cc, QUIC_CC_CUBIC);
    quic_cc_algo algos[2] = {QUIC_CC_CUBIC, QUIC_CC_NEWRENO};
    const char *names[2] = {"cubic", "newreno"};
    for (int i = 0; i < 2; i++) {
        sim s;
        flow_sim_init(&s, 41, algos[i]);
        sim *ss[1] = {&s};
        group g = {0};
        start_flows(ss, 1, &g, 0);
        assert_string_equal(quic_test_view(s.p.client).cc_name, names[i]);
        assert_string_equal(quic_test_view(s.p.server).cc_name, names[i]);
        sim_free(&s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_cubic_flows_share_a_bottleneck),
        cmocka_unit_test(test_newreno_and_cubic_share_a_bottleneck),
        cmocka_unit_test(test_bulk_over_lossy_long_fat_path),
        cmocka_unit_test(test_app_limited_sender_keeps_its_window),
        cmocka_unit_test(test_config_chooses_the_algorithm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
