/*
 * Half-open connections per source address, for the server endpoint's
 * per-address limit (RFC 9000 §21.1.1: a peer from one address must not be
 * able to fill the handshake slots). An address is a short byte string (the
 * caller's choice: the IP without the port, say). Open addressing with
 * linear probing under a keyed hash; an address with no half-open connection
 * has no entry, so the table holds at most as many entries as handshakes. It
 * starts small and doubles as addresses come (issue 10: an idle server holds
 * a few hundred bytes here, not room for every handshake), and goes back to
 * its first size when the last address leaves.
 */
#ifndef QUIC_EP_ADDR_H
#define QUIC_EP_ADDR_H

#include "base/qb.h"

#include <stddef.h>
#include <stdint.h>

/* The longest address kept. endpoint.c, which sits above this file (and so
 * cannot be included by it), checks at compile time that this covers its
 * public QUIC_EP_ADDR_MAX. */
#define QUIC_EP_ADDRS_LEN_MAX 32

typedef struct quic_ep_addr_entry {
    uint8_t b[QUIC_EP_ADDRS_LEN_MAX];
    uint8_t len;
    uint32_t count; /* 0: empty */
} quic_ep_addr_entry;

typedef struct quic_ep_addrs {
    const qb_alloc *alloc;
    quic_ep_addr_entry *e;
    size_t cap;     /* power of two; never more than half full */
    size_t cap_max; /* the cap that holds max_entries */
    size_t used;
    uint8_t key[16];
} quic_ep_addrs;

int quic_ep_addrs_init(quic_ep_addrs *t, const qb_alloc *a, size_t max_entries,
                       const uint8_t key[16]);
void quic_ep_addrs_free(quic_ep_addrs *t);
uint32_t quic_ep_addrs_count(const quic_ep_addrs *t, const uint8_t *b, size_t len);
/* Adds one; -1 when there is no room for another address (max_entries are
 * there, or the table could not grow). */
int quic_ep_addrs_inc(quic_ep_addrs *t, const uint8_t *b, size_t len);
void quic_ep_addrs_dec(quic_ep_addrs *t, const uint8_t *b, size_t len);

#endif
