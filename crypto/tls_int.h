/*
 * Inside of a tls_conn and every prototype the TLS files share. Private to
 * crypto/.
 *
 * Layering: a file calls only files on lower lines (never one on its own line
 * or above), so the graph of "calls a function of" is a DAG; the test
 * check_includes (tools/check_includes.sh) fails on any cycle.
 *
 *   tls_pair.c                  in-memory handshake driver (tests, benches)
 *   tls_conn.c                  the API (tls.h): new/free, message framing
 *                               per level, dispatch to a state machine,
 *                               output and events to the caller, queries
 *   tls_client.c tls_server.c   the two state machines (RFC 8446 §4, App. A)
 *   tls_psk.c                   resumption: the PSK offer, choice, binder and
 *                               NewSessionTickets (RFC 8446 §4.2.11, §4.6.1)
 *   tls_auth.c                  Certificate/CertificateVerify steps both use
 *   tls_core.c                  shared state helpers: failure, log, random,
 *                               key shares, events and secrets, output
 *                               buffers with the transcript, peer transport
 *                               parameters, Finished
 *   tls_keysched.c tls_alert.c  key schedule and transcript; alerts;
 *   tls_ticket.c                sealed tickets, stored sessions (tls_ticket.h)
 *   tls_msg.c                   handshake message codecs (tls_msg.h)
 *   tls_ext.c                   extension codecs (tls_ext.h)
 *   cx_*.c                      libcrypto wrappers (the only OpenSSL users)
 */
#ifndef TLS_INT_H
#define TLS_INT_H

#include "base/qb_vec.h"
#include "crypto/cx_kex.h"
#include "crypto/cx_sig.h"
#include "crypto/cx_wipe.h"
#include "crypto/tls.h"
#include "crypto/tls_keysched.h"
#include "crypto/tls_msg.h"
#include "crypto/tls_ticket.h"

typedef enum tls_state {
    TLS_ST_START = 0,
    TLS_ST_C_WAIT_SH,     /* ClientHello sent */
    TLS_ST_C_WAIT_EE,
    TLS_ST_C_WAIT_CERT,   /* Certificate or CertificateRequest */
    TLS_ST_C_WAIT_CV,
    TLS_ST_C_WAIT_FIN,
    TLS_ST_S_WAIT_CH,     /* server: nothing received yet */
    TLS_ST_S_WAIT_CH2,    /* HelloRetryRequest sent */
    TLS_ST_S_WAIT_TP,     /* ServerHello sent; EncryptedExtensions wait for our transport parameters */
    TLS_ST_S_WAIT_CERT,   /* server flight with CertificateRequest sent */
    TLS_ST_S_WAIT_CV,     /* client Certificate received, not empty */
    TLS_ST_S_WAIT_FIN,    /* server flight sent */
    TLS_ST_CONNECTED,
    TLS_ST_FAILED,
} tls_state;

#define TLS_EVENT_RING 16
#define TLS_DEFAULT_MAX_MSG 65536
#define TLS_MAX_COOKIE 4096
#define TLS_ALPN_MAX 255


struct tls_conn {
    const tls_config *cfg;
    const qb_alloc *a;
    tls_role role;
    tls_state state;
    tls_level read_level;
    size_t max_msg;

    uint16_t suites[TLS_MAX_SUITES];
    size_t nsuites;
    uint16_t groups[TLS_MAX_GROUPS];
    size_t ngroups;
    uint16_t sigalgs[TLS_MAX_SIGALGS];
    size_t nsigalgs;

    uint8_t *local_tp;
    size_t local_tp_len;
    bool tp_deferred; /* server: the flight after ServerHello waits for tls_conn_set_local_tp */
    uint8_t *peer_tp;
    size_t peer_tp_len;

    /* Empty until used and freed when drained (issue 10): in holds one message
     * split across calls, out one flight until QUIC takes it. */
    qb_vec in[TLS_LEVEL_COUNT];
    qb_vec out[TLS_LEVEL_COUNT];

    tls_transcript tr;
    tls_keysched ks;
    bool ks_ready;

    uint16_t suite, group, sigalg;
    bool did_hrr;
    char alpn[TLS_ALPN_MAX + 1];
    char sni[256]; /* server: the client's host_name */
    uint8_t client_random[TLS_RANDOM_LEN];

    /* client */
    cx_kex *kex[TLS_MAX_GROUPS]; /* shares offered */
    size_t nkex;
    uint8_t *cookie;
    size_t cookie_len;
    cx_pkey *peer_key; /* peer's leaf public key */
    size_t tickets;
    bool cert_requested;          /* client: a CertificateRequest came */
    uint8_t cr_sigalgs[2 * 64];   /* the first 64 schemes the server accepts */
    size_t cr_sigalgs_len;
    bool peer_authenticated;      /* server: the client's certificate verified */

    /* resumption (tls_psk.c, RFC 8446 §2.2, §4.2.11) */
    bool psk_offered;          /* client: the session's ticket is in the ClientHello */
    bool resumed;              /* the server accepted the PSK */
    tls_session sess;          /* client: cfg->session decoded (points into it) */
    uint8_t *psk_ext;          /* client: the pre_shared_key extension contents */
    size_t psk_ext_len;
    uint8_t psk[TLS_HASH_MAX]; /* server: of the ticket accepted */
    size_t psk_len;
    uint16_t psk_index;        /* server: the identity selected */
    int64_t psk_age_skew_ms;   /* server: client's ticket age minus ours (0-RTT window) */
    uint32_t psk_max_early;    /* server: the accepted ticket's max_early_data_size */
    uint8_t *ticket_app;       /* server: sealed into the tickets we send */
    size_t ticket_app_len;
    uint8_t *resumed_app;      /* server: the app data of the ticket accepted */
    size_t resumed_app_len;
    uint16_t psk_suite;        /* server: the accepted ticket's suite and ALPN */
    char psk_alpn[TLS_ALPN_MAX + 1];
    uint8_t psk_binder[TLS_HASH_MAX]; /* server: the verified binder (replay key, §8.2) */

    /* 0-RTT (RFC 8446 §4.2.10, RFC 9001 §4.6) */
    tls_early_state early;
    const char *early_reason;
    uint8_t early_secret[TLS_HASH_MAX]; /* server: client_early_traffic_secret until EE */

    tls_event ev[TLS_EVENT_RING];
    size_t ev_head, ev_count;

    int err;
    uint8_t alert;
    const char *reason;
};

/* ---- tls_client.c, tls_server.c: called by tls_conn.c ---- */

int tls_client_start(tls_conn *c);
/* Handshake message of the peer, whole (raw includes the 4-byte header). */
int tls_client_handle(tls_conn *c, tls_level level, const tls_msg *m, const uint8_t *raw,
                      size_t rawlen);
/* Server in TLS_ST_S_WAIT_TP: sends EncryptedExtensions and the rest of the
 * flight now that the transport parameters are set. */
int tls_server_resume(tls_conn *c);
int tls_server_handle(tls_conn *c, tls_level level, const tls_msg *m, const uint8_t *raw,
                      size_t rawlen);

/* ---- tls_auth.c: called by tls_client.c and tls_server.c ---- */

/* Our Certificate (chain may be NULL: empty) and, if not empty, CertificateVerify
 * with scheme (RFC 8446 §4.4.2, §4.4.3). */
int tls_send_cert_and_verify(tls_conn *c, tls_bytes context, const cx_x509_chain *chain,
                             uint16_t scheme, bool server);
/* The peer's Certificate: chain checked (server's: against the name too);
 * *count = 0 for an empty one, which the caller judges. */
int tls_recv_certificate(tls_conn *c, const tls_msg *m, bool from_server, size_t *count);
/* The peer's CertificateVerify, against c->peer_key and our scheme list. */
int tls_check_cert_verify(tls_conn *c, const tls_msg *m, bool from_server);

/* ---- tls_core.c ---- */

/* Marks the connection failed with err (a TLS_ERR_* code) and reason; returns err. */
int tls_fail(tls_conn *c, int err, const char *reason);
#ifdef QUINCE_MINIMAL /* the size profile: alerts without reason texts (issue 16) */
#define tls_fail(c, err, reason) tls_fail(c, err, "")
#endif
#ifdef QUINCE_MINIMAL /* the size profile: no log lines (issue 16) */
#define tls_log(c, lvl, ...) ((void)(c), (void)(lvl))
#else
void tls_log(tls_conn *c, tls_log_level lvl, const char *fmt, ...);
#endif
int tls_random(tls_conn *c, uint8_t *out, size_t n);
/* A fresh ephemeral key for group from the random hook. */
int tls_kex_new(tls_conn *c, uint16_t group, cx_kex **out);
void tls_push_event(tls_conn *c, const tls_event *ev);
/* At the end of the handshake (both Finished done, resumption secret made):
 * frees what only the handshake needed (issue 10), since an engine may be
 * kept long after (a client waiting for a ticket). */
void tls_drop_handshake_state(tls_conn *c);
/* Queues a SECRET event and writes the key log line. */
void tls_push_secret(tls_conn *c, tls_level level, tls_dir dir, const uint8_t *secret,
                     const char *keylog_label);
/* One NSS key log line (no event). */
void tls_keylog(tls_conn *c, const char *label, const uint8_t *secret);
void tls_keylog_len(tls_conn *c, const char *label, const uint8_t *secret, size_t len);
/* Output: a writer over at least max free bytes at level; tls_out_commit then
 * appends what was written and adds it to the transcript. */
int tls_out_begin(tls_conn *c, tls_level level, size_t max, qb_wr *w);
int tls_out_commit(tls_conn *c, tls_level level, const qb_wr *w, bool transcript);
/* Copy of the peer's transport parameters. */
int tls_set_peer_tp(tls_conn *c, tls_bytes tp);

int tls_hash_of_suite(tls_conn *c, uint16_t suite, cx_hash_id *h);
/* Finished verify_data over the transcript so far (RFC 8446 §4.4.4); a
 * wrong one from the peer is decrypt_error. */
int tls_finished_make(tls_conn *c, const uint8_t *base, uint8_t *out);
int tls_finished_check(tls_conn *c, const uint8_t *base, tls_bytes got);
bool tls_is_ip_literal(const char *host);

/* Resumption (tls_psk.c). */
int64_t tls_now_ms(tls_conn *c);
/* Client: decides from cfg->session whether to offer it (tls_client_start). */
int tls_psk_client_prepare(tls_conn *c);
/* Client: sets pre_shared_key in ch (binder zeros) when offered. */
int tls_psk_client_ext(tls_conn *c, tls_ch *ch);
/* Client: the encoded ClientHello at w gets its binder (before the transcript). */
int tls_psk_client_bind(tls_conn *c, qb_wr *w);
/* Client: after a HelloRetryRequest for suite: keep the offer only if its hash fits. */
void tls_psk_client_on_hrr(tls_conn *c, uint16_t suite);
/* Client: ServerHello pre_shared_key (accepted: c->resumed). */
int tls_psk_client_on_sh(tls_conn *c, const tls_sh *sh);
/* Client: a NewSessionTicket after the handshake. */
int tls_psk_client_on_ticket(tls_conn *c, const tls_msg *m);
/* Server: the ClientHello's pre_shared_key; sets c->resumed when a ticket is
 * good and its binder verifies, fails on a bad binder. suite: the one picked. */
int tls_psk_server_select(tls_conn *c, const tls_ch *ch, const uint8_t *raw, size_t rawlen,
                          uint16_t suite, bool second);
/* Server: NewSessionTickets after the client Finished (RFC 8446 §4.6.1). */
int tls_psk_server_send_tickets(tls_conn *c);

/* 0-RTT (tls_early.c, RFC 8446 §4.2.10). */
/* Client, in the first ClientHello: the early_data extension when offered. */
void tls_early_client_ext(tls_conn *c, tls_ch *ch);
/* Client, after the first ClientHello joined the transcript: its
 * client_early_traffic_secret as a SECRET event. */
int tls_early_client_secret(tls_conn *c);
/* Client: the EncryptedExtensions' answer. */
int tls_early_client_on_ee(tls_conn *c, const tls_ee *ee);
/* Server, after the ClientHello (transcript holds it): decides 0-RTT. */
int tls_early_server_decide(tls_conn *c, const tls_ch *ch, bool second);
/* Server: EncryptedExtensions being built: early_data when accepted, and the
 * 0-RTT read secret as an event. */
void tls_early_server_ee(tls_conn *c, tls_ee *ee);
void tls_early_server_after_ee(tls_conn *c);

#endif
