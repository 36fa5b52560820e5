/*
 * TLS 1.3 handshake message and extension codecs (RFC 8446 §4), private to
 * crypto/. Decoders are pure: bytes in, structs out; the structs point into
 * the input (tls_bytes) and nothing is allocated. Encoders write the same
 * structs back, so decode -> encode -> decode is a fixed point.
 */
#ifndef TLS_MSG_H
#define TLS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/qb.h"
#include "crypto/tls.h"

/* RFC 8446 §4 HandshakeType. */
enum {
    TLS_HS_CLIENT_HELLO = 1,
    TLS_HS_SERVER_HELLO = 2,
    TLS_HS_NEW_SESSION_TICKET = 4,
    TLS_HS_END_OF_EARLY_DATA = 5,
    TLS_HS_ENCRYPTED_EXTENSIONS = 8,
    TLS_HS_CERTIFICATE = 11,
    TLS_HS_CERTIFICATE_REQUEST = 13,
    TLS_HS_CERTIFICATE_VERIFY = 15,
    TLS_HS_FINISHED = 20,
    TLS_HS_KEY_UPDATE = 24,
    TLS_HS_MESSAGE_HASH = 254,
};

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

#define TLS_VERSION_13 0x0304
#define TLS_LEGACY_VERSION 0x0303
#define TLS_RANDOM_LEN 32
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

/* ---- messages ---- */
/* Handshake header: type(1) length(3); body points into the input. */
typedef struct tls_msg {
    uint8_t type;
    tls_bytes body;
} tls_msg;

typedef struct tls_ch {
    uint16_t legacy_version;
    uint8_t random[TLS_RANDOM_LEN];
    tls_bytes session_id;
    tls_bytes suites;      /* u16 values */
    tls_bytes compression; /* u8 values */
    tls_exts ext;
} tls_ch;

/* ServerHello or HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4). */
typedef struct tls_sh {
    uint16_t legacy_version;
    uint8_t random[TLS_RANDOM_LEN];
    bool hrr; /* random is the HelloRetryRequest value */
    tls_bytes session_id;
    uint16_t suite;
    uint8_t compression;
    tls_exts ext;
} tls_sh;

typedef struct tls_ee {
    tls_exts ext;
} tls_ee;

typedef struct tls_cert {
    tls_bytes context;
    tls_bytes list; /* CertificateEntry list contents, shape-checked */
} tls_cert;

/* CertificateRequest (RFC 8446 §4.3.2). */
typedef struct tls_cr {
    tls_bytes context;
    tls_exts ext;
} tls_cr;

typedef struct tls_cv {
    uint16_t scheme;
    tls_bytes sig;
} tls_cv;

typedef struct tls_fin {
    tls_bytes verify_data;
} tls_fin;

typedef struct tls_nst {
    uint32_t lifetime;
    uint32_t age_add;
    tls_bytes nonce;
    tls_bytes ticket;
    tls_exts ext;
} tls_nst;

extern const uint8_t TLS_HRR_RANDOM[TLS_RANDOM_LEN];

/* One whole message from r (header + body). */
int tls_msg_decode(qb_rd *r, tls_msg *m);
int tls_ch_decode(const uint8_t *p, size_t len, tls_ch *m);   /* bodies, no header */
int tls_sh_decode(const uint8_t *p, size_t len, tls_sh *m);
int tls_ee_decode(const uint8_t *p, size_t len, tls_ee *m);
int tls_cert_decode(const uint8_t *p, size_t len, tls_cert *m);
/* Next CertificateEntry (1), end (0); entries were checked by tls_cert_decode. */
int tls_cert_next(qb_rd *r, tls_bytes *cert_data, tls_bytes *exts);
int tls_cr_decode(const uint8_t *p, size_t len, tls_cr *m);
int tls_cv_decode(const uint8_t *p, size_t len, tls_cv *m);
int tls_fin_decode(const uint8_t *p, size_t len, tls_fin *m);
int tls_nst_decode(const uint8_t *p, size_t len, tls_nst *m);

/* Encoders write the 4-byte header and the body. */
int tls_ch_encode(qb_wr *w, const tls_ch *m);
int tls_sh_encode(qb_wr *w, const tls_sh *m);
int tls_ee_encode(qb_wr *w, const tls_ee *m);
/* Certificate with the given context (may be empty) and no entry extensions. */
int tls_cert_encode(qb_wr *w, tls_bytes context, const uint8_t *const *der, const size_t *lens,
                    size_t n);
int tls_cert_encode_raw(qb_wr *w, const tls_cert *m);
int tls_cr_encode(qb_wr *w, const tls_cr *m);
int tls_cv_encode(qb_wr *w, const tls_cv *m);
int tls_fin_encode(qb_wr *w, const tls_fin *m);
int tls_nst_encode(qb_wr *w, const tls_nst *m);

#endif
