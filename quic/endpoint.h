/*
 * The server side of QUIC before and around connections (RFC 9000 §5.2, §6,
 * §8.1.2, §10.3, §14.1): routes each datagram to its connection by Destination
 * Connection ID through a keyed hash table, makes a connection for a valid
 * client Initial, and answers what belongs to no connection without keeping
 * state: Version Negotiation, Retry (when asked for) and stateless resets.
 * Sans-I/O like the connection: the caller owns the socket and the clock.
 */
#ifndef QUIC_ENDPOINT_H
#define QUIC_ENDPOINT_H

#include "quic/cid_table.h"
#include "quic/quic.h"
#include "quic/token.h"

typedef struct quic_endpoint_config {
    quic_config conn;      /* template for each server connection (is_server) */
    size_t max_conns;      /* connections at once; more are refused (dropped) */
    size_t max_handshakes; /* of which still in the handshake */
    bool retry;            /* validate addresses with Retry first (RFC 9000 §8.1.2) */
    uint64_t retry_token_age_us; /* how long a Retry token is good for */
} quic_endpoint_config;

void quic_endpoint_config_init(quic_endpoint_config *c, const tls_config *tls);

typedef struct quic_endpoint quic_endpoint;

quic_endpoint *quic_endpoint_new(const quic_endpoint_config *cfg);
/* Frees the endpoint and every connection it still holds. */
void quic_endpoint_free(quic_endpoint *ep);

/* A datagram from path. Returns the connection it went to (possibly a new
 * one: see quic_endpoint_accept), or NULL when it was answered statelessly or
 * dropped. */
quic_conn *quic_endpoint_recv(quic_endpoint *ep, const quic_path *path, uint8_t *dgram,
                              size_t len, uint64_t now);
/* A connection made since the last call (for the application to take on). */
quic_conn *quic_endpoint_accept(quic_endpoint *ep);
/* The next stateless packet to send and where to (0: none). */
size_t quic_endpoint_send_stateless(quic_endpoint *ep, uint8_t *buf, size_t cap, quic_path *to);
/* Walks the connections: NULL gives the first. */
quic_conn *quic_endpoint_next(quic_endpoint *ep, quic_conn *prev);
/* The path a connection talks on (to address its datagrams). */
const quic_path *quic_endpoint_conn_path(const quic_conn *c);
/* After the application worked a connection (recv, send, timers): picks up
 * the CIDs it issued or retired, so routing follows. */
void quic_endpoint_sync(quic_endpoint *ep, quic_conn *c);
/* Frees a connection the application is done with (typically once closed). */
void quic_endpoint_remove(quic_endpoint *ep, quic_conn *c);
/* The earliest deadline of all connections (QUIC_NEVER: none). */
uint64_t quic_endpoint_deadline(const quic_endpoint *ep);
size_t quic_endpoint_count(const quic_endpoint *ep);

typedef struct quic_endpoint_stats {
    uint64_t accepted, refused_full, dropped_short_initial, dropped_unknown;
    uint64_t version_negotiation, retry_sent, retry_bad_token, stateless_resets;
} quic_endpoint_stats;
void quic_endpoint_stats_get(const quic_endpoint *ep, quic_endpoint_stats *s);

#endif
