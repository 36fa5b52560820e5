/* Capsule Protocol (RFC 9297 §3): Type (i), Length (i), Value, carried in the DATA
 * of a request stream. The incremental reader buffers DATAGRAM capsules only and skips
 * other types without buffering (§3.2). */
#include "h3/h3.h"

#include <string.h>

int h3_capsule_decode(const uint8_t *p, size_t len, uint64_t *type, const uint8_t **value,
                      size_t *value_len, size_t *used)
{
    qb_rd r;
    qb_rd_init(&r, p, len);
    uint64_t t, l;
    if (qb_rd_varint(&r, &t) != QB_OK || qb_rd_varint(&r, &l) != QB_OK ||
        l > qb_rd_left(&r))
        return H3_ERR_NEED_MORE;
    *type = t;
    *value = qb_rd_ptr(&r);
    *value_len = (size_t)l;
    *used = r.off + (size_t)l;
    return 0;
}

int h3_capsule_encode(qb_wr *w, uint64_t type, const uint8_t *value, size_t len)
{
    size_t start = w->off;
    if (qb_wr_varint(w, type) != QB_OK || qb_wr_varint(w, len) != QB_OK ||
        qb_wr_bytes(w, value, len) != QB_OK) {
        w->off = start;
        return H3_ERR_NO_SPACE;
    }
    return 0;
}

void h3_capsule_reader_init(h3_capsule_reader *r, uint8_t *buf, size_t cap)
{
    memset(r, 0, sizeof *r);
    r->buf = buf;
    r->cap = cap;
}

int h3_capsule_reader_feed(h3_capsule_reader *r, const uint8_t *p, size_t len,
                           size_t *used, uint64_t *type, const uint8_t **value,
                           size_t *value_len)
{
    size_t off = 0;
    for (;;) {
        if (!r->in_value) {
            size_t u;
            uint64_t t, l;
            int rc = h3_frame_reader_feed(&r->hdr, p + off, len - off, &u, &t, &l);
            off += u;
            if (rc == 0) {
                *used = off;
                return 0;
            }
            if (t == H3_CAPSULE_DATAGRAM && l > r->cap) {
                *used = off;
                return H3_ERR_CAPSULE_TOO_LARGE;
            }
            r->in_value = true;
            r->type = t;
            r->left = l;
            r->got = 0;
        }
        size_t take = len - off;
        if (take > r->left)
            take = (size_t)r->left;
        if (r->type == H3_CAPSULE_DATAGRAM && take) {
            memcpy(r->buf + r->got, p + off, take);
            r->got += take;
        }
        off += take;
        r->left -= take;
        if (r->left > 0) {
            *used = off;
            return 0;
        }
        r->in_value = false;
        if (r->type == H3_CAPSULE_DATAGRAM) {
            *type = r->type;
            *value = r->buf;
            *value_len = r->got;
            *used = off;
            return 1;
        }
        /* unknown type: silently dropped (§3.2), go on with the next capsule */
    }
}

int h3_capsule_reader_finish(const h3_capsule_reader *r)
{
    return (r->in_value || h3_frame_reader_partial(&r->hdr)) ? H3_ERR_CAPSULE_TRUNCATED : 0;
}
