/**
 * X.509 for the TLS engine: a server's certificate chain and key loaded from
 * PEM, and a client's chain verification against trust anchors (a CA file or
 * the system store) with host name / IP address and validity checks. Thin
 * wrappers over libcrypto's X509_STORE (OPENSSL3-NOTES, Certificates).
 * @file
 */
#ifndef CX_X509_H
#define CX_X509_H

#include <stddef.h>
#include <stdint.h>

#include "base/qb.h"
#include "crypto/cx_sig.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes: the CX_X509_ERR_* of crypto/cx_err.h. */

#define CX_X509_MAX_CHAIN 10 /**< certificates a chain may hold */

/** A certificate chain (leaf first, DER) and the leaf's private key. */
typedef struct cx_x509_chain cx_x509_chain;

/** Loads a chain (PEM file, leaf first) and its private key (PEM file) into a new chain at
 * out, allocated through a (NULL: malloc); free it with cx_x509_chain_free().
 * Returns 0 or a CX_X509_ERR_* code (nothing allocated then). */
int cx_x509_chain_load_pem(const char *chain_path, const char *key_path,
                           const qb_alloc *a, cx_x509_chain **out);
/** The same from PEM text in memory (copied). */
int cx_x509_chain_from_pem(const char *chain_pem, size_t chain_len, const char *key_pem,
                           size_t key_len, const qb_alloc *a, cx_x509_chain **out);
void cx_x509_chain_free(cx_x509_chain *c); /**< frees c and its key; NULL allowed */
size_t cx_x509_chain_count(const cx_x509_chain *c); /**< certificates in c */
/** The i-th certificate (0: the leaf) as DER, owned by c. */
void cx_x509_chain_cert(const cx_x509_chain *c, size_t i, const uint8_t **der, size_t *len);
const cx_pkey *cx_x509_chain_key(const cx_x509_chain *c); /**< the leaf's private key, owned by c */

/** Trust anchors: a CA file (PEM, may hold several), or the system's default
 * paths when ca_file is NULL.
 *
 * A trust object also remembers the last CX_X509_CACHE_MAX chains it verified
 * (the exact DER bytes, leaf first, and their parsed certificates, least
 * recently used first out): a client connecting again and again to the same
 * server is sent the same certificate each time, and parsing it (mostly its
 * public key) was the largest single cost of a client handshake. Only the
 * parse is remembered: the chain, validity time, purpose, key usage and host
 * name are checked on every verification. The cache has a lock, so one trust
 * object may be shared by connections on several threads. */
typedef struct cx_x509_trust cx_x509_trust;
#define CX_X509_CACHE_MAX 4 /**< parsed chains a trust object remembers */
/** Trust anchors from a PEM file (NULL: the system's) into a new one at out; 0 or a
 * CX_X509_ERR_* code. Free with cx_x509_trust_free(). */
int cx_x509_trust_new(const char *ca_file, cx_x509_trust **out);
/** The same from PEM text in memory. */
int cx_x509_trust_from_pem(const char *pem, size_t len, cx_x509_trust **out);
void cx_x509_trust_free(cx_x509_trust *t); /**< NULL allowed (frees its cache too) */
/** Certificates t has parsed from DER so far (for tests: a cache hit parses none). */
size_t cx_x509_trust_parses(const cx_x509_trust *t);
/** Chains t's cache holds now (at most CX_X509_CACHE_MAX). */
size_t cx_x509_trust_cached(const cx_x509_trust *t);

/** What a reference identifier (a client's server name) is (RFC 9525 §6.1,
 * §6.3): an IPv4/IPv6 literal (IP-ID), a DNS name of letters, digits, '-'
 * and '_' in non-empty labels of at most 63 bytes, 253 in all, with no
 * leading or trailing dot and no wildcard (DNS-ID), or neither. */
typedef enum cx_x509_host_kind {
    CX_X509_HOST_INVALID = 0, /**< neither: refused as a server name */
    CX_X509_HOST_DNS, /**< a DNS name (DNS-ID) */
    CX_X509_HOST_IP, /**< an IPv4 or IPv6 literal (IP-ID) */
} cx_x509_host_kind;
/** The kind of host (see cx_x509_host_kind). */
cx_x509_host_kind cx_x509_host_kind_of(const char *host);

/** Verifies the chain certs[0..n) (leaf first) against t for host (a DNS name
 * or an IPv4/IPv6 literal; NULL = no name check) at at_time (seconds since
 * 1970; 0 = now). On success *leaf_key (if not NULL) gets the leaf's public key
 * (free with cx_pkey_free). *reason (if not NULL) gets words for a failure.
 * Names match as RFC 9525 §6.3 says: DNS-IDs and IP-IDs of subjectAltName
 * only (never the subject CN), a wildcard only as the whole left-most label.
 * A leaf with keyUsage must allow digitalSignature (RFC 8446 §4.4.2.2). */
int cx_x509_verify(const cx_x509_trust *t, const uint8_t *const *certs, const size_t *lens,
                   size_t n, const char *host, int64_t at_time, cx_pkey **leaf_key,
                   const char **reason);

/** The same for a client's certificate (RFC 8446 §4.4.2.4): purpose sslclient
 * (EKU clientAuth if present), no name check. */
int cx_x509_verify_client(const cx_x509_trust *t, const uint8_t *const *certs,
                          const size_t *lens, size_t n, int64_t at_time, cx_pkey **leaf_key,
                          const char **reason);

#ifdef __cplusplus
}
#endif

#endif
