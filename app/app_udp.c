/* Batched UDP I/O for the event loop: recvmmsg/sendmmsg, UDP GSO and GRO. */
#include "app/app_udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103 /* linux/udp.h; missing from older libc headers */
#endif
#ifndef UDP_GRO
#define UDP_GRO 104 /* linux/udp.h, Linux 5.0 */
#endif

#define APP_UDP_MAX_BATCH 64

uint64_t app_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int app_addr_parse(const char *text, app_addr *out, char *err, size_t errlen)
{
    char host[256];
    const char *port;
    memset(out, 0, sizeof *out);
    if (text[0] == '[') { /* [v6]:port */
        const char *end = strchr(text, ']');
        if (!end || end[1] != ':' || (size_t)(end - text - 1) >= sizeof host) {
            snprintf(err, errlen, "bad address '%s' (want [V6ADDR]:PORT)", text);
            return -1;
        }
        memcpy(host, text + 1, (size_t)(end - text - 1));
        host[end - text - 1] = 0;
        port = end + 2;
    } else {
        const char *colon = strrchr(text, ':');
        if (!colon || (size_t)(colon - text) >= sizeof host) {
            snprintf(err, errlen, "bad address '%s' (want HOST:PORT)", text);
            return -1;
        }
        memcpy(host, text, (size_t)(colon - text));
        host[colon - text] = 0;
        port = colon + 1;
    }
    char *endp;
    long p = strtol(port, &endp, 10);
    if (!*port || *endp || p < 0 || p > 65535) {
        snprintf(err, errlen, "bad port in '%s'", text);
        return -1;
    }
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    int rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
    if (rc != 0 || !res) {
        snprintf(err, errlen, "cannot resolve '%s': %s", host, gai_strerror(rc));
        return -1;
    }
    memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
    out->len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

void app_addr_str(const app_addr *a, char *buf, size_t len)
{
    char host[INET6_ADDRSTRLEN] = "?";
    if (a->ss.ss_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)&a->ss;
        inet_ntop(AF_INET, &s->sin_addr, host, sizeof host);
        snprintf(buf, len, "%s:%u", host, ntohs(s->sin_port));
    } else if (a->ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)&a->ss;
        inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof host);
        snprintf(buf, len, "[%s]:%u", host, ntohs(s->sin6_port));
    } else {
        snprintf(buf, len, "?");
    }
}

bool app_addr_equal(const app_addr *a, const app_addr *b)
{
    if (a->ss.ss_family != b->ss.ss_family)
        return false;
    if (a->ss.ss_family == AF_INET) {
        const struct sockaddr_in *x = (const void *)&a->ss, *y = (const void *)&b->ss;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (a->ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const void *)&a->ss, *y = (const void *)&b->ss;
        return x->sin6_port == y->sin6_port &&
               !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr);
    }
    return false;
}

/* ---- GRO (Linux UDP_GRO): the kernel may hand a run of equal-size datagrams
 * from one peer (a GSO send over loopback, or coalesced by the NIC) as one
 * buffer with their size in a cmsg; they are cut apart here. Buffers of the
 * largest coalesced size (64 KB) are needed for that, so they are the socket's
 * own, allocated at the first receive; what the caller could not take yet
 * waits there for its next call. ---- */

#define APP_UDP_GRO_MSGS 32     /* messages per recvmmsg (address space: only
                                   the pages a receive touches are memory) */
#define APP_UDP_GRO_SLOT 65536  /* a coalesced message is at most 64 KB */

struct app_udp_gro {
    uint8_t *buf; /* APP_UDP_GRO_MSGS slots */
    struct {
        size_t len, seg; /* bytes, and the size they were coalesced from (0: one) */
        app_addr peer;
        uint8_t ecn;
    } msg[APP_UDP_GRO_MSGS];
    size_t n_msg;          /* messages of the last recvmmsg */
    size_t cur, cur_first; /* the one being handed out, its next datagram */
};

size_t app_udp_gro_split(uint8_t *buf, size_t len, size_t seg, size_t first,
                         const app_dgram *from, app_dgram *out, size_t n)
{
    if (seg == 0 || seg > len)
        seg = len;
    size_t k = 0;
    for (size_t off = first * seg; seg && off < len && k < n; off += seg, k++) {
        out[k] = *from;
        out[k].data = buf + off;
        out[k].len = len - off < seg ? len - off : seg;
        out[k].segment = 0;
    }
    return k;
}

bool app_udp_pending(const app_udp *u)
{
    const app_udp_gro *g = u->gro;
    for (size_t i = g ? g->cur : 0; g && i < g->n_msg; i++) {
        size_t len = g->msg[i].len, seg = g->msg[i].seg;
        if (seg == 0 || seg > len)
            seg = len;
        if (seg && (i == g->cur ? g->cur_first : 0) * seg < len)
            return true;
    }
    return false;
}

/* GRO goes on once a receive fills the caller's whole batch (of at least
 * APP_UDP_GRO_AFTER): a socket that sees a datagram now and then (an idle
 * connection, a ping-pong) keeps none of GRO's 2 MB of slots, one under load
 * gets them (issue 10: memory grows with use). Datagrams already queued in the
 * kernel stay as they were; later runs come coalesced. */
#define APP_UDP_GRO_AFTER 8

bool app_udp_gro_enable(app_udp *u)
{
    if (u->gro)
        return true;
    int on = 1;
    if (setsockopt(u->fd, IPPROTO_UDP, UDP_GRO, &on, sizeof on) != 0)
        return false;
    u->gro = calloc(1, sizeof *u->gro);
    if (!u->gro) { /* no state, no coalescing: off again */
        on = 0;
        setsockopt(u->fd, IPPROTO_UDP, UDP_GRO, &on, sizeof on);
    }
    return u->gro != NULL;
}

static void gro_free(app_udp *u)
{
    if (!u->gro)
        return;
    free(u->gro->buf);
    free(u->gro);
    u->gro = NULL;
}

/* The segment size of a coalesced message (0: a single datagram). */
static size_t gro_seg_of(struct msghdr *m)
{
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
        int v = 0;
        if (cm->cmsg_level == IPPROTO_UDP && cm->cmsg_type == UDP_GRO &&
            cm->cmsg_len >= CMSG_LEN(sizeof v)) {
            memcpy(&v, CMSG_DATA(cm), sizeof v);
            return v > 0 ? (size_t)v : 0;
        }
    }
    return 0;
}

static uint8_t ecn_of(struct msghdr *m);
static void pcap_record(app_udp *u, const app_dgram *d, bool sent);

/* Hands out up to n waiting datagrams of the last receive; returns how many. */
static size_t gro_hand_out(app_udp *u, app_dgram *v, size_t n)
{
    app_udp_gro *g = u->gro;
    size_t k = 0;
    while (k < n && g->cur < g->n_msg) {
        app_dgram from = {.peer = g->msg[g->cur].peer, .ecn = g->msg[g->cur].ecn};
        size_t got = app_udp_gro_split(g->buf + g->cur * APP_UDP_GRO_SLOT, g->msg[g->cur].len,
                                       g->msg[g->cur].seg, g->cur_first, &from, v + k, n - k);
        for (size_t i = 0; u->pcap && i < got; i++)
            pcap_record(u, &v[k + i], false);
        k += got;
        g->cur_first += got;
        if (k < n) { /* this message is done */
            g->cur++;
            g->cur_first = 0;
        }
    }
    return k;
}

/* One recvmmsg into the GRO slots: the count of messages, 0 when none waits,
 * -1 with errno. */
static int gro_fill(app_udp *u, size_t want);

static int gro_recv_batch(app_udp *u, app_dgram *v, size_t n)
{
    /* What waits from the last receive first. The slots are not refilled
     * in the same call: what was just handed out points into them. */
    size_t k = gro_hand_out(u, v, n);
    if (k > 0)
        return (int)k;
    int got = gro_fill(u, n);
    if (got <= 0)
        return got;
    return (int)gro_hand_out(u, v, n);
}

static int gro_fill(app_udp *u, size_t want_n)
{
    app_udp_gro *g = u->gro;
    if (!g->buf && !(g->buf = malloc((size_t)APP_UDP_GRO_MSGS * APP_UDP_GRO_SLOT)))
        return -1;
    struct mmsghdr msgs[APP_UDP_GRO_MSGS];
    struct iovec iov[APP_UDP_GRO_MSGS];
    union {
        char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl[APP_UDP_GRO_MSGS];
    memset(msgs, 0, sizeof msgs);
    for (size_t i = 0; i < APP_UDP_GRO_MSGS; i++) {
        iov[i].iov_base = g->buf + i * APP_UDP_GRO_SLOT;
        iov[i].iov_len = APP_UDP_GRO_SLOT;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &g->msg[i].peer.ss;
        msgs[i].msg_hdr.msg_namelen = sizeof g->msg[i].peer.ss;
        msgs[i].msg_hdr.msg_control = ctl[i].buf;
        msgs[i].msg_hdr.msg_controllen = sizeof ctl[i].buf;
    }
    /* No more messages than datagrams the caller has room for: a message holds one at least. */
    unsigned want = (unsigned)(want_n < APP_UDP_GRO_MSGS ? want_n : APP_UDP_GRO_MSGS);
    int got = recvmmsg(u->fd, msgs, want, MSG_DONTWAIT, NULL);
    if (got < 0 && errno == ECONNREFUSED) {
        u->refused = true; /* as app_udp_recv_batch: note it and read on */
        got = recvmmsg(u->fd, msgs, want, MSG_DONTWAIT, NULL);
    }
    if (got < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
    for (int i = 0; i < got; i++) {
        /* Truncated (larger than 64 KB, never from GRO): dropped, QUIC would
         * fail to authenticate it anyway. */
        bool trunc = msgs[i].msg_hdr.msg_flags & MSG_TRUNC;
        g->msg[i].len = trunc ? 0 : msgs[i].msg_len;
        g->msg[i].seg = gro_seg_of(&msgs[i].msg_hdr);
        g->msg[i].peer.len = msgs[i].msg_hdr.msg_namelen;
        g->msg[i].ecn = ecn_of(&msgs[i].msg_hdr);
    }
    g->n_msg = (size_t)got;
    g->cur = g->cur_first = 0;
    return got;
}

int app_udp_open(app_udp *u, const app_addr *addr, bool bind_it, char *err, size_t errlen)
{
    char where[80];
    memset(u, 0, sizeof *u);
    u->family = addr->ss.ss_family;
    u->fd = socket(u->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (u->fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    /* Room for bursts: a datagram ping-pong is small, a throughput run is not. */
    int buf = 4 << 20;
    setsockopt(u->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    setsockopt(u->fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    if (bind_it) {
        if (bind(u->fd, (const struct sockaddr *)&addr->ss, addr->len) != 0) {
            int e = errno;
            app_addr_str(addr, where, sizeof where);
            if (e == EADDRINUSE)
                snprintf(err, errlen, "cannot listen on %s: port already in use", where);
            else
                snprintf(err, errlen, "cannot listen on %s: %s", where, strerror(e));
            close(u->fd);
            u->fd = -1;
            return -1;
        }
    } else {
        struct sockaddr_storage any = {0};
        any.ss_family = (sa_family_t)u->family;
        socklen_t len = u->family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                              : sizeof(struct sockaddr_in);
        if (bind(u->fd, (struct sockaddr *)&any, len) != 0) {
            snprintf(err, errlen, "bind: %s", strerror(errno));
            close(u->fd);
            u->fd = -1;
            return -1;
        }
    }
    /* RFC 9000 §13.4: the ECN field of received datagrams comes with each
     * as a cmsg (a dual-stack IPv6 socket gets IPv4's as IP_TOS). */
    int on = 1;
    setsockopt(u->fd, IPPROTO_IP, IP_RECVTOS, &on, sizeof on);
    if (u->family == AF_INET6)
        setsockopt(u->fd, IPPROTO_IPV6, IPV6_RECVTCLASS, &on, sizeof on);
    u->local.len = sizeof u->local.ss;
    getsockname(u->fd, (struct sockaddr *)&u->local.ss, &u->local.len);
    /* GSO is per message through a cmsg; probing the option tells if the
     * kernel knows it at all. */
    int seg = 0;
    socklen_t sl = sizeof seg;
    u->gso = getsockopt(u->fd, IPPROTO_UDP, UDP_SEGMENT, &seg, &sl) == 0;
    return 0;
}

int app_udp_connect(app_udp *u, const app_addr *peer, char *err, size_t errlen)
{
    if (connect(u->fd, (const struct sockaddr *)&peer->ss, peer->len) != 0) {
        char where[80];
        app_addr_str(peer, where, sizeof where);
        snprintf(err, errlen, "cannot connect the socket to %s: %s", where, strerror(errno));
        return -1;
    }
    return 0;
}

void app_udp_close(app_udp *u)
{
    /* Only a socket it opened: a zeroed app_udp (fd 0) is not stdin's owner. */
    if (app_udp_is_open(u))
        close(u->fd);
    u->fd = -1;
    gro_free(u);
    u->family = 0;
}

bool app_udp_is_open(const app_udp *u)
{
    return u->family != 0 && u->fd >= 0;
}

/* --pcap: the wall clock, for the capture's timestamps. */
static uint64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A socket bound to the wildcard address: over loopback the local address
 * is the peer's, which makes the capture's 5-tuples agree both ways. */
static void pcap_local(const app_udp *u, const app_addr *peer, struct sockaddr_storage *out)
{
    *out = u->local.ss;
    if (out->ss_family == AF_INET && peer->ss.ss_family == AF_INET) {
        struct sockaddr_in *l = (struct sockaddr_in *)out;
        const struct sockaddr_in *p = (const struct sockaddr_in *)&peer->ss;
        if (l->sin_addr.s_addr == htonl(INADDR_ANY) && (ntohl(p->sin_addr.s_addr) >> 24) == 127)
            l->sin_addr = p->sin_addr;
    } else if (out->ss_family == AF_INET6 && peer->ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *l = (struct sockaddr_in6 *)out;
        const struct sockaddr_in6 *p = (const struct sockaddr_in6 *)&peer->ss;
        if (IN6_IS_ADDR_UNSPECIFIED(&l->sin6_addr) && IN6_IS_ADDR_LOOPBACK(&p->sin6_addr))
            l->sin6_addr = p->sin6_addr;
    }
}

static void pcap_record(app_udp *u, const app_dgram *d, bool sent)
{
    size_t seg = d->segment ? d->segment : d->len;
    uint64_t t = wall_ns();
    struct sockaddr_storage local;
    pcap_local(u, &d->peer, &local);
    for (size_t off = 0; off < d->len && seg; off += seg) {
        size_t n = d->len - off < seg ? d->len - off : seg; /* one GSO segment each */
        app_pcap_writer_add(u->pcap, t, sent ? (const void *)&local : &d->peer.ss,
                            sent ? (const void *)&d->peer.ss : &local, d->data + off, n);
    }
}

/* The ECN bits of a received datagram's TOS / traffic class cmsg. */
static uint8_t ecn_of(struct msghdr *m)
{
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
        int v = 0;
        if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TOS &&
            cm->cmsg_len >= CMSG_LEN(1)) {
            uint8_t b;
            memcpy(&b, CMSG_DATA(cm), 1); /* Linux passes IPv4's TOS as one byte */
            return b & 3;
        }
        if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_TCLASS &&
            cm->cmsg_len >= CMSG_LEN(sizeof v)) {
            memcpy(&v, CMSG_DATA(cm), sizeof v);
            return (uint8_t)(v & 3);
        }
    }
    return 0;
}

/* One message's control room: GSO segment size and TOS / traffic class. */
#define APP_UDP_CTL (CMSG_SPACE(sizeof(uint16_t)) + CMSG_SPACE(sizeof(int)))

int app_udp_recv_batch(app_udp *u, app_dgram *v, size_t n)
{
    if (u->gro)
        return gro_recv_batch(u, v, n);
    struct mmsghdr msgs[APP_UDP_MAX_BATCH];
    struct iovec iov[APP_UDP_MAX_BATCH];
    union {
        char buf[APP_UDP_CTL];
        struct cmsghdr align;
    } ctl[APP_UDP_MAX_BATCH];
    if (n > APP_UDP_MAX_BATCH)
        n = APP_UDP_MAX_BATCH;
    memset(msgs, 0, n * sizeof msgs[0]);
    for (size_t i = 0; i < n; i++) {
        iov[i].iov_base = v[i].data;
        iov[i].iov_len = v[i].len;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &v[i].peer.ss;
        msgs[i].msg_hdr.msg_namelen = sizeof v[i].peer.ss;
        msgs[i].msg_hdr.msg_control = ctl[i].buf;
        msgs[i].msg_hdr.msg_controllen = sizeof ctl[i].buf;
    }
    int got = recvmmsg(u->fd, msgs, (unsigned)n, MSG_DONTWAIT, NULL);
    if (got < 0 && errno == ECONNREFUSED) {
        /* The pending ICMP error is reported once, ahead of datagrams that
         * arrived before it (a peer's CONNECTION_CLOSE sent just before it
         * exited): note it, and read on, so those are not lost. */
        u->refused = true;
        got = recvmmsg(u->fd, msgs, (unsigned)n, MSG_DONTWAIT, NULL);
    }
    if (got < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
    for (int i = 0; i < got; i++) {
        /* A datagram larger than the buffer is truncated: drop it, QUIC
         * would fail to authenticate it anyway. */
        v[i].len = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ? 0 : msgs[i].msg_len;
        v[i].peer.len = msgs[i].msg_hdr.msg_namelen;
        v[i].segment = 0;
        v[i].ecn = ecn_of(&msgs[i].msg_hdr);
        if (u->pcap && v[i].len)
            pcap_record(u, &v[i], false);
    }
    if ((size_t)got == n && n >= APP_UDP_GRO_AFTER)
        (void)app_udp_gro_enable(u); /* under load: coalesce from now on */
    return got;
}

int app_udp_send_batch(app_udp *u, const app_dgram *v, size_t n)
{
    struct mmsghdr msgs[APP_UDP_MAX_BATCH];
    struct iovec iov[APP_UDP_MAX_BATCH];
    union {
        char buf[APP_UDP_CTL];
        struct cmsghdr align;
    } ctl[APP_UDP_MAX_BATCH];
    size_t sent = 0;
    while (sent < n) {
        size_t k = n - sent < APP_UDP_MAX_BATCH ? n - sent : APP_UDP_MAX_BATCH;
        memset(msgs, 0, k * sizeof msgs[0]);
        for (size_t i = 0; i < k; i++) {
            const app_dgram *d = &v[sent + i];
            iov[i].iov_base = d->data;
            iov[i].iov_len = d->len;
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = (void *)&d->peer.ss;
            msgs[i].msg_hdr.msg_namelen = d->peer.len;
            bool gso = d->segment && u->gso && d->len > d->segment;
            if (!gso && !d->ecn)
                continue;
            memset(ctl[i].buf, 0, sizeof ctl[i].buf);
            msgs[i].msg_hdr.msg_control = ctl[i].buf;
            msgs[i].msg_hdr.msg_controllen = sizeof ctl[i].buf;
            struct cmsghdr *cm = CMSG_FIRSTHDR(&msgs[i].msg_hdr);
            size_t used = 0;
            if (gso) {
                cm->cmsg_level = IPPROTO_UDP;
                cm->cmsg_type = UDP_SEGMENT;
                cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
                memcpy(CMSG_DATA(cm), &d->segment, sizeof(uint16_t));
                used += CMSG_SPACE(sizeof(uint16_t));
                cm = CMSG_NXTHDR(&msgs[i].msg_hdr, cm);
            }
            if (d->ecn && cm) {
                /* RFC 9000 §13.4: the ECN codepoint of this datagram. */
                int tos = d->ecn & 3;
                bool v4 = d->peer.ss.ss_family == AF_INET;
                cm->cmsg_level = v4 ? IPPROTO_IP : IPPROTO_IPV6;
                cm->cmsg_type = v4 ? IP_TOS : IPV6_TCLASS;
                cm->cmsg_len = CMSG_LEN(sizeof tos);
                memcpy(CMSG_DATA(cm), &tos, sizeof tos);
                used += CMSG_SPACE(sizeof tos);
            }
            msgs[i].msg_hdr.msg_controllen = used;
        }
        int rc = sendmmsg(u->fd, msgs, (unsigned)k, 0);
        if (rc < 0 && errno == ECONNREFUSED)
            u->refused = true;
        if (rc < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return (int)sent;
            if (sent)
                return (int)sent;
            return -1;
        }
        for (int i = 0; u->pcap && i < rc; i++)
            pcap_record(u, &v[sent + (size_t)i], true);
        sent += (size_t)rc;
        if ((size_t)rc < k)
            break;
    }
    return (int)sent;
}

int app_udp_wait(app_udp *u, uint64_t deadline_us)
{
    if (app_udp_pending(u))
        return 1; /* GRO leftovers: readable now, though poll cannot tell */
    struct pollfd p = {.fd = u->fd, .events = POLLIN};
    int timeout = -1;
    if (deadline_us != UINT64_MAX) {
        uint64_t now = app_now_us();
        /* Round up so a wake-up never comes before the deadline. */
        timeout = deadline_us <= now ? 0 : (int)((deadline_us - now + 999) / 1000);
        if (deadline_us > now && deadline_us - now > 3600000000ull)
            timeout = 3600000;
    }
    int rc = poll(&p, 1, timeout);
    return rc > 0 ? 1 : 0;
}
