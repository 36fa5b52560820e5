/* The receive side of the peer's encoder stream (RFC 9204 §4.3) and decoder stream
 * (§4.4) while neither side uses a dynamic table. Stream bytes arrive in arbitrary
 * pieces, so a prefixed integer (RFC 7541 §5.1) may be split across calls: the
 * decoder stream's state keeps the part read so far. */
#include "qpack/qpack_priv.h"

#include <string.h>

/* The dynamic table capacity we advertise (SETTINGS_QPACK_MAX_TABLE_CAPACITY). */
#define QPACK_OUR_MAX_TABLE_CAPACITY 0

#define QPACK_PARTIAL_MAX_CONT 9 /* as in qpack_int.c: enough for 62 bits */

enum { OP_NONE, OP_STREAM_CANCEL };

/* Starts an integer from its first byte; returns 1 if it is complete. */
static int partial_start(qpack_int_partial *in, uint8_t b, unsigned prefix_bits, uint8_t op)
{
    uint8_t mask = (uint8_t)((1u << prefix_bits) - 1);
    in->value = b & mask;
    in->shift = 0;
    in->bytes = 0;
    in->opcode = op;
    in->active = (b & mask) == mask;
    return !in->active;
}

/* Adds a continuation byte; returns 1 if complete, 0 if more follow, <0 on error. */
static int partial_more(qpack_int_partial *in, uint8_t b, int err)
{
    if (in->bytes == QPACK_PARTIAL_MAX_CONT)
        return err;
    uint64_t add = (uint64_t)(b & 0x7f) << in->shift;
    if (add > QB_VARINT_MAX - in->value)
        return err;
    in->value += add;
    in->shift = (uint8_t)(in->shift + 7);
    in->bytes++;
    if (b & 0x80)
        return 0;
    in->active = 0;
    return 1;
}

void qpack_encoder_stream_init(qpack_encoder_stream_state *s) { memset(s, 0, sizeof *s); }
void qpack_decoder_stream_init(qpack_decoder_stream_state *s) { memset(s, 0, sizeof *s); }

static int enc_byte(uint8_t b)
{
    if (b & 0x80) /* §4.3.2 Insert with Name Reference */
        return QPACK_ERR_ENC_STREAM_INSERT;
    if (b & 0x40) /* §4.3.3 Insert with Literal Name */
        return QPACK_ERR_ENC_STREAM_INSERT;
    if (b & 0x20) {
        /* §4.3.1 Set Dynamic Table Capacity, 5-bit prefix: above our limit is an
         * error. With a limit of 0 only the one byte 0x20 is valid (a 5-bit prefix of
         * 31 already means 31 or more), so no instruction we accept spans bytes and
         * no partial integer needs keeping. */
        return (b & 0x1f) > QPACK_OUR_MAX_TABLE_CAPACITY ? QPACK_ERR_ENC_STREAM_CAPACITY : 0;
    }
    return QPACK_ERR_ENC_STREAM_DUPLICATE; /* §4.3.4 Duplicate: the table is empty */
}

int qpack_on_encoder_stream(qpack_encoder_stream_state *s, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len && s->error == 0; i++)
        s->error = enc_byte(p[i]);
    return s->error;
}

static int dec_byte(qpack_decoder_stream_state *s, uint8_t b)
{
    int done;
    if (s->in.active) {
        done = partial_more(&s->in, b, QPACK_ERR_DEC_STREAM_INT);
        if (done < 0)
            return done;
    } else if (b & 0x80) {
        /* §4.4.1: every section we sent has Required Insert Count 0, so there is none
         * to acknowledge. */
        return QPACK_ERR_DEC_STREAM_SECTION_ACK;
    } else if (b & 0x40) { /* §4.4.2 Stream Cancellation, 6-bit stream ID */
        done = partial_start(&s->in, b, 6, OP_STREAM_CANCEL);
    } else {
        /* §4.4.3: Insert Count Increment beyond the 0 inserts we sent. */
        return QPACK_ERR_DEC_STREAM_INSERT_COUNT;
    }
    if (done)
        s->cancelled++; /* nothing to release: no section references the table */
    return 0;
}

int qpack_on_decoder_stream(qpack_decoder_stream_state *s, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len && s->error == 0; i++)
        s->error = dec_byte(s, p[i]);
    return s->error;
}
