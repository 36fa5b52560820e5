/* What a stranger's junk Initial costs a quince server endpoint (issue 10):
 * 1200-byte Initials of QUIC v1 to fresh DCIDs with random payloads (they
 * do not decrypt) handed to quic_endpoint_recv in one process, no sockets.
 * Each one derives the Initial keys of its DCID (RFC 9001 §5.2), removes
 * header protection and fails the AEAD tag. Allocation calls are counted
 * through the endpoint's allocator hook and inside libcrypto
 * (CRYPTO_set_mem_functions).
 * Usage: bench_junk [--ms 1000]
 * Prints: RESULT impl=quince bench=junk us_per_initial= initials_per_s=
 *         allocs_per_initial= */
#include "bench/bq.h"
#include "quic/endpoint.h"
#include "quic/packet.h"

#include <openssl/crypto.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long g_allocs;

static void *c_alloc(void *ud, size_t n)
{
    (void)ud;
    g_allocs++;
    return malloc(n);
}

static void *c_realloc(void *ud, void *p, size_t n)
{
    (void)ud;
    g_allocs++;
    return realloc(p, n);
}

static void c_free(void *ud, void *p)
{
    (void)ud;
    free(p);
}

static void *cr_malloc(size_t n, const char *f, int l)
{
    (void)f;
    (void)l;
    g_allocs++;
    return malloc(n);
}

static void *cr_realloc(void *p, size_t n, const char *f, int l)
{
    (void)f;
    (void)l;
    g_allocs++;
    return realloc(p, n);
}

static void cr_free(void *p, const char *f, int l)
{
    (void)f;
    (void)l;
    free(p);
}

#define POOL 256 /* distinct datagrams, made before the clock starts */

static uint32_t next(uint32_t *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 16;
}

static int junk(uint8_t *out, uint32_t *seed)
{
    static const uint8_t scid[8] = {0x5c, 1, 2, 3, 4, 5, 6, 7};
    uint8_t dcid[8];
    for (int k = 0; k < 8; k++)
        dcid[k] = (uint8_t)next(seed);
    qb_wr w;
    qb_wr_init(&w, out, 1200);
    quic_pkt_wr pw;
    quic_pkt_long_params lp = {.type = QUIC_PKT_INITIAL, .version = QUIC_VERSION_1, .dcid = dcid,
                               .dcid_len = 8, .scid = scid, .scid_len = 8, .pn = 0,
                               .pn_len = 1, .length_len = 2};
    if (quic_pkt_long_begin(&w, &lp, &pw) != 0)
        return -1;
    size_t payload = 1200 - w.off - 16;
    for (size_t i = 0; i < payload + 16; i++)
        out[w.off + i] = (uint8_t)next(seed);
    w.off += payload;
    size_t len;
    return quic_pkt_wr_finish(&w, &pw, 16, &len) == 0 && len == 1200 ? 0 : -1;
}

int main(int argc, char **argv)
{
    /* Before libcrypto's first allocation, or it is refused. */
    CRYPTO_set_mem_functions(cr_malloc, cr_realloc, cr_free);
    long ms = atol(bq_opt(argc, argv, "--ms", "1000"));
    qb_alloc a = {c_alloc, c_realloc, c_free, NULL};
    tls_config tls;
    tls_config_init(&tls, TLS_ROLE_SERVER);
    quic_endpoint_config ec;
    quic_endpoint_config_init(&ec, &tls);
    ec.conn.alloc = &a;
    quic_endpoint *ep = quic_endpoint_new(&ec);
    static uint8_t pool[POOL][1200], dg[1200];
    uint32_t seed = 1;
    if (!ep)
        return 1;
    for (int i = 0; i < POOL; i++)
        if (junk(pool[i], &seed) != 0)
            return 1;
    quic_path path;
    memset(&path, 0, sizeof path);
    path.remote_len = path.local_len = 1;
    /* The first ones outside the count: whatever is made once. */
    for (int i = 0; i < 4; i++) {
        memcpy(dg, pool[i], sizeof dg);
        quic_endpoint_recv(ep, &path, dg, sizeof dg, 0);
    }
    uint64_t n = 0, t0 = app_now_us(), end = t0 + (uint64_t)ms * 1000, t;
    long a0 = g_allocs;
    do {
        for (int i = 0; i < 1000; i++, n++) {
            /* The endpoint may change the datagram (header protection is
             * removed in a copy, but the API allows it): a fresh copy each. */
            memcpy(dg, pool[n % POOL], sizeof dg);
            quic_endpoint_recv(ep, &path, dg, sizeof dg, 0);
        }
        t = app_now_us();
    } while (t < end);
    double us = (double)(t - t0) / (double)n;
    quic_endpoint_stats st;
    quic_endpoint_stats_get(ep, &st);
    printf("RESULT impl=quince bench=junk us_per_initial=%.2f initials_per_s=%.0f "
           "allocs_per_initial=%.1f undecryptable=%llu\n",
           us, 1e6 / us, (double)(g_allocs - a0) / (double)n,
           (unsigned long long)st.dropped_undecryptable);
    quic_endpoint_free(ep);
    return 0;
}
