/*
 * quince quic: the set of packet numbers received in one packet number space
 * (RFC 9000 §13.2), kept as sorted disjoint ranges in a fixed array.
 *
 * It answers three questions for the connection:
 *   - is this packet a duplicate?            (quic_ackrange_contains)
 *   - must an ACK frame be sent, and when?   (quic_ackrange_ack_deadline)
 *   - which ranges go into the ACK frame?    (quic_ackrange_export)
 *
 * Bounded: at most `max_ranges` ranges (<= QUIC_ACKRANGE_MAX). When a new gap
 * would exceed the bound the smallest range is dropped and a floor is raised
 * above it; packet numbers below the floor count as already received, so a
 * dropped range is never accepted twice (RFC 9000 §13.2.3: "MUST retain an ACK
 * Range unless it can ensure that it will not subsequently accept packets with
 * numbers in that range"). The largest packet number ever received is kept
 * apart from the ranges, as RFC 9000 §13.2.3 requires for packet number
 * decoding. No clock; times are microseconds passed in.
 *
 * Memory grows with use (issue 10): QUIC_ACKRANGE_INLINE ranges live in the
 * struct (in-order traffic needs one); more go to the heap, doubling up to the
 * bound, and return to the struct once few are left. When the heap refuses,
 * the bound simply takes effect early (the oldest range is forgotten behind
 * the floor, as §13.2.3 allows): never an error, never a crash.
 */
#ifndef QUIC_ACKRANGE_H
#define QUIC_ACKRANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/qb.h"
#include "quic/quic_err.h"

#define QUIC_ACKRANGE_INLINE 4    /* ranges kept without an allocation */
#define QUIC_ACKRANGE_MAX 256     /* hard cap on ranges kept per space */
#define QUIC_ACKRANGE_DEFAULT 64  /* what a connection should normally use */
#define QUIC_ACKRANGE_NONE UINT64_MAX

/* Error codes: the QUIC_ACKRANGE_ERR_* of quic/quic_err.h. */

/* One range of packet numbers, both ends inclusive. The ACK frame encoder takes
 * an array of these ordered largest first (RFC 9000 §19.3.1). */
typedef struct quic_pn_range {
    uint64_t smallest;
    uint64_t largest;
} quic_pn_range;

typedef struct quic_ackrange {
    quic_pn_range small[QUIC_ACKRANGE_INLINE]; /* the ranges while few */
    quic_pn_range *heap;     /* the ranges once more than fit inline, else NULL */
    size_t heap_cap;         /* ranges heap holds */
    const qb_alloc *alloc;   /* NULL = malloc */
    size_t n;                /* ranges in use: largest first, disjoint, not adjacent */
    size_t cap;              /* configured bound, 1..QUIC_ACKRANGE_MAX */
    uint64_t floor;          /* packet numbers below this count as received */
    bool has_largest;
    uint64_t largest;        /* largest packet number ever received */
    uint64_t largest_time;   /* when it was received (for ACK Delay, §13.2.5) */
    bool has_ae_largest;
    uint64_t ae_largest;     /* largest ack-eliciting packet number received */
    uint64_t max_ack_delay;  /* our max_ack_delay; 0 = acknowledge at once */
    unsigned ae_threshold;   /* ack after this many ack-eliciting packets */
    unsigned ae_since_ack;   /* ack-eliciting packets since the last ACK sent */
    unsigned since_ack;      /* any packets since the last ACK sent */
    uint64_t ack_deadline;   /* QUIC_ACKRANGE_NONE when no ACK is owed */
} quic_ackrange;

/* max_ranges is clamped to 1..QUIC_ACKRANGE_MAX. max_ack_delay is 0 for the
 * Initial and Handshake spaces (RFC 9000 §13.2.1: acknowledged immediately) and
 * our max_ack_delay transport parameter for the application space. */
void quic_ackrange_init(quic_ackrange *a, size_t max_ranges, uint64_t max_ack_delay);
/* The same, with the allocator for ranges beyond QUIC_ACKRANGE_INLINE. */
void quic_ackrange_init_with(quic_ackrange *a, size_t max_ranges, uint64_t max_ack_delay,
                             const qb_alloc *alloc);
/* Frees the heap ranges (the set is empty afterwards, still usable). */
void quic_ackrange_free(quic_ackrange *a);

/* True when pn was received already or lies below the floor: the connection
 * drops such a packet as a duplicate (RFC 9000 §12.3). */
bool quic_ackrange_contains(const quic_ackrange *a, uint64_t pn);

/* Records pn, received at `now`, after the packet was processed successfully.
 * Returns 0, QUIC_ACKRANGE_ERR_DUPLICATE (nothing changes) or
 * QUIC_ACKRANGE_ERR_RANGE. Updates the ACK decision (RFC 9000 §13.2.1/§13.2.2). */
int quic_ackrange_insert(quic_ackrange *a, uint64_t pn, bool ack_eliciting, uint64_t now);

/* The time by which an ACK frame must be sent: `now` of the triggering packet
 * for an immediate ACK, the first unacknowledged ack-eliciting packet's arrival
 * + max_ack_delay otherwise, QUIC_ACKRANGE_NONE when no ack-eliciting packet is
 * waiting. The connection folds this into its deadline. */
uint64_t quic_ackrange_ack_deadline(const quic_ackrange *a);
/* quic_ackrange_ack_deadline(a) <= now. */
bool quic_ackrange_ack_needed(const quic_ackrange *a, uint64_t now);
/* True when some packet (even a non-ack-eliciting one) has arrived since the
 * last ACK: an ACK may ride along in a packet sent for other reasons. */
bool quic_ackrange_ack_pending(const quic_ackrange *a);
/* Call when an ACK frame for this space was put into a packet. */
void quic_ackrange_on_ack_sent(quic_ackrange *a);
/* now - arrival of the largest packet (ACK Delay before scaling, §19.3). */
uint64_t quic_ackrange_ack_delay(const quic_ackrange *a, uint64_t now);

/* Largest packet number received; false when none yet. */
bool quic_ackrange_largest(const quic_ackrange *a, uint64_t *pn, uint64_t *time_received);

/* Copies up to cap ranges, largest first, into out; returns how many. The
 * oldest ranges are the ones left out when cap is short (RFC 9000 §13.2.3). */
size_t quic_ackrange_export(const quic_ackrange *a, quic_pn_range *out, size_t cap);
static inline size_t quic_ackrange_count(const quic_ackrange *a) { return a->n; }

/* Forgets every packet number below pn and raises the floor to pn: used once
 * the peer acknowledged a packet carrying our ACK frame whose Largest
 * Acknowledged was L (pass L + 1, or L to keep one range for ECN; RFC 9000
 * §13.2.4). The largest received packet number is kept. */
void quic_ackrange_drop_below(quic_ackrange *a, uint64_t pn);

#endif
