/* SETTINGS payload (RFC 9114 §7.2.4): decode and validate the peer's, encode ours.
 * A pure codec below h3_frame.c, which frames it (h3_settings_frame_encode). */
#include "h3/h3.h"

#include <string.h>

/* §7.2.4.1 / §11.2.2: ids HTTP/2 defined without an HTTP/3 meaning. */
static bool h3_setting_is_h2(uint64_t id) { return id == 0x00 || (id >= 0x02 && id <= 0x05); }

int h3_settings_decode(const uint8_t *p, size_t len, h3_settings *s)
{
    memset(s, 0, sizeof *s);
    uint64_t seen[H3_SETTINGS_MAX];
    size_t n = 0;
    qb_rd r;
    qb_rd_init(&r, p, len);
    while (qb_rd_left(&r)) {
        uint64_t id, v;
        if (qb_rd_varint(&r, &id) != QB_OK || qb_rd_varint(&r, &v) != QB_OK)
            return H3_ERR_FRAME_TRUNCATED; /* §7.1: H3_FRAME_ERROR */
        if (n == H3_SETTINGS_MAX)
            return H3_ERR_SETTINGS_TOO_MANY;
        for (size_t i = 0; i < n; i++)
            if (seen[i] == id)
                return H3_ERR_SETTINGS_DUP; /* §7.2.4 */
        seen[n++] = id;
        if (h3_setting_is_h2(id))
            return H3_ERR_SETTINGS_H2;
        switch (id) {
        case H3_SETTING_QPACK_MAX_TABLE_CAPACITY:
            s->qpack_max_table_capacity = v;
            break;
        case H3_SETTING_MAX_FIELD_SECTION_SIZE:
            s->has_max_field_section_size = true;
            s->max_field_section_size = v;
            break;
        case H3_SETTING_QPACK_BLOCKED_STREAMS:
            s->qpack_blocked_streams = v;
            break;
        case H3_SETTING_ENABLE_CONNECT_PROTOCOL: /* RFC 8441 §3, RFC 9220 §3 */
            if (v > 1)
                return H3_ERR_SETTINGS_CONNECT;
            s->enable_connect_protocol = (uint8_t)v;
            break;
        case H3_SETTING_H3_DATAGRAM: /* RFC 9297 §2.1.1 */
            if (v > 1)
                return H3_ERR_SETTINGS_DATAGRAM;
            s->h3_datagram = (uint8_t)v;
            break;
        default: /* §7.2.4.1: unknown and grease ids are ignored */
            s->n_unknown++;
            break;
        }
    }
    return 0;
}

static int h3_setting_put(qb_wr *w, uint64_t id, uint64_t v)
{
    return (qb_wr_varint(w, id) == QB_OK && qb_wr_varint(w, v) == QB_OK) ? 0 : H3_ERR_NO_SPACE;
}

int h3_settings_encode(qb_wr *w, const h3_settings *s)
{
    size_t start = w->off;
    int rc = 0;
    if (s->has_max_field_section_size)
        rc = h3_setting_put(w, H3_SETTING_MAX_FIELD_SECTION_SIZE, s->max_field_section_size);
    if (rc == 0 && s->qpack_max_table_capacity)
        rc = h3_setting_put(w, H3_SETTING_QPACK_MAX_TABLE_CAPACITY, s->qpack_max_table_capacity);
    if (rc == 0 && s->qpack_blocked_streams)
        rc = h3_setting_put(w, H3_SETTING_QPACK_BLOCKED_STREAMS, s->qpack_blocked_streams);
    if (rc == 0 && s->h3_datagram)
        rc = h3_setting_put(w, H3_SETTING_H3_DATAGRAM, s->h3_datagram);
    if (rc == 0 && s->enable_connect_protocol)
        rc = h3_setting_put(w, H3_SETTING_ENABLE_CONNECT_PROTOCOL, s->enable_connect_protocol);
    if (rc < 0)
        w->off = start;
    return rc;
}
