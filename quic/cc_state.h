/*
 * quince quic: the state of a congestion controller (cc.h), apart from its
 * functions, so that the algorithm files (cc_newreno.c, cc_cubic.c) can
 * work on it without seeing cc.c, which sits above them and picks their
 * tables (tools/check_includes.sh: no file includes or calls one above it).
 * Everything here is data or a one-line inline; the connection includes cc.h.
 */
#ifndef QUIC_CC_STATE_H
#define QUIC_CC_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "quic/quic.h" /* quic_cc_algo */

#define QUIC_CC_MIN_DATAGRAM 1200 /* RFC 9000 §14 */

typedef struct quic_cc_ops quic_cc_ops; /* cc_algo.h */

/* NewReno's own state (cc_newreno.c). */
typedef struct quic_cc_newreno {
    uint64_t ca_acked; /* bytes acked toward the next +1 MSS in CA (RFC 3465 §2.1) */
} quic_cc_newreno;

/* CUBIC's own state (cc_cubic.c), RFC 9438 §4.1.2; windows in bytes. */
typedef struct quic_cc_cubic {
    uint64_t w_max;       /* W_max; 0: none yet (K = 0 from cwnd_epoch, §4.8) */
    uint64_t cwnd_prior;  /* cwnd before the last reduction */
    uint64_t k_us;        /* K */
    bool in_epoch;        /* a congestion avoidance stage has started */
    uint64_t t_epoch;     /* its start, moved on by idle periods (§5.8) */
    uint64_t cwnd_epoch;
    uint64_t w_est;       /* the Reno-friendly estimate (§4.3) */
    uint64_t est_acc;     /* remainders of the integer increments */
    uint64_t cubic_acc;
} quic_cc_cubic;

typedef struct quic_cc {
    const quic_cc_ops *ops;
    quic_cc_algo algo;
    uint64_t max_datagram_size;
    uint64_t cwnd;             /* congestion_window */
    uint64_t ssthresh;         /* UINT64_MAX = infinite */
    uint64_t bytes_in_flight;
    uint64_t drained_at;       /* when bytes_in_flight last fell to 0 on an ACK or loss */
    bool has_recovery_start;
    uint64_t recovery_start;   /* congestion_recovery_start_time */
    bool app_limited;          /* IsAppOrFlowControlLimited, set by the connection */
    bool send_one;             /* one packet allowed right after a window cut (§7.3.2) */
    uint64_t congestion_events;
    uint64_t persistent_events;
    union {
        quic_cc_newreno reno;
        quic_cc_cubic cubic;
    } u;
} quic_cc;

/* 2 * max_datagram_size (kMinimumWindow, RFC 9002 §7.2). */
static inline uint64_t quic_cc_minimum_window(const quic_cc *cc)
{
    return 2 * cc->max_datagram_size;
}

#endif
