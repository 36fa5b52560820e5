/* Bulk transfer over HTTP/3 (quince client): one GET /bulk?bytes=N, body counted.
 * Usage: bench_bulk --server 127.0.0.1:PORT --ca F [--bytes 200000000]
 * Prints: RESULT impl=quince bench=bulk bytes=N secs= mbit_s= client_cpu_s_per_gb=
 *         server_cpu_s_per_gb= (from the server's /stats before and after) */
#include "bench/bq.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    unsigned long long bytes = strtoull(bq_opt(argc, argv, "--bytes", "200000000"), NULL, 10);
    app_tls tls;
    app_addr addr;
    char path[128], s0[256], s1[256];
    if (!bq_setup(argc, argv, &tls, &addr) || bq_stats(&tls, &addr, s0, sizeof s0) != 0)
        return 1;
    snprintf(path, sizeof path, "/bulk?bytes=%llu", bytes);
    bq_client cl;
    if (bq_client_open(&cl, &tls, &addr, app_now_us()) != 0)
        return 1;
    uint64_t cpu0 = bq_cpu_us();
    if (bq_client_run(&cl, path, &cl.fin, 120000000) != 0) {
        fprintf(stderr, "bench_bulk: transfer did not finish (%llu bytes)\n",
                (unsigned long long)cl.body_bytes);
        return 1;
    }
    double secs = (double)(app_now_us() - cl.requested_at) * 1e-6;
    double cpu = (double)(bq_cpu_us() - cpu0) * 1e-6;
    uint64_t got = cl.body_bytes;
    bq_client_finish(&cl);
    if (bq_stats(&tls, &addr, s1, sizeof s1) != 0)
        return 1;
    double scpu = (bq_kv(s1, "cpu_us") - bq_kv(s0, "cpu_us")) * 1e-6;
    double gb = (double)got / 1e9;
    printf("RESULT impl=quince bench=bulk bytes=%llu secs=%.3f mbit_s=%.1f client_cpu_s_per_gb=%.2f "
           "server_cpu_s_per_gb=%.2f maxrss_kb=%ld server_maxrss_kb=%.0f\n",
           (unsigned long long)got, secs, (double)got * 8e-6 / secs, cpu / gb, scpu / gb,
           bq_maxrss_kb(), bq_kv(s1, "maxrss_kb"));
    app_tls_free(&tls);
    return got == bytes ? 0 : 1;
}
