/**
 * quince base: the bounds-checked byte reader and writer, QUIC variable-length
 * integers (RFC 9000 §16) and the allocator hook. The growable buffer (qb_vec.h)
 * and the ring (qb_ring.h) that every module's queues use live beside it.
 *
 * Every layer (crypto's TLS parser, quic, qpack, h3) decodes through these two
 * types, so a bounds check lives in exactly one place. They sit below crypto/
 * because the TLS engine and QPACK need them and must not depend on quic/.
 * @file
 */
#ifndef QB_H
#define QB_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Error codes of the base layer: negative, distinct. */
enum {
    QB_OK = 0,               /**< success */
    QB_ERR_TRUNCATED = -1,   /**< read past the end of the input */
    QB_ERR_NO_SPACE = -2,    /**< write past the end of the output */
    QB_ERR_VARINT_RANGE = -3, /**< value above 2^62-1 cannot be a varint */
    QB_ERR_NO_MEMORY = -4,    /**< the allocator hook refused (qb_vec, qb_ring) */
    QB_ERR_LIMIT = -5         /**< a buffer would pass the cap it was given */
};

/** The largest value a QUIC varint can carry, 2^62-1. */
#define QB_VARINT_MAX ((uint64_t)0x3fffffffffffffffULL) /* RFC 9000 §16 */

/* ---- reader ---- */
/** A bounds-checked reader over bytes it does not own (they must outlive it). */
typedef struct qb_rd {
    const uint8_t *p; /**< the input */
    size_t len;       /**< its length */
    size_t off;       /**< bytes consumed so far */
} qb_rd;

static inline void qb_rd_init(qb_rd *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->off = 0;
}
static inline size_t qb_rd_left(const qb_rd *r) { return r->len - r->off; }
static inline const uint8_t *qb_rd_ptr(const qb_rd *r) { return r->p + r->off; }

/** Big-endian fixed-size reads of 1, 2, 3, 4 and 8 bytes into *v; 0, or
 * QB_ERR_TRUNCATED (nothing consumed) when fewer bytes remain. */
int qb_rd_u8(qb_rd *r, uint8_t *v);
int qb_rd_u16(qb_rd *r, uint16_t *v); /**< 2 bytes, see qb_rd_u8() */
int qb_rd_u24(qb_rd *r, uint32_t *v); /**< 3 bytes, see qb_rd_u8() */
int qb_rd_u32(qb_rd *r, uint32_t *v); /**< 4 bytes, see qb_rd_u8() */
int qb_rd_u64(qb_rd *r, uint64_t *v); /**< 8 bytes, see qb_rd_u8() */
/** Big-endian unsigned integer of n bytes, n in 1..8. */
int qb_rd_uint(qb_rd *r, size_t n, uint64_t *v);
/** RFC 9000 §16: two-bit length prefix, 1/2/4/8 bytes. */
int qb_rd_varint(qb_rd *r, uint64_t *v);
/** Points *p at the next n bytes without copying, and skips them. */
int qb_rd_bytes(qb_rd *r, size_t n, const uint8_t **p);
/** Copies the next n bytes to dst; QB_ERR_TRUNCATED when fewer remain. */
int qb_rd_copy(qb_rd *r, void *dst, size_t n);
/** Skips n bytes; QB_ERR_TRUNCATED when fewer remain. */
int qb_rd_skip(qb_rd *r, size_t n);
/** A sub-reader over the next n bytes (for length-prefixed blocks). */
int qb_rd_sub(qb_rd *r, size_t n, qb_rd *sub);
/** A sub-reader over a block prefixed by a big-endian length of lenbytes (1..3). */
int qb_rd_vec(qb_rd *r, size_t lenbytes, qb_rd *sub);

/* ---- writer ---- */
/** A bounds-checked writer into a buffer it does not own. */
typedef struct qb_wr {
    uint8_t *p; /**< the output buffer */
    size_t cap; /**< its size */
    size_t off; /**< bytes written so far */
} qb_wr;

static inline void qb_wr_init(qb_wr *w, uint8_t *p, size_t cap)
{
    w->p = p;
    w->cap = cap;
    w->off = 0;
}
static inline size_t qb_wr_left(const qb_wr *w) { return w->cap - w->off; }
static inline uint8_t *qb_wr_ptr(const qb_wr *w) { return w->p + w->off; }

/** Big-endian fixed-size writes of 1, 2, 3, 4 and 8 bytes; 0, or
 * QB_ERR_NO_SPACE (nothing written) when the output is full. */
int qb_wr_u8(qb_wr *w, uint8_t v);
int qb_wr_u16(qb_wr *w, uint16_t v); /**< 2 bytes, see qb_wr_u8() */
int qb_wr_u24(qb_wr *w, uint32_t v); /**< 3 bytes, see qb_wr_u8() */
int qb_wr_u32(qb_wr *w, uint32_t v); /**< 4 bytes, see qb_wr_u8() */
int qb_wr_u64(qb_wr *w, uint64_t v); /**< 8 bytes, see qb_wr_u8() */
/** The low n bytes (1..8) of v, big-endian; QB_ERR_NO_SPACE when full. */
int qb_wr_uint(qb_wr *w, size_t n, uint64_t v);
/** Shortest encoding of v (RFC 9000 §16). */
int qb_wr_varint(qb_wr *w, uint64_t v);
/** Encoding of v in exactly n bytes (1, 2, 4 or 8), e.g. for a Length field
 * that is filled in later. Fails with QB_ERR_VARINT_RANGE when v does not fit. */
int qb_wr_varint_n(qb_wr *w, uint64_t v, size_t n);
/** Copies n bytes from src; QB_ERR_NO_SPACE (nothing written) when they do not fit. */
int qb_wr_bytes(qb_wr *w, const void *src, size_t n);
/** Writes n zero bytes (padding); QB_ERR_NO_SPACE when they do not fit. */
int qb_wr_zeros(qb_wr *w, size_t n);
/** Reserves n bytes and returns where they are, for a later back-patch. */
int qb_wr_reserve(qb_wr *w, size_t n, uint8_t **at);

/* ---- varint helpers ---- */
/** Bytes the shortest encoding of v needs: 1, 2, 4 or 8; 0 when v > 2^62-1. */
size_t qb_varint_len(uint64_t v);
/** Length of a varint from its first byte. */
static inline size_t qb_varint_len_from_first(uint8_t b) { return (size_t)1 << (b >> 6); }
/** Writes v in exactly n bytes at dst (caller guarantees room). */
void qb_varint_put_n(uint8_t *dst, uint64_t v, size_t n);

static inline void qb_put_u16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void qb_put_u24(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 16); p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)v; }
static inline void qb_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline uint16_t qb_get_u16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t qb_get_u32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/** One piece of a gather: bytes that go out one after another without being
 * joined first (e.g. a prefix the caller wrote and a payload it was given). */
typedef struct qb_iov {
    const uint8_t *p; /**< first byte */
    size_t len;       /**< byte count */
} qb_iov;

/* ---- allocator hook ----
 * Every allocation of quince goes through one of these, so an embedded user can
 * supply a pool and a test can count allocations or make them fail. */
/** An allocator: three functions and their user data (a NULL qb_alloc pointer
 * anywhere in quince means malloc, realloc and free). */
typedef struct qb_alloc {
    void *(*alloc)(void *ud, size_t n);           /**< like malloc */
    void *(*realloc)(void *ud, void *p, size_t n); /**< like realloc */
    void (*free)(void *ud, void *p);               /**< like free, NULL allowed */
    void *ud;                                      /**< passed to the three */
} qb_alloc;

/** The malloc/realloc/free allocator. */
const qb_alloc *qb_alloc_default(void);
/** Uses a, or the default when a is NULL. */
void *qb_malloc(const qb_alloc *a, size_t n);
void *qb_calloc(const qb_alloc *a, size_t n); /**< zeroed, like qb_malloc() */
void *qb_realloc(const qb_alloc *a, void *p, size_t n); /**< like qb_malloc() */
void qb_free(const qb_alloc *a, void *p); /**< frees what a gave; NULL allowed */

/* ---- misc ---- */
/** Constant-time comparison for tags, tokens and Finished values. */
bool qb_ct_equal(const void *a, const void *b, size_t n);

#ifdef __cplusplus
}
#endif

#endif
