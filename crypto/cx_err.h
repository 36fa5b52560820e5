/**
 * The local error codes of crypto/'s libcrypto wrappers (cx_*.c), in one enum
 * for all of them (DESIGN.md, Errors), all in -100..-199 (quic/quic_err.h lists
 * the ranges of every module). The TLS engine's codes are the TLS_ERR_* of
 * crypto/tls.h, -200..-499, each one an alert (RFC 8446 §6): the engine turns
 * every wrapper code it meets into one of those, and one that slips through
 * unmapped is internal_error (tls_err_alert), never an alert made up from its
 * number.
 * @file
 */
#ifndef CX_ERR_H
#define CX_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

/** The wrappers' codes. */
enum {
    CX_OK = 0,                   /**< success */
    CX_ERR_LIBCRYPTO = -100,     /**< libcrypto refused (out of memory, bad key, ...) */
    CX_ERR_ARG = -101,           /**< a length or id outside what the function takes */
    CX_ERR_AUTH = -102,          /**< AEAD tag or signature did not verify */
    /* cx_aead.h, cx_quic_keys.h */
    CX_ERR_AEAD_SHORT = -110,    /**< ciphertext shorter than the tag */
    CX_ERR_QUIC_VERSION = -111,  /**< no key schedule known for this QUIC version */
    /* cx_kex.h */
    CX_KEX_ERR_GROUP = -120,     /**< group not supported */
    CX_KEX_ERR_PRIV = -121,      /**< seed is not a valid private key: draw again */
    CX_KEX_ERR_PEER = -122,      /**< peer's share malformed or not on the curve */
    CX_KEX_ERR_ZERO = -123,      /**< shared secret all zero (RFC 8446 §7.4.2) */
    /* cx_sig.h */
    CX_SIG_ERR_SCHEME = -130,    /**< signature scheme unknown */
    CX_SIG_ERR_KEY = -131,       /**< key does not fit the scheme */
    CX_SIG_ERR_BAD = -132,       /**< signature does not verify */
    CX_SIG_ERR_SPACE = -133,     /**< output buffer too small */
    /* cx_x509.h */
    CX_X509_ERR_LOAD = -140,     /**< file unreadable or not PEM */
    CX_X509_ERR_PARSE = -141,    /**< a certificate is not valid DER */
    CX_X509_ERR_UNKNOWN_CA = -142, /**< no path to a trust anchor */
    CX_X509_ERR_EXPIRED = -143,  /**< outside notBefore..notAfter */
    CX_X509_ERR_NAME = -144,     /**< host name / IP not in the certificate */
    CX_X509_ERR_INVALID = -145,  /**< other verification failure */
    CX_X509_ERR_KEY = -146,      /**< private key does not match the leaf */
    CX_X509_ERR_TOO_MANY = -147, /**< chain longer than CX_X509_MAX_CHAIN */
    CX_X509_ERR_KEY_USAGE = -148, /**< leaf's keyUsage lacks digitalSignature */
    /* cx_certgen.h */
    CX_CERTGEN_ERR = -160,       /**< libcrypto refused to make the key or certificate */
    CX_CERTGEN_ERR_ARG = -161,   /**< a bad option (key type, host, days) */
};

#ifdef __cplusplus
}
#endif

#endif
