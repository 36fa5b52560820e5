/* The static Huffman code of RFC 7541 Appendix B, as QPACK uses it (RFC 9204 §4.1.2).
 * Decoding walks a precomputed state table a nibble at a time (qpack_huffman_data.c):
 * a state is a node of the code tree, and since no code is shorter than 5 bits, a
 * nibble completes at most one symbol. */
#include "qpack/qpack_priv.h"

size_t qpack_huffman_encoded_len(const uint8_t *p, size_t len)
{
    uint64_t bits = 0;
    for (size_t i = 0; i < len; i++)
        bits += qpack_huff_codes[p[i]].len;
    return (size_t)((bits + 7) / 8);
}

int qpack_huffman_encode(const uint8_t *p, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    /* Bits pending in acc (at most 7 + 30) are left-aligned at bit n-1..0. */
    uint64_t acc = 0;
    unsigned n = 0;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        const qpack_huff_code *c = &qpack_huff_codes[p[i]];
        acc = (acc << c->len) | c->code;
        n += c->len;
        while (n >= 8) {
            if (o == cap)
                return QPACK_ERR_NO_SPACE;
            n -= 8;
            out[o++] = (uint8_t)(acc >> n);
        }
    }
    if (n > 0) {
        /* RFC 7541 §5.2: pad with the most significant bits of EOS (all ones). */
        if (o == cap)
            return QPACK_ERR_NO_SPACE;
        out[o++] = (uint8_t)((acc << (8 - n)) | (0xffu >> n));
    }
    *out_len = o;
    return 0;
}

/* One nibble with a bounds check on the output, for the last bytes before cap. */
static int step_checked(unsigned *state, unsigned nib, uint8_t *out, size_t cap, size_t *o)
{
    const qpack_huff_step *st = &qpack_huff_steps[*state * 16 + nib];
    if (st->flags & QPACK_HUFF_FAIL)
        return QPACK_ERR_HUFF_EOS;
    if (st->flags & QPACK_HUFF_EMIT) {
        if (*o == cap)
            return QPACK_ERR_NO_SPACE;
        out[(*o)++] = st->sym;
    }
    *state = st->next;
    return 0;
}

int qpack_huffman_decode(const uint8_t *p, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    unsigned state = 0;
    size_t o = 0, i = 0;
    /* Fast path while a whole byte's worth of output (at most 2 symbols) fits: the
     * symbol byte is stored unconditionally and the count advances only on EMIT, so
     * the loop has no data-dependent branch but the EOS check. */
    for (; i < len && cap - o >= 2; i++) {
        const qpack_huff_step *st = &qpack_huff_steps[state * 16 + (p[i] >> 4)];
        if (st->flags & QPACK_HUFF_FAIL)
            return QPACK_ERR_HUFF_EOS;
        out[o] = st->sym;
        o += st->flags & QPACK_HUFF_EMIT;
        st = &qpack_huff_steps[st->next * 16 + (p[i] & 0x0f)];
        if (st->flags & QPACK_HUFF_FAIL)
            return QPACK_ERR_HUFF_EOS;
        out[o] = st->sym;
        o += st->flags & QPACK_HUFF_EMIT;
        state = st->next;
    }
    for (; i < len; i++) {
        int rc = step_checked(&state, p[i] >> 4, out, cap, &o);
        if (rc == 0)
            rc = step_checked(&state, p[i] & 0x0f, out, cap, &o);
        if (rc)
            return rc;
    }
    /* RFC 7541 §5.2: leftover bits must be at most 7 bits of EOS's prefix. */
    switch (qpack_huff_end[state]) {
    case QPACK_HUFF_END_OK:
        break;
    case QPACK_HUFF_END_LONG:
        return QPACK_ERR_HUFF_PADDING_LONG;
    default:
        return QPACK_ERR_HUFF_PADDING_BITS;
    }
    *out_len = o;
    return 0;
}
