/**
 * Connection IDs (RFC 9000 §5.1): the ones we issued to the peer and the ones
 * the peer issued to us, with sequence numbers, Retire Prior To, stateless reset
 * tokens (§10.3) and the limits of active_connection_id_limit. Pure state: the
 * connection turns NEW_CONNECTION_ID / RETIRE_CONNECTION_ID frames into calls
 * here and sends what these sets say is owed.
 * @file
 */
#ifndef QUIC_CID_H
#define QUIC_CID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quic/quic_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define QUIC_CID_MAX_LEN 20 /**< longest connection ID, RFC 9000 §17.2, v1 */
#define QUIC_RESET_TOKEN_LEN 16 /**< stateless reset token bytes (RFC 9000 §10.3) */
/** How many connection IDs we keep of each side: our active_connection_id_limit
 * for the peer's, and the most we issue whatever the peer's limit is. */
#define QUIC_CID_SLOTS 8

/* Error codes: the QUIC_CID_ERR_* of quic/quic_err.h. */

/** A connection ID (RFC 9000 §5.1), held by value. */
typedef struct quic_cid {
    uint8_t len;                 /**< 0..QUIC_CID_MAX_LEN */
    uint8_t b[QUIC_CID_MAX_LEN]; /**< its bytes (the first len) */
} quic_cid;

bool quic_cid_equal(const quic_cid *a, const quic_cid *b); /**< same length and bytes */
/** Builds a quic_cid from bytes; len must be at most 20. */
void quic_cid_set(quic_cid *c, const uint8_t *b, size_t len);

/** Stateless reset token for one of our CIDs: HMAC-SHA256(static_key, cid)
 * truncated to 16 bytes (RFC 9000 §10.3.2), so an endpoint that lost state can
 * recompute it from a packet. */
int quic_reset_token(const uint8_t key[32], const quic_cid *cid, uint8_t out[QUIC_RESET_TOKEN_LEN]);

/* ---- the CIDs we issued ---- */
/** One connection ID we issued. */
typedef struct quic_local_cid {
    uint64_t seq;                        /**< its sequence number */
    quic_cid cid;                        /**< the ID */
    uint8_t token[QUIC_RESET_TOKEN_LEN]; /**< its stateless reset token */
    bool active;                         /**< issued and not retired */
    bool announce; /**< still to be sent in a NEW_CONNECTION_ID frame */
} quic_local_cid;

/** The connection IDs we issued (quic_conn_local_cids(); a server endpoint routes by them). */
typedef struct quic_local_cids {
    quic_local_cid slot[QUIC_CID_SLOTS]; /**< active or free slots */
    uint64_t next_seq;                   /**< sequence number of the next one */
    bool zero_length; /**< we asked for zero-length CIDs: nothing to issue */
} quic_local_cids;

/** Starts the set with first, sequence 0 (our handshake SCID). */
void quic_local_cids_init(quic_local_cids *s, const quic_cid *first, bool zero_length);
/** Adds a freshly made CID with its token; returns its sequence number (>= 0)
 * or QUIC_CID_ERR_FULL. seq 0 is the handshake's SCID (not announced). */
int64_t quic_local_cids_add(quic_local_cids *s, const quic_cid *cid,
                            const uint8_t token[QUIC_RESET_TOKEN_LEN], bool announce);
/** RETIRE_CONNECTION_ID from the peer (§19.16); pkt_dcid is the DCID of the
 * packet that carried it. Retiring an already retired one is fine. */
int quic_local_cids_retire(quic_local_cids *s, uint64_t seq, const quic_cid *pkt_dcid);
bool quic_local_cids_has(const quic_local_cids *s, const quic_cid *cid); /**< cid is one of ours, active */
size_t quic_local_cids_active(const quic_local_cids *s); /**< how many are active */
/** How many more CIDs to issue so the peer holds min(peer_limit, our slots). */
size_t quic_local_cids_wanted(const quic_local_cids *s, uint64_t peer_limit);
/** The next CID owed to the peer in a NEW_CONNECTION_ID frame, or NULL. */
quic_local_cid *quic_local_cids_next_announce(quic_local_cids *s);

/* ---- the CIDs the peer issued ---- */
/** One connection ID the peer issued. */
typedef struct quic_peer_cid {
    uint64_t seq;                        /**< its sequence number */
    quic_cid cid;                        /**< the ID */
    uint8_t token[QUIC_RESET_TOKEN_LEN]; /**< its stateless reset token, if has_token */
    bool has_token;                      /**< the peer gave a token */
    bool used; /**< we sent on it: its token counts for stateless reset detection */
    bool valid; /**< the slot holds a CID not retired */
} quic_peer_cid;

/** The connection IDs the peer issued to us. */
typedef struct quic_peer_cids {
    quic_peer_cid slot[QUIC_CID_SLOTS]; /**< valid or free slots */
    uint64_t retire_prior_to; /**< largest Retire Prior To seen */
    int current;              /**< slot we send to */
    uint64_t retire_owed[2 * QUIC_CID_SLOTS]; /**< RETIRE_CONNECTION_ID to send, §5.1.2 */
    size_t n_retire_owed; /**< entries used in retire_owed */
    bool zero_length; /**< the peer chose a zero-length CID */
    uint8_t limit;    /**< our active_connection_id_limit */
} quic_peer_cids;

/** first: the peer's handshake SCID (sequence 0); token if the server sent
 * stateless_reset_token (set later with quic_peer_cids_set_token0). */
void quic_peer_cids_init(quic_peer_cids *s, const quic_cid *first, uint8_t limit);
/** The stateless reset token of sequence 0 (the server's transport parameter). */
void quic_peer_cids_set_token0(quic_peer_cids *s, const uint8_t token[QUIC_RESET_TOKEN_LEN]);
/** NEW_CONNECTION_ID (§19.15). The frame codec already checked the length and
 * that retire_prior_to <= seq. */
int quic_peer_cids_on_new(quic_peer_cids *s, uint64_t seq, uint64_t retire_prior_to,
                          const quic_cid *cid, const uint8_t token[QUIC_RESET_TOKEN_LEN]);
/** The CID we send to now. */
const quic_cid *quic_peer_cids_current(const quic_peer_cids *s);
/** Switches to another unused peer CID (after the handshake, or on the peer's
 * request), retiring the old one; false when there is none. */
bool quic_peer_cids_rotate(quic_peer_cids *s);
/** The unused peer CID rotate would take (a slot index), or -1: for a new
 * path, which must not see a CID used on another (RFC 9000 §9.5). */
int quic_peer_cids_pick(const quic_peer_cids *s);
/** Switches to that slot, retiring the current CID; false when it cannot. */
bool quic_peer_cids_switch_to(quic_peer_cids *s, int slot);
/** Retires a CID other than the current one (sent on a path given up). */
bool quic_peer_cids_retire_slot(quic_peer_cids *s, int slot);
/** Pops the next sequence number owed in a RETIRE_CONNECTION_ID frame. */
bool quic_peer_cids_next_retire(quic_peer_cids *s, uint64_t *seq);
/** Puts a RETIRE back when the packet carrying it was lost. */
int quic_peer_cids_requeue_retire(quic_peer_cids *s, uint64_t seq);
/** Stateless reset detection (§10.3.1): does the datagram end in the token of a
 * CID we used? Compares in constant time. */
bool quic_peer_cids_is_reset(const quic_peer_cids *s, const uint8_t *dgram, size_t len);

#ifdef __cplusplus
}
#endif

#endif
