/*
 * quince quic: the algorithm half of congestion control, private to cc*.c.
 * cc.c does what RFC 9002 makes common (bytes in flight, the recovery
 * period, slow start, the minimum window, persistent congestion) and calls
 * these for what differs between algorithms.
 */
#ifndef QUIC_CC_ALGO_H
#define QUIC_CC_ALGO_H

#include "quic/cc_state.h"
#include "quic/rtt.h"

struct quic_cc_ops {
    const char *name;
    /* Fresh algorithm state in cc->u (cwnd and ssthresh are set by cc.c). */
    void (*init)(quic_cc *cc);
    /* A packet is about to count in flight (bytes_in_flight not yet raised). */
    void (*on_sent)(quic_cc *cc, uint64_t now);
    /* Congestion avoidance (cwnd >= ssthresh): `bytes` of one packet sent
     * after the recovery start were newly acked. */
    void (*on_ack_avoidance)(quic_cc *cc, uint64_t bytes, const quic_rtt *rtt, uint64_t now);
    /* A congestion event outside a recovery period: set ssthresh and cwnd
     * (cc.c raises cwnd to the minimum window afterwards). */
    void (*on_congestion)(quic_cc *cc, uint64_t now);
    /* Persistent congestion: cc.c has set cwnd to the minimum window. */
    void (*on_persistent)(quic_cc *cc);
};

extern const quic_cc_ops quic_cc_newreno_ops;
extern const quic_cc_ops quic_cc_cubic_ops;

#endif
