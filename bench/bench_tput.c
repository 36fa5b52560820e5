/* One-way datagram throughput over HTTP/3 (quince client receiving): GET
 * /blast?size=S&ms=D; the server sends S-byte HTTP datagrams as fast as its stack
 * takes them for D ms, then "sent=N qdrop=M" in the body.
 * Usage: bench_tput --server 127.0.0.1:PORT --ca F [--size 1200] [--ms 2000]
 * Prints: RESULT impl=quince bench=tput size=S dgrams_per_s= mbit_s= sent= received=
 *         drops= drop_sender_queue= drop_socket= drop_recv_queue= dgrams_per_pkt= */
#include "bench/bq.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

typedef struct tput_state {
    uint64_t received, bytes, first_us, last_us, pkts_at_first, pkts_at_last;
    bool any;
} tput_state;

static void on_dgram(bq_client *cl, const uint8_t *p, size_t len, uint64_t now)
{
    (void)p;
    tput_state *st = cl->ud;
    if (!st->any) {
        st->any = true;
        st->first_us = now;
        st->pkts_at_first = cl->udp_in;
    }
    st->received++;
    st->bytes += len;
    st->last_us = now;
    st->pkts_at_last = cl->udp_in;
}

int main(int argc, char **argv)
{
    long size = atol(bq_opt(argc, argv, "--size", "1200"));
    long ms = atol(bq_opt(argc, argv, "--ms", "2000"));
    app_tls tls;
    app_addr addr;
    char path[128];
    if (!bq_setup(argc, argv, &tls, &addr))
        return 1;
    snprintf(path, sizeof path, "/blast?size=%ld&ms=%ld", size, ms);
    bq_client cl;
    tput_state st = {0};
    if (bq_client_open(&cl, &tls, &addr, app_now_us()) != 0)
        return 1;
    cl.on_dgram = on_dgram;
    /* --rcvbuf B: the receiver's socket buffer (0: what app_udp_open asks for). */
    int rcvbuf = atoi(bq_opt(argc, argv, "--rcvbuf", "0"));
    if (rcvbuf > 0)
        setsockopt(cl.udp.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    cl.ud = &st;
    uint64_t sock0 = bq_udp_rcvbuf_errors();
    if (bq_client_run(&cl, path, &cl.fin, (uint64_t)ms * 1000 + 10000000) != 0) {
        quic_close_info ci;
        quic_conn_close_info(cl.q, &ci);
        fprintf(stderr, "bench_tput: no end of the blast (failed=%d closed=%d status=%u got=%llu "
                "body=%s); by_peer=%d app=%d idle=%d code=0x%llx frame=0x%llx reason=%s\n",
                cl.failed, ci.closed, cl.status, (unsigned long long)st.received, cl.body,
                ci.by_peer, ci.app, ci.idle, (unsigned long long)ci.code,
                (unsigned long long)ci.frame_type, ci.reason);
        return 1;
    }
    uint64_t sock = bq_udp_rcvbuf_errors() - sock0;
    quic_dgram_counters qc;
    quic_conn_dgram_stats(cl.q, &qc);
    double sent = bq_kv(cl.body, "sent"), qdrop = bq_kv(cl.body, "qdrop");
    double secs = st.last_us > st.first_us ? (double)(st.last_us - st.first_us) * 1e-6 : 1;
    double rate = (double)st.received / secs;
    uint64_t pkts = st.pkts_at_last - st.pkts_at_first + 1;
    printf("RESULT impl=quince bench=tput size=%ld dgrams_per_s=%.0f mbit_s=%.1f sent=%.0f "
           "received=%llu drops=%.0f drop_sender_queue=%.0f drop_socket=%llu drop_recv_queue=%llu "
           "dgrams_per_pkt=%.2f maxrss_kb=%ld\n",
           size, rate, rate * (double)size * 8e-6, sent, (unsigned long long)st.received,
           sent - (double)st.received, qdrop, (unsigned long long)sock,
           (unsigned long long)qc.drop_recv_queue_full, (double)st.received / (double)pkts,
           bq_maxrss_kb());
    bq_client_finish(&cl);
    app_tls_free(&tls);
    return 0;
}
