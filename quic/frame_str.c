/* One line describing a decoded frame, for the verbose packet/frame log and
 * qlog-minded study (DESIGN.md, Observability). Writes into the caller's buffer;
 * never prints. Payload bytes are summarised by length, never dumped. */
#include "quic/frame.h"

#include <inttypes.h>
#include <stdio.h>

size_t quic_frame_describe(const quic_frame *f, char *buf, size_t cap)
{
    int n;
    const char *name = quic_frame_type_name(f->type);
    const quic_frame_info *fi = quic_frame_info_get(f->type);
    if (!buf || cap == 0)
        return 0;
    if (fi && fi->nints) {
        n = snprintf(buf, cap, "%s", name);
        for (int i = 0; i < fi->nints && n >= 0 && (size_t)n < cap; i++)
            n += snprintf(buf + n, cap - (size_t)n, " %" PRIu64, f->ints[i]);
        return n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
    }
    switch (f->type) {
    case QUIC_FT_PADDING:
        n = snprintf(buf, cap, "PADDING x%" PRIu64, f->padding.count);
        break;
    case QUIC_FT_ACK:
    case QUIC_FT_ACK_ECN: {
        n = snprintf(buf, cap, "%s delay=%" PRIu64 " ranges=", name, f->ack.ack_delay);
        quic_ack_iter it;
        quic_ack_range r;
        quic_ack_iter_init(&it, f);
        for (int k = 0; n >= 0 && (size_t)n < cap && quic_ack_iter_next(&it, &r); k++)
            n += snprintf(buf + n, cap - (size_t)n, "%s%" PRIu64 "-%" PRIu64, k ? "," : "",
                          r.smallest, r.largest);
        if (n >= 0 && (size_t)n < cap && f->type == QUIC_FT_ACK_ECN)
            n += snprintf(buf + n, cap - (size_t)n, " ecn=%" PRIu64 "/%" PRIu64 "/%" PRIu64,
                          f->ack.ecn[0], f->ack.ecn[1], f->ack.ecn[2]);
        break;
    }
    case QUIC_FT_CRYPTO:
        n = snprintf(buf, cap, "CRYPTO off=%" PRIu64 " len=%zu", f->crypto.offset, f->crypto.len);
        break;
    case QUIC_FT_NEW_TOKEN:
        n = snprintf(buf, cap, "NEW_TOKEN len=%zu", f->new_token.len);
        break;
    case QUIC_FT_NEW_CONNECTION_ID:
        n = snprintf(buf, cap, "NEW_CONNECTION_ID seq=%" PRIu64 " retire_prior_to=%" PRIu64
                     " cid_len=%u", f->new_cid.seq, f->new_cid.retire_prior_to,
                     (unsigned)f->new_cid.cid_len);
        break;
    case QUIC_FT_PATH_CHALLENGE:
    case QUIC_FT_PATH_RESPONSE:
        n = snprintf(buf, cap, "%s %02x%02x%02x%02x%02x%02x%02x%02x", name, f->path.data[0],
                     f->path.data[1], f->path.data[2], f->path.data[3], f->path.data[4],
                     f->path.data[5], f->path.data[6], f->path.data[7]);
        break;
    case QUIC_FT_CONNECTION_CLOSE:
    case QUIC_FT_CONNECTION_CLOSE_APP: {
        int rl = f->close.reason_len > 64 ? 64 : (int)f->close.reason_len;
        n = snprintf(buf, cap, "%s code=0x%" PRIx64, name, f->close.error_code);
        if (n >= 0 && (size_t)n < cap && f->type == QUIC_FT_CONNECTION_CLOSE)
            n += snprintf(buf + n, cap - (size_t)n, " frame=%s",
                          quic_frame_type_name(f->close.frame_type));
        if (n >= 0 && (size_t)n < cap) /* reason phrases are UTF-8 text (§19.19) */
            n += snprintf(buf + n, cap - (size_t)n, " reason=\"%.*s\"", rl,
                          f->close.reason ? (const char *)f->close.reason : "");
        break;
    }
    case QUIC_FT_DATAGRAM:
    case QUIC_FT_DATAGRAM_LEN:
        n = snprintf(buf, cap, "DATAGRAM len=%zu", f->datagram.len);
        break;
    default:
        if (f->type >= QUIC_FT_STREAM && f->type <= QUIC_FT_STREAM_MAX)
            n = snprintf(buf, cap, "STREAM id=%" PRIu64 " off=%" PRIu64 " len=%zu%s",
                         f->stream.stream_id, f->stream.offset, f->stream.len,
                         (f->type & QUIC_FT_STREAM_BIT_FIN) ? " fin" : "");
        else
            n = snprintf(buf, cap, "%s", name); /* PING, HANDSHAKE_DONE, unknown */
        break;
    }
    if (n < 0)
        return 0;
    return (size_t)n < cap ? (size_t)n : cap - 1;
}
