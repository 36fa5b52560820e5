/* The frame table (RFC 9000 §12.4, Table 3; RFC 9221 §4) and frame names. One row per frame type, sorted by type value: the type
 * values it covers, its name, which packet types may carry it, its N/C/P/F
 * flags, for frames made only of varints how many, and its codec. Frame error
 * codes are mapped with every other code of quic/ in quic_err.c. The
 * connection's handler table (conn_frames.c) is indexed by the same row ids. */
#include "quic/frame_codec.h"
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

/* The four codec functions of frame_codec.h named x. */
#define CODEC(x)                                                                          \
    quic_frame_##x##_decode, quic_frame_##x##_emit, quic_frame_##x##_equal, DESCRIBE(x)
#ifdef QUINCE_MINIMAL /* the size profile: no describe lines (frame_describe.c left out) */
#define DESCRIBE(x) NULL
#define NAME(id) "" /* nor frame names */
#else
#define DESCRIBE(x) quic_frame_##x##_describe
#define NAME(id) #id
#endif

#define ROW(id, lo, hi, pkts, flags, nints, codec)                                        \
    [QUIC_FRAME_ROW_##id] = {lo, hi, NAME(id), pkts, flags, nints, CODEC(codec)}

/* The Pkts column of Table 3 letter by letter; RFC 9221 §4-5 for DATAGRAM
 * (0-RTT and 1-RTT, ack-eliciting, congestion controlled, not flow controlled). */
static const quic_frame_row frame_rows[] = {
    ROW(PADDING, 0x00, 0x00, I | H | Z | O, N | P, 0, padding),
    ROW(PING, 0x01, 0x01, I | H | Z | O, 0, 0, empty),
    ROW(ACK, 0x02, 0x02, I | H | O, N | C, 0, ack),
    ROW(ACK_ECN, 0x03, 0x03, I | H | O, N | C, 0, ack),
    ROW(RESET_STREAM, 0x04, 0x04, Z | O, 0, 3, ints),
    ROW(STOP_SENDING, 0x05, 0x05, Z | O, 0, 2, ints),
    ROW(CRYPTO, 0x06, 0x06, I | H | O, 0, 0, crypto),
    ROW(NEW_TOKEN, 0x07, 0x07, O, S, 0, new_token),
    ROW(STREAM, 0x08, 0x0f, Z | O, F, 0, stream),
    ROW(MAX_DATA, 0x10, 0x10, Z | O, 0, 1, ints),
    ROW(MAX_STREAM_DATA, 0x11, 0x11, Z | O, 0, 2, ints),
    ROW(MAX_STREAMS_BIDI, 0x12, 0x12, Z | O, 0, 1, max_streams),
    ROW(MAX_STREAMS_UNI, 0x13, 0x13, Z | O, 0, 1, max_streams),
    ROW(DATA_BLOCKED, 0x14, 0x14, Z | O, 0, 1, ints),
    ROW(STREAM_DATA_BLOCKED, 0x15, 0x15, Z | O, 0, 2, ints),
    ROW(STREAMS_BLOCKED_BIDI, 0x16, 0x16, Z | O, 0, 1, streams_blocked),
    ROW(STREAMS_BLOCKED_UNI, 0x17, 0x17, Z | O, 0, 1, streams_blocked),
    ROW(NEW_CONNECTION_ID, 0x18, 0x18, Z | O, P, 0, new_cid),
    ROW(RETIRE_CONNECTION_ID, 0x19, 0x19, Z | O, 0, 1, ints),
    ROW(PATH_CHALLENGE, 0x1a, 0x1a, Z | O, P, 0, path),
    ROW(PATH_RESPONSE, 0x1b, 0x1b, O, P, 0, path),
    /* "ih": only the transport variant 0x1c may appear in Initial/Handshake. */
    ROW(CONNECTION_CLOSE, 0x1c, 0x1c, I | H | Z | O, N, 0, close),
    ROW(CONNECTION_CLOSE_APP, 0x1d, 0x1d, Z | O, N, 0, close),
    ROW(HANDSHAKE_DONE, 0x1e, 0x1e, O, S, 0, empty),
    ROW(DATAGRAM, 0x30, 0x30, Z | O, 0, 0, datagram),
    ROW(DATAGRAM_LEN, 0x31, 0x31, Z | O, 0, 0, datagram),
};

_Static_assert(sizeof frame_rows / sizeof frame_rows[0] == QUIC_FRAME_ROWS,
               "one row per quic_frame_row_id");

/* Binary search over the rows, which are sorted by type. */
int quic_frame_row_find(uint64_t type)
{
    size_t lo = 0, hi = QUIC_FRAME_ROWS;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (type < frame_rows[mid].lo)
            hi = mid;
        else if (type > frame_rows[mid].hi)
            lo = mid + 1;
        else
            return (int)mid;
    }
    return -1;
}

const quic_frame_row *quic_frame_row_at(int id)
{
    return id >= 0 && id < QUIC_FRAME_ROWS ? &frame_rows[id] : NULL;
}

const quic_frame_row *quic_frame_row_get(uint64_t type)
{
    return quic_frame_row_at(quic_frame_row_find(type));
}

bool quic_frame_allowed(uint64_t type, quic_pkt_type pt)
{
    const quic_frame_row *fi = quic_frame_row_get(type);
    return fi && (unsigned)pt < 8 && (fi->pkts & (1u << pt));
}

static bool has_flag(uint64_t type, uint8_t flag, bool unknown)
{
    const quic_frame_row *fi = quic_frame_row_get(type);
    return fi ? (fi->flags & flag) != 0 : unknown;
}

bool quic_frame_is_ack_eliciting(uint64_t type) { return !has_flag(type, N, true); }
bool quic_frame_is_in_flight(uint64_t type) { return !has_flag(type, C, true); }
bool quic_frame_is_probing(uint64_t type) { return has_flag(type, P, false); }
bool quic_frame_is_flow_controlled(uint64_t type) { return has_flag(type, F, false); }

int quic_frame_check_recv(uint64_t type, quic_pkt_type pt, bool from_server)
{
    const quic_frame_row *fi = quic_frame_row_get(type);
    if (!fi)
        return QUIC_FRAME_ERR_UNKNOWN_TYPE;
    if ((unsigned)pt >= 8 || !(fi->pkts & (1u << pt)))
        return QUIC_FRAME_ERR_NOT_ALLOWED; /* §12.4 */
    if ((fi->flags & S) && !from_server)
        return QUIC_FRAME_ERR_SERVER_ONLY; /* §19.7, §19.20 */
    return 0;
}

const char *quic_frame_type_name(uint64_t type)
{
    const quic_frame_row *fi = quic_frame_row_get(type);
    return fi ? fi->name : "UNKNOWN";
}
