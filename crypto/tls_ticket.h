/*
 * Session tickets (RFC 8446 §4.6.1), private to crypto/: the server's sealed
 * ticket contents and the client's stored session bytes.
 *
 * Sealed ticket: key_id(4) nonce(12) AES-256-GCM(plaintext) tag(16), with
 * key_id || nonce as associated data. Plaintext (version 1):
 *   version(1) suite(2) alpn<1> psk<1> created_ms(8) age_add(4) lifetime(4)
 *   max_early_data(4) app_data<2>
 * Client session (version 1, what tls_session_fn hands out):
 *   version(1) suite(2) alpn<1> server_name<1> psk<1> ticket<2> lifetime(4)
 *   age_add(4) received_ms(8) max_early_data(4) peer_tp<2>
 */
#ifndef TLS_TICKET_H
#define TLS_TICKET_H

#include "crypto/tls.h"
#include "crypto/tls_keysched.h"
#include "crypto/tls_msg.h"

#define TLS_TICKET_VERSION 1
#define TLS_SESSION_VERSION 1
#define TLS_TICKET_OVERHEAD (4 + 12 + 16)
#define TLS_TICKET_APP_MAX 4096 /* app data sealed into a ticket */

/* What a server ticket says (pointers into the opened plaintext). */
typedef struct tls_ticket {
    uint16_t suite;
    tls_bytes alpn;
    uint8_t psk[TLS_HASH_MAX];
    size_t psk_len;
    int64_t created_ms;
    uint32_t age_add;
    uint32_t lifetime;
    uint32_t max_early_data;
    tls_bytes app_data;
} tls_ticket;

/* Seals t into out (cap bytes); *len gets the ticket's length. */
int tls_ticket_seal(tls_ticket_keys *k, const tls_ticket *t, uint8_t *out, size_t cap,
                    size_t *len);
/* Opens a ticket into buf (its plaintext, at least len bytes) and parses it
 * into t. 0, or -1 for a ticket not ours (unknown key, rotated out, forged,
 * malformed): the caller treats it as no ticket. */
int tls_ticket_open(const tls_ticket_keys *k, const uint8_t *ticket, size_t len, uint8_t *buf,
                    tls_ticket *t);

/* Server anti-replay for 0-RTT (RFC 8446 §8.2): the binder of a ClientHello
 * whose early data would be accepted, remembered for window_ms in the keys'
 * bounded cache. 1: first sight (now remembered), 0: seen before, -1: the
 * cache is full of live entries (doubt). */
int tls_ticket_replay_check(tls_ticket_keys *k, const uint8_t *binder, size_t len, int64_t now_ms,
                            int64_t window_ms);
/* RFC 8446 §7.1: client_early_traffic_secret from a PSK and Hash(ClientHello)
 * (tls_early.c). */
int tls_early_traffic_secret(cx_hash_id h, const uint8_t *psk, size_t psk_len,
                             const uint8_t *th_ch, uint8_t *out);

/* A client session as stored. */
typedef struct tls_session {
    uint16_t suite;
    tls_bytes alpn, server_name, psk, ticket, peer_tp;
    uint32_t lifetime, age_add, max_early_data;
    int64_t received_ms;
} tls_session;

int tls_session_encode(qb_wr *w, const tls_session *s);
int tls_session_decode(const uint8_t *p, size_t n, tls_session *s);

/* The pure key-schedule steps of resumption (defined in tls_psk.c, which
 * also holds the handshake's PSK logic): */
/* RFC 8446 §4.2.11.2: the binder of psk over th (the transcript hash up to the
 * truncated ClientHello): HMAC(finished_key(res binder), th). */
int tls_psk_binder(cx_hash_id h, const uint8_t *psk, size_t psk_len, const uint8_t *th,
                   uint8_t *out);
/* RFC 8446 §4.6.1: the PSK of a ticket from the resumption master secret and its nonce. */
int tls_psk_from_ticket(cx_hash_id h, const uint8_t *res, const uint8_t *nonce, size_t nlen,
                        uint8_t *out);

#endif
