/* qpack/ internals: generated tables and the string literal helpers. Not for use
 * outside qpack/. */
#ifndef QPACK_PRIV_H
#define QPACK_PRIV_H

#include "qpack/qpack.h"

/* ---- static table (qpack_static_data.c, generated) ---- */
typedef struct qpack_static_entry {
    const char *name;
    const char *value;
    uint8_t name_len;
    uint8_t value_len;
} qpack_static_entry;

#define QPACK_STATIC_HASH_SLOTS 128
extern const qpack_static_entry qpack_static_table[QPACK_STATIC_COUNT];
extern const uint8_t qpack_static_name_hash[QPACK_STATIC_HASH_SLOTS];
extern const uint8_t qpack_static_next_same_name[QPACK_STATIC_COUNT];

/* ---- Huffman code (qpack_huffman_data.c, generated) ---- */
typedef struct qpack_huff_code {
    uint32_t code; /* LSB-aligned */
    uint8_t len;   /* bits, 5..30 */
} qpack_huff_code;

enum { QPACK_HUFF_EMIT = 1, QPACK_HUFF_FAIL = 2 };
enum { QPACK_HUFF_END_OK = 0, QPACK_HUFF_END_LONG = 1, QPACK_HUFF_END_NOT_ONES = 2 };

typedef struct qpack_huff_step {
    uint8_t next;  /* state after the nibble */
    uint8_t sym;   /* symbol completed in the nibble, if flags & QPACK_HUFF_EMIT */
    uint8_t flags; /* QPACK_HUFF_EMIT, QPACK_HUFF_FAIL (EOS reached) */
} qpack_huff_step;

extern const qpack_huff_code qpack_huff_codes[257];
extern const qpack_huff_step qpack_huff_steps[256 * 16];
extern const uint8_t qpack_huff_end[256];

/* ---- string literals (RFC 7541 §5.2, RFC 9204 §4.1.2) ---- */
/* Reads an N-bit prefix string literal (prefix_bits = N, 2..8: H flag, then an
 * (N-1)-bit prefix length) and decodes it into out[0..cap). cap_err is the error to
 * return when the decoded string does not fit in cap. */
int qpack_str_decode(qb_rd *r, unsigned prefix_bits, uint8_t *out, size_t cap,
                     int cap_err, size_t *out_len);
/* Writes s as an N-bit prefix string literal with the bits above the prefix in
 * flags, Huffman-coded when that is shorter. */
int qpack_str_encode(qb_wr *w, unsigned prefix_bits, uint8_t flags, const uint8_t *s,
                     size_t len);

#endif
