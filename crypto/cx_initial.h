/*
 * The Initial keys of a stranger's datagram, for a server that keeps nothing
 * for it (RFC 9000 §21.1.1; RFC 9001 §5.2): a scratch AEAD and header
 * protection key, made once per endpoint and re-keyed per datagram from the
 * packet's own Destination Connection ID, so looking at a junk Initial costs
 * no allocation at all.
 *
 * HKDF here runs on SHA-256 states kept on the stack, not on EVP_MD_CTX:
 * OpenSSL 3.0 frees and re-creates a digest context's provider state on every
 * EVP_DigestInit_ex and EVP_MD_CTX_copy_ex (and EVP_MAC_init with a new key
 * makes five allocations), so no EVP route is allocation-free. The HMAC key
 * of the extraction is each version's constant salt: its inner and outer
 * states are computed once, in cx_initial_new.
 */
#ifndef CX_INITIAL_H
#define CX_INITIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/qb.h"
#include "crypto/cx_aead.h"
#include "crypto/cx_hp.h"

typedef struct cx_initial cx_initial;

/* The scratch keys (AES-128-GCM and AES-128 header protection, the Initial
 * suite of QUIC v1 and v2) and every known version's keyed salt. */
int cx_initial_new(cx_initial **out, const qb_alloc *a);
void cx_initial_free(cx_initial *s);

/* Re-keys the scratch AEAD and hp key with the Initial keys of version for
 * dcid, of the client's direction (client: to open a client's packet) or the
 * server's (to seal ours). No allocation. CX_ERR_QUIC_VERSION for a version
 * without a key schedule. */
int cx_initial_rekey(cx_initial *s, uint32_t version, const uint8_t *dcid, size_t dcid_len,
                     bool client);
/* The scratch keys, valid until the next rekey or the free. */
cx_aead *cx_initial_aead(cx_initial *s);
cx_hp *cx_initial_hp(cx_initial *s);

#endif
