/* QUINCE_MINIMAL (cmake/quince_minimal.cmake): no ECN. quic/ecn.c and
 * quic/conn_ecn.c stay out: every datagram goes Not-ECT, which RFC 9000
 * §13.4 allows (ECN is optional); received codepoints are not counted, so
 * our ACKs are plain ACK frames (§13.4.1 asks for counts only from an
 * endpoint that "enables" ECN), and a peer's ACK_ECN is still parsed by the
 * frame codec but its counts are ignored (no congestion signal, §13.4.2).
 * Outside quic/'s glob: the default build never sees it. */
#include "quic/conn_int.h"

#include <string.h>

void quic_ecn_init(quic_ecn *e) { memset(e, 0, sizeof *e); }

void quic_conn_ecn_on_packet(quic_conn *c, quic_pn_space sp)
{
    (void)c;
    (void)sp;
}

void quic_conn_ecn_on_datagram(quic_conn *c, uint64_t now)
{
    (void)c;
    (void)now;
}

void quic_conn_ecn_on_sent(quic_conn *c, quic_pn_space sp, uint64_t pn)
{
    (void)c;
    (void)sp;
    (void)pn;
}

void quic_conn_ecn_on_probe(quic_conn *c, uint64_t pn)
{
    (void)c;
    (void)pn;
}

void quic_conn_ecn_on_lost(quic_conn *c, const quic_recovery_result *res)
{
    (void)c;
    (void)res;
}

void quic_conn_ecn_on_new_path(quic_conn *c) { (void)c; }

const uint64_t *quic_conn_ecn_ack_counts(const quic_conn *c, quic_pn_space sp)
{
    (void)c;
    (void)sp;
    return NULL; /* plain ACK frames */
}

void quic_conn_ecn_on_ack(quic_conn *c, quic_pn_space sp, const quic_frame *f,
                          const quic_recovery_result *res, bool advanced, uint64_t now)
{
    (void)c;
    (void)sp;
    (void)f;
    (void)res;
    (void)advanced;
    (void)now;
}

uint8_t quic_conn_ecn(const quic_conn *c)
{
    (void)c;
    return QUIC_ECN_NOT_ECT;
}
