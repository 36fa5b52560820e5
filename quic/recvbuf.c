/* Out-of-order STREAM / CRYPTO reassembly; see recvbuf.h. */
#include "quic/recvbuf.h"

#include <string.h>

/* Chunk index and position of an offset. */
#define IDX(rb, off) ((off) >> (rb)->shift)
#define POS(rb, off) ((size_t)((off) & ((rb)->chunk - 1)))

static uint64_t *chunk_bits(quic_recvbuf_chunk *c) { return c->w; }
static uint8_t *chunk_data(const quic_recvbuf *rb, quic_recvbuf_chunk *c)
{
    return (uint8_t *)(c->w + rb->chunk / 64);
}

int quic_recvbuf_init(quic_recvbuf *rb, uint64_t max_window, uint64_t initial_max_offset,
                      const qb_alloc *a)
{
    memset(rb, 0, sizeof *rb);
    if (max_window == 0 || max_window > ((uint64_t)1 << 32) || initial_max_offset > max_window)
        return QUIC_RECVBUF_ERR_WINDOW;
    rb->alloc = a;
    rb->max_window = max_window;
    rb->max_off = initial_max_offset;
    /* The window [read_off, read_off + max_window) touches at most this many
     * chunks whatever the alignment of read_off. */
    /* Chunk: the largest power of two in [64, 4096] with 8 chunks <= window. */
    rb->shift = 6;
    while (rb->shift < 12 && ((uint64_t)8 << (rb->shift + 1)) <= max_window)
        rb->shift++;
    rb->chunk = (size_t)1 << rb->shift;
    rb->nslots = (size_t)((max_window + rb->chunk - 1) >> rb->shift) + 1;
    rb->slots = qb_calloc(a, rb->nslots * sizeof rb->slots[0]);
    if (!rb->slots)
        return QUIC_RECVBUF_ERR_NOMEM;
    return 0;
}

static void chunk_release(quic_recvbuf *rb, quic_recvbuf_chunk *c)
{
    /* A chunk once allocated is kept for reuse while the buffer lives: the
     * count never exceeds what the window needs (nslots), and a steady
     * stream then allocates nothing per packet. */
    if (rb->nspare < rb->nslots) {
        c->next = rb->spare;
        rb->spare = c;
        rb->nspare++;
        return;
    }
    qb_free(rb->alloc, c);
    rb->nchunks--;
}

static void drop_all(quic_recvbuf *rb)
{
    for (size_t i = 0; i < rb->nslots; i++) {
        if (rb->slots[i]) {
            chunk_release(rb, rb->slots[i]);
            rb->slots[i] = NULL;
        }
    }
}

/* The stream will take no more data: its spare chunks are of no further use. */
static void spare_drop(quic_recvbuf *rb)
{
    while (rb->spare) {
        quic_recvbuf_chunk *n = rb->spare->next;
        qb_free(rb->alloc, rb->spare);
        rb->spare = n;
        rb->nchunks--;
    }
    rb->nspare = 0;
}

void quic_recvbuf_free(quic_recvbuf *rb)
{
    if (rb->slots) {
        for (size_t i = 0; i < rb->nslots; i++)
            qb_free(rb->alloc, rb->slots[i]);
    }
    while (rb->spare) {
        quic_recvbuf_chunk *n = rb->spare->next;
        qb_free(rb->alloc, rb->spare);
        rb->spare = n;
    }
    qb_free(rb->alloc, rb->slots);
    rb->slots = NULL;
    rb->nchunks = 0;
    rb->nspare = 0;
}

static quic_recvbuf_chunk **slot_for(const quic_recvbuf *rb, uint64_t off)
{
    return &rb->slots[(size_t)(IDX(rb, off) % rb->nslots)];
}

static quic_recvbuf_chunk *chunk_get(quic_recvbuf *rb, uint64_t off)
{
    quic_recvbuf_chunk **s = slot_for(rb, off);
    if (*s)
        return *s;
    quic_recvbuf_chunk *c = rb->spare;
    if (c) {
        rb->spare = c->next;
        rb->nspare--;
    } else {
        c = qb_malloc(rb->alloc, quic_recvbuf_chunk_bytes(rb));
        if (!c)
            return NULL;
        rb->nchunks++;
    }
    memset(chunk_bits(c), 0, rb->chunk / 8);
    c->next = NULL;
    *s = c;
    qb_trim_use(&rb->trim, rb->nchunks - rb->nspare);
    return c;
}

/* Sets bits [from, to) of a chunk's bitmap (chunk-relative positions). */
static void bits_set(uint64_t *bits, size_t from, size_t to)
{
    while (from < to) {
        size_t w = from / 64, b = from % 64;
        size_t n = 64 - b < to - from ? 64 - b : to - from;
        uint64_t mask = n == 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1) << b;
        bits[w] |= mask;
        from += n;
    }
}

/* Moves contig_end forward over received bytes. */
static void advance_contig(quic_recvbuf *rb)
{
    while (rb->contig_end < rb->highest) {
        quic_recvbuf_chunk *c = *slot_for(rb, rb->contig_end);
        if (!c)
            return;
        size_t pos = POS(rb, rb->contig_end);
        uint64_t word = chunk_bits(c)[pos / 64] >> (pos % 64);
        size_t run;
        if (word == ~(uint64_t)0 >> (pos % 64))
            run = 64 - pos % 64; /* the rest of this word is set */
        else {
            /* count trailing ones: the first zero bit ends the run */
            run = 0;
            while (word & 1) {
                word >>= 1;
                run++;
            }
            rb->contig_end += run;
            return;
        }
        rb->contig_end += run;
    }
}

static int check_final(const quic_recvbuf *rb, uint64_t end, bool fin)
{
    /* RFC 9000 §4.5 */
    if (fin) {
        if (rb->has_final && rb->final_size != end)
            return QUIC_RECVBUF_ERR_FINAL_SIZE;
        if (!rb->has_final && end < rb->highest)
            return QUIC_RECVBUF_ERR_FINAL_SIZE;
    } else if (rb->has_final && end > rb->final_size) {
        return QUIC_RECVBUF_ERR_FINAL_SIZE;
    }
    return 0;
}

int quic_recvbuf_write(quic_recvbuf *rb, uint64_t offset, const uint8_t *data, size_t len,
                       bool fin)
{
    if (offset > QB_VARINT_MAX || len > QB_VARINT_MAX - offset)
        return QUIC_RECVBUF_ERR_RANGE; /* RFC 9000 §19.8 */
    uint64_t end = offset + len;
    int rc = check_final(rb, end, fin);
    if (rc)
        return rc;
    if (end > rb->max_off)
        return QUIC_RECVBUF_ERR_FLOW; /* RFC 9000 §4.1 */
    if (rb->reset)
        return 0; /* data after RESET_STREAM is discarded */
    /* Allocate first, so a failure leaves no half-written frame behind. */
    uint64_t from = offset < rb->read_off ? rb->read_off : offset;
    if (from < end) {
        for (uint64_t o = from - POS(rb, from); o < end; o += rb->chunk)
            if (!chunk_get(rb, o))
                return QUIC_RECVBUF_ERR_NOMEM;
    }
    if (fin) {
        rb->has_final = true;
        rb->final_size = end;
    }
    if (end > rb->highest)
        rb->highest = end;
    while (from < end) {
        quic_recvbuf_chunk *c = *slot_for(rb, from);
        size_t pos = POS(rb, from);
        size_t n = rb->chunk - pos;
        if (n > end - from)
            n = (size_t)(end - from);
        memcpy(chunk_data(rb, c) + pos, data + (from - offset), n);
        bits_set(chunk_bits(c), pos, pos + n);
        from += n;
    }
    advance_contig(rb);
    return 0;
}

int quic_recvbuf_reset(quic_recvbuf *rb, uint64_t final_size)
{
    if (final_size > QB_VARINT_MAX)
        return QUIC_RECVBUF_ERR_RANGE;
    int rc = check_final(rb, final_size, true);
    if (rc)
        return rc;
    if (final_size > rb->max_off)
        return QUIC_RECVBUF_ERR_FLOW;
    rb->has_final = true;
    rb->final_size = final_size;
    if (final_size > rb->highest)
        rb->highest = final_size;
    rb->reset = true;
    drop_all(rb);
    spare_drop(rb);
    rb->contig_end = rb->read_off;
    return 0;
}

int quic_recvbuf_set_max_offset(quic_recvbuf *rb, uint64_t max_offset)
{
    if (max_offset <= rb->max_off)
        return 0;
    if (max_offset - rb->read_off > rb->max_window)
        return QUIC_RECVBUF_ERR_WINDOW;
    rb->max_off = max_offset;
    return 0;
}

size_t quic_recvbuf_peek(const quic_recvbuf *rb, const uint8_t **p)
{
    uint64_t avail = rb->contig_end - rb->read_off;
    if (avail == 0) {
        *p = NULL;
        return 0;
    }
    quic_recvbuf_chunk *c = *slot_for(rb, rb->read_off);
    size_t pos = POS(rb, rb->read_off);
    size_t n = rb->chunk - pos;
    if (n > avail)
        n = (size_t)avail;
    *p = chunk_data(rb, c) + pos;
    return n;
}

void quic_recvbuf_consume(quic_recvbuf *rb, size_t n)
{
    uint64_t avail = rb->contig_end - rb->read_off;
    if (n > avail)
        n = (size_t)avail;
    uint64_t first = IDX(rb, rb->read_off);
    rb->read_off += n;
    uint64_t now_first = IDX(rb, rb->read_off);
    for (uint64_t k = first; k < now_first; k++) {
        quic_recvbuf_chunk **s = &rb->slots[(size_t)(k % rb->nslots)];
        if (*s) {
            chunk_release(rb, *s);
            *s = NULL;
        }
    }
    /* The final chunk is done too once everything was read. */
    if (rb->has_final && rb->read_off == rb->final_size && POS(rb, rb->read_off) != 0) {
        quic_recvbuf_chunk **s = slot_for(rb, rb->read_off);
        if (*s) {
            chunk_release(rb, *s);
            *s = NULL;
        }
    }
    if (rb->has_final && rb->read_off == rb->final_size) {
        spare_drop(rb);
        return;
    }
    if (n && rb->read_off == rb->highest) {
        /* Drained: nothing received is unread, so the chunk under read_off
         * holds nothing of use (writes below read_off are dropped). */
        quic_recvbuf_chunk **s = slot_for(rb, rb->read_off);
        if (*s) {
            chunk_release(rb, *s);
            *s = NULL;
        }
        if (rb->drains < 2)
            rb->drains++;
        if (rb->drains == 1) {
            spare_drop(rb); /* maybe one message only: hold nothing while idle */
            rb->trim = (qb_trim){0};
            return;
        }
        /* Give back spares a past burst left (see qb_trim.h). */
        size_t target = qb_trim_drained(&rb->trim, rb->nchunks, 2);
        while (rb->nchunks > target && rb->spare) {
            quic_recvbuf_chunk *c = rb->spare;
            rb->spare = c->next;
            rb->nspare--;
            rb->nchunks--;
            qb_free(rb->alloc, c);
        }
    }
}

size_t quic_recvbuf_read(quic_recvbuf *rb, uint8_t *dst, size_t cap)
{
    size_t total = 0;
    while (total < cap) {
        const uint8_t *p;
        size_t n = quic_recvbuf_peek(rb, &p);
        if (n == 0)
            break;
        if (n > cap - total)
            n = cap - total;
        memcpy(dst + total, p, n);
        quic_recvbuf_consume(rb, n);
        total += n;
    }
    return total;
}

bool quic_recvbuf_all_received(const quic_recvbuf *rb)
{
    return rb->has_final && !rb->reset && rb->contig_end == rb->final_size;
}

bool quic_recvbuf_finished(const quic_recvbuf *rb)
{
    return rb->has_final && !rb->reset && rb->read_off == rb->final_size;
}
