/* The libcrypto cost of protecting one 1200-byte QUIC packet: AES-128-GCM seal
 * in place through quince's cx_aead wrapper (one key object, nonce = iv ^ pn, a
 * 20-byte header as AAD), as quince does per packet.
 * Usage: bench_aead [--ms 1000]
 * Prints: RESULT impl=libcrypto bench=aead size=1200 ns_per_seal= seals_per_s= */
#include "bench/bq.h"
#include "crypto/cx_aead.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long ms = atol(bq_opt(argc, argv, "--ms", "1000"));
    static const uint8_t key[16] = {1, 2, 3}, iv[12] = {4, 5, 6};
    cx_aead *k;
    if (cx_aead_new(&k, NULL, CX_AES_128_GCM, key, iv) != 0)
        return 1;
    static uint8_t pkt[1200 + CX_AEAD_TAG_LEN], aad[20];
    uint64_t n = 0, t0 = app_now_us(), end = t0 + (uint64_t)ms * 1000, t;
    do {
        for (int i = 0; i < 1000; i++)
            cx_aead_seal(k, n++, aad, sizeof aad, pkt, 1200);
        t = app_now_us();
    } while (t < end);
    double ns = (double)(t - t0) * 1e3 / (double)n;
    printf("RESULT impl=libcrypto bench=aead size=1200 ns_per_seal=%.1f seals_per_s=%.0f "
           "gbit_s=%.2f\n", ns, 1e9 / ns, 1200 * 8 / ns);
    cx_aead_free(k);
    return 0;
}
