/* Fuzz: decode every frame of the input until the end or an error. Each decoded
 * frame re-encodes to exactly the bytes it was decoded from (widths are kept,
 * PADDING runs collapse into one frame), encoded_len agrees, and the encoding
 * decodes to an equal frame. ACK frames also re-encode from their iterated
 * ranges to an equal frame. */
#include "quic/frame.h"

#include <stdlib.h>
#include <string.h>

static void check_ack(const quic_frame *f)
{
    quic_ack_range rg[64];
    size_t n = 0;
    quic_ack_iter it;
    quic_ack_range ar;
    if (f->ack.range_count >= 64)
        return;
    quic_ack_iter_init(&it, f);
    while (quic_ack_iter_next(&it, &ar))
        rg[n++] = ar;
    if (it.err || n != f->ack.range_count + 1 || rg[n - 1].smallest != f->ack.smallest)
        abort();
    uint8_t buf[64 * 16 + 64];
    qb_wr w;
    qb_wr_init(&w, buf, sizeof buf);
    const uint64_t *ecn = f->type == QUIC_FT_ACK_ECN ? f->ack.ecn : NULL;
    if (quic_frame_ack_encode(&w, rg, n, f->ack.ack_delay, ecn) != 0 ||
        w.off != quic_frame_ack_encoded_len(rg, n, f->ack.ack_delay, ecn))
        abort();
    qb_rd r;
    quic_frame g;
    qb_rd_init(&r, buf, w.off);
    if (quic_frame_decode(&r, &g) != 0 || r.off != w.off || !quic_frame_equal(f, &g))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *out = malloc(size + 1);
    if (!out)
        return 0;
    qb_rd r;
    qb_rd_init(&r, data, size);
    while (qb_rd_left(&r)) {
        size_t start = r.off;
        quic_frame f;
        if (quic_frame_decode(&r, &f) != 0)
            break;
        size_t used = r.off - start;
        (void)quic_frame_type_name(f.type);
        (void)quic_frame_allowed(f.type, QUIC_PKT_1RTT);
        char line[96];
        if (quic_frame_describe(&f, line, sizeof line) >= sizeof line ||
            quic_frame_describe(&f, line, 5) > 4)
            abort();

        qb_wr w;
        qb_wr_init(&w, out, size + 1);
        if (quic_frame_encode(&w, &f) != 0 || w.off != used ||
            quic_frame_encoded_len(&f) != used || memcmp(out, data + start, used) != 0)
            abort();
        qb_rd back;
        quic_frame g;
        qb_rd_init(&back, out, w.off);
        if (quic_frame_decode(&back, &g) != 0 || back.off != w.off || !quic_frame_equal(&f, &g))
            abort();
        if (f.type == QUIC_FT_ACK || f.type == QUIC_FT_ACK_ECN)
            check_ack(&f);
    }
    free(out);
    return 0;
}
