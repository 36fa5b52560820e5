/* The frame table (RFC 9000 §12.4, Table 3; RFC 9221 §4), frame names and the
 * frame error codes. One row per frame type value says which packet types may
 * carry it, its N/C/P/F flags and, for frames made only of varints, how many. */
#include "quic/frame.h"
#include "quic/quic_err.h"

#define I (1u << QUIC_PKT_INITIAL)
#define H (1u << QUIC_PKT_HANDSHAKE)
#define Z (1u << QUIC_PKT_0RTT)
#define O (1u << QUIC_PKT_1RTT)

#define N QUIC_FRAME_F_NOT_ACK_ELICITING
#define C QUIC_FRAME_F_NOT_IN_FLIGHT
#define P QUIC_FRAME_F_PROBING
#define F QUIC_FRAME_F_FLOW_CONTROLLED
#define S QUIC_FRAME_F_SERVER_ONLY

/* Indexed by type 0x00..0x1e; the Pkts column of Table 3 letter by letter. */
static const quic_frame_info frame_table[0x1f] = {
    [0x00] = {"PADDING", I | H | Z | O, N | P, 0},
    [0x01] = {"PING", I | H | Z | O, 0, 0},
    [0x02] = {"ACK", I | H | O, N | C, 0},
    [0x03] = {"ACK_ECN", I | H | O, N | C, 0},
    [0x04] = {"RESET_STREAM", Z | O, 0, 3},
    [0x05] = {"STOP_SENDING", Z | O, 0, 2},
    [0x06] = {"CRYPTO", I | H | O, 0, 0},
    [0x07] = {"NEW_TOKEN", O, S, 0},
    [0x08] = {"STREAM", Z | O, F, 0},
    [0x09] = {"STREAM", Z | O, F, 0},
    [0x0a] = {"STREAM", Z | O, F, 0},
    [0x0b] = {"STREAM", Z | O, F, 0},
    [0x0c] = {"STREAM", Z | O, F, 0},
    [0x0d] = {"STREAM", Z | O, F, 0},
    [0x0e] = {"STREAM", Z | O, F, 0},
    [0x0f] = {"STREAM", Z | O, F, 0},
    [0x10] = {"MAX_DATA", Z | O, 0, 1},
    [0x11] = {"MAX_STREAM_DATA", Z | O, 0, 2},
    [0x12] = {"MAX_STREAMS_BIDI", Z | O, 0, 1},
    [0x13] = {"MAX_STREAMS_UNI", Z | O, 0, 1},
    [0x14] = {"DATA_BLOCKED", Z | O, 0, 1},
    [0x15] = {"STREAM_DATA_BLOCKED", Z | O, 0, 2},
    [0x16] = {"STREAMS_BLOCKED_BIDI", Z | O, 0, 1},
    [0x17] = {"STREAMS_BLOCKED_UNI", Z | O, 0, 1},
    [0x18] = {"NEW_CONNECTION_ID", Z | O, P, 0},
    [0x19] = {"RETIRE_CONNECTION_ID", Z | O, 0, 1},
    [0x1a] = {"PATH_CHALLENGE", Z | O, P, 0},
    [0x1b] = {"PATH_RESPONSE", O, P, 0},
    /* "ih": only the transport variant 0x1c may appear in Initial/Handshake. */
    [0x1c] = {"CONNECTION_CLOSE", I | H | Z | O, N, 0},
    [0x1d] = {"CONNECTION_CLOSE_APP", Z | O, N, 0},
    [0x1e] = {"HANDSHAKE_DONE", O, S, 0},
};

/* RFC 9221 §4-5: 0-RTT and 1-RTT, ack-eliciting, congestion controlled, not
 * flow controlled. */
static const quic_frame_info datagram_rows[2] = {
    {"DATAGRAM", Z | O, 0, 0},
    {"DATAGRAM_LEN", Z | O, 0, 0},
};

const quic_frame_info *quic_frame_info_get(uint64_t type)
{
    if (type < sizeof frame_table / sizeof frame_table[0])
        return &frame_table[type];
    if (type == QUIC_FT_DATAGRAM || type == QUIC_FT_DATAGRAM_LEN)
        return &datagram_rows[type - QUIC_FT_DATAGRAM];
    return NULL;
}

bool quic_frame_allowed(uint64_t type, quic_pkt_type pt)
{
    const quic_frame_info *fi = quic_frame_info_get(type);
    return fi && (unsigned)pt < 8 && (fi->pkts & (1u << pt));
}

static bool has_flag(uint64_t type, uint8_t flag, bool unknown)
{
    const quic_frame_info *fi = quic_frame_info_get(type);
    return fi ? (fi->flags & flag) != 0 : unknown;
}

bool quic_frame_is_ack_eliciting(uint64_t type) { return !has_flag(type, N, true); }
bool quic_frame_is_in_flight(uint64_t type) { return !has_flag(type, C, true); }
bool quic_frame_is_probing(uint64_t type) { return has_flag(type, P, false); }
bool quic_frame_is_flow_controlled(uint64_t type) { return has_flag(type, F, false); }

int quic_frame_check_recv(uint64_t type, quic_pkt_type pt, bool from_server)
{
    const quic_frame_info *fi = quic_frame_info_get(type);
    if (!fi)
        return QUIC_FRAME_ERR_UNKNOWN_TYPE;
    if (!quic_frame_allowed(type, pt))
        return QUIC_FRAME_ERR_NOT_ALLOWED; /* §12.4 */
    if ((fi->flags & S) && !from_server)
        return QUIC_FRAME_ERR_SERVER_ONLY; /* §19.7, §19.20 */
    return 0;
}

const char *quic_frame_type_name(uint64_t type)
{
    const quic_frame_info *fi = quic_frame_info_get(type);
    return fi ? fi->name : "UNKNOWN";
}

static const struct {
    int err;
    int wire;
    const char *str;
} frame_errs[] = {
    {QUIC_FRAME_ERR_TRUNCATED, QUIC_FRAME_ENCODING_ERROR, "frame truncated"},
    {QUIC_FRAME_ERR_UNKNOWN_TYPE, QUIC_FRAME_ENCODING_ERROR, "unknown frame type"},
    {QUIC_FRAME_ERR_TYPE_ENCODING, QUIC_PROTOCOL_VIOLATION,
     "frame type not in its shortest encoding"},
    {QUIC_FRAME_ERR_ACK_RANGE, QUIC_FRAME_ENCODING_ERROR,
     "ACK range below packet number 0"},
    {QUIC_FRAME_ERR_STREAM_OFFSET, QUIC_FRAME_ENCODING_ERROR,
     "STREAM offset + length above 2^62-1"},
    {QUIC_FRAME_ERR_CRYPTO_OFFSET, QUIC_FRAME_ENCODING_ERROR,
     "CRYPTO offset + length above 2^62-1"},
    {QUIC_FRAME_ERR_CID_LEN, QUIC_FRAME_ENCODING_ERROR,
     "NEW_CONNECTION_ID length 0 or above 20"},
    {QUIC_FRAME_ERR_RETIRE_PRIOR_TO, QUIC_FRAME_ENCODING_ERROR,
     "NEW_CONNECTION_ID retire_prior_to above sequence number"},
    {QUIC_FRAME_ERR_MAX_STREAMS, QUIC_FRAME_ENCODING_ERROR, "MAX_STREAMS above 2^60"},
    {QUIC_FRAME_ERR_STREAMS_BLOCKED, QUIC_FRAME_ENCODING_ERROR,
     "STREAMS_BLOCKED above 2^60"},
    {QUIC_FRAME_ERR_EMPTY_TOKEN, QUIC_FRAME_ENCODING_ERROR, "NEW_TOKEN with empty token"},
    {QUIC_FRAME_ERR_NOT_ALLOWED, QUIC_PROTOCOL_VIOLATION,
     "frame type not allowed in this packet type"},
    {QUIC_FRAME_ERR_SERVER_ONLY, QUIC_PROTOCOL_VIOLATION,
     "frame type only a server may send"},
    {QUIC_FRAME_ERR_NO_SPACE, QUIC_INTERNAL_ERROR, "no space to encode frame"},
    {QUIC_FRAME_ERR_INVALID, QUIC_INTERNAL_ERROR, "frame cannot be encoded"},
};

int quic_frame_err_to_wire(int err)
{
    for (size_t i = 0; i < sizeof frame_errs / sizeof frame_errs[0]; i++)
        if (frame_errs[i].err == err)
            return frame_errs[i].wire;
    return err == 0 ? QUIC_NO_ERROR : QUIC_INTERNAL_ERROR;
}

const char *quic_frame_err_str(int err)
{
    if (err == 0)
        return "ok";
    for (size_t i = 0; i < sizeof frame_errs / sizeof frame_errs[0]; i++)
        if (frame_errs[i].err == err)
            return frame_errs[i].str;
    return "unknown frame error";
}
