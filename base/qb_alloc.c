/* The allocator hook: one place every allocation passes through. */
#include "base/qb.h"

#include <stdlib.h>
#include <string.h>

static void *std_alloc(void *ud, size_t n)
{
    (void)ud;
    return malloc(n ? n : 1);
}

static void *std_realloc(void *ud, void *p, size_t n)
{
    (void)ud;
    return realloc(p, n ? n : 1);
}

static void std_free(void *ud, void *p)
{
    (void)ud;
    free(p);
}

static const qb_alloc std_allocator = {std_alloc, std_realloc, std_free, NULL};

const qb_alloc *qb_alloc_default(void) { return &std_allocator; }

void *qb_malloc(const qb_alloc *a, size_t n)
{
    if (!a)
        a = &std_allocator;
    return a->alloc(a->ud, n);
}

void *qb_calloc(const qb_alloc *a, size_t n)
{
    void *p = qb_malloc(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

void *qb_realloc(const qb_alloc *a, void *p, size_t n)
{
    if (!a)
        a = &std_allocator;
    return a->realloc(a->ud, p, n);
}

void qb_free(const qb_alloc *a, void *p)
{
    if (!p)
        return;
    if (!a)
        a = &std_allocator;
    a->free(a->ud, p);
}
