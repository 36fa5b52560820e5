/* Fuzz: decode a field section; on success our encoding of the fields is no longer
 * than the input (it picks the shortest representation each time) and decodes to the
 * same fields. */
#include "qpack/qpack.h"

#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 64
#define SCRATCH 8192

static int same(const qpack_field *a, const qpack_field *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i].name_len != b[i].name_len || a[i].value_len != b[i].value_len)
            return 0;
        if (a[i].name_len && memcmp(a[i].name, b[i].name, a[i].name_len))
            return 0;
        if (a[i].value_len && memcmp(a[i].value, b[i].value, a[i].value_len))
            return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t scratch[SCRATCH], scratch2[SCRATCH], out[SCRATCH + 16 * MAX_FIELDS + 16];
    qpack_field f[MAX_FIELDS], g[MAX_FIELDS];
    size_t n = 0, m = 0;
    /* a limit that can bind before the scratch does, taken from the input length */
    size_t max_size = (size & 1) ? 4096 : 65536;
    int rc = qpack_decode_field_section(data, size, max_size, scratch, sizeof scratch, f,
                                        MAX_FIELDS, &n);
    if (rc != 0) {
        if (rc > -2000 || rc < -2199 || n != 0)
            abort();
        return 0;
    }
    qb_wr w;
    qb_wr_init(&w, out, sizeof out);
    if (qpack_encode_field_section(&w, f, n) != 0)
        abort();
    if (w.off > size)
        abort();
    if (qpack_decode_field_section(out, w.off, max_size, scratch2, sizeof scratch2, g,
                                   MAX_FIELDS, &m) != 0)
        abort();
    if (m != n || !same(f, g, n))
        abort();
    return 0;
}
