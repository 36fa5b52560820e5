/* Fuzz: the Capsule Protocol (RFC 9297 §3). The incremental reader, fed in chunks,
 * returns exactly the DATAGRAM capsules that whole-buffer decoding finds; each capsule
 * re-encodes and decodes to the same type and value. */
#include "h3/h3.h"

#include <stdlib.h>
#include <string.h>

#define CAP 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t chunk = 1 + data[0] % 32;
    data++;
    size--;
    /* whole-buffer pass */
    const uint8_t *vals[256];
    size_t vlens[256], n = 0, off = 0;
    bool too_large = false;
    static uint8_t out[1 << 16];
    while (off < size && n < 256) {
        uint64_t t, t2;
        const uint8_t *v, *v2;
        size_t vl, vl2, used, used2;
        if (h3_capsule_decode(data + off, size - off, &t, &v, &vl, &used) != 0) {
            /* incomplete; the reader refuses an oversized DATAGRAM from its header */
            qb_rd r;
            uint64_t ht, hl;
            qb_rd_init(&r, data + off, size - off);
            if (qb_rd_varint(&r, &ht) == QB_OK && qb_rd_varint(&r, &hl) == QB_OK &&
                ht == H3_CAPSULE_DATAGRAM && hl > CAP)
                too_large = true;
            break;
        }
        qb_wr w;
        qb_wr_init(&w, out, sizeof out);
        if (h3_capsule_encode(&w, t, v, vl) != 0)
            abort();
        if (h3_capsule_decode(out, w.off, &t2, &v2, &vl2, &used2) != 0 || t2 != t ||
            vl2 != vl || used2 != w.off || (vl && memcmp(v, v2, vl) != 0))
            abort();
        if (t == H3_CAPSULE_DATAGRAM) {
            if (vl > CAP) {
                too_large = true;
                break;
            }
            vals[n] = v;
            vlens[n] = vl;
            n++;
        }
        off += used;
    }
    if (n == 256)
        return 0;
    /* incremental pass */
    uint8_t buf[CAP];
    h3_capsule_reader r;
    h3_capsule_reader_init(&r, buf, sizeof buf);
    size_t pos = 0, k = 0;
    int rc = 0;
    while (pos < size && rc >= 0) {
        size_t end = pos + chunk < size ? pos + chunk : size;
        while (pos < end) {
            size_t used, vl;
            uint64_t t;
            const uint8_t *v;
            rc = h3_capsule_reader_feed(&r, data + pos, end - pos, &used, &t, &v, &vl);
            pos += used;
            if (rc < 0)
                break;
            if (rc == 1) {
                if (k >= n || vl != vlens[k] || (vl && memcmp(v, vals[k], vl) != 0))
                    abort();
                k++;
            }
        }
    }
    if (rc < 0 && (rc != H3_ERR_CAPSULE_TOO_LARGE || !too_large))
        abort();
    if (rc >= 0 && k != n)
        abort();
    if (rc >= 0 && off == size && h3_capsule_reader_finish(&r) != 0)
        abort();
    return 0;
}
