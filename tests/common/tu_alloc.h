/* A counting allocator for the qb_alloc hook, shared by the suites that check
 * what a module holds (live blocks and bytes) or how it survives the N-th
 * allocation failing. */
#ifndef TEST_TU_ALLOC_H
#define TEST_TU_ALLOC_H

#include "base/qb.h"

#include <stddef.h>

typedef struct tu_counter {
    long calls;   /* alloc and realloc calls so far */
    long fail_at; /* the call (1-based) that returns NULL; 0: none */
    long live;    /* blocks held */
    size_t bytes; /* bytes held */
} tu_counter;

/* The hook counting into c (which must outlive every block). */
qb_alloc tu_counting_alloc(tu_counter *c);

#endif
