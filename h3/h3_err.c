/* h3 error codes: one table maps each internal code to its wire code (RFC 9114 §8.1,
 * RFC 9297 §5.2) and a reason a person can read in CONNECTION_CLOSE. */
#include "h3/h3.h"

#include <stddef.h>

typedef struct h3_err_row {
    int err;
    uint64_t wire;
    const char *str;
} h3_err_row;

static const h3_err_row h3_err_table[] = {
    {H3_ERR_NEED_MORE, H3_INTERNAL_ERROR, "need more input"},
    {H3_ERR_FRAME_TRUNCATED, H3_FRAME_ERROR, "frame payload truncated"},
    {H3_ERR_FRAME_EXTRA, H3_FRAME_ERROR, "frame payload has extra bytes"},
    {H3_ERR_FRAME_H2, H3_FRAME_UNEXPECTED, "HTTP/2-only frame type"},
    {H3_ERR_FRAME_UNEXPECTED, H3_FRAME_UNEXPECTED, "frame not allowed here"},
    {H3_ERR_FRAME_TOO_LARGE, H3_EXCESSIVE_LOAD, "frame too large"},
    {H3_ERR_FRAME_INCOMPLETE, H3_FRAME_ERROR, "request stream ended inside a frame"},
    {H3_ERR_FRAME_UNEXPECTED_CONTROL, H3_FRAME_UNEXPECTED,
     "frame not allowed on the control stream"},
    {H3_ERR_FRAME_UNEXPECTED_REQUEST, H3_FRAME_UNEXPECTED,
     "frame not allowed on a request stream"},
    {H3_ERR_MAX_PUSH_ID_FROM_SERVER, H3_FRAME_UNEXPECTED, "MAX_PUSH_ID from a server"},
    {H3_ERR_SETTINGS_DUP, H3_SETTINGS_ERROR, "duplicate setting"},
    {H3_ERR_SETTINGS_H2, H3_SETTINGS_ERROR, "HTTP/2-only setting"},
    {H3_ERR_SETTINGS_DATAGRAM, H3_SETTINGS_ERROR, "SETTINGS_H3_DATAGRAM not 0 or 1"},
    {H3_ERR_SETTINGS_CONNECT, H3_SETTINGS_ERROR, "ENABLE_CONNECT_PROTOCOL not 0 or 1"},
    {H3_ERR_SETTINGS_NO_QUIC_DGRAM, H3_SETTINGS_ERROR,
     "H3_DATAGRAM without QUIC datagram support"},
    {H3_ERR_SETTINGS_TWICE, H3_FRAME_UNEXPECTED, "second SETTINGS frame on the control stream"},
    {H3_ERR_MISSING_SETTINGS, H3_MISSING_SETTINGS,
     "first frame on the control stream not SETTINGS"},
    {H3_ERR_SETTINGS_TOO_MANY, H3_EXCESSIVE_LOAD, "too many settings"},
    {H3_ERR_SETTINGS_LOWERED, H3_SETTINGS_ERROR, "SETTINGS below the ones 0-RTT used"},
    {H3_ERR_PUSH_PROMISE_FROM_CLIENT, H3_FRAME_UNEXPECTED,
     "PUSH_PROMISE from a client on a request stream"},
    {H3_ERR_PUSH_PROMISE_REFUSED, H3_ID_ERROR,
     "PUSH_PROMISE on a request stream, but no MAX_PUSH_ID was sent"},
    {H3_ERR_DATAGRAM_TRUNCATED, H3_DATAGRAM_ERROR, "datagram too short for quarter stream ID"},
    {H3_ERR_DATAGRAM_QSID, H3_DATAGRAM_ERROR, "quarter stream ID too large"},
    {H3_ERR_DATAGRAM_STREAM, H3_INTERNAL_ERROR, "datagram on a non-request stream"},
    {H3_ERR_DATAGRAM_ID, H3_ID_ERROR, "datagram for a stream beyond the stream limit"},
    {H3_ERR_CAPSULE_TRUNCATED, H3_MESSAGE_ERROR, "stream ended inside a capsule"},
    {H3_ERR_CAPSULE_TOO_LARGE, H3_DATAGRAM_ERROR, "DATAGRAM capsule too large"},
    {H3_ERR_MSG_NAME, H3_MESSAGE_ERROR, "invalid field name"},
    {H3_ERR_MSG_VALUE, H3_MESSAGE_ERROR, "invalid character in a field value"},
    {H3_ERR_MSG_PSEUDO_ORDER, H3_MESSAGE_ERROR, "pseudo-header after regular field"},
    {H3_ERR_MSG_PSEUDO_DUP, H3_MESSAGE_ERROR, "duplicate pseudo-header"},
    {H3_ERR_MSG_PSEUDO_UNKNOWN, H3_MESSAGE_ERROR, "unknown pseudo-header"},
    {H3_ERR_MSG_CONN_SPECIFIC, H3_MESSAGE_ERROR, "connection-specific field"},
    {H3_ERR_MSG_MISSING, H3_MESSAGE_ERROR, "missing pseudo-header"},
    {H3_ERR_MSG_CONNECT, H3_MESSAGE_ERROR, "CONNECT with :scheme or :path"},
    {H3_ERR_MSG_PROTOCOL, H3_MESSAGE_ERROR, ":protocol not allowed"},
    {H3_ERR_MSG_STATUS, H3_MESSAGE_ERROR, "invalid :status"},
    {H3_ERR_MSG_PSEUDO_TRAILER, H3_MESSAGE_ERROR, "pseudo-header in trailers"},
    {H3_ERR_SECTION_TOO_LARGE, H3_INTERNAL_ERROR, "field section over the peer's limit"},
    {H3_ERR_MSG_DATA, H3_FRAME_UNEXPECTED, "frame out of order on request stream"},
    {H3_ERR_MSG_CAPSULE, H3_MESSAGE_ERROR, "Capsule Protocol with content fields or status"},
    {H3_ERR_MSG_HOST, H3_MESSAGE_ERROR, ":authority and host differ"},
    {H3_ERR_MSG_AUTHORITY, H3_MESSAGE_ERROR, "userinfo in an http(s) authority"},
    {H3_ERR_MSG_CONTENT_LENGTH, H3_MESSAGE_ERROR, "invalid content-length"},
    {H3_ERR_STREAM_CONTROL_DUP, H3_STREAM_CREATION_ERROR, "second control stream"},
    {H3_ERR_STREAM_QPACK_DUP, H3_STREAM_CREATION_ERROR, "second QPACK encoder stream"},
    {H3_ERR_STREAM_QPACK_DEC_DUP, H3_STREAM_CREATION_ERROR, "second QPACK decoder stream"},
    {H3_ERR_STREAM_SERVER_BIDI, H3_STREAM_CREATION_ERROR,
     "server-initiated bidirectional stream"},
    {H3_ERR_STREAM_PUSH_FROM_CLIENT, H3_STREAM_CREATION_ERROR, "push stream from a client"},
    {H3_ERR_CLOSED_CRITICAL, H3_CLOSED_CRITICAL_STREAM, "control stream closed"},
    {H3_ERR_CLOSED_QPACK_ENC, H3_CLOSED_CRITICAL_STREAM, "QPACK encoder stream closed"},
    {H3_ERR_CLOSED_QPACK_DEC, H3_CLOSED_CRITICAL_STREAM, "QPACK decoder stream closed"},
    {H3_ERR_CONTROL_STOPPED, H3_CLOSED_CRITICAL_STREAM, "STOP_SENDING for our control stream"},
    {H3_ERR_PUSH_REFUSED, H3_ID_ERROR, "push stream, but no MAX_PUSH_ID was sent"},
    {H3_ERR_CANCEL_PUSH_ID, H3_ID_ERROR,
     "CANCEL_PUSH above the maximum push ID (no MAX_PUSH_ID was sent)"},
    {H3_ERR_CANCEL_PUSH_UNPROMISED, H3_ID_ERROR, "CANCEL_PUSH for a push ID never promised"},
    {H3_ERR_MAX_PUSH_ID_DECREASED, H3_ID_ERROR, "MAX_PUSH_ID smaller than a previous one"},
    {H3_ERR_GOAWAY_ID, H3_ID_ERROR, "invalid GOAWAY id"},
    {H3_ERR_STREAM_STATE, H3_GENERAL_PROTOCOL_ERROR,
     "data on our control stream, which is send-only"},
    {H3_ERR_STREAM_NOT_OPENED, H3_GENERAL_PROTOCOL_ERROR,
     "data on a stream of ours that was never opened"},
    {H3_ERR_STREAM_ENDED, H3_GENERAL_PROTOCOL_ERROR, "data on a request stream after its end"},
    {H3_ERR_UNI_STREAMS_TOO_MANY, H3_EXCESSIVE_LOAD, "too many unidirectional streams open"},
    {H3_ERR_NO_MEMORY, H3_INTERNAL_ERROR, "out of memory"},
    {H3_ERR_BUFFER_FULL, H3_INTERNAL_ERROR, "send buffer full"},
    {H3_ERR_BAD_STATE, H3_INTERNAL_ERROR, "call not valid in this state"},
    {H3_ERR_NO_SPACE, H3_INTERNAL_ERROR, "output buffer too small"},
    {H3_ERR_EVENTS_FULL, H3_EXCESSIVE_LOAD, "events not drained"},
    {H3_ERR_DATAGRAMS_OFF, H3_INTERNAL_ERROR, "HTTP datagrams not negotiated"},
    {H3_ERR_DATAGRAM_TOO_BIG, H3_INTERNAL_ERROR, "datagram larger than the path allows"},
    {H3_ERR_INVALID_ARG, H3_INTERNAL_ERROR, "invalid argument"},
};

static const h3_err_row *h3_err_find(int err)
{
    for (size_t i = 0; i < sizeof h3_err_table / sizeof h3_err_table[0]; i++)
        if (h3_err_table[i].err == err)
            return &h3_err_table[i];
    return NULL;
}

/* qpack/ codes (-2000..-2199) are mapped by qpack itself. */
#define H3_IS_QPACK_ERR(e) ((e) <= -2000 && (e) >= -2199)

uint64_t h3_err_to_wire(int err)
{
    if (H3_IS_QPACK_ERR(err))
        return qpack_err_to_wire(err);
    const h3_err_row *r = h3_err_find(err);
    return r ? r->wire : H3_INTERNAL_ERROR;
}

const char *h3_err_str(int err)
{
    if (err == 0)
        return "no error";
    if (H3_IS_QPACK_ERR(err))
        return qpack_err_str(err);
    const h3_err_row *r = h3_err_find(err);
    return r ? r->str : "internal error";
}
