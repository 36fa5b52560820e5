/* CUBIC (RFC 9438) against its formulas: the window function at chosen
 * points, the decrease, fast convergence, the Reno-friendly region, and the
 * window following W_cubic through the congestion control interface. */
#include "common/tu.h"
#include "quic/cc.h"
#include "quic/cc_cubic.h"



#define MS 1000ULL
#define S (1000 * MS)
#define MSS 1200ULL

static quic_sent_pkt pkt(uint64_t pn, uint32_t size, uint64_t t)
{
    quic_sent_pkt p = {.pn = pn, .time_sent = t, .size = size, .ack_eliciting = 1, .in_flight = 1};
    return p;
}

/* RFC 9438 eq. 1 and 2 in floating point, segments and seconds (Newton's
 * cube root, so the test needs no libm). */
static double dabs(double x) { return x < 0 ? -x : x; }
static double dcbrt(double x)
{
    double r = x > 1 ? x / 3 : 1;
    for (int i = 0; i < 200; i++)
        r -= (r * r * r - x) / (3 * r * r);
    return r;
}
static double rfc_k(double w_max, double cwnd_epoch) { return dcbrt((w_max - cwnd_epoch) / 0.4); }
static double rfc_w(double w_max, double k, double t) { return 0.4 * (t - k) * (t - k) * (t - k) + w_max; }

static void test_cubic_k_is_cbrt_of_w_max_gap_over_c(void **state)
{
    (void)state;
    /* W_max 100 segments, cwnd_epoch = beta * W_max = 70: K = dcbrt(75) s */
    uint64_t k = quic_cc_cubic_k(100 * MSS, 70 * MSS, MSS);
    double want = rfc_k(100, 70) * 1e6;
    assert_true(dabs((double)k - want) <= 1000); /* ms resolution */
    assert_true(k == 4217 * MS);
    /* the form K = dcbrt(W_max * (1 - beta) / C) for W_max 1000 */
    k = quic_cc_cubic_k(1000 * MSS, 700 * MSS, MSS);
    assert_true(dabs((double)k - dcbrt(1000 * 0.3 / 0.4) * 1e6) <= 1000);
    /* no gap, no K */
    assert_true(quic_cc_cubic_k(50 * MSS, 50 * MSS, MSS) == 0);
    assert_true(quic_cc_cubic_k(50 * MSS, 60 * MSS, MSS) == 0);
}

static void test_cubic_w_matches_rfc_at_chosen_points(void **state)
{
    (void)state;
    uint64_t w_max = 100 * MSS;
    uint64_t k = quic_cc_cubic_k(w_max, 70 * MSS, MSS);
    double kd = (double)k / 1e6;
    /* t = K: exactly W_max */
    assert_true(quic_cc_cubic_w(w_max, k, k, MSS) == w_max);
    /* t = 0: back at cwnd_epoch (within a segment: K has ms resolution) */
    uint64_t w0 = quic_cc_cubic_w(w_max, k, 0, MSS);
    assert_true(dabs((double)w0 - 70.0 * MSS) < MSS);
    /* other points against the formula, within a byte or two of rounding */
    uint64_t ts[] = {500 * MS, 1 * S, 2 * S, 3 * S, 4 * S, 5 * S, 7 * S, 10 * S};
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
        double want = rfc_w(100, kd, (double)ts[i] / 1e6) * MSS;
        double got = (double)quic_cc_cubic_w(w_max, k, ts[i], MSS);
        assert_true(dabs(got - want) <= 2.0);
    }
    /* one second either side of K: -/+ C * 1^3 segments = 480 bytes */
    assert_true(quic_cc_cubic_w(w_max, k, k + 1 * S, MSS) == w_max + 480);
    assert_true(quic_cc_cubic_w(w_max, k, k - 1 * S, MSS) == w_max - 480);
    /* concave before K: growth slows toward W_max; convex after: speeds up */
    uint64_t a = quic_cc_cubic_w(w_max, k, 1 * S, MSS), b = quic_cc_cubic_w(w_max, k, 2 * S, MSS),
             c = quic_cc_cubic_w(w_max, k, 3 * S, MSS);
    assert_true(a < b && b < c && c < w_max && b - a > c - b);
    uint64_t d = quic_cc_cubic_w(w_max, k, k + 1 * S, MSS), e = quic_cc_cubic_w(w_max, k, k + 2 * S, MSS),
             f = quic_cc_cubic_w(w_max, k, k + 3 * S, MSS);
    assert_true(w_max < d && d < e && e < f && f - e > e - d);
}

/* Sends a window's worth at `now` and acks all of it one RTT later. */
static uint64_t round_trip(quic_cc *cc, uint64_t *pn, uint64_t now, uint64_t rtt_us)
{
    quic_rtt rtt = {.latest = rtt_us, .min = rtt_us, .smoothed = rtt_us, .has_sample = true};
    uint64_t n = quic_cc_window(cc) / MSS;
    uint64_t first = *pn;
    for (uint64_t i = 0; i < n; i++)
        quic_cc_on_sent(cc, MSS, now);
    for (uint64_t i = 0; i < n; i++) {
        quic_sent_pkt p = pkt(first + i, MSS, now);
        quic_cc_on_acked(cc, &p, 1, &rtt, now + rtt_us);
    }
    *pn = first + n;
    return now + rtt_us;
}

/* Grows in slow start to about `segs` segments, then loses one packet. */
static uint64_t grow_then_lose(quic_cc *cc, uint64_t *pn, uint64_t now, uint64_t segs)
{
    while (quic_cc_window(cc) < segs * MSS && quic_cc_in_slow_start(cc))
        now = round_trip(cc, pn, now, 100 * MS);
    quic_cc_on_sent(cc, MSS, now);
    quic_sent_pkt l = pkt((*pn)++, MSS, now);
    quic_cc_on_lost(cc, &l, 1, false, now + 1);
    return now + 1;
}

static void test_cubic_decrease_to_beta_times_cwnd(void **state)
{
    (void)state;
    quic_cc cc;
    quic_cc_init(&cc, QUIC_CC_CUBIC, MSS);
    assert_string_equal(quic_cc_name(&cc), "cubic");
    uint64_t pn = 0;
    grow_then_lose(&cc, &pn, 0, 100);
    uint64_t before = cc.u.cubic.cwnd_prior;
    assert_true(before >= 100 * MSS);
    assert_true(quic_cc_window(&cc) == before * 7 / 10); /* beta_cubic 0.7 (§4.6) */
    assert_true(cc.ssthresh == quic_cc_window(&cc));
    assert_true(cc.u.cubic.w_max == before);
    assert_true(cc.congestion_events == 1);
    /* NewReno halves the same window */
    quic_cc reno;
    quic_cc_init(&reno, QUIC_CC_NEWRENO, MSS);
    pn = 0;
    grow_then_lose(&reno, &pn, 0, 100);
    assert_true(quic_cc_window(&reno) == before / 2);
}

static void test_cubic_fast_convergence_lowers_w_max(void **state)
{
    (void)state;
    quic_cc cc;
    quic_cc_init(&cc, QUIC_CC_CUBIC, MSS);
    uint64_t pn = 0;
    uint64_t now = grow_then_lose(&cc, &pn, 0, 100);
    uint64_t w_max1 = cc.u.cubic.w_max;
    /* a few rounds of avoidance, still below W_max, then a second loss */
    for (int i = 0; i < 3; i++)
        now = round_trip(&cc, &pn, now, 100 * MS);
    uint64_t cwnd = quic_cc_window(&cc);
    assert_true(cwnd < w_max1);
    quic_cc_on_sent(&cc, MSS, now);
    quic_sent_pkt l = pkt(pn++, MSS, now);
    quic_cc_on_lost(&cc, &l, 1, false, now + 1);
    /* §4.7: W_max = cwnd * (1 + beta) / 2 when the loss came below W_max */
    assert_true(cc.u.cubic.w_max == cwnd * 17 / 20);
    assert_true(quic_cc_window(&cc) == cwnd * 7 / 10);
}

/* With a large window and a long RTT, the window follows W_cubic: near
 * W_max at t = K, beyond it in the convex region. */
static void test_cubic_window_follows_the_curve(void **state)
{
    (void)state;
    quic_cc cc;
    quic_cc_init(&cc, QUIC_CC_CUBIC, MSS);
    uint64_t pn = 0;
    uint64_t now = grow_then_lose(&cc, &pn, 0, 300);
    uint64_t w_max = cc.u.cubic.w_max;
    uint64_t start = now;
    /* the epoch starts at the first ack of a packet sent after the loss */
    now = round_trip(&cc, &pn, now + 1, 100 * MS);
    assert_true(cc.u.cubic.in_epoch);
    uint64_t k = cc.u.cubic.k_us;
    assert_true(k == quic_cc_cubic_k(w_max, cc.u.cubic.cwnd_epoch, MSS));
    while (now < start + k)
        now = round_trip(&cc, &pn, now, 100 * MS);
    double at_k = (double)quic_cc_window(&cc) / (double)w_max;
    assert_true(at_k > 0.97 && at_k < 1.03);
    /* the Reno estimate stayed below: the cubic curve was in charge */
    assert_true(cc.u.cubic.w_est < quic_cc_window(&cc));
    for (int i = 0; i < 30; i++)
        now = round_trip(&cc, &pn, now, 100 * MS);
    assert_true(quic_cc_window(&cc) > w_max + 10 * MSS); /* convex: probing above */
}

/* Short RTT, small window: W_cubic barely moves within the time W_est grows
 * by alpha per RTT, so the Reno-friendly region takes over (§4.3). */
static void test_cubic_reno_friendly_region_at_small_windows(void **state)
{
    (void)state;
    quic_cc cc;
    quic_cc_init(&cc, QUIC_CC_CUBIC, MSS);
    uint64_t pn = 0;
    uint64_t now = grow_then_lose(&cc, &pn, 0, 20);
    uint64_t w0 = quic_cc_window(&cc);
    now = round_trip(&cc, &pn, now, 1 * MS);
    uint64_t t0 = cc.u.cubic.t_epoch;
    for (int i = 0; i < 50; i++)
        now = round_trip(&cc, &pn, now, 1 * MS);
    uint64_t w_cubic = quic_cc_cubic_w(cc.u.cubic.w_max, cc.u.cubic.k_us, now - t0, MSS);
    assert_true(quic_cc_window(&cc) > w_cubic + 10 * MSS);
    assert_true(quic_cc_window(&cc) == cc.u.cubic.w_est);
    /* about alpha = 9/17 segment per RTT until cwnd_prior, then 1 per RTT */
    assert_true(quic_cc_window(&cc) > w0 + 30 * MSS && quic_cc_window(&cc) < w0 + 52 * MSS);
}

/* §4.8 via RFC 9002 §7.6.2: minimum window, slow start, then K = 0. */
static void test_cubic_persistent_congestion_restarts_with_k_zero(void **state)
{
    (void)state;
    quic_cc cc;
    quic_cc_init(&cc, QUIC_CC_CUBIC, MSS);
    uint64_t pn = 0;
    uint64_t now = grow_then_lose(&cc, &pn, 0, 100);
    quic_sent_pkt l = pkt(pn++, MSS, now);
    quic_cc_on_sent(&cc, MSS, now);
    quic_cc_on_lost(&cc, &l, 1, true, now + 1);
    assert_true(quic_cc_window(&cc) == 2 * MSS && cc.persistent_events == 1);
    while (quic_cc_in_slow_start(&cc))
        now = round_trip(&cc, &pn, now, 100 * MS);
    now = round_trip(&cc, &pn, now, 100 * MS);
    assert_true(cc.u.cubic.k_us == 0);
    assert_true(cc.u.cubic.w_max == cc.u.cubic.cwnd_epoch);
}

/* ECN-CE is a congestion event like a loss (RFC 9002 §7.1, B.7). */
static void test_cubic_ecn_ce_reduces_once_per_recovery(void **state)
{
    (void)state;
    quic_cc cc;
    quic_cc_init(&cc, QUIC_CC_CUBIC, MSS);
    quic_cc_on_ecn_ce(&cc, 10 * MS, 20 * MS);
    assert_true(quic_cc_window(&cc) == 12000 * 7 / 10);
    quic_cc_on_ecn_ce(&cc, 15 * MS, 25 * MS); /* sent before the recovery start */
    assert_true(quic_cc_window(&cc) == 12000 * 7 / 10 && cc.congestion_events == 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cubic_k_is_cbrt_of_w_max_gap_over_c),
        cmocka_unit_test(test_cubic_w_matches_rfc_at_chosen_points),
        cmocka_unit_test(test_cubic_decrease_to_beta_times_cwnd),
        cmocka_unit_test(test_cubic_fast_convergence_lowers_w_max),
        cmocka_unit_test(test_cubic_window_follows_the_curve),
        cmocka_unit_test(test_cubic_reno_friendly_region_at_small_windows),
        cmocka_unit_test(test_cubic_persistent_congestion_restarts_with_k_zero),
        cmocka_unit_test(test_cubic_ecn_ce_reduces_once_per_recovery),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
