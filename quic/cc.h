/*
 * quince quic: congestion control behind one interface (RFC 9002 §7), with two
 * algorithms: CUBIC (RFC 9438, cc_cubic.c, the default) and NewReno (RFC 9002
 * Appendix B, cc_newreno.c). Bytes and microseconds; pure state.
 *
 * The connection calls only the quic_cc_* functions below and reads the
 * window, bytes in flight and pacing rate through them, never the fields.
 * What RFC 9002 makes common to every controller lives in cc.c: bytes in
 * flight, the recovery period (§7.3.2), slow start (§7.3.1), the minimum
 * window (§7.2), persistent congestion (§7.6.2), the one packet allowed
 * after a cut. What differs (growth in congestion avoidance, the reduction
 * on a congestion event, the state kept for them) sits behind a table of
 * const function pointers (cc_algo.h) that quic_cc_init picks once.
 *
 * Why a const table over a tagged union with a switch in every call: each
 * algorithm stays whole in its own file, cc.c has no per-algorithm branches,
 * and a third algorithm is one more file and one line in quic_cc_init. The
 * state still sits inline in a union (no allocation, the allocator hook
 * untouched), and the tables are const (no writable function pointers).
 *
 * Files: cc.c (the common part, picks the table) sits above cc_newreno.c and
 * cc_cubic.c, which see only cc_state.h (the state, no functions of cc.c) and
 * cc_algo.h; CUBIC's pure curve is in cc_cubic.h.
 *
 * The connection feeds it the records quic_recovery reports: on_acked with
 * res.acked and the RTT estimate, on_lost with res.lost and
 * res.persistent_congestion, on_discarded with res.discarded. Probe packets
 * (PTO) are sent regardless of quic_cc_can_send but still counted with
 * quic_cc_on_sent (§7.5).
 */
#ifndef QUIC_CC_H
#define QUIC_CC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quic/pacer.h"
#include "quic/quic.h"
#include "quic/recovery.h"
#include "quic/rtt.h"
#include "quic/cc_state.h" /* struct quic_cc, quic_cc_minimum_window */

/* RFC 9002 §7.2: min(10 * mds, max(14720, 2 * mds)). */
uint64_t quic_cc_initial_window(uint64_t max_datagram_size);

/* max_datagram_size below 1200 is raised to 1200; an unknown algo is CUBIC. */
void quic_cc_init(quic_cc *cc, quic_cc_algo algo, size_t max_datagram_size);
/* RFC 9000 §9.4: a new path starts from a fresh window and state of the same
 * algorithm; bytes still in flight on the old path stay counted until they
 * are acknowledged or lost. */
void quic_cc_reset_for_new_path(quic_cc *cc, size_t max_datagram_size);
/* "cubic" or "newreno". */
const char *quic_cc_name(const quic_cc *cc);
/* PMTU change: a smaller size during the handshake resets the window to the
 * new initial window; the window never falls below the minimum (§7.2). */
void quic_cc_set_max_datagram_size(quic_cc *cc, size_t max_datagram_size, bool in_handshake);

/* ---- what the connection reads ---- */
static inline uint64_t quic_cc_window(const quic_cc *cc) { return cc->cwnd; }
static inline uint64_t quic_cc_bytes_in_flight(const quic_cc *cc) { return cc->bytes_in_flight; }
static inline uint64_t quic_cc_congestion_events(const quic_cc *cc) { return cc->congestion_events; }
/* bytes_in_flight + bytes <= cwnd (or the one packet allowed after a cut). */
bool quic_cc_can_send(const quic_cc *cc, size_t bytes);
/* Bytes that may still be sent now. */
uint64_t quic_cc_available(const quic_cc *cc);
/* The rate the pacer should keep: 1.25 * cwnd / smoothed_rtt (§7.7, N =
 * 1.25); not paced (per_us 0) without an RTT estimate. */
quic_pacer_rate quic_cc_pacing_rate(const quic_cc *cc, uint64_t smoothed_rtt);
static inline bool quic_cc_in_slow_start(const quic_cc *cc) { return cc->cwnd < cc->ssthresh; }
/* True while packets sent at or before the recovery start are being acked. */
bool quic_cc_in_recovery(const quic_cc *cc, uint64_t sent_time);

/* ---- what the connection reports ---- */
/* A packet counted in flight was sent (B.4). */
void quic_cc_on_sent(quic_cc *cc, size_t bytes, uint64_t now);
/* Newly acknowledged packets (B.5): their sizes and send times are the
 * delivery information; rtt (NULL: none yet) is the estimate after this
 * ACK's sample. */
void quic_cc_on_acked(quic_cc *cc, const quic_sent_pkt *acked, size_t n, const quic_rtt *rtt,
                      uint64_t now);
/* Newly lost packets (B.8); persistent from quic_recovery_result. */
void quic_cc_on_lost(quic_cc *cc, const quic_sent_pkt *lost, size_t n, bool persistent,
                     uint64_t now);
/* An increase of the peer's ECN-CE count in an ACK whose largest newly acked
 * packet was sent at sent_time (§7.1, B.7). */
void quic_cc_on_ecn_ce(quic_cc *cc, uint64_t sent_time, uint64_t now);
/* §7.6.2: collapse to the minimum window and slow start again. */
void quic_cc_on_persistent_congestion(quic_cc *cc);
/* A congestion signal for a packet sent at sent_time (B.6). */
void quic_cc_on_congestion_event(quic_cc *cc, uint64_t sent_time, uint64_t now);
/* Packets of a discarded space leave bytes in flight, no congestion signal (B.9). */
void quic_cc_on_discarded(quic_cc *cc, const quic_sent_pkt *pkts, size_t n);
static inline void quic_cc_set_app_limited(quic_cc *cc, bool limited) { cc->app_limited = limited; }

#endif
