/* Fuzz: HTTP/3 frames (RFC 9114 §7). Every frame decoded re-encodes and decodes to the
 * same fields; the incremental header reader, fed the same bytes in chunks, sees the
 * same sequence of (type, length). */
#include "h3/h3.h"

#include <stdlib.h>
#include <string.h>

static void same(const h3_frame *a, const h3_frame *b)
{
    if (a->type != b->type || a->id != b->id ||
        a->field_section_len != b->field_section_len ||
        (a->field_section_len &&
         memcmp(a->field_section, b->field_section, a->field_section_len) != 0))
        abort();
    if (a->type == H3_FRAME_SETTINGS) {
        const h3_settings *x = &a->settings, *y = &b->settings;
        if (x->has_max_field_section_size != y->has_max_field_section_size ||
            x->max_field_section_size != y->max_field_section_size ||
            x->qpack_max_table_capacity != y->qpack_max_table_capacity ||
            x->qpack_blocked_streams != y->qpack_blocked_streams ||
            x->h3_datagram != y->h3_datagram ||
            x->enable_connect_protocol != y->enable_connect_protocol)
            abort();
    } else if (!h3_frame_type_is_known(a->type) || a->type == H3_FRAME_DATA) {
        if (a->payload_len != b->payload_len ||
            (a->payload_len && memcmp(a->payload, b->payload, a->payload_len) != 0))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t chunk = 1 + data[0] % 16;
    data++;
    size--;
    uint64_t types[64], lens[64];
    size_t n = 0, off = 0;
    static uint8_t out[1 << 16];
    while (off < size && n < 64) {
        h3_frame f, g;
        size_t used;
        if (h3_frame_decode(data + off, size - off, 4096, &f, &used) != 0)
            break;
        qb_wr w;
        qb_wr_init(&w, out, sizeof out);
        if (h3_frame_encode(&w, &f) != 0)
            abort();
        size_t used2;
        if (h3_frame_decode(out, w.off, 4096, &g, &used2) != 0 || used2 != w.off)
            abort();
        same(&f, &g);
        if (w.off > used && f.type != H3_FRAME_SETTINGS)
            abort(); /* shortest varints: never longer, except dropped unknown settings */
        types[n] = f.type;
        lens[n] = used;
        n++;
        off += used;
    }
    /* the reader in chunks, skipping payloads */
    h3_frame_reader fr = {0};
    size_t pos = 0, k = 0, frame_start = 0;
    uint64_t skip = 0;
    while (pos < size && k < n) {
        size_t end = pos + chunk < size ? pos + chunk : size;
        if (skip) {
            size_t s = end - pos < skip ? end - pos : (size_t)skip;
            pos += s;
            skip -= s;
            if (!skip) {
                if (pos - frame_start != lens[k])
                    abort();
                k++;
                frame_start = pos;
            }
            continue;
        }
        size_t used;
        uint64_t t, l;
        int rc = h3_frame_reader_feed(&fr, data + pos, end - pos, &used, &t, &l);
        pos += used;
        if (rc == 1) {
            if (t != types[k])
                abort();
            skip = l;
            if (!skip) {
                if (pos - frame_start != lens[k])
                    abort();
                k++;
                frame_start = pos;
            }
        } else if (rc != 0 || pos != end) {
            abort();
        }
    }
    return 0;
}
