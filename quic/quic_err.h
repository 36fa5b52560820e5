/*
 * QUIC error codes: the wire codes of RFC 9000 §20.1, and the ranges of the
 * negative internal codes each part of quic/ returns. Each part declares its own
 * codes in its own header within its range and maps them to a wire code there.
 *
 * Ranges of internal codes across quince (all negative, distinct):
 *   base/ -1..-99   crypto/ wrappers -100..-199   crypto/ TLS -200..-499
 *   quic/ packet -1000..-1099, frame -1100..-1199, transport parameters -1200..-1299,
 *         connection -1300..-1499
 *   qpack/ -2000..-2199   h3/ -3000..-3299
 */
#ifndef QUIC_ERR_H
#define QUIC_ERR_H

/* RFC 9000 §20.1 transport error codes. */
enum {
    QUIC_NO_ERROR = 0x00,
    QUIC_INTERNAL_ERROR = 0x01,
    QUIC_CONNECTION_REFUSED = 0x02,
    QUIC_FLOW_CONTROL_ERROR = 0x03,
    QUIC_STREAM_LIMIT_ERROR = 0x04,
    QUIC_STREAM_STATE_ERROR = 0x05,
    QUIC_FINAL_SIZE_ERROR = 0x06,
    QUIC_FRAME_ENCODING_ERROR = 0x07,
    QUIC_TRANSPORT_PARAMETER_ERROR = 0x08,
    QUIC_CONNECTION_ID_LIMIT_ERROR = 0x09,
    QUIC_PROTOCOL_VIOLATION = 0x0a,
    QUIC_INVALID_TOKEN = 0x0b,
    QUIC_APPLICATION_ERROR = 0x0c,
    QUIC_CRYPTO_BUFFER_EXCEEDED = 0x0d,
    QUIC_KEY_UPDATE_ERROR = 0x0e,
    QUIC_AEAD_LIMIT_REACHED = 0x0f,
    QUIC_NO_VIABLE_PATH = 0x10,
    QUIC_CRYPTO_ERROR_BASE = 0x100, /* 0x100 + TLS alert (RFC 9001 §4.8) */
};

#endif
