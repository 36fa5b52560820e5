/* HTTP/3 Datagrams (RFC 9297 §2.1): Quarter Stream ID (i) + HTTP Datagram Payload. */
#include "h3/h3.h"

int h3_datagram_decode(const uint8_t *p, size_t len, uint64_t *stream_id,
                       const uint8_t **payload, size_t *payload_len)
{
    qb_rd r;
    qb_rd_init(&r, p, len);
    uint64_t q;
    if (qb_rd_varint(&r, &q) != QB_OK)
        return H3_ERR_DATAGRAM_TRUNCATED;
    /* The largest stream ID is 2^62-1, so the largest quarter ID is 2^60-1. */
    if (q > H3_QUARTER_STREAM_ID_MAX)
        return H3_ERR_DATAGRAM_QSID;
    *stream_id = q * 4;
    *payload = qb_rd_ptr(&r);
    *payload_len = qb_rd_left(&r);
    return 0;
}

int h3_datagram_encode(qb_wr *w, uint64_t stream_id, const uint8_t *payload, size_t len)
{
    /* Only client-initiated bidirectional streams carry requests (§2.1). */
    if ((stream_id & 3) != 0 || stream_id > QB_VARINT_MAX)
        return H3_ERR_DATAGRAM_STREAM;
    size_t start = w->off;
    if (qb_wr_varint(w, stream_id / 4) != QB_OK || qb_wr_bytes(w, payload, len) != QB_OK) {
        w->off = start;
        return H3_ERR_NO_SPACE;
    }
    return 0;
}

size_t h3_datagram_overhead(uint64_t stream_id) { return qb_varint_len(stream_id / 4); }
