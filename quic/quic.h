/**
 * quince QUIC connection, v1 and v2: the public, sans-I/O API (RFC 9000, 9001,
 * 9002, 9221, 9368, 9369). The caller owns sockets and the clock; a connection is a state machine
 * driven by five calls:
 *
 *   quic_conn_recv()        a UDP datagram arrived
 *   quic_conn_send()        write the next UDP datagram to send (0: nothing due)
 *   quic_conn_deadline()    when quic_conn_on_deadline() must be called
 *   quic_conn_on_deadline() timers: loss detection, PTO, ACK delay, idle
 *   quic_conn_next_event()  what happened: handshake done, stream data,
 *                           datagrams, close; pulled, never pushed
 *
 * Times are microseconds of a monotonic clock chosen by the caller.
 * Streams and datagrams are used through the quic_conn_stream_* and
 * quic_conn_dgram_* calls below.
 *
 * The module's rule: conn_*.c holds connection state; every other file in
 * quic/ is a pure part (varints, packet and frame codecs, transport
 * parameters, packet protection, streams, flow control, ACK ranges, loss
 * recovery, congestion control, CIDs, datagram queues) that knows nothing of
 * a connection and is tested alone. The connection is layered (conn_int.h):
 * a core of state helpers, the conn_*.c parts above it, the API file
 * conn_api.c on top. Tests reach inside only through quic/conn_test.h.
 * @file
 */
#ifndef QUIC_QUIC_H
#define QUIC_QUIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/qb.h"
#include "crypto/cx_rand.h"
#include "crypto/tls.h"
#include "quic/cid.h"
#include "quic/quic_err.h"
#include "quic/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A deadline that never comes (no timer armed). */
#define QUIC_NEVER UINT64_MAX

/* Errors: the one enum of quic/quic_err.h (QUIC_ERR_* for this API). A failure
 * of the connection (a protocol error found in a packet, a peer's
 * CONNECTION_CLOSE, quic_conn_close, the idle timeout) is latched once as
 * {code, frame type, reason} (quic_conn_close_info); from then on every call
 * that returns a code returns QUIC_ERR_CLOSING, so the close info is the only
 * place that says why. Other negative codes are about the call itself. */

/** An address pair as opaque bytes (the caller's sockaddrs). The core only
 * compares them: a change of remote address is a path change. */
typedef struct quic_path {
    uint8_t local[32];  /**< our address (e.g. a struct sockaddr) */
    uint8_t remote[32]; /**< the peer's address */
    uint8_t local_len;  /**< bytes used in local */
    uint8_t remote_len; /**< bytes used in remote */
} quic_path;

/** Both addresses of a and b are the same bytes. */
bool quic_path_equal(const quic_path *a, const quic_path *b);

/** A QUIC connection (opaque): quic_conn_new_client(), quic_conn_new_server(),
 * quic_conn_free(). */
typedef struct quic_conn quic_conn;

/** Hooks for study: one log line per packet and frame with -v. */
typedef void (*quic_log_fn)(void *ud, const char *line);

/** Congestion control (quic/cc.h): CUBIC (RFC 9438), the default, or NewReno
 * (RFC 9002 §7). */
typedef enum quic_cc_algo {
    QUIC_CC_CUBIC = 0,   /**< CUBIC (RFC 9438), the default */
    QUIC_CC_NEWRENO = 1, /**< NewReno (RFC 9002 §7.3) */
} quic_cc_algo;

#define QUIC_VERSIONS_MAX 4 /**< versions a quic_config lists */

/** How a connection is set up: quic_config_init(), then change what differs.
 * Copied by the connection, except what it points to. */
typedef struct quic_config {
    bool is_server; /**< server or client role */
    /** QUIC versions (RFC 9000 §15, RFC 9368, RFC 9369; quic/version.h).
     * versions: the ones we speak, most preferred first, zeros after the
     * last (all zero: QUIC v1 then v2). A client offers them as its
     * Available Versions and picks from a Version Negotiation packet by
     * them; a server accepts a first flight in any of them and answers
     * Version Negotiation listing them for the others.
     * version: a client's first flight (0: versions[0]); a server's
     * preferred version, to which it moves a client that lists it in its
     * Available Versions (compatible negotiation, RFC 9368 §2.3; 0: none, a
     * client's choice stands). */
    uint32_t version;
    uint32_t versions[QUIC_VERSIONS_MAX]; /**< see version */
    const tls_config *tls; /**< ALPN, certificates, trust; must outlive the conn */
    /** Our source connection ID length: 0 to 20 (clients may use 0 like quic-go). */
    uint8_t scid_len;
    /** Transport parameters we announce (RFC 9000 §18.2). */
    uint64_t max_idle_timeout_ms;   /**< 0: no idle timeout */
    uint64_t initial_max_data;      /**< connection receive window */
    uint64_t initial_max_stream_data; /**< per-stream receive window, all kinds */
    uint64_t initial_max_streams_bidi; /**< bidirectional streams the peer may open */
    uint64_t initial_max_streams_uni;  /**< unidirectional streams the peer may open */
    uint64_t max_datagram_frame_size; /**< 0: DATAGRAM frames refused (RFC 9221 §3) */
    uint64_t max_ack_delay_ms; /**< how long we may delay an ACK (RFC 9000 §18.2) */
    /** Largest UDP payload we send once path MTU discovery confirmed the path
     * carries it (RFC 9000 §14.3, RFC 8899): 1452 by default (Ethernet);
     * more for loopback or jumbo frames. quic_conn_send's cap bounds it too. */
    size_t max_udp_payload;
    quic_cc_algo cc;              /**< congestion controller (0: CUBIC) */
    /** Limits on what the peer can make us hold. */
    size_t max_crypto_buffer;     /**< out-of-order CRYPTO bytes per level */
    size_t dgram_recv_queue;      /**< received datagrams waiting for the app */
    size_t dgram_send_queue;      /**< datagrams waiting for room in a packet */
    uint64_t dgram_max_age_us;    /**< drop queued outgoing datagrams older than this */
    size_t stream_send_buffer;    /**< bytes the app may queue per stream */
    size_t max_sent_packets;      /**< unacknowledged packets tracked per space (0: 1024);
                                     no more are sent until ACKs free room */
    /** Start a key update after this many packets sent with one key (0: only
     * when the AEAD limit requires it, at half of it; we always answer the
     * peer's). Default 2^20. */
    uint64_t key_update_after;
    /** AEAD limits (RFC 9001 §6.6); 0: the RFC's value for the AEAD in use.
     * Lower values are for tests. Confidentiality: packets sealed with one
     * key (a key update comes at half of it at the latest; if none can be
     * made, the connection closes with AEAD_LIMIT_REACHED before the limit).
     * Integrity: packets that fail authentication in the connection. */
    uint64_t aead_confidentiality_limit;
    uint64_t aead_integrity_limit; /**< see aead_confidentiality_limit */
    /** Announce disable_active_migration (RFC 9000 §18.2): the peer may not
     * move on purpose. A NAT rebinding is followed either way (§9). */
    bool disable_active_migration;
    /** Server: offer a preferred address (RFC 9000 §9.6, §18.2): an IPv4 and
     * an IPv6 address with ports (all zero: none of that family). */
    bool preferred_address;
    uint8_t preferred_ipv4[4];      /**< preferred IPv4 address (all zero: none) */
    uint8_t preferred_ipv6[16];     /**< preferred IPv6 address (all zero: none) */
    uint16_t preferred_ipv4_port;   /**< port of preferred_ipv4 */
    uint16_t preferred_ipv6_port;   /**< port of preferred_ipv6 */
    /** Server: a 32-byte static key for stateless reset tokens and Retry tokens. */
    uint8_t static_key[32];
    cx_rand_fn random; /**< NULL: libcrypto */
    void *random_ud;   /**< passed to random */
    quic_log_fn log;   /**< NULL: silent */
    void *log_ud;      /**< passed to log */
    quic_trace_fn trace; /**< packets, frames, losses, metrics (qlog, -v); NULL: none */
    void *trace_ud;      /**< passed to trace */
    const qb_alloc *alloc; /**< every allocation of the connection; NULL: malloc */
    /** Client: a NEW_TOKEN token of an earlier connection to this server,
     * sent in the Initials to skip a Retry (RFC 9000 §8.1.3); copied. */
    const uint8_t *token;
    size_t token_len; /**< bytes at token (0: none) */
    /** Client: where NEW_TOKEN tokens go (RFC 9000 §19.7), for the next
     * connection; the bytes are valid only during the call. NULL: dropped. */
    void (*on_new_token)(void *ud, const uint8_t *token, size_t len);
    void *new_token_ud; /**< passed to on_new_token */
    /** Server: the application's state that 0-RTT depends on (HTTP/3: its
     * SETTINGS, RFC 9114 §7.2.4.2), sealed into tickets with the transport
     * parameters 0-RTT must remember (RFC 9000 §7.4.1). 0-RTT is accepted
     * only when the resumed ticket holds the same bytes. Copied into tickets;
     * must outlive the connection's handshake. */
    const uint8_t *early_app_state;
    size_t early_app_state_len; /**< bytes at early_app_state */
} quic_config;

/** Sensible defaults: 8-byte CIDs, 30 s idle timeout, 1 MiB connection window,
 * 256 KiB stream window, 100 bidi and 100 uni streams, datagrams up to 65535
 * bytes, 25 ms max_ack_delay, 1452-byte packets (quic/config.c). */
void quic_config_init(quic_config *c, bool is_server, const tls_config *tls);

/** A client connection to remote, with the server name and ALPN of its tls
 * config. Its first datagram comes out of quic_conn_send(). */
quic_conn *quic_conn_new_client(const quic_config *cfg, const quic_path *path, uint64_t now);
/** A server connection for a client Initial the endpoint accepted (see
 * quic_endpoint); odcid is the client's first DCID, retry_scid the SCID of our
 * Retry if there was one. */
quic_conn *quic_conn_new_server(const quic_config *cfg, const quic_path *path,
                                const quic_cid *client_scid, const quic_cid *odcid,
                                const quic_cid *retry_scid, uint64_t now);
/** Frees the connection and all it holds, at any time (NULL allowed); a server
 * connection of an endpoint is freed by quic_endpoint_remove() instead. */
void quic_conn_free(quic_conn *c);

/** A UDP datagram from path. Bad packets are dropped and counted; a protocol
 * error closes the connection (see quic_conn_close_info). Returns 0, or
 * QUIC_ERR_CLOSING once the connection failed or is closing, draining or
 * closed (including by this datagram). */
int quic_conn_recv(quic_conn *c, const quic_path *path, uint8_t *dgram, size_t len,
                   uint64_t now);
/** The ECN codepoint of an IP packet: the two low bits of the IPv4 TOS byte
 * or the IPv6 Traffic Class (RFC 3168 §5). */
typedef enum quic_ecn_codepoint {
    QUIC_ECN_NOT_ECT = 0, /**< not ECN-capable */
    QUIC_ECN_ECT1 = 1,    /**< ECN-capable transport (1) */
    QUIC_ECN_ECT0 = 2,    /**< ECN-capable transport (0), what we send */
    QUIC_ECN_CE = 3,      /**< congestion experienced (set by a router) */
} quic_ecn_codepoint;

/** quic_conn_recv() for a datagram whose IP header carried ecn (a
 * quic_ecn_codepoint; read with IP_RECVTOS / IPV6_RECVTCLASS). Its packets
 * are counted for our ACK_ECN frames (RFC 9000 §13.4.1); quic_conn_recv()
 * is this call with QUIC_ECN_NOT_ECT (then the peer's ECN validation fails
 * and it stops marking, which is right for a socket that cannot tell). */
int quic_conn_recv_ecn(quic_conn *c, const quic_path *path, uint8_t *dgram, size_t len,
                       uint8_t ecn, uint64_t now);
/** The ECN codepoint to set (IP_TOS / IPV6_TCLASS) on the datagram
 * quic_conn_send() or quic_conn_send_path() just returned; ask after each.
 * QUIC_ECN_ECT0 during a path's testing period (its first ten packets or
 * three PTOs once the handshake is confirmed) and once the peer's counts
 * validated it; QUIC_ECN_NOT_ECT during the handshake, between testing and
 * validation, after a failed validation, and on probes of a new path (RFC
 * 9000 §13.4.2, Appendix A.4). */
uint8_t quic_conn_ecn(const quic_conn *c);
/** Writes the next UDP datagram into buf (cap >= 1200 recommended). Returns its
 * length, 0 when nothing is to be sent now. A server whose client may change
 * address (NAT rebinding, migration) uses quic_conn_send_path instead: some
 * datagrams then go to another address than the current one. */
size_t quic_conn_send(quic_conn *c, uint8_t *buf, size_t cap, uint64_t now);
/** The same, and where the datagram goes: a path validation (RFC 9000 §8.2)
 * sends PATH_CHALLENGE / PATH_RESPONSE on a path other than the current one. */
size_t quic_conn_send_path(quic_conn *c, uint8_t *buf, size_t cap, uint64_t now, quic_path *to);
/** The current path (the one validated last). */
const quic_path *quic_conn_path(const quic_conn *c);
/** Client: move the connection to a new local address (RFC 9000 §9.2), with a
 * connection ID not used before (§9.5). QUIC_ERR_BLOCKED when the peer gave
 * no unused CID, QUIC_ERR_ARG before the handshake is confirmed, or when the
 * server sent disable_active_migration. */
int quic_conn_migrate(quic_conn *c, const quic_path *path);
struct quic_tp_preferred_address;
/** Client: the server's preferred_address transport parameter (RFC 9000 §9.6,
 * §18.2), or NULL when it sent none. Owned by the connection, valid while it
 * lives. */
const struct quic_tp_preferred_address *quic_conn_peer_preferred_address(const quic_conn *c);
/** Client: validate a path to another server address (the preferred one,
 * with the connection ID that came with it) and move to it when the server
 * answers (RFC 9000 §9.6.1, §8.2). QUIC_ERR_ARG as for quic_conn_migrate. */
int quic_conn_probe_path(quic_conn *c, const quic_path *path);
/** Next timer; QUIC_NEVER when none. */
uint64_t quic_conn_deadline(const quic_conn *c);
/** Runs the timers due at now (loss detection, PTO, ACK delay, idle, closing). */
void quic_conn_on_deadline(quic_conn *c, uint64_t now);

/** What quic_conn_next_event() reports. */
typedef enum quic_event_type {
    QUIC_EV_NONE = 0,       /**< no event */
    QUIC_EV_CONNECTED,      /**< handshake complete (client: confirmed keys in use) */
    QUIC_EV_STREAM_OPENED,  /**< the peer opened stream_id */
    QUIC_EV_STREAM_READABLE, /**< stream_id has data or FIN to read */
    QUIC_EV_STREAM_WRITABLE, /**< stream_id got credit or buffer room again */
    QUIC_EV_STREAM_RESET,   /**< the peer reset stream_id (RESET_STREAM) with code */
    QUIC_EV_STREAM_STOP,    /**< the peer asked us to stop sending (STOP_SENDING) */
    QUIC_EV_DATAGRAM,       /**< data/len: a DATAGRAM frame payload */
    QUIC_EV_CLOSED,         /**< the connection is over: see quic_conn_close_info */
} quic_event_type;

/** One event of a connection (quic_conn_next_event()). */
typedef struct quic_event {
    quic_event_type type; /**< what happened */
    uint64_t stream_id;   /**< STREAM_* events: the stream */
    uint64_t code;        /**< STREAM_RESET, STREAM_STOP: the peer's application error code */
    /** QUIC_EV_DATAGRAM: the payload in the connection's receive queue, where the
     * one copy out of the decrypted packet put it. It stays valid until
     * quic_conn_next_event hands out the next datagram or returns false, or the
     * connection is freed; no other call moves it (and other events do not). */
    const uint8_t *data;
    size_t len; /**< DATAGRAM: payload length */
} quic_event;

/** The next event (true), or none (false). */
bool quic_conn_next_event(quic_conn *c, quic_event *ev);

/* ---- streams (RFC 9000 §2, §3) ---- */
/** Opens a stream we initiate; returns its id (>= 0), QUIC_ERR_STREAM_LIMIT or
 * QUIC_ERR_CLOSING. */
int64_t quic_conn_stream_open(quic_conn *c, bool bidi);
/** Queues bytes (and FIN) to send; returns how many bytes were taken (possibly
 * fewer than len when the send buffer is full), or an error. */
int64_t quic_conn_stream_write(quic_conn *c, uint64_t id, const uint8_t *data, size_t len,
                               bool fin);
/** Reads in-order bytes; *fin is set when the end was reached. Returns the
 * count (0 when nothing is there yet) or an error. */
int64_t quic_conn_stream_read(quic_conn *c, uint64_t id, uint8_t *buf, size_t cap, bool *fin);
/** The same without a copy (and without a read buffer to keep): *p points at the
 * next bytes in order, contiguous, valid until the next call on the connection;
 * returns their count (0 when none yet) or an error, *fin when they end the
 * stream. Take them with quic_conn_stream_consume. */
int64_t quic_conn_stream_peek(quic_conn *c, uint64_t id, const uint8_t **p, bool *fin);
/** Takes n of the bytes quic_conn_stream_peek showed (n may be 0 to take a bare
 * FIN); 0 or an error. */
int quic_conn_stream_consume(quic_conn *c, uint64_t id, size_t n);
/** RESET_STREAM: abandon sending (RFC 9000 §19.4). */
int quic_conn_stream_reset(quic_conn *c, uint64_t id, uint64_t app_code);
/** STOP_SENDING: we will not read more (RFC 9000 §19.5). */
int quic_conn_stream_stop(quic_conn *c, uint64_t id, uint64_t app_code);

/* ---- datagrams (RFC 9221) ---- */
/** The largest payload quic_conn_dgram_send takes now: min(peer's
 * max_datagram_frame_size, what fits in one packet on this path); 0 when the
 * peer does not accept datagrams or the handshake is not done. */
size_t quic_conn_dgram_max(const quic_conn *c);
/** Sends one datagram: it goes out in the next packets (several per packet
 * when they fit), is never retransmitted, and is dropped (and counted) if it
 * waits too long or the queue is full. The payload is copied once, so the
 * caller's buffer is free again on return: straight into the next packet when
 * the connection may send now (congestion window, pacing) and no older
 * datagram waits, else into the send queue. Datagrams leave in the order they
 * were sent. */
int quic_conn_dgram_send(quic_conn *c, const uint8_t *data, size_t len, uint64_t now);
/** The same for a payload in n pieces (e.g. a prefix and the application's
 * bytes), joined by that one copy. */
int quic_conn_dgram_sendv(quic_conn *c, const qb_iov *iov, size_t n, uint64_t now);

/** Datagram counters of a connection (quic_conn_dgram_stats()). */
typedef struct quic_dgram_counters {
    uint64_t sent;                 /**< DATAGRAM frames sent */
    uint64_t received;             /**< DATAGRAM frames received */
    uint64_t drop_send_queue_full; /**< dropped: the send queue was full */
    uint64_t drop_send_too_large;  /**< dropped: larger than the peer or path allows */
    uint64_t drop_send_expired;    /**< dropped: waited longer than dgram_max_age_us */
    uint64_t drop_recv_queue_full; /**< received but dropped: the app did not drain */
    uint64_t packets_with_dgrams; /**< packets that carried at least one */
    uint64_t queued;              /**< had to wait in the send queue (the others
                                       were written straight into a packet) */
} quic_dgram_counters;
void quic_conn_dgram_stats(const quic_conn *c, quic_dgram_counters *s); /**< copies them into *s */

/* ---- closing (RFC 9000 §10) ---- */
/** Starts an immediate close with CONNECTION_CLOSE (app: 0x1d, else 0x1c). */
void quic_conn_close(quic_conn *c, bool app, uint64_t code, const char *reason);

/** Why a connection ended, or that it has not (quic_conn_close_info()). */
typedef struct quic_close_info {
    bool closed;    /**< no further packets will be exchanged */
    bool by_peer;   /**< the peer sent CONNECTION_CLOSE (or a stateless reset) */
    bool app;       /**< application close (0x1d) rather than transport (0x1c) */
    bool idle;      /**< the idle timeout ended it */
    bool stateless_reset; /**< the peer sent a stateless reset (RFC 9000 §10.3) */
    uint64_t code;        /**< transport or application error code (0: none) */
    uint64_t frame_type;  /**< transport close: the frame type that caused it */
    char reason[256];     /**< the reason phrase, NUL-terminated (possibly empty) */
} quic_close_info;
void quic_conn_close_info(const quic_conn *c, quic_close_info *out); /**< fills *out */

/* ---- what the application may ask ---- */
bool quic_conn_is_server(const quic_conn *c); /**< the server side */
bool quic_conn_is_established(const quic_conn *c); /**< the handshake completed */
/** The handshake resumed a TLS session (RFC 8446 §2.2; tls_config.session). */
bool quic_conn_resumed(const quic_conn *c);

/** 0-RTT (RFC 9001 §4.6, RFC 9000 §7.4.1) as far as this end knows. */
typedef enum quic_early_state {
    QUIC_EARLY_NONE = 0, /**< not offered (tls_config.early_data, a ticket allowing it) */
    QUIC_EARLY_OFFERED,  /**< client: 0-RTT keys in hand, no answer yet */
    QUIC_EARLY_ACCEPTED, /**< the server took the 0-RTT data */
    QUIC_EARLY_REJECTED, /**< refused: a client's 0-RTT stream data goes again in 1-RTT */
} quic_early_state;
/** Where 0-RTT stands; *reason (may be NULL) gets why it was refused. */
quic_early_state quic_conn_early_state(const quic_conn *c, const char **reason);
/** Client: stream data and datagrams written now go out in 0-RTT packets,
 * within the transport parameters remembered with the session. */
bool quic_conn_early_sendable(const quic_conn *c);
/** Server: 0-RTT was accepted and the server Finished sent: what the
 * application writes now goes in 1-RTT packets before the client's Finished
 * (0.5-RTT, RFC 9001 §4.1.1), within the anti-amplification limit. */
bool quic_conn_half_rtt_sendable(const quic_conn *c);
/** 0-RTT packets sent (client) or opened and accepted (server). */
uint64_t quic_conn_early_packets(const quic_conn *c);
/** The QUIC version the connection speaks: the negotiated one once known
 * (RFC 9368 §2), else the version of its first flight. */
uint32_t quic_conn_version(const quic_conn *c);
/** The negotiated ALPN protocol (NUL-terminated, owned by the connection), or
 * NULL before the handshake told it. */
const char *quic_conn_alpn(const quic_conn *c);
/** The MAX_STREAMS we currently allow the peer (RFC 9000 §4.6), bidi or uni. */
uint64_t quic_conn_local_max_streams(const quic_conn *c, bool bidi);
/** The peer's max_datagram_frame_size (0: no datagrams). */
uint64_t quic_conn_peer_max_dgram(const quic_conn *c);
/** Starts a key update now (RFC 9001 §6); fails before the handshake is confirmed. */
int quic_conn_key_update(quic_conn *c);

/** Packet, byte and recovery counters of a connection (quic_conn_stats_get()). */
typedef struct quic_conn_stats {
    uint64_t pkts_sent;       /**< packets sent */
    uint64_t pkts_recv;       /**< packets received and decrypted */
    uint64_t pkts_lost;       /**< packets declared lost (RFC 9002 §6) */
    uint64_t pkts_dropped;    /**< received packets dropped (no keys, bad, duplicate) */
    uint64_t bytes_sent;      /**< UDP payload bytes sent */
    uint64_t bytes_recv;      /**< UDP payload bytes received */
    uint64_t key_updates;     /**< 1-RTT key updates (RFC 9001 §6) */
    uint64_t smoothed_rtt_us; /**< smoothed RTT (RFC 9002 §5.3) */
    uint64_t min_rtt_us;      /**< minimum RTT seen */
    uint64_t cwnd;            /**< congestion window, bytes */
    uint64_t migrations;      /**< moves to a validated new path (RFC 9000 §9) */
    uint64_t path_validation_failures; /**< validations abandoned (RFC 9000 §8.2.4) */
} quic_conn_stats;
void quic_conn_stats_get(const quic_conn *c, quic_conn_stats *s); /**< fills *s */

/** The connection IDs that route to this connection (for a server endpoint's
 * table): call after each recv/send; the endpoint adds and removes entries. */
const quic_local_cids *quic_conn_local_cids(const quic_conn *c);

#ifdef __cplusplus
}
#endif

#endif
