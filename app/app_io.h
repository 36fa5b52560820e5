/*
 * The datagram side of the event loop every quince program shares (the
 * quince commands in app_peer.c, the bench programs): batched receive
 * buffers for one socket, outgoing datagrams laid end to end so runs of equal
 * size to one peer leave as one UDP GSO send, the quic_path of an address
 * pair, and the wait on sockets until a deadline.
 */
#ifndef APP_IO_H
#define APP_IO_H

#include "app/app_udp.h"
#include "app/pcap.h"
#include "quic/quic.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define APP_BATCH 32
#define APP_DGRAM_BUF 1500 /* we accept UDP payloads up to 1452 (max_udp_payload_size) */

/* Batched datagram buffers for one socket. Outgoing datagrams are laid end
 * to end in one buffer, so a run of equal-size datagrams to one peer goes to
 * the kernel as a single UDP GSO send (when udp.gso is set). */
typedef struct app_io {
    app_udp udp;
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

/* Receives one batch into io->rx: rv[0..APP_BATCH) point into it; returns
 * the count, as app_udp_recv_batch (io->received is the caller's to count:
 * it may drop datagrams from strangers). */
int app_io_recv(app_io *io, app_dgram *rv);

/* Room for one more datagram to send (APP_DGRAM_BUF bytes), right after the
 * previous one; flushes first when the batch is full. */
uint8_t *app_io_tx_slot(app_io *io);
/* The datagram written at the slot: len bytes to `to`. */
void app_io_tx_commit(app_io *io, size_t len, const app_addr *to);
/* Queues every datagram a connection has now, to `to` (the current peer) or,
 * for a path validation's probes, where the connection says; returns how many. */
size_t app_io_send_conn(app_io *io, quic_conn *q, const app_addr *to, uint64_t now);
/* Sends what is queued with sendmmsg (GSO runs merged). */
void app_io_flush(app_io *io);

/* --pcap FILE: what this socket sends and receives goes into a capture. */
int app_io_pcap_open(app_io *io, const char *path, char *err, size_t errlen);

/* Waits until one of n sockets is readable or the monotonic clock reaches
 * deadline_us (QUIC_NEVER: none), at most max_wait_us. */
void app_wait_fds(const int *fds, size_t n, uint64_t deadline_us, uint64_t max_wait_us);

#endif
