/* The ring of fixed-size elements (qb_ring.h). */
#include "base/qb_ring.h"

#include <string.h>

void qb_ring_init(qb_ring *r, const qb_alloc *a, size_t esz, size_t max)
{
    memset(r, 0, sizeof *r);
    r->a = a;
    r->esz = esz ? esz : 1;
    /* Byte sizes must not overflow, whatever cap the caller asked for. */
    r->max = max > SIZE_MAX / r->esz ? SIZE_MAX / r->esz : max;
}

void qb_ring_free(qb_ring *r)
{
    qb_free(r->a, r->p);
    r->p = NULL;
    r->head = r->n = r->cap = 0;
}

/* Storage slot of the i-th element from the front (i <= cap). */
static size_t ring_slot(const qb_ring *r, size_t i)
{
    size_t s = r->head + i;
    return s >= r->cap ? s - r->cap : s;
}

void *qb_ring_at(const qb_ring *r, size_t i)
{
    if (i >= r->n)
        return NULL;
    return r->p + ring_slot(r, i) * r->esz;
}

/* Copies the elements, in order, to the front of dst. */
static void ring_copy_out(const qb_ring *r, uint8_t *dst, size_t k)
{
    size_t first = r->cap - r->head < k ? r->cap - r->head : k;
    memcpy(dst, r->p + r->head * r->esz, first * r->esz);
    memcpy(dst + first * r->esz, r->p, (k - first) * r->esz);
}

/* New storage of ncap slots holding the same elements from slot 0. */
static int ring_move(qb_ring *r, size_t ncap)
{
    uint8_t *np = qb_malloc(r->a, ncap * r->esz);
    if (!np)
        return QB_ERR_NO_MEMORY;
    if (r->n)
        ring_copy_out(r, np, r->n);
    qb_free(r->a, r->p);
    r->p = np;
    r->cap = ncap;
    r->head = 0;
    return QB_OK;
}

int qb_ring_reserve(qb_ring *r, size_t k)
{
    if (k > r->max || r->n > r->max - k)
        return QB_ERR_LIMIT;
    if (r->n == 0)
        r->head = 0; /* emptied: restart at the front so spans are long */
    size_t need = r->n + k;
    if (need <= r->cap)
        return QB_OK;
    size_t min = QB_RING_MIN_BYTES / r->esz ? QB_RING_MIN_BYTES / r->esz : 1;
    size_t ncap = r->cap ? r->cap : min;
    while (ncap < need)
        ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    if (ncap > r->max)
        ncap = r->max;
    return ring_move(r, ncap);
}

size_t qb_ring_write_span(const qb_ring *r, void **p)
{
    if (!r->p || r->n == r->cap) {
        *p = NULL;
        return 0;
    }
    size_t head = r->n ? r->head : 0; /* an empty ring restarts at the front */
    size_t tail = head + r->n >= r->cap ? head + r->n - r->cap : head + r->n;
    *p = r->p + tail * r->esz;
    /* Free slots run to the end of the storage, or up to the head once wrapped. */
    return tail >= head ? r->cap - tail : head - tail;
}

void qb_ring_commit(qb_ring *r, size_t k)
{
    if (r->n == 0)
        r->head = 0; /* matches where qb_ring_write_span pointed */
    if (k > r->cap - r->n)
        k = r->cap - r->n;
    r->n += k;
}

int qb_ring_push(qb_ring *r, const void *src, size_t k)
{
    if (k == 0)
        return QB_OK;
    int rc = qb_ring_reserve(r, k);
    if (rc != QB_OK)
        return rc;
    const uint8_t *s = src;
    size_t tail = ring_slot(r, r->n);
    size_t first = r->cap - tail < k ? r->cap - tail : k;
    memcpy(r->p + tail * r->esz, s, first * r->esz);
    memcpy(r->p, s + first * r->esz, (k - first) * r->esz);
    r->n += k;
    return QB_OK;
}

size_t qb_ring_read_span(const qb_ring *r, size_t i, const void **p)
{
    if (i >= r->n) {
        *p = NULL;
        return 0;
    }
    size_t s = ring_slot(r, i);
    size_t left = r->n - i;
    *p = r->p + s * r->esz;
    return r->cap - s < left ? r->cap - s : left;
}

void qb_ring_consume(qb_ring *r, size_t k)
{
    if (k >= r->n) {
        r->head = r->n = 0;
        return;
    }
    r->head = ring_slot(r, k);
    r->n -= k;
}

size_t qb_ring_pop(qb_ring *r, void *dst, size_t k)
{
    if (k > r->n)
        k = r->n;
    if (k)
        ring_copy_out(r, dst, k);
    qb_ring_consume(r, k);
    return k;
}

void qb_ring_truncate(qb_ring *r, size_t k)
{
    if (k < r->n)
        r->n = k;
    if (r->n == 0)
        r->head = 0;
}

void qb_ring_shrink(qb_ring *r)
{
    if (r->n == 0) {
        qb_ring_free(r);
        return;
    }
    if (r->n < r->cap)
        (void)ring_move(r, r->n);
}
