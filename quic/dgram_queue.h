/*
 * quince quic: a bounded FIFO of DATAGRAM frame payloads (RFC 9221), one for
 * those waiting to be sent, one for those received and not yet read.
 *
 * Payloads live as records (arrival time, length, bytes) in a chain of blocks
 * of QUIC_DGRAM_BLOCK bytes: nothing is allocated before first use, a block
 * is added when the queue grows and given back once it drains (qb_trim
 * hysteresis over the block count, so a steady pattern allocates nothing per
 * datagram). A queued record never moves: a peeked payload stays valid until
 * it is popped, whatever is pushed meanwhile. Datagrams are unreliable (RFC 9221 §5): a
 * datagram that cannot be kept is dropped and counted, never an error of the
 * connection: queue full, larger than a slot (or than any packet can carry),
 * or older than the age limit.
 */
#ifndef QUIC_DGRAM_QUEUE_H
#define QUIC_DGRAM_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quic/quic_err.h"
#include "base/qb.h"
#include "base/qb_trim.h"

#define QUIC_DGRAM_BLOCK 4096 /* bytes per block (larger for a larger record) */

typedef struct quic_dgram_block quic_dgram_block;

/* Error codes: the QUIC_DGRAM_ERR_* of quic/quic_err.h. */

typedef struct quic_dgram_queue_config {
    size_t slots;       /* queue length, e.g. 32 to send, 128 received; 0 = 32 */
    size_t slot_size;   /* largest payload kept; 0 = 1200 */
    uint64_t max_age;   /* microseconds; 0 = no age limit */
    bool drop_oldest;   /* when full: drop the oldest (fresh data wins) instead
                           of refusing the new one */
} quic_dgram_queue_config;

typedef struct quic_dgram_stats {
    uint64_t pushed, popped;
    uint64_t dropped_full, dropped_too_large, dropped_expired;
} quic_dgram_stats;

typedef struct quic_dgram_queue {
    const qb_alloc *alloc;
    quic_dgram_queue_config cfg;
    quic_dgram_block *first, *last; /* records are read from first, added to last */
    quic_dgram_block *spare;        /* drained blocks kept for reuse */
    size_t blocks;                  /* blocks allocated (chain and spare) */
    size_t chain;                   /* blocks in the chain */
    size_t bytes;                   /* bytes allocated */
    size_t count;
    qb_trim trim;
    quic_dgram_stats stats;
} quic_dgram_queue;

/* cfg may be NULL (defaults). Allocates nothing yet. */
int quic_dgram_queue_init(quic_dgram_queue *q, const quic_dgram_queue_config *cfg,
                          const qb_alloc *a);
void quic_dgram_queue_free(quic_dgram_queue *q);

/* Queues a copy of the payload. Returns 0 (possibly after dropping the
 * oldest), QUIC_DGRAM_ERR_FULL, _TOO_LARGE (both counted) or _NOMEM. */
int quic_dgram_queue_push(quic_dgram_queue *q, const uint8_t *p, size_t len, uint64_t now);
/* The same for a payload in n pieces, joined by the one copy into the slot. */
int quic_dgram_queue_pushv(quic_dgram_queue *q, const qb_iov *iov, size_t n, uint64_t now);
/* Drops (and counts) datagrams older than max_age. */
void quic_dgram_queue_expire(quic_dgram_queue *q, uint64_t now);
/* The oldest live datagram, in place (after expiring): false when empty. The
 * bytes stay put until it is popped (pushes never overwrite a queued slot). */
bool quic_dgram_queue_peek(quic_dgram_queue *q, uint64_t now, const uint8_t **p, size_t *len);
/* A place in the queue for reading several datagrams in place before popping
 * them: a packet takes the payloads from their slots and pops them once it
 * is sealed. */
typedef struct quic_dgram_cursor {
    const quic_dgram_block *b;
    size_t off; /* of the record in b */
    size_t i;   /* records before it */
} quic_dgram_cursor;
/* The oldest live datagram (after expiring), as peek, with cur at it. */
bool quic_dgram_queue_first(quic_dgram_queue *q, uint64_t now, quic_dgram_cursor *cur,
                            const uint8_t **p, size_t *len);
/* The one after cur's (cur moves to it): false after the newest. Valid while
 * nothing is popped; a push leaves the records and the cursor in place. */
bool quic_dgram_queue_next(const quic_dgram_queue *q, quic_dgram_cursor *cur, const uint8_t **p,
                           size_t *len);
/* Removes the datagram peek returned (after it went into a packet). To pack
 * several into one packet: peek, write if it fits, pop, repeat. */
void quic_dgram_queue_pop(quic_dgram_queue *q);
/* The head can never fit (e.g. the path or the peer's max_datagram_frame_size
 * shrank): drop it, counted as too large. */
void quic_dgram_queue_drop_head(quic_dgram_queue *q);
/* Receive side: copies the oldest datagram to dst and pops it. */
int quic_dgram_queue_read(quic_dgram_queue *q, uint64_t now, uint8_t *dst, size_t cap,
                          size_t *len);
static inline size_t quic_dgram_queue_count(const quic_dgram_queue *q) { return q->count; }
static inline const quic_dgram_stats *quic_dgram_queue_stats(const quic_dgram_queue *q) { return &q->stats; }
/* Bytes allocated (0 before first use and once drained for a while). */
size_t quic_dgram_queue_memory(const quic_dgram_queue *q);

/*
 * The open packet: DATAGRAM frames (type 0x31, with Length; RFC 9221 §4) written
 * when the application sends them, because the connection may send at once,
 * for the next 1-RTT packet, which is then sealed from here straight into the
 * datagram (quic_pkt_protect_from). The payload is copied once, here, and
 * never into the queue above. One allocation (this header and the buffer),
 * made at the first such datagram and kept; a connection that never sends one
 * holds a NULL pointer. The rest of that packet's frames follow the datagrams.
 */
typedef struct quic_dgram_pkt {
    uint64_t oldest; /* when the first was written (for the age limit) */
    uint16_t len;    /* bytes of DATAGRAM frames written */
    uint16_t cap;    /* bytes of buf (a packet payload is < 65535) */
    uint16_t count;  /* datagrams in it */
    uint8_t buf[];   /* plaintext frames */
} quic_dgram_pkt;

/* The header of a DATAGRAM frame with a Length (RFC 9221 §4: type 0x31, then
 * the payload length as a varint) for a payload of len bytes (< 2^30): its
 * size, and written at dst when dst is not NULL. The send path writes frames
 * with it straight into packets; the frame codec (frame_data.c) reads them. */
static inline size_t quic_dgram_frame_header(uint8_t *dst, size_t len)
{
    size_t n = len < 64 ? 1 : len < 16384 ? 2 : 4;
    if (dst) {
        dst[0] = 0x31;
        qb_varint_put_n(dst + 1, len, n);
    }
    return 1 + n;
}

static inline size_t quic_dgram_pkt_count(const quic_dgram_pkt *k) { return k ? k->count : 0; }
/* Frees *k (allocated with a) and sets it to NULL. */
void quic_dgram_pkt_free(quic_dgram_pkt **k, const qb_alloc *a);
/* Makes *k hold at least cap bytes (at most 65535), allocating it at first,
 * keeping what is written (it may move); 0 or QUIC_DGRAM_ERR_NOMEM (unchanged). */
int quic_dgram_pkt_reserve(quic_dgram_pkt **k, const qb_alloc *a, size_t cap);
/* Writes a DATAGRAM frame carrying the n pieces (len bytes together) when it
 * fits in room bytes of payload (room <= cap); false (nothing written) if not. */
bool quic_dgram_pkt_add(quic_dgram_pkt *k, const qb_iov *iov, size_t n, size_t len,
                        size_t room, uint64_t now);
/* The frames went out (or were dropped): the packet is empty again. */
static inline void quic_dgram_pkt_clear(quic_dgram_pkt *k) { k->len = k->count = 0; }

#endif
