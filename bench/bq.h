/*
 * Shared pieces of the quince benchmark programs (bench/README.md): a quince
 * HTTP/3 client connection over its own UDP socket (the sans-I/O quic_conn plus an
 * h3q_conn), driven by the calls the quince commands use (app/app_io.h:
 * app_io_recv_conn, h3q_step, app_io_send_conn, app_io_flush, app_wait_fds) in one
 * loop, bq_client_run; the wire format of the bench server's resources; figure
 * printing. Benchmarks print figures; they are no tests.
 *
 * Bench server resources (bench_server.c and tests/interop/quicgo/cmd/bench-server):
 *   GET /echo                  200, no FIN; every HTTP datagram on the stream is echoed
 *   GET /blast?size=S&ms=D     200, then S-byte datagrams (8-byte big-endian sequence
 *                              first) as fast as the stack takes them for D ms, then the
 *                              body "sent=N qdrop=M" and FIN
 *   GET /bulk?bytes=N          200 and an N-byte body
 *   GET /stats                 200 and "accepted=A conns=C heap=B cpu_us=U maxrss_kb=K"
 */
#ifndef BENCH_BQ_H
#define BENCH_BQ_H

#include "app/app_tls.h"
#include "app/app_udp.h"
#include "h3q/h3q.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BQ_BODY_KEEP 512

typedef struct bq_client bq_client;
typedef void (*bq_dgram_fn)(bq_client *cl, const uint8_t *p, size_t len, uint64_t now);

struct bq_client {
    app_udp udp;
    app_addr server;
    quic_conn *q;
    h3q_conn *h3;
    uint64_t stream_id;
    bool requested, settings, responded, fin, failed;
    uint64_t requested_at; /* app_now_us() when the GET went into QUIC */
    unsigned status;
    uint64_t body_bytes;
    char body[BQ_BODY_KEEP + 1]; /* the first bytes of the body, NUL-terminated */
    size_t body_len;
    uint64_t udp_in, udp_out;    /* UDP datagrams */
    bq_dgram_fn on_dgram;
    void *ud;
};

/* Parses the common options: --server HOST:PORT --ca FILE; the rest is left
 * to the program via bq_opt(). */
const char *bq_opt(int argc, char **argv, const char *name, const char *dflt);

/* TLS client config trusting ca for "localhost". */
int bq_tls(app_tls *t, const char *ca);
/* What every client program starts with: --server HOST:PORT (default
 * 127.0.0.1:4433) into addr and a TLS config trusting --ca. Returns the
 * --server text, or NULL (said on stderr) when either fails. */
const char *bq_setup(int argc, char **argv, app_tls *tls, app_addr *addr);

int bq_client_open(bq_client *cl, const app_tls *t, const app_addr *server, uint64_t now);
void bq_client_close(bq_client *cl);
/* Reads the socket, steps the binding (timers, QUIC events into h3) and handles the
 * HTTP/3 events. */
void bq_client_input(bq_client *cl, uint64_t now);
/* Sends every packet due (what the client queued is already in QUIC). */
void bq_client_output(bq_client *cl, uint64_t now);
uint64_t bq_client_deadline(const bq_client *cl);
/* GET path once the server's SETTINGS arrived (call after input; no-op once sent). */
void bq_client_request(bq_client *cl, const char *path);
bool bq_client_closed(const bq_client *cl);
/* Waits on several clients' sockets until one is readable or deadline (µs). */
void bq_wait(bq_client **v, size_t n, uint64_t deadline);

/* The loop of one client (the app's, app/app_run.c: step, then wait until the
 * deadline or the socket): input, GET path once SETTINGS are in, output, until
 * *done turns true (0), or -1 when the connection failed or closed first or
 * timeout_us passed. */
int bq_client_run(bq_client *cl, const char *path, const bool *done, uint64_t timeout_us);
/* Closes with H3_NO_ERROR, sends the CONNECTION_CLOSE, frees (bq_client_close). */
void bq_client_finish(bq_client *cl);
/* One whole request on a fresh connection: GET path, body into out. 0 or -1. */
int bq_fetch(const app_tls *t, const app_addr *server, const char *path, char *out, size_t cap);
/* The bench server's GET /stats into out; -1 (said on stderr) when it fails. */
int bq_stats(const app_tls *t, const app_addr *server, char *out, size_t cap);
/* A "key=value" figure of the stats body (0 when absent). */
double bq_kv(const char *text, const char *key);

/* BENCH_RTT_DUMP=FILE: the samples, one a line, for a latency plot. */
void bq_dump_samples(const double *v, size_t n);
/* Percentile (0..100) of sorted values. */
double bq_pct(const double *sorted, size_t n, double p);
void bq_sort(double *v, size_t n);

/* Monotonic nanoseconds (RTT samples finer than app_now_us). */
uint64_t bq_now_ns(void);

/* Process figures. */
uint64_t bq_cpu_us(void);
long bq_maxrss_kb(void);
/* UDP RcvbufErrors of the whole host (/proc/net/snmp): socket drops. */
uint64_t bq_udp_rcvbuf_errors(void);

void bq_put_be64(uint8_t *p, uint64_t v);
uint64_t bq_get_be64(const uint8_t *p);

#endif
