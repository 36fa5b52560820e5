/* Shared pieces of the quince benchmark programs (bq.h). */
#include "bench/bq.h"

#include "app/app_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

const char *bq_opt(int argc, char **argv, const char *name, const char *dflt)
{
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], name))
            return argv[i + 1];
    return dflt;
}

int bq_tls(app_tls *t, const char *ca)
{
    char err[256];
    if (app_tls_client(t, "localhost", ca, false, err, sizeof err) != 0) {
        fprintf(stderr, "bench: tls: %s\n", err);
        return -1;
    }
    return 0;
}

const char *bq_setup(int argc, char **argv, app_tls *tls, app_addr *addr)
{
    const char *srv = bq_opt(argc, argv, "--server", "127.0.0.1:4433");
    char err[256];
    if (app_addr_parse(srv, addr, err, sizeof err) != 0) {
        fprintf(stderr, "bench: --server: %s\n", err);
        return NULL;
    }
    return bq_tls(tls, bq_opt(argc, argv, "--ca", NULL)) == 0 ? srv : NULL;
}

/* One set of I/O buffers for all clients (one thread; they are only used
 * inside bq_client_input/output), so bench_idle counts the stack's heap, not
 * ours: the app's datagram loop with the client's socket lent to it. No GSO
 * (one datagram per message, as the figures count them). */
static app_io *io_of(bq_client *cl)
{
    static app_io io;
    io.udp = cl->udp;
    io.udp.gso = false;
    return &io;
}

/* The lent socket comes back whole: whatever a receive or send changed in it
 * (GRO, turned on once a receive fills a batch; an ICMP refusal) is cl's. */
static void io_return(bq_client *cl, const app_io *io)
{
    bool gso = cl->udp.gso;
    cl->udp = io->udp;
    cl->udp.gso = gso;
}

int bq_client_open(bq_client *cl, const app_tls *t, const app_addr *server, uint64_t now)
{
    memset(cl, 0, sizeof *cl);
    cl->server = *server;
    char err[256];
    if (app_udp_open(&cl->udp, server, false, err, sizeof err) != 0) {
        fprintf(stderr, "bench: udp: %s\n", err);
        return -1;
    }
    quic_config qc;
    quic_config_init(&qc, false, &t->cfg);
    quic_path path;
    app_path_make(&path, &cl->udp.local, server);
    cl->q = quic_conn_new_client(&qc, &path, now);
    h3q_config hc;
    h3q_config_init(&hc, H3_ROLE_CLIENT, &qc);
    if (!cl->q || h3q_new(cl->q, &hc, &cl->h3) != 0) {
        bq_client_close(cl);
        return -1;
    }
    return 0;
}

void bq_client_close(bq_client *cl)
{
    if (cl->h3)
        h3q_free(cl->h3);
    if (cl->q)
        quic_conn_free(cl->q);
    if (cl->udp.fd > 0)
        app_udp_close(&cl->udp);
    memset(cl, 0, sizeof *cl);
}

static void handle_events(bq_client *cl, uint64_t now)
{
    h3_event ev;
    while (h3q_next_event(cl->h3, &ev)) {
        switch (ev.type) {
        case H3_EV_SETTINGS:
            cl->settings = true;
            break;
        case H3_EV_RESPONSE:
            if (ev.stream_id == cl->stream_id) {
                cl->responded = true;
                cl->status = ev.status;
            }
            break;
        case H3_EV_DATA:
            if (ev.stream_id == cl->stream_id) {
                cl->body_bytes += ev.len;
                size_t room = BQ_BODY_KEEP - cl->body_len;
                size_t k = ev.len < room ? ev.len : room;
                memcpy(cl->body + cl->body_len, ev.data, k);
                cl->body_len += k;
                cl->body[cl->body_len] = 0;
            }
            break;
        case H3_EV_FIN:
            if (ev.stream_id == cl->stream_id)
                cl->fin = true;
            break;
        case H3_EV_DATAGRAM:
            if (ev.stream_id == cl->stream_id && cl->on_dgram)
                cl->on_dgram(cl, ev.data, ev.len, now);
            break;
        case H3_EV_STREAM_RESET:
        case H3_EV_STREAM_ERROR:
        case H3_EV_CONN_ERROR:
            cl->failed = true;
            break;
        default:
            break;
        }
    }
}

/* Drain after every packet: a batch of 32 packets packed with small
 * datagrams would overrun QUIC's bounded receive queue. */
static void after_packet(void *ud, uint64_t now)
{
    bq_client *cl = ud;
    cl->udp_in++;
    h3q_step(cl->h3, now, NULL);
    handle_events(cl, now);
}

void bq_client_input(bq_client *cl, uint64_t now)
{
    app_io *io = io_of(cl);
    app_io_recv_conn(io, cl->q, NULL, now, after_packet, cl);
    io_return(cl, io);
    h3q_step(cl->h3, now, NULL); /* timers */
    handle_events(cl, now);
}

void bq_client_output(bq_client *cl, uint64_t now)
{
    app_io *io = io_of(cl);
    uint64_t sent = io->sent;
    app_io_send_conn(io, cl->q, &cl->server, now); /* flushes every APP_BATCH */
    app_io_flush(io);
    io_return(cl, io);
    cl->udp_out += io->sent - sent;
}

uint64_t bq_client_deadline(const bq_client *cl)
{
    return quic_conn_deadline(cl->q);
}

void bq_client_request(bq_client *cl, const char *path)
{
    if (cl->requested || !cl->settings)
        return;
    if (h3q_get(cl->h3, "localhost", path, &cl->stream_id) == 0) {
        cl->requested = true;
        cl->requested_at = app_now_us();
    }
}

bool bq_client_closed(const bq_client *cl)
{
    quic_close_info ci;
    quic_conn_close_info(cl->q, &ci);
    return ci.closed;
}

void bq_wait(bq_client **v, size_t n, uint64_t deadline)
{
    int stackfds[64] = {0};
    int *fds = n <= 64 ? stackfds : malloc(n * sizeof *fds);
    if (!fds)
        return;
    for (size_t i = 0; i < n; i++)
        fds[i] = v[i]->udp.fd;
    app_wait_fds(fds, n, deadline, 1000000); /* a second at most */
    if (fds != stackfds)
        free(fds);
}

int bq_client_run(bq_client *cl, const char *path, const bool *done, uint64_t timeout_us)
{
    bq_client *v[1] = {cl};
    uint64_t start = app_now_us();
    for (;;) {
        uint64_t now = app_now_us();
        bq_client_input(cl, now);
        bq_client_request(cl, path);
        bq_client_output(cl, now);
        if (*done)
            return 0;
        if (cl->failed || bq_client_closed(cl) || now - start > timeout_us)
            return -1;
        bq_wait(v, 1, bq_client_deadline(cl));
    }
}

void bq_client_finish(bq_client *cl)
{
    h3q_close(cl->h3, H3_NO_ERROR, "");
    bq_client_output(cl, app_now_us());
    bq_client_close(cl);
}

int bq_fetch(const app_tls *t, const app_addr *server, const char *path, char *out, size_t cap)
{
    bq_client cl;
    if (bq_client_open(&cl, t, server, app_now_us()) != 0)
        return -1;
    int rc = -1;
    if (bq_client_run(&cl, path, &cl.fin, 5000000) == 0) {
        snprintf(out, cap, "%s", cl.body);
        rc = cl.status == 200 ? 0 : -1;
    }
    bq_client_finish(&cl);
    return rc;
}

int bq_stats(const app_tls *t, const app_addr *server, char *out, size_t cap)
{
    if (bq_fetch(t, server, "/stats", out, cap) == 0)
        return 0;
    char where[80];
    app_addr_str(server, where, sizeof where);
    fprintf(stderr, "bench: no /stats from %s\n", where);
    return -1;
}

double bq_kv(const char *text, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = text; (p = strstr(p, key)); p++) {
        if ((p == text || p[-1] == ' ' || p[-1] == '\n') && p[kl] == '=')
            return strtod(p + kl + 1, NULL);
    }
    return 0;
}

void bq_dump_samples(const double *v, size_t n)
{
    const char *path = getenv("BENCH_RTT_DUMP");
    FILE *f = path ? fopen(path, "w") : NULL;
    for (size_t i = 0; f && i < n; i++)
        fprintf(f, "%.1f\n", v[i]);
    if (f)
        fclose(f);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void bq_sort(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
}

double bq_pct(const double *sorted, size_t n, double p)
{
    if (!n)
        return 0;
    size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
    return sorted[i < n ? i : n - 1];
}

uint64_t bq_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t bq_cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
           (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

long bq_maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

uint64_t bq_udp_rcvbuf_errors(void)
{
    FILE *f = fopen("/proc/net/snmp", "r");
    if (!f)
        return 0;
    char head[1024], vals[1024];
    uint64_t r = 0;
    while (fgets(head, sizeof head, f)) {
        if (strncmp(head, "Udp: ", 5) || !fgets(vals, sizeof vals, f))
            continue;
        /* The header line names the columns; the next line holds the values. */
        char *hs, *vs;
        char *h = strtok_r(head, " \n", &hs), *v = strtok_r(vals, " \n", &vs);
        while (h && v) {
            if (!strcmp(h, "RcvbufErrors"))
                r = strtoull(v, NULL, 10);
            h = strtok_r(NULL, " \n", &hs);
            v = strtok_r(NULL, " \n", &vs);
        }
        break;
    }
    fclose(f);
    return r;
}

void bq_put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

uint64_t bq_get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}
