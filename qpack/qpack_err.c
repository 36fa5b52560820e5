/* The one place qpack/ maps its internal errors to wire codes (RFC 9204 §6). */
#include "qpack/qpack.h"

uint64_t qpack_err_to_wire(int err)
{
    if (err <= -2050 && err > -2080)
        return QPACK_ENCODER_STREAM_ERROR;
    if (err <= -2080 && err > -2100)
        return QPACK_DECODER_STREAM_ERROR;
    /* Field section errors, and the local limits (see qpack.h). */
    return QPACK_DECOMPRESSION_FAILED;
}

const char *qpack_err_str(int err)
{
    switch (err) {
    case 0: return "ok";
    case QPACK_ERR_TRUNCATED: return "field section truncated";
    case QPACK_ERR_INT_OVERFLOW: return "prefixed integer above 2^62-1";
    case QPACK_ERR_INT_TOO_LONG: return "prefixed integer encoding too long";
    case QPACK_ERR_HUFF_EOS: return "Huffman string contains EOS";
    case QPACK_ERR_HUFF_PADDING_LONG: return "Huffman padding longer than 7 bits";
    case QPACK_ERR_HUFF_PADDING_BITS: return "Huffman padding not all ones";
    case QPACK_ERR_REQUIRED_INSERT_COUNT: return "non-zero Required Insert Count with table capacity 0";
    case QPACK_ERR_BASE_SIGN: return "negative Base";
    case QPACK_ERR_DYNAMIC_REF: return "reference to the dynamic table";
    case QPACK_ERR_POST_BASE_REF: return "post-Base reference";
    case QPACK_ERR_STATIC_INDEX: return "static table index out of range";
    case QPACK_ERR_STRING_LENGTH: return "string length past the end of the section";
    case QPACK_ERR_ENC_STREAM_CAPACITY: return "encoder stream: table capacity above our limit";
    case QPACK_ERR_ENC_STREAM_INSERT: return "encoder stream: insert with table capacity 0";
    case QPACK_ERR_ENC_STREAM_DUPLICATE: return "encoder stream: duplicate of a missing entry";
    case QPACK_ERR_DEC_STREAM_INSERT_COUNT: return "decoder stream: Insert Count Increment beyond inserts sent";
    case QPACK_ERR_DEC_STREAM_SECTION_ACK: return "decoder stream: Section Acknowledgment with nothing to acknowledge";
    case QPACK_ERR_DEC_STREAM_INT: return "decoder stream: bad integer";
    case QPACK_ERR_SECTION_TOO_LARGE: return "field section larger than the limit";
    case QPACK_ERR_SCRATCH_FULL: return "field section scratch buffer full";
    case QPACK_ERR_TOO_MANY_FIELDS: return "too many field lines";
    case QPACK_ERR_NO_SPACE: return "output buffer too small";
    case QPACK_ERR_ARG: return "bad argument";
    default: return "unknown QPACK error";
    }
}
