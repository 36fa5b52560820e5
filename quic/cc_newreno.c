/* NewReno, RFC 9002 §7.3 and Appendix B: the algorithm half (cc_algo.h). */
#include "quic/cc_algo.h"

static void reno_init(quic_cc *cc) { cc->u.reno.ca_acked = 0; }

static void reno_on_sent(quic_cc *cc, uint64_t now)
{
    (void)cc;
    (void)now;
}

/* §7.3.3: one datagram per window acked, counted in bytes as RFC 3465 §2.1
 * suggests for integers. */
static void reno_on_ack_avoidance(quic_cc *cc, uint64_t bytes, const quic_rtt *rtt, uint64_t now)
{
    (void)rtt;
    (void)now;
    cc->u.reno.ca_acked += bytes;
    if (cc->u.reno.ca_acked >= cc->cwnd) {
        cc->u.reno.ca_acked -= cc->cwnd;
        cc->cwnd += cc->max_datagram_size;
    }
}

static void reno_on_congestion(quic_cc *cc, uint64_t now)
{
    (void)now;
    cc->ssthresh = cc->cwnd / 2; /* kLossReductionFactor 0.5 (B.6) */
    cc->cwnd = cc->ssthresh;
    cc->u.reno.ca_acked = 0;
}

static void reno_on_persistent(quic_cc *cc) { cc->u.reno.ca_acked = 0; }

const quic_cc_ops quic_cc_newreno_ops = {
    .name = "newreno",
    .init = reno_init,
    .on_sent = reno_on_sent,
    .on_ack_avoidance = reno_on_ack_avoidance,
    .on_congestion = reno_on_congestion,
    .on_persistent = reno_on_persistent,
};
