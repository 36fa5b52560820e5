/* QUINCE_MINIMAL (cmake/quince_minimal.cmake): no 0-RTT. quic/conn_early.c
 * stays out: TLS offers no early_data (crypto/minimal/tls_resume_none.c), so
 * no 0-RTT SECRET event comes, no 0-RTT packet is sealed, and a 0-RTT packet
 * from a peer finds no keys and is dropped (RFC 9000 §12.2: a client never
 * receives one). The public API answers "none". Outside quic/'s glob: the
 * default build never sees it. */
#include "quic/conn_int.h"

int quic_conn_early_install(quic_conn *c, const tls_event *ev)
{
    (void)c;
    (void)ev;
    return 0;
}

int quic_conn_early_server_check(quic_conn *c)
{
    (void)c;
    return 0;
}

int quic_conn_early_client_answer(quic_conn *c, const quic_tparams *remembered, uint64_t sent)
{
    (void)c;
    (void)remembered;
    (void)sent;
    return 0;
}

void quic_conn_early_on_1rtt(quic_conn *c) { (void)c; }

quic_pkt_keys quic_conn_early_tx_keys(const quic_conn *c)
{
    (void)c;
    return (quic_pkt_keys){0}; /* never asked: c->early_keys stays false */
}

void quic_conn_early_count(quic_conn *c, quic_pkt_type type, uint64_t now)
{
    (void)c;
    (void)type;
    (void)now;
}

quic_pkt_keys *quic_conn_early_rx_keys(quic_conn *c, uint64_t now, bool *keep)
{
    (void)c;
    (void)now;
    *keep = false;
    return NULL;
}

void quic_conn_early_free(quic_conn *c) { (void)c; }

void quic_conn_early_requeue(quic_conn *c) { (void)c; } /* nothing went in 0-RTT */

quic_early_state quic_conn_early_state(const quic_conn *c, const char **reason)
{
    (void)c;
    if (reason)
        *reason = NULL;
    return QUIC_EARLY_NONE;
}

bool quic_conn_early_sendable(const quic_conn *c)
{
    (void)c;
    return false;
}

uint64_t quic_conn_early_packets(const quic_conn *c)
{
    (void)c;
    return 0;
}

/* 0.5-RTT is a server's answer to accepted 0-RTT (RFC 9001 §4.1.1): never. */
bool quic_conn_half_rtt_sendable(const quic_conn *c)
{
    (void)c;
    return false;
}
