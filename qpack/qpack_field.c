/* Encoded field sections (RFC 9204 §4.5) against the static table only. */
#include "qpack/qpack_priv.h"

#include <string.h>

/* First-byte patterns of the field line representations (RFC 9204 §4.5.2-§4.5.6). */
#define QPACK_LINE_INDEXED 0x80          /* 1T + 6-bit index */
#define QPACK_LINE_INDEXED_T 0x40
#define QPACK_LINE_NAME_REF 0x40         /* 01NT + 4-bit name index */
#define QPACK_LINE_NAME_REF_T 0x10
#define QPACK_LINE_LITERAL 0x20          /* 001N + H + 3-bit name length */
#define QPACK_LINE_POST_BASE 0x10        /* 0001 + 4-bit post-Base index */
                                         /* 0000N + 3-bit post-Base name index */

static int encode_field(qb_wr *w, const qpack_field *f)
{
    int exact;
    int idx = qpack_static_find(f->name, f->name_len, f->value, f->value_len, &exact);
    if (idx >= 0 && exact) /* §4.5.2, T=1 */
        return qpack_int_encode(w, 6, QPACK_LINE_INDEXED | QPACK_LINE_INDEXED_T, (uint64_t)idx);
    int rc;
    if (idx >= 0) /* §4.5.4, N=0, T=1 */
        rc = qpack_int_encode(w, 4, QPACK_LINE_NAME_REF | QPACK_LINE_NAME_REF_T, (uint64_t)idx);
    else /* §4.5.6, N=0: name as a 4-bit prefix string literal */
        rc = qpack_str_encode(w, 4, QPACK_LINE_LITERAL, f->name, f->name_len);
    if (rc)
        return rc;
    return qpack_str_encode(w, 8, 0, f->value, f->value_len);
}

int qpack_encode_field_section(qb_wr *w, const qpack_field *fields, size_t n)
{
    size_t start = w->off;
    /* §4.5.1: Required Insert Count 0, then Sign 0 and Delta Base 0. */
    int rc = qb_wr_u16(w, 0x0000) == QB_OK ? 0 : QPACK_ERR_NO_SPACE;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = encode_field(w, &fields[i]);
    if (rc)
        w->off = start;
    return rc;
}

/* Decoding: the size limit of RFC 9114 §4.2.2 and the caller's scratch are checked
 * before each string is written, so neither is ever exceeded. */
typedef struct field_dec {
    qb_rd r;
    uint8_t *scratch;
    size_t scratch_cap, used;
    size_t budget; /* max_section_size minus what is decoded so far */
} field_dec;

static int take_static(field_dec *d, uint64_t idx, bool with_value, qpack_field *f)
{
    int rc = qpack_static_get(idx, f);
    if (rc)
        return rc;
    if (!with_value) {
        f->value = NULL;
        f->value_len = 0;
    }
    size_t need = f->name_len + f->value_len;
    if (need > d->budget)
        return QPACK_ERR_SECTION_TOO_LARGE;
    d->budget -= need;
    return 0;
}

static int take_string(field_dec *d, unsigned prefix_bits, const uint8_t **s, size_t *s_len,
                       bool *huffman, size_t *wire_len)
{
    size_t start = d->r.off;
    *huffman = qb_rd_left(&d->r) && (qb_rd_ptr(&d->r)[0] & (1u << (prefix_bits - 1)));
    size_t room = d->scratch_cap - d->used;
    size_t cap = room < d->budget ? room : d->budget;
    int cap_err = d->budget <= room ? QPACK_ERR_SECTION_TOO_LARGE : QPACK_ERR_SCRATCH_FULL;
    uint8_t *out = d->scratch + d->used;
    size_t n = 0;
    int rc = qpack_str_decode(&d->r, prefix_bits, out, cap, cap_err, &n);
    if (rc)
        return rc;
    d->used += n;
    d->budget -= n;
    *s = out;
    *s_len = n;
    *wire_len = d->r.off - start;
    return 0;
}

static int decode_line(field_dec *d, qpack_field *f, qpack_line *l)
{
    uint8_t b = qb_rd_ptr(&d->r)[0], flags;
    uint64_t idx;
    int rc;
    memset(l, 0, sizeof *l);
    if (b & QPACK_LINE_INDEXED) { /* §4.5.2 */
        if ((rc = qpack_int_decode(&d->r, 6, &flags, &idx)))
            return rc;
        if (!(flags & QPACK_LINE_INDEXED_T))
            return QPACK_ERR_DYNAMIC_REF;
        l->rep = QPACK_REP_INDEXED;
        l->static_index = idx;
        return take_static(d, idx, true, f);
    }
    if (b & QPACK_LINE_NAME_REF) { /* §4.5.4; the N bit only matters to intermediaries */
        if ((rc = qpack_int_decode(&d->r, 4, &flags, &idx)))
            return rc;
        if (!(flags & QPACK_LINE_NAME_REF_T))
            return QPACK_ERR_DYNAMIC_REF;
        if ((rc = take_static(d, idx, false, f)))
            return rc;
        l->rep = QPACK_REP_NAME_REF;
        l->static_index = idx;
        return take_string(d, 8, &f->value, &f->value_len, &l->value_huffman, &l->value_wire_len);
    }
    if (b & QPACK_LINE_LITERAL) { /* §4.5.6 */
        l->rep = QPACK_REP_LITERAL;
        if ((rc = take_string(d, 4, &f->name, &f->name_len, &l->name_huffman, &l->name_wire_len)))
            return rc;
        return take_string(d, 8, &f->value, &f->value_len, &l->value_huffman, &l->value_wire_len);
    }
    /* §4.5.3 (0001) and §4.5.5 (0000N): post-Base references need a dynamic table. */
    return QPACK_ERR_POST_BASE_REF;
}

int qpack_decode_field_section(const uint8_t *p, size_t len, size_t max_section_size,
                               uint8_t *scratch, size_t scratch_cap,
                               qpack_field *fields, size_t max_fields, size_t *n_fields)
{
    return qpack_decode_field_section_lines(p, len, max_section_size, scratch, scratch_cap,
                                            fields, NULL, max_fields, n_fields);
}

int qpack_decode_field_section_lines(const uint8_t *p, size_t len, size_t max_section_size,
                                     uint8_t *scratch, size_t scratch_cap,
                                     qpack_field *fields, qpack_line *lines, size_t max_fields,
                                     size_t *n_fields)
{
    qpack_line scratch_line;
    /* Without scratch only empty strings fit; they point at a constant empty byte. */
    static const uint8_t empty[1];
    field_dec d = {.scratch = scratch ? scratch : (uint8_t *)(uintptr_t)empty,
                   .scratch_cap = scratch ? scratch_cap : 0, .budget = max_section_size};
    qb_rd_init(&d.r, p, len);
    *n_fields = 0;
    /* §4.5.1.1: with MaxEntries 0 the only valid encoded Required Insert Count is 0. */
    uint64_t ric, delta;
    uint8_t sign;
    int rc = qpack_int_decode(&d.r, 8, NULL, &ric);
    if (rc)
        return rc;
    if (ric != 0)
        return QPACK_ERR_REQUIRED_INSERT_COUNT;
    if ((rc = qpack_int_decode(&d.r, 7, &sign, &delta)))
        return rc;
    /* §4.5.1.2: Sign 1 needs Required Insert Count > Delta Base, never true for 0. */
    if (sign & 0x80)
        return QPACK_ERR_BASE_SIGN;
    size_t n = 0;
    while (qb_rd_left(&d.r) > 0) {
        if (n == max_fields)
            return QPACK_ERR_TOO_MANY_FIELDS;
        if (d.budget < QPACK_FIELD_OVERHEAD)
            return QPACK_ERR_SECTION_TOO_LARGE;
        d.budget -= QPACK_FIELD_OVERHEAD;
        if ((rc = decode_line(&d, &fields[n], lines ? &lines[n] : &scratch_line)))
            return rc;
        n++;
    }
    *n_fields = n;
    return 0;
}
