/* NewReno and the pacer, RFC 9002 §7 and Appendix B; see cc.h. */
#include "quic/cc.h"

#include <string.h>

uint64_t quic_cc_initial_window(uint64_t mds)
{
    uint64_t cap = 2 * mds > 14720 ? 2 * mds : 14720;
    uint64_t w = 10 * mds;
    return w < cap ? w : cap;
}

uint64_t quic_cc_minimum_window(const quic_cc *cc) { return 2 * cc->max_datagram_size; }

void quic_cc_init(quic_cc *cc, size_t max_datagram_size)
{
    memset(cc, 0, sizeof *cc);
    if (max_datagram_size < QUIC_CC_MIN_DATAGRAM)
        max_datagram_size = QUIC_CC_MIN_DATAGRAM;
    cc->max_datagram_size = max_datagram_size;
    cc->cwnd = quic_cc_initial_window(max_datagram_size);
    cc->ssthresh = UINT64_MAX; /* B.3: slow start until the first loss */
}

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

void quic_cc_on_sent(quic_cc *cc, size_t bytes)
{
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

void quic_cc_on_acked(quic_cc *cc, const quic_sent_pkt *acked, size_t n, uint64_t now)
{
    (void)now;
    for (size_t i = 0; i < n; i++) {
        const quic_sent_pkt *p = &acked[i];
        if (!p->in_flight)
            continue;
        remove_in_flight(cc, p->size);
        /* B.5: no growth when the sender did not use the window, nor for
         * packets sent before the recovery period started. */
        if (cc->app_limited || quic_cc_in_recovery(cc, p->time_sent))
            continue;
        if (cc->cwnd < cc->ssthresh) {
            cc->cwnd += p->size; /* slow start (§7.3.1) */
        } else {
            /* Congestion avoidance (§7.3.3): one datagram per window acked,
             * counted in bytes as RFC 3465 §2.1 suggests for integers. */
            cc->ca_acked += p->size;
            if (cc->ca_acked >= cc->cwnd) {
                cc->ca_acked -= cc->cwnd;
                cc->cwnd += cc->max_datagram_size;
            }
        }
    }
}

void quic_cc_on_congestion_event(quic_cc *cc, uint64_t sent_time, uint64_t now)
{
    if (quic_cc_in_recovery(cc, sent_time))
        return; /* §7.3.2: at most one reduction per recovery period */
    cc->has_recovery_start = true;
    cc->recovery_start = now;
    cc->ssthresh = cc->cwnd / 2; /* kLossReductionFactor 0.5 */
    cc->cwnd = cc->ssthresh;
    if (cc->cwnd < quic_cc_minimum_window(cc))
        cc->cwnd = quic_cc_minimum_window(cc);
    cc->ca_acked = 0;
    cc->send_one = true; /* §7.3.2: one packet may go before the reduction bites */
    cc->congestion_events++;
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
        if (!any || lost[i].time_sent > last_sent)
            last_sent = lost[i].time_sent;
        any = true;
    }
    if (any)
        quic_cc_on_congestion_event(cc, last_sent, now);
    if (persistent) {
        /* §7.6.2: collapse to the minimum window and slow start again. */
        cc->cwnd = quic_cc_minimum_window(cc);
        cc->has_recovery_start = false;
        cc->ca_acked = 0;
        cc->persistent_events++;
    }
}

void quic_cc_on_discarded(quic_cc *cc, const quic_sent_pkt *pkts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (pkts[i].in_flight)
            remove_in_flight(cc, pkts[i].size);
}

/* ---- pacer ---- */

#define PACER_MAX_SRTT ((uint64_t)1 << 32) /* keeps the products below in range */

void quic_pacer_init(quic_pacer *p, size_t max_datagram_size, unsigned burst_packets)
{
    memset(p, 0, sizeof *p);
    if (max_datagram_size < QUIC_CC_MIN_DATAGRAM)
        max_datagram_size = QUIC_CC_MIN_DATAGRAM;
    if (burst_packets == 0)
        burst_packets = 10;
    uint64_t cap = (uint64_t)burst_packets * max_datagram_size;
    uint64_t iw = quic_cc_initial_window(max_datagram_size);
    p->capacity = cap < iw ? cap : iw; /* §7.7: bursts within the initial window */
    if (p->capacity < max_datagram_size)
        p->capacity = max_datagram_size;
    p->tokens = p->capacity;
}

/* Microseconds to earn `bytes` tokens at 1.25 * cwnd / srtt, rounded up. */
static uint64_t time_for(uint64_t bytes, uint64_t cwnd, uint64_t srtt)
{
    uint64_t den = 5 * cwnd;
    return (bytes * 4 * srtt + den - 1) / den;
}

/* Tokens at `now`; *last_out is the refill time to keep, advanced only by
 * the time the whole tokens earned took, so sub-byte credit is not lost when
 * the pacer is consulted often. */
static uint64_t tokens_at(const quic_pacer *p, uint64_t cwnd, uint64_t srtt, uint64_t now,
                          uint64_t *last_out)
{
    *last_out = p->last;
    if (!p->started || now <= p->last)
        return p->tokens;
    uint64_t elapsed = now - p->last;
    uint64_t missing = p->capacity - p->tokens;
    if (elapsed >= time_for(missing, cwnd, srtt)) {
        *last_out = now;
        return p->capacity;
    }
    /* elapsed is below the fill time, so these products stay small */
    uint64_t add = elapsed * 5 * cwnd / (4 * srtt);
    *last_out = p->last + add * 4 * srtt / (5 * cwnd);
    return p->tokens + add;
}

uint64_t quic_pacer_next_send_time(const quic_pacer *p, const quic_cc *cc, uint64_t srtt,
                                   size_t bytes, uint64_t now)
{
    if (srtt == 0 || cc->cwnd == 0)
        return now;
    if (srtt > PACER_MAX_SRTT)
        srtt = PACER_MAX_SRTT;
    uint64_t need = bytes < p->capacity ? bytes : p->capacity;
    uint64_t last;
    uint64_t have = tokens_at(p, cc->cwnd, srtt, now, &last);
    if (have >= need)
        return now;
    return now + time_for(need - have, cc->cwnd, srtt);
}

void quic_pacer_on_sent(quic_pacer *p, const quic_cc *cc, uint64_t srtt, size_t bytes,
                        uint64_t now)
{
    if (srtt > PACER_MAX_SRTT)
        srtt = PACER_MAX_SRTT;
    uint64_t last = now;
    if (srtt != 0 && cc->cwnd != 0)
        p->tokens = tokens_at(p, cc->cwnd, srtt, now, &last);
    if (!p->started || last > p->last)
        p->last = p->started ? last : now;
    p->started = true;
    p->tokens = bytes > p->tokens ? 0 : p->tokens - bytes;
}
