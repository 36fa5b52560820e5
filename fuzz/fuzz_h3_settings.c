/* Fuzz: SETTINGS payloads (RFC 9114 §7.2.4, RFC 9297 §2.1.1). Whatever decodes encodes
 * and decodes back to the same values. */
#include "h3/h3.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    h3_settings s, t;
    if (h3_settings_decode(data, size, &s) != 0)
        return 0;
    if (s.h3_datagram > 1 || s.enable_connect_protocol > 1)
        abort();
    uint8_t out[128];
    qb_wr w;
    qb_wr_init(&w, out, sizeof out);
    if (h3_settings_encode(&w, &s) != 0)
        abort();
    if (h3_settings_decode(out, w.off, &t) != 0)
        abort();
    if (t.has_max_field_section_size != s.has_max_field_section_size ||
        t.max_field_section_size != s.max_field_section_size ||
        t.qpack_max_table_capacity != s.qpack_max_table_capacity ||
        t.qpack_blocked_streams != s.qpack_blocked_streams ||
        t.h3_datagram != s.h3_datagram ||
        t.enable_connect_protocol != s.enable_connect_protocol || t.n_unknown != 0)
        abort();
    return 0;
}
