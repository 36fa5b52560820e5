/*
 * The datagram side of the event loop every quince program shares (the
 * quince commands in app_peer.c, the bench programs in bench/): batched
 * receive buffers for one socket, outgoing datagrams laid end to end so runs
 * of equal size to one peer leave as one UDP GSO send, the quic_path of an
 * address pair, and the wait on sockets until a deadline.
 *
 * One turn of every program's loop is made of these calls, in this order:
 *   client: app_io_recv_conn -> h3q_step + the program's events ->
 *           app_io_send_conn -> app_io_flush -> app_wait_fds(deadline)
 *   server: app_io_recv_endpoint -> quic_endpoint_accept ->
 *           app_io_send_stateless -> per connection: h3q_step + events,
 *           app_io_send_ep_conn -> app_io_flush -> wait
 */
#ifndef APP_IO_H
#define APP_IO_H

#include "app/app_udp.h"
#include "app/pcap.h"
#include "quic/endpoint.h"
#include "quic/quic.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define APP_BATCH 32
#define APP_DGRAM_BUF 1500 /* we accept UDP payloads up to 1452 (max_udp_payload_size) */

/* Other sockets an event loop may have besides udp (a server's preferred
 * addresses, RFC 9000 §9.6; a client's probe of one). */
#define APP_IO_MORE 2

/* Batched datagram buffers for one socket, or a few. Outgoing datagrams are
 * laid end to end in one buffer, so a run of equal-size datagrams to one peer
 * goes to the kernel as a single UDP GSO send (when udp.gso is set); each
 * leaves by the socket of its path's local address. */
typedef struct app_io {
    app_udp udp;
    app_udp more[APP_IO_MORE]; /* unused ones read as unopened (app_udp_is_open) */
    uint8_t rx[APP_BATCH][APP_DGRAM_BUF];
    uint8_t txbuf[APP_BATCH * APP_DGRAM_BUF];
    size_t tx_used;
    app_dgram txv[APP_BATCH];
    size_t n_tx;
    uint64_t sent, received, send_errors, gso_sends;
    app_pcap_writer pcap; /* --pcap FILE */
} app_io;

/* The path QUIC sees for a datagram between local and remote, and back. */
void app_path_make(quic_path *p, const app_addr *local, const app_addr *remote);
void app_path_peer(const quic_path *p, app_addr *out);

/* Receives one batch into io->rx: rv[0..APP_BATCH) point into it (with GRO,
 * into the socket's own receive area: app_udp_recv_batch); returns
 * the count, as app_udp_recv_batch (io->received is the caller's to count:
 * it may drop datagrams from strangers). */
int app_io_recv(app_io *io, app_dgram *rv);
/* The same from socket k (0: udp, k: more[k - 1]); 0 when it is not open. */
int app_io_recv_sock(app_io *io, size_t k, app_dgram *rv);
/* Datagrams a coalesced (GRO) receive left in some socket of io for the
 * next call: poll cannot see them, so a loop must not sleep (app_udp_pending). */
bool app_io_pending(const app_io *io);
/* Socket k (0: udp, k: more[k - 1]), or NULL when there is none open. */
app_udp *app_io_sock(app_io *io, size_t k);
/* The socket whose local address is the path's (0, udp, when none is: a
 * path the connection keeps while the socket changed under it). */
size_t app_io_sock_of(const app_io *io, const quic_path *p);
/* Opens more[k - 1] (k >= 1) as app_udp_open does, into the capture too. */
int app_io_open_more(app_io *io, size_t k, const app_addr *addr, bool bind_it, char *err,
                     size_t errlen);

/* Room for one more datagram to send (APP_DGRAM_BUF bytes), right after the
 * previous one; flushes first when the batch is full. */
uint8_t *app_io_tx_slot(app_io *io);
/* The datagram written at the slot: len bytes to `to`, by socket 0 (udp;
 * set io->txv[io->n_tx - 1].sock after for another). */
void app_io_tx_commit(app_io *io, size_t len, const app_addr *to);
/* Queues every datagram a connection has now, to `to` (the current peer) or,
 * for a path validation's probes, where the connection says, each by the
 * socket of its path's local address; returns how many. */
size_t app_io_send_conn(app_io *io, quic_conn *q, const app_addr *to, uint64_t now);
/* Sends what is queued with sendmmsg (GSO runs merged). */
void app_io_flush(app_io *io);

/* Called for each datagram app_io_recv_conn hands to the connection. */
typedef void (*app_io_after_fn)(void *ud, uint64_t now);
/* Reads every socket of io dry into one client connection (each socket is
 * connected to its server address: ours, or a preferred address being
 * validated, RFC 9000 §9.6); local0, when set, is socket 0's address as the
 * connection knows it (after a NAT-like rebinding it is not the socket's);
 * after, when set, runs after each datagram (a program that must drain
 * QUIC's bounded receive queue between packets). Returns how many were taken. */
size_t app_io_recv_conn(app_io *io, quic_conn *q, const app_addr *local0, uint64_t now,
                        app_io_after_fn after, void *ud);
/* Called for each datagram app_io_recv_endpoint routed to a connection. */
typedef void (*app_io_routed_fn)(void *ud, quic_conn *q);
/* Reads up to max_batches batches per socket (the listening one and the
 * preferred addresses') into a server endpoint (bounded work per
 * wake-up: ACKs, timers and sends must not wait for a flooded socket to run
 * dry; the socket stays readable, so the loop comes straight back). Returns
 * true when every socket was read dry: that `now` is the time to pass
 * quic_endpoint_expire. */
bool app_io_recv_endpoint(app_io *io, quic_endpoint *ep, int max_batches, uint64_t now,
                          app_io_routed_fn routed, void *ud);
/* Queues the endpoint's stateless answers (Version Negotiation, Retry,
 * stateless resets, refusals) to the addresses they are for. */
void app_io_send_stateless(app_io *io, quic_endpoint *ep);
/* app_io_send_conn for a server connection: to its current peer, then
 * quic_endpoint_sync (its deadline and CIDs). Returns the datagrams queued. */
size_t app_io_send_ep_conn(app_io *io, quic_endpoint *ep, quic_conn *q, uint64_t now);

/* --pcap FILE: what this socket sends and receives goes into a capture. */
int app_io_pcap_open(app_io *io, const char *path, char *err, size_t errlen);

/* Waits until one of n sockets is readable or the monotonic clock reaches
 * deadline_us (QUIC_NEVER: none), at most max_wait_us. */
void app_wait_fds(const int *fds, size_t n, uint64_t deadline_us, uint64_t max_wait_us);

#endif
