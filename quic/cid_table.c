/* CID routing table with a keyed hash (see cid_table.h). */
#include "quic/cid_table.h"

#include <string.h>

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                      \
    do {                                                                              \
        v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                    \
        v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                        \
        v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                        \
        v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                    \
    } while (0)

static uint64_t le64(const uint8_t *p)
{
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--)
        x = (x << 8) | p[i];
    return x;
}

uint64_t quic_siphash24(const uint8_t key[16], const uint8_t *data, size_t len)
{
    uint64_t k0 = le64(key), k1 = le64(key + 8);
    uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
    size_t full = len & ~(size_t)7;
    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = le64(data + i);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    /* Last block: the leftover bytes, and the length's low byte on top. */
    uint64_t b = (uint64_t)(len & 0xff) << 56;
    for (size_t i = 0; i < (len & 7); i++)
        b |= (uint64_t)data[full + i] << (8 * i);
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

#define CIDT_MIN_CAP 16

int quic_cid_table_init(quic_cid_table *t, size_t max_entries, const uint8_t key[16],
                        const qb_alloc *alloc)
{
    memset(t, 0, sizeof *t);
    size_t cap = CIDT_MIN_CAP;
    while (cap < max_entries * 2)
        cap <<= 1;
    t->max_cap = cap;
    t->max_used = max_entries;
    t->alloc = alloc;
    memcpy(t->key, key, 16);
    return 0;
}

void quic_cid_table_free(quic_cid_table *t)
{
    qb_free(t->alloc, t->slots);
    t->slots = NULL;
    t->cap = t->used = 0;
}

static size_t home(const quic_cid_table *t, const uint8_t *cid, size_t len)
{
    return (size_t)quic_siphash24(t->key, cid, len) & (t->cap - 1);
}

static quic_cid_entry *lookup(const quic_cid_table *t, const uint8_t *cid, size_t len)
{
    if (len > QUIC_CID_MAX_LEN || t->cap == 0)
        return NULL;
    for (size_t i = home(t, cid, len), n = 0; n < t->cap; i = (i + 1) & (t->cap - 1), n++) {
        quic_cid_entry *e = &t->slots[i];
        if (e->state == 0)
            return NULL;
        if (e->state == 1 && e->cid.len == len && memcmp(e->cid.b, cid, len) == 0)
            return e;
    }
    return NULL;
}

/* Linear probing with backward-shift deletion (no tombstones): after emptying
 * slot i, later entries of the same cluster move back so that every entry stays
 * reachable from its home slot. */
static void delete_at(quic_cid_table *t, size_t i)
{
    size_t mask = t->cap - 1;
    t->slots[i].state = 0;
    t->slots[i].conn = NULL;
    t->used--;
    for (size_t j = (i + 1) & mask; t->slots[j].state == 1; j = (j + 1) & mask) {
        size_t k = home(t, t->slots[j].cid.b, t->slots[j].cid.len);
        /* The entry at j may move to i when its home k is not in (i, j]. */
        bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (stays)
            continue;
        t->slots[i] = t->slots[j];
        t->slots[j].state = 0;
        t->slots[j].conn = NULL;
        i = j;
    }
}

/* Moves every entry into a table of ncap slots (0: none). */
static int resize(quic_cid_table *t, size_t ncap)
{
    quic_cid_entry *old = t->slots;
    size_t ocap = t->cap;
    quic_cid_entry *ns = NULL;
    if (ncap) {
        ns = qb_calloc(t->alloc, ncap * sizeof *ns);
        if (!ns)
            return QUIC_CIDT_ERR_NOMEM;
    }
    t->slots = ns;
    t->cap = ncap;
    for (size_t i = 0; i < ocap; i++) {
        if (old[i].state != 1)
            continue;
        for (size_t j = home(t, old[i].cid.b, old[i].cid.len);; j = (j + 1) & (ncap - 1)) {
            if (ns[j].state != 1) {
                ns[j] = old[i];
                break;
            }
        }
    }
    qb_free(t->alloc, old);
    return 0;
}

/* Shrinks at an eighth full (grows at a half: no flapping around one size). */
static void maybe_shrink(quic_cid_table *t)
{
    if (t->used == 0)
        (void)resize(t, 0);
    else if (t->cap > CIDT_MIN_CAP && t->used * 8 <= t->cap)
        (void)resize(t, t->cap / 2); /* a failure keeps the larger table */
}

int quic_cid_table_add(quic_cid_table *t, const quic_cid *cid, void *conn)
{
    if (lookup(t, cid->b, cid->len))
        return QUIC_CIDT_ERR_EXISTS;
    if (t->used >= t->max_used)
        return QUIC_CIDT_ERR_FULL;
    if ((t->used + 1) * 2 > t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : CIDT_MIN_CAP;
        if (ncap > t->max_cap)
            ncap = t->max_cap;
        if (ncap > t->cap && resize(t, ncap) != 0)
            return QUIC_CIDT_ERR_NOMEM;
    }
    for (size_t i = home(t, cid->b, cid->len);; i = (i + 1) & (t->cap - 1)) {
        quic_cid_entry *e = &t->slots[i];
        if (e->state != 1) {
            e->cid = *cid;
            e->conn = conn;
            e->state = 1;
            t->used++;
            return 0;
        }
    }
}

void *quic_cid_table_find(const quic_cid_table *t, const uint8_t *cid, size_t len)
{
    quic_cid_entry *e = lookup(t, cid, len);
    return e ? e->conn : NULL;
}

int quic_cid_table_update(quic_cid_table *t, const quic_cid *cid, void *conn)
{
    quic_cid_entry *e = lookup(t, cid->b, cid->len);
    if (!e)
        return -1;
    e->conn = conn;
    return 0;
}

int quic_cid_table_remove(quic_cid_table *t, const quic_cid *cid)
{
    quic_cid_entry *e = lookup(t, cid->b, cid->len);
    if (!e)
        return 0;
    delete_at(t, (size_t)(e - t->slots));
    maybe_shrink(t);
    return 1;
}

size_t quic_cid_table_remove_conn(quic_cid_table *t, void *conn)
{
    size_t n = 0;
    for (size_t i = 0; i < t->cap;) {
        if (t->slots[i].state == 1 && t->slots[i].conn == conn) {
            delete_at(t, i); /* an entry may have shifted into i: look again */
            n++;
        } else {
            i++;
        }
    }
    if (n)
        maybe_shrink(t);
    return n;
}
