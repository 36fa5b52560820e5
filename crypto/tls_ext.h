/*
 * TLS 1.3 extension codecs (RFC 8446 §4.2, RFC 9001 §8.2), private to crypto/:
 * the extension block of a handshake message, the list helpers and the
 * length-prefixed vector writer the message codecs share. It sits below
 * tls_msg.h (messages are built of extensions, never the other way round).
 */
#ifndef TLS_EXT_H
#define TLS_EXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/qb.h"
#include "crypto/tls.h" /* error codes */

/* RFC 8446 §4.2 ExtensionType, RFC 9001 §8.2 quic_transport_parameters. */
enum {
    TLS_EXT_SERVER_NAME = 0,
    TLS_EXT_SUPPORTED_GROUPS = 10,
    TLS_EXT_SIGNATURE_ALGORITHMS = 13,
    TLS_EXT_ALPN = 16,
    TLS_EXT_PRE_SHARED_KEY = 41,
    TLS_EXT_EARLY_DATA = 42,
    TLS_EXT_SUPPORTED_VERSIONS = 43,
    TLS_EXT_COOKIE = 44,
    TLS_EXT_PSK_KEY_EXCHANGE_MODES = 45,
    TLS_EXT_KEY_SHARE = 51,
    TLS_EXT_QUIC_TRANSPORT_PARAMETERS = 57,
};

#define TLS_MAX_EXTENSIONS 128 /* more in one message is refused (decode_error) */

/* Messages an extension may appear in (RFC 8446 §4.2 table). */
typedef enum tls_ctx {
    TLS_CTX_CH = 0,
    TLS_CTX_SH,
    TLS_CTX_HRR,
    TLS_CTX_EE,
    TLS_CTX_CERT,
    TLS_CTX_NST,
    TLS_CTX_CR,
} tls_ctx;

typedef struct tls_bytes {
    const uint8_t *p;
    size_t len;
} tls_bytes;

/* Known extensions, by bit in tls_exts.present. */
enum {
    TLS_X_SERVER_NAME = 0,
    TLS_X_GROUPS,
    TLS_X_SIGALGS,
    TLS_X_ALPN,
    TLS_X_KEY_SHARE,
    TLS_X_VERSIONS,
    TLS_X_COOKIE,
    TLS_X_PSK_MODES,
    TLS_X_TP,
    TLS_X_EARLY_DATA,
    TLS_X_PSK, /* last: pre_shared_key must be the last extension (§4.2.11) */
    TLS_X_COUNT
};

/* Decoded extensions. Each val[] holds the extension's contents without the
 * inner length prefix of its list (a u16 list is just the pairs), checked
 * for shape:
 *   SERVER_NAME  CH: ServerNameList entries; EE: empty
 *   GROUPS, SIGALGS, VERSIONS(CH): u16 values
 *   ALPN         ProtocolName entries (u8 length each, non-empty)
 *   KEY_SHARE    CH: KeyShareEntry list; SH: one entry; HRR: u16 group
 *   VERSIONS     SH/HRR: the u16 selected version
 *   COOKIE       the cookie bytes; PSK_MODES: u8 values
 *   TP           opaque; EARLY_DATA: empty (CH/EE) or u32 (NST); PSK: opaque */
typedef struct tls_exts {
    uint32_t present;
    tls_bytes val[TLS_X_COUNT];
    size_t unknown; /* extensions of types not known here (skipped) */
} tls_exts;

static inline bool tls_exts_has(const tls_exts *e, int x) { return (e->present >> x) & 1; }
int tls_ext_type(int x);

/* Extension block: u16 length, then extensions. Duplicates -> illegal_parameter,
 * a known extension not allowed in ctx -> illegal_parameter. */
int tls_exts_decode(qb_rd *r, tls_ctx ctx, tls_exts *e);
int tls_exts_encode(qb_wr *w, tls_ctx ctx, const tls_exts *e);

/* Lists. */
bool tls_u16_list_has(tls_bytes list, uint16_t v);
static inline size_t tls_u16_list_count(tls_bytes list) { return list.len / 2; }
static inline uint16_t tls_u16_list_at(tls_bytes list, size_t i) { return qb_get_u16(list.p + 2 * i); }
/* KeyShareEntry of group in a CH key_share list (found: 1). */
int tls_key_share_find(tls_bytes list, uint16_t group, tls_bytes *key);
/* SH key_share: the one entry. */
int tls_key_share_one(tls_bytes entry, uint16_t *group, tls_bytes *key);
/* host_name of a CH server_name (found: 1). */
int tls_sni_host(tls_bytes list, tls_bytes *host);
/* i-th ALPN protocol; 0 at the end. */
int tls_alpn_next(qb_rd *r, tls_bytes *proto);

/* Length-prefixed block under construction. */
typedef struct tls_vec {
    uint8_t *at;
    size_t start;
    size_t lenbytes;
} tls_vec;
int tls_vec_open(qb_wr *w, size_t lenbytes, tls_vec *v);
int tls_vec_close(qb_wr *w, const tls_vec *v);

#endif
