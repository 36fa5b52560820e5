/* Fuzz: every varint decoded re-encodes in its original width to the same bytes,
 * and its shortest encoding decodes to the same value. */
#include "base/qb.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    qb_rd r;
    qb_rd_init(&r, data, size);
    uint64_t v;
    size_t start = r.off;
    while (qb_rd_varint(&r, &v) == QB_OK) {
        size_t width = r.off - start;
        uint8_t out[8];
        qb_wr w;
        qb_wr_init(&w, out, sizeof out);
        if (qb_wr_varint_n(&w, v, width) != QB_OK || memcmp(out, data + start, width) != 0)
            abort();
        qb_wr_init(&w, out, sizeof out);
        if (qb_wr_varint(&w, v) != QB_OK || w.off != qb_varint_len(v) || w.off > width)
            abort();
        qb_rd back;
        uint64_t v2;
        qb_rd_init(&back, out, w.off);
        if (qb_rd_varint(&back, &v2) != QB_OK || v2 != v)
            abort();
        start = r.off;
    }
    return 0;
}
