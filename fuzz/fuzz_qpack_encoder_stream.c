/* Fuzz: the peer's encoder and decoder streams (RFC 9204 §4.3, §4.4). The input is
 * fed once whole and once in pieces whose sizes come from the input itself; both must
 * end in the same result and the same state, whatever the split. */
#include "qpack/qpack.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    qpack_encoder_stream_state e1, e2;
    qpack_decoder_stream_state d1, d2;
    qpack_encoder_stream_init(&e1);
    qpack_encoder_stream_init(&e2);
    qpack_decoder_stream_init(&d1);
    qpack_decoder_stream_init(&d2);
    int re = qpack_on_encoder_stream(&e1, data, size);
    int rd = qpack_on_decoder_stream(&d1, data, size);
    int re2 = 0, rd2 = 0;
    size_t off = 0, k = 0;
    while (off < size) {
        size_t piece = 1 + (size ? data[k++ % size] % 7 : 0);
        if (piece > size - off)
            piece = size - off;
        re2 = qpack_on_encoder_stream(&e2, data + off, piece);
        rd2 = qpack_on_decoder_stream(&d2, data + off, piece);
        off += piece;
    }
    if (re != re2 || rd != rd2)
        abort();
    if ((re && qpack_err_to_wire(re) != QPACK_ENCODER_STREAM_ERROR) ||
        (rd && qpack_err_to_wire(rd) != QPACK_DECODER_STREAM_ERROR))
        abort();
    if (!rd && (d1.cancelled != d2.cancelled || d1.in.active != d2.in.active ||
                d1.in.value != d2.in.value))
        abort();
    return 0;
}
