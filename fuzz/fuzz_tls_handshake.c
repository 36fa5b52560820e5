/* Fuzz: a whole in-memory handshake (our client and server) with one
 * handshake message replaced by fuzz bytes. Input: byte 0 picks the message
 * (counted across both directions, in the order they are sent), byte 1 bit 0
 * says whether the replacement gets a correct 4-byte header (type taken from
 * the original) or is raw, bit 1 forces a HelloRetryRequest, bit 2 makes the
 * server ask for a client certificate (the client has one); the rest is the
 * replacement. Either the handshake
 * completes (the replacement was harmless) or a side fails with an alert. */
#include "fuzz_ossl_alloc.h"
#include "crypto/cx_certgen.h"
#include "crypto/cx_x509.h"
#include "crypto/tls.h"
#include "crypto/tls_pair.h"

#include <stdlib.h>
#include <string.h>

static cx_x509_chain *chain;
static cx_x509_trust *trust;

static int counter_rand(void *ud, uint8_t *out, size_t n)
{
    uint32_t *ctr = ud;
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)((*ctr)++ * 131 + 17);
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char *c, *k;
    size_t cl, kl;
    cx_certgen_opts o = {.now = 1700000000, .days = 3650};
    (void)argc;
    (void)argv;
    fuzz_ossl_alloc_install();
    if (cx_certgen(&o, NULL, &c, &cl, &k, &kl) || cx_x509_chain_from_pem(c, cl, k, kl, NULL, &chain) ||
        cx_x509_trust_from_pem(c, cl, &trust))
        abort();
    qb_free(NULL, c);
    qb_free(NULL, k);
    return 0;
}

typedef struct job {
    size_t target, seen;
    int with_header;
    const uint8_t *repl;
    size_t repl_len;
} job;

static int replace(void *ud, tls_role from, tls_level level, uint8_t *buf, size_t *len, size_t cap)
{
    job *j = ud;
    uint8_t *tmp = malloc(cap);
    size_t off = 0, out = 0;
    if (!tmp)
        abort();
    while (off + 4 <= *len) {
        size_t ml = ((size_t)buf[off + 1] << 16) | ((size_t)buf[off + 2] << 8) | buf[off + 3];
        if (off + 4 + ml > *len)
            break;
        if (j->seen++ == j->target) {
            size_t need = j->repl_len + (j->with_header ? 4 : 0);
            if (out + need <= cap) {
                if (j->with_header) {
                    tmp[out] = buf[off];
                    tmp[out + 1] = (uint8_t)(j->repl_len >> 16);
                    tmp[out + 2] = (uint8_t)(j->repl_len >> 8);
                    tmp[out + 3] = (uint8_t)j->repl_len;
                    out += 4;
                }
                memcpy(tmp + out, j->repl, j->repl_len);
                out += j->repl_len;
            }
        } else {
            memcpy(tmp + out, buf + off, 4 + ml);
            out += 4 + ml;
        }
        off += 4 + ml;
    }
    memcpy(buf, tmp, out);
    *len = out;
    free(tmp);
    return 0;
}

static void run_input(const uint8_t *data, size_t size)
{
    static const uint8_t tp[] = {0x01, 0x02, 0x40, 0x64};
    uint32_t cctr = 1, sctr = 1000;
    tls_config cc, sc;
    job j = {0};
    if (size < 2)
        return;
    j.target = data[0] % 10; /* in sending order, e.g. CH, SH, EE, (CR), Cert, CV, Fin, ... */
    j.with_header = data[1] & 1;
    j.repl = data + 2;
    j.repl_len = size - 2;

    tls_config_init(&cc, TLS_ROLE_CLIENT);
    cc.alpn[0] = "h3";
    cc.alpn_count = 1;
    cc.server_name = "localhost";
    cc.trust = trust;
    cc.verify_time = 1700000000 + 86400;
    cc.random = counter_rand;
    cc.random_ud = &cctr;
    if (data[1] & 2) { /* force a HelloRetryRequest */
        cc.groups[0] = 0x001d;
        cc.groups[1] = 0x0017;
        cc.group_count = 2;
    }
    tls_config_init(&sc, TLS_ROLE_SERVER);
    sc.alpn[0] = "h3";
    sc.alpn_count = 1;
    sc.chain = chain;
    if (data[1] & 4) {
        sc.request_client_cert = true;
        sc.trust = trust;
        sc.verify_time = cc.verify_time;
        cc.chain = chain;
    }
    sc.random = counter_rand;
    sc.random_ud = &sctr;
    if (data[1] & 2) {
        sc.groups[0] = 0x0017;
        sc.group_count = 1;
    }
    tls_conn *c = tls_conn_new(&cc, tp, sizeof tp), *s = tls_conn_new(&sc, tp, sizeof tp);
    if (!c || !s)
        abort();
    int rc = tls_pair_run(c, s, replace, &j);
    if (rc != 0 && rc != -481 /* TLS_ERR_STATE: stalled */ &&
        tls_conn_alert(c) == 0 && tls_conn_alert(s) == 0)
        abort();
    tls_conn_free(c);
    tls_conn_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_ossl_run(run_input, data, size);
    return 0;
}
