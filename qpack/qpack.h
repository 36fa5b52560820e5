/**
 * quince QPACK (RFC 9204) with the static table only: we advertise
 * SETTINGS_QPACK_MAX_TABLE_CAPACITY = 0 and SETTINGS_QPACK_BLOCKED_STREAMS = 0, and
 * our encoder never uses the peer's dynamic table. That is all HTTP/3 needs and keeps
 * a field section decodable on its own, with no state between sections.
 *
 * Pieces: prefixed integers and string literals (RFC 7541 §5.1, §5.2), the Huffman
 * code (RFC 7541 Appendix B), the static table (RFC 9204 Appendix A), field sections
 * (RFC 9204 §4.5), and the receive side of the peer's encoder and decoder streams
 * (RFC 9204 §4.3, §4.4).
 *
 * Everything here is pure: no allocation, no global mutable state.
 * @file
 */
#ifndef QPACK_H
#define QPACK_H

#include "base/qb.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors: -2000..-2199 ----
 * -2000..-2049: a bad field section (wire QPACK_DECOMPRESSION_FAILED)
 * -2050..-2079: bad encoder stream (wire QPACK_ENCODER_STREAM_ERROR)
 * -2080..-2099: bad decoder stream (wire QPACK_DECODER_STREAM_ERROR)
 * -2100..-2199: a local limit or a caller's buffer, not the peer's fault as such. */
enum {
    QPACK_ERR_TRUNCATED = -2000,         /**< field section ends inside a field line */
    QPACK_ERR_INT_OVERFLOW = -2001,      /**< prefixed integer above 2^62-1 */
    QPACK_ERR_INT_TOO_LONG = -2002,      /**< prefixed integer with too many bytes */
    QPACK_ERR_HUFF_EOS = -2003,          /**< Huffman string contains EOS (RFC 7541 §5.2) */
    QPACK_ERR_HUFF_PADDING_LONG = -2004, /**< padding longer than 7 bits */
    QPACK_ERR_HUFF_PADDING_BITS = -2005, /**< padding not the high bits of EOS (all ones) */
    QPACK_ERR_REQUIRED_INSERT_COUNT = -2006, /**< non-zero, with our table capacity 0 */
    QPACK_ERR_BASE_SIGN = -2007,         /**< Sign bit 1 with Required Insert Count 0 (§4.5.1.2) */
    QPACK_ERR_DYNAMIC_REF = -2008,       /**< indexed or name reference to the dynamic table */
    QPACK_ERR_POST_BASE_REF = -2009,     /**< post-Base index or name reference */
    QPACK_ERR_STATIC_INDEX = -2010,      /**< static index above 98 */
    QPACK_ERR_STRING_LENGTH = -2011,     /**< string length beyond the end of the section */

    QPACK_ERR_ENC_STREAM_CAPACITY = -2050, /**< Set Dynamic Table Capacity above our 0 */
    QPACK_ERR_ENC_STREAM_INSERT = -2051,   /**< Insert with Name Reference / Literal Name */
    QPACK_ERR_ENC_STREAM_DUPLICATE = -2052,/**< Duplicate: there is no entry to duplicate */

    QPACK_ERR_DEC_STREAM_INSERT_COUNT = -2080, /**< Insert Count Increment with no table */
    QPACK_ERR_DEC_STREAM_SECTION_ACK = -2081,  /**< Section Acknowledgment: we never send
                                                  a section with a non-zero Required
                                                  Insert Count (§4.4.1) */
    QPACK_ERR_DEC_STREAM_INT = -2082,          /**< integer overflow or too long */

    QPACK_ERR_SECTION_TOO_LARGE = -2100, /**< decoded size over max_section_size
                                            (RFC 9114 §4.2.2) */
    QPACK_ERR_SCRATCH_FULL = -2101,      /**< caller's scratch buffer too small */
    QPACK_ERR_TOO_MANY_FIELDS = -2102,   /**< more field lines than max_fields */
    QPACK_ERR_NO_SPACE = -2103,          /**< encoder output (or Huffman output) too small */
    QPACK_ERR_ARG = -2104,               /**< bad argument (e.g. prefix bits not 1..8) */
};

/** RFC 9204 §6 wire codes (HTTP/3 error code space). */
#define QPACK_DECOMPRESSION_FAILED 0x200 /**< a field section cannot be decoded */
#define QPACK_ENCODER_STREAM_ERROR 0x201 /**< bad encoder stream instruction */
#define QPACK_DECODER_STREAM_ERROR 0x202 /**< bad decoder stream instruction */

/** Maps an internal error to its wire code. The -2100.. codes map to
 * QPACK_DECOMPRESSION_FAILED too (the decoder cannot go on with that section), but a
 * caller may prefer to refuse just that request instead: with no dynamic table, a
 * section abandoned half way leaves no state behind (RFC 9114 §4.2.2). */
uint64_t qpack_err_to_wire(int err);
const char *qpack_err_str(int err); /**< words for an error code (static) */

/* ---- field sections ---- */
/** One field line: name and value bytes (not NUL-terminated), not owned. */
typedef struct qpack_field {
    const uint8_t *name;  /**< field name, lowercase in HTTP/3 */
    size_t name_len;      /**< its length */
    const uint8_t *value; /**< field value */
    size_t value_len;     /**< its length */
} qpack_field;

/** Per-field overhead counted against max_section_size (RFC 9114 §4.2.2). */
#define QPACK_FIELD_OVERHEAD 32

/** Encodes a whole field section: prefix (Required Insert Count 0, Base 0), then each
 * field as an indexed field line on an exact static match, a literal with static name
 * reference on a name match, else a literal with literal name. Each string is
 * Huffman-coded only when that is shorter. Names are taken as given (HTTP/3 wants them
 * lowercase; the caller's job). On QPACK_ERR_NO_SPACE, w->off is left where it was. */
int qpack_encode_field_section(qb_wr *w, const qpack_field *fields, size_t n);

/** Decodes a whole field section p[0..len). Literal strings (Huffman-decoded or not)
 * are copied into scratch, so fields point into scratch or the static table and stay
 * valid after p is gone. Checks, before anything is written past a limit:
 * name + value + 32 per field <= max_section_size (QPACK_ERR_SECTION_TOO_LARGE),
 * scratch_cap (QPACK_ERR_SCRATCH_FULL), max_fields (QPACK_ERR_TOO_MANY_FIELDS).
 * A non-zero Required Insert Count or any dynamic or post-Base reference is
 * QPACK_DECOMPRESSION_FAILED (we advertise a table capacity of 0). */
int qpack_decode_field_section(const uint8_t *p, size_t len, size_t max_section_size,
                               uint8_t *scratch, size_t scratch_cap,
                               qpack_field *fields, size_t max_fields, size_t *n_fields);

/** How one field line was represented on the wire, for study and logs. */
typedef enum qpack_rep {
    QPACK_REP_INDEXED = 0,    /**< RFC 9204 §4.5.2 Indexed Field Line (static table) */
    QPACK_REP_NAME_REF = 1,   /**< §4.5.4 Literal Field Line with Name Reference (static) */
    QPACK_REP_LITERAL = 2,    /**< §4.5.6 Literal Field Line with Literal Name */
} qpack_rep;
/** The wire form of one decoded field line (qpack_decode_field_section_lines()). */
typedef struct qpack_line {
    qpack_rep rep;                 /**< which representation */
    uint64_t static_index;         /**< INDEXED and NAME_REF */
    /**@{*/ /** The string literal's H bit (RFC 7541 §5.2), for name and value. */
    bool name_huffman, value_huffman;
    /**@}*/
    /**@{*/ /** String literal bytes on the wire, 0 if none, for name and value. */
    size_t name_wire_len, value_wire_len;
    /**@}*/
} qpack_line;
/** qpack_decode_field_section, and lines[i] (max_fields of them) says how fields[i]
 * was represented. */
int qpack_decode_field_section_lines(const uint8_t *p, size_t len, size_t max_section_size,
                                     uint8_t *scratch, size_t scratch_cap,
                                     qpack_field *fields, qpack_line *lines, size_t max_fields,
                                     size_t *n_fields);

/* ---- encoder and decoder streams (receive side) ----
 * Instructions may be split across calls: the decoder stream keeps a partial prefixed
 * integer; on the encoder stream, with our capacity 0, every instruction is decided by
 * its first byte (only 0x20 is valid), so it keeps just the error. Zero-initialising a state is the same as calling its init function. Once a call
 * failed, the stream is dead: the caller closes the connection with
 * qpack_err_to_wire(err), and later calls return the same error. */
/** A prefixed integer read across calls (RFC 9204 §4.1.1). */
typedef struct qpack_int_partial {
    uint64_t value;   /**< the value gathered so far */
    uint8_t shift;    /**< bits gathered after the prefix */
    uint8_t bytes;    /**< continuation bytes so far */
    uint8_t active;   /**< 1 while an integer is half read */
    uint8_t opcode;   /**< which instruction the integer belongs to */
} qpack_int_partial;

/** The receive side of the peer's encoder stream (RFC 9204 §4.3). */
typedef struct qpack_encoder_stream_state {
    int error; /**< latched first error, 0 if none */
} qpack_encoder_stream_state;

/** The receive side of the peer's decoder stream (RFC 9204 §4.4). */
typedef struct qpack_decoder_stream_state {
    qpack_int_partial in; /**< a partial instruction */
    int error;            /**< latched first error, 0 if none */
    uint64_t cancelled; /**< Stream Cancellation instructions seen (for logs and tests) */
} qpack_decoder_stream_state;

void qpack_encoder_stream_init(qpack_encoder_stream_state *s); /**< a fresh state */
void qpack_decoder_stream_init(qpack_decoder_stream_state *s); /**< a fresh state */

/** Bytes of the peer's QPACK encoder stream (RFC 9204 §4.3) while our table capacity
 * is 0: Set Dynamic Table Capacity 0 is accepted, anything that needs a table is a
 * QPACK_ENCODER_STREAM_ERROR. */
int qpack_on_encoder_stream(qpack_encoder_stream_state *s, const uint8_t *p, size_t len);

/** Bytes of the peer's QPACK decoder stream (RFC 9204 §4.4). Our encoder never
 * references the dynamic table, so Stream Cancellation is accepted and ignored, Insert
 * Count Increment and Section Acknowledgment are QPACK_DECODER_STREAM_ERROR. */
int qpack_on_decoder_stream(qpack_decoder_stream_state *s, const uint8_t *p, size_t len);

/* ---- lower-level pieces, public for tests and fuzzers ---- */

/** RFC 7541 §5.1 prefixed integer with a prefix of prefix_bits (1..8). The bits of the
 * first byte above the prefix go to *first_byte_flags (may be NULL). Values above
 * 2^62-1 and encodings with more continuation bytes than a 62-bit value needs are
 * rejected. */
int qpack_int_decode(qb_rd *r, unsigned prefix_bits, uint8_t *first_byte_flags, uint64_t *v);
/** Writes v (at most 2^62-1) with a prefix of prefix_bits; flags are the bits above
 * the prefix. */
int qpack_int_encode(qb_wr *w, unsigned prefix_bits, uint8_t flags, uint64_t v);

/** RFC 7541 §5.2 / Appendix B. Decode rejects EOS, padding over 7 bits and padding
 * that is not all ones, each with its own error; output beyond cap is
 * QPACK_ERR_NO_SPACE (nothing is written past cap). */
int qpack_huffman_decode(const uint8_t *p, size_t len, uint8_t *out, size_t cap, size_t *out_len);
/** Huffman-encodes p[0..len) into out (cap bytes); QPACK_ERR_NO_SPACE when it does
 * not fit (see qpack_huffman_encoded_len()). */
int qpack_huffman_encode(const uint8_t *p, size_t len, uint8_t *out, size_t cap, size_t *out_len);
/** Bytes the Huffman encoding of p[0..len) takes. */
size_t qpack_huffman_encoded_len(const uint8_t *p, size_t len);

/** RFC 9204 Appendix A. */
#define QPACK_STATIC_COUNT 99
/** Entry i of the static table (NULL fields when i >= 99). */
int qpack_static_get(uint64_t index, qpack_field *out);
/** Encoder lookup: index of an entry with this name and value (*exact = 1), else the
 * lowest index with this name (*exact = 0); -1 if the name is not in the table. */
int qpack_static_find(const uint8_t *name, size_t name_len, const uint8_t *value,
                      size_t value_len, int *exact);

#ifdef __cplusplus
}
#endif

#endif
