/* The counting allocator of tu_alloc.h: a size header in front of each block. */
#include "common/tu_alloc.h"

#include <stdint.h>
#include <stdlib.h>

#define HDR sizeof(max_align_t)

static size_t *hdr_of(void *p) { return (size_t *)(void *)((uint8_t *)p - HDR); }

static void *c_alloc(void *ud, size_t n)
{
    tu_counter *c = ud;
    if (++c->calls == c->fail_at)
        return NULL;
    size_t *h = malloc(n + HDR);
    if (!h)
        return NULL;
    *h = n;
    c->live++;
    c->bytes += n;
    return (uint8_t *)h + HDR;
}

static void *c_realloc(void *ud, void *p, size_t n)
{
    tu_counter *c = ud;
    if (!p)
        return c_alloc(ud, n);
    if (++c->calls == c->fail_at)
        return NULL;
    size_t old = *hdr_of(p);
    size_t *h = realloc(hdr_of(p), n + HDR);
    if (!h)
        return NULL;
    *h = n;
    c->bytes = c->bytes - old + n;
    return (uint8_t *)h + HDR;
}

static void c_free(void *ud, void *p)
{
    tu_counter *c = ud;
    if (!p)
        return;
    c->live--;
    c->bytes -= *hdr_of(p);
    free(hdr_of(p));
}

qb_alloc tu_counting_alloc(tu_counter *c)
{
    return (qb_alloc){c_alloc, c_realloc, c_free, c};
}
