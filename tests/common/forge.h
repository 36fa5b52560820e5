/* The packet forger every test and fuzz harness shares: builds one QUIC
 * packet (Initial, 0-RTT, Handshake or 1-RTT) from raw frame bytes and/or
 * decoded frames, protects it (RFC 9001 §5) with keys given explicitly or
 * taken from a connection through quic/conn_test.h, coalesces packets into one
 * datagram (RFC 9000 §12.2) and pads to a size (§14.1). No cmocka: fuzz
 * targets link it too; failures return 0. */
#ifndef TESTS_FORGE_H
#define TESTS_FORGE_H

#include "quic/frame.h"
#include "quic/pkt_type.h"
#include "quic/protect.h"
#include "quic/quic.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FORGE_DGRAM_MAX 1500

typedef struct forge_pkt {
    quic_pkt_type type;  /* INITIAL, 0RTT, HANDSHAKE or 1RTT (short header) */
    uint32_t version;    /* long headers; 0 means QUIC v1 */
    const uint8_t *dcid;
    size_t dcid_len;
    const uint8_t *scid; /* long headers */
    size_t scid_len;
    const uint8_t *token; /* Initial only */
    size_t token_len;
    bool spin, key_phase;    /* short header bits (RFC 9000 §17.3.1) */
    uint8_t reserved;        /* OR'ed into the first byte before protection:
                              * 0x18 short, 0x0c long (must be 0, §17.2/§17.3.1) */
    uint64_t pn;             /* full packet number (the nonce) */
    size_t pn_len;           /* encoded length 1..4; 0 means 4 */
    size_t length_len;       /* width of a long header's Length; 0 means 2 */
    const uint8_t *raw;      /* frame bytes, written first */
    size_t raw_len;
    const quic_frame *frames; /* then these, encoded (quic_frame_encode) */
    size_t nframes;
    size_t pad_to;  /* PADDING so the datagram so far plus this packet reaches it */
    bool clip;      /* raw bytes that do not fit are cut (fuzzers), not a failure */
    bool no_sample_pad; /* no PADDING for the header protection sample (§5.4.2) */
    quic_pkt_keys keys; /* aead and hp; both required */
} forge_pkt;

/* Seals p into out[0..cap); returns the packet length, 0 when it does not fit
 * or cannot be encoded or protected. */
size_t forge_seal(const forge_pkt *p, uint8_t *out, size_t cap);

/* A datagram of coalesced packets. */
typedef struct forge_dgram {
    uint8_t b[FORGE_DGRAM_MAX];
    size_t len;
} forge_dgram;

static inline void forge_dgram_init(forge_dgram *d) { d->len = 0; }
/* Appends p (its pad_to counts the packets before it); returns its length or 0. */
size_t forge_dgram_add(forge_dgram *d, const forge_pkt *p);

/* The packet c itself sends at sp (Initial, Handshake, or 1-RTT of its current
 * phase): c's sending keys, DCID = the peer's current CID, SCID = c's first
 * CID, c's next packet number (taken, as if c had sent it), c's Key Phase.
 * Whatever else p held is reset. false when c has no such keys. */
bool forge_as(forge_pkt *p, quic_conn *c, quic_pn_space sp);
/* A packet c accepts from its peer at sp: c's receiving keys, DCID = c's
 * first CID, SCID = the peer's current CID, the Key Phase c expects; pn is 0,
 * for the caller to set. false when c has no such keys. */
bool forge_to(forge_pkt *p, const quic_conn *c, quic_pn_space sp);

#endif
