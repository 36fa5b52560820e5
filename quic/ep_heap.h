/*
 * A binary min-heap of deadlines keyed by slot number (0 .. cap-1), for the
 * server endpoint: the earliest deadline in O(1), a change in O(log n), so no
 * event costs a walk of every connection.
 */
#ifndef QUIC_EP_HEAP_H
#define QUIC_EP_HEAP_H

#include "base/qb.h"

#include <stddef.h>
#include <stdint.h>

typedef struct quic_ep_heap {
    const qb_alloc *alloc;
    uint32_t *order; /* heap of slots, earliest first */
    uint32_t *pos;   /* pos[slot]: its index in order, UINT32_MAX when absent */
    uint64_t *key;   /* key[slot] */
    size_t n, cap;
} quic_ep_heap;

int quic_ep_heap_init(quic_ep_heap *h, const qb_alloc *a, size_t cap);
/* Room for slots up to ncap - 1 (ncap >= cap); -1 when out of memory, the
 * heap unchanged. The endpoint grows it with its connection slots. */
int quic_ep_heap_grow(quic_ep_heap *h, size_t ncap);
void quic_ep_heap_free(quic_ep_heap *h);
/* Sets slot's deadline; UINT64_MAX removes it. */
void quic_ep_heap_set(quic_ep_heap *h, size_t slot, uint64_t key);
/* The earliest deadline (UINT64_MAX: none) and its slot. */
uint64_t quic_ep_heap_top(const quic_ep_heap *h, size_t *slot);

#endif
