/**
 * QUIC errors, in one place for the whole module (DESIGN.md, Errors):
 *
 * - the wire codes of RFC 9000 §20.1 (CONNECTION_CLOSE 0x1c, the close info);
 * - one enum of local codes (negative) that every file of quic/ returns, in
 *   sub-ranges per part, the connection API's last;
 * - one table (quic_err.c) that gives each local code its RFC 9000 §20.1 code
 *   and a text, and each wire code its name: close reasons, logs, traces and
 *   the application use it, and no part keeps a map of its own.
 *
 * A connection fails through one channel: the first error is latched as
 * {wire code, frame type, reason} (quic_conn_close_info) and from then on every
 * call returns QUIC_ERR_CLOSING, whatever the local code that caused it.
 *
 * Ranges of local codes across quince (all negative, distinct):
 *   base/ -1..-99   crypto/ wrappers -100..-199   crypto/ TLS -200..-499
 *   quic/ packet -1000..-1099, frame -1100..-1199, transport parameters
 *         -1200..-1299, connection parts -1300..-1459, API -1460..-1499
 *   qpack/ -2000..-2199   h3/ -3000..-3299
 * No other header of quic/ declares error codes.
 * @file
 */
#ifndef QUIC_ERR_H
#define QUIC_ERR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** RFC 9000 §20.1 transport error codes. */
enum {
    QUIC_NO_ERROR = 0x00, /**< closed without an error */
    QUIC_INTERNAL_ERROR = 0x01, /**< the endpoint failed on its own */
    QUIC_CONNECTION_REFUSED = 0x02, /**< the server refuses the connection */
    QUIC_FLOW_CONTROL_ERROR = 0x03, /**< more data than the advertised limits allow */
    QUIC_STREAM_LIMIT_ERROR = 0x04, /**< a stream beyond the stream limit */
    QUIC_STREAM_STATE_ERROR = 0x05, /**< a frame for a stream in a state that forbids it */
    QUIC_FINAL_SIZE_ERROR = 0x06, /**< a final size changed or data past it */
    QUIC_FRAME_ENCODING_ERROR = 0x07, /**< a badly formatted frame */
    QUIC_TRANSPORT_PARAMETER_ERROR = 0x08, /**< bad transport parameters */
    QUIC_CONNECTION_ID_LIMIT_ERROR = 0x09, /**< more connection IDs than active_connection_id_limit */
    QUIC_PROTOCOL_VIOLATION = 0x0a, /**< a protocol error without a more specific code */
    QUIC_INVALID_TOKEN = 0x0b, /**< a Retry or NEW_TOKEN token the server cannot accept */
    QUIC_APPLICATION_ERROR = 0x0c, /**< the application closed (code hidden in Initial/Handshake) */
    QUIC_CRYPTO_BUFFER_EXCEEDED = 0x0d, /**< too much CRYPTO data buffered */
    QUIC_KEY_UPDATE_ERROR = 0x0e, /**< a key update done wrong */
    QUIC_AEAD_LIMIT_REACHED = 0x0f, /**< the AEAD limits were reached (RFC 9001 §6.6) */
    QUIC_NO_VIABLE_PATH = 0x10, /**< no path with a large enough MTU */
    QUIC_VERSION_NEGOTIATION_ERROR = 0x11, /**< RFC 9368 §4, §7.3: a version downgrade or mismatch */
    QUIC_CRYPTO_ERROR_BASE = 0x100, /**< 0x100 + TLS alert (RFC 9001 §4.8) */
};

/** The local codes of quic/. */
typedef enum quic_err {
    QUIC_OK = 0, /**< success */
    /* ---- packet codec (packet.h, packet_*.c, protect.c) ---- */
    QUIC_PKT_ERR_TRUNCATED = -1000,    /**< header runs past the end of the datagram */
    QUIC_PKT_ERR_FIXED_BIT = -1001,    /**< RFC 9000 §17.2/§17.3: fixed bit 0, discard */
    QUIC_PKT_ERR_CID_LEN = -1002,      /**< CID longer than 20 bytes in v1/v2 */
    QUIC_PKT_ERR_LENGTH = -1003,       /**< Length field beyond the datagram */
    QUIC_PKT_ERR_VERSION = -1004,      /**< unsupported version; invariant fields are set */
    QUIC_PKT_ERR_VN = -1005,           /**< Version Negotiation list malformed */
    QUIC_PKT_ERR_RETRY = -1006,        /**< Retry too short for its tag, or empty token */
    QUIC_PKT_ERR_SHORT_SAMPLE = -1007, /**< no room for the header protection sample */
    QUIC_PKT_ERR_DECRYPT = -1008,      /**< AEAD open failed: drop silently (§12.2) */
    QUIC_PKT_ERR_RESERVED = -1009,     /**< reserved bits set after unprotect: PROTOCOL_VIOLATION */
    QUIC_PKT_ERR_PN_LEN = -1010,       /**< packet number length not 1..4 */
    QUIC_PKT_ERR_NO_SPACE = -1011,     /**< output buffer too small */
    QUIC_PKT_ERR_LENGTH_FIELD = -1012, /**< payload too long for the Length field width */
    QUIC_PKT_ERR_RETRY_TAG = -1013,    /**< Retry Integrity Tag does not verify */
    QUIC_PKT_ERR_CRYPTO = -1014,       /**< libcrypto failure while (un)protecting */
    QUIC_PKT_ERR_ARG = -1015,          /**< a caller's argument out of range */
    QUIC_PKT_ERR_DCID = -1016,         /**< coalesced packet with another DCID (§12.2) */
    /* ---- frame codec (frame.h, frame*.c) ---- */
    QUIC_FRAME_ERR_TRUNCATED = -1101,     /**< a field runs past the end */
    QUIC_FRAME_ERR_UNKNOWN_TYPE = -1102,  /**< §12.4: unknown frame type */
    QUIC_FRAME_ERR_TYPE_ENCODING = -1103, /**< §12.4: frame type not shortest */
    QUIC_FRAME_ERR_ACK_RANGE = -1104,     /**< §19.3.1: range below packet number 0 */
    QUIC_FRAME_ERR_STREAM_OFFSET = -1105, /**< §19.8: offset + length > 2^62-1 */
    QUIC_FRAME_ERR_CRYPTO_OFFSET = -1106, /**< §19.6: offset + length > 2^62-1 */
    QUIC_FRAME_ERR_CID_LEN = -1107,       /**< §19.15: length 0 or > 20 */
    QUIC_FRAME_ERR_RETIRE_PRIOR_TO = -1108, /**< §19.15: retire_prior_to > seq */
    QUIC_FRAME_ERR_MAX_STREAMS = -1109,   /**< §19.11: > 2^60 */
    QUIC_FRAME_ERR_STREAMS_BLOCKED = -1110, /**< §19.14: > 2^60 */
    QUIC_FRAME_ERR_EMPTY_TOKEN = -1111,   /**< §19.7: NEW_TOKEN with empty token */
    QUIC_FRAME_ERR_NOT_ALLOWED = -1112,   /**< §12.4: frame not allowed in packet type */
    QUIC_FRAME_ERR_SERVER_ONLY = -1113,   /**< §19.7, §19.20: from a client */
    QUIC_FRAME_ERR_NO_SPACE = -1120,      /**< encode: output buffer too small */
    QUIC_FRAME_ERR_INVALID = -1121,       /**< encode: frame struct cannot be encoded */
    /* ---- transport parameters (tparams.h) ---- */
    QUIC_TP_ERR_TRUNCATED = -1201,          /**< id, length or value past the end */
    QUIC_TP_ERR_DUPLICATE = -1202,          /**< §7.4: an id appears twice */
    QUIC_TP_ERR_VARINT_LEN = -1203,         /**< integer value length != its varint */
    QUIC_TP_ERR_SERVER_ONLY = -1204,        /**< §18.2: server-only id from a client */
    QUIC_TP_ERR_ACK_DELAY_EXPONENT = -1205, /**< > 20 */
    QUIC_TP_ERR_MAX_ACK_DELAY = -1206,      /**< >= 2^14 */
    QUIC_TP_ERR_MAX_UDP_PAYLOAD = -1207,    /**< < 1200 */
    QUIC_TP_ERR_ACTIVE_CID_LIMIT = -1208,   /**< < 2 */
    QUIC_TP_ERR_MAX_STREAMS = -1209,        /**< initial_max_streams_* > 2^60 */
    QUIC_TP_ERR_CID_LEN = -1210,            /**< a connection ID above 20 bytes */
    QUIC_TP_ERR_RESET_TOKEN_LEN = -1211,    /**< stateless_reset_token not 16 bytes */
    QUIC_TP_ERR_DISABLE_MIGRATION = -1212,  /**< disable_active_migration not empty */
    QUIC_TP_ERR_PREFERRED_ADDRESS = -1213,  /**< malformed, or zero-length CID */
    QUIC_TP_ERR_TOO_MANY = -1214,           /**< more than QUIC_TP_MAX_UNKNOWN unknown */
    QUIC_TP_ERR_VERSION_INFO = -1215,       /**< RFC 9368 §4: version_information malformed */
    QUIC_TP_ERR_NO_SPACE = -1220,           /**< encode: output too small */
    QUIC_TP_ERR_INVALID = -1221,            /**< encode: struct holds an invalid value */
    /* ---- received packet numbers (ackrange.h) ---- */
    QUIC_ACKRANGE_ERR_DUPLICATE = -1300, /**< packet number already received */
    QUIC_ACKRANGE_ERR_RANGE = -1301,      /**< packet number above 2^62-1 */
    /* ---- loss recovery (recovery.h) ---- */
    /** The ACK covers a packet number never sent (above the largest sent, or one
     * skipped on purpose): PROTOCOL_VIOLATION (RFC 9000 §13.1). */
    QUIC_RECOVERY_ERR_UNSENT_ACKED = -1310,
    QUIC_RECOVERY_ERR_FULL = -1311,      /**< ring full of ack-eliciting records */
    QUIC_RECOVERY_ERR_PN_ORDER = -1312,  /**< packet numbers must increase */
    QUIC_RECOVERY_ERR_DISCARDED = -1313, /**< space already discarded */
    QUIC_RECOVERY_ERR_BAD_RANGES = -1314,/**< ranges not largest first / disjoint */
    QUIC_RECOVERY_ERR_NOMEM = -1315, /**< no memory for the sent-packet log */
    QUIC_RECOVERY_ERR_ARG = -1316, /**< a bad argument */
    /* ---- receive buffers (recvbuf.h) ---- */
    /** data beyond max_offset: FLOW_CONTROL_ERROR for streams,
     * CRYPTO_BUFFER_EXCEEDED for CRYPTO (RFC 9000 §4.1, §7.5) */
    QUIC_RECVBUF_ERR_FLOW = -1330,
    QUIC_RECVBUF_ERR_FINAL_SIZE = -1331, /**< RFC 9000 §4.5: FINAL_SIZE_ERROR */
    QUIC_RECVBUF_ERR_RANGE = -1332,      /**< offset + length > 2^62-1: FRAME_ENCODING_ERROR */
    QUIC_RECVBUF_ERR_NOMEM = -1333, /**< no memory for out-of-order data */
    QUIC_RECVBUF_ERR_WINDOW = -1334,      /**< max_offset set beyond the configured window */
    /* ---- send buffers (sendbuf.h) ---- */
    QUIC_SENDBUF_ERR_FIN = -1340,   /**< append after finish */
    QUIC_SENDBUF_ERR_NOMEM = -1341, /**< no memory for queued stream data */
    QUIC_SENDBUF_ERR_ARG = -1342, /**< a bad argument */
    /* ---- flow control (flowctl.h) ---- */
    QUIC_FLOWCTL_ERR_EXCEEDED = -1350, /**< peer sent beyond our limit: FLOW_CONTROL_ERROR */
    QUIC_FLOWCTL_ERR_OVERSEND = -1351, /**< we tried to send beyond the peer's limit */
    QUIC_FLOWCTL_ERR_RANGE = -1352,     /**< value above 2^62-1 */
    /* ---- datagram queues (dgram_queue.h) ---- */
    QUIC_DGRAM_ERR_FULL = -1360,       /**< dropped: queue full (refuse-new policy) */
    QUIC_DGRAM_ERR_TOO_LARGE = -1361,  /**< dropped: larger than a slot */
    QUIC_DGRAM_ERR_EMPTY = -1362, /**< the datagram queue is empty */
    QUIC_DGRAM_ERR_SHORT_BUFFER = -1363, /**< read buffer too small; stays queued */
    QUIC_DGRAM_ERR_NOMEM = -1364, /**< no memory for the datagram queue */
    QUIC_DGRAM_ERR_ARG = -1365, /**< a bad argument */
    /* ---- connection IDs (cid.h) ---- */
    QUIC_CID_ERR_RETIRE_UNKNOWN = -1400,  /**< RETIRE of a sequence never issued: PROTOCOL_VIOLATION */
    QUIC_CID_ERR_RETIRE_CURRENT = -1401,  /**< RETIRE names the packet's own DCID: PROTOCOL_VIOLATION */
    QUIC_CID_ERR_ZERO_LENGTH = -1402,     /**< NEW/RETIRE while zero-length CIDs: PROTOCOL_VIOLATION */
    QUIC_CID_ERR_LIMIT = -1403,           /**< more active CIDs than we allow: CONNECTION_ID_LIMIT_ERROR */
    QUIC_CID_ERR_MISMATCH = -1404,        /**< same sequence, other CID or token: PROTOCOL_VIOLATION */
    QUIC_CID_ERR_RETIRE_BACKLOG = -1405,  /**< too many RETIRE frames owed: CONNECTION_ID_LIMIT_ERROR */
    QUIC_CID_ERR_FULL = -1406,            /**< no free slot to issue another CID (local use) */
    /* ---- sent items (sentlog.h) ---- */
    QUIC_SENTLOG_ERR_FULL = -1420, /**< the ring is at its cap: send fewer items */
    QUIC_SENTLOG_ERR_NOMEM = -1421, /**< no memory for the sent-packet log */
    /* ---- key phases (keyphase.h) ---- */
    QUIC_KP_ERR_KEY_UPDATE = -1430, /**< KEY_UPDATE_ERROR (RFC 9001 §6.4, §6.5) */
    QUIC_KP_ERR_CRYPTO = -1431,     /**< key derivation or context setup failed */
    QUIC_KP_ERR_NOT_ALLOWED = -1432, /**< initiating now is not allowed (§6.1) */
    QUIC_KP_ERR_LIMIT = -1433,       /**< AEAD_LIMIT_REACHED (§6.6) */
    /* ---- address-validation tokens (token.h) ---- */
    /** Not ours, altered, or for another address: INVALID_TOKEN for a Retry
     * token (RFC 9000 §8.1.3); a NEW_TOKEN token is only ignored. */
    QUIC_TOKEN_ERR_INVALID = -1440,
    QUIC_TOKEN_ERR_EXPIRED = -1441, /**< older than the allowed age: as INVALID */
    QUIC_TOKEN_ERR_CRYPTO = -1442,  /**< sealing or opening failed in libcrypto */
    /* ---- the server endpoint's CID routing table (cid_table.h) ---- */
    QUIC_CIDT_ERR_FULL = -1450,   /**< the connection limit is reached: CONNECTION_REFUSED */
    QUIC_CIDT_ERR_EXISTS = -1451, /**< the CID is already routed */
    QUIC_CIDT_ERR_NOMEM = -1452,  /**< no memory to grow the routing table */

    /* ---- the connection API (quic.h) ---- */
    QUIC_ERR_ARG = -1460,          /**< a bad argument */
    QUIC_ERR_NOMEM = -1461,        /**< the allocator said no */
    /** The connection failed or is closing, draining or closed: every call
     * after the failure returns this one code; quic_conn_close_info says why. */
    QUIC_ERR_CLOSING = -1462,
    QUIC_ERR_STREAM = -1463,       /**< no such stream, or not in a state for this */
    QUIC_ERR_STREAM_LIMIT = -1464, /**< the peer's MAX_STREAMS does not allow another */
    QUIC_ERR_BLOCKED = -1465,      /**< no room now (flow control or buffer): try later */
    QUIC_ERR_DGRAM_OFF = -1466,    /**< the peer does not accept DATAGRAM frames */
    QUIC_ERR_DGRAM_SIZE = -1467,   /**< larger than the peer or the path allows */
    QUIC_ERR_TLS = -1468,          /**< TLS setup failed */
} quic_err;

/** The former name of QUIC_ERR_CLOSING, for code written before it. */
#define QUIC_ERR_CLOSED QUIC_ERR_CLOSING

/** The RFC 9000 §20.1 code a local code closes the connection with;
 * QUIC_NO_ERROR for 0 and for codes that never close one (a packet that is
 * dropped, a datagram that is not queued), QUIC_INTERNAL_ERROR for unknown. */
uint64_t quic_err_to_wire(int err);
/** A short text for a local code (close reasons, logs, the verbose mode). */
const char *quic_err_str(int err);
/** The RFC name of a transport error code ("PROTOCOL_VIOLATION"; "CRYPTO_ERROR"
 * for 0x100-0x1ff, RFC 9001 §4.8); "unknown" for others. */
const char *quic_wire_err_name(uint64_t code);
/** The i-th local code of the table (for tests); 0 past the last. */
int quic_err_code_at(size_t i);

#ifdef __cplusplus
}
#endif

#endif
