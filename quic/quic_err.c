/* The one map of quic/'s errors (quic/quic_err.h): each local code's RFC 9000
 * §20.1 code and text (codes only in the QUINCE_MINIMAL size profile), and the
 * names of the wire codes. */
#include "quic/quic_err.h"

#define NO QUIC_NO_ERROR /* never closes: the packet or item is dropped */
#define IE QUIC_INTERNAL_ERROR
#define FE QUIC_FRAME_ENCODING_ERROR
#define PV QUIC_PROTOCOL_VIOLATION
#define TP QUIC_TRANSPORT_PARAMETER_ERROR

#ifdef QUINCE_MINIMAL
/* The size profile: codes only, no texts, 4 bytes a row (issue 16); a wire
 * code of 256 or more would not compile (the sizeof of a negative array). */
#define E(code, wire, text) {code, (uint8_t)((wire) + 0 * sizeof(char[(wire) < 256 ? 1 : -1]))},
static const struct {
    int16_t code;
    uint8_t wire;
} errs[] = {
#else
#define E(code, wire, text) {code, wire, text},
static const struct {
    int code;
    uint64_t wire;
    const char *text;
} errs[] = {
#endif
    /* Packets: malformed, undecryptable, foreign or unverifiable packets are
     * dropped without a reply (RFC 9000 §12.2, §17.2.5.2; RFC 9001 §5.5). */
    E(QUIC_PKT_ERR_TRUNCATED, NO, "packet header truncated")
    E(QUIC_PKT_ERR_FIXED_BIT, NO, "fixed bit is 0")
    E(QUIC_PKT_ERR_CID_LEN, NO, "connection ID longer than 20 bytes")
    E(QUIC_PKT_ERR_LENGTH, NO, "Length field beyond the datagram")
    E(QUIC_PKT_ERR_VERSION, NO, "unsupported version")
    E(QUIC_PKT_ERR_VN, NO, "malformed Version Negotiation")
    E(QUIC_PKT_ERR_RETRY, NO, "malformed Retry")
    E(QUIC_PKT_ERR_SHORT_SAMPLE, NO, "packet too short for the header protection sample")
    E(QUIC_PKT_ERR_DECRYPT, NO, "packet decryption failed")
    /* RFC 9000 §17.2, §17.3.1: reserved bits after removing protection. */
    E(QUIC_PKT_ERR_RESERVED, PV, "reserved header bits are not zero")
    E(QUIC_PKT_ERR_PN_LEN, IE, "bad packet number length")
    E(QUIC_PKT_ERR_NO_SPACE, IE, "no space for the packet")
    E(QUIC_PKT_ERR_LENGTH_FIELD, IE, "payload too long for the Length field")
    E(QUIC_PKT_ERR_RETRY_TAG, NO, "Retry integrity tag does not verify")
    E(QUIC_PKT_ERR_CRYPTO, IE, "crypto library failure")
    E(QUIC_PKT_ERR_ARG, IE, "invalid packet argument")
    E(QUIC_PKT_ERR_DCID, NO, "coalesced packet for another connection ID")
    /* Frames (RFC 9000 §12.4, §19). */
    E(QUIC_FRAME_ERR_TRUNCATED, FE, "frame truncated")
    E(QUIC_FRAME_ERR_UNKNOWN_TYPE, FE, "unknown frame type")
    E(QUIC_FRAME_ERR_TYPE_ENCODING, PV, "frame type not in its shortest encoding")
    E(QUIC_FRAME_ERR_ACK_RANGE, FE, "ACK range below packet number 0")
    E(QUIC_FRAME_ERR_STREAM_OFFSET, FE, "STREAM offset + length above 2^62-1")
    E(QUIC_FRAME_ERR_CRYPTO_OFFSET, FE, "CRYPTO offset + length above 2^62-1")
    E(QUIC_FRAME_ERR_CID_LEN, FE, "NEW_CONNECTION_ID length 0 or above 20")
    E(QUIC_FRAME_ERR_RETIRE_PRIOR_TO, FE, "NEW_CONNECTION_ID retire_prior_to above sequence number")
    E(QUIC_FRAME_ERR_MAX_STREAMS, FE, "MAX_STREAMS above 2^60")
    E(QUIC_FRAME_ERR_STREAMS_BLOCKED, FE, "STREAMS_BLOCKED above 2^60")
    E(QUIC_FRAME_ERR_EMPTY_TOKEN, FE, "NEW_TOKEN with empty token")
    E(QUIC_FRAME_ERR_NOT_ALLOWED, PV, "frame type not allowed in this packet type")
    E(QUIC_FRAME_ERR_SERVER_ONLY, PV, "frame type only a server may send")
    E(QUIC_FRAME_ERR_NO_SPACE, IE, "no space to encode frame")
    E(QUIC_FRAME_ERR_INVALID, IE, "frame cannot be encoded")
    /* Transport parameters (RFC 9000 §7.4, §18.2). */
    E(QUIC_TP_ERR_TRUNCATED, TP, "transport parameters truncated")
    E(QUIC_TP_ERR_DUPLICATE, TP, "duplicate transport parameter")
    E(QUIC_TP_ERR_VARINT_LEN, TP, "transport parameter length does not match its integer")
    E(QUIC_TP_ERR_SERVER_ONLY, TP, "server-only transport parameter from a client")
    E(QUIC_TP_ERR_ACK_DELAY_EXPONENT, TP, "ack_delay_exponent above 20")
    E(QUIC_TP_ERR_MAX_ACK_DELAY, TP, "max_ack_delay of 2^14 or more")
    E(QUIC_TP_ERR_MAX_UDP_PAYLOAD, TP, "max_udp_payload_size below 1200")
    E(QUIC_TP_ERR_ACTIVE_CID_LIMIT, TP, "active_connection_id_limit below 2")
    E(QUIC_TP_ERR_MAX_STREAMS, TP, "initial_max_streams above 2^60")
    E(QUIC_TP_ERR_CID_LEN, TP, "connection ID parameter above 20 bytes")
    E(QUIC_TP_ERR_RESET_TOKEN_LEN, TP, "stateless_reset_token not 16 bytes")
    E(QUIC_TP_ERR_DISABLE_MIGRATION, TP, "disable_active_migration with a value")
    E(QUIC_TP_ERR_PREFERRED_ADDRESS, TP, "malformed preferred_address")
    E(QUIC_TP_ERR_TOO_MANY, TP, "too many unknown transport parameters")
    E(QUIC_TP_ERR_VERSION_INFO, TP, "malformed version_information")
    E(QUIC_TP_ERR_NO_SPACE, IE, "no space to encode transport parameters")
    E(QUIC_TP_ERR_INVALID, IE, "transport parameters cannot be encoded")
    /* Received packet numbers. */
    E(QUIC_ACKRANGE_ERR_DUPLICATE, NO, "packet number already received")
    E(QUIC_ACKRANGE_ERR_RANGE, IE, "packet number above 2^62-1")
    /* Loss recovery (RFC 9002; RFC 9000 §13.1). */
    E(QUIC_RECOVERY_ERR_UNSENT_ACKED, PV, "ACK of a packet number never sent")
    E(QUIC_RECOVERY_ERR_FULL, IE, "too many packets in flight to track")
    E(QUIC_RECOVERY_ERR_PN_ORDER, IE, "packet numbers sent out of order")
    E(QUIC_RECOVERY_ERR_DISCARDED, NO, "packet number space already discarded")
    E(QUIC_RECOVERY_ERR_BAD_RANGES, IE, "ACK ranges not in order")
    E(QUIC_RECOVERY_ERR_NOMEM, IE, "out of memory for sent packets")
    E(QUIC_RECOVERY_ERR_ARG, IE, "invalid recovery argument")
    /* Receive buffers (RFC 9000 §4.1, §4.5, §7.5). */
    E(QUIC_RECVBUF_ERR_FLOW, QUIC_FLOW_CONTROL_ERROR, "data beyond the flow control limit")
    E(QUIC_RECVBUF_ERR_FINAL_SIZE, QUIC_FINAL_SIZE_ERROR, "final size changed or exceeded")
    E(QUIC_RECVBUF_ERR_RANGE, FE, "stream offset above 2^62-1")
    E(QUIC_RECVBUF_ERR_NOMEM, IE, "out of memory for received data")
    E(QUIC_RECVBUF_ERR_WINDOW, IE, "receive window beyond its configured size")
    /* Send buffers. */
    E(QUIC_SENDBUF_ERR_FIN, IE, "stream data after its end")
    E(QUIC_SENDBUF_ERR_NOMEM, IE, "out of memory for stream data")
    E(QUIC_SENDBUF_ERR_ARG, IE, "invalid send buffer argument")
    /* Flow control (RFC 9000 §4). */
    E(QUIC_FLOWCTL_ERR_EXCEEDED, QUIC_FLOW_CONTROL_ERROR,
      "peer sent beyond its flow control credit")
    E(QUIC_FLOWCTL_ERR_OVERSEND, IE, "sending beyond the peer's flow control credit")
    E(QUIC_FLOWCTL_ERR_RANGE, IE, "flow control value above 2^62-1")
    /* Datagram queues (RFC 9221 §5: dropped, never a connection error). */
    E(QUIC_DGRAM_ERR_FULL, NO, "datagram queue full")
    E(QUIC_DGRAM_ERR_TOO_LARGE, NO, "datagram larger than a queue slot")
    E(QUIC_DGRAM_ERR_EMPTY, NO, "datagram queue empty")
    E(QUIC_DGRAM_ERR_SHORT_BUFFER, NO, "buffer too small for the datagram")
    E(QUIC_DGRAM_ERR_NOMEM, NO, "out of memory for the datagram queue")
    E(QUIC_DGRAM_ERR_ARG, NO, "invalid datagram queue argument")
    /* Connection IDs (RFC 9000 §5.1, §19.15, §19.16). */
    E(QUIC_CID_ERR_RETIRE_UNKNOWN, PV, "RETIRE_CONNECTION_ID of a sequence never issued")
    E(QUIC_CID_ERR_RETIRE_CURRENT, PV, "RETIRE_CONNECTION_ID of the packet's own CID")
    E(QUIC_CID_ERR_ZERO_LENGTH, PV, "connection ID frame with zero-length CIDs")
    E(QUIC_CID_ERR_LIMIT, QUIC_CONNECTION_ID_LIMIT_ERROR, "too many connection IDs")
    E(QUIC_CID_ERR_MISMATCH, PV, "NEW_CONNECTION_ID sequence reused for another CID")
    E(QUIC_CID_ERR_RETIRE_BACKLOG, QUIC_CONNECTION_ID_LIMIT_ERROR,
      "too many connection IDs to retire")
    E(QUIC_CID_ERR_FULL, IE, "no room to issue a connection ID")
    /* Sent items. */
    E(QUIC_SENTLOG_ERR_FULL, IE, "sent item log full")
    E(QUIC_SENTLOG_ERR_NOMEM, IE, "out of memory for sent items")
    /* Key phases (RFC 9001 §6). */
    E(QUIC_KP_ERR_KEY_UPDATE, QUIC_KEY_UPDATE_ERROR, "key update error")
    E(QUIC_KP_ERR_CRYPTO, IE, "key derivation failed")
    E(QUIC_KP_ERR_NOT_ALLOWED, IE, "key update not allowed now")
    E(QUIC_KP_ERR_LIMIT, QUIC_AEAD_LIMIT_REACHED, "AEAD limit reached")
    /* Address-validation tokens (RFC 9000 §8.1.3, §8.1.4). */
    E(QUIC_TOKEN_ERR_INVALID, QUIC_INVALID_TOKEN, "token not ours, altered or for another path")
    E(QUIC_TOKEN_ERR_EXPIRED, QUIC_INVALID_TOKEN, "token expired")
    E(QUIC_TOKEN_ERR_CRYPTO, IE, "token sealing or opening failed")
    /* The server endpoint's CID routing table (RFC 9000 §20.1). */
    E(QUIC_CIDT_ERR_FULL, QUIC_CONNECTION_REFUSED, "connection limit reached")
    E(QUIC_CIDT_ERR_EXISTS, IE, "connection ID already routed")
    E(QUIC_CIDT_ERR_NOMEM, IE, "out of memory for the routing table")
    /* The connection API: local answers, never sent. */
    E(QUIC_ERR_ARG, IE, "invalid argument")
    E(QUIC_ERR_NOMEM, IE, "out of memory")
    E(QUIC_ERR_CLOSING, NO, "the connection failed or is closing")
    E(QUIC_ERR_STREAM, IE, "no such stream, or not in a state for this")
    E(QUIC_ERR_STREAM_LIMIT, IE, "the peer's stream limit is reached")
    E(QUIC_ERR_BLOCKED, IE, "blocked: try later")
    E(QUIC_ERR_DGRAM_OFF, IE, "the peer does not accept datagrams")
    E(QUIC_ERR_DGRAM_SIZE, IE, "datagram too large")
    E(QUIC_ERR_TLS, IE, "TLS setup failed")
};

#define N_ERRS (sizeof errs / sizeof errs[0])

static int find(int err)
{
    for (size_t i = 0; i < N_ERRS; i++)
        if (errs[i].code == err)
            return (int)i;
    return -1;
}

uint64_t quic_err_to_wire(int err)
{
    if (err == 0)
        return QUIC_NO_ERROR;
    int i = find(err);
    return i < 0 ? QUIC_INTERNAL_ERROR : errs[i].wire;
}

#ifdef QUINCE_MINIMAL
const char *quic_err_str(int err) { return err ? "error" : "ok"; }
const char *quic_wire_err_name(uint64_t code)
{
    (void)code;
    return "?";
}
#else
const char *quic_err_str(int err)
{
    if (err == 0)
        return "ok";
    int i = find(err);
    return i < 0 ? "unknown error code" : errs[i].text;
}

const char *quic_wire_err_name(uint64_t code)
{
    static const char *const names[] = {
        "NO_ERROR", "INTERNAL_ERROR", "CONNECTION_REFUSED", "FLOW_CONTROL_ERROR",
        "STREAM_LIMIT_ERROR", "STREAM_STATE_ERROR", "FINAL_SIZE_ERROR", "FRAME_ENCODING_ERROR",
        "TRANSPORT_PARAMETER_ERROR", "CONNECTION_ID_LIMIT_ERROR", "PROTOCOL_VIOLATION",
        "INVALID_TOKEN", "APPLICATION_ERROR", "CRYPTO_BUFFER_EXCEEDED", "KEY_UPDATE_ERROR",
        "AEAD_LIMIT_REACHED", "NO_VIABLE_PATH", "VERSION_NEGOTIATION_ERROR"};
    if (code < sizeof names / sizeof names[0])
        return names[code];
    if (code >= QUIC_CRYPTO_ERROR_BASE && code < QUIC_CRYPTO_ERROR_BASE + 0x100)
        return "CRYPTO_ERROR"; /* RFC 9001 §4.8: 0x100 + TLS alert */
    return "unknown";
}
#endif

int quic_err_code_at(size_t i)
{
    return i < N_ERRS ? errs[i].code : 0;
}
