/*
 * quince quic: reassembly of STREAM or CRYPTO data received out of order
 * (RFC 9000 §2.2, §4.5, §7.5), for in-order delivery.
 *
 * Storage is a ring of fixed-size chunks indexed by offset, each with a
 * bitmap of the bytes received, so duplicates and any overlap pattern cost
 * nothing extra and need no range list a peer could fragment. The chunk size
 * is a power of two, 64 B to 4 KiB, at most an eighth of the window. A chunk
 * is allocated only when a byte lands in it and is recycled once the reader
 * has passed it: spares are kept so steady traffic allocates nothing, and
 * given back once a few drain cycles in a row (everything received was read)
 * used far fewer chunks than are held (qb_trim hysteresis). The first time
 * the buffer drains, every chunk goes: a stream that carries one message and
 * then stays open (an HTTP/3 control stream) holds nothing while idle; from
 * the second drain on, the stream has shown it is used again and again and
 * keeps its chunks by the hysteresis rule. Memory is proportional to the data buffered and never more than
 * (max_window / chunk + 1) chunks of chunk * 9/8 bytes plus a pointer: for a
 * 64 KiB window 17 chunks of 4.5 KiB.
 *
 * The flow-control limit (max_offset) is what the receiver advertised
 * (MAX_STREAM_DATA, or read offset + CRYPTO buffer size); it may only grow,
 * and never beyond read offset + max_window.
 */
#ifndef QUIC_RECVBUF_H
#define QUIC_RECVBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quic/quic_err.h"
#include "base/qb.h"
#include "base/qb_trim.h"

#define QUIC_RECVBUF_CHUNK_MAX 4096
#define QUIC_RECVBUF_CHUNK_MIN 64

/* Error codes: the QUIC_RECVBUF_ERR_* of quic/quic_err.h. */

typedef struct quic_recvbuf_chunk {
    struct quic_recvbuf_chunk *next; /* spare list */
    uint64_t w[];                    /* bitmap (chunk / 64 words), then the data */
} quic_recvbuf_chunk;

typedef struct quic_recvbuf {
    const qb_alloc *alloc;
    uint64_t read_off;    /* everything below was handed to the reader */
    uint64_t contig_end;  /* [read_off, contig_end) is received and contiguous */
    uint64_t max_off;     /* flow-control limit: no byte at or beyond it */
    uint64_t max_window;  /* max_off - read_off never exceeds this */
    uint64_t highest;     /* largest offset + length seen */
    bool has_final;
    uint64_t final_size;
    bool reset;           /* RESET_STREAM: data discarded */
    size_t chunk;         /* bytes per chunk, a power of two */
    unsigned shift;       /* log2(chunk) */
    quic_recvbuf_chunk **slots;
    size_t nslots;
    quic_recvbuf_chunk *spare;
    size_t nspare;
    size_t nchunks;       /* chunks allocated (slots + spare), never above nslots */
    qb_trim trim;         /* chunks in use, for giving spares back */
    unsigned drains;      /* times everything received was read (saturates) */
} quic_recvbuf;

/* max_window: the largest flow-control window this buffer will ever be given
 * (1..2^32); initial_max_offset: the initial limit (<= max_window). */
int quic_recvbuf_init(quic_recvbuf *rb, uint64_t max_window, uint64_t initial_max_offset,
                      const qb_alloc *a);
void quic_recvbuf_free(quic_recvbuf *rb);

/* A STREAM or CRYPTO frame's data (RFC 9000 §19.6, §19.8). Returns 0 or
 * QUIC_RECVBUF_ERR_*; on error nothing is stored. Duplicates and overlaps are
 * fine (identical bytes assumed, RFC 9000 §2.2). */
int quic_recvbuf_write(quic_recvbuf *rb, uint64_t offset, const uint8_t *data, size_t len,
                       bool fin);
/* RESET_STREAM with its Final Size (RFC 9000 §4.5, §19.4): checks the final
 * size rules and flow control, then drops the buffered data. */
int quic_recvbuf_reset(quic_recvbuf *rb, uint64_t final_size);
/* Raises the flow-control limit (a new MAX_STREAM_DATA was sent, or the
 * CRYPTO window moved). Lower values are ignored. */
int quic_recvbuf_set_max_offset(quic_recvbuf *rb, uint64_t max_offset);

/* Contiguous bytes at the read offset, at most up to the end of one chunk:
 * sets *p and returns the length (0 when nothing is readable). */
size_t quic_recvbuf_peek(const quic_recvbuf *rb, const uint8_t **p);
/* Releases n bytes (at most the readable count) after the reader used them. */
void quic_recvbuf_consume(quic_recvbuf *rb, size_t n);
/* Copies up to cap readable bytes and consumes them. */
size_t quic_recvbuf_read(quic_recvbuf *rb, uint8_t *dst, size_t cap);

static inline uint64_t quic_recvbuf_readable(const quic_recvbuf *rb) { return rb->contig_end - rb->read_off; }
static inline uint64_t quic_recvbuf_read_offset(const quic_recvbuf *rb) { return rb->read_off; }
/* Every byte up to the final size has arrived (RFC 9000 §3.2 "Data Recvd"). */
bool quic_recvbuf_all_received(const quic_recvbuf *rb);
/* ... and has been read ("Data Read"). */
bool quic_recvbuf_finished(const quic_recvbuf *rb);
/* Bytes of one chunk allocation, and of all chunks held now. */
static inline size_t quic_recvbuf_chunk_bytes(const quic_recvbuf *rb)
{
    return sizeof(quic_recvbuf_chunk) + rb->chunk / 8 + rb->chunk;
}
static inline size_t quic_recvbuf_memory(const quic_recvbuf *rb) { return rb->nchunks * quic_recvbuf_chunk_bytes(rb); }

#endif
