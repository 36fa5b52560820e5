/* QUIC connection: ECN (RFC 9000 §13.4, RFC 9002 §7.1). The counting and
 * validation are quic/ecn.c's; here they meet packets, ACK frames and the
 * congestion controller. */
#include "quic/conn_int.h"

void quic_conn_ecn_on_packet(quic_conn *c, quic_pn_space sp)
{
    quic_ecn_on_received(&c->ecn, (unsigned)sp, c->rx_ecn);
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
    uint64_t newly_ect = 0;
    const quic_sent_pkt *largest = NULL;
    for (size_t i = 0; i < res->n_acked; i++) {
        newly_ect += quic_ecn_was_marked(&c->ecn, (unsigned)sp, res->acked[i].pn);
        if (!largest || res->acked[i].pn > largest->pn)
            largest = &res->acked[i];
    }
    const uint64_t *counts = f->type == QUIC_FT_ACK_ECN ? f->ack.ecn : NULL;
    quic_ecn_verdict v = quic_ecn_on_ack(&c->ecn, (unsigned)sp, counts, newly_ect, advanced);
    if (v == QUIC_ECN_ACK_FAILED) {
        /* §13.4.2.2: validation failed, the path is not ECN-capable: send
         * unmarked from now on. */
        uint64_t next[QUIC_ECN_SPACES];
        for (unsigned i = 0; i < QUIC_ECN_SPACES; i++)
            next[i] = c->sp[i].next_pn;
        quic_ecn_fail(&c->ecn, c->ecn.why, next);
        quic_conn_logf(c, "ecn: validation failed (%s), marking off", c->ecn.why);
    } else if (v == QUIC_ECN_ACK_CE && largest) {
        /* RFC 9002 §7.1, B.7: the CE count grew, a congestion event for the
         * largest newly acknowledged packet. */
        quic_cc_on_ecn_ce(&c->cc, largest->time_sent, now);
        quic_conn_logf(c, "ecn: CE count %llu, congestion signal",
                       (unsigned long long)f->ack.ecn[2]);
    }
}

uint8_t quic_conn_ecn(const quic_conn *c)
{
    return quic_ecn_mark(&c->ecn);
}
