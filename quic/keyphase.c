/* 1-RTT key phases and key update (RFC 9001 §6); see keyphase.h. */
#include "quic/keyphase.h"

#include "crypto/cx_wipe.h"

#include "quic/packet.h"
#include "quic/protect.h"

#include <string.h>

#define NEVER UINT64_MAX

/* uses: CX_AEAD_OPEN for receive keys, CX_AEAD_SEAL for send keys (a key
 * serves one direction, RFC 9001 §5), so each holds one libcrypto context. */
static int make_aead(quic_keyphase *kp, const uint8_t *secret, int uses, cx_aead **out)
{
    cx_quic_keys k;
    int rc = cx_quic_keys_derive(kp->version, kp->aead, secret, kp->secret_len, &k);
    if (rc == 0)
        rc = cx_aead_new_for(out, kp->alloc, kp->aead, k.key, k.iv, uses);
    cx_quic_keys_clear(&k);
    return rc == 0 ? 0 : QUIC_KP_ERR_CRYPTO;
}

static int make_hp(quic_keyphase *kp, const uint8_t *secret, cx_hp **out)
{
    cx_quic_keys k;
    int rc = cx_quic_keys_derive(kp->version, kp->aead, secret, kp->secret_len, &k);
    if (rc == 0)
        rc = cx_hp_new(out, kp->alloc, kp->aead, k.hp);
    cx_quic_keys_clear(&k);
    return rc == 0 ? 0 : QUIC_KP_ERR_CRYPTO;
}

/* Secret of the generation after `cur` (§6.1 "quic ku"). */
static int next_secret(quic_keyphase *kp, const uint8_t *cur, uint8_t *out)
{
    return cx_quic_secret_update(kp->version, kp->aead, cur, kp->secret_len, out) == 0
               ? 0
               : QUIC_KP_ERR_CRYPTO;
}

/* Fills rx[!rx_phase] with the generation after the current receive keys.
 * Built when first needed, not ahead (issue 10: an idle connection holds only
 * its current keys): on the first packet of the other phase, or when we
 * start an update ourselves. RFC 9001 §6.3 allows generating them during
 * packet processing; the timing signal that makes is one per generation,
 * since once built they are kept even when that packet fails (§6.3 SHOULD),
 * and a real update already answers with new send keys on the same packet. */
static int prepare_next_rx(quic_keyphase *kp)
{
    uint8_t nxt[CX_QUIC_SECRET_MAX];
    cx_aead *a = NULL;
    int rc = next_secret(kp, kp->rx_secret, nxt);
    if (rc == 0)
        rc = make_aead(kp, nxt, CX_AEAD_OPEN, &a);
    cx_wipe(nxt, sizeof nxt);
    if (rc != 0)
        return rc;
    cx_aead_free(kp->rx[!kp->rx_phase]);
    kp->rx[!kp->rx_phase] = a;
    kp->other_is_next = true;
    kp->other_ready_at = NEVER;
    return 0;
}

/* §6.5: the previous receive keys are gone; the slot waits, empty, for the
 * next generation. */
static void drop_previous_rx(quic_keyphase *kp)
{
    cx_aead_free(kp->rx[!kp->rx_phase]);
    kp->rx[!kp->rx_phase] = NULL;
    kp->other_is_next = true;
    kp->other_ready_at = NEVER;
}

int quic_keyphase_init(quic_keyphase *kp, const qb_alloc *a, uint32_t version, cx_aead_id aead,
                       const uint8_t *rx_secret, const uint8_t *tx_secret, size_t secret_len)
{
    memset(kp, 0, sizeof *kp);
    if (secret_len > CX_QUIC_SECRET_MAX)
        return QUIC_KP_ERR_CRYPTO;
    kp->alloc = a;
    kp->version = version;
    kp->aead = aead;
    kp->secret_len = secret_len;
    memcpy(kp->rx_secret, rx_secret, secret_len);
    memcpy(kp->tx_secret, tx_secret, secret_len);
    kp->rx_first_pn = NEVER;
    kp->tx_first_pn = NEVER;
    int rc = make_hp(kp, rx_secret, &kp->rx_hp);
    if (rc == 0)
        rc = make_hp(kp, tx_secret, &kp->tx_hp);
    if (rc == 0)
        rc = make_aead(kp, rx_secret, CX_AEAD_OPEN, &kp->rx[0]);
    if (rc == 0)
        rc = make_aead(kp, tx_secret, CX_AEAD_SEAL, &kp->tx);
    kp->other_is_next = true; /* rx[1]: the next keys, built when needed */
    kp->other_ready_at = NEVER;
    if (rc != 0)
        quic_keyphase_free(kp);
    return rc;
}

void quic_keyphase_free(quic_keyphase *kp)
{
    cx_hp_free(kp->rx_hp);
    cx_hp_free(kp->tx_hp);
    cx_aead_free(kp->rx[0]);
    cx_aead_free(kp->rx[1]);
    cx_aead_free(kp->tx);
    cx_wipe(kp->rx_secret, sizeof kp->rx_secret);
    cx_wipe(kp->tx_secret, sizeof kp->tx_secret);
    kp->rx_hp = kp->tx_hp = NULL;
    kp->rx[0] = kp->rx[1] = kp->tx = NULL;
}

/* Moves the send side to the next generation. */
static int update_tx(quic_keyphase *kp)
{
    uint8_t nxt[CX_QUIC_SECRET_MAX];
    cx_aead *a = NULL;
    int rc = next_secret(kp, kp->tx_secret, nxt);
    if (rc == 0)
        rc = make_aead(kp, nxt, CX_AEAD_SEAL, &a);
    if (rc != 0) {
        cx_wipe(nxt, sizeof nxt);
        return rc;
    }
    memcpy(kp->tx_secret, nxt, kp->secret_len);
    cx_wipe(nxt, sizeof nxt);
    cx_aead_free(kp->tx);
    kp->tx = a;
    kp->tx_phase = !kp->tx_phase;
    kp->tx_first_pn = NEVER;
    kp->tx_acked = false;
    kp->tx_packets = 0;
    return 0;
}

int quic_keyphase_open(quic_keyphase *kp, uint8_t *pkt, size_t pkt_len, quic_pkt_clear *c,
                       uint64_t now, uint64_t pto)
{
    bool phase = c->key_phase;
    if (phase == kp->rx_phase) {
        int rc = quic_pkt_decrypt(kp->rx[phase], pkt, pkt_len, c);
        if (rc == 0 && c->pn < kp->rx_first_pn)
            kp->rx_first_pn = c->pn;
        return rc;
    }
    if (!kp->rx[phase]) { /* the next keys, first needed now (see prepare_next_rx) */
        int rc = prepare_next_rx(kp);
        if (rc != 0)
            return rc;
    }
    int rc = quic_pkt_decrypt(kp->rx[phase], pkt, pkt_len, c);
    if (rc != 0)
        return rc;
    if (!kp->other_is_next) {
        /* Previous keys: only for packets older than the current phase (§6.5). */
        if (kp->rx_first_pn != NEVER && c->pn > kp->rx_first_pn)
            return QUIC_KP_ERR_KEY_UPDATE;
        return 0;
    }
    /* The next keys opened it: the peer updated (§6.2). A packet of the new
     * phase numbered below one of the current phase is a violation (§6.4). */
    if (kp->rx_first_pn != NEVER && c->pn < kp->rx_first_pn)
        return QUIC_KP_ERR_KEY_UPDATE;
    uint8_t nxt[CX_QUIC_SECRET_MAX];
    if ((rc = next_secret(kp, kp->rx_secret, nxt)) != 0)
        return rc;
    memcpy(kp->rx_secret, nxt, kp->secret_len);
    cx_wipe(nxt, sizeof nxt);
    kp->rx_phase = phase;
    kp->rx_first_pn = c->pn;
    kp->other_is_next = false; /* the old current keys are now the previous */
    kp->other_ready_at = now + 3 * pto;
    kp->updates += kp->tx_phase != phase; /* count each update once */
    /* §6.2: answer with our own update before acknowledging this packet. */
    if (kp->tx_phase != phase)
        return update_tx(kp);
    return 0;
}

void quic_keyphase_on_sent(quic_keyphase *kp, uint64_t pn)
{
    if (kp->tx_first_pn == NEVER)
        kp->tx_first_pn = pn;
    kp->tx_packets++;
}

void quic_keyphase_on_acked(quic_keyphase *kp, uint64_t pn, uint64_t now)
{
    if (!kp->tx_acked && kp->tx_first_pn != NEVER && pn >= kp->tx_first_pn) {
        kp->tx_acked = true;
        kp->tx_acked_at = now;
    }
}

bool quic_keyphase_can_initiate(const quic_keyphase *kp, uint64_t now, uint64_t pto)
{
    /* Also: both sides are in the same phase, so the peer's answer (a flip
     * of its send keys) lands on our prepared next keys. */
    if (!kp->tx_acked || !kp->other_is_next || kp->tx_phase != kp->rx_phase)
        return false;
    return kp->updates == 0 || now >= kp->tx_acked_at + 3 * pto;
}

int quic_keyphase_initiate(quic_keyphase *kp, uint64_t now, uint64_t pto)
{
    if (!quic_keyphase_can_initiate(kp, now, pto))
        return QUIC_KP_ERR_NOT_ALLOWED;
    /* The peer answers in the next phase: its keys are ready before our
     * first packet of the update goes out, off the receive path. */
    int rc = kp->rx[!kp->rx_phase] ? 0 : prepare_next_rx(kp);
    if (rc == 0)
        rc = update_tx(kp);
    if (rc == 0)
        kp->updates++;
    return rc;
}

int quic_keyphase_before_seal(quic_keyphase *kp, uint64_t limit, uint64_t update_after,
                              bool may_initiate, uint64_t now, uint64_t pto)
{
    uint64_t due = limit / 2;
    if (update_after && update_after < due)
        due = update_after;
    if (kp->tx_packets >= due && may_initiate && quic_keyphase_can_initiate(kp, now, pto)) {
        int rc = quic_keyphase_initiate(kp, now, pto);
        return rc == 0 ? 1 : rc;
    }
    uint64_t reserve = limit / 8 < QUIC_KP_CLOSE_RESERVE ? limit / 8 : QUIC_KP_CLOSE_RESERVE;
    return kp->tx_packets >= limit - reserve ? QUIC_KP_ERR_LIMIT : 0;
}

uint64_t quic_keyphase_deadline(const quic_keyphase *kp)
{
    return kp->other_is_next ? NEVER : kp->other_ready_at;
}

int quic_keyphase_on_timer(quic_keyphase *kp, uint64_t now)
{
    if (kp->other_is_next || now < kp->other_ready_at)
        return 0;
    drop_previous_rx(kp); /* §6.5: previous keys give way to the next */
    return 0;
}
