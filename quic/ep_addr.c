/* Per-address counts of half-open connections (ep_addr.h). */
#include "quic/ep_addr.h"

#include "quic/cid_table.h" /* quic_siphash24 */

#include <string.h>

#define CAP_MIN 8

int quic_ep_addrs_init(quic_ep_addrs *t, const qb_alloc *a, size_t max_entries,
                       const uint8_t key[16])
{
    memset(t, 0, sizeof *t);
    t->alloc = a;
    t->cap_max = CAP_MIN;
    while (t->cap_max < 2 * max_entries)
        t->cap_max *= 2;
    t->cap = CAP_MIN;
    memcpy(t->key, key, 16);
    t->e = qb_calloc(a, t->cap * sizeof *t->e);
    return t->e ? 0 : -1;
}

void quic_ep_addrs_free(quic_ep_addrs *t)
{
    qb_free(t->alloc, t->e);
    memset(t, 0, sizeof *t);
}

static size_t home(const quic_ep_addrs *t, const uint8_t *b, size_t len)
{
    return (size_t)quic_siphash24(t->key, b, len) & (t->cap - 1);
}

/* The entry of b, or the empty one where it would go. */
static size_t find(const quic_ep_addrs *t, const uint8_t *b, size_t len)
{
    size_t i = home(t, b, len);
    while (t->e[i].count && !(t->e[i].len == len && memcmp(t->e[i].b, b, len) == 0))
        i = (i + 1) & (t->cap - 1);
    return i;
}

uint32_t quic_ep_addrs_count(const quic_ep_addrs *t, const uint8_t *b, size_t len)
{
    if (!t->e || len > QUIC_EP_ADDRS_LEN_MAX)
        return 0;
    return t->e[find(t, b, len)].count;
}

/* Moves every entry into a table of cap entries (a power of two that holds
 * them at most half full). -1, and t unchanged, when it cannot be had. */
static int rehash(quic_ep_addrs *t, size_t cap)
{
    quic_ep_addr_entry *old = t->e;
    size_t old_cap = t->cap;
    quic_ep_addr_entry *e = qb_calloc(t->alloc, cap * sizeof *e);
    if (!e)
        return -1;
    t->e = e;
    t->cap = cap;
    for (size_t j = 0; j < old_cap; j++)
        if (old[j].count)
            t->e[find(t, old[j].b, old[j].len)] = old[j];
    qb_free(t->alloc, old);
    return 0;
}

int quic_ep_addrs_inc(quic_ep_addrs *t, const uint8_t *b, size_t len)
{
    if (!t->e || len > QUIC_EP_ADDRS_LEN_MAX)
        return -1;
    size_t i = find(t, b, len);
    if (!t->e[i].count) {
        /* never more than half full: probes stay short */
        if (2 * (t->used + 1) > t->cap_max)
            return -1;
        if (2 * (t->used + 1) > t->cap) {
            if (rehash(t, 2 * t->cap) != 0)
                return -1;
            i = find(t, b, len);
        }
        memcpy(t->e[i].b, b, len);
        t->e[i].len = (uint8_t)len;
        t->used++;
    }
    t->e[i].count++;
    return 0;
}

void quic_ep_addrs_dec(quic_ep_addrs *t, const uint8_t *b, size_t len)
{
    if (!t->e || len > QUIC_EP_ADDRS_LEN_MAX)
        return;
    size_t i = find(t, b, len);
    if (!t->e[i].count || --t->e[i].count)
        return;
    t->used--;
    /* Backward-shift deletion: later entries of the probe run move up, so
     * lookups need no tombstones. */
    size_t mask = t->cap - 1, hole = i;
    for (size_t j = (i + 1) & mask; t->e[j].count; j = (j + 1) & mask) {
        size_t h = home(t, t->e[j].b, t->e[j].len);
        /* j may move to the hole when its home is not in (hole, j]. */
        bool stays = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j);
        if (stays)
            continue;
        t->e[hole] = t->e[j];
        memset(&t->e[j], 0, sizeof t->e[j]);
        hole = j;
    }
    if (hole == i)
        memset(&t->e[i], 0, sizeof t->e[i]);
    /* The last address gone: back to the first size (if that allocation
     * fails, the bigger table stays, which is no harm). */
    if (t->used == 0 && t->cap > CAP_MIN)
        rehash(t, CAP_MIN);
}
