/* Benchmark: complete in-memory TLS 1.3 handshakes (our client + our server,
 * x25519, AES-128-GCM, ECDSA P-256 certificate self-signed and trusted) per
 * second and CPU microseconds per handshake, next to the libcrypto work a
 * handshake cannot avoid (through the thin cx_ wrappers): x25519 twice (key
 * pair + shared secret on each side), one ECDSA P-256 sign, one verify.
 * Usage: bench_tls_handshake [seconds]  (default 2) */
#include "crypto/cx_certgen.h"
#include "crypto/cx_kex.h"
#include "crypto/cx_rand.h"
#include "crypto/cx_sig.h"
#include "crypto/cx_x509.h"
#include "crypto/tls.h"
#include "crypto/tls_pair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct ctx {
    cx_x509_chain *chain;
    cx_x509_trust *trust;
    cx_pkey *key;
} ctx;

static int one_handshake(ctx *c)
{
    static const uint8_t tp[] = {0x01, 0x02, 0x40, 0x64};
    tls_config cc, sc;
    tls_config_init(&cc, TLS_ROLE_CLIENT);
    cc.alpn[0] = "h3";
    cc.alpn_count = 1;
    cc.server_name = "localhost";
    cc.trust = c->trust;
    tls_config_init(&sc, TLS_ROLE_SERVER);
    sc.alpn[0] = "h3";
    sc.alpn_count = 1;
    sc.chain = c->chain;
    tls_conn *cl = tls_conn_new(&cc, tp, sizeof tp), *sv = tls_conn_new(&sc, tp, sizeof tp);
    int rc = cl && sv ? tls_pair_run(cl, sv, NULL, NULL) : -1;
    tls_conn_free(cl);
    tls_conn_free(sv);
    return rc;
}

static int x25519_twice(ctx *c)
{
    uint8_t p1[32], p2[32], pub1[65], pub2[65], s[32];
    size_t n;
    cx_kex *a, *b;
    (void)c;
    cx_rand_default(NULL, p1, 32);
    cx_rand_default(NULL, p2, 32);
    if (cx_kex_new(CX_GROUP_X25519, p1, &a) || cx_kex_new(CX_GROUP_X25519, p2, &b))
        return -1;
    int rc = cx_kex_public(a, pub1, sizeof pub1, &n) || cx_kex_public(b, pub2, sizeof pub2, &n) ||
             cx_kex_derive(a, pub2, 32, s, sizeof s, &n) || cx_kex_derive(b, pub1, 32, s, sizeof s, &n);
    cx_kex_free(a);
    cx_kex_free(b);
    return rc;
}

static uint8_t msg[130], sig[CX_SIG_MAX];
static size_t sig_len;

static int sign_once(ctx *c)
{
    return cx_sig_sign(CX_SIG_ECDSA_SECP256R1_SHA256, c->key, msg, sizeof msg, sig, sizeof sig, &sig_len);
}

static int verify_once(ctx *c)
{
    return cx_sig_verify(CX_SIG_ECDSA_SECP256R1_SHA256, c->key, msg, sizeof msg, sig, sig_len);
}

typedef struct result {
    double per_s, cpu_us;
} result;

static result measure(const char *name, int (*fn)(ctx *), ctx *c, double seconds)
{
    long n = 0;
    double w0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID), w1;
    do {
        for (int i = 0; i < 16; i++, n++)
            if (fn(c)) {
                fprintf(stderr, "%s failed\n", name);
                exit(1);
            }
        w1 = now_s(CLOCK_MONOTONIC);
    } while (w1 - w0 < seconds);
    double cpu = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    result r = {(double)n / (w1 - w0), cpu / (double)n * 1e6};
    printf("%-28s %10.0f /s %10.1f CPU-us each\n", name, r.per_s, r.cpu_us);
    return r;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 2.0;
    char *cert, *key;
    size_t cl, kl;
    ctx c;
    cx_certgen_opts o = {.now = time(NULL), .not_before_offset = -60};
    if (secs <= 0)
        secs = 2.0;
    if (cx_certgen(&o, NULL, &cert, &cl, &key, &kl) ||
        cx_x509_chain_from_pem(cert, cl, key, kl, NULL, &c.chain) ||
        cx_x509_trust_from_pem(cert, cl, &c.trust) || cx_pkey_from_pem(key, kl, &c.key)) {
        fprintf(stderr, "setup failed\n");
        return 1;
    }
    memset(msg, 0x20, sizeof msg);
    sign_once(&c);
    printf("TLS 1.3 in-memory handshake: x25519, TLS_AES_128_GCM_SHA256, ECDSA P-256 (%.1f s each)\n",
           secs);
    result h = measure("full handshake (both sides)", one_handshake, &c, secs);
    result x = measure("x25519 twice (keygen+derive)", x25519_twice, &c, secs);
    result s = measure("ECDSA P-256 sign", sign_once, &c, secs);
    result v = measure("ECDSA P-256 verify", verify_once, &c, secs);
    double raw = x.cpu_us + s.cpu_us + v.cpu_us;
    printf("raw libcrypto floor (x25519x2 + sign + verify): %.1f CPU-us\n", raw);
    printf("handshake / floor: %.2f  (the rest: certificate chain verification = one more\n"
           "ECDSA verify, HKDF key schedule, transcript hashes, parsing)\n", h.cpu_us / raw);
    cx_x509_chain_free(c.chain);
    cx_x509_trust_free(c.trust);
    cx_pkey_free(c.key);
    qb_free(NULL, cert);
    qb_free(NULL, key);
    return 0;
}
