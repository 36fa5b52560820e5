/* Fuzz: a Huffman string that decodes re-encodes to exactly the same bytes (the code is
 * prefix-free and valid padding is at most 7 one bits, RFC 7541 §5.2); and any byte
 * string encodes, with encoded_len's length, and decodes back to itself. Decoding
 * into a buffer of exactly the output's size works, one byte less fails cleanly. */
#include "qpack/qpack.h"

#include <stdlib.h>
#include <string.h>

#define MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t dec[MAX * 2], enc[MAX * 4], back[MAX * 4];
    if (size > MAX)
        return 0;
    size_t dl, el, bl;
    int rc = qpack_huffman_decode(data, size, dec, sizeof dec, &dl);
    if (rc == 0) {
        if (qpack_huffman_encode(dec, dl, enc, sizeof enc, &el) != 0)
            abort();
        if (el != size || memcmp(enc, data, size) != 0)
            abort();
        /* a cap of exactly the output (the careful tail path) and one byte less */
        if (qpack_huffman_decode(data, size, back, dl, &bl) != 0 || bl != dl ||
            (dl && memcmp(back, dec, dl) != 0))
            abort();
        if (dl && qpack_huffman_decode(data, size, back, dl - 1, &bl) != QPACK_ERR_NO_SPACE)
            abort();
    } else if (rc != QPACK_ERR_HUFF_EOS && rc != QPACK_ERR_HUFF_PADDING_LONG &&
               rc != QPACK_ERR_HUFF_PADDING_BITS) {
        abort();
    }
    /* the other direction: the input as plain bytes */
    if (qpack_huffman_encode(data, size, enc, sizeof enc, &el) != 0)
        abort();
    if (el != qpack_huffman_encoded_len(data, size))
        abort();
    if (qpack_huffman_decode(enc, el, back, sizeof back, &bl) != 0)
        abort();
    if (bl != size || (size && memcmp(back, data, size) != 0))
        abort();
    return 0;
}
