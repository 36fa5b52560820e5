/* The quince bench server: /echo, /blast, /bulk, /stats over HTTP/3 (bq.h), one
 * thread, one UDP socket, the sans-I/O endpoint driven by the calls of the quince
 * server's loop (app/app_io.h: app_io_recv_endpoint, app_io_send_stateless, h3q_step,
 * app_io_send_ep_conn, app_io_flush; batches, GSO, ECN, paths).
 * Usage: bench_server --listen 127.0.0.1:PORT --cert F --key F [--gso] [--max-conns 4096]
 * (--gso: packets of equal size leave as one UDP GSO message, like quic-go does)
 * Ends on SIGTERM/SIGINT with a "server: stats ..." line on stdout. */
#include "app/app_io.h"
#include "bench/bq.h"
#include "quic/endpoint.h"

#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { JOB_NONE = 0, JOB_BLAST, JOB_BULK };

typedef struct sess {
    quic_conn *q;
    h3q_conn *h3;
    int job;
    uint64_t job_stream;
    size_t blast_size;
    uint64_t blast_end, seq, qdrop;
    uint64_t bulk_left;
    bool bulk_fin;
    uint64_t born; /* for BENCH_SERVER_DEBUG */
    /* An echo that arrived before the client's SETTINGS: RFC 9297 §2.1.1 lets us
     * send datagrams only after the peer's SETTINGS_H3_DATAGRAM, and a client may
     * send its first datagram before its control stream arrives. */
    uint8_t *held; /* malloc'd only while one waits: the session stays small */
    size_t held_len;
    uint64_t held_stream;
} sess;

typedef struct server {
    app_io io; /* the app's datagram loop; --gso: its UDP GSO merging on */
    app_tls tls;
    quic_endpoint *ep;
    sess *s;
    size_t n, cap;
    uint64_t accepted;
    size_t idle_heap; /* heap right after start, no connection */
    uint64_t drained_at; /* when a read last found the socket empty */
    uint8_t chunk[16384];
} server;

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static uint64_t query(const h3_str *path, const char *key, uint64_t dflt)
{
    char buf[256];
    size_t n = path->len < sizeof buf - 1 ? path->len : sizeof buf - 1;
    memcpy(buf, path->p, n);
    buf[n] = 0;
    char *q = strchr(buf, '?');
    if (!q)
        return dflt;
    char pat[64];
    snprintf(pat, sizeof pat, "%s=", key);
    for (char *p = q + 1; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL)
        if (!strncmp(p, pat, strlen(pat)))
            return strtoull(p + strlen(pat), NULL, 10);
    return dflt;
}

static bool path_is(const h3_str *path, const char *name)
{
    size_t n = strlen(name);
    return path->len >= n && !memcmp(path->p, name, n) && (path->len == n || path->p[n] == '?');
}

static void stats_text(server *sv, char *out, size_t cap)
{
    struct mallinfo2 mi = mallinfo2();
    quic_endpoint_stats es;
    quic_endpoint_stats_get(sv->ep, &es);
    /* idle_heap: the process right after start (endpoint, no connection);
     * ep_mem, ep_mem_peak: what the endpoint and its connections hold through
     * the allocator hook, now and at most so far. */
    snprintf(out, cap,
             "accepted=%llu conns=%zu heap=%zu cpu_us=%llu maxrss_kb=%ld idle_heap=%zu ep_mem=%zu "
             "ep_mem_peak=%zu\n",
             (unsigned long long)sv->accepted, sv->n, mi.uordblks + mi.hblkhd,
             (unsigned long long)bq_cpu_us(), bq_maxrss_kb(), sv->idle_heap, es.mem_used,
             es.mem_peak);
}

static void on_request(server *sv, sess *s, const h3_event *ev, uint64_t now)
{
    const h3_str *path = &ev->req.path;
    if (path_is(path, "/echo")) {
        h3q_send_response(s->h3, ev->stream_id, 200);
    } else if (path_is(path, "/blast")) {
        h3q_send_response(s->h3, ev->stream_id, 200);
        s->job = JOB_BLAST;
        s->job_stream = ev->stream_id;
        s->blast_size = (size_t)query(path, "size", 1200);
        if (s->blast_size < 8)
            s->blast_size = 8;
        if (s->blast_size > sizeof sv->chunk)
            s->blast_size = sizeof sv->chunk;
        s->blast_end = now + query(path, "ms", 1000) * 1000;
        s->seq = 0;
        s->qdrop = 0;
        for (size_t i = 8; i < sizeof sv->chunk; i++)
            sv->chunk[i] = (uint8_t)(i & 0xff);
    } else if (path_is(path, "/bulk")) {
        h3q_send_response(s->h3, ev->stream_id, 200);
        s->job = JOB_BULK;
        s->job_stream = ev->stream_id;
        s->bulk_left = query(path, "bytes", 1000000);
        s->bulk_fin = false;
    } else if (path_is(path, "/stats")) {
        char body[256];
        stats_text(sv, body, sizeof body);
        h3q_send_response(s->h3, ev->stream_id, 200);
        h3q_send_data(s->h3, ev->stream_id, (const uint8_t *)body, strlen(body), true);
    } else {
        h3q_send_response(s->h3, ev->stream_id, 404);
        h3q_send_data(s->h3, ev->stream_id, NULL, 0, true);
    }
}

static void on_events(server *sv, sess *s, uint64_t now)
{
    h3_event ev;
    while (h3q_next_event(s->h3, &ev)) {
        if (ev.type == H3_EV_REQUEST)
            on_request(sv, s, &ev, now);
        else if (ev.type == H3_EV_DATAGRAM) { /* /echo */
            int rc = h3q_send_datagram(s->h3, ev.stream_id, ev.data, ev.len);
            if (rc == H3_ERR_DATAGRAMS_OFF && !h3_conn_peer_settings_received(h3q_h3(s->h3)) &&
                ev.len <= 1500 && (s->held || (s->held = malloc(1500)))) {
                memcpy(s->held, ev.data, ev.len);
                s->held_len = ev.len;
                s->held_stream = ev.stream_id;
            }
        }
    }
    if (s->held_len && h3_conn_peer_settings_received(h3q_h3(s->h3))) {
        h3q_send_datagram(s->h3, s->held_stream, s->held, s->held_len);
        s->held_len = 0;
        free(s->held);
        s->held = NULL;
    }
}

/* Blast: keep QUIC's datagram queue topped up (not overfilled: what QUIC
 * refuses is a sender-queue drop), so the rate is what the stack can pack and
 * send. Returns true while the job runs. */
static bool run_blast(server *sv, sess *s, uint64_t now)
{
    if (now >= s->blast_end) {
        char body[128];
        snprintf(body, sizeof body, "sent=%llu qdrop=%llu\n", (unsigned long long)s->seq,
                 (unsigned long long)s->qdrop);
        h3q_send_data(s->h3, s->job_stream, (const uint8_t *)body, strlen(body), true);
        s->job = JOB_NONE;
        return false;
    }
    quic_dgram_counters qc;
    quic_conn_dgram_stats(s->q, &qc);
    h3q_stats hs;
    h3q_get_stats(s->h3, &hs);
    s->qdrop = qc.drop_send_queue_full + qc.drop_send_expired + hs.dgrams_dropped_out;
    uint64_t gone = qc.sent + qc.drop_send_expired;
    uint64_t queued = hs.dgrams_out > gone ? hs.dgrams_out - gone : 0;
    uint8_t *buf = sv->chunk; /* padding written once at the request (on_request) */
    for (; queued < 128; queued++) {
        bq_put_be64(buf, s->seq);
        if (h3q_send_datagram(s->h3, s->job_stream, buf, s->blast_size) != 0)
            break;
        s->seq++;
    }
    return true;
}

static bool run_bulk(sess *s, uint8_t *chunk, size_t chunk_len)
{
    while (s->bulk_left) {
        size_t k = s->bulk_left < chunk_len ? (size_t)s->bulk_left : chunk_len;
        if (h3q_send_data(s->h3, s->job_stream, chunk, k, false) != 0)
            return true; /* h3's buffer is full: after the next ACKs */
        s->bulk_left -= k;
    }
    if (!s->bulk_fin && h3q_send_data(s->h3, s->job_stream, NULL, 0, true) == 0)
        s->bulk_fin = true;
    if (s->bulk_fin)
        s->job = JOB_NONE;
    return s->job != JOB_NONE;
}

static void accept_new(server *sv)
{
    quic_conn *q;
    while ((q = quic_endpoint_accept(sv->ep))) {
        if (sv->n == sv->cap) {
            size_t ncap = sv->cap ? sv->cap * 2 : 64;
            sess *ns = realloc(sv->s, ncap * sizeof *ns);
            if (!ns) {
                quic_conn_close(q, false, QUIC_INTERNAL_ERROR, "out of memory");
                continue;
            }
            sv->s = ns;
            sv->cap = ncap;
        }
        sess *s = &sv->s[sv->n];
        memset(s, 0, sizeof *s);
        s->q = q;
        s->born = app_now_us();
        quic_config qc;
        quic_config_init(&qc, true, &sv->tls.cfg);
        h3q_config hc;
        h3q_config_init(&hc, H3_ROLE_SERVER, &qc);
        if (h3q_new(q, &hc, &s->h3) != 0) {
            quic_conn_close(q, false, QUIC_INTERNAL_ERROR, "out of memory");
            continue;
        }
        sv->n++;
        sv->accepted++;
    }
}

/* One pass over everything; returns true when a job still wants to send. */
static bool step(server *sv, uint64_t now)
{
    /* Handshake deadlines as of the time the socket was last found empty:
     * after a stall its backlog takes several steps to read, and a client
     * whose Finished is still in it met its deadline. */
    if (app_io_recv_endpoint(&sv->io, sv->ep, 8, now, NULL, NULL))
        sv->drained_at = now;
    quic_endpoint_expire(sv->ep, sv->drained_at);
    /* quic_endpoint_accept scans every connection slot (max_conns of them):
     * ask only when the endpoint holds a connection we have not taken. */
    if (quic_endpoint_count(sv->ep) > sv->n)
        accept_new(sv);
    app_io_send_stateless(&sv->io, sv->ep);
    bool busy = false;
    for (size_t i = 0; i < sv->n;) {
        sess *s = &sv->s[i];
        h3q_step(s->h3, now, NULL);
        on_events(sv, s, now);
        bool job = false;
        if (s->job == JOB_BLAST)
            job = run_blast(sv, s, now);
        else if (s->job == JOB_BULK)
            job = run_bulk(s, sv->chunk, sizeof sv->chunk);
        size_t pkts = app_io_send_ep_conn(&sv->io, sv->ep, s->q, now);
        if (job && pkts)
            busy = true;
        quic_close_info ci;
        quic_conn_close_info(s->q, &ci);
        if (ci.closed) {
            if (getenv("BENCH_SERVER_DEBUG")) {
                /* A connection that ended in its handshake has no HTTP/3 yet. */
                h3_conn_stats hs;
                memset(&hs, 0, sizeof hs);
                if (h3q_h3(s->h3))
                    h3_conn_get_stats(h3q_h3(s->h3), &hs);
                quic_dgram_counters dc;
                quic_conn_dgram_stats(s->q, &dc);
                quic_conn_stats qs;
                quic_conn_stats_get(s->q, &qs);
                if (hs.datagrams_received == 0 || now - s->born > 1000000)
                    fprintf(stderr, "bench_server: conn closed after %llu ms: pkts recv=%llu "
                            "dropped=%llu lost=%llu; h3 dgrams in=%llu out=%llu quic dgrams sent=%llu "
                            "drop_send_full=%llu drop_expired=%llu packets_with_dgrams=%llu "
                            "h3 dropped_unknown=%llu "
                            "dropped_queue=%llu quic received=%llu recv_queue_full=%llu\n",
                            (unsigned long long)((now - s->born) / 1000),
                            (unsigned long long)qs.pkts_recv, (unsigned long long)qs.pkts_dropped,
                            (unsigned long long)qs.pkts_lost, (unsigned long long)hs.datagrams_received,
                            (unsigned long long)hs.datagrams_sent, (unsigned long long)dc.sent,
                            (unsigned long long)dc.drop_send_queue_full,
                            (unsigned long long)dc.drop_send_expired,
                            (unsigned long long)dc.packets_with_dgrams,
                            (unsigned long long)hs.datagrams_dropped_unknown,
                            (unsigned long long)hs.datagrams_dropped_queue,
                            (unsigned long long)dc.received, (unsigned long long)dc.drop_recv_queue_full);
            }
            quic_conn *q = s->q;
            h3q_free(s->h3);
            free(s->held);
            quic_endpoint_remove(sv->ep, q);
            sv->s[i] = sv->s[--sv->n];
            continue;
        }
        i++;
    }
    app_io_flush(&sv->io);
    return busy;
}

int main(int argc, char **argv)
{
    const char *listen = bq_opt(argc, argv, "--listen", "127.0.0.1:4433");
    const char *cert = bq_opt(argc, argv, "--cert", NULL);
    const char *key = bq_opt(argc, argv, "--key", NULL);
    static server sv;
    char err[256];
    app_addr addr;
    if (app_addr_parse(listen, &addr, err, sizeof err) != 0 ||
        app_tls_server(&sv.tls, cert, key, err, sizeof err) != 0 ||
        app_udp_open(&sv.io.udp, &addr, true, err, sizeof err) != 0) {
        fprintf(stderr, "bench_server: %s\n", err);
        return 1;
    }
    bool gso = false;
    for (int i = 1; i < argc; i++)
        gso |= !strcmp(argv[i], "--gso");
    sv.io.udp.gso = sv.io.udp.gso && gso; /* without --gso: one datagram per message */
    quic_endpoint_config ec;
    quic_endpoint_config_init(&ec, &sv.tls.cfg);
    ec.max_conns = (size_t)atol(bq_opt(argc, argv, "--max-conns", "4096")); /* bench_load: more */
    ec.max_handshakes = 1024;
    sv.ep = quic_endpoint_new(&ec);
    if (!sv.ep)
        return 1;
    struct mallinfo2 mi0 = mallinfo2();
    sv.idle_heap = mi0.uordblks + mi0.hblkhd;
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    fprintf(stderr, "bench_server: listening on %s\n", listen);
    while (!stop) {
        uint64_t now = app_now_us();
        bool busy = step(&sv, now);
        if (busy)
            continue;
        uint64_t d = quic_endpoint_deadline(sv.ep);
        for (size_t i = 0; i < sv.n; i++)
            if (sv.s[i].job == JOB_BLAST && sv.s[i].blast_end < d)
                d = sv.s[i].blast_end;
            else if (sv.s[i].job != JOB_NONE)
                d = now + 1000; /* a job blocked on its peer: look again soon */
        app_udp_wait(&sv.io.udp, d);
    }
    char st[256];
    stats_text(&sv, st, sizeof st);
    printf("server: stats %s", st);
    quic_endpoint_stats es;
    quic_endpoint_stats_get(sv.ep, &es);
    /* What the endpoint turned away or dropped, for bench_load's failures. */
    printf("server: endpoint accepted=%llu refused_full=%llu refused_per_addr=%llu "
           "refused_memory=%llu handshake_timeouts=%llu dropped_unknown=%llu "
           "dropped_undecryptable=%llu retry_sent=%llu stateless_resets=%llu\n",
           (unsigned long long)es.accepted, (unsigned long long)es.refused_full,
           (unsigned long long)es.refused_per_addr, (unsigned long long)es.refused_memory,
           (unsigned long long)es.handshake_timeouts, (unsigned long long)es.dropped_unknown,
           (unsigned long long)es.dropped_undecryptable, (unsigned long long)es.retry_sent,
           (unsigned long long)es.stateless_resets);
    fflush(stdout);
    for (size_t i = 0; i < sv.n; i++) {
        h3q_free(sv.s[i].h3);
        free(sv.s[i].held);
    }
    free(sv.s);
    quic_endpoint_free(sv.ep);
    app_udp_close(&sv.io.udp);
    app_tls_free(&sv.tls);
    return 0;
}
