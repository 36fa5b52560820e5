/* The UDP side of quince: sockets, batched receive and send (recvmmsg/sendmmsg),
 * UDP GSO and GRO where the kernel has them, IPv4 and IPv6. Only app/ does I/O. */
#ifndef APP_UDP_H
#define APP_UDP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "app/pcap.h"

/* An address as quince keeps it: the sockaddr and its length. */
typedef struct app_addr {
    struct sockaddr_storage ss;
    socklen_t len;
} app_addr;

typedef struct app_udp_gro app_udp_gro;

typedef struct app_udp {
    int fd;
    int family;
    bool gso;       /* UDP_SEGMENT accepted by this socket */
    app_udp_gro *gro; /* UDP_GRO on: coalesced receives and their split (or
                       * NULL: off until a receive fills a whole batch) */
    app_addr local; /* what the socket is bound to */
    app_pcap_writer *pcap; /* --pcap: every datagram sent and received (or NULL) */
    bool refused;   /* connected socket: an ICMP port unreachable came back
                       (ECONNREFUSED on a send or receive) */
} app_udp;

/* One datagram of a batch: data and len are the caller's buffer and its size
 * (on receive, len is the capacity going in and the length coming out). */
typedef struct app_dgram {
    uint8_t *data;
    size_t len;
    app_addr peer;
    /* send only: with GSO, data holds len bytes cut into segments of this size
     * (0 = one datagram). */
    uint16_t segment;
    /* The ECN codepoint (RFC 3168; quic_ecn_codepoint): on receive, what the
     * IP header carried (IP_RECVTOS / IPV6_RECVTCLASS); on send, what to set
     * (IP_TOS / IPV6_TCLASS per message), 0 = Not-ECT. */
    uint8_t ecn;
    /* send only (app_io): which of the event loop's sockets it leaves by
     * (0: app_io.udp, k: app_io.more[k - 1]); app_udp_send_batch ignores it. */
    uint8_t sock;
} app_dgram;

/* Parses "HOST:PORT", "[V6]:PORT" or "V6-with-port-after-last-colon"; resolves
 * names (numeric first). Returns 0, or -1 with a reason in err. */
int app_addr_parse(const char *text, app_addr *out, char *err, size_t errlen);
/* "127.0.0.1:4433" or "[::1]:4433". */
void app_addr_str(const app_addr *a, char *buf, size_t len);
bool app_addr_equal(const app_addr *a, const app_addr *b);

/* Opens a non-blocking UDP socket for addr's family. bind_it: bind to addr
 * (servers); otherwise bind to the wildcard with an ephemeral port (clients).
 * Big socket buffers, GSO detection. Errors (port in use, ...) in err. */
int app_udp_open(app_udp *u, const app_addr *addr, bool bind_it, char *err, size_t errlen);
/* Closes the socket if it is open (a zeroed app_udp is not: family 0); it
 * then reads as unopened. */
void app_udp_close(app_udp *u);
/* Opened and not closed since. */
bool app_udp_is_open(const app_udp *u);
/* Connects the socket to peer (clients), so the kernel reports an ICMP port
 * unreachable from it as ECONNREFUSED (then u->refused is set) and drops
 * datagrams from anyone else. Sends may still name peer. */
int app_udp_connect(app_udp *u, const app_addr *peer, char *err, size_t errlen);

/* Receives up to n datagrams without blocking; returns the count (0 when none
 * is waiting) or -1 with errno. With GRO on (the kernel has UDP_GRO), the
 * kernel may hand a run of equal-size datagrams from one peer as one buffer:
 * each comes out as its own app_dgram all the same, its data pointing into the
 * socket's receive area instead of the caller's buffer, valid until the next
 * receive on the socket. */
int app_udp_recv_batch(app_udp *u, app_dgram *v, size_t n);

/* Turns UDP_GRO on now (receives turn it on by themselves once one fills a
 * whole batch); false where the kernel has no GRO or its state cannot be had. */
bool app_udp_gro_enable(app_udp *u);

/* Datagrams a coalesced receive left in the socket's receive area for the next
 * app_udp_recv_batch: they are out of the kernel, so poll does not see them; a
 * loop that stops reading before a short batch checks this before it sleeps
 * (app_udp_wait does). */
bool app_udp_pending(const app_udp *u);

/* GRO: a received buffer of len bytes that the kernel coalesced from datagrams
 * of seg bytes each (the last may be shorter; seg 0: one datagram) is cut back
 * into them. Fills out[0..n) with the datagrams from number first on, data
 * pointing into buf, peer and ecn those of from; returns how many it filled. */
size_t app_udp_gro_split(uint8_t *buf, size_t len, size_t seg, size_t first,
                         const app_dgram *from, app_dgram *out, size_t n);
/* Sends n datagrams in as few syscalls as it can; returns how many went out
 * (a full socket buffer stops early; the rest are the caller's to drop or
 * retry), or -1 with errno. */
int app_udp_send_batch(app_udp *u, const app_dgram *v, size_t n);

/* Waits until the socket is readable or the monotonic clock reaches
 * deadline_us (UINT64_MAX: no deadline). Returns 1 readable, 0 timeout. */
int app_udp_wait(app_udp *u, uint64_t deadline_us);

/* Monotonic microseconds: the one clock unit of the whole stack. */
uint64_t app_now_us(void);

#endif
