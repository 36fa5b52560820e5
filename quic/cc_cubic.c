/* CUBIC, RFC 9438: the algorithm half (cc_algo.h). Slow start, the recovery
 * period and persistent congestion are RFC 9002's, in cc.c (RFC 9438 §4.10
 * allows Reno's slow start; HyStart++ is not done). Integers only: windows in
 * bytes, K in microseconds, the cubic term at millisecond resolution. */
#include "quic/cc_cubic.h"

#include "quic/cc_algo.h"

#include <string.h>

/* beta_cubic = 0.7 (§4.6) and C = 0.4 segments/s^3 (§5) as fractions. */
#define BETA_NUM 7
#define BETA_DEN 10
/* alpha_cubic = 3 * (1 - beta) / (1 + beta) = 0.9 / 1.7 = 9/17 (§4.3) */
#define ALPHA_NUM 9
#define ALPHA_DEN 17
#define MAX_DIFF ((uint64_t)1 << 32) /* W_max - cwnd_epoch kept below 4 GB */
#define MAX_D_MS ((uint64_t)1 << 20) /* |t - K| up to ~17 min: d^3 < 2^60 */

/* floor(cbrt(x)) */
static uint64_t icbrt(uint64_t x)
{
    uint64_t lo = 0, hi = 2642245; /* cbrt(2^64) < 2642246 */
    while (lo < hi) {
        uint64_t mid = (lo + hi + 1) / 2;
        if (mid * mid * mid <= x)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

uint64_t quic_cc_cubic_k(uint64_t w_max, uint64_t cwnd_epoch, uint64_t mds)
{
    if (cwnd_epoch >= w_max || mds == 0)
        return 0;
    uint64_t diff = w_max - cwnd_epoch;
    if (diff > MAX_DIFF)
        diff = MAX_DIFF;
    /* K in ms = cbrt(diff / (C * mds) * 1e9) = cbrt(diff * 2.5e9 / mds) (eq. 2) */
    return icbrt(diff * 2500000000ull / mds) * 1000;
}

uint64_t quic_cc_cubic_w(uint64_t w_max, uint64_t k_us, uint64_t t_us, uint64_t mds)
{
    bool below = t_us < k_us;
    uint64_t d_ms = (below ? k_us - t_us : t_us - k_us) / 1000;
    if (d_ms > MAX_D_MS)
        d_ms = MAX_D_MS;
    /* C * mds * d^3 bytes with d in seconds: 0.4 * mds * d_ms^3 / 1e9 (eq. 1),
     * split so no product exceeds 64 bits */
    uint64_t q = d_ms * d_ms * d_ms;
    uint64_t term = (q / 1000000000u) * 4 * mds / 10 + (q % 1000000000u) * 4 * mds / 10000000000ull;
    if (below)
        return term >= w_max ? 0 : w_max - term;
    return w_max + term;
}

static void cubic_init(quic_cc *cc) { memset(&cc->u.cubic, 0, sizeof cc->u.cubic); }

/* §5.8: t must not count the time the sender had nothing in flight, or
 * W_cubic(t) would jump after an idle period: the epoch moves by it. */
static void cubic_on_sent(quic_cc *cc, uint64_t now)
{
    quic_cc_cubic *s = &cc->u.cubic;
    if (cc->bytes_in_flight == 0 && s->in_epoch && now > cc->drained_at)
        s->t_epoch += now - cc->drained_at;
}

static void epoch_start(quic_cc *cc, uint64_t now)
{
    quic_cc_cubic *s = &cc->u.cubic;
    s->in_epoch = true;
    s->t_epoch = now;
    s->cwnd_epoch = cc->cwnd;
    s->w_est = cc->cwnd; /* §4.3 */
    s->est_acc = s->cubic_acc = 0;
    if (s->w_max <= cc->cwnd) {
        /* No congestion event yet, or after a timeout (§4.8, §4.10): K = 0
         * and W_max = cwnd at the start of this stage. */
        s->w_max = cc->cwnd;
        s->k_us = 0;
    } else {
        s->k_us = quic_cc_cubic_k(s->w_max, s->cwnd_epoch, cc->max_datagram_size);
    }
}

/* §4.2-§4.5: per new ACK in congestion avoidance. */
static void cubic_on_ack_avoidance(quic_cc *cc, uint64_t bytes, const quic_rtt *rtt, uint64_t now)
{
    quic_cc_cubic *s = &cc->u.cubic;
    uint64_t mds = cc->max_datagram_size;
    if (!s->in_epoch)
        epoch_start(cc, now);
    uint64_t t = now > s->t_epoch ? now - s->t_epoch : 0;
    uint64_t srtt = rtt ? rtt->smoothed : 0;

    /* §4.3 eq. 4: W_est += alpha * segments_acked / cwnd (segments), in
     * bytes alpha * mds * bytes / cwnd; alpha is 1 once W_est has reached
     * cwnd_prior. */
    uint64_t alpha = s->w_est >= s->cwnd_prior ? ALPHA_DEN : ALPHA_NUM;
    s->est_acc += alpha * mds * bytes;
    uint64_t den = ALPHA_DEN * cc->cwnd;
    s->w_est += s->est_acc / den;
    s->est_acc %= den;

    if (quic_cc_cubic_w(s->w_max, s->k_us, t, mds) < s->w_est) {
        /* Reno-friendly region: cwnd follows W_est (never shrinks on an ACK). */
        if (s->w_est > cc->cwnd)
            cc->cwnd = s->w_est;
        return;
    }
    /* Concave (cwnd < W_max) or convex region: target = W_cubic(t + RTT)
     * within [cwnd, 1.5 cwnd] (§4.2), cwnd += (target - cwnd) / cwnd per
     * segment acked (§4.4, §4.5). */
    uint64_t target = quic_cc_cubic_w(s->w_max, s->k_us, t + srtt, mds);
    if (target < cc->cwnd)
        target = cc->cwnd;
    if (target > cc->cwnd + cc->cwnd / 2)
        target = cc->cwnd + cc->cwnd / 2;
    s->cubic_acc += (target - cc->cwnd) * bytes;
    uint64_t inc = s->cubic_acc / cc->cwnd;
    s->cubic_acc %= cc->cwnd;
    cc->cwnd += inc;
}

/* §4.6 multiplicative decrease with §4.7 fast convergence. ssthresh comes
 * from cwnd, not flight_size, as RFC 9002 B.6 does; §4.6 asks such senders
 * to keep cwnd from growing while unused: cc.c stops growth while the
 * connection reports app_limited (RFC 9002 §7.8). */
static void cubic_on_congestion(quic_cc *cc, uint64_t now)
{
    (void)now;
    quic_cc_cubic *s = &cc->u.cubic;
    if (s->w_max && cc->cwnd < s->w_max)
        s->w_max = cc->cwnd * (BETA_DEN + BETA_NUM) / (2 * BETA_DEN); /* §4.7 */
    else
        s->w_max = cc->cwnd;
    s->cwnd_prior = cc->cwnd;
    uint64_t ss = cc->cwnd * BETA_NUM / BETA_DEN;
    if (ss < quic_cc_minimum_window(cc))
        ss = quic_cc_minimum_window(cc);
    cc->ssthresh = ss;
    cc->cwnd = ss;
    s->in_epoch = false; /* a new congestion avoidance stage starts */
}

/* §4.8: after a timeout the next stage starts with K = 0 and W_max = cwnd. */
static void cubic_on_persistent(quic_cc *cc)
{
    quic_cc_cubic *s = &cc->u.cubic;
    s->in_epoch = false;
    s->w_max = 0;
}

const quic_cc_ops quic_cc_cubic_ops = {
    .name = "cubic",
    .init = cubic_init,
    .on_sent = cubic_on_sent,
    .on_ack_avoidance = cubic_on_ack_avoidance,
    .on_congestion = cubic_on_congestion,
    .on_persistent = cubic_on_persistent,
};
