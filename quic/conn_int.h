/*
 * The QUIC connection's insides, shared by the conn_*.c files and nothing else.
 * The public API is quic/quic.h; tests and fuzzers use quic/conn_test.h.
 *
 * The rule of the module: conn_*.c holds connection state; every other file in
 * quic/ is a pure part (a codec or a state machine of its own: frames, packets,
 * streams, flow control, recovery, ...) that knows nothing of the connection.
 *
 * The connection files are layered; calls only go down or sideways, never
 * back up, and no two files call each other:
 *
 *   conn_api.c    the public driving calls: recv, send, deadline, on_deadline,
 *                 next_event, close, what the application may ask
 *   conn_recv.c   packets in: headers, keys, Retry, Version Negotiation
 *   conn_frames.c frames of a packet, one handler per row of the frame table
 *   conn_send.c   packets out, what they carried, acknowledged and lost
 *   conn_new.c    making and freeing a connection
 *   conn_crypto.c CRYPTO streams, TLS, keys per level
 *   conn_cid.c    connection IDs: issuing ours, taking the peer's
 *   conn_path.c   path validation and migration (RFC 9000 §8.2, §9)
 *   conn_dgram.c  DATAGRAM frames: the public calls, frames received, the
 *                 DATAGRAM events
 *   conn_stream.c streams: the public stream calls and the stream frames
 *   conn_aead.c   AEAD limits
 *   conn_endpoint.c, conn_test.c  the narrow views the server endpoint
 *                 (conn_endpoint.h) and tests (conn_test.h) have of a connection
 *   conn_core.c   the state every part sits above: events, the latched
 *                 failure and closing states, logs and traces, PTO
 *
 * Every cross-file prototype is below, grouped by the file that defines it.
 */
#ifndef QUIC_CONN_INT_H
#define QUIC_CONN_INT_H

#include "quic/quic.h"

#include "base/qb_ring.h"
#include "base/qb_trim.h"
#include "crypto/tls.h"
#include "quic/ackrange.h"
#include "quic/cc.h"
#include "quic/cid.h"
#include "quic/keyphase.h"
#include "quic/packet.h"
#include "quic/protect.h"
#include "quic/recovery.h"
#include "quic/recvbuf.h"
#include "quic/sentlog.h"
#include "quic/stream.h"
#include "quic/dgram_queue.h"
#include "quic/ecn.h"
#include "quic/pmtud.h"
#include "quic/flowctl.h"
#include "quic/frame.h"
#include "quic/idle.h"
#include "quic/tparams.h"

#define QUIC_LEVELS 3 /* Initial, Handshake, 1-RTT (quic_pn_space order) */
#define QUIC_EVENT_RING_KEEP 4 /* events the ring keeps room for when it shrinks */
#define QUIC_CRYPTO_SEND_MAX (64 * 1024) /* TLS flight bytes kept per level */
#define QUIC_CRYPTO_LOST_MAX 16
#define QUIC_MIN_INITIAL 1200 /* RFC 9000 §14.1 */

typedef enum quic_conn_state {
    QUIC_CS_HANDSHAKE = 0,
    QUIC_CS_ESTABLISHED, /* handshake complete (server: also confirmed) */
    QUIC_CS_CLOSING,     /* we sent CONNECTION_CLOSE: answer with it, §10.2.1 */
    QUIC_CS_DRAINING,    /* the peer closed: send nothing, §10.2.2 */
    QUIC_CS_CLOSED,      /* over; only quic_conn_free is left */
} quic_conn_state;

/* One range of CRYPTO data to send again. */
typedef struct quic_crange {
    uint64_t off, len;
} quic_crange;

/* The CRYPTO stream of one level, send side: the TLS bytes in order, how far
 * they were sent, and the ranges declared lost (RFC 9000 §19.6). */
typedef struct quic_crypto_send {
    uint8_t *buf;
    size_t len, cap;
    uint64_t sent; /* bytes [0, sent) were sent at least once */
    quic_crange lost[QUIC_CRYPTO_LOST_MAX];
    size_t n_lost;
} quic_crypto_send;

/* Keys of one level other than 1-RTT (Initial, Handshake). */
typedef struct quic_level_keys {
    bool rx_ok, tx_ok;
    quic_pkt_keys rx, tx;
} quic_level_keys;

/* Per packet number space. */
typedef struct quic_space {
    quic_ackrange acks;          /* what we received */
    uint64_t next_pn;            /* next packet number to send */
    uint64_t largest_acked_sent; /* largest of ours the peer acknowledged (for pn length) */
    bool has_largest_acked;
    quic_recvbuf crypto_rx;      /* CRYPTO data received, in order for TLS */
    quic_crypto_send crypto_tx;
    bool discarded;              /* keys dropped (RFC 9001 §4.9) */
    bool probe;                  /* PTO: send an ack-eliciting packet here */
    unsigned probes;
} quic_space;

/* Control frames owed to the peer (RFC 9000 §13.3: re-sent with the latest
 * value when lost). */
typedef struct quic_pending {
    bool max_data;
    bool max_streams_bidi, max_streams_uni;
    bool data_blocked;
    bool streams_blocked_bidi, streams_blocked_uni;
    bool handshake_done;
    bool ping; /* an ack-eliciting packet is wanted (key update, probes) */
    bool path_response;
    uint8_t path_response_data[8];
    bool new_token; /* server: new_token below is to be sent (RFC 9000 §19.7) */
} quic_pending;

/* NEW_TOKEN (conn_token.c, RFC 9000 §8.1.3, §19.7). */
void quic_conn_token_init_client(quic_conn *c);
int quic_conn_token_on_frame(quic_conn *c, const uint8_t *token, size_t len);
void quic_conn_token_free(quic_conn *c);
/* The longest token a client keeps for its Initials (ours are far shorter). */
#define QUIC_CONN_TOKEN_MAX 256
/* Client: the token its Initials carry from now on (a copy; the old one is
 * freed). QUIC_ERR_NOMEM, or -1 for an empty or too long token (kept as was). */
int quic_conn_token_set_initial(quic_conn *c, const uint8_t *token, size_t len);

/* Path validation of a peer address other than the current one (RFC 9000
 * §8.2, §9.3): one at a time. Until the peer answers, the connection stays
 * on its path; what goes to the new address is the probes, at most three
 * times what came from it (§9.3.1). */
#define QUIC_PATH_CHALLENGES 3
typedef struct quic_path_probe {
    bool active;      /* a packet came from path: it has a slot */
    bool validating;  /* a non-probing packet came: challenges go out */
    quic_path path;
    uint8_t challenge[QUIC_PATH_CHALLENGES][8]; /* each one sent, §8.2.1 */
    unsigned n_sent;
    bool challenge_due;
    uint64_t next_at, fail_at; /* the next challenge; abandoned then, §8.2.4 */
    uint64_t bytes_in, bytes_out;
    int cid_slot; /* the peer CID for this path, -1: keep the current (§9.5) */
    bool response_due;
    uint8_t response[8]; /* PATH_RESPONSE owed on this path (§8.2.2) */
} quic_path_probe;

struct quic_conn {
    quic_config cfg;
    const qb_alloc *alloc;
    bool is_server;
    /* Versions (RFC 9368, RFC 9369; quic/version.h). version is the one our
     * packets carry: a client's first flight version until the server moves
     * it, a server's the client's until it negotiated. orig_version is the
     * version of this attempt's first flight (the client's Chosen Version). */
    uint32_t version;
    uint32_t orig_version;
    bool version_known; /* client: CRYPTO from the server came, no more switching;
                           server: negotiated from the client's parameters */
    bool vn_done;       /* client: acted on a Version Negotiation packet */
    quic_conn_state state;
    quic_path path;

    /* Connection IDs (RFC 9000 §5.1, §7.3). */
    quic_local_cids lcids;
    quic_peer_cids pcids;
    quic_cid odcid;      /* the client's first DCID */
    quic_cid init_dcid;  /* the DCID the Initial keys come from (odcid, or a Retry's SCID) */
    quic_cid retry_scid; /* SCID of a Retry (client: received; server: sent) */
    bool did_retry;
    bool cids_retired;         /* the peer retired CIDs: replace them after the packet */
    bool got_first_server_pkt; /* client: the server's SCID is known */
    quic_cid server_scid;      /* client: the SCID of the server's first packet */
    uint8_t *retry_token;     /* client: a Retry's token, or a NEW_TOKEN one given
                               * (allocated to its length, at most
                               * QUIC_CONN_TOKEN_MAX: most connections have none) */
    size_t retry_token_len;
    uint8_t *new_token;       /* server: the NEW_TOKEN token for this client (conn_token.c) */
    bool tls_resumed;         /* the handshake resumed a session (kept when the engine goes) */
    size_t new_token_len;

    /* TLS and keys. The engine is freed once the handshake is confirmed
     * (issue 10): 1-RTT keys and their updates live in `app`, and what the
     * peer may still send at 1-RTT (NewSessionTicket, RFC 8446 §4.6.1) is
     * framed and skipped by the post_* fields. */
    tls_conn *tls;
    char *alpn;             /* the negotiated ALPN, kept when tls goes */
    uint8_t post_hdr[4];    /* header of a post-handshake message, in part */
    uint8_t post_have;
    uint32_t post_left;     /* body bytes of it still to skip */
    quic_level_keys keys[2]; /* Initial, Handshake */
    /* Server after moving to another version: the original version's Initial
     * receive keys, kept until the Initial space goes (RFC 9369 §4). */
    quic_pkt_keys initial_orig_rx;
    bool initial_orig_rx_ok;
    quic_keyphase app;       /* 1-RTT */
    bool app_rx_ok, app_tx_ok;
    uint8_t app_rx_secret[TLS_SECRET_MAX], app_tx_secret[TLS_SECRET_MAX];
    size_t app_rx_len, app_tx_len;
    bool app_rx_pending, app_tx_pending; /* secrets known, keyphase not built yet */
    uint16_t suite;
    bool handshake_complete;  /* TLS says done */
    bool handshake_confirmed; /* RFC 9001 §4.1.2 */
    bool peer_tp_ok;
    quic_tparams peer_tp;
    quic_tparams local_tp;
    /* Server, before address validation (RFC 9000 §8.1): 3x what came in. */
    bool addr_validated;
    uint64_t bytes_in, bytes_out;

    quic_space sp[QUIC_LEVELS];
    quic_recovery rec;
    quic_cc cc;
    quic_pacer pacer;
    quic_sentlog log;
    uint64_t max_udp_payload; /* what we send: min(ours, peer's limit) */

    /* Buffered 1-RTT datagrams that arrived before the keys (bounded). */
    uint8_t *early_buf;
    size_t early_len[4];
    size_t early_n;

    /* Streams and flow control (RFC 9000 §2-4). */
    quic_streams streams;
    quic_flowctl_tx conn_tx;    /* the peer's MAX_DATA and what we used of it */
    quic_flowctl_rx conn_rx;    /* our MAX_DATA, what arrived and what was read */
    uint64_t tx_max_streams_bidi, tx_max_streams_uni; /* peer's limits on us */
    uint64_t rx_max_streams_bidi, rx_max_streams_uni; /* ours on the peer, as sent */
    uint64_t next_bidi, next_uni; /* next stream number we open (count) */
    uint64_t peer_bidi_opened, peer_uni_opened; /* counts the peer opened */
    uint64_t peer_bidi_closed, peer_uni_closed; /* for MAX_STREAMS credit */
    quic_pending pend;

    /* DATAGRAM (RFC 9221). */
    quic_dgram_queue dg_tx, dg_rx;
    quic_dgram_pkt *dg_pkt; /* sent datagrams already framed for the next packet */
    quic_dgram_counters dg_stats;
    uint64_t dg_tx_copied; /* payload bytes copied from dg_tx into a packet's plaintext */
    bool dg_rx_held; /* dg_rx's head was handed out; popped at the next one */
    bool dg_seal_from_slots; /* seal queued payloads from their slots (conn_send.c); off by default */

    /* Events for the application. */
    /* Never more than ev_max: a stream queues each kind of event at most
     * once (flags on the stream), and streams are bounded by our limits. */
    qb_ring events;  /* of quic_event: grows on demand up to ev_max (issue 10) */
    qb_trim ev_trim; /* gives back what a burst of events took */
    size_t ev_max;
    uint64_t ev_overflow; /* events that found the ring at ev_max (never expected) */
    bool ev_connected_sent, ev_closed_sent;

    /* Timers. */
    uint64_t idle_timeout;   /* negotiated, microseconds; 0 = none */
    uint64_t idle_deadline;
    uint64_t close_deadline; /* end of closing/draining */
    uint64_t last_ack_eliciting_sent;
    bool idle_restart_on_send; /* a packet came in since our last ack-eliciting one */
    uint64_t now;

    /* Closing (RFC 9000 §10.2). */
    quic_close_info close;
    bool close_pending; /* CONNECTION_CLOSE to (re)send */
    uint64_t close_sent_count;

    uint64_t auth_failures; /* packets that failed authentication (RFC 9001 §6.6) */

    quic_conn_stats stats;
    void *endpoint_slot; /* the server endpoint's record of this connection */
    uint64_t pn_skip_at; /* the next 1-RTT packet number we skip on purpose */
    uint64_t pace_at;    /* 0, or when the pacer lets waiting data go (a timer) */

    /* ECN (RFC 9000 §13.4): the current path's validation (conn_ecn.c). */
    quic_ecn ecn;
    uint8_t rx_ecn; /* the codepoint of the datagram being processed */

    /* Migration (conn_path.c). */
    quic_path_probe *probe; /* allocated at the first other address (lean idle conns) */
    bool rx_new_path;     /* the datagram in hand came from another path */
    const quic_path *rx_path; /* ... this one (during quic_conn_recv only) */
    size_t rx_len;
    bool rx_non_probing;  /* the packet in hand had a non-probing frame (§9.1) */

    /* 0-RTT (conn_early.c, RFC 9001 §4.6): its state here, the rest in a
     * block made only for connections that use 0-RTT (lean idle ones). */
    uint8_t early;            /* quic_early_state */
    bool early_keys;          /* client: seal 0-RTT; server: open 0-RTT */
    struct quic_conn_early *early_x;

    /* DPLPMTUD (RFC 9000 §14.3, RFC 8899; quic/pmtud.c): nothing above 1200
     * bytes until a probe of the size is acknowledged; a lost probe is no
     * congestion signal. */
    quic_pmtud pmtud;
};

static inline size_t quic_conn_path_mtu(const quic_conn *c)
{
    return quic_pmtud_mtu(&c->pmtud);
}

/* ---- conn_core.c: the state every part sits above ---- */
#ifdef QUINCE_MINIMAL /* the size profile: no trace events, no log lines (issue 16) */
#define quic_conn_trace(c, t) ((void)(c), (void)(t))
#define quic_conn_logf(c, ...) ((void)(c))
#else
static inline void quic_conn_trace(quic_conn *c, quic_trace *t)
{
    if (c->cfg.trace) {
        t->now = c->now;
        t->odcid = c->odcid.b;
        t->odcid_len = (uint8_t)c->odcid.len;
        c->cfg.trace(c->cfg.trace_ud, c, t);
    }
}
void quic_conn_logf(quic_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#endif
quic_pkt_type quic_space_pkt_type(quic_pn_space sp);
/* Queues an event for quic_conn_next_event (READABLE/WRITABLE once per stream). */
void quic_conn_push_event(quic_conn *c, quic_event_type type, uint64_t stream_id, uint64_t code);
/* Latches the first error and starts closing: the one channel by which a
 * connection fails (RFC 9000 §10.2). Returns QUIC_ERR_CLOSING, which every
 * caller passes up: no other code says that the connection failed. */
int quic_conn_fail(quic_conn *c, uint64_t code, uint64_t frame_type, const char *reason);
#ifdef QUINCE_MINIMAL /* the size profile: empty reason phrases (RFC 9000 §19.19 allows) */
#define quic_conn_fail(c, code, ft, reason) quic_conn_fail(c, code, ft, "")
#endif
/* Records {code, frame type, reason} unless an error is already latched. */
void quic_conn_latch(quic_conn *c, bool by_peer, bool app, uint64_t code, uint64_t ft,
                     const char *reason, size_t reason_len);
/* Closing state: CONNECTION_CLOSE to send, for three PTO (RFC 9000 §10.2). */
void quic_conn_start_closing(quic_conn *c);
void quic_conn_enter_draining(quic_conn *c, uint64_t now);
/* A peer's CONNECTION_CLOSE: latched as by_peer, then draining (§10.2.2). */
void quic_conn_on_peer_close(quic_conn *c, bool app, uint64_t code, uint64_t ft,
                             const uint8_t *reason, size_t len, uint64_t now);
/* Over: the CLOSED event, only quic_conn_free is left. */
void quic_conn_finish(quic_conn *c);
int quic_conn_random(quic_conn *c, uint8_t *buf, size_t n);
uint64_t quic_conn_pto(const quic_conn *c);
/* RFC 9000 §10.1: the idle period starts again, and lasts at least 3 PTO. */
static inline void quic_conn_idle_restart(quic_conn *c, uint64_t now)
{
    if (c->idle_timeout)
        c->idle_deadline = quic_idle_deadline(now, c->idle_timeout, 3 * quic_conn_pto(c));
}

/* ---- conn_new.c ---- */
/* Client, after a Retry: Initial keys and CRYPTO state start again (RFC 9000 §17.2.5). */
int quic_conn_reset_for_retry(quic_conn *c);
/* Client, after a Version Negotiation packet: a new first flight in
 * version (RFC 9368 §2.1), a new ClientHello announcing it. */
int quic_conn_restart_for_vn(quic_conn *c, uint32_t version);

/* ---- conn_crypto.c ---- */
int quic_conn_crypto_init(quic_conn *c);
/* CRYPTO frame data at a level. */
int quic_conn_crypto_recv(quic_conn *c, quic_pn_space sp, uint64_t off, const uint8_t *data,
                          size_t len);
/* Moves TLS output and events into the connection (keys, tparams, done). */
int quic_conn_crypto_pump(quic_conn *c);
void quic_conn_discard_space(quic_conn *c, quic_pn_space sp);
void quic_conn_confirm_handshake(quic_conn *c);
/* Initial keys of c->version from dcid (kept as init_dcid). */
int quic_conn_initial_keys(quic_conn *c, const quic_cid *dcid);
/* The Initial keys another version would have, from init_dcid (RFC 9369 §3.3.1). */
int quic_conn_version_keys(quic_conn *c, uint32_t version, quic_level_keys *out);
void quic_conn_level_keys_clear(quic_level_keys *k);
/* Client: the server answered in version (RFC 9368 §2.3, RFC 9369 §4):
 * from now on our packets carry it; cand holds its Initial keys (moved). */
void quic_conn_version_switch(quic_conn *c, uint32_t version, quic_level_keys *cand);
void quic_crypto_send_free(quic_conn *c, quic_crypto_send *cs);

/* ---- conn_lost.c: a lost packet's frames queued again (RFC 9000 §13.3) ---- */
void quic_crypto_send_lost(quic_crypto_send *cs, uint64_t off, uint64_t len);
void quic_conn_on_lost_items(quic_conn *c, uint64_t handle);

/* ---- conn_early.c: 0-RTT (RFC 9001 §4.6, RFC 9000 §7.4.1) ---- */
/* A 0-RTT SECRET event of TLS: client: seal keys and the remembered
 * limits; server: open keys. */
int quic_conn_early_install(quic_conn *c, const tls_event *ev);
/* Server, before EncryptedExtensions: the ticket's remembered parameters and
 * application state against ours (0-RTT refused when lower or other), and
 * what the tickets we send will remember. */
int quic_conn_early_server_check(quic_conn *c);
/* Client, the server's transport parameters in hand (c->peer_tp decoded):
 * the answer to 0-RTT, limits not lowered when accepted (§7.4.1), 0-RTT
 * packets lost when refused. Keeps the credit 0-RTT used. */
int quic_conn_early_client_answer(quic_conn *c, const quic_tparams *remembered, uint64_t sent);
/* 1-RTT keys in hand: a client's 0-RTT keys go (RFC 9001 §4.9.3). */
void quic_conn_early_on_1rtt(quic_conn *c);
/* Client: 0-RTT packets may be sent now. */
static inline bool quic_conn_early_sending(const quic_conn *c)
{
    return !c->is_server && c->early_keys && !c->app_tx_ok;
}
/* Server: 1-RTT packets may carry application data before the handshake
 * completes (0.5-RTT, RFC 9001 §4.1.1, RFC 8446 §2.3): the server Finished
 * went with its 1-RTT keys, and 0-RTT was accepted, so the client's SETTINGS
 * and request can be in already. Without accepted 0-RTT the server waits for
 * the client's Finished as before. */
static inline bool quic_conn_half_rtt(const quic_conn *c)
{
    return c->is_server && c->app_tx_ok && !c->handshake_complete &&
           c->early == QUIC_EARLY_ACCEPTED && c->state == QUIC_CS_HANDSHAKE;
}
/* Application data (streams, datagrams, control frames) may go in 1-RTT. */
static inline bool quic_conn_app_sendable(const quic_conn *c)
{
    return c->handshake_complete || quic_conn_half_rtt(c);
}
/* Client: the 0-RTT packet keys (quic_conn_early_sending). */
quic_pkt_keys quic_conn_early_tx_keys(const quic_conn *c);
/* A 0-RTT packet was sent (client) or a packet of type opened (server). */
void quic_conn_early_count(quic_conn *c, quic_pkt_type type, uint64_t now);
/* Server: keys to open a 0-RTT packet now (NULL: none, *keep: hold it). */
quic_pkt_keys *quic_conn_early_rx_keys(quic_conn *c, uint64_t now, bool *keep);
void quic_conn_early_free(quic_conn *c);
/* Client, recovery starting over (Retry, Version Negotiation): what 0-RTT
 * packets carried is lost and goes again. */
void quic_conn_early_requeue(quic_conn *c);

/* ---- conn_cid.c ---- */
/* Tops up the CIDs the peer holds (RFC 9000 §5.1.1): at the end of the
 * handshake and after a packet with RETIRE_CONNECTION_ID frames. */
void quic_conn_issue_cids(quic_conn *c);
int quic_conn_on_new_cid(quic_conn *c, const quic_frame *f);
int quic_conn_on_retire_cid(quic_conn *c, const quic_frame *f);

/* ---- conn_path.c: path validation and migration (RFC 9000 §8.2, §9) ---- */
/* A datagram from a path other than the current one: false to drop it. */
bool quic_conn_path_on_datagram(quic_conn *c, const quic_path *path, size_t len);
/* After an authenticated 1-RTT packet from the probe's path: non-probing
 * and the largest packet number so far starts validation (§9.3). */
void quic_conn_path_after_packet(quic_conn *c, bool non_probing_largest, uint64_t now);
/* PATH_CHALLENGE: answered on the path it came on (§8.2.2). */
void quic_conn_path_on_challenge(quic_conn *c, const uint8_t data[8]);
/* PATH_RESPONSE: the probe's path is validated when it matches (§8.2.3). */
void quic_conn_path_on_response(quic_conn *c, const uint8_t data[8], uint64_t now);
/* A probe datagram for the probe's path, or 0. */
size_t quic_conn_path_build(quic_conn *c, uint8_t *buf, size_t cap, uint64_t now);
uint64_t quic_conn_path_deadline(const quic_conn *c);
void quic_conn_path_on_timer(quic_conn *c, uint64_t now);

/* ---- conn_dgram.c ---- */
/* A received DATAGRAM frame (RFC 9221 §5): queued for the application. */
int quic_conn_dgram_on_frame(quic_conn *c, const quic_frame *f, size_t frame_len, uint64_t now);
/* The next received datagram as an event, in its queue slot (quic_conn_next_event). */
bool quic_conn_dgram_next_event(quic_conn *c, quic_event *ev);
/* For a 1-RTT packet with room bytes of payload that may go now: the frames of
 * datagrams written when they were sent (dg_pkt), which then open its payload
 * (frames in the first *len bytes of the buffer returned, *cap usable), or
 * NULL (none, or they wait for a buffer that holds them). */
uint8_t *quic_conn_dgram_pkt_take(quic_conn *c, size_t room, uint64_t now, size_t *len,
                                  size_t *cap);
/* The packet that carried them was sealed. */
void quic_conn_dgram_pkt_sent(quic_conn *c);

/* ---- conn_recv.c ---- */
/* One datagram's packets (and 1-RTT packets held for keys that just came). */
int quic_conn_recv_dgram(quic_conn *c, uint8_t *dgram, size_t len, uint64_t now);

/* ---- conn_aead.c: AEAD limits (RFC 9001 §6.6) ---- */
/* A packet failed authentication; false when that took the connection past
 * the integrity limit (it is closing and processes no more packets). */
bool quic_conn_aead_auth_failed(quic_conn *c);
/* Before a 1-RTT packet is sealed: makes a key update when one is due; false
 * when no packet may be sealed with these keys (the connection is closing
 * with AEAD_LIMIT_REACHED). */
bool quic_conn_aead_may_seal(quic_conn *c, uint64_t now);

/* ---- conn_frames.c ---- */
/* Acts on the frames of one decrypted packet. */
int quic_conn_on_payload(quic_conn *c, quic_pkt_type pt, const uint8_t *p, size_t len,
                         uint64_t pn, uint64_t now, bool *ack_eliciting);

/* ---- conn_send.c ---- */
/* The next datagram of an open connection (coalesced packets). */
size_t quic_conn_build(quic_conn *c, uint8_t *buf, size_t cap, uint64_t now);
/* A probing packet (RFC 9000 §9.1) to dcid: PATH_CHALLENGE and/or
 * PATH_RESPONSE (NULL: none), padded to size (§8.2.1); not in flight for
 * congestion control (§9.4). */
size_t quic_conn_build_path_probe(quic_conn *c, uint8_t *buf, size_t size, const quic_cid *dcid,
                                  const uint8_t *challenge, const uint8_t *response,
                                  uint64_t now);
/* Closing: one datagram carrying CONNECTION_CLOSE (RFC 9000 §10.2.1). */
size_t quic_conn_build_close(quic_conn *c, uint8_t *buf, size_t cap, uint64_t now);
void quic_conn_on_acked_items(quic_conn *c, uint64_t handle);
/* What recovery declared lost: retransmissions, congestion control, traces. */
void quic_conn_handle_lost(quic_conn *c, const quic_recovery_result *res, uint64_t now);
/* An application-space packet was acknowledged (a PMTU probe, a full-size
 * packet: RFC 8899 §4.3). */
void quic_conn_pmtu_on_acked(quic_conn *c, const quic_sent_pkt *p, uint64_t now);
/* Congestion response to lost packets, leaving out a lost PMTU probe
 * (RFC 9000 §14.4), which only leaves bytes in flight. */
void quic_conn_cc_on_lost(quic_conn *c, const quic_sent_pkt *lost, size_t n, bool persistent,
                          uint64_t now);

/* ---- conn_ecn.c: ECN (RFC 9000 §13.4) ---- */
/* A packet of sp was accepted (not a duplicate): count its datagram's mark. */
void quic_conn_ecn_on_packet(quic_conn *c, quic_pn_space sp);
/* A datagram is about to be built: the path's ECN testing period moves on
 * and the datagram's codepoint is chosen (quic_conn_ecn returns it). */
void quic_conn_ecn_on_datagram(quic_conn *c, uint64_t now);
/* Packet pn of sp is being sent: record whether it carries ECT(0). */
void quic_conn_ecn_on_sent(quic_conn *c, quic_pn_space sp, uint64_t pn);
/* A path probe (1-RTT packet pn) was built: its datagram goes unmarked. */
void quic_conn_ecn_on_probe(quic_conn *c, uint64_t pn);
/* Packets declared lost (res->lost): all the path's marked ones lost fails
 * ECN (RFC 9000 §13.4.2). */
void quic_conn_ecn_on_lost(quic_conn *c, const quic_recovery_result *res);
/* The connection moved to a new path: ECN is tested there anew (§13.4.2). */
void quic_conn_ecn_on_new_path(quic_conn *c);
/* The counts our ACK frames of sp carry (NULL: a plain ACK). */
const uint64_t *quic_conn_ecn_ack_counts(const quic_conn *c, quic_pn_space sp);
/* An ACK frame (f) of sp and what it newly acknowledged: validation of the
 * peer's counts (§13.4.2.1), and a CE increase as a congestion signal (RFC
 * 9002 §7.1). advanced: it raised the largest acknowledged. */
void quic_conn_ecn_on_ack(quic_conn *c, quic_pn_space sp, const quic_frame *f,
                          const quic_recovery_result *res, bool advanced, uint64_t now);

/* ---- conn_stream.c ---- */
int quic_conn_streams_init(quic_conn *c);
void quic_conn_streams_free(quic_conn *c);
/* A stream both sides are done with leaves the table (and frees credit). */
void quic_conn_stream_maybe_done(quic_conn *c, quic_stream *s);
/* The stream frames (RFC 9000 §19.4-5, §19.8, §19.10, §19.13). */
int quic_conn_on_stream_frame(quic_conn *c, uint64_t ft, uint64_t id, uint64_t off,
                              const uint8_t *data, size_t len, bool fin);
int quic_conn_on_reset_stream(quic_conn *c, uint64_t id, uint64_t code, uint64_t final);
int quic_conn_on_stop_sending(quic_conn *c, uint64_t id, uint64_t code);
int quic_conn_on_max_stream_data(quic_conn *c, uint64_t id, uint64_t max);
int quic_conn_on_stream_data_blocked(quic_conn *c, uint64_t id);

#endif
