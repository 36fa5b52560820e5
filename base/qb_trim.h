/*
 * qb_trim: when a queue that drains between uses should give memory back.
 *
 * A queue calls qb_trim_use with its fill level as it grows and
 * qb_trim_drained each time it empties. Storage is given back only after
 * QB_TRIM_ROUNDS drain cycles in a row that each used at most a quarter of it
 * (hysteresis), so a steady pattern of bursts never frees and reallocates per
 * burst, while a queue that was sized by one large burst shrinks once traffic
 * is small again. The target keeps twice the largest recent use.
 */
#ifndef QB_TRIM_H
#define QB_TRIM_H

#include <stddef.h>

#define QB_TRIM_ROUNDS 4

typedef struct qb_trim {
    size_t hwm;    /* most in use since the last drain */
    size_t recent; /* most in use over the low cycles counted */
    unsigned low;  /* drain cycles in a row that used <= cap / 4 */
} qb_trim;

static inline void qb_trim_use(qb_trim *t, size_t used)
{
    if (used > t->hwm)
        t->hwm = used;
}

/* Called when the queue is empty, with its capacity; returns the capacity to
 * shrink to (0 = free it all), or cap when it should stay as it is. */
static inline size_t qb_trim_drained(qb_trim *t, size_t cap, size_t keep)
{
    size_t used = t->hwm;
    t->hwm = 0;
    if (cap <= keep || used * 4 > cap) {
        t->low = 0;
        t->recent = 0;
        return cap;
    }
    if (used > t->recent)
        t->recent = used;
    if (++t->low < QB_TRIM_ROUNDS)
        return cap;
    size_t target = t->recent * 2;
    t->low = 0;
    t->recent = 0;
    return target < keep ? keep : target;
}

#endif
