/*
 * quince quic: flow-control credit (RFC 9000 §4) for one stream
 * (MAX_STREAM_DATA) or the connection (MAX_DATA). Pure counters.
 *
 * Sender side (quic_flowctl_tx): the peer's limit, what we sent, whether a
 * DATA_BLOCKED / STREAM_DATA_BLOCKED is due (§4.1, §19.12-13).
 * Receiver side (quic_flowctl_rx): the limit we advertised, what arrived,
 * what the application consumed, and when to advertise more: once half the
 * window has been consumed (so the peer never stalls for a full window).
 *
 * The same counters serve stream counts (RFC 9000 §4.6): tx.limit = the
 * peer's MAX_STREAMS, consume(1) per stream opened, blocked_needed ->
 * STREAMS_BLOCKED; rx: on_offset(stream index + 1) (EXCEEDED ->
 * STREAM_LIMIT_ERROR), on_consumed(1) per stream closed, update_needed ->
 * MAX_STREAMS. (Values above 2^60 are the frame decoder's to refuse.)
 */
#ifndef QUIC_FLOWCTL_H
#define QUIC_FLOWCTL_H

#include <stdbool.h>
#include <stdint.h>

#include "quic/quic_err.h"

/* Error codes: the QUIC_FLOWCTL_ERR_* of quic/quic_err.h. */

typedef struct quic_flowctl_tx {
    uint64_t limit;        /* peer's MAX_DATA / MAX_STREAM_DATA */
    uint64_t sent;         /* bytes of credit used (highest offset sent) */
    bool blocked_sent;     /* a *_BLOCKED frame was sent for this limit */
} quic_flowctl_tx;

void quic_flowctl_tx_init(quic_flowctl_tx *tx, uint64_t initial_limit);
static inline uint64_t quic_flowctl_tx_credit(const quic_flowctl_tx *tx) { return tx->limit - tx->sent; }
/* Uses n bytes of credit; QUIC_FLOWCTL_ERR_OVERSEND (nothing changes) past the limit. */
int quic_flowctl_tx_consume(quic_flowctl_tx *tx, uint64_t n);
/* A MAX_DATA / MAX_STREAM_DATA arrived: the limit only grows (RFC 9000
 * §4.1: smaller values are ignored). True when it grew. */
bool quic_flowctl_tx_update(quic_flowctl_tx *tx, uint64_t new_limit);
/* No credit left and no *_BLOCKED sent at this limit yet (§4.1 SHOULD). The
 * frame carries quic_flowctl_tx_limit(). */
bool quic_flowctl_tx_blocked_needed(const quic_flowctl_tx *tx);
static inline void quic_flowctl_tx_on_blocked_sent(quic_flowctl_tx *tx) { tx->blocked_sent = true; }
static inline uint64_t quic_flowctl_tx_limit(const quic_flowctl_tx *tx) { return tx->limit; }

typedef struct quic_flowctl_rx {
    uint64_t limit;     /* what we advertised */
    uint64_t window;    /* credit kept ahead of what was consumed */
    uint64_t received;  /* highest offset (stream) or sum of them (connection) */
    uint64_t consumed;  /* bytes the application has read */
} quic_flowctl_rx;

/* The initial limit is the window (the transport parameter we sent). */
void quic_flowctl_rx_init(quic_flowctl_rx *rx, uint64_t window);
/* Stream: data up to `end` offset arrived (STREAM frame offset + length, or
 * a RESET_STREAM final size). *delta gets the growth of the highest offset,
 * to feed the connection's counter. */
int quic_flowctl_rx_on_offset(quic_flowctl_rx *rx, uint64_t end, uint64_t *delta);
/* Connection: n more bytes counted (the streams' deltas). */
int quic_flowctl_rx_add(quic_flowctl_rx *rx, uint64_t n);
/* The application read n bytes (never more than received). */
void quic_flowctl_rx_on_consumed(quic_flowctl_rx *rx, uint64_t n);
/* True when half the window is used up: send quic_flowctl_rx_next_limit(). */
bool quic_flowctl_rx_update_needed(const quic_flowctl_rx *rx);
/* consumed + window, capped at 2^62-1. */
uint64_t quic_flowctl_rx_next_limit(const quic_flowctl_rx *rx);
/* A MAX_DATA / MAX_STREAM_DATA with new_limit was sent. */
void quic_flowctl_rx_on_update_sent(quic_flowctl_rx *rx, uint64_t new_limit);

#endif
