/*
 * quince quic: loss detection (RFC 9002 §5, §6, Appendix A).
 *
 * Per packet number space, the sent packets live in a ring (qb_ring) that
 * starts empty and grows on demand up to max_sent_packets records, ordered by
 * packet number; it gives memory back once a few drain cycles in a row used
 * little of it (qb_trim), and is freed when its space is discarded. Growth is
 * amortised (doubling), so there is no allocation per packet once warm. ACKs mark records acked, loss detection marks them lost; records
 * leave the ring once they are the oldest and settled.
 *
 * No callbacks: each event fills a quic_recovery_result whose arrays (newly
 * acked, lost, discarded records, ascending packet number) point into buffers
 * owned by the recovery state and stay valid until its next call. The
 * connection hands them to congestion control (quic_cc) and to its own frame
 * bookkeeping through the opaque `handle` of each record.
 *
 * Time is microseconds, always passed in. The one loss detection timer of
 * RFC 9002 §6.2 / A.7 is quic_recovery_deadline(); when it passes, call
 * quic_recovery_on_timeout().
 */
#ifndef QUIC_RECOVERY_H
#define QUIC_RECOVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quic/quic_err.h"
#include "base/qb.h"
#include "base/qb_ring.h"
#include "base/qb_trim.h"
#include "quic/ackrange.h"
#include "quic/pkt_type.h"
#include "quic/rtt.h"

#define QUIC_RECOVERY_SPACES 3
#define QUIC_RECOVERY_PACKET_THRESHOLD 3 /* kPacketThreshold, RFC 9002 §6.1.1 */
#define QUIC_RECOVERY_PC_THRESHOLD 3     /* kPersistentCongestionThreshold, §7.6.1 */
#define QUIC_RECOVERY_NEVER UINT64_MAX
#define QUIC_RECOVERY_EVICT_MAX 16       /* evicted records held until taken */

/* Error codes: the QUIC_RECOVERY_ERR_* of quic/quic_err.h. */

/* A sent packet (RFC 9002 A.1.1). */
typedef struct quic_sent_pkt {
    uint64_t pn;
    uint64_t time_sent;
    uint64_t handle;   /* opaque to recovery: what the connection sent in it */
    uint32_t size;     /* sent_bytes */
    uint8_t ack_eliciting;
    uint8_t in_flight;
    uint8_t state;     /* private */
    uint8_t space;     /* quic_pn_space */
} quic_sent_pkt;

typedef struct quic_recovery_space {
    qb_ring ring;                /* of quic_sent_pkt */
    qb_trim trim;
    bool has_sent;
    uint64_t largest_sent;
    bool has_largest_acked;
    uint64_t largest_acked;      /* largest_acked_packet */
    uint64_t loss_time;          /* 0 = not armed */
    uint64_t last_ae_time;       /* time_of_last_ack_eliciting_packet */
    size_t ae_in_flight;         /* ack-eliciting in-flight records outstanding */
    uint64_t bytes_in_flight;
    bool discarded;
} quic_recovery_space;

typedef enum quic_recovery_action {
    QUIC_RECOVERY_NONE = 0,
    QUIC_RECOVERY_LOSS,          /* time threshold loss: see lost[] */
    QUIC_RECOVERY_PTO,           /* send `probes` ack-eliciting packets in probe_space */
    QUIC_RECOVERY_ANTI_DEADLOCK  /* client: one ack-eliciting packet in probe_space
                                    (padded Initial, or Handshake), RFC 9002 §6.2.2.1 */
} quic_recovery_action;

typedef struct quic_recovery_result {
    const quic_sent_pkt *acked;      /* newly acknowledged */
    size_t n_acked;
    const quic_sent_pkt *lost;       /* newly declared lost */
    size_t n_lost;
    const quic_sent_pkt *discarded;  /* dropped with their space's keys */
    size_t n_discarded;
    bool rtt_sampled;                /* this ACK produced an RTT sample */
    bool persistent_congestion;      /* RFC 9002 §7.6: cc goes to the minimum window */
    quic_recovery_action action;
    quic_pn_space probe_space;
    unsigned probes;
} quic_recovery_result;

typedef struct quic_recovery_config {
    size_t max_sent_packets; /* ring size per space; 0 = 1024 */
    uint64_t initial_rtt;    /* 0 = 333 ms */
    uint64_t max_ack_delay;  /* peer's max_ack_delay; default 25 ms until known */
    bool is_server;
    unsigned pto_probes;     /* packets per PTO, 1 or 2 (RFC 9002 §6.2.4); 0 = 2 */
} quic_recovery_config;

typedef struct quic_recovery {
    const qb_alloc *alloc;
    quic_recovery_space sp[QUIC_RECOVERY_SPACES];
    quic_rtt rtt;
    uint64_t max_ack_delay;
    unsigned pto_count;
    unsigned pto_probes;
    bool is_server;
    bool handshake_confirmed;
    bool handshake_ack_received; /* client: peer has validated our address */
    bool has_handshake_keys;
    bool amplification_blocked;
    uint64_t timer;              /* loss detection timer, QUIC_RECOVERY_NEVER = off */
    uint64_t evicted;            /* ACK-only records given up when full (counter) */
    quic_sent_pkt evicted_rec[QUIC_RECOVERY_EVICT_MAX]; /* not yet taken */
    size_t n_evicted;
    /* Result arrays: as long as the longest ring (one call settles at most a
     * ring's records), grown with the rings. */
    quic_sent_pkt *out_acked, *out_lost;
    size_t out_cap;
} quic_recovery;

/* Allocates nothing yet: rings and result arrays grow with use. cfg may be NULL. */
int quic_recovery_init(quic_recovery *rc, const quic_recovery_config *cfg, const qb_alloc *a);
void quic_recovery_free(quic_recovery *rc);

/* RFC 9002 A.5 OnPacketSent. Packet numbers must increase within a space.
 * Returns 0, QUIC_RECOVERY_ERR_FULL (check quic_recovery_can_send first),
 * _PN_ORDER, _DISCARDED or _NOMEM (the ring could not grow; nothing changed). When the ring is full, the oldest settled record
 * or the oldest ACK-only (neither ack-eliciting nor in flight) record makes
 * room; an outstanding ACK-only record given up that way is handed back by
 * quic_recovery_take_evicted so its handle can be released. An ACK-only
 * packet refused with _FULL may still be sent, untracked: the caller
 * releases its handle itself. */
int quic_recovery_on_sent(quic_recovery *rc, quic_pn_space space, uint64_t pn, size_t size,
                          bool ack_eliciting, bool in_flight, uint64_t handle, uint64_t now);
/* Outstanding ACK-only records evicted since the last call (at most
 * QUIC_RECOVERY_EVICT_MAX; eviction stops when that many wait). *out is
 * valid until the next on_sent. Call after on_sent. */
size_t quic_recovery_take_evicted(quic_recovery *rc, const quic_sent_pkt **out);
/* Records a packet number skipped on purpose: an ACK for it is
 * QUIC_RECOVERY_ERR_UNSENT_ACKED (optimistic ACK defence, RFC 9000 §21.4). */
int quic_recovery_skip_pn(quic_recovery *rc, quic_pn_space space, uint64_t pn);
/* True when the ring of `space` can take an ack-eliciting record. */
bool quic_recovery_can_send(const quic_recovery *rc, quic_pn_space space);

/* RFC 9002 A.7 OnAckReceived: ranges largest first (as decoded from the ACK
 * frame), ack_delay decoded to microseconds. Fills res (acked, lost,
 * rtt_sampled, persistent_congestion). On error nothing changes. A caller
 * collecting ranges into a bounded array may leave out the oldest ones: their
 * packets are then simply not acknowledged by this frame. */
int quic_recovery_on_ack(quic_recovery *rc, quic_pn_space space, const quic_pn_range *ranges,
                         size_t n, uint64_t ack_delay, uint64_t now, quic_recovery_result *res);

/* The loss detection timer (RFC 9002 A.8), QUIC_RECOVERY_NEVER when off. */
uint64_t quic_recovery_deadline(const quic_recovery *rc);
/* RFC 9002 A.9 OnLossDetectionTimeout: does nothing before the deadline.
 * res->action says what to do: LOSS (lost[] filled), PTO or ANTI_DEADLOCK. */
void quic_recovery_on_timeout(quic_recovery *rc, uint64_t now, quic_recovery_result *res);

/* RFC 9002 A.11 OnPacketNumberSpaceDiscarded (Initial / Handshake keys gone,
 * RFC 9001 §4.9): res->discarded lists the outstanding records, whose bytes
 * leave bytes in flight without a congestion event. */
void quic_recovery_discard_space(quic_recovery *rc, quic_pn_space space, uint64_t now,
                                 quic_recovery_result *res);

/* RFC 9002 §6.4 (and RFC 9001 §4.6.2): rejected 0-RTT. Every outstanding
 * record of space is settled as lost and listed in res->discarded (their
 * bytes leave bytes in flight without a congestion event; what they carried
 * is sent again); unlike quic_recovery_discard_space the space goes on. */
void quic_recovery_forget_outstanding(quic_recovery *rc, quic_pn_space space, uint64_t now,
                                      quic_recovery_result *res);

/* Connection state the timer depends on; each re-arms the timer. */
void quic_recovery_set_handshake_confirmed(quic_recovery *rc, uint64_t now);
void quic_recovery_set_has_handshake_keys(quic_recovery *rc, uint64_t now);
/* Server only: blocked by the anti-amplification limit (RFC 9000 §8.1). When
 * unblocked, call quic_recovery_on_timeout if the deadline already passed
 * (RFC 9002 A.6). */
void quic_recovery_set_amplification_blocked(quic_recovery *rc, bool blocked, uint64_t now);
/* The peer's max_ack_delay transport parameter, in microseconds. */
void quic_recovery_set_max_ack_delay(quic_recovery *rc, uint64_t max_ack_delay);

/* PTO period for a space without backoff (RFC 9002 §6.2.1), e.g. for the
 * idle timeout (3 * PTO, RFC 9000 §10.1) and closing period. */
uint64_t quic_recovery_pto(const quic_recovery *rc, quic_pn_space space);
static inline const quic_rtt *quic_recovery_rtt(const quic_recovery *rc) { return &rc->rtt; }
uint64_t quic_recovery_bytes_in_flight(const quic_recovery *rc);
/* Largest packet number the peer acknowledged in a space (for the packet
 * number length, RFC 9000 §17.1); false before any ACK. */
static inline bool quic_recovery_largest_acked(const quic_recovery *rc, quic_pn_space space,
                                               uint64_t *pn)
{
    *pn = rc->sp[space].largest_acked;
    return rc->sp[space].has_largest_acked;
}
/* Records held in a space's ring (outstanding and settled-but-not-popped). */
static inline size_t quic_recovery_tracked(const quic_recovery *rc, quic_pn_space space)
{
    return qb_ring_count(&rc->sp[space].ring);
}
/* Bytes of records the rings and result arrays hold (for tests and stats). */
size_t quic_recovery_heap(const quic_recovery *rc);

#endif
