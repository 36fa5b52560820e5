/* Bounded DATAGRAM payload FIFO; see dgram_queue.h. */
#include "quic/dgram_queue.h"

#include <string.h>

/* One block: records from `start` to `used`, each a header then the payload,
 * padded to 8 bytes so the next header is aligned. */
struct quic_dgram_block {
    quic_dgram_block *next;
    size_t start, used, cap;
    uint8_t data[];
};

typedef struct rec_hdr {
    uint64_t time;
    uint32_t len;
    uint32_t pad;
} rec_hdr;

static size_t rec_size(size_t len) { return sizeof(rec_hdr) + ((len + 7) & ~(size_t)7); }

int quic_dgram_queue_init(quic_dgram_queue *q, const quic_dgram_queue_config *cfg,
                          const qb_alloc *a)
{
    memset(q, 0, sizeof *q);
    q->alloc = a;
    if (cfg)
        q->cfg = *cfg;
    if (q->cfg.slots == 0)
        q->cfg.slots = 32;
    if (q->cfg.slot_size == 0)
        q->cfg.slot_size = 1200;
    /* A DATAGRAM frame fits one UDP payload (RFC 9221 §5): 65527 at most. */
    if (q->cfg.slots > 65536 || q->cfg.slot_size > 65535)
        return QUIC_DGRAM_ERR_ARG;
    return 0;
}

static void block_release(quic_dgram_queue *q, quic_dgram_block *b)
{
    q->blocks--;
    q->bytes -= sizeof *b + b->cap;
    qb_free(q->alloc, b);
}

void quic_dgram_queue_free(quic_dgram_queue *q)
{
    quic_dgram_block *lists[2] = {q->first, q->spare};
    for (int i = 0; i < 2; i++) {
        for (quic_dgram_block *b = lists[i], *n; b; b = n) {
            n = b->next;
            block_release(q, b);
        }
    }
    q->first = q->last = q->spare = NULL;
    q->count = q->chain = 0;
}

size_t quic_dgram_queue_memory(const quic_dgram_queue *q) { return q->bytes; }

/* A block for a record of `need` bytes at the end of the chain. */
static quic_dgram_block *tail_for(quic_dgram_queue *q, size_t need)
{
    quic_dgram_block *t = q->last;
    if (t && t->cap - t->used >= need)
        return t;
    quic_dgram_block *b = q->spare;
    if (b && b->cap >= need) {
        q->spare = b->next;
    } else {
        size_t cap = need > QUIC_DGRAM_BLOCK ? need : QUIC_DGRAM_BLOCK;
        b = qb_malloc(q->alloc, sizeof *b + cap);
        if (!b)
            return NULL;
        b->cap = cap;
        q->blocks++;
        q->bytes += sizeof *b + cap;
    }
    b->next = NULL;
    b->start = b->used = 0;
    if (t)
        t->next = b;
    else
        q->first = b;
    q->last = b;
    q->chain++;
    qb_trim_use(&q->trim, q->chain);
    return b;
}

/* The queue emptied: keep the blocks a recent burst pattern needs, free the
 * rest (see qb_trim.h); the drained tail block stays for the next record. */
static void on_drained(quic_dgram_queue *q)
{
    size_t target = qb_trim_drained(&q->trim, q->blocks, 1);
    while (q->blocks > target && q->spare) {
        quic_dgram_block *b = q->spare;
        q->spare = b->next;
        block_release(q, b);
    }
}

static void drop_front(quic_dgram_queue *q)
{
    quic_dgram_block *b = q->first;
    rec_hdr h;
    memcpy(&h, b->data + b->start, sizeof h);
    b->start += rec_size(h.len);
    q->count--;
    if (b->start < b->used)
        return;
    if (b->next) {
        /* An emptied block goes to the spare list. */
        q->first = b->next;
        q->chain--;
        b->next = q->spare;
        q->spare = b;
    } else {
        b->start = b->used = 0; /* the only block: reuse it in place */
    }
    if (q->count == 0)
        on_drained(q);
}

int quic_dgram_queue_push(quic_dgram_queue *q, const uint8_t *p, size_t len, uint64_t now)
{
    qb_iov v = {p, len};
    return quic_dgram_queue_pushv(q, &v, 1, now);
}

int quic_dgram_queue_pushv(quic_dgram_queue *q, const qb_iov *iov, size_t n, uint64_t now)
{
    size_t len = 0;
    for (size_t k = 0; k < n; k++) {
        if (iov[k].len > q->cfg.slot_size - len) {
            len = q->cfg.slot_size + 1;
            break;
        }
        len += iov[k].len;
    }
    if (len > q->cfg.slot_size) {
        q->stats.dropped_too_large++;
        return QUIC_DGRAM_ERR_TOO_LARGE;
    }
    quic_dgram_queue_expire(q, now);
    if (q->count == q->cfg.slots) {
        q->stats.dropped_full++;
        if (!q->cfg.drop_oldest)
            return QUIC_DGRAM_ERR_FULL;
        drop_front(q);
    }
    quic_dgram_block *b = tail_for(q, rec_size(len));
    if (!b)
        return QUIC_DGRAM_ERR_NOMEM;
    rec_hdr h = {.time = now, .len = (uint32_t)len};
    uint8_t *dst = b->data + b->used;
    memcpy(dst, &h, sizeof h);
    dst += sizeof h;
    for (size_t k = 0; k < n; k++) {
        if (iov[k].len) /* an empty piece may have no pointer */
            memcpy(dst, iov[k].p, iov[k].len);
        dst += iov[k].len;
    }
    b->used += rec_size(len);
    q->count++;
    q->stats.pushed++;
    return 0;
}

static const rec_hdr *head_hdr(const quic_dgram_queue *q)
{
    const quic_dgram_block *b = q->first;
    return (const rec_hdr *)(const void *)(b->data + b->start);
}

void quic_dgram_queue_expire(quic_dgram_queue *q, uint64_t now)
{
    if (q->cfg.max_age == 0)
        return;
    while (q->count > 0 && now > head_hdr(q)->time && now - head_hdr(q)->time > q->cfg.max_age) {
        drop_front(q);
        q->stats.dropped_expired++;
    }
}

bool quic_dgram_queue_peek(quic_dgram_queue *q, uint64_t now, const uint8_t **p, size_t *len)
{
    quic_dgram_queue_expire(q, now);
    if (q->count == 0)
        return false;
    const rec_hdr *h = head_hdr(q);
    *p = (const uint8_t *)(h + 1);
    *len = h->len;
    return true;
}

bool quic_dgram_queue_first(quic_dgram_queue *q, uint64_t now, quic_dgram_cursor *cur,
                            const uint8_t **p, size_t *len)
{
    if (!quic_dgram_queue_peek(q, now, p, len))
        return false;
    cur->b = q->first;
    cur->off = q->first->start;
    cur->i = 0;
    return true;
}

bool quic_dgram_queue_next(const quic_dgram_queue *q, quic_dgram_cursor *cur, const uint8_t **p,
                           size_t *len)
{
    if (cur->i + 1 >= q->count)
        return false;
    rec_hdr h;
    memcpy(&h, cur->b->data + cur->off, sizeof h);
    cur->off += rec_size(h.len);
    if (cur->off >= cur->b->used) {
        cur->b = cur->b->next; /* a later block's records start at its front */
        cur->off = cur->b->start;
    }
    cur->i++;
    memcpy(&h, cur->b->data + cur->off, sizeof h);
    *p = cur->b->data + cur->off + sizeof h;
    *len = h.len;
    return true;
}

void quic_dgram_queue_pop(quic_dgram_queue *q)
{
    if (q->count == 0)
        return;
    drop_front(q);
    q->stats.popped++;
}

void quic_dgram_queue_drop_head(quic_dgram_queue *q)
{
    if (q->count == 0)
        return;
    drop_front(q);
    q->stats.dropped_too_large++;
}

int quic_dgram_queue_read(quic_dgram_queue *q, uint64_t now, uint8_t *dst, size_t cap,
                          size_t *len)
{
    const uint8_t *p;
    size_t n;
    *len = 0;
    if (!quic_dgram_queue_peek(q, now, &p, &n))
        return QUIC_DGRAM_ERR_EMPTY;
    if (n > cap)
        return QUIC_DGRAM_ERR_SHORT_BUFFER;
    if (n)
        memcpy(dst, p, n);
    *len = n;
    quic_dgram_queue_pop(q);
    return 0;
}

/* ---- the open packet ---- */

void quic_dgram_pkt_free(quic_dgram_pkt **k, const qb_alloc *a)
{
    qb_free(a, *k);
    *k = NULL;
}

int quic_dgram_pkt_reserve(quic_dgram_pkt **k, const qb_alloc *a, size_t cap)
{
    if (cap > UINT16_MAX)
        cap = UINT16_MAX;
    if (*k && cap <= (*k)->cap)
        return 0;
    quic_dgram_pkt *nk = qb_realloc(a, *k, sizeof *nk + cap);
    if (!nk)
        return QUIC_DGRAM_ERR_NOMEM;
    if (!*k)
        nk->oldest = nk->len = nk->count = 0;
    nk->cap = (uint16_t)cap;
    *k = nk;
    return 0;
}

bool quic_dgram_pkt_add(quic_dgram_pkt *k, const qb_iov *iov, size_t n, size_t len,
                        size_t room, uint64_t now)
{
    if (room > k->cap)
        room = k->cap;
    /* RFC 9221 §4: type 0x31 carries a Length, so more frames may follow. */
    size_t hdr = quic_dgram_frame_header(NULL, len);
    if (k->len > room || room - k->len < hdr + len)
        return false;
    uint8_t *dst = k->buf + k->len;
    dst += quic_dgram_frame_header(dst, len);
    for (size_t i = 0; i < n; i++) {
        if (iov[i].len) /* an empty piece may have no pointer */
            memcpy(dst, iov[i].p, iov[i].len);
        dst += iov[i].len;
    }
    if (k->count == 0)
        k->oldest = now;
    k->len = (uint16_t)(k->len + hdr + len); /* within cap */
    k->count++;
    return true;
}
