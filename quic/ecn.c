/* ECN counting and per-path validation (RFC 9000 §13.4, Appendix A.4;
 * quic/ecn.h). */
#include "quic/ecn.h"

#include "quic/pkt_type.h"
#include "quic/quic.h"

#include <string.h>

void quic_ecn_init(quic_ecn *e)
{
    memset(e, 0, sizeof *e);
    e->state = QUIC_ECN_TESTING;
    e->tx_mark = QUIC_ECN_ECT0;
    e->test_at = UINT64_MAX;
}

void quic_ecn_new_path(quic_ecn *e, uint64_t next_app_pn)
{
    /* Appendix A.4: "existing ECN counts are remembered as a baseline" (the
     * peer[] kept): the counts are per packet number space, not per path
     * (§13.4.1). The runs stay: packets of the old path still in flight are
     * judged by how they were sent. */
    e->path_from = next_app_pn;
    e->state = QUIC_ECN_TESTING;
    e->why = QUIC_ECN_WHY_NONE;
    e->test_at = UINT64_MAX;
    e->path_marked = e->path_acked = e->path_lost = 0;
}

void quic_ecn_fail(quic_ecn *e, quic_ecn_fail_reason why)
{
    if (e->state == QUIC_ECN_FAILED)
        return;
    e->state = QUIC_ECN_FAILED;
    e->why = (uint8_t)why;
    e->tx_mark = QUIC_ECN_NOT_ECT; /* between datagrams: the next is unmarked */
}

const char *quic_ecn_why(const quic_ecn *e)
{
    static const char *const words[] = {
        [QUIC_ECN_WHY_NONE] = "",
        [QUIC_ECN_WHY_NO_COUNTS] = "ACK without ECN counts for ECT packets",
        [QUIC_ECN_WHY_DECREASED] = "ECN counts decreased",
        [QUIC_ECN_WHY_ECT1] = "ECT(1) counted but never sent",
        [QUIC_ECN_WHY_EXCEEDED] = "ECN counts exceed ECT packets sent",
        [QUIC_ECN_WHY_MISSED] = "ECN counts miss newly acknowledged ECT packets",
        [QUIC_ECN_WHY_ALL_LOST] = "every marked packet of the path lost",
        [QUIC_ECN_WHY_NOT_VALIDATED] = "marked packets not validated within three PTOs",
    };
    return e->why < sizeof words / sizeof words[0] ? words[e->why] : "";
}

uint8_t quic_ecn_mark(const quic_ecn *e)
{
    /* Appendix A.4: marked while testing and once capable. */
    return e->state == QUIC_ECN_TESTING || e->state == QUIC_ECN_CAPABLE ? QUIC_ECN_ECT0
                                                                       : QUIC_ECN_NOT_ECT;
}

/* Appendix A.4: "if marked packets are all declared lost". */
static bool all_marked_lost(const quic_ecn *e)
{
    return e->path_marked && !e->path_acked && e->path_lost >= e->path_marked;
}

uint8_t quic_ecn_on_datagram(quic_ecn *e, uint64_t now, uint64_t pto)
{
    uint64_t period = QUIC_ECN_TESTING_PTOS * pto;
    if (e->state == QUIC_ECN_TESTING) {
        if (e->test_at == UINT64_MAX)
            e->test_at = now; /* the path's first datagram */
        /* §13.4.2: ten packets or three PTOs, whichever comes first. */
        if (e->path_marked >= QUIC_ECN_TESTING_PACKETS || now >= e->test_at + period) {
            e->state = QUIC_ECN_UNKNOWN;
            e->test_at = now;
            if (all_marked_lost(e))
                quic_ecn_fail(e, QUIC_ECN_WHY_ALL_LOST);
        }
    }
    /* Still no ACK validating a marked packet three PTOs after the testing
     * period: the path loses them (or they left with their keys, never
     * judged), or the peer does not report them. */
    if (e->state == QUIC_ECN_UNKNOWN && now >= e->test_at + period)
        quic_ecn_fail(e, QUIC_ECN_WHY_NOT_VALIDATED);
    e->tx_mark = quic_ecn_mark(e);
    return e->tx_mark;
}

uint8_t quic_ecn_tx_mark(const quic_ecn *e) { return e->tx_mark; }

void quic_ecn_unmarked_datagram(quic_ecn *e) { e->tx_mark = QUIC_ECN_NOT_ECT; }

void quic_ecn_on_sent(quic_ecn *e, unsigned sp, uint64_t pn)
{
    if (sp >= QUIC_ECN_SPACES)
        return;
    quic_ecn_space *s = &e->sp[sp];
    if (e->tx_mark != QUIC_ECN_ECT0) {
        e->run_open[sp] = false;
        return;
    }
    s->sent_ect0++;
    if (e->state != QUIC_ECN_CAPABLE && e->path_marked < UINT8_MAX)
        e->path_marked++;
    unsigned n = e->n_runs[sp];
    uint32_t *len = e->run_len[sp];
    /* Numbers skipped on purpose between two marked packets were never sent:
     * the run goes over them. */
    if (e->run_open[sp] && n && pn - s->run_first[n - 1] < UINT32_MAX) {
        len[n - 1] = (uint32_t)(pn - s->run_first[n - 1] + 1);
        return;
    }
    if (n == QUIC_ECN_RUNS) { /* the oldest is forgotten */
        for (unsigned i = 1; i < QUIC_ECN_RUNS; i++) {
            s->run_first[i - 1] = s->run_first[i];
            len[i - 1] = len[i];
        }
        n--;
    }
    s->run_first[n] = pn;
    len[n] = 1;
    e->n_runs[sp] = (uint8_t)(n + 1);
    e->run_open[sp] = true;
}

bool quic_ecn_was_marked(const quic_ecn *e, unsigned sp, uint64_t pn)
{
    if (sp >= QUIC_ECN_SPACES)
        return false;
    const quic_ecn_space *s = &e->sp[sp];
    for (unsigned i = 0; i < e->n_runs[sp]; i++)
        if (pn >= s->run_first[i] && pn - s->run_first[i] < e->run_len[sp][i])
            return true;
    return false;
}

bool quic_ecn_marked_on_path(const quic_ecn *e, unsigned sp, uint64_t pn)
{
    /* Only 1-RTT packets see a path change (RFC 9000 §9: after the
     * handshake is confirmed). */
    return quic_ecn_was_marked(e, sp, pn) && (sp != QUIC_SPACE_APPLICATION || pn >= e->path_from);
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

/* §13.4.2.1: which check the counts of an ACK frame fail (NONE: none). */
static quic_ecn_fail_reason counts_check(const quic_ecn_space *s, const uint64_t counts[3],
                                         uint64_t newly_ect)
{
    if (!counts) {
        /* An ACK frame without ECN counts newly acknowledging packets sent
         * with ECT: the path or the peer does not do ECN. */
        return newly_ect ? QUIC_ECN_WHY_NO_COUNTS : QUIC_ECN_WHY_NONE;
    }
    if (counts[0] < s->peer[0] || counts[1] < s->peer[1] || counts[2] < s->peer[2])
        return QUIC_ECN_WHY_DECREASED;
    if (counts[1] > 0)
        return QUIC_ECN_WHY_ECT1; /* exceeds what we sent */
    if (counts[0] > s->sent_ect0 || counts[0] + counts[2] > s->sent_ect0)
        return QUIC_ECN_WHY_EXCEEDED;
    /* The increase of ECT(0) and CE must cover the newly acknowledged
     * ECT(0) packets (bleaching, or marks lost). */
    if ((counts[0] - s->peer[0]) + (counts[2] - s->peer[2]) < newly_ect)
        return QUIC_ECN_WHY_MISSED;
    return QUIC_ECN_WHY_NONE;
}

quic_ecn_verdict quic_ecn_on_ack(quic_ecn *e, unsigned sp, const uint64_t counts[3],
                                 uint64_t newly_ect, uint64_t newly_ect_path, bool advanced)
{
    if (sp >= QUIC_ECN_SPACES)
        return QUIC_ECN_ACK_OK;
    quic_ecn_space *s = &e->sp[sp];
    if (newly_ect_path && e->path_acked < UINT8_MAX)
        e->path_acked++;
    if (!advanced)
        return QUIC_ECN_ACK_OK; /* §13.4.2.1: out-of-order ACKs are not judged */
    if (e->state == QUIC_ECN_FAILED) {
        /* Only remembered: the baseline a new path starts from. */
        if (counts)
            memcpy(s->peer, counts, sizeof s->peer);
        return QUIC_ECN_ACK_OK;
    }
    quic_ecn_fail_reason why = counts_check(s, counts, newly_ect);
    if (why != QUIC_ECN_WHY_NONE) {
        if (counts)
            memcpy(s->peer, counts, sizeof s->peer);
        quic_ecn_fail(e, why); /* §13.4.2.2 */
        return QUIC_ECN_ACK_FAILED;
    }
    if (!counts)
        return QUIC_ECN_ACK_OK;
    bool ce = counts[2] > s->peer[2];
    memcpy(s->peer, counts, sizeof s->peer);
    /* Appendix A.4: capable once a marked packet of this path is
     * acknowledged by counts that pass (during testing too: no need to
     * stop marking for a path already shown to carry marks). */
    if (e->path_acked && (e->state == QUIC_ECN_TESTING || e->state == QUIC_ECN_UNKNOWN))
        e->state = QUIC_ECN_CAPABLE;
    if (ce)
        e->ce_signals++;
    return ce ? QUIC_ECN_ACK_CE : QUIC_ECN_ACK_OK;
}

bool quic_ecn_on_lost(quic_ecn *e, unsigned sp, uint64_t pn)
{
    if (e->state == QUIC_ECN_CAPABLE || !quic_ecn_marked_on_path(e, sp, pn))
        return false;
    if (e->path_lost < UINT8_MAX)
        e->path_lost++;
    /* Judged once no more are sent marked (the testing period is over). */
    if (e->state != QUIC_ECN_UNKNOWN || !all_marked_lost(e))
        return false;
    quic_ecn_fail(e, QUIC_ECN_WHY_ALL_LOST);
    return true;
}
