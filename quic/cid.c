/* Connection ID bookkeeping (RFC 9000 §5.1, §10.3, §19.15, §19.16). */
#include "quic/cid.h"

#include "base/qb.h"
#include "crypto/cx_hash.h"

#include <string.h>

bool quic_cid_equal(const quic_cid *a, const quic_cid *b)
{
    return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

void quic_cid_set(quic_cid *c, const uint8_t *b, size_t len)
{
    if (len > QUIC_CID_MAX_LEN)
        len = QUIC_CID_MAX_LEN;
    c->len = (uint8_t)len;
    if (len)
        memcpy(c->b, b, len);
}

int quic_reset_token(const uint8_t key[32], const quic_cid *cid, uint8_t out[QUIC_RESET_TOKEN_LEN])
{
    uint8_t mac[32];
    int rc = cx_hmac(CX_SHA256, key, 32, cid->b, cid->len, mac);
    if (rc == 0)
        memcpy(out, mac, QUIC_RESET_TOKEN_LEN);
    return rc;
}

/* ---- ours ---- */

void quic_local_cids_init(quic_local_cids *s, const quic_cid *first, bool zero_length)
{
    memset(s, 0, sizeof *s);
    s->zero_length = zero_length;
    /* Sequence 0 is the SCID of our first long header (§5.1.1). */
    s->slot[0].seq = 0;
    s->slot[0].cid = *first;
    s->slot[0].active = true;
    s->next_seq = 1;
}

int64_t quic_local_cids_add(quic_local_cids *s, const quic_cid *cid,
                            const uint8_t token[QUIC_RESET_TOKEN_LEN], bool announce)
{
    for (size_t i = 0; i < QUIC_CID_SLOTS; i++) {
        if (s->slot[i].active)
            continue;
        quic_local_cid *c = &s->slot[i];
        c->seq = s->next_seq++;
        c->cid = *cid;
        memcpy(c->token, token, QUIC_RESET_TOKEN_LEN);
        c->active = true;
        c->announce = announce;
        return (int64_t)c->seq;
    }
    return QUIC_CID_ERR_FULL;
}

int quic_local_cids_retire(quic_local_cids *s, uint64_t seq, const quic_cid *pkt_dcid)
{
    if (s->zero_length)
        return QUIC_CID_ERR_ZERO_LENGTH; /* §19.16 */
    if (seq >= s->next_seq)
        return QUIC_CID_ERR_RETIRE_UNKNOWN; /* §19.16: greater than any sent */
    for (size_t i = 0; i < QUIC_CID_SLOTS; i++) {
        quic_local_cid *c = &s->slot[i];
        if (!c->active || c->seq != seq)
            continue;
        if (pkt_dcid && quic_cid_equal(&c->cid, pkt_dcid))
            return QUIC_CID_ERR_RETIRE_CURRENT; /* §19.16: MAY treat as violation */
        c->active = false;
        c->announce = false;
        return 0;
    }
    return 0; /* already retired: a repeated frame */
}

bool quic_local_cids_has(const quic_local_cids *s, const quic_cid *cid)
{
    for (size_t i = 0; i < QUIC_CID_SLOTS; i++)
        if (s->slot[i].active && quic_cid_equal(&s->slot[i].cid, cid))
            return true;
    return false;
}

size_t quic_local_cids_active(const quic_local_cids *s)
{
    size_t n = 0;
    for (size_t i = 0; i < QUIC_CID_SLOTS; i++)
        n += s->slot[i].active;
    return n;
}

size_t quic_local_cids_wanted(const quic_local_cids *s, uint64_t peer_limit)
{
    if (s->zero_length)
        return 0; /* §5.1.1: a zero-length CID endpoint cannot issue more */
    uint64_t cap = peer_limit < QUIC_CID_SLOTS ? peer_limit : QUIC_CID_SLOTS;
    size_t active = quic_local_cids_active(s);
    return cap > active ? (size_t)(cap - active) : 0;
}

quic_local_cid *quic_local_cids_next_announce(quic_local_cids *s)
{
    quic_local_cid *best = NULL;
    for (size_t i = 0; i < QUIC_CID_SLOTS; i++) {
        quic_local_cid *c = &s->slot[i];
        if (c->active && c->announce && (!best || c->seq < best->seq))
            best = c;
    }
    return best;
}

/* ---- the peer's ---- */

void quic_peer_cids_init(quic_peer_cids *s, const quic_cid *first, uint8_t limit)
{
    memset(s, 0, sizeof *s);
    s->limit = limit < 2 ? 2 : (limit > QUIC_CID_SLOTS ? QUIC_CID_SLOTS : limit);
    s->slot[0].cid = *first;
    s->slot[0].valid = true;
    s->slot[0].used = true;
    s->current = 0;
    s->zero_length = first->len == 0;
}

void quic_peer_cids_set_token0(quic_peer_cids *s, const uint8_t token[QUIC_RESET_TOKEN_LEN])
{
    for (size_t i = 0; i < QUIC_CID_SLOTS; i++) {
        if (s->slot[i].valid && s->slot[i].seq == 0) {
            memcpy(s->slot[i].token, token, QUIC_RESET_TOKEN_LEN);
            s->slot[i].has_token = true;
        }
    }
}

static int owe_retire(quic_peer_cids *s, uint64_t seq)
{
    for (size_t i = 0; i < s->n_retire_owed; i++)
        if (s->retire_owed[i] == seq)
            return 0;
    /* §5.1.2: bound what we track; exceeding it MAY be CONNECTION_ID_LIMIT_ERROR. */
    if (s->n_retire_owed == sizeof s->retire_owed / sizeof s->retire_owed[0])
        return QUIC_CID_ERR_RETIRE_BACKLOG;
    s->retire_owed[s->n_retire_owed++] = seq;
    return 0;
}

static size_t count_valid(const quic_peer_cids *s)
{
    size_t n = 0;
    for (size_t i = 0; i < QUIC_CID_SLOTS; i++)
        n += s->slot[i].valid;
    return n;
}

int quic_peer_cids_on_new(quic_peer_cids *s, uint64_t seq, uint64_t retire_prior_to,
                          const quic_cid *cid, const uint8_t token[QUIC_RESET_TOKEN_LEN])
{
    if (s->zero_length)
        return QUIC_CID_ERR_ZERO_LENGTH; /* §19.15 */
    /* A repeat of a frame we have: same sequence must mean the same CID and token. */
    for (size_t i = 0; i < QUIC_CID_SLOTS; i++) {
        quic_peer_cid *c = &s->slot[i];
        if (!c->valid)
            continue;
        bool same_seq = c->seq == seq, same_cid = quic_cid_equal(&c->cid, cid);
        if (same_seq != same_cid)
            return QUIC_CID_ERR_MISMATCH;
        if (same_seq) {
            if (c->has_token && !qb_ct_equal(c->token, token, QUIC_RESET_TOKEN_LEN))
                return QUIC_CID_ERR_MISMATCH;
            return 0;
        }
    }
    int rc;
    bool current_retired = false;
    /* §19.15: a Retire Prior To that does not increase is ignored. */
    if (retire_prior_to > s->retire_prior_to) {
        s->retire_prior_to = retire_prior_to;
        for (size_t i = 0; i < QUIC_CID_SLOTS; i++) {
            quic_peer_cid *c = &s->slot[i];
            if (c->valid && c->seq < retire_prior_to) {
                c->valid = false;
                current_retired |= (int)i == s->current;
                if ((rc = owe_retire(s, c->seq)) != 0)
                    return rc;
            }
        }
    }
    /* §19.15: a CID already below Retire Prior To is retired at once. */
    if (seq < s->retire_prior_to)
        return owe_retire(s, seq);
    if (count_valid(s) >= s->limit)
        return QUIC_CID_ERR_LIMIT; /* §5.1.1 */
    if (!current_retired && !s->slot[s->current].valid)
        current_retired = true; /* already retired by rotation, slot free */
    for (size_t i = 0; i < QUIC_CID_SLOTS; i++) {
        quic_peer_cid *c = &s->slot[i];
        if (c->valid)
            continue;
        memset(c, 0, sizeof *c);
        c->seq = seq;
        c->cid = *cid;
        memcpy(c->token, token, QUIC_RESET_TOKEN_LEN);
        c->has_token = true;
        c->valid = true;
        break;
    }
    /* If the CID we were using was retired, move to the lowest valid one
     * (the new CID may have taken its slot). */
    if (current_retired) {
        int best = -1;
        for (int i = 0; i < QUIC_CID_SLOTS; i++)
            if (s->slot[i].valid && (best < 0 || s->slot[i].seq < s->slot[best].seq))
                best = i;
        if (best >= 0) {
            s->current = best;
            s->slot[best].used = true;
        }
    }
    return 0;
}

const quic_cid *quic_peer_cids_current(const quic_peer_cids *s)
{
    return &s->slot[s->current].cid;
}

int quic_peer_cids_pick(const quic_peer_cids *s)
{
    int best = -1;
    for (int i = 0; i < QUIC_CID_SLOTS; i++) {
        const quic_peer_cid *c = &s->slot[i];
        if (c->valid && !c->used && i != s->current && (best < 0 || c->seq < s->slot[best].seq))
            best = i;
    }
    return best;
}

bool quic_peer_cids_switch_to(quic_peer_cids *s, int slot)
{
    if (slot < 0 || slot >= QUIC_CID_SLOTS || slot == s->current || !s->slot[slot].valid)
        return false;
    quic_peer_cid *old = &s->slot[s->current];
    if (old->valid) {
        old->valid = false;
        if (owe_retire(s, old->seq) != 0) {
            old->valid = true; /* keep using it rather than forget it unretired */
            return false;
        }
    }
    s->current = slot;
    s->slot[slot].used = true;
    return true;
}

bool quic_peer_cids_retire_slot(quic_peer_cids *s, int slot)
{
    if (slot < 0 || slot >= QUIC_CID_SLOTS || slot == s->current || !s->slot[slot].valid)
        return false;
    s->slot[slot].valid = false;
    if (owe_retire(s, s->slot[slot].seq) != 0) {
        s->slot[slot].valid = true;
        return false;
    }
    return true;
}

bool quic_peer_cids_rotate(quic_peer_cids *s)
{
    return quic_peer_cids_switch_to(s, quic_peer_cids_pick(s));
}

bool quic_peer_cids_next_retire(quic_peer_cids *s, uint64_t *seq)
{
    if (s->n_retire_owed == 0)
        return false;
    *seq = s->retire_owed[0];
    memmove(s->retire_owed, s->retire_owed + 1, (s->n_retire_owed - 1) * sizeof s->retire_owed[0]);
    s->n_retire_owed--;
    return true;
}

int quic_peer_cids_requeue_retire(quic_peer_cids *s, uint64_t seq)
{
    return owe_retire(s, seq);
}

bool quic_peer_cids_is_reset(const quic_peer_cids *s, const uint8_t *dgram, size_t len)
{
    /* §10.3: the smallest stateless reset is 21 bytes. */
    if (len < 21)
        return false;
    const uint8_t *tail = dgram + len - QUIC_RESET_TOKEN_LEN;
    bool hit = false;
    for (size_t i = 0; i < QUIC_CID_SLOTS; i++) {
        const quic_peer_cid *c = &s->slot[i];
        /* §10.3.1: only tokens of CIDs we have used and not retired. */
        if (c->valid && c->used && c->has_token)
            hit |= qb_ct_equal(c->token, tail, QUIC_RESET_TOKEN_LEN);
    }
    return hit;
}
