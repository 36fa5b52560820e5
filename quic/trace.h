/**
 * What a connection reports for study and debugging (qlog, -v): one callback
 * with a small event struct, raised at the moments RFC 9000/9002 name (packet
 * sent, received, dropped, lost; metrics; key update; close). The payload of a
 * sent or received packet is handed over as its plaintext frames, so a tracer
 * decodes them with quic/frame.h if it wants to: the core does no formatting.
 * @file
 */
#ifndef QUIC_TRACE_H
#define QUIC_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quic/pkt_type.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What a trace event reports. */
typedef enum quic_trace_type {
    QUIC_TRACE_PACKET_SENT = 1, /**< a packet was sent (frames: its payload) */
    QUIC_TRACE_PACKET_RECEIVED, /**< a packet was received and decrypted */
    QUIC_TRACE_PACKET_DROPPED,  /**< reason says why (no keys, decrypt, duplicate, ...) */
    QUIC_TRACE_PACKET_LOST,     /**< declared lost by loss detection (RFC 9002 §6) */
    QUIC_TRACE_METRICS,         /**< RTT and congestion state after an ACK */
    QUIC_TRACE_KEY_UPDATED,     /**< 1-RTT key phase changed (RFC 9001 §6) */
    QUIC_TRACE_CLOSED,          /**< reason: how the connection ended */
    QUIC_TRACE_KEYS_INSTALLED,  /**< keys from TLS for pkt_type's level (RFC 9001 §4.1.4) */
    QUIC_TRACE_KEYS_DISCARDED,  /**< keys of pkt_type's level gone (RFC 9001 §4.9, §6.5) */
    QUIC_TRACE_PARAMS_SET,      /**< transport parameters, ours or the peer's (RFC 9000 §18) */
} quic_trace_type;

struct quic_tparams;

/** One trace event; pointers in it are valid only during the callback. */
typedef struct quic_trace {
    quic_trace_type type;       /**< what happened */
    uint64_t now;               /**< the connection's clock, microseconds */
    quic_pkt_type pkt_type;     /**< the packet's type (packet events) */
    uint64_t pn;                /**< its packet number */
    size_t size;                /**< packet bytes on the wire */
    const uint8_t *frames;      /**< plaintext payload (SENT, RECEIVED) */
    size_t frames_len;          /**< length of frames */
    const char *reason;         /**< DROPPED, CLOSED */
    /**@{*/ /** METRICS: RTT estimates in microseconds (RFC 9002 §5), congestion
     * window and bytes in flight (§7). */
    uint64_t smoothed_rtt, min_rtt, latest_rtt, rtt_var, cwnd, bytes_in_flight;
    /**@}*/
    /** KEY_UPDATED */
    unsigned key_phase;
    /**@{*/ /** SENT, RECEIVED: the header's connection IDs (scid: long headers). */
    const uint8_t *dcid, *scid;
    uint8_t dcid_len, scid_len;
    /**@}*/
    /**@{*/ /** Every event: the connection's original destination CID (RFC 9000
     * §7.3), which names its qlog file. */
    const uint8_t *odcid;
    uint8_t odcid_len;
    /**@}*/
    /**@{*/ /** KEY_*: which directions (key_tx: ours to send), the 1-RTT key
     * generation (updates so far, RFC 9001 §6), and whether we (key_local) or
     * the peer started a 1-RTT key update (KEY_UPDATED). KEY_UPDATED comes
     * when a direction's keys change: both at once when the peer started the
     * update; the send keys alone when we started it, then the receive keys
     * alone with the peer's answer (§6.2). */
    bool key_rx, key_tx, key_local;
    uint64_t key_gen;
    /**@}*/
    /**@{*/ /** KEY_*: the new secrets where the connection holds them (else
     * NULL). Secrets: a tracer writes them only where they may be (a key log).
     * The old secrets of a KEY_UPDATED are not kept by the connection: they are
     * the new ones of the previous event of that direction (KEYS_INSTALLED of
     * 1-RTT for generation 1). */
    const uint8_t *secret_rx, *secret_tx;
    size_t secret_len;
    /**@}*/
    /**@{*/ /** CLOSED: who closed it, why (idle timeout, stateless reset), the
     * error code and its space (application: CONNECTION_CLOSE 0x1d). */
    bool close_by_peer, close_app, close_idle, close_reset;
    uint64_t close_code;
    /**@}*/
    /**@{*/ /** PARAMS_SET: the parameters, and whose (params_remote: the peer's). */
    const struct quic_tparams *params;
    bool params_remote;
    /**@}*/
} quic_trace;

struct quic_conn;
/** c says which connection (a server's endpoint shares one hook among all). */
typedef void (*quic_trace_fn)(void *ud, struct quic_conn *c, const quic_trace *t);

#ifdef __cplusplus
}
#endif

#endif
