/*
 * qb_ring: a ring of fixed-size elements (esz bytes each; esz = 1 makes a byte
 * ring) for queues whose bytes must not move while queued: stream send data,
 * event and action queues, logs numbered from a moving tail.
 *
 * It holds no storage until first use, grows on demand (doubling, through the
 * allocator hook) up to the cap in elements given at init, and frees its
 * storage on qb_ring_shrink once drained. Queued elements move only when the
 * ring grows (a copy into the larger storage); consuming and wrapping never
 * move them. Readers and writers get contiguous spans for zero-copy use: a span
 * ends where the storage wraps. An emptied ring restarts at the front of its
 * storage, so a queue that is drained between uses never wraps.
 *
 * Every call that may allocate either succeeds or returns QB_ERR_NO_MEMORY /
 * QB_ERR_LIMIT with the ring unchanged.
 */
#ifndef QB_RING_H
#define QB_RING_H

#include "base/qb.h"

typedef struct qb_ring {
    uint8_t *p;        /* storage, NULL until first use */
    size_t esz;        /* bytes per element */
    size_t head;       /* slot of the first element */
    size_t n;          /* elements queued */
    size_t cap;        /* slots allocated */
    size_t max;        /* most elements it may hold */
    const qb_alloc *a; /* NULL = the default allocator */
} qb_ring;

/* Smallest allocation in bytes (at least one element). */
#define QB_RING_MIN_BYTES 64

void qb_ring_init(qb_ring *r, const qb_alloc *a, size_t esz, size_t max);
/* Frees the storage; the ring stays usable (empty, same allocator and cap). */
void qb_ring_free(qb_ring *r);

static inline size_t qb_ring_count(const qb_ring *r) { return r->n; }
/* The i-th element from the front, or NULL when i >= count. */
void *qb_ring_at(const qb_ring *r, size_t i);

/* Makes room for k more elements without a later allocation. */
int qb_ring_reserve(qb_ring *r, size_t k);
/* Appends k elements from src, all or nothing. */
int qb_ring_push(qb_ring *r, const void *src, size_t k);
/* Contiguous free slots after the last element, without growing: *p points at
 * the first; returns how many. Fill some, then qb_ring_commit them. */
size_t qb_ring_write_span(const qb_ring *r, void **p);
void qb_ring_commit(qb_ring *r, size_t k);

/* Contiguous elements starting at the i-th from the front: *p points at it;
 * returns how many follow without a wrap (0 when i >= count). */
size_t qb_ring_read_span(const qb_ring *r, size_t i, const void **p);
/* Copies up to k elements from the front into dst and drops them; returns how many. */
size_t qb_ring_pop(qb_ring *r, void *dst, size_t k);
/* Drops k elements from the front (at most what is queued). */
void qb_ring_consume(qb_ring *r, size_t k);
/* Keeps only the first k elements (a rollback of a partial push). */
void qb_ring_truncate(qb_ring *r, size_t k);
static inline void qb_ring_clear(qb_ring *r) { r->head = r->n = 0; }
/* Gives back what is not in use: frees the storage when empty, else moves the
 * elements into storage that just fits them. A failed allocation changes nothing. */
void qb_ring_shrink(qb_ring *r);

#endif
