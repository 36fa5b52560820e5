/* The endpoint's deadline heap (ep_heap.h). */
#include "quic/ep_heap.h"

#include <string.h>

#define ABSENT UINT32_MAX

int quic_ep_heap_init(quic_ep_heap *h, const qb_alloc *a, size_t cap)
{
    memset(h, 0, sizeof *h);
    h->alloc = a;
    h->cap = cap;
    if (cap == 0)
        return 0; /* grown later (quic_ep_heap_grow) */
    h->order = qb_malloc(a, cap * sizeof *h->order);
    h->pos = qb_malloc(a, cap * sizeof *h->pos);
    h->key = qb_malloc(a, cap * sizeof *h->key);
    if (!h->order || !h->pos || !h->key) {
        quic_ep_heap_free(h);
        return -1;
    }
    for (size_t i = 0; i < cap; i++)
        h->pos[i] = ABSENT;
    return 0;
}

int quic_ep_heap_grow(quic_ep_heap *h, size_t ncap)
{
    if (ncap <= h->cap)
        return 0;
    /* Each array is kept as soon as it has grown: a later failure leaves
     * arrays larger than cap, which is harmless. */
    uint32_t *o = qb_realloc(h->alloc, h->order, ncap * sizeof *o);
    if (!o)
        return -1;
    h->order = o;
    uint32_t *p = qb_realloc(h->alloc, h->pos, ncap * sizeof *p);
    if (!p)
        return -1;
    h->pos = p;
    uint64_t *k = qb_realloc(h->alloc, h->key, ncap * sizeof *k);
    if (!k)
        return -1;
    h->key = k;
    for (size_t i = h->cap; i < ncap; i++)
        h->pos[i] = ABSENT;
    h->cap = ncap;
    return 0;
}

void quic_ep_heap_free(quic_ep_heap *h)
{
    qb_free(h->alloc, h->order);
    qb_free(h->alloc, h->pos);
    qb_free(h->alloc, h->key);
    memset(h, 0, sizeof *h);
}

static void put(quic_ep_heap *h, size_t i, uint32_t slot)
{
    h->order[i] = slot;
    h->pos[slot] = (uint32_t)i;
}

static void sift_up(quic_ep_heap *h, size_t i)
{
    uint32_t s = h->order[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (h->key[h->order[parent]] <= h->key[s])
            break;
        put(h, i, h->order[parent]);
        i = parent;
    }
    put(h, i, s);
}

static void sift_down(quic_ep_heap *h, size_t i)
{
    uint32_t s = h->order[i];
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        uint64_t best = h->key[s];
        if (l < h->n && h->key[h->order[l]] < best)
            m = l, best = h->key[h->order[l]];
        if (l + 1 < h->n && h->key[h->order[l + 1]] < best)
            m = l + 1;
        if (m == i)
            break;
        put(h, i, h->order[m]);
        i = m;
    }
    put(h, i, s);
}

void quic_ep_heap_set(quic_ep_heap *h, size_t slot, uint64_t key)
{
    if (slot >= h->cap)
        return;
    uint32_t p = h->pos[slot];
    if (key == UINT64_MAX) {
        if (p == ABSENT)
            return;
        h->pos[slot] = ABSENT;
        if (--h->n == p)
            return;
        uint32_t moved = h->order[h->n];
        put(h, p, moved);
        sift_down(h, p);
        if (h->pos[moved] == p)
            sift_up(h, p);
        return;
    }
    uint64_t old = p == ABSENT ? UINT64_MAX : h->key[slot];
    h->key[slot] = key;
    if (p == ABSENT) {
        put(h, h->n++, (uint32_t)slot);
        sift_up(h, h->n - 1);
    } else if (key < old) {
        sift_up(h, p);
    } else if (key > old) {
        sift_down(h, p);
    }
}

uint64_t quic_ep_heap_top(const quic_ep_heap *h, size_t *slot)
{
    if (!h->n)
        return UINT64_MAX;
    if (slot)
        *slot = h->order[0];
    return h->key[h->order[0]];
}
