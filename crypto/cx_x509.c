/* Certificate chains and verification over libcrypto (OPENSSL3-NOTES, Certificates). */
#include "crypto/cx_x509.h"
#include "crypto/cx_hash.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

struct cx_x509_chain {
    const qb_alloc *a;
    size_t count;
    uint8_t *der[CX_X509_MAX_CHAIN];
    size_t len[CX_X509_MAX_CHAIN];
    EVP_PKEY *key;
};

/* One remembered chain: its DER, back to back, and the parsed certificates. */
typedef struct x509_cached {
    uint8_t *der; /* NULL: the slot is free */
    size_t n, lens[CX_X509_MAX_CHAIN];
    X509 *x[CX_X509_MAX_CHAIN];
    uint64_t used; /* the trust's clock at the last hit: least is evicted first */
} x509_cached;

struct cx_x509_trust {
    X509_STORE *store;
    pthread_mutex_t lock; /* guards what follows */
    size_t parses;
    uint64_t clock;
    x509_cached cache[CX_X509_CACHE_MAX];
};

static char *read_all(const char *path, size_t *len, const qb_alloc *a)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && n < (1L << 24) &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = qb_malloc(a, (size_t)n + 1)) != NULL) {
        if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
            qb_free(a, buf);
            buf = NULL;
        } else {
            buf[n] = 0;
            *len = (size_t)n;
        }
    }
    fclose(f);
    return buf;
}

int cx_x509_chain_load_pem(const char *chain_path, const char *key_path,
                           const qb_alloc *a, cx_x509_chain **out)
{
    size_t cl = 0, kl = 0;
    char *c = read_all(chain_path, &cl, a);
    char *k = c ? read_all(key_path, &kl, a) : NULL;
    int rc = CX_X509_ERR_LOAD;
    *out = NULL;
    if (c && k)
        rc = cx_x509_chain_from_pem(c, cl, k, kl, a, out);
    if (k)
        OPENSSL_cleanse(k, kl);
    qb_free(a, c);
    qb_free(a, k);
    return rc;
}

int cx_x509_chain_from_pem(const char *chain_pem, size_t chain_len, const char *key_pem,
                           size_t key_len, const qb_alloc *a, cx_x509_chain **out)
{
    cx_x509_chain *ch = qb_calloc(a, sizeof *ch);
    BIO *bio = NULL;
    X509 *x = NULL, *leaf = NULL;
    int rc = CX_X509_ERR_LOAD;
    *out = NULL;
    if (!ch)
        return CX_ERR_LIBCRYPTO;
    ch->a = a;
    bio = BIO_new_mem_buf(chain_pem, (int)chain_len);
    while (bio && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        int n = i2d_X509(x, NULL);
        unsigned char *p;
        if (ch->count == CX_X509_MAX_CHAIN) {
            rc = CX_X509_ERR_TOO_MANY;
            goto fail;
        }
        if (n <= 0 || !(ch->der[ch->count] = qb_malloc(a, (size_t)n)))
            goto fail;
        p = ch->der[ch->count];
        i2d_X509(x, &p);
        ch->len[ch->count++] = (size_t)n;
        if (!leaf) {
            leaf = x;
        } else {
            X509_free(x);
        }
        x = NULL;
    }
    ERR_clear_error(); /* the loop ends on a "no start line" error */
    BIO_free(bio);
    bio = BIO_new_mem_buf(key_pem, (int)key_len);
    if (!leaf || !bio || !(ch->key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)))
        goto fail;
    if (X509_check_private_key(leaf, ch->key) != 1) {
        rc = CX_X509_ERR_KEY;
        goto fail;
    }
    X509_free(leaf);
    BIO_free(bio);
    *out = ch;
    return CX_OK;
fail:
    ERR_clear_error();
    X509_free(x);
    X509_free(leaf);
    BIO_free(bio);
    cx_x509_chain_free(ch);
    return rc;
}

void cx_x509_chain_free(cx_x509_chain *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->count; i++)
        qb_free(c->a, c->der[i]);
    EVP_PKEY_free(c->key);
    qb_free(c->a, c);
}

size_t cx_x509_chain_count(const cx_x509_chain *c) { return c->count; }

void cx_x509_chain_cert(const cx_x509_chain *c, size_t i, const uint8_t **der, size_t *len)
{
    *der = i < c->count ? c->der[i] : NULL;
    *len = i < c->count ? c->len[i] : 0;
}

const cx_pkey *cx_x509_chain_key(const cx_x509_chain *c)
{
    return (const cx_pkey *)(const void *)c->key;
}

static int trust_wrap(X509_STORE *s, cx_x509_trust **out)
{
    cx_x509_trust *t = qb_calloc(NULL, sizeof *t);
    if (!t || pthread_mutex_init(&t->lock, NULL) != 0) {
        qb_free(NULL, t);
        X509_STORE_free(s);
        return CX_ERR_LIBCRYPTO;
    }
    t->store = s;
    *out = t;
    return CX_OK;
}

int cx_x509_trust_new(const char *ca_file, cx_x509_trust **out)
{
    X509_STORE *s = X509_STORE_new();
    int ok = s && (ca_file ? X509_STORE_load_file(s, ca_file) : X509_STORE_set_default_paths(s));
    *out = NULL;
    if (!ok) {
        X509_STORE_free(s);
        ERR_clear_error();
        return CX_X509_ERR_LOAD;
    }
    return trust_wrap(s, out);
}

int cx_x509_trust_from_pem(const char *pem, size_t len, cx_x509_trust **out)
{
    X509_STORE *s = X509_STORE_new();
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    X509 *x;
    int added = 0;
    *out = NULL;
    while (s && bio && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        added += X509_STORE_add_cert(s, x) == 1;
        X509_free(x);
    }
    ERR_clear_error();
    BIO_free(bio);
    if (!added) {
        X509_STORE_free(s);
        return CX_X509_ERR_LOAD;
    }
    return trust_wrap(s, out);
}

static void cached_clear(x509_cached *e)
{
    for (size_t i = 0; i < e->n; i++)
        X509_free(e->x[i]);
    qb_free(NULL, e->der);
    memset(e, 0, sizeof *e);
}

void cx_x509_trust_free(cx_x509_trust *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < CX_X509_CACHE_MAX; i++)
        cached_clear(&t->cache[i]);
    pthread_mutex_destroy(&t->lock);
    X509_STORE_free(t->store);
    qb_free(NULL, t);
}

/* The trust object is logically const to its users; its lock and cache are
 * bookkeeping behind it (like a memo), so they are reached through a cast. */
static cx_x509_trust *trust_mut(const cx_x509_trust *t) { return (cx_x509_trust *)(uintptr_t)t; }

size_t cx_x509_trust_parses(const cx_x509_trust *t)
{
    cx_x509_trust *m = trust_mut(t);
    pthread_mutex_lock(&m->lock);
    size_t n = m->parses;
    pthread_mutex_unlock(&m->lock);
    return n;
}

size_t cx_x509_trust_cached(const cx_x509_trust *t)
{
    cx_x509_trust *m = trust_mut(t);
    size_t n = 0;
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < CX_X509_CACHE_MAX; i++)
        n += m->cache[i].der != NULL;
    pthread_mutex_unlock(&m->lock);
    return n;
}

/* The slot holding exactly this chain, or NULL (lock held). */
static x509_cached *cache_find(cx_x509_trust *t, const uint8_t *const *certs, const size_t *lens,
                               size_t n)
{
    for (size_t i = 0; i < CX_X509_CACHE_MAX; i++) {
        x509_cached *e = &t->cache[i];
        size_t off = 0, j;
        if (!e->der || e->n != n)
            continue;
        for (j = 0; j < n; j++) {
            if (e->lens[j] != lens[j] || memcmp(e->der + off, certs[j], lens[j]) != 0)
                break;
            off += lens[j];
        }
        if (j == n)
            return e;
    }
    return NULL;
}

/* Takes a reference to each of the chain's parsed certificates into x[] if t
 * holds it; 1 on a hit. */
static int cache_get(const cx_x509_trust *ct, const uint8_t *const *certs, const size_t *lens,
                     size_t n, X509 **x)
{
    cx_x509_trust *t = trust_mut(ct);
    pthread_mutex_lock(&t->lock);
    x509_cached *e = cache_find(t, certs, lens, n);
    if (e) {
        e->used = ++t->clock;
        for (size_t i = 0; i < n; i++) {
            X509_up_ref(e->x[i]);
            x[i] = e->x[i];
        }
    }
    pthread_mutex_unlock(&t->lock);
    return e != NULL;
}

/* Remembers a chain that verified, in a free slot or the least recently used
 * one; quietly nothing when out of memory (the cache is only a shortcut). */
static void cache_put(const cx_x509_trust *ct, const uint8_t *const *certs, const size_t *lens,
                      size_t n, X509 *const *x)
{
    cx_x509_trust *t = trust_mut(ct);
    size_t total = 0, off = 0;
    for (size_t i = 0; i < n; i++)
        total += lens[i];
    uint8_t *der = qb_malloc(NULL, total ? total : 1);
    if (!der)
        return;
    for (size_t i = 0; i < n; i++) {
        memcpy(der + off, certs[i], lens[i]);
        off += lens[i];
    }
    pthread_mutex_lock(&t->lock);
    if (cache_find(t, certs, lens, n)) { /* another thread was first */
        pthread_mutex_unlock(&t->lock);
        qb_free(NULL, der);
        return;
    }
    x509_cached *e = &t->cache[0];
    for (size_t i = 0; i < CX_X509_CACHE_MAX && e->der; i++)
        if (!t->cache[i].der || t->cache[i].used < e->used)
            e = &t->cache[i];
    cached_clear(e);
    e->der = der;
    e->n = n;
    e->used = ++t->clock;
    for (size_t i = 0; i < n; i++) {
        e->lens[i] = lens[i];
        X509_up_ref(x[i]);
        e->x[i] = x[i];
    }
    pthread_mutex_unlock(&t->lock);
}

static void count_parse(const cx_x509_trust *ct)
{
    cx_x509_trust *t = trust_mut(ct);
    pthread_mutex_lock(&t->lock);
    t->parses++;
    pthread_mutex_unlock(&t->lock);
}

cx_x509_host_kind cx_x509_host_kind_of(const char *h)
{
    size_t label = 0, total = 0;
    if (!h || !*h)
        return CX_X509_HOST_INVALID;
    ASN1_OCTET_STRING *ip = a2i_IPADDRESS(h);
    ERR_clear_error();
    if (ip) {
        ASN1_OCTET_STRING_free(ip);
        return CX_X509_HOST_IP;
    }
    /* RFC 1034 §3.5 preferred name syntax (and '_', seen in practice); a
     * leading '.' would ask libcrypto for any subdomain and '*' is not a
     * reference identifier (RFC 9525 §6.3), so neither gets through. */
    for (const char *p = h; *p; p++, total++) {
        char ch = *p;
        if (ch == '.') {
            if (label == 0)
                return CX_X509_HOST_INVALID;
            label = 0;
        } else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                   (ch >= '0' && ch <= '9') || ch == '-' || ch == '_') {
            if (++label > 63)
                return CX_X509_HOST_INVALID;
        } else {
            return CX_X509_HOST_INVALID;
        }
    }
    return label == 0 || total > 253 ? CX_X509_HOST_INVALID : CX_X509_HOST_DNS;
}

static int map_error(int e)
{
    switch (e) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return CX_X509_ERR_EXPIRED;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        return CX_X509_ERR_UNKNOWN_CA;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        return CX_X509_ERR_NAME;
    }
    return CX_X509_ERR_INVALID;
}

static int verify(const cx_x509_trust *t, const uint8_t *const *certs, const size_t *lens,
                  size_t n, const char *host, int64_t at_time, cx_pkey **leaf_key,
                  const char **reason, int purpose)
{
    X509 *leaf = NULL, *xs[CX_X509_MAX_CHAIN] = {0};
    int hit = 0;
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509_VERIFY_PARAM *vp;
    int rc = CX_ERR_LIBCRYPTO;
    if (leaf_key)
        *leaf_key = NULL;
    if (reason)
        *reason = "out of memory";
    if (!untrusted || !ctx)
        goto out;
    if (n == 0 || n > CX_X509_MAX_CHAIN) {
        rc = n ? CX_X509_ERR_TOO_MANY : CX_X509_ERR_PARSE;
        if (reason)
            *reason = n ? "certificate chain too long" : "empty certificate chain";
        goto out;
    }
    /* The parse (most of it the public key) is what the cache saves; a hit
     * gives references to the certificates parsed from the same bytes. */
    hit = cache_get(t, certs, lens, n, xs);
    for (size_t i = 0; !hit && i < n; i++) {
        const unsigned char *p = certs[i];
        count_parse(t);
        xs[i] = lens[i] <= 0x7fffffff ? d2i_X509(NULL, &p, (long)lens[i]) : NULL;
        if (!xs[i] || p != certs[i] + lens[i]) {
            for (size_t j = 0; j <= i; j++)
                X509_free(xs[j]);
            rc = CX_X509_ERR_PARSE;
            if (reason)
                *reason = "certificate is not valid DER";
            goto out;
        }
    }
    leaf = xs[0];
    for (size_t i = 1; i < n; i++) {
        if (!sk_X509_push(untrusted, xs[i])) {
            for (size_t j = i; j < n; j++)
                X509_free(xs[j]);
            goto out;
        }
    }
    if (X509_STORE_CTX_init(ctx, t->store, leaf, untrusted) != 1)
        goto out;
    vp = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_purpose(vp, purpose);
    if (at_time)
        X509_VERIFY_PARAM_set_time(vp, (time_t)at_time);
    if (host) {
        cx_x509_host_kind kind = cx_x509_host_kind_of(host);
        int ok = 0;
        /* RFC 9525 §6.3: DNS-IDs of subjectAltName only, never the subject
         * CN; no partial-label wildcard ("f*.example.com"). libcrypto
         * already takes a wildcard only in the left-most label and for one
         * label. §6.4: an address matches iPAddress entries only. */
        if (kind == CX_X509_HOST_IP) {
            ok = X509_VERIFY_PARAM_set1_ip_asc(vp, host);
        } else if (kind == CX_X509_HOST_DNS) {
            X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT |
                                                    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
            ok = X509_VERIFY_PARAM_set1_host(vp, host, 0);
        }
        if (ok != 1) {
            rc = CX_X509_ERR_NAME;
            if (reason)
                *reason = "server name is not a valid host name or address";
            goto out;
        }
    }
    if (X509_verify_cert(ctx) != 1) {
        int e = X509_STORE_CTX_get_error(ctx);
        rc = map_error(e);
        if (reason)
            *reason = X509_verify_cert_error_string(e);
        goto out;
    }
    /* RFC 8446 §4.4.2.2, §4.4.2.3: the key signs CertificateVerify, so a
     * keyUsage must allow digitalSignature. The sslserver/sslclient purposes
     * also accept keyEncipherment or keyAgreement alone (TLS 1.2 key
     * transport and static DH); X509_get_key_usage gives all bits when the
     * extension is absent. */
    if (!(X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE)) {
        rc = CX_X509_ERR_KEY_USAGE;
        if (reason)
            *reason = "certificate keyUsage does not allow digitalSignature";
        goto out;
    }
    if (leaf_key && !(*leaf_key = (cx_pkey *)(void *)X509_get_pubkey(leaf)))
        goto out;
    /* only a chain that verified is remembered: a peer sending junk does
     * not push out the chains of the servers this client talks to */
    if (!hit)
        cache_put(t, certs, lens, n, xs);
    rc = CX_OK;
    if (reason)
        *reason = "ok";
out:
    ERR_clear_error();
    X509_STORE_CTX_free(ctx);
    sk_X509_pop_free(untrusted, X509_free);
    X509_free(leaf);
    return rc;
}

int cx_x509_verify(const cx_x509_trust *t, const uint8_t *const *certs, const size_t *lens,
                   size_t n, const char *host, int64_t at_time, cx_pkey **leaf_key,
                   const char **reason)
{
    return verify(t, certs, lens, n, host, at_time, leaf_key, reason, X509_PURPOSE_SSL_SERVER);
}

int cx_x509_verify_client(const cx_x509_trust *t, const uint8_t *const *certs,
                          const size_t *lens, size_t n, int64_t at_time, cx_pkey **leaf_key,
                          const char **reason)
{
    return verify(t, certs, lens, n, NULL, at_time, leaf_key, reason, X509_PURPOSE_SSL_CLIENT);
}
