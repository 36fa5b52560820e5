/* Allocation-free Initial keys for a server's stateless checks (cx_initial.h;
 * RFC 9001 §5.2, RFC 9369 §3.3). */
#include "crypto/cx_initial.h"

#include "crypto/cx_quic_keys.h"

#include <string.h>

/* SHA256_Init/Update/Final keep their state in the caller's struct; OpenSSL
 * 3.0 marks them deprecated, but they are the one way to hash without an
 * allocation (cx_initial.h). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>

#define BLOCK 64 /* SHA-256 block: the HMAC pad length (RFC 2104) */
#define HLEN 32
#define N_VERSIONS 2

/* HMAC-SHA256 with its key absorbed: the inner and outer hashes after the
 * key's ipad and opad block (RFC 2104 §2). Each message copies them. */
typedef struct hmac_keyed {
    SHA256_CTX in, out;
} hmac_keyed;

struct cx_initial {
    const qb_alloc *alloc;
    uint32_t version[N_VERSIONS];
    hmac_keyed salt[N_VERSIONS]; /* HKDF-Extract's key: the version's salt */
    cx_aead *aead;
    cx_hp *hp;
};

/* key_len <= BLOCK: every key here is a salt (20 bytes) or a secret (32). */
static void hmac_key(hmac_keyed *h, const uint8_t *key, size_t key_len)
{
    uint8_t pad[BLOCK];
    memset(pad, 0, sizeof pad);
    memcpy(pad, key, key_len);
    for (size_t i = 0; i < BLOCK; i++)
        pad[i] ^= 0x36;
    SHA256_Init(&h->in);
    SHA256_Update(&h->in, pad, BLOCK);
    for (size_t i = 0; i < BLOCK; i++)
        pad[i] ^= 0x36 ^ 0x5c;
    SHA256_Init(&h->out);
    SHA256_Update(&h->out, pad, BLOCK);
    OPENSSL_cleanse(pad, sizeof pad);
}

static void hmac_run(const hmac_keyed *h, const uint8_t *msg, size_t len, uint8_t out[HLEN])
{
    SHA256_CTX c = h->in;
    uint8_t inner[HLEN];
    SHA256_Update(&c, msg, len);
    SHA256_Final(inner, &c);
    c = h->out;
    SHA256_Update(&c, inner, HLEN);
    SHA256_Final(out, &c);
    OPENSSL_cleanse(inner, sizeof inner);
    OPENSSL_cleanse(&c, sizeof c);
}

/* HKDF-Expand-Label(secret, label, "", len) for len <= 32: one block of
 * HKDF-Expand, T(1) = HMAC(secret, HkdfLabel | 0x01) (RFC 8446 §7.1, RFC
 * 5869 §2.3). label is without "tls13 " and shorter than 200 bytes. */
static void expand_label(const hmac_keyed *secret, const char *label, size_t len, uint8_t *out)
{
    uint8_t info[2 + 1 + 6 + 200 + 1 + 1];
    size_t ll = strlen(label), n = 0;
    uint8_t t[HLEN];
    info[n++] = 0;
    info[n++] = (uint8_t)len;
    info[n++] = (uint8_t)(6 + ll);
    memcpy(info + n, "tls13 ", 6);
    n += 6;
    memcpy(info + n, label, ll);
    n += ll;
    info[n++] = 0; /* empty context */
    info[n++] = 1; /* the counter of T(1) */
    hmac_run(secret, info, n, t);
    memcpy(out, t, len);
    OPENSSL_cleanse(t, sizeof t);
}

int cx_initial_new(cx_initial **out, const qb_alloc *a)
{
    static const uint32_t versions[N_VERSIONS] = {CX_QUIC_V1, CX_QUIC_V2};
    static const uint8_t zeros[CX_AEAD_KEY_MAX], zero_iv[CX_AEAD_IV_LEN];
    *out = NULL;
    cx_initial *s = qb_calloc(a, sizeof *s);
    if (!s)
        return CX_ERR_LIBCRYPTO;
    s->alloc = a;
    for (size_t i = 0; i < N_VERSIONS; i++) {
        const cx_quic_version *v = cx_quic_version_find(versions[i]);
        s->version[i] = versions[i];
        hmac_key(&s->salt[i], v->initial_salt, sizeof v->initial_salt);
    }
    /* RFC 9001 §5.2, RFC 9369 §3.3: Initial packets of both versions use
     * AEAD_AES_128_GCM; the key is replaced for every datagram. */
    int rc = cx_aead_new(&s->aead, a, CX_AES_128_GCM, zeros, zero_iv);
    if (rc == CX_OK)
        rc = cx_hp_new(&s->hp, a, CX_AES_128_GCM, zeros);
    if (rc != CX_OK) {
        cx_initial_free(s);
        return rc;
    }
    *out = s;
    return CX_OK;
}

void cx_initial_free(cx_initial *s)
{
    if (!s)
        return;
    cx_aead_free(s->aead);
    cx_hp_free(s->hp);
    const qb_alloc *a = s->alloc;
    OPENSSL_cleanse(s, sizeof *s);
    qb_free(a, s);
}

int cx_initial_rekey(cx_initial *s, uint32_t version, const uint8_t *dcid, size_t dcid_len,
                     bool client)
{
    const cx_quic_version *v = cx_quic_version_find(version);
    size_t i = 0;
    while (i < N_VERSIONS && s->version[i] != version)
        i++;
    if (!v || i == N_VERSIONS)
        return CX_ERR_QUIC_VERSION;
    uint8_t secret[HLEN], key[16], iv[CX_AEAD_IV_LEN], hp[16];
    hmac_keyed k;
    /* RFC 9001 §5.2: initial_secret = HKDF-Extract(initial_salt, DCID);
     * then the direction's secret, then key, iv and hp from it (§5.1). */
    hmac_run(&s->salt[i], dcid, dcid_len, secret);
    hmac_key(&k, secret, sizeof secret);
    expand_label(&k, client ? "client in" : "server in", HLEN, secret);
    hmac_key(&k, secret, sizeof secret);
    expand_label(&k, v->label_key, sizeof key, key);
    expand_label(&k, v->label_iv, sizeof iv, iv);
    expand_label(&k, v->label_hp, sizeof hp, hp);
    /* A server opens what the client sealed and seals what it says itself. */
    int rc = cx_aead_rekey(s->aead, key, iv, client ? CX_AEAD_OPEN : CX_AEAD_SEAL);
    if (rc == CX_OK)
        rc = cx_hp_rekey(s->hp, hp);
    OPENSSL_cleanse(secret, sizeof secret);
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(iv, sizeof iv);
    OPENSSL_cleanse(hp, sizeof hp);
    OPENSSL_cleanse(&k, sizeof k);
    return rc;
}

cx_aead *cx_initial_aead(cx_initial *s) { return s->aead; }
cx_hp *cx_initial_hp(cx_initial *s) { return s->hp; }
