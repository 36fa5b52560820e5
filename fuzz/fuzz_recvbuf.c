/* Fuzz: random overlapping frames cut from a known byte string, against a
 * model. Delivered bytes must equal the string's prefix, errors must match
 * the RFC 9000 §4.1 / §4.5 rules exactly, readable bytes must match the
 * model's contiguous run, and memory must stay within the chunk bound.
 *
 * Input: bytes 0-1 window, then 5-byte ops: op, off (2 bytes), len (2 bytes).
 *   op % 4 == 0: write [off, off+len) (fin when op & 4)
 *   op % 4 == 1: read up to len bytes
 *   op % 4 == 2: raise the limit to read offset + off % (window + 1)
 *   op % 4 == 3: peek, consume part of it */
#include "quic/recvbuf.h"

#include <stdlib.h>
#include <string.h>

#define SPAN 24576

static uint8_t src_at(uint64_t i) { return (uint8_t)(i * 7 + (i >> 7) + 3); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint64_t W = 1 + (((uint64_t)data[0] << 8 | data[1]) % 16384);
    static uint8_t src[SPAN + 4096];
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = src_at(i);
    static uint8_t got[SPAN];
    uint8_t *have = calloc(SPAN + 4096, 1); /* model: bytes received */

    quic_recvbuf rb;
    if (quic_recvbuf_init(&rb, W, W, NULL) != 0)
        abort();
    uint64_t rd = 0, max_off = W, highest = 0, final_size = 0;
    int has_final = 0;
    const size_t bound = rb.nslots; /* chunks held never exceed the slots */

    for (size_t i = 2; i + 5 <= size; i += 5) {
        uint8_t op = data[i];
        uint64_t a = (uint64_t)data[i + 1] << 8 | data[i + 2];
        uint64_t b = (uint64_t)data[i + 3] << 8 | data[i + 4];
        switch (op % 4) {
        case 0: {
            uint64_t off = a % SPAN, len = b % 2048;
            int fin = (op & 4) != 0;
            uint64_t end = off + len;
            int want = 0;
            if (fin && has_final && final_size != end)
                want = QUIC_RECVBUF_ERR_FINAL_SIZE;
            else if (fin && !has_final && end < highest)
                want = QUIC_RECVBUF_ERR_FINAL_SIZE;
            else if (!fin && has_final && end > final_size)
                want = QUIC_RECVBUF_ERR_FINAL_SIZE;
            else if (end > max_off)
                want = QUIC_RECVBUF_ERR_FLOW;
            int rc = quic_recvbuf_write(&rb, off, src + off, (size_t)len, fin);
            if (rc != want)
                abort();
            if (rc == 0) {
                memset(have + off, 1, (size_t)len);
                if (end > highest)
                    highest = end;
                if (fin) {
                    has_final = 1;
                    final_size = end;
                }
            }
            break;
        }
        case 1: {
            size_t n = quic_recvbuf_read(&rb, got, (size_t)(b % 3000));
            if (memcmp(got, src + rd, n) != 0)
                abort();
            rd += n;
            break;
        }
        case 2: {
            uint64_t m = rd + a % (W + 1);
            if (quic_recvbuf_set_max_offset(&rb, m) != 0)
                abort();
            if (m > max_off)
                max_off = m;
            break;
        }
        default: {
            const uint8_t *p;
            size_t n = quic_recvbuf_peek(&rb, &p);
            if (n && memcmp(p, src + rd, n) != 0)
                abort();
            size_t take = n ? (size_t)(b % (n + 1)) : 0;
            quic_recvbuf_consume(&rb, take);
            rd += take;
            break;
        }
        }
        /* model contiguous end from the read offset */
        uint64_t ce = rd;
        while (ce < SPAN + 4096 && have[ce])
            ce++;
        if (quic_recvbuf_read_offset(&rb) != rd || quic_recvbuf_readable(&rb) != ce - rd)
            abort();
        if (rb.nchunks > bound)
            abort();
        if (quic_recvbuf_all_received(&rb) != (has_final && ce == final_size))
            abort();
    }
    quic_recvbuf_free(&rb);
    free(have);
    return 0;
}
