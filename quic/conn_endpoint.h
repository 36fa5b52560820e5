/*
 * What the server endpoint may ask of and do to a connection, and nothing
 * more: its slot in the endpoint, its path, whether it is still half-open,
 * how far its handshake got with authenticated packets, and a quiet drop.
 * The endpoint includes this instead of the connection's insides.
 */
#ifndef QUIC_CONN_ENDPOINT_H
#define QUIC_CONN_ENDPOINT_H

#include "quic/quic.h"

void quic_conn_endpoint_set_slot(quic_conn *c, void *slot);
void *quic_conn_endpoint_slot(const quic_conn *c);
const quic_path *quic_conn_endpoint_path(const quic_conn *c);
/* The handshake is not complete and the connection is not closed. */
bool quic_conn_endpoint_half_open(const quic_conn *c);
/* Grows only with authenticated progress: CRYPTO bytes the client sent in
 * Handshake packets, which only a peer holding the handshake keys can make
 * (RFC 9001 §4.1.4, RFC 9000 §8.1: a Handshake packet proves the address).
 * Initial packets do not count: anyone can make them. */
uint64_t quic_conn_endpoint_progress(const quic_conn *c);
/* Ends a connection without a packet (like the idle timeout, RFC 9000
 * §10.1): the endpoint gave up on its handshake. */
void quic_conn_endpoint_drop(quic_conn *c, const char *reason);
/* Server: a client Initial came with a valid NEW_TOKEN token: its address
 * is validated (RFC 9000 §8.1.3), no anti-amplification limit. */
void quic_conn_endpoint_validated(quic_conn *c);
/* Server, once the handshake is complete: a NEW_TOKEN frame with token for the
 * client's next connection (RFC 9000 §8.1.3); copied. 0 or < 0. */
int quic_conn_endpoint_new_token(quic_conn *c, const uint8_t *token, size_t len);
/* The handshake of c is complete. */
bool quic_conn_endpoint_complete(const quic_conn *c);

#endif
