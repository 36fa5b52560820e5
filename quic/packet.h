/*
 * QUIC packet headers (RFC 8999, RFC 9000 §17): a pure parser that turns the
 * bytes of a datagram into header structs pointing into it, an iterator over
 * the coalesced packets of a datagram (RFC 9000 §12.2), and writers for long and
 * short headers (Length back-patched after the payload), Version Negotiation and
 * Retry packets. Packet protection is separate (quic/protect.h): the parser sees
 * the first byte and the packet number still protected.
 */
#ifndef QUIC_PACKET_H
#define QUIC_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quic/quic_err.h"
#include "base/qb.h"
#include "quic/pkt_type.h"

/* Error codes: the QUIC_PKT_ERR_* of quic/quic_err.h. */

/* A packet-layer code that closes the connection maps to its RFC 9000 §20.1
 * code in quic_err_to_wire(); the others (QUIC_NO_ERROR there) mean the packet
 * or the datagram is dropped silently (RFC 9000 §12.2, §17.2; RFC 9001 §5.5). */

#define QUIC_VERSION_1 0x00000001u
#define QUIC_VERSION_2 0x6b3343cfu
#define QUIC_CID_MAX 20 /* RFC 9000 §17.2: in v1; RFC 8999 allows 255 */
#define QUIC_RETRY_TAG_LEN 16

/* RFC 9000 §17.2: header form (0x80), fixed bit (0x40). */
#define QUIC_PKT_FORM_LONG 0x80
#define QUIC_PKT_FIXED_BIT 0x40
/* §17.3.1: spin bit and (protected) key phase of short headers. */
#define QUIC_PKT_SPIN_BIT 0x20
#define QUIC_PKT_KEY_PHASE 0x04

/* True for the versions this codec knows how to parse beyond the invariants. */
bool quic_version_supported(uint32_t version);

/* One parsed packet. Pointers point into the caller's datagram. */
typedef struct quic_pkt_hdr {
    quic_pkt_type type;
    uint8_t first;        /* first byte as received (protected bits included) */
    uint32_t version;     /* 0 for a short header and Version Negotiation */
    const uint8_t *dcid;
    size_t dcid_len;
    const uint8_t *scid;  /* long headers only */
    size_t scid_len;
    const uint8_t *token; /* Initial token; Retry token */
    size_t token_len;
    const uint8_t *retry_tag;       /* Retry: the 16-byte Retry Integrity Tag */
    const uint8_t *versions;        /* Version Negotiation: 4-byte versions */
    size_t versions_count;
    uint64_t length;      /* Length field (Initial, 0-RTT, Handshake) */
    size_t pn_offset;     /* offset of the packet number from the packet start */
    const uint8_t *pkt;   /* start of this packet */
    size_t pkt_len;       /* whole packet: header, packet number, payload */
} quic_pkt_hdr;

/* Number of bytes from the packet number field to the end (protected payload,
 * packet number included). */
static inline size_t quic_pkt_hdr_protected_len(const quic_pkt_hdr *h)
{
    return h->pkt_len - h->pn_offset;
}

/* Parses the packet at the start of p (len = bytes left in the datagram).
 * short_dcid_len is the length of the DCIDs this endpoint issues (short headers
 * carry no length). On QUIC_PKT_ERR_VERSION the version, DCID and SCID are set
 * (RFC 8999 §5.1) so a server can answer with Version Negotiation. */
int quic_pkt_hdr_parse(const uint8_t *p, size_t len, size_t short_dcid_len, quic_pkt_hdr *h);

/* Walks the coalesced packets of one datagram (RFC 9000 §12.2). */
typedef struct quic_dgram_iter {
    const uint8_t *p;
    size_t len;
    size_t off;
    size_t short_dcid_len;
    size_t count;       /* packets yielded so far */
    size_t ignored;     /* trailing bytes not yielded (padding, garbage, other DCID) */
    const uint8_t *dcid; /* DCID of the first packet */
    size_t dcid_len;
} quic_dgram_iter;

void quic_dgram_iter_init(quic_dgram_iter *it, const uint8_t *p, size_t len,
                          size_t short_dcid_len);
/* 1 and *h set: a packet; 0: no more packets; negative: the first packet of the
 * datagram is malformed (the whole datagram is discarded). A malformed or
 * foreign-DCID packet after the first one ends the walk: its bytes count as
 * ignored, the packets before it stand. */
int quic_dgram_next(quic_dgram_iter *it, quic_pkt_hdr *h);

/* ---- writers ---- */

/* A packet being written: where its fields are, for the Length back-patch and
 * for protection. Offsets are relative to the packet start. */
typedef struct quic_pkt_wr {
    size_t start;      /* writer offset of the first byte */
    size_t length_off; /* offset of the Length field (long headers) */
    size_t length_len; /* width of the Length field: 1, 2 or 4; 0 = none */
    size_t pn_offset;
    size_t pn_len;
    uint64_t pn;
} quic_pkt_wr;

typedef struct quic_pkt_long_params {
    quic_pkt_type type; /* INITIAL, 0RTT or HANDSHAKE */
    uint32_t version;
    const uint8_t *dcid;
    size_t dcid_len;
    const uint8_t *scid;
    size_t scid_len;
    const uint8_t *token; /* Initial only */
    size_t token_len;
    uint64_t pn;        /* full packet number */
    size_t pn_len;      /* 1..4 (see quic_pn_encode_len) */
    size_t length_len;  /* width of the Length varint: 1, 2 or 4 (0 means 2) */
} quic_pkt_long_params;

/* Writes a long header up to and including the packet number (in clear), with
 * the Length left to quic_pkt_wr_finish. The payload follows at w's offset. */
int quic_pkt_long_begin(qb_wr *w, const quic_pkt_long_params *p, quic_pkt_wr *pw);
/* Writes a short header (RFC 9000 §17.3.1) with the packet number in clear. */
int quic_pkt_short_begin(qb_wr *w, const uint8_t *dcid, size_t dcid_len, bool spin,
                         bool key_phase, uint64_t pn, size_t pn_len, quic_pkt_wr *pw);
/* Minimum plaintext payload bytes after a packet number of pn_len so that the
 * header protection sample fits (RFC 9001 §5.4.2), with a 16-byte tag. */
size_t quic_pkt_min_payload(size_t pn_len);
/* Ends the packet: reserves tag_len bytes for the AEAD tag and fills in the
 * Length (packet number + payload + tag). *pkt_len gets the packet length. */
int quic_pkt_wr_finish(qb_wr *w, quic_pkt_wr *pw, size_t tag_len, size_t *pkt_len);

/* RFC 9000 §17.2.1: Version Negotiation echoing the client's CIDs (dcid = the
 * client's SCID, scid = the client's DCID). unused gives the 7 arbitrary bits;
 * 0x40 is always set (§17.2.1, multiplexing with other protocols). */
int quic_pkt_vn_write(qb_wr *w, uint8_t unused, const uint8_t *dcid, size_t dcid_len,
                      const uint8_t *scid, size_t scid_len, const uint32_t *versions,
                      size_t count);

/* RFC 9000 §17.2.5: a Retry with its integrity tag over odcid (RFC 9001 §5.8).
 * unused gives the 4 unused bits. */
int quic_pkt_retry_write(qb_wr *w, uint32_t version, uint8_t unused, const uint8_t *dcid,
                         size_t dcid_len, const uint8_t *scid, size_t scid_len,
                         const uint8_t *token, size_t token_len, const uint8_t *odcid,
                         size_t odcid_len);
/* Checks the integrity tag of a parsed Retry against the client's original DCID. */
int quic_pkt_retry_verify(const quic_pkt_hdr *h, const uint8_t *odcid, size_t odcid_len);

/* The wire type bits (0..3) of a long header type for version, and back;
 * -1 when there is none. RFC 9000 §17.2 (v1), RFC 9369 §3.2 (v2). */
int quic_pkt_long_type_bits(uint32_t version, quic_pkt_type type);
int quic_pkt_long_type_from_bits(uint32_t version, unsigned bits, quic_pkt_type *type);

#endif
