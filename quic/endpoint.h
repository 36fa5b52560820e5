/**
 * The server side of QUIC before and around connections (RFC 9000 §5.2, §6,
 * §8, §10.3, §14.1, §21.1.1): routes each datagram to its connection by
 * Destination Connection ID through a keyed hash table, and answers what
 * belongs to no connection without keeping state: Version Negotiation, Retry,
 * stateless resets and, when full, CONNECTION_REFUSED.
 *
 * Strangers get nothing until they prove something: a connection is made only
 * for a client Initial that decrypts and whose CRYPTO data begins a
 * ClientHello (checked per datagram, with keys from its own DCID); a half-open
 * connection has a handshake deadline that only authenticated progress
 * extends and is dropped quietly at it; each source address may hold only a
 * few half-open connections; Retry takes over when many handshakes are in
 * progress or the memory budget is spent.
 * Sans-I/O like the connection: the caller owns the socket and the clock.
 * @file
 */
#ifndef QUIC_ENDPOINT_H
#define QUIC_ENDPOINT_H

#include "quic/quic.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The most bytes a source address may have (quic_endpoint_source_fn). */
#define QUIC_EP_ADDR_MAX 32

/** The "source address" of a path for the per-address limit, as bytes into
 * out (at most QUIC_EP_ADDR_MAX); returns the length. The default is the
 * whole remote address; a caller whose addresses carry a port should leave
 * it out (a client picks ports freely). */
typedef size_t (*quic_endpoint_source_fn)(void *ud, const quic_path *p, uint8_t *out);

/** How a server endpoint is set up: quic_endpoint_config_init(), then change
 * what differs. */
typedef struct quic_endpoint_config {
    quic_config conn;      /**< template for each server connection (is_server) */
    size_t max_conns;      /**< connections at once; more get CONNECTION_REFUSED */
    size_t max_handshakes; /**< of which still in the handshake (half-open) */
    bool retry;            /**< always validate addresses with Retry first (RFC 9000 §8.1.2) */
    /** Retry is required once this many handshakes are in progress (0: half of
     * max_handshakes; SIZE_MAX: only with retry). */
    size_t retry_threshold;
    uint64_t retry_token_age_us; /**< how long a Retry token is good for */
    /** How long a NEW_TOKEN token is good for (RFC 9000 §8.1.3; default 24 h);
     * 0: no NEW_TOKEN sent. A valid one spares its client a Retry. */
    uint64_t new_token_age_us;
    /** A half-open connection is dropped, without a packet, this long after
     * its first Initial or its last authenticated progress (default 10 s). */
    uint64_t handshake_timeout_us;
    /** Half-open connections per source address (default 16); more get
     * CONNECTION_REFUSED, Retry or not. */
    size_t max_half_open_per_addr;
    quic_endpoint_source_fn source; /**< NULL: the whole remote address */
    void *source_ud;                /**< passed to source */
    /** Bytes the endpoint and its connections (their QUIC and TLS state) may
     * hold before new connections are refused, Retry first; established ones
     * carry on. 0: no budget. */
    size_t max_memory;
} quic_endpoint_config;

/** Defaults around tls (a server tls_config): the quic_config_init() server
 * defaults, 1024 connections of which 256 half-open, Retry only under load,
 * 10 s Retry token age and handshake timeout, 16 half-open per address. */
void quic_endpoint_config_init(quic_endpoint_config *c, const tls_config *tls);

/** A server endpoint (opaque): quic_endpoint_new(), quic_endpoint_free(). It owns
 * its connections. */
typedef struct quic_endpoint quic_endpoint;

/** The TLS config (cfg->conn.tls) is copied, so that its allocations are
 * counted in the budget: set it up (keylog and all) before this call; what
 * it points to (certificates, trust) must outlive the endpoint. */
quic_endpoint *quic_endpoint_new(const quic_endpoint_config *cfg);
/** Frees the endpoint and every connection it still holds. */
void quic_endpoint_free(quic_endpoint *ep);

/** A datagram from path. Returns the connection it went to (possibly a new
 * one: see quic_endpoint_accept), or NULL when it was answered statelessly or
 * dropped. */
quic_conn *quic_endpoint_recv(quic_endpoint *ep, const quic_path *path, uint8_t *dgram,
                              size_t len, uint64_t now);
/** quic_endpoint_recv() for a datagram whose IP header carried ecn (see
 * quic_conn_recv_ecn()). */
quic_conn *quic_endpoint_recv_ecn(quic_endpoint *ep, const quic_path *path, uint8_t *dgram,
                                  size_t len, uint8_t ecn, uint64_t now);
/** A connection made since the last call (for the application to take on). */
quic_conn *quic_endpoint_accept(quic_endpoint *ep);
/** The next stateless packet to send and where to (0: none). */
size_t quic_endpoint_send_stateless(quic_endpoint *ep, uint8_t *buf, size_t cap, quic_path *to);
/** Walks the connections: NULL gives the first. */
quic_conn *quic_endpoint_next(quic_endpoint *ep, quic_conn *prev);
/** The path a connection talks on (to address its datagrams). */
const quic_path *quic_endpoint_conn_path(const quic_conn *c);
/** After the application worked a connection (recv, send, timers): picks up
 * the CIDs it issued or retired, so routing follows. */
void quic_endpoint_sync(quic_endpoint *ep, quic_conn *c);
/** Frees a connection the application is done with (typically once closed). */
void quic_endpoint_remove(quic_endpoint *ep, quic_conn *c);
/** The earliest deadline of all connections and of the endpoint's handshake
 * deadlines (QUIC_NEVER: none). It follows each connection as of its last
 * quic_endpoint_sync. */
uint64_t quic_endpoint_deadline(const quic_endpoint *ep);
/** Up to max connections whose deadline (as of their last sync) is at or
 * before now, each once: they leave the deadline heap until their next
 * quic_endpoint_sync, which the caller owes each of them after working its
 * timers. So a loop services only what is due, never walks them all. */
size_t quic_endpoint_due(quic_endpoint *ep, uint64_t now, quic_conn **out, size_t max);
/** A pointer of the application's for a connection (NULL until set). */
void quic_endpoint_set_conn_ud(quic_endpoint *ep, quic_conn *c, void *ud);
void *quic_endpoint_conn_ud(quic_endpoint *ep, const quic_conn *c); /**< the pointer set, or NULL */
/** Drops the half-open connections whose handshake deadline passed by now:
 * one not taken by the application is freed; a taken one is closed quietly
 * (its close info says "handshake timeout") for the application to remove.
 * Fair judging needs every datagram that arrived before now heard first, so
 * a loop passes the time its socket was last found empty (after a stall the
 * backlog may take several wake-ups to read). Until an application first
 * calls this, each quic_endpoint_recv does it, as of the time of the
 * datagrams before (an earlier `now`), so those read with one clock reading
 * are all heard first; from the first call on, judging is the caller's. */
void quic_endpoint_expire(quic_endpoint *ep, uint64_t now);
/** Connections in the handshake now (O(1)). */
size_t quic_endpoint_half_open(const quic_endpoint *ep);
size_t quic_endpoint_count(const quic_endpoint *ep); /**< connections held now */

/** Counters of an endpoint (quic_endpoint_stats_get()). */
typedef struct quic_endpoint_stats {
    /**@{*/ /** Connections accepted; Initials refused because the endpoint was full;
     * datagrams dropped as too short for an Initial (RFC 9000 §14.1) or for no
     * connection; Version Negotiation and Retry packets sent; Retry tokens that
     * did not validate; stateless resets sent. */
    uint64_t accepted, refused_full, dropped_short_initial, dropped_unknown;
    uint64_t version_negotiation, retry_sent, retry_bad_token, stateless_resets;
    uint64_t new_token_sent, new_token_accepted, new_token_refused; /**< RFC 9000 §8.1.3 */
    /**@}*/
    uint64_t dropped_undecryptable; /**< unknown DCID, Initial that does not decrypt */
    uint64_t dropped_not_hello;     /**< decrypts, but begins no ClientHello */
    uint64_t refused_per_addr;      /**< the source address has its half-open share */
    uint64_t refused_memory;        /**< past max_memory */
    uint64_t refused_sent;          /**< CONNECTION_REFUSED packets queued */
    uint64_t handshake_timeouts;    /**< half-open connections dropped */
    /**@{*/ /** Bytes held through the allocator hook now, and at most. */
    size_t mem_used, mem_peak;
    /**@}*/
} quic_endpoint_stats;
void quic_endpoint_stats_get(const quic_endpoint *ep, quic_endpoint_stats *s); /**< fills *s */

#ifdef __cplusplus
}
#endif

#endif
