/*
 * quince quic: the send side of one stream (RFC 9000 §2.2, §3.1, §13.3).
 *
 * The application appends bytes (bounded by max_buffered); the connection
 * asks for the next (offset, length, fin) piece that fits a STREAM frame,
 * lost pieces first, then new data within the flow-control limit. Acked
 * pieces are released from the front; lost pieces are re-queued (minus what
 * was acked meanwhile). Stream data is never dropped.
 *
 * The acked and lost sets are fixed arrays of QUIC_SENDBUF_RANGES ranges.
 * When the acked set is full an acked piece is re-queued as lost instead (it
 * is sent again: wasteful but safe); when the lost set is full its two
 * closest ranges are merged (resending bytes in between: safe too). The
 * bytes live in one ring of at most max_buffered bytes, grown on demand and
 * given back when everything was acknowledged: at once the first time (a
 * stream that sent one message, like an HTTP/3 control stream, holds nothing
 * while idle), later by the qb_trim hysteresis so a stream that sends again
 * and again does not free and allocate per message.
 */
#ifndef QUIC_SENDBUF_H
#define QUIC_SENDBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quic/quic_err.h"
#include "base/qb.h"
#include "base/qb_trim.h"

#define QUIC_SENDBUF_RANGES 32

/* Error codes: the QUIC_SENDBUF_ERR_* of quic/quic_err.h. */

typedef struct quic_sendbuf_ranges {
    size_t n;
    struct { uint64_t lo, hi; } r[QUIC_SENDBUF_RANGES]; /* [lo, hi), ascending, disjoint */
} quic_sendbuf_ranges;

/* One piece to put into a STREAM frame. data points into the buffer and is
 * valid until the next call on the sendbuf. */
typedef struct quic_sendbuf_piece {
    uint64_t offset;
    size_t len;
    bool fin;
    bool retransmit;   /* from the lost set (not new flow-control credit) */
    const uint8_t *data;
} quic_sendbuf_piece;

typedef struct quic_sendbuf {
    const qb_alloc *alloc;
    uint8_t *buf;
    size_t buf_cap;       /* allocated, <= max_buffered */
    size_t head;          /* buf index of base_off */
    size_t max_buffered;
    uint64_t base_off;    /* every byte below is acked and released */
    uint64_t next_off;    /* first byte never sent */
    uint64_t end_off;     /* bytes appended */
    quic_sendbuf_ranges acked; /* above base_off */
    quic_sendbuf_ranges lost;  /* to send again, within [base_off, next_off) */
    bool fin_set, fin_sent, fin_acked, fin_lost;
    uint64_t bytes_retransmitted;
    uint64_t ack_overflows;  /* acked pieces re-queued because the set was full */
    qb_trim trim;            /* bytes in use, for giving the ring back */
    unsigned drains;         /* times everything was acked (saturates at 2) */
} quic_sendbuf;

void quic_sendbuf_init(quic_sendbuf *sb, size_t max_buffered, const qb_alloc *a);
void quic_sendbuf_free(quic_sendbuf *sb);

/* Appends up to len bytes; *accepted says how many fit (0 when full). */
int quic_sendbuf_append(quic_sendbuf *sb, const uint8_t *data, size_t len, size_t *accepted);
/* The application is done: a FIN follows the last byte. */
void quic_sendbuf_finish(quic_sendbuf *sb);
/* Room left for append. */
size_t quic_sendbuf_space(const quic_sendbuf *sb);

/* Next piece of at most max_len bytes: lost data first, then new data up to
 * the stream offset max_new_off (the flow-control limit). Marks it sent.
 * Returns false when there is nothing to send. A FIN alone gives len 0. */
bool quic_sendbuf_next(quic_sendbuf *sb, size_t max_len, uint64_t max_new_off,
                       quic_sendbuf_piece *out);
/* Something is waiting (lost data, a lost FIN, or new data / FIN not yet
 * sent), ignoring flow control. */
bool quic_sendbuf_has_pending(const quic_sendbuf *sb);
/* New data is waiting but the flow-control limit stops it: the connection
 * sends STREAM_DATA_BLOCKED (RFC 9000 §4.1). */
bool quic_sendbuf_is_blocked(const quic_sendbuf *sb, uint64_t max_new_off);

/* A packet carrying [offset, offset+len) (and FIN) was acknowledged / lost. */
void quic_sendbuf_on_acked(quic_sendbuf *sb, uint64_t offset, size_t len, bool fin);
void quic_sendbuf_on_lost(quic_sendbuf *sb, uint64_t offset, size_t len, bool fin);

/* Every byte and the FIN acknowledged: the stream's send side is done
 * ("Data Recvd", RFC 9000 §3.1). */
bool quic_sendbuf_all_acked(const quic_sendbuf *sb);
/* Highest offset sent so far: the Final Size of a RESET_STREAM (§4.5). */
static inline uint64_t quic_sendbuf_sent_offset(const quic_sendbuf *sb) { return sb->next_off; }
/* Bytes held in memory (appended and not yet acked). */
static inline uint64_t quic_sendbuf_buffered(const quic_sendbuf *sb) { return sb->end_off - sb->base_off; }

#endif
