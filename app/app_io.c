/* The datagram side of the event loop (app_io.h). */
#include "app/app_io.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void app_path_make(quic_path *p, const app_addr *local, const app_addr *remote)
{
    memset(p, 0, sizeof *p);
    p->local_len = (uint8_t)(local->len < sizeof p->local ? local->len : sizeof p->local);
    p->remote_len = (uint8_t)(remote->len < sizeof p->remote ? remote->len : sizeof p->remote);
    memcpy(p->local, &local->ss, p->local_len);
    memcpy(p->remote, &remote->ss, p->remote_len);
}

void app_path_peer(const quic_path *p, app_addr *out)
{
    memset(out, 0, sizeof *out);
    memcpy(&out->ss, p->remote, p->remote_len);
    out->len = p->remote_len;
}

int app_io_recv(app_io *io, app_dgram *rv)
{
    return app_io_recv_sock(io, 0, rv);
}

app_udp *app_io_sock(app_io *io, size_t k)
{
    app_udp *u = k == 0 ? &io->udp : k <= APP_IO_MORE ? &io->more[k - 1] : NULL;
    return u && app_udp_is_open(u) ? u : NULL;
}

bool app_io_pending(const app_io *io)
{
    if (app_udp_is_open(&io->udp) && app_udp_pending(&io->udp))
        return true;
    for (size_t k = 0; k < APP_IO_MORE; k++)
        if (app_udp_is_open(&io->more[k]) && app_udp_pending(&io->more[k]))
            return true;
    return false;
}

int app_io_recv_sock(app_io *io, size_t k, app_dgram *rv)
{
    app_udp *u = app_io_sock(io, k);
    if (!u)
        return 0;
    for (int i = 0; i < APP_BATCH; i++)
        rv[i] = (app_dgram){.data = io->rx[i], .len = APP_DGRAM_BUF};
    return app_udp_recv_batch(u, rv, APP_BATCH);
}

size_t app_io_sock_of(const app_io *io, const quic_path *p)
{
    for (size_t k = 1; k <= APP_IO_MORE; k++) {
        const app_udp *u = &io->more[k - 1];
        if (!app_udp_is_open(u))
            continue;
        quic_path mine;
        app_path_make(&mine, &u->local, &u->local);
        if (mine.local_len == p->local_len && !memcmp(mine.local, p->local, p->local_len))
            return k;
    }
    return 0;
}

int app_io_open_more(app_io *io, size_t k, const app_addr *addr, bool bind_it, char *err,
                     size_t errlen)
{
    if (k == 0 || k > APP_IO_MORE) {
        snprintf(err, errlen, "no room for another socket");
        return -1;
    }
    app_udp *u = &io->more[k - 1];
    if (app_udp_open(u, addr, bind_it, err, errlen) != 0)
        return -1;
    u->pcap = io->udp.pcap; /* --pcap: one capture for every socket */
    return 0;
}

/* UDP GSO (Linux): at most 64 segments and 64 KB in one send. */
#define GSO_MAX_SEGS 64
#define GSO_MAX_BYTES 65000

void app_io_flush(app_io *io)
{
    app_dgram out[APP_BATCH];
    size_t n_out = 0;
    /* Merge runs of equal-size datagrams to one peer by one socket (the last
     * of a run may be shorter) into GSO sends. */
    for (size_t i = 0; i < io->n_tx;) {
        app_dgram d = io->txv[i];
        size_t seg = d.len, segs = 1, j = i + 1;
        app_udp *u = app_io_sock(io, d.sock);
        if (u && u->gso) {
            while (j < io->n_tx && io->txv[j].sock == d.sock && segs < GSO_MAX_SEGS && d.len + io->txv[j].len <= GSO_MAX_BYTES &&
                   io->txv[j].len <= seg && io->txv[j - 1].len == seg &&
                   io->txv[j].data == d.data + d.len && app_addr_equal(&io->txv[j].peer, &d.peer) &&
                   io->txv[j].ecn == d.ecn) {
                d.len += io->txv[j].len;
                segs++;
                j++;
            }
        }
        d.segment = segs > 1 ? (uint16_t)seg : 0;
        io->gso_sends += segs > 1;
        out[n_out++] = d;
        i = j;
    }
    /* Each run of datagrams by one socket in as few sendmmsg calls as it
     * takes. */
    size_t off = 0;
    while (off < n_out) {
        size_t end = off + 1;
        while (end < n_out && out[end].sock == out[off].sock)
            end++;
        app_udp *u = app_io_sock(io, out[off].sock);
        while (off < end) {
            int n = u ? app_udp_send_batch(u, out + off, end - off) : -1;
            if (n <= 0) {
                /* A full socket buffer (or a socket closed meanwhile): QUIC
                 * treats what was not sent as lost. */
                io->send_errors += end - off;
                off = end;
                break;
            }
            off += (size_t)n;
            io->sent += (size_t)n;
        }
    }
    io->n_tx = 0;
    io->tx_used = 0;
}

uint8_t *app_io_tx_slot(app_io *io)
{
    if (io->n_tx == APP_BATCH || sizeof io->txbuf - io->tx_used < APP_DGRAM_BUF)
        app_io_flush(io);
    return io->txbuf + io->tx_used;
}

void app_io_tx_commit(app_io *io, size_t len, const app_addr *to)
{
    io->txv[io->n_tx] = (app_dgram){.data = io->txbuf + io->tx_used, .len = len, .peer = *to};
    io->tx_used += len;
    io->n_tx++;
}

int app_io_pcap_open(app_io *io, const char *path, char *err, size_t errlen)
{
    if (!path)
        return 0;
    if (app_pcap_writer_open(&io->pcap, path) != 0) {
        snprintf(err, errlen, "cannot write capture %s: %s", path, strerror(errno));
        return -1;
    }
    io->udp.pcap = &io->pcap;
    return 0;
}

size_t app_io_send_conn(app_io *io, quic_conn *q, const app_addr *to, uint64_t now)
{
    size_t k = 0;
    for (;;) {
        uint8_t *buf = app_io_tx_slot(io);
        quic_path path;
        size_t n = quic_conn_send_path(q, buf, APP_DGRAM_BUF, now, &path);
        if (!n)
            return k;
        /* RFC 9000 §8.2, §9: a path validation probes another address. */
        app_addr other;
        if (!quic_path_equal(&path, quic_conn_path(q)))
            app_path_peer(&path, &other);
        app_io_tx_commit(io, n, quic_path_equal(&path, quic_conn_path(q)) ? to : &other);
        io->txv[io->n_tx - 1].ecn = quic_conn_ecn(q); /* RFC 9000 §13.4 */
        io->txv[io->n_tx - 1].sock = (uint8_t)app_io_sock_of(io, &path);
        k++;
    }
}

size_t app_io_recv_conn(app_io *io, quic_conn *q, const app_addr *local0, uint64_t now,
                        app_io_after_fn after, void *ud)
{
    app_dgram rv[APP_BATCH];
    size_t taken = 0;
    int n;
    /* The other sockets first: what a server sent to our old address came
     * before what it sends to the new one, and a packet read after a later
     * one may carry a CID the later one retired (RFC 9000 §5.1.2). */
    for (size_t j = 0; j <= APP_IO_MORE; j++) {
        size_t k = APP_IO_MORE - j;
        const app_udp *u = app_io_sock(io, k);
        if (!u)
            continue;
        const app_addr *local = k == 0 && local0 ? local0 : &u->local;
        do {
            n = app_io_recv_sock(io, k, rv);
            for (int i = 0; i < n; i++) {
                if (!rv[i].len)
                    continue;
                quic_path path;
                app_path_make(&path, local, &rv[i].peer);
                io->received++;
                taken++;
                quic_conn_recv_ecn(q, &path, rv[i].data, rv[i].len, rv[i].ecn, now);
                if (after)
                    after(ud, now);
            }
        } while (n == APP_BATCH);
    }
    return taken;
}

bool app_io_recv_endpoint(app_io *io, quic_endpoint *ep, int max_batches, uint64_t now,
                          app_io_routed_fn routed, void *ud)
{
    app_dgram rv[APP_BATCH];
    bool drained = true;
    /* Every socket (the listening one, the preferred addresses'): the path
     * of a datagram has the local address of the socket it came by. */
    for (size_t k = 0; k <= APP_IO_MORE; k++) {
        const app_udp *u = app_io_sock(io, k);
        if (!u)
            continue;
        int n, batches = 0;
        do {
            n = app_io_recv_sock(io, k, rv);
            for (int i = 0; i < n; i++) {
                if (!rv[i].len)
                    continue;
                quic_path path;
                app_path_make(&path, &u->local, &rv[i].peer);
                io->received++;
                quic_conn *q =
                    quic_endpoint_recv_ecn(ep, &path, rv[i].data, rv[i].len, rv[i].ecn, now);
                if (q && routed)
                    routed(ud, q);
            }
        } while (n == APP_BATCH && ++batches < max_batches);
        if (n == APP_BATCH)
            drained = false;
    }
    return drained;
}

void app_io_send_stateless(app_io *io, quic_endpoint *ep)
{
    for (;;) {
        quic_path to;
        uint8_t *buf = app_io_tx_slot(io);
        size_t len = quic_endpoint_send_stateless(ep, buf, APP_DGRAM_BUF, &to);
        if (!len)
            return;
        app_addr peer;
        app_path_peer(&to, &peer);
        app_io_tx_commit(io, len, &peer);
        io->txv[io->n_tx - 1].sock = (uint8_t)app_io_sock_of(io, &to);
    }
}

size_t app_io_send_ep_conn(app_io *io, quic_endpoint *ep, quic_conn *q, uint64_t now)
{
    app_addr peer;
    app_path_peer(quic_endpoint_conn_path(q), &peer);
    size_t k = app_io_send_conn(io, q, &peer, now);
    quic_endpoint_sync(ep, q);
    return k;
}

void app_wait_fds(const int *fds, size_t n, uint64_t deadline_us, uint64_t max_wait_us)
{
    struct pollfd stackfds[64];
    struct pollfd *p = n <= 64 ? stackfds : malloc(n * sizeof *p);
    if (!p)
        return;
    for (size_t i = 0; i < n; i++)
        p[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
    uint64_t now = app_now_us();
    uint64_t wait = deadline_us == QUIC_NEVER ? max_wait_us
                    : deadline_us <= now      ? 0
                                              : deadline_us - now;
    if (wait > max_wait_us)
        wait = max_wait_us;
    poll(p, (nfds_t)n, (int)((wait + 999) / 1000));
    if (p != stackfds)
        free(p);
}
