/*
 * Test-only view of a QUIC connection, for tests/ and fuzz/ (never for an
 * application: its API is quic/quic.h). Read-only snapshots of state the public
 * API does not show, and the few hooks a test needs to act as the peer (seal a
 * packet with the connection's own keys and packet numbers) or to set up a
 * case (a Retry token), so no test writes into the connection's structs.
 */
#ifndef QUIC_CONN_TEST_H
#define QUIC_CONN_TEST_H

#include "quic/quic.h"

#include "quic/cid.h"
#include "quic/pn.h"
#include "quic/protect.h"

typedef struct quic_conn_test_view {
    int state; /* 0 handshake, 1 established, 2 closing, 3 draining, 4 closed */
    bool handshake_confirmed;
    bool got_first_server_pkt; /* client: the server's SCID is known */
    bool keys_rx[2], keys_tx[2]; /* Initial, Handshake keys present */
    bool app_rx_ok, app_tx_ok;   /* 1-RTT keys present */
    bool key_phase_tx, key_phase_rx;
    uint64_t key_updates;       /* 1-RTT key updates so far */
    uint64_t app_tx_packets;    /* packets sealed with the current 1-RTT key */
    uint64_t next_pn[3];        /* per packet number space */
    size_t app_ack_ranges;      /* ranges of received 1-RTT packet numbers kept */
    size_t early_held;          /* 1-RTT datagrams held for keys */
    uint64_t now, idle_deadline, pto;
    uint64_t bytes_in, bytes_out; /* RFC 9000 §8.1 anti-amplification counts */
    bool addr_validated;
    uint64_t ev_overflow;
    bool path_response_pending;
    bool peer_disable_active_migration;
    uint64_t tx_max_streams_uni, rx_max_streams_uni, peer_uni_closed;
    uint64_t conn_tx_sent, conn_tx_limit, conn_rx_limit;
    uint64_t cwnd, bytes_in_flight;
    const char *cc_name; /* "cubic" or "newreno" */
    bool tls_engine;            /* the TLS engine is still held (freed once confirmed) */
    size_t pmtu;                /* the datagram size the path is known to carry */
    uint64_t pmtu_blackholes;   /* fallbacks to 1200 (RFC 8899 §4.3) */
    bool pmtu_searching;
    int ecn_state;              /* quic_ecn_state: 0 testing, 1 capable, 2 failed, 3 unknown */
    uint64_t ecn_ce_signals;    /* CE increases taken as congestion signals */
    uint64_t cc_congestion_events;
    bool early_keys;            /* 0-RTT keys held (client: seal; server: open) */
    uint64_t dgram_queue_copied; /* queued datagram bytes copied into a packet before sealing */
} quic_conn_test_view;

void quic_conn_test_view_get(const quic_conn *c, quic_conn_test_view *v);

/* One stream's buffers (for diagnostics); false when there is no such stream. */
typedef struct quic_conn_test_stream {
    uint64_t sb_base, sb_next, sb_end; /* send: acked below, next to send, end */
    size_t sb_lost;                    /* ranges to send again */
    bool queued;                       /* in the send queue */
    uint64_t rb_read, rb_contig, rb_highest, rb_max; /* receive offsets */
} quic_conn_test_stream;
bool quic_conn_test_stream_get(const quic_conn *c, uint64_t id, quic_conn_test_stream *out);

/* The packet protection keys c uses at a level (QUIC_SPACE_INITIAL,
 * _HANDSHAKE, _APPLICATION = 1-RTT of the current phase): rx = false its
 * sending keys, so a test seals as c would; rx = true its receiving keys, so a
 * test seals what c accepts from its peer. false when c has none. The keys
 * stay c's, valid until its next call. */
bool quic_conn_test_keys(const quic_conn *c, quic_pn_space sp, bool rx, quic_pkt_keys *out);
/* The 1-RTT receive key of a Key Phase (RFC 9001 §6): the current phase's,
 * or the other slot (next or previous keys); NULL when there is none. */
cx_aead *quic_conn_test_rx_key(const quic_conn *c, bool phase);
/* A key that seals what c opens with its current 1-RTT receive key (next =
 * false) or with the next generation's (next = true), made from c's receive
 * secret (c's own receive keys only open, RFC 9001 §5). The caller frees it
 * with cx_aead_free; NULL when c has no 1-RTT keys or on failure. */
cx_aead *quic_conn_test_rx_key_sealer(const quic_conn *c, bool next);
/* Takes c's next packet number in a space, as if c had sent a packet with it. */
uint64_t quic_conn_test_take_pn(quic_conn *c, quic_pn_space sp);
/* The peer's connection IDs c holds (the DCID of its packets). */
const quic_peer_cids *quic_conn_test_peer_cids(const quic_conn *c);
/* The next NEW_CONNECTION_ID c owes the peer; false when none. */
bool quic_conn_test_next_announce(quic_conn *c, uint64_t *seq);
/* Client: the token its Initials carry, as if a Retry had brought it. */
/* Seals queued datagram payloads straight from their queue slots (a gather)
 * instead of copying them into the packet first (conn_send.c says why this is
 * off by default). */
void quic_conn_test_set_dgram_seal_from_slots(quic_conn *c, bool on);
void quic_conn_test_set_retry_token(quic_conn *c, const uint8_t *token, size_t len);

/* By value, for use in expressions. */
static inline quic_conn_test_view quic_test_view(const quic_conn *c)
{
    quic_conn_test_view v;
    quic_conn_test_view_get(c, &v);
    return v;
}

static inline quic_conn_stats quic_test_stats(const quic_conn *c)
{
    quic_conn_stats s;
    quic_conn_stats_get(c, &s);
    return s;
}

static inline quic_pkt_keys quic_test_keys(const quic_conn *c, quic_pn_space sp, bool rx)
{
    quic_pkt_keys k;
    (void)quic_conn_test_keys(c, sp, rx, &k);
    return k;
}

/* Our connection ID with sequence number 0 (the SCID of long headers). */
static inline const quic_cid *quic_conn_test_first_cid(const quic_conn *c)
{
    return &quic_conn_local_cids(c)->slot[0].cid;
}

#endif
