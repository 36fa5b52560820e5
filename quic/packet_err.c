/* Packet-layer error codes: their text and what they mean on the wire. */
#include "quic/packet.h"

#include "quic/quic_err.h"

static const struct {
    int code;
    const char *text;
} g_err[] = {
    {QUIC_PKT_ERR_TRUNCATED, "packet header truncated"},
    {QUIC_PKT_ERR_FIXED_BIT, "fixed bit is 0"},
    {QUIC_PKT_ERR_CID_LEN, "connection ID longer than 20 bytes"},
    {QUIC_PKT_ERR_LENGTH, "Length field beyond the datagram"},
    {QUIC_PKT_ERR_VERSION, "unsupported version"},
    {QUIC_PKT_ERR_VN, "malformed Version Negotiation"},
    {QUIC_PKT_ERR_RETRY, "malformed Retry"},
    {QUIC_PKT_ERR_SHORT_SAMPLE, "packet too short for the header protection sample"},
    {QUIC_PKT_ERR_DECRYPT, "packet decryption failed"},
    {QUIC_PKT_ERR_RESERVED, "reserved header bits are not zero"},
    {QUIC_PKT_ERR_PN_LEN, "bad packet number length"},
    {QUIC_PKT_ERR_NO_SPACE, "no space for the packet"},
    {QUIC_PKT_ERR_LENGTH_FIELD, "payload too long for the Length field"},
    {QUIC_PKT_ERR_RETRY_TAG, "Retry integrity tag does not verify"},
    {QUIC_PKT_ERR_CRYPTO, "crypto library failure"},
    {QUIC_PKT_ERR_ARG, "invalid argument"},
    {QUIC_PKT_ERR_DCID, "coalesced packet for another connection ID"},
};

const char *quic_pkt_err_str(int code)
{
    for (size_t i = 0; i < sizeof g_err / sizeof g_err[0]; i++)
        if (g_err[i].code == code)
            return g_err[i].text;
    return "unknown packet error";
}

bool quic_pkt_err_wire(int code, uint64_t *wire)
{
    switch (code) {
    case QUIC_PKT_ERR_RESERVED:
        /* RFC 9000 §17.2, §17.3.1: reserved bits after removing protection. */
        *wire = QUIC_PROTOCOL_VIOLATION;
        return true;
    case QUIC_PKT_ERR_PN_LEN:
    case QUIC_PKT_ERR_NO_SPACE:
    case QUIC_PKT_ERR_LENGTH_FIELD:
    case QUIC_PKT_ERR_CRYPTO:
    case QUIC_PKT_ERR_ARG:
        /* Our own failures while building or protecting. */
        *wire = QUIC_INTERNAL_ERROR;
        return true;
    default:
        /* Malformed, undecryptable, foreign or unverifiable packets are
         * dropped without a reply (RFC 9000 §12.2, §17.2.5.2; RFC 9001 §5.5). */
        *wire = QUIC_NO_ERROR;
        return false;
    }
}
