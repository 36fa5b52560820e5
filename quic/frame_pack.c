/* Frame size helpers for packing several frames into one packet: the header
 * overhead of STREAM, CRYPTO and DATAGRAM frames (RFC 9000 §19.6, §19.8; RFC 9221
 * §4) and how much data fits in the space left. */
#include "quic/frame.h"

static size_t vlen(uint64_t v) { return qb_varint_len(v); }

size_t quic_frame_stream_overhead(uint64_t stream_id, uint64_t offset, size_t len,
                                  bool with_len)
{
    /* The OFF bit is set only for a non-zero offset (§19.8). */
    return 1 + vlen(stream_id) + (offset ? vlen(offset) : 0) + (with_len ? vlen(len) : 0);
}

size_t quic_frame_crypto_overhead(uint64_t offset, size_t len)
{
    return 1 + vlen(offset) + vlen(len);
}

size_t quic_frame_datagram_overhead(size_t len, bool with_len)
{
    return 1 + (with_len ? vlen(len) : 0);
}

/* Most data d with a Length field of shortest width such that width + d <= avail. */
static size_t fit_with_len(size_t avail)
{
    static const struct { size_t width; uint64_t max; } w[] = {
        {1, 63}, {2, 16383}, {4, 1073741823}, {8, QB_VARINT_MAX}};
    size_t best = 0;
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        if (avail <= w[i].width)
            break;
        uint64_t d = avail - w[i].width;
        if (d > w[i].max)
            d = w[i].max;
        if (d > best)
            best = (size_t)d;
    }
    return best;
}

size_t quic_frame_stream_fit(uint64_t stream_id, uint64_t offset, size_t space)
{
    size_t hdr = 1 + vlen(stream_id) + (offset ? vlen(offset) : 0);
    if (vlen(stream_id) == 0 || vlen(offset) == 0 || space <= hdr)
        return 0;
    size_t d = fit_with_len(space - hdr);
    /* §19.8: offset + length stays within 2^62-1 */
    if (d > QB_VARINT_MAX - offset)
        d = (size_t)(QB_VARINT_MAX - offset);
    return d;
}

size_t quic_frame_crypto_fit(uint64_t offset, size_t space)
{
    size_t hdr = 1 + vlen(offset);
    if (vlen(offset) == 0 || space <= hdr)
        return 0;
    size_t d = fit_with_len(space - hdr);
    if (d > QB_VARINT_MAX - offset)
        d = (size_t)(QB_VARINT_MAX - offset);
    return d;
}
