/*
 * Session tickets (RFC 8446 §4.6.1): rotating server ticket keys, sealing and
 * opening self-contained tickets, and the client's stored session bytes.
 */
#include "crypto/tls_ticket.h"

#include "crypto/cx_aead.h"
#include "crypto/cx_wipe.h"

#include <string.h>

typedef struct ticket_key {
    uint32_t id;
    uint8_t key[32];
    bool set;
} ticket_key;

#define REPLAY_SLOTS 512 /* ClientHellos with 0-RTT per replay window (§8.2) */
#define REPLAY_TAG 16    /* bytes of the binder kept: collisions are 2^-128 */

typedef struct replay_slot {
    uint8_t tag[REPLAY_TAG];
    int64_t until_ms; /* 0: free */
} replay_slot;

struct tls_ticket_keys {
    const qb_alloc *a;
    cx_rand_fn random;
    void *random_ud;
    ticket_key cur, prev; /* prev: opens tickets of before the last rotation */
    replay_slot replay[REPLAY_SLOTS];
};

int tls_ticket_replay_check(tls_ticket_keys *k, const uint8_t *binder, size_t len, int64_t now_ms,
                            int64_t window_ms)
{
    replay_slot *free_slot = NULL;
    size_t n = len < REPLAY_TAG ? len : REPLAY_TAG;
    if (!k || n == 0)
        return -1;
    for (size_t i = 0; i < REPLAY_SLOTS; i++) {
        replay_slot *s = &k->replay[i];
        if (s->until_ms && s->until_ms <= now_ms)
            s->until_ms = 0; /* out of the window: a replay now fails the age check */
        if (!s->until_ms) {
            if (!free_slot)
                free_slot = s;
            continue;
        }
        if (memcmp(s->tag, binder, n) == 0)
            return 0;
    }
    if (!free_slot)
        return -1;
    memset(free_slot->tag, 0, REPLAY_TAG);
    memcpy(free_slot->tag, binder, n);
    free_slot->until_ms = now_ms + window_ms;
    return 1;
}

static int key_make(tls_ticket_keys *k, ticket_key *out)
{
    uint8_t idb[4];
    if (k->random(k->random_ud, idb, 4) || k->random(k->random_ud, out->key, 32))
        return TLS_ERR_INTERNAL;
    out->id = qb_get_u32(idb);
    /* the ids of the two keys kept must differ, so a ticket names one */
    if (k->cur.set && out->id == k->cur.id)
        out->id++;
    out->set = true;
    return 0;
}

tls_ticket_keys *tls_ticket_keys_new(const qb_alloc *a, cx_rand_fn random, void *random_ud)
{
    tls_ticket_keys *k = qb_calloc(a, sizeof *k);
    if (!k)
        return NULL;
    k->a = a;
    k->random = random ? random : cx_rand_default;
    k->random_ud = random_ud;
    if (key_make(k, &k->cur)) {
        tls_ticket_keys_free(k);
        return NULL;
    }
    return k;
}

int tls_ticket_keys_rotate(tls_ticket_keys *k)
{
    ticket_key next;
    memset(&next, 0, sizeof next);
    if (key_make(k, &next))
        return TLS_ERR_INTERNAL;
    k->prev = k->cur;
    k->cur = next;
    cx_wipe(&next, sizeof next);
    return 0;
}

void tls_ticket_keys_free(tls_ticket_keys *k)
{
    if (!k)
        return;
    const qb_alloc *a = k->a;
    cx_wipe(k, sizeof *k);
    qb_free(a, k);
}

static int put_vec(qb_wr *w, size_t lb, const uint8_t *p, size_t n)
{
    if (n >> (8 * lb))
        return TLS_ERR_ARG;
    return qb_wr_uint(w, lb, n) || (n && qb_wr_bytes(w, p, n)) ? TLS_ERR_INTERNAL : 0;
}

static int get_vec(qb_rd *r, size_t lb, tls_bytes *out)
{
    qb_rd sub;
    if (qb_rd_vec(r, lb, &sub))
        return TLS_ERR_DECODE;
    out->p = sub.p;
    out->len = sub.len;
    return 0;
}

int tls_ticket_seal(tls_ticket_keys *k, const tls_ticket *t, uint8_t *out, size_t cap,
                    size_t *len)
{
    qb_wr w;
    cx_aead *aead = NULL;
    uint8_t nonce[CX_AEAD_IV_LEN];
    int rc;
    if (t->psk_len > TLS_HASH_MAX || t->app_data.len > TLS_TICKET_APP_MAX)
        return TLS_ERR_ARG;
    qb_wr_init(&w, out, cap);
    if (k->random(k->random_ud, nonce, sizeof nonce))
        return TLS_ERR_INTERNAL;
    /* 96-bit random nonces: far below the 2^32 seals per key where their
     * collisions would matter, since the keys rotate (NIST SP 800-38D §8.3). */
    if (qb_wr_u32(&w, k->cur.id) || qb_wr_bytes(&w, nonce, sizeof nonce))
        return TLS_ERR_ARG;
    size_t body = w.off;
    if (qb_wr_u8(&w, TLS_TICKET_VERSION) || qb_wr_u16(&w, t->suite) ||
        put_vec(&w, 1, t->alpn.p, t->alpn.len) || put_vec(&w, 1, t->psk, t->psk_len) ||
        qb_wr_u64(&w, (uint64_t)t->created_ms) || qb_wr_u32(&w, t->age_add) ||
        qb_wr_u32(&w, t->lifetime) || qb_wr_u32(&w, t->max_early_data) ||
        put_vec(&w, 2, t->app_data.p, t->app_data.len) || qb_wr_left(&w) < CX_AEAD_TAG_LEN)
        return TLS_ERR_ARG;
    rc = cx_aead_new(&aead, k->a, CX_AES_256_GCM, k->cur.key, nonce);
    if (!rc)
        rc = cx_aead_seal(aead, 0, out, body, out + body, w.off - body);
    cx_aead_free(aead);
    if (rc) {
        cx_wipe(out, w.off);
        return TLS_ERR_INTERNAL;
    }
    *len = w.off + CX_AEAD_TAG_LEN;
    return 0;
}

int tls_ticket_open(const tls_ticket_keys *k, const uint8_t *ticket, size_t len, uint8_t *buf,
                    tls_ticket *t)
{
    const ticket_key *key = NULL;
    cx_aead *aead = NULL;
    uint8_t v;
    tls_bytes psk;
    uint64_t created;
    qb_rd r;
    if (!k || len < TLS_TICKET_OVERHEAD + 1)
        return -1;
    uint32_t id = qb_get_u32(ticket);
    if (k->cur.set && k->cur.id == id)
        key = &k->cur;
    else if (k->prev.set && k->prev.id == id)
        key = &k->prev;
    if (!key) /* unknown, or rotated out twice */
        return -1;
    size_t body = 4 + CX_AEAD_IV_LEN;
    memcpy(buf, ticket + body, len - body);
    int rc = cx_aead_new(&aead, k->a, CX_AES_256_GCM, key->key, ticket + 4);
    if (!rc)
        rc = cx_aead_open(aead, 0, ticket, body, buf, len - body);
    cx_aead_free(aead);
    if (rc)
        return -1;
    memset(t, 0, sizeof *t);
    qb_rd_init(&r, buf, len - body - CX_AEAD_TAG_LEN);
    if (qb_rd_u8(&r, &v) || v != TLS_TICKET_VERSION || qb_rd_u16(&r, &t->suite) ||
        get_vec(&r, 1, &t->alpn) || get_vec(&r, 1, &psk) || psk.len > TLS_HASH_MAX ||
        qb_rd_u64(&r, &created) || qb_rd_u32(&r, &t->age_add) || qb_rd_u32(&r, &t->lifetime) ||
        qb_rd_u32(&r, &t->max_early_data) || get_vec(&r, 2, &t->app_data) || qb_rd_left(&r))
        return -1;
    memcpy(t->psk, psk.p, psk.len);
    t->psk_len = psk.len;
    t->created_ms = (int64_t)created;
    return 0;
}

int tls_session_encode(qb_wr *w, const tls_session *s)
{
    if (qb_wr_u8(w, TLS_SESSION_VERSION) || qb_wr_u16(w, s->suite) ||
        put_vec(w, 1, s->alpn.p, s->alpn.len) || put_vec(w, 1, s->server_name.p, s->server_name.len) ||
        put_vec(w, 1, s->psk.p, s->psk.len) || put_vec(w, 2, s->ticket.p, s->ticket.len) ||
        qb_wr_u32(w, s->lifetime) || qb_wr_u32(w, s->age_add) ||
        qb_wr_u64(w, (uint64_t)s->received_ms) || qb_wr_u32(w, s->max_early_data) ||
        put_vec(w, 2, s->peer_tp.p, s->peer_tp.len))
        return TLS_ERR_INTERNAL;
    return 0;
}

int tls_session_decode(const uint8_t *p, size_t n, tls_session *s)
{
    qb_rd r;
    uint8_t v;
    uint64_t rcv;
    memset(s, 0, sizeof *s);
    if (!p)
        return TLS_ERR_DECODE;
    qb_rd_init(&r, p, n);
    if (qb_rd_u8(&r, &v) || v != TLS_SESSION_VERSION || qb_rd_u16(&r, &s->suite) ||
        get_vec(&r, 1, &s->alpn) || get_vec(&r, 1, &s->server_name) || get_vec(&r, 1, &s->psk) ||
        s->psk.len == 0 || s->psk.len > TLS_HASH_MAX || get_vec(&r, 2, &s->ticket) ||
        s->ticket.len == 0 || qb_rd_u32(&r, &s->lifetime) || qb_rd_u32(&r, &s->age_add) ||
        qb_rd_u64(&r, &rcv) || qb_rd_u32(&r, &s->max_early_data) ||
        get_vec(&r, 2, &s->peer_tp) || qb_rd_left(&r))
        return TLS_ERR_DECODE;
    s->received_ms = (int64_t)rcv;
    return 0;
}

int tls_session_parse(const uint8_t *p, size_t n, tls_session_info *out)
{
    tls_session s;
    if (tls_session_decode(p, n, &s))
        return TLS_ERR_DECODE;
    memset(out, 0, sizeof *out);
    out->suite = s.suite;
    memcpy(out->alpn, s.alpn.p, s.alpn.len);
    memcpy(out->server_name, s.server_name.p, s.server_name.len);
    out->received_ms = s.received_ms;
    out->lifetime = s.lifetime;
    out->max_early_data = s.max_early_data;
    out->peer_tp = s.peer_tp.p;
    out->peer_tp_len = s.peer_tp.len;
    return 0;
}

bool tls_session_usable(const uint8_t *p, size_t n, const char *server_name, int64_t now_ms)
{
    tls_session s;
    const char *sn = server_name ? server_name : "";
    if (tls_session_decode(p, n, &s))
        return false;
    /* RFC 8446 §4.6.1: a ticket is for the server it came from; §4.2.11: not
     * past its lifetime. */
    if (s.server_name.len != strlen(sn) || memcmp(s.server_name.p, sn, s.server_name.len))
        return false;
    return now_ms >= s.received_ms && now_ms - s.received_ms < (int64_t)s.lifetime * 1000;
}
