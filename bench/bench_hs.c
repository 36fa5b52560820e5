/* Handshakes per second (quince client): for a fixed time, K connections at a
 * time each do the TLS handshake, wait for the server's SETTINGS, GET /echo, one
 * datagram round trip, then close; the server's CPU per handshake comes from its
 * /stats before and after.
 * Usage: bench_hs --server 127.0.0.1:PORT --ca F [--ms 3000] [--par 4]
 * Prints: RESULT impl=quince bench=hs hs_per_s= done= failed= server_cpu_us_per_hs= */
#include "bench/bq.h"

#include <stdio.h>
#include <stdlib.h>

#define HS_MAX_PAR 64

typedef struct slot {
    bq_client cl;
    bool open, sent, echoed;
} slot;

static void on_dgram(bq_client *cl, const uint8_t *p, size_t len, uint64_t now)
{
    (void)p;
    (void)len;
    (void)now;
    ((slot *)cl->ud)->echoed = true;
}

int main(int argc, char **argv)
{
    long ms = atol(bq_opt(argc, argv, "--ms", "3000"));
    int par = atoi(bq_opt(argc, argv, "--par", "4"));
    if (par < 1 || par > HS_MAX_PAR)
        par = 4;
    app_tls tls;
    app_addr addr;
    char s0[256], s1[256];
    if (!bq_setup(argc, argv, &tls, &addr) || bq_stats(&tls, &addr, s0, sizeof s0) != 0)
        return 1;
    static slot sl[HS_MAX_PAR];
    bq_client *v[HS_MAX_PAR];
    uint64_t start = app_now_us(), end = start + (uint64_t)ms * 1000;
    uint64_t done = 0, failed = 0, started[HS_MAX_PAR];
    uint64_t cpu0 = bq_cpu_us();
    for (;;) {
        uint64_t now = app_now_us();
        size_t nv = 0;
        uint64_t d = now + 100000;
        for (int i = 0; i < par; i++) {
            slot *s = &sl[i];
            if (!s->open) {
                if (now >= end)
                    continue;
                if (bq_client_open(&s->cl, &tls, &addr, now) != 0)
                    return 1;
                s->cl.on_dgram = on_dgram;
                s->cl.ud = s;
                s->open = true;
                s->sent = s->echoed = false;
                started[i] = now;
            }
            bq_client *cl = &s->cl;
            bq_client_input(cl, now);
            bq_client_request(cl, "/echo");
            if (cl->responded && !s->sent) {
                static const uint8_t msg[8] = {0};
                h3q_send_datagram(cl->h3, cl->stream_id, msg, sizeof msg);
                s->sent = true;
            }
            bool ok = s->echoed, bad = cl->failed || bq_client_closed(cl) ||
                                       now - started[i] > 5000000;
            if (ok || bad) {
                ok ? done++ : failed++;
                bq_client_finish(cl);
                s->open = false;
                i--; /* the slot starts its next connection now */
                continue;
            }
            bq_client_output(cl, now);
            v[nv++] = cl;
            uint64_t cd = bq_client_deadline(cl);
            if (cd < d)
                d = cd;
        }
        if (!nv)
            break;
        bq_wait(v, nv, d);
    }
    double secs = (double)(app_now_us() - start) * 1e-6;
    double ccpu = (double)(bq_cpu_us() - cpu0);
    if (bq_stats(&tls, &addr, s1, sizeof s1) != 0)
        return 1;
    double scpu = bq_kv(s1, "cpu_us") - bq_kv(s0, "cpu_us");
    double acc = bq_kv(s1, "accepted") - bq_kv(s0, "accepted");
    printf("RESULT impl=quince bench=hs par=%d hs_per_s=%.1f done=%llu failed=%llu "
           "server_cpu_us_per_hs=%.1f client_cpu_us_per_hs=%.1f server_accepted=%.0f\n",
           par, (double)done / secs, (unsigned long long)done, (unsigned long long)failed,
           acc > 0 ? scpu / acc : 0, done ? ccpu / (double)done : 0, acc);
    app_tls_free(&tls);
    return 0;
}
