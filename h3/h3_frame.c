/* HTTP/3 frames (RFC 9114 §7): type/length layout, the seven defined payloads and an
 * incremental header reader for stream bytes. Which type is what comes from the frame
 * table (h3_frame_table.c) below it; SETTINGS payloads from h3_settings.c. */
#include "h3/h3_frame_table.h"

#include <string.h>

/* Frames whose payload is exactly one varint: CANCEL_PUSH (§7.2.3), GOAWAY (§7.2.6),
 * MAX_PUSH_ID (§7.2.7); the frame table says which. */
static bool h3_frame_is_id_only(uint64_t type)
{
    const h3_frame_row *r = h3_frame_row_get(type);
    return r && (r->flags & H3_FRF_ID_ONLY);
}

int h3_frame_payload_decode(uint64_t type, const uint8_t *p, size_t len, h3_frame *f)
{
    memset(f, 0, sizeof *f);
    f->type = type;
    f->payload = p;
    f->payload_len = len;
    if (h3_frame_type_is_h2(type))
        return H3_ERR_FRAME_H2;
    qb_rd r;
    qb_rd_init(&r, p, len);
    if (h3_frame_is_id_only(type)) {
        if (qb_rd_varint(&r, &f->id) != QB_OK)
            return H3_ERR_FRAME_TRUNCATED;
        return qb_rd_left(&r) ? H3_ERR_FRAME_EXTRA : 0;
    }
    switch (type) {
    case H3_FRAME_HEADERS:
        f->field_section = p;
        f->field_section_len = len;
        return 0;
    case H3_FRAME_PUSH_PROMISE: /* §7.2.5 */
        if (qb_rd_varint(&r, &f->id) != QB_OK)
            return H3_ERR_FRAME_TRUNCATED;
        f->field_section = qb_rd_ptr(&r);
        f->field_section_len = qb_rd_left(&r);
        return 0;
    case H3_FRAME_SETTINGS:
        return h3_settings_decode(p, len, &f->settings);
    default: /* DATA and unknown types: the raw payload */
        return 0;
    }
}

int h3_frame_decode(const uint8_t *p, size_t len, size_t max_payload, h3_frame *f,
                    size_t *used)
{
    qb_rd r;
    qb_rd_init(&r, p, len);
    uint64_t type, length;
    if (qb_rd_varint(&r, &type) != QB_OK || qb_rd_varint(&r, &length) != QB_OK)
        return H3_ERR_NEED_MORE;
    if (h3_frame_type_is_h2(type))
        return H3_ERR_FRAME_H2;
    if (type != H3_FRAME_DATA && length > max_payload)
        return H3_ERR_FRAME_TOO_LARGE;
    if (length > qb_rd_left(&r))
        return H3_ERR_NEED_MORE;
    const uint8_t *payload = qb_rd_ptr(&r);
    int rc = h3_frame_payload_decode(type, payload, (size_t)length, f);
    if (rc < 0)
        return rc;
    *used = r.off + (size_t)length;
    return 0;
}

int h3_frame_header_encode(qb_wr *w, uint64_t type, uint64_t length)
{
    if (qb_wr_varint(w, type) != QB_OK || qb_wr_varint(w, length) != QB_OK)
        return H3_ERR_NO_SPACE;
    return 0;
}

int h3_frame_encode(qb_wr *w, const h3_frame *f)
{
    size_t start = w->off;
    int rc;
    if (h3_frame_is_id_only(f->type)) {
        rc = h3_frame_header_encode(w, f->type, qb_varint_len(f->id));
        if (rc == 0 && qb_wr_varint(w, f->id) != QB_OK)
            rc = H3_ERR_NO_SPACE;
    } else if (f->type == H3_FRAME_SETTINGS) {
        rc = h3_settings_frame_encode(w, &f->settings);
    } else if (f->type == H3_FRAME_HEADERS) {
        rc = h3_frame_header_encode(w, f->type, f->field_section_len);
        if (rc == 0 && qb_wr_bytes(w, f->field_section, f->field_section_len) != QB_OK)
            rc = H3_ERR_NO_SPACE;
    } else if (f->type == H3_FRAME_PUSH_PROMISE) {
        size_t idl = qb_varint_len(f->id);
        rc = h3_frame_header_encode(w, f->type, idl + f->field_section_len);
        if (rc == 0 && (qb_wr_varint(w, f->id) != QB_OK ||
                        qb_wr_bytes(w, f->field_section, f->field_section_len) != QB_OK))
            rc = H3_ERR_NO_SPACE;
    } else if (h3_frame_type_is_h2(f->type)) {
        rc = H3_ERR_FRAME_H2;
    } else {
        rc = h3_frame_header_encode(w, f->type, f->payload_len);
        if (rc == 0 && qb_wr_bytes(w, f->payload, f->payload_len) != QB_OK)
            rc = H3_ERR_NO_SPACE;
    }
    if (rc < 0)
        w->off = start;
    return rc;
}

/* A whole SETTINGS frame: the payload is built first, its length goes in the header. */
int h3_settings_frame_encode(qb_wr *w, const h3_settings *s)
{
    uint8_t tmp[5 * 16]; /* five settings, two 8-byte varints each */
    qb_wr body;
    qb_wr_init(&body, tmp, sizeof tmp);
    int rc = h3_settings_encode(&body, s);
    if (rc < 0)
        return rc;
    size_t start = w->off;
    rc = h3_frame_header_encode(w, H3_FRAME_SETTINGS, body.off);
    if (rc == 0 && qb_wr_bytes(w, tmp, body.off) != QB_OK)
        rc = H3_ERR_NO_SPACE;
    if (rc < 0)
        w->off = start;
    return rc;
}

/* How many header bytes are needed in total given what fr holds; true when complete. */
static bool h3_frame_reader_complete(const h3_frame_reader *fr, size_t *need)
{
    if (fr->n == 0) {
        *need = 1;
        return false;
    }
    size_t tl = qb_varint_len_from_first(fr->buf[0]);
    if (fr->n <= tl) {
        *need = tl + 1; /* the rest of Type and the first byte of Length */
        return false;
    }
    *need = tl + qb_varint_len_from_first(fr->buf[tl]);
    return fr->n == *need;
}

int h3_frame_reader_feed(h3_frame_reader *fr, const uint8_t *p, size_t len, size_t *used,
                         uint64_t *type, uint64_t *length)
{
    /* §7.1: Type (i), Length (i); each varint's size is known from its first byte,
     * so exactly the header's bytes are taken, never payload bytes. */
    size_t off = 0, need;
    while (!h3_frame_reader_complete(fr, &need)) {
        if (off == len) {
            *used = off;
            return 0;
        }
        size_t take = need - fr->n;
        if (take > len - off)
            take = len - off;
        memcpy(fr->buf + fr->n, p + off, take);
        fr->n = (uint8_t)(fr->n + take);
        off += take;
    }
    qb_rd r;
    qb_rd_init(&r, fr->buf, fr->n);
    (void)qb_rd_varint(&r, type);
    (void)qb_rd_varint(&r, length);
    fr->n = 0;
    *used = off;
    return 1;
}
