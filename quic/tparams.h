/*
 * QUIC transport parameters (RFC 9000 §18, §7.4; RFC 9221 §3): the struct, its
 * defaults, and a pure codec for the quic_transport_parameters TLS extension
 * body. Decoding validates every rule of §18.2 and rejects with a distinct
 * internal code mapped to TRANSPORT_PARAMETER_ERROR; checks that need connection
 * state (initial_source_connection_id matching the packet header, a server's
 * original_destination_connection_id, §7.3) are the connection's job.
 */
#ifndef QUIC_TPARAMS_H
#define QUIC_TPARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quic/quic_err.h"
#include "base/qb.h"

/* Parameter ids (RFC 9000 §18.2, RFC 9221 §3). */
enum {
    QUIC_TP_ORIGINAL_DESTINATION_CONNECTION_ID = 0x00,
    QUIC_TP_MAX_IDLE_TIMEOUT = 0x01,
    QUIC_TP_STATELESS_RESET_TOKEN = 0x02,
    QUIC_TP_MAX_UDP_PAYLOAD_SIZE = 0x03,
    QUIC_TP_INITIAL_MAX_DATA = 0x04,
    QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_LOCAL = 0x05,
    QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_REMOTE = 0x06,
    QUIC_TP_INITIAL_MAX_STREAM_DATA_UNI = 0x07,
    QUIC_TP_INITIAL_MAX_STREAMS_BIDI = 0x08,
    QUIC_TP_INITIAL_MAX_STREAMS_UNI = 0x09,
    QUIC_TP_ACK_DELAY_EXPONENT = 0x0a,
    QUIC_TP_MAX_ACK_DELAY = 0x0b,
    QUIC_TP_DISABLE_ACTIVE_MIGRATION = 0x0c,
    QUIC_TP_PREFERRED_ADDRESS = 0x0d,
    QUIC_TP_ACTIVE_CONNECTION_ID_LIMIT = 0x0e,
    QUIC_TP_INITIAL_SOURCE_CONNECTION_ID = 0x0f,
    QUIC_TP_RETRY_SOURCE_CONNECTION_ID = 0x10,
    QUIC_TP_VERSION_INFORMATION = 0x11, /* RFC 9368 §3 */
    QUIC_TP_MAX_DATAGRAM_FRAME_SIZE = 0x20,
};

#define QUIC_TP_CID_MAX 20
#define QUIC_TP_RESET_TOKEN_LEN 16
#define QUIC_TP_DEFAULT_MAX_UDP_PAYLOAD_SIZE 65527 /* §18.2 */
#define QUIC_TP_MIN_MAX_UDP_PAYLOAD_SIZE 1200
#define QUIC_TP_DEFAULT_ACK_DELAY_EXPONENT 3
#define QUIC_TP_MAX_ACK_DELAY_EXPONENT 20
#define QUIC_TP_DEFAULT_MAX_ACK_DELAY 25 /* milliseconds */
#define QUIC_TP_MAX_ACK_DELAY_LIMIT (1u << 14) /* values >= 2^14 are invalid */
#define QUIC_TP_DEFAULT_ACTIVE_CID_LIMIT 2
#define QUIC_TP_MAX_STREAMS_LIMIT ((uint64_t)1 << 60)
/* Bound on parameters with unknown ids in one block (duplicates among them are
 * detected too, so they are remembered). Real stacks send a handful. */
#define QUIC_TP_MAX_UNKNOWN 64

/* Available Versions a version_information may list: a longer list is
 * refused like a malformed one (real lists hold a few versions and perhaps a
 * reserved one; memory stays bounded, DESIGN.md). */
#define QUIC_TP_VERSIONS_MAX 32

/* Error codes: the QUIC_TP_ERR_* of quic/quic_err.h. */

/* RFC 9368 §3: Version Information { Chosen Version (32), Available Versions (32) ... } */
typedef struct quic_tp_version_info {
    uint32_t chosen;
    uint32_t available[QUIC_TP_VERSIONS_MAX];
    size_t n_available;
} quic_tp_version_info;

typedef struct quic_tp_cid {
    uint8_t len;
    uint8_t bytes[QUIC_TP_CID_MAX];
} quic_tp_cid;

/* RFC 9000 §18.2, Figure 22. */
typedef struct quic_tp_preferred_address {
    uint8_t ipv4[4];
    uint16_t ipv4_port;
    uint8_t ipv6[16];
    uint16_t ipv6_port;
    quic_tp_cid cid; /* sequence number 1, never empty */
    uint8_t reset_token[QUIC_TP_RESET_TOKEN_LEN];
} quic_tp_preferred_address;

typedef struct quic_tparams {
    /* Integers; absent means the §18.2 default (0 unless stated). */
    uint64_t max_idle_timeout; /* ms; 0 = no idle timeout */
    uint64_t max_udp_payload_size;
    uint64_t initial_max_data;
    uint64_t initial_max_stream_data_bidi_local;
    uint64_t initial_max_stream_data_bidi_remote;
    uint64_t initial_max_stream_data_uni;
    uint64_t initial_max_streams_bidi;
    uint64_t initial_max_streams_uni;
    uint64_t ack_delay_exponent;
    uint64_t max_ack_delay; /* ms */
    uint64_t active_connection_id_limit;
    uint64_t max_datagram_frame_size; /* RFC 9221 §3: 0 = no DATAGRAM support */
    bool disable_active_migration;

    /* Present or not: absence means something (§7.3, §10.3, §9.6). */
    bool has_original_dcid;
    bool has_initial_scid;
    bool has_retry_scid;
    bool has_stateless_reset_token;
    bool has_preferred_address;
    bool has_max_datagram_frame_size;
    bool has_version_info;
    quic_tp_version_info version_info; /* RFC 9368 §3, both sides */
    quic_tp_cid original_dcid; /* server only */
    quic_tp_cid initial_scid;
    quic_tp_cid retry_scid;    /* server only */
    uint8_t stateless_reset_token[QUIC_TP_RESET_TOKEN_LEN]; /* server only */
    quic_tp_preferred_address preferred_address;            /* server only */

    /* Encode only: when non-zero, one reserved parameter with this id (must be
     * 31*N+27, §18.1) and an empty value is sent first, so peers keep ignoring
     * unknown ids. The caller picks N at random. Decode leaves it 0. */
    uint64_t grease_id;
} quic_tparams;

/* Every field to its §18.2 default, nothing present. */
void quic_tparams_init(quic_tparams *tp);
/* Appends the extension body. Integers equal to their default are omitted.
 * A client's block with a server-only parameter, or any invalid value, is
 * QUIC_TP_ERR_INVALID; nothing is left written on error. */
int quic_tparams_encode(qb_wr *w, const quic_tparams *tp, bool is_server);
/* Decodes the extension body sent by a server (from_server) or a client.
 * Unknown and reserved ids are skipped. On error *out is unspecified. */
int quic_tparams_decode(const uint8_t *p, size_t len, bool from_server, quic_tparams *out);
/* Same values (grease_id is ignored). */
bool quic_tparams_equal(const quic_tparams *a, const quic_tparams *b);
/* True for the reserved ids 31*N+27 (§18.1). */
bool quic_tparams_is_grease(uint64_t id);


#endif
