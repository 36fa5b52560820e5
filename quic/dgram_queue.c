/* Bounded DATAGRAM payload FIFO; see dgram_queue.h. */
#include "quic/dgram_queue.h"

#include <string.h>

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

void quic_dgram_queue_free(quic_dgram_queue *q)
{
    qb_free(q->alloc, q->arena);
    qb_free(q->alloc, q->len);
    qb_free(q->alloc, q->time);
    q->arena = NULL;
    q->len = NULL;
    q->time = NULL;
    q->count = 0;
}

size_t quic_dgram_queue_memory(const quic_dgram_queue *q)
{
    if (!q->arena)
        return 0;
    return q->cfg.slots * (q->cfg.slot_size + sizeof(uint32_t) + sizeof(uint64_t));
}

static int ensure_storage(quic_dgram_queue *q)
{
    if (q->arena)
        return 0;
    q->arena = qb_malloc(q->alloc, q->cfg.slots * q->cfg.slot_size);
    q->len = qb_malloc(q->alloc, q->cfg.slots * sizeof q->len[0]);
    q->time = qb_malloc(q->alloc, q->cfg.slots * sizeof q->time[0]);
    if (!q->arena || !q->len || !q->time) {
        quic_dgram_queue_free(q);
        return QUIC_DGRAM_ERR_NOMEM;
    }
    return 0;
}

static void drop_front(quic_dgram_queue *q)
{
    q->head = q->head + 1 == q->cfg.slots ? 0 : q->head + 1;
    q->count--;
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
    int rc = ensure_storage(q);
    if (rc)
        return rc;
    quic_dgram_queue_expire(q, now);
    if (q->count == q->cfg.slots) {
        q->stats.dropped_full++;
        if (!q->cfg.drop_oldest)
            return QUIC_DGRAM_ERR_FULL;
        drop_front(q);
    }
    size_t i = (q->head + q->count) % q->cfg.slots;
    uint8_t *dst = q->arena + i * q->cfg.slot_size;
    for (size_t k = 0; k < n; k++) {
        if (iov[k].len) /* an empty piece may have no pointer */
            memcpy(dst, iov[k].p, iov[k].len);
        dst += iov[k].len;
    }
    q->len[i] = (uint32_t)len;
    q->time[i] = now;
    q->count++;
    q->stats.pushed++;
    return 0;
}

void quic_dgram_queue_expire(quic_dgram_queue *q, uint64_t now)
{
    if (q->cfg.max_age == 0)
        return;
    while (q->count > 0 && now > q->time[q->head] && now - q->time[q->head] > q->cfg.max_age) {
        drop_front(q);
        q->stats.dropped_expired++;
    }
}

bool quic_dgram_queue_peek(quic_dgram_queue *q, uint64_t now, const uint8_t **p, size_t *len)
{
    quic_dgram_queue_expire(q, now);
    if (q->count == 0)
        return false;
    *p = q->arena + q->head * q->cfg.slot_size;
    *len = q->len[q->head];
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
