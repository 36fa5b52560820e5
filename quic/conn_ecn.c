/* QUIC connection: ECN (RFC 9000 §13.4, RFC 9002 §7.1). The counting and
 * the validation of each path are quic/ecn.c's; here they meet datagrams,
 * packets, ACK frames, losses, path changes and the congestion controller. */
#include "quic/conn_int.h"

void quic_conn_ecn_on_packet(quic_conn *c, quic_pn_space sp)
{
    quic_ecn_on_received(&c->ecn, (unsigned)sp, c->rx_ecn);
}

static void log_failed(quic_conn *c)
{
    quic_conn_logf(c, "ecn: validation failed (%s), marking off", quic_ecn_why(&c->ecn));
}

void quic_conn_ecn_on_datagram(quic_conn *c, uint64_t now)
{
    /* The handshake goes unmarked and the testing period (§13.4.2) begins
     * once it is confirmed: a box that drops ECT packets then costs a few
     * 1-RTT packets, never the handshake's PTOs (Initial and Handshake
     * packets share datagrams, so the line is the confirmation). */
    if (!c->handshake_confirmed) {
        quic_ecn_unmarked_datagram(&c->ecn);
        return;
    }
    quic_ecn_state before = c->ecn.state;
    quic_ecn_on_datagram(&c->ecn, now, quic_conn_pto(c));
    if (c->ecn.state == before)
        return;
    if (c->ecn.state == QUIC_ECN_FAILED)
        log_failed(c);
    else if (c->ecn.state == QUIC_ECN_UNKNOWN)
        quic_conn_logf(c, "ecn: testing period over, unmarked until validated");
}

void quic_conn_ecn_on_probe(quic_conn *c, uint64_t pn)
{
    /* A path not validated yet: its probes go unmarked, so a box that drops
     * ECT packets cannot make path validation fail (RFC 9000 §8.2); the new
     * path tests ECN once the connection is on it (§13.4.2). */
    quic_ecn_unmarked_datagram(&c->ecn);
    quic_ecn_on_sent(&c->ecn, QUIC_SPACE_APPLICATION, pn);
}

void quic_conn_ecn_on_sent(quic_conn *c, quic_pn_space sp, uint64_t pn)
{
    quic_ecn_on_sent(&c->ecn, (unsigned)sp, pn);
}

const uint64_t *quic_conn_ecn_ack_counts(const quic_conn *c, quic_pn_space sp)
{
    return quic_ecn_ack_counts(&c->ecn, (unsigned)sp);
}

void quic_conn_ecn_on_ack(quic_conn *c, quic_pn_space sp, const quic_frame *f,
                          const quic_recovery_result *res, bool advanced, uint64_t now)
{
    uint64_t newly_ect = 0, newly_ect_path = 0;
    const quic_sent_pkt *largest = NULL;
    for (size_t i = 0; i < res->n_acked; i++) {
        newly_ect += quic_ecn_was_marked(&c->ecn, (unsigned)sp, res->acked[i].pn);
        newly_ect_path += quic_ecn_marked_on_path(&c->ecn, (unsigned)sp, res->acked[i].pn);
        if (!largest || res->acked[i].pn > largest->pn)
            largest = &res->acked[i];
    }
    const uint64_t *counts = f->type == QUIC_FT_ACK_ECN ? f->ack.ecn : NULL;
    quic_ecn_state before = c->ecn.state;
    quic_ecn_verdict v =
        quic_ecn_on_ack(&c->ecn, (unsigned)sp, counts, newly_ect, newly_ect_path, advanced);
    if (v == QUIC_ECN_ACK_FAILED) {
        /* §13.4.2.2: the path is not ECN-capable: unmarked from now on. */
        log_failed(c);
    } else if (v == QUIC_ECN_ACK_CE && largest) {
        /* RFC 9002 §7.1, B.7: the CE count grew, a congestion event for the
         * largest newly acknowledged packet. */
        quic_cc_on_ecn_ce(&c->cc, largest->time_sent, now);
        quic_conn_logf(c, "ecn: CE count %llu, congestion signal",
                       (unsigned long long)f->ack.ecn[2]);
    }
    if (before != QUIC_ECN_CAPABLE && c->ecn.state == QUIC_ECN_CAPABLE)
        quic_conn_logf(c, "ecn: path validated, marking ECT(0)");
}

void quic_conn_ecn_on_lost(quic_conn *c, const quic_recovery_result *res)
{
    for (size_t i = 0; i < res->n_lost; i++)
        if (quic_ecn_on_lost(&c->ecn, res->lost[i].space, res->lost[i].pn))
            log_failed(c);
}

void quic_conn_ecn_on_new_path(quic_conn *c)
{
    quic_ecn_new_path(&c->ecn, c->sp[QUIC_SPACE_APPLICATION].next_pn);
}

uint8_t quic_conn_ecn(const quic_conn *c)
{
    /* The codepoint of the datagram quic_conn_send just wrote. */
    return quic_ecn_tx_mark(&c->ecn);
}
