/*
 * A minimal HTTP/3 datagram client on quince: it sends GET /ping-pong to a
 * server on 127.0.0.1 and, once the answer is 200, plays the ping-pong of
 * RFC 9297 HTTP Datagrams on that request stream: an 8-byte big-endian
 * counter, sent incremented each time one comes back, until it reaches COUNT
 * (default 10); then it closes with H3_NO_ERROR. Exit 0 when it got there.
 * Uses only the installed headers; the loop is the one of h3q/h3q.h.
 *
 * usage: h3dgram_client PORT CA_FILE [COUNT]
 */
#include "h3q/h3q.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static uint64_t now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

static void send_counter(h3q_conn *b, uint64_t stream_id, uint64_t v)
{
    uint8_t p[8];
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
    h3q_send_datagram(b, stream_id, p, sizeof p); /* copied; a loss ends the game */
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s PORT CA_FILE [COUNT]\n", argv[0]);
        return 2;
    }
    uint64_t count = argc > 3 ? strtoull(argv[3], NULL, 10) : 10;
    cx_x509_trust *trust; /* must outlive the connection */
    if (cx_x509_trust_new(argv[2], &trust) != 0) {
        fprintf(stderr, "client: cannot load %s\n", argv[2]);
        return 1;
    }
    tls_config tls;
    tls_config_init(&tls, TLS_ROLE_CLIENT);
    tls.alpn[0] = "h3";
    tls.alpn_count = 1;
    tls.server_name = "localhost";
    tls.trust = trust;

    struct sockaddr_in srv = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct sockaddr_in me;
    socklen_t ml = sizeof me;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&srv, sizeof srv) != 0 ||
        getsockname(fd, (struct sockaddr *)&me, &ml) != 0) {
        perror("client: socket");
        return 1;
    }
    quic_path path = {.local_len = sizeof me, .remote_len = sizeof srv};
    memcpy(path.local, &me, sizeof me); /* opaque bytes to quince */
    memcpy(path.remote, &srv, sizeof srv);

    quic_config qc;
    quic_config_init(&qc, false, &tls);
    quic_conn *q = quic_conn_new_client(&qc, &path, now_us());
    h3q_config hc;
    h3q_config_init(&hc, H3_ROLE_CLIENT, &qc);
    h3q_conn *b = NULL;
    if (!q || h3q_new(q, &hc, &b) != 0)
        return 1;

    uint8_t buf[1500];
    uint64_t stream_id = 0, last = 0;
    bool asked = false, done = false;
    for (;;) {
        uint64_t now = now_us();
        ssize_t n;
        while ((n = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0)
            quic_conn_recv(q, &path, buf, (size_t)n, now);
        h3q_step_out out;
        h3q_step(b, now, &out);
        if (h3q_started(b) && !asked) /* HTTP/3 is up once QUIC is established */
            asked = h3q_get(b, "localhost", "/ping-pong", &stream_id) == 0;
        h3_event ev;
        while (h3q_next_event(b, &ev)) {
            if (ev.type == H3_EV_RESPONSE && ev.status == 200) {
                send_counter(b, stream_id, 0);
            } else if (ev.type == H3_EV_DATAGRAM && ev.len == 8 && !done) {
                last = 0;
                for (int i = 0; i < 8; i++)
                    last = last << 8 | ev.data[i];
                printf("client: received datagram value=%llu\n", (unsigned long long)last);
                if (last + 1 >= count) {
                    printf("client: done at %llu\n", (unsigned long long)(last + 1));
                    h3q_close(b, H3_NO_ERROR, "done");
                    done = true;
                } else {
                    send_counter(b, stream_id, last + 1);
                }
            }
        }
        size_t len;
        while ((len = quic_conn_send(q, buf, sizeof buf, now)) > 0)
            send(fd, buf, len, 0);
        if (out.closed)
            break;
        uint64_t t = now_us();
        int ms = out.deadline == QUIC_NEVER ? 1000
                 : out.deadline <= t      ? 0
                                          : (int)((out.deadline - t + 999) / 1000);
        poll(&(struct pollfd){.fd = fd, .events = POLLIN}, 1, ms);
    }
    quic_close_info ci;
    quic_conn_close_info(q, &ci);
    if (!done)
        fprintf(stderr, "client: connection closed: code 0x%llx, %s\n",
                (unsigned long long)ci.code, ci.reason);
    h3q_free(b); /* the binding first, then its quic_conn */
    quic_conn_free(q);
    cx_x509_trust_free(trust);
    return done ? 0 : 1;
}
