/* Footprint of idle connections (quince client): opens N connections (TLS,
 * SETTINGS both ways), leaves them idle, and reads the server's heap from /stats
 * before and after; also this client's own heap per connection (mallinfo2).
 * Usage: bench_idle --server 127.0.0.1:PORT --ca F [--conns 1000]
 * Prints: RESULT impl=quince bench=idle conns=N server_heap_per_conn= client_heap_per_conn=
 *         server_maxrss_kb= */
#include "bench/bq.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

static size_t heap_now(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

int main(int argc, char **argv)
{
    const char *srv = bq_opt(argc, argv, "--server", "127.0.0.1:4433");
    const char *ca = bq_opt(argc, argv, "--ca", NULL);
    long n = atol(bq_opt(argc, argv, "--conns", "1000"));
    app_tls tls;
    app_addr addr;
    char err[256], s0[256], s1[256];
    if (n < 1 || app_addr_parse(srv, &addr, err, sizeof err) != 0 || bq_tls(&tls, ca) != 0)
        return 1;
    if (bq_fetch(&tls, &addr, "/stats", s0, sizeof s0) != 0) {
        fprintf(stderr, "bench_idle: no /stats from %s\n", srv);
        return 1;
    }
    bq_client *cl = calloc((size_t)n, sizeof *cl);
    bq_client **v = calloc((size_t)n, sizeof *v);
    if (!cl || !v)
        return 1;
    size_t h0 = heap_now();
    uint64_t start = app_now_us();
    /* Opened in waves of 50 so the server's handshake limit is not the test. */
    long opened = 0, ready = 0;
    while (ready < n) {
        uint64_t now = app_now_us();
        if (now - start > 60000000) {
            fprintf(stderr, "bench_idle: only %ld of %ld connections ready\n", ready, n);
            return 1;
        }
        while (opened < n && opened - ready < 50) {
            if (bq_client_open(&cl[opened], &tls, &addr, now) != 0)
                return 1;
            opened++;
        }
        ready = 0;
        uint64_t d = now + 100000;
        size_t nv = 0;
        for (long i = 0; i < opened; i++) {
            bq_client_input(&cl[i], now);
            bq_client_output(&cl[i], now);
            if (cl[i].settings && h3q_started(cl[i].h3))
                ready++;
            else
                v[nv++] = &cl[i];
            uint64_t cd = bq_client_deadline(&cl[i]);
            if (cd < d)
                d = cd;
        }
        if (ready < n)
            bq_wait(v, nv ? nv : 1, nv ? d : now + 1000);
    }
    /* A moment for the last ACKs so both sides settle into idle. */
    for (uint64_t until = app_now_us() + 300000; app_now_us() < until;) {
        uint64_t now = app_now_us();
        for (long i = 0; i < n; i++) {
            bq_client_input(&cl[i], now);
            bq_client_output(&cl[i], now);
        }
        bq_wait(v, 0, now + 20000);
    }
    size_t h1 = heap_now();
    if (bq_fetch(&tls, &addr, "/stats", s1, sizeof s1) != 0)
        return 1;
    double sh = (bq_kv(s1, "heap") - bq_kv(s0, "heap")) / (double)n;
    /* server_ep_mem_per_conn: what the server's endpoint and its connections
     * (QUIC, TLS) hold through the allocator hook, without malloc's overhead
     * and the server program's own records (h3 is not counted there). */
    double se = (bq_kv(s1, "ep_mem") - bq_kv(s0, "ep_mem")) / (double)n;
    printf("RESULT impl=quince bench=idle conns=%ld server_conns=%.0f server_heap_per_conn=%.0f "
           "client_heap_per_conn=%.0f server_maxrss_kb=%.0f client_maxrss_kb=%ld "
           "server_ep_mem_per_conn=%.0f\n",
           n, bq_kv(s1, "conns"), sh, (double)(h1 - h0) / (double)n, bq_kv(s1, "maxrss_kb"),
           bq_maxrss_kb(), se);
    for (long i = 0; i < n; i++) {
        h3q_close(cl[i].h3, H3_NO_ERROR, "");
        bq_client_output(&cl[i], app_now_us());
        bq_client_close(&cl[i]);
    }
    free(cl);
    free(v);
    app_tls_free(&tls);
    return 0;
}
