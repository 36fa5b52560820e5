/* Congestion control, the part RFC 9002 §7 and Appendix B make common to
 * every algorithm; see cc.h. NewReno and CUBIC supply the rest (cc_algo.h). */
#include "quic/cc.h"

#include "quic/cc_algo.h"

#include <string.h>

uint64_t quic_cc_initial_window(uint64_t mds)
{
    uint64_t cap = 2 * mds > 14720 ? 2 * mds : 14720;
    uint64_t w = 10 * mds;
    return w < cap ? w : cap;
}

void quic_cc_init(quic_cc *cc, quic_cc_algo algo, size_t max_datagram_size)
{
    memset(cc, 0, sizeof *cc);
    if (max_datagram_size < QUIC_CC_MIN_DATAGRAM)
        max_datagram_size = QUIC_CC_MIN_DATAGRAM;
#ifdef QUINCE_MINIMAL /* the size profile: NewReno only (cc_cubic.c left out) */
    algo = QUIC_CC_NEWRENO;
#define quic_cc_cubic_ops quic_cc_newreno_ops
#endif
    switch (algo) {
    case QUIC_CC_NEWRENO:
        cc->ops = &quic_cc_newreno_ops;
        break;
    case QUIC_CC_CUBIC:
    default:
        algo = QUIC_CC_CUBIC;
        cc->ops = &quic_cc_cubic_ops;
        break;
    }
    cc->algo = algo;
    cc->max_datagram_size = max_datagram_size;
    cc->cwnd = quic_cc_initial_window(max_datagram_size);
    cc->ssthresh = UINT64_MAX; /* B.3: slow start until the first loss */
    cc->ops->init(cc);
}

void quic_cc_reset_for_new_path(quic_cc *cc, size_t max_datagram_size)
{
    uint64_t in_flight = cc->bytes_in_flight;
    quic_cc_init(cc, cc->algo, max_datagram_size);
    cc->bytes_in_flight = in_flight;
}

const char *quic_cc_name(const quic_cc *cc) { return cc->ops->name; }

void quic_cc_set_max_datagram_size(quic_cc *cc, size_t max_datagram_size, bool in_handshake)
{
    if (max_datagram_size < QUIC_CC_MIN_DATAGRAM)
        max_datagram_size = QUIC_CC_MIN_DATAGRAM;
    bool smaller = max_datagram_size < cc->max_datagram_size;
    cc->max_datagram_size = max_datagram_size;
    if (smaller && in_handshake)
        cc->cwnd = quic_cc_initial_window(max_datagram_size);
    if (cc->cwnd < quic_cc_minimum_window(cc))
        cc->cwnd = quic_cc_minimum_window(cc);
}

bool quic_cc_can_send(const quic_cc *cc, size_t bytes)
{
    if (cc->send_one)
        return true;
    return cc->bytes_in_flight + bytes <= cc->cwnd;
}

uint64_t quic_cc_available(const quic_cc *cc)
{
    return cc->bytes_in_flight >= cc->cwnd ? 0 : cc->cwnd - cc->bytes_in_flight;
}

#define CC_MAX_SRTT ((uint64_t)1 << 32) /* keeps 4 * srtt in range */

quic_pacer_rate quic_cc_pacing_rate(const quic_cc *cc, uint64_t smoothed_rtt)
{
    if (smoothed_rtt == 0)
        return (quic_pacer_rate){0, 0};
    if (smoothed_rtt > CC_MAX_SRTT)
        smoothed_rtt = CC_MAX_SRTT;
    /* §7.7: rate = N * cwnd / smoothed_rtt with N = 1.25 = 5/4 */
    return (quic_pacer_rate){5 * cc->cwnd, 4 * smoothed_rtt};
}

void quic_cc_on_sent(quic_cc *cc, size_t bytes, uint64_t now)
{
    cc->ops->on_sent(cc, now);
    cc->bytes_in_flight += bytes;
    cc->send_one = false;
}

static void remove_in_flight(quic_cc *cc, uint64_t bytes)
{
    cc->bytes_in_flight = bytes > cc->bytes_in_flight ? 0 : cc->bytes_in_flight - bytes;
}

bool quic_cc_in_recovery(const quic_cc *cc, uint64_t sent_time)
{
    return cc->has_recovery_start && sent_time <= cc->recovery_start;
}

void quic_cc_on_acked(quic_cc *cc, const quic_sent_pkt *acked, size_t n, const quic_rtt *rtt,
                      uint64_t now)
{
    for (size_t i = 0; i < n; i++) {
        const quic_sent_pkt *p = &acked[i];
        if (!p->in_flight)
            continue;
        remove_in_flight(cc, p->size);
        if (cc->bytes_in_flight == 0)
            cc->drained_at = now;
        /* B.5: no growth when the sender did not use the window, nor for
         * packets sent before the recovery period started. */
        if (cc->app_limited || quic_cc_in_recovery(cc, p->time_sent))
            continue;
        if (cc->cwnd < cc->ssthresh)
            cc->cwnd += p->size; /* slow start (§7.3.1; RFC 9438 §4.10) */
        else
            cc->ops->on_ack_avoidance(cc, p->size, rtt, now);
    }
}

void quic_cc_on_congestion_event(quic_cc *cc, uint64_t sent_time, uint64_t now)
{
    if (quic_cc_in_recovery(cc, sent_time))
        return; /* §7.3.2: at most one reduction per recovery period */
    cc->has_recovery_start = true;
    cc->recovery_start = now;
    cc->ops->on_congestion(cc, now);
    if (cc->cwnd < quic_cc_minimum_window(cc))
        cc->cwnd = quic_cc_minimum_window(cc);
    cc->send_one = true; /* §7.3.2: one packet may go before the reduction bites */
    cc->congestion_events++;
}

void quic_cc_on_ecn_ce(quic_cc *cc, uint64_t sent_time, uint64_t now)
{
    quic_cc_on_congestion_event(cc, sent_time, now); /* B.7 */
}

void quic_cc_on_persistent_congestion(quic_cc *cc)
{
    cc->cwnd = quic_cc_minimum_window(cc);
    cc->has_recovery_start = false;
    cc->ops->on_persistent(cc);
    cc->persistent_events++;
}

void quic_cc_on_lost(quic_cc *cc, const quic_sent_pkt *lost, size_t n, bool persistent,
                     uint64_t now)
{
    bool any = false;
    uint64_t last_sent = 0;
    for (size_t i = 0; i < n; i++) {
        if (!lost[i].in_flight)
            continue;
        remove_in_flight(cc, lost[i].size);
        if (cc->bytes_in_flight == 0)
            cc->drained_at = now;
        if (!any || lost[i].time_sent > last_sent)
            last_sent = lost[i].time_sent;
        any = true;
    }
    if (any)
        quic_cc_on_congestion_event(cc, last_sent, now);
    if (persistent)
        quic_cc_on_persistent_congestion(cc);
}

void quic_cc_on_discarded(quic_cc *cc, const quic_sent_pkt *pkts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (pkts[i].in_flight)
            remove_in_flight(cc, pkts[i].size);
}
