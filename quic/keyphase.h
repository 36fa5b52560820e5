/*
 * 1-RTT keys and key update (RFC 9001 §6). Holds the current send keys, and two
 * receive key sets selected by the Key Phase bit: the current one and the
 * other, which is either the NEXT generation (for the peer's update; built
 * when first needed, so an idle connection holds one receive key) or the
 * PREVIOUS one (kept about 3 PTO after an update for reordered packets, §6.5),
 * then dropped. Header protection keys never change (§6.1).
 */
#ifndef QUIC_KEYPHASE_H
#define QUIC_KEYPHASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quic/quic_err.h"
#include "base/qb.h"
#include "crypto/cx_aead.h"
#include "crypto/cx_hp.h"
#include "crypto/cx_quic_keys.h"
#include "quic/protect.h"

/* Error codes: the QUIC_KP_ERR_* of quic/quic_err.h. */

/* Packets kept below the confidentiality limit for what a closing connection
 * still sends (CONNECTION_CLOSE and its repeats, §6.6): this many, or an
 * eighth of a lower limit. */
#define QUIC_KP_CLOSE_RESERVE 64

typedef struct quic_keyphase {
    const qb_alloc *alloc;
    uint32_t version;
    cx_aead_id aead;
    size_t secret_len;
    uint8_t rx_secret[CX_QUIC_SECRET_MAX]; /* secret of the current receive keys */
    uint8_t tx_secret[CX_QUIC_SECRET_MAX];
    cx_hp *rx_hp, *tx_hp;
    cx_aead *rx[2]; /* indexed by Key Phase bit: [rx_phase] current, other next/previous */
    cx_aead *tx;
    bool rx_phase, tx_phase;
    bool other_is_next;       /* rx[!rx_phase] is for the next generation (NULL until needed) */
    uint64_t other_ready_at;  /* when the previous keys give way to the next */
    uint64_t rx_first_pn;     /* lowest pn received with the current keys */
    uint64_t tx_first_pn;     /* first pn sent with the current keys (UINT64_MAX: none) */
    bool tx_acked;            /* a packet sent with the current keys was acknowledged */
    uint64_t tx_acked_at;     /* when that acknowledgement came */
    uint64_t tx_packets;      /* packets sealed with the current send keys */
    uint64_t updates;         /* key updates done (either side started them) */
} quic_keyphase;

int quic_keyphase_init(quic_keyphase *kp, const qb_alloc *a, uint32_t version, cx_aead_id aead,
                       const uint8_t *rx_secret, const uint8_t *tx_secret, size_t secret_len);
void quic_keyphase_free(quic_keyphase *kp);

/* Decrypts a short-header packet whose header protection was removed with
 * kp->rx_hp (c filled by quic_pkt_unprotect_header). Picks the keys by the Key
 * Phase bit, promotes the next keys when the peer updated and then updates our
 * send keys in response (§6.2). pto is the current PTO, for how long previous
 * keys are kept. Returns 0, QUIC_PKT_ERR_DECRYPT (drop the packet),
 * QUIC_PKT_ERR_RESERVED, or QUIC_KP_ERR_KEY_UPDATE. */
int quic_keyphase_open(quic_keyphase *kp, uint8_t *pkt, size_t pkt_len, quic_pkt_clear *c,
                       uint64_t now, uint64_t pto);

/* Record that packet pn was sealed with the current send keys. */
void quic_keyphase_on_sent(quic_keyphase *kp, uint64_t pn);
/* An ACK acknowledged packet pn of the application space. */
void quic_keyphase_on_acked(quic_keyphase *kp, uint64_t pn, uint64_t now);
/* §6.1: allowed once the handshake is confirmed (the caller's part), a packet
 * of the current phase was acknowledged, and the next receive keys are ready;
 * §6.5: after an earlier update, also 3 PTO after that acknowledgement, so the
 * peer has dropped its previous keys and can take the next ones. */
bool quic_keyphase_can_initiate(const quic_keyphase *kp, uint64_t now, uint64_t pto);
int quic_keyphase_initiate(quic_keyphase *kp, uint64_t now, uint64_t pto);
/* RFC 9001 §6.6, before sealing a packet with the current send keys: a key
 * update is due after update_after packets (0: none wanted) and at half of
 * limit (the AEAD's confidentiality limit) at the latest, and is made as soon
 * as it is allowed (may_initiate: the handshake is confirmed, the caller's
 * part; then quic_keyphase_can_initiate). Returns 1 when it updated the keys
 * (the packet goes out under the new ones), 0 to seal as is, and
 * QUIC_KP_ERR_LIMIT when the keys are within QUIC_KP_CLOSE_RESERVE of the
 * limit and cannot be updated: the connection must stop using them and close
 * with AEAD_LIMIT_REACHED rather than go past the limit. */
int quic_keyphase_before_seal(quic_keyphase *kp, uint64_t limit, uint64_t update_after,
                              bool may_initiate, uint64_t now, uint64_t pto);

/* When the previous receive keys are to be dropped (UINT64_MAX: none held). */
uint64_t quic_keyphase_deadline(const quic_keyphase *kp);
int quic_keyphase_on_timer(quic_keyphase *kp, uint64_t now);

#endif
