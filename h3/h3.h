/**
 * quince h3: HTTP/3 (RFC 9114) and HTTP Datagrams (RFC 9297), sans-I/O.
 *
 * h3 knows nothing of QUIC internals: it consumes stream bytes, stream resets and
 * DATAGRAM payloads and produces stream bytes, stream actions and events, all pulled
 * (no callbacks). A binding drives it from a QUIC connection; tests and fuzzers drive
 * it directly. Field sections are (de)compressed by qpack/ (static table only).
 *
 * Layers, each usable on its own (tests and fuzzers use them):
 *   frames      h3_frame_*      RFC 9114 §7
 *   settings    h3_settings_*   RFC 9114 §7.2.4, RFC 9297 §2.1.1, RFC 9220
 *   datagrams   h3_datagram_*   RFC 9297 §2.1
 *   capsules    h3_capsule_*    RFC 9297 §3
 *   headers     h3_request_validate / h3_response_validate   RFC 9114 §4.3
 *   connection  h3_conn_*       RFC 9114 §6, §4
 *
 * Files: each calls only files on lower lines, so "calls a function of" is a DAG
 * (tools/check_includes.sh, the check_includes test, fails on a cycle):
 *   h3_conn_send.c              requests, responses, DATA out
 *   h3_conn_recv.c              stream bytes and resets in
 *   h3_conn_dgram.c             HTTP datagrams in and out (RFC 9297 §2)
 *   h3_conn.c                   connection core: streams, events, actions, failure
 *   h3_capsule.c                capsules (frame-shaped headers)
 *   h3_frame.c                  frame codec and header reader
 *   h3_frame_table.c            frame legality by stream kind and role (§7.2)
 *   h3_settings.c h3_datagram.c h3_fields.c h3_err.c   pure parts
 * @file
 */
#ifndef H3_H
#define H3_H

#include "base/qb.h"
#include "qpack/qpack.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- internal error codes (-3000..-3299); h3_err_to_wire maps them ---- */
enum {
    H3_ERR_NEED_MORE = -3000,          /**< not an error: input ends inside an element */
    H3_ERR_FRAME_TRUNCATED = -3001,    /**< payload shorter than its fields (§7.1) */
    H3_ERR_FRAME_EXTRA = -3002,        /**< payload longer than its fields (§7.1) */
    H3_ERR_FRAME_H2 = -3003,           /**< HTTP/2-only frame type (§7.2.8) */
    H3_ERR_FRAME_UNEXPECTED = -3004,   /**< frame not allowed on this stream/now (§4.1, §6.2.1) */
    H3_ERR_FRAME_TOO_LARGE = -3005,    /**< over our limit (§10.5): H3_EXCESSIVE_LOAD */
    H3_ERR_FRAME_INCOMPLETE = -3006,   /**< request stream ended inside a frame (§7.1) */
    H3_ERR_FRAME_UNEXPECTED_CONTROL = -3007, /**< DATA, HEADERS, PUSH_PROMISE on control (§7.2) */
    H3_ERR_FRAME_UNEXPECTED_REQUEST = -3008, /**< a control-stream frame on a request stream */
    H3_ERR_MAX_PUSH_ID_FROM_SERVER = -3009,  /**< §7.2.7: a client receives none */
    H3_ERR_SETTINGS_DUP = -3010,       /**< §7.2.4 */
    H3_ERR_SETTINGS_H2 = -3011,        /**< §7.2.4.1 */
    H3_ERR_SETTINGS_DATAGRAM = -3012,  /**< RFC 9297 §2.1.1: not 0/1 */
    H3_ERR_SETTINGS_CONNECT = -3013,   /**< RFC 8441 §3 via RFC 9220: not 0/1 */
    H3_ERR_SETTINGS_NO_QUIC_DGRAM = -3014, /**< RFC 9297 §2.1.1 / RFC 9221 §3 */
    H3_ERR_SETTINGS_TWICE = -3015,     /**< §7.2.4: second SETTINGS frame */
    H3_ERR_MISSING_SETTINGS = -3016,   /**< §6.2.1 */
    H3_ERR_SETTINGS_TOO_MANY = -3017,  /**< over H3_SETTINGS_MAX entries (§10.5) */
    H3_ERR_PUSH_PROMISE_FROM_CLIENT = -3018, /**< §7.2.5: a server receives none */
    H3_ERR_PUSH_PROMISE_REFUSED = -3019,     /**< §7.2.5: a client never sent MAX_PUSH_ID */
    H3_ERR_SETTINGS_LOWERED = -3024, /**< §7.2.4.2: below the SETTINGS 0-RTT used */
    H3_ERR_DATAGRAM_TRUNCATED = -3020, /**< RFC 9297 §2.1 */
    H3_ERR_DATAGRAM_QSID = -3021,      /**< quarter stream ID > 2^60-1 (RFC 9297 §2.1) */
    H3_ERR_DATAGRAM_STREAM = -3022,    /**< local: not a client-initiated bidi stream */
    H3_ERR_DATAGRAM_ID = -3023,        /**< stream beyond the bidi stream limit (RFC 9297 §2.1) */
    H3_ERR_CAPSULE_TRUNCATED = -3030,  /**< RFC 9297 §3.3: stream ended inside a capsule */
    H3_ERR_CAPSULE_TOO_LARGE = -3031,  /**< DATAGRAM capsule over our limit */
    H3_ERR_MSG_NAME = -3040,           /**< empty, uppercase or invalid name (§4.2) */
    H3_ERR_MSG_VALUE = -3041,          /**< not field-content: CTL, DEL, blank ends (RFC 9110 §5.5) */
    H3_ERR_MSG_PSEUDO_ORDER = -3042,   /**< pseudo-header after a regular field (§4.3) */
    H3_ERR_MSG_PSEUDO_DUP = -3043, /**< a pseudo-header field twice */
    H3_ERR_MSG_PSEUDO_UNKNOWN = -3044, /**< unknown or wrong-kind pseudo-header */
    H3_ERR_MSG_CONN_SPECIFIC = -3045,  /**< connection-specific field (§4.2) */
    H3_ERR_MSG_MISSING = -3046,        /**< mandatory pseudo-header missing or empty */
    H3_ERR_MSG_CONNECT = -3047,        /**< classic CONNECT with :scheme or :path (§4.4) */
    H3_ERR_MSG_PROTOCOL = -3048,       /**< :protocol not allowed (RFC 9220) */
    H3_ERR_MSG_STATUS = -3049,         /**< :status not three digits, or 101 (§4.5) */
    H3_ERR_MSG_PSEUDO_TRAILER = -3050, /**< pseudo-header in trailers (§4.3) */
    H3_ERR_SECTION_TOO_LARGE = -3051,  /**< local: over the peer's MAX_FIELD_SECTION_SIZE */
    H3_ERR_MSG_DATA = -3052,           /**< DATA before HEADERS or after trailers (§4.1) */
    H3_ERR_MSG_CAPSULE = -3054,        /**< Capsule Protocol with content fields (RFC 9297 §3.2) */
    H3_ERR_MSG_HOST = -3053,           /**< :authority and Host differ, or Host empty (§4.3.1) */
    H3_ERR_MSG_AUTHORITY = -3055,      /**< userinfo in an http(s) authority (§4.3.1) */
    H3_ERR_MSG_CONTENT_LENGTH = -3056, /**< not digits, or differing values (RFC 9110 §8.6) */
    H3_ERR_STREAM_CONTROL_DUP = -3060, /**< second control stream (§6.2.1) */
    H3_ERR_STREAM_QPACK_DUP = -3061,   /**< second QPACK encoder stream (RFC 9204 §4.2) */
    H3_ERR_STREAM_SERVER_BIDI = -3062, /**< server-initiated bidi stream (§6.1) */
    H3_ERR_CLOSED_CRITICAL = -3063,    /**< the peer's control stream closed (§6.2.1) */
    H3_ERR_PUSH_REFUSED = -3064,       /**< push stream without MAX_PUSH_ID (§4.6) */
    H3_ERR_GOAWAY_ID = -3065,          /**< GOAWAY id increased or wrong kind (§5.2) */
    H3_ERR_STREAM_STATE = -3066,       /**< bytes on our own (send-only) control stream */
    H3_ERR_CANCEL_PUSH_ID = -3067,     /**< §7.2.3: above the maximum push ID (none sent) */
    H3_ERR_CANCEL_PUSH_UNPROMISED = -3068, /**< §7.2.3: a push ID we never promised */
    H3_ERR_MAX_PUSH_ID_DECREASED = -3069,  /**< §7.2.7 */
    H3_ERR_NO_MEMORY = -3070, /**< the allocator refused */
    H3_ERR_BUFFER_FULL = -3071,        /**< local: a send buffer is full */
    H3_ERR_BAD_STATE = -3072,          /**< local: call not valid now */
    H3_ERR_NO_SPACE = -3073,           /**< local: output buffer too small */
    H3_ERR_EVENTS_FULL = -3074,        /**< events not drained: H3_EXCESSIVE_LOAD */
    H3_ERR_DATAGRAMS_OFF = -3075,      /**< local: datagrams not negotiated both ways */
    H3_ERR_DATAGRAM_TOO_BIG = -3076,   /**< local: over the path's datagram payload */
    H3_ERR_INVALID_ARG = -3077,        /**< local */
    H3_ERR_STREAM_QPACK_DEC_DUP = -3080,   /**< second QPACK decoder stream (RFC 9204 §4.2) */
    H3_ERR_STREAM_PUSH_FROM_CLIENT = -3081, /**< §6.2.2: only servers push */
    H3_ERR_CLOSED_QPACK_ENC = -3082,   /**< the peer's QPACK encoder stream closed (RFC 9204 §4.2) */
    H3_ERR_CLOSED_QPACK_DEC = -3083,   /**< ... its decoder stream */
    H3_ERR_CONTROL_STOPPED = -3084,    /**< STOP_SENDING for our control stream (§6.2.1) */
    H3_ERR_STREAM_NOT_OPENED = -3085,  /**< bytes on a stream of ours never opened */
    H3_ERR_STREAM_ENDED = -3086,       /**< bytes on a request stream after its end */
    H3_ERR_UNI_STREAMS_TOO_MANY = -3087, /**< peer uni streams over our bound (§10.5) */
};

/** RFC 9114 §8.1 and RFC 9297 §5.2 wire codes. */
enum {
    H3_NO_ERROR = 0x100, /**< no error: a clean close or a stream no longer needed */
    H3_GENERAL_PROTOCOL_ERROR = 0x101, /**< a protocol error without a more specific code */
    H3_INTERNAL_ERROR = 0x102, /**< an internal error */
    H3_STREAM_CREATION_ERROR = 0x103, /**< a stream the endpoint does not accept */
    H3_CLOSED_CRITICAL_STREAM = 0x104, /**< a control or QPACK stream was closed */
    H3_FRAME_UNEXPECTED = 0x105, /**< a frame not allowed in this state or on this stream */
    H3_FRAME_ERROR = 0x106, /**< a badly formatted frame */
    H3_EXCESSIVE_LOAD = 0x107, /**< the peer generates excessive load */
    H3_ID_ERROR = 0x108, /**< a stream or push ID used wrongly */
    H3_SETTINGS_ERROR = 0x109, /**< bad SETTINGS */
    H3_MISSING_SETTINGS = 0x10a, /**< the control stream did not start with SETTINGS */
    H3_REQUEST_REJECTED = 0x10b, /**< a request rejected without processing */
    H3_REQUEST_CANCELLED = 0x10c, /**< a request or response cancelled */
    H3_REQUEST_INCOMPLETE = 0x10d, /**< the stream ended before the request was complete */
    H3_MESSAGE_ERROR = 0x10e, /**< a malformed HTTP message */
    H3_CONNECT_ERROR = 0x10f, /**< the CONNECT tunnel was reset or closed abnormally */
    H3_VERSION_FALLBACK = 0x110, /**< retry the request over HTTP/1.1 */
    H3_DATAGRAM_ERROR = 0x33, /**< H3_DATAGRAM_ERROR: a malformed HTTP datagram or capsule (RFC 9297 §5.2) */
};

/** Wire code for an internal code of h3 (or of qpack, -2000..-2199). */
uint64_t h3_err_to_wire(int err);
const char *h3_err_str(int err); /**< words for an error code (static) */

/* ---- frames (RFC 9114 §7.2) ---- */
enum {
    H3_FRAME_DATA = 0x00, /**< DATA */
    H3_FRAME_HEADERS = 0x01, /**< HEADERS */
    H3_FRAME_CANCEL_PUSH = 0x03, /**< CANCEL_PUSH */
    H3_FRAME_SETTINGS = 0x04, /**< SETTINGS */
    H3_FRAME_PUSH_PROMISE = 0x05, /**< PUSH_PROMISE */
    H3_FRAME_GOAWAY = 0x07, /**< GOAWAY */
    H3_FRAME_MAX_PUSH_ID = 0x0d, /**< MAX_PUSH_ID */
};

/* ---- settings (RFC 9114 §7.2.4.1, RFC 9204 §5, RFC 9220, RFC 9297 §2.1.1) ---- */
enum {
    H3_SETTING_QPACK_MAX_TABLE_CAPACITY = 0x01, /**< QPACK dynamic table capacity (RFC 9204 §5) */
    H3_SETTING_MAX_FIELD_SECTION_SIZE = 0x06, /**< largest field section accepted */
    H3_SETTING_QPACK_BLOCKED_STREAMS = 0x07, /**< QPACK blocked streams (RFC 9204 §5) */
    H3_SETTING_ENABLE_CONNECT_PROTOCOL = 0x08, /**< extended CONNECT allowed (RFC 9220 §3) */
    H3_SETTING_H3_DATAGRAM = 0x33, /**< HTTP datagrams supported (RFC 9297 §2.1.1) */
};

/** More settings than this in one frame is treated as excessive load (§10.5). */
#define H3_SETTINGS_MAX 64

/** The settings of a SETTINGS frame (RFC 9114 §7.2.4). */
typedef struct h3_settings {
    bool has_max_field_section_size;   /**< max_field_section_size was sent */
    uint64_t max_field_section_size;   /**< default: unlimited */
    uint64_t qpack_max_table_capacity; /**< default 0 */
    uint64_t qpack_blocked_streams;    /**< default 0 */
    uint8_t h3_datagram;               /**< 0 or 1 */
    uint8_t enable_connect_protocol;   /**< 0 or 1 */
    size_t n_unknown;                  /**< grease and unknown ids skipped */
} h3_settings;

/** Decodes and validates a SETTINGS payload: duplicates, HTTP/2-only ids, values of
 * H3_DATAGRAM and ENABLE_CONNECT_PROTOCOL. The transport check is the connection's. */
int h3_settings_decode(const uint8_t *p, size_t len, h3_settings *s);
/** Writes the payload: MAX_FIELD_SECTION_SIZE (if set), QPACK ones (if non-zero),
 * H3_DATAGRAM (if 1), ENABLE_CONNECT_PROTOCOL (if 1), in that order (quic-go's). */
int h3_settings_encode(qb_wr *w, const h3_settings *s);
/** A whole SETTINGS frame (type, length, payload); h3_frame.c frames the payload. */
int h3_settings_frame_encode(qb_wr *w, const h3_settings *s);

/** A decoded frame; pointers go into the bytes it was decoded from. */
typedef struct h3_frame {
    uint64_t type;          /**< frame type (H3_FRAME_* or another) */
    const uint8_t *payload; /**< the raw payload */
    size_t payload_len;     /**< its length */
    uint64_t id;            /**< CANCEL_PUSH/PUSH_PROMISE push id, GOAWAY id, MAX_PUSH_ID */
    h3_settings settings;   /**< SETTINGS */
    const uint8_t *field_section; /**< HEADERS, PUSH_PROMISE */
    size_t field_section_len; /**< its length */
} h3_frame;

/** Reserved (grease) frame types 0x1f * N + 0x21 (§7.2.8). */
bool h3_frame_type_is_grease(uint64_t type);
/** HTTP/2 frame types without an HTTP/3 meaning: 0x02, 0x06, 0x08, 0x09 (§7.2.8). */
bool h3_frame_type_is_h2(uint64_t type);
/** A type this implementation understands (the seven of §7.2). */
bool h3_frame_type_is_known(uint64_t type);

/** Decodes the payload of a frame of a known type; unknown types just keep the raw
 * payload. HTTP/2-only types fail with H3_ERR_FRAME_H2. */
int h3_frame_payload_decode(uint64_t type, const uint8_t *p, size_t len, h3_frame *f);
/** Decodes one whole frame from the front of p. *used = its size. A payload over
 * max_payload fails with H3_ERR_FRAME_TOO_LARGE (DATA is never limited); a frame not
 * complete in p gives H3_ERR_NEED_MORE. */
int h3_frame_decode(const uint8_t *p, size_t len, size_t max_payload, h3_frame *f,
                    size_t *used);
/** Encodes a frame from the decoded fields of f (payload built from id, settings or
 * field_section for known types; payload bytes copied for DATA and unknown types). */
int h3_frame_encode(qb_wr *w, const h3_frame *f);
/** Type and length only; the payload follows. */
int h3_frame_header_encode(qb_wr *w, uint64_t type, uint64_t length);

/** Incremental frame-header reader for stream bytes split anywhere (§7.1). */
typedef struct h3_frame_reader {
    uint8_t buf[16]; /**< header bytes gathered so far */
    uint8_t n;       /**< how many */
} h3_frame_reader;
/** Consumes bytes until Type and Length are complete: returns 1 with *type, *length
 * (and resets itself), 0 when all input went into a partial header. *used = consumed. */
int h3_frame_reader_feed(h3_frame_reader *fr, const uint8_t *p, size_t len, size_t *used,
                         uint64_t *type, uint64_t *length);
static inline bool h3_frame_reader_partial(const h3_frame_reader *fr) { return fr->n != 0; }

/* ---- HTTP/3 datagrams (RFC 9297 §2.1) ---- */
#define H3_QUARTER_STREAM_ID_MAX ((uint64_t)0x0fffffffffffffffULL) /**< 2^60-1 */

/** Payload of a QUIC DATAGRAM frame -> request stream id (quarter id * 4) and data. */
int h3_datagram_decode(const uint8_t *p, size_t len, uint64_t *stream_id,
                       const uint8_t **payload, size_t *payload_len);
/** Writes a DATAGRAM frame payload: quarter stream ID of stream_id, then payload. */
int h3_datagram_encode(qb_wr *w, uint64_t stream_id, const uint8_t *payload, size_t len);
/** Bytes the quarter stream ID takes in front of the payload. */
size_t h3_datagram_overhead(uint64_t stream_id);

/* ---- Capsule Protocol (RFC 9297 §3) ---- */
enum { H3_CAPSULE_DATAGRAM = 0x00 };

/** One whole capsule from the front of p (H3_ERR_NEED_MORE when incomplete). */
int h3_capsule_decode(const uint8_t *p, size_t len, uint64_t *type, const uint8_t **value,
                      size_t *value_len, size_t *used);
/** Writes one capsule: type, length, value (RFC 9297 §3.2). */
int h3_capsule_encode(qb_wr *w, uint64_t type, const uint8_t *value, size_t len);

/** Incremental capsule reader over a data stream. DATAGRAM capsules are buffered (up to
 * cap bytes of the caller's buffer) and returned; other types are skipped (§3.2). */
typedef struct h3_capsule_reader {
    h3_frame_reader hdr; /**< capsule headers have the frame header shape */
    bool in_value; /**< inside a capsule value */
    /**@{*/ /** The current capsule's type and value bytes still to come. */
    uint64_t type, left;
    /**@}*/
    uint8_t *buf; /**< the caller's buffer for DATAGRAM values */
    /**@{*/ /** Its size, and the bytes in it. */
    size_t cap, got;
    /**@}*/
} h3_capsule_reader;
/** Starts a reader that buffers DATAGRAM capsule values in buf (cap bytes, not owned). */
void h3_capsule_reader_init(h3_capsule_reader *r, uint8_t *buf, size_t cap);
/** Returns 1 with a DATAGRAM capsule's value in *value (valid until the next call),
 * 0 when the input is consumed, <0 on error. *used = bytes consumed. */
int h3_capsule_reader_feed(h3_capsule_reader *r, const uint8_t *p, size_t len,
                           size_t *used, uint64_t *type, const uint8_t **value,
                           size_t *value_len);
/** At the end of the stream: H3_ERR_CAPSULE_TRUNCATED when inside a capsule. */
int h3_capsule_reader_finish(const h3_capsule_reader *r);

/* ---- request/response header validation (RFC 9114 §4.2, §4.3, RFC 9220) ---- */
/** A field line: the same type qpack/ encodes and decodes. */
typedef qpack_field h3_field;

/** Bytes of a field value (not NUL-terminated, not owned). */
typedef struct h3_str {
    const uint8_t *p; /**< first byte (NULL when absent) */
    size_t len;       /**< length */
} h3_str;

/** The pseudo-header fields of a validated request (RFC 9114 §4.3.1). */
typedef struct h3_request_head {
    /**@{*/ /** :method, :scheme, :authority, :path, :protocol (absent: len 0). */
    h3_str method, scheme, authority, path, protocol;
    /**@}*/
    bool connect;          /**< :method CONNECT */
    bool extended_connect; /**< with :protocol (RFC 9220) */
    bool capsule_protocol; /**< capsule-protocol: ?1 (RFC 9297 §3.4) */
} h3_request_head;

/** ext_connect_allowed: we sent SETTINGS_ENABLE_CONNECT_PROTOCOL = 1. */
int h3_request_validate(const h3_field *f, size_t n, bool ext_connect_allowed,
                        h3_request_head *out);
/** Checks a response header section (RFC 9114 §4.3.2) and gives its :status;
 * 0 or an H3_ERR_MSG_* code. */
int h3_response_validate(const h3_field *f, size_t n, unsigned *status);
/** Checks a trailer section: no pseudo-header fields (RFC 9114 §4.3); 0 or an error. */
int h3_trailers_validate(const h3_field *f, size_t n);
/** The Content-Length of a field section (RFC 9110 §8.6): *present false when there is
 * none; a list of one repeated value counts as that value. Not digits, an empty
 * element or differing values: H3_ERR_MSG_CONTENT_LENGTH. */
int h3_content_length_parse(const h3_field *f, size_t n, bool *present, uint64_t *len);

/* ---- the connection (RFC 9114 §6, §4) ----
 * How a binding drives it (one h3_conn per QUIC connection, ALPN "h3"):
 *   h3_conn_new; h3_conn_set_transport (peer's max_datagram_frame_size != 0, current
 *   max DATAGRAM payload); h3_conn_start once 1-RTT keys exist (0-RTT is not used).
 *   For every QUIC event: STREAM data in order -> h3_conn_on_stream_data; RESET_STREAM
 *   -> h3_conn_on_stream_reset; STOP_SENDING -> h3_conn_on_stop_sending; DATAGRAM ->
 *   h3_conn_on_datagram. Then drain: h3_conn_next_event until false (event data lives
 *   until the next call, and undrained events are bounded by max_event_bytes),
 *   h3_conn_next_action -> RESET_STREAM/STOP_SENDING frames, h3_conn_peek_stream /
 *   h3_conn_consume_stream -> STREAM frames (as flow control allows),
 *   h3_conn_next_datagram -> DATAGRAM frames (drop when they do not fit).
 *   A transport that takes a gather skips h3's datagram copies: h3_conn_datagram_prefix
 *   + the payload out, h3_conn_datagram_event in (h3q/ does; see below).
 *   A negative return from an input (also an H3_EV_CONN_ERROR event) is fatal: send
 *   CONNECTION_CLOSE (type 0x1d) with h3_conn_error's wire code and reason.
 * Streams: we open our control stream (client 2, server 3) and client requests on
 * 0, 4, 8, ...; we never open QPACK streams (static table only) nor push. */
/** Which side of the HTTP/3 connection. */
typedef enum h3_role {
    H3_ROLE_CLIENT = 0, /**< sends requests */
    H3_ROLE_SERVER = 1, /**< answers them */
} h3_role;

/** One HTTP/3 frame sent or received, for a tracer (qlog http:frame_created /
 * frame_parsed); pointers are valid only during the callback. */
typedef struct h3_frame_trace {
    bool sent;                   /**< we wrote it (else the peer's, parsed) */
    uint64_t stream_id;          /**< the stream it travels on */
    uint64_t type;               /**< frame type (H3_FRAME_* or another) */
    uint64_t length;             /**< payload length */
    uint64_t id;                 /**< GOAWAY, MAX_PUSH_ID, CANCEL_PUSH: the ID */
    const struct qpack_field *fields; /**< HEADERS: the field lines (decoded) */
    size_t n_fields;             /**< HEADERS: how many */
    const struct h3_settings *settings; /**< SETTINGS: the values */
} h3_frame_trace;

/** Called for each HTTP/3 frame sent or received (h3_config.frame_trace). */
typedef void (*h3_frame_trace_fn)(void *ud, const h3_frame_trace *f);

/** How an h3 connection is set up: h3_config_default(), then change what differs. */
typedef struct h3_config {
    h3_role role;                    /**< client or server */
    bool enable_datagrams;           /**< send SETTINGS_H3_DATAGRAM = 1 */
    bool enable_connect_protocol;    /**< server: send ENABLE_CONNECT_PROTOCOL = 1 */
    uint64_t max_field_section_size; /**< advertised and enforced; 0 = not sent */
    size_t max_frame_payload;        /**< HEADERS/SETTINGS/... buffered per stream */
    size_t max_fields;               /**< field lines per section */
    size_t max_streams;              /**< request streams tracked at once */
    size_t max_stream_send;          /**< unsent bytes per stream */
    size_t max_capsule;              /**< DATAGRAM capsule value */
    size_t max_event_bytes;          /**< undrained event data; datagrams over it dropped */
    const qb_alloc *alloc;           /**< NULL: malloc */
    h3_frame_trace_fn frame_trace;   /**< each frame sent or received; NULL: none */
    void *frame_trace_ud;            /**< passed to frame_trace */
} h3_config;

/** Defaults: datagrams on, extended CONNECT on for a server, 64 KiB sections. */
void h3_config_default(h3_config *c, h3_role role);

/** An HTTP/3 connection, transport-agnostic (opaque): h3_conn_new(), h3_conn_free(). */
typedef struct h3_conn h3_conn;

/** A new connection for cfg (copied) at out; 0, or an error (H3_ERR_NOMEM...). */
int h3_conn_new(const h3_config *cfg, h3_conn **out);
void h3_conn_free(h3_conn *c); /**< frees c and all it holds; NULL allowed */
/** Gives back the storage of every drained queue and of the field-section work
 * space (buffers grow with use and keep their peak until then). Call it when the
 * connection goes quiet; it never changes what is queued or what comes next. */
void h3_conn_trim(h3_conn *c);
/** Transport facts: whether the peer announced max_datagram_frame_size != 0 (RFC
 * 9221 §3: it can receive DATAGRAM frames, so its H3_DATAGRAM = 1 is allowed), and
 * the largest DATAGRAM payload the path allows now. */
void h3_conn_set_transport(h3_conn *c, bool quic_datagrams, size_t max_datagram_payload);
/** Server: how many client-initiated bidi streams QUIC allows so far (initial_max_streams_bidi,
 * then MAX_STREAMS); a datagram for a stream beyond it is H3_ID_ERROR (RFC 9297 §2.1).
 * 0 (the default) = unknown, no check. */
void h3_conn_set_bidi_stream_limit(h3_conn *c, uint64_t max_client_bidi_streams);
/** Opens our control stream with SETTINGS (§6.2.1). Call once, first. The transport facts
 * above must be set before the peer's SETTINGS arrive. */
int h3_conn_start(h3_conn *c);

/** Inputs. Each returns 0, or the (latched) connection error: afterwards the binding
 * sends CONNECTION_CLOSE with h3_conn_error's code and reason. */
int h3_conn_on_stream_data(h3_conn *c, uint64_t stream_id, const uint8_t *p, size_t len,
                           bool fin);
int h3_conn_on_stream_reset(h3_conn *c, uint64_t stream_id, uint64_t app_error); /**< RESET_STREAM from the peer */
int h3_conn_on_stop_sending(h3_conn *c, uint64_t stream_id, uint64_t app_error); /**< STOP_SENDING from the peer */
/** A QUIC DATAGRAM frame payload (copied when it becomes an event). */
int h3_conn_on_datagram(h3_conn *c, const uint8_t *p, size_t len);

/** Outputs: stream bytes. Peek the first stream with something to send, write what
 * the transport takes, then consume that many bytes (fin is due when all are consumed).
 * A peek shows one contiguous run of the stream's queue, which may be less than all
 * that is queued (the queue is a ring, so bytes never move while they wait); fin is
 * set only on the run that ends the queue. p stays valid until the next call. */
typedef struct h3_stream_out {
    uint64_t stream_id; /**< the stream */
    const uint8_t *p;   /**< bytes to send (owned by h3) */
    size_t len;         /**< their count */
    bool fin;           /**< the stream ends after them */
} h3_stream_out;
bool h3_conn_peek_stream(h3_conn *c, h3_stream_out *out); /**< false: nothing to send */
void h3_conn_consume_stream(h3_conn *c, uint64_t stream_id, size_t n); /**< n bytes were sent */

/** Outputs: stream actions to perform on the transport. */
typedef enum h3_action_kind {
    H3_ACTION_STOP_SENDING = 1, /**< send STOP_SENDING */
    H3_ACTION_RESET_STREAM,     /**< send RESET_STREAM */
} h3_action_kind;
/** One stream action for the transport. */
typedef struct h3_action {
    h3_action_kind kind; /**< which frame */
    uint64_t stream_id;  /**< on which stream */
    uint64_t code;       /**< with which application error code */
} h3_action;
bool h3_conn_next_action(h3_conn *c, h3_action *a); /**< false: none due */

/** Outputs: HTTP datagrams to send as QUIC DATAGRAM payloads. */
bool h3_conn_next_datagram(h3_conn *c, const uint8_t **p, size_t *len);


/** What h3_conn_next_event() reports. */
typedef enum h3_event_type {
    H3_EV_SETTINGS = 1,   /**< peer SETTINGS: see h3_conn_peer_* */
    H3_EV_REQUEST,        /**< server: request headers, validated (req, fields) */
    H3_EV_RESPONSE,       /**< client: final response headers (status, fields) */
    H3_EV_TRAILERS,       /**< fields */
    H3_EV_DATA,           /**< request/response content (data) */
    H3_EV_FIN,            /**< the peer finished the stream */
    H3_EV_STREAM_RESET,   /**< the peer reset the stream (code) */
    H3_EV_DATAGRAM,       /**< HTTP datagram (stream_id, data), QUIC frame or capsule */
    H3_EV_GOAWAY,         /**< id */
    H3_EV_CONN_ERROR,     /**< code, reason: close the connection */
    H3_EV_STREAM_ERROR,   /**< we aborted the stream: malformed or incomplete message (code) */
} h3_event_type;

/** One HTTP/3 event; pointers in it are owned by the connection (lifetimes below). */
typedef struct h3_event {
    h3_event_type type;   /**< what happened */
    uint64_t stream_id;   /**< the request stream (stream events, DATAGRAM) */
    const uint8_t *data;  /**< DATA, DATAGRAM */
    size_t len;           /**< length of data */
    unsigned status;      /**< RESPONSE */
    h3_request_head req;  /**< REQUEST */
    const h3_field *fields; /**< REQUEST, RESPONSE, TRAILERS */
    size_t n_fields;      /**< entries in fields */
    uint64_t id;          /**< GOAWAY */
    uint64_t code;        /**< STREAM_RESET, STREAM_ERROR, CONN_ERROR (wire code) */
    const char *reason;   /**< CONN_ERROR */
} h3_event;
/** Pointers in *ev stay valid until the next h3_conn_next_event or input (h3_conn_on_*)
 * call, so a payload can be passed straight back to h3_conn_send_datagram. */
bool h3_conn_next_event(h3_conn *c, h3_event *ev);
/** Events wait for h3_conn_next_event. */
bool h3_conn_has_events(const h3_conn *c);

/** HTTP datagrams without a copy in h3, for a transport that takes a gather (h3q):
 * Sending: checks that len payload bytes may go on stream_id now (as
 * h3_conn_send_datagram) and writes the Quarter Stream ID into prefix; the transport
 * sends prefix + payload as one DATAGRAM frame. Returns 0 or an error; nothing queued.
 * Receiving: a DATAGRAM frame payload as an H3_EV_DATAGRAM event in *ev whose data
 * points into p, past the Quarter Stream ID (valid as long as p is). Returns 1 (an
 * event), 0 (dropped and counted: unknown or closed stream) or the connection error. */
#define H3_DATAGRAM_PREFIX_MAX 8 /**< longest quarter stream ID prefix */
/** Sending half of the gather path above. */
int h3_conn_datagram_prefix(h3_conn *c, uint64_t stream_id, size_t len,
                            uint8_t prefix[H3_DATAGRAM_PREFIX_MAX], size_t *prefix_len);
/** Receiving half of the gather path above. */
int h3_conn_datagram_event(h3_conn *c, const uint8_t *p, size_t len, h3_event *ev);

/** Requests (client): opens the next client bidi stream, sends HEADERS, no FIN. */
int h3_conn_send_request(h3_conn *c, const h3_field *fields, size_t n, uint64_t *stream_id);
/** Responses (server) and trailers (either side): a HEADERS frame. */
int h3_conn_send_headers(h3_conn *c, uint64_t stream_id, const h3_field *fields, size_t n);
/** Server: a response with :status and optional extra fields. */
int h3_conn_send_response(h3_conn *c, uint64_t stream_id, unsigned status,
                          const h3_field *extra, size_t n_extra);
/** DATA on a stream (copied; fin: then end it); 0 or an error (H3_ERR_* when the
 * stream is unknown, closed, or its send buffer would pass max_stream_send). */
int h3_conn_send_data(h3_conn *c, uint64_t stream_id, const uint8_t *p, size_t len, bool fin);
/** Ends our side of the stream (FIN after what is buffered). */
int h3_conn_send_fin(h3_conn *c, uint64_t stream_id);
/** Resets our side and asks the peer to stop (stream error). */
int h3_conn_abort_stream(h3_conn *c, uint64_t stream_id, uint64_t code);
/** An HTTP datagram on a request stream (queued for h3_conn_next_datagram). */
int h3_conn_send_datagram(h3_conn *c, uint64_t stream_id, const uint8_t *p, size_t len);
/** A DATAGRAM capsule inside a DATA frame on the stream (RFC 9297 §3.5). */
int h3_conn_send_datagram_capsule(h3_conn *c, uint64_t stream_id, const uint8_t *p,
                                  size_t len);
/** Largest HTTP datagram payload for this stream: path maximum minus quarter ID. */
size_t h3_conn_max_datagram_payload(const h3_conn *c, uint64_t stream_id);
/** Graceful shutdown: GOAWAY on the control stream (§5.2). */
int h3_conn_send_goaway(h3_conn *c);

/** The peer's SETTINGS arrived (remembered ones, h3_conn_remember_peer_settings, do not count). */
bool h3_conn_peer_settings_received(const h3_conn *c);
/** The peer's SETTINGS (defaults before they arrived); owned by c. */
const h3_settings *h3_conn_peer_settings(const h3_conn *c);
/** Client with QUIC 0-RTT (RFC 9114 §7.2.4.2): the server's SETTINGS of an
 * earlier connection (a payload of h3_settings_encode) stand for its SETTINGS
 * until these arrive, so a request (and datagrams) can go at once. After
 * h3_conn_start; an H3_EV_SETTINGS event follows. 0 or an error (nothing set). */
int h3_conn_remember_peer_settings(h3_conn *c, const uint8_t *p, size_t len);
/** Client: the server refused 0-RTT, so its SETTINGS may differ from the remembered
 * ones; accepted, SETTINGS that omit or lower one of them are H3_SETTINGS_ERROR
 * (RFC 9114 §7.2.4.2). */
void h3_conn_forget_remembered_settings(h3_conn *c);
/** Both sides sent H3_DATAGRAM = 1 and QUIC negotiated DATAGRAM frames. */
bool h3_conn_datagrams_enabled(const h3_conn *c);
/** The server sent ENABLE_CONNECT_PROTOCOL = 1 (as seen by a client). */
bool h3_conn_peer_extended_connect(const h3_conn *c);
/** The latched error: 0 while the connection is fine. */
int h3_conn_error(const h3_conn *c, uint64_t *wire_code, const char **reason);
/** Counters for study and tests. */
typedef struct h3_conn_stats {
    uint64_t datagrams_dropped_unknown; /**< unknown or closed stream */
    uint64_t datagrams_dropped_queue;   /**< event data full */
    /**@{*/ /** HTTP datagrams received and sent; frames and streams of unknown
     * types skipped (RFC 9114 §9). */
    uint64_t datagrams_received, datagrams_sent;
    uint64_t unknown_frames, unknown_streams;
    /**@}*/
} h3_conn_stats;
void h3_conn_get_stats(const h3_conn *c, h3_conn_stats *s); /**< fills *s */

#ifdef __cplusplus
}
#endif

#endif
