/* ECN for one connection (RFC 9000 §13.4, RFC 9002 §7.1), a pure state
 * machine: what we mark, what we count of the packets we receive (for our
 * ACK_ECN frames, §13.4.1), and the validation of the peer's counts
 * (§13.4.2). The connection (conn_ecn.c) feeds it packets and ACK frames. */
#ifndef QUIC_ECN_H
#define QUIC_ECN_H

#include <stdbool.h>
#include <stdint.h>

#define QUIC_ECN_SPACES 3

typedef enum quic_ecn_state {
    QUIC_ECN_TESTING = 0, /* marking ECT(0), no ACK has confirmed it yet */
    QUIC_ECN_CAPABLE,     /* the peer's counts matched what we sent */
    QUIC_ECN_FAILED,      /* validation failed: no more marks (§13.4.2.2) */
} quic_ecn_state;

typedef enum quic_ecn_verdict {
    QUIC_ECN_ACK_OK = 0,
    QUIC_ECN_ACK_CE,     /* valid, and the CE count grew: a congestion signal */
    QUIC_ECN_ACK_FAILED, /* validation failed just now */
} quic_ecn_verdict;

typedef struct quic_ecn_space {
    uint64_t rx[3];         /* ECT(0), ECT(1), CE of packets received (§13.4.1) */
    uint64_t sent_ect0;     /* packets sent marked ECT(0) */
    uint64_t unmarked_from; /* first packet number sent unmarked (UINT64_MAX: none) */
    uint64_t peer[3];       /* the peer's counts as last validated */
} quic_ecn_space;

typedef struct quic_ecn {
    quic_ecn_space sp[QUIC_ECN_SPACES];
    quic_ecn_state state;
    const char *why; /* FAILED: which check */
    uint64_t ce_signals;
} quic_ecn;

void quic_ecn_init(quic_ecn *e);
/* The codepoint of the packets we send now (QUIC_ECN_ECT0 or _NOT_ECT). */
uint8_t quic_ecn_mark(const quic_ecn *e);
/* Packet pn of space sp was sent with quic_ecn_mark(). */
void quic_ecn_on_sent(quic_ecn *e, unsigned sp, uint64_t pn);
/* Was packet pn of space sp sent ECT-marked? */
bool quic_ecn_was_marked(const quic_ecn *e, unsigned sp, uint64_t pn);
/* A packet of space sp (not a duplicate) came in a datagram with ecn (the
 * two low bits of the IP TOS / traffic class). */
void quic_ecn_on_received(quic_ecn *e, unsigned sp, uint8_t ecn);
/* The counts our ACK frames of space sp carry: NULL when nothing arrived
 * marked (then a plain ACK frame is enough, §13.4.1). */
const uint64_t *quic_ecn_ack_counts(const quic_ecn *e, unsigned sp);
/* An ACK frame of space sp: counts are its ECN counts (NULL: an ACK frame
 * without them), newly_ect the packets it newly acknowledges that we sent
 * marked, advanced whether it raised the largest acknowledged (only those
 * are validated, §13.4.2.1). On QUIC_ECN_ACK_FAILED (why says which check)
 * the caller ends marking with quic_ecn_fail. */
quic_ecn_verdict quic_ecn_on_ack(quic_ecn *e, unsigned sp, const uint64_t counts[3],
                                 uint64_t newly_ect, bool advanced);
/* Stops marking (validation failed) from next_pn[sp] on, in each space. */
void quic_ecn_fail(quic_ecn *e, const char *why, const uint64_t next_pn[QUIC_ECN_SPACES]);

#endif
