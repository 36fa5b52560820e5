/*
 * What each sent packet carried that must be acted on when the packet is
 * acknowledged or lost (RFC 9000 §13.3): CRYPTO and STREAM ranges, control
 * frames to repeat with their latest values, and so on. Loss recovery
 * (quic/recovery.h) tracks packets by an opaque handle; this log turns a
 * handle into the list of items the connection reacts to.
 *
 * Items live in one ring shared by all packets of a connection, allocated on
 * demand up to a cap: a packet's items are contiguous, and a packet's handle
 * names its first item and their count. Items are released when their packet
 * is settled (acked, lost or discarded); the ring's tail advances over
 * released items, so a long-outstanding packet holds the ring until it is
 * declared lost. Once everything is settled, a ring sized by an earlier burst
 * is given back (qb_trim hysteresis: only after a few drain cycles in a row
 * used a quarter of it), to grow again on demand.
 */
#ifndef QUIC_SENTLOG_H
#define QUIC_SENTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quic/quic_err.h"
#include "base/qb.h"
#include "base/qb_trim.h"

typedef enum quic_si_kind {
    QUIC_SI_NONE = 0,
    QUIC_SI_CRYPTO,          /* id = level, off, len */
    QUIC_SI_STREAM,          /* id, off, len, fin */
    QUIC_SI_RESET_STREAM,    /* id */
    QUIC_SI_STOP_SENDING,    /* id */
    QUIC_SI_MAX_DATA,
    QUIC_SI_MAX_STREAM_DATA, /* id */
    QUIC_SI_MAX_STREAMS_BIDI,
    QUIC_SI_MAX_STREAMS_UNI,
    QUIC_SI_DATA_BLOCKED,
    QUIC_SI_STREAM_DATA_BLOCKED, /* id */
    QUIC_SI_STREAMS_BLOCKED_BIDI,
    QUIC_SI_STREAMS_BLOCKED_UNI,
    QUIC_SI_NEW_CONNECTION_ID,   /* id = sequence number */
    QUIC_SI_RETIRE_CONNECTION_ID, /* id = sequence number */
    QUIC_SI_HANDSHAKE_DONE,
    QUIC_SI_ACK,             /* id = largest acknowledged in our ACK frame */
    QUIC_SI_DATAGRAM,        /* len: counted only, never retransmitted */
    QUIC_SI_NEW_TOKEN,       /* sent again when lost (RFC 9000 §13.3) */
} quic_si_kind;

typedef struct quic_sent_item {
    uint64_t id;
    uint64_t off;
    uint32_t len;
    uint8_t kind;
    uint8_t fin;
    uint8_t space; /* packet number space of the packet */
    uint8_t live;  /* 1 until its packet is settled */
} quic_sent_item;

#define QUIC_SENTLOG_NO_HANDLE UINT64_MAX
#define QUIC_SENTLOG_MAX_PER_PKT 255

/* Error codes: the QUIC_SENTLOG_ERR_* of quic/quic_err.h. */

typedef struct quic_sentlog {
    quic_sent_item *ring;
    size_t cap, max_cap;
    uint64_t tail, head; /* absolute item numbers: [tail, head) in the ring */
    uint64_t open_start; /* first item of the packet being built */
    size_t open_count;
    qb_trim trim; /* items in use: the ring shrinks after a burst (issue 10) */
    const qb_alloc *alloc;
} quic_sentlog;

void quic_sentlog_init(quic_sentlog *l, size_t max_items, const qb_alloc *a);
void quic_sentlog_free(quic_sentlog *l);

/* Building a packet: begin, add items, then end to get the handle. */
void quic_sentlog_begin(quic_sentlog *l);
/* Room for n more items in this packet? */
bool quic_sentlog_room(quic_sentlog *l, size_t n);
int quic_sentlog_add(quic_sentlog *l, const quic_sent_item *it);
/* The handle of the packet just built (QUIC_SENTLOG_NO_HANDLE: no items). */
uint64_t quic_sentlog_end(quic_sentlog *l);
/* Drops the items of the packet being built (it was not sent). */
void quic_sentlog_abort(quic_sentlog *l);

/* How many items a handle has (0 when it is none or already settled), and the
 * i-th of them; a pointer stays valid until the next add or settle. */
size_t quic_sentlog_count(const quic_sentlog *l, uint64_t handle);
quic_sent_item *quic_sentlog_item(quic_sentlog *l, uint64_t handle, size_t i);
/* Releases a settled packet's items. */
void quic_sentlog_settle(quic_sentlog *l, uint64_t handle);
size_t quic_sentlog_live(const quic_sentlog *l);

#endif
