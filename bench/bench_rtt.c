/* Datagram round trip over HTTP/3 (quince client): GET /echo on a bench server,
 * then ping-pong of an 8-byte counter, one in flight; a lost one is sent again
 * (new value) after 200 ms and counted.
 * Usage: bench_rtt --server 127.0.0.1:PORT --ca F [--rounds 10000] [--warmup 1000]
 * Prints: RESULT impl=quince bench=rtt rounds=N p50_us= p99_us= p999_us= mean_us= lost= */
#include "bench/bq.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct rtt_state {
    uint64_t want;
    bool got;
} rtt_state;

static void on_dgram(bq_client *cl, const uint8_t *p, size_t len, uint64_t now)
{
    (void)now;
    rtt_state *st = cl->ud;
    if (len >= 8 && bq_get_be64(p) == st->want)
        st->got = true;
}

int main(int argc, char **argv)
{
    long rounds = atol(bq_opt(argc, argv, "--rounds", "10000"));
    long warm = atol(bq_opt(argc, argv, "--warmup", "1000"));
    app_tls tls;
    app_addr addr;
    const char *srv = bq_setup(argc, argv, &tls, &addr);
    if (!srv)
        return 1;
    bq_client cl;
    rtt_state st = {0};
    if (bq_client_open(&cl, &tls, &addr, app_now_us()) != 0)
        return 1;
    cl.on_dgram = on_dgram;
    cl.ud = &st;
    bq_client *v[1] = {&cl};
    if (bq_client_run(&cl, "/echo", &cl.responded, 10000000) != 0) {
        fprintf(stderr, "bench_rtt: no response from %s\n", srv);
        return 1;
    }
    double *rtt = malloc((size_t)rounds * sizeof *rtt);
    if (!rtt)
        return 1;
    long done = 0, lost = 0;
    uint64_t out0 = cl.udp_out, in0 = cl.udp_in;
    uint8_t msg[8];
    for (long i = 0; done < rounds; i++) {
        st.want = (uint64_t)i;
        st.got = false;
        bq_put_be64(msg, st.want);
        uint64_t t0 = bq_now_ns(), t0_us = app_now_us();
        h3q_send_datagram(cl.h3, cl.stream_id, msg, sizeof msg);
        bq_client_output(&cl, t0_us);
        uint64_t giveup = t0_us + 200000;
        for (;;) {
            uint64_t now = app_now_us();
            bq_client_input(&cl, now);
            if (st.got) {
                if (i >= warm)
                    rtt[done++] = (double)(bq_now_ns() - t0) / 1000.0;
                bq_client_output(&cl, now); /* ACKs, if due */
                break;
            }
            bq_client_output(&cl, now);
            if (now >= giveup || cl.failed) {
                lost++;
                break;
            }
            uint64_t d = bq_client_deadline(&cl);
            bq_wait(v, 1, d < giveup ? d : giveup);
        }
        if (cl.failed || lost > rounds / 10) {
            fprintf(stderr, "bench_rtt: too many lost (%ld)\n", lost);
            return 1;
        }
    }
    double sum = 0;
    for (long i = 0; i < rounds; i++)
        sum += rtt[i];
    bq_sort(rtt, (size_t)rounds);
    printf("RESULT impl=quince bench=rtt rounds=%ld p50_us=%.1f p99_us=%.1f p999_us=%.1f "
           "mean_us=%.1f lost=%ld pkts_out_per_round=%.2f pkts_in_per_round=%.2f maxrss_kb=%ld\n",
           rounds, bq_pct(rtt, (size_t)rounds, 50), bq_pct(rtt, (size_t)rounds, 99),
           bq_pct(rtt, (size_t)rounds, 99.9), sum / (double)rounds, lost,
           (double)(cl.udp_out - out0) / (double)(rounds + warm),
           (double)(cl.udp_in - in0) / (double)(rounds + warm), bq_maxrss_kb());
    bq_dump_samples(rtt, (size_t)rounds);
    bq_client_finish(&cl);
    app_tls_free(&tls);
    free(rtt);
    return 0;
}
