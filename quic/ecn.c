/* ECN counting and validation (RFC 9000 §13.4; quic/ecn.h). */
#include "quic/ecn.h"

#include "quic/quic.h"

#include <string.h>

void quic_ecn_init(quic_ecn *e)
{
    memset(e, 0, sizeof *e);
    for (unsigned i = 0; i < QUIC_ECN_SPACES; i++)
        e->sp[i].unmarked_from = UINT64_MAX;
}

uint8_t quic_ecn_mark(const quic_ecn *e)
{
    /* §13.4.2: mark from the start, validate on the ACKs that come back. */
    return e->state == QUIC_ECN_FAILED ? QUIC_ECN_NOT_ECT : QUIC_ECN_ECT0;
}

void quic_ecn_on_sent(quic_ecn *e, unsigned sp, uint64_t pn)
{
    if (sp >= QUIC_ECN_SPACES)
        return;
    quic_ecn_space *s = &e->sp[sp];
    if (quic_ecn_mark(e) == QUIC_ECN_ECT0 && pn < s->unmarked_from)
        s->sent_ect0++;
    else if (s->unmarked_from == UINT64_MAX)
        s->unmarked_from = pn;
}

bool quic_ecn_was_marked(const quic_ecn *e, unsigned sp, uint64_t pn)
{
    return sp < QUIC_ECN_SPACES && pn < e->sp[sp].unmarked_from;
}

void quic_ecn_on_received(quic_ecn *e, unsigned sp, uint8_t ecn)
{
    if (sp >= QUIC_ECN_SPACES)
        return;
    switch (ecn & 3) {
    case QUIC_ECN_ECT0: e->sp[sp].rx[0]++; break;
    case QUIC_ECN_ECT1: e->sp[sp].rx[1]++; break;
    case QUIC_ECN_CE: e->sp[sp].rx[2]++; break;
    default: break;
    }
}

const uint64_t *quic_ecn_ack_counts(const quic_ecn *e, unsigned sp)
{
    if (sp >= QUIC_ECN_SPACES)
        return NULL;
    const uint64_t *r = e->sp[sp].rx;
    return r[0] || r[1] || r[2] ? r : NULL;
}

void quic_ecn_fail(quic_ecn *e, const char *why, const uint64_t next_pn[QUIC_ECN_SPACES])
{
    if (e->state == QUIC_ECN_FAILED)
        return;
    e->state = QUIC_ECN_FAILED;
    e->why = why;
    for (unsigned i = 0; i < QUIC_ECN_SPACES; i++)
        if (e->sp[i].unmarked_from == UINT64_MAX)
            e->sp[i].unmarked_from = next_pn[i];
}

quic_ecn_verdict quic_ecn_on_ack(quic_ecn *e, unsigned sp, const uint64_t counts[3],
                                 uint64_t newly_ect, bool advanced)
{
    if (sp >= QUIC_ECN_SPACES || e->state == QUIC_ECN_FAILED || !advanced)
        return QUIC_ECN_ACK_OK; /* §13.4.2.1: out-of-order ACKs are not judged */
    quic_ecn_space *s = &e->sp[sp];
    const char *why = NULL;
    if (!counts) {
        /* §13.4.2.1: an ACK frame without ECN counts newly acknowledging
         * packets sent with ECT: the path or the peer does not do ECN. */
        if (newly_ect)
            why = "ACK without ECN counts for ECT packets";
    } else if (counts[0] < s->peer[0] || counts[1] < s->peer[1] || counts[2] < s->peer[2]) {
        why = "ECN counts decreased";
    } else if (counts[1] > 0) {
        why = "ECT(1) counted but never sent"; /* §13.4.2.1: exceeds what we sent */
    } else if (counts[0] > s->sent_ect0 || counts[0] + counts[2] > s->sent_ect0) {
        why = "ECN counts exceed ECT packets sent";
    } else if ((counts[0] - s->peer[0]) + (counts[2] - s->peer[2]) < newly_ect) {
        /* §13.4.2.1: the increase of ECT(0) and CE must cover the newly
         * acknowledged ECT(0) packets (bleaching, or marks lost). */
        why = "ECN counts miss newly acknowledged ECT packets";
    }
    if (why) {
        e->why = why; /* the caller stops marking: quic_ecn_fail */
        return QUIC_ECN_ACK_FAILED;
    }
    if (!counts)
        return QUIC_ECN_ACK_OK;
    bool ce = counts[2] > s->peer[2];
    memcpy(s->peer, counts, sizeof s->peer);
    if (newly_ect)
        e->state = QUIC_ECN_CAPABLE;
    if (ce)
        e->ce_signals++;
    return ce ? QUIC_ECN_ACK_CE : QUIC_ECN_ACK_OK;
}
