/**
 * Signatures of TLS 1.3 CertificateVerify (RFC 8446 §4.2.3, §4.4.3):
 * ecdsa_secp256r1_sha256, ecdsa_secp384r1_sha384, rsa_pss_rsae_sha256/384/512,
 * ed25519. Keys are libcrypto EVP_PKEYs, opaque here as cx_pkey.
 * @file
 */
#ifndef CX_SIG_H
#define CX_SIG_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/cx_err.h" /* CX_SIG_ERR_* */

#ifdef __cplusplus
extern "C" {
#endif

/** RFC 8446 §4.2.3 SignatureScheme values. */
enum {
    CX_SIG_ECDSA_SECP256R1_SHA256 = 0x0403, /**< ecdsa_secp256r1_sha256 */
    CX_SIG_ECDSA_SECP384R1_SHA384 = 0x0503, /**< ecdsa_secp384r1_sha384 */
    CX_SIG_RSA_PSS_RSAE_SHA256 = 0x0804, /**< rsa_pss_rsae_sha256 */
    CX_SIG_RSA_PSS_RSAE_SHA384 = 0x0805, /**< rsa_pss_rsae_sha384 */
    CX_SIG_RSA_PSS_RSAE_SHA512 = 0x0806, /**< rsa_pss_rsae_sha512 */
    CX_SIG_ED25519 = 0x0807, /**< ed25519 */
};

#define CX_SIG_MAX 512 /**< RSA-4096 signature bytes; ECDSA/Ed25519 are shorter */

typedef struct cx_pkey cx_pkey; /**< an EVP_PKEY */

/** 1 if scheme (a TLS SignatureScheme, RFC 8446 §4.2.3) is one quince supports, else 0. */
int cx_sig_scheme_known(uint16_t scheme);
/** 1 if key can make/check signatures of scheme (type, curve). */
int cx_sig_scheme_fits(uint16_t scheme, const cx_pkey *key);

/** Signs msg with the private key under scheme into sig (cap bytes, CX_SIG_MAX
 * always suffices); sig_len gets the length. Returns 0 or a CX_SIG_ERR_* code. */
int cx_sig_sign(uint16_t scheme, const cx_pkey *key, const uint8_t *msg, size_t len,
                uint8_t *sig, size_t cap, size_t *sig_len);
/** Checks sig over msg with the public key under scheme: 0, CX_SIG_ERR_BAD when it
 * does not verify, or another CX_SIG_ERR_* code. */
int cx_sig_verify(uint16_t scheme, const cx_pkey *key, const uint8_t *msg, size_t len,
                  const uint8_t *sig, size_t sig_len);

/** Key loading for tests and configuration. */
int cx_pkey_from_pem(const char *pem, size_t len, cx_pkey **out);       /**< private */
int cx_pkey_from_cert_der(const uint8_t *der, size_t len, cx_pkey **out); /**< public */
void cx_pkey_free(cx_pkey *k); /**< drops one reference; NULL allowed */
/** Takes another reference (the key is shared, not copied). */
cx_pkey *cx_pkey_ref(cx_pkey *k);

#ifdef __cplusplus
}
#endif

#endif
