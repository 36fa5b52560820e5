/* QUIC key schedule pieces on top of HKDF (RFC 9001 §5, §6; RFC 9369 §3.3). */
#include "crypto/cx_quic_keys.h"

#include <string.h>

#include <openssl/crypto.h>

/* One row per version: everything version-specific in the key schedule. */
static const cx_quic_version g_versions[] = {
    {
        /* RFC 9001 §5.2 and §5.8 */
        .version = CX_QUIC_V1,
        .long_type_bits = {0x0, 0x1, 0x2, 0x3},
        .initial_salt = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                         0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a},
        .label_key = "quic key",
        .label_iv = "quic iv",
        .label_hp = "quic hp",
        .label_ku = "quic ku",
        .retry_key = {0xbe, 0x0c, 0x69, 0x0b, 0x9f, 0x66, 0x57, 0x5a, 0x1d, 0x76, 0x6b,
                      0x54, 0xe3, 0x68, 0xc8, 0x4e},
        .retry_nonce = {0x46, 0x15, 0x99, 0xd3, 0x5d, 0x63, 0x2b, 0xf2, 0x23, 0x98, 0x25,
                        0xbb},
    },
    {
        /* RFC 9369 §3.2, §3.3 */
        .version = CX_QUIC_V2,
        .long_type_bits = {0x1, 0x2, 0x3, 0x0},
        .initial_salt = {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
                         0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9},
        .label_key = "quicv2 key",
        .label_iv = "quicv2 iv",
        .label_hp = "quicv2 hp",
        .label_ku = "quicv2 ku",
        .retry_key = {0x8f, 0xb4, 0xb0, 0x1b, 0x56, 0xac, 0x48, 0xe2, 0x60, 0xfb, 0xcb,
                      0xce, 0xad, 0x7c, 0xcc, 0x92},
        .retry_nonce = {0xd8, 0x69, 0x69, 0xbc, 0x2d, 0x7c, 0x6d, 0x99, 0x90, 0xef, 0xb0,
                        0x4a},
    },
};

const cx_quic_version *cx_quic_version_find(uint32_t version)
{
    for (size_t i = 0; i < sizeof g_versions / sizeof g_versions[0]; i++)
        if (g_versions[i].version == version)
            return &g_versions[i];
    return NULL;
}

int cx_quic_initial_secrets(uint32_t version, const uint8_t *dcid, size_t dcid_len,
                            uint8_t client[CX_QUIC_INITIAL_SECRET_LEN],
                            uint8_t server[CX_QUIC_INITIAL_SECRET_LEN])
{
    const cx_quic_version *v = cx_quic_version_find(version);
    uint8_t initial[CX_QUIC_INITIAL_SECRET_LEN];
    static const uint8_t empty[1];
    if (!v)
        return CX_ERR_QUIC_VERSION;
    /* initial_secret = HKDF-Extract(initial_salt, client_dst_connection_id) */
    int rc = cx_hkdf_extract(CX_SHA256, v->initial_salt, sizeof v->initial_salt,
                             dcid_len ? dcid : empty, dcid_len, initial);
    if (rc == CX_OK)
        rc = cx_hkdf_expand_label(CX_SHA256, initial, sizeof initial, "client in", NULL, 0,
                                  client, CX_QUIC_INITIAL_SECRET_LEN);
    if (rc == CX_OK)
        rc = cx_hkdf_expand_label(CX_SHA256, initial, sizeof initial, "server in", NULL, 0,
                                  server, CX_QUIC_INITIAL_SECRET_LEN);
    OPENSSL_cleanse(initial, sizeof initial);
    return rc;
}

int cx_quic_keys_derive(uint32_t version, cx_aead_id aead, const uint8_t *secret,
                        size_t secret_len, cx_quic_keys *out)
{
    const cx_quic_version *v = cx_quic_version_find(version);
    size_t kl = cx_aead_key_len(aead);
    cx_hash_id h = cx_aead_hash(aead);
    if (!v)
        return CX_ERR_QUIC_VERSION;
    if (kl == 0 || secret_len != cx_hash_len(h))
        return CX_ERR_ARG;
    memset(out, 0, sizeof *out);
    out->aead = aead;
    out->key_len = kl;
    /* RFC 9001 §5.1: the hp key has the length of the AEAD key. */
    int rc = cx_hkdf_expand_label(h, secret, secret_len, v->label_key, NULL, 0, out->key, kl);
    if (rc == CX_OK)
        rc = cx_hkdf_expand_label(h, secret, secret_len, v->label_iv, NULL, 0, out->iv,
                                  CX_AEAD_IV_LEN);
    if (rc == CX_OK)
        rc = cx_hkdf_expand_label(h, secret, secret_len, v->label_hp, NULL, 0, out->hp, kl);
    if (rc != CX_OK)
        cx_quic_keys_clear(out);
    return rc;
}

int cx_quic_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len,
                         cx_quic_keys *client, cx_quic_keys *server)
{
    uint8_t cs[CX_QUIC_INITIAL_SECRET_LEN], ss[CX_QUIC_INITIAL_SECRET_LEN];
    int rc = cx_quic_initial_secrets(version, dcid, dcid_len, cs, ss);
    if (rc == CX_OK)
        rc = cx_quic_keys_derive(version, CX_AES_128_GCM, cs, sizeof cs, client);
    if (rc == CX_OK)
        rc = cx_quic_keys_derive(version, CX_AES_128_GCM, ss, sizeof ss, server);
    OPENSSL_cleanse(cs, sizeof cs);
    OPENSSL_cleanse(ss, sizeof ss);
    return rc;
}

int cx_quic_secret_update(uint32_t version, cx_aead_id aead, const uint8_t *secret,
                          size_t secret_len, uint8_t *next)
{
    const cx_quic_version *v = cx_quic_version_find(version);
    cx_hash_id h = cx_aead_hash(aead);
    uint8_t tmp[CX_QUIC_SECRET_MAX];
    if (!v)
        return CX_ERR_QUIC_VERSION;
    if (cx_aead_key_len(aead) == 0 || secret_len != cx_hash_len(h))
        return CX_ERR_ARG;
    int rc = cx_hkdf_expand_label(h, secret, secret_len, v->label_ku, NULL, 0, tmp, secret_len);
    if (rc == CX_OK)
        memcpy(next, tmp, secret_len);
    OPENSSL_cleanse(tmp, sizeof tmp);
    return rc;
}

int cx_quic_retry_tag(uint32_t version, const uint8_t *odcid, size_t odcid_len,
                      const uint8_t *retry, size_t retry_len,
                      uint8_t tag[CX_QUIC_RETRY_TAG_LEN])
{
    const cx_quic_version *v = cx_quic_version_find(version);
    cx_aead *k = NULL;
    if (!v)
        return CX_ERR_QUIC_VERSION;
    /* A Retry fits in one UDP datagram; the ODCID has at most 20 bytes. */
    if (odcid_len > 20 || retry_len > 65535)
        return CX_ERR_ARG;
    /* Retry Pseudo-Packet: ODCID Length (1), ODCID, then the Retry packet
     * without its tag, fed to the AEAD as two AAD pieces. */
    uint8_t prefix[1 + 20];
    prefix[0] = (uint8_t)odcid_len;
    if (odcid_len)
        memcpy(prefix + 1, odcid, odcid_len);
    int rc = cx_aead_new(&k, NULL, CX_AES_128_GCM, v->retry_key, v->retry_nonce);
    /* §5.8: AEAD_AES_128_GCM, empty plaintext, the fixed key and nonce. */
    if (rc == CX_OK)
        rc = cx_aead_auth_tag(k, prefix, 1 + odcid_len, retry, retry_len, tag);
    cx_aead_free(k);
    return rc;
}

void cx_quic_keys_clear(cx_quic_keys *k)
{
    OPENSSL_cleanse(k, sizeof *k);
}
