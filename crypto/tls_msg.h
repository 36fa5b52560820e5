/*
 * TLS 1.3 handshake message codecs (RFC 8446 §4), private to crypto/; the
 * extension block inside them is tls_ext.h's. Decoders are pure: bytes in,
 * structs out; the structs point into the input (tls_bytes) and nothing is
 * allocated. Encoders write the same structs back, so decode -> encode ->
 * decode is a fixed point.
 */
#ifndef TLS_MSG_H
#define TLS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/qb.h"
#include "crypto/tls.h"
#include "crypto/tls_ext.h"

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

#define TLS_VERSION_13 0x0304
#define TLS_LEGACY_VERSION 0x0303
#define TLS_RANDOM_LEN 32

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
