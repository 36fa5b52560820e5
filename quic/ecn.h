/* ECN for one connection (RFC 9000 §13.4, RFC 9002 §7.1), a pure state
 * machine: what we mark, what we count of the packets we receive (for our
 * ACK_ECN frames, §13.4.1), and the validation of each path (§13.4.2, the
 * algorithm of Appendix A.4). The connection (conn_ecn.c) feeds it
 * datagrams, packets, ACK frames and losses.
 *
 * A path starts in TESTING: the first QUIC_ECN_TESTING_PACKETS packets, or
 * three PTOs' worth, go ECT(0) (§13.4.2: some faulty boxes drop marked
 * packets rather than clear the mark). Then UNKNOWN, unmarked, until an ACK
 * acknowledges a marked packet of this path with counts that pass the
 * checks of §13.4.2.1: CAPABLE, marking every packet. A check that fails,
 * every marked packet of the path lost, or no marked packet acknowledged
 * three PTOs after the testing period: FAILED, unmarked. A new path starts
 * over (quic_ecn_new_path); the counts themselves are per packet number
 * space, not per path (§13.4.1), so a new path's baseline is the peer's
 * latest counts (Appendix A.4). The connection sends its handshake unmarked
 * and lets testing begin once the handshake is confirmed (conn_ecn.c). */
#ifndef QUIC_ECN_H
#define QUIC_ECN_H

#include <stdbool.h>
#include <stdint.h>

#define QUIC_ECN_SPACES 3
/* RFC 9000 §13.4.2: "the first ten outgoing packets on a path, or for a
 * period of three PTOs". */
#define QUIC_ECN_TESTING_PACKETS 10
#define QUIC_ECN_TESTING_PTOS 3
/* Runs of packet numbers sent marked, kept per space. A run ends when
 * marking stops (testing over, failure, an unmarked path probe); when a new
 * one starts and no slot is left, the oldest is forgotten: its packets then
 * count as unmarked, which can only weaken a check (§13.4.2.1 compares the
 * counts' increase with the marked packets newly acknowledged), never fail
 * one wrongly. One run is what an idle connection can afford
 * (test_pair_memory's 16 KB): the packets of the current run are judged
 * exactly, and those are what a path's validation rests on. */
#define QUIC_ECN_RUNS 1

typedef enum quic_ecn_state {
    QUIC_ECN_TESTING = 0, /* the testing period: marking ECT(0) */
    QUIC_ECN_CAPABLE,     /* the peer's counts matched what we sent: marking */
    QUIC_ECN_FAILED,      /* validation failed: no more marks (§13.4.2.2) */
    QUIC_ECN_UNKNOWN,     /* testing over, no marked packet acknowledged yet */
} quic_ecn_state;

/* Why validation failed (quic_ecn_why gives the words). */
typedef enum quic_ecn_fail_reason {
    QUIC_ECN_WHY_NONE = 0,
    QUIC_ECN_WHY_NO_COUNTS,     /* an ACK without counts acknowledged ECT packets */
    QUIC_ECN_WHY_DECREASED,
    QUIC_ECN_WHY_ECT1,          /* ECT(1) counted, never sent */
    QUIC_ECN_WHY_EXCEEDED,      /* more counted than sent marked */
    QUIC_ECN_WHY_MISSED,        /* newly acknowledged ECT packets not counted */
    QUIC_ECN_WHY_ALL_LOST,      /* every marked packet of the path lost */
    QUIC_ECN_WHY_NOT_VALIDATED, /* no validation three PTOs after testing */
} quic_ecn_fail_reason;

typedef enum quic_ecn_verdict {
    QUIC_ECN_ACK_OK = 0,
    QUIC_ECN_ACK_CE,     /* valid, and the CE count grew: a congestion signal */
    QUIC_ECN_ACK_FAILED, /* validation failed just now (quic_ecn_why says which check) */
} quic_ecn_verdict;

typedef struct quic_ecn_space {
    uint64_t rx[3];     /* ECT(0), ECT(1), CE of packets received (§13.4.1) */
    uint64_t sent_ect0; /* packets sent marked ECT(0), on every path */
    /* The peer's counts as last validated (or, once failed, as last seen):
     * the baseline of the next check, and of a new path's. */
    uint64_t peer[3];
    uint64_t run_first[QUIC_ECN_RUNS]; /* oldest first */
} quic_ecn_space;

typedef struct quic_ecn {
    quic_ecn_space sp[QUIC_ECN_SPACES];
    uint64_t ce_signals;
    /* The current path (Appendix A.4). */
    uint64_t test_at;   /* TESTING: when it began (UINT64_MAX: not yet); UNKNOWN: ended */
    uint64_t path_from; /* its first 1-RTT packet number (paths change after the handshake) */
    uint32_t run_len[QUIC_ECN_SPACES][QUIC_ECN_RUNS]; /* numbers in the run, skipped ones too */
    uint8_t path_marked, path_acked, path_lost; /* its marked packets, while testing */
    uint8_t state;   /* quic_ecn_state */
    uint8_t why;     /* quic_ecn_fail_reason, when FAILED */
    uint8_t tx_mark; /* the codepoint of the datagram being (last) built */
    uint8_t n_runs[QUIC_ECN_SPACES];
    uint8_t run_open[QUIC_ECN_SPACES]; /* the last run still grows */
} quic_ecn;

void quic_ecn_init(quic_ecn *e);
/* The connection moved to a new path (RFC 9000 §13.4.2: validated "on
 * active connection migration to a new path"): testing starts again with
 * the next datagram; next_app_pn: the first 1-RTT packet number there. */
void quic_ecn_new_path(quic_ecn *e, uint64_t next_app_pn);
/* A datagram is about to be built at now (pto: the current PTO period):
 * moves the testing period on and returns the codepoint for it, which
 * quic_ecn_tx_mark returns until the next datagram. */
uint8_t quic_ecn_on_datagram(quic_ecn *e, uint64_t now, uint64_t pto);
uint8_t quic_ecn_tx_mark(const quic_ecn *e);
/* A datagram that must go unmarked (a probe of a path not validated, whose
 * packet goes through quic_ecn_on_sent as any other). */
void quic_ecn_unmarked_datagram(quic_ecn *e);
/* What the state says to mark (QUIC_ECN_ECT0 or _NOT_ECT). */
uint8_t quic_ecn_mark(const quic_ecn *e);
/* Packet pn of space sp went in the current datagram (with quic_ecn_tx_mark). */
void quic_ecn_on_sent(quic_ecn *e, unsigned sp, uint64_t pn);
/* Was packet pn of space sp sent ECT-marked? */
bool quic_ecn_was_marked(const quic_ecn *e, unsigned sp, uint64_t pn);
/* Marked and sent on the current path? */
bool quic_ecn_marked_on_path(const quic_ecn *e, unsigned sp, uint64_t pn);
/* A packet of space sp (not a duplicate) came in a datagram with ecn (the
 * two low bits of the IP TOS / traffic class). */
void quic_ecn_on_received(quic_ecn *e, unsigned sp, uint8_t ecn);
/* The counts our ACK frames of space sp carry: NULL when nothing arrived
 * marked (then a plain ACK frame is enough, §13.4.1). */
const uint64_t *quic_ecn_ack_counts(const quic_ecn *e, unsigned sp);
/* An ACK frame of space sp: counts are its ECN counts (NULL: an ACK frame
 * without them), newly_ect the packets it newly acknowledges that we sent
 * marked, newly_ect_path those of them sent on the current path, advanced
 * whether it raised the largest acknowledged (only those are validated,
 * §13.4.2.1). On QUIC_ECN_ACK_FAILED marking has stopped (why says which
 * check, quic_ecn_why). */
quic_ecn_verdict quic_ecn_on_ack(quic_ecn *e, unsigned sp, const uint64_t counts[3],
                                 uint64_t newly_ect, uint64_t newly_ect_path, bool advanced);
/* Packet pn of space sp was declared lost. True when that made every marked
 * packet of the path lost after the testing period: ECN failed just now
 * (Appendix A.4). */
bool quic_ecn_on_lost(quic_ecn *e, unsigned sp, uint64_t pn);
/* Stops marking (validation failed): the path is not ECN-capable. */
void quic_ecn_fail(quic_ecn *e, quic_ecn_fail_reason why);
/* Why it failed, in words ("" when it did not). */
const char *quic_ecn_why(const quic_ecn *e);

#endif
