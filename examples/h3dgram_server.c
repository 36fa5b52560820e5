/*
 * A minimal HTTP/3 datagram server on quince: it answers one client's request
 * with 200 and then plays the ping-pong of RFC 9297 HTTP Datagrams on that
 * request stream: every 8-byte big-endian counter it receives goes back
 * incremented. It exits (0) when that client's connection ends.
 * Uses only the installed headers; the loop is the one of h3q/h3q.h.
 *
 * usage: h3dgram_server PORT CERT KEY   (listens on 127.0.0.1:PORT; 0: any port)
 */
#include "base/qb_version.h"
#include "h3q/h3q.h"
#include "quic/endpoint.h"

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

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s PORT CERT KEY\n", argv[0]);
        return 2;
    }
    cx_x509_chain *chain; /* certificate and key: must outlive the endpoint */
    if (cx_x509_chain_load_pem(argv[2], argv[3], NULL, &chain) != 0) {
        fprintf(stderr, "server: cannot load %s and %s\n", argv[2], argv[3]);
        return 1;
    }
    tls_config tls;
    tls_config_init(&tls, TLS_ROLE_SERVER);
    tls.alpn[0] = "h3";
    tls.alpn_count = 1;
    tls.chain = chain;
    quic_endpoint_config ecfg;
    quic_endpoint_config_init(&ecfg, &tls);
    quic_endpoint *ep = quic_endpoint_new(&ecfg);

    struct sockaddr_in me = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    socklen_t ml = sizeof me;
    if (!ep || fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof me) != 0 ||
        getsockname(fd, (struct sockaddr *)&me, &ml) != 0) { /* PORT 0: any free one */
        perror("server: setup");
        return 1;
    }
    printf("server: quince %s listening on 127.0.0.1:%u\n", quince_version(), ntohs(me.sin_port));
    fflush(stdout);

    quic_path path = {.local_len = sizeof me}; /* addresses are opaque bytes to quince */
    memcpy(path.local, &me, sizeof me);
    quic_conn *q = NULL; /* the one connection served; the endpoint owns it */
    h3q_conn *b = NULL;
    uint8_t buf[1500];
    int rc = 1;
    for (;;) {
        uint64_t now = now_us();
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n;
        while ((n = recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &fl)) > 0) {
            memcpy(path.remote, &from, sizeof from);
            path.remote_len = sizeof from;
            quic_endpoint_recv(ep, &path, buf, (size_t)n, now);
            fl = sizeof from;
        }
        quic_conn *nc;
        while ((nc = quic_endpoint_accept(ep)) != NULL) {
            if (q) { /* this example serves one client */
                quic_conn_close(nc, true, H3_NO_ERROR, "busy");
                continue;
            }
            h3q_config hc;
            h3q_config_init(&hc, H3_ROLE_SERVER, &ecfg.conn);
            if (h3q_new(nc, &hc, &b) != 0)
                break;
            q = nc;
        }
        h3q_step_out out = {.deadline = QUIC_NEVER};
        if (b) {
            h3q_step(b, now, &out);
            h3_event ev;
            while (h3q_next_event(b, &ev)) {
                if (ev.type == H3_EV_REQUEST) {
                    h3q_send_response(b, ev.stream_id, 200);
                } else if (ev.type == H3_EV_DATAGRAM && ev.len == 8) {
                    uint64_t v = 0;
                    for (int i = 0; i < 8; i++)
                        v = v << 8 | ev.data[i];
                    printf("server: received datagram value=%llu\n", (unsigned long long)v);
                    uint8_t reply[8];
                    for (uint64_t r = v + 1, i = 8; i-- > 0; r >>= 8) /* big-endian */
                        reply[i] = (uint8_t)r;
                    h3q_send_datagram(b, ev.stream_id, reply, sizeof reply);
                }
            }
        }
        for (quic_conn *c = NULL; (c = quic_endpoint_next(ep, c)) != NULL;) {
            const quic_path *cp = quic_endpoint_conn_path(c);
            size_t len;
            while ((len = quic_conn_send(c, buf, sizeof buf, now)) > 0)
                sendto(fd, buf, len, 0, (const struct sockaddr *)cp->remote, cp->remote_len);
            quic_endpoint_sync(ep, c);
        }
        quic_path to;
        size_t len;
        while ((len = quic_endpoint_send_stateless(ep, buf, sizeof buf, &to)) > 0)
            sendto(fd, buf, len, 0, (const struct sockaddr *)to.remote, to.remote_len);
        if (out.closed) {
            quic_close_info ci;
            quic_conn_close_info(q, &ci);
            printf("server: connection closed by %s, code 0x%llx, reason \"%s\"\n",
                   ci.by_peer ? "client" : "server", (unsigned long long)ci.code, ci.reason);
            rc = ci.app && ci.code == H3_NO_ERROR ? 0 : 1;
            break;
        }
        uint64_t dl = quic_endpoint_deadline(ep), t = now_us();
        int ms = dl == QUIC_NEVER ? 1000 : dl <= t ? 0 : (int)((dl - t + 999) / 1000);
        poll(&(struct pollfd){.fd = fd, .events = POLLIN}, 1, ms);
    }
    h3q_free(b); /* before its quic_conn, which the endpoint frees */
    quic_endpoint_free(ep);
    cx_x509_chain_free(chain);
    return rc;
}
