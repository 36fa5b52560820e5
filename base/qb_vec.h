/*
 * qb_vec: a growable byte buffer for data that is appended at the back and
 * consumed from the front (frame reassembly, event payloads, record arrays).
 *
 * It holds no storage until first use, grows on demand (doubling, through the
 * allocator hook) up to the cap given at init, and frees its storage on
 * qb_vec_shrink once drained. Consuming only advances an offset; the live bytes
 * are slid to the front only when the consumed space is at least as large as
 * what is live, so every byte is moved at most as often as an equal amount was
 * consumed (amortised O(1), never a move per call). A drained buffer restarts
 * at the front for free. Use qb_ring where queued bytes must never move.
 *
 * Every call that may allocate either succeeds or returns QB_ERR_NO_MEMORY /
 * QB_ERR_LIMIT with the buffer unchanged.
 */
#ifndef QB_VEC_H
#define QB_VEC_H

#include "base/qb.h"

typedef struct qb_vec {
    uint8_t *p;        /* storage, NULL until first use */
    size_t off;        /* consumed bytes at the front */
    size_t len;        /* end of the live bytes: live = p[off .. len) */
    size_t cap;        /* bytes allocated */
    size_t max;        /* most live bytes it may hold */
    const qb_alloc *a; /* NULL = the default allocator */
} qb_vec;

/* Smallest allocation, so tiny appends do not realloc byte by byte. */
#define QB_VEC_MIN 64

void qb_vec_init(qb_vec *v, const qb_alloc *a, size_t max);
/* Frees the storage; the buffer stays usable (empty, same allocator and cap). */
void qb_vec_free(qb_vec *v);

static inline size_t qb_vec_len(const qb_vec *v) { return v->len - v->off; }
/* The first live byte (NULL when nothing was ever stored). */
static inline uint8_t *qb_vec_data(const qb_vec *v) { return v->p ? v->p + v->off : NULL; }
/* Where the next appended byte goes; valid after a successful qb_vec_reserve. */
static inline uint8_t *qb_vec_end(const qb_vec *v) { return v->p + v->len; }

/* Makes room for n more bytes at qb_vec_end without a later allocation. May slide
 * the live bytes (see above): pointers into the buffer are stale afterwards. */
int qb_vec_reserve(qb_vec *v, size_t n);
/* Counts n bytes written at qb_vec_end as live (n <= what was reserved). */
void qb_vec_commit(qb_vec *v, size_t n);
int qb_vec_append(qb_vec *v, const void *src, size_t n);
/* Drops n bytes from the front (at most what is live). */
void qb_vec_consume(qb_vec *v, size_t n);
/* Keeps only the first n live bytes (a rollback of a partial append). */
void qb_vec_truncate(qb_vec *v, size_t n);
/* Drops every live byte; the storage is kept for reuse. */
static inline void qb_vec_clear(qb_vec *v) { v->off = v->len = 0; }
/* Gives back what is not live: frees the storage when drained, else reallocates
 * it to fit. A failed reallocation leaves the buffer as it was. */
void qb_vec_shrink(qb_vec *v);

#endif
