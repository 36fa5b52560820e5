/* Many connections at once (issue 10): N quince clients in one process, one UDP
 * socket each, every one opening GET /echo and then playing a datagram
 * ping-pong of --rounds echoes of --size bytes, all at the same time against one
 * server. Reports how many completed and the server's heap per connection
 * while all of them are open (from /stats, before and after).
 * Usage: bench_load --server 127.0.0.1:PORT --ca F [--conns 1000] [--rounds 20]
 *        [--size 1000] [--par 50] [--timeout 600 (seconds)]
 * Prints: RESULT impl=quince bench=load conns=N completed= server_conns=
 *         server_heap_per_conn= server_mem_peak_per_conn= server_idle_heap=
 *         client_heap_per_conn= seconds= server_maxrss_kb= resent=
 * A ping whose echo is not back within a second is sent again (resent=):
 * datagrams are unreliable, and with thousands of connections the server's
 * socket buffer overflows now and then. A connection that fails says why on
 * stderr. server_mem_peak_per_conn is the peak of what the server's endpoint and its
 * connections held through the allocator hook, less what it held before, per
 * connection: with --conns 1 --rounds 2000 --size 1000, the peak of one
 * connection playing 2,000 rounds of 1,000-byte datagrams. server_idle_heap
 * is the server process's heap right after it started, with no connection. */
#include "bench/bq.h"

#include <malloc.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A ping whose echo has not come back after this long is sent again. */
#define RESEND_US 1000000ull

typedef struct load_state {
    long done;     /* echoes received */
    bool reported; /* its failure is logged */
    bool established; /* its handshake completed */
    uint64_t next_visit; /* done: when to look at it again */
    uint64_t due;        /* playing: when its timers want it (0: now) */
    bool readable;       /* its socket had something at the last poll */
    uint64_t last; /* when the last datagram went out */
    bool waiting;  /* one datagram out, its echo not back yet */
    uint64_t want; /* the sequence number of the echo awaited */
} load_state;

static void on_dgram(bq_client *cl, const uint8_t *p, size_t len, uint64_t now)
{
    (void)now;
    load_state *st = cl->ud;
    if (len >= 8 && st->waiting && bq_get_be64(p) == st->want) {
        st->waiting = false;
        st->done++;
    }
}

/* Why a connection did not complete, one line on stderr each: the kind of
 * end (idle timeout, refused, an error of either side) and how far it got. */
static void log_failure(long i, const bq_client *c, load_state *st, uint64_t at)
{
    quic_close_info ci;
    quic_conn_close_info(c->q, &ci);
    fprintf(stderr,
            "bench_load: conn %ld failed at %.1f s: established=%d responded=%d rounds=%ld "
            "waiting=%d closed=%d by_peer=%d idle=%d code=0x%llx reason=\"%s\" h3_failed=%d "
            "udp_in=%llu udp_out=%llu\n",
            i, (double)at / 1e6, st->established, c->responded, st->done,
            st->waiting, ci.closed, ci.by_peer, ci.idle, (unsigned long long)ci.code, ci.reason,
            c->failed, (unsigned long long)c->udp_in, (unsigned long long)c->udp_out);
    st->reported = true;
}

/* The ping of sequence number seq (the 8-byte big-endian counter first). */
static uint8_t *msg_for(uint8_t *msg, uint64_t seq)
{
    bq_put_be64(msg, seq);
    return msg;
}

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
    long rounds = atol(bq_opt(argc, argv, "--rounds", "20"));
    long size = atol(bq_opt(argc, argv, "--size", "1000"));
    long par = atol(bq_opt(argc, argv, "--par", "50"));
    uint64_t limit_s = (uint64_t)atol(bq_opt(argc, argv, "--timeout", "600"));
    app_tls tls;
    app_addr addr;
    char err[256], s0[256], s1[256];
    if (n < 1 || rounds < 1 || size < 8 || size > 1200 || par < 1 ||
        app_addr_parse(srv, &addr, err, sizeof err) != 0 || bq_tls(&tls, ca) != 0)
        return 1;
    if (bq_fetch(&tls, &addr, "/stats", s0, sizeof s0) != 0) {
        fprintf(stderr, "bench_load: no /stats from %s\n", srv);
        return 1;
    }
    bq_client *cl = calloc((size_t)n, sizeof *cl);
    load_state *st = calloc((size_t)n, sizeof *st);
    struct pollfd *pfd = calloc((size_t)n, sizeof *pfd);
    long *pidx = calloc((size_t)n, sizeof *pidx);
    uint8_t *msg = calloc(1, (size_t)size);
    if (!cl || !st || !pfd || !pidx || !msg)
        return 1;
    size_t h0 = heap_now();
    uint64_t start = app_now_us();
    long opened = 0, finished = 0, failed = 0, resent = 0;
    bool stats_taken = false;
    size_t h1 = h0;
    while (finished + failed < n) {
        uint64_t now = app_now_us();
        if (now - start > limit_s * 1000000) {
            fprintf(stderr, "bench_load: timed out with %ld of %ld done\n", finished, n);
            break;
        }
        /* At most `par` connections in their handshake, so the server's
         * handshake limit is not what is measured. */
        long starting = 0;
        for (long i = 0; i < opened; i++)
            starting += !cl[i].responded && !cl[i].failed;
        while (opened < n && starting < par) {
            if (bq_client_open(&cl[opened], &tls, &addr, now) != 0)
                return 1;
            cl[opened].on_dgram = on_dgram;
            cl[opened].ud = &st[opened];
            opened++;
            starting++;
        }
        finished = failed = 0;
        size_t nv = 0;
        uint64_t d = now + 100000;
        for (long i = 0; i < opened; i++) {
            bq_client *c = &cl[i];
            if (st[i].done >= rounds) {
                /* Done, and kept open until all are: a datagram now and then
                 * so the idle timeout does not end it meanwhile. Looked at
                 * once a second or at its deadline, not on every pass. */
                finished++;
                if (now < st[i].next_visit && now < bq_client_deadline(c))
                    continue;
                st[i].next_visit = now + 1000000;
                bq_client_input(c, now);
                if (!bq_client_closed(c) && now - st[i].last > 5000000) {
                    h3q_send_datagram(c->h3, c->stream_id, msg, (size_t)size);
                    st[i].last = now;
                }
                bq_client_output(c, now);
                continue;
            }
            if (c->failed || bq_client_closed(c)) {
                failed++;
                if (!st[i].reported)
                    log_failure(i, c, &st[i], now - start);
                continue;
            }
            /* Only a connection whose socket is readable or whose deadline
             * (a timer, a ping to send again) has come: with thousands
             * playing, two system calls for each on every pass starved the
             * process, and handshakes missed the server's deadline. */
            if (st[i].readable || now >= st[i].due) {
                st[i].readable = false;
                bq_client_input(c, now);
                if (st[i].done >= rounds) {
                    finished++; /* the last echo just came */
                    bq_client_output(c, now);
                    st[i].next_visit = now + 1000000;
                    continue;
                }
                st[i].established |= quic_conn_is_established(c->q);
                bq_client_request(c, "/echo");
                if (c->responded && st[i].waiting && now - st[i].last > RESEND_US &&
                    h3q_send_datagram(c->h3, c->stream_id, msg_for(msg, st[i].want),
                                      (size_t)size) == 0) {
                    /* HTTP datagrams are unreliable (RFC 9297 §2): a ping or
                     * its echo that a full socket buffer dropped is sent
                     * again, or the connection would wait for it until its
                     * idle timeout. */
                    st[i].last = now;
                    resent++;
                }
                if (c->responded && !st[i].waiting) {
                    st[i].want++;
                    if (h3q_send_datagram(c->h3, c->stream_id, msg_for(msg, st[i].want),
                                          (size_t)size) == 0) {
                        st[i].waiting = true;
                        st[i].last = now;
                    }
                }
                bq_client_output(c, now);
                st[i].due = bq_client_deadline(c);
                if (st[i].waiting && st[i].last + RESEND_US < st[i].due)
                    st[i].due = st[i].last + RESEND_US + 1;
            }
            pfd[nv].fd = c->udp.fd;
            pfd[nv].events = POLLIN;
            pfd[nv].revents = 0;
            pidx[nv++] = i;
            if (st[i].due < d)
                d = st[i].due;
        }
        /* All open and every one has played: the server holds the most now. */
        if (!stats_taken && opened == n && finished + failed == n) {
            h1 = heap_now();
            if (bq_fetch(&tls, &addr, "/stats", s1, sizeof s1) != 0)
                return 1;
            stats_taken = true;
        }
        if (finished + failed < n) {
            uint64_t t = app_now_us();
            int ms = d > t ? (int)((d - t + 999) / 1000) : 0;
            if (poll(pfd, nv, ms) > 0)
                for (size_t k = 0; k < nv; k++)
                    if (pfd[k].revents)
                        st[pidx[k]].readable = true;
        }
    }
    double secs = (double)(app_now_us() - start) / 1e6;
    double sh = stats_taken ? (bq_kv(s1, "heap") - bq_kv(s0, "heap")) / (double)n : 0;
    double peak = stats_taken ? (bq_kv(s1, "ep_mem_peak") - bq_kv(s0, "ep_mem")) / (double)n : 0;
    printf("RESULT impl=quince bench=load conns=%ld rounds=%ld size=%ld completed=%ld "
           "server_conns=%.0f server_heap_per_conn=%.0f server_mem_peak_per_conn=%.0f "
           "server_idle_heap=%.0f client_heap_per_conn=%.0f seconds=%.1f server_maxrss_kb=%.0f "
           "resent=%ld\n",
           n, rounds, size, finished, stats_taken ? bq_kv(s1, "conns") : 0.0, sh, peak,
           bq_kv(s0, "idle_heap"), (double)(h1 - h0) / (double)n, secs,
           stats_taken ? bq_kv(s1, "maxrss_kb") : 0.0, resent);
    for (long i = 0; i < opened; i++) {
        h3q_close(cl[i].h3, H3_NO_ERROR, "");
        bq_client_output(&cl[i], app_now_us());
        bq_client_close(&cl[i]);
    }
    free(cl);
    free(st);
    free(pfd);
    free(pidx);
    free(msg);
    app_tls_free(&tls);
    return finished == n ? 0 : 1;
}
